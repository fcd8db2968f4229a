"""Bigtable checks: idle cluster, overprovisioned cluster, non-production instance with several nodes."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import GIB, PROJECT, Gcp, bigtable_cluster, bigtable_instance

from cloudwaste.model import Confidence, CostKind

IDLE = "gcp.bigtable.idle_cluster"
OVER = "gcp.bigtable.overprovisioned_cluster"
NONPROD = "gcp.bigtable.nonprod_overprovisioned"
CPU = "bigtable.googleapis.com/cluster/cpu_load"
UTIL = "bigtable.googleapis.com/cluster/storage_utilization"
BYTES = "bigtable.googleapis.com/disk/bytes_used"
REQUESTS = "bigtable.googleapis.com/server/request_count"
NODE_MONTH = 0.65 * 730


def idle(
    gcp: Gcp,
    clusters: list[dict[str, Any]],
    values: dict[str, list[float] | None],
    instance: dict[str, Any] | None = None,
) -> list[Any]:
    metrics = gcp.metrics(IDLE, clusters[0], values)
    inst = instance or bigtable_instance("events")
    return gcp.run(IDLE, bigtable_instances=[inst], bigtable_clusters=clusters, metrics=metrics)


def test_idle_cluster_without_requests(gcp: Gcp, hit_ok: Any) -> None:
    cluster = bigtable_cluster("events", "events-c1", nodes=3)
    (hit,) = idle(gcp, [cluster], {REQUESTS: [0.0] * 14, CPU: [0.02] * 14, BYTES: [100 * GIB] * 14})
    hit_ok(hit)
    assert hit.confidence is Confidence.HIGH
    assert hit.cost.amount == pytest.approx(3 * NODE_MONTH + 100 * 0.17)
    assert hit.region == "us-central1-a"
    assert f"gcloud bigtable instances delete events --project={PROJECT}" in (hit.recommendation or "")


def test_idle_series_keyed_by_cluster_id(gcp: Gcp) -> None:
    keys = gcp.metrics(IDLE, bigtable_cluster("events", "events-c1"), {REQUESTS: [0.0] * 14, CPU: [0.0] * 14})
    assert {(k.namespace, k.dimension, k.value) for k in keys} == {
        ("bigtable_table", "cluster", "events-c1"),
        ("bigtable_cluster", "cluster", "events-c1"),
    }


def test_idle_busy_cpu_without_requests_is_medium(gcp: Gcp) -> None:
    (hit,) = idle(gcp, [bigtable_cluster("events", "c1")], {REQUESTS: [0.0] * 14, CPU: [0.2] * 14})
    assert hit.confidence is Confidence.MEDIUM
    assert hit.cost.detail and "stored data not reported" in hit.cost.detail
    assert hit.cost.amount == pytest.approx(3 * NODE_MONTH)


@pytest.mark.parametrize(("cpu", "flagged"), [(0.05, True), (0.0501, False)])
def test_idle_no_request_datapoints_while_cpu_reports(gcp: Gcp, cpu: float, flagged: bool) -> None:
    hits = idle(gcp, [bigtable_cluster("events", "c1")], {REQUESTS: None, CPU: [cpu] * 14})
    assert [h.evidence["scenario"] for h in hits] == (["no_requests_reported"] if flagged else [])


def test_idle_in_use_or_unknown(gcp: Gcp) -> None:
    assert (
        idle(gcp, [bigtable_cluster("events", "c1")], {REQUESTS: [0.0] * 13 + [7.0], CPU: [0.01] * 14}) == []
    )
    assert idle(gcp, [bigtable_cluster("events", "c1")], {REQUESTS: None, CPU: None}) == []
    assert idle(gcp, [bigtable_cluster("events", "c1")], {REQUESTS: [0.0] * 6, CPU: [0.01] * 6}) == []


def test_idle_replica_cluster_is_the_one_to_delete(gcp: Gcp) -> None:
    replica, primary = bigtable_cluster("events", "c2", zone="us-east1-b"), bigtable_cluster("events", "c1")
    (hit,) = idle(gcp, [replica, primary], {REQUESTS: [0.0] * 14, CPU: [0.01] * 14})
    assert hit.resource.name == "c2"
    assert "gcloud bigtable clusters delete c2 --instance=events" in (hit.recommendation or "")


# --- overprovisioned ----------------------------------------------------------------------------------


def over(gcp: Gcp, clusters: list[dict[str, Any]], cpu: float | None, util: float | None = 0.1) -> list[Any]:
    values: dict[str, Any] = {
        CPU: None if cpu is None else [cpu] * 14,
        UTIL: None if util is None else [util] * 14,
    }
    metrics = gcp.metrics(OVER, clusters[0], values)
    return gcp.run(
        OVER, bigtable_instances=[bigtable_instance("events")], bigtable_clusters=clusters, metrics=metrics
    )


def test_overprovisioned_single_cluster_sized_for_70_percent(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = over(gcp, [bigtable_cluster("events", "c1", nodes=6)], 0.2)
    hit_ok(hit)
    assert hit.evidence["proposed_nodes"] == 2  # ceil(6 x 20 / 70)
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.amount == pytest.approx(4 * NODE_MONTH)
    assert hit.confidence is Confidence.MEDIUM
    assert "--num-nodes=2" in (hit.recommendation or "")


def test_overprovisioned_storage_keeps_nodes(gcp: Gcp) -> None:
    (hit,) = over(gcp, [bigtable_cluster("events", "c1", nodes=6)], 0.2, util=0.5)
    assert hit.evidence["proposed_nodes"] == 5  # ceil(6 x 50 / 70)
    assert over(gcp, [bigtable_cluster("events", "c1", nodes=6)], 0.2, util=0.7) == []


def test_overprovisioned_replicated_instance_sized_for_35_percent(gcp: Gcp) -> None:
    clusters = [
        bigtable_cluster("events", "c1", nodes=6),
        bigtable_cluster("events", "c2", zone="us-east1-b"),
    ]
    (hit,) = over(gcp, clusters, 0.2)
    assert hit.evidence["proposed_nodes"] == 4  # ceil(6 x 20 / 35)


@pytest.mark.parametrize(
    ("cpu", "util", "expected"),
    [
        (0.2, 0.1, Confidence.MEDIUM),
        (0.2001, 0.1, Confidence.LOW),
        (0.3, 0.1, Confidence.LOW),
        (0.3001, 0.1, None),
    ],
)
def test_overprovisioned_bands(gcp: Gcp, cpu: float, util: float, expected: Confidence | None) -> None:
    hits = over(gcp, [bigtable_cluster("events", "c1", nodes=10)], cpu, util)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_overprovisioned_without_storage_data_is_low(gcp: Gcp) -> None:
    (hit,) = over(gcp, [bigtable_cluster("events", "c1", nodes=6)], 0.1, util=None)
    assert hit.confidence is Confidence.LOW


def test_overprovisioned_traps(gcp: Gcp) -> None:
    auto = bigtable_cluster("events", "c1", nodes=6, autoscaling={"autoscalingLimits": {"minServeNodes": 2}})
    assert over(gcp, [auto], 0.05) == []
    assert over(gcp, [bigtable_cluster("events", "c1", nodes=1)], 0.01) == []
    assert over(gcp, [bigtable_cluster("events", "c1", nodes=6)], None) == []


# --- non-production --------------------------------------------------------------------------------------


def test_nonprod_multicluster_instance(gcp: Gcp, hit_ok: Any) -> None:
    inst = bigtable_instance("events-dev", labels={"env": "dev"})
    clusters = [
        bigtable_cluster("events-dev", "c1", nodes=3),
        bigtable_cluster("events-dev", "c2", zone="us-east1-b", nodes=3),
    ]
    (hit,) = gcp.run(NONPROD, bigtable_instances=[inst], bigtable_clusters=clusters)
    hit_ok(hit)
    assert hit.evidence["scenario"] == "unnecessary_multicluster"
    assert hit.cost.amount == pytest.approx(5 * NODE_MONTH)
    assert "clusters delete c2" in (hit.recommendation or "")
    assert "--num-nodes=1" in (hit.recommendation or "")


def test_nonprod_single_cluster_with_several_nodes(gcp: Gcp) -> None:
    inst = bigtable_instance("events-test", labels={"environment": "test"})
    (hit,) = gcp.run(
        NONPROD, bigtable_instances=[inst], bigtable_clusters=[bigtable_cluster("events-test", "c1")]
    )
    assert hit.evidence["scenario"] == "devtest_overprovisioned"
    assert hit.cost.amount == pytest.approx(2 * NODE_MONTH)


@pytest.mark.parametrize(
    ("inst", "nodes"),
    [
        (bigtable_instance("e", labels={"env": "dev"}), 1),
        (bigtable_instance("e", labels={"env": "prod"}), 3),
        (bigtable_instance("e"), 3),
        (bigtable_instance("e", labels={"env": "dev"}, instance_type="DEVELOPMENT"), 3),
    ],
)
def test_nonprod_traps(gcp: Gcp, inst: dict[str, Any], nodes: int) -> None:
    clusters = [bigtable_cluster("e", "c1", nodes=nodes)]
    assert gcp.run(NONPROD, bigtable_instances=[inst], bigtable_clusters=clusters) == []
