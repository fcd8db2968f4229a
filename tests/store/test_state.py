"""Finding lifecycle across scans: first/last seen, ignored and marked states, resolution, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cloudwaste.errors import UsageError
from cloudwaste.model import Finding, ScanStatus, Status
from cloudwaste.store import Store
from tests.builders import NOW, make_finding, make_scan, make_unit

DAY = timedelta(days=1)


def scan_with(store: Store, findings: list[Finding], days: int) -> tuple[str, list[Finding]]:
    """A finished scan started ``days`` after NOW holding ``findings``; returns its id and what was stored."""
    scan = make_scan(started_at=NOW + days * DAY)
    store.begin_scan(scan)
    out = store.write_unit(scan.id, make_unit(findings=len(findings)), findings)
    store.finish_scan(scan.id, ScanStatus.COMPLETE, scan.started_at + timedelta(minutes=1), {})
    return scan.id, out


def test_first_seen_stays_and_last_seen_moves_across_two_scans(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    first_id, [first] = scan_with(fresh_db, [vol], 0)
    second_id, [second] = scan_with(fresh_db, [vol], 3)
    assert (first.first_seen, first.last_seen) == (NOW, NOW)
    assert (second.first_seen, second.last_seen) == (NOW, NOW + 3 * DAY)
    # the old scan's findings show the current seen-times too
    [old] = fresh_db.findings(first_id)
    assert (old.first_seen, old.last_seen) == (NOW, NOW + 3 * DAY)


def test_a_late_write_from_an_older_scan_never_moves_seen_times_backwards(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    older = make_scan(started_at=NOW)
    fresh_db.begin_scan(older)
    scan_with(fresh_db, [vol], 2)  # a newer scan finishes first
    [late] = fresh_db.write_unit(older.id, make_unit(), [vol])
    assert (late.first_seen, late.last_seen) == (NOW, NOW + 2 * DAY)


def test_ignored_state_persists_into_the_next_scan(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    scan_with(fresh_db, [vol], 0)
    fresh_db.set_state(vol.fingerprint, Status.IGNORED, "DR cold standby", "ops@example.com", None)
    _, [again] = scan_with(fresh_db, [vol], 1)
    assert again.status == Status.IGNORED
    assert again.status_reason == "DR cold standby"
    state = fresh_db.state(vol.fingerprint)
    assert state is not None and state["by"] == "ops@example.com"


def test_marked_for_deletion_persists_into_the_next_scan(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    scan_with(fresh_db, [vol], 0)
    fresh_db.set_state(vol.fingerprint, Status.MARKED_FOR_DELETION, "ticket OPS-12", None, None)
    _, [again] = scan_with(fresh_db, [vol], 1)
    assert (again.status, again.status_reason) == (Status.MARKED_FOR_DELETION, "ticket OPS-12")


def test_resolved_finding_seen_again_is_open_again(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    scan_with(fresh_db, [vol], 0)
    fresh_db.set_state(vol.fingerprint, Status.RESOLVED, "deleted", "cli", None)
    _, [again] = scan_with(fresh_db, [vol], 1)
    assert (again.status, again.status_reason) == (Status.OPEN, None)
    state = fresh_db.state(vol.fingerprint)
    assert state is not None
    assert (state["status"], state["reason"], state["by"]) == ("open", None, None)
    assert state["first_seen"] == NOW


def test_expired_ignore_no_longer_applies(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    scan_with(fresh_db, [vol], 0)
    fresh_db.set_state(vol.fingerprint, Status.IGNORED, "until the migration", None, NOW + 2 * DAY)
    _, [before_expiry] = scan_with(fresh_db, [vol], 1)
    _, [after_expiry] = scan_with(fresh_db, [vol], 3)
    assert before_expiry.status == Status.IGNORED
    assert after_expiry.status == Status.OPEN


def test_state_set_after_a_scan_shows_when_its_findings_are_read(fresh_db: Store) -> None:
    vol, other = make_finding("vol-1"), make_finding("vol-2")
    scan_id, _ = scan_with(fresh_db, [vol, other], 0)
    fresh_db.set_state(vol.fingerprint, Status.IGNORED, "known", None, None)
    by_id = {f.resource.id: f for f in fresh_db.findings(scan_id)}
    assert by_id["vol-1"].status == Status.IGNORED
    assert by_id["vol-2"].status == Status.OPEN


def test_suppression_file_ignore_is_kept_but_does_not_stick(fresh_db: Store) -> None:
    suppressed = make_finding("vol-1", status=Status.IGNORED, status_reason="file:.cloudwaste-ignore.yaml#0")
    _, [first] = scan_with(fresh_db, [suppressed], 0)
    assert (first.status, first.status_reason) == (Status.IGNORED, "file:.cloudwaste-ignore.yaml#0")
    _, [rule_removed] = scan_with(fresh_db, [make_finding("vol-1")], 1)
    assert rule_removed.status == Status.OPEN


def test_find_findings_returns_the_latest_occurrence_of_each_match(fresh_db: Store) -> None:
    vol = make_finding("vol-1", amount=8.0)
    other = make_finding("vol-2")
    scan_with(fresh_db, [vol, other], 0)
    scan_with(fresh_db, [make_finding("vol-1", amount=9.5)], 1)
    [found] = fresh_db.find_findings(vol.fingerprint[:10])
    assert found.fingerprint == vol.fingerprint
    assert found.monthly_cost.amount == 9.5
    assert found.last_seen == NOW + DAY
    # without the cw1: scheme, and a prefix matching both
    assert [f.fingerprint for f in fresh_db.find_findings(vol.fingerprint[4:12])] == [vol.fingerprint]
    assert {f.fingerprint for f in fresh_db.find_findings("cw1:")} == {vol.fingerprint, other.fingerprint}
    assert fresh_db.find_findings("cw1:ffffffffffffffffffffffffff") == []


def test_find_findings_with_an_empty_prefix_is_a_usage_error(fresh_db: Store) -> None:
    with pytest.raises(UsageError):
        fresh_db.find_findings("  ")
