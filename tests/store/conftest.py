"""Fixtures of the store tests: ``db_path`` (a not-yet-existing file) and ``fresh_db`` (an open Store)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwaste.store import Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a database will be created: a file in a directory that does not exist yet."""
    return tmp_path / "data" / "cloudwaste" / "cloudwaste.db"


@pytest.fixture
def fresh_db(db_path: Path) -> Iterator[Store]:
    """A newly created, migrated store (closed after the test)."""
    store = Store.open(db_path)
    yield store
    store.close()
