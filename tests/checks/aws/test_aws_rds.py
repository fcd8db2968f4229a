"""The RDS checks: stopped, idle, no backups, oversized, previous generation, x86, storage, Multi-AZ and
off-hours DB instances."""

from __future__ import annotations

import json

import pytest
from tests.checks.aws.conftest import db_instance, series_by_time

from cloudwaste.checks.registry import get_check
from cloudwaste.model import Confidence, CostBasis, CostKind

STOPPED = "aws.rds.stopped_instance"
IDLE = "aws.rds.idle_instance"
BACKUPS = "aws.rds.no_automated_backups"
OVERSIZED = "aws.rds.oversized_instance"
PREVIOUS = "aws.rds.previous_generation"
GRAVITON = "aws.rds.non_graviton"
STORAGE = "aws.rds.storage_overprovisioned"
MULTI_AZ = "aws.rds.multi_az_non_production"
OFF_HOURS = "aws.rds.off_hours_instance"
PG_M5_LARGE_MONTH = round(0.178 * 730, 2)  # 129.94
GIB = 1024**3


@pytest.fixture(autouse=True)
def _hits_are_storable(estate, monkeypatch):
    """Every hit of this module's runs: JSON evidence, a cost detail, a non-negative amount, a sentence."""
    run = estate.run

    def checked(*args, **kwargs):
        hits = run(*args, **kwargs)
        for hit in hits:
            json.dumps(hit.evidence)
            assert hit.cost.detail and (hit.cost.amount is None or hit.cost.amount >= 0)
            assert hit.reason[0].isupper() and hit.reason.endswith("."), hit.reason
            # the engine substitutes only <id> and <region> in a check's own recommendation
            assert "<arn>" not in (hit.recommendation or get_check(args[0]).recommendation)
        return hits

    monkeypatch.setattr(estate, "run", checked)


def rds(metric, stat, period, days, ident, value):
    from cloudwaste.checks.aws.rds import rds_query

    return series_by_time(
        rds_query(metric, stat, period, days), ident, value if callable(value) else lambda t: value
    )


def connections(ident, value, days=30):
    return rds("DatabaseConnections", "Maximum", 86400, days, ident, value)


def io(ident, reads, writes, days=30):
    return rds("ReadIOPS", "Maximum", 86400, days, ident, reads) | rds(
        "WriteIOPS", "Maximum", 86400, days, ident, writes
    )


def cpu(ident, value, days=14):
    return rds("CPUUtilization", "Maximum", 3600, days, ident, value)


def working(t, inside, outside):
    return inside if t.weekday() < 5 and 8 <= t.hour < 19 else outside


class TestStoppedInstance:
    def test_stopped_instance_costs_its_storage_and_says_it_will_restart(self, estate, hit_ok):
        db = db_instance("pg-1", status="stopped")
        [hit] = estate.run(STOPPED, rds__db_instances=[db])
        hit_ok(hit)
        assert hit.resource.arn == "arn:aws:rds:us-east-1:123456789012:db:pg-1"
        assert hit.cost.amount == round(100 * 0.115, 2) and hit.cost.kind is CostKind.COST
        assert hit.evidence["compute_monthly_after_auto_start"] == PG_M5_LARGE_MONTH
        assert "after 7 days" in hit.reason
        assert hit.evidence["scenario"] == "stopped"
        assert "--final-db-snapshot-identifier pg-1-final" in estate_spec_recommendation()

    def test_multi_az_storage_is_billed_twice(self, estate):
        [hit] = estate.run(STOPPED, rds__db_instances=[db_instance("pg-1", status="stopped", multi_az=True)])
        assert hit.cost.amount == round(2 * 100 * 0.115, 2)

    def test_provisioned_iops_are_part_of_the_storage(self, estate):
        db = db_instance("pg-1", status="stopped", storage_type="io1", iops=1000)
        [hit] = estate.run(STOPPED, rds__db_instances=[db])
        assert hit.cost.amount == round(100 * 0.125 + 1000 * 0.10, 2)

    def test_aurora_member_has_no_storage_of_its_own(self, estate):
        db = db_instance(
            "aur-1", engine="aurora-postgresql", db_class="db.r6g.large", status="stopped", cluster="aur"
        )
        [hit] = estate.run(STOPPED, rds__db_instances=[db])
        assert hit.cost.amount is None and "cluster volume" in (hit.cost.detail or "")
        assert "stop-db-cluster --db-cluster-identifier aur" in (hit.recommendation or "")

    def test_licensed_engine_is_priced_unknown(self, estate):
        db = db_instance("sql-1", engine="sqlserver-se", status="stopped")
        [hit] = estate.run(STOPPED, rds__db_instances=[db])
        assert hit.cost.amount is None

    def test_available_instances_and_the_age_boundary(self, estate):
        dbs = [
            db_instance("at", status="stopped", age=7),
            db_instance("below", status="stopped", age=6.9),
            db_instance("up", status="available"),
        ]
        assert [h.resource.id for h in estate.run(STOPPED, rds__db_instances=dbs)] == ["at"]


