"""``pricing refresh gcp``: Cloud Billing Catalog SKUs mapped to price book keys, against the fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudwaste.errors import CredentialsError
from cloudwaste.pricing import gcp_refresh
from cloudwaste.pricing.book import PriceBook
from tests.fakes.gcp import FakeGcp

COMPUTE = "6F81-5844-456A"


def sku(
    description: str,
    regions: list[str],
    price: float,
    unit: str = "GiBy.mo",
    *,
    usage: str = "OnDemand",
    group: str = "SSD",
    tiers: list[tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """A Catalog SKU (``units`` + ``nanos`` per usage unit; ``tiers``: (start amount, price))."""
    rates = tiers or [(0.0, price)]
    return {
        "name": f"services/{COMPUTE}/skus/{abs(hash((description, tuple(regions)))) % 10**8:08d}",
        "skuId": f"{abs(hash((description, tuple(regions)))) % 10**4:04X}-0000-0000",
        "description": description,
        "category": {
            "serviceDisplayName": "Compute Engine",
            "resourceFamily": "Storage",
            "resourceGroup": group,
            "usageType": usage,
        },
        "serviceRegions": regions,
        "pricingInfo": [
            {
                "summary": "",
                "pricingExpression": {
                    "usageUnit": unit,
                    "displayQuantity": 1,
                    "tieredRates": [
                        {
                            "startUsageAmount": start,
                            "unitPrice": {
                                "currencyCode": "USD",
                                "units": str(int(p)),
                                "nanos": round((p - int(p)) * 1e9),
                            },
                        }
                        for start, p in rates
                    ],
                    "usageUnitDescription": unit,
                    "baseUnit": "By.s",
                },
                "currencyConversionRate": 1,
                "effectiveTime": "2026-11-30T08:00:00.000Z",
            }
        ],
        "serviceProviderName": "Google",
        "geoTaxonomy": {"type": "REGIONAL", "regions": regions},
    }


def _catalog(gcp: FakeGcp) -> None:
    gcp.add_service("95FF-2EF5-5EA1", "Cloud Storage")
    gcp.add_service(COMPUTE, "Compute Engine")
    gcp.add_service("9662-B51E-5089", "Cloud SQL")
    for item in (
        sku("Balanced PD Capacity", ["us-central1"], 0.1),
        sku("Balanced PD Capacity in Belgium", ["europe-west1"], 0.11),
        sku("Commitment v1: Balanced PD Capacity", ["us-central1"], 0.05, usage="Commit1Yr"),
        sku("Regional Balanced PD Capacity", ["us-central1"], 0.2),
        sku("E2 Instance Core running in Americas", ["us-central1", "us-east1"], 0.021811, "h", group="CPU"),
        sku("E2 Instance Core running in EMEA", ["europe-west1"], 0.023964, "h", group="CPU"),
        sku(
            "Spot Preemptible E2 Instance Core running in Americas",
            ["us-central1"],
            0.007,
            "h",
            usage="Preemptible",
        ),
        sku("Static Ip Charge", ["us-central1"], 0.0, "h", group="IpAddress", tiers=[(0, 0.0), (1, 0.01)]),
        sku("Network Internet Egress from Americas to EMEA", ["us-central1"], 0.12, "GiBy", group="Egress"),
    ):
        gcp.add_sku(COMPUTE, item)


def _book(prices: dict[str, dict[str, Any]]) -> PriceBook:
    return PriceBook("gcp", "USD", "test", "2026-12-01", 730.0, prices)


BOOK = _book(
    {
        "gcp.compute.disk.pd-balanced.gb_month": {
            "unit": "GB-month",
            "default": 0.1,
            "billing": {"service": "Compute Engine", "skuDescription": "Balanced PD Capacity"},
        },
        "gcp.compute.e2.vcpu_hour": {
            "unit": "vCPU-hour",
            "default": 0.02,
            "billing": {
                "service": "Compute Engine",
                "skuDescription": "E2 Instance Core running in Americas",
            },
        },
        "gcp.compute.e2.vcpu_month": {
            "unit": "vCPU-month",
            "default": 15.0,
            "billing": {"service": COMPUTE, "skuDescription": "E2 Instance Core running in Americas"},
        },
        "gcp.compute.address.unused.hour": {
            "unit": "hour",
            "default": 0.01,
            "billing": {"service": "Compute Engine", "skuDescription": "Static Ip Charge"},
        },
        "gcp.compute.egress.gb_month": {
            "unit": "GB-month",
            "default": 0.1,
            "billing": {
                "service": "Compute Engine",
                "skuDescription": "Network Internet Egress from Americas to EMEA",
            },
        },
        "gcp.compute.nat.gateway_max.hour": {
            "unit": "hour",
            "default": 0.044,
            "billing": {
                "service": "Compute Engine",
                "skuDescription": "E2 Instance Core running in Americas",
                "multiplier": 2,
            },
        },
        "gcp.unmapped.thing.hour": {"unit": "hour", "default": 1.0},
        "gcp.spanner.node.hour": {
            "unit": "node-hour",
            "default": 0.9,
            "billing": {"service": "Cloud Spanner", "skuDescription": "Spanner Nodes"},
        },
    }
)


def _rows(rows: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    return {
        (r["key"], r["region"]): r.get("amount") if r.get("amount") is not None else r["skipped"]
        for r in rows
    }


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(gcp_refresh.ENV_API_KEY, "AIzaFakeKey")
    return "AIzaFakeKey"


def test_skus_are_mapped_to_keys_per_region_and_unit(gcp: FakeGcp, api_key: str) -> None:
    _catalog(gcp)
    got = _rows(gcp_refresh.fetch_prices(BOOK, None))
    assert got[("gcp.compute.disk.pd-balanced.gb_month", "us-central1")] == pytest.approx(0.1)
    assert got[("gcp.compute.disk.pd-balanced.gb_month", "europe-west1")] == pytest.approx(
        0.11
    )  # "in Belgium"
    assert ("gcp.compute.disk.pd-balanced.gb_month", "us-east1") not in got
    assert got[("gcp.compute.e2.vcpu_hour", "us-east1")] == pytest.approx(0.021811)
    assert got[("gcp.compute.e2.vcpu_hour", "europe-west1")] == pytest.approx(0.023964)  # "running in EMEA"
    assert got[("gcp.compute.e2.vcpu_month", "us-central1")] == pytest.approx(0.021811 * 730, rel=1e-6)
    assert got[("gcp.compute.address.unused.hour", "us-central1")] == pytest.approx(
        0.01
    )  # after the free tier
    assert got[("gcp.compute.nat.gateway_max.hour", "us-central1")] == pytest.approx(0.043622)
    assert "usage unit GiBy is not GB-month" in got[("gcp.compute.egress.gb_month", "*")]
    assert "no Cloud Billing Catalog fields" in got[("gcp.unmapped.thing.hour", "*")]
    assert "no service named 'Cloud Spanner'" in got[("gcp.spanner.node.hour", "*")]


def test_commitments_and_spot_rates_are_not_list_prices(gcp: FakeGcp, api_key: str) -> None:
    _catalog(gcp)
    rows = gcp_refresh.fetch_prices(BOOK, ["us-central1"])
    amounts = {r["amount"] for r in rows if r["key"] == "gcp.compute.disk.pd-balanced.gb_month"}
    assert amounts == {0.1}
    assert {r["amount"] for r in rows if r["key"] == "gcp.compute.e2.vcpu_hour"} == {0.021811}


def test_each_service_is_read_once_every_page_with_the_api_key(gcp: FakeGcp, api_key: str) -> None:
    _catalog(gcp)
    rows = gcp_refresh.fetch_prices(BOOK, ["europe-west1"])
    assert {r["region"] for r in rows if r.get("amount") is not None} == {"europe-west1"}
    sku_calls = gcp.calls(f"/v1/services/{COMPUTE}/skus")
    assert len(sku_calls) == 5  # 9 SKUs, 2 a page, once for every key of the service
    assert {c.param("currencyCode") for c in sku_calls} == {"USD"}
    assert {c.api_key for c in gcp.requests} == {api_key} and not any(c.param("key") for c in gcp.requests)
    assert len(gcp.calls("/v1/services", "GET")) - len(sku_calls) == 2  # 3 services, 2 a page


def test_application_default_credentials_are_used_without_an_api_key(
    gcp: FakeGcp, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _catalog(gcp)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    rows = gcp_refresh.fetch_prices(BOOK, ["us-central1"])
    assert any(r.get("amount") for r in rows)
    assert all(r.authorization.startswith("Bearer ") for r in gcp.requests)


def test_no_credentials_at_all_is_exit_5(gcp: FakeGcp) -> None:
    with pytest.raises(CredentialsError) as err:
        gcp_refresh.fetch_prices(BOOK, None)
    assert err.value.hint and gcp_refresh.ENV_API_KEY in err.value.hint


def test_billing_api_disabled_says_how_to_enable_it(gcp: FakeGcp, api_key: str) -> None:
    _catalog(gcp)
    gcp.disable("billing")
    with pytest.raises(Exception, match="cloudbilling.googleapis.com"):
        gcp_refresh.fetch_prices(BOOK, None)


@pytest.mark.parametrize(
    ("amount", "usage", "book", "expected"),
    [
        (0.1, "GiBy.mo", "GB-month", 0.1),
        (0.1, "GiBy.mo", "GiB-month", 0.1),
        (73.0, "TiBy.mo", "GB-month", 73.0 / 1024),
        (0.01, "h", "hour", 0.01),
        (0.01, "h", "month", 7.3),
        (0.000024, "s", "vCPU-second", 0.000024),
        (0.0000025, "GiBy.s", "GiB-second", 0.0000025),
        (0.005, "GiBy.h", "GB-hour", 0.005),
        (0.1, "GiBy", "GB-month", None),
        (0.1, "h", "GB-month", None),
        (0.1, "count", "request", 0.1),
    ],
)
def test_unit_conversion(amount: float, usage: str, book: str, expected: float | None) -> None:
    got = gcp_refresh.convert(amount, usage, book)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_the_bundled_book_has_billing_blocks_the_refresh_can_read() -> None:
    book = PriceBook.load("gcp")
    blocks = [e["billing"] for e in book.prices.values() if isinstance(e.get("billing"), dict)]
    assert blocks and all(gcp_refresh.SkuMatch.of(b) is not None for b in blocks)
