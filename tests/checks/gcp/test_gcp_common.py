"""The shared GCP helpers (URLs, times, int64 strings, locations) and the Compute price book fragment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources

import pytest
from tests.checks.gcp.conftest import price_book

from cloudwaste.checks.context import CheckContext
from cloudwaste.checks.gcp._common import (
    as_int,
    labels,
    last_segment,
    norm_url,
    parse_time,
    price_region,
    region_of,
    resource,
    zone_of,
)
from cloudwaste.checks.gcp._compute import machine_type
from cloudwaste.model import CostBasis


@pytest.mark.parametrize(
    "url",
    [
        "https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a/disks/d1",
        "https://compute.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a/disks/d1",
        "https://www.googleapis.com/compute/beta/projects/acme-prod/zones/us-central1-a/disks/d1",
        "//compute.googleapis.com/projects/acme-prod/zones/us-central1-a/disks/d1",
        "projects/acme-prod/zones/us-central1-a/disks/d1/",
        "https://www.googleapis.com/compute/v1/projects/ACME-PROD/zones/us-central1-a/disks/d1",
    ],
)
def test_norm_url_spellings(url):
    assert norm_url(url) == "projects/acme-prod/zones/us-central1-a/disks/d1"


def test_last_segment_and_zone_of():
    assert last_segment("https://x/projects/p/zones/z/machineTypes/n1-standard-4") == "n1-standard-4"
    assert (
        zone_of("https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b") == "europe-west1-b"
    )
    assert zone_of("projects/p/zones/us-east4-c/instances/i") == "us-east4-c"
    assert zone_of("us-central1-f") == "us-central1-f"
    assert zone_of("projects/p/regions/us-central1") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01T03:04:05.123-07:00", datetime(2026, 11, 1, 10, 4, 5, 123000, tzinfo=UTC)),
        ("2026-11-01T10:04:05Z", datetime(2026, 11, 1, 10, 4, 5, tzinfo=UTC)),
        ("2026-11-01T10:04:05.123456789Z", datetime(2026, 11, 1, 10, 4, 5, 123456, tzinfo=UTC)),
        ("1793527445000", datetime(2026, 11, 1, 10, 4, 5, tzinfo=UTC)),
        ("not a time", None),
        (None, None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_as_int_reads_int64_strings():
    assert as_int("100") == 100
    assert as_int(100) == 100
    assert as_int("1.0") == 1
    assert as_int(None) is None and as_int("", 0) == 0 and as_int("x") is None and as_int(True) is None


def _ctx():
    return CheckContext.static({}, provider="gcp", account="acme-prod", region="global", prices=price_book())


def test_region_of_zones_regions_assets_and_multi_regions():
    ctx = _ctx()
    assert region_of({"zone": "https://x/projects/p/zones/us-central1-a"}, ctx) == "us-central1-a"
    assert price_region({"zone": "https://x/projects/p/zones/us-central1-a"}, ctx) == "us-central1"
    assert region_of({"region": "https://x/projects/p/regions/europe-west1"}, ctx) == "europe-west1"
    assert region_of({"_location": "us-east1"}, ctx) == "us-east1"
    assert region_of({"location": "EU"}, ctx) == "eu"
    assert region_of({}, ctx) == "global"


def test_resource_uses_the_normalised_self_link_and_labels():
    item = {
        "name": "d1",
        "selfLink": "https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a/disks/d1",
        "labels": {"env": "dev"},
        "creationTimestamp": "2026-11-01T03:04:05.123-07:00",
    }
    res = resource(item, "gce_disk")
    assert res.id == "projects/acme-prod/zones/us-central1-a/disks/d1"
    assert res.arn == item["selfLink"] and res.name == "d1" and res.tags == {"env": "dev"}
    assert res.created_at == datetime(2026, 11, 1, 10, 4, 5, 123000, tzinfo=UTC)
    assert labels({"settings": {"userLabels": {"a": "b"}}}) == {"a": "b"}


@pytest.mark.parametrize(
    ("name", "vcpus", "memory"),
    [
        ("n1-standard-4", 4, 15.0),
        ("n1-highmem-8", 8, 52.0),
        ("e2-highcpu-16", 16, 16.0),
        ("c2-standard-8", 8, 32.0),
    ],
)
def test_machine_type_parsing(name, vcpus, memory):
    mt = machine_type(f"https://x/zones/us-central1-a/machineTypes/{name}")
    assert mt is not None and mt.vcpus == vcpus and mt.memory_gb == memory


@pytest.mark.parametrize(
    "name", ["custom-4-16384", "n2-custom-2-8192", "a2-highgpu-1g", "c3-standard-4-lssd"]
)
def test_custom_and_unknown_machine_types_are_not_guessed(name):
    assert machine_type(name) is None


# --- pricing/data/gcp_compute.json ---------------------------------------------------------------------


def _fragment():
    return json.loads(resources.files("cloudwaste.pricing.data").joinpath("gcp_compute.json").read_text())


def test_fragment_has_source_date_and_billing_blocks():
    data = _fragment()
    assert "pricing" in data["source"].lower() and data["as_of"]
    for key, entry in data["prices"].items():
        assert key.startswith("gcp.compute."), key
        assert entry["unit"] and isinstance(entry["default"], float), key
        assert all(isinstance(v, float) for v in entry.get("regions", {}).values()), key
        if "billing" in entry:
            assert entry["billing"]["service"] == "Compute Engine", key
            assert entry["billing"]["skuDescription"], key


def test_book_prices_a_us_region_as_bundled_and_others_as_estimate():
    book = price_book()
    disk = book.get("gcp.compute.disk.pd-ssd.gb_month", "us-central1")
    assert disk is not None and disk.amount == 0.17 and disk.basis is CostBasis.BUNDLED_PRICE
    far = book.get("gcp.compute.disk.pd-ssd.gb_month", "asia-south2")
    assert far is not None and far.basis is CostBasis.ESTIMATE
    assert book.monthly("gcp.compute.address.unused.hour", "us-central1").amount == pytest.approx(7.3)
    # a predefined type is vCPUs + memory: n1-standard-1 lists at $0.0475/hour
    cpu = book.get("gcp.compute.n1.vcpu_hour", "us-central1")
    ram = book.get("gcp.compute.n1.ram_gb_hour", "us-central1")
    assert cpu and ram and cpu.amount + 3.75 * ram.amount == pytest.approx(0.0475, abs=1e-4)
