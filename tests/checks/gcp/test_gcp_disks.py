"""Persistent disk checks: unattached disks, disks of stopped instances, idle disks."""

from __future__ import annotations

import json

import pytest

from cloudwaste.model import Confidence, CostBasis

UNATTACHED = "gcp.compute.unattached_disk"
ON_STOPPED = "gcp.compute.disk_on_stopped_instance"
IDLE = "gcp.compute.idle_disk"
READ = "compute.googleapis.com/instance/disk/read_ops_count"
WRITE = "compute.googleapis.com/instance/disk/write_ops_count"


# --- gcp.compute.unattached_disk ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detached", "expected"),
    [(6.9, None), (7, Confidence.MEDIUM), (29.9, Confidence.MEDIUM), (30, Confidence.HIGH)],
)
def test_unattached_disk_thresholds(gcp, hit_ok, detached, expected):
    disk = gcp.disk("orphan-1", created=400, attached=500, detached=detached)
    hits = gcp.run(UNATTACHED, disks=[disk])
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.evidence["age_basis"] == "lastDetachTimestamp"
    assert hit.region == "us-central1-a"
    assert "gcloud compute disks delete orphan-1 --zone=us-central1-a" in hit.recommendation


def test_an_old_disk_detached_yesterday_is_not_abandoned(gcp):
    # the original ages from creationTimestamp and would flag this year-old disk
    disk = gcp.disk("fresh-detach", created=365, attached=300, detached=1)
    assert gcp.run(UNATTACHED, disks=[disk]) == []


def test_never_attached_disk_is_aged_from_creation(gcp):
    (hit,) = gcp.run(UNATTACHED, disks=[gcp.disk("never", created=45)])
    assert hit.evidence["age_basis"].startswith("creationTimestamp")
    assert hit.evidence["scenario"] == "never_attached"
    assert "was created 45 days ago" in hit.reason


def test_attached_disks_and_disks_in_flux_are_not_unattached(gcp):
    attached = gcp.disk("in-use", users=["web-1"], created=90)
    creating = gcp.disk("new", created=40, status="CREATING")
    restoring = gcp.disk("restore", created=40, status="RESTORING")
    assert gcp.run(UNATTACHED, disks=[attached, creating, restoring]) == []


def test_unattached_disk_price_by_type_and_sizegb_string(gcp):
    disks = [
        gcp.disk("std", size_gb=500, dtype="pd-standard", created=40),
        gcp.disk("ssd", size_gb=100, dtype="pd-ssd", created=40),
        gcp.disk("regional", size_gb=100, dtype="pd-ssd", region="us-central1", zone=None, created=40),
        gcp.disk("extreme", size_gb=500, dtype="pd-extreme", created=40, provisionedIops="10000"),
        gcp.disk("hyper", size_gb=500, dtype="hyperdisk-balanced", created=40),
    ]
    assert all(isinstance(d["sizeGb"], str) for d in disks)
    costs = {h.resource.name: h.cost for h in gcp.run(UNATTACHED, disks=disks)}
    assert costs["std"].amount == pytest.approx(20.0)
    assert costs["ssd"].amount == pytest.approx(17.0)
    assert costs["regional"].amount == pytest.approx(34.0)  # regional PD bills twice the zonal rate
    assert costs["extreme"].amount == pytest.approx(500 * 0.125 + 10000 * 0.065)
    assert costs["hyper"].amount is None  # Hyperdisk is not in the book: unknown, never 0
    assert costs["std"].basis is CostBasis.BUNDLED_PRICE


def test_regional_disk_finding_is_in_its_region(gcp):
    disk = gcp.disk("regional", region="europe-west1", zone=None, created=40)
    (hit,) = gcp.run(UNATTACHED, disks=[disk])
    assert hit.region == "europe-west1"
    assert "--region=europe-west1" in hit.recommendation


def test_gke_persistent_volume_disk_is_low_confidence(gcp):
    description = json.dumps(
        {"kubernetes.io/created-for/pv/name": "pvc-1f2e", "kubernetes.io/created-for/pvc/name": "data-db-0"}
    )
    disk = gcp.disk("pvc-1f2e", created=90, description=description)
    (hit,) = gcp.run(UNATTACHED, disks=[disk])
    assert hit.confidence is Confidence.LOW
    assert hit.evidence["gke_volume"] == "pvc-1f2e"
    assert "kubectl delete pvc" in hit.recommendation


# --- gcp.compute.disk_on_stopped_instance ------------------------------------------------------------


@pytest.mark.parametrize(
    ("stopped", "expected"),
    [(6.9, None), (7, Confidence.MEDIUM), (30, Confidence.HIGH)],
)
def test_disk_on_stopped_instance_thresholds(gcp, hit_ok, stopped, expected):
    disk = gcp.disk("data-1", users=["web-1"])
    instance = gcp.instance("web-1", status="TERMINATED", stopped=stopped, disks=["boot", disk])
    hits = gcp.run(ON_STOPPED, disks=[disk], instances=[instance])
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.cost.amount == pytest.approx(10.0)
    assert "detach-disk web-1 --disk=data-1" in hit.recommendation


