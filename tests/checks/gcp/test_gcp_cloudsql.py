"""Cloud SQL checks: idle, overprovisioned, stopped, non-production HA, oversized storage."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import GIB, PROJECT, Gcp, sql_instance

from cloudwaste.checks.context import MetricKey, MetricSeries
from cloudwaste.model import Confidence, CostKind

IDLE = "gcp.sql.idle_instance"
OVER = "gcp.sql.overprovisioned_instance"
STOPPED = "gcp.sql.stopped_instance"
HA = "gcp.sql.nonprod_high_availability"
STORAGE = "gcp.sql.storage_overprovisioned"
CONN = "cloudsql.googleapis.com/database/network/connections"
CPU = "cloudsql.googleapis.com/database/cpu/utilization"
MEM = "cloudsql.googleapis.com/database/memory/utilization"
USED = "cloudsql.googleapis.com/database/disk/bytes_used"
# db-custom-4-16384 zonal: 4 x 0.0413 x 730 + 16 x 0.007 x 730; 100 GB SSD x 0.17
COMPUTE = 120.6 + 81.76
RUNNING = COMPUTE + 17.0


def idle(gcp: Gcp, inst: dict[str, Any], peaks: list[float] | None, **params: Any) -> list[Any]:
    metrics = gcp.metrics(IDLE, inst, {CONN: peaks}, params=params)
    return gcp.run(IDLE, sql_instances=[inst], metrics=metrics, params=params)


# --- idle ---------------------------------------------------------------------------------------------


def test_idle_instance_with_no_connection_for_30_days(gcp: Gcp, hit_ok: Any) -> None:
    inst = sql_instance("orders-db")
    (hit,) = idle(gcp, inst, [0.0] * 30)
    hit_ok(hit)
    assert hit.confidence is Confidence.HIGH
    assert hit.evidence["scenario"] == "idle"
    assert hit.cost.kind is CostKind.COST
    assert hit.cost.amount == pytest.approx(RUNNING, abs=0.02)
    assert hit.resource.id == f"projects/{PROJECT}/instances/orders-db"
    assert hit.region == "us-central1"
    assert "no connection in the last 30 days" in hit.reason


def test_idle_recommendation_names_the_instance_and_project(gcp: Gcp) -> None:
    (hit,) = idle(gcp, sql_instance("orders-db"), [0.0] * 30)
    assert f"gcloud sql instances patch orders-db --project={PROJECT} --activation-policy=NEVER" in (
        hit.recommendation or ""
    )
    assert f"gcloud sql instances delete orders-db --project={PROJECT}" in (hit.recommendation or "")


def test_external_source_representation_is_never_flagged(gcp: Gcp) -> None:
    ext = sql_instance("onprem", instance_type="ON_PREMISES_INSTANCE", activation="NEVER", updated=100)
    assert idle(gcp, ext, [0.0] * 30) == []
    assert gcp.run(STOPPED, sql_instances=[ext]) == []


def test_idle_series_is_keyed_by_project_colon_instance(gcp: Gcp) -> None:
    inst = sql_instance("orders-db")
    metrics = gcp.metrics(IDLE, inst, {CONN: [0.0] * 30})
    (key,) = metrics
    assert key.value == f"{PROJECT}:orders-db"
    assert (key.namespace, key.dimension, key.stat) == ("cloudsql_database", "database_id", "Maximum")


def test_idle_without_metric_id_is_unknown(gcp: Gcp) -> None:
    inst = sql_instance("orders-db")
    metrics = gcp.metrics(IDLE, inst, {CONN: [0.0] * 30})
    del inst["_metric_id"]
    assert gcp.run(IDLE, sql_instances=[inst], metrics=metrics) == []


def test_idle_missing_data_is_unknown_not_idle(gcp: Gcp) -> None:
    assert idle(gcp, sql_instance("orders-db"), None) == []


@pytest.mark.parametrize(
    ("days", "expected"), [(6, None), (7, Confidence.MEDIUM), (13, Confidence.MEDIUM), (14, Confidence.HIGH)]
)
def test_idle_days_of_data_boundaries(gcp: Gcp, days: int, expected: Confidence | None) -> None:
    hits = idle(gcp, sql_instance("orders-db"), [0.0] * days)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


@pytest.mark.parametrize(("peak", "scenario"), [(1.0, "near_idle"), (2.0, "near_idle"), (3.0, None)])
def test_idle_review_band(gcp: Gcp, peak: float, scenario: str | None) -> None:
    hits = idle(gcp, sql_instance("orders-db"), [0.0] * 29 + [peak])
    assert [h.evidence["scenario"] for h in hits] == ([scenario] if scenario else [])
    assert all(h.confidence is Confidence.LOW for h in hits)


@pytest.mark.parametrize(("age", "flagged"), [(13.9, False), (14.1, True)])
def test_idle_min_age_boundary(gcp: Gcp, age: float, flagged: bool) -> None:
    assert bool(idle(gcp, sql_instance("orders-db", created=age), [0.0] * 14)) is flagged


def test_idle_skips_stopped_and_suspended_instances(gcp: Gcp) -> None:
    assert idle(gcp, sql_instance("a", activation="NEVER"), [0.0] * 30) == []
    assert idle(gcp, sql_instance("b", state="SUSPENDED"), [0.0] * 30) == []


def test_idle_primary_whose_replica_serves_clients_is_in_use(gcp: Gcp) -> None:
    primary = sql_instance("main", replicas=["main-replica"])
    replica = sql_instance("main-replica", instance_type="READ_REPLICA_INSTANCE", master="main")
    metrics = gcp.metrics(IDLE, primary, {CONN: [0.0] * 30})
    gcp.metrics(IDLE, replica, {CONN: [5.0] * 30}, into=metrics)
    assert gcp.run(IDLE, sql_instances=[primary, replica], metrics=metrics) == []


def test_idle_primary_whose_replica_has_no_data_gets_low_confidence(gcp: Gcp) -> None:
    primary = sql_instance("main", replicas=["main-replica"])
    replica = sql_instance("main-replica", instance_type="READ_REPLICA_INSTANCE", master="main")
    metrics = gcp.metrics(IDLE, primary, {CONN: [0.0] * 30})
    (hit,) = gcp.run(IDLE, sql_instances=[primary, replica], metrics=metrics)
    assert hit.confidence is Confidence.LOW
    assert hit.resource.name == "main"


def test_idle_read_replica_is_the_unused_replica_variant(gcp: Gcp) -> None:
    replica = sql_instance("r1", instance_type="READ_REPLICA_INSTANCE", master="main", public_ip=False)
    (hit,) = idle(gcp, replica, [0.0] * 30)
    assert hit.evidence["scenario"] == "unused_replica"
    assert hit.confidence is Confidence.HIGH
    assert "read replica r1" in hit.reason


def test_idle_failover_replica_gets_low_confidence(gcp: Gcp) -> None:
    replica = sql_instance("dr1", instance_type="READ_REPLICA_INSTANCE", master="main")
    replica["replicaConfiguration"]["failoverTarget"] = True
    (hit,) = idle(gcp, replica, [0.0] * 30)
    assert hit.confidence is Confidence.LOW


def test_idle_sql_server_cost_is_unknown_never_zero(gcp: Gcp) -> None:
    (hit,) = idle(gcp, sql_instance("mssql", version="SQLSERVER_2019_STANDARD"), [0.0] * 30)
    assert hit.cost.amount is None
    assert "licence" in (hit.cost.detail or "")


def test_idle_enterprise_plus_cost_is_unknown_until_refreshed(gcp: Gcp) -> None:
    inst = sql_instance("plus", tier="db-perf-optimized-N-8", edition="ENTERPRISE_PLUS")
    (hit,) = idle(gcp, inst, [0.0] * 30)
    assert hit.cost.amount is None


# --- overprovisioned ----------------------------------------------------------------------------------


def over(gcp: Gcp, inst: dict[str, Any], cpu: float | None, mem: float | None = 0.5) -> list[Any]:
    values: dict[str, Any] = {
        CPU: None if cpu is None else [cpu] * 30,
        MEM: None if mem is None else [mem] * 30,
    }
    metrics = gcp.metrics(OVER, inst, values)
    return gcp.run(OVER, sql_instances=[inst], metrics=metrics)


def test_overprovisioned_proposes_half_the_vcpus(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = over(gcp, sql_instance("big"), 0.2)
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["proposed_tier"] == "db-custom-2-8192"
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.amount == pytest.approx(COMPUTE - (60.3 + 40.88), abs=0.02)
    assert "--tier=db-custom-2-8192" in (hit.recommendation or "")


@pytest.mark.parametrize(
    ("cpu", "expected"),
    [(0.25, Confidence.MEDIUM), (0.2501, Confidence.LOW), (0.5, Confidence.LOW), (0.5001, None)],
)
def test_overprovisioned_cpu_bands(gcp: Gcp, cpu: float, expected: Confidence | None) -> None:
    hits = over(gcp, sql_instance("big"), cpu)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_overprovisioned_memory_pressure_keeps_confidence_low(gcp: Gcp) -> None:
    (hit,) = over(gcp, sql_instance("big"), 0.1, mem=0.85)
    assert hit.confidence is Confidence.LOW
    (hit,) = over(gcp, sql_instance("big"), 0.1, mem=None)
    assert hit.confidence is Confidence.LOW


def test_overprovisioned_without_cpu_data_is_unknown(gcp: Gcp) -> None:
    assert over(gcp, sql_instance("big"), None) == []


def test_overprovisioned_skips_shared_core_and_single_vcpu(gcp: Gcp) -> None:
    assert over(gcp, sql_instance("tiny", tier="db-f1-micro"), 0.01) == []
    assert over(gcp, sql_instance("one", tier="db-custom-1-3840"), 0.01) == []


def test_overprovisioned_rounds_to_an_even_vcpu_count(gcp: Gcp) -> None:
    (hit,) = over(gcp, sql_instance("six", tier="db-custom-6-24576"), 0.1)
    assert hit.evidence["proposed_tier"] == "db-custom-4-16384"


def test_overprovisioned_n1_tier_and_ha_doubles_the_saving(gcp: Gcp) -> None:
    (zonal,) = over(gcp, sql_instance("n1", tier="db-n1-standard-8"), 0.1)
    (regional,) = over(gcp, sql_instance("n1", tier="db-n1-standard-8", availability="REGIONAL"), 0.1)
    assert zonal.evidence["proposed_tier"] == "db-custom-4-15360"
    assert zonal.cost.amount is not None and regional.cost.amount is not None
    assert regional.cost.amount == pytest.approx(2 * zonal.cost.amount, abs=0.05)


# --- stopped ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("updated", "expected"),
    [(6.9, None), (7.1, Confidence.MEDIUM), (29.9, Confidence.MEDIUM), (30.1, Confidence.HIGH)],
)
def test_stopped_boundaries_dated_by_asset_update_time(
    gcp: Gcp, updated: float, expected: Confidence | None
) -> None:
    hits = gcp.run(STOPPED, sql_instances=[sql_instance("old", activation="NEVER", updated=updated)])
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_stopped_costs_storage_and_idle_ip(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = gcp.run(STOPPED, sql_instances=[sql_instance("old", activation="NEVER", updated=40)])
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(17.0 + 7.3)
    assert hit.evidence["dated_by"].startswith("_update_time")
    assert hit.evidence["compute_monthly_if_started"] == pytest.approx(COMPUTE, abs=0.02)
    assert "at least 40 days" in hit.reason


def test_stopped_without_public_ip_and_with_ha(gcp: Gcp) -> None:
    inst = sql_instance("old", activation="NEVER", updated=40, public_ip=False, availability="REGIONAL")
    (hit,) = gcp.run(STOPPED, sql_instances=[inst])
    assert hit.cost.amount == pytest.approx(34.0)


def test_stopped_without_update_time_is_low_confidence_when_old(gcp: Gcp) -> None:
    (hit,) = gcp.run(
        STOPPED, sql_instances=[sql_instance("old", activation="NEVER", updated=None, created=400)]
    )
    assert hit.confidence is Confidence.LOW
    assert hit.evidence["dated_by"] == "unknown"
    assert (
        gcp.run(STOPPED, sql_instances=[sql_instance("new", activation="NEVER", updated=None, created=20)])
        == []
    )


def test_stopped_ignores_running_instances(gcp: Gcp) -> None:
    assert gcp.run(STOPPED, sql_instances=[sql_instance("live", updated=100)]) == []


# --- non-production HA ----------------------------------------------------------------------------------


def test_nonprod_ha_saving_is_the_standby_half(gcp: Gcp, hit_ok: Any) -> None:
    inst = sql_instance("stg", availability="REGIONAL", labels={"env": "staging"})
    (hit,) = gcp.run(HA, sql_instances=[inst])
    hit_ok(hit)
    assert hit.cost.kind is CostKind.SAVING
    # REGIONAL: 4 x 0.0826 x 730 + 16 x 0.014 x 730 + 100 x 0.34; ZONAL: RUNNING
    assert hit.cost.amount == pytest.approx(241.2 + 163.52 + 34.0 - RUNNING, abs=0.05)
    assert "env=staging" in hit.reason


def test_nonprod_ha_stopped_instance_saves_only_storage(gcp: Gcp) -> None:
    inst = sql_instance("stg", availability="REGIONAL", activation="NEVER", labels={"environment": "dev"})
    (hit,) = gcp.run(HA, sql_instances=[inst])
    assert hit.cost.amount == pytest.approx(17.0)


@pytest.mark.parametrize(
    "inst",
    [
        sql_instance("prod", availability="REGIONAL", labels={"env": "prod"}),
        sql_instance("unlabelled-dev", availability="REGIONAL"),
        sql_instance("zonal", labels={"env": "dev"}),
        sql_instance(
            "rep", availability="REGIONAL", labels={"env": "dev"}, instance_type="READ_REPLICA_INSTANCE"
        ),
        sql_instance("young", availability="REGIONAL", labels={"env": "dev"}, created=3),
    ],
)
def test_nonprod_ha_traps(gcp: Gcp, inst: dict[str, Any]) -> None:
    assert gcp.run(HA, sql_instances=[inst]) == []


# --- storage ------------------------------------------------------------------------------------------


def storage(gcp: Gcp, inst: dict[str, Any], used_gib: float | None) -> list[Any]:
    values: dict[str, Any] = {USED: None if used_gib is None else [used_gib * GIB] * 30}
    metrics: dict[MetricKey, MetricSeries] = gcp.metrics(STORAGE, inst, values)
    return gcp.run(STORAGE, sql_instances=[inst], metrics=metrics)


def test_storage_far_above_use(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = storage(gcp, sql_instance("db", disk_gb=1000), 100)
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["right_size_gb"] == 130
    assert hit.cost.amount == pytest.approx((1000 - 130) * 0.17)
    assert "only a new instance" in hit.reason


@pytest.mark.parametrize(
    ("used", "expected"),
    [(100.0, Confidence.MEDIUM), (101.0, Confidence.LOW), (200.0, Confidence.LOW), (201.0, None)],
)
def test_storage_free_share_boundaries(gcp: Gcp, used: float, expected: Confidence | None) -> None:
    hits = storage(gcp, sql_instance("db", disk_gb=1000), used)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_storage_small_saving_and_missing_data_are_skipped(gcp: Gcp) -> None:
    assert storage(gcp, sql_instance("db", disk_gb=20), 1) == []  # 10 GB right size saves $1.70
    assert storage(gcp, sql_instance("db", disk_gb=1000), None) == []


def test_storage_hdd_ha_rate(gcp: Gcp) -> None:
    (hit,) = storage(gcp, sql_instance("db", disk_gb=1000, disk_type="PD_HDD", availability="REGIONAL"), 50)
    assert hit.cost.amount == pytest.approx((1000 - 65) * 0.18)
