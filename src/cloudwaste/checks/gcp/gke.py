"""GKE checks: Standard node pools without autoscaling, clusters with no nodes, and idle clusters.

Items are Cloud Asset Inventory ``container.googleapis.com/Cluster`` assets: the GKE API's ``Cluster`` in
REST form (``name`` is the short cluster name, ``location`` a zone or region, ``status``, ``autopilot``,
``currentNodeCount`` (int32, left out when 0), ``nodePools[]{name, autoscaling, initialNodeCount, locations,
instanceGroupUrls, config{machineType, spot, preemptible}, status}``, ``createTime``, ``resourceLabels``).

A pool's node count is the ``targetSize`` of the managed instance groups its ``instanceGroupUrls`` name
(``gcp:instance_group_managers``; a group listed without ``targetSize`` has 0, as proto JSON drops
zeros); when a group is not listed, ``initialNodeCount`` x the pool's zones is used and said to be a
guess (it is not updated by resizes). Standard nodes are Compute Engine VMs billed at the machine type's
rate (``gcp_compute.json``; Spot and custom types are unknown); every cluster also pays the $0.10/hour
management fee (``gcp_serverless.json``), of which the GKE free tier credits one zonal or Autopilot
cluster per billing account. Autopilot clusters bill per Pod request, not per node: they are exempt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.gcp._common import (
    as_int,
    asset_location,
    asset_resource,
    days_since,
    last_segment,
    norm_url,
    whole_days,
    zone_of,
    zone_region,
)
from cloudwaste.checks.gcp._compute import IGMS, machine_monthly
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Severity
from cloudwaste.pricing.aws import with_note

CLUSTERS = "gcp:gke_clusters"
LIVE = frozenset({"RUNNING", "RECONCILING", "DEGRADED"})
NOT_LIVE = ("PROVISIONING", "STOPPING", "ERROR", "STATUS_UNSPECIFIED")
POOL_LIVE = frozenset({"RUNNING", "RUNNING_WITH_ERROR", "RECONCILING"})
NODE_CPU = "kubernetes.io/node/cpu/allocatable_utilization"
DEFAULT_MACHINE = "e2-medium"  # GKE's default node machine type
FREE_TIER = (
    "the GKE free tier credits $74.40/month per billing account, enough for one zonal or Autopilot cluster: "
    "if this is that cluster, deleting it saves nothing"
)


# --- shared helpers --------------------------------------------------------------------------------


def is_autopilot(cluster: Mapping[str, Any]) -> bool:
    """An Autopilot cluster (billed per Pod request; nodes are Google's)."""
    return bool((cluster.get("autopilot") or {}).get("enabled"))


def is_zonal(cluster: Mapping[str, Any]) -> bool:
    """A zonal cluster: its ``location`` is a zone (``us-central1-a``), not a region."""
    return zone_of(last_segment(cluster.get("location") or cluster.get("_location"))) is not None


def autoscaled(pool: Mapping[str, Any]) -> bool:
    """A pool the cluster autoscaler manages (``autoscaling.enabled``, or made by node auto-provisioning)."""
    scaling = pool.get("autoscaling") or {}
    return bool(scaling.get("enabled") or scaling.get("autoprovisioned"))


def cluster_region(cluster: Mapping[str, Any], ctx: CheckContext) -> str:
    """The cluster's zone or region as a ``Hit.region``."""
    return asset_location(cluster, ctx)


def price_region(cluster: Mapping[str, Any], ctx: CheckContext) -> str:
    """The region whose prices apply to a cluster."""
    return zone_region(cluster_region(cluster, ctx))


@dataclass(frozen=True)
class PoolSize:
    """A node pool's node count and where it came from (``instance_groups``, ``initialNodeCount`` or
    ``unknown``)."""

    nodes: int | None
    basis: str


def pool_size(
    pool: Mapping[str, Any], cluster: Mapping[str, Any], groups: Mapping[str, Mapping[str, Any]]
) -> PoolSize:
    """Nodes in a pool: the sum of its instance groups' ``targetSize`` when every group is listed, else
    ``initialNodeCount`` per zone x the pool's zones (a guess: resizes do not update it)."""
    group_urls = [norm_url(u) for u in pool.get("instanceGroupUrls") or [] if u]
    if group_urls and all(u in groups for u in group_urls):
        return PoolSize(
            sum(as_int(groups[u].get("targetSize"), 0) or 0 for u in group_urls), "instance_groups"
        )
    initial = as_int(pool.get("initialNodeCount"))
    if initial is None:
        return PoolSize(None, "unknown")
    zones = pool.get("locations") or cluster.get("locations") or [cluster.get("location")]
    return PoolSize(initial * max(1, len(zones)), "initialNodeCount")


def igm_index(ctx: CheckContext) -> dict[str, Mapping[str, Any]]:
    """Managed instance groups by normalised selfLink."""
    return {norm_url(g.get("selfLink")): g for g in ctx.get(IGMS) if g.get("selfLink")}


def pool_machine(pool: Mapping[str, Any]) -> str:
    """The pool's node machine type (GKE's default e2-medium when unset)."""
    return last_segment((pool.get("config") or {}).get("machineType")) or DEFAULT_MACHINE


def pool_is_spot(pool: Mapping[str, Any]) -> bool:
    """Spot or preemptible nodes (priced at changing Spot rates: unknown in the book)."""
    config = pool.get("config") or {}
    return bool(config.get("spot") or config.get("preemptible"))


def pool_monthly(ctx: CheckContext, pool: Mapping[str, Any], nodes: int, region: str) -> Money:
    """``nodes`` x the pool's machine type per month (list price, before sustained-use discounts)."""
    machine = pool_machine(pool)
    if pool_is_spot(pool):
        return Money.unknown(
            detail=f"{nodes} Spot/preemptible {machine} nodes: Spot prices are not in the book"
        )
    one = machine_monthly(ctx, machine, region)
    if one.amount is None:
        return one
    return Money(
        amount=round(one.amount * nodes, 2),
        currency=one.currency,
        basis=one.basis,
        kind=CostKind.COST,
        detail=f"{nodes} x {machine} ({one.detail})",
    )


def fee_monthly(ctx: CheckContext, cluster: Mapping[str, Any], region: str) -> Money:
    """The cluster management fee per month, with the free tier caveat for zonal clusters."""
    key = "gcp.gke.cluster_zonal.hour" if is_zonal(cluster) else "gcp.gke.cluster_regional.hour"
    money = ctx.prices.monthly(key, region, what="cluster management fee")
    return with_note(money, FREE_TIER) if is_zonal(cluster) else money


def lower_bound(parts: list[Money], kind: CostKind = CostKind.COST) -> Money:
    """The sum of the known parts (basis estimate when some are unknown, which the detail names);
    unknown when none is known."""
    known = [p for p in parts if p.amount is not None]
    missing = [p.detail or "a part" for p in parts if p.amount is None]
    if not known:
        return Money.unknown(kind, detail="; ".join(missing) or None)
    detail = " + ".join(p.detail for p in known if p.detail)
    basis = known[0].basis
    if missing or any(p.basis is not CostBasis.BUNDLED_PRICE for p in known):
        basis = CostBasis.ESTIMATE
    if missing:
        detail += "; not included (so this is a lower bound): " + "; ".join(missing)
    return Money(
        amount=round(sum(p.amount or 0.0 for p in known), 2),
        currency=known[0].currency,
        basis=basis,
        kind=kind,
        detail=detail,
    )


def live_standard(cluster: Mapping[str, Any]) -> bool:
    """A Standard (not Autopilot) cluster whose control plane is up."""
    return not is_autopilot(cluster) and cluster.get("status") in LIVE


def _location_flag(cluster: Mapping[str, Any], ctx: CheckContext) -> str:
    return f"--location={cluster_region(cluster, ctx)}"


# --- gcp.gke.node_pool_no_autoscaling ------------------------------------------------------------------


class NoAutoscalingParams(BaseModel):
    """Parameters of ``gcp.gke.node_pool_no_autoscaling``."""

    max_fixed_nodes: int = Field(
        3, ge=0, description="Flag fixed-size pools with more nodes than this (small fixed pools are fine)."
    )
    medium_confidence_nodes: int = Field(
        10,
        ge=1,
        description="Pools with at least this many nodes (counted from their instance groups) are "
        "reported with medium confidence; smaller ones with low.",
    )


@check(
    id="gcp.gke.node_pool_no_autoscaling",
    title="GKE Standard node pool with a fixed size and no autoscaling",
    resource_type="gke_node_pool",
    severity=Severity.LOW,
    needs=[CLUSTERS, IGMS],
    params=NoAutoscalingParams,
    klass="policy",
    rationale="""
        A Standard cluster's node pool with `autoscaling.enabled` false or absent keeps every node running
        whatever the load; the cluster autoscaler would remove nodes that Pods do not need. This is a review
        item, not a proven saving: the finding names the pool, its node count and what the pool costs
        (machine type x nodes at list price), and leaves the saving unknown because it depends on the load.
        Pools with at most `max_fixed_nodes` nodes are skipped (a small fixed system pool is normal), as are
        Autopilot clusters (Google scales their nodes and bills per Pod), pools created by node
        auto-provisioning, and clusters or pools that are being created, stopped or are in error. The node
        count is the `targetSize` of the pool's instance groups; when those are not listed it falls back to
        `initialNodeCount` per zone, which resizes do not update, and the finding says so with low
        confidence. The original asks for a "variable workload" it never measures; we report the fixed pool
        and let the owner judge.
    """,
    recommendation=(
        "Enable the cluster autoscaler on the pool: gcloud container node-pools update <pool> "
        "--cluster=<cluster> --location=<location> --enable-autoscaling --min-nodes=<min> --max-nodes=<max>"
    ),
    covers_original=["gcp:gke_cluster_no_autoscaling"],
    covers_peers=["gcp.gke.no_autoscale"],
)
def node_pool_no_autoscaling(ctx: CheckContext, params: NoAutoscalingParams) -> Iterator[Hit]:
    """Fixed-size pools of live Standard clusters with more than ``max_fixed_nodes`` nodes."""
    groups = igm_index(ctx)
    for cluster in ctx.get(CLUSTERS):
        if not live_standard(cluster):
            continue
        region = price_region(cluster, ctx)
        for pool in cluster.get("nodePools") or []:
            if autoscaled(pool) or pool.get("status", "RUNNING") not in POOL_LIVE:
                continue
            size = pool_size(pool, cluster, groups)
            if size.nodes is None or size.nodes <= params.max_fixed_nodes:
                continue
            monthly = pool_monthly(ctx, pool, size.nodes, region)
            confidence = Confidence.LOW
            if size.basis == "instance_groups" and size.nodes >= params.medium_confidence_nodes:
                confidence = Confidence.MEDIUM
            pool_name, cluster_name = str(pool.get("name") or ""), str(cluster.get("name") or "")
            estimate = f"${monthly.amount:,.2f}/month" if monthly.amount is not None else "an unknown amount"
            counted = (
                ""
                if size.basis == "instance_groups"
                else " (from initialNodeCount: resizes may have changed it)"
            )
            item = {
                **cluster,
                "_asset_name": f"{cluster.get('_asset_name') or cluster.get('name')}/nodePools/{pool_name}",
            }
            yield Hit(
                resource=asset_resource(
                    item, "gke_node_pool", name=pool_name, created=cluster.get("createTime")
                ),
                reason=f"Node pool {pool_name} of GKE cluster {cluster_name} runs a fixed {size.nodes} "
                f"{pool_machine(pool)} nodes{counted} without autoscaling; the pool costs about {estimate} "
                "(a review item: what autoscaling saves depends on the load).",
                cost=Money.unknown(
                    CostKind.SAVING,
                    detail=f"the saving depends on the load and is not estimated; the pool costs {estimate} "
                    f"[{monthly.detail}]",
                ),
                evidence={
                    "cluster": cluster_name,
                    "node_pool": pool_name,
                    "nodes": size.nodes,
                    "node_count_basis": size.basis,
                    "machine_type": pool_machine(pool),
                    "spot": pool_is_spot(pool),
                    "autoscaling": pool.get("autoscaling") or None,
                    "pool_monthly": monthly.amount,
                    "threshold_nodes": params.max_fixed_nodes,
                    "scenario": "fixed_pool",
                },
                confidence=confidence,
                recommendation=(
                    f"gcloud container node-pools update {pool_name} --cluster={cluster_name} "
                    f"{_location_flag(cluster, ctx)} --enable-autoscaling --min-nodes=1 "
                    f"--max-nodes={size.nodes}"
                ),
                region=cluster_region(cluster, ctx),
            )


# --- gcp.gke.empty_cluster ------------------------------------------------------------------------------


class EmptyClusterParams(BaseModel):
    """Parameters of ``gcp.gke.empty_cluster``."""

    min_age_days: int = Field(7, ge=0, description="Only flag clusters created at least this many days ago.")


@check(
    id="gcp.gke.empty_cluster",
    title="GKE Standard cluster with no nodes, paying the management fee only",
    resource_type="gke_cluster",
    severity=Severity.LOW,
    needs=[CLUSTERS, IGMS],
    params=EmptyClusterParams,
    klass="orphan",
    rationale="""
        A Standard cluster with no node pools, or whose pools' instance groups all have a target size of 0,
        runs nothing but still pays the $0.10/hour cluster management fee ($73/month). The node count comes
        from the pools' instance groups, cross-checked with `currentNodeCount` (absent when 0); a cluster
        whose groups are not listed is unknown and skipped, never assumed empty. A pool that autoscales from
        zero (`minNodeCount` 0) is a deliberate scale-to-zero set-up: still reported, since the fee runs, but
        with low confidence. Zonal clusters get medium confidence because the GKE free tier ($74.40/month per
        billing account) covers one zonal or Autopilot cluster, which may be this one. Autopilot clusters are
        billed per Pod and skipped. Only clusters older than `min_age_days` (from `createTime`) count.
    """,
    recommendation="Delete the cluster if nothing will run on it: gcloud container clusters delete <cluster> "
    "--location=<location>",
    covers_original=["gcp:gke_cluster_empty"],
    covers_peers=[],
)
def empty_cluster(ctx: CheckContext, params: EmptyClusterParams) -> Iterator[Hit]:
    """Live Standard clusters with zero nodes."""
    groups = igm_index(ctx)
    for cluster in ctx.get(CLUSTERS):
        if not live_standard(cluster):
            continue
        age = days_since(cluster.get("createTime"), ctx)
        if age is None or age < params.min_age_days:
            continue
        pools = list(cluster.get("nodePools") or [])
        sizes = [pool_size(p, cluster, groups) for p in pools]
        if any(s.basis != "instance_groups" or s.nodes for s in sizes):
            continue
        if as_int(cluster.get("currentNodeCount"), 0):
            continue
        can_scale = [
            p
            for p in pools
            if autoscaled(p)
            and (
                as_int((p.get("autoscaling") or {}).get("maxNodeCount"), 0)
                or as_int((p.get("autoscaling") or {}).get("totalMaxNodeCount"), 0)
            )
        ]
        region = price_region(cluster, ctx)
        cost = fee_monthly(ctx, cluster, region)
        if can_scale:
            scenario, confidence = "scaled_to_zero", Confidence.LOW
        else:
            scenario = "no_pools" if not pools else "no_nodes"
            confidence = Confidence.MEDIUM if is_zonal(cluster) else Confidence.HIGH
        name = str(cluster.get("name") or "")
        what = "has no node pools" if not pools else f"has {len(pools)} node pool(s) with 0 nodes"
        if can_scale:
            what += " (autoscaling from zero: it may scale up when Pods are scheduled)"
        yield Hit(
            resource=asset_resource(cluster, "gke_cluster", name=name, created=cluster.get("createTime")),
            reason=f"GKE cluster {name} {what}; it is {whole_days(age)} old and pays the management fee.",
            cost=cost,
            evidence={
                "status": cluster.get("status"),
                "node_pools": [p.get("name") for p in pools],
                "nodes": 0,
                "current_node_count": as_int(cluster.get("currentNodeCount"), 0),
                "zonal": is_zonal(cluster),
                "age_days": round(age, 1),
                "autoscaling_pools": [p.get("name") for p in can_scale],
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=f"gcloud container clusters delete {name} {_location_flag(cluster, ctx)}",
            region=cluster_region(cluster, ctx),
        )


# --- gcp.gke.idle_cluster -------------------------------------------------------------------------------


class IdleClusterParams(BaseModel):
    """Parameters of ``gcp.gke.idle_cluster``."""

    window_days: int = Field(14, ge=3, le=42, description="Days of daily node CPU metrics to look at.")
    min_datapoints: int = Field(
        7, ge=1, description="Days with node CPU data needed; fewer means unknown, not idle."
    )
    cpu_max_pct: float = Field(
        5.0,
        ge=0,
        le=100,
        description="Flag when every day's mean node CPU use (of allocatable) is at most this.",
    )
    cpu_high_confidence_pct: float = Field(
        2.0, ge=0, le=100, description="Every day's mean at most this percent gives high confidence."
    )


def _idle_queries(params: IdleClusterParams) -> list[MetricQuery]:
    return [
        MetricQuery(
            namespace="k8s_node",
            metric=NODE_CPU,
            dimension="cluster_name",
            collection=CLUSTERS,
            id_field="name",
            stat="Average",
            period_s=86400,
            days=params.window_days,
            skip_states=NOT_LIVE,
            state_field="status",
        )
    ]


@check(
    id="gcp.gke.idle_cluster",
    title="GKE Standard cluster whose nodes have been almost idle",
    resource_type="gke_cluster",
    severity=Severity.MEDIUM,
    needs=[CLUSTERS, IGMS],
    params=IdleClusterParams,
    klass="idle",
    metrics=_idle_queries,
    rationale="""
        Standard clusters pay for their nodes whether Pods use them or not. The daily mean of
        `kubernetes.io/node/cpu/allocatable_utilization` (ALIGN_MEAN per node, averaged over the cluster's
        nodes by `cluster_name`) must stay at most `cpu_max_pct` on every day of `window_days`, with at least
        `min_datapoints` days of data: system Pods alone use a few percent, so a cluster below 5 % runs no
        real workload (the original's "no user workloads", which it reads without any metric). No data (GKE
        system metrics turned off, or a new cluster) is unknown, not idle. Two clusters of the project with
        the same name in different locations share the metric label, so they are skipped rather than judged
        on each other's nodes. The cost is the nodes (machine type x instance-group size at list price, Spot
        pools left out and named) plus the management fee. Autopilot clusters are billed per Pod request and
        skipped.
    """,
    recommendation=(
        "Delete the cluster, or scale its pools down: gcloud container clusters resize <cluster> "
        "--node-pool=<pool> --num-nodes=0 --location=<location>"
    ),
    covers_original=["gcp:gke_cluster_no_workloads"],
    covers_peers=[],
)
def idle_cluster(ctx: CheckContext, params: IdleClusterParams) -> Iterator[Hit]:
    """Live Standard clusters with nodes whose daily mean CPU stays under ``cpu_max_pct``."""
    (query,) = _idle_queries(params)
    clusters = list(ctx.get(CLUSTERS))
    names = Counter(str(c.get("name") or "") for c in clusters)
    groups = igm_index(ctx)
    for cluster in clusters:
        name = str(cluster.get("name") or "")
        if not live_standard(cluster) or not name or names[name] > 1:
            continue
        pools = list(cluster.get("nodePools") or [])
        sizes = [(p, pool_size(p, cluster, groups)) for p in pools]
        nodes = sum(s.nodes or 0 for _, s in sizes)
        if nodes == 0:
            nodes = as_int(cluster.get("currentNodeCount"), 0) or 0
        if nodes == 0:
            continue
        series = ctx.metric(query, name)
        if series is None or len(series.values) < params.min_datapoints:
            continue
        cpu_max = max(series.values) * 100.0
        if cpu_max > params.cpu_max_pct:
            continue
        region = price_region(cluster, ctx)
        parts = [pool_monthly(ctx, p, s.nodes, region) for p, s in sizes if s.nodes]
        if not parts:
            parts = [Money.unknown(detail=f"{nodes} nodes in pools whose size is unknown")]
        parts.append(fee_monthly(ctx, cluster, region))
        cost = lower_bound(parts)
        if any(s.basis != "instance_groups" for _, s in sizes):
            cost = with_note(
                cost, "some pool sizes come from initialNodeCount (resizes may have changed them)"
            )
        confidence = Confidence.HIGH if cpu_max <= params.cpu_high_confidence_pct else Confidence.MEDIUM
        yield Hit(
            resource=asset_resource(cluster, "gke_cluster", name=name, created=cluster.get("createTime")),
            reason=f"GKE cluster {name} has {nodes} node(s) whose mean CPU use was at most {cpu_max:.1f}% of "
            f"allocatable on each of {len(series.values)} days.",
            cost=cost,
            evidence={
                "nodes": nodes,
                "node_pools": {str(p.get("name")): s.nodes for p, s in sizes},
                "node_count_basis": sorted({s.basis for _, s in sizes}),
                "cpu_max_daily_mean_pct": round(cpu_max, 2),
                "cpu_mean_pct": round(sum(series.values) / len(series.values) * 100.0, 2),
                "metric": NODE_CPU,
                **series.evidence(),
                "scenario": "no_workloads",
            },
            confidence=confidence,
            recommendation=f"gcloud container clusters delete {name} {_location_flag(cluster, ctx)}",
            region=cluster_region(cluster, ctx),
        )
