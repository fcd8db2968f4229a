"""Dataflow checks: idle streaming jobs, long-running batch jobs and jobs stuck cancelling or draining."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import REGION, Gcp, dataflow_job

from cloudwaste.model import Confidence, CostBasis, CostKind

IDLE = "gcp.dataflow.idle_streaming_job"
STUCK = "gcp.dataflow.stuck_job"
VCPUS = "dataflow.googleapis.com/job/current_num_vcpus"
MEMORY = "dataflow.googleapis.com/job/memory_capacity"
PRODUCED = "dataflow.googleapis.com/job/elements_produced_count"
ELEMENTS = "dataflow.googleapis.com/job/element_count"
GIB = 1024**3
STREAMING_4 = round(4 * 0.069 * 730, 2) + round(15 * 0.003557 * 730, 2)  # 4 vCPUs, 15 GB


def run(gcp: Gcp, check: str, job: dict[str, Any], values: dict[str, Any], **params: Any) -> list[Any]:
    metrics = gcp.metrics(check, job, values, params=params)
    return gcp.run(check, dataflow_jobs=[job], metrics=metrics, params=params)


def workers(days: int = 14, vcpus: float = 4.0, gb: float | None = 15.0) -> dict[str, Any]:
    return {VCPUS: [vcpus] * days, MEMORY: None if gb is None else [gb * GIB] * days}


# --- idle streaming job -----------------------------------------------------------------------------


def test_streaming_job_with_no_elements_produced(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = run(gcp, IDLE, dataflow_job("events"), {**workers(), PRODUCED: [0.0] * 14})
    hit_ok(hit)
    assert hit.confidence is Confidence.HIGH
    assert hit.evidence["throughput_metric"] == PRODUCED
    assert hit.cost.kind is CostKind.COST and hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.cost.amount == pytest.approx(STREAMING_4, abs=0.01)
    assert "Streaming Engine" in hit.cost.detail
    assert hit.region == REGION
    assert hit.recommendation.startswith("gcloud dataflow jobs drain ")


def test_series_are_keyed_by_the_job_id_metric_label(gcp: Gcp) -> None:
    job = dataflow_job("events")
    keys = gcp.metrics(IDLE, job, workers())
    assert {(k.namespace, k.dimension, k.value) for k in keys} == {("dataflow_job", "job_id", job["id"])}


@pytest.mark.parametrize(("last", "flagged"), [(10.0, True), (11.0, False)])
def test_max_elements_boundary(gcp: Gcp, last: float, flagged: bool) -> None:
    values = {**workers(), PRODUCED: [0.0] * 13 + [last]}
    assert bool(run(gcp, IDLE, dataflow_job("events"), values, max_elements=10)) is flagged


def test_flat_pcollection_counts_decide_when_elements_produced_is_not_written(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, dataflow_job("events"), {**workers(), ELEMENTS: [5000.0] * 14})
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["throughput_metric"] == ELEMENTS
    growing = {**workers(), ELEMENTS: [5000.0 + n for n in range(14)]}
    assert run(gcp, IDLE, dataflow_job("events"), growing) == []


def test_no_throughput_metric_at_all_is_unknown_not_idle(gcp: Gcp) -> None:
    assert run(gcp, IDLE, dataflow_job("events"), workers()) == []
    short = {**workers(), ELEMENTS: [5000.0] * 6}  # too few days of PCollection counts
    assert run(gcp, IDLE, dataflow_job("events"), short) == []


def test_unreported_memory_is_assumed_at_the_n1_standard_ratio(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, dataflow_job("events"), {**workers(gb=None), PRODUCED: [0.0] * 14})
    assert hit.cost.amount == pytest.approx(STREAMING_4, abs=0.01)  # 4 vCPUs x 3.75 GB = 15 GB
    assert "assumed 3.75 GB per vCPU" in hit.cost.detail


@pytest.mark.parametrize(("days", "flagged"), [(6, False), (7, True)])
def test_idle_needs_seven_days_of_vcpu_data(gcp: Gcp, days: int, flagged: bool) -> None:
    values = {**workers(days=days), PRODUCED: [0.0] * days}
    assert bool(run(gcp, IDLE, dataflow_job("events"), values)) is flagged


def test_no_vcpu_data_is_unknown(gcp: Gcp) -> None:
    assert run(gcp, IDLE, dataflow_job("events"), {PRODUCED: [0.0] * 14}) == []


@pytest.mark.parametrize(("since", "flagged"), [(13.9, False), (14, True)])
def test_job_must_have_run_for_the_whole_window(gcp: Gcp, since: float, flagged: bool) -> None:
    values = {**workers(), PRODUCED: [0.0] * 14}
    assert bool(run(gcp, IDLE, dataflow_job("events", since=since), values)) is flagged


def test_batch_and_draining_jobs_are_not_idle_streaming(gcp: Gcp) -> None:
    values = {**workers(), PRODUCED: [0.0] * 14}
    assert run(gcp, IDLE, dataflow_job("b", job_type="JOB_TYPE_BATCH"), values) == []
    assert run(gcp, IDLE, dataflow_job("d", state="JOB_STATE_DRAINING"), values) == []


# --- stuck jobs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "confidence"),
    [(1.0, None), (1.01, Confidence.LOW), (2.99, Confidence.LOW), (3.0, Confidence.MEDIUM)],
)
def test_long_running_batch_job_bands(gcp: Gcp, days: float, confidence: Confidence | None) -> None:
    job = dataflow_job("backfill", job_type="JOB_TYPE_BATCH", since=days)
    hits = run(gcp, STUCK, job, workers(days=2, vcpus=8.0, gb=30.0))
    assert (hits[0].confidence if hits else None) is confidence


def test_long_running_batch_job_is_costed_at_the_batch_rate(gcp: Gcp, hit_ok: Any) -> None:
    job = dataflow_job("backfill", job_type="JOB_TYPE_BATCH", since=4)
    (hit,) = run(gcp, STUCK, job, workers(days=4, vcpus=8.0, gb=30.0))
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(
        round(8 * 0.056 * 730, 2) + round(30 * 0.003557 * 730, 2), abs=0.01
    )
    assert hit.evidence["scenario"] == "long_running_batch"
    assert "96 hours" in hit.reason


@pytest.mark.parametrize(
    ("hours", "confidence"), [(6.0, None), (7.0, Confidence.MEDIUM), (24.0, Confidence.HIGH)]
)
def test_job_stuck_cancelling(gcp: Gcp, hours: float, confidence: Confidence | None) -> None:
    job = dataflow_job("events", state="JOB_STATE_CANCELLING", since=hours / 24)
    hits = run(gcp, STUCK, job, workers(days=1))
    assert (hits[0].confidence if hits else None) is confidence
    if hits:
        assert hits[0].recommendation.endswith("--force")
        assert hits[0].evidence["scenario"] == "stuck_cancelling"


def test_streaming_job_stuck_draining(gcp: Gcp) -> None:
    (hit,) = run(gcp, STUCK, dataflow_job("events", state="JOB_STATE_DRAINING", since=0.5), workers(days=1))
    assert hit.evidence["scenario"] == "stuck_draining"
    assert hit.cost.amount == pytest.approx(STREAMING_4, abs=0.01)


def test_without_vcpu_data_the_stuck_jobs_cost_is_unknown(gcp: Gcp) -> None:
    (hit,) = gcp.run(STUCK, dataflow_jobs=[dataflow_job("b", job_type="JOB_TYPE_BATCH", since=5)])
    assert hit.cost.amount is None and hit.cost.kind is CostKind.COST


def test_trap_failed_jobs_hold_no_workers(gcp: Gcp) -> None:
    # the original flags FAILED jobs "with active resources": Dataflow removes a failed job's workers
    jobs = [
        dataflow_job("f", job_type="JOB_TYPE_BATCH", state="JOB_STATE_FAILED", since=10),
        dataflow_job("q", job_type="JOB_TYPE_BATCH", state="JOB_STATE_QUEUED", since=2),  # FlexRS waiting
        dataflow_job("s", since=30),  # a streaming job is meant to run
    ]
    assert gcp.run(STUCK, dataflow_jobs=jobs) == []
