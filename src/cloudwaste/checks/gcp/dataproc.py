"""Dataproc checks: RUNNING clusters whose YARN did nothing, clusters with no scheduled deletion, and
clusters stopped for a long time with their disks still billed.

Items are Cloud Asset Inventory ``dataproc.googleapis.com/Cluster`` assets: the Dataproc API's ``Cluster``
in REST form (``clusterName``, ``clusterUuid``, ``status{state, stateStartTime}``, ``statusHistory[]``,
``config{gceClusterConfig{zoneUri}, masterConfig, workerConfig, secondaryWorkerConfig{numInstances,
machineTypeUri, instanceNames, diskConfig{bootDiskType, bootDiskSizeGb}, preemptibility}, softwareConfig
{optionalComponents}, lifecycleConfig{idleDeleteTtl, autoDeleteTime, autoDeleteTtl, idleStartTime}}``,
``virtualClusterConfig`` for Dataproc on GKE, ``labels``).

The VMs are Compute Engine instances billed at their machine type's rate (``gcp_compute.json``) plus the
Dataproc premium of $0.010 per vCPU-hour (``gcp_serverless.json``); preemptible and Spot secondary workers
are left out of the figure (Spot prices are not in the book) and named. Metrics: resource type
``cloud_dataproc_cluster``, label ``cluster_uuid`` = the item's ``clusterUuid``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.gcp._common import (
    as_int,
    asset_resource,
    days_since,
    duration_seconds,
    iso,
    last_segment,
    norm_url,
    parse_time,
    whole_days,
    zone_of,
    zone_region,
)
from cloudwaste.checks.gcp._compute import DISKS, INSTANCES, disk_monthly, machine_monthly, machine_type
from cloudwaste.checks.gcp.gke import lower_bound
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Severity
from cloudwaste.pricing.aws import with_note

CLUSTERS = "gcp:dataproc_clusters"
YARN_MEMORY = "dataproc.googleapis.com/cluster/yarn/allocated_memory_percentage"
JOBS = "dataproc.googleapis.com/cluster/job/submitted_count"
NOT_RUNNING = (
    "CREATING",
    "ERROR",
    "ERROR_DUE_TO_UPDATE",
    "DELETING",
    "UPDATING",
    "STOPPING",
    "STOPPED",
    "STARTING",
    "REPAIRING",
    "UNKNOWN",
)
# optional components that serve work outside YARN: an idle YARN says nothing about them
NON_YARN = frozenset({"TRINO", "PRESTO", "HBASE", "SOLR", "DRUID", "DOCKER"})
WORKFLOW_LABELS = ("goog-dataproc-workflow-template-id", "goog-dataproc-workflow-instance-id")
GROUPS = (
    ("masterConfig", "master"),
    ("workerConfig", "worker"),
    ("secondaryWorkerConfig", "secondary worker"),
)


# --- shared helpers ----------------------------------------------------------------------------------


def state(cluster: Mapping[str, Any]) -> str:
    """The cluster's ``status.state``."""
    return str((cluster.get("status") or {}).get("state") or "")


def in_state_days(cluster: Mapping[str, Any], ctx: CheckContext) -> float | None:
    """Days since the cluster entered its current state (``status.stateStartTime``)."""
    return days_since((cluster.get("status") or {}).get("stateStartTime"), ctx)


def created_at(cluster: Mapping[str, Any]) -> Any:
    """The earliest ``statusHistory`` time (the cluster's creation), else the current state's start."""
    times = [parse_time(h.get("stateStartTime")) for h in cluster.get("statusHistory") or []]
    known = [t for t in times if t is not None]
    return min(known) if known else (cluster.get("status") or {}).get("stateStartTime")


def zone(cluster: Mapping[str, Any]) -> str | None:
    """The zone of the cluster's VMs (``gceClusterConfig.zoneUri``, a URL or a bare zone name)."""
    uri = ((cluster.get("config") or {}).get("gceClusterConfig") or {}).get("zoneUri")
    return zone_of(uri) or zone_of(last_segment(uri))


def location(cluster: Mapping[str, Any], ctx: CheckContext) -> str:
    """The cluster's region (the asset's location, its ``goog-dataproc-location`` label, or its zone's)."""
    for value in (cluster.get("_location"), (cluster.get("labels") or {}).get("goog-dataproc-location")):
        if value:
            return str(value).lower()
    found = zone(cluster)
    return zone_region(found) if found else ctx.region


