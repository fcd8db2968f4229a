"""Filestore checks: instances no client reads or writes, instances far larger than the data on them, and
premium tiers on instances labelled non-production.

Items are Cloud Asset Inventory ``file.googleapis.com/Instance`` assets in REST form: ``name``
(``projects/p/locations/<zone or region>/instances/i``), ``tier`` (BASIC_HDD, BASIC_SSD, ZONAL,
REGIONAL, ENTERPRISE, HIGH_SCALE_SSD; the legacy STANDARD and PREMIUM are Basic HDD and Basic SSD),
``fileShares[]{capacityGb}`` (GiB, an int64 string), ``state``, ``labels``, ``createTime``.

Prices: ``gcp.filestore.<tier>.gib_month`` on the provisioned capacity (Filestore bills capacity, not
use). Only Basic HDD and Basic SSD are bundled; Zonal, Regional and Enterprise are unknown until refreshed.

Metrics: resource type ``filestore_instance``, label ``instance_name`` (the instance id), which the
provider puts in each item's ``_metric_id``.
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
    zone_region,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import change_saving

INSTANCES = "gcp:filestore_instances"
METRIC_ID = "_metric_id"  # the instance id: the instance_name label of filestore_instance
READ_OPS = "file.googleapis.com/nfs/server/read_ops_count"
WRITE_OPS = "file.googleapis.com/nfs/server/write_ops_count"
FREE_PERCENT = "file.googleapis.com/nfs/server/free_bytes_percent"
NOT_READY = ("CREATING", "DELETING", "REPAIRING", "RESTORING", "SUSPENDED", "SUSPENDING", "RESUMING", "ERROR")
PRICE_TIER = {
    "BASIC_HDD": "basic_hdd",
    "STANDARD": "basic_hdd",
    "BASIC_SSD": "basic_ssd",
    "PREMIUM": "basic_ssd",
    "ZONAL": "zonal",
    "HIGH_SCALE_SSD": "zonal",
    "REGIONAL": "regional",
    "ENTERPRISE": "enterprise",
}
BASIC = frozenset({"BASIC_HDD", "BASIC_SSD", "STANDARD", "PREMIUM"})
MIN_CAPACITY = {
    "BASIC_HDD": 1024,
    "STANDARD": 1024,
    "BASIC_SSD": 2560,
    "PREMIUM": 2560,
    "HIGH_SCALE_SSD": 10240,
}
HIGH_RANGE = 10240  # Zonal/Regional from 10 TiB scale in 2.5 TiB steps and cannot go below 10 TiB
DELETE = "gcloud filestore instances delete {name} --location={location} --project={project}"
RESIZE = (
    "gcloud filestore instances update {name} --location={location} --project={project} "
    "--file-share=name={share},capacity={capacity}GiB"
)


def tier(inst: Mapping[str, Any]) -> str:
    return str(inst.get("tier") or "")


def capacity_gib(inst: Mapping[str, Any]) -> int | None:
    """Total provisioned capacity of the instance's file shares, GiB."""
    shares = [s for s in inst.get("fileShares") or [] if isinstance(s, Mapping)]
    sizes = [as_int(s.get("capacityGb")) for s in shares]
    known = [s for s in sizes if s is not None]
    return sum(known) if known and len(known) == len(sizes) else None


def fields(inst: Mapping[str, Any], ctx: CheckContext) -> dict[str, str]:
    bits = str(inst.get("name") or "").split("/")
    shares = [s for s in inst.get("fileShares") or [] if isinstance(s, Mapping)]
    return {
        "name": last_segment(inst.get("name")),
        "location": bits[3] if len(bits) > 3 else str(inst.get("_location") or ctx.region),
        "project": bits[1] if len(bits) > 1 and bits[0] == "projects" else ctx.account,
        "share": str(shares[0].get("name") or "share1") if shares else "share1",
    }


def fs_resource(inst: Mapping[str, Any]) -> Resource:
    return Resource(
        id=str(inst.get("name") or ""),
        arn=str(inst.get("_asset_name") or "") or None,
        name=last_segment(inst.get("name")),
        type="filestore_instance",
        tags=labels(inst),
        created_at=parse_time(inst.get("createTime")),
    )


def monthly(
    ctx: CheckContext,
    inst: Mapping[str, Any],
    capacity: float | None = None,
    as_tier: str | None = None,
    kind: CostKind = CostKind.COST,
) -> Money:
    """``capacity`` GiB (default: the instance's) at ``as_tier``'s rate (default: its own) per month."""
    gib = capacity if capacity is not None else capacity_gib(inst)
    name = as_tier or tier(inst)
    key = PRICE_TIER.get(name)
    if gib is None or key is None:
        return Money.unknown(kind, detail=f"no capacity or unknown tier {name!r}")
    if inst.get("performanceConfig"):
        return Money.unknown(
            kind, detail="custom performance is billed per instance and IOPS as well: not in the book"
        )
    where = zone_region(fields(inst, ctx)["location"])
    return ctx.prices.monthly(f"gcp.filestore.{key}.gib_month", where, gib, kind=kind, what=f"GiB {name}")


