"""GCP provider fixtures: one fake of the Google APIs over HTTP and the environment to reach it.

``gcp`` starts a :class:`~tests.fakes.gcp.FakeGcp` for the test (server-side pages of 2 items, so every
pager runs) and points cloudwaste at it with ``CLOUDWASTE_GCP_ENDPOINT``; gcloud's configuration
directory is an empty temporary one, so Application Default Credentials find nothing unless a test
sets ``GOOGLE_APPLICATION_CREDENTIALS`` (``NO_GCE_CHECK`` keeps the metadata server out).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.gcp import FakeGcp, make_key_file


@pytest.fixture
def gcp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGcp]:
    """A running fake with cloudwaste's endpoint setting pointing at it (no credential yet)."""
    fake = FakeGcp().start()
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    gcloud = tmp_path / "gcloud"
    gcloud.mkdir()
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(gcloud))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    yield fake
    fake.stop()


@pytest.fixture
def key_file(gcp: FakeGcp, tmp_path: Path) -> Path:
    """A generated service-account key whose token endpoint is the fake's."""
    return make_key_file(tmp_path / "sa-key.json", f"{gcp.url}/token")
