"""Bigtable checks: clusters that serve no requests, clusters with more nodes than their CPU and storage
need, and non-production instances with more than one node.

Items are Cloud Asset Inventory ``bigtableadmin.googleapis.com/Instance`` / ``Cluster`` assets in REST
form: instance ``name`` (``projects/p/instances/i``), ``type`` (PRODUCTION, DEVELOPMENT), ``labels``,
``state``; cluster ``name`` (``projects/p/instances/i/clusters/c``), ``location``
(``projects/p/locations/us-central1-b``), ``serveNodes``, ``defaultStorageType`` (SSD, HDD),
``clusterConfig.clusterAutoscalingConfig``. Every cluster of an instance holds a full copy of its data.

Prices: ``gcp.bigtable.node.hour`` per node and ``gcp.bigtable.storage.<ssd|hdd>.gb_month``.

Metrics: ``cluster/cpu_load``, ``cluster/storage_utilization`` and ``disk/bytes_used`` on resource type
``bigtable_cluster``, ``server/request_count`` on ``bigtable_table`` (summed over tables, methods and app
profiles), all keyed by the ``cluster`` label (the cluster id), which the provider puts in each cluster's
``_metric_id``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    GIB,
    as_int,
    last_segment,
    metric_days,
    nonprod_label,
    zone_region,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import add, with_note

INSTANCES = "gcp:bigtable_instances"
CLUSTERS = "gcp:bigtable_clusters"
METRIC_ID = "_metric_id"  # the cluster id: the cluster label of bigtable_cluster / bigtable_table
CPU = "bigtable.googleapis.com/cluster/cpu_load"
STORAGE_UTIL = "bigtable.googleapis.com/cluster/storage_utilization"
BYTES = "bigtable.googleapis.com/disk/bytes_used"
REQUESTS = "bigtable.googleapis.com/server/request_count"
LAST_CLUSTER = "It is the instance's only cluster: delete the instance"
NOT_READY = ("CREATING", "RESIZING", "DISABLED", "STATE_NOT_KNOWN")
DELETE_CLUSTER = "gcloud bigtable clusters delete {cluster} --instance={instance} --project={project}"
DELETE_INSTANCE = "gcloud bigtable instances delete {instance} --project={project}"
RESIZE = (
    "gcloud bigtable clusters update {cluster} --instance={instance} --num-nodes={nodes} --project={project}"
)


def parts(cluster: Mapping[str, Any], ctx: CheckContext) -> tuple[str, str, str]:
    """(project, instance id, cluster id) of a cluster's ``name``."""
    bits = str(cluster.get("name") or "").split("/")
    project = bits[1] if len(bits) > 1 and bits[0] == "projects" else ctx.account
    instance = bits[3] if len(bits) > 3 else ""
    return project, instance, last_segment(cluster.get("name"))


def instance_name(cluster: Mapping[str, Any]) -> str:
    """``projects/p/instances/i`` of a cluster."""
    return str(cluster.get("name") or "").split("/clusters/", 1)[0]


def zone(cluster: Mapping[str, Any]) -> str:
    return last_segment(cluster.get("location")) or str(cluster.get("_location") or "global")


def nodes(cluster: Mapping[str, Any]) -> int:
    return as_int(cluster.get("serveNodes"), 0) or 0


def autoscaling(cluster: Mapping[str, Any]) -> Mapping[str, Any] | None:
    config = cluster.get("clusterConfig")
    value = config.get("clusterAutoscalingConfig") if isinstance(config, Mapping) else None
    return value if isinstance(value, Mapping) and value else None


def storage_type(cluster: Mapping[str, Any]) -> str:
    return "hdd" if cluster.get("defaultStorageType") == "HDD" else "ssd"


def cluster_resource(cluster: Mapping[str, Any], instance: Mapping[str, Any] | None) -> Resource:
    return Resource(
        id=str(cluster.get("name") or ""),
        arn=str(cluster.get("_asset_name") or "") or None,
        name=last_segment(cluster.get("name")),
        type="bigtable_cluster",
        tags=dict((instance or {}).get("labels") or {}),
    )