def test_a_disk_shared_with_a_running_instance_is_not_flagged(gcp):
    disk = gcp.disk("shared", users=["web-1", "web-2"])
    stopped = gcp.instance("web-1", status="TERMINATED", stopped=60, disks=["b1", disk])
    running = gcp.instance("web-2", disks=["b2", disk])
    assert gcp.run(ON_STOPPED, disks=[disk], instances=[stopped, running]) == []


def test_the_most_recently_stopped_user_sets_the_age(gcp):
    disk = gcp.disk("shared", users=["web-1", "web-2"])
    a = gcp.instance("web-1", status="TERMINATED", stopped=60, disks=["b1", disk])
    b = gcp.instance("web-2", status="TERMINATED", stopped=3, disks=["b2", disk])
    assert gcp.run(ON_STOPPED, disks=[disk], instances=[a, b]) == []


def test_a_user_that_is_not_listed_is_unknown(gcp):
    disk = gcp.disk("data-1", users=["gone"])
    assert gcp.run(ON_STOPPED, disks=[disk]) == []


def test_boot_disks_can_be_excluded(gcp):
    boot = gcp.disk("web-1", users=["web-1"])
    instance = gcp.instance("web-1", status="TERMINATED", stopped=60, disks=[boot])
    assert len(gcp.run(ON_STOPPED, disks=[boot], instances=[instance])) == 1
    assert gcp.run(ON_STOPPED, disks=[boot], instances=[instance], params={"exclude_boot_disks": True}) == []


# --- gcp.compute.idle_disk ------------------------------------------------------------------------------


def _idle_estate(gcp, *, device=None, status="RUNNING", attached=60.0, boot=False):
    disk = gcp.disk("data-1", users=["db-1"], attached=attached, created=200, dtype="pd-ssd", size_gb=500)
    instance = gcp.instance("db-1", status=status, disks=[disk] if boot else ["db-1", disk])
    if device is not None:
        instance["disks"][0 if boot else 1]["deviceName"] = device
    return disk, instance


def _run_idle(gcp, disk, instance, read, write, **params):
    metrics = gcp.metrics(IDLE, disk, {READ: read, WRITE: write}, params=params)
    return gcp.run(IDLE, disks=[disk], instances=[instance], metrics=metrics, params=params)


@pytest.mark.parametrize(
    ("ops", "expected"),
    [(0, Confidence.HIGH), (50, Confidence.MEDIUM), (100, Confidence.MEDIUM), (100.5, None)],
)
def test_idle_disk_daily_ops_boundaries(gcp, hit_ok, ops, expected):
    disk, instance = _idle_estate(gcp)
    hits = _run_idle(gcp, disk, instance, [ops / 2] * 14, [ops / 2] * 14)
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.evidence["device_name"] == "data-1"
    assert hit.evidence["datapoints"] == 14
    assert hit.cost.amount == pytest.approx(85.0)


def test_one_busy_day_is_not_idle(gcp):
    disk, instance = _idle_estate(gcp)
    assert _run_idle(gcp, disk, instance, [0] * 13 + [5000], [0] * 14) == []


@pytest.mark.parametrize(("days", "flagged"), [(11, False), (12, True)])
def test_idle_disk_needs_enough_datapoints(gcp, days, flagged):
    disk, instance = _idle_estate(gcp)
    assert bool(_run_idle(gcp, disk, instance, [0] * days, [0] * days)) is flagged


def test_missing_series_is_unknown_not_idle(gcp):
    disk, instance = _idle_estate(gcp)
    assert _run_idle(gcp, disk, instance, [0] * 14, None) == []


def test_a_device_name_that_is_not_the_disk_name_is_unknown(gcp):
    # the series are filed under the device name; another device name cannot be matched to this disk
    disk, instance = _idle_estate(gcp, device="persistent-disk-1")
    assert _run_idle(gcp, disk, instance, [0] * 14, [0] * 14) == []


def test_disk_queries_read_the_device_name_label(gcp):
    from cloudwaste.checks.registry import get_check

    spec = get_check(IDLE)
    assert spec.metrics is not None
    for query in spec.metrics(spec.params()):
        assert (query.namespace, query.dimension, query.collection, query.id_field) == (
            "gce_instance",
            "device_name",
            "gcp:disks",
            "name",
        )
        assert query.stat == "Sum" and query.period_s == 86400


def test_recently_attached_and_stopped_and_boot_disks_are_skipped(gcp):
    disk, instance = _idle_estate(gcp, attached=5)
    assert _run_idle(gcp, disk, instance, [0] * 14, [0] * 14) == []
    disk, instance = _idle_estate(gcp, status="TERMINATED")
    assert _run_idle(gcp, disk, instance, [0] * 14, [0] * 14) == []
    disk, instance = _idle_estate(gcp, boot=True, device="data-1")
    assert _run_idle(gcp, disk, instance, [0] * 14, [0] * 14) == []
    assert len(_run_idle(gcp, disk, instance, [0] * 14, [0] * 14, include_boot_disks=True)) == 1
