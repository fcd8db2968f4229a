"""OS keyring access (service ``cloudwaste``) with a timeout, an env override and clear errors.

Every keyring call runs in a daemon worker thread and is abandoned after :data:`TIMEOUT_S` seconds: a
Secret Service waiting for an unlock prompt nobody can see must not hang a scan. Backends that store
nothing (``fail``, ``null``, also inside a ``ChainerBackend``) count as unavailable, and so does a
backend that would prompt for a master password when stdin is not a terminal. ``keyrings.alt``
backends are used only when chosen explicitly (``PYTHON_KEYRING_BACKEND`` or ``keyringrc.cfg``).
There is never a silent fallback to a plaintext file: when no keyring is usable the caller gets a
:class:`~cloudwaste.errors.KeyringUnavailableError` whose hint names the alternatives.

``CLOUDWASTE_SECRET_<NAME>`` (upper case, other characters as ``_``; ``aws:prod`` ->
``CLOUDWASTE_SECRET_AWS_PROD``) overrides a stored secret, and ``CLOUDWASTE_NO_KEYRING=1`` turns the
keyring off.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from cloudwaste.errors import KeyringUnavailableError

SERVICE = "cloudwaste"
TIMEOUT_S = 5.0
ENV_PREFIX = "CLOUDWASTE_SECRET_"

_T = TypeVar("_T")
_NO_STORAGE = ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring")
_PROMPTING = ("keyrings.alt.file.EncryptedKeyring", "keyrings.cryptfile.cryptfile.CryptFileKeyring")
_OPT_IN_ONLY = ("keyrings.alt.",)
_TRUTHY = {"1", "true", "yes", "on"}


def env_name(name: str) -> str:
    """The env var that overrides secret ``name``: ``aws:prod`` -> ``CLOUDWASTE_SECRET_AWS_PROD``."""
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _hint(name: str | None = None) -> str:
    env = env_name(name) if name else f"{ENV_PREFIX}<NAME>"
    return (
        "install and unlock gnome-keyring or KWallet (a D-Bus Secret Service), or set "
        "PYTHON_KEYRING_BACKEND to a backend explicitly; or do without the keyring: use an AWS profile "
        f"or environment credentials, or put the secret in {env}"
    )


def _qualname(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_a(obj: Any, names: tuple[str, ...]) -> bool:
    return any(f"{c.__module__}.{c.__qualname__}" in names for c in type(obj).__mro__)


def _explicit_choice() -> bool:
    """True when the user picked the backend (env var or keyring's config file)."""
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        return True
    try:
        from keyring.util import platform_

        return (Path(platform_.config_root()) / "keyringrc.cfg").is_file()
    except Exception:  # keyring internals moved: assume no config file
        return False


def _unavailable(reason: str, name: str | None = None) -> KeyringUnavailableError:
    return KeyringUnavailableError(f"no usable OS keyring backend was found: {reason}", hint=_hint(name))


def _backend(name: str | None) -> Any:
    """The one backend we will use, or KeyringUnavailableError (runs inside the worker thread)."""
    import keyring
    from keyring.backends.chainer import ChainerBackend

    try:
        chosen = keyring.get_keyring()
    except (ImportError, AttributeError, RuntimeError) as exc:
        raise _unavailable(f"PYTHON_KEYRING_BACKEND cannot be loaded ({exc})", name) from None
    candidates = list(chosen.backends) if isinstance(chosen, ChainerBackend) else [chosen]
    storing = [b for b in candidates if not _is_a(b, _NO_STORAGE)]
    if not storing:
        what = ", ".join(_qualname(b) for b in candidates) or _qualname(chosen)
        raise _unavailable(f"only {what}, which stores nothing", name)
    usable = (
        storing if _explicit_choice() else [b for b in storing if not _qualname(b).startswith(_OPT_IN_ONLY)]
    )
    if not usable:
        what = ", ".join(_qualname(b) for b in storing)
        raise _unavailable(f"only {what}, which is used only when chosen with PYTHON_KEYRING_BACKEND", name)
    backend = usable[0]
    if _is_a(backend, _PROMPTING) and not (sys.stdin and sys.stdin.isatty()):
        raise _unavailable(
            f"{_qualname(backend)} would prompt for a password but stdin is not a terminal", name
        )
    return backend


def _run(fn: Callable[[Any], _T], name: str | None, what: str) -> _T:
    """Pick the backend and run ``fn(backend)`` in a worker thread, with the timeout and error mapping."""
    if os.environ.get("CLOUDWASTE_NO_KEYRING", "").strip().lower() in _TRUTHY:
        raise _unavailable("the keyring is disabled by CLOUDWASTE_NO_KEYRING", name)
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn(_backend(name))
        except BaseException as exc:  # handed to the calling thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="cloudwaste-keyring", daemon=True)
    worker.start()
    worker.join(TIMEOUT_S)
    if worker.is_alive():
        raise KeyringUnavailableError(
            f"the OS keyring did not answer within {TIMEOUT_S:g} s while trying to {what} "
            "(locked, or waiting for an unlock prompt?)",
            hint=_hint(name),
        )
    error = box.get("error")
    if error is None:
        value: _T = box["value"]
        return value
    if isinstance(error, KeyringUnavailableError):
        raise error
    from keyring.errors import KeyringError, KeyringLocked, NoKeyringError

    if isinstance(error, NoKeyringError):
        raise _unavailable("keyring reports no recommended backend", name) from None
    if isinstance(error, KeyringLocked):
        raise KeyringUnavailableError("the OS keyring is locked", hint=_hint(name)) from None
    if isinstance(error, KeyringError | EOFError | OSError):
        detail = " ".join(str(error).split()) or type(error).__name__
        raise KeyringUnavailableError(
            f"the OS keyring failed to {what}: {detail}", hint=_hint(name)
        ) from None
    raise error


def get_secret(name: str) -> str | None:
    """The secret ``name``: from ``CLOUDWASTE_SECRET_<NAME>`` if set, else the keyring (None if absent)."""
    override = os.environ.get(env_name(name))
    if override:
        return override
    secret: str | None = _run(lambda kr: kr.get_password(SERVICE, name), name, f"read {name!r}")
    return secret


def set_secret(name: str, value: str) -> None:
    """Store ``value`` under ``name`` in the OS keyring."""
    _run(lambda kr: kr.set_password(SERVICE, name, value), name, f"store {name!r}")


def delete_secret(name: str) -> bool:
    """Remove secret ``name`` from the keyring; False when it was not there."""

    def delete(kr: Any) -> bool:
        from keyring.errors import PasswordDeleteError

        if kr.get_password(SERVICE, name) is None:
            return False
        try:
            kr.delete_password(SERVICE, name)
        except PasswordDeleteError:
            return False
        return True

    return _run(delete, name, f"delete {name!r}")


def keyring_status() -> tuple[bool, str]:
    """Whether a keyring is usable, and the backend in use or the reason it is not (never raises)."""
    try:
        backend = _run(lambda kr: kr, None, "find a backend")
    except KeyringUnavailableError as exc:
        return False, exc.message
    priority = getattr(backend, "priority", None)
    suffix = f", priority {priority:g}" if isinstance(priority, int | float) else ""
    return True, f"{_qualname(backend)}{suffix}"
