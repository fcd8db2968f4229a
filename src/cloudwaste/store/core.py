"""The Store: scans, coverage, findings and their lifecycle state in one SQLite file (sqlite-utils)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from cloudwaste.errors import StoreError, UsageError
from cloudwaste.model import CoverageUnit, Finding, Scan, ScanStatus, Status
from cloudwaste.store import db as dbmod
from cloudwaste.store.rows import (
    apply_state,
    coverage_from_row,
    coverage_row,
    dumps,
    finding_from_row,
    finding_row,
    parse_ts,
    scan_from_row,
    scan_row,
    ts,
)
from cloudwaste.store.schema import LATEST, SCHEMA_TABLE, current_version, migrate

# Setting names that look like secrets: refused, secrets belong in the OS keyring.
SECRET_KEY = re.compile(r"secret|passw|token|private.?key|api.?key", re.IGNORECASE)
_CHUNK = 500  # bound parameters per IN (...) list

_UPSERT_SEEN = """
INSERT INTO finding_state (fingerprint, status, first_seen, last_seen, updated_at)
VALUES (?, 'open', ?, ?, ?)
ON CONFLICT(fingerprint) DO UPDATE SET
  first_seen = CASE WHEN first_seen IS NULL OR excluded.first_seen < first_seen
                    THEN excluded.first_seen ELSE first_seen END,
  last_seen = CASE WHEN last_seen IS NULL OR excluded.last_seen > last_seen
                   THEN excluded.last_seen ELSE last_seen END,
  status = CASE WHEN status = 'resolved' THEN 'open' ELSE status END,
  reason = CASE WHEN status = 'resolved' THEN NULL ELSE reason END,
  "by" = CASE WHEN status = 'resolved' THEN NULL ELSE "by" END,
  expires = CASE WHEN status = 'resolved' THEN NULL ELSE expires END,
  updated_at = CASE WHEN status = 'resolved' THEN excluded.updated_at ELSE updated_at END
