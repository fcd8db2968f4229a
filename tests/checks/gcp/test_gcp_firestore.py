"""Firestore checks: unused database, PITR on non-production databases."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import PROJECT, Gcp, firestore_database

from cloudwaste.model import Confidence

UNUSED = "gcp.firestore.unused_database"
PITR = "gcp.firestore.nonprod_pitr"
READS = "firestore.googleapis.com/document/read_count"
WRITES = "firestore.googleapis.com/document/write_count"
DELETES = "firestore.googleapis.com/document/delete_count"


def zeros(days: int = 30) -> dict[str, list[float]]:
    return {READS: [0.0] * days, WRITES: [0.0] * days, DELETES: [0.0] * days}


def test_unused_database_with_zero_counts(gcp: Gcp, hit_ok: Any) -> None:
    db = firestore_database("(default)")
    (hit,) = gcp.run(UNUSED, firestore_databases=[db], metrics=gcp.metrics(UNUSED, db, zeros()))
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["scenario"] == "zero_operations"
    assert hit.cost.amount is None  # storage only, not measured: unknown, never 0
    assert hit.region == "nam5"
    assert f"--database='(default)' --project={PROJECT}" in (hit.recommendation or "")


def test_unused_series_keyed_by_database_id(gcp: Gcp) -> None:
    keys = gcp.metrics(UNUSED, firestore_database("orders"), zeros())
    assert {(k.namespace, k.dimension, k.value, k.stat) for k in keys} == {
        ("firestore.googleapis.com/Database", "database_id", "orders", "Sum")
    }


def test_one_read_means_in_use(gcp: Gcp) -> None:
    db = firestore_database()
    values = zeros()
    values[READS] = [0.0] * 29 + [1.0]
    assert gcp.run(UNUSED, firestore_databases=[db], metrics=gcp.metrics(UNUSED, db, values)) == []


def test_no_datapoints_while_a_sibling_reports_is_low_confidence(gcp: Gcp) -> None:
    busy, quiet = firestore_database("(default)"), firestore_database("archive")
    metrics = gcp.metrics(UNUSED, busy, {READS: [5.0] * 30, WRITES: [1.0] * 30})
    (hit,) = gcp.run(UNUSED, firestore_databases=[busy, quiet], metrics=metrics)
    assert hit.resource.name == "archive"
    assert hit.evidence["scenario"] == "no_operations_reported"
    assert hit.confidence is Confidence.LOW


def test_nothing_reported_anywhere_is_unknown(gcp: Gcp) -> None:
    assert gcp.run(UNUSED, firestore_databases=[firestore_database(), firestore_database("b")]) == []


@pytest.mark.parametrize(("age", "flagged"), [(29.9, False), (30.1, True)])
def test_unused_min_age(gcp: Gcp, age: float, flagged: bool) -> None:
    db = firestore_database(created=age)
    hits = gcp.run(UNUSED, firestore_databases=[db], metrics=gcp.metrics(UNUSED, db, zeros()))
    assert bool(hits) is flagged


def test_datastore_mode_is_skipped(gcp: Gcp) -> None:
    db = firestore_database(db_type="DATASTORE_MODE")
    assert gcp.run(UNUSED, firestore_databases=[db], metrics=gcp.metrics(UNUSED, db, zeros())) == []


# --- PITR -----------------------------------------------------------------------------------------------


def test_pitr_on_a_dev_database(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = gcp.run(PITR, firestore_databases=[firestore_database("orders-dev", pitr=True)])
    hit_ok(hit)
    assert hit.cost.amount is None
    assert hit.evidence["nonprod_words"] == ["dev"]
    assert "--no-enable-pitr" in (hit.recommendation or "")


@pytest.mark.parametrize(
    "db",
    [
        firestore_database("orders-dev", pitr=False),
        firestore_database("(default)", pitr=True),
        firestore_database("orders", pitr=True),
        firestore_database("device-registry", pitr=True),  # "device" is not "dev"
        firestore_database("test-new", pitr=True, created=3),
    ],
)
def test_pitr_traps(gcp: Gcp, db: dict[str, Any]) -> None:
    assert gcp.run(PITR, firestore_databases=[db]) == []
