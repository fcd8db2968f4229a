"""Microsoft 365 provider fixtures: a fake Graph (HTTP) and Entra ID (HTTPS, trustme CA) on 127.0.0.1.

``graph`` starts a :class:`~tests.fakes.graph.FakeGraph` for the test and points cloudwaste at it
(``CLOUDWASTE_GRAPH_URL``, ``AZURE_AUTHORITY_HOST``, ``CLOUDWASTE_CA_BUNDLE``); ``env_credential``
adds EnvironmentCredential's variables, so the real credential gets its token from the fake.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.graph import FakeGraph


@pytest.fixture
def graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGraph]:
    """A running fake Graph with cloudwaste's endpoint settings pointing at it (no credential yet)."""
    fake = FakeGraph(tmp_path / "fake-graph").start()
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    yield fake
    fake.stop()


@pytest.fixture
def env_credential(graph: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> FakeGraph:
    """The fake plus EnvironmentCredential's variables for its app."""
    for key, value in graph.credential_env().items():
        monkeypatch.setenv(key, value)
    return graph


@pytest.fixture
def memkeyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The in-memory keyring of tests/memkeyring.py, installed (and emptied) for the test."""
    import keyring

    from tests.memkeyring import MemoryKeyring

    MemoryKeyring.store.clear()
    monkeypatch.delenv("CLOUDWASTE_NO_KEYRING", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)
    MemoryKeyring.store.clear()
