"""Cloud Functions checks: idle minimum instances (1st gen, and 2nd gen via Cloud Run), failed functions."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import REGION, Gcp, function_v1, function_v2, run_service

from cloudwaste.model import Confidence, CostBasis, CostKind

IDLE = "gcp.functions.idle_min_instances"
FAILED = "gcp.functions.failed_function"
EXECUTIONS = "cloudfunctions.googleapis.com/function/execution_count"
GEN1_INSTANCES = "cloudfunctions.googleapis.com/function/instance_count"
REQUESTS = "run.googleapis.com/request_count"
INSTANCES = "run.googleapis.com/container/instance_count"
MONTH_S = 730 * 3600


def idle_rate(vcpu: float, gib: float) -> float:
    return round(vcpu * MONTH_S * 2.5e-6, 2) + round(gib * MONTH_S * 2.5e-6, 2)


def backing(name: str) -> dict[str, Any]:
    """The Cloud Run service of a 2nd gen function, as Cloud Functions labels and annotates it."""
    return run_service(
        name.lower().replace("_", "-"),
        labels={"goog-managed-by": "cloudfunctions", "goog-cloudfunctions-runtime": "python312"},
        annotations={"cloudfunctions.googleapis.com/function-id": name},
    )


def gen2(
    gcp: Gcp, fn: dict[str, Any], requests: list[float] | None, instances: list[float] | None = None
) -> list[Any]:
    svc = backing(fn["name"].rsplit("/", 1)[-1])
    if instances is None:
        instances = [1.0] * 14
    metrics = gcp.metrics(IDLE, svc, {REQUESTS: requests, INSTANCES: instances})
    return gcp.run(IDLE, functions=[fn], run_services=[svc], metrics=metrics)


def gen1(
    gcp: Gcp, fn: dict[str, Any], executions: list[float] | None, instances: list[float] | None = None
) -> list[Any]:
    if instances is None:
        instances = [1.0] * 14
    metrics = gcp.metrics(IDLE, fn, {EXECUTIONS: executions, GEN1_INSTANCES: instances})
    return gcp.run(IDLE, functions=[fn], metrics=metrics)


# --- idle minimum instances -------------------------------------------------------------------------


def test_2nd_gen_function_is_judged_on_its_cloud_run_service(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = gen2(gcp, function_v2("resize_image"), None)
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["generation"] == 2
    assert hit.evidence["invocation_metric"] == REQUESTS
    assert hit.evidence["run_service"] == "resize-image"
    assert hit.cost.kind is CostKind.SAVING and hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.cost.amount == pytest.approx(idle_rate(0.1666, 256e6 / 2**30), abs=0.01)
    assert hit.region == REGION
    assert "(2nd gen) keeps 1 minimum instance(s)" in hit.reason
    assert (
        hit.recommendation
        == f"gcloud functions deploy resize_image --gen2 --region={REGION} --min-instances=0"
    )


def test_trap_2nd_gen_function_has_no_cloudfunctions_metrics(gcp: Gcp) -> None:
    # the original reads function/execution_count for both generations; 2nd gen never writes it
    fn = function_v2("resize_image")
    metrics = gcp.metrics(IDLE, fn, {EXECUTIONS: [0.0] * 14, GEN1_INSTANCES: [1.0] * 14})
    assert gcp.run(IDLE, functions=[fn], run_services=[backing("resize_image")], metrics=metrics) == []


def test_2nd_gen_cpu_defaults_from_memory(gcp: Gcp) -> None:
    (hit,) = gen2(gcp, function_v2("report", memory="1Gi", cpu=None), None)
    assert hit.evidence["vcpu_per_instance"] == 0.583
    assert hit.cost.amount == pytest.approx(idle_rate(0.583, 1.0), abs=0.01)


def test_1st_gen_function_uses_cloud_function_metrics_and_unknown_price(gcp: Gcp, hit_ok: Any) -> None:
    fn = function_v1("nightly")
    (hit,) = gen1(gcp, fn, None)
    hit_ok(hit)
    assert hit.evidence["generation"] == 1
    assert hit.evidence["invocation_metric"] == EXECUTIONS
    assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING
    assert "1st gen" in hit.cost.detail
    assert "--no-gen2" in hit.recommendation
    (key, *_) = gcp.metrics(IDLE, fn, {EXECUTIONS: [0.0]})
    assert (key.namespace, key.dimension, key.value) == ("cloud_function", "function_name", "nightly")


@pytest.mark.parametrize(
    ("executions", "confidence"),
    [([0.0] * 14, Confidence.HIGH), ([0.0] * 13 + [14.0], Confidence.LOW)],
)
def test_1st_gen_execution_boundaries(gcp: Gcp, executions: list[float], confidence: Confidence) -> None:
    (hit,) = gen1(gcp, function_v1("nightly"), executions)
    assert hit.confidence is confidence


def test_1st_gen_in_use_is_not_flagged(gcp: Gcp) -> None:
    assert gen1(gcp, function_v1("nightly"), [0.0] * 13 + [15.0]) == []


def test_gen_1_function_listed_by_the_v2_api_is_read_once_as_1st_gen(gcp: Gcp) -> None:
    v1 = function_v1("nightly")
    v2 = function_v2("nightly", environment="GEN_1")
    metrics = gcp.metrics(IDLE, v1, {GEN1_INSTANCES: [1.0] * 14})
    hits = gcp.run(IDLE, functions=[v2, v1], metrics=metrics)
    assert len(hits) == 1 and hits[0].evidence["generation"] == 1


@pytest.mark.parametrize(("days", "flagged"), [(6, False), (7, True)])
def test_instances_must_be_seen_on_seven_days(gcp: Gcp, days: int, flagged: bool) -> None:
    assert bool(gen2(gcp, function_v2("f"), None, instances=[1.0] * days)) is flagged


def test_functions_not_active_recent_or_without_minimum_are_skipped(gcp: Gcp) -> None:
    assert gen2(gcp, function_v2("f", state="DEPLOYING"), None) == []
    assert gen2(gcp, function_v2("f", updated=5), None) == []
    assert gen2(gcp, function_v2("f", min_instances=None), None) == []


def test_no_instance_data_is_unknown(gcp: Gcp) -> None:
    fn = function_v2("f")
    assert gcp.run(IDLE, functions=[fn], run_services=[backing("f")], metrics={}) == []


# --- failed functions -------------------------------------------------------------------------------


def test_failed_2nd_gen_function_has_no_direct_charge(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = gcp.run(FAILED, functions=[function_v2("broken", state="FAILED", updated=10)])
    hit_ok(hit)
    assert hit.cost.amount == 0.0 and hit.cost.detail.startswith("no direct charge")
    assert hit.confidence is Confidence.HIGH
    assert hit.evidence["state_messages"] == ["Build failed: pip install error"]
    assert hit.recommendation == f"gcloud functions delete broken --region={REGION} --gen2"


def test_offline_1st_gen_function_is_failed(gcp: Gcp) -> None:
    (hit,) = gcp.run(FAILED, functions=[function_v1("old", status="OFFLINE", updated=30)])
    assert hit.evidence["state"] == "OFFLINE" and hit.evidence["generation"] == 1


@pytest.mark.parametrize(("updated", "flagged"), [(6.9, False), (7, True)])
def test_failed_function_age_boundary(gcp: Gcp, updated: float, flagged: bool) -> None:
    assert (
        bool(gcp.run(FAILED, functions=[function_v2("broken", state="FAILED", updated=updated)])) is flagged
    )


def test_active_and_deploying_functions_are_not_failed(gcp: Gcp) -> None:
    items = [
        function_v2("ok", updated=30),
        function_v2("busy", state="DEPLOYING", updated=30),
        function_v1("v1", updated=30),
    ]
    assert gcp.run(FAILED, functions=items) == []
