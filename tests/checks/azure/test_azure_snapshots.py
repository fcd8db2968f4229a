"""Snapshot checks: orphaned, old, Premium, sprawl per disk, full instead of incremental."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis, CostKind

ORPHAN = "azure.compute.orphan_snapshot"
OLD = "azure.compute.old_snapshot"
PREMIUM = "azure.compute.premium_snapshot"
SPRAWL = "azure.compute.snapshot_sprawl"
FULL = "azure.compute.full_snapshots"


class TestOrphanSnapshot:
    def test_snapshot_of_a_deleted_disk(self, az, hit_ok):
        gone = az.rid("rg-app", "Microsoft.Compute/disks", "deleted-disk")
        snap = az.snapshot("s1", source=gone, size=100, age=100)
        [hit] = az.run(ORPHAN, snapshots=[snap])
        hit_ok(hit)
        assert hit.cost.amount == 5.0  # 100 GiB x $0.05, an upper bound
        assert hit.cost.basis is CostBasis.ESTIMATE
        assert hit.confidence is Confidence.HIGH
        assert hit.cost_group and hit.cost_group.startswith("snapshot-family:")

    @pytest.mark.parametrize(
        ("age", "found", "confidence"), [(29, False, None), (30, True, "medium"), (90, True, "high")]
    )
    def test_age_boundaries(self, az, age, found, confidence):
        snap = az.snapshot("s1", source=az.rid("rg-app", "Microsoft.Compute/disks", "gone"), age=age)
        hits = az.run(ORPHAN, snapshots=[snap])
        assert bool(hits) is found
        if found:
            assert hits[0].confidence.value == confidence

    def test_snapshot_of_a_live_disk_is_not_orphaned(self, az):
        disk = az.disk("d1", vm=az.vm("vm1"))
        assert az.run(ORPHAN, snapshots=[az.snapshot("s1", source=disk)], disks=[disk]) == []

    def test_disk_deleted_and_recreated_under_the_same_name(self, az):
        disk = az.disk("d1")
        snap = az.snapshot("s1", source=disk, source_unique_id="11111111-2222-3333-4444-555555555555")
        [hit] = az.run(ORPHAN, snapshots=[snap], disks=[disk])
        assert hit.evidence["source_state"] == "recreated"

    def test_source_id_case_differs(self, az):
        disk = az.disk("d1")
        snap = az.snapshot("s1", source=disk["id"].upper().replace(az.sub.upper(), az.sub))
        snap["properties"]["creationData"]["sourceUniqueId"] = disk["properties"]["uniqueId"]
        assert az.run(ORPHAN, snapshots=[snap], disks=[disk]) == []

    def test_other_subscription_and_imports_are_not_judged(self, az):
        other = "/subscriptions/00000000-0000-0000-0000-000000000009/resourceGroups/rg/providers/"
        other += "Microsoft.Compute/disks/d"
        assert az.run(ORPHAN, snapshots=[az.snapshot("s1", source=other)]) == []
        assert az.run(ORPHAN, snapshots=[az.snapshot("s2", source=None)]) == []

    def test_backup_owned_snapshot_is_skipped(self, az):
        gone = az.rid("rg-app", "Microsoft.Compute/disks", "gone")
        snap = az.snapshot("s1", source=gone, tags={"RSVaultBackup": "vault1"})
        assert az.run(ORPHAN, snapshots=[snap]) == []


class TestOldSnapshot:
    def test_old_snapshot_never_restored(self, az, hit_ok):
        disk = az.disk("d1", vm=az.vm("vm1"))
        [hit] = az.run(OLD, snapshots=[az.snapshot("s1", source=disk, age=120)], disks=[disk])
        hit_ok(hit)
        assert hit.evidence["scenario"] == "disk_snapshot_never_restored"
        assert hit.confidence is Confidence.LOW

    @pytest.mark.parametrize(("age", "found"), [(89, False), (90, True)])
    def test_age_boundary(self, az, age, found):
        disk = az.disk("d1")
        assert bool(az.run(OLD, snapshots=[az.snapshot("s1", source=disk, age=age)], disks=[disk])) is found

    def test_very_old_boundary_and_confidence(self, az):
        disk = az.disk("d1")
        young, old = az.snapshot("s1", source=disk, age=364), az.snapshot("s2", source=disk, age=365)
        hits = {h.resource.name: h for h in az.run(OLD, snapshots=[young, old], disks=[disk])}
        assert "disk_snapshot_very_old" not in hits["s1"].evidence["scenarios"]
        assert "disk_snapshot_very_old" in hits["s2"].evidence["scenarios"]
        assert hits["s2"].confidence is Confidence.MEDIUM

    @pytest.mark.parametrize(("size", "large"), [(999, False), (1000, True)])
    def test_large_unused_boundary(self, az, size, large):
        disk = az.disk("d1")
        [hit] = az.run(OLD, snapshots=[az.snapshot("s1", source=disk, size=size)], disks=[disk])
        assert (hit.evidence["scenario"] == "disk_snapshot_large_unused") is large

    def test_restored_snapshot_is_old_but_not_never_restored(self, az):
        disk = az.disk("d1")
        snap = az.snapshot("s1", source=disk, size=2000)
        restored = az.disk("d1-restored", source=snap["id"])
        [hit] = az.run(OLD, snapshots=[snap], disks=[disk, restored])
        assert hit.evidence["restored_to"] == [restored["id"]]
        assert hit.evidence["scenarios"] == ["disk_snapshot_old"]

    @pytest.mark.parametrize("tags", [{"retention": "7y"}, {"purpose": "DR"}, {"keep": "true"}])
    def test_kept_on_purpose(self, az, tags):
        disk = az.disk("d1")
        assert az.run(OLD, snapshots=[az.snapshot("s1", source=disk, tags=tags)], disks=[disk]) == []

    def test_word_match_is_whole_words(self, az):
        disk = az.disk("d1")
        snap = az.snapshot("s1", source=disk, tags={"address": "drive-by"})
        assert len(az.run(OLD, snapshots=[snap], disks=[disk])) == 1

    def test_orphans_are_left_to_the_orphan_check(self, az):
        snap = az.snapshot("s1", source=az.rid("rg-app", "Microsoft.Compute/disks", "gone"), age=400)
        assert az.run(OLD, snapshots=[snap]) == []

    def test_incremental_snapshots_of_one_disk_share_a_cost_group(self, az):
        disk = az.disk("d1")
        snaps = [az.snapshot(f"s{n}", source=disk, age=100 + n) for n in range(3)]
        hits = az.run(OLD, snapshots=snaps, disks=[disk])
        assert len({h.cost_group for h in hits}) == 1
        findings = az.findings(OLD, hits)
        from cloudwaste.report import summarize

        assert summarize(findings).monthly_cost["amount"] == hits[0].cost.amount


class TestPremiumSnapshot:
    def test_full_premium_snapshot_saves_the_standard_difference(self, az, hit_ok):
        snap = az.snapshot("s1", source=az.disk("d1"), sku="Premium_LRS", incremental=False, size=100, age=10)
        [hit] = az.run(PREMIUM, snapshots=[snap])
        hit_ok(hit)
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == pytest.approx(100 * (0.12 - 0.05))

    def test_incremental_snapshots_are_on_standard_storage_anyway(self, az):
        snap = az.snapshot("s1", source=az.disk("d1"), sku="Premium_LRS", incremental=True, age=10)
        assert az.run(PREMIUM, snapshots=[snap]) == []

    @pytest.mark.parametrize(("age", "found"), [(6, False), (7, True)])
    def test_age_boundary(self, az, age, found):
        snap = az.snapshot("s1", source=az.disk("d1"), sku="Premium_LRS", incremental=False, age=age)
        assert bool(az.run(PREMIUM, snapshots=[snap])) is found

    def test_min_size_restores_the_original_rule(self, az):
        snap = az.snapshot("s1", source=az.disk("d1"), sku="Premium_LRS", incremental=False, size=999, age=40)
        assert az.run(PREMIUM, snapshots=[snap], params={"min_size_gb": 1000}) == []

    def test_standard_snapshot_is_not_flagged(self, az):
        assert az.run(PREMIUM, snapshots=[az.snapshot("s1", source=az.disk("d1"), incremental=False)]) == []


def _series(az, disk, count, *, step=1.0, start=1.0, **kw):
    return [az.snapshot(f"s{n:02d}", source=disk, age=start + n * step, **kw) for n in range(count)]


class TestSnapshotSprawl:
    def test_snapshots_beyond_the_newest_three_are_redundant(self, az, hit_ok):
        disk = az.disk("d1")
        snaps = _series(az, disk, 5, step=7)
        hits = az.run(SPRAWL, snapshots=snaps)
        assert sorted(h.resource.name for h in hits) == ["s03", "s04"]
        hit_ok(hits[0])
        assert {h.evidence["scenario"] for h in hits} == {"disk_snapshot_redundant"}

    @pytest.mark.parametrize(("count", "flagged"), [(3, 0), (4, 1)])
    def test_keep_boundary(self, az, count, flagged):
        assert len(az.run(SPRAWL, snapshots=_series(az, az.disk("d1"), count, step=7))) == flagged

    def test_excessive_retention_above_fifty(self, az):
        disk = az.disk("d1")
        hits50 = az.run(SPRAWL, snapshots=_series(az, disk, 50, step=2))
        hits51 = az.run(SPRAWL, snapshots=_series(az, disk, 51, step=2))
        assert all("disk_snapshot_excessive_retention" not in h.evidence["scenarios"] for h in hits50)
        assert all(h.evidence["scenario"] == "disk_snapshot_excessive_retention" for h in hits51)

    @pytest.mark.parametrize(("count", "frequent"), [(27, False), (28, True)])
    def test_frequent_creation(self, az, count, frequent):
        hits = az.run(SPRAWL, snapshots=_series(az, az.disk("d1"), count, step=1.0, start=0.5))
        assert all(("disk_snapshot_frequent_creation" in h.evidence["scenarios"]) is frequent for h in hits)

    def test_manual_without_policy_above_ten_and_thirty_days(self, az):
        hits = az.run(SPRAWL, snapshots=_series(az, az.disk("d1"), 11, step=5))
        manual = {
            h.resource.name for h in hits if "disk_snapshot_manual_without_policy" in h.evidence["scenarios"]
        }
        ages = {h.resource.name: h.evidence["age_days"] for h in hits}
        assert manual == {name for name, age in ages.items() if age >= 30}
        assert az.run(SPRAWL, snapshots=_series(az, az.disk("d1"), 10, step=5)) != []  # still redundant
        assert all(
            "disk_snapshot_manual_without_policy" not in h.evidence["scenarios"]
            for h in az.run(SPRAWL, snapshots=_series(az, az.disk("d1"), 10, step=5))
        )

    def test_backup_snapshots_are_left_to_their_policy(self, az):
        snaps = _series(az, az.disk("d1"), 6, step=1, tags={"RSVaultBackup": "vault"})
        assert az.run(SPRAWL, snapshots=snaps) == []

    def test_snapshots_of_different_disks_are_separate(self, az):
        snaps = _series(az, az.disk("d1"), 3) + [az.snapshot("x1", source=az.disk("d2"), age=50)]
        assert az.run(SPRAWL, snapshots=snaps) == []


class TestFullSnapshots:
    def test_older_full_snapshots_could_be_increments(self, az, hit_ok):
        disk = az.disk("d1")
        snaps = _series(az, disk, 3, step=30, incremental=False, size=1024)
        hits = az.run(FULL, snapshots=snaps)
        assert sorted(h.resource.name for h in hits) == ["s01", "s02"]
        hit_ok(hits[0])
        assert hits[0].cost.basis is CostBasis.ESTIMATE and hits[0].cost.kind is CostKind.SAVING
        assert hits[0].cost.amount == pytest.approx(1024 * 0.05 * 0.9, abs=0.02)

    def test_one_full_snapshot_is_fine(self, az):
        assert az.run(FULL, snapshots=_series(az, az.disk("d1"), 1, incremental=False, size=1024)) == []

    def test_min_saving_boundary(self, az):
        disk = az.disk("d1")
        # 2 full snapshots of 222 GiB: saves 222 x 0.05 x 0.9 = $9.99 (< $10); 223 GiB: $10.04
        assert az.run(FULL, snapshots=_series(az, disk, 2, incremental=False, size=222)) == []
        assert len(az.run(FULL, snapshots=_series(az, disk, 2, incremental=False, size=223))) == 1

    def test_incremental_snapshots_are_not_counted(self, az):
        assert az.run(FULL, snapshots=_series(az, az.disk("d1"), 4, size=1024)) == []
