"""aws.ebs.old_snapshot and aws.ebs.orphan_snapshot, and that they never report the same snapshot."""

from __future__ import annotations

import json

import pytest
from tests.checks.aws.conftest import data_volume
from tests.checks.aws.conftest import volume_io as io

from cloudwaste.model import Confidence, CostKind
from cloudwaste.report import charged, summarize

OLD = "aws.ebs.old_snapshot"
ORPHAN = "aws.ebs.orphan_snapshot"
BACKUP_DESCRIPTION = "This snapshot is created by the AWS Backup service."


@pytest.fixture
def live(estate):
    """A volume that still exists, to make snapshots of it non-orphans."""
    return estate.volume("vol-0live", attached_to=["i-0a"])


# --- aws.ebs.old_snapshot ------------------------------------------------------------------------


class TestOldSnapshot:
    def test_no_snapshots_no_hits(self, estate):
        assert estate.run(OLD) == []

    def test_old_snapshot_of_a_live_volume_is_flagged(self, estate, live, hit_ok):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", size=8, age=120)
        [hit] = estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live])
        hit_ok(hit)
        assert hit.resource.arn == "arn:aws:ec2:us-east-1::snapshot/snap-0a1"
        assert hit.resource.type == "ebs_snapshot"
        assert hit.cost.amount == 0.4  # 8 GiB x $0.05
        assert hit.cost.kind is CostKind.COST
        assert "upper bound" in (hit.cost.detail or "")
        assert "upper bound" in hit.evidence["cost_bound"]
        assert hit.confidence is Confidence.LOW  # below twice the limit: often a deliberate backup
        assert "120 days" in hit.reason and "90-day" in hit.reason

    def test_twice_the_limit_gives_medium_confidence(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=200)
        [hit] = estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live])
        assert hit.confidence is Confidence.MEDIUM

    def test_recent_snapshot_is_not_flagged(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=10)
        assert estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live]) == []

    def test_age_boundary(self, estate, live):
        at = estate.snapshot("snap-0at", volume_id="vol-0live", age=90)
        below = estate.snapshot("snap-0below", volume_id="vol-0live", age=89)
        hits = estate.run(OLD, ec2__snapshots=[at, below], ec2__volumes=[live])
        assert [h.resource.id for h in hits] == ["snap-0at"]

    def test_snapshot_backing_a_registered_ami_is_skipped(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400)
        image = estate.image("ami-0a", snapshots=[("snap-0a1", 8)])
        assert estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live], ec2__images=[image]) == []

    def test_snapshot_in_a_launch_template_is_skipped(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400)
        version = estate.lt_version("lt-0a", 3, snapshot_ids=["snap-0a1"])
        hits = estate.run(
            OLD, ec2__snapshots=[snap], ec2__volumes=[live], ec2__launch_template_versions=[version]
        )
        assert hits == []

    def test_aws_backup_recovery_point_by_tag_is_skipped(self, estate, live):
        tags = {"aws:backup:source-resource": "arn:aws:ec2:us-east-1:123456789012:volume/vol-0live"}
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400, tags=tags)
        assert estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live]) == []

    def test_aws_backup_recovery_point_by_description_is_skipped(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400, description=BACKUP_DESCRIPTION)
        assert estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live]) == []

    def test_dlm_snapshot_is_skipped(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400, tags={"dlm:managed": "true"})
        assert estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live]) == []

    def test_orphan_is_left_to_the_orphan_check(self, estate):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0gone", age=400)
        assert estate.run(OLD, ec2__snapshots=[snap]) == []
        assert [h.resource.id for h in estate.run(ORPHAN, ec2__snapshots=[snap])] == ["snap-0a1"]

    @pytest.mark.parametrize("state", ["pending", "error", "recoverable"])
    def test_snapshot_not_completed_is_skipped(self, estate, live, state):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400, state=state)
        assert estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live]) == []

    def test_archive_tier_uses_the_archive_price(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", size=100, age=400, tier="archive")
        [hit] = estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live])
        assert hit.cost.amount == 1.25  # 100 GiB x $0.0125
        assert "archive" in (hit.cost.detail or "")

    def test_full_snapshot_size_tightens_the_bound(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", size=100, age=400, full_bytes=10 * 1024**3)
        [hit] = estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live])
        assert hit.cost.amount == 0.5  # 10 GiB written, not the 100 GiB volume
        assert hit.evidence["full_snapshot_size_gb"] == 10.0

    def test_several_snapshots(self, estate, live):
        snaps = [
            estate.snapshot("snap-0a1", volume_id="vol-0live", age=100),
            estate.snapshot("snap-0a2", volume_id="vol-0live", age=30),
            estate.snapshot("snap-0a3", volume_id="vol-0live", size=50, age=365),
        ]
        hits = estate.run(OLD, ec2__snapshots=snaps, ec2__volumes=[live])
        assert [(h.resource.id, h.cost.amount) for h in hits] == [("snap-0a1", 0.4), ("snap-0a3", 2.5)]