def estate_spec_recommendation():
    from cloudwaste.checks.registry import get_check

    return get_check(STOPPED).recommendation.replace("<id>", "pg-1")


class TestIdleInstance:
    def test_no_connection_in_the_window_is_idle_running(self, estate, hit_ok):
        db = db_instance("pg-1", age=100)
        [hit] = estate.run(IDLE, rds__db_instances=[db], metrics=connections("pg-1", 0))
        hit_ok(hit)
        assert hit.evidence["scenario"] == "idle_running" and hit.confidence is Confidence.HIGH
        assert hit.cost.amount == pytest.approx(PG_M5_LARGE_MONTH + 11.5)
        assert hit.evidence["metrics"]["DatabaseConnections"]["datapoints"] == 30
        assert "--final-db-snapshot-identifier pg-1-final" in (hit.recommendation or "")

    def test_never_connected_since_creation(self, estate):
        db = db_instance("pg-1", age=20)
        metrics = connections("pg-1", lambda t: 0 if t >= estate.ago(20) else None)
        [hit] = estate.run(IDLE, rds__db_instances=[db], metrics=metrics)
        assert hit.evidence["scenario"] == "never_connected" and hit.confidence is Confidence.HIGH

    def test_days_of_data_boundaries(self, estate):
        def run(days):
            db = db_instance("pg-1", age=days + 0.5)
            metrics = connections("pg-1", lambda t: 0 if t >= estate.ago(days) else None)
            return estate.run(IDLE, rds__db_instances=[db], metrics=metrics)

        assert run(6) == []
        assert [h.confidence for h in run(7)] == [Confidence.MEDIUM]
        assert [h.confidence for h in run(13)] == [Confidence.MEDIUM]
        assert [h.confidence for h in run(14)] == [Confidence.HIGH]

    def test_one_connection_means_in_use(self, estate):
        metrics = connections("pg-1", lambda t: 1 if t.day == 15 else 0)
        assert estate.run(IDLE, rds__db_instances=[db_instance("pg-1")], metrics=metrics) == []

    def test_missing_metric_is_unknown_not_idle(self, estate):
        assert estate.run(IDLE, rds__db_instances=[db_instance("pg-1")]) == []

    def test_connected_but_no_reads_and_background_writes_is_zero_io(self, estate):
        metrics = connections("pg-1", 3) | io("pg-1", 0, 0.5)
        [hit] = estate.run(IDLE, rds__db_instances=[db_instance("pg-1")], metrics=metrics)
        assert hit.evidence["scenario"] == "zero_io" and hit.confidence is Confidence.LOW

    @pytest.mark.parametrize(("writes", "flagged"), [(1.0, True), (1.1, False)])
    def test_write_floor_boundary(self, estate, writes, flagged):
        metrics = connections("pg-1", 3) | io("pg-1", 0, writes)
        assert bool(estate.run(IDLE, rds__db_instances=[db_instance("pg-1")], metrics=metrics)) is flagged

    def test_reads_mean_in_use(self, estate):
        metrics = connections("pg-1", 3) | io("pg-1", 0.2, 0)
        assert estate.run(IDLE, rds__db_instances=[db_instance("pg-1")], metrics=metrics) == []

    def test_cluster_member_is_idle_only_if_the_whole_cluster_is(self, estate):
        writer = db_instance("aur-w", engine="aurora-mysql", db_class="db.r6g.large", cluster="aur")
        reader = db_instance("aur-r", engine="aurora-mysql", db_class="db.r6g.large", cluster="aur")
        busy_reader = connections("aur-w", 0) | connections("aur-r", 12)
        assert estate.run(IDLE, rds__db_instances=[writer, reader], metrics=busy_reader) == []
        quiet = connections("aur-w", 0) | connections("aur-r", 0)
        hits = estate.run(IDLE, rds__db_instances=[writer, reader], metrics=quiet)
        assert sorted(h.resource.id for h in hits) == ["aur-r", "aur-w"]
        assert hits[0].cost.amount == round(0.26 * 730, 2)  # compute only: the volume is the cluster's
        assert "cluster aur" in (hits[0].cost.detail or "")

    def test_source_with_replicas_gets_low_confidence(self, estate):
        db = db_instance("pg-1", replicas=["pg-1-replica"])
        [hit] = estate.run(IDLE, rds__db_instances=[db], metrics=connections("pg-1", 0))
        assert hit.confidence is Confidence.LOW

    def test_stopped_instances_are_not_judged(self, estate):
        db = db_instance("pg-1", status="stopped")
        assert estate.run(IDLE, rds__db_instances=[db], metrics=connections("pg-1", 0)) == []


