"""Memorystore for Redis checks: instances no client connects to, instances far larger than the data they
hold, and highly available (STANDARD_HA) instances labelled non-production.

Items are Cloud Asset Inventory ``redis.googleapis.com/Instance`` assets in REST form: ``name``
(``projects/p/locations/r/instances/i``), ``tier`` (BASIC, STANDARD_HA), ``memorySizeGb``, ``state``,
``replicaCount``, ``readReplicasMode``, ``labels``, ``createTime``.

Prices: ``gcp.redis.<basic|standard>.<m1..m5>.gb_hour``: the rate per provisioned GB depends on the
capacity tier of the size (M1 1-4 GB, M2 5-10, M3 11-35, M4 36-100, M5 above 100). A Standard instance
with more than one read replica bills the extra replicas, which the book does not price (unknown).

Metrics: resource type ``redis_instance``, label ``instance_id`` = the instance's full ``name``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    as_int,
    days_since,
    labels,
    last_segment,
    metric_days,
    nonprod_label,
    parse_time,
    whole_days,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import change_saving

INSTANCES = "gcp:redis_instances"
CLIENTS = "redis.googleapis.com/clients/connected"
USAGE = "redis.googleapis.com/stats/memory/usage_ratio"
NOT_READY = ("CREATING", "DELETING", "REPAIRING", "MAINTENANCE", "IMPORTING", "FAILING_OVER")
FLUSH = " (a Basic instance loses its cache)"
MIN_SIZE = {"BASIC": 1, "STANDARD_HA": 5}
DELETE = "gcloud redis instances delete {name} --region={region} --project={project}"
RESIZE = "gcloud redis instances update {name} --region={region} --project={project} --size={size}"


def capacity_tier(size_gb: float) -> str:
    """The capacity tier a size falls in (prices per GB differ by tier)."""
    for limit, tier in ((4, "m1"), (10, "m2"), (35, "m3"), (100, "m4")):
        if size_gb <= limit:
            return tier
    return "m5"


def size_gb(inst: Mapping[str, Any]) -> int | None:
    return as_int(inst.get("memorySizeGb"))


def fields(inst: Mapping[str, Any], ctx: CheckContext) -> dict[str, str]:
    """name, region and project of an instance's resource name."""
    bits = str(inst.get("name") or "").split("/")
    return {
        "name": last_segment(inst.get("name")),
        "region": bits[3] if len(bits) > 3 else str(inst.get("_location") or ctx.region),
        "project": bits[1] if len(bits) > 1 and bits[0] == "projects" else ctx.account,
    }


def redis_resource(inst: Mapping[str, Any]) -> Resource:
    return Resource(
        id=str(inst.get("name") or ""),
        arn=str(inst.get("_asset_name") or "") or None,
        name=last_segment(inst.get("name")),
        type="redis_instance",
        tags=labels(inst),
        created_at=parse_time(inst.get("createTime")),
    )


def monthly(
    ctx: CheckContext,
    inst: Mapping[str, Any],
    size: float | None = None,
    tier: str | None = None,
    kind: CostKind = CostKind.COST,
) -> Money:
    """``size`` GB (default: the instance's) of ``tier`` (default: its own) per month."""
    gb = size if size is not None else size_gb(inst)
    tier = tier or str(inst.get("tier") or "BASIC")
    if gb is None:
        return Money.unknown(kind, detail="no memorySizeGb")
    replicas = as_int(inst.get("replicaCount"), 0) or 0
    if tier == "STANDARD_HA" and inst.get("readReplicasMode") == "READ_REPLICAS_ENABLED" and replicas > 1:
        return Money.unknown(kind, detail=f"{replicas} read replicas: the extra replicas are not in the book")
    family = "standard" if tier == "STANDARD_HA" else "basic"
    band = capacity_tier(gb)
    region = fields(inst, ctx)["region"]
    return ctx.prices.monthly(
        f"gcp.redis.{family}.{band}.gb_hour", region, gb, kind=kind, what=f"GB {family} {band.upper()}"
    )


