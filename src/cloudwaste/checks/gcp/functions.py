"""Cloud Functions checks: minimum instances kept up with no invocations, and functions whose deployment
failed.

Items are Cloud Asset Inventory assets of both generations: ``cloudfunctions.googleapis.com/Function``
(the v2 API: ``name``, ``state`` ACTIVE/FAILED/DEPLOYING/DELETING/UNKNOWN, ``environment`` GEN_1/GEN_2,
``serviceConfig{service, minInstanceCount, availableMemory, availableCpu}``, ``updateTime``) and
``cloudfunctions.googleapis.com/CloudFunction`` (the v1 API: ``name``, ``status``
ACTIVE/OFFLINE/DEPLOY_IN_PROGRESS/DELETE_IN_PROGRESS/UNKNOWN, ``minInstances``, ``availableMemoryMb``,
``updateTime``). A 1st gen function may be listed in both shapes; it is read once.

Metrics differ by generation: 1st gen functions report ``cloudfunctions.googleapis.com/function/
execution_count`` and ``function/instance_count`` on resource ``cloud_function`` (label ``function_name``,
the item's ``_metric_id``); **2nd gen functions are Cloud Run services** and report only under Cloud Run
(``run.googleapis.com/request_count`` and ``container/instance_count`` of the service named in
``serviceConfig.service``), so those are read through ``gcp:run_services``.

Prices: 2nd gen bills as Cloud Run request-based (idle minimum instances $0.0000025 per vCPU-second and per
GiB-second); the 1st gen idle minimum-instance rates are not in the book (unknown).
"""

