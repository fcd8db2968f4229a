"""End to end: every registered GCP check over a realistic estate on the fake, the read-only proof and the
custom role that names each permission the scan uses."""

from __future__ import annotations

from pathlib import Path

import yaml

from cloudwaste.checks.registry import load_checks
from cloudwaste.engine.plan import select_checks
from cloudwaste.engine.run import run_scan
from cloudwaste.model import ScanStatus
from cloudwaste.providers.gcp.permissions import PERMISSIONS, permission_of, role_yaml
from tests.fakes.gcp import FakeGcp
from tests.providers.gcp.helpers import build_estate, provider

ROOT = Path(__file__).resolve().parents[3]
# (check id, resource) pairs the estate must produce, for the checks that exist
EXPECTED = {
    ("gcp.compute.unattached_disk", "disk-orphan"),
    ("gcp.compute.stopped_instance", "vm-stopped"),
    ("gcp.compute.disk_on_stopped_instance", "stopped-boot"),
    ("gcp.compute.orphan_snapshot", "snap-of-deleted"),
    ("gcp.compute.unused_address", "ip-unused"),
    ("gcp.compute.unused_global_address", "gip-unused"),
    ("gcp.compute.unused_image", "img-old"),
    ("gcp.compute.unused_instance_template", "tpl-unused"),
    ("gcp.compute.unused_machine_image", "mi-old"),
    ("gcp.compute.unattached_router", "router-empty"),
    ("gcp.compute.forwarding_rule_no_backends", "fr-lb"),
    ("gcp.compute.backend_service_no_backends", "bes-empty"),
    ("gcp.compute.idle_vm", "vm-idle"),
    ("gcp.sql.stopped_instance", "db-stopped"),
}
# resources in use that the orphan checks must leave alone
IN_USE = {
    "gcp.compute.unattached_disk": {"web-boot", "stopped-boot"},
    "gcp.compute.unused_address": {"ip-lb", "ip-stopped"},  # RESERVED but a forwarding rule's IP; IN_USE
    "gcp.compute.unused_global_address": {"peering-range"},  # VPC peering range
    "gcp.compute.unused_image": {"img-used"},
    "gcp.compute.unused_instance_template": {"tpl-used"},
    "gcp.compute.idle_vm": {"vm-web"},
    "gcp.compute.orphan_snapshot": {"snap-web"},
}


def _short(ids: dict[str, dict[str, object]], resource_id: str) -> str:
    for short, item in ids.items():
        name = str(item.get("name"))
        if resource_id.lower().endswith(f"/{name}".lower()) or resource_id == name:
            return short
    return resource_id


def test_every_gcp_check_over_a_realistic_estate(gcp: FakeGcp) -> None:
    ids = build_estate(gcp, "proj-prod")
    build_estate(gcp, "proj-dev", "Development")
    specs = load_checks("gcp")
    registered = {s.id for s in specs}
    expected = {(c, r) for c, r in EXPECTED if c in registered}
    assert len(expected) >= 8, f"too few of the expected checks exist: {sorted(registered)}"
    result = run_scan([provider()], select_checks(specs))
    assert result.scan.status == ScanStatus.COMPLETE, [c.error for c in result.scan.coverage]
    assert {c.scope for c in result.scan.coverage} == {"proj-prod", "proj-dev"}
    prod = [f for f in result.findings if f.account == "proj-prod"]
    found = {(f.check_id, _short(ids, f.resource.id)) for f in prod}
    assert expected <= found, sorted(expected - found)
    for check_id, in_use in IN_USE.items():
        assert not {(check_id, r) for r in in_use} & found, check_id
    for f in result.findings:
        assert f.region and f.region != "global" or f.resource.id.split("/")[2] == "global"
        assert f.monthly_cost.amount is None or f.monthly_cost.amount >= 0
    for unit in result.scan.coverage:
        assert unit.api_calls > 20 and unit.warnings == []


def test_a_full_scan_only_reads_and_only_what_the_role_allows(gcp: FakeGcp) -> None:
    build_estate(gcp, "proj-prod")
    prov = provider()
    result = run_scan([prov], select_checks(load_checks("gcp")))
    assert result.scan.status == ScanStatus.COMPLETE
    received = [(r.method, r.path) for r in gcp.requests]
    assert received and all(method == "GET" for method, _ in received)  # no write, not even a POST
    assert sorted(prov.operations) == sorted(received)  # every request was recorded by the provider
    needed = {permission_of(m, p) for m, p in received} - {None}
    assert needed <= set(PERMISSIONS), sorted(needed - set(PERMISSIONS))
    assert {"compute.disks.list", "cloudasset.assets.listResource", "monitoring.timeSeries.list"} <= needed
    discovery = [p for _, p in received if p == "/v3/projects:search"]
    assert sum(c.api_calls for c in result.scan.coverage) == len(received) - len(discovery)  # on no unit


def test_the_custom_role_file_is_the_permissions_the_code_uses() -> None:
    text = (ROOT / "examples/gcp-readonly-role.yaml").read_text()
    assert text == role_yaml()
    role = yaml.safe_load(text)
    assert role["includedPermissions"] == list(PERMISSIONS) and role["stage"] == "GA"
    assert all(p.endswith((".list", ".get", ".listResource")) for p in PERMISSIONS)


def test_unknown_requests_map_to_no_permission() -> None:
    assert permission_of("POST", "/compute/v1/projects/p/zones/z/disks/d/delete") == (
        "POST /compute/v1/projects/p/zones/z/disks/d/delete"
    )
    assert (
        permission_of("GET", "/compute/v1/projects/p/zones/z/disks")
        == "GET /compute/v1/projects/p/zones/z/disks"
    )
    assert permission_of("POST", "/token") is None
