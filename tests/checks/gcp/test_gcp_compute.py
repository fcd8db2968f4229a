"""Compute Engine instance checks: stopped instances, idle VMs, N1 machine types."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis, CostKind
from cloudwaste.report import charged

STOPPED = "gcp.compute.stopped_instance"
IDLE = "gcp.compute.idle_vm"
LEGACY = "gcp.compute.previous_generation"
CPU = "compute.googleapis.com/instance/cpu/utilization"
RX = "compute.googleapis.com/instance/network/received_bytes_count"
TX = "compute.googleapis.com/instance/network/sent_bytes_count"
HOURS = 730
E2_STD_4 = round((4 * 0.021811 + 16 * 0.002923) * HOURS, 2)


def _stopped_estate(gcp, days=40.0, **kw):
    boot = gcp.disk("web-1", users=["web-1"], size_gb=20)
    data = gcp.disk("data-1", users=["web-1"], size_gb=100, dtype="pd-ssd")
    instance = gcp.instance(
        "web-1", status="TERMINATED", stopped=days, disks=[boot, data], nat_ip="34.1.2.3", **kw
    )
    address = gcp.address("web-ip", "34.1.2.3", status="IN_USE", users=[instance["selfLink"]])
    return instance, [boot, data], [address]


# --- gcp.compute.stopped_instance ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [(6.9, None), (7, Confidence.MEDIUM), (29.9, Confidence.MEDIUM), (30, Confidence.HIGH)],
)
def test_stopped_instance_thresholds(gcp, hit_ok, days, expected):
    instance, disks, addresses = _stopped_estate(gcp, days)
    hits = gcp.run(STOPPED, instances=[instance], disks=disks, addresses=addresses)
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.region == "us-central1-a"
    assert hit.evidence["age_basis"] == "lastStopTimestamp"


def test_stopped_instance_costs_its_disks_and_static_ip(gcp):
    instance, disks, addresses = _stopped_estate(gcp)
    (hit,) = gcp.run(STOPPED, instances=[instance], disks=disks, addresses=addresses)
    # 20 GB pd-balanced ($2) + 100 GB pd-ssd ($17) + an unused-rate static IP ($7.30)
    assert hit.cost.amount == pytest.approx(2.0 + 17.0 + 7.3)
    assert hit.cost.kind is CostKind.COST
    assert set(hit.cost_includes) == {
        "projects/acme-prod/zones/us-central1-a/disks/web-1",
        "projects/acme-prod/zones/us-central1-a/disks/data-1",
        "projects/acme-prod/regions/us-central1/addresses/web-ip",
    }
    assert "2 disks and 1 static IP still bill" in hit.reason
    assert hit.evidence["scenario"] == "stopped_with_static_ip"
    assert "machine-images create web-1-final" in hit.recommendation


def test_stopped_instance_and_its_disk_findings_are_charged_once(gcp):
    instance, disks, addresses = _stopped_estate(gcp)
    stopped = gcp.findings(STOPPED, gcp.run(STOPPED, instances=[instance], disks=disks, addresses=addresses))
    on_stopped = gcp.findings(
        "gcp.compute.disk_on_stopped_instance",
        gcp.run("gcp.compute.disk_on_stopped_instance", instances=[instance], disks=disks),
    )
    assert len(on_stopped) == 2
    counted = charged(stopped + on_stopped)
    assert counted == {stopped[0].fingerprint}


def test_ephemeral_ip_is_not_charged(gcp):
    boot = gcp.disk("web-1", users=["web-1"], size_gb=20)
    instance = gcp.instance("web-1", status="TERMINATED", stopped=40, disks=[boot], nat_ip=None)
    (hit,) = gcp.run(STOPPED, instances=[instance], disks=[boot])
    assert hit.cost.amount == pytest.approx(2.0)
    assert hit.evidence["scenario"] == "stopped"


def test_a_disk_a_running_instance_shares_is_not_charged(gcp):
    shared = gcp.disk("shared-ro", users=["web-1", "web-2"], size_gb=100)
    stopped = gcp.instance("web-1", status="TERMINATED", stopped=40, disks=["boot-1", shared])
    running = gcp.instance("web-2", disks=["boot-2", shared])
    boot = gcp.disk("boot-1", users=["web-1"], size_gb=10)
    (hit,) = gcp.run(STOPPED, instances=[stopped, running], disks=[shared, boot])
    assert hit.cost.amount == pytest.approx(1.0)
    assert "projects/acme-prod/zones/us-central1-a/disks/shared-ro" not in hit.cost_includes


def test_an_unlisted_disk_makes_the_cost_unknown(gcp):
    instance = gcp.instance("web-1", status="TERMINATED", stopped=40, disks=["gone"])
    (hit,) = gcp.run(STOPPED, instances=[instance])
    assert hit.cost.amount is None


def test_started_after_its_last_stop_is_not_stopped_that_long(gcp):
    # a later start than stop means the stop time is stale (it stopped again since)
    instance = gcp.instance("web-1", status="TERMINATED", stopped=40, started=10)
    assert gcp.run(STOPPED, instances=[instance]) == []


def test_no_stop_time_is_unknown_not_aged_from_creation(gcp):
    instance = gcp.instance("web-1", status="TERMINATED", created=400, stopped=None, started=300)
    assert gcp.run(STOPPED, instances=[instance]) == []


def test_running_instances_are_not_stopped(gcp):
    assert gcp.run(STOPPED, instances=[gcp.instance("web-1", stopped=40, started=30)]) == []


def test_suspended_instance_uses_the_suspend_time(gcp):
    instance = gcp.instance("web-1", status="SUSPENDED", stopped=None, lastSuspendedTimestamp=gcp.ts(12))
    (hit,) = gcp.run(STOPPED, instances=[instance])
    assert hit.evidence["age_basis"] == "lastSuspendedTimestamp"
    assert "suspended for 12 days" in hit.reason


def test_mig_member_is_low_confidence_and_points_at_the_group(gcp):
    igm = "projects/482910375511/zones/us-central1-a/instanceGroupManagers/web-mig"
    instance = gcp.instance(
        "web-mig-x1z2",
        status="TERMINATED",
        stopped=60,
        metadata={"items": [{"key": "created-by", "value": igm}]},
    )
    (hit,) = gcp.run(STOPPED, instances=[instance])
    assert hit.confidence is Confidence.LOW
    assert hit.evidence["scenario"] == "managed_member"
    assert "delete-instances web-mig --instances=web-mig-x1z2" in hit.recommendation


# --- gcp.compute.idle_vm --------------------------------------------------------------------------------


def _idle(gcp, instance, cpu=0.01, rx_bps=100.0, tx_bps=50.0, days=14, **params):
    values = {CPU: [cpu] * days, RX: [rx_bps * 86400] * days, TX: [tx_bps * 86400] * days}
    metrics = gcp.metrics(IDLE, instance, values, params=params)
    return gcp.run(IDLE, instances=[instance], metrics=metrics, params=params)


@pytest.mark.parametrize(
    ("cpu", "expected"),
    [(0.0501, None), (0.05, Confidence.MEDIUM), (0.0201, Confidence.MEDIUM), (0.02, Confidence.HIGH)],
)
def test_idle_vm_cpu_boundaries(gcp, hit_ok, cpu, expected):
    hits = _idle(gcp, gcp.instance("api-1"), cpu=cpu)
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.evidence["cpu_max_daily_mean_pct"] == pytest.approx(cpu * 100)
    assert hit.evidence["datapoints"] == 14
    assert hit.evidence["cpu"]["window_days"] == 14


@pytest.mark.parametrize(("rx", "tx", "flagged"), [(2000, 1000, True), (2001, 10, False), (10, 1001, False)])
def test_idle_vm_network_boundaries(gcp, rx, tx, flagged):
    hits = _idle(gcp, gcp.instance("api-1"), rx_bps=rx, tx_bps=tx)
    assert bool(hits) is flagged


def test_a_busy_day_in_the_window_is_not_idle(gcp):
    instance = gcp.instance("api-1")
    values = {CPU: [0.01] * 13 + [0.4], RX: [0.0] * 14, TX: [0.0] * 14}
    metrics = gcp.metrics(IDLE, instance, values)
    assert gcp.run(IDLE, instances=[instance], metrics=metrics) == []


@pytest.mark.parametrize(("days", "flagged"), [(11, False), (12, True)])
def test_idle_vm_needs_enough_datapoints(gcp, days, flagged):
    assert bool(_idle(gcp, gcp.instance("api-1"), days=days)) is flagged


def test_missing_network_data_is_unknown_not_idle(gcp):
    instance = gcp.instance("api-1")
    metrics = gcp.metrics(IDLE, instance, {CPU: [0.0] * 14})
    assert gcp.run(IDLE, instances=[instance], metrics=metrics) == []


def test_no_metrics_at_all_is_unknown(gcp):
    assert gcp.run(IDLE, instances=[gcp.instance("api-1")]) == []


def test_idle_vm_cost_is_the_machine_list_price(gcp):
    (hit,) = _idle(gcp, gcp.instance("api-1", machine_type="e2-standard-4"))
    assert hit.cost.amount == pytest.approx(E2_STD_4)
    assert hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert "sustained-use" in hit.cost.detail


@pytest.mark.parametrize(
    "kw",
    [
        {"spot": True},
        {"machine_type": "n2-custom-4-16384"},
        {
            "accelerators": [
                {"acceleratorType": "zones/us-central1-a/acceleratorTypes/nvidia-t4", "acceleratorCount": 1}
            ]
        },
    ],
)
def test_unpriced_vms_have_unknown_cost(gcp, kw):
    (hit,) = _idle(gcp, gcp.instance("api-1", **kw))
    assert hit.cost.amount is None


def test_gke_and_dataproc_nodes_are_skipped(gcp):
    assert _idle(gcp, gcp.instance("gke-pool-1-abc", labels={"goog-gke-node": ""})) == []
    assert _idle(gcp, gcp.instance("dp-w-0", labels={"goog-dataproc-cluster-name": "etl"})) == []


def test_idle_mig_member_points_at_the_group(gcp):
    igm = "projects/482910375511/zones/us-central1-a/instanceGroupManagers/api-mig"
    instance = gcp.instance("api-mig-ab12", metadata={"items": [{"key": "created-by", "value": igm}]})
    (hit,) = _idle(gcp, instance, cpu=0.01)
    assert hit.confidence is Confidence.MEDIUM  # lowered from high
    assert "resize api-mig" in hit.recommendation


def test_idle_vm_names_its_static_ip(gcp):
    instance = gcp.instance("api-1", nat_ip="34.9.9.9")
    address = gcp.address("api-ip", "34.9.9.9", status="IN_USE", users=[instance["selfLink"]])
    metrics = gcp.metrics(IDLE, instance, {CPU: [0.0] * 14, RX: [0.0] * 14, TX: [0.0] * 14})
    (hit,) = gcp.run(IDLE, instances=[instance], addresses=[address], metrics=metrics)
    assert hit.evidence["static_ips"] == ["34.9.9.9"]
    assert hit.evidence["scenario"] == "idle_with_static_ip"


def test_idle_vm_metric_queries_skip_instances_that_are_not_running(gcp):
    from cloudwaste.checks.registry import get_check

    spec = get_check(IDLE)
    assert spec.metrics is not None
    for query in spec.metrics(spec.params()):
        assert query.namespace == "gce_instance" and query.dimension == "instance_id"
        assert "TERMINATED" in query.skip_states and "RUNNING" not in query.skip_states


# --- gcp.compute.previous_generation ---------------------------------------------------------------------


def test_always_on_n1_saves_nothing_once_sustained_use_is_counted(gcp):
    # list: n1-standard-4 $138.70 vs e2-standard-4 $97.82; with N1's 30 % SUD $97.09: no saving
    assert gcp.run(LEGACY, instances=[gcp.instance("old-1", machine_type="n1-standard-4")]) == []


def test_without_sustained_use_the_list_price_gap_is_the_saving(gcp, hit_ok):
    params = {"assume_sustained_use": False}
    (hit,) = gcp.run(LEGACY, instances=[gcp.instance("old-1", machine_type="n1-standard-4")], params=params)
    hit_ok(hit)
    n1 = round((4 * 0.031611 + 15 * 0.004237) * HOURS, 2)
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.amount == pytest.approx(n1 - E2_STD_4, abs=0.01)
    assert hit.evidence["target"] == "e2-standard-4"
    assert hit.confidence is Confidence.LOW
    assert "--machine-type=e2-standard-4" in hit.recommendation


@pytest.mark.parametrize(("min_saving", "flagged"), [(0.9, True), (1.0, False)])
def test_g1_small_min_saving_boundary(gcp, min_saving, flagged):
    # g1-small $18.76 x 0.7 = $13.13 vs e2-small $12.23: $0.90 a month
    instance = gcp.instance("tiny", machine_type="g1-small")
    hits = gcp.run(LEGACY, instances=[instance], params={"min_saving": min_saving})
    assert bool(hits) is flagged


def test_n1_sizes_beyond_e2_go_to_n2d(gcp):
    instance = gcp.instance("big", machine_type="n1-standard-64")
    (hit,) = gcp.run(LEGACY, instances=[instance], params={"assume_sustained_use": False})
    assert hit.evidence["target"] == "n2d-standard-64"


@pytest.mark.parametrize(
    "kw",
    [
        {"status": "TERMINATED", "stopped": 5},
        {"spot": True},
        {"machine_type": "e2-standard-4"},
        {"machine_type": "custom-4-16384"},
        {"machine_type": "n1-standard-1"},  # no E2/N2D type of 1 vCPU
    ],
)
def test_previous_generation_skips(gcp, kw):
    instance = gcp.instance("x", **({"machine_type": "n1-standard-4"} | kw))
    assert gcp.run(LEGACY, instances=[instance], params={"assume_sustained_use": False}) == []