def redis_query(metric: str, days: int) -> MetricQuery:
    return MetricQuery(
        namespace="redis_instance",
        metric=metric,
        dimension="instance_id",
        collection=INSTANCES,
        id_field="name",
        stat="Maximum",
        period_s=86400,
        days=days,
        skip_states=NOT_READY,
        state_field="state",
    )


def series(ctx: CheckContext, query: MetricQuery, inst: Mapping[str, Any]) -> MetricSeries | None:
    return ctx.metric(query, str(inst.get("name") or ""))


def _basics(inst: Mapping[str, Any], ctx: CheckContext) -> dict[str, Any]:
    age = days_since(inst.get("createTime"), ctx)
    return {
        "tier": inst.get("tier"),
        "memory_size_gb": size_gb(inst),
        "capacity_tier": None if size_gb(inst) is None else capacity_tier(size_gb(inst) or 0).upper(),
        "replica_count": inst.get("replicaCount"),
        "read_replicas_mode": inst.get("readReplicasMode"),
        "redis_version": inst.get("redisVersion"),
        "state": inst.get("state"),
        "created_at": inst.get("createTime"),
        "age_days": None if age is None else round(age, 1),
    }


def _ready(inst: Mapping[str, Any], ctx: CheckContext, min_age: float) -> float | None:
    age = days_since(inst.get("createTime"), ctx)
    return age if inst.get("state") == "READY" and age is not None and age >= min_age else None


# --- gcp.memorystore.idle_instance ------------------------------------------------------------------------