def node_monthly(ctx: CheckContext, cluster: Mapping[str, Any], count: float, kind: CostKind) -> Money:
    return ctx.prices.monthly(
        "gcp.bigtable.node.hour", zone_region(zone(cluster)), count, kind=kind, what="node(s)"
    )


def storage_monthly(ctx: CheckContext, cluster: Mapping[str, Any], used: MetricSeries | None) -> Money | None:
    """The cluster's stored data (latest ``disk/bytes_used``) per month; None when not measured."""
    if used is None or not used.values:
        return None
    gb = round(used.values[-1] / GIB, 2)
    kind = storage_type(cluster)
    return ctx.prices.monthly(
        f"gcp.bigtable.storage.{kind}.gb_month", zone_region(zone(cluster)), gb, what=f"GiB {kind}"
    )


def bt_query(metric: str, resource_type: str, stat: str, days: int) -> MetricQuery:
    return MetricQuery(
        namespace=resource_type,
        metric=metric,
        dimension="cluster",
        collection=CLUSTERS,
        id_field=METRIC_ID,
        stat=stat,
        period_s=86400,
        days=days,
        skip_states=NOT_READY,
        state_field="state",
    )


def series(ctx: CheckContext, query: MetricQuery, cluster: Mapping[str, Any]) -> MetricSeries | None:
    mid = cluster.get(METRIC_ID)
    return None if not mid else ctx.metric(query, str(mid))


def _instances(ctx: CheckContext) -> dict[str, Mapping[str, Any]]:
    return {str(i.get("name")): i for i in ctx.get(INSTANCES)}


def _clusters_by_instance(ctx: CheckContext) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for cluster in ctx.get(CLUSTERS):
        out.setdefault(instance_name(cluster), []).append(cluster)
    return out


def _basics(cluster: Mapping[str, Any], instance: Mapping[str, Any] | None, siblings: int) -> dict[str, Any]:
    return {
        "instance": instance_name(cluster),
        "instance_type": (instance or {}).get("type"),
        "zone": zone(cluster),
        "serve_nodes": nodes(cluster),
        "storage_type": cluster.get("defaultStorageType"),
        "autoscaling": autoscaling(cluster) is not None,
        "clusters_in_instance": siblings,
        "state": cluster.get("state"),
    }


# --- gcp.bigtable.idle_cluster -------------------------------------------------------------------------


class IdleParams(BaseModel):
    """Parameters of ``gcp.bigtable.idle_cluster``."""

    window_days: int = Field(
        14, ge=7, le=90, description="Days of daily requests and CPU read (the original's 14)."
    )
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    idle_cpu_percent: float = Field(
        5.0,
        ge=0,
        le=100,
        description="When no request datapoint exists, every day's peak CPU load at or below this "
        "(compactions and replication only) marks the cluster idle.",
    )


def idle_queries(params: IdleParams) -> list[MetricQuery]:
    days = params.window_days
    return [
        bt_query(REQUESTS, "bigtable_table", "Sum", days),
        bt_query(CPU, "bigtable_cluster", "Maximum", days),
        bt_query(BYTES, "bigtable_cluster", "Maximum", days),
    ]


