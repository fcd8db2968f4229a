"""In-memory keyring backends for tests (select with PYTHON_KEYRING_BACKEND or keyring.set_keyring)."""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Stores passwords in a class-level dict, so every instance sees the same secrets."""

    priority = 1  # type: ignore[assignment]
    store: ClassVar[dict[tuple[str, str], str]] = {}
    lock: ClassVar[threading.Lock] = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self.lock:
            return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self.lock:
            self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self.lock:
            if self.store.pop((service, username), None) is None:
                raise PasswordDeleteError("not found")


class HangingKeyring(MemoryKeyring):
    """A keyring that never answers in time (a Secret Service waiting for an unlock prompt)."""

    def get_password(self, service: str, username: str) -> str | None:
        time.sleep(3)
        return None

    set_password = get_password  # type: ignore[assignment]


class BrokenKeyring(MemoryKeyring):
    """A keyring whose D-Bus connection fails."""

    def get_password(self, service: str, username: str) -> str | None:
        raise OSError("org.freedesktop.DBus.Error.ServiceUnknown: The name is not activatable")
