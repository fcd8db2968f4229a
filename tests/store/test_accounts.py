"""Named credential profiles (never secrets) and the price cache."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudwaste.errors import UsageError
from cloudwaste.store import Store

SECRETISH = ("secret", "password", "passwd", "token", "private_key", "api_key", "credential_value")


def test_account_settings_are_stored_as_given(fresh_db: Store) -> None:
    settings = {
        "profile": "prod-ro",
        "role_arn": "arn:aws:iam::111111111111:role/cloudwaste-ro",
        "regions": ["*"],
    }
    fresh_db.add_account("aws", "prod", settings)
    got = fresh_db.get_account("aws", "prod")
    assert got is not None
    assert (got["provider"], got["name"], got["settings"]) == ("aws", "prod", settings)
    assert datetime.fromisoformat(got["created_at"]).tzinfo is not None


def test_adding_an_existing_account_is_a_usage_error_and_keeps_the_first(fresh_db: Store) -> None:
    fresh_db.add_account("aws", "prod", {"profile": "a"})
    with pytest.raises(UsageError, match="already exists"):
        fresh_db.add_account("aws", "prod", {"profile": "b"})
    got = fresh_db.get_account("aws", "prod")
    assert got is not None and got["settings"] == {"profile": "a"}


def test_same_name_under_two_providers_is_two_accounts(fresh_db: Store) -> None:
    fresh_db.add_account("aws", "prod", {})
    fresh_db.add_account("azure", "prod", {"subscription": "0000-1111"})
    assert [(a["provider"], a["name"]) for a in fresh_db.list_accounts()] == [
        ("aws", "prod"),
        ("azure", "prod"),
    ]
    assert [a["provider"] for a in fresh_db.list_accounts("azure")] == ["azure"]


def test_remove_account_reports_whether_it_existed(fresh_db: Store) -> None:
    fresh_db.add_account("aws", "prod", {})
    assert fresh_db.remove_account("aws", "prod") is True
    assert fresh_db.remove_account("aws", "prod") is False
    assert fresh_db.get_account("aws", "prod") is None


@pytest.mark.parametrize(
    "key", ["client_secret", "aws_secret_access_key", "password", "session_token", "api_key"]
)
def test_a_secret_looking_setting_is_refused(fresh_db: Store, key: str) -> None:
    with pytest.raises(UsageError, match="looks like a secret") as err:
        fresh_db.add_account("azure", "prod", {"tenant": "t", key: "hunter2"})
    assert "keyring" in (err.value.hint or "")
    assert fresh_db.list_accounts() == []


def test_no_table_has_a_column_meant_for_secrets(fresh_db: Store, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        conn.close()
    assert columns["accounts"] == ["provider", "name", "settings", "created_at"]
    for table, names in columns.items():
        for name in names:
            assert not any(s in name.lower() for s in SECRETISH), f"{table}.{name}"


def test_price_cache_round_trips(fresh_db: Store) -> None:
    fetched = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    row = {
        "provider": "aws",
        "key": "ebs.gp3.gb_month",
        "region": "eu-west-1",
        "amount": 0.088,
        "unit": "GB-month",
        "source": "AWS Price List API",
        "fetched_at": fetched,
    }
    fresh_db.cache_prices([row])
    fresh_db.cache_prices([{**row, "amount": 0.09}])  # a refresh replaces the price
    [cached] = fresh_db.cached_prices("aws")
    assert cached["amount"] == 0.09
    assert cached["currency"] == "USD"
    assert cached["fetched_at"] == fetched
    assert fresh_db.cached_prices("azure") == []
