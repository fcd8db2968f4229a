"""Vertex AI Workbench checks: no idle shutdown, idle ACTIVE instances (GPUs), long-stopped instances."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import ZONE, Gcp, workbench, workbench_v1

from cloudwaste.checks.registry import get_check
from cloudwaste.model import Confidence, CostBasis, CostKind, Severity

POLICY = "gcp.workbench.no_idle_shutdown"
IDLE = "gcp.workbench.idle_instance"
STOPPED = "gcp.workbench.stopped_instance"
CPU = "compute.googleapis.com/instance/cpu/utilization"
E2_STANDARD_4 = round(4 * 0.021811 * 730, 2) + round(16 * 0.002923 * 730, 2)
N1_STANDARD_4 = round(4 * 0.031611 * 730, 2) + round(15 * 0.004237 * 730, 2)
T4 = round(0.35 * 730, 2)


def vm(gcp: Gcp, name: str, **kw: Any) -> dict[str, Any]:
    """The Compute Engine VM behind a Workbench instance."""
    kw.setdefault("machine_type", "e2-standard-4")
    return gcp.instance(name, labels={"goog-caip-notebook": ""}, **kw)


def idle(
    gcp: Gcp, notebook: dict[str, Any], machine: dict[str, Any] | None, cpu: list[float] | None
) -> list[Any]:
    metrics = gcp.metrics(IDLE, machine, {CPU: cpu}) if machine is not None else {}
    return gcp.run(
        IDLE, workbench_instances=[notebook], instances=[machine] if machine else [], metrics=metrics
    )


# --- no idle shutdown -------------------------------------------------------------------------------


def test_active_instance_without_idle_timeout(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = gcp.run(POLICY, workbench_instances=[workbench("nb1", idle_timeout=None)])
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["scenario"] == "no_idle_timeout"
    assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING
    assert hit.evidence["running_monthly"] == pytest.approx(E2_STANDARD_4, abs=0.01)
    assert "management fee" in hit.cost.detail
    assert hit.region == ZONE
    assert hit.recommendation == (
        f"gcloud workbench instances update nb1 --location={ZONE} --metadata=idle-timeout-seconds=10800"
    )


def test_idle_timeout_of_zero_is_off(gcp: Gcp) -> None:
    (hit,) = gcp.run(POLICY, workbench_instances=[workbench("nb1", idle_timeout="0")])
    assert hit.evidence["scenario"] == "idle_shutdown_off"


def test_trap_idle_shutdown_without_guest_attributes_never_runs(gcp: Gcp) -> None:
    notebook = workbench("nb1", metadata={"enable-guest-attributes": "FALSE"})
    (hit,) = gcp.run(POLICY, workbench_instances=[notebook])
    assert hit.evidence["scenario"] == "guest_attributes_off"
    assert "enable-guest-attributes=TRUE" in hit.recommendation


def test_idle_shutdown_configured_or_instance_stopped_is_fine(gcp: Gcp) -> None:
    items = [workbench("nb1"), workbench("nb2", idle_timeout=None, state="STOPPED")]
    assert gcp.run(POLICY, workbench_instances=items) == []


@pytest.mark.parametrize(("created", "flagged"), [(6.9, False), (7, True)])
def test_policy_age_boundary(gcp: Gcp, created: float, flagged: bool) -> None:
    notebook = workbench("nb1", idle_timeout=None, created=created)
    assert bool(gcp.run(POLICY, workbench_instances=[notebook])) is flagged


def test_user_managed_notebook_is_pointed_at_workbench_instances(gcp: Gcp) -> None:
    (hit,) = gcp.run(POLICY, workbench_instances=[workbench_v1("old-nb")])
    assert hit.evidence["api"] == "v1"
    assert hit.evidence["running_monthly"] == pytest.approx(N1_STANDARD_4, abs=0.01)
    assert (
        "deprecated" in hit.recommendation
        and "gcloud workbench instances create old-nb" in hit.recommendation
    )


# --- idle ACTIVE instance ---------------------------------------------------------------------------


def test_idle_instance_is_costed_by_its_vm(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = idle(gcp, workbench("nb1"), vm(gcp, "nb1"), [0.03] * 14)
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.cost.amount == pytest.approx(E2_STANDARD_4, abs=0.01)
    assert hit.cost.kind is CostKind.COST and hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.evidence["scenario"] == "idle"
    assert hit.recommendation == f"gcloud workbench instances stop nb1 --location={ZONE}"


def test_cpu_query_is_the_one_the_idle_vm_check_already_makes(gcp: Gcp) -> None:
    mine = get_check(IDLE).metrics(get_check(IDLE).params())  # type: ignore[misc]
    theirs = get_check("gcp.compute.idle_vm").metrics(get_check("gcp.compute.idle_vm").params())  # type: ignore[misc]
    assert mine[0] in theirs  # one Monitoring call serves both


def test_nearly_no_cpu_is_high_confidence(gcp: Gcp) -> None:
    (hit,) = idle(gcp, workbench("nb1"), vm(gcp, "nb1"), [0.01] * 14)
    assert hit.confidence is Confidence.HIGH


def test_idle_gpu_instance_is_high_severity_medium_confidence(gcp: Gcp) -> None:
    notebook = workbench("gpu-nb", machine="n1-standard-4", gpus=[("NVIDIA_TESLA_T4", 1)])
    (hit,) = idle(gcp, notebook, vm(gcp, "gpu-nb", machine_type="n1-standard-4"), [0.01] * 14)
    assert hit.evidence["scenario"] == "gpu_idle"
    assert hit.severity is Severity.HIGH and hit.confidence is Confidence.MEDIUM
    assert hit.cost.amount == pytest.approx(N1_STANDARD_4 + T4, abs=0.02)
    assert "1 x NVIDIA_TESLA_T4" in hit.reason


@pytest.mark.parametrize(("peak", "flagged"), [(0.05, True), (0.051, False)])
def test_idle_cpu_threshold(gcp: Gcp, peak: float, flagged: bool) -> None:
    assert bool(idle(gcp, workbench("nb1"), vm(gcp, "nb1"), [0.01] * 13 + [peak])) is flagged


@pytest.mark.parametrize(("days", "flagged"), [(6, False), (7, True)])
def test_idle_needs_seven_days(gcp: Gcp, days: int, flagged: bool) -> None:
    assert bool(idle(gcp, workbench("nb1"), vm(gcp, "nb1"), [0.01] * days)) is flagged


def test_no_cpu_data_or_no_vm_is_unknown(gcp: Gcp) -> None:
    assert idle(gcp, workbench("nb1"), vm(gcp, "nb1"), None) == []
    assert idle(gcp, workbench("nb1"), None, None) == []


def test_trap_same_name_vm_in_another_zone_is_not_the_backing_vm(gcp: Gcp) -> None:
    assert idle(gcp, workbench("nb1"), vm(gcp, "nb1", zone="us-east1-b"), [0.01] * 14) == []


def test_instance_younger_than_the_window_is_skipped(gcp: Gcp) -> None:
    assert idle(gcp, workbench("nb1", created=10), vm(gcp, "nb1"), [0.01] * 14) == []


# --- stopped instance -------------------------------------------------------------------------------


def stopped_estate(gcp: Gcp, name: str, stopped: float) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    boot = gcp.disk(f"{name}-boot", size_gb=150, dtype="pd-balanced", users=[name])
    data = gcp.disk(f"{name}-data", size_gb=100, dtype="pd-balanced", users=[name])
    machine = vm(gcp, name, status="TERMINATED", disks=[boot, data], started=stopped + 5, stopped=stopped)
    return machine, [boot, data]


def test_stopped_instance_pays_for_its_vms_disks(gcp: Gcp, hit_ok: Any) -> None:
    machine, disks = stopped_estate(gcp, "nb1", 45)
    (hit,) = gcp.run(
        STOPPED,
        workbench_instances=[workbench("nb1", state="STOPPED", updated=45)],
        instances=[machine],
        disks=disks,
    )
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(250 * 0.1)
    assert len(hit.cost_includes) == 2
    assert hit.evidence["age_basis"] == "vm.lastStopTimestamp"
    assert hit.confidence is Confidence.MEDIUM
    assert "2 disk(s)" in hit.reason


def test_trap_recent_update_does_not_hide_an_old_stop(gcp: Gcp) -> None:
    machine, disks = stopped_estate(gcp, "nb1", 100)
    notebook = workbench("nb1", state="STOPPED", updated=2)  # a label edit two days ago
    (hit,) = gcp.run(STOPPED, workbench_instances=[notebook], instances=[machine], disks=disks)
    assert hit.confidence is Confidence.HIGH
    assert hit.evidence["stopped_days"] == pytest.approx(100, abs=0.01)


def test_without_its_vm_the_disks_are_estimated_from_the_config(gcp: Gcp) -> None:
    (hit,) = gcp.run(STOPPED, workbench_instances=[workbench("nb1", state="STOPPED", updated=60)])
    assert hit.cost.amount == pytest.approx(250 * 0.1)
    assert hit.cost.basis is CostBasis.ESTIMATE and hit.evidence["disks_estimated"] is True
    assert hit.evidence["age_basis"] == "updateTime"
    assert hit.confidence is Confidence.LOW


def test_user_managed_notebook_disks_from_its_config(gcp: Gcp) -> None:
    (hit,) = gcp.run(STOPPED, workbench_instances=[workbench_v1("old-nb", state="STOPPED", updated=120)])
    assert hit.cost.amount == pytest.approx(250 * 0.04)
    assert hit.recommendation == f"gcloud notebooks instances delete old-nb --location={ZONE}"


@pytest.mark.parametrize(("days", "flagged"), [(29.9, False), (30, True)])
def test_stopped_age_boundary(gcp: Gcp, days: float, flagged: bool) -> None:
    machine, disks = stopped_estate(gcp, "nb1", days)
    notebook = workbench("nb1", state="STOPPED", updated=days)
    assert bool(gcp.run(STOPPED, workbench_instances=[notebook], instances=[machine], disks=disks)) is flagged
