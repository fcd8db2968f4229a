"""What the CLI tells the Azure provider: credential source, cloud, subscriptions, retries, discovery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AUTH_MODES = ("default", "cli", "env", "managed-identity")
CLOUD_NAMES = ("public", "usgov", "china")
DISCOVERY_MODES = ("graph", "arm")


@dataclass
class AzureOptions:
    """Options of one Azure scan (one tenant, many subscriptions).

    Args:
        account: a named account saved with ``cloudwaste auth add azure NAME`` (a service principal).
        account_settings: its non-secret settings read by the CLI from the store: ``tenant_id``,
            ``client_id``, optionally ``certificate_path`` and ``cloud`` (the client secret or the
            certificate password is in the OS keyring under ``azure:NAME``).
        auth: pin one credential: ``default`` (DefaultAzureCredential), ``cli`` (AzureCliCredential),
            ``env`` (EnvironmentCredential) or ``managed-identity``; None = the named account if given,
            else DefaultAzureCredential.
        cloud: ``public``, ``usgov`` or ``china`` (ARM URL, authority host and token scope).
        subscriptions: ``--subscription`` ids or display names; empty = every enabled subscription.
        exclude_subscriptions: ids or names removed from the selection.
        max_attempts: total attempts per call (azure-core retry policy: 429 honours Retry-After).
        connect_timeout: seconds to open a connection.
        read_timeout: seconds to wait for a response.
        discovery: ``graph`` (one Azure Resource Graph query for all subscriptions, the default) or
            ``arm`` (one ARM list call per resource type and subscription).
        metric_workers: concurrent Azure Monitor calls per subscription.
    """

    account: str | None = None
    account_settings: dict[str, Any] | None = None
    auth: str | None = None
    cloud: str = "public"
    subscriptions: list[str] = field(default_factory=list)
    exclude_subscriptions: list[str] = field(default_factory=list)
    max_attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    discovery: str = "graph"
    metric_workers: int = 8