class TestNoAutomatedBackups:
    def test_instance_without_backups_is_a_risk_with_no_saving(self, estate, hit_ok):
        [hit] = estate.run(BACKUPS, rds__db_instances=[db_instance("pg-1", backup_retention=0)])
        hit_ok(hit)
        assert hit.cost.amount == 0.0 and hit.cost.kind is CostKind.SAVING
        assert "risk, not waste" in (hit.cost.detail or "")
        assert hit.evidence["scenario"] == "no_backups"

    def test_replicas_cluster_members_non_production_and_backed_up_instances_are_skipped(self, estate):
        dbs = [
            db_instance("replica", backup_retention=0, replica_source="pg-0"),
            db_instance(
                "aur", engine="aurora-mysql", db_class="db.r6g.large", backup_retention=0, cluster="c"
            ),
            db_instance("dev", backup_retention=0, tags={"Environment": "dev"}),
            db_instance("ok", backup_retention=7),
        ]
        assert estate.run(BACKUPS, rds__db_instances=dbs) == []


class TestOversizedInstance:
    def memory(self, ident, gib):
        return rds("FreeableMemory", "Minimum", 86400, 30, ident, gib * GIB)

    def test_quiet_xlarge_with_free_memory_is_offered_the_large(self, estate, hit_ok):
        db = db_instance("pg-1", db_class="db.m5.xlarge")
        [hit] = estate.run(
            OVERSIZED, rds__db_instances=[db], metrics=cpu("pg-1", 10.0) | self.memory("pg-1", 10)
        )
        hit_ok(hit)
        assert hit.evidence["target_db_instance_class"] == "db.m5.large"
        assert hit.cost.kind is CostKind.SAVING and hit.cost.amount == round((0.356 - 0.178) * 730, 2)
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["scenario"] == "over_provisioned"

    @pytest.mark.parametrize("free_gib", [None, 7.9])
    def test_unknown_or_tight_memory_lowers_confidence(self, estate, free_gib):
        db = db_instance("pg-1", db_class="db.m5.xlarge")
        metrics = cpu("pg-1", 10.0) | (self.memory("pg-1", free_gib) if free_gib else {})
        [hit] = estate.run(OVERSIZED, rds__db_instances=[db], metrics=metrics)
        assert hit.confidence is Confidence.LOW

    @pytest.mark.parametrize(
        ("peak", "expected"), [(20.0, Confidence.MEDIUM), (40.0, Confidence.LOW), (40.5, None)]
    )
    def test_cpu_bands(self, estate, peak, expected):
        db = db_instance("pg-1", db_class="db.m5.xlarge")
        metrics = cpu("pg-1", lambda t: peak if t.hour == 12 else 2.0) | self.memory("pg-1", 12)
        hits = estate.run(OVERSIZED, rds__db_instances=[db], metrics=metrics)
        assert [h.confidence for h in hits] == ([expected] if expected else [])

    def test_multi_az_saves_twice(self, estate):
        db = db_instance("pg-1", db_class="db.m5.xlarge", multi_az=True)
        [hit] = estate.run(OVERSIZED, rds__db_instances=[db], metrics=cpu("pg-1", 5.0))
        assert hit.cost.amount == round((0.356 - 0.178) * 730 * 2, 2)

    def test_burstable_and_smallest_classes_are_skipped(self, estate):
        dbs = [db_instance("t", db_class="db.t3.large"), db_instance("small", db_class="db.m5.large")]
        assert estate.run(OVERSIZED, rds__db_instances=dbs, metrics=cpu("t", 1) | cpu("small", 1)) == []