# --- aws.ebs.orphan_snapshot ---------------------------------------------------------------------


class TestOrphanSnapshot:
    def test_no_snapshots_no_hits(self, estate):
        assert estate.run(ORPHAN) == []

    def test_snapshot_of_deleted_volume_is_flagged(self, estate, live, hit_ok):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0gone", size=20, age=40)
        [hit] = estate.run(ORPHAN, ec2__snapshots=[snap], ec2__volumes=[live])
        hit_ok(hit)
        assert hit.cost.amount == 1.0
        assert hit.cost.kind is CostKind.COST
        assert "upper bound" in hit.evidence["cost_bound"]
        assert hit.confidence is Confidence.HIGH
        assert hit.evidence["source_volume_exists"] is False
        assert "vol-0gone" in hit.reason and "40 days" in hit.reason

    def test_young_orphan_gets_medium_confidence(self, estate):
        [hit] = estate.run(ORPHAN, ec2__snapshots=[estate.snapshot("snap-0a1", age=10)])
        assert hit.confidence is Confidence.MEDIUM

    def test_snapshot_of_existing_volume_is_not_an_orphan(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400)
        assert estate.run(ORPHAN, ec2__snapshots=[snap], ec2__volumes=[live]) == []

    def test_age_boundary(self, estate):
        at, below = estate.snapshot("snap-0at", age=7), estate.snapshot("snap-0below", age=6)
        assert [h.resource.id for h in estate.run(ORPHAN, ec2__snapshots=[at, below])] == ["snap-0at"]

    def test_snapshot_behind_a_registered_ami_is_not_an_orphan(self, estate):
        snap = estate.snapshot("snap-0a1", age=400, description="Created by CreateImage(i-0a) for ami-0a")
        image = estate.image("ami-0a", snapshots=[("snap-0a1", 8)])
        assert estate.run(ORPHAN, ec2__snapshots=[snap], ec2__images=[image]) == []

    def test_snapshot_of_a_deregistered_ami_is_an_orphan(self, estate):
        snap = estate.snapshot("snap-0a1", age=400, description="Created by CreateImage(i-0a) for ami-0a")
        image = estate.image("ami-0a", snapshots=[("snap-0a1", 8)], state="deregistered")
        assert len(estate.run(ORPHAN, ec2__snapshots=[snap], ec2__images=[image])) == 1

    def test_snapshot_in_a_launch_template_version_is_not_an_orphan(self, estate):
        snap = estate.snapshot("snap-0a1", age=400)
        old_version = estate.lt_version("lt-0a", 1, snapshot_ids=["snap-0a1"])
        new_version = estate.lt_version("lt-0a", 2)
        hits = estate.run(
            ORPHAN, ec2__snapshots=[snap], ec2__launch_template_versions=[new_version, old_version]
        )
        assert hits == []

    def test_aws_backup_tag_is_not_an_orphan(self, estate):
        snap = estate.snapshot("snap-0a1", age=400, tags={"aws:backup:source-resource": "arn:aws:ec2:x"})
        assert estate.run(ORPHAN, ec2__snapshots=[snap]) == []

    def test_aws_backup_description_is_not_an_orphan(self, estate):
        snap = estate.snapshot("snap-0a1", age=400, description=BACKUP_DESCRIPTION)
        assert estate.run(ORPHAN, ec2__snapshots=[snap]) == []

    @pytest.mark.parametrize("tag", ["dlm:managed", "aws:dlm:lifecycle-policy-id"])
    def test_dlm_snapshot_is_not_an_orphan(self, estate, tag):
        snap = estate.snapshot("snap-0a1", age=400, tags={tag: "true"})
        assert estate.run(ORPHAN, ec2__snapshots=[snap]) == []

    def test_copied_snapshot_is_flagged_with_low_confidence(self, estate):
        snap = estate.snapshot(
            "snap-0a1", volume_id="vol-ffffffff", age=400, description="[Copied snap-0src from us-west-2]"
        )
        [hit] = estate.run(ORPHAN, ec2__snapshots=[snap])
        assert hit.confidence is Confidence.LOW
        assert hit.evidence["copied"] is True
        assert "copy" in hit.reason

    @pytest.mark.parametrize("state", ["pending", "error"])
    def test_snapshot_not_completed_is_skipped(self, estate, state):
        assert estate.run(ORPHAN, ec2__snapshots=[estate.snapshot("snap-0a1", age=400, state=state)]) == []

    def test_several_snapshots(self, estate, live):
        snaps = [
            estate.snapshot("snap-0a1", volume_id="vol-0gone", age=100),
            estate.snapshot("snap-0a2", volume_id="vol-0live", age=100),
            estate.snapshot("snap-0a3", volume_id="vol-0gone2", size=30, age=50),
            estate.snapshot("snap-0a4", volume_id="vol-0gone", age=2),
        ]
        hits = estate.run(ORPHAN, ec2__snapshots=snaps, ec2__volumes=[live])
        assert [(h.resource.id, h.cost.amount) for h in hits] == [("snap-0a1", 0.4), ("snap-0a3", 1.5)]


