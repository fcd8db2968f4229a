"""Spanner checks: instances that serve no requests, have more compute capacity than their CPU needs, or
hold no database.

Items are Cloud Asset Inventory ``spanner.googleapis.com/Instance`` / ``Database`` assets in REST form:
instance ``name`` (``projects/p/instances/i``), ``config`` (``.../instanceConfigs/regional-us-central1``
or a multi-region such as ``nam3``), ``processingUnits`` and ``nodeCount`` (1 node = 1000 processing
units), ``autoscalingConfig``, ``edition``, ``state``, ``createTime``; database ``name``
(``projects/p/instances/i/databases/d``).

Prices: ``gcp.spanner.<edition>.node_hour`` x processing units / 1000. Only the Standard edition
(regional) has a bundled estimate; Enterprise and Enterprise Plus (every multi-region) are unknown until
refreshed. Storage and backups are not priced.

Metrics: resource type ``spanner_instance``, label ``instance_id`` (the short id), which the provider
puts in each item's ``_metric_id``. ``instance/cpu/utilization`` has one series per database and per
``is_system``; the provider keeps the largest of them per day for a Maximum query.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    days_since,
    labels,
    last_segment,
    metric_days,
    parse_time,
    whole_days,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import change_saving, with_note

INSTANCES = "gcp:spanner_instances"
DATABASES = "gcp:spanner_databases"
METRIC_ID = "_metric_id"  # the instance id: the instance_id label of spanner_instance
RESOURCE_TYPE = "spanner_instance"
REQUESTS = "spanner.googleapis.com/api/request_count"
CPU = "spanner.googleapis.com/instance/cpu/utilization"
NOT_READY = ("CREATING", "STATE_UNSPECIFIED")
DELETE_CMD = "gcloud spanner instances delete {name} --project={project}"
RESIZE_CMD = "gcloud spanner instances update {name} --project={project} --processing-units={pu}"


def short_name(inst: Mapping[str, Any]) -> str:
    return last_segment(inst.get("name"))


def project_of(inst: Mapping[str, Any], ctx: CheckContext) -> str:
    parts = str(inst.get("name") or "").split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "projects" else ctx.account


def config_name(inst: Mapping[str, Any]) -> str:
    return last_segment(inst.get("config"))


def location(inst: Mapping[str, Any]) -> str:
    """``us-central1`` for ``regional-us-central1``, else the multi-region config (``nam3``)."""
    return config_name(inst).removeprefix("regional-").lower() or str(inst.get("_location") or "global")


def regional(inst: Mapping[str, Any]) -> bool:
    return config_name(inst).startswith("regional-")


def processing_units(inst: Mapping[str, Any]) -> int | None:
    """The compute capacity in processing units (``processingUnits``, else ``nodeCount`` x 1000)."""
    for field, factor in (("processingUnits", 1), ("nodeCount", 1000)):
        value = inst.get(field)
        if value not in (None, ""):
            try:
                return int(value) * factor
            except (TypeError, ValueError):
                return None
    return None


def autoscaled(inst: Mapping[str, Any]) -> bool:
    return bool(inst.get("autoscalingConfig"))


def spanner_resource(inst: Mapping[str, Any]) -> Resource:
    return Resource(
        id=str(inst.get("name") or ""),
        arn=str(inst.get("_asset_name") or "") or None,
        name=short_name(inst),
        type="spanner_instance",
        tags=labels(inst),
        created_at=parse_time(inst.get("createTime")),
    )


def compute_monthly(
    ctx: CheckContext, inst: Mapping[str, Any], pu: int | None = None, kind: CostKind = CostKind.COST
) -> Money:
    """``pu`` processing units (default: the instance's) per month at its edition's node-hour rate."""
    units = pu if pu is not None else processing_units(inst)
    if units is None:
        return Money.unknown(kind, detail="no processingUnits or nodeCount")
    edition = str(inst.get("edition") or "").lower()
    if edition not in ("standard", "enterprise", "enterprise_plus"):
        return Money.unknown(kind, detail=f"edition {inst.get('edition')!r}: no price")
    money = ctx.prices.monthly(
        f"gcp.spanner.{edition}.node_hour", location(inst), units / 1000, kind=kind, what="node(s)"
    )
    return with_note(money, "storage and backups excluded")


def spanner_query(metric: str, stat: str, days: int) -> MetricQuery:
    return MetricQuery(
        namespace=RESOURCE_TYPE,
        metric=metric,
        dimension="instance_id",
        collection=INSTANCES,
        id_field=METRIC_ID,
        stat=stat,
        period_s=86400,
        days=days,
        skip_states=NOT_READY,
        state_field="state",
    )


def series(ctx: CheckContext, query: MetricQuery, inst: Mapping[str, Any]) -> MetricSeries | None:
    mid = inst.get(METRIC_ID)
    return None if not mid else ctx.metric(query, str(mid))


def databases_of(ctx: CheckContext) -> dict[str, list[Mapping[str, Any]]]:
    """Databases by the instance name they belong to (``projects/p/instances/i``)."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for db in ctx.get(DATABASES):
        name = str(db.get("name") or "")
        if "/databases/" in name:
            out.setdefault(name.split("/databases/", 1)[0], []).append(db)
    return out


def _basics(inst: Mapping[str, Any], ctx: CheckContext) -> dict[str, Any]:
    age = days_since(inst.get("createTime"), ctx)
    return {
        "config": config_name(inst),
        "edition": inst.get("edition"),
        "processing_units": processing_units(inst),
        "node_count": inst.get("nodeCount"),
        "autoscaling": bool(inst.get("autoscalingConfig")),
        "state": inst.get("state"),
        "created_at": inst.get("createTime"),
        "age_days": None if age is None else round(age, 1),
    }


def _ready(inst: Mapping[str, Any], ctx: CheckContext, min_age: float) -> float | None:
    """The instance's age when it is READY and at least ``min_age`` days old, else None."""
    age = days_since(inst.get("createTime"), ctx)
    if inst.get("state") != "READY" or age is None or age < min_age:
        return None
    if inst.get("instanceType") == "FREE_INSTANCE":
        return None  # a free trial instance bills nothing
    return age


def _cmd(template: str, inst: Mapping[str, Any], ctx: CheckContext, **fields: Any) -> str:
    return template.format(name=short_name(inst), project=project_of(inst, ctx), **fields)


# --- gcp.spanner.idle_instance -------------------------------------------------------------------------


class IdleParams(BaseModel):
    """Parameters of ``gcp.spanner.idle_instance``."""

    min_age_days: int = Field(
        7, ge=0, description="Only judge instances created at least this many days ago."
    )
    window_days: int = Field(14, ge=7, le=90, description="Days of daily request counts and CPU read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    high_confidence_days: int = Field(
        14, ge=1, description="Days of request data needed for high confidence."
    )
    idle_cpu_percent: float = Field(
        5.0,
        ge=0,
        le=100,
        description="When no request datapoint exists, every day's peak CPU at or below this marks the "
        "instance idle with medium confidence (Cloud Custodian's 0.05).",
    )


def idle_queries(params: IdleParams) -> list[MetricQuery]:
    """Daily data API requests (summed over methods and databases) and daily peak CPU."""
    return [
        spanner_query(REQUESTS, "Sum", params.window_days),
        spanner_query(CPU, "Maximum", params.window_days),
    ]


@check(
    id="gcp.spanner.idle_instance",
    title="Spanner instance that serves no requests",
    resource_type="spanner_instance",
    severity=Severity.HIGH,
    needs=[INSTANCES],
    params=IdleParams,
    klass="idle",
    metrics=idle_queries,
    rationale="""
        A READY instance at least `min_age_days` old whose data API `api/request_count`, summed per day over
        every method and database, was 0 on every day of `window_days` (at least `min_days_of_data` days)
        pays for its compute capacity for nothing: high confidence from `high_confidence_days` days.
        `request_count` is a delta metric, which has no datapoint at all when nothing is requested; so when
        it has none while the CPU gauge reports on at least `min_days_of_data` days (the instance is
        monitored) and never went above `idle_cpu_percent` (Cloud Custodian's rule; Spanner's own system
        tasks use a little CPU), the instance is `no_requests_reported`, with medium confidence. An
        instance with requests is left to the overprovisioned check; with neither series it is unknown,
        never idle. The cost is its compute capacity (storage and backups excluded); it is unknown
        for Enterprise and Enterprise Plus editions until prices are refreshed.
    """,
    recommendation="Back up what you need, then delete it: gcloud spanner instances delete <id>",
    covers_original=["gcp:cloud_spanner_idle"],
    covers_peers=["gcp.spanner.idle_instance"],
)
def idle_instance(ctx: CheckContext, params: IdleParams) -> Iterator[Hit]:
    """READY instances with no data API requests (or, without request data, near-zero CPU)."""
    req_q, cpu_q = idle_queries(params)
    for inst in ctx.get(INSTANCES):
        age = _ready(inst, ctx, params.min_age_days)
        if age is None:
            continue
        requests, cpu = series(ctx, req_q, inst), series(ctx, cpu_q, inst)
        req_days, cpu_days = metric_days(requests), metric_days(cpu)
        if requests is not None and req_days >= params.min_days_of_data:
            if requests.total > 0:
                continue
            scenario = "no_requests"
            confidence = Confidence.HIGH if req_days >= params.high_confidence_days else Confidence.MEDIUM
            reason = (
                f"Spanner instance {short_name(inst)} ({processing_units(inst)} processing units) served no"
                f" request in the last {whole_days(min(params.window_days, age))} ({req_days} days of data)."
            )
        elif (
            requests is None
            and cpu is not None
            and cpu_days >= params.min_days_of_data
            and cpu.maximum * 100 <= params.idle_cpu_percent
        ):
            scenario, confidence = "no_requests_reported", Confidence.MEDIUM
            reason = (
                f"Spanner instance {short_name(inst)} ({processing_units(inst)} processing units) reported no"
                f" request and never went above {cpu.maximum * 100:.1f}% CPU in {cpu_days} days."
            )
        else:
            continue
        yield Hit(
            resource=spanner_resource(inst),
            reason=reason,
            cost=compute_monthly(ctx, inst),
            evidence=_basics(inst, ctx)
            | {
                "window_days": params.window_days,
                "requests_total": None if requests is None else requests.total,
                "cpu_peak_percent": None if cpu is None else round(cpu.maximum * 100, 2),
                "metrics": {
                    REQUESTS: requests.evidence() if requests else None,
                    CPU: cpu.evidence() if cpu else None,
                },
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=f"Back up what you need, then delete it: {_cmd(DELETE_CMD, inst, ctx)}",
            region=location(inst),
            cost_group=f"spanner:{inst.get('name')}",
        )


# --- gcp.spanner.overprovisioned_instance --------------------------------------------------------------


class OversizedParams(BaseModel):
    """Parameters of ``gcp.spanner.overprovisioned_instance``."""

    min_age_days: int = Field(
        14, ge=0, description="Only judge instances created at least this many days ago."
    )
    window_days: int = Field(14, ge=7, le=90, description="Days of daily peak CPU read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with CPU datapoints needed before judging.")
    review_cpu_percent: float = Field(
        30.0,
        ge=0,
        le=100,
        description="Upper bound of the peak CPU at or below which less capacity is proposed "
        "(low confidence; the original's 30 %).",
    )
    cpu_percent: float = Field(
        20.0,
        ge=0,
        le=100,
        description="Upper bound at or below which confidence is medium (the original's 20 %).",
    )
    target_regional_percent: float = Field(
        65.0, ge=1, le=100, description="CPU to size regional instances for (Google's recommended maximum)."
    )
    target_multi_region_percent: float = Field(
        45.0,
        ge=1,
        le=100,
        description="CPU to size multi-region instances for (Google's recommended maximum).",
    )


def oversized_queries(params: OversizedParams) -> list[MetricQuery]:
    return [spanner_query(CPU, "Maximum", params.window_days)]


def right_size(pu: int, needed: float) -> int:
    """The smallest valid capacity holding ``needed`` processing units: 100-unit steps below 1000, whole
    nodes (1000) from there, at least 100."""
    if needed <= 1000:
        return max(100, int(math.ceil(needed / 100.0)) * 100)
    return int(math.ceil(needed / 1000.0)) * 1000


@check(
    id="gcp.spanner.overprovisioned_instance",
    title="Spanner instance with more compute capacity than its CPU needs",
    resource_type="spanner_instance",
    severity=Severity.MEDIUM,
    needs=[INSTANCES, DATABASES],
    params=OversizedParams,
    klass="oversized",
    metrics=oversized_queries,
    rationale="""
        `instance/cpu/utilization` comes as one series per database and per user/system work, and the
        provider keeps the largest one per day, so the instance's real CPU is at most that peak times the
        number of series (2 x its databases). That upper bound of the window's peak, when at most
        `review_cpu_percent`, sizes the instance for `target_regional_percent` (regional) or
        `target_multi_region_percent` (multi-region) CPU, Google's recommended maximums: 100-unit steps below
        1000 processing units, whole nodes above, at least 100. At most `cpu_percent` gives medium confidence,
        else low. Autoscaled instances are skipped (the autoscaler sizes them). The saving is the capacity
        removed at the edition's node-hour rate; the original's 30 %/20 % thresholds on average CPU would
        shrink instances whose busy hours need the capacity.
    """,
    recommendation="Lower its compute capacity: gcloud spanner instances update <id> --processing-units=<pu>",
    covers_original=[
        "gcp:cloud_spanner_underutilized",
        "gcp:cloud_spanner_low_cpu",
        "gcp:cloud_spanner_pu_suboptimal",
    ],
)
def overprovisioned_instance(ctx: CheckContext, params: OversizedParams) -> Iterator[Hit]:
    """READY, manually sized instances whose CPU upper bound leaves most of the capacity unused."""
    (cpu_q,) = oversized_queries(params)
    dbs = databases_of(ctx)
    for inst in ctx.get(INSTANCES):
        pu = processing_units(inst)
        if _ready(inst, ctx, params.min_age_days) is None or autoscaled(inst) or not pu or pu <= 100:
            continue
        cpu = series(ctx, cpu_q, inst)
        days = metric_days(cpu)
        if cpu is None or days < params.min_days_of_data:
            continue
        n_series = 2 * max(1, len(dbs.get(str(inst.get("name")), [])))
        upper = min(100.0, cpu.maximum * 100 * n_series)
        if upper > params.review_cpu_percent:
            continue
        target = params.target_regional_percent if regional(inst) else params.target_multi_region_percent
        proposed = right_size(pu, pu * upper / target)
        if proposed >= pu:
            continue
        saving = change_saving(
            compute_monthly(ctx, inst, kind=CostKind.SAVING),
            compute_monthly(ctx, inst, pu=proposed, kind=CostKind.SAVING),
            f"{pu} -> {proposed} processing units",
        )
        yield Hit(
            resource=spanner_resource(inst),
            reason=(
                f"Spanner instance {short_name(inst)} ({pu} processing units) peaked at"
                f" {cpu.maximum * 100:.1f}% CPU on its busiest series in {days} days (at most {upper:.1f}% in"
                f" all); {proposed} processing units would stay under {target:g}%."
            ),
            cost=saving,
            evidence=_basics(inst, ctx)
            | {
                "window_days": params.window_days,
                "days_with_data": days,
                "cpu_peak_percent": round(cpu.maximum * 100, 2),
                "cpu_upper_bound_percent": round(upper, 2),
                "series_bound": n_series,
                "target_cpu_percent": target,
                "proposed_processing_units": proposed,
                "metrics": {CPU: cpu.evidence()},
                "scenario": "pu_suboptimal" if proposed < 1000 <= pu else "underutilized",
            },
            confidence=Confidence.MEDIUM if upper <= params.cpu_percent else Confidence.LOW,
            recommendation=f"Lower its compute capacity: {_cmd(RESIZE_CMD, inst, ctx, pu=proposed)}",
            region=location(inst),
            cost_group=f"spanner:{inst.get('name')}",
        )


# --- gcp.spanner.no_databases -------------------------------------------------------------------------


class EmptyParams(BaseModel):
    """Parameters of ``gcp.spanner.no_databases``."""

    min_age_days: int = Field(7, ge=0, description="Only flag instances created at least this many days ago.")
    high_confidence_days: int = Field(30, ge=0, description="Instances this old get high confidence.")


@check(
    id="gcp.spanner.no_databases",
    title="Spanner instance without any database",
    resource_type="spanner_instance",
    severity=Severity.HIGH,
    needs=[INSTANCES, DATABASES],
    params=EmptyParams,
    klass="orphan",
    rationale="""
        An instance bills its compute capacity whether or not it holds a database. A READY instance at
        least `min_age_days` old with no database in Cloud Asset Inventory (in any state, so one being
        created or restored counts) is reported; from `high_confidence_days` with high confidence, medium
        before (the inventory can lag a freshly created database by minutes, never by days). The cost is its
        compute capacity. The original also counts instances whose databases are empty of rows, which needs
        a query we do not run.
    """,
    recommendation="Delete it: gcloud spanner instances delete <id>",
    covers_original=["gcp:cloud_spanner_empty_databases"],
)
def no_databases(ctx: CheckContext, params: EmptyParams) -> Iterator[Hit]:
    """READY instances that no database belongs to."""
    dbs = databases_of(ctx)
    for inst in ctx.get(INSTANCES):
        age = _ready(inst, ctx, params.min_age_days)
        if age is None or dbs.get(str(inst.get("name"))):
            continue
        yield Hit(
            resource=spanner_resource(inst),
            reason=(
                f"Spanner instance {short_name(inst)} ({processing_units(inst)} processing units) has no"
                f" database, {whole_days(age)} after it was created."
            ),
            cost=compute_monthly(ctx, inst),
            evidence=_basics(inst, ctx) | {"databases": 0, "scenario": "empty"},
            confidence=Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=f"Delete it: {_cmd(DELETE_CMD, inst, ctx)}",
            region=location(inst),
            cost_group=f"spanner:{inst.get('name')}",
        )
