"""What the CLI tells the AWS provider: credentials source, regions, retry and timeout settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AwsOptions:
    """Options of one AWS scan (one account).

    Args:
        profile: a profile of the shared AWS config (``--profile``).
        account: a named account saved with ``cloudwaste auth add aws NAME``.
        account_settings: that account's non-secret settings, read by the CLI from the store:
            ``{"profile": "x"}`` or ``{"access_key_id": "AKIA..."}`` (the secret key is in the keyring),
            optionally ``"region"`` (the region used for STS and DescribeRegions).
        regions: ``-r`` values: region names, ``all`` or globs like ``eu-*``; empty = every enabled region.
        exclude_regions: names or globs removed from the selection (``--exclude-region``).
        max_attempts: total attempts per call in botocore's adaptive retry mode.
        connect_timeout: seconds to open a connection.
        read_timeout: seconds to wait for a response.
        page_size: page size for every paginated call instead of each API's maximum (tests and tuning;
            clamped to the range each API accepts).
    """

    profile: str | None = None
    account: str | None = None
    account_settings: dict[str, Any] | None = None
    regions: list[str] = field(default_factory=list)
    exclude_regions: list[str] = field(default_factory=list)
    max_attempts: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    page_size: int | None = None
