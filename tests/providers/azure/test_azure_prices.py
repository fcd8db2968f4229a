"""`pricing refresh azure`: the Retail Prices API (a fake of it) into price-cache rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwaste.errors import ProviderError
from cloudwaste.model import CostBasis
from cloudwaste.pricing.azure_refresh import build_filter, canonical_unit, convert, fetch_prices
from cloudwaste.pricing.book import PriceBook
from tests.fakes.azure_prices import FakePrices

P10 = {
    "serviceName": "Storage",
    "productName": "Premium SSD Managed Disks",
    "skuName": "P10 LRS",
    "meterName": "P10 LRS Disk",
}
PIP = {
    "serviceName": "Virtual Network",
    "productName": "IP Addresses",
    "skuName": "Standard",
    "meterName": "Static Public IP",
}
SNAP = {
    "serviceName": "Storage",
    "productName": "Standard HDD Managed Disks",
    "skuName": "Snapshots LRS",
    "meterName": "Snapshots LRS Snapshots",
}


def _book() -> PriceBook:
    prices = {
        "azure.disk.premium_ssd.P10.month": {"unit": "month", "default": 19.71, "retail": P10},
        "azure.network.public_ip.standard.hour": {"unit": "hour", "default": 0.005, "retail": PIP},
        "azure.disk.snapshot.standard_lrs.gb_month": {"unit": "GB-month", "default": 0.05, "retail": SNAP},
        "azure.thing.without_retail.month": {"unit": "month", "default": 1.0},
    }
    return PriceBook("azure", "USD", "test", "2026-12-01", 730.0, prices)


def _row(meta: dict[str, str], price: float, unit: str, region: str, **kw: object) -> dict[str, object]:
    return FakePrices.item(
        service=meta["serviceName"],
        product=meta["productName"],
        sku=meta["skuName"],
        meter=meta["meterName"],
        price=price,
        unit=unit,
        region=region,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def prices(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePrices]:
    with FakePrices() as fake:
        monkeypatch.setenv("CLOUDWASTE_AZURE_PRICES_URL", fake.url)
        fake.items += [
            _row(P10, 20.90, "1/Month", "westeurope"),
            _row(P10, 19.71, "1/Month", "eastus"),
            _row(P10, 19.71, "1/Month", "eastus", type="DevTestConsumption"),
            _row(P10, 25.00, "1/Month", "brazilsouth", primary=False),  # not the primary meter
            _row(P10, 26.10, "1/Month", "brazilsouth"),
            _row(PIP, 0.005, "1 Hour", "westeurope"),
            _row(PIP, 0.5, "100 Hours", "eastus"),  # per 100 hours in the API's unit
            _row(SNAP, 0.0, "1 GB/Month", "westeurope"),  # a free allowance, then the price
            _row(SNAP, 0.053, "1 GB/Month", "westeurope", tier=5.0),
            _row({**P10, "skuName": "P10 ZRS", "meterName": "P10 ZRS Disk"}, 31.0, "1/Month", "westeurope"),
        ]
        yield fake


def test_rows_per_key_and_region_in_the_book_units(prices: FakePrices) -> None:
    rows = fetch_prices(_book(), None)
    got = {(r["key"], r["region"]): r["amount"] for r in rows if r["amount"] is not None}
    assert got == {
        ("azure.disk.premium_ssd.P10.month", "westeurope"): 20.90,
        ("azure.disk.premium_ssd.P10.month", "eastus"): 19.71,
        ("azure.disk.premium_ssd.P10.month", "brazilsouth"): 26.10,
        ("azure.network.public_ip.standard.hour", "westeurope"): 0.005,
        ("azure.network.public_ip.standard.hour", "eastus"): 0.005,
        ("azure.disk.snapshot.standard_lrs.gb_month", "westeurope"): 0.053,
    }
    priced = [r for r in rows if r["amount"] is not None]
    assert {r["provider"] for r in rows} == {"azure"}
    assert {r["source"] for r in priced} == {"Azure Retail Prices API"}
    assert {r["unit"] for r in priced if r["key"].endswith(".hour")} == {"hour"}
    skipped = [(r["key"], r["skipped"]) for r in rows if r["amount"] is None]
    assert skipped == [
        ("azure.thing.without_retail.month", "no Retail Prices fields (retail) in the price book")
    ]
    # one query per key with a retail block, every page followed (page size 2)
    firsts = [q for q in prices.requests if "$skip" not in q]
    assert len(firsts) == 3 and any("$skip" in q for q in prices.requests)
    assert all(
        q["api-version"] == "2023-01-01-preview" and q["meterRegion"] == "'primary'" for q in prices.requests
    )


def test_regions_filter_the_rows(prices: FakePrices) -> None:
    rows = fetch_prices(_book(), ["eastus"])
    assert {r["region"] for r in rows if r["amount"] is not None} == {"eastus"}
    assert ("azure.disk.snapshot.standard_lrs.gb_month", "no matching meter in the Retail Prices API") in {
        (r["key"], r.get("skipped")) for r in rows
    }


def test_cached_rows_become_live_prices(prices: FakePrices, tmp_path: Path) -> None:
    from cloudwaste.store import Store

    with Store.open(tmp_path / "cw.db") as store:
        store.cache_prices([r for r in fetch_prices(_book(), None) if r["amount"] is not None])
        book = _book().with_live(store.cached_prices("azure"))
    money = book.monthly("azure.network.public_ip.standard.hour", "westeurope")
    assert money.basis == CostBasis.LIVE_PRICE and money.amount == round(0.005 * 730, 2)
    assert "Azure Retail Prices API, fetched" in (money.detail or "")


def test_throttling_is_retried(prices: FakePrices) -> None:
    prices.throttle_first = 1
    assert fetch_prices(_book(), ["westeurope"])


def test_an_unreachable_api_is_a_provider_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDWASTE_AZURE_PRICES_URL", "http://127.0.0.1:9/api/retail/prices")
    with pytest.raises(ProviderError, match="cannot reach the Azure Retail Prices API"):
        fetch_prices(_book(), None)


def test_filters_are_exact_and_quoted() -> None:
    flt = build_filter({"serviceName": "Storage", "productName": "Bob's Disks", "meterName": ""})
    assert flt == "serviceName eq 'Storage' and productName eq 'Bob''s Disks' and priceType eq 'Consumption'"


def test_unit_conversion() -> None:
    assert canonical_unit("1 GB/Month") == canonical_unit("GB-month") == (1.0, "gb/month")
    assert convert(0.5, "100 Hours", "hour") == 0.005
    assert convert(0.01, "1 Hour", "month") == pytest.approx(7.3)
    assert convert(7.3, "1/Month", "hour") == pytest.approx(0.01)
    assert convert(1.0, "1 GB/Hour", "GB-month") == pytest.approx(730)
    assert convert(1.0, "10K", "month") is None  # transactions are not a month: left out, not guessed
    assert convert(0.008, "1/Hour", "CU-hour") == 0.008  # the counted thing is implicit in the meter
    assert convert(0.4, "1M", "1M queries") == pytest.approx(0.4)
    assert convert(5.0, "1/Month", "GB-month") is None  # per disk is not per GB
    assert convert(0.02, "1 GB", "GB") == 0.02
