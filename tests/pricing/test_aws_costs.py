"""cloudwaste.pricing.aws: EBS volume, snapshot and public IPv4 costs, and the gp2 -> gp3 saving."""

from __future__ import annotations

import pytest

from cloudwaste.model import CostBasis, CostKind, Money
from cloudwaste.pricing.aws import (
    add,
    ebs_volume_monthly,
    gp2_baseline_iops,
    gp2_sustained_throughput,
    gp2_to_gp3_saving,
    public_ipv4_monthly,
    snapshot_monthly,
    with_note,
)
from cloudwaste.pricing.book import PriceBook


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook.load("aws")


@pytest.mark.parametrize(
    ("vtype", "size", "iops", "throughput", "amount"),
    [
        ("gp2", 100, 300, None, 10.0),
        ("gp3", 100, 3000, 125, 8.0),  # baseline IOPS and throughput are included
        ("gp3", 100, 3001, 126, 8.0 + 0.005 + 0.04),
        ("io1", 100, 1000, None, 12.5 + 65.0),
        ("io2", 100, 32000, None, 12.5 + 2080.0),  # exactly the first tier
        ("io2", 100, 64000, None, 12.5 + 2080.0 + 1456.0),  # exactly the first two tiers
        ("io2", 100, 64001, None, 12.5 + 2080.0 + 1456.0 + 0.03),
        ("st1", 500, None, None, 22.5),
        ("sc1", 500, None, None, 7.5),
        ("standard", 100, None, None, 5.0),
    ],
)
def test_volume_monthly_cost(book, vtype, size, iops, throughput, amount):
    money = ebs_volume_monthly(book, "us-east-1", vtype, size, iops, throughput)
    assert money.amount == pytest.approx(amount, abs=0.011)
    assert money.kind is CostKind.COST and money.basis is CostBasis.BUNDLED_PRICE


def test_magnetic_volume_says_io_requests_are_excluded(book):
    assert "I/O request" in (ebs_volume_monthly(book, "us-east-1", "standard", 10).detail or "")


def test_unknown_volume_type_is_unknown_never_zero(book):
    money = ebs_volume_monthly(book, "us-east-1", "gp9", 100)
    assert money.amount is None and money.basis is None


def test_snapshot_cost_is_an_upper_bound_per_tier(book):
    standard = snapshot_monthly(book, "us-east-1", 100)
    archive = snapshot_monthly(book, "us-east-1", 100, "archive")
    assert (standard.amount, archive.amount) == (5.0, 1.25)
    assert "upper bound" in (standard.detail or "")


def test_public_ipv4(book):
    assert public_ipv4_monthly(book, "ap-northeast-1").amount == 3.65
    assert public_ipv4_monthly(book, "us-east-1", 3).amount == 10.95


def test_add_sums_and_keeps_the_weakest_basis():
    a = Money(amount=1.25, basis=CostBasis.BUNDLED_PRICE, detail="a")
    b = Money(amount=2.5, basis=CostBasis.ESTIMATE, detail="b")
    total = add([a, b])
    assert total.amount == 3.75 and total.basis is CostBasis.ESTIMATE and total.detail == "a + b"


def test_add_with_an_unknown_part_is_unknown():
    total = add([Money(amount=1.0, basis=CostBasis.BUNDLED_PRICE), Money.unknown(detail="no price")])
    assert total.amount is None


def test_add_of_nothing_is_a_known_zero():
    total = add([], empty_detail="nothing attached")
    assert (
        total.amount == 0.0 and total.basis is CostBasis.BUNDLED_PRICE and total.detail == "nothing attached"
    )


def test_with_note_appends_to_the_detail():
    assert with_note(Money(amount=1.0, detail="x"), "y").detail == "x; y"
    assert with_note(Money(amount=1.0), "y").detail == "y"


@pytest.mark.parametrize(
    ("size", "iops"), [(1, 100), (33, 100), (34, 102), (1000, 3000), (5334, 16000), (9000, 16000)]
)
def test_gp2_baseline_iops(size, iops):
    assert gp2_baseline_iops(size) == iops


@pytest.mark.parametrize(("size", "mibps"), [(170, 125), (333, 125), (334, 250), (16384, 250)])
def test_gp2_sustained_throughput(size, mibps):
    assert gp2_sustained_throughput(size) == mibps


@pytest.mark.parametrize(
    ("size", "match", "amount"),
    [
        (100, True, 2.0),
        (1000, False, 20.0),  # 3000 IOPS: exactly gp3's baseline
        (1001, False, 20.02 - 0.015),  # 3003 IOPS: 3 provisioned gp3 IOPS
        (333, True, 6.66),
        (334, True, 6.68 - 5.0),  # 250 MiB/s sustained: 125 MiB/s provisioned
    ],
)
def test_gp2_to_gp3_saving(book, size, match, amount):
    saving = gp2_to_gp3_saving(book, "us-east-1", size, match)
    assert saving.amount == pytest.approx(amount, abs=0.006)
    assert saving.kind is CostKind.SAVING


def test_gp2_to_gp3_saving_in_an_unlisted_region_is_an_estimate(book):
    saving = gp2_to_gp3_saving(book, "sa-east-1", 100)
    assert saving.basis is CostBasis.ESTIMATE


def test_gp2_to_gp3_saving_without_prices_is_unknown():
    empty = PriceBook("aws", "USD", "none", "", 730.0, {})
    saving = gp2_to_gp3_saving(empty, "us-east-1", 100)
    assert saving.amount is None and saving.kind is CostKind.SAVING
