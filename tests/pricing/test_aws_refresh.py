"""``pricing/aws_refresh.py`` through boto3 against the loopback Price List fake (moto has no Price List)."""

from __future__ import annotations

import pytest
from tests.fakes.aws_pricing import PricingServer, catalog, product

from cloudwaste.errors import ProviderError
from cloudwaste.pricing import aws_refresh
from cloudwaste.pricing.book import PriceBook

REGIONS = ["us-east-1", "eu-west-1"]


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def fetch(
    server: PricingServer,
    monkeypatch: pytest.MonkeyPatch,
    book: PriceBook | None = None,
    regions: list[str] | None = REGIONS,
    **kw: object,
) -> list[dict[str, object]]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", server.url)
    kw.setdefault("max_attempts", 1)
    return aws_refresh.fetch_prices(book or PriceBook.load("aws"), regions, **kw)  # type: ignore[arg-type]


def small_book(**prices: dict[str, object]) -> PriceBook:
    return PriceBook("aws", "USD", "test", "2026-12-01", 730.0, dict(prices))


def by_key(rows: list[dict[str, object]]) -> dict[tuple[object, object], dict[str, object]]:
    return {(r["key"], r["region"]): r for r in rows}


# keys of the bundled book (aws.json and its fragments) the fake's catalog lists a product for
IN_CATALOG = (
    "ec2.instance.m5.large.hour",
    "ec2.instance.t3.micro.hour",
    "rds.mysql.db.t3.micro.hour",
    "rds.postgres.db.t3.micro.hour",
    "rds.aurora.db.r6g.large.hour",
)


def catalog_keys(book: PriceBook) -> list[str]:
    prefixes = ("ebs.", "elb.", "vpc.", "ec2.public_ipv4.", "rds.storage.")
    return [k for k in book.prices if k.startswith(prefixes) or k in IN_CATALOG]


def test_every_bundled_key_but_data_transfer_is_mapped() -> None:
    book = PriceBook.load("aws")
    unmapped = [k for k in book.prices if aws_refresh.query_for(k) is None]
    assert all(k.startswith("ec2.data_transfer.") for k in unmapped), unmapped
    assert len(catalog_keys(book)) >= 30


