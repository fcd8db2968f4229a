"""Cloud Run checks: idle minimum instances (v1 and v2 shapes), instance billing for sporadic traffic."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import REGION, Gcp, function_v2, run_service, run_service_v1

from cloudwaste.model import Confidence, CostBasis, CostKind

IDLE = "gcp.run.idle_min_instances"
BILLING = "gcp.run.instance_billing_low_traffic"
REQUESTS = "run.googleapis.com/request_count"
INSTANCES = "run.googleapis.com/container/instance_count"
MONTH_S = 730 * 3600
IDLE_1CPU_HALF_GIB = round(MONTH_S * 2.5e-6, 2) + round(0.5 * MONTH_S * 2.5e-6, 2)  # 6.57 + 3.29
FULL_1CPU_HALF_GIB = round(MONTH_S * 1.8e-5, 2) + round(0.5 * MONTH_S * 2e-6, 2)  # 47.30 + 2.63


def run(
    gcp: Gcp,
    check: str,
    svc: dict[str, Any],
    requests: list[float] | None = None,
    instances: list[float] | None = None,
    *,
    functions: list[dict[str, Any]] | None = None,
    **params: Any,
) -> list[Any]:
    if instances is None:
        instances = [1.0] * 14
    metrics = gcp.metrics(check, svc, {REQUESTS: requests, INSTANCES: instances}, params=params)
    return gcp.run(check, run_services=[svc], functions=functions or [], metrics=metrics, params=params)


# --- idle minimum instances -------------------------------------------------------------------------


def test_v2_service_with_a_warm_instance_and_no_requests(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = run(gcp, IDLE, run_service("api"))
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM  # no request datapoints at all: none were written
    assert hit.cost.kind is CostKind.SAVING and hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.cost.amount == pytest.approx(IDLE_1CPU_HALF_GIB)
    assert hit.evidence["billing"] == "request"
    assert hit.evidence["min_instances_source"] == "template.scaling.minInstanceCount"
    assert hit.region == REGION
    assert hit.resource.name == "api" and hit.resource.type == "cloud_run_service"
    assert "keeps 1 minimum instance(s) of 1 vCPU and 0.5 GiB up but had no requests in 14 days" in hit.reason
    assert hit.recommendation == f"gcloud run services update api --region={REGION} --min-instances=0"


def test_series_are_keyed_by_service_name_on_cloud_run_revision(gcp: Gcp) -> None:
    keys = gcp.metrics(IDLE, run_service("api"), {REQUESTS: [0.0] * 14, INSTANCES: [1.0] * 14})
    assert {(k.namespace, k.dimension, k.value) for k in keys} == {
        ("cloud_run_revision", "service_name", "api")
    }
    assert {k.stat for k in keys} == {"Sum", "Maximum"}


def test_zero_valued_request_datapoints_give_high_confidence(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, run_service("api"), requests=[0.0] * 14)
    assert hit.confidence is Confidence.HIGH


def test_knative_shaped_service_is_read_too(gcp: Gcp, hit_ok: Any) -> None:
    svc = run_service_v1("legacy", min_scale=2, cpu="1000m", memory="1Gi")
    (hit,) = run(gcp, IDLE, svc)
    hit_ok(hit)
    assert hit.evidence["min_instances"] == 2
    assert hit.evidence["vcpu_per_instance"] == 1.0 and hit.evidence["gib_per_instance"] == 1.0
    assert hit.cost.amount == pytest.approx(2 * 2 * round(MONTH_S * 2.5e-6, 2), abs=0.02)
    assert hit.resource.name == "legacy"
    assert hit.resource.id.endswith(f"locations/{REGION}/services/legacy")


def test_service_level_minimum_wins_when_larger(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, run_service("api", min_instances=1, service_min=3))
    assert hit.evidence["min_instances"] == 3
    assert hit.evidence["min_instances_source"] == "scaling.minInstanceCount"
    assert hit.recommendation.endswith("--min-instances=0 --min=0")


def test_knative_service_level_min_scale_annotation(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, run_service_v1("legacy", min_scale=None, service_min_scale=2))
    assert hit.evidence["min_instances"] == 2
    assert "--min=0" in hit.recommendation


def test_instance_based_billing_costs_the_full_rate(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, run_service("worker", cpu_idle=False))
    assert hit.evidence["billing"] == "instance"
    assert hit.cost.amount == pytest.approx(FULL_1CPU_HALF_GIB)


def test_knative_cpu_throttling_false_is_instance_based(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, run_service_v1("worker", cpu_throttling=False, cpu="1", memory="512Mi"))
    assert hit.evidence["billing"] == "instance"
    assert hit.cost.amount == pytest.approx(FULL_1CPU_HALF_GIB)


def test_unstated_billing_mode_is_priced_as_a_lower_bound(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, run_service("api", cpu_idle=None))
    assert hit.evidence["billing"] == "unknown"
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert "lower bound" in hit.cost.detail


def test_manual_scaling_counts_its_instances_at_the_full_rate(gcp: Gcp) -> None:
    (hit,) = run(gcp, IDLE, run_service("batch", min_instances=None, manual=2))
    assert hit.evidence["manual_scaling"] is True
    assert hit.cost.amount == pytest.approx(2 * FULL_1CPU_HALF_GIB, abs=0.02)
    assert "--scaling=auto" in hit.recommendation


def test_sidecars_add_their_limits_and_defaults_apply(gcp: Gcp) -> None:
    sidecar = {"name": "proxy", "image": "envoy", "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}
    (hit,) = run(gcp, IDLE, run_service("api", cpu=None, memory=None, sidecars=[sidecar]))
    assert hit.evidence["vcpu_per_instance"] == 1.5  # 1 vCPU default + 0.5
    assert hit.evidence["gib_per_instance"] == 0.75  # 512 MiB default + 256 MiB


@pytest.mark.parametrize(
    ("requests", "scenario", "confidence"),
    [
        (0.0, "idle_min_instances", Confidence.HIGH),
        (1.0, "nearly_idle", Confidence.LOW),
        (14.0, "nearly_idle", Confidence.LOW),
    ],
)
def test_request_boundaries(gcp: Gcp, requests: float, scenario: str, confidence: Confidence) -> None:
    (hit,) = run(gcp, IDLE, run_service("api"), requests=[0.0] * 13 + [requests])
    assert hit.evidence["scenario"] == scenario
    assert hit.confidence is confidence


def test_more_than_one_request_a_day_is_in_use(gcp: Gcp) -> None:
    assert run(gcp, IDLE, run_service("api"), requests=[0.0] * 13 + [15.0]) == []


@pytest.mark.parametrize(("days", "flagged"), [(6, False), (7, True)])
def test_instances_must_be_seen_on_seven_days(gcp: Gcp, days: int, flagged: bool) -> None:
    assert bool(run(gcp, IDLE, run_service("api"), instances=[1.0] * days)) is flagged


def test_no_instance_data_is_unknown_even_without_requests(gcp: Gcp) -> None:
    svc = run_service("api")
    assert gcp.run(IDLE, run_services=[svc], metrics={}) == []


def test_service_without_minimum_instances_is_not_flagged(gcp: Gcp) -> None:
    assert run(gcp, IDLE, run_service("api", min_instances=None)) == []
    assert run(gcp, IDLE, run_service_v1("legacy", min_scale=0)) == []


def test_service_younger_than_the_window_is_skipped(gcp: Gcp) -> None:
    assert run(gcp, IDLE, run_service("api", created=10)) == []


def test_without_metric_id_the_series_cannot_be_found(gcp: Gcp) -> None:
    svc = run_service("api")
    metrics = gcp.metrics(IDLE, svc, {INSTANCES: [1.0] * 14})
    del svc["_metric_id"]
    assert gcp.run(IDLE, run_services=[svc], metrics=metrics) == []


def test_trap_service_of_a_listed_2nd_gen_function_is_left_to_the_function_check(gcp: Gcp) -> None:
    svc = run_service(
        "resize-image",
        labels={"goog-managed-by": "cloudfunctions"},
        annotations={"cloudfunctions.googleapis.com/function-id": "resize_image"},
    )
    fn = function_v2("resize_image")
    assert run(gcp, IDLE, svc, functions=[fn]) == []
    (hit,) = run(gcp, IDLE, svc)  # the function itself is not listed: report the service
    assert hit.evidence["owner_function"] == "resize_image"


# --- instance-based billing with sporadic traffic -------------------------------------------------


def test_instance_billing_with_ten_requests_a_day(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = run(gcp, BILLING, run_service("worker", cpu_idle=False), requests=[10.0] * 14)
    hit_ok(hit)
    assert hit.confidence is Confidence.LOW
    assert hit.cost.kind is CostKind.SAVING and hit.cost.basis is CostBasis.ESTIMATE
    assert hit.cost.amount == pytest.approx(FULL_1CPU_HALF_GIB - IDLE_1CPU_HALF_GIB, abs=0.01)
    assert "upper bound" in hit.cost.detail
    assert hit.evidence["requests_per_day"] == 10.0
    assert "--cpu-throttling" in hit.recommendation


@pytest.mark.parametrize(("total", "flagged"), [(1400.0, True), (1401.0, False)])
def test_instance_billing_traffic_boundary(gcp: Gcp, total: float, flagged: bool) -> None:
    svc = run_service("worker", cpu_idle=False)
    assert bool(run(gcp, BILLING, svc, requests=[0.0] * 13 + [total])) is flagged


def test_instance_billing_without_requests_is_the_idle_check(gcp: Gcp) -> None:
    svc = run_service("worker", cpu_idle=False)
    assert run(gcp, BILLING, svc) == []
    assert run(gcp, IDLE, svc)


def test_request_billing_and_manual_scaling_are_not_this_check(gcp: Gcp) -> None:
    assert run(gcp, BILLING, run_service("api"), requests=[5.0] * 14) == []
    assert run(gcp, BILLING, run_service("batch", min_instances=None, manual=2), requests=[5.0] * 14) == []