def test_old_and_orphan_checks_never_report_the_same_snapshot(estate, live):
    snaps = [
        estate.snapshot("snap-0orphan-old", volume_id="vol-0gone", age=400),
        estate.snapshot("snap-0orphan-new", volume_id="vol-0gone", age=20),
        estate.snapshot("snap-0live-old", volume_id="vol-0live", age=400),
        estate.snapshot("snap-0copy-old", volume_id="vol-ffffffff", age=400),
    ]
    old = {h.resource.id for h in estate.run(OLD, ec2__snapshots=snaps, ec2__volumes=[live])}
    orphan = {h.resource.id for h in estate.run(ORPHAN, ec2__snapshots=snaps, ec2__volumes=[live])}
    assert old == {"snap-0live-old"}
    assert orphan == {"snap-0orphan-old", "snap-0orphan-new", "snap-0copy-old"}


# --- cost groups: the snapshots of one volume are charged once ----------------------------------


class TestSnapshotLineage:
    def test_old_snapshots_of_one_volume_share_a_lineage_cost_group(self, estate, live):
        snaps = [
            estate.snapshot(f"snap-0a{n}", volume_id="vol-0live", size=1024, age=100 + n) for n in range(3)
        ]
        hits = estate.run(OLD, ec2__snapshots=snaps, ec2__volumes=[live])
        assert [h.cost_group for h in hits] == ["snapshot-lineage:vol-0live"] * 3
        for hit in hits:
            assert hit.cost.amount == 51.2  # each one still shows its own upper bound
            assert "upper bound" in (hit.cost.detail or "")
            assert "charged once in totals" in (hit.cost.detail or "")
            assert "upper bound for this snapshot" in hit.evidence["cost_bound"]
            assert "charged once in totals" in hit.evidence["cost_bound"]

    def test_orphan_snapshots_of_one_deleted_volume_share_a_lineage_cost_group(self, estate):
        snaps = [
            estate.snapshot("snap-0a1", volume_id="vol-0gone"),
            estate.snapshot("snap-0a2", volume_id="vol-0gone"),
        ]
        other = estate.snapshot("snap-0b1", volume_id="vol-0other")
        hits = estate.run(ORPHAN, ec2__snapshots=[*snaps, other])
        assert [h.cost_group for h in hits] == [
            "snapshot-lineage:vol-0gone",
            "snapshot-lineage:vol-0gone",
            "snapshot-lineage:vol-0other",
        ]
        assert "charged once in totals" in hits[0].evidence["cost_bound"]

    def test_old_and_orphan_checks_use_the_same_group_for_one_volume(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400)
        [old] = estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live])
        [orphan] = estate.run(ORPHAN, ec2__snapshots=[snap])  # the same snapshot once its volume is gone
        assert old.cost_group == orphan.cost_group == "snapshot-lineage:vol-0live"

    @pytest.mark.parametrize(
        ("volume_id", "description"),
        [("vol-ffffffff", "[Copied snap-0src from us-west-2]"), ("vol-ffffffff", ""), ("", "")],
    )
    def test_copies_have_no_lineage_group(self, estate, volume_id, description):
        snap = estate.snapshot("snap-0a1", volume_id=volume_id, age=400, description=description)
        [hit] = estate.run(ORPHAN, ec2__snapshots=[snap])
        assert hit.cost_group is None
        assert "charged once" not in hit.evidence["cost_bound"]
        assert "charged once" not in (hit.cost.detail or "")

    def test_ten_snapshots_of_one_tib_volume_count_once_in_the_report_total(self, estate, live):
        snaps = [
            estate.snapshot(f"snap-0a{n}", volume_id="vol-0live", size=1024, age=100 + n) for n in range(10)
        ]
        snaps.append(estate.snapshot("snap-0b", volume_id="vol-0live2", size=100, age=200))
        live2 = estate.volume("vol-0live2", attached_to=["i-0b"])
        hits = estate.run(OLD, ec2__snapshots=snaps, ec2__volumes=[live, live2])
        assert len(hits) == 11
        findings = estate.findings(OLD, hits)
        assert findings[0].evidence["cost_group"] == "snapshot-lineage:vol-0live"
        summary = summarize(findings)
        assert summary.monthly_cost["amount"] == pytest.approx(
            51.2 + 5.0
        )  # one 1 TiB copy + the other lineage
        assert summary.overlapping_findings == 9
        assert len(charged(findings)) == 2

    def test_old_and_orphan_findings_of_one_lineage_are_charged_once_at_the_largest(self, estate, live):
        # the report charges a lineage once whichever of the two checks flagged each of its snapshots
        small = estate.snapshot("snap-0small", volume_id="vol-0live", size=8, age=400)
        big = estate.snapshot("snap-0big", volume_id="vol-0live", size=100, age=400)
        [old] = estate.run(OLD, ec2__snapshots=[small], ec2__volumes=[live])
        [orphan] = estate.run(ORPHAN, ec2__snapshots=[big])
        findings = estate.findings(OLD, [old]) + estate.findings(ORPHAN, [orphan])
        assert summarize(findings).monthly_cost["amount"] == 5.0  # the 100 GiB one, not 5.0 + 0.4
        assert charged(findings) == {findings[1].fingerprint}