def components(cluster: Mapping[str, Any]) -> list[str]:
    """The optional components installed (``JUPYTER``, ``TRINO``, ...)."""
    software = (cluster.get("config") or {}).get("softwareConfig") or {}
    return [str(c) for c in software.get("optionalComponents") or []]


def is_preemptible(group: Mapping[str, Any]) -> bool:
    """Preemptible or Spot instances (secondary workers are PREEMPTIBLE unless said otherwise)."""
    preemptibility = str(group.get("preemptibility") or "")
    return bool(group.get("isPreemptible")) or preemptibility in ("PREEMPTIBLE", "SPOT")


def node_groups(cluster: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any], int]]:
    """(role, config, instances) of the master, primary and secondary worker groups that have instances."""
    config = cluster.get("config") or {}
    out = []
    for field, role in GROUPS:
        group = config.get(field) or {}
        count = as_int(group.get("numInstances"), 0) or 0
        if (
            field == "secondaryWorkerConfig"
            and "preemptibility" not in group
            and "isPreemptible" not in group
        ):
            group = {**group, "preemptibility": "PREEMPTIBLE"}
        if count > 0:
            out.append((role, group, count))
    return out


def cluster_monthly(ctx: CheckContext, cluster: Mapping[str, Any], region: str) -> Money:
    """The cluster's VMs (list price) plus the Dataproc premium per month; Spot/preemptible secondary
    workers and unstated machine types are left out and named (a lower bound then)."""
    parts: list[Money] = []
    for role, group, count in node_groups(cluster):
        machine = last_segment(group.get("machineTypeUri"))
        if not machine:
            parts.append(Money.unknown(detail=f"{count} {role} node(s): machine type not stated"))
            continue
        if is_preemptible(group):
            parts.append(Money.unknown(detail=f"{count} preemptible/Spot {role} node(s) ({machine})"))
            continue
        vm = machine_monthly(ctx, machine, region)
        mt = machine_type(machine)
        if vm.amount is None or mt is None or mt.vcpus is None:
            parts.append(Money.unknown(detail=f"{count} {role} node(s): no price for {machine}"))
            continue
        premium = ctx.prices.monthly(
            "gcp.dataproc.premium.vcpu_hour", region, mt.vcpus * count, what="vCPU Dataproc premium"
        )
        parts.append(
            Money(
                amount=round(vm.amount * count, 2),
                currency=vm.currency,
                basis=vm.basis,
                detail=f"{count} {role} x {machine} ({vm.detail})",
            )
        )
        parts.append(premium)
    if not parts:
        return Money.unknown(detail="no node groups with instances")
    return lower_bound(parts)


def vcpus(cluster: Mapping[str, Any]) -> float | None:
    """vCPUs of the cluster's VMs (None when a machine type is unknown)."""
    total = 0.0
    for _, group, count in node_groups(cluster):
        mt = machine_type(last_segment(group.get("machineTypeUri")))
        if mt is None or mt.vcpus is None:
            return None
        total += mt.vcpus * count
    return total


def is_on_gke(cluster: Mapping[str, Any]) -> bool:
    """Dataproc on GKE (a virtual cluster with no VMs of its own)."""
    return bool(cluster.get("virtualClusterConfig")) and not (cluster.get("config") or {}).get("masterConfig")


def _name(cluster: Mapping[str, Any]) -> str:
    return str(cluster.get("clusterName") or last_segment(cluster.get("name")) or "")


def _resource(cluster: Mapping[str, Any]) -> Any:
    return asset_resource(cluster, "dataproc_cluster", name=_name(cluster), created=created_at(cluster))


def _delete(cluster: Mapping[str, Any], ctx: CheckContext) -> str:
    return f"gcloud dataproc clusters delete {_name(cluster)} --region={location(cluster, ctx)}"


# --- gcp.dataproc.idle_cluster ---------------------------------------------------------------------------


class IdleParams(BaseModel):
    """Parameters of ``gcp.dataproc.idle_cluster``."""

    window_days: int = Field(14, ge=3, le=42, description="Days of daily YARN and job metrics to look at.")
    min_datapoints: int = Field(
        7, ge=1, description="Days with YARN memory data needed; fewer means unknown, not idle."
    )
    max_yarn_memory: float = Field(
        0.0,
        ge=0,
        description="Highest daily maximum of yarn/allocated_memory_percentage still counted as idle "
        "(0: YARN allocated no container memory on any day).",
    )
    high_confidence_days: int = Field(
        30,
        ge=1,
        description="Clusters RUNNING at least this many days with an idle window are reported with "
        "high confidence.",
    )


