"""Dataproc checks: idle RUNNING clusters, clusters without scheduled deletion, long-stopped clusters."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import REGION, Gcp, dataproc_cluster

from cloudwaste.model import Confidence, CostBasis, CostKind

IDLE = "gcp.dataproc.idle_cluster"
POLICY = "gcp.dataproc.no_scheduled_delete"
STOPPED = "gcp.dataproc.stopped_cluster"
YARN = "dataproc.googleapis.com/cluster/yarn/allocated_memory_percentage"
JOBS = "dataproc.googleapis.com/cluster/job/submitted_count"
N1_STANDARD_4 = round(4 * 0.031611 * 730, 2) + round(15 * 0.004237 * 730, 2)
PREMIUM_PER_VCPU = 0.01 * 730
CLUSTER = 3 * N1_STANDARD_4 + 12 * PREMIUM_PER_VCPU  # a master and two workers, 4 vCPUs each


def idle(
    gcp: Gcp,
    cluster: dict[str, Any],
    yarn: list[float] | None,
    jobs: list[float] | None = None,
    **params: Any,
) -> list[Any]:
    metrics = gcp.metrics(IDLE, cluster, {YARN: yarn, JOBS: jobs}, params=params)
    return gcp.run(IDLE, dataproc_clusters=[cluster], metrics=metrics, params=params)


# --- idle cluster -----------------------------------------------------------------------------------


def test_idle_cluster_costs_its_vms_and_the_dataproc_premium(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = idle(gcp, dataproc_cluster("etl", since=60), [0.0] * 14)
    hit_ok(hit)
    assert hit.confidence is Confidence.HIGH
    assert hit.cost.kind is CostKind.COST and hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.cost.amount == pytest.approx(CLUSTER, abs=0.02)
    assert "Dataproc premium" in hit.cost.detail
    assert hit.evidence["vcpus"] == 12.0
    assert hit.region == REGION
    assert hit.resource.name == "etl" and hit.resource.id.endswith(f"regions/{REGION}/clusters/etl")
    assert hit.recommendation == f"gcloud dataproc clusters delete etl --region={REGION}"


def test_idle_series_are_keyed_by_cluster_uuid(gcp: Gcp) -> None:
    cluster = dataproc_cluster("etl")
    keys = gcp.metrics(IDLE, cluster, {YARN: [0.0], JOBS: [0.0]})
    assert {(k.namespace, k.dimension, k.value) for k in keys} == {
        ("cloud_dataproc_cluster", "cluster_uuid", cluster["clusterUuid"])
    }


def test_running_less_than_30_days_is_medium(gcp: Gcp) -> None:
    (hit,) = idle(gcp, dataproc_cluster("etl", since=20), [0.0] * 14)
    assert hit.confidence is Confidence.MEDIUM


@pytest.mark.parametrize(("peak", "flagged"), [(1.0, True), (1.01, False)])
def test_yarn_memory_threshold(gcp: Gcp, peak: float, flagged: bool) -> None:
    assert bool(idle(gcp, dataproc_cluster("etl"), [0.0] * 13 + [peak], max_yarn_memory=1.0)) is flagged


def test_any_yarn_memory_or_any_submitted_job_is_not_idle(gcp: Gcp) -> None:
    assert idle(gcp, dataproc_cluster("etl"), [0.0] * 13 + [0.2]) == []
    assert idle(gcp, dataproc_cluster("etl"), [0.0] * 14, jobs=[0.0] * 13 + [1.0]) == []
    assert idle(gcp, dataproc_cluster("etl"), [0.0] * 14, jobs=[0.0] * 14)  # zero-valued job counts


@pytest.mark.parametrize(("days", "flagged"), [(6, False), (7, True)])
def test_idle_needs_seven_days_of_yarn_data(gcp: Gcp, days: int, flagged: bool) -> None:
    assert bool(idle(gcp, dataproc_cluster("etl"), [0.0] * days)) is flagged


def test_no_yarn_data_is_unknown_not_idle(gcp: Gcp) -> None:
    assert idle(gcp, dataproc_cluster("etl"), None) == []


@pytest.mark.parametrize(("since", "flagged"), [(13.9, False), (14, True)])
def test_cluster_must_have_run_for_the_whole_window(gcp: Gcp, since: float, flagged: bool) -> None:
    assert bool(idle(gcp, dataproc_cluster("etl", since=since), [0.0] * 14)) is flagged


def test_trap_components_serving_outside_yarn_lower_the_confidence(gcp: Gcp) -> None:
    (hit,) = idle(gcp, dataproc_cluster("query", components=["TRINO", "JUPYTER"]), [0.0] * 14)
    assert hit.confidence is Confidence.LOW
    assert hit.evidence["non_yarn_components"] == ["TRINO"]


def test_trap_dataproc_on_gke_has_no_vms_of_its_own(gcp: Gcp) -> None:
    cluster = dataproc_cluster("virtual", virtualClusterConfig={"kubernetesClusterConfig": {}})
    cluster["config"] = {}
    assert idle(gcp, cluster, [0.0] * 14) == []


def test_preemptible_secondary_workers_make_the_cost_a_lower_bound(gcp: Gcp) -> None:
    (hit,) = idle(gcp, dataproc_cluster("etl", secondary=4), [0.0] * 14)
    assert hit.cost.amount == pytest.approx(CLUSTER, abs=0.02)
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert "4 preemptible/Spot secondary worker" in hit.cost.detail


def test_non_preemptible_secondary_workers_are_priced(gcp: Gcp) -> None:
    cluster = dataproc_cluster("etl", secondary=2, secondary_preemptibility="NON_PREEMPTIBLE")
    (hit,) = idle(gcp, cluster, [0.0] * 14)
    assert hit.cost.amount == pytest.approx(CLUSTER + 2 * N1_STANDARD_4 + 8 * PREMIUM_PER_VCPU, abs=0.03)


# --- no scheduled deletion --------------------------------------------------------------------------


def test_cluster_without_ttl_is_a_policy_finding(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = gcp.run(POLICY, dataproc_clusters=[dataproc_cluster("adhoc", since=30)])
    hit_ok(hit)
    assert hit.confidence is Confidence.LOW
    assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING
    assert hit.evidence["cluster_monthly"] == pytest.approx(CLUSTER, abs=0.02)
    assert hit.recommendation == f"gcloud dataproc clusters update adhoc --region={REGION} --max-idle=3600s"


@pytest.mark.parametrize(
    "lifecycle",
    [{"idleDeleteTtl": "7200s"}, {"autoDeleteTime": "2026-12-24T00:00:00Z"}, {"autoDeleteTtl": "86400s"}],
)
def test_any_scheduled_deletion_satisfies_the_policy(gcp: Gcp, lifecycle: dict[str, Any]) -> None:
    assert gcp.run(POLICY, dataproc_clusters=[dataproc_cluster("adhoc", lifecycle=lifecycle)]) == []


def test_trap_workflow_template_clusters_are_deleted_by_their_workflow(gcp: Gcp) -> None:
    cluster = dataproc_cluster("wf-123", labels={"goog-dataproc-workflow-template-id": "daily"})
    assert gcp.run(POLICY, dataproc_clusters=[cluster]) == []


@pytest.mark.parametrize(("created", "flagged"), [(6.9, False), (7, True)])
def test_policy_age_comes_from_the_status_history(gcp: Gcp, created: float, flagged: bool) -> None:
    cluster = dataproc_cluster("adhoc", since=1, created=created)  # updated yesterday, created earlier
    assert bool(gcp.run(POLICY, dataproc_clusters=[cluster])) is flagged


def test_stopped_cluster_is_not_a_policy_finding(gcp: Gcp) -> None:
    assert gcp.run(POLICY, dataproc_clusters=[dataproc_cluster("old", state="STOPPED")]) == []


# --- stopped cluster --------------------------------------------------------------------------------


def stopped_estate(gcp: Gcp, name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The TERMINATED VMs of a stopped cluster and their boot disks (500 GB pd-standard each)."""
    disks, vms = [], []
    for vm_name in (f"{name}-m", f"{name}-w-0", f"{name}-w-1"):
        disk = gcp.disk(vm_name, size_gb=500, dtype="pd-standard", users=[vm_name])
        disks.append(disk)
        vms.append(
            gcp.instance(vm_name, status="TERMINATED", machine_type="n1-standard-4", disks=[disk], stopped=50)
        )
    return vms, disks


