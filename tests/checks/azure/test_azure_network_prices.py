"""The network and resource price fragment (pricing/data/azure_network.json)."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from cloudwaste.pricing.book import PriceBook

FRAGMENT = json.loads(resources.files("cloudwaste.pricing.data").joinpath("azure_network.json").read_text())
PRICES = FRAGMENT["prices"]
REGIONS = {"eastus", "westeurope", "northeurope", "westus2", "uksouth"}
CHECKS = Path(__file__).parents[3] / "src/cloudwaste/checks/azure"
MODULES = ("network", "public_ips", "load_balancers", "application_gateways", "nat", "orphans", "resources")


def test_fragment_names_its_sources_and_date():
    assert "pricing" in FRAGMENT["source"] and FRAGMENT["as_of"]


@pytest.mark.parametrize("key", sorted(PRICES))
def test_every_entry_has_a_unit_a_retail_filter_and_sane_prices(key):
    entry = PRICES[key]
    assert key.startswith("azure.") and entry["unit"]
    assert entry["retail"]["serviceName"]
    if "default" in entry:
        assert entry["default"] > 0
        assert set(entry["regions"]) <= REGIONS
        assert all(v > 0 for v in entry["regions"].values())
    else:
        assert "regions" not in entry and "refresh" in entry.get("note", "")  # unknown until refreshed


def test_every_literal_price_key_the_checks_use_is_in_the_book():
    book = PriceBook.load("azure")
    used = set()
    for module in MODULES:
        used |= set(re.findall(r'"(azure\.[a-z0-9_.]+)"', (CHECKS / f"{module}.py").read_text()))
    used = {k for k in used if k.count(".") >= 3}  # check ids have two dots, price keys three or more
    missing = sorted(k for k in used if k not in book.prices)
    assert not missing, missing


def test_key_families_built_at_run_time_resolve():
    book = PriceBook.load("azure")
    for key in (
        "azure.appgw.standard_v2.fixed.hour",
        "azure.appgw.waf_v2.cu.hour",
        "azure.appgw.v1.standard_medium.hour",
        "azure.vpngw.vpngw1.hour",
        "azure.appservice.linux.p1v3.hour",
        "azure.appservice.windows.s1.hour",
        "azure.sql.elastic_pool.standard.edtu_hour",
        "azure.sql.elastic_pool.gp_gen5.vcore_hour",
    ):
        assert book.get(key, "eastus") is not None, key


def test_the_headline_monthly_figures():
    book = PriceBook.load("azure")
    assert book.monthly("azure.public_ip.standard.hour", "eastus").amount == pytest.approx(3.65)
    assert book.monthly("azure.nat.gateway.hour", "eastus").amount == pytest.approx(32.85)
    assert book.monthly("azure.ddos.network_plan.month", "eastus").amount == pytest.approx(2944)
    assert book.monthly("azure.private_endpoint.hour", "eastus").amount == pytest.approx(7.30)
    assert book.monthly("azure.appgw.waf_v2.fixed.hour", "eastus").amount == pytest.approx(323.39)