def _idle_queries(params: IdleParams) -> list[MetricQuery]:
    common: dict[str, Any] = {
        "namespace": "cloud_dataproc_cluster",
        "dimension": "cluster_uuid",
        "collection": CLUSTERS,
        "id_field": "clusterUuid",
        "period_s": 86400,
        "days": params.window_days,
        "skip_states": NOT_RUNNING,
        "state_field": "status.state",
    }
    return [
        MetricQuery(metric=YARN_MEMORY, stat="Maximum", **common),
        MetricQuery(metric=JOBS, stat="Sum", **common),
    ]


@check(
    id="gcp.dataproc.idle_cluster",
    title="Dataproc cluster RUNNING with no YARN work and no jobs submitted",
    resource_type="dataproc_cluster",
    severity=Severity.HIGH,
    needs=[CLUSTERS],
    params=IdleParams,
    klass="idle",
    metrics=_idle_queries,
    rationale="""
        A RUNNING Dataproc cluster bills every VM plus the $0.010 per vCPU-hour Dataproc premium whether jobs
        run or not. It is idle when the daily maximum of
        `dataproc.googleapis.com/cluster/yarn/allocated_memory_percentage` (ALIGN_MAX) stays at most
        `max_yarn_memory` (0: YARN never allocated a container) on every day of `window_days`, with at least
        `min_datapoints` days of data, and `cluster/job/submitted_count` (written only when jobs are
        submitted) shows none. The cluster must have been RUNNING for the whole window
        (`status.stateStartTime`). No YARN data is unknown, not idle. Clusters with components that serve
        outside YARN (Trino, Presto, HBase, Solr, Druid, Docker) are reported with low confidence, and
        Dataproc on GKE is skipped. The original judges idleness on job history alone; a cluster that runs
        interactive Spark has no jobs but allocates YARN memory, and is not idle here. The cost is the VMs
        and the premium; disks are not included.
    """,
    recommendation=(
        "Delete it (or set an idle-delete TTL): gcloud dataproc clusters delete <name> --region=<region>"
    ),
    covers_original=["gcp:dataproc_cluster_idle"],
    covers_peers=[],
)
def idle_cluster(ctx: CheckContext, params: IdleParams) -> Iterator[Hit]:
    """RUNNING clusters with no YARN memory allocated and no jobs submitted over the window."""
    yarn_q, jobs_q = _idle_queries(params)
    for cluster in ctx.get(CLUSTERS):
        if state(cluster) != "RUNNING" or is_on_gke(cluster):
            continue
        running = in_state_days(cluster, ctx)
        if running is None or running < params.window_days:
            continue
        uuid = str(cluster.get("clusterUuid") or "")
        yarn = ctx.metric(yarn_q, uuid) if uuid else None
        if yarn is None or len(yarn.values) < params.min_datapoints:
            continue
        if yarn.maximum > params.max_yarn_memory:
            continue
        jobs = ctx.metric(jobs_q, uuid)
        if jobs is not None and jobs.total > 0:
            continue
        region = location(cluster, ctx)
        others = sorted(NON_YARN & set(components(cluster)))
        confidence = Confidence.HIGH if running >= params.high_confidence_days else Confidence.MEDIUM
        scenario = "idle_yarn"
        if others:
            confidence, scenario = Confidence.LOW, "non_yarn_components"
        lifecycle = (cluster.get("config") or {}).get("lifecycleConfig") or {}
        name = _name(cluster)
        yield Hit(
            resource=_resource(cluster),
            reason=f"Dataproc cluster {name} has been RUNNING for {whole_days(running)}; YARN allocated no "
            f"memory and no job was submitted in {len(yarn.values)} days of data.",
            cost=cluster_monthly(ctx, cluster, region),
            evidence={
                "state": state(cluster),
                "running_days": round(running, 1),
                "yarn_allocated_memory_max": yarn.maximum,
                "yarn_datapoints": len(yarn.values),
                "jobs_submitted": 0.0 if jobs is None else jobs.total,
                "window_days": params.window_days,
                "vcpus": vcpus(cluster),
                "optional_components": components(cluster),
                "non_yarn_components": others,
                "idle_delete_ttl_s": duration_seconds(lifecycle.get("idleDeleteTtl")),
                "idle_since": lifecycle.get("idleStartTime"),
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=_delete(cluster, ctx),
            region=region,
        )


# --- gcp.dataproc.no_scheduled_delete ---------------------------------------------------------------


class NoDeleteParams(BaseModel):
    """Parameters of ``gcp.dataproc.no_scheduled_delete``."""

    min_age_days: int = Field(
        7, ge=0, description="Only flag clusters that have existed at least this many days."
    )
    recommended_idle_ttl_s: int = Field(
        3600, ge=600, description="The idle-delete TTL the recommendation proposes, in seconds."
    )


@check(
    id="gcp.dataproc.no_scheduled_delete",
    title="Dataproc cluster with neither an idle-delete TTL nor a scheduled deletion",
    resource_type="dataproc_cluster",
    severity=Severity.LOW,
    needs=[CLUSTERS],
    params=NoDeleteParams,
    klass="policy",
    rationale="""
        Dataproc can delete a cluster itself once it has been idle for `lifecycleConfig.idleDeleteTtl`, or at
        `autoDeleteTime` / after `autoDeleteTtl`. A RUNNING cluster with none of them keeps billing after its
        last job until someone remembers it; this is the policy behind most idle clusters. Clusters created
        by workflow templates (their `goog-dataproc-workflow-*` labels; the workflow deletes them),
        Dataproc on GKE and clusters younger than `min_age_days` are skipped. Long-lived shared clusters may
        be meant to stay: low confidence, and the saving is unknown (it depends on how long the cluster sits
        idle); the finding shows what the cluster costs a month.
    """,
    recommendation=(
        "Set an idle-delete TTL: gcloud dataproc clusters update <name> --region=<region> --max-idle=1h"
    ),
    covers_original=["gcp:dataproc_cluster_no_scheduled_delete"],
    covers_peers=[],
)
def no_scheduled_delete(ctx: CheckContext, params: NoDeleteParams) -> Iterator[Hit]:
    """RUNNING clusters without idleDeleteTtl, autoDeleteTime or autoDeleteTtl."""
    for cluster in ctx.get(CLUSTERS):
        if state(cluster) != "RUNNING" or is_on_gke(cluster):
            continue
        if any(k in (cluster.get("labels") or {}) for k in WORKFLOW_LABELS):
            continue
        lifecycle = (cluster.get("config") or {}).get("lifecycleConfig") or {}
        if (
            lifecycle.get("idleDeleteTtl")
            or lifecycle.get("autoDeleteTime")
            or lifecycle.get("autoDeleteTtl")
        ):
            continue
        age = days_since(created_at(cluster), ctx)
        if age is None or age < params.min_age_days:
            continue
        region = location(cluster, ctx)
        monthly = cluster_monthly(ctx, cluster, region)
        estimate = f"${monthly.amount:,.2f}/month" if monthly.amount is not None else "an unknown amount"
        name = _name(cluster)
        ttl = params.recommended_idle_ttl_s
        yield Hit(
            resource=_resource(cluster),
            reason=f"Dataproc cluster {name} ({whole_days(age)} old, about {estimate}) has no idle-delete "
            "TTL and no scheduled deletion.",
            cost=Money.unknown(
                CostKind.SAVING,
                detail=f"the saving is the idle time an idle-delete TTL would cut, not known; the cluster "
                f"costs {estimate} [{monthly.detail}]",
            ),
            evidence={
                "state": state(cluster),
                "age_days": round(age, 1),
                "lifecycle_config": lifecycle or None,
                "cluster_monthly": monthly.amount,
                "scenario": "no_scheduled_delete",
            },
            confidence=Confidence.LOW,
            recommendation=f"gcloud dataproc clusters update {name} --region={region} --max-idle={ttl}s",
            region=region,
        )


# --- gcp.dataproc.stopped_cluster ------------------------------------------------------------------


class StoppedParams(BaseModel):
    """Parameters of ``gcp.dataproc.stopped_cluster``."""

    min_days: int = Field(30, ge=0, description="Only flag clusters STOPPED at least this many days.")
    high_confidence_days: int = Field(
        90, ge=0, description="Stopped at least this many days gives high confidence."
    )


def stopped_disks(
    ctx: CheckContext, cluster: Mapping[str, Any]
) -> tuple[Money, list[str], list[dict[str, Any]]]:
    """What a stopped cluster still pays: the persistent disks of its VMs (found through the instances
    named in its config), else an estimate from the configured boot disk sizes."""
    found_zone = zone(cluster)
    instances = {(zone_of(i.get("zone")), str(i.get("name"))): i for i in ctx.get(INSTANCES) if i.get("name")}
    disks = {norm_url(d.get("selfLink")): d for d in ctx.get(DISKS) if d.get("selfLink")}
    parts: list[Money] = []
    ids: list[str] = []
    charged: list[dict[str, Any]] = []
    region = location(cluster, ctx)
    for role, group, count in node_groups(cluster):
        names = [str(n) for n in group.get("instanceNames") or []]
        vms = [instances.get((found_zone, n)) for n in names]
        if names and all(vms):
            for vm in vms:
                assert vm is not None
                for attached in vm.get("disks") or []:
                    disk = disks.get(norm_url(attached.get("source")))
                    if disk is None:
                        continue
                    money = disk_monthly(ctx, disk)
                    parts.append(money)
                    ids.append(norm_url(disk.get("selfLink")))
                    charged.append(
                        {"disk": disk.get("name"), "size_gb": disk.get("sizeGb"), "monthly": money.amount}
                    )
            continue
        if is_preemptible(group):
            continue  # secondary workers are deleted when a cluster stops
        disk_config = group.get("diskConfig") or {}
        size = as_int(disk_config.get("bootDiskSizeGb"))
        dtype = str(disk_config.get("bootDiskType") or "pd-standard")
        if size is None:
            parts.append(Money.unknown(detail=f"{count} {role} boot disk(s): size not stated"))
            continue
        money = ctx.prices.monthly(
            f"gcp.compute.disk.{dtype}.gb_month",
            zone_region(region),
            size * count,
            what=f"GB {dtype} ({role})",
        )
        if money.amount is not None:
            money = money.model_copy(update={"basis": CostBasis.ESTIMATE})
        parts.append(with_note(money, f"{role} boot disks estimated from the cluster config"))
        charged.append({"role": role, "boot_disks": count, "size_gb": size, "type": dtype, "estimated": True})
    if not parts:
        return Money.unknown(detail="no disks found"), ids, charged
    return lower_bound(parts), ids, charged


@check(
    id="gcp.dataproc.stopped_cluster",
    title="Dataproc cluster stopped for a long time, its disks still billed",
    resource_type="dataproc_cluster",
    severity=Severity.MEDIUM,
    needs=[CLUSTERS, INSTANCES, DISKS],
    params=StoppedParams,
    klass="idle",
    rationale="""
        A STOPPED Dataproc cluster pays no vCPUs, memory or Dataproc premium, but the persistent disks of its
        master and primary workers are billed in full. Clusters stopped for at least `min_days`
        (`status.stateStartTime`) are reported, with high confidence from `high_confidence_days`. The cost
        is those disks, read from the cluster's VMs (the instance names in its config) and `gcp:disks`, and
        listed in `cost_includes` so the disk and stopped-instance findings of the same disks are not counted
        twice; when the VMs are not listed it is estimated from the configured boot disk size and type.
        Secondary workers are deleted when a cluster stops and cost nothing.
    """,
    recommendation=(
        "Delete it if it will not be restarted: gcloud dataproc clusters delete <name> --region=<region>"
    ),
    covers_original=["gcp:dataproc_cluster_stopped"],
    covers_peers=[],
)
def stopped_cluster(ctx: CheckContext, params: StoppedParams) -> Iterator[Hit]:
    """Clusters STOPPED for at least ``min_days``, costed by their disks."""
    for cluster in ctx.get(CLUSTERS):
        if state(cluster) != "STOPPED":
            continue
        days = in_state_days(cluster, ctx)
        if days is None or days < params.min_days:
            continue
        cost, ids, charged = stopped_disks(ctx, cluster)
        name = _name(cluster)
        nodes = sum(count for _, group, count in node_groups(cluster) if not is_preemptible(group))
        yield Hit(
            resource=_resource(cluster),
            reason=f"Dataproc cluster {name} has been STOPPED for {whole_days(days)}; the persistent disks "
            f"of its {nodes} node(s) are still billed.",
            cost=cost,
            evidence={
                "state": state(cluster),
                "stopped_days": round(days, 1),
                "stopped_since": iso(parse_time((cluster.get("status") or {}).get("stateStartTime"))),
                "still_billed": charged,
                "scenario": "stopped",
            },
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=_delete(cluster, ctx),
            cost_includes=tuple(ids),
            region=location(cluster, ctx),
        )
