"""Spanner checks: idle instance, overprovisioned compute capacity, instance without databases."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import PROJECT, Gcp, spanner_database, spanner_instance

from cloudwaste.model import Confidence, CostBasis, CostKind

IDLE = "gcp.spanner.idle_instance"
OVER = "gcp.spanner.overprovisioned_instance"
EMPTY = "gcp.spanner.no_databases"
REQUESTS = "spanner.googleapis.com/api/request_count"
CPU = "spanner.googleapis.com/instance/cpu/utilization"
NODE_MONTH = 0.9 * 730  # Standard edition, one node (1000 processing units)


def idle(
    gcp: Gcp, inst: dict[str, Any], requests: list[float] | None, cpu: list[float] | None = None
) -> list[Any]:
    metrics = gcp.metrics(IDLE, inst, {REQUESTS: requests, CPU: cpu})
    return gcp.run(IDLE, spanner_instances=[inst], metrics=metrics)


def test_idle_instance_without_requests(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = idle(gcp, spanner_instance("orders"), [0.0] * 14, [0.02] * 14)
    hit_ok(hit)
    assert hit.confidence is Confidence.HIGH
    assert hit.evidence["scenario"] == "no_requests"
    assert hit.cost.amount == pytest.approx(NODE_MONTH)
    assert hit.cost.basis is CostBasis.ESTIMATE  # Standard edition: a default-only estimate
    assert hit.region == "us-central1"
    assert f"gcloud spanner instances delete orders --project={PROJECT}" in (hit.recommendation or "")


def test_idle_series_keyed_by_short_instance_id(gcp: Gcp) -> None:
    keys = gcp.metrics(IDLE, spanner_instance("orders"), {REQUESTS: [0.0] * 14})
    assert [(k.namespace, k.dimension, k.value, k.stat) for k in keys] == [
        ("spanner_instance", "instance_id", "orders", "Sum")
    ]


@pytest.mark.parametrize(("days", "expected"), [(6, None), (7, Confidence.MEDIUM), (14, Confidence.HIGH)])
def test_idle_days_of_data(gcp: Gcp, days: int, expected: Confidence | None) -> None:
    hits = idle(gcp, spanner_instance("orders"), [0.0] * days)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_idle_any_request_means_in_use(gcp: Gcp) -> None:
    assert idle(gcp, spanner_instance("orders"), [0.0] * 13 + [1.0], [0.01] * 14) == []


@pytest.mark.parametrize(("cpu", "flagged"), [(0.05, True), (0.051, False)])
def test_idle_no_request_datapoints_while_cpu_reports(gcp: Gcp, cpu: float, flagged: bool) -> None:
    # request_count is a delta metric: no requests, no datapoints; the CPU gauge proves it is monitored
    hits = idle(gcp, spanner_instance("orders"), None, [cpu] * 14)
    assert [(h.evidence["scenario"], h.confidence) for h in hits] == (
        [("no_requests_reported", Confidence.MEDIUM)] if flagged else []
    )


def test_idle_cpu_on_too_few_days_is_unknown(gcp: Gcp) -> None:
    assert idle(gcp, spanner_instance("orders"), None, [0.01] * 6) == []


def test_idle_no_data_is_unknown(gcp: Gcp) -> None:
    assert idle(gcp, spanner_instance("orders"), None, None) == []


def test_idle_skips_young_and_creating_instances(gcp: Gcp) -> None:
    assert idle(gcp, spanner_instance("new", created=6), [0.0] * 14) == []
    assert idle(gcp, spanner_instance("wip", state="CREATING"), [0.0] * 14) == []


def test_free_trial_instance_bills_nothing(gcp: Gcp) -> None:
    free = spanner_instance("trial", processing_units=100, instanceType="FREE_INSTANCE")
    assert idle(gcp, free, [0.0] * 14) == []
    assert gcp.run(EMPTY, spanner_instances=[free]) == []


def test_idle_enterprise_edition_cost_is_unknown(gcp: Gcp) -> None:
    (hit,) = idle(gcp, spanner_instance("ent", edition="ENTERPRISE"), [0.0] * 14)
    assert hit.cost.amount is None
    (hit,) = idle(gcp, spanner_instance("old", edition=None), [0.0] * 14)
    assert hit.cost.amount is None


# --- overprovisioned ----------------------------------------------------------------------------------


def over(gcp: Gcp, inst: dict[str, Any], peak: float | None, dbs: int = 1) -> list[Any]:
    metrics = gcp.metrics(OVER, inst, {CPU: None if peak is None else [peak / 2] * 13 + [peak]})
    name = str(inst["name"]).rsplit("/", 1)[-1]
    databases = [spanner_database(name, f"db{n}") for n in range(dbs)]
    return gcp.run(OVER, spanner_instances=[inst], spanner_databases=databases, metrics=metrics)


def test_overprovisioned_sizes_for_65_percent_on_the_upper_bound(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = over(gcp, spanner_instance("big", processing_units=2000), 0.05)
    hit_ok(hit)
    # one database: 2 series (user + system) -> at most 10 % -> 2000 x 10 / 65 = 308 -> 400 PU
    assert hit.evidence["cpu_upper_bound_percent"] == pytest.approx(10.0)
    assert hit.evidence["proposed_processing_units"] == 400
    assert hit.evidence["scenario"] == "pu_suboptimal"
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.amount == pytest.approx(1.6 * NODE_MONTH)
    assert hit.confidence is Confidence.MEDIUM
    assert "--processing-units=400" in (hit.recommendation or "")


@pytest.mark.parametrize(
    ("peak", "expected"),
    [(0.1, Confidence.MEDIUM), (0.1001, Confidence.LOW), (0.15, Confidence.LOW), (0.1501, None)],
)
def test_overprovisioned_bands(gcp: Gcp, peak: float, expected: Confidence | None) -> None:
    hits = over(gcp, spanner_instance("big", processing_units=3000), peak)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_overprovisioned_more_databases_widen_the_bound(gcp: Gcp) -> None:
    (hit,) = over(gcp, spanner_instance("big", processing_units=3000), 0.05, dbs=2)
    assert hit.evidence["series_bound"] == 4
    assert hit.evidence["cpu_upper_bound_percent"] == pytest.approx(20.0)
    assert over(gcp, spanner_instance("big", processing_units=3000), 0.05, dbs=4) == []  # up to 40 %


def test_overprovisioned_whole_nodes_above_1000(gcp: Gcp) -> None:
    (hit,) = over(gcp, spanner_instance("huge", processing_units=10000), 0.1)
    # 10000 x 20 / 65 = 3077 -> 4000
    assert hit.evidence["proposed_processing_units"] == 4000
    assert hit.evidence["scenario"] == "underutilized"


def test_overprovisioned_traps(gcp: Gcp) -> None:
    auto = spanner_instance("auto", processing_units=3000, autoscaling={"autoscalingLimits": {"minNodes": 1}})
    assert over(gcp, auto, 0.01) == []
    assert over(gcp, spanner_instance("small", processing_units=100), 0.01) == []
    assert over(gcp, spanner_instance("big", processing_units=3000), None) == []


def test_overprovisioned_multi_region_uses_45_percent_and_unknown_price(gcp: Gcp) -> None:
    inst = spanner_instance("global", config="nam3", processing_units=3000, edition="ENTERPRISE_PLUS")
    (hit,) = over(gcp, inst, 0.1)
    assert hit.evidence["target_cpu_percent"] == 45.0
    assert hit.evidence["proposed_processing_units"] == 2000  # 3000 x 20 / 45 = 1333 -> 2000
    assert hit.cost.amount is None
    assert hit.region == "nam3"


# --- no databases -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("age", "expected"), [(6, None), (8, Confidence.MEDIUM), (31, Confidence.HIGH)])
def test_no_databases_age_bands(gcp: Gcp, age: float, expected: Confidence | None) -> None:
    hits = gcp.run(EMPTY, spanner_instances=[spanner_instance("empty", created=age)])
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_no_databases_cost_and_trap_on_similar_names(gcp: Gcp, hit_ok: Any) -> None:
    a, ab = spanner_instance("a"), spanner_instance("ab")
    (hit,) = gcp.run(EMPTY, spanner_instances=[a, ab], spanner_databases=[spanner_database("ab", "main")])
    hit_ok(hit)
    assert hit.resource.name == "a"
    assert hit.cost.amount == pytest.approx(NODE_MONTH)


def test_no_databases_counts_databases_being_created(gcp: Gcp) -> None:
    db = spanner_database("a", "restoring", state="READY_OPTIMIZING")
    assert gcp.run(EMPTY, spanner_instances=[spanner_instance("a")], spanner_databases=[db]) == []
