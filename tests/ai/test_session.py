"""Preparing a request from the store, and the per-scan conversation kept for --continue."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cloudwaste.ai.prompt import FOCUS_TEMPLATE
from cloudwaste.ai.session import AskOptions, Prepared, prepare, record
from cloudwaste.errors import UsageError
from cloudwaste.store import Store
from cloudwaste.store.schema import LATEST
from tests.ai.helpers import EMAIL, OTHER_ACCOUNT, SCAN_ID, seed_store
from tests.builders import ACCOUNT


def _ask(path: Path, question: str, **kwargs: Any) -> Prepared:
    with Store.open(path) as store:
        return prepare(store, AskOptions(question=question, **kwargs))


def test_record_then_continue_sends_the_earlier_turns(store_path: Path) -> None:
    first = _ask(store_path, f"is {ACCOUNT} the main account?")
    with Store.open(store_path) as store:
        record(store, first, "Yes, <ACCOUNT_1> holds the NAT gateway.", "claude-test-model")
    follow = _ask(store_path, "and the volumes?", continue_history=True)
    msgs = follow.messages
    assert [m["role"] for m in msgs] == ["user", "assistant", "user"]
    assert msgs[0]["content"] == "is <ACCOUNT_1> the main account?"
    assert msgs[1]["content"] == "Yes, <ACCOUNT_1> holds the NAT gateway."
    assert msgs[2]["content"].endswith("Question: and the volumes?\n")
    assert follow.history_turns == 1
    fresh = _ask(store_path, "and the volumes?")  # without --continue: no history
    assert len(fresh.messages) == 1


def test_the_store_keeps_only_redacted_text_even_with_no_redact(store_path: Path) -> None:
    prepared = _ask(store_path, f"who is {EMAIL} in {ACCOUNT}?", redact=False)
    assert ACCOUNT in prepared.messages[-1]["content"]
    with Store.open(store_path) as store:
        record(store, prepared, f"{EMAIL} owns the gateway; peer {OTHER_ACCOUNT}.")
    with sqlite3.connect(store_path) as conn:
        rows = conn.execute("SELECT role, content, model FROM conversations ORDER BY id").fetchall()
    assert rows == [
        ("user", "who is <TAG_VALUE_3> in <ACCOUNT_1>?", "claude-sonnet-5-5"),
        ("assistant", "<TAG_VALUE_3> owns the gateway; peer <ACCOUNT_2>.", "claude-sonnet-5-5"),
    ]
    # sent again with --no-redact --continue: mapped back to the values
    again = _ask(store_path, "more?", redact=False, continue_history=True)
    assert again.messages[1]["content"] == f"{EMAIL} owns the gateway; peer {OTHER_ACCOUNT}."


def test_conversations_go_with_their_scan(store_path: Path) -> None:
    prepared = _ask(store_path, "q")
    with Store.open(store_path) as store:
        record(store, prepared, "a")
        assert len(store.conversation(SCAN_ID)) == 2
        assert store.schema_version == LATEST
        store.delete_scan(SCAN_ID)
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 0


def test_old_history_is_dropped_first_under_the_budget(store_path: Path) -> None:
    with Store.open(store_path) as store:
        for i in range(6):
            store.add_conversation_turn(SCAN_ID, f"question {i}", "x" * 7_000, "m")
    prepared = _ask(store_path, "latest?", continue_history=True)
    msgs = prepared.messages
    assert prepared.history_turns == 4 and prepared.dropped_turns == 2
    assert msgs[0]["content"] == "question 2"


def test_focus_by_prefix_adds_the_explanation_request(store_path: Path) -> None:
    with Store.open(store_path) as store:
        nat = next(f for f in store.findings(SCAN_ID) if f.resource.id.startswith("nat-"))
    prepared = _ask(store_path, "", finding=nat.fingerprint[4:12])
    user = prepared.messages[-1]["content"]
    assert FOCUS_TEMPLATE.format(fingerprint=nat.fingerprint) in user
    assert "risks of deleting" in user and "read-only commands" in user and "clean-up commands" in user
    assert prepared.context.findings_used[0] == nat.fingerprint


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"question": ""}, "ask needs a QUESTION"),
        ({"question": "q", "finding": "cw1:ffffffff"}, "no finding 'cw1:ffffffff' in scan"),
        ({"question": "q", "provider": "gcp"}, "has no 'gcp' data"),
        ({"question": "q", "scan": "nope"}, "no scan matches 'nope'"),
    ],
)
def test_usage_errors(store_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message), Store.open(store_path) as store:
        prepare(store, AskOptions(**kwargs))


def test_no_scan_yet(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no finished scan"), Store.open(tmp_path / "empty.db") as store:
        prepare(store, AskOptions(question="q"))


def test_the_second_scan_has_its_own_conversation(store_path: Path) -> None:
    seed_store(store_path, scan_id="20261202-072455-aaaaaa")
    with Store.open(store_path) as store:
        record(store, prepare(store, AskOptions(question="q1", scan=SCAN_ID)), "a1")
        assert store.conversation("20261202-072455-aaaaaa") == []
        assert [r["content"] for r in store.conversation(SCAN_ID)] == ["q1", "a1"]
