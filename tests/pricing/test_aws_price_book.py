"""The bundled AWS price book: schema, provenance, coverage and sanity of the figures."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pytest

from cloudwaste.model import CostBasis
from cloudwaste.pricing.book import PriceBook

UNITS = {"GB-month", "IOPS-month", "MiBps-month", "hour"}
COMMON_REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
]
REQUIRED = {
    "ebs.gp2.gb_month": "GB-month",
    "ebs.gp3.gb_month": "GB-month",
    "ebs.io1.gb_month": "GB-month",
    "ebs.io2.gb_month": "GB-month",
    "ebs.st1.gb_month": "GB-month",
    "ebs.sc1.gb_month": "GB-month",
    "ebs.standard.gb_month": "GB-month",
    "ebs.io1.iops_month": "IOPS-month",
    "ebs.io2.iops_month": "IOPS-month",
    "ebs.io2.iops_month.tier2": "IOPS-month",
    "ebs.io2.iops_month.tier3": "IOPS-month",
    "ebs.gp3.iops_month": "IOPS-month",
    "ebs.gp3.throughput_month": "MiBps-month",
    "ebs.snapshot.standard.gb_month": "GB-month",
    "ebs.snapshot.archive.gb_month": "GB-month",
    "ec2.public_ipv4.hour": "hour",
    "vpc.nat_gateway.hour": "hour",
    "elb.application.hour": "hour",
    "elb.network.hour": "hour",
    "elb.classic.hour": "hour",
}
# keys whose list price is known for every common region
EVERY_COMMON_REGION = [
    "ebs.gp2.gb_month",
    "ebs.gp3.gb_month",
    "ebs.io1.gb_month",
    "ebs.snapshot.standard.gb_month",
    "ec2.public_ipv4.hour",
    "vpc.nat_gateway.hour",
    "elb.application.hour",
    "elb.network.hour",
]


@pytest.fixture(scope="module")
def raw() -> dict:
    text = resources.files("cloudwaste.pricing.data").joinpath("aws.json").read_text(encoding="utf-8")
    return json.loads(text)


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook.load("aws")


def test_book_states_its_source_and_date(raw):
    assert raw["provider"] == "aws" and raw["currency"] == "USD"
    assert "aws.amazon.com/ebs/pricing" in raw["source"]
    assert "by hand" in raw["source"] and "on-demand" in raw["source"]
    as_of = date.fromisoformat(raw["as_of"])
    assert as_of >= date(2024, 2, 1)  # after the public IPv4 charge started
    assert raw["hours_per_month"] == 730


def test_every_required_key_is_present_with_its_unit(raw):
    for key, unit in REQUIRED.items():
        assert raw["prices"][key]["unit"] == unit, key


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_entry_shape_and_default_is_the_us_east_1_price(raw, key):
    entry = raw["prices"][key]
    assert entry["unit"] in UNITS
    assert set(entry) <= {"unit", "default", "regions", "note"}
    assert entry["default"] == entry["regions"]["us-east-1"]
    for region, amount in entry["regions"].items():
        assert region in COMMON_REGIONS, region
        assert 0 < amount < 1, (region, amount)
        # us-east-1 has the lowest list price of these regions for every one of these keys
        assert amount >= entry["default"], (key, region)


@pytest.mark.parametrize("key", EVERY_COMMON_REGION)
def test_headline_prices_cover_the_common_regions(raw, key):
    assert set(raw["prices"][key]["regions"]) == set(COMMON_REGIONS)


def test_public_ipv4_costs_half_a_cent_an_hour_everywhere(raw):
    entry = raw["prices"]["ec2.public_ipv4.hour"]
    assert entry["default"] == 0.005
    assert set(entry["regions"].values()) == {0.005}


def test_us_east_1_list_prices(book):
    expected = {
        "ebs.gp3.gb_month": 0.08,
        "ebs.gp2.gb_month": 0.10,
        "ebs.io2.iops_month": 0.065,
        "ebs.gp3.iops_month": 0.005,
        "ebs.gp3.throughput_month": 0.04,
        "ebs.snapshot.standard.gb_month": 0.05,
        "ebs.snapshot.archive.gb_month": 0.0125,
        "vpc.nat_gateway.hour": 0.045,
        "elb.application.hour": 0.0225,
        "elb.classic.hour": 0.025,
    }
    for key, amount in expected.items():
        price = book.get(key, "us-east-1")
        assert price is not None and price.amount == amount, key


def test_gp3_is_cheaper_than_gp2_wherever_both_are_listed(raw):
    gp2, gp3 = raw["prices"]["ebs.gp2.gb_month"]["regions"], raw["prices"]["ebs.gp3.gb_month"]["regions"]
    for region in gp2.keys() & gp3.keys():
        assert gp3[region] == pytest.approx(gp2[region] * 0.8), region


def test_io2_iops_tiers_get_cheaper(book):
    tiers = [
        book.get(k, "us-east-1")
        for k in ("ebs.io2.iops_month", "ebs.io2.iops_month.tier2", "ebs.io2.iops_month.tier3")
    ]
    amounts = [t.amount for t in tiers if t is not None]
    assert len(amounts) == 3 and amounts == sorted(amounts, reverse=True)


def test_listed_region_is_bundled_and_unlisted_is_an_estimate(book):
    listed = book.get("ebs.gp3.gb_month", "eu-west-1")
    unlisted = book.get("ebs.gp3.gb_month", "sa-east-1")
    assert listed is not None and listed.basis is CostBasis.BUNDLED_PRICE and listed.amount == 0.088
    assert unlisted is not None and unlisted.basis is CostBasis.ESTIMATE and unlisted.amount == 0.08


def test_hourly_prices_are_monthly_times_730(book):
    money = book.monthly("vpc.nat_gateway.hour", "us-east-1")
    assert money.amount == 32.85
    assert "730 h" in (money.detail or "")


def test_other_partitions_never_get_the_us_east_1_default() -> None:
    from cloudwaste.pricing.book import PriceBook

    book = PriceBook.load("aws")
    assert book.get("ebs.gp3.gb_month", "sa-east-1") is not None  # estimate from the default
    for region in ("cn-north-1", "us-gov-west-1", "eusc-de-east-1"):
        assert book.get("ebs.gp3.gb_month", region) is None
        assert book.monthly("ebs.gp3.gb_month", region, 100).amount is None
