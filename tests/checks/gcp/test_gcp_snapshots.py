"""Snapshot checks: old snapshots and snapshots of deleted disks."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence
from cloudwaste.report import charged

OLD = "gcp.compute.old_snapshot"
ORPHAN = "gcp.compute.orphan_snapshot"
GIB = 1024**3


# --- gcp.compute.old_snapshot --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [(89.9, None), (90, Confidence.MEDIUM), (364.9, Confidence.MEDIUM), (365, Confidence.HIGH)],
)
def test_old_snapshot_thresholds(gcp, hit_ok, age, expected):
    disk = gcp.disk("db-data", users=["db-1"])
    snaps = [gcp.snapshot("db-old", disk=disk, created=age), gcp.snapshot("db-new", disk=disk, created=1)]
    hits = gcp.run(OLD, snapshots=snaps, disks=[disk])
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.resource.name == "db-old"
    assert hit.confidence is expected
    assert hit.region == "us"
    assert hit.recommendation == "gcloud compute snapshots delete db-old"


def test_the_newest_snapshot_of_an_existing_disk_is_its_backup(gcp):
    disk = gcp.disk("db-data", users=["db-1"])
    only = gcp.snapshot("db-only", disk=disk, created=400)
    assert gcp.run(OLD, snapshots=[only], disks=[disk]) == []


def test_old_snapshots_of_deleted_disks_are_old_too(gcp):
    (hit,) = gcp.run(OLD, snapshots=[gcp.snapshot("gone", disk="deleted-disk", created=200)])
    assert hit.evidence["source_disk_state"] == "deleted"


def test_snapshot_cost_follows_storage_bytes_location_and_type(gcp):
    snaps = [
        gcp.snapshot("multi", disk="gone", created=200, storage_bytes=100 * GIB),
        gcp.snapshot(
            "regional", disk="gone", created=200, storage_bytes=100 * GIB, storageLocations=["us-central1"]
        ),
        gcp.snapshot("archive", disk="gone", created=200, storage_bytes=100 * GIB, snapshot_type="ARCHIVE"),
    ]
    costs = {
        h.resource.name: h.cost.amount
        for h in gcp.run(OLD, snapshots=snaps, params={"include_archive": True})
    }
    assert costs == {
        "multi": pytest.approx(6.5),
        "regional": pytest.approx(5.0),
        "archive": pytest.approx(2.4),
    }


def test_scheduled_and_archive_snapshots_are_left_to_their_policy(gcp):
    scheduled = gcp.snapshot("daily-1", disk="gone", created=200, auto=True)
    archive = gcp.snapshot("keep", disk="gone", created=200, snapshot_type="ARCHIVE")
    assert gcp.run(OLD, snapshots=[scheduled, archive]) == []
    hits = gcp.run(OLD, snapshots=[scheduled], params={"include_scheduled": True})
    assert [h.evidence["scenario"] for h in hits] == ["scheduled_old"]


def test_snapshots_not_ready_are_skipped(gcp):
    assert gcp.run(OLD, snapshots=[gcp.snapshot("failed", disk="x", created=200, status="FAILED")]) == []


def test_unknown_storage_bytes_is_unknown_cost(gcp):
    snap = gcp.snapshot("nobytes", disk="gone", created=200)
    del snap["storageBytes"]
    (hit,) = gcp.run(OLD, snapshots=[snap])
    assert hit.cost.amount is None


# --- gcp.compute.orphan_snapshot ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [(29.9, None), (30, Confidence.MEDIUM), (89.9, Confidence.MEDIUM), (90, Confidence.HIGH)],
)
def test_orphan_snapshot_thresholds(gcp, hit_ok, age, expected):
    hits = gcp.run(ORPHAN, snapshots=[gcp.snapshot("left", disk="deleted-disk", created=age)])
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.evidence["scenario"] == "source_deleted"


def test_snapshot_of_an_existing_disk_is_not_orphaned(gcp):
    disk = gcp.disk("db-data", users=["db-1"])
    assert gcp.run(ORPHAN, snapshots=[gcp.snapshot("s", disk=disk, created=100)], disks=[disk]) == []


def test_a_recreated_disk_of_the_same_name_does_not_adopt_the_snapshot(gcp):
    disk = gcp.disk("db-data", users=["db-1"])
    snap = gcp.snapshot("s", disk=disk, disk_id="1111111111111111111", created=100)
    (hit,) = gcp.run(ORPHAN, snapshots=[snap], disks=[disk])
    assert hit.evidence["source_disk_state"] == "recreated"
    assert "name reused" in hit.reason


def test_the_disk_is_found_whatever_the_url_spelling(gcp):
    disk = gcp.disk("db-data", users=["db-1"])
    snap = gcp.snapshot("s", disk=disk, created=100)
    snap["sourceDisk"] = snap["sourceDisk"].replace("/compute/v1/", "/compute/beta/")
    assert gcp.run(ORPHAN, snapshots=[snap], disks=[disk]) == []


def test_snapshots_of_another_projects_disk_are_skipped(gcp):
    snap = gcp.snapshot("x", created=100)
    snap["sourceDisk"] = "https://www.googleapis.com/compute/v1/projects/other-proj/zones/us-east1-b/disks/d"
    snap["sourceDiskId"] = "42"
    assert gcp.run(ORPHAN, snapshots=[snap]) == []


def test_snapshots_without_a_source_disk_are_skipped(gcp):
    assert gcp.run(ORPHAN, snapshots=[gcp.snapshot("from-instant", created=100)]) == []


def test_old_and_orphan_findings_of_one_snapshot_are_charged_once(gcp):
    snap = gcp.snapshot("gone", disk="deleted-disk", created=200)
    old = gcp.findings(OLD, gcp.run(OLD, snapshots=[snap]))
    orphan = gcp.findings(ORPHAN, gcp.run(ORPHAN, snapshots=[snap]))
    assert len(charged(old + orphan)) == 1