# --- variants of the old and orphan checks ------------------------------------------------------


class TestOldSnapshotVariants:
    def test_plain_old_snapshot_is_the_old_unused_variant(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=120)
        [hit] = estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live])
        assert hit.evidence["scenario"] == "old_unused"

    @pytest.mark.parametrize(
        ("age", "expected"),
        [(89, None), (90, Confidence.MEDIUM), (179, Confidence.MEDIUM), (180, Confidence.HIGH)],
    )
    def test_non_production_snapshot_is_excessive_retention(self, estate, live, age, expected):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=age, tags={"Environment": "Staging"})
        hits = estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live])
        assert [h.confidence for h in hits] == ([expected] if expected else [])
        if hits:
            assert hits[0].evidence["scenario"] == "excessive_retention"
            assert hits[0].evidence["environment"] == "Staging"
            assert "non-production" in hits[0].reason

    def test_production_tag_is_plain_old_unused(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=200, tags={"env": "prod"})
        [hit] = estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live])
        assert hit.evidence["scenario"] == "old_unused" and hit.confidence is Confidence.MEDIUM

    @pytest.mark.parametrize("key", ["Retention", "BackupPolicy", "legal-hold", "Compliance"])
    def test_snapshot_declaring_a_retention_is_skipped(self, estate, live, key):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=400, tags={key: "7y"})
        assert estate.run(OLD, ec2__snapshots=[snap], ec2__volumes=[live]) == []


