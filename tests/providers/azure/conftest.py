"""Azure provider fixtures: a fake ARM + Entra ID over HTTPS (trustme CA) and the environment to reach it.

``arm`` starts a :class:`~tests.fakes.azure_arm.FakeArm` for the test and points cloudwaste at it
(``CLOUDWASTE_AZURE_ARM_URL``, ``AZURE_AUTHORITY_HOST``, ``CLOUDWASTE_CA_BUNDLE``); ``env_credential``
adds EnvironmentCredential's variables with ``AZURE_TOKEN_CREDENTIALS=EnvironmentCredential``, so
the real DefaultAzureCredential gets its token from the fake and never probes IMDS or runs `az`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.azure_arm import FakeArm

SUB_A = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
SUB_B = "6d5e4f3a-2b1c-4d0e-9f8a-7b6c5d4e3f2a"
SUB_C = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


@pytest.fixture
def arm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArm]:
    """A running fake ARM with cloudwaste's endpoint settings pointing at it (no credential yet)."""
    fake = FakeArm(tmp_path / "fake-arm").start()
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    yield fake
    fake.stop()


@pytest.fixture
def env_credential(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> FakeArm:
    """The fake plus EnvironmentCredential's variables (DefaultAzureCredential limited to it)."""
    for key, value in arm.credential_env().items():
        monkeypatch.setenv(key, value)
    return arm
