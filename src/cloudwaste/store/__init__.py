"""The local SQLite store: scans, coverage, findings and their state, accounts, price cache."""

from cloudwaste.store.core import Store

__all__ = ["Store"]