class TestOrphanSnapshotVariants:
    def test_snapshot_of_a_deleted_volume_is_the_volume_deleted_variant(self, estate):
        [hit] = estate.run(ORPHAN, ec2__snapshots=[estate.snapshot("snap-0a1", age=40)])
        assert hit.evidence["scenario"] == "volume_deleted"

    def test_snapshot_of_a_terminated_instance_is_the_deleted_instance_variant(self, estate):
        snap = estate.snapshot(
            "snap-0a1", age=120, description="Created by CreateImage(i-0abc12345678) for ami-0x"
        )
        [hit] = estate.run(ORPHAN, ec2__snapshots=[snap])
        assert hit.evidence["scenario"] == "deleted_instance_snapshot"
        assert hit.evidence["instances_gone"] == ["i-0abc12345678"]
        assert "i-0abc12345678" in hit.reason and hit.confidence is Confidence.HIGH

    def test_snapshot_naming_a_live_instance_stays_volume_deleted(self, estate):
        snap = estate.snapshot(
            "snap-0a1", age=120, description="Created by CreateImage(i-0abc12345678) for ami-0x"
        )
        inst = estate.instance("i-0abc12345678")
        [hit] = estate.run(ORPHAN, ec2__snapshots=[snap], ec2__instances=[inst])
        assert hit.evidence["scenario"] == "volume_deleted"
        assert hit.evidence["instances_gone"] == []

    def test_copy_naming_an_instance_is_still_a_low_confidence_copy(self, estate):
        snap = estate.snapshot(
            "snap-0a1",
            volume_id="vol-ffffffff",
            age=120,
            description="[Copied snap-0src from us-west-2] Created by CreateImage(i-0abc12345678)",
        )
        [hit] = estate.run(ORPHAN, ec2__snapshots=[snap])
        assert hit.evidence["scenario"] == "volume_deleted" and hit.confidence is Confidence.LOW


# --- aws.ebs.redundant_snapshot ------------------------------------------------------------------

REDUNDANT = "aws.ebs.redundant_snapshot"


def daily_snapshots(estate, n, volume_id="vol-0live", start=1, **kwargs):
    """``n`` snapshots of one volume, one a day, the newest ``start`` days old."""
    return [
        estate.snapshot(f"snap-{volume_id}-{k:02d}", volume_id=volume_id, age=start + k, **kwargs)
        for k in range(n)
    ]