@check(
    id="gcp.bigtable.idle_cluster",
    title="Bigtable cluster that serves no requests",
    resource_type="bigtable_cluster",
    severity=Severity.HIGH,
    needs=[INSTANCES, CLUSTERS],
    params=IdleParams,
    klass="idle",
    metrics=idle_queries,
    rationale="""
        A READY cluster whose `server/request_count`, summed per day over its tables, methods and app
        profiles, was 0 on every day of `window_days` (at least `min_days_of_data` days) pays for its nodes
        and its copy of the data for nothing: medium confidence, high when the CPU load also stayed at most
        `idle_cpu_percent`. The request count is a delta metric with no datapoint when nothing is asked, so
        a cluster with no request datapoint while `cluster/cpu_load` reports on enough days and stays at most
        `idle_cpu_percent` is idle with medium confidence; with neither series it is unknown, never idle.
        Replication between clusters is not a request: a replica nobody reads is idle too, and it is the
        cluster to delete; the last cluster of an instance means deleting the instance. The cost is its
        nodes plus its stored GiB (from `disk/bytes_used`; excluded when not reported).
    """,
    recommendation=(
        "Delete the cluster: gcloud bigtable clusters delete <cluster> --instance=<instance> "
        "(for an instance's last cluster, delete the instance)"
    ),
    covers_original=["gcp:bigtable_idle"],
)
def idle_cluster(ctx: CheckContext, params: IdleParams) -> Iterator[Hit]:
    """READY clusters without data requests over the window."""
    req_q, cpu_q, bytes_q = idle_queries(params)
    instances = _instances(ctx)
    siblings = _clusters_by_instance(ctx)
    for cluster in ctx.get(CLUSTERS):
        if cluster.get("state") != "READY":
            continue
        requests, cpu = series(ctx, req_q, cluster), series(ctx, cpu_q, cluster)
        used = series(ctx, bytes_q, cluster)
        cpu_low = cpu is not None and metric_days(cpu) >= params.min_days_of_data
        cpu_low = cpu_low and cpu is not None and cpu.maximum * 100 <= params.idle_cpu_percent
        if requests is not None and metric_days(requests) >= params.min_days_of_data:
            if requests.total > 0:
                continue
            scenario = "no_requests"
            confidence = Confidence.HIGH if cpu_low else Confidence.MEDIUM
        elif requests is None and cpu_low:
            scenario, confidence = "no_requests_reported", Confidence.MEDIUM
        else:
            continue
        project, inst_id, cluster_id = parts(cluster, ctx)
        instance = instances.get(instance_name(cluster))
        count = len(siblings.get(instance_name(cluster), []))
        money = node_monthly(ctx, cluster, nodes(cluster), CostKind.COST)
        stored = storage_monthly(ctx, cluster, used)
        cost = (
            add([money, stored])
            if stored is not None
            else with_note(money, "stored data not reported, excluded")
        )
        last = count <= 1
        command = (DELETE_INSTANCE if last else DELETE_CLUSTER).format(
            cluster=cluster_id, instance=inst_id, project=project
        )
        yield Hit(
            resource=cluster_resource(cluster, instance),
            reason=(
                f"Bigtable cluster {cluster_id} of instance {inst_id} ({nodes(cluster)} node(s)) served no"
                f" request in {params.window_days} days"
                + (f"; CPU load never above {cpu.maximum * 100:.1f}%." if cpu is not None else ".")
            ),
            cost=cost,
            evidence=_basics(cluster, instance, count)
            | {
                "window_days": params.window_days,
                "requests_total": None if requests is None else requests.total,
                "cpu_load_peak_percent": None if cpu is None else round(cpu.maximum * 100, 2),
                "stored_gib": None if used is None or not used.values else round(used.values[-1] / GIB, 2),
                "metrics": {
                    REQUESTS: requests.evidence() if requests else None,
                    CPU: cpu.evidence() if cpu else None,
                },
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=(
                f"{LAST_CLUSTER if last else 'Delete it'} after checking no app profile routes to it:"
                f" {command}"
            ),
            region=zone(cluster),
            cost_group=f"bigtable:{cluster.get('name')}",
        )


# --- gcp.bigtable.overprovisioned_cluster ----------------------------------------------------------------


class OversizedParams(BaseModel):
    """Parameters of ``gcp.bigtable.overprovisioned_cluster``."""

    window_days: int = Field(14, ge=7, le=90, description="Days of daily peak CPU load read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with CPU datapoints needed before judging.")
    review_cpu_percent: float = Field(
        30.0,
        ge=0,
        le=100,
        description="Peak CPU load at or below which fewer nodes are proposed (the original's 30).",
    )
    cpu_percent: float = Field(
        20.0,
        ge=0,
        le=100,
        description="Peak CPU load at or below which, with storage measured, confidence is medium.",
    )
    target_single_percent: float = Field(
        70.0,
        ge=1,
        le=100,
        description="CPU load to size a single-cluster instance for (Google's recommendation).",
    )
    target_replicated_percent: float = Field(
        35.0,
        ge=1,
        le=100,
        description="CPU load to size each cluster of a replicated instance for (it must absorb a failover).",
    )
    target_storage_percent: float = Field(
        70.0,
        ge=1,
        le=100,
        description="Storage utilization per node to keep at most (Google's recommendation).",
    )


def oversized_queries(params: OversizedParams) -> list[MetricQuery]:
    days = params.window_days
    return [
        bt_query(CPU, "bigtable_cluster", "Maximum", days),
        bt_query(STORAGE_UTIL, "bigtable_cluster", "Maximum", days),
    ]


@check(
    id="gcp.bigtable.overprovisioned_cluster",
    title="Bigtable cluster with more nodes than its CPU and storage need",
    resource_type="bigtable_cluster",
    severity=Severity.MEDIUM,
    needs=[INSTANCES, CLUSTERS],
    params=OversizedParams,
    klass="oversized",
    metrics=oversized_queries,
    rationale="""
        A READY, manually scaled cluster of more than one node whose peak `cluster/cpu_load` over
        `window_days` stayed at most `review_cpu_percent` is sized for Google's recommended CPU load:
        `target_single_percent` when it is its instance's only cluster, `target_replicated_percent` when the
        instance replicates (each cluster must absorb a failover). The node count also keeps the peak
        `cluster/storage_utilization` at most `target_storage_percent` per node. At most `cpu_percent` with
        storage utilization reported gives medium confidence, else low. Autoscaled clusters are skipped (the
        autoscaler sizes them; lower its minimum instead). The saving is the nodes removed at the node-hour
        rate; the original compares average CPU with 65 %, which shrinks clusters below their busy hours.
    """,
    recommendation=(
        "Remove nodes: gcloud bigtable clusters update <cluster> --instance=<instance> --num-nodes=<n>"
    ),
    covers_original=["gcp:bigtable_underutilized", "gcp:bigtable_low_cpu"],
)
def overprovisioned_cluster(ctx: CheckContext, params: OversizedParams) -> Iterator[Hit]:
    """Manually scaled clusters whose CPU and storage peaks need fewer nodes."""
    cpu_q, storage_q = oversized_queries(params)
    instances = _instances(ctx)
    siblings = _clusters_by_instance(ctx)
    for cluster in ctx.get(CLUSTERS):
        count = nodes(cluster)
        if cluster.get("state") != "READY" or autoscaling(cluster) is not None or count <= 1:
            continue
        cpu = series(ctx, cpu_q, cluster)
        days = metric_days(cpu)
        if cpu is None or days < params.min_days_of_data:
            continue
        peak = cpu.maximum * 100
        if peak > params.review_cpu_percent:
            continue
        clusters = len(siblings.get(instance_name(cluster), []))
        target = params.target_single_percent if clusters <= 1 else params.target_replicated_percent
        needed = max(1, math.ceil(round(count * peak / target, 6)))
        util = series(ctx, storage_q, cluster)
        util_peak = None if util is None else util.maximum * 100
        if util_peak is not None:
            needed = max(needed, math.ceil(round(count * util_peak / params.target_storage_percent, 6)))
        if needed >= count:
            continue
        project, inst_id, cluster_id = parts(cluster, ctx)
        medium = peak <= params.cpu_percent and util_peak is not None
        yield Hit(
            resource=cluster_resource(cluster, instances.get(instance_name(cluster))),
            reason=(
                f"Bigtable cluster {cluster_id} of instance {inst_id} peaked at {peak:.1f}% CPU load on"
                f" {count} nodes in {days} days; {needed} node(s) would stay under {target:g}%."
            ),
            cost=node_monthly(ctx, cluster, count - needed, CostKind.SAVING),
            evidence=_basics(cluster, instances.get(instance_name(cluster)), clusters)
            | {
                "window_days": params.window_days,
                "days_with_data": days,
                "cpu_load_peak_percent": round(peak, 2),
                "storage_utilization_peak_percent": None if util_peak is None else round(util_peak, 2),
                "target_cpu_percent": target,
                "proposed_nodes": needed,
                "metrics": {CPU: cpu.evidence(), STORAGE_UTIL: util.evidence() if util else None},
                "scenario": "low_cpu" if peak <= params.cpu_percent else "underutilized",
            },
            confidence=Confidence.MEDIUM if medium else Confidence.LOW,
            recommendation="Remove nodes: "
            + RESIZE.format(cluster=cluster_id, instance=inst_id, nodes=needed, project=project),
            region=zone(cluster),
            cost_group=f"bigtable:{cluster.get('name')}",
        )


# --- gcp.bigtable.nonprod_overprovisioned --------------------------------------------------------------


class NonprodParams(BaseModel):
    """Parameters of ``gcp.bigtable.nonprod_overprovisioned``."""

    max_nodes: int = Field(1, ge=1, description="Nodes a non-production instance is sized down to in total.")


@check(
    id="gcp.bigtable.nonprod_overprovisioned",
    title="Non-production Bigtable instance with several clusters or nodes",
    resource_type="bigtable_instance",
    severity=Severity.MEDIUM,
    needs=[INSTANCES, CLUSTERS],
    params=NonprodParams,
    klass="oversized",
    rationale="""
        An instance whose labels mark it non-production (`env`/`environment`/`stage` = dev, test, staging
        ...) rarely needs replication or more than `max_nodes` node(s): every extra cluster bills its nodes
        and a full copy of the data. The proposal is one cluster of `max_nodes` node(s); the saving is the
        other nodes at the node-hour rate (the removed clusters' storage copies are saved too but not
        measured, so excluded). Autoscaled clusters count at their current node count. Instances without
        labels are never assumed non-production, and DEVELOPMENT instances (one node, no replication) are
        skipped.
    """,
    recommendation=(
        "Keep one cluster and shrink it: gcloud bigtable clusters delete <cluster> --instance=<id>; "
        "gcloud bigtable clusters update <cluster> --instance=<id> --num-nodes=1"
    ),
    covers_original=["gcp:bigtable_devtest_overprovisioned", "gcp:bigtable_unnecessary_multicluster"],
)
def nonprod_overprovisioned(ctx: CheckContext, params: NonprodParams) -> Iterator[Hit]:
    """Labelled non-production instances with more than one cluster or more than ``max_nodes`` nodes."""
    siblings = _clusters_by_instance(ctx)
    for instance in ctx.get(INSTANCES):
        label = nonprod_label(instance)
        clusters = [c for c in siblings.get(str(instance.get("name")), []) if c.get("state") != "DELETING"]
        if label is None or instance.get("type") == "DEVELOPMENT" or not clusters:
            continue
        total = sum(nodes(c) for c in clusters)
        if len(clusters) <= 1 and total <= params.max_nodes:
            continue
        keep = max(clusters, key=nodes)
        saving = with_note(
            node_monthly(ctx, keep, total - params.max_nodes, CostKind.SAVING),
            "storage copies of removed clusters excluded",
        )
        inst_id = last_segment(instance.get("name"))
        project = parts(keep, ctx)[0]
        others = [last_segment(c.get("name")) for c in clusters if c is not keep]
        steps = [DELETE_CLUSTER.format(cluster=o, instance=inst_id, project=project) for o in others] + [
            RESIZE.format(
                cluster=last_segment(keep.get("name")),
                instance=inst_id,
                nodes=params.max_nodes,
                project=project,
            )
        ]
        yield Hit(
            resource=Resource(
                id=str(instance.get("name") or ""),
                arn=str(instance.get("_asset_name") or "") or None,
                name=inst_id,
                type="bigtable_instance",
                tags=dict(instance.get("labels") or {}),
            ),
            reason=(
                f"Bigtable instance {inst_id} is labelled {label[0]}={label[1]} but runs {len(clusters)}"
                f" cluster(s) with {total} node(s) in total."
            ),
            cost=saving,
            evidence={
                "instance_type": instance.get("type"),
                "label": {label[0]: label[1]},
                "clusters": {last_segment(c.get("name")): nodes(c) for c in clusters},
                "total_nodes": total,
                "keep_cluster": last_segment(keep.get("name")),
                "scenario": "unnecessary_multicluster" if len(clusters) > 1 else "devtest_overprovisioned",
            },
            confidence=Confidence.MEDIUM,
            recommendation="Keep one cluster of one node: " + "; ".join(steps),
            region=zone(keep),
        )
