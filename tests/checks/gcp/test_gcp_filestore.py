"""Filestore checks: idle instance, overprovisioned capacity, premium tier outside production."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import PROJECT, Gcp, filestore_instance

from cloudwaste.model import Confidence, CostKind

IDLE = "gcp.filestore.idle_instance"
OVER = "gcp.filestore.overprovisioned_instance"
TIER = "gcp.filestore.nonprod_premium_tier"
READS = "file.googleapis.com/nfs/server/read_ops_count"
WRITES = "file.googleapis.com/nfs/server/write_ops_count"
FREE = "file.googleapis.com/nfs/server/free_bytes_percent"


def idle(gcp: Gcp, inst: dict[str, Any], values: dict[str, list[float] | None]) -> list[Any]:
    return gcp.run(IDLE, filestore_instances=[inst], metrics=gcp.metrics(IDLE, inst, values))


def over(gcp: Gcp, inst: dict[str, Any], used_percent: float | None) -> list[Any]:
    values = {
        FREE: None if used_percent is None else [100.0 - used_percent / 2] * 29 + [100.0 - used_percent]
    }
    return gcp.run(OVER, filestore_instances=[inst], metrics=gcp.metrics(OVER, inst, values))


def test_idle_instance(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = idle(gcp, filestore_instance("nfs1"), {READS: [0.0] * 14, WRITES: [0.0] * 14, FREE: [80.0] * 14})
    hit_ok(hit)
    assert hit.confidence is Confidence.HIGH
    assert hit.cost.amount == pytest.approx(1024 * 0.2)
    assert hit.region == "us-central1-a"
    assert f"--location=us-central1-a --project={PROJECT}" in (hit.recommendation or "")


def test_idle_series_keyed_by_instance_id(gcp: Gcp) -> None:
    keys = gcp.metrics(IDLE, filestore_instance("nfs1"), {READS: [0.0], WRITES: [0.0], FREE: [1.0]})
    assert {(k.namespace, k.dimension, k.value) for k in keys} == {
        ("filestore_instance", "instance_name", "nfs1")
    }


@pytest.mark.parametrize(("days", "expected"), [(6, None), (7, Confidence.MEDIUM), (14, Confidence.HIGH)])
def test_idle_days_of_data(gcp: Gcp, days: int, expected: Confidence | None) -> None:
    hits = idle(gcp, filestore_instance("nfs1"), {READS: [0.0] * days, WRITES: [0.0] * days})
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_idle_one_write_means_in_use(gcp: Gcp) -> None:
    assert idle(gcp, filestore_instance("nfs1"), {READS: [0.0] * 14, WRITES: [0.0] * 13 + [3.0]}) == []


def test_idle_no_operation_datapoints_while_free_space_reports(gcp: Gcp) -> None:
    (hit,) = idle(gcp, filestore_instance("nfs1"), {READS: None, WRITES: None, FREE: [99.0] * 14})
    assert hit.evidence["scenario"] == "no_operations_reported"
    assert hit.confidence is Confidence.MEDIUM
    assert idle(gcp, filestore_instance("nfs1"), {READS: None, WRITES: None, FREE: [99.0] * 6}) == []


def test_idle_unknown_and_unready(gcp: Gcp) -> None:
    assert idle(gcp, filestore_instance("nfs1"), {}) == []
    assert idle(gcp, filestore_instance("nfs2", state="CREATING"), {READS: [0.0] * 14}) == []
    assert idle(gcp, filestore_instance("nfs3", created=3), {READS: [0.0] * 14}) == []


def test_idle_zonal_price_is_unknown_until_refreshed(gcp: Gcp) -> None:
    (hit,) = idle(gcp, filestore_instance("z1", tier="ZONAL"), {READS: [0.0] * 14, WRITES: [0.0] * 14})
    assert hit.cost.amount is None


# --- overprovisioned ----------------------------------------------------------------------------------


def test_overprovisioned_zonal_shrinks_in_place(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = over(gcp, filestore_instance("z1", tier="ZONAL", capacity_gb=4096), 5.0)
    hit_ok(hit)
    assert hit.evidence["proposed_capacity_gib"] == 1024
    assert hit.confidence is Confidence.MEDIUM
    assert hit.cost.kind is CostKind.SAVING and hit.cost.amount is None  # Zonal is not bundled
    assert "--file-share=name=share1,capacity=1024GiB" in (hit.recommendation or "")


def test_overprovisioned_basic_cannot_shrink(gcp: Gcp) -> None:
    (hit,) = over(gcp, filestore_instance("b1", capacity_gb=10240), 5.0)
    assert hit.evidence["proposed_capacity_gib"] == 1024
    assert hit.cost.amount == pytest.approx((10240 - 1024) * 0.2)
    assert hit.confidence is Confidence.LOW
    assert "cannot shrink" in hit.reason
    assert (hit.recommendation or "").startswith("Create a 1024 GiB BASIC_HDD instance")


@pytest.mark.parametrize(
    ("used", "expected"),
    [(10.0, Confidence.MEDIUM), (10.1, Confidence.LOW), (30.0, Confidence.LOW), (30.1, None)],
)
def test_overprovisioned_bands(gcp: Gcp, used: float, expected: Confidence | None) -> None:
    hits = over(gcp, filestore_instance("z1", tier="ZONAL", capacity_gb=8192), used)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_overprovisioned_tier_minimums(gcp: Gcp) -> None:
    assert over(gcp, filestore_instance("b1", capacity_gb=1024), 5.0) == []  # already the Basic HDD minimum
    (hit,) = over(gcp, filestore_instance("z2", tier="ZONAL", capacity_gb=20480), 10.0)
    assert hit.evidence["proposed_capacity_gib"] == 10240  # the 10 TiB range cannot go lower


def test_overprovisioned_without_data_is_unknown(gcp: Gcp) -> None:
    assert over(gcp, filestore_instance("z1", tier="ZONAL", capacity_gb=4096), None) == []


# --- non-production premium tier ------------------------------------------------------------------------


def test_nonprod_basic_ssd(gcp: Gcp, hit_ok: Any) -> None:
    inst = filestore_instance("s1", tier="BASIC_SSD", capacity_gb=2560, labels={"env": "dev"})
    (hit,) = gcp.run(TIER, filestore_instances=[inst])
    hit_ok(hit)
    assert hit.evidence["cheaper_tier"] == "BASIC_HDD"
    assert hit.cost.amount == pytest.approx(2560 * (0.3 - 0.2))


def test_nonprod_enterprise_saving_is_unknown(gcp: Gcp) -> None:
    inst = filestore_instance("e1", tier="ENTERPRISE", zone="us-central1", labels={"env": "test"})
    (hit,) = gcp.run(TIER, filestore_instances=[inst])
    assert hit.evidence["cheaper_tier"] == "ZONAL"
    assert hit.cost.amount is None
    assert hit.region == "us-central1"


@pytest.mark.parametrize(
    "inst",
    [
        filestore_instance("a", tier="ENTERPRISE", labels={"env": "prod"}),
        filestore_instance("b", tier="BASIC_SSD"),
        filestore_instance("c", labels={"env": "dev"}),
    ],
)
def test_nonprod_traps(gcp: Gcp, inst: dict[str, Any]) -> None:
    assert gcp.run(TIER, filestore_instances=[inst]) == []
