"""Fixtures of the `ask` tests: the fake Anthropic API (env pointed at it) and a seeded store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ai.helpers import seed_store
from tests.fakes.anthropic_server import FakeAnthropic

TEST_KEY = "sk-ant-test-0123456789abcdef"


@pytest.fixture
def fake_anthropic(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    """A running fake; ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY point the SDK at it."""
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
        yield fake


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A store holding one partial scan with the mixed findings of `tests.ai.helpers`."""
    path = tmp_path / "ask.db"
    seed_store(path)
    return path