def test_stopped_cluster_pays_for_its_disks(gcp: Gcp, hit_ok: Any) -> None:
    cluster = dataproc_cluster("etl", state="STOPPED", since=45)
    vms, disks = stopped_estate(gcp, "etl")
    (hit,) = gcp.run(STOPPED, dataproc_clusters=[cluster], instances=vms, disks=disks)
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(3 * 500 * 0.04)
    assert hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert len(hit.cost_includes) == 3 and all(
        i.endswith(("etl-m", "etl-w-0", "etl-w-1")) for i in hit.cost_includes
    )
    assert hit.confidence is Confidence.MEDIUM
    assert "3 node(s)" in hit.reason


def test_stopped_cluster_without_listed_vms_estimates_from_its_config(gcp: Gcp) -> None:
    (hit,) = gcp.run(STOPPED, dataproc_clusters=[dataproc_cluster("etl", state="STOPPED", since=100)])
    assert hit.cost.amount == pytest.approx(3 * 500 * 0.04)
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert hit.cost_includes == ()
    assert hit.confidence is Confidence.HIGH


@pytest.mark.parametrize(("since", "flagged"), [(29.9, False), (30, True)])
def test_stopped_cluster_age_boundary(gcp: Gcp, since: float, flagged: bool) -> None:
    assert (
        bool(gcp.run(STOPPED, dataproc_clusters=[dataproc_cluster("etl", state="STOPPED", since=since)]))
        is flagged
    )


def test_trap_secondary_workers_are_gone_when_a_cluster_stops(gcp: Gcp) -> None:
    cluster = dataproc_cluster("etl", state="STOPPED", since=45, secondary=10)
    (hit,) = gcp.run(STOPPED, dataproc_clusters=[cluster])
    assert hit.cost.amount == pytest.approx(3 * 500 * 0.04)


def test_running_cluster_is_not_stopped(gcp: Gcp) -> None:
    assert gcp.run(STOPPED, dataproc_clusters=[dataproc_cluster("etl", since=100)]) == []
