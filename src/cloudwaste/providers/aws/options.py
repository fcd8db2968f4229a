"""What the CLI tells the AWS provider: credentials source, regions, accounts, retry and timeout settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class AwsOptions:
    """Options of one AWS scan: one account, or many (``--org`` / ``--accounts-file``).

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
        org: scan every ACTIVE account of the caller's organization (``--org``).
        accounts_file: a YAML list of accounts to scan (``--accounts-file``).
        role_name: the role assumed in each account (``--role-name``); an accounts-file entry's
            ``role`` wins over it.
        external_id: the ``ExternalId`` sent with every AssumeRole (``--external-id``).
        account_tags: ``(key, value)`` pairs an account must carry (``--account-tag``): different keys
            must all match, several values of one key are alternatives.
        accounts_concurrency: accounts planned (role assumed, regions listed) at the same time.
        role_duration_s: ``DurationSeconds`` of each role session; None = the role's default (1 hour).
            Sessions are refreshed 15 minutes before they expire, so a long scan never fails on them.
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
    org: bool = False
    accounts_file: Path | None = None
    role_name: str | None = None
    external_id: str | None = None
    account_tags: list[tuple[str, str]] = field(default_factory=list)
    accounts_concurrency: int = 4
    role_duration_s: int | None = None

    @property
    def multi_account(self) -> bool:
        """True when the scan covers several accounts (``--org`` or ``--accounts-file``)."""
        return self.org or self.accounts_file is not None
