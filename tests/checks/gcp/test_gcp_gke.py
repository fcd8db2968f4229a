"""GKE checks: fixed-size node pools, clusters with no nodes, idle clusters."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import PROJECT, REGION, ZONE, Gcp, gke_cluster, gke_pool

from cloudwaste.model import Confidence, CostBasis, CostKind

FIXED = "gcp.gke.node_pool_no_autoscaling"
EMPTY = "gcp.gke.empty_cluster"
IDLE = "gcp.gke.idle_cluster"
NODE_CPU = "kubernetes.io/node/cpu/allocatable_utilization"
E2_STANDARD_4 = 63.69 + 34.14  # 4 x $0.021811 + 16 GB x $0.002923, x 730 h
FEE = 73.0  # $0.10/hour x 730


def fixed(gcp: Gcp, *pools: tuple[dict[str, Any], list[dict[str, Any]]], **kw: Any) -> list[Any]:
    cluster = gke_cluster("c1", pools=[p for p, _ in pools], **kw)
    groups = [g for _, gs in pools for g in gs]
    return gcp.run(FIXED, gke_clusters=[cluster], instance_group_managers=groups)


# --- node pool without autoscaling ------------------------------------------------------------------


def test_fixed_pool_of_four_nodes_is_a_review_item(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = fixed(gcp, gke_pool("default-pool", size=4))
    hit_ok(hit)
    assert hit.confidence is Confidence.LOW
    assert hit.resource.type == "gke_node_pool"
    assert hit.resource.id.endswith(f"projects/{PROJECT}/locations/{ZONE}/clusters/c1/nodePools/default-pool")
    assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING
    assert f"${4 * E2_STANDARD_4:,.2f}/month" in hit.cost.detail
    assert hit.evidence["pool_monthly"] == pytest.approx(4 * E2_STANDARD_4, abs=0.01)
    assert hit.evidence["node_count_basis"] == "instance_groups"
    assert "fixed 4 e2-standard-4 nodes without autoscaling" in hit.reason
    assert hit.region == ZONE
    assert "--enable-autoscaling" in hit.recommendation and f"--location={ZONE}" in hit.recommendation


@pytest.mark.parametrize(("size", "flagged"), [(3, False), (4, True)])
def test_fixed_pool_threshold_is_more_than_three_nodes(gcp: Gcp, size: int, flagged: bool) -> None:
    assert bool(fixed(gcp, gke_pool("p", size=size))) is flagged


@pytest.mark.parametrize(("size", "confidence"), [(9, Confidence.LOW), (10, Confidence.MEDIUM)])
def test_large_fixed_pools_get_medium_confidence(gcp: Gcp, size: int, confidence: Confidence) -> None:
    (hit,) = fixed(gcp, gke_pool("p", size=size))
    assert hit.confidence is confidence


def test_regional_pool_counts_every_zone(gcp: Gcp) -> None:
    zones = ("us-central1-a", "us-central1-b", "us-central1-c")
    (hit,) = fixed(gcp, gke_pool("p", size=2, zones=zones), location=REGION)
    assert hit.evidence["nodes"] == 6
    assert hit.region == REGION


@pytest.mark.parametrize("autoscaling", [{}, {"enabled": False}])
def test_empty_or_false_autoscaling_is_fixed(gcp: Gcp, autoscaling: dict[str, Any]) -> None:
    (hit,) = fixed(gcp, gke_pool("p", size=5, autoscaling=autoscaling))
    assert hit.evidence["autoscaling"] in (None, {"enabled": False})


@pytest.mark.parametrize(
    "autoscaling",
    [{"enabled": True, "minNodeCount": 1, "maxNodeCount": 10}, {"enabled": True, "autoprovisioned": True}],
)
def test_autoscaled_and_auto_provisioned_pools_are_fine(gcp: Gcp, autoscaling: dict[str, Any]) -> None:
    assert fixed(gcp, gke_pool("p", size=8, autoscaling=autoscaling)) == []


def test_trap_autopilot_cluster_is_exempt(gcp: Gcp) -> None:
    pool, groups = gke_pool("default-pool", size=6)
    cluster = gke_cluster("auto", location=REGION, autopilot=True)
    cluster["nodePools"] = [pool]
    assert gcp.run(FIXED, gke_clusters=[cluster], instance_group_managers=groups) == []


def test_trap_stale_initial_node_count_loses_to_the_instance_groups(gcp: Gcp) -> None:
    # created with 3 nodes, resized to 6: initialNodeCount still says 3
    (hit,) = fixed(gcp, gke_pool("p", size=6, initial=3))
    assert hit.evidence["nodes"] == 6


def test_unlisted_instance_groups_fall_back_to_initial_node_count_with_low_confidence(gcp: Gcp) -> None:
    (hit,) = fixed(gcp, gke_pool("p", size=12, listed=False))
    assert hit.evidence["node_count_basis"] == "initialNodeCount"
    assert hit.confidence is Confidence.LOW
    assert "resizes may have changed it" in hit.reason


@pytest.mark.parametrize(
    ("cluster_status", "pool_status"), [("PROVISIONING", "RUNNING"), ("RUNNING", "STOPPING")]
)
def test_clusters_and_pools_in_transition_are_skipped(
    gcp: Gcp, cluster_status: str, pool_status: str
) -> None:
    assert fixed(gcp, gke_pool("p", size=6, status=pool_status), status=cluster_status) == []


def test_spot_pool_is_flagged_but_its_cost_is_unknown(gcp: Gcp) -> None:
    (hit,) = fixed(gcp, gke_pool("p", size=5, spot=True))
    assert hit.evidence["spot"] is True
    assert hit.evidence["pool_monthly"] is None
    assert "an unknown amount" in hit.reason


# --- cluster with no nodes --------------------------------------------------------------------------


def empty(gcp: Gcp, cluster: dict[str, Any], groups: list[dict[str, Any]], **params: Any) -> list[Any]:
    return gcp.run(EMPTY, gke_clusters=[cluster], instance_group_managers=groups, params=params)


def test_zonal_cluster_with_pools_at_zero_pays_the_fee(gcp: Gcp, hit_ok: Any) -> None:
    pool, groups = gke_pool("default-pool", size=0)
    cluster = gke_cluster("c1", pools=[pool], created=30)
    assert "currentNodeCount" not in cluster and "targetSize" not in groups[0]  # proto JSON drops zeros
    (hit,) = empty(gcp, cluster, groups)
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(FEE)
    assert hit.cost.kind is CostKind.COST and hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert "free tier" in hit.cost.detail
    assert hit.confidence is Confidence.MEDIUM  # the free tier may cover one zonal cluster
    assert hit.evidence["scenario"] == "no_nodes"
    assert hit.recommendation == f"gcloud container clusters delete c1 --location={ZONE}"


def test_regional_cluster_with_no_pools_is_high_confidence(gcp: Gcp) -> None:
    cluster = gke_cluster("c2", location=REGION, created=30)
    (hit,) = empty(gcp, cluster, [])
    assert hit.confidence is Confidence.HIGH
    assert hit.evidence["scenario"] == "no_pools"
    assert "free tier" not in (hit.cost.detail or "")


def test_pool_that_autoscales_from_zero_is_low_confidence(gcp: Gcp) -> None:
    pool, groups = gke_pool("batch", size=0, autoscaling={"enabled": True, "maxNodeCount": 5})
    (hit,) = empty(gcp, gke_cluster("c1", pools=[pool], created=30), groups)
    assert hit.confidence is Confidence.LOW
    assert hit.evidence["scenario"] == "scaled_to_zero"


@pytest.mark.parametrize(("age", "flagged"), [(6.9, False), (7, True)])
def test_empty_cluster_age_boundary(gcp: Gcp, age: float, flagged: bool) -> None:
    assert bool(empty(gcp, gke_cluster("c3", location=REGION, created=age), [])) is flagged


def test_trap_pool_whose_groups_are_not_listed_is_unknown_not_empty(gcp: Gcp) -> None:
    pool, _ = gke_pool("p", size=0, listed=False)
    assert empty(gcp, gke_cluster("c1", pools=[pool], created=30, current_nodes=0), []) == []


def test_trap_current_node_count_contradicting_the_groups_is_not_empty(gcp: Gcp) -> None:
    pool, groups = gke_pool("p", size=0)
    assert empty(gcp, gke_cluster("c1", pools=[pool], created=30, current_nodes=2), groups) == []


def test_cluster_with_nodes_and_autopilot_cluster_are_not_empty(gcp: Gcp) -> None:
    pool, groups = gke_pool("p", size=1)
    assert empty(gcp, gke_cluster("c1", pools=[pool], created=30), groups) == []
    assert empty(gcp, gke_cluster("auto", location=REGION, autopilot=True, created=30), []) == []


# --- idle cluster -----------------------------------------------------------------------------------


def idle(
    gcp: Gcp, cluster: dict[str, Any], groups: list[dict[str, Any]], cpu: list[float] | None, **params: Any
) -> list[Any]:
    metrics = gcp.metrics(IDLE, cluster, {NODE_CPU: cpu}, params=params)
    return gcp.run(
        IDLE, gke_clusters=[cluster], instance_group_managers=groups, metrics=metrics, params=params
    )


def test_idle_cluster_is_costed_by_nodes_and_fee(gcp: Gcp, hit_ok: Any) -> None:
    pool, groups = gke_pool("default-pool", size=3)
    cluster = gke_cluster("c1", pools=[pool])
    (hit,) = idle(gcp, cluster, groups, [0.03] * 14)
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.cost.amount == pytest.approx(3 * E2_STANDARD_4 + FEE, abs=0.02)
    assert hit.evidence["cpu_max_daily_mean_pct"] == pytest.approx(3.0)
    assert hit.evidence["datapoints"] == 14
    assert "3 node(s)" in hit.reason and "3.0%" in hit.reason


def test_idle_series_is_keyed_by_cluster_name_on_k8s_node(gcp: Gcp) -> None:
    cluster = gke_cluster("c1", pools=[gke_pool("p", size=3)[0]])
    (key,) = gcp.metrics(IDLE, cluster, {NODE_CPU: [0.01] * 14})
    assert (key.namespace, key.dimension, key.value, key.stat) == (
        "k8s_node",
        "cluster_name",
        "c1",
        "Average",
    )


def test_nearly_no_cpu_is_high_confidence(gcp: Gcp) -> None:
    pool, groups = gke_pool("p", size=3)
    (hit,) = idle(gcp, gke_cluster("c1", pools=[pool]), groups, [0.015] * 14)
    assert hit.confidence is Confidence.HIGH


@pytest.mark.parametrize(("peak", "flagged"), [(0.05, True), (0.051, False)])
def test_idle_cpu_threshold_applies_to_every_day(gcp: Gcp, peak: float, flagged: bool) -> None:
    pool, groups = gke_pool("p", size=3)
    assert bool(idle(gcp, gke_cluster("c1", pools=[pool]), groups, [0.01] * 13 + [peak])) is flagged


@pytest.mark.parametrize(("days", "flagged"), [(6, False), (7, True)])
def test_idle_needs_seven_days_of_data(gcp: Gcp, days: int, flagged: bool) -> None:
    pool, groups = gke_pool("p", size=3)
    assert bool(idle(gcp, gke_cluster("c1", pools=[pool]), groups, [0.01] * days)) is flagged


def test_no_node_metrics_is_unknown_not_idle(gcp: Gcp) -> None:
    pool, groups = gke_pool("p", size=3)
    assert idle(gcp, gke_cluster("c1", pools=[pool]), groups, None) == []


def test_trap_clusters_sharing_a_name_in_two_locations_are_not_judged(gcp: Gcp) -> None:
    pool_a, groups_a = gke_pool("p", size=3)
    pool_b, groups_b = gke_pool("p", size=3, zones=("europe-west1-b",))
    a = gke_cluster("shared", pools=[pool_a])
    b = gke_cluster("shared", location="europe-west1-b", pools=[pool_b])
    metrics = gcp.metrics(IDLE, a, {NODE_CPU: [0.01] * 14})
    assert (
        gcp.run(IDLE, gke_clusters=[a, b], instance_group_managers=groups_a + groups_b, metrics=metrics) == []
    )


def test_trap_autopilot_is_not_judged_on_node_cpu(gcp: Gcp) -> None:
    cluster = gke_cluster("auto", location=REGION, autopilot=True, current_nodes=3)
    assert idle(gcp, cluster, [], [0.01] * 14) == []


def test_spot_pool_makes_the_cost_a_named_lower_bound(gcp: Gcp) -> None:
    fixed_pool, g1 = gke_pool("on-demand", size=2)
    spot_pool, g2 = gke_pool("spot", size=4, spot=True)
    (hit,) = idle(gcp, gke_cluster("c1", pools=[fixed_pool, spot_pool]), g1 + g2, [0.01] * 14)
    assert hit.cost.amount == pytest.approx(2 * E2_STANDARD_4 + FEE, abs=0.02)
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert "lower bound" in hit.cost.detail and "Spot" in hit.cost.detail
    assert hit.evidence["nodes"] == 6