class TestPreviousGeneration:
    @pytest.mark.parametrize(
        ("engine", "db_class", "target", "saving"),
        [
            ("postgres", "db.m4.large", "db.m6g.large", (0.182 - 0.159) * 730),
            ("mysql", "db.r4.large", "db.r6g.large", (0.24 - 0.215) * 730),
            ("aurora-mysql", "db.r4.large", "db.r6g.large", (0.29 - 0.26) * 730),
        ],
    )
    def test_cheapest_current_class_is_offered(self, estate, engine, db_class, target, saving):
        [hit] = estate.run(
            PREVIOUS, rds__db_instances=[db_instance("db-1", engine=engine, db_class=db_class)]
        )
        assert hit.evidence["target_db_instance_class"] == target
        assert hit.cost.amount == round(saving, 2) and hit.cost.kind is CostKind.SAVING
        assert hit.confidence is Confidence.MEDIUM and hit.evidence["scenario"] == "old_generation"

    def test_licensed_engine_is_not_priced_so_not_reported(self, estate):
        assert (
            estate.run(
                PREVIOUS, rds__db_instances=[db_instance("o", engine="oracle-ee", db_class="db.m4.large")]
            )
            == []
        )

    def test_current_classes_are_not_previous_generation(self, estate):
        assert estate.run(PREVIOUS, rds__db_instances=[db_instance("pg", db_class="db.m5.large")]) == []


class TestNonGraviton:
    def test_x86_class_with_a_graviton_equivalent(self, estate, hit_ok):
        [hit] = estate.run(
            GRAVITON, rds__db_instances=[db_instance("my", engine="mysql", db_class="db.m5.large")]
        )
        hit_ok(hit)
        assert hit.evidence["target_db_instance_class"] == "db.m6g.large"
        assert hit.cost.amount == round((0.171 - 0.152) * 730, 2)
        assert hit.confidence is Confidence.MEDIUM

    def test_graviton_previous_generation_and_licensed_classes_are_skipped(self, estate):
        dbs = [
            db_instance("g", db_class="db.m6g.large"),
            db_instance("old", db_class="db.m4.large"),
            db_instance("sql", engine="sqlserver-ex", db_class="db.m5.large"),
        ]
        assert estate.run(GRAVITON, rds__db_instances=dbs) == []


class TestStorageOverprovisioned:
    def free(self, ident, gib):
        return rds("FreeStorageSpace", "Minimum", 86400, 30, ident, gib * GIB)

    def test_mostly_empty_allocation_is_offered_a_smaller_one(self, estate, hit_ok):
        db = db_instance("pg-1", storage=500, storage_type="gp2", age=100)
        [hit] = estate.run(STORAGE, rds__db_instances=[db], metrics=self.free("pg-1", 450))
        hit_ok(hit)
        assert hit.evidence["proposed_allocated_gb"] == 65  # 50 GiB used + 30 %
        assert hit.cost.kind is CostKind.SAVING and hit.cost.basis is CostBasis.ESTIMATE
        assert hit.cost.amount == pytest.approx((500 - 65) * 0.115, abs=0.01)
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["scenario"] == "storage_over_provisioned"

    @pytest.mark.parametrize(
        ("free", "expected"), [(400, Confidence.LOW), (399.5, None), (449.9, Confidence.LOW)]
    )
    def test_free_share_boundaries(self, estate, free, expected):
        db = db_instance("pg-1", storage=500, storage_type="gp2", age=100)
        hits = estate.run(STORAGE, rds__db_instances=[db], metrics=self.free("pg-1", free))
        assert [h.confidence for h in hits] == ([expected] if expected else [])

    def test_gp3_keeps_400_gib_and_io1_keeps_room_for_its_iops(self, estate):
        gp3 = db_instance("gp3", storage=500, storage_type="gp3", age=100)
        io1 = db_instance("io1", storage=500, storage_type="io1", iops=10000, age=100)
        hits = {
            h.resource.id: h
            for h in estate.run(
                STORAGE, rds__db_instances=[gp3, io1], metrics=self.free("gp3", 480) | self.free("io1", 480)
            )
        }
        assert hits["gp3"].evidence["proposed_allocated_gb"] == 400
        assert hits["io1"].evidence["proposed_allocated_gb"] == 200

    def test_small_cluster_and_unmeasured_instances_are_skipped(self, estate):
        dbs = [
            db_instance("small", storage=99, age=100),
            db_instance("aur", engine="aurora-postgresql", db_class="db.r6g.large", cluster="c", age=100),
            db_instance("nodata", storage=500, age=100),
        ]
        metrics = self.free("small", 98) | self.free("aur", 1000)
        assert estate.run(STORAGE, rds__db_instances=dbs, metrics=metrics) == []


