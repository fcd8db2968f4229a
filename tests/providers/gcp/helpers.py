"""Helpers for the GCP provider tests: providers on the fake, a realistic estate, ad-hoc checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.registry import CheckSpec, NoParams
from cloudwaste.engine.plan import SelectedCheck
from cloudwaste.model import CostBasis, Money, Resource, Severity
from cloudwaste.providers.gcp import GcpOptions, GcpProvider
from tests.fakes import gcp_estate as E
from tests.fakes.gcp import FakeGcp, days

NOW = datetime.now(UTC).replace(microsecond=0)
DISK_IDLE = "google.compute.disk.IdleResourceRecommender"
CPU = MetricQuery(
    namespace="gce_instance",
    metric="compute.googleapis.com/instance/cpu/utilization",
    dimension="instance_id",
    collection="gcp:instances",
    id_field="id",
    stat="Average",
    period_s=86400,
    days=14,
)
READ_OPS = MetricQuery(
    namespace="gce_instance",
    metric="compute.googleapis.com/instance/disk/read_ops_count",
    dimension="device_name",
    collection="gcp:disks",
    id_field="name",
    stat="Sum",
    period_s=86400,
    days=14,
)


def provider(**options: Any) -> GcpProvider:
    """A provider on the fake with AnonymousCredentials and no retries (unless the test says otherwise)."""
    from google.auth.credentials import AnonymousCredentials

    options.setdefault("retry_deadline", 0)
    if "credentials" not in options and not options.get("credentials_file") and not options.get("account"):
        options["credentials"] = AnonymousCredentials()
    elif options.get("credentials") is False:
        options.pop("credentials")
    return GcpProvider(GcpOptions(**options))


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
                resource=Resource(id=str(item.get("selfLink") or item.get("name")), type="thing"),
                reason=reason,
                cost=Money(amount=1.0, basis=CostBasis.BUNDLED_PRICE),
                region="global",
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
        f"gcp.test.every_{name}", [collection], lambda ctx: ((i, "listed") for i in ctx.get(collection))
    )


def build_estate(
    fake: FakeGcp, project: str, name: str = "Production", now: datetime = NOW
) -> dict[str, Any]:
    """A small but realistic project: an app in use and a collection of waste. Returns items by short name."""
    fake.add_project(project, name, labels={"env": "prod"})
    ago = lambda d: now - timedelta(days=d)  # noqa: E731
    zone, region = "us-central1-a", "us-central1"
    web_boot = E.disk(project, "web-boot", zone=zone, size_gb=20, created=ago(300))
    stopped_boot = E.disk(
        project, "stopped-boot", zone=zone, size_gb=50, disk_type="pd-ssd", created=ago(200)
    )
    idle_boot = E.disk(project, "idle-boot", zone="europe-west1-b", size_gb=20, created=ago(100))
    vm_web = E.instance(
        project,
        zone,
        "vm-web",
        created=ago(300),
        disks=(web_boot["selfLink"],),
        nat_ip="34.10.0.1",
        labels={"env": "prod"},
    )
    vm_stopped = E.instance(
        project,
        zone,
        "vm-stopped",
        status="TERMINATED",
        machine_type="n2-standard-8",
        created=ago(200),
        disks=(stopped_boot["selfLink"],),
        nat_ip="34.10.0.2",
        last_stop=ago(60),
    )
    vm_idle = E.instance(
        project, "europe-west1-b", "vm-idle", created=ago(100), disks=(idle_boot["selfLink"],)
    )
    web_boot["users"] = [vm_web["selfLink"]]
    stopped_boot["users"] = [vm_stopped["selfLink"]]
    idle_boot["users"] = [vm_idle["selfLink"]]
    orphan = E.disk(
        project,
        "disk-orphan",
        zone=zone,
        size_gb=500,
        disk_type="pd-ssd",
        created=ago(120),
        last_attach=ago(110),
        last_detach=ago(90),
    )
    regional = E.disk(project, "regional-data", zone=None, region=region, size_gb=200, created=ago(50))
    fake.add_compute(project, "disks", web_boot, stopped_boot, idle_boot, orphan, regional)
    fake.add_compute(project, "instances", vm_web, vm_stopped, vm_idle)
    snap_orphan = E.snapshot(
        project,
        "snap-of-deleted",
        source_disk=E.link(project, f"zones/{zone}", "disks", "gone"),
        created=ago(400),
        size_gb=100,
    )
    snap_ok = E.snapshot(project, "snap-web", source_disk=web_boot["selfLink"], created=ago(3), size_gb=20)
    fake.add_compute(project, "snapshots", snap_orphan, snap_ok)
    img_used = E.image(project, "img-used", created=ago(400), family="web")
    img_old = E.image(project, "img-old", created=ago(400), size_gb=50)
    fake.add_compute(project, "images", img_used, img_old)
    tpl_used = E.instance_template(project, "tpl-used", created=ago(100), source_image=img_used["selfLink"])
    tpl_unused = E.instance_template(
        project, "tpl-unused", created=ago(300), source_image=img_used["selfLink"]
    )
    fake.add_compute(project, "instanceTemplates", tpl_used, tpl_unused)
    igm = {
        "kind": "compute#instanceGroupManager",
        "id": E.next_id(),
        "creationTimestamp": E.ts(ago(100)),
        "name": "igm-web",
        "zone": E.zone_url(project, zone),
        "instanceTemplate": tpl_used["selfLink"],
        "versions": [{"instanceTemplate": tpl_used["selfLink"]}],
        "instanceGroup": E.link(project, f"zones/{zone}", "instanceGroups", "igm-web"),
        "baseInstanceName": "igm-web",
        "targetSize": 1,
        "selfLink": E.link(project, f"zones/{zone}", "instanceGroupManagers", "igm-web"),
    }
    fake.add_compute(project, "instanceGroupManagers", igm)
    mi_old = E.machine_image(project, "mi-old", created=ago(400), source_instance=vm_web["selfLink"])
    fake.add_compute(project, "machineImages", mi_old)
    ip_unused = E.address(project, "ip-unused", ip="34.10.0.9", created=ago(100))
    ip_lb = E.address(project, "ip-lb", ip="34.10.0.10", created=ago(100))
    ip_stopped = E.address(
        project,
        "ip-stopped",
        ip="34.10.0.2",
        status="IN_USE",
        users=(vm_stopped["selfLink"],),
        created=ago(200),
    )
    fake.add_compute(project, "addresses", ip_unused, ip_lb, ip_stopped)
    gip = E.address(project, "gip-unused", region=None, ip="35.1.1.1", created=ago(100))
    peering = E.address(
        project,
        "peering-range",
        region=None,
        ip="10.50.0.0",
        address_type="INTERNAL",
        purpose="VPC_PEERING",
        status="RESERVED",
        created=ago(100),
    )
    fake.add_compute(project, "globalAddresses", gip, peering)
    pool = {
        "kind": "compute#targetPool",
        "id": E.next_id(),
        "creationTimestamp": E.ts(ago(100)),
        "name": "pool-empty",
        "region": E.region_url(project, region),
        "selfLink": E.link(project, f"regions/{region}", "targetPools", "pool-empty"),
        "sessionAffinity": "NONE",
    }
    fake.add_compute(project, "targetPools", pool)
    rule = E.forwarding_rule(project, "fr-lb", ip=ip_lb["address"], target=pool["selfLink"], created=ago(100))
    fake.add_compute(project, "forwardingRules", rule)
    bes = E.backend_service(project, "bes-empty", created=ago(100))
    fake.add_compute(project, "backendServices", bes)
    router_nat = E.router(project, "router-nat", created=ago(100), nats=("nat-1",))
    router_empty = E.router(project, "router-empty", region="europe-west1", created=ago(100))
    fake.add_compute(project, "routers", router_nat, router_empty)
    fake.add_compute(project, "networks", E.network(project, created=ago(500)))
    number = str(fake.projects[project]["name"]).removeprefix("projects/")
    sql_never = E.sql_instance(project, "db-stopped", activation="NEVER", created=ago(300))
    sql_never_asset = f"projects/{project}/instances/db-stopped"
    fake.add_asset(project, "sqladmin.googleapis.com/Instance", sql_never, region, sql_never_asset)
    fake.add_asset(
        project,
        "storage.googleapis.com/Bucket",
        E.bucket(number, f"{project}-logs", created=ago(400)),
        "us",
        f"{project}-logs",
    )
    fake.add_asset(
        project,
        "container.googleapis.com/Cluster",
        E.gke_cluster(project, "gke-prod", created=ago(300)),
        region,
        f"projects/{project}/locations/{region}/clusters/gke-prod",
    )
    fake.add_series(
        project,
        CPU.metric,
        "gce_instance",
        {"instance_id": vm_web["id"], "zone": zone},
        list(days(now, 14, 0.35)),
    )
    fake.add_series(
        project,
        CPU.metric,
        "gce_instance",
        {"instance_id": vm_idle["id"], "zone": "europe-west1-b"},
        list(days(now, 14, 0.004)),
    )
    for metric in ("received_bytes_count", "sent_bytes_count"):
        for vm, value in ((vm_web, 5e9), (vm_idle, 1e5)):
            fake.add_series(
                project,
                f"compute.googleapis.com/instance/network/{metric}",
                "gce_instance",
                {"instance_id": vm["id"], "zone": vm["zone"].rsplit("/", 1)[-1]},
                list(days(now, 14, value)),
                value_type="INT64",
                metric_kind="DELTA",
                metric_labels={"loadbalanced": "false"},
            )
    fake.add_recommendation(
        project,
        zone,
        DISK_IDLE,
        E.recommendation(
            project,
            zone,
            DISK_IDLE,
            f"//compute.googleapis.com/projects/{project}/zones/{zone}/disks/disk-orphan",
            refreshed=ago(1),
        ),
    )
    return {
        "vm-web": vm_web,
        "vm-stopped": vm_stopped,
        "vm-idle": vm_idle,
        "web-boot": web_boot,
        "stopped-boot": stopped_boot,
        "disk-orphan": orphan,
        "regional-data": regional,
        "snap-of-deleted": snap_orphan,
        "snap-web": snap_ok,
        "img-used": img_used,
        "img-old": img_old,
        "tpl-used": tpl_used,
        "tpl-unused": tpl_unused,
        "mi-old": mi_old,
        "ip-unused": ip_unused,
        "ip-lb": ip_lb,
        "ip-stopped": ip_stopped,
        "gip-unused": gip,
        "peering-range": peering,
        "pool-empty": pool,
        "fr-lb": rule,
        "bes-empty": bes,
        "router-nat": router_nat,
        "router-empty": router_empty,
        "db-stopped": sql_never,
    }