class TestRedundantSnapshot:
    def test_no_snapshots_no_hits(self, estate):
        assert estate.run(REDUNDANT) == []

    @pytest.mark.parametrize(("count", "flagged"), [(7, 0), (8, 1), (9, 2)])
    def test_keep_per_volume_boundary(self, estate, live, count, flagged):
        snaps = daily_snapshots(estate, count)
        hits = estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[live])
        assert [h.resource.id for h in hits] == [s["SnapshotId"] for s in snaps[7:]]
        assert len(hits) == flagged
        for hit in hits:
            assert hit.evidence["scenario"] == "redundant_snapshot"
            assert hit.confidence is Confidence.MEDIUM
            assert hit.cost_group == "snapshot-lineage:vol-0live"

    def test_far_beyond_the_kept_ones_is_high_confidence(self, estate, live, hit_ok):
        snaps = daily_snapshots(estate, 16)
        hits = {h.resource.id: h for h in estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[live])}
        hit_ok(hits[snaps[13]["SnapshotId"]])
        assert hits[snaps[13]["SnapshotId"]].confidence is Confidence.MEDIUM  # 13 newer
        assert hits[snaps[14]["SnapshotId"]].confidence is Confidence.HIGH  # 14 newer
        assert "14 newer manual snapshots" in hits[snaps[14]["SnapshotId"]].reason

    def test_report_charges_the_lineage_once(self, estate, live):
        snaps = daily_snapshots(estate, 12, size=100)
        hits = estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[live])
        assert len(hits) == 5
        assert summarize(estate.findings(REDUNDANT, hits)).monthly_cost["amount"] == 5.0  # not 5 x 5.0

    @pytest.mark.parametrize(
        "owned",
        [
            {"tags": {"dlm:managed": "true"}},
            {"tags": {"aws:backup:source-resource": "arn:aws:ec2:us-east-1:123456789012:volume/vol-0live"}},
            {"description": "This snapshot is created by the AWS Backup service."},
        ],
    )
    def test_policy_snapshots_are_neither_counted_nor_flagged(self, estate, live, owned):
        snaps = daily_snapshots(estate, 7) + daily_snapshots(estate, 5, start=20, **owned)
        for n, snap in enumerate(snaps[7:]):
            snap["SnapshotId"] = f"snap-0owned{n}"
        assert estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[live]) == []

    def test_ami_backing_snapshots_are_never_flagged(self, estate, live):
        snaps = daily_snapshots(estate, 10)
        images = [
            estate.image(f"ami-0{n}", snapshots=[(s["SnapshotId"], 8)]) for n, s in enumerate(snaps[7:])
        ]
        assert estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[live], ec2__images=images) == []

    def test_snapshots_of_deleted_volumes_copies_and_archives_are_left_alone(self, estate):
        snaps = daily_snapshots(estate, 10, volume_id="vol-0gone")  # orphan_snapshot's
        snaps += daily_snapshots(estate, 10, volume_id="vol-ffffffff")
        archive_vol = estate.volume("vol-0arc", attached_to=["i-0a"])
        snaps += daily_snapshots(estate, 10, volume_id="vol-0arc", tier="archive")
        assert estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[archive_vol]) == []

    @pytest.mark.parametrize(("minutes", "flagged"), [(30, True), (60, True), (61, False)])
    def test_duplicate_window_boundary(self, estate, live, minutes, flagged):
        later = estate.snapshot("snap-0later", volume_id="vol-0live", age=10)
        earlier = estate.snapshot("snap-0earlier", volume_id="vol-0live", age=10 + minutes / 1440)
        hits = estate.run(REDUNDANT, ec2__snapshots=[later, earlier], ec2__volumes=[live])
        assert [h.resource.id for h in hits] == (["snap-0earlier"] if flagged else [])
        if flagged:
            assert hits[0].evidence["scenario"] == "duplicate"
            assert hits[0].evidence["duplicate_of"] == "snap-0later"
            assert hits[0].evidence["minutes_apart"] == minutes
            assert hits[0].confidence is Confidence.HIGH
            assert f"{minutes} minutes before snap-0later" in hits[0].reason

    def test_a_manual_snapshot_just_before_a_dlm_one_is_not_a_duplicate(self, estate, live):
        # DLM will rotate the newer one away; the manual one then holds that state alone
        later = estate.snapshot("snap-0dlm", volume_id="vol-0live", age=10, tags={"dlm:managed": "true"})
        earlier = estate.snapshot("snap-0manual", volume_id="vol-0live", age=10 + 20 / 1440)
        assert estate.run(REDUNDANT, ec2__snapshots=[later, earlier], ec2__volumes=[live]) == []

    def test_older_snapshots_of_an_unattached_volume_keep_only_the_newest(self, estate):
        vol = estate.volume("vol-0loose", age=200)
        snaps = daily_snapshots(estate, 3, volume_id="vol-0loose", start=40)
        hits = estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[vol])
        assert [h.resource.id for h in hits] == [s["SnapshotId"] for s in snaps[1:]]
        for hit in hits:
            assert hit.evidence["scenario"] == "idle_volume_snapshot"
            assert hit.evidence["kept"] == snaps[0]["SnapshotId"]
            assert hit.confidence is Confidence.MEDIUM
            assert "is not attached to any instance" in hit.reason

    @pytest.mark.parametrize(("detached", "flagged"), [(6.9, False), (7, True)])
    def test_unattached_source_boundary(self, estate, detached, flagged):
        vol = estate.volume("vol-0loose", age=200)
        snaps = daily_snapshots(estate, 2, volume_id="vol-0loose", start=40)
        metrics = io("vol-0loose", [10] * 30, ending_days_ago=detached)
        hits = estate.run(REDUNDANT, metrics=metrics, ec2__snapshots=snaps, ec2__volumes=[vol])
        assert len(hits) == int(flagged)

    def test_older_snapshots_of_an_idle_attached_volume_are_low_confidence(self, estate):
        inst = estate.instance("i-0a")
        vol = data_volume(estate, "vol-0quiet", age=200)
        snaps = daily_snapshots(estate, 2, volume_id="vol-0quiet", start=50)
        metrics = io("vol-0quiet", [900] * 20 + [0] * 40)
        hits = estate.run(
            REDUNDANT, metrics=metrics, ec2__snapshots=snaps, ec2__volumes=[vol], ec2__instances=[inst]
        )
        assert [h.resource.id for h in hits] == [snaps[1]["SnapshotId"]]
        assert hits[0].confidence is Confidence.LOW
        assert "40 reported days" in hits[0].reason
        # without datapoints the volume's activity is unknown: nothing is flagged
        assert estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[vol], ec2__instances=[inst]) == []

    def test_variants_combine_on_one_snapshot(self, estate, live):
        snaps = daily_snapshots(estate, 8)
        snaps.append(estate.snapshot("snap-0dup", volume_id="vol-0live", age=8 + 10 / 1440))
        hits = {h.resource.id: h for h in estate.run(REDUNDANT, ec2__snapshots=snaps, ec2__volumes=[live])}
        dup = hits["snap-0dup"]
        assert dup.evidence["scenarios"] == ["duplicate", "redundant_snapshot"]
        assert dup.confidence is Confidence.HIGH
        json.dumps([h.evidence for h in hits.values()])  # stored as JSON

    def test_shares_the_volume_activity_queries_of_the_volume_checks(self):
        from cloudwaste.checks.registry import get_check

        redundant, unattached = get_check(REDUNDANT), get_check("aws.ebs.unattached_volume")
        assert redundant.metrics and unattached.metrics
        assert redundant.metrics(redundant.params()) == unattached.metrics(unattached.params())


