"""Sessions in other accounts: ``sts:AssumeRole`` behind botocore's self-refreshing credentials.

A role session lasts one hour by default (``DurationSeconds`` up to the role's maximum, and one hour
at most when the caller is itself a role session). A scan of a large organization can outlive it, so
the credentials are :class:`botocore.credentials.DeferredRefreshableCredentials`: the first API call
of the account assumes the role, and botocore assumes it again when fewer than 15 minutes are left
(every thread blocks on the refresh in the last 10). The refresher is the one AssumeRole call below,
made with the caller's credentials through an instrumented STS client, so every refresh is counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cloudwaste.errors import UsageError

SESSION_NAME = "cloudwaste"
# IAM role names: 1-64 of [\w+=,.@-]; a path (``team/Auditor``) may precede the name.
_ROLE_NAME = re.compile(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(.+)$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")

Clock = Callable[[], datetime]
Refresher = Callable[[], dict[str, str]]


def partition_of(arn: str) -> str:
    """The partition of an ARN (``aws``, ``aws-us-gov``, ``aws-cn``); ``aws`` if it is not an ARN."""
    parts = arn.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


def check_role_name(name: str, flag: str = "--role-name") -> str:
    """``name`` if it is a valid IAM role name (optionally with a path), else a UsageError."""
    if not _ROLE_NAME.match(name):
        raise UsageError(
            f"{flag} {name!r} is not an IAM role name",
            hint="use the role's name (e.g. OrganizationAccountAccessRole or audit/CloudwasteReadOnly)",
        )
    return name


def check_external_id(value: str) -> str:
    """``value`` if AssumeRole accepts it as an ExternalId (2-1224 of ``[\\w+=,.@:/-]``)."""
    if not _EXTERNAL_ID.match(value):
        raise UsageError(
            "--external-id must be 2 to 1224 characters of letters, digits and +=,.@:/-",
            hint="use the external id written in the role's trust policy (sts:ExternalId)",
        )
    return value


def role_arn(partition: str, account_id: str, role: str) -> str:
    """The ARN of ``role`` (a name, a path/name or already an ARN) in ``account_id``."""
    match = _ROLE_ARN.match(role)
    if match:
        if match.group(2) != account_id:
            raise UsageError(
                f"role {role!r} is not in account {account_id}",
                hint="give the role's name, or an ARN in the account it scans",
            )
        return role
    return f"arn:{partition}:iam::{account_id}:role/{check_role_name(role, 'role')}"


def assume_role_refresher(
    sts: Any,
    arn: str,
    *,
    external_id: str | None = None,
    duration_s: int | None = None,
    session_name: str = SESSION_NAME,
) -> Refresher:
    """A function that calls ``sts:AssumeRole`` and returns the metadata botocore's
    refreshable credentials expect (``access_key``, ``secret_key``, ``token``, ``expiry_time``)."""
    args: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": session_name}
    if external_id:
        args["ExternalId"] = external_id
    if duration_s:
        args["DurationSeconds"] = duration_s

    def refresh() -> dict[str, str]:
        creds = sts.assume_role(**args)["Credentials"]
        expiration = creds["Expiration"]
        return {
            "access_key": str(creds["AccessKeyId"]),
            "secret_key": str(creds["SecretAccessKey"]),
            "token": str(creds["SessionToken"]),
            "expiry_time": expiration.isoformat() if isinstance(expiration, datetime) else str(expiration),
        }

    return refresh


def refreshable_credentials(refresh: Refresher, clock: Clock | None = None) -> Any:
    """Credentials that call ``refresh`` on first use and again before they expire.

    ``clock`` (tz-aware "now") replaces the real clock, so tests can move time forward.
    """
    from botocore.credentials import DeferredRefreshableCredentials

    if clock is None:
        return DeferredRefreshableCredentials(refresh_using=refresh, method="assume-role")
    return DeferredRefreshableCredentials(refresh_using=refresh, method="assume-role", time_fetcher=clock)
