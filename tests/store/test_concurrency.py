"""Two writers on one file (two Store instances in two threads): no lost unit, no corruption."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

from cloudwaste.model import ScanStatus
from cloudwaste.store import Store
from tests.builders import NOW, make_finding, make_scan, make_unit

UNITS = 30
FINDINGS_PER_UNIT = 4


def run_scan(path: Path, worker: int, shared_ids: list[str], errors: list[BaseException]) -> None:
    try:
        store = Store.open(path)
        try:
            scan = make_scan(f"scan-{worker}", started_at=NOW + timedelta(minutes=worker))
            store.begin_scan(scan)
            for unit in range(UNITS):
                region = f"region-{unit}"
                findings = [
                    make_finding(f"vol-w{worker}-u{unit}-{i}", region=region)
                    for i in range(FINDINGS_PER_UNIT - 1)
                ]
                findings.append(make_finding(shared_ids[unit], region=region))  # also seen by the other scan
                store.write_unit(scan.id, make_unit(region, findings=len(findings)), findings)
            store.finish_scan(scan.id, ScanStatus.COMPLETE, NOW + timedelta(hours=1), {"units": UNITS})
        finally:
            store.close()
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)


def test_two_stores_writing_scans_concurrently_lose_nothing(db_path: Path) -> None:
    Store.open(db_path).close()
    shared = [f"vol-shared-{u}" for u in range(UNITS)]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=run_scan, args=(db_path, w, shared, errors)) for w in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    with Store.open(db_path) as store:
        for worker in (1, 2):
            scan = store.get_scan(f"scan-{worker}")
            assert scan.status == ScanStatus.COMPLETE
            assert len(scan.coverage) == UNITS
            assert len(store.findings(scan.id)) == UNITS * FINDINGS_PER_UNIT
        shared_state = store.find_findings(make_finding(shared[0], region="region-0").fingerprint)
        [latest] = shared_state
        assert latest.first_seen == NOW + timedelta(minutes=1)
        assert latest.last_seen == NOW + timedelta(minutes=2)
