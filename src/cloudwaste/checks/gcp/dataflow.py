"""Dataflow checks: streaming jobs that run with no throughput, and jobs stuck holding their workers.

Items are Cloud Asset Inventory ``dataflow.googleapis.com/Job`` assets: the Dataflow API's ``Job`` in REST
form (``id``, ``name``, ``type`` JOB_TYPE_BATCH/JOB_TYPE_STREAMING, ``currentState`` JOB_STATE_RUNNING,
JOB_STATE_DRAINING, JOB_STATE_CANCELLING, JOB_STATE_DONE, ..., ``currentStateTime`` (when the job entered
that state), ``createTime``, ``location``, ``labels``).

Metrics: resource type ``dataflow_job``, metric label ``job_id`` = the item's ``id``:
``job/current_num_vcpus`` and ``job/memory_capacity`` (gauges written while workers run: the cost, and the
proof that the job is monitored), ``job/elements_produced_count`` (elements produced per PTransform, summed)
and ``job/element_count`` (elements added to each PCollection so far). Prices (``gcp_serverless.json``):
worker vCPU-hours and GB-hours of memory for streaming and batch, Iowa rates; Streaming Engine, Shuffle and
worker disks are not included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    GIB,
    asset_location,
    asset_resource,
    days_since,
    whole_days,
    zone_region,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Severity
from cloudwaste.pricing.aws import add, with_note

JOBS = "gcp:dataflow_jobs"
VCPUS = "dataflow.googleapis.com/job/current_num_vcpus"
MEMORY = "dataflow.googleapis.com/job/memory_capacity"
PRODUCED = "dataflow.googleapis.com/job/elements_produced_count"
ELEMENTS = "dataflow.googleapis.com/job/element_count"
ACTIVE = ("JOB_STATE_RUNNING", "JOB_STATE_DRAINING", "JOB_STATE_CANCELLING")
INACTIVE = (
    "JOB_STATE_UNKNOWN",
    "JOB_STATE_STOPPED",
    "JOB_STATE_DONE",
    "JOB_STATE_FAILED",
    "JOB_STATE_CANCELLED",
    "JOB_STATE_UPDATED",
    "JOB_STATE_DRAINED",
    "JOB_STATE_PENDING",
    "JOB_STATE_QUEUED",
    "JOB_STATE_RESOURCE_CLEANING_UP",
)
DEFAULT_GB_PER_VCPU = 3.75  # n1-standard, Dataflow's default worker family


def queries(days: int) -> list[MetricQuery]:
    """Daily vCPUs and memory (Average), elements produced (Sum) and PCollection element counts (Maximum)."""
    common: dict[str, Any] = {
        "namespace": "dataflow_job",
        "dimension": "job_id",
        "collection": JOBS,
        "id_field": "id",
        "period_s": 86400,
        "days": days,
        "skip_states": INACTIVE,
        "state_field": "currentState",
    }
    return [
        MetricQuery(metric=VCPUS, stat="Average", **common),
        MetricQuery(metric=MEMORY, stat="Average", **common),
        MetricQuery(metric=PRODUCED, stat="Sum", **common),
        MetricQuery(metric=ELEMENTS, stat="Maximum", **common),
    ]


def _mean(series: MetricSeries | None) -> float | None:
    return None if series is None or not series.values else sum(series.values) / len(series.values)


def workers_monthly(
    ctx: CheckContext, job: Mapping[str, Any], vcpus: MetricSeries | None, memory: MetricSeries | None
) -> Money:
    """The job's workers per month at the streaming or batch rate: mean vCPUs plus mean memory (3.75 GB a
    vCPU, the n1-standard ratio, when memory is not reported); unknown without vCPU data."""
    cpu = _mean(vcpus)
    if cpu is None:
        return Money.unknown(detail="no current_num_vcpus data: worker count unknown")
    kind = "streaming" if job.get("type") == "JOB_TYPE_STREAMING" else "batch"
    region = zone_region(asset_location(job, ctx))
    mem_bytes = _mean(memory)
    gb = round(mem_bytes / GIB, 2) if mem_bytes is not None else round(cpu * DEFAULT_GB_PER_VCPU, 2)
    money = add(
        [
            ctx.prices.monthly(f"gcp.dataflow.{kind}.vcpu_hour", region, round(cpu, 2), what="worker vCPU"),
            ctx.prices.monthly(f"gcp.dataflow.{kind}.ram_gb_hour", region, gb, what="GB worker memory"),
        ]
    )
    money = with_note(money, "Streaming Engine, Shuffle and worker disks not included")
    if mem_bytes is None:
        money = with_note(money, f"memory assumed {DEFAULT_GB_PER_VCPU} GB per vCPU (not reported)")
    return money


def _name(job: Mapping[str, Any]) -> str:
    return str(job.get("name") or job.get("id") or "")


def _resource(job: Mapping[str, Any]) -> Any:
    return asset_resource(job, "dataflow_job", name=_name(job), created=job.get("createTime"))


# --- gcp.dataflow.idle_streaming_job ---------------------------------------------------------------


class IdleStreamingParams(BaseModel):
    """Parameters of ``gcp.dataflow.idle_streaming_job``."""

    window_days: int = Field(
        14,
        ge=3,
        le=42,
        description="Days of daily metrics to look at; the job must have been running at least this long.",
    )
    min_datapoints: int = Field(
        7, ge=1, description="Days with vCPU data needed; fewer means unknown, not idle."
    )
    max_elements: int = Field(
        0,
        ge=0,
        description="At most this many elements produced (or added to PCollections) in the window is idle.",
    )


@check(
    id="gcp.dataflow.idle_streaming_job",
    title="Dataflow streaming job running its workers with no throughput",
    resource_type="dataflow_job",
    severity=Severity.HIGH,
    needs=[JOBS],
    params=IdleStreamingParams,
    klass="idle",
    metrics=lambda p: queries(p.window_days),
    rationale="""
        A streaming job keeps its workers (at least one) running until it is drained or cancelled, whether
        data arrives or not. A job RUNNING for at least `window_days` (`currentStateTime`) whose workers show
        in `job/current_num_vcpus` on at least `min_datapoints` days is idle when
        `job/elements_produced_count` totals at most `max_elements` over the window (high confidence); when
        that alpha metric is not written, the growth of `job/element_count` (elements added to PCollections)
        over the window decides (medium, with at least `min_datapoints` days). No vCPU data, or neither
        throughput metric, is unknown, not idle. The original's throughput
        threshold is never measured; its 14 days are kept as the window. The cost is the mean vCPUs and memory
        of the workers at the streaming rate; Streaming Engine and disks are left out.
    """,
    recommendation="Drain it (finishes in-flight data, then stops the workers): gcloud dataflow jobs drain "
    "<id> --region=<region>",
    covers_original=["gcp:dataflow_streaming_job_idle"],
    covers_peers=[],
)
def idle_streaming_job(ctx: CheckContext, params: IdleStreamingParams) -> Iterator[Hit]:
    """RUNNING streaming jobs with workers and no elements over the window."""
    vcpu_q, memory_q, produced_q, elements_q = queries(params.window_days)
    for job in ctx.get(JOBS):
        if job.get("type") != "JOB_TYPE_STREAMING" or job.get("currentState") != "JOB_STATE_RUNNING":
            continue
        running = days_since(job.get("currentStateTime") or job.get("createTime"), ctx)
        if running is None or running < params.window_days:
            continue
        job_id = str(job.get("id") or "")
        vcpus = ctx.metric(vcpu_q, job_id)
        if vcpus is None or len(vcpus.values) < params.min_datapoints or vcpus.maximum <= 0:
            continue
        produced = ctx.metric(produced_q, job_id)
        elements = ctx.metric(elements_q, job_id)
        if produced is not None:
            throughput, basis, confidence = produced.total, PRODUCED, Confidence.HIGH
        elif elements is not None and len(elements.values) >= params.min_datapoints:
            growth = elements.values[-1] - elements.values[0]
            throughput, basis, confidence = growth, ELEMENTS, Confidence.MEDIUM
        else:
            continue  # no throughput data: unknown, not idle
        if throughput > params.max_elements:
            continue
        cost = workers_monthly(ctx, job, vcpus, ctx.metric(memory_q, job_id))
        name, region = _name(job), asset_location(job, ctx)
        what = f"it produced {throughput:,.0f} elements in {params.window_days} days"
        yield Hit(
            resource=_resource(job),
            reason=f"Dataflow streaming job {name} has been running for {whole_days(running)} on "
            f"{_mean(vcpus) or 0:.1f} vCPUs on average; {what}.",
            cost=cost,
            evidence={
                "job_id": job_id,
                "state": job.get("currentState"),
                "running_days": round(running, 1),
                "vcpus_mean": round(_mean(vcpus) or 0.0, 2),
                "vcpu_datapoints": len(vcpus.values),
                "elements": throughput,
                "throughput_metric": basis,
                "window_days": params.window_days,
                "scenario": "idle_streaming",
            },
            confidence=confidence,
            recommendation=f"gcloud dataflow jobs drain {job_id} --region={region}",
            region=region,
        )


# --- gcp.dataflow.stuck_job -------------------------------------------------------------------------


class StuckParams(BaseModel):
    """Parameters of ``gcp.dataflow.stuck_job``."""

    batch_max_hours: float = Field(
        24.0, ge=1, description="Batch jobs RUNNING longer than this are reported (low confidence: a review)."
    )
    batch_medium_hours: float = Field(
        72.0, ge=1, description="Batch jobs RUNNING this long get medium confidence."
    )
    transition_max_hours: float = Field(
        6.0, ge=0.5, description="Jobs CANCELLING or DRAINING longer than this are reported as stuck."
    )
    transition_high_hours: float = Field(24.0, ge=0.5, description="Stuck this long gives high confidence.")
    window_days: int = Field(
        14, ge=1, le=42, description="Days of vCPU and memory metrics averaged for the cost."
    )


@check(
    id="gcp.dataflow.stuck_job",
    title="Dataflow batch job running for days, or job stuck cancelling or draining",
    resource_type="dataflow_job",
    severity=Severity.MEDIUM,
    needs=[JOBS],
    params=StuckParams,
    klass="idle",
    metrics=lambda p: queries(p.window_days),
    rationale="""
        Batch jobs normally finish in hours; one still JOB_STATE_RUNNING after `batch_max_hours`
        (`currentStateTime`) may be stuck on a hot key, a retry loop or a hung worker while its workers bill
        (low confidence at 24 hours, medium from `batch_medium_hours`: big backfills run that long). A job
        in JOB_STATE_CANCELLING or JOB_STATE_DRAINING for more than `transition_max_hours` is stuck holding
        its workers (medium, high from `transition_high_hours`). The original flags FAILED jobs "with active
        resources", but Dataflow tears a failed job's workers down itself: a FAILED job costs nothing and is
        not reported; the jobs that do hold workers are these. FlexRS jobs wait in JOB_STATE_QUEUED and are
        not counted. The cost is the workers' mean vCPUs and memory at the job type's rate over the last
        `window_days` (unknown without vCPU data).
    """,
    recommendation="Check the job's logs, then cancel it: gcloud dataflow jobs cancel <id> --region=<region>",
    covers_original=["gcp:dataflow_job_failed_with_resources"],
    covers_peers=[],
)
def stuck_job(ctx: CheckContext, params: StuckParams) -> Iterator[Hit]:
    """Batch jobs running past ``batch_max_hours`` and jobs stuck cancelling or draining."""
    vcpu_q, memory_q, _, _ = queries(params.window_days)
    for job in ctx.get(JOBS):
        state = job.get("currentState")
        if state not in ACTIVE:
            continue
        days = days_since(job.get("currentStateTime") or job.get("createTime"), ctx)
        if days is None:
            continue
        hours = days * 24.0
        batch = job.get("type") == "JOB_TYPE_BATCH"
        if state == "JOB_STATE_RUNNING":
            if not batch or hours <= params.batch_max_hours:
                continue
            scenario = "long_running_batch"
            confidence = Confidence.MEDIUM if hours >= params.batch_medium_hours else Confidence.LOW
            limit = params.batch_max_hours
        else:
            if hours <= params.transition_max_hours:
                continue
            scenario = "stuck_cancelling" if state == "JOB_STATE_CANCELLING" else "stuck_draining"
            confidence = Confidence.HIGH if hours >= params.transition_high_hours else Confidence.MEDIUM
            limit = params.transition_max_hours
        job_id = str(job.get("id") or "")
        vcpus = ctx.metric(vcpu_q, job_id)
        cost = workers_monthly(ctx, job, vcpus, ctx.metric(memory_q, job_id))
        if cost.kind is not CostKind.COST:
            cost = cost.model_copy(update={"kind": CostKind.COST})
        name, region = _name(job), asset_location(job, ctx)
        label = "batch" if batch else "streaming"
        command = f"gcloud dataflow jobs cancel {job_id} --region={region}"
        if state == "JOB_STATE_CANCELLING":
            command += " --force"
        yield Hit(
            resource=_resource(job),
            reason=f"Dataflow {label} job {name} has been {str(state).removeprefix('JOB_STATE_')} for "
            f"{hours:,.0f} hours (more than {limit:g}).",
            cost=cost,
            evidence={
                "job_id": job_id,
                "type": job.get("type"),
                "state": state,
                "hours_in_state": round(hours, 1),
                "since": job.get("currentStateTime"),
                "vcpus_mean": None if vcpus is None else round(_mean(vcpus) or 0.0, 2),
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=command,
            region=region,
        )