class TestMultiAzNonProduction:
    def test_tagged_non_production_multi_az_saves_the_standby(self, estate, hit_ok):
        db = db_instance("pg-1", multi_az=True, tags={"Environment": "staging"})
        [hit] = estate.run(MULTI_AZ, rds__db_instances=[db])
        hit_ok(hit)
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == pytest.approx(PG_M5_LARGE_MONTH + 11.5)
        assert hit.confidence is Confidence.MEDIUM and hit.evidence["scenario"] == "multi_az_waste"

    def test_name_only_gives_low_confidence(self, estate):
        [hit] = estate.run(MULTI_AZ, rds__db_instances=[db_instance("dev-orders", multi_az=True)])
        assert hit.confidence is Confidence.LOW

    def test_production_single_az_and_cluster_members_are_skipped(self, estate):
        dbs = [
            db_instance("orders", multi_az=True),
            db_instance("dev-single", tags={"env": "dev"}),
            db_instance(
                "dev-aur", engine="aurora-mysql", db_class="db.r6g.large", cluster="c", multi_az=True
            ),
        ]
        assert estate.run(MULTI_AZ, rds__db_instances=dbs) == []


class TestOffHoursInstance:
    def test_dev_database_idle_at_night_can_be_stopped(self, estate, hit_ok):
        db = db_instance("pg-1", tags={"Environment": "dev"})
        [hit] = estate.run(
            OFF_HOURS, rds__db_instances=[db], metrics=cpu("pg-1", lambda t: working(t, 30, 2))
        )
        hit_ok(hit)
        share = 1 - 55 / 168
        assert hit.confidence is Confidence.HIGH and hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == pytest.approx(round(PG_M5_LARGE_MONTH * share, 2), abs=0.01)
        assert "storage stays billed" in (hit.cost.detail or "")
        assert hit.evidence["scenario"] == "dev_test_24_7"

    def test_named_non_production_gets_medium_and_multi_az_doubles_compute(self, estate):
        db = db_instance("test-orders", multi_az=True)
        [hit] = estate.run(OFF_HOURS, rds__db_instances=[db], metrics=cpu("test-orders", 1))
        assert hit.confidence is Confidence.MEDIUM
        assert hit.cost.amount == pytest.approx(round(2 * PG_M5_LARGE_MONTH * (1 - 55 / 168), 2), abs=0.01)

    @pytest.mark.parametrize(("outside", "flagged"), [(10.0, True), (10.5, False)])
    def test_idle_off_hours_boundary(self, estate, outside, flagged):
        db = db_instance("pg-1", tags={"Environment": "dev"})
        metrics = cpu("pg-1", lambda t: working(t, 30, outside))
        assert bool(estate.run(OFF_HOURS, rds__db_instances=[db], metrics=metrics)) is flagged

    def test_no_night_datapoints_means_it_may_already_stop_at_night(self, estate):
        db = db_instance("pg-1", tags={"Environment": "dev"})
        metrics = cpu("pg-1", lambda t: working(t, 30, None))
        assert estate.run(OFF_HOURS, rds__db_instances=[db], metrics=metrics) == []

    def test_replicas_sources_and_production_are_skipped(self, estate):
        dbs = [
            db_instance("dev-replica", replica_source="dev-src"),
            db_instance("dev-src", replicas=["dev-replica"]),
            db_instance("orders"),
        ]
        metrics = cpu("dev-replica", 1) | cpu("dev-src", 1) | cpu("orders", 1)
        assert estate.run(OFF_HOURS, rds__db_instances=dbs, metrics=metrics) == []

    def test_cluster_replication_fields_also_prevent_stopping(self, estate):
        # DBInstance (RDS API reference) names cluster replication apart: ReadReplicaSourceDBClusterIdentifier
        # (a replica of a Multi-AZ DB cluster) and ReadReplicaDBClusterIdentifiers (an Aurora read replica
        # cluster of this instance); StopDBInstance refuses instances that are or have read replicas
        replica = db_instance("dev-replica", tags={"Environment": "dev"})
        replica["ReadReplicaSourceDBClusterIdentifier"] = "dev-cluster"
        source = db_instance("dev-src", tags={"Environment": "dev"})
        source["ReadReplicaDBClusterIdentifiers"] = ["dev-aurora-replica"]
        metrics = cpu("dev-replica", 1) | cpu("dev-src", 1)
        assert estate.run(OFF_HOURS, rds__db_instances=[replica, source], metrics=metrics) == []