def test_refresh_prices_every_key_in_every_region(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    book = PriceBook.load("aws")
    with PricingServer(catalog(REGIONS, scale=2.0)) as server:
        rows = fetch(server, monkeypatch, book)
    got = by_key(rows)
    for key in catalog_keys(book):
        for region in REGIONS:
            assert got[(key, region)]["amount"] is not None, (key, region, got[(key, region)])
    assert got[("ebs.gp3.gb_month", "eu-west-1")]["amount"] == pytest.approx(0.16)
    assert got[("ebs.io2.iops_month.tier2", "us-east-1")]["amount"] == pytest.approx(0.091)  # not tier 1
    # GiBps-mo -> MiBps-month: 81.92 / 1024
    tput = got[("ebs.gp3.throughput_month", "us-east-1")]
    assert tput["amount"] == pytest.approx(0.08) and tput["unit"] == "MiBps-month"
    ipv4 = got[("ec2.public_ipv4.hour", "us-east-1")]  # USE1- prefix even in us-east-1
    assert ipv4["amount"] == pytest.approx(0.01) and ipv4["unit"] == "hour"
    alb = got[("elb.application.hour", "eu-west-1")]
    assert alb["amount"] == pytest.approx(0.045)  # not the trust-store or LCU hours
    assert str(alb["source"]).startswith("AWS Price List API (AWSELB SKU ")
    # Linux shared on-demand, not Windows, dedicated or unused reservations
    assert got[("ec2.instance.m5.large.hour", "eu-west-1")]["amount"] == pytest.approx(0.192)
    # single-AZ, standard (not I/O-Optimized) Aurora; license-free engines' storage, not SQL Server's
    assert got[("rds.aurora.db.r6g.large.hour", "us-east-1")]["amount"] == pytest.approx(0.52)
    assert got[("rds.storage.gp2.gb_month", "eu-west-1")]["amount"] == pytest.approx(0.23)
    assert got[("rds.storage.gp3.throughput_month", "us-east-1")]["amount"] == pytest.approx(0.16)
    assert all(r["provider"] == "aws" and r["currency"] == "USD" for r in rows)
    # not in the catalog: skipped with the reason, never guessed
    if "ec2.instance.c5.large.hour" in book.prices:
        assert "BoxUsage:c5.large" in str(got[("ec2.instance.c5.large.hour", "us-east-1")]["skipped"])
    if "ec2.data_transfer.inter_az.gb" in book.prices:
        assert got[("ec2.data_transfer.inter_az.gb", "*")]["skipped"] == "no Price List mapping for this key"


def test_requests_are_real_get_products_calls_signed_for_us_east_1(
    creds: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PricingServer(catalog(["eu-west-1"])) as server:
        fetch(server, monkeypatch, regions=["eu-west-1"])
    reqs = server.requests()
    assert reqs and all(r.target == "AWSPriceListService.GetProducts" for r in reqs)
    assert {(r.region, r.service) for r in reqs} == {("us-east-1", "pricing")}
    storage = next(
        r.body
        for r in reqs
        if {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Storage"} in r.body["Filters"]
    )
    assert storage["ServiceCode"] == "AmazonEC2" and storage["FormatVersion"] == "aws_v1"
    assert {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "eu-west-1"} in storage["Filters"]
    assert {"Type": "TERM_MATCH", "Field": "locationType", "Value": "AWS Region"} in storage["Filters"]
    # keys sharing service and filters share one query: all seven volume types, one Storage request
    assert sum(1 for r in reqs if r.body == storage) == 1


def test_pages_are_followed(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with PricingServer(catalog(["us-east-1"]), page_size=2) as server:
        rows = fetch(server, monkeypatch, regions=["us-east-1"])
    got = by_key(rows)
    assert got[("ebs.sc1.gb_month", "us-east-1")]["amount"] == pytest.approx(0.015)
    assert any(r.body.get("NextToken") for r in server.requests())


def test_outposts_products_are_not_region_prices(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    book = small_book(**{"ebs.gp3.gb_month": {"unit": "GB-month", "default": 0.08}})
    products = [
        product(
            "AmazonEC2",
            "Storage",
            "us-east-1",
            "EBS:VolumeUsage.gp3",
            0.2,
            "GB-Mo",
            attributes={"locationType": "AWS Outposts"},
        ),
    ]
    with PricingServer(products) as server:
        [row] = fetch(server, monkeypatch, book, ["us-east-1"])
    assert row["amount"] is None and "no AmazonEC2 product" in str(row["skipped"])


def test_unmapped_keys_ambiguous_prices_and_odd_units_are_skipped_not_guessed(
    creds: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = small_book(
        **{
            "rds.mystery.hour": {"unit": "hour", "default": 1.0},
            "ebs.gp2.gb_month": {"unit": "GB-month", "default": 0.1},
            "vpc.nat_gateway.hour": {"unit": "hour", "default": 0.045},
            "ebs.st1.gb_month": {"unit": "GB-month", "default": 0.045},
        }
    )
    products = [
        product("AmazonEC2", "Storage", "us-east-1", "EBS:VolumeUsage.gp2", 0.10, "GB-Mo"),
        product("AmazonEC2", "Storage", "us-east-1", "EBS:VolumeUsage.gp2", 0.12, "GB-Mo"),
        product("AmazonEC2", "NAT Gateway", "us-east-1", "NatGateway-Hours", 0.045, "Quantity"),
    ]
    with PricingServer(products) as server:
        got = by_key(fetch(server, monkeypatch, book, ["us-east-1"]))
    assert got[("rds.mystery.hour", "*")]["skipped"] == "no Price List mapping for this key"
    assert "2 different prices match (0.1, 0.12)" in str(got[("ebs.gp2.gb_month", "us-east-1")]["skipped"])
    assert "does not convert to hour" in str(got[("vpc.nat_gateway.hour", "us-east-1")]["skipped"])
    assert "usage type EBS:VolumeUsage.st1" in str(got[("ebs.st1.gb_month", "us-east-1")]["skipped"])
    assert all(r["amount"] is None for r in got.values())


def test_default_regions_are_the_regions_the_book_lists(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    book = small_book(
        **{"ebs.gp3.gb_month": {"unit": "GB-month", "default": 0.08, "regions": {"eu-west-1": 0.088}}}
    )
    with PricingServer(catalog(["eu-west-1", "us-east-1"])) as server:
        rows = fetch(server, monkeypatch, book, None)
    assert [(r["region"], r["amount"]) for r in rows] == [("eu-west-1", pytest.approx(0.08))]


def test_throttling_is_retried(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    book = small_book(**{"vpc.nat_gateway.hour": {"unit": "hour", "default": 0.045}})
    with PricingServer(catalog(["us-east-1"]), throttle=1) as server:
        [row] = fetch(server, monkeypatch, book, ["us-east-1"], max_attempts=3)
    assert row["amount"] == pytest.approx(0.045)
    assert [r.status for r in server.requests()] == [400, 200]


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {"throttle": 100},
            "pricing:GetProducts failed: ThrottlingException: Rate exceeded; nothing was cached",
        ),
        ({"deny": True}, "pricing:GetProducts failed: AccessDeniedException: User: "),
    ],
)
def test_a_call_that_keeps_failing_is_one_line(
    creds: None, monkeypatch: pytest.MonkeyPatch, fault: dict[str, object], expected: str
) -> None:
    with PricingServer(catalog(["us-east-1"]), **fault) as server:  # type: ignore[arg-type]
        with pytest.raises(ProviderError) as info:
            fetch(server, monkeypatch, regions=["us-east-1"], max_attempts=2)
    assert info.value.message.startswith(expected) and "\n" not in info.value.message
    assert info.value.hint


def test_aws_endpoint_url_is_honoured_too(creds: None, monkeypatch: pytest.MonkeyPatch) -> None:
    book = small_book(**{"elb.classic.hour": {"unit": "hour", "default": 0.025}})
    with PricingServer(catalog(["us-east-1"])) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        [row] = aws_refresh.fetch_prices(book, ["us-east-1"], max_attempts=1)
    assert row["amount"] == pytest.approx(0.025)


@pytest.mark.parametrize(
    ("actual", "ok"),
    [
        ("EBS:VolumeUsage.gp3", True),
        ("EUW1-EBS:VolumeUsage.gp3", True),
        ("EU-EBS:VolumeUsage.gp3", True),
        ("EUW1-EBS:VolumeUsage.gp3.outposts", False),
        ("EUW1-TS-EBS:VolumeUsage.gp3", False),
    ],
)
def test_usage_types_match_after_the_region_prefix_only(actual: str, ok: bool) -> None:
    assert aws_refresh.usagetype_matches(actual, "EBS:VolumeUsage.gp3") is ok
