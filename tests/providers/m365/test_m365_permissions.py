"""The Graph application permissions: the example manifest is generated, and it covers every check."""

from __future__ import annotations

import json
from pathlib import Path

from cloudwaste.checks.registry import load_checks
from cloudwaste.providers.m365.permissions import NEEDS, PERMISSIONS, ROLE_IDS, manifest, permission_of

ROOT = Path(__file__).resolve().parents[3]


def test_the_example_manifest_is_the_generated_one() -> None:
    on_disk = json.loads((ROOT / "examples/m365-app-permissions.json").read_text())
    assert on_disk == manifest()
    assert [p["name"] for p in on_disk["permissions"]] == sorted(PERMISSIONS)
    assert all(p.endswith(".Read.All") for p in PERMISSIONS)  # read-only, every one
    assert {a["id"] for a in on_disk["requiredResourceAccess"][0]["resourceAccess"]} == {
        ROLE_IDS[p] for p in PERMISSIONS
    }


def test_every_collection_an_m365_check_needs_has_its_permissions() -> None:
    needed = {n for spec in load_checks("m365") for n in spec.needs}
    assert needed, "the m365 checks are registered"
    assert needed <= set(NEEDS), f"collections without declared permissions: {needed - set(NEEDS)}"


def test_permission_of_maps_reads_and_refuses_writes() -> None:
    assert permission_of("GET", "/v1.0/users") == "User.Read.All"
    assert permission_of("GET", "/v1.0/reports/getMailboxUsageDetail(period='D30')") == "Reports.Read.All"
    assert permission_of("GET", "/beta/sites/a,b,c/recycleBin/items") == "Sites.Read.All"
    assert permission_of("GET", "/v1.0/drives/b!x/items/root/delta()") == "Files.Read.All"
    assert permission_of("PATCH", "/v1.0/users") == "PATCH /v1.0/users"
    assert permission_of("GET", "/v1.0/me/messages") not in PERMISSIONS
