"""Helpers shared by commands: opening the store, loading config."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudwaste.store import Store


def db_path(db: Path | None) -> Path:
    """``--db`` / CLOUDWASTE_DB, else the config file's ``db``, else the platform default."""
    if db is not None:
        return db.expanduser()
    from cloudwaste.config import default_db_path, load_config

    conf = load_config().data
    return Path(conf.db).expanduser() if conf.db else default_db_path()


def open_store(db: Path | None) -> Store:
    """Open (creating if needed) the SQLite store."""
    from cloudwaste.store import Store

    return Store.open(db_path(db))