"""

_UPSERT_STATE = """
INSERT INTO finding_state (fingerprint, status, reason, "by", expires, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(fingerprint) DO UPDATE SET
  status = excluded.status, reason = excluded.reason, "by" = excluded."by",
  expires = excluded.expires, updated_at = excluded.updated_at
"""


def _now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class Store:
    """One cloudwaste SQLite database. Use it from one thread; open one Store per thread or process.

    Every method raises :class:`StoreError` (one line, naming the file) when the database cannot be
    used, and :class:`UsageError` for a reference that matches nothing.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, db: Any) -> None:
        """Use :meth:`open`."""
        self.path = path
        self._conn = conn
        self._db = db

    # -- lifecycle ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, timeout: float = dbmod.DEFAULT_TIMEOUT) -> Store:
        """Open (creating if missing) the database at ``path`` and bring its schema up to date.

        Args:
            path: the SQLite file. A missing file is created 0600 (missing parents 0700).
            timeout: seconds to wait for another writer's lock. Defaults to 5.
        """
        path = Path(path).expanduser()
        dbmod.prepare_file(path)
        dbmod.check_header(path)
        conn = dbmod.connect(path, timeout)
        try:
            with dbmod.guard(path, "open"):
                db = Database(conn, execute_plugins=False)
                _check_identity(db, path)
                dbmod.apply_pragmas(conn)
                with dbmod.write_transaction(conn):
                    _check_identity(db, path)  # another process may have migrated meanwhile
                    if current_version(db) < LATEST:
                        migrate(db)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, db)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the file."""
        with dbmod.guard(self.path, "read"):
            return current_version(self._db)

    # -- scans ----------------------------------------------------------------------------------

    def begin_scan(self, scan: Scan) -> None:
        """Record a scan that has started (status ``running``)."""
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            if self._scan_row(scan.id) is not None:
                raise StoreError(f"scan {scan.id} already exists in {self.path}")
            self._db["scans"].insert(scan_row(scan))

    def write_unit(self, scan_id: str, unit: CoverageUnit, findings: list[Finding]) -> list[Finding]:
        """Write one unit's coverage row, findings and their seen-times in ONE transaction.

        Returns the findings with status, status_reason, first_seen and last_seen from the stored
        state: ignored / marked_for_deletion persist across scans, a resolved finding seen again is
        open again. On any error nothing of the unit is written.
        """
        rows = {f.fingerprint: finding_row(scan_id, f) | {"unit_region": unit.region} for f in findings}
        fingerprints = list(rows)
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            scan = self._require_scan(scan_id)
            seen = scan["started_at"]
            self._db["coverage"].insert(coverage_row(scan_id, unit), replace=True)
            if rows:
                self._db["findings"].insert_all(rows.values(), replace=True)
                now = ts(_now())
                self._conn.executemany(_UPSERT_SEEN, [(fp, seen, seen, now) for fp in fingerprints])
            states = self._states(fingerprints)
        started = parse_ts(seen) or _now()
        return [apply_state(f, states.get(f.fingerprint), started) for f in findings]

    def finish_scan(
        self, scan_id: str, status: ScanStatus, finished_at: datetime, totals: dict[str, Any]
    ) -> None:
        """Record how a scan ended."""
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            self._require_scan(scan_id)
            self._conn.execute(
                "UPDATE scans SET status = ?, finished_at = ?, totals = ? WHERE id = ?",
                (ScanStatus(status).value, ts(finished_at), dumps(totals), scan_id),
            )

    def get_scan(self, ref: str) -> Scan:
        """The scan with id ``ref``, the one unique id starting with ``ref``, or ``latest``.

        ``latest`` is the newest scan that is no longer running (a scan in progress, or one whose
        process died, is never a baseline); ``previous`` is the finished scan before it. Raises
        UsageError when nothing or several scans match.
        """
        ref = ref.strip()
        if not ref:
            raise UsageError("empty scan id", hint="pass a scan id, a prefix of one, 'latest' or 'previous'")
        with dbmod.guard(self.path, "read"):
            if ref in ("latest", "previous"):
                offset = 0 if ref == "latest" else 1
                row = self._one(
                    "SELECT * FROM scans WHERE status != 'running' ORDER BY started_at DESC, id DESC"
                    " LIMIT 1 OFFSET ?",
                    (offset,),
                )
                if row is None:
                    what = "finished scan is" if ref == "latest" else "second finished scan is"
                    raise UsageError(f"no {what} stored in {self.path} yet", hint="run a scan first")
            else:
                row = self._scan_row(ref) or self._scan_by_prefix(ref)
            return scan_from_row(row, self._coverage([row["id"]]).get(row["id"], []))

    def list_scans(self, limit: int | None = 20) -> list[Scan]:
        """Stored scans, newest first (``limit`` None: all of them)."""
        sql = "SELECT * FROM scans ORDER BY started_at DESC, id DESC"
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (max(0, limit),)
        with dbmod.guard(self.path, "read"):
            rows = list(self._db.query(sql, params))
            coverage = self._coverage([r["id"] for r in rows])
        return [scan_from_row(r, coverage.get(r["id"], [])) for r in rows]

    def scan_totals(self, scan_id: str) -> dict[str, Any]:
        """The totals recorded by :meth:`finish_scan` (empty while running)."""
        with dbmod.guard(self.path, "read"):
            row = self._require_scan(scan_id)
        value: dict[str, Any] = json.loads(row["totals"] or "{}")
        return value

    def scan_before(self, scan: Scan) -> Scan | None:
        """The newest finished scan that started before ``scan`` (``--baseline latest``), or None."""
        with dbmod.guard(self.path, "read"):
            row = self._one(
                "SELECT * FROM scans WHERE status != 'running' AND id != ?"
                " AND (started_at < ? OR (started_at = ? AND id < ?))"
                " ORDER BY started_at DESC, id DESC LIMIT 1",
                (scan.id, ts(scan.started_at), ts(scan.started_at), scan.id),
            )
            if row is None:
                return None
            return scan_from_row(row, self._coverage([row["id"]]).get(row["id"], []))

    def delete_scan(self, scan_id: str) -> None:
        """Delete a scan, its coverage and findings; seen-times are recomputed from what remains.

        A finding's user-set state (ignored, marked for deletion) is kept even when no scan holds it
        any more; an open or resolved one that no remaining scan has seen is dropped.
        """
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            self._require_scan(scan_id)
            self._delete_scan_rows(scan_id)

    def prune(self, older_than: datetime, *, keep: int = 0, dry_run: bool = False) -> list[Scan]:
        """Delete the scans started before ``older_than``, except the ``keep`` newest scans.

        Returns the scans deleted (or, with ``dry_run``, that would be). All in one transaction; see
        :meth:`delete_scan` for what happens to finding states.
        """
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            rows = list(
                self._db.query(
                    "SELECT * FROM scans WHERE started_at < ? AND id NOT IN"
                    " (SELECT id FROM scans ORDER BY started_at DESC, id DESC LIMIT ?)"
                    " ORDER BY started_at, id",
                    (ts(older_than), max(0, keep)),
                )
            )
            coverage = self._coverage([r["id"] for r in rows])
            old = [scan_from_row(r, coverage.get(r["id"], [])) for r in rows]
            if not dry_run:
                for scan in old:
                    self._delete_scan_rows(scan.id)
        return old

    def _delete_scan_rows(self, scan_id: str) -> None:
        """The deletion of one scan, inside the caller's write transaction."""
        fps = [
            r[0] for r in self._conn.execute("SELECT fingerprint FROM findings WHERE scan_id = ?", (scan_id,))
        ]
        self._conn.execute("DELETE FROM findings WHERE scan_id = ?", (scan_id,))
        self._conn.execute("DELETE FROM coverage WHERE scan_id = ?", (scan_id,))
        self._conn.execute("DELETE FROM conversations WHERE scan_id = ?", (scan_id,))
        self._conn.execute("DELETE FROM scans WHERE id = ?", (scan_id,))
        for chunk in _chunks(fps):
            marks = _marks(len(chunk))
            self._conn.execute(
                f"""UPDATE finding_state SET
                  first_seen = (SELECT MIN(s.started_at) FROM findings f JOIN scans s ON s.id = f.scan_id
                                WHERE f.fingerprint = finding_state.fingerprint),
                  last_seen = (SELECT MAX(s.started_at) FROM findings f JOIN scans s ON s.id = f.scan_id
                               WHERE f.fingerprint = finding_state.fingerprint)
                WHERE fingerprint IN ({marks})""",
                tuple(chunk),
            )
            self._conn.execute(
                f"""DELETE FROM finding_state WHERE fingerprint IN ({marks})
                  AND first_seen IS NULL AND status IN ('open', 'resolved')""",
                tuple(chunk),
            )

    # -- findings -------------------------------------------------------------------------------

    def findings(self, scan_id: str, *, now: datetime | None = None) -> list[Finding]:
        """The findings of a scan with their current state applied (expired states no longer apply)."""
        with dbmod.guard(self.path, "read"):
            rows = list(self._db.query("SELECT * FROM findings WHERE scan_id = ? ORDER BY rowid", (scan_id,)))
            states = self._states([r["fingerprint"] for r in rows])
        at = now or _now()
        return [apply_state(finding_from_row(r), states.get(r["fingerprint"]), at) for r in rows]

    def find_findings(self, fingerprint_prefix: str, *, now: datetime | None = None) -> list[Finding]:
        """The latest stored occurrence of each fingerprint starting with the prefix (``cw1:`` optional)."""
        prefix = fingerprint_prefix.strip()
        if not prefix:
            raise UsageError("empty fingerprint", hint="pass a fingerprint or a prefix of one (cw1:...)")
        alt = prefix if prefix.startswith("cw1:") else "cw1:" + prefix
        sql = """
            SELECT * FROM (
              SELECT f.*, ROW_NUMBER() OVER (
                PARTITION BY f.fingerprint ORDER BY s.started_at DESC, s.id DESC) AS _rank
              FROM findings f JOIN scans s ON s.id = f.scan_id
              WHERE substr(f.fingerprint, 1, ?) = ? OR substr(f.fingerprint, 1, ?) = ?)
            WHERE _rank = 1 ORDER BY fingerprint"""
        with dbmod.guard(self.path, "read"):
            rows = list(self._db.query(sql, (len(prefix), prefix, len(alt), alt)))
            states = self._states([r["fingerprint"] for r in rows])
        at = now or _now()
        return [apply_state(finding_from_row(r), states.get(r["fingerprint"]), at) for r in rows]

    def resolve_absent(
        self,
        scan_id: str,
        *,
        checks: Collection[str] | None = None,
        keep: Callable[[Finding], bool] | None = None,
    ) -> list[str]:
        """Mark ``resolved`` what the units of ``scan_id`` that finished ok no longer find.

        A fingerprint becomes ``resolved`` when all of these hold: its state is ``open`` or
        ``marked_for_deletion`` (an ignored one keeps the user's decision), an earlier scan found it in
        the same scope unit (provider, account, unit region), no scan since has seen it, this scan's
        unit finished ``ok`` (an errored or skipped unit resolves nothing), its check ran in this scan
        (``checks``: the ids selected; None means every check) and it passes ``keep`` (the scan's
        finding filter, e.g. ``--resource-group``). It reopens when a later scan sees it again.
        Returns the fingerprints resolved.
        """
        allowed = None if checks is None else set(checks)
        resolved: dict[str, None] = {}
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            row = self._require_scan(scan_id)
            started = row["started_at"]
            units = [c for c in self._coverage([scan_id]).get(scan_id, []) if c.status == "ok"]
            for unit in units:
                candidates = self._db.query(
                    """SELECT f.* FROM findings f
                      JOIN finding_state st ON st.fingerprint = f.fingerprint
                      JOIN scans s ON s.id = f.scan_id
                      WHERE f.provider = ? AND f.account = ? AND COALESCE(f.unit_region, f.region) = ?
                        AND st.status IN ('open', 'marked_for_deletion')
                        AND st.last_seen < ? AND s.started_at < ?
                        AND f.fingerprint NOT IN (SELECT fingerprint FROM findings WHERE scan_id = ?)
                      ORDER BY s.started_at DESC, s.id DESC""",
                    (unit.provider, unit.scope, unit.region, started, started, scan_id),
                )
                seen: set[str] = set()
                for cand in candidates:
                    fp = cand["fingerprint"]
                    if fp in seen:
                        continue  # the latest occurrence decides
                    seen.add(fp)
                    if allowed is not None and cand["check_id"] not in allowed:
                        continue
                    if keep is not None and not keep(finding_from_row(cand)):
                        continue
                    resolved[fp] = None
            now = ts(_now())
            self._conn.executemany(
                """UPDATE finding_state SET status = 'resolved', reason = ?, "by" = 'cloudwaste',
                  expires = NULL, updated_at = ? WHERE fingerprint = ?""",
                [(f"not found by scan {scan_id}", now, fp) for fp in resolved],
            )
        return list(resolved)

    def set_state(
        self,
        fingerprint: str,
        status: Status,
        reason: str | None,
        by: str | None,
        expires: datetime | None,
    ) -> None:
        """Set a fingerprint's lifecycle status (kept across scans; seen-times are untouched)."""
        if not fingerprint.strip():
            raise UsageError("empty fingerprint")
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            self._conn.execute(
                _UPSERT_STATE, (fingerprint, Status(status).value, reason, by, ts(expires), ts(_now()))
            )

    def state(self, fingerprint: str) -> dict[str, Any] | None:
        """The stored state row of a fingerprint (timestamps parsed), or None."""
        with dbmod.guard(self.path, "read"):
            row = self._states([fingerprint]).get(fingerprint)
        if row is None:
            return None
        return {
            **row,
            **{k: parse_ts(row[k]) for k in ("expires", "first_seen", "last_seen", "updated_at")},
        }

    # -- accounts (named credential profiles, never secrets) -------------------------------------

    def add_account(self, provider: str, name: str, settings: dict[str, Any]) -> None:
        """Save a named credential profile; UsageError if it exists or a setting looks like a secret."""
        if not provider.strip() or not name.strip():
            raise UsageError("an account needs a provider and a name")
        for key in settings:
            if SECRET_KEY.search(str(key)):
                raise UsageError(
                    f"refusing to store the setting '{key}' in the database: it looks like a secret",
                    hint="secrets go in the OS keyring (cloudwaste auth add stores them there)",
                )
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            if self._account_row(provider, name) is not None:
                raise UsageError(
                    f"account '{name}' already exists for {provider}",
                    hint=f"remove it first (cloudwaste auth remove {provider} {name}) or pick another name",
                )
            self._db["accounts"].insert(
                {"provider": provider, "name": name, "settings": dumps(settings), "created_at": ts(_now())}
            )

    def get_account(self, provider: str, name: str) -> dict[str, Any] | None:
        """``{"provider", "name", "settings", "created_at"}`` or None."""
        with dbmod.guard(self.path, "read"):
            row = self._account_row(provider, name)
        return _account(row) if row else None

    def list_accounts(self, provider: str | None = None) -> list[dict[str, Any]]:
        """Saved profiles, by provider then name."""
        sql = "SELECT * FROM accounts"
        params: tuple[Any, ...] = ()
        if provider is not None:
            sql += " WHERE provider = ?"
            params = (provider,)
        with dbmod.guard(self.path, "read"):
            rows = list(self._db.query(sql + " ORDER BY provider, name", params))
        return [_account(r) for r in rows]

    def remove_account(self, provider: str, name: str) -> bool:
        """Delete a profile; False when there was none."""
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            cur = self._conn.execute("DELETE FROM accounts WHERE provider = ? AND name = ?", (provider, name))
        return cur.rowcount > 0

    # -- price cache ----------------------------------------------------------------------------

    def cache_prices(self, rows: list[dict[str, Any]]) -> None:
        """Upsert refreshed prices: dicts with provider, key, region, amount, unit, source, fetched_at."""
        clean = [
            {
                "provider": r["provider"],
                "key": r["key"],
                "region": r["region"],
                "amount": float(r["amount"]),
                "currency": r.get("currency", "USD"),
                "unit": r.get("unit"),
                "source": r.get("source"),
                "fetched_at": ts(r["fetched_at"])
                if isinstance(r["fetched_at"], datetime)
                else r["fetched_at"],
            }
            for r in rows
        ]
        if not clean:
            return
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            self._db["price_cache"].insert_all(clean, replace=True)

    def cached_prices(self, provider: str | None = None) -> list[dict[str, Any]]:
        """Cached prices (``fetched_at`` as datetime), by provider, key and region."""
        sql = "SELECT * FROM price_cache"
        params: tuple[Any, ...] = ()
        if provider is not None:
            sql += " WHERE provider = ?"
            params = (provider,)
        with dbmod.guard(self.path, "read"):
            rows = list(self._db.query(sql + " ORDER BY provider, key, region", params))
        return [{**r, "fetched_at": parse_ts(r["fetched_at"])} for r in rows]

    # -- helpers --------------------------------------------------------------------------------

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = list(self._db.query(sql, params))
        return rows[0] if rows else None

    def _scan_row(self, scan_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM scans WHERE id = ?", (scan_id,))

    def _require_scan(self, scan_id: str) -> dict[str, Any]:
        row = self._scan_row(scan_id)
        if row is None:
            raise UsageError(
                f"no scan {scan_id} in {self.path}", hint="cloudwaste scans list shows the stored scans"
            )
        return row

    def _scan_by_prefix(self, prefix: str) -> dict[str, Any]:
        rows = list(
            self._db.query(
                "SELECT * FROM scans WHERE substr(id, 1, ?) = ? ORDER BY started_at DESC, id DESC LIMIT 6",
                (len(prefix), prefix),
            )
        )
        if not rows:
            raise UsageError(
                f"no scan matches '{prefix}'", hint="cloudwaste scans list shows the stored scans"
            )
        if len(rows) > 1:
            shown = ", ".join(r["id"] for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
            raise UsageError(
                f"scan id prefix '{prefix}' is ambiguous (matches {shown})", hint="type more of the scan id"
            )
        row: dict[str, Any] = rows[0]
        return row

    def _coverage(self, scan_ids: list[str]) -> dict[str, list[CoverageUnit]]:
        out: dict[str, list[CoverageUnit]] = {}
        for chunk in _chunks(scan_ids):
            sql = f"SELECT * FROM coverage WHERE scan_id IN ({_marks(len(chunk))}) ORDER BY rowid"
            for row in self._db.query(sql, tuple(chunk)):
                out.setdefault(row["scan_id"], []).append(coverage_from_row(row))
        return out

    def _states(self, fingerprints: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(fingerprints))
        for chunk in _chunks(unique):
            sql = f"SELECT * FROM finding_state WHERE fingerprint IN ({_marks(len(chunk))})"
            for row in self._db.query(sql, tuple(chunk)):
                out[row["fingerprint"]] = row
        return out

    def _account_row(self, provider: str, name: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM accounts WHERE provider = ? AND name = ?", (provider, name))

    # -- conversations (`ask --continue`; redacted text only) -----------------------------------

    def add_conversation_turn(self, scan_id: str, question: str, answer: str, model: str | None) -> None:
        """Append a question and its answer to a scan's conversation, in one transaction."""
        now = ts(_now())
        with dbmod.guard(self.path, "write to"), dbmod.write_transaction(self._conn):
            self._require_scan(scan_id)
            self._conn.executemany(
                "INSERT INTO conversations (scan_id, created_at, role, content, model)"
                " VALUES (?, ?, ?, ?, ?)",
                [(scan_id, now, "user", question, model), (scan_id, now, "assistant", answer, model)],
            )

    def conversation(self, scan_id: str) -> list[dict[str, Any]]:
        """A scan's conversation, oldest first: ``{"role", "content", "model", "created_at"}``."""
        with dbmod.guard(self.path, "read"):
            rows = list(
                self._db.query(
                    "SELECT role, content, model, created_at FROM conversations"
                    " WHERE scan_id = ? ORDER BY id",
                    (scan_id,),
                )
            )
        return [{**r, "created_at": parse_ts(r["created_at"])} for r in rows]


def _check_identity(db: Any, path: Path) -> None:
    """Refuse a SQLite file that belongs to something else, or to a newer cloudwaste (read-only)."""
    tables = set(db.table_names())
    if tables and SCHEMA_TABLE not in tables:
        listed = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise StoreError(
            f"{path} is not a cloudwaste database (it holds other tables: {listed})", hint=dbmod.HINT_OTHER_DB
        )
    version = current_version(db)
    if version > LATEST:
        raise StoreError(
            f"{path} was written by a newer cloudwaste (schema {version}; this version knows up to {LATEST})",
            hint="upgrade cloudwaste (pip install -U cloudwaste) or use another --db; the file is unchanged",
        )


def _account(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider": row["provider"],
        "name": row["name"],
        "settings": json.loads(row["settings"]),
        "created_at": row["created_at"],
    }
