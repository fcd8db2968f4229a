"""Memorystore for Redis checks: idle, oversized, Standard tier outside production."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import PROJECT, Gcp, redis_instance

from cloudwaste.model import Confidence, CostKind

IDLE = "gcp.memorystore.idle_instance"
OVER = "gcp.memorystore.oversized_instance"
TIER = "gcp.memorystore.nonprod_standard_tier"
CLIENTS = "redis.googleapis.com/clients/connected"
USAGE = "redis.googleapis.com/stats/memory/usage_ratio"


def idle(gcp: Gcp, inst: dict[str, Any], clients: list[float] | None) -> list[Any]:
    return gcp.run(IDLE, redis_instances=[inst], metrics=gcp.metrics(IDLE, inst, {CLIENTS: clients}))


def over(gcp: Gcp, inst: dict[str, Any], usage: float | None) -> list[Any]:
    values = {USAGE: None if usage is None else [usage / 2] * 29 + [usage]}
    return gcp.run(OVER, redis_instances=[inst], metrics=gcp.metrics(OVER, inst, values))


def test_idle_instance(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = idle(gcp, redis_instance("cache"), [0.0] * 30)
    hit_ok(hit)
    assert hit.confidence is Confidence.HIGH
    assert hit.cost.amount == pytest.approx(5 * 0.027 * 730)  # Basic M2
    assert hit.region == "us-central1"
    assert f"gcloud redis instances delete cache --region=us-central1 --project={PROJECT}" in (
        hit.recommendation or ""
    )


def test_idle_series_keyed_by_full_instance_name(gcp: Gcp) -> None:
    inst = redis_instance("cache")
    (key,) = gcp.metrics(IDLE, inst, {CLIENTS: [0.0] * 30})
    assert (key.namespace, key.dimension, key.value) == ("redis_instance", "instance_id", inst["name"])


@pytest.mark.parametrize(
    ("days", "peak", "expected"),
    [
        (6, 0.0, None),
        (7, 0.0, Confidence.MEDIUM),
        (14, 0.0, Confidence.HIGH),
        (30, 1.0, Confidence.LOW),
        (30, 2.0, None),
    ],
)
def test_idle_boundaries(gcp: Gcp, days: int, peak: float, expected: Confidence | None) -> None:
    hits = idle(gcp, redis_instance("cache"), [0.0] * (days - 1) + [peak])
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_idle_traps(gcp: Gcp) -> None:
    assert idle(gcp, redis_instance("cache"), None) == []
    assert idle(gcp, redis_instance("new", created=5), [0.0] * 30) == []
    assert idle(gcp, redis_instance("busy", state="UPDATING"), [0.0] * 30) == []


def test_idle_extra_read_replicas_cost_is_unknown(gcp: Gcp) -> None:
    inst = redis_instance("ro", tier="STANDARD_HA", replica_count=3, readReplicasMode="READ_REPLICAS_ENABLED")
    (hit,) = idle(gcp, inst, [0.0] * 30)
    assert hit.cost.amount is None


# --- oversized ------------------------------------------------------------------------------------------


def test_oversized_standard_instance(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = over(gcp, redis_instance("sessions", tier="STANDARD_HA", memory_gb=50), 0.1)
    hit_ok(hit)
    assert hit.evidence["proposed_size_gb"] == 9  # ceil(50 x 10 / 60)
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.amount == pytest.approx(50 * 0.035 * 730 - 9 * 0.054 * 730, abs=0.02)  # M4 -> M2
    assert hit.confidence is Confidence.MEDIUM
    assert "--size=9" in (hit.recommendation or "")


@pytest.mark.parametrize(
    ("usage", "expected"),
    [(0.15, Confidence.MEDIUM), (0.1501, Confidence.LOW), (0.3, Confidence.LOW), (0.3001, None)],
)
def test_oversized_bands(gcp: Gcp, usage: float, expected: Confidence | None) -> None:
    hits = over(gcp, redis_instance("sessions", tier="STANDARD_HA", memory_gb=50), usage)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_oversized_basic_respects_minimum_and_warns_about_the_flush(gcp: Gcp) -> None:
    (hit,) = over(gcp, redis_instance("cache", memory_gb=5), 0.05)
    assert hit.evidence["proposed_size_gb"] == 1
    assert "loses its cache" in (hit.recommendation or "")
    (hit,) = over(gcp, redis_instance("ha", tier="STANDARD_HA", memory_gb=20), 0.05)
    assert hit.evidence["proposed_size_gb"] == 5  # Standard minimum


def test_oversized_smaller_size_in_a_dearer_tier_is_no_saving(gcp: Gcp) -> None:
    # 5 GB Basic (M2, $0.027/GB-h) -> 3 GB (M1, $0.049/GB-h) costs more
    assert over(gcp, redis_instance("cache", memory_gb=5), 0.3) == []


def test_oversized_without_data_is_unknown(gcp: Gcp) -> None:
    assert over(gcp, redis_instance("cache", memory_gb=50), None) == []


# --- non-production Standard tier -------------------------------------------------------------------------


def test_nonprod_standard_tier(gcp: Gcp, hit_ok: Any) -> None:
    inst = redis_instance("cache", tier="STANDARD_HA", labels={"env": "dev"})
    (hit,) = gcp.run(TIER, redis_instances=[inst])
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(5 * (0.054 - 0.027) * 730)
    assert "--tier=basic" in (hit.recommendation or "")


@pytest.mark.parametrize(
    "inst",
    [
        redis_instance("a", tier="STANDARD_HA", labels={"env": "production"}),
        redis_instance("b", tier="STANDARD_HA"),
        redis_instance("c", labels={"env": "dev"}),
        redis_instance("d", tier="STANDARD_HA", labels={"env": "dev"}, created=2),
    ],
)
def test_nonprod_standard_tier_traps(gcp: Gcp, inst: dict[str, Any]) -> None:
    assert gcp.run(TIER, redis_instances=[inst]) == []
