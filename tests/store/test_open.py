"""Opening the store: permissions, migrations, and every way a file can be unusable (nothing is changed)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwaste.errors import StoreError
from cloudwaste.store import Store
from cloudwaste.store.schema import LATEST
from tests.builders import make_finding, make_scan, make_unit

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecars(path: Path) -> list[Path]:
    return [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")) if p.exists()]


@pytest.fixture
def existing_db(db_path: Path) -> Path:
    """A cloudwaste database with one finished scan, closed."""
    with Store.open(db_path) as store:
        scan = make_scan()
        store.begin_scan(scan)
        store.write_unit(scan.id, make_unit(findings=1), [make_finding()])
    return db_path


@posix_only
def test_new_database_is_0600_in_new_0700_directories(db_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        store = Store.open(db_path)
    finally:
        os.umask(old_umask)
    try:
        assert mode(db_path) == 0o600
        assert mode(db_path.parent) == 0o700
        assert mode(db_path.parent.parent) == 0o700
        scan = make_scan()
        store.begin_scan(scan)  # a write, so the WAL file exists while the store is open
        wal = Path(f"{db_path}-wal")
        assert wal.exists()
        assert mode(wal) == 0o600
    finally:
        store.close()


@posix_only
def test_existing_parent_directory_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    with Store.open(tmp_path / "cw.db"):
        pass
    assert mode(tmp_path) == 0o755


def test_new_database_uses_wal_and_records_schema_version(fresh_db: Store, db_path: Path) -> None:
    assert fresh_db.schema_version == LATEST
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = conn.execute("SELECT version, applied_at FROM schema_version").fetchall()
    finally:
        conn.close()
    assert [r[0] for r in rows] == list(range(1, LATEST + 1))
    assert all(r[1] for r in rows)


def test_reopening_keeps_data_and_does_not_rerun_migrations(existing_db: Path) -> None:
    with Store.open(existing_db) as store:
        assert store.schema_version == LATEST
        assert len(store.list_scans()) == 1
    conn = sqlite3.connect(existing_db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == LATEST
    finally:
        conn.close()


def test_random_bytes_are_not_a_database_and_stay_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "cloudwaste.db"
    path.write_bytes(b"not sqlite at all\x00" + os.urandom(8192))
    before = digest(path)
    with pytest.raises(StoreError) as err:
        Store.open(path)
    assert err.value.message == f"{path} is not a cloudwaste database (file is not a database)"
    assert "\n" not in err.value.message
    assert err.value.hint
    assert digest(path) == before
    assert sidecars(path) == []


def test_text_config_file_passed_as_db_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "cloudwaste.toml"
    path.write_text('[checks."aws.ebs.unattached_volume"]\nmin_age_days = 14\n')
    before = digest(path)
    with pytest.raises(StoreError, match="is not a cloudwaste database"):
        Store.open(path)
    assert digest(path) == before


def test_sqlite_header_followed_by_garbage_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "cloudwaste.db"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    before = digest(path)
    with pytest.raises(StoreError) as err:
        Store.open(path)
    assert str(path) in err.value.message
    assert "\n" not in err.value.message
    assert digest(path) == before


def test_damaged_cloudwaste_database_is_refused_unchanged(existing_db: Path) -> None:
    data = bytearray(existing_db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) > 2 * page_size
    data[page_size : 2 * page_size] = os.urandom(page_size)  # smash page 2 (a table's b-tree)
    existing_db.write_bytes(bytes(data))
    before = digest(existing_db)
    with pytest.raises(StoreError) as err:
        store = Store.open(existing_db)
        try:
            store.list_scans()
            store.findings("x")
        finally:
            store.close()
    assert err.value.message == f"{existing_db} is damaged (database disk image is malformed)"
    assert digest(existing_db) == before


def test_another_applications_sqlite_database_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    conn.execute("INSERT INTO users (email) VALUES ('a@example.com')")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match=r"is not a cloudwaste database \(it holds other tables: users\)"):
        Store.open(path)
    assert digest(path) == before
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    finally:
        conn.close()


def test_database_from_a_newer_cloudwaste_is_refused_untouched(existing_db: Path) -> None:
    conn = sqlite3.connect(existing_db)
    conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, 'future')", (LATEST + 1,))
    conn.execute("CREATE TABLE new_feature (x TEXT)")
    conn.commit()
    conn.close()
    before = digest(existing_db)
    with pytest.raises(StoreError) as err:
        Store.open(existing_db)
    assert err.value.message.startswith(f"{existing_db} was written by a newer cloudwaste")
    assert f"schema {LATEST + 1}" in err.value.message
    assert "upgrade" in (err.value.hint or "")
    assert digest(existing_db) == before
    conn = sqlite3.connect(existing_db)
    try:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == LATEST + 1
    finally:
        conn.close()


@pytest.fixture
def exclusive_lock(existing_db: Path) -> Iterator[sqlite3.Connection]:
    """Another writer holding ``BEGIN EXCLUSIVE`` on the database."""
    other = sqlite3.connect(existing_db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO accounts VALUES ('aws', 'held', '{}', 'now')")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_open_while_another_writer_holds_the_lock_fails_after_the_timeout(
    existing_db: Path, exclusive_lock: sqlite3.Connection
) -> None:
    started = time.monotonic()
    with pytest.raises(StoreError) as err:
        Store.open(existing_db, timeout=0.2)
    elapsed = time.monotonic() - started
    assert err.value.message == f"{existing_db} is locked by another process (database is locked)"
    assert err.value.hint
    assert 0.15 <= elapsed < 3


def test_write_while_another_writer_holds_the_lock_fails_and_writes_nothing(existing_db: Path) -> None:
    store = Store.open(existing_db, timeout=0.2)
    try:
        other = sqlite3.connect(existing_db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        scan = make_scan()
        try:
            with pytest.raises(StoreError, match="is locked by another process"):
                store.begin_scan(scan)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert [s.id for s in store.list_scans()] != [scan.id]
        assert len(store.list_scans()) == 1
        store.begin_scan(scan)  # once the lock is released the same write succeeds
        assert len(store.list_scans()) == 2
    finally:
        store.close()


def test_lock_is_released_after_the_other_writer_finishes(existing_db: Path) -> None:
    other = sqlite3.connect(existing_db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    other.execute("ROLLBACK")
    other.close()
    with Store.open(existing_db, timeout=0.2) as store:
        assert len(store.list_scans()) == 1


def _open_as_unprivileged(path: Path) -> str:
    """Store.open(path) in a forked child running as ``nobody``; returns the StoreError message."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop root (modules are already imported), try, report through the pipe
        code = 0
        try:
            os.setgid(65534)
            os.setuid(65534)
            try:
                Store.open(path).close()
                message = "opened"
            except StoreError as exc:
                message = exc.message
            os.write(write_fd, message.encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as fh:
        out = fh.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return out


@posix_only
def test_parent_directory_that_is_not_writable_gives_store_error() -> None:
    base = Path(tempfile.mkdtemp(prefix="cloudwaste-ro-"))
    try:
        base.chmod(0o755)
        locked = base / "ro"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        path = locked / "cloudwaste.db"
        if os.geteuid() == 0:
            if not hasattr(os, "fork"):
                pytest.skip("needs os.fork to drop root privileges")
            message = _open_as_unprivileged(path)
        else:
            with pytest.raises(StoreError) as err:
                Store.open(path)
            message = err.value.message
        assert message == f"cannot create {path} (Permission denied)"
        assert not path.exists()
    finally:
        (base / "ro").chmod(0o755)
        for p in sorted(base.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() else p.unlink()
        base.rmdir()


@posix_only
def test_missing_parent_under_an_unwritable_directory_gives_store_error() -> None:
    base = Path(tempfile.mkdtemp(prefix="cloudwaste-ro-"))
    try:
        base.chmod(0o755)
        locked = base / "ro"
        locked.mkdir()
        locked.chmod(0o555)
        path = locked / "sub" / "cloudwaste.db"
        if os.geteuid() == 0:
            if not hasattr(os, "fork"):
                pytest.skip("needs os.fork to drop root privileges")
            message = _open_as_unprivileged(path)
        else:
            with pytest.raises(StoreError) as err:
                Store.open(path)
            message = err.value.message
        assert message == f"cannot create directory {locked / 'sub'} (Permission denied)"
    finally:
        (base / "ro").chmod(0o755)
        for p in sorted(base.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() else p.unlink()
        base.rmdir()


def test_parent_that_is_a_file_gives_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "notadir"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create"):
        Store.open(blocker / "cloudwaste.db")
    assert blocker.read_text() == "x"


def test_directory_passed_as_database_gives_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        Store.open(tmp_path)


def test_empty_existing_file_becomes_a_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with Store.open(path) as store:
        assert store.schema_version == LATEST


def test_existing_empty_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "touched.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    Store.open(path).close()
    assert path.stat().st_mode & 0o777 == 0o600
