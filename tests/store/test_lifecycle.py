"""Resolution across scans (resolve_absent), reopening, pruning, and the v3 unit_region migration."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlite_utils import Database

from cloudwaste.model import CoverageUnit, Finding, ScanStatus, Status, UnitStatus, fingerprint
from cloudwaste.store import Store, schema
from tests.builders import NOW, make_finding, make_scan, make_unit

DAY = timedelta(days=1)


def scan_units(
    store: Store,
    days: float,
    units: list[tuple[CoverageUnit, list[Finding]]],
    *,
    checks: list[str] | None = None,
    resolve: bool = True,
) -> str:
    """A finished scan ``days`` after NOW with these units; resolution run as execute_scan does."""
    scan = make_scan(started_at=NOW + days * DAY)
    store.begin_scan(scan)
    for unit, found in units:
        store.write_unit(scan.id, unit, found)
    store.finish_scan(scan.id, ScanStatus.COMPLETE, scan.started_at + timedelta(minutes=1), {})
    if resolve:
        store.resolve_absent(scan.id, checks=checks)
    return scan.id


def one_unit(store: Store, days: float, found: list[Finding], **kw: object) -> str:
    return scan_units(store, days, [(make_unit(), found)], **kw)  # type: ignore[arg-type]


def status(store: Store, f: Finding) -> str | None:
    state = store.state(f.fingerprint)
    return None if state is None else str(state["status"])


def test_absent_from_an_ok_unit_is_resolved_then_reopens_when_seen_again(fresh_db: Store) -> None:
    vol, eip = make_finding("vol-1"), make_finding("eipalloc-1", check_id="aws.ec2.unassociated_eip")
    one_unit(fresh_db, 0, [vol, eip])
    second = one_unit(fresh_db, 1, [eip])
    state = fresh_db.state(vol.fingerprint)
    assert state is not None
    assert (state["status"], state["by"]) == ("resolved", "cloudwaste")
    assert second in state["reason"]
    assert status(fresh_db, eip) == "open"
    (_,) = [
        f for f in fresh_db.findings(one_unit(fresh_db, 2, [vol, eip])) if f.fingerprint == vol.fingerprint
    ]
    reopened = fresh_db.state(vol.fingerprint)
    assert reopened is not None and reopened["status"] == "open" and reopened["reason"] is None
    assert reopened["first_seen"] == NOW  # history is kept across the gap
    assert reopened["last_seen"] == NOW + 2 * DAY


def test_an_errored_unit_resolves_nothing(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    one_unit(fresh_db, 0, [vol])
    scan_units(fresh_db, 1, [(make_unit(status=UnitStatus.ERROR, error="AccessDenied"), [])])
    assert status(fresh_db, vol) == "open"


def test_a_skipped_or_missing_unit_resolves_nothing(fresh_db: Store) -> None:
    vol = make_finding("vol-1")  # us-east-1
    one_unit(fresh_db, 0, [vol])
    scan_units(fresh_db, 1, [(make_unit("eu-west-1"), [])])  # another region only
    scan_units(fresh_db, 2, [(make_unit(status=UnitStatus.SKIPPED, error="not enabled"), [])])
    assert status(fresh_db, vol) == "open"


def test_a_check_that_did_not_run_resolves_nothing(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    one_unit(fresh_db, 0, [vol])
    one_unit(fresh_db, 1, [], checks=["aws.ec2.unassociated_eip"])  # --check 'aws.ec2.*'
    assert status(fresh_db, vol) == "open"
    one_unit(fresh_db, 2, [], checks=["aws.ec2.unassociated_eip", vol.check_id])
    assert status(fresh_db, vol) == "resolved"


def test_keep_filter_limits_resolution_to_what_the_scan_could_have_found(fresh_db: Store) -> None:
    prod, dev = make_finding("vol-prod", tags={"env": "prod"}), make_finding("vol-dev", tags={"env": "dev"})
    one_unit(fresh_db, 0, [prod, dev])
    scan = make_scan(started_at=NOW + DAY)
    fresh_db.begin_scan(scan)
    fresh_db.write_unit(scan.id, make_unit(), [])  # `--tag env=prod` found nothing
    fresh_db.finish_scan(scan.id, ScanStatus.COMPLETE, scan.started_at, {})
    resolved = fresh_db.resolve_absent(scan.id, keep=lambda f: f.resource.tags.get("env") == "prod")
    assert resolved == [prod.fingerprint]
    assert (status(fresh_db, prod), status(fresh_db, dev)) == ("resolved", "open")


def test_ignored_keeps_its_state_and_marked_for_deletion_becomes_resolved(fresh_db: Store) -> None:
    kept, marked = make_finding("vol-kept"), make_finding("vol-marked")
    one_unit(fresh_db, 0, [kept, marked])
    fresh_db.set_state(kept.fingerprint, Status.IGNORED, "DR standby", "ops", None)
    fresh_db.set_state(marked.fingerprint, Status.MARKED_FOR_DELETION, "FIN-42", "ops", None)
    one_unit(fresh_db, 1, [])
    assert status(fresh_db, kept) == "ignored"
    assert status(fresh_db, marked) == "resolved"  # deleted as planned


def test_a_late_older_scan_never_resolves_what_a_newer_scan_saw(fresh_db: Store) -> None:
    vol = make_finding("vol-1")
    older = make_scan(started_at=NOW)
    fresh_db.begin_scan(older)
    one_unit(fresh_db, 1, [vol])  # a newer scan finds it
    fresh_db.write_unit(older.id, make_unit(), [])
    fresh_db.finish_scan(older.id, ScanStatus.COMPLETE, NOW, {})
    assert fresh_db.resolve_absent(older.id) == []
    assert status(fresh_db, vol) == "open"


def test_an_azure_subscription_unit_resolves_findings_of_every_location(fresh_db: Store) -> None:
    sub = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
    disk = make_finding("/subscriptions/x/disks/d1", account=sub, region="westeurope").model_copy(
        update={"provider": "azure"}
    )
    disk = disk.model_copy(
        update={"fingerprint": fingerprint("azure", sub, "westeurope", disk.resource.id, disk.check_id)}
    )
    unit = CoverageUnit(provider="azure", scope=sub, region="global", status=UnitStatus.OK)
    scan_units(fresh_db, 0, [(unit, [disk])])
    scan_units(fresh_db, 1, [(unit, [])])
    assert status(fresh_db, disk) == "resolved"


def test_prune_keeps_the_newest_and_sticky_states_only(fresh_db: Store) -> None:
    gone, kept, recent = make_finding("vol-gone"), make_finding("vol-kept"), make_finding("vol-recent")
    old1 = one_unit(fresh_db, 0, [gone, kept], resolve=False)
    old2 = one_unit(fresh_db, 1, [gone, kept], resolve=False)
    new = one_unit(fresh_db, 100, [recent], resolve=False)
    fresh_db.set_state(kept.fingerprint, Status.IGNORED, "DR", None, None)
    cutoff = NOW + 50 * DAY
    would = fresh_db.prune(cutoff, keep=1, dry_run=True)
    assert [s.id for s in would] == [old1, old2]
    assert len(fresh_db.list_scans(None)) == 3  # dry run deleted nothing
    assert [s.id for s in fresh_db.prune(cutoff, keep=2)] == [old1]  # the 2 newest are kept
    assert [s.id for s in fresh_db.prune(cutoff, keep=1)] == [old2]
    assert [s.id for s in fresh_db.list_scans(None)] == [new]
    assert fresh_db.state(gone.fingerprint) is None  # open, no scan refers to it: dropped
    state = fresh_db.state(kept.fingerprint)
    assert state is not None and state["status"] == "ignored"  # the user's decision survives
    assert state["first_seen"] is None
    assert status(fresh_db, recent) == "open"


def test_previous_is_the_finished_scan_before_latest(fresh_db: Store) -> None:
    first = one_unit(fresh_db, 0, [])
    second = one_unit(fresh_db, 1, [])
    running = make_scan(started_at=NOW + 2 * DAY)
    fresh_db.begin_scan(running)  # never finished: not a baseline
    assert fresh_db.get_scan("latest").id == second
    assert fresh_db.get_scan("previous").id == first
    latest = fresh_db.get_scan("latest")
    before = fresh_db.scan_before(latest)
    assert before is not None and before.id == first
    assert fresh_db.scan_before(fresh_db.get_scan(first)) is None


def test_migration_3_fills_unit_region_from_the_coverage(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    db = Database(conn)
    db["schema_version"].create({"version": int, "applied_at": str}, pk="version")
    for number, step in enumerate(schema.MIGRATIONS[:2], start=1):
        step(db)
        db["schema_version"].insert({"version": number, "applied_at": "then"})
    db["scans"].insert({"id": "s1", "started_at": "2026-01-01T00:00:00.000000Z", "status": "complete"})
    db["coverage"].insert_all(
        [
            {"scan_id": "s1", "provider": "aws", "scope": "111", "region": "us-east-1", "status": "ok"},
            {"scan_id": "s1", "provider": "azure", "scope": "sub", "region": "global", "status": "ok"},
        ]
    )
    base = {"scan_id": "s1", "check_id": "c", "severity": "low", "resource_id": "r", "resource": "{}"}
    db["findings"].insert_all(
        [
            {**base, "fingerprint": "a", "provider": "aws", "account": "111", "region": "us-east-1"},
            {**base, "fingerprint": "z", "provider": "azure", "account": "sub", "region": "westeurope"},
        ]
    )
    conn.commit()
    conn.close()
    with Store.open(db_path) as store:
        assert store.schema_version == schema.LATEST
    conn = sqlite3.connect(db_path)
    rows = dict(conn.execute("SELECT fingerprint, unit_region FROM findings").fetchall())
    conn.close()
    assert rows == {"a": "us-east-1", "z": "global"}
