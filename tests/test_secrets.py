"""Secrets: env override, the OS keyring through a worker thread with a timeout, clear errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.core
import pytest
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from cloudwaste import secrets
from cloudwaste.errors import KeyringUnavailableError
from tests.memkeyring import BrokenKeyring, HangingKeyring, MemoryKeyring


@pytest.fixture
def use_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Turn the keyring on; ``use_keyring(backend)`` installs a backend, restored afterwards."""
    monkeypatch.delenv("CLOUDWASTE_NO_KEYRING", raising=False)
    previous = keyring.get_keyring()
    MemoryKeyring.store.clear()
    yield keyring.set_keyring
    keyring.set_keyring(previous)
    MemoryKeyring.store.clear()


def chain(*backends: Any) -> ChainerBackend:
    """A ChainerBackend over exactly ``backends`` (highest priority first)."""
    cls = type("TestChain", (ChainerBackend,), {"backends": list(backends)})
    return cls()  # type: ignore[no-any-return]


def lookalike(module: str, name: str) -> MemoryKeyring:
    """A working backend whose class claims to live in ``module`` (keyrings.alt is not installed)."""
    cls = type(name, (MemoryKeyring,), {"__module__": module})
    return cls()  # type: ignore[no-any-return]


def test_env_var_name_is_upper_case_with_underscores() -> None:
    assert secrets.env_name("aws:prod-eu.1") == "CLOUDWASTE_SECRET_AWS_PROD_EU_1"


def test_env_override_wins_even_with_the_keyring_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDWASTE_SECRET_AWS_PROD", "from-env")
    assert secrets.get_secret("aws:prod") == "from-env"


def test_store_read_delete_round_trip(use_keyring: Any) -> None:
    use_keyring(MemoryKeyring())
    assert secrets.get_secret("aws:prod") is None
    secrets.set_secret("aws:prod", "s3cret")
    assert secrets.get_secret("aws:prod") == "s3cret"
    assert MemoryKeyring.store == {("cloudwaste", "aws:prod"): "s3cret"}
    assert secrets.delete_secret("aws:prod") is True
    assert secrets.delete_secret("aws:prod") is False
    assert secrets.get_secret("aws:prod") is None


def test_backend_chosen_by_python_keyring_backend(use_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.memkeyring.MemoryKeyring")
    keyring.core.init_backend()
    secrets.set_secret("m365:tenant", "value")
    assert secrets.get_secret("m365:tenant") == "value"
    assert secrets.keyring_status() == (True, "tests.memkeyring.MemoryKeyring, priority 1")


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), chain(null.Keyring())])
def test_backends_that_store_nothing_are_unavailable_with_the_alternatives(
    use_keyring: Any, backend: Any
) -> None:
    use_keyring(backend)
    with pytest.raises(KeyringUnavailableError, match="no usable OS keyring backend was found") as info:
        secrets.set_secret("aws:prod", "x")
    hint = info.value.hint or ""
    for alternative in (
        "gnome-keyring",
        "KWallet",
        "PYTHON_KEYRING_BACKEND",
        "AWS profile",
        "CLOUDWASTE_SECRET_AWS_PROD",
    ):
        assert alternative in hint
    assert info.value.exit_code == 1
    ok, why = secrets.keyring_status()
    assert ok is False and "stores nothing" in why


def test_fail_backend_never_falls_back_to_a_file(
    use_keyring: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path))
    use_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailableError):
        secrets.set_secret("aws:prod", "x")
    assert list(tmp_path.iterdir()) == []


def test_a_chain_uses_its_first_real_backend(use_keyring: Any) -> None:
    use_keyring(chain(null.Keyring(), MemoryKeyring()))
    secrets.set_secret("aws:prod", "v")
    assert MemoryKeyring.store[("cloudwaste", "aws:prod")] == "v"


def test_keyrings_alt_in_a_chain_is_used_only_when_chosen_explicitly(
    use_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plaintext = lookalike("keyrings.alt.file", "PlaintextKeyring")
    use_keyring(chain(plaintext))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    with pytest.raises(KeyringUnavailableError, match="used only when chosen with PYTHON_KEYRING_BACKEND"):
        secrets.get_secret("aws:prod")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    assert secrets.get_secret("aws:prod") is None  # usable now


def test_a_prompting_backend_is_unavailable_without_a_terminal(
    use_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.EncryptedKeyring")
    use_keyring(lookalike("keyrings.alt.file", "EncryptedKeyring"))
    assert not sys.stdin or not sys.stdin.isatty()
    with pytest.raises(KeyringUnavailableError, match="would prompt"):
        secrets.get_secret("aws:prod")


def test_a_hanging_keyring_times_out(use_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "TIMEOUT_S", 0.2)
    use_keyring(HangingKeyring())
    with pytest.raises(KeyringUnavailableError, match=r"did not answer within 0.2 s"):
        secrets.get_secret("aws:prod")


def test_a_failing_backend_is_one_clear_error(use_keyring: Any) -> None:
    use_keyring(BrokenKeyring())
    with pytest.raises(KeyringUnavailableError, match="failed to read 'aws:prod': org.freedesktop"):
        secrets.get_secret("aws:prod")


def test_disabled_by_env(use_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use_keyring(MemoryKeyring())
    monkeypatch.setenv("CLOUDWASTE_NO_KEYRING", "1")
    with pytest.raises(KeyringUnavailableError, match="CLOUDWASTE_NO_KEYRING"):
        secrets.get_secret("aws:prod")
    assert secrets.keyring_status()[0] is False


def test_headless_default_backend_is_reported_unusable(tmp_path: Path) -> None:
    """On this headless box keyring picks its fail backend; a subprocess sees a clear status."""
    code = (
        "import keyring; from cloudwaste import secrets\n"
        "if type(keyring.get_keyring()).__module__ != 'keyring.backends.fail':\n"
        "    print('SKIP'); raise SystemExit\n"
        "print(secrets.keyring_status())"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    if out.stdout.strip() == "SKIP":
        pytest.skip("a real keyring backend is available here")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("(False, 'no usable OS keyring backend was found")
