"""The shared compute helpers and the azure_compute price fragment: power history, timestamps, tiers, keys."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from cloudwaste.checks.azure import _common, _compute
from cloudwaste.checks.azure._vm_sizes import SIZES
from cloudwaste.checks.context import CheckContext
from cloudwaste.pricing.book import PriceBook


def _fragment() -> dict:
    return json.loads(resources.files("cloudwaste.pricing.data").joinpath("azure_compute.json").read_text())


class TestPowerEvents:
    def test_latest_stop_after_the_last_start_dates_it(self, az):
        vm = az.vm("vm1", state="deallocated")
        events = [az.event(vm, "deallocate", 50), az.event(vm, "start", 40), az.event(vm, "deallocate", 31)]
        since = _common.PowerEvents(events).since(vm, az.now)
        assert since.days(az.now) == pytest.approx(31)
        assert not since.at_least and since.operation.endswith("deallocate/action")

    def test_event_ids_match_case_insensitively(self, az):
        vm = az.vm("vm1", state="deallocated")
        event = az.event(vm["id"].upper().replace(az.sub.upper(), az.sub), "deallocate", 12)
        assert _common.PowerEvents([event]).since(vm, az.now).days(az.now) == pytest.approx(12)

    def test_no_event_on_an_old_vm_is_at_least_the_window(self, az):
        vm = az.vm("vm1", state="deallocated", age=200)
        since = _common.PowerEvents([]).since(vm, az.now)
        assert since.at_least and since.days(az.now) == pytest.approx(90)
        assert since.describe(az.now) == "for at least 90 days"

    def test_vm_without_creation_time_and_events_is_unknown(self, az):
        vm = az.vm("vm1", state="deallocated")
        del vm["properties"]["timeCreated"]
        assert _common.PowerEvents([]).since(vm, az.now).since is None

    def test_started_only_events_count_and_failed_operations_do_not(self, az):
        vm = az.vm("vm1", state="deallocated")
        events = [
            az.event(vm, "deallocate", 20, status="Started", correlation="ok"),
            az.event(vm, "deallocate", 5, status="Accepted", correlation="bad"),
            az.event(vm, "deallocate", 5, status="Failed", correlation="bad"),
        ]
        assert _common.PowerEvents(events).since(vm, az.now).days(az.now) == pytest.approx(20)


class TestParsing:
    @pytest.mark.parametrize(
        "text", ["2026-05-01T10:11:12.1234567+00:00", "2026-05-01T10:11:12Z", "2026-05-01T10:11:12.12Z"]
    )
    def test_arm_timestamps(self, text):
        parsed = _common.parse_time(text)
        assert parsed is not None and parsed.tzinfo is not None and parsed.second == 12

    def test_bad_timestamp_is_none(self):
        assert _common.parse_time("yesterday") is None

    def test_prop_is_case_insensitive(self, az):
        disk = az.disk("d1", ownership_age=3)
        assert _common.prop(disk, "lastOwnershipUpdateTime") == disk["properties"]["LastOwnershipUpdateTime"]

    def test_percentile_is_nearest_rank(self):
        assert _common.percentile(range(1, 101), 95) == 95
        assert _common.percentile([], 95) is None


class TestTiers:
    @pytest.mark.parametrize(
        ("family", "gib", "tier"),
        [("premium_ssd", 4, "P1"), ("premium_ssd", 129, "P15"), ("standard_hdd", 10, "S4"),
         ("standard_ssd", 1024, "E30"), ("premium_ssd", 40000, "P80")],
    )  # fmt: skip
    def test_size_tier(self, family, gib, tier):
        assert _compute.size_tier(family, gib).name == tier

    def test_a_lower_performance_tier_does_not_lower_the_bill(self, az):
        disk = az.disk("d1", size=1024, tier="P10")
        assert _compute.billed_tier(disk)[2].name == "P30"


class TestPriceFragment:
    def test_every_tier_and_size_has_a_key_with_a_retail_block(self):
        prices = _fragment()["prices"]
        for family, tiers in _compute.FAMILY_TIERS.items():
            reds = ("lrs",) if family == "standard_hdd" else ("lrs", "zrs")
            for tier in tiers:
                for red in reds:
                    assert f"azure.disk.{family}_{red}.{tier.name}.month" in prices
        for name in SIZES:
            assert f"azure.vm.{name}.hour" in prices, name
        for key, entry in prices.items():
            assert key.startswith(("azure.disk.", "azure.vm.", "azure.snapshot.")), key
            assert entry["retail"]["serviceName"] in ("Storage", "Virtual Machines"), key
            assert "meterName" in entry["retail"], key

    def test_required_regions_are_listed(self):
        for key, entry in _fragment()["prices"].items():
            if "default" in entry:
                assert {"eastus", "westeurope", "northeurope", "westus2", "uksouth"} <= set(
                    entry["regions"]
                ), key

    def test_the_book_loads_the_fragment_and_unknown_fees_stay_unknown(self):
        book = PriceBook.load("azure")
        assert book.monthly("azure.disk.premium_ssd_lrs.P10.month", "eastus").amount == 19.71
        assert book.monthly("azure.vm.standard_d2s_v3.hour", "eastus").amount == round(0.096 * 730, 2)
        assert book.monthly("azure.disk.premium_ssd_lrs_burst.P30.month", "eastus").amount is None

    def test_snapshot_costs_are_upper_bounds_at_standard_price_for_increments(self, az):
        ctx = CheckContext.static({}, now=az.now, provider="azure", account=az.sub, region="global")
        snap = az.snapshot("s1", source=az.disk("d1"), sku="Premium_LRS", incremental=True, size=100)
        money = _compute.snapshot_cost(ctx, snap)
        assert money.amount == 5.0 and "upper bound" in (money.detail or "")