def fs_query(metric: str, stat: str, days: int) -> MetricQuery:
    return MetricQuery(
        namespace="filestore_instance",
        metric=metric,
        dimension="instance_name",
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


def _basics(inst: Mapping[str, Any], ctx: CheckContext) -> dict[str, Any]:
    age = days_since(inst.get("createTime"), ctx)
    return {
        "tier": tier(inst),
        "capacity_gib": capacity_gib(inst),
        "file_shares": [s.get("name") for s in inst.get("fileShares") or [] if isinstance(s, Mapping)],
        "location": fields(inst, ctx)["location"],
        "state": inst.get("state"),
        "created_at": inst.get("createTime"),
        "age_days": None if age is None else round(age, 1),
    }


def _ready(inst: Mapping[str, Any], ctx: CheckContext, min_age: float) -> float | None:
    age = days_since(inst.get("createTime"), ctx)
    return age if inst.get("state") == "READY" and age is not None and age >= min_age else None


# --- gcp.filestore.idle_instance ---------------------------------------------------------------------------


class IdleParams(BaseModel):
    """Parameters of ``gcp.filestore.idle_instance``."""

    min_age_days: int = Field(
        7, ge=0, description="Only judge instances created at least this many days ago."
    )
    window_days: int = Field(14, ge=7, le=90, description="Days of daily NFS read and write operations read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    high_confidence_days: int = Field(
        14, ge=1, description="Days of operation counts needed for high confidence."
    )


def idle_queries(params: IdleParams) -> list[MetricQuery]:
    days = params.window_days
    return [
        fs_query(READ_OPS, "Sum", days),
        fs_query(WRITE_OPS, "Sum", days),
        fs_query(FREE_PERCENT, "Minimum", days),
    ]


@check(
    id="gcp.filestore.idle_instance",
    title="Filestore instance no client reads or writes",
    resource_type="filestore_instance",
    severity=Severity.HIGH,
    needs=[INSTANCES],
    params=IdleParams,
    klass="idle",
    metrics=idle_queries,
    rationale="""
        A READY instance at least `min_age_days` old whose NFS `read_ops_count` and `write_ops_count`
        summed to 0 over `window_days` (at least `min_days_of_data` days of counts) pays for its whole
        provisioned capacity for nothing: high confidence from `high_confidence_days` days. The counts are
        delta metrics without a datapoint when nothing happens, so an instance with no operation datapoint
        while its `free_bytes_percent` gauge reports on enough days (it is monitored) is idle with medium
        confidence; with neither it is unknown, never idle. Metadata calls of mounted but unused clients are
        not reads or writes. The cost is the provisioned capacity at its tier's rate.
    """,
    recommendation=(
        "Back it up (gcloud filestore backups create), then delete it: gcloud filestore instances delete <id>"
    ),
    covers_original=["gcp:gcp_filestore_idle"],
)
def idle_instance(ctx: CheckContext, params: IdleParams) -> Iterator[Hit]:
    """READY instances without NFS reads or writes over the window."""
    read_q, write_q, free_q = idle_queries(params)
    for inst in ctx.get(INSTANCES):
        age = _ready(inst, ctx, params.min_age_days)
        if age is None:
            continue
        reads, writes, free = (series(ctx, q, inst) for q in (read_q, write_q, free_q))
        counted = [s for s in (reads, writes) if s is not None]
        days = max((metric_days(s) for s in counted), default=0)
        if counted and days >= params.min_days_of_data:
            if any(s.total > 0 for s in counted):
                continue
            scenario = "no_operations"
            confidence = Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM
        elif not counted and metric_days(free) >= params.min_days_of_data:
            scenario, confidence = "no_operations_reported", Confidence.MEDIUM
        else:
            continue
        info = fields(inst, ctx)
        yield Hit(
            resource=fs_resource(inst),
            reason=(
                f"Filestore instance {info['name']} ({tier(inst)}, {capacity_gib(inst)} GiB) had no NFS"
                " read or"
                f" write in the last {whole_days(min(params.window_days, age))}."
            ),
            cost=monthly(ctx, inst),
            evidence=_basics(inst, ctx)
            | {
                "window_days": params.window_days,
                "read_ops": None if reads is None else reads.total,
                "write_ops": None if writes is None else writes.total,
                "free_percent_min": None if free is None else min(free.values, default=None),
                "metrics": {
                    READ_OPS: reads.evidence() if reads else None,
                    WRITE_OPS: writes.evidence() if writes else None,
                },
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=(
                f"Back it up (gcloud filestore backups create), then delete it: {DELETE.format(**info)}"
            ),
            region=info["location"],
            cost_group=f"filestore:{inst.get('name')}",
        )


# --- gcp.filestore.overprovisioned_instance ---------------------------------------------------------------


class OversizedParams(BaseModel):
    """Parameters of ``gcp.filestore.overprovisioned_instance``."""

    min_age_days: int = Field(
        14, ge=0, description="Only judge instances created at least this many days ago."
    )
    window_days: int = Field(30, ge=7, le=90, description="Days of daily lowest free-space share read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    review_used_percent: float = Field(
        30.0,
        ge=0,
        le=100,
        description="Peak used share at or below which a smaller capacity is proposed (the original's 30 %).",
    )
    used_percent: float = Field(
        10.0,
        ge=0,
        le=100,
        description="Peak used share at or below which confidence is medium for tiers that shrink in place "
        "(the original's 10 %).",
    )
    target_used_percent: float = Field(
        70.0, ge=1, le=100, description="Used share the proposed capacity is sized for."
    )


def oversized_queries(params: OversizedParams) -> list[MetricQuery]:
    return [fs_query(FREE_PERCENT, "Minimum", params.window_days)]


def proposed_capacity(name: str, capacity: int, needed: float) -> int:
    """The smallest capacity the tier allows that holds ``needed`` GiB: 1 GiB steps for Basic tiers
    (from 1 TiB HDD / 2.5 TiB SSD), else 256 GiB steps from 1 TiB, 2.5 TiB steps from 10 TiB."""
    if name in BASIC:
        return max(MIN_CAPACITY[name], math.ceil(needed))
    if capacity >= HIGH_RANGE or name == "HIGH_SCALE_SSD":
        return max(HIGH_RANGE, math.ceil(needed / 2560) * 2560)
    return max(1024, math.ceil(needed / 256) * 256)


@check(
    id="gcp.filestore.overprovisioned_instance",
    title="Filestore instance far larger than the data on it",
    resource_type="filestore_instance",
    severity=Severity.MEDIUM,
    needs=[INSTANCES],
    params=OversizedParams,
    klass="oversized",
    metrics=oversized_queries,
    rationale="""
        Filestore bills provisioned capacity. A READY instance at least `min_age_days` old whose busiest
        day (lowest `free_bytes_percent`) over `window_days` used at most `review_used_percent` is offered
        the capacity that would be `target_used_percent` full, within what the tier allows (Basic HDD from 1
        TiB, Basic SSD from 2.5 TiB, Zonal/Regional/Enterprise from 1 TiB in 256 GiB steps, or from 10 TiB
        in 2.5 TiB steps). Zonal, Regional and Enterprise instances shrink in place: medium confidence at
        most `used_percent` used, else low. Basic tiers can only grow, so the saving needs a new instance
        and a copy: always low confidence. The saving is the capacity removed at the tier's rate (unknown for
        tiers the book does not price). Performance of Basic and Zonal tiers scales with capacity: check the
        throughput the clients need.
    """,
    recommendation=(
        "Shrink it: gcloud filestore instances update <id> --file-share=name=<share>,capacity=<GiB>GiB "
        "(Basic tiers: create a smaller instance and copy the data)"
    ),
    covers_original=["gcp:gcp_filestore_underutilized", "gcp:gcp_filestore_overprovisioned"],
)
def overprovisioned_instance(ctx: CheckContext, params: OversizedParams) -> Iterator[Hit]:
    """READY instances whose peak used share needs a much smaller capacity."""
    (free_q,) = oversized_queries(params)
    for inst in ctx.get(INSTANCES):
        capacity = capacity_gib(inst)
        free = series(ctx, free_q, inst) if _ready(inst, ctx, params.min_age_days) is not None else None
        days = metric_days(free)
        if not capacity or free is None or not free.values or days < params.min_days_of_data:
            continue
        used_pct = 100.0 - min(free.values)
        if used_pct > params.review_used_percent or tier(inst) not in PRICE_TIER:
            continue
        used = capacity * used_pct / 100
        proposed = proposed_capacity(tier(inst), capacity, used * 100 / params.target_used_percent)
        if proposed >= capacity:
            continue
        basic = tier(inst) in BASIC
        saving = change_saving(
            monthly(ctx, inst, kind=CostKind.SAVING),
            monthly(ctx, inst, capacity=proposed, kind=CostKind.SAVING),
            f"{capacity} GiB -> {proposed} GiB",
        )
        info = fields(inst, ctx)
        resize = RESIZE.format(capacity=proposed, **info)
        yield Hit(
            resource=fs_resource(inst),
            reason=(
                f"Filestore instance {info['name']} ({tier(inst)}) used at most {used_pct:.1f}% of its"
                f" {capacity} GiB in {days} days; {proposed} GiB would do"
                + (", but a Basic instance cannot shrink: only a new one can be smaller." if basic else ".")
            ),
            cost=saving,
            evidence=_basics(inst, ctx)
            | {
                "window_days": params.window_days,
                "days_with_data": days,
                "used_percent_peak": round(used_pct, 2),
                "used_gib_peak": round(used, 1),
                "proposed_capacity_gib": proposed,
                "shrinks_in_place": not basic,
                "metrics": {FREE_PERCENT: free.evidence()},
                "scenario": "overprovisioned" if used_pct <= params.used_percent else "underutilized",
            },
            confidence=Confidence.MEDIUM if not basic and used_pct <= params.used_percent else Confidence.LOW,
            recommendation=(
                f"Create a {proposed} GiB {tier(inst)} instance, copy the data, then {DELETE.format(**info)}"
                if basic
                else f"Shrink it: {resize}"
            ),
            region=info["location"],
            cost_group=f"filestore:{inst.get('name')}",
        )


# --- gcp.filestore.nonprod_premium_tier --------------------------------------------------------------


class TierParams(BaseModel):
    """Parameters of ``gcp.filestore.nonprod_premium_tier``."""

    min_age_days: int = Field(7, ge=0, description="Only flag instances created at least this many days ago.")


CHEAPER = {"ENTERPRISE": "ZONAL", "REGIONAL": "ZONAL", "BASIC_SSD": "BASIC_HDD", "PREMIUM": "BASIC_HDD"}


@check(
    id="gcp.filestore.nonprod_premium_tier",
    title="Premium Filestore tier on an instance labelled non-production",
    resource_type="filestore_instance",
    severity=Severity.LOW,
    needs=[INSTANCES],
    params=TierParams,
    klass="oversized",
    rationale="""
        Enterprise and Regional instances replicate across zones, and Basic SSD costs more per GiB than
        Basic HDD. On an instance whose labels mark it non-production (`env`/`environment`/`stage` = dev,
        test, staging ...) the cheaper tier (Zonal, or Basic HDD) usually does: the saving is the capacity at
        the rate difference (unknown for tiers the book does not price). The tier cannot be changed in
        place: a new instance (or a backup restored into one) and a move of the clients are needed.
        Unlabelled instances are never assumed non-production (the original guesses).
    """,
    recommendation=(
        "Create the cheaper tier from a backup (gcloud filestore instances restore / create --tier=zonal), "
        "move the clients, then delete <id>"
    ),
    covers_original=["gcp:gcp_filestore_wrong_tier"],
)
def nonprod_premium_tier(ctx: CheckContext, params: TierParams) -> Iterator[Hit]:
    """Enterprise, Regional and Basic SSD instances with a non-production label."""
    for inst in ctx.get(INSTANCES):
        label = nonprod_label(inst)
        cheaper = CHEAPER.get(tier(inst))
        if cheaper is None or label is None or _ready(inst, ctx, params.min_age_days) is None:
            continue
        capacity = capacity_gib(inst)
        after = max(capacity or 0, MIN_CAPACITY.get(cheaper, 1024))
        saving = change_saving(
            monthly(ctx, inst, kind=CostKind.SAVING),
            monthly(ctx, inst, capacity=after, as_tier=cheaper, kind=CostKind.SAVING),
            f"{tier(inst)} -> {cheaper}",
        )
        info = fields(inst, ctx)
        yield Hit(
            resource=fs_resource(inst),
            reason=(
                f"Filestore instance {info['name']} ({tier(inst)}, {capacity} GiB) is labelled"
                f" {label[0]}={label[1]}; {cheaper} costs less per GiB."
            ),
            cost=saving,
            evidence=_basics(inst, ctx)
            | {"label": {label[0]: label[1]}, "cheaper_tier": cheaper, "scenario": "wrong_tier"},
            confidence=Confidence.MEDIUM,
            recommendation=(
                f"Back it up (gcloud filestore backups create), create a {cheaper} instance from the backup"
                f" (gcloud filestore instances create NEW --tier={cheaper.lower()} --source-backup=...), move"
                f" the clients, then {DELETE.format(**info)}"
            ),
            region=info["location"],
            cost_group=f"filestore:{inst.get('name')}",
        )
