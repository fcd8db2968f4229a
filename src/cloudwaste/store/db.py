"""Opening the SQLite file safely: permissions, header check, pragmas, transactions, error mapping.

Every failure becomes a one-line :class:`~cloudwaste.errors.StoreError` naming the file, and nothing
that exists is overwritten: a file that is not a SQLite database is never handed to SQLite at all.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cloudwaste.errors import StoreError

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_TIMEOUT = 5.0  # seconds a writer waits for another one (busy_timeout 5000 ms)

HINT_OTHER_DB = "pass another file with --db (or CLOUDWASTE_DB); cloudwaste left this one untouched"
HINT_LOCKED = "another cloudwaste command is writing to it; retry when it has finished, or use --db"
HINT_PERMS = "check the permissions of the file and its directory, or use --db (or CLOUDWASTE_DB)"


def prepare_file(path: Path) -> None:
    """Create ``path`` (mode 0600) and its missing parent directories (mode 0700) if it does not exist.

    The file is created with ``O_CREAT | O_EXCL`` before SQLite opens it, so it is never briefly
    world-readable. An existing empty file is made 0600; any other existing file is left as it is.
    """
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a cloudwaste database", hint=HINT_OTHER_DB)
    if path.exists():
        if (
            path.stat().st_size == 0
        ):  # an empty file (e.g. from `touch`) becomes our database: make it private
            try:
                os.chmod(path, 0o600)
            except OSError as exc:
                raise StoreError(f"cannot make {path} private ({_os_reason(exc)})", hint=HINT_PERMS) from exc
        return
    _make_dirs(path.parent)
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return
    except OSError as exc:
        raise StoreError(f"cannot create {path} ({_os_reason(exc)})", hint=HINT_PERMS) from exc
    try:
        if hasattr(os, "fchmod"):  # POSIX: a umask can only remove bits, but be explicit
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _make_dirs(directory: Path) -> None:
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise StoreError(f"cannot create directory {d} ({_os_reason(exc)})", hint=HINT_PERMS) from exc
        os.chmod(d, 0o700)
    if not directory.is_dir():
        raise StoreError(f"cannot create a database in {directory} (not a directory)", hint=HINT_PERMS)


def check_header(path: Path) -> None:
    """Refuse a non-empty file that does not start with the SQLite header (SQLite never touches it)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read {path} ({_os_reason(exc)})", hint=HINT_PERMS) from exc
    if head and head != SQLITE_HEADER:
        raise StoreError(f"{path} is not a cloudwaste database (file is not a database)", hint=HINT_OTHER_DB)


def connect(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection with a busy timeout (the pragmas that may write are applied later)."""
    try:
        conn = sqlite3.connect(str(path), timeout=timeout)
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    except sqlite3.Error as exc:
        raise translate(exc, path, "open") from exc
    return conn


def apply_pragmas(conn: sqlite3.Connection) -> None:
    """WAL journal, foreign keys, NORMAL sync (durable enough with WAL, and much faster)."""
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":  # pragma: no cover - only on filesystems without shared memory
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One ``BEGIN IMMEDIATE`` transaction: all or nothing, even on KeyboardInterrupt.

    IMMEDIATE takes the write lock up front, so two writers queue on the busy timeout instead of
    failing with a lock upgrade deadlock.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    else:
        try:
            conn.commit()
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise


@contextmanager
def guard(path: Path, action: str) -> Iterator[None]:
    """Turn sqlite3 and OS errors raised inside the block into a one-line StoreError."""
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(exc, path, action) from exc
    except PermissionError as exc:
        raise StoreError(f"cannot {action} {path} ({_os_reason(exc)})", hint=HINT_PERMS) from exc


def translate(exc: sqlite3.Error, path: Path, action: str) -> StoreError:
    """A one-line StoreError for a sqlite3 error met while doing ``action`` on ``path``."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    low = reason.lower()
    if "locked" in low or "busy" in low:
        return StoreError(f"{path} is locked by another process ({reason})", hint=HINT_LOCKED)
    if "not a database" in low:
        return StoreError(f"{path} is not a cloudwaste database ({reason})", hint=HINT_OTHER_DB)
    if "malformed" in low or "corrupt" in low:
        return StoreError(
            f"{path} is damaged ({reason})", hint="restore it from a backup or move it aside and scan again"
        )
    if "readonly" in low or "read-only" in low or "unable to open" in low or "permission" in low:
        return StoreError(f"{path} is not writable ({reason})", hint=HINT_PERMS)
    return StoreError(f"cannot {action} {path} ({reason})", hint=HINT_PERMS if "disk" in low else None)


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
