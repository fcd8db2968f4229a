"""The schema and its forward-only migrations, recorded in the ``schema_version`` table.

Each step runs once, in order, inside the transaction that records it. Steps are never edited or
removed once released: a change is a new step appended to :data:`MIGRATIONS`. A database whose
recorded version is newer than :data:`LATEST` was written by a newer cloudwaste and is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Database = Any  # sqlite_utils.Database (untyped library)
Migration = Callable[[Database], None]

SCHEMA_TABLE = "schema_version"


def _v1_initial(db: Database) -> None:
    """Scans, coverage, findings, finding state, accounts and the price cache."""
    db["scans"].create(
        {
            "id": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "providers": str,  # JSON list
            "args": str,  # JSON object
            "totals": str,  # JSON object
        },
        pk="id",
        not_null={"started_at", "status"},
    )
    db["scans"].create_index(["started_at"], index_name="scans_started_at")
    db["coverage"].create(
        {
            "scan_id": str,
            "provider": str,
            "scope": str,
            "region": str,
            "status": str,
            "error": str,
            "api_calls": int,
            "duration_s": float,
            "findings": int,
        },
        pk=("scan_id", "provider", "scope", "region"),
        not_null={"status"},
        foreign_keys=[("scan_id", "scans", "id")],
    )
    db["findings"].create(
        {
            "scan_id": str,
            "fingerprint": str,
            "check_id": str,
            "title": str,
            "severity": str,
            "provider": str,
            "account": str,
            "region": str,
            "resource_id": str,
            "resource_name": str,
            "resource_type": str,
            "resource": str,  # JSON: the whole Resource
            "reason": str,
            "evidence": str,  # JSON object
            "cost_amount": float,  # NULL when unknown, never 0
            "cost_currency": str,
            "cost_basis": str,
            "cost_kind": str,
            "cost_detail": str,
            "confidence": str,
            "recommendation": str,
            "status": str,  # status at scan time (suppression file / tag), before stored state
            "status_reason": str,
        },
        pk=("scan_id", "fingerprint"),
        not_null={"check_id", "severity", "provider", "account", "region", "resource_id", "resource"},
        foreign_keys=[("scan_id", "scans", "id")],
    )
    db["findings"].create_index(["fingerprint"], index_name="findings_fingerprint")
    db["finding_state"].create(
        {
            "fingerprint": str,
            "status": str,
            "reason": str,
            "by": str,
            "expires": str,
            "first_seen": str,
            "last_seen": str,
            "updated_at": str,
        },
        pk="fingerprint",
        not_null={"status"},
    )
    db["accounts"].create(
        {"provider": str, "name": str, "settings": str, "created_at": str},
        pk=("provider", "name"),
        not_null={"settings", "created_at"},
    )
    db["price_cache"].create(
        {
            "provider": str,
            "key": str,
            "region": str,
            "amount": float,
            "currency": str,
            "unit": str,
            "source": str,
            "fetched_at": str,
        },
        pk=("provider", "key", "region"),
        not_null={"amount", "fetched_at"},
    )


def _v2_conversations(db: Database) -> None:
    """``ask`` history per scan: redacted questions and answers only, deleted with their scan."""
    db.execute(
        """CREATE TABLE conversations (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
          created_at TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
          content TEXT NOT NULL,
          model TEXT
        )"""
    )
    db.execute("CREATE INDEX conversations_scan ON conversations (scan_id, id)")


def _v3_finding_unit(db: Database) -> None:
    """``findings.unit_region``: the scope unit's region a finding was found in (lifecycle resolution).

    A finding's own region can differ from its unit's (an Azure subscription is one ``global`` unit
    whose findings carry their location). Existing rows get the region of the coverage unit of their
    scan that matches, else the only unit of their scan and account.
    """
    db.execute("ALTER TABLE findings ADD COLUMN unit_region TEXT")
    db.execute(
        """UPDATE findings SET unit_region = COALESCE(
          (SELECT c.region FROM coverage c WHERE c.scan_id = findings.scan_id
             AND c.provider = findings.provider AND c.scope = findings.account
             AND c.region = findings.region),
          (SELECT CASE WHEN COUNT(*) = 1 THEN MIN(c.region) END FROM coverage c
             WHERE c.scan_id = findings.scan_id AND c.provider = findings.provider
               AND c.scope = findings.account))"""
    )
    db.execute("CREATE INDEX findings_unit ON findings (provider, account, unit_region)")


def _v4_coverage_warnings(db: Database) -> None:
    """``coverage.warnings``: a JSON list of what a unit read only partly without failing."""
    db.execute("ALTER TABLE coverage ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'")


MIGRATIONS: list[Migration] = [_v1_initial, _v2_conversations, _v3_finding_unit, _v4_coverage_warnings]
LATEST = len(MIGRATIONS)


def current_version(db: Database) -> int:
    """The recorded schema version (0 for a database without the table)."""
    if SCHEMA_TABLE not in db.table_names():
        return 0
    row = db.execute(f"SELECT MAX(version) FROM {SCHEMA_TABLE}").fetchone()
    return int(row[0] or 0)


def migrate(db: Database) -> int:
    """Apply every step above the recorded version; the caller holds a write transaction."""
    if SCHEMA_TABLE not in db.table_names():
        db[SCHEMA_TABLE].create({"version": int, "applied_at": str}, pk="version")
    version = current_version(db)
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        step(db)
        db[SCHEMA_TABLE].insert({"version": number, "applied_at": datetime.now(UTC).isoformat()})
    return LATEST
