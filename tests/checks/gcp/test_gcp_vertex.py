"""Vertex AI endpoint checks: endpoints without models, idle deployed models, models with no traffic share."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import PROJECT_NUMBER, REGION, Gcp, deployed_model, vertex_endpoint

from cloudwaste.model import Confidence, CostBasis, CostKind

EMPTY = "gcp.vertex.endpoint_without_models"
IDLE = "gcp.vertex.idle_deployed_model"
SPLIT = "gcp.vertex.zero_traffic_model"
PREDICTIONS = "aiplatform.googleapis.com/prediction/online/prediction_count"
PRIVATE = "aiplatform.googleapis.com/prediction/online/private/response_count"
REPLICAS = "aiplatform.googleapis.com/prediction/online/replicas"
N1_STANDARD_4 = round(4 * 0.0363527 * 730, 2) + round(15 * 0.0048725 * 730, 2)  # prediction node rates
T4 = round(0.4025 * 730, 2)


def idle(
    gcp: Gcp,
    endpoint: dict[str, Any],
    predictions: list[float] | None,
    replicas: list[float] | None = None,
    private: list[float] | None = None,
) -> list[Any]:
    if replicas is None:
        replicas = [1.0] * 30
    metrics = gcp.metrics(IDLE, endpoint, {PREDICTIONS: predictions, PRIVATE: private, REPLICAS: replicas})
    return gcp.run(IDLE, vertex_endpoints=[endpoint], metrics=metrics)


# --- endpoint without deployed models -------------------------------------------------------------


def test_endpoint_without_models_is_hygiene_with_no_direct_charge(gcp: Gcp, hit_ok: Any) -> None:
    endpoint = vertex_endpoint("111", updated=30)
    assert "deployedModels" not in endpoint  # an empty repeated field is left out of the JSON
    (hit,) = gcp.run(EMPTY, vertex_endpoints=[endpoint])
    hit_ok(hit)
    assert hit.cost.amount == 0.0 and hit.cost.kind is CostKind.COST
    assert hit.cost.detail.startswith("no direct charge")
    assert hit.confidence is Confidence.HIGH
    assert hit.region == REGION
    assert hit.recommendation == f"gcloud ai endpoints delete 111 --region={REGION}"
    assert "churn-endpoint (111) has no deployed model" in hit.reason


@pytest.mark.parametrize(("updated", "flagged"), [(6.9, False), (7, True)])
def test_endpoint_without_models_age_boundary(gcp: Gcp, updated: float, flagged: bool) -> None:
    assert bool(gcp.run(EMPTY, vertex_endpoints=[vertex_endpoint("111", updated=updated)])) is flagged


def test_endpoint_with_a_model_is_not_empty(gcp: Gcp) -> None:
    endpoint = vertex_endpoint("111", models=[deployed_model("1")], updated=30)
    assert gcp.run(EMPTY, vertex_endpoints=[endpoint]) == []


# --- idle deployed model ------------------------------------------------------------------------------


def test_deployed_model_with_no_predictions_bills_its_nodes(gcp: Gcp, hit_ok: Any) -> None:
    endpoint = vertex_endpoint("222", models=[deployed_model("1")])
    (hit,) = idle(gcp, endpoint, None)
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM  # no prediction datapoints: none were written
    assert hit.cost.kind is CostKind.COST and hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.cost.amount == pytest.approx(N1_STANDARD_4, abs=0.01)
    assert hit.evidence["scenario"] == "zero_predictions"
    assert hit.resource.id.endswith(f"projects/{PROJECT_NUMBER}/locations/{REGION}/endpoints/222")
    assert hit.cost_group == f"vertex-endpoint:projects/{PROJECT_NUMBER}/locations/{REGION}/endpoints/222"
    assert hit.recommendation == (
        f"gcloud ai endpoints undeploy-model 222 --region={REGION} --deployed-model-id=1"
    )


def test_idle_series_are_keyed_by_endpoint_id(gcp: Gcp) -> None:
    keys = gcp.metrics(IDLE, vertex_endpoint("222"), {PREDICTIONS: [0.0], REPLICAS: [1.0]})
    assert {(k.namespace, k.dimension, k.value) for k in keys} == {
        ("aiplatform.googleapis.com/Endpoint", "endpoint_id", "222")
    }


def test_zero_valued_prediction_datapoints_give_high_confidence(gcp: Gcp) -> None:
    (hit,) = idle(gcp, vertex_endpoint("222", models=[deployed_model("1")]), [0.0] * 30)
    assert hit.confidence is Confidence.HIGH


def test_gpu_nodes_and_replicas_are_priced(gcp: Gcp) -> None:
    model = deployed_model("1", gpu="NVIDIA_TESLA_T4", gpus=1, replicas=2)
    (hit,) = idle(gcp, vertex_endpoint("222", models=[model]), None)
    assert hit.cost.amount == pytest.approx(2 * (N1_STANDARD_4 + T4), abs=0.03)


@pytest.mark.parametrize(("total", "expected"), [(300.0, Confidence.LOW), (301.0, None)])
def test_low_traffic_band_is_ten_predictions_a_day(
    gcp: Gcp, total: float, expected: Confidence | None
) -> None:
    hits = idle(gcp, vertex_endpoint("222", models=[deployed_model("1")]), [0.0] * 29 + [total])
    assert (hits[0].confidence if hits else None) is expected


def test_trap_private_endpoint_traffic_is_counted(gcp: Gcp) -> None:
    endpoint = vertex_endpoint(
        "333", models=[deployed_model("1")], network=f"projects/{PROJECT_NUMBER}/global/networks/vpc"
    )
    assert idle(gcp, endpoint, None, private=[50.0] * 30) == []
    (hit,) = idle(gcp, endpoint, None, private=[0.0] * 30)
    assert hit.evidence["private_endpoint"] is True


@pytest.mark.parametrize(("days", "flagged"), [(13, False), (14, True)])
def test_idle_needs_fourteen_days_of_replica_data(gcp: Gcp, days: int, flagged: bool) -> None:
    endpoint = vertex_endpoint("222", models=[deployed_model("1")])
    assert bool(idle(gcp, endpoint, None, replicas=[1.0] * days)) is flagged


def test_no_replica_data_is_unknown(gcp: Gcp) -> None:
    endpoint = vertex_endpoint("222", models=[deployed_model("1")])
    assert gcp.run(IDLE, vertex_endpoints=[endpoint], metrics={}) == []


@pytest.mark.parametrize(("deployed", "flagged"), [(29.9, False), (30, True)])
def test_models_deployed_within_the_window_are_not_judged(gcp: Gcp, deployed: float, flagged: bool) -> None:
    endpoint = vertex_endpoint("222", models=[deployed_model("1", deployed=deployed)])
    assert bool(idle(gcp, endpoint, None)) is flagged


def test_trap_shared_pool_and_scale_to_zero_models_bill_nothing_of_their_own(gcp: Gcp) -> None:
    shared = vertex_endpoint("444", models=[deployed_model("1", shared=True)])
    assert idle(gcp, shared, None) == []
    scale_to_zero = vertex_endpoint("555", models=[deployed_model("1", replicas=None)])
    assert "minReplicaCount" not in scale_to_zero["deployedModels"][0]["dedicatedResources"]
    assert idle(gcp, scale_to_zero, None) == []


def test_automl_and_unbundled_machines_are_priced_unknown(gcp: Gcp) -> None:
    (auto,) = idle(gcp, vertex_endpoint("666", models=[deployed_model("1", automatic=True)]), None)
    assert auto.cost.amount is None and "AutoML" in auto.cost.detail
    (a2,) = idle(gcp, vertex_endpoint("777", models=[deployed_model("1", machine="a2-highgpu-1g")]), None)
    assert a2.cost.amount is None and "a2-highgpu-1g" in a2.cost.detail


# --- model with no share of the traffic --------------------------------------------------------------


def test_model_left_out_of_the_traffic_split_still_bills(gcp: Gcp, hit_ok: Any) -> None:
    endpoint = vertex_endpoint(
        "222", models=[deployed_model("1"), deployed_model("2", deployed=30)], split={"1": 100}
    )
    (hit,) = gcp.run(SPLIT, vertex_endpoints=[endpoint])
    hit_ok(hit)
    assert hit.evidence["deployed_model_id"] == "2"
    assert hit.cost.amount == pytest.approx(N1_STANDARD_4, abs=0.01)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.resource.type == "vertex_ai_deployed_model" and hit.resource.id.endswith("/deployedModels/2")
    assert hit.cost_group == f"vertex-endpoint:{endpoint['name']}"
    assert hit.recommendation.endswith("--deployed-model-id=2")


def test_model_set_to_zero_percent(gcp: Gcp) -> None:
    endpoint = vertex_endpoint(
        "222", models=[deployed_model("1"), deployed_model("2")], split={"1": 100, "2": 0}
    )
    (hit,) = gcp.run(SPLIT, vertex_endpoints=[endpoint])
    assert hit.evidence["traffic_split"] == {"1": 100.0, "2": 0.0}


@pytest.mark.parametrize(("deployed", "flagged"), [(6.9, False), (7, True)])
def test_zero_traffic_age_boundary(gcp: Gcp, deployed: float, flagged: bool) -> None:
    endpoint = vertex_endpoint(
        "222", models=[deployed_model("1"), deployed_model("2", deployed=deployed)], split={"1": 100}
    )
    assert bool(gcp.run(SPLIT, vertex_endpoints=[endpoint])) is flagged


def test_trap_empty_split_and_shared_pool_models_are_skipped(gcp: Gcp) -> None:
    no_split = vertex_endpoint("222", models=[deployed_model("1"), deployed_model("2")], split={})
    shared = vertex_endpoint(
        "333", models=[deployed_model("1"), deployed_model("2", shared=True)], split={"1": 100}
    )
    assert gcp.run(SPLIT, vertex_endpoints=[no_split, shared]) == []
