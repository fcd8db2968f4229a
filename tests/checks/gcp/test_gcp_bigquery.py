"""BigQuery checks: stale tables, temporary tables without expiration, empty datasets."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import PROJECT, Gcp, bq_dataset, bq_table

from cloudwaste.model import Confidence, CostKind

STALE = "gcp.bigquery.stale_table"
TEMP = "gcp.bigquery.temp_table_without_expiration"
EMPTY = "gcp.bigquery.empty_dataset"


def stale(gcp: Gcp, *tables: dict[str, Any], dataset: dict[str, Any] | None = None) -> list[Any]:
    return gcp.run(
        STALE, bigquery_datasets=[dataset or bq_dataset("analytics")], bigquery_tables=list(tables)
    )


def test_stale_table_costs_its_long_term_storage(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = stale(gcp, bq_table("analytics", "events_2023", gib=50, modified=200))
    hit_ok(hit)
    assert hit.confidence is Confidence.LOW
    assert hit.cost.kind is CostKind.COST
    assert hit.cost.amount == pytest.approx(50 * 0.01)  # all long-term already: no "move" saving
    assert "already billed at the long-term rate" in hit.reason
    assert hit.cost.detail and "long-term pricing already applies by itself" in hit.cost.detail
    assert hit.resource.id == f"projects/{PROJECT}/datasets/analytics/tables/events_2023"
    assert hit.region == "us"
    assert f"bq rm -f -t {PROJECT}:analytics.events_2023" in (hit.recommendation or "")


@pytest.mark.parametrize(
    ("modified", "expected"),
    [(89.9, None), (90.1, Confidence.LOW), (364.9, Confidence.LOW), (365.1, Confidence.MEDIUM)],
)
def test_stale_age_bands(gcp: Gcp, modified: float, expected: Confidence | None) -> None:
    hits = stale(gcp, bq_table("analytics", "t", modified=modified))
    assert [h.confidence for h in hits] == ([expected] if expected else [])


@pytest.mark.parametrize(("gib", "flagged"), [(0.99, False), (1.0, True)])
def test_stale_min_size(gcp: Gcp, gib: float, flagged: bool) -> None:
    assert bool(stale(gcp, bq_table("analytics", "t", gib=gib, modified=120))) is flagged


@pytest.mark.parametrize(
    "table",
    [
        bq_table("analytics", "v", table_type="VIEW", modified=400),
        bq_table("analytics", "mv", table_type="MATERIALIZED_VIEW", modified=400),
        bq_table("analytics", "ext", table_type="EXTERNAL", modified=400),
        bq_table("analytics", "expiring", modified=400, expires_in_days=10),
        bq_table("_script1a2b", "anon", modified=400),
    ],
)
def test_stale_traps(gcp: Gcp, table: dict[str, Any]) -> None:
    assert stale(gcp, table) == []


def test_stale_snapshot_cost_is_unknown(gcp: Gcp) -> None:
    (hit,) = stale(gcp, bq_table("analytics", "snap", table_type="SNAPSHOT", modified=200))
    assert hit.cost.amount is None


def test_stale_physical_billing_and_partly_active_bytes(gcp: Gcp) -> None:
    dataset = bq_dataset("analytics", billing_model="PHYSICAL")
    (hit,) = stale(gcp, bq_table("analytics", "t", gib=40, modified=200), dataset=dataset)
    assert hit.cost.amount == pytest.approx(10 * 0.02)  # 40 GiB logical -> 10 GiB physical, long-term
    (hit,) = stale(gcp, bq_table("analytics", "t", gib=40, long_term_gib=30, modified=100))
    assert hit.cost.amount == pytest.approx(10 * 0.02 + 30 * 0.01)


# --- temporary tables -------------------------------------------------------------------------------------


def temp(gcp: Gcp, table: dict[str, Any], dataset: dict[str, Any] | None = None) -> list[Any]:
    name = table["tableReference"]["datasetId"]
    return gcp.run(TEMP, bigquery_datasets=[dataset or bq_dataset(name)], bigquery_tables=[table])


def test_temp_table_without_expiration(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = temp(gcp, bq_table("analytics", "tmp_orders", gib=20, created=40, modified=10))
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["temporary_words"] == ["tmp"]
    assert hit.cost.amount == pytest.approx(20 * 0.02)  # active storage
    assert "--expiration=604800" in (hit.recommendation or "")


@pytest.mark.parametrize(
    ("created", "expected"), [(6.9, None), (7.1, Confidence.LOW), (30.1, Confidence.MEDIUM)]
)
def test_temp_age_bands(gcp: Gcp, created: float, expected: Confidence | None) -> None:
    hits = temp(gcp, bq_table("analytics", "orders_staging", created=created, modified=1))
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_temp_dataset_name_gives_low_confidence(gcp: Gcp) -> None:
    (hit,) = temp(gcp, bq_table("scratch", "orders", created=200, modified=100))
    assert hit.confidence is Confidence.LOW
    assert "dataset name" in hit.reason


@pytest.mark.parametrize(
    ("table", "dataset"),
    [
        (bq_table("analytics", "tmp_x", created=40, expires_in_days=3), None),
        (bq_table("analytics", "tmp_x", created=40), bq_dataset("analytics", default_expiration_days=7)),
        (bq_table("analytics", "orders_backup", created=40), None),
        (bq_table("analytics", "contest_results", created=40), None),
        (bq_table("analytics", "tmp_view", created=40, table_type="VIEW"), None),
    ],
)
def test_temp_traps(gcp: Gcp, table: dict[str, Any], dataset: dict[str, Any] | None) -> None:
    assert temp(gcp, table, dataset) == []


# --- empty datasets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("created", "expected"), [(29, None), (31, Confidence.LOW), (91, Confidence.MEDIUM)])
def test_empty_dataset_age_bands(gcp: Gcp, created: float, expected: Confidence | None) -> None:
    hits = gcp.run(EMPTY, bigquery_datasets=[bq_dataset("old_reports", created=created)])
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_empty_dataset_is_a_zero_cost_hygiene_finding(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = gcp.run(EMPTY, bigquery_datasets=[bq_dataset("old_reports")])
    hit_ok(hit)
    assert hit.cost.amount == 0.0
    assert f"bq rm -d {PROJECT}:old_reports" in (hit.recommendation or "")


def test_dataset_with_a_view_or_hidden_is_not_empty(gcp: Gcp) -> None:
    datasets = [bq_dataset("reports"), bq_dataset("_hidden")]
    tables = [bq_table("reports", "v", table_type="VIEW")]
    assert gcp.run(EMPTY, bigquery_datasets=datasets, bigquery_tables=tables) == []
