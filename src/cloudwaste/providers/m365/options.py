"""What the CLI tells the Microsoft 365 provider: tenant, credential source, report period, bounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AUTH_MODES = ("env", "cli")
PERIODS = ("D30", "D90", "D180")
DEFAULT_MAX_ITEMS = 20_000


@dataclass
class M365Options:
    """Options of one Microsoft 365 scan (one tenant).

    Args:
        tenant: the tenant id (``--tenant``); None = the credential's tenant. When given, the token's
            ``tid`` must match it.
        account: a named app registration saved with ``cloudwaste auth add m365 NAME``.
        account_settings: its non-secret settings from the store: ``tenant_id``, ``client_id`` and
            optionally ``certificate_path`` (the client secret or the certificate password is in the OS
            keyring under ``m365:NAME``).
        auth: ``env`` (EnvironmentCredential: ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID`` and
            ``AZURE_CLIENT_SECRET`` or ``AZURE_CLIENT_CERTIFICATE_PATH``) or ``cli``
            (AzureCliCredential, the `az login` user); None = the named account if given, else ``env``.
        period: usage-report period (``D30``, ``D90``, ``D180``).
        max_items: driveItems read per scan at most (over every drive); the walk stops there.
        max_drives: drives listed and walked at most (largest first).
        max_version_files: largest files whose versions are listed.
        max_attempts: attempts per Graph call (kiota's RetryHandler: 429/503/504, Retry-After honoured).
        connect_timeout: seconds to open a connection.
        read_timeout: seconds to wait for a response.
    """

    tenant: str | None = None
    account: str | None = None
    account_settings: dict[str, Any] | None = None
    auth: str | None = None
    period: str = "D30"
    max_items: int = DEFAULT_MAX_ITEMS
    max_drives: int = 100
    max_version_files: int = 25
    max_attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
