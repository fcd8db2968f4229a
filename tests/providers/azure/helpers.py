"""Helpers for the Azure provider tests: providers on the fake, a realistic estate, ad-hoc checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.registry import CheckSpec, NoParams
from cloudwaste.engine.plan import SelectedCheck
from cloudwaste.model import CostBasis, Money, Resource, Severity
from cloudwaste.providers.azure import AzureOptions, AzureProvider
from tests.fakes import azure_estate as E
from tests.fakes.azure_arm import FakeArm, hours

NOW = datetime.now(UTC).replace(microsecond=0)


def provider(discovery: str = "graph", **options: Any) -> AzureProvider:
    """A provider on the fake with one attempt per call (unless the test says otherwise)."""
    options.setdefault("max_attempts", 1)
    return AzureProvider(AzureOptions(discovery=discovery, **options))


def make_check(
    check_id: str,
    needs: Iterable[str],
    func: Callable[[CheckContext], Iterable[tuple[dict[str, Any], str]]],
    metrics: list[MetricQuery] | None = None,
) -> SelectedCheck:
    """An ad-hoc check (not registered) yielding a $1 hit per ``(item, reason)`` that ``func`` returns."""

    def run(ctx: CheckContext, params: Any) -> Iterator[Hit]:
        for item, reason in func(ctx):
            yield Hit(
                resource=Resource(id=item["id"], type=str(item.get("type")), tags=item.get("tags") or {}),
                reason=reason,
                cost=Money(amount=1.0, basis=CostBasis.BUNDLED_PRICE),
                region=str(item.get("location") or "global"),
            )

    spec = CheckSpec(
        id=check_id,
        title=check_id,
        resource_type="thing",
        severity=Severity.LOW,
        needs=tuple(needs),
        params=NoParams,
        rationale="test",
        recommendation="delete <id>",
        func=run,
        metrics=(lambda _p: list(metrics)) if metrics else None,
    )
    return SelectedCheck(spec, NoParams())


def every(collection: str) -> SelectedCheck:
    """A check that reports every item of ``collection`` (so a scan must collect it)."""
    name = collection.split(":", 1)[1]
    return make_check(
        f"azure.test.every_{name}", [collection], lambda ctx: ((i, "listed") for i in ctx.get(collection))
    )


CPU = MetricQuery(
    namespace="Microsoft.Compute/virtualMachines",
    metric="Percentage CPU",
    dimension="",
    collection="azure:virtual_machines",
    id_field="id",
    stat="Average",
    period_s=3600,
    days=14,
)
NET_IN = MetricQuery(
    namespace="Microsoft.Compute/virtualMachines",
    metric="Network In Total",
    dimension="",
    collection="azure:virtual_machines",
    id_field="id",
    stat="Total",
    period_s=86400,
    days=14,
)


def build_estate(arm: FakeArm, sub: str, name: str = "prod", now: datetime = NOW) -> dict[str, str]:
    """A small but realistic subscription: an app in use and a collection of orphans.

    Returns the ids by short name.
    """
    arm.add_subscription(sub, name)
    rg = "rg-app"
    ids: dict[str, str] = {}
    vnet = E.virtual_network(sub, rg, "vnet-app", subnets={"app": (), "empty": ()})
    subnet_app = vnet["properties"]["subnets"][0]["id"]
    vm1_id = E.rid(sub, rg, "Microsoft.Compute/virtualMachines", "vm-web")
    nic1 = E.nic(
        sub,
        rg,
        "nic-web",
        vm_id=vm1_id,
        subnet_id=subnet_app,
        public_ip_id=E.rid(sub, rg, "Microsoft.Network/publicIPAddresses", "pip-web"),
    )
    vnet["properties"]["subnets"][0]["properties"]["ipConfigurations"] = [
        {"id": nic1["properties"]["ipConfigurations"][0]["id"]}
    ]
    pip1 = E.public_ip(
        sub, rg, "pip-web", ip_configuration_id=nic1["properties"]["ipConfigurations"][0]["id"]
    )
    os1 = E.disk(
        sub,
        rg,
        "vm-web-os",
        created=now - timedelta(days=300),
        state="Attached",
        managed_by=vm1_id,
        size_gb=30,
        tier="P4",
    )
    vm1 = E.vm(
        sub,
        rg,
        "vm-web",
        created=now - timedelta(days=300),
        os_disk_id=os1["id"],
        nic_ids=(nic1["id"],),
        tags={"env": "prod"},
    )
    vm_stop_id = E.rid(sub, rg, "Microsoft.Compute/virtualMachines", "vm-stopped")
    os2 = E.disk(
        sub,
        rg,
        "vm-stopped-os",
        created=now - timedelta(days=200),
        state="Attached",
        managed_by=vm_stop_id,
        size_gb=30,
        tier="P4",
    )
    vm2 = E.vm(
        sub,
        rg,
        "vm-stopped",
        created=now - timedelta(days=200),
        power="stopped",
        os_disk_id=os2["id"],
        size="Standard_D4s_v3",
    )
    vm_dealloc_id = E.rid(sub, rg, "Microsoft.Compute/virtualMachines", "vm-deallocated")
    os3 = E.disk(
        sub,
        rg,
        "vm-deallocated-os",
        created=now - timedelta(days=400),
        state="Reserved",
        managed_by=vm_dealloc_id,
        size_gb=128,
    )
    vm3 = E.vm(
        sub,
        rg,
        "vm-deallocated",
        created=now - timedelta(days=400),
        power="deallocated",
        os_disk_id=os3["id"],
    )
    orphan_disk = E.disk(
        sub,
        rg,
        "disk-orphan",
        created=now - timedelta(days=120),
        last_ownership=now - timedelta(days=100),
        size_gb=256,
        tier="P15",
    )
    snap = E.snapshot(
        sub,
        rg,
        "snap-orphan",
        created=now - timedelta(days=200),
        source_id=E.rid(sub, rg, "Microsoft.Compute/disks", "disk-deleted-long-ago"),
        size_gb=64,
    )
    pip_orphan = E.public_ip(sub, rg, "pip-orphan", address="20.61.1.99")
    nic_orphan = E.nic(sub, rg, "nic-orphan", subnet_id=vnet["properties"]["subnets"][1]["id"])
    vnet["properties"]["subnets"][1]["properties"]["ipConfigurations"] = [
        {"id": nic_orphan["properties"]["ipConfigurations"][0]["id"]}
    ]
    nsg = E.network_security_group(sub, rg, "nsg-unused")
    rt = E.route_table(sub, rg, "rt-unused")
    avset = E.availability_set(sub, rg, "avset-empty")
    lb = E.load_balancer(sub, rg, "lb-empty")
    nat = E.nat_gateway(sub, rg, "nat-unused")
    zone = E.private_dns_zone(sub, rg, "privatelink.blob.core.windows.net")
    plan = E.app_service_plan(sub, rg, "plan-empty")
    arm.add(
        vnet,
        nic1,
        pip1,
        os1,
        vm1,
        os2,
        vm2,
        os3,
        vm3,
        orphan_disk,
        snap,
        pip_orphan,
        nic_orphan,
        nsg,
        rt,
        avset,
        lb,
        nat,
        zone,
        plan,
    )
    arm.add_resource_group(sub, "rg-empty", tags={"owner": "nobody"})
    arm.add_event(
        sub, vm3["id"], "Microsoft.Compute/virtualMachines/deallocate/action", now - timedelta(days=60)
    )
    arm.add_event(sub, vm1["id"], "Microsoft.Compute/virtualMachines/start/action", now - timedelta(days=30))
    arm.add_metric(vm1["id"], "Percentage CPU", list(hours(now, 14, 35.0)))
    arm.add_metric(vm1["id"], "Network In Total", list(hours(now, 14, 5e6)))
    for short, item in {
        "vm-web": vm1,
        "vm-stopped": vm2,
        "vm-deallocated": vm3,
        "disk-orphan": orphan_disk,
        "snap-orphan": snap,
        "pip-orphan": pip_orphan,
        "pip-web": pip1,
        "nic-orphan": nic_orphan,
        "nic-web": nic1,
        "nsg-unused": nsg,
        "rt-unused": rt,
        "avset-empty": avset,
        "lb-empty": lb,
        "nat-unused": nat,
        "dns-zone": zone,
        "plan-empty": plan,
        "vm-stopped-os": os2,
        "vm-deallocated-os": os3,
    }.items():
        ids[short] = item["id"]
    ids["rg-empty"] = f"/subscriptions/{sub}/resourceGroups/rg-empty"
    return ids
