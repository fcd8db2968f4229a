"""Scans, coverage and findings: round trips, lookups by id / prefix / latest, deletion, atomic units."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from cloudwaste.errors import StoreError, UsageError
from cloudwaste.model import CostKind, ScanStatus, Status, UnitStatus
from cloudwaste.store import Store
from tests.builders import NOW, make_finding, make_scan, make_unit, sample_findings


def finished_scan(store: Store, scan_id: str, started_offset_min: int = 0, findings: int = 1) -> str:
    scan = make_scan(scan_id, started_at=NOW + timedelta(minutes=started_offset_min))
    store.begin_scan(scan)
    items = [make_finding(f"vol-{scan_id}-{i}") for i in range(findings)]
    store.write_unit(scan.id, make_unit(findings=len(items)), items)
    store.finish_scan(
        scan.id, ScanStatus.COMPLETE, scan.started_at + timedelta(minutes=1), {"findings": findings}
    )
    return scan.id


def test_scan_round_trips_with_coverage_status_and_totals(fresh_db: Store) -> None:
    scan = make_scan()
    fresh_db.begin_scan(scan)
    assert fresh_db.get_scan(scan.id).status == ScanStatus.RUNNING
    ok = make_unit(findings=2, api_calls=31)
    denied = make_unit("ap-south-2", status=UnitStatus.ERROR, error="AccessDenied: ec2:DescribeVolumes")
    fresh_db.write_unit(scan.id, ok, [make_finding("vol-1"), make_finding("vol-2")])
    fresh_db.write_unit(scan.id, denied, [])
    finished = NOW + timedelta(minutes=3)
    fresh_db.finish_scan(scan.id, ScanStatus.PARTIAL, finished, {"findings": 2, "monthly_cost": 16.0})

    got = fresh_db.get_scan(scan.id)
    assert got.status == ScanStatus.PARTIAL
    assert got.started_at == NOW
    assert got.finished_at == finished
    assert got.providers == ["aws"]
    assert got.args == scan.args
    assert got.coverage == [ok, denied]
    assert fresh_db.scan_totals(scan.id) == {"findings": 2, "monthly_cost": 16.0}


def test_findings_round_trip_unchanged_including_unicode_evidence_and_tags(fresh_db: Store) -> None:
    scan = make_scan()
    fresh_db.begin_scan(scan)
    sample = [f for f in sample_findings() if f.status == Status.OPEN]
    returned = fresh_db.write_unit(scan.id, make_unit(findings=len(sample)), sample)
    stored = fresh_db.findings(scan.id)
    assert stored == returned
    for original, back in zip(sample, stored, strict=True):
        assert back.model_dump(exclude={"first_seen", "last_seen"}) == original.model_dump(
            exclude={"first_seen", "last_seen"}
        )
        assert back.first_seen == NOW
        assert back.last_seen == NOW


def test_unknown_cost_is_stored_as_null_never_zero(fresh_db: Store, db_path: Path) -> None:
    scan = make_scan()
    fresh_db.begin_scan(scan)
    fresh_db.write_unit(
        scan.id, make_unit(), [make_finding("vol-unknown", amount=None, kind=CostKind.SAVING)]
    )
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute("SELECT cost_amount, cost_kind FROM findings").fetchone()
    finally:
        conn.close()
    assert row == (None, "saving")
    [back] = fresh_db.findings(scan.id)
    assert back.monthly_cost.amount is None
    assert back.monthly_cost.kind == CostKind.SAVING


def test_latest_is_the_newest_scan_that_is_not_running(fresh_db: Store) -> None:
    finished_scan(fresh_db, "20261201-070000-aaaaaa", 0)
    newest = finished_scan(fresh_db, "20261201-080000-bbbbbb", 60)
    fresh_db.begin_scan(make_scan("20261201-090000-cccccc", started_at=NOW + timedelta(hours=2)))
    assert fresh_db.get_scan("latest").id == newest


def test_latest_without_any_finished_scan_is_a_usage_error(fresh_db: Store) -> None:
    fresh_db.begin_scan(make_scan())
    with pytest.raises(UsageError, match="no finished scan"):
        fresh_db.get_scan("latest")


def test_unique_prefix_finds_the_scan(fresh_db: Store) -> None:
    finished_scan(fresh_db, "20261201-070000-aaaaaa", 0)
    wanted = finished_scan(fresh_db, "20261202-070000-bbbbbb", 60)
    assert fresh_db.get_scan("20261202").id == wanted
    assert fresh_db.get_scan(f"  {wanted}  ").id == wanted


def test_ambiguous_prefix_is_a_usage_error_naming_the_matches(fresh_db: Store) -> None:
    first = finished_scan(fresh_db, "20261201-070000-aaaaaa", 0)
    second = finished_scan(fresh_db, "20261201-080000-bbbbbb", 60)
    with pytest.raises(UsageError) as err:
        fresh_db.get_scan("20261201")
    assert "ambiguous" in err.value.message
    assert first in err.value.message and second in err.value.message


def test_exact_id_wins_over_a_longer_id_it_prefixes(fresh_db: Store) -> None:
    short = finished_scan(fresh_db, "scan-1", 0)
    finished_scan(fresh_db, "scan-10", 1)
    assert fresh_db.get_scan("scan-1").id == short


@pytest.mark.parametrize("ref", ["nope", "%", "_", ""])
def test_prefix_that_matches_nothing_is_a_usage_error(fresh_db: Store, ref: str) -> None:
    finished_scan(fresh_db, "20261201-070000-aaaaaa")
    with pytest.raises(UsageError):
        fresh_db.get_scan(ref)


def test_list_scans_is_newest_first_and_limited(fresh_db: Store) -> None:
    ids = [finished_scan(fresh_db, f"20261201-0{h}0000-{h:06x}", h * 60) for h in range(1, 6)]
    listed = fresh_db.list_scans(limit=3)
    assert [s.id for s in listed] == list(reversed(ids))[:3]
    assert all(len(s.coverage) == 1 for s in listed)
    assert len(fresh_db.list_scans(limit=None)) == 5


def test_write_unit_for_an_unknown_scan_writes_nothing(fresh_db: Store, db_path: Path) -> None:
    with pytest.raises(UsageError, match="no scan"):
        fresh_db.write_unit("missing", make_unit(), [make_finding()])
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM coverage").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM finding_state").fetchone()[0] == 0
    finally:
        conn.close()


def test_begin_scan_twice_with_one_id_is_refused(fresh_db: Store) -> None:
    scan = make_scan()
    fresh_db.begin_scan(scan)
    with pytest.raises(StoreError, match="already exists"):
        fresh_db.begin_scan(scan)


def test_failure_inside_write_unit_leaves_no_row_of_that_unit_and_earlier_scans_intact(
    fresh_db: Store, db_path: Path
) -> None:
    earlier = finished_scan(fresh_db, "20261130-070000-aaaaaa", -60 * 24, findings=3)
    before = fresh_db.findings(earlier)
    scan = make_scan()
    fresh_db.begin_scan(scan)
    good, bad = make_finding("vol-good"), make_finding("vol-boom")
    # A real mid-transaction failure: the coverage row and the first finding are already inserted
    # when SQLite aborts the insert of the second one.
    other = sqlite3.connect(db_path)
    other.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON findings WHEN NEW.resource_id = 'vol-boom' "
        "BEGIN SELECT RAISE(ABORT, 'simulated crash'); END"
    )
    other.commit()
    other.close()

    with pytest.raises(StoreError, match="simulated crash"):
        fresh_db.write_unit(scan.id, make_unit(findings=2), [good, bad])

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM coverage WHERE scan_id = ?", (scan.id,)).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM findings WHERE scan_id = ?", (scan.id,)).fetchone()[0] == 0
        fps = (good.fingerprint, bad.fingerprint)
        assert (
            conn.execute("SELECT COUNT(*) FROM finding_state WHERE fingerprint IN (?, ?)", fps).fetchone()[0]
            == 0
        )
        conn.execute("DROP TRIGGER boom")
        conn.commit()
    finally:
        conn.close()
    assert fresh_db.findings(earlier) == before
    assert fresh_db.get_scan(earlier).status == ScanStatus.COMPLETE
    # the same unit can be written once the failure is gone
    assert len(fresh_db.write_unit(scan.id, make_unit(findings=2), [good, bad])) == 2


def test_keyboard_interrupt_inside_write_unit_rolls_the_unit_back(fresh_db: Store, db_path: Path) -> None:
    scan = make_scan()
    fresh_db.begin_scan(scan)
    calls = 0

    def interrupt() -> int:
        nonlocal calls
        calls += 1
        if calls > 50:  # some statements in: Ctrl-C while the unit is half written
            raise KeyboardInterrupt
        return 0

    conn = fresh_db._conn  # the store's own connection: interrupt it as a signal would
    conn.set_progress_handler(interrupt, 1)
    try:
        with pytest.raises((KeyboardInterrupt, StoreError)):
            fresh_db.write_unit(
                scan.id, make_unit(findings=20), [make_finding(f"vol-{i}") for i in range(20)]
            )
    finally:
        conn.set_progress_handler(None, 1)
    assert calls > 50
    assert fresh_db.findings(scan.id) == []
    assert fresh_db.get_scan(scan.id).coverage == []


def test_delete_scan_removes_its_rows_and_recomputes_seen_times(fresh_db: Store) -> None:
    first = finished_scan(fresh_db, "20261201-070000-aaaaaa", 0, findings=0)
    second = finished_scan(fresh_db, "20261201-080000-bbbbbb", 60, findings=0)
    shared, only_first = make_finding("vol-shared"), make_finding("vol-only-first")
    fresh_db.write_unit(first, make_unit("eu-west-1"), [shared, only_first])
    fresh_db.write_unit(second, make_unit("eu-west-1"), [shared])
    fresh_db.set_state(only_first.fingerprint, Status.OPEN, None, None, None)

    fresh_db.delete_scan(first)

    with pytest.raises(UsageError):
        fresh_db.get_scan(first)
    [remaining] = fresh_db.find_findings(shared.fingerprint)
    assert remaining.first_seen == NOW + timedelta(minutes=60)
    assert fresh_db.find_findings(only_first.fingerprint) == []
    assert fresh_db.state(only_first.fingerprint) is None
    assert len(fresh_db.get_scan(second).coverage) == 2


def test_delete_scan_keeps_a_user_set_state(fresh_db: Store) -> None:
    scan_id = finished_scan(fresh_db, "20261201-070000-aaaaaa", findings=1)
    [f] = fresh_db.findings(scan_id)
    fresh_db.set_state(f.fingerprint, Status.IGNORED, "DR standby", "ops@example.com", None)
    fresh_db.delete_scan(scan_id)
    state = fresh_db.state(f.fingerprint)
    assert state is not None and state["status"] == "ignored" and state["first_seen"] is None


def test_delete_unknown_scan_is_a_usage_error(fresh_db: Store) -> None:
    with pytest.raises(UsageError):
        fresh_db.delete_scan("nope")