from __future__ import annotations

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
    whole_days,
    zone_region,
)
from cloudwaste.checks.gcp.cloudrun import (
    METRIC_ID,
    SERVICES,
    idle_instances_monthly,
    memory_gib,
    run_queries,
    traffic,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Severity

FUNCTIONS = "gcp:functions"
EXECUTIONS = "cloudfunctions.googleapis.com/function/execution_count"
GEN1_INSTANCES = "cloudfunctions.googleapis.com/function/instance_count"
# 2nd gen's vCPU for a memory size when availableCpu is not set (Cloud Functions defaults)
_DEFAULT_CPU = (
    (0.125, 0.083),
    (0.25, 0.167),
    (0.5, 0.333),
    (1.0, 0.583),
    (2.0, 1.0),
    (4.0, 2.0),
    (8.0, 2.0),
    (16.0, 4.0),
)


def generation(fn: Mapping[str, Any]) -> int:
    """1 or 2: the v1 asset type and ``environment: GEN_1`` are 1st gen."""
    if str(fn.get("_asset_type") or "").endswith("/CloudFunction") or fn.get("environment") == "GEN_1":
        return 1
    if "serviceConfig" in fn or fn.get("environment") == "GEN_2" or "state" in fn:
        return 2
    return 1


def function_name(fn: Mapping[str, Any]) -> str:
    """The function's short name."""
    return last_segment(fn.get("name"))


def unique_functions(ctx: CheckContext) -> list[Mapping[str, Any]]:
    """Functions once each (a 1st gen function listed by both APIs keeps its first item)."""
    seen: set[str] = set()
    out: list[Mapping[str, Any]] = []
    for fn in ctx.get(FUNCTIONS):
        key = str(fn.get("name") or "")
        if key and key in seen:
            continue
        seen.add(key)
        out.append(fn)
    return out


def min_instances(fn: Mapping[str, Any]) -> int:
    """Minimum instances of either shape."""
    if generation(fn) == 2:
        return as_int((fn.get("serviceConfig") or {}).get("minInstanceCount"), 0) or 0
    return as_int(fn.get("minInstances") or (fn.get("serviceConfig") or {}).get("minInstanceCount"), 0) or 0


def gen2_size(fn: Mapping[str, Any]) -> tuple[float, float]:
    """(vCPUs, GiB) of a 2nd gen instance: ``availableCpu`` and ``availableMemory`` (256M default), the
    CPU defaulting from the memory size as Cloud Functions does."""
    config = fn.get("serviceConfig") or {}
    gib = memory_gib(config.get("availableMemory") or "256M", 0.25)
    cpu_text = config.get("availableCpu")
    if cpu_text:
        try:
            return round(float(str(cpu_text)), 4), round(gib, 4)
        except ValueError:
            pass
    cpu = next((c for size, c in _DEFAULT_CPU if gib <= size + 1e-9), 4.0)
    return cpu, round(gib, 4)


def gen1_queries(days: int) -> list[MetricQuery]:
    """Daily executions (Sum) and instances (Maximum) of 1st gen functions."""
    common: dict[str, Any] = {
        "namespace": "cloud_function",
        "dimension": "function_name",
        "collection": FUNCTIONS,
        "id_field": METRIC_ID,
        "period_s": 86400,
        "days": days,
    }
    return [
        MetricQuery(metric=EXECUTIONS, stat="Sum", **common),
        MetricQuery(metric=GEN1_INSTANCES, stat="Maximum", **common),
    ]


@dataclass(frozen=True)
class Calls:
    """Invocations in the window (0 when no datapoint was written), days with instances, and the metric
    that counted them."""

    total: float
    has_series: bool
    instance_days: int
    metric: str


def calls(ctx: CheckContext, fn: Mapping[str, Any], days: int) -> Calls | None:
    """The invocation and instance counts of a function; None when its metrics cannot be located."""
    if generation(fn) == 2:
        service = last_segment((fn.get("serviceConfig") or {}).get("service"))
        if not service:
            return None
        seen = traffic(ctx, service, days)
        return Calls(
            seen.total,
            seen.request_series is not None,
            seen.instance_days,
            "run.googleapis.com/request_count",
        )
    metric_id = str(fn.get(METRIC_ID) or "")
    if not metric_id:
        return None
    executions_q, instances_q = gen1_queries(days)
    executions = ctx.metric(executions_q, metric_id)
    instances = ctx.metric(instances_q, metric_id)
    return Calls(
        0.0 if executions is None else executions.total,
        executions is not None,
        0 if instances is None else len(instances.values),
        EXECUTIONS,
    )


def _deploy_command(fn: Mapping[str, Any], region: str, flag: str) -> str:
    gen = "--gen2" if generation(fn) == 2 else "--no-gen2"
    return f"gcloud functions deploy {function_name(fn)} {gen} --region={region} {flag}"


# --- gcp.functions.idle_min_instances ---------------------------------------------------------------


class IdleMinParams(BaseModel):
    """Parameters of ``gcp.functions.idle_min_instances``."""

    window_days: int = Field(14, ge=3, le=42, description="Days of daily invocation and instance metrics.")
    min_datapoints: int = Field(
        7, ge=1, description="Days on which instances must have been seen; fewer means unknown, not idle."
    )
    max_invocations: int = Field(
        0, ge=0, description="At most this many invocations in the window counts as idle."
    )
    review_invocations_per_day: float = Field(
        1.0,
        ge=0,
        description="Up to this many invocations a day on average is reported as nearly idle (low "
        "confidence).",
    )


@check(
    id="gcp.functions.idle_min_instances",
    title="Cloud Function keeping minimum instances warm with no invocations",
    resource_type="cloud_function",
    severity=Severity.MEDIUM,
    needs=[FUNCTIONS, SERVICES],
    params=IdleMinParams,
    klass="idle",
    metrics=lambda p: [*gen1_queries(p.window_days), *run_queries(p.window_days)],
    rationale="""
        A function with minimum instances (2nd gen `serviceConfig.minInstanceCount`, 1st gen `minInstances`)
        keeps them warm and billed all month. 1st gen functions are judged on
        `cloudfunctions.googleapis.com/function/execution_count` with `function/instance_count` as proof that
        data flows; 2nd gen functions are Cloud Run services and report only Cloud Run metrics, so they are
        judged on `run.googleapis.com/request_count` and `container/instance_count` of the service in
        `serviceConfig.service` (the original reads the 1st gen metric for both and would call every 2nd gen
        function unused). At most `max_invocations` over `window_days`, with instances seen on at least
        `min_datapoints` days, is idle; up to `review_invocations_per_day` is nearly idle (low confidence).
        Invocation counts are written only when calls happen, so missing invocation datapoints with instances
        present mean none; missing instance data is unknown. Functions updated within the window are skipped.
        The cost is the minimum instances at the Cloud Run idle rate for 2nd gen; 1st gen idle rates are not
        in the book (unknown).
    """,
    recommendation="Let it scale to zero: gcloud functions deploy <name> --region=<region> --min-instances=0",
    covers_original=["gcp:gcp_cloud_function_idle_min_instances"],
    covers_peers=["gcp.functions.min_instances"],
)
def idle_min_instances(ctx: CheckContext, params: IdleMinParams) -> Iterator[Hit]:
    """Active functions with minimum instances and (almost) no invocations."""
    for fn in unique_functions(ctx):
        if fn.get("state", fn.get("status")) != "ACTIVE":
            continue
        minimum = min_instances(fn)
        if minimum <= 0:
            continue
        age = days_since(fn.get("updateTime"), ctx)
        if age is not None and age < params.window_days:
            continue
        seen = calls(ctx, fn, params.window_days)
        if seen is None or seen.instance_days < params.min_datapoints:
            continue
        if seen.total > max(params.max_invocations, params.review_invocations_per_day * params.window_days):
            continue
        idle = seen.total <= params.max_invocations
        if idle:
            confidence = Confidence.HIGH if seen.has_series else Confidence.MEDIUM
        else:
            confidence = Confidence.LOW
        region = asset_location(fn, ctx)
        gen = generation(fn)
        if gen == 2:
            vcpu, gib = gen2_size(fn)
            cost = idle_instances_monthly(
                ctx, zone_region(region), minimum, vcpu, gib, "request", CostKind.SAVING
            )
            size = f"{vcpu:g} vCPU and {gib:g} GiB"
        else:
            memory_mb = as_int(fn.get("availableMemoryMb"), 256) or 256
            vcpu, gib = 0.0, round(memory_mb / 1024, 4)
            cost = Money.unknown(
                CostKind.SAVING, detail="1st gen idle minimum-instance rates are not in the book"
            )
            size = f"{memory_mb} MB"
        name = function_name(fn)
        what = "no invocations" if seen.total == 0 else f"{seen.total:,.0f} invocation(s)"
        yield Hit(
            resource=asset_resource(
                fn, "cloud_function", name=name, created=fn.get("createTime") or fn.get("updateTime")
            ),
            reason=f"Cloud Function {name} ({'2nd' if gen == 2 else '1st'} gen) keeps {minimum} minimum "
            f"instance(s) of {size} warm but had {what} in {params.window_days} days.",
            cost=cost,
            evidence={
                "generation": gen,
                "min_instances": minimum,
                "vcpu_per_instance": vcpu or None,
                "gib_per_instance": gib,
                "invocations": seen.total,
                "invocation_metric": seen.metric,
                "invocation_datapoints_present": seen.has_series,
                "instance_days": seen.instance_days,
                "window_days": params.window_days,
                "run_service": last_segment((fn.get("serviceConfig") or {}).get("service")) or None,
                "scenario": "idle_min_instances" if idle else "nearly_idle",
            },
            confidence=confidence,
            recommendation=_deploy_command(fn, region, "--min-instances=0"),
            region=region,
        )


# --- gcp.functions.failed_function --------------------------------------------------------------------


class FailedParams(BaseModel):
    """Parameters of ``gcp.functions.failed_function``."""

    min_days: int = Field(
        7, ge=0, description="Only flag functions whose last update is at least this many days old."
    )


@check(
    id="gcp.functions.failed_function",
    title="Cloud Function whose deployment failed and that serves nothing",
    resource_type="cloud_function",
    severity=Severity.LOW,
    needs=[FUNCTIONS],
    params=FailedParams,
    klass="hygiene",
    rationale="""
        A 2nd gen function in state FAILED, or a 1st gen function with status OFFLINE, failed to deploy and
        is not serving: it can never be invoked. It bills no compute (no direct charge), but it is clutter
        that hides real failures, and its build image in Artifact Registry and source archive in Cloud
        Storage still bill as storage there (not sized here). Only functions whose `updateTime` is at least
        `min_days` old are reported, so a deployment being retried is left alone. The original's
        "never invoked" rule counts invocations that are only written when calls happen, so a healthy unused
        function cannot be told apart from missing data; a failed function is the case we can prove.
    """,
    recommendation="Fix and redeploy it, or delete it: gcloud functions delete <name> --region=<region>",
    covers_original=["gcp:gcp_cloud_function_never_invoked"],
    covers_peers=[],
)
def failed_function(ctx: CheckContext, params: FailedParams) -> Iterator[Hit]:
    """FAILED (2nd gen) or OFFLINE (1st gen) functions last updated at least ``min_days`` ago."""
    for fn in unique_functions(ctx):
        state = fn.get("state") if "state" in fn else fn.get("status")
        if state not in ("FAILED", "OFFLINE"):
            continue
        age = days_since(fn.get("updateTime"), ctx)
        if age is None or age < params.min_days:
            continue
        name = function_name(fn)
        region = asset_location(fn, ctx)
        messages = [str(m.get("message")) for m in fn.get("stateMessages") or [] if m.get("message")]
        yield Hit(
            resource=asset_resource(
                fn, "cloud_function", name=name, created=fn.get("createTime") or fn.get("updateTime")
            ),
            reason=f"Cloud Function {name} is {state} (its deployment failed) and has not been updated for "
            f"{whole_days(age)}.",
            cost=Money(
                amount=0.0,
                basis=CostBasis.BUNDLED_PRICE,
                kind=CostKind.COST,
                detail="no direct charge: a function that failed to deploy serves nothing and bills no "
                "compute; its build image (Artifact Registry) and source archive (Cloud Storage) bill as "
                "storage there",
            ),
            evidence={
                "state": state,
                "generation": generation(fn),
                "days_since_update": round(age, 1),
                "state_messages": messages[:3],
                "scenario": "failed_deployment",
            },
            confidence=Confidence.HIGH,
            recommendation=f"gcloud functions delete {name} --region={region}"
            + (" --gen2" if generation(fn) == 2 else ""),
            region=region,
        )