# --- aws.ebs.failed_snapshot ---------------------------------------------------------------------

FAILED = "aws.ebs.failed_snapshot"


class TestFailedSnapshot:
    def test_error_snapshot_is_flagged_with_an_unknown_cost(self, estate, hit_ok):
        snap = estate.snapshot("snap-0a1", age=1, state="error")
        snap["StateMessage"] = "Internal error"
        [hit] = estate.run(FAILED, ec2__snapshots=[snap])
        hit_ok(hit)
        assert hit.confidence is Confidence.HIGH
        assert hit.cost.amount is None and "no storage charge" in (hit.cost.detail or "")
        assert hit.evidence["scenario"] == "incomplete_failed"
        assert "failed (Internal error)" in hit.reason

    @pytest.mark.parametrize(
        ("age", "expected"),
        [(6, None), (7, Confidence.MEDIUM), (29, Confidence.MEDIUM), (30, Confidence.HIGH)],
    )
    def test_pending_boundaries(self, estate, age, expected):
        snap = estate.snapshot("snap-0a1", age=age, state="pending")
        hits = estate.run(FAILED, ec2__snapshots=[snap])
        assert [h.confidence for h in hits] == ([expected] if expected else [])
        if hits:
            assert "42%" in hits[0].reason

    @pytest.mark.parametrize(
        "owned", [{"tags": {"aws:backup:source-resource": "arn"}}, {"tags": {"dlm:managed": "true"}}]
    )
    def test_backup_and_dlm_snapshots_are_left_to_their_service(self, estate, owned):
        assert estate.run(FAILED, ec2__snapshots=[estate.snapshot("snap-0a1", state="error", **owned)]) == []

    def test_completed_snapshot_is_not_flagged(self, estate):
        assert estate.run(FAILED, ec2__snapshots=[estate.snapshot("snap-0a1", age=400)]) == []


# --- aws.ebs.untagged_snapshot -------------------------------------------------------------------

UNTAGGED = "aws.ebs.untagged_snapshot"


class TestUntaggedSnapshot:
    def test_age_boundary(self, estate, live):
        at = estate.snapshot("snap-0at", volume_id="vol-0live", age=30)
        below = estate.snapshot("snap-0below", volume_id="vol-0live", age=29)
        hits = estate.run(UNTAGGED, ec2__snapshots=[at, below], ec2__volumes=[live])
        assert [h.resource.id for h in hits] == ["snap-0at"]
        assert hits[0].confidence is Confidence.LOW
        assert hits[0].evidence["scenario"] == "untagged"
        assert hits[0].cost.amount == 0.4 and hits[0].cost_group == "snapshot-lineage:vol-0live"

    def test_tagged_snapshot_is_not_flagged(self, estate, live):
        snap = estate.snapshot("snap-0a1", volume_id="vol-0live", age=100, tags={"Owner": "data"})
        assert estate.run(UNTAGGED, ec2__snapshots=[snap], ec2__volumes=[live]) == []

    def test_orphans_and_ami_snapshots_are_left_to_their_checks(self, estate, live):
        orphan = estate.snapshot("snap-0orphan", age=100)
        ami_snap = estate.snapshot("snap-0ami", volume_id="vol-0live", age=100)
        image = estate.image("ami-0a", snapshots=[("snap-0ami", 8)])
        hits = estate.run(
            UNTAGGED, ec2__snapshots=[orphan, ami_snap], ec2__volumes=[live], ec2__images=[image]
        )
        assert hits == []