class IdleParams(BaseModel):
    """Parameters of ``gcp.memorystore.idle_instance``."""

    min_age_days: int = Field(
        7, ge=0, description="Only judge instances created at least this many days ago."
    )
    window_days: int = Field(30, ge=7, le=90, description="Days of daily peak connected clients read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    high_confidence_days: int = Field(14, ge=1, description="Days of data needed for high confidence.")
    review_max_clients: float = Field(
        1.0,
        ge=0,
        description="Peak connected clients at or below which (but above 0) the instance is reported for "
        "review with low confidence (a health checker or an idle pool).",
    )


def idle_queries(params: IdleParams) -> list[MetricQuery]:
    return [redis_query(CLIENTS, params.window_days)]


@check(
    id="gcp.memorystore.idle_instance",
    title="Memorystore for Redis instance no client connects to",
    resource_type="redis_instance",
    severity=Severity.HIGH,
    needs=[INSTANCES],
    params=IdleParams,
    klass="idle",
    metrics=idle_queries,
    rationale="""
        A READY instance at least `min_age_days` old whose daily peak `clients/connected` (a gauge, reported
        whether or not anyone connects) was 0 on every day of `window_days` (at least `min_days_of_data`
        days) is idle: high confidence from `high_confidence_days` days. A peak of at most
        `review_max_clients` is reported with low confidence for review. Missing data is unknown, never
        idle. The cost is the provisioned memory at its tier's rate (Memorystore bills capacity, not use).
    """,
    recommendation=(
        "Export it if the data matters (gcloud redis instances export), then delete it: "
        "gcloud redis instances delete <id>"
    ),
    covers_original=["gcp:memorystore_redis_idle"],
)
def idle_instance(ctx: CheckContext, params: IdleParams) -> Iterator[Hit]:
    """READY instances whose peak connected clients stayed at (or near) 0."""
    (query,) = idle_queries(params)
    for inst in ctx.get(INSTANCES):
        age = _ready(inst, ctx, params.min_age_days)
        clients = series(ctx, query, inst) if age is not None else None
        days = metric_days(clients)
        if age is None or clients is None or days < params.min_days_of_data:
            continue
        peak = clients.maximum
        if peak > params.review_max_clients:
            continue
        if peak == 0:
            scenario = "idle"
            confidence = Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM
        else:
            scenario, confidence = "near_idle", Confidence.LOW
        info = fields(inst, ctx)
        window = min(params.window_days, int(age))
        yield Hit(
            resource=redis_resource(inst),
            reason=(
                f"Memorystore instance {info['name']} ({inst.get('tier')}, {size_gb(inst)} GB) had at most"
                f" {peak:g} connected client(s) in the last {whole_days(window)} ({days} days of data)."
            ),
            cost=monthly(ctx, inst),
            evidence=_basics(inst, ctx)
            | {
                "window_days": window,
                "days_with_data": days,
                "clients_peak": peak,
                "metrics": {CLIENTS: clients.evidence()},
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=f"Export it if the data matters, then delete it: {DELETE.format(**info)}",
            region=info["region"],
            cost_group=f"redis:{inst.get('name')}",
        )


# --- gcp.memorystore.oversized_instance --------------------------------------------------------------------


class OversizedParams(BaseModel):
    """Parameters of ``gcp.memorystore.oversized_instance``."""

    min_age_days: int = Field(
        14, ge=0, description="Only judge instances created at least this many days ago."
    )
    window_days: int = Field(30, ge=7, le=90, description="Days of daily peak memory usage ratio read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    review_usage_percent: float = Field(
        30.0,
        ge=0,
        le=100,
        description="Peak memory usage at or below which a smaller size is proposed (the original's 30 %).",
    )
    usage_percent: float = Field(
        15.0,
        ge=0,
        le=100,
        description="Peak memory usage at or below which confidence is medium instead of low.",
    )
    target_usage_percent: float = Field(
        60.0, ge=1, le=100, description="Memory usage the proposed size is chosen for (headroom for growth)."
    )


def oversized_queries(params: OversizedParams) -> list[MetricQuery]:
    return [redis_query(USAGE, params.window_days)]


@check(
    id="gcp.memorystore.oversized_instance",
    title="Memorystore for Redis instance far larger than the data it holds",
    resource_type="redis_instance",
    severity=Severity.MEDIUM,
    needs=[INSTANCES],
    params=OversizedParams,
    klass="oversized",
    metrics=oversized_queries,
    rationale="""
        Memorystore bills the provisioned memory. A READY instance at least `min_age_days` old whose peak
        `stats/memory/usage_ratio` over `window_days` stayed at most `review_usage_percent` is offered the
        size that would run at `target_usage_percent` at that peak (whole GB, at least the tier's minimum:
        1 GB Basic, 5 GB Standard); at most `usage_percent` gives medium confidence, else low. The saving is
        the difference of the two sizes at their capacity tiers' rates (a smaller size can fall in a
        dearer-per-GB tier). Scaling a Basic instance flushes its cache; a Standard one fails over briefly.
    """,
    recommendation="Scale it down: gcloud redis instances update <id> --size=<GB>",
    covers_original=["gcp:memorystore_redis_overprovisioned"],
)
def oversized_instance(ctx: CheckContext, params: OversizedParams) -> Iterator[Hit]:
    """READY instances whose peak memory usage needs a much smaller size."""
    (query,) = oversized_queries(params)
    for inst in ctx.get(INSTANCES):
        age = _ready(inst, ctx, params.min_age_days)
        size = size_gb(inst)
        usage = series(ctx, query, inst) if age is not None else None
        days = metric_days(usage)
        if age is None or not size or usage is None or days < params.min_days_of_data:
            continue
        peak = usage.maximum * 100
        if peak > params.review_usage_percent:
            continue
        minimum = MIN_SIZE.get(str(inst.get("tier")), 1)
        proposed = max(minimum, math.ceil(round(size * peak / params.target_usage_percent, 6)))
        if proposed >= size:
            continue
        saving = change_saving(
            monthly(ctx, inst, kind=CostKind.SAVING),
            monthly(ctx, inst, size=proposed, kind=CostKind.SAVING),
            f"{size} GB -> {proposed} GB",
        )
        if saving.amount is not None and saving.amount <= 0:
            continue
        info = fields(inst, ctx)
        yield Hit(
            resource=redis_resource(inst),
            reason=(
                f"Memorystore instance {info['name']} ({size} GB) used at most {peak:.1f}% of its memory in"
                f" {days} days; {proposed} GB would run at about {params.target_usage_percent:g}%."
            ),
            cost=saving,
            evidence=_basics(inst, ctx)
            | {
                "window_days": params.window_days,
                "days_with_data": days,
                "memory_usage_peak_percent": round(peak, 2),
                "proposed_size_gb": proposed,
                "metrics": {USAGE: usage.evidence()},
                "scenario": "overprovisioned",
            },
            confidence=Confidence.MEDIUM if peak <= params.usage_percent else Confidence.LOW,
            recommendation=(
                f"Scale it down{FLUSH if inst.get('tier') == 'BASIC' else ''}:"
                f" {RESIZE.format(size=proposed, **info)}"
            ),
            region=info["region"],
            cost_group=f"redis:{inst.get('name')}",
        )


# --- gcp.memorystore.nonprod_standard_tier ------------------------------------------------------------------


class TierParams(BaseModel):
    """Parameters of ``gcp.memorystore.nonprod_standard_tier``."""

    min_age_days: int = Field(7, ge=0, description="Only flag instances created at least this many days ago.")


@check(
    id="gcp.memorystore.nonprod_standard_tier",
    title="Highly available (STANDARD_HA) Memorystore instance labelled non-production",
    resource_type="redis_instance",
    severity=Severity.LOW,
    needs=[INSTANCES],
    params=TierParams,
    klass="oversized",
    rationale="""
        A Standard tier instance keeps a replica in another zone and costs more per GB than Basic. On an
        instance whose labels mark it non-production (`env`/`environment`/`stage` = dev, test, staging ...)
        that availability is rarely needed. The saving is the Standard minus the Basic rate for the same
        size. The tier cannot be changed in place: a new Basic instance and an export/import are needed.
        Unlabelled instances are never assumed non-production.
    """,
    recommendation=(
        "Create a Basic instance (gcloud redis instances create NEW --tier=basic --size=<GB>), "
        "move the data (export/import), then delete <id>"
    ),
    covers_original=["gcp:memorystore_redis_wrong_tier"],
)
def nonprod_standard_tier(ctx: CheckContext, params: TierParams) -> Iterator[Hit]:
    """STANDARD_HA instances with a non-production label."""
    for inst in ctx.get(INSTANCES):
        label = nonprod_label(inst)
        if (
            inst.get("tier") != "STANDARD_HA"
            or label is None
            or _ready(inst, ctx, params.min_age_days) is None
        ):
            continue
        info = fields(inst, ctx)
        saving = change_saving(
            monthly(ctx, inst, kind=CostKind.SAVING),
            monthly(ctx, inst, tier="BASIC", kind=CostKind.SAVING),
            "STANDARD_HA -> BASIC",
        )
        yield Hit(
            resource=redis_resource(inst),
            reason=(
                f"Memorystore instance {info['name']} ({size_gb(inst)} GB) is highly available (STANDARD_HA)"
                f" but labelled {label[0]}={label[1]}."
            ),
            cost=saving,
            evidence=_basics(inst, ctx) | {"label": {label[0]: label[1]}, "scenario": "wrong_tier"},
            confidence=Confidence.MEDIUM,
            recommendation=(
                f"Create a Basic instance (gcloud redis instances create {info['name']}-basic --tier=basic"
                f" --size={size_gb(inst)} --region={info['region']} --project={info['project']}),"
                f" move the data (export/import), then {DELETE.format(**info)}"
            ),
            region=info["region"],
            cost_group=f"redis:{inst.get('name')}",
        )
