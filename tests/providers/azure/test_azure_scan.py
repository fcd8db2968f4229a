"""End to end: every Azure check over a realistic estate, read-only proof, finding filters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cloudwaste.checks.registry import load_checks
from cloudwaste.engine.filters import finding_filter
from cloudwaste.engine.plan import select_checks
from cloudwaste.engine.run import run_scan
from cloudwaste.model import ScanStatus
from cloudwaste.providers.azure.permissions import ACTIONS, action_of, role_definition
from tests.fakes.azure_arm import FakeArm
from tests.providers.azure.conftest import SUB_A, SUB_B
from tests.providers.azure.helpers import build_estate, make_check, provider

ROOT = Path(__file__).resolve().parents[3]
_GET_BATCH = re.compile(r"(?:/[a-z0-9]+)?/subscriptions/[^/]+/metrics:getBatch")
# (check id, resource) pairs the estate must produce, for the checks that exist
EXPECTED = {
    ("azure.compute.unattached_disk", "disk-orphan"),
    ("azure.compute.orphan_snapshot", "snap-orphan"),
    ("azure.compute.vm_stopped_not_deallocated", "vm-stopped"),
    ("azure.compute.vm_deallocated_long", "vm-deallocated"),
    ("azure.compute.empty_availability_set", "avset-empty"),
    ("azure.network.unattached_public_ip", "pip-orphan"),
    ("azure.network.orphan_nic", "nic-orphan"),
    ("azure.network.orphan_nsg", "nsg-unused"),
    ("azure.network.orphan_route_table", "rt-unused"),
    ("azure.network.empty_load_balancer", "lb-empty"),
    ("azure.network.orphan_nat_gateway", "nat-unused"),
    ("azure.network.private_dns_zone_no_links", "dns-zone"),
    ("azure.resources.empty_resource_group", "rg-empty"),
    ("azure.web.empty_app_service_plan", "plan-empty"),
}
# resources in use that orphan checks must leave alone
IN_USE = {
    "azure.compute.unattached_disk": {"vm-deallocated-os", "vm-stopped-os"},  # Reserved / Attached
    "azure.network.unattached_public_ip": {"pip-web"},
    "azure.network.orphan_nic": {"nic-web"},
}


@pytest.mark.parametrize("discovery", ["graph", "arm"])
def test_every_azure_check_over_a_realistic_estate(env_credential: FakeArm, discovery: str) -> None:
    ids = build_estate(env_credential, SUB_A)
    specs = load_checks("azure")
    registered = {s.id for s in specs}
    expected = {(c, r) for c, r in EXPECTED if c in registered}
    assert len(expected) >= 8, f"too few of the expected checks exist: {sorted(registered)}"
    result = run_scan([provider(discovery)], select_checks(specs))
    assert result.scan.status == ScanStatus.COMPLETE, [c.error for c in result.scan.coverage]
    names = {v.lower(): k for k, v in ids.items()}
    found = {(f.check_id, names.get(f.resource.id.lower(), f.resource.id)) for f in result.findings}
    assert expected <= found, sorted(expected - found)
    for check_id, in_use in IN_USE.items():
        assert not {(check_id, r) for r in in_use} & found
    for f in result.findings:
        assert f.account == SUB_A and f.region in {"westeurope", "global"}
        assert f.monthly_cost.amount is None or f.monthly_cost.amount >= 0
    [unit] = result.scan.coverage
    assert unit.api_calls > 5


def _read_action(method: str, path: str) -> str | None:
    """The RBAC action of a request; metrics:getBatch is a documented read (Monitoring Reader on the
    subscription: Microsoft.Insights/metrics/read)."""
    if method == "POST" and _GET_BATCH.fullmatch(path):
        return "Microsoft.Insights/metrics/read"
    return action_of(method, path)


@pytest.mark.parametrize("metrics_batch", [False, True], ids=["metrics-list", "metrics-getbatch"])
@pytest.mark.parametrize("discovery", ["graph", "arm"])
def test_a_full_scan_only_reads_and_only_what_the_role_allows(
    env_credential: FakeArm, discovery: str, metrics_batch: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if metrics_batch:
        monkeypatch.setenv("CLOUDWASTE_AZURE_METRICS_URL", env_credential.metrics_url())
    build_estate(env_credential, SUB_A)
    build_estate(env_credential, SUB_B, "dev")
    prov = provider(discovery)
    result = run_scan([prov], select_checks(load_checks("azure")), concurrency=4)
    assert result.scan.status == ScanStatus.COMPLETE
    requests = env_credential.requests
    assert requests and {r.method for r in requests} <= {"GET", "POST"}
    # the allowlist of POSTs: a Resource Graph query, a metrics:getBatch, a token request, nothing else
    for r in requests:
        if r.method == "POST":
            assert (
                r.path.lower() == "/providers/microsoft.resourcegraph/resources"
                or (metrics_batch and _GET_BATCH.fullmatch(r.path))
                or r.path.endswith("/oauth2/v2.0/token")
            ), r.path
    assert bool(env_credential.batch_calls()) == metrics_batch
    assert bool(env_credential.calls("/providers/Microsoft.Insights/metrics")) != metrics_batch
    used = {a for a in (_read_action(r.method, r.path) for r in requests) if a}
    allowed = {a.lower() for a in ACTIONS}
    assert {a for a in used if a.lower() not in allowed} == set()
    # the provider recorded every request it sent (method + path), token requests aside
    sent = sorted((r.method, r.path) for r in requests if _read_action(r.method, r.path))
    assert sorted((op.method, op.path) for op in prov.operations) == sent
    assert (
        sum(c.api_calls for c in result.scan.coverage) == len(prov.operations) - 1
    )  # minus GET /subscriptions


def test_the_example_role_is_the_generated_one() -> None:
    on_disk = json.loads((ROOT / "examples/azure-readonly-role.json").read_text())
    assert on_disk == role_definition()
    assert all(a.endswith("/read") for a in on_disk["Actions"])


def _unused_pips(ctx):  # type: ignore[no-untyped-def]
    used = {
        c["id"].lower()
        for nic in ctx.get("azure:network_interfaces")
        for c in nic["properties"]["ipConfigurations"]
    }
    for pip in ctx.get("azure:public_ip_addresses"):
        conf = (pip["properties"].get("ipConfiguration") or {}).get("id", "")
        if conf.lower() not in used:
            yield pip, "no NIC uses it"


def test_filters_apply_to_findings_not_to_collections(env_credential: FakeArm) -> None:
    ids = build_estate(env_credential, SUB_A)
    for item in env_credential.resources[SUB_A.lower()]:
        if item["name"] in ("pip-web", "pip-orphan"):
            item["tags"] = {"Env": "prod"}
    checks = [
        make_check(
            "azure.test.unused_pip", ["azure:public_ip_addresses", "azure:network_interfaces"], _unused_pips
        ),
        make_check(
            "azure.test.nics",
            ["azure:network_interfaces"],
            lambda ctx: ((n, "a NIC") for n in ctx.get("azure:network_interfaces")),
        ),
    ]
    keep = finding_filter(tags=["env=prod"])
    result = run_scan([provider()], checks, keep=keep)
    # nic-web is not reported (untagged) but still makes pip-web "in use"
    assert [f.resource.id for f in result.findings] == [ids["pip-orphan"]]
    keep = finding_filter(resource_groups=["RG-APP"], exclude_tags=["env=prod"])
    result = run_scan([provider()], checks, keep=keep)
    assert {f.resource.id for f in result.findings} == {ids["nic-web"], ids["nic-orphan"]}
    keep = finding_filter(resource_groups=["rg-other*"])
    assert run_scan([provider()], checks, keep=keep).findings == []
