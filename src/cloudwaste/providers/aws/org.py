"""Many AWS accounts in one scan: an organization's ACTIVE accounts (``--org``) or an accounts file.

``plan()`` verifies the caller (``sts:GetCallerIdentity``), lists the accounts
(``organizations:ListAccounts``, paginated, from the management account or a delegated administrator;
``organizations:ListTagsForResource`` per account only when ``--account-tag`` filters them), then plans
each account, at most ``accounts_concurrency`` at a time: it assumes
``arn:<partition>:iam::<id>:role/<role>`` (see :mod:`~cloudwaste.providers.aws.assume`; the caller's
own account is scanned with the caller's credentials) and lists that account's regions. Each account x
region is a scope unit, ``ScopeUnit("aws", account_id, region, account_name)``, scanned by a
per-account :class:`~cloudwaste.providers.aws.provider.AwsProvider`; the engine runs the units of all
accounts under its one ``--concurrency`` bound. An account whose role cannot be assumed (or whose
regions cannot be resolved) is recorded in coverage as an error and every other account still runs.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Any

from cloudwaste.checks.context import MetricQuery
from cloudwaste.errors import CloudwasteError, ProviderError, UsageError
from cloudwaste.model import CoverageUnit, UnitStatus
from cloudwaste.providers.aws import auth
from cloudwaste.providers.aws.accounts import Target, load_accounts_file, tags_match
from cloudwaste.providers.aws.assume import (
    Clock,
    assume_role_refresher,
    partition_of,
    refreshable_credentials,
    role_arn,
)
from cloudwaste.providers.aws.options import AwsOptions
from cloudwaste.providers.aws.provider import AwsProvider, AwsUnitSession, Operation
from cloudwaste.providers.aws.regions import is_glob
from cloudwaste.providers.base import Plan, ScopeUnit

ACTIVE = "ACTIVE"
LIST_ACCOUNTS_MAX_PAGE = 20  # ListAccounts MaxResults: 1-20


def error_line(exc: BaseException) -> str:
    """One line for coverage: ``Code: message (Operation)`` for an AWS error, else the message."""
    if isinstance(exc, CloudwasteError):
        return exc.message
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        op = getattr(exc, "operation_name", "")
        text = f"{err.get('Code', type(exc).__name__)}: {err.get('Message', '')}".strip()
        return f"{text} ({op})" if op else text
    return (" ".join(str(exc).split()) or type(exc).__name__)[:400]


def account_state(account: dict[str, Any]) -> str:
    """An Organizations account's state: ``State`` (current API), else the retiring ``Status``."""
    return str(account.get("State") or account.get("Status") or "")


class AwsOrgProvider:
    """Scans several AWS accounts; see the module docstring."""

    name = "aws"

    def __init__(self, options: AwsOptions, *, clock: Clock | None = None) -> None:
        """``clock`` (tz-aware now) drives the role sessions' refresh (tests move it forward)."""
        if options.org and options.accounts_file is not None:
            raise UsageError(
                "--org and --accounts-file cannot be combined", hint="choose one source of accounts"
            )
        if not options.multi_account:
            raise UsageError("a multi-account scan needs --org or --accounts-file")
        if options.org and not options.role_name:
            raise UsageError(
                "--org needs --role-name",
                hint="the role to assume in each account, e.g. --role-name Cloudwaste",
            )
        self.options = options
        self.caller = AwsProvider(replace(options, org=False, accounts_file=None))
        self.clock = clock
        self.targets: list[Target] = []
        self.accounts: dict[str, AwsProvider] = {}
        self.failed: dict[str, str] = {}  # account id -> error
        self._lock = threading.Lock()
        self._sts: Any = None

    @property
    def operations(self) -> list[Operation]:
        """Every API call made: discovery and role assumption first, then each account's."""
        ops = list(self.caller.operations)
        for provider in list(self.accounts.values()):
            ops.extend(provider.operations)
        return ops

    # -- accounts -------------------------------------------------------------------------------

    def _org_targets(self) -> list[Target]:
        from botocore.exceptions import BotoCoreError, ClientError

        identity = self.caller.identity()
        org = self.caller.client("organizations", identity.region)
        size = self.options.page_size or LIST_ACCOUNTS_MAX_PAGE
        pages = org.get_paginator("list_accounts").paginate(
            PaginationConfig={"PageSize": max(1, min(size, LIST_ACCOUNTS_MAX_PAGE))}
        )
        try:
            accounts = [a for page in pages for a in page.get("Accounts") or []]
        except ClientError as exc:
            raise ProviderError(
                f"cannot list the organization's accounts: {error_line(exc)}",
                hint="run from the management account or a delegated administrator with "
                "organizations:ListAccounts, or list the accounts in --accounts-file",
            ) from None
        except BotoCoreError as exc:
            raise ProviderError(f"cannot list the organization's accounts: {error_line(exc)}") from None
        return [
            Target(id=str(a["Id"]), name=str(a.get("Name") or ""), role=self.options.role_name)
            for a in accounts
            if account_state(a) == ACTIVE
        ]

    def _tags(self, org: Any, account_id: str) -> dict[str, str]:
        pages = org.get_paginator("list_tags_for_resource").paginate(ResourceId=account_id)
        return {str(t["Key"]): str(t.get("Value", "")) for page in pages for t in page.get("Tags") or []}

    def _with_org_tags(self, targets: list[Target]) -> list[Target]:
        from botocore.exceptions import BotoCoreError, ClientError

        org = self.caller.client("organizations", self.caller.identity().region)
        workers = max(1, min(self.options.accounts_concurrency, len(targets)))
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cloudwaste-tags") as pool:
                tags = list(pool.map(lambda t: self._tags(org, t.id), targets))
        except (ClientError, BotoCoreError) as exc:
            raise ProviderError(
                f"cannot read the accounts' tags: {error_line(exc)}",
                hint="--account-tag needs organizations:ListTagsForResource",
            ) from None
        return [replace(t, tags=tag) for t, tag in zip(targets, tags, strict=True)]

    def discover(self) -> list[Target]:
        """The accounts to scan, after ``--account-tag`` filtering (cached)."""
        if self.targets:
            return self.targets
        identity = self.caller.identity()
        if self.options.org:
            targets = self._org_targets()
            if self.options.account_tags:
                targets = self._with_org_tags(targets)
        else:
            assert self.options.accounts_file is not None
            targets = load_accounts_file(self.options.accounts_file)
        if self.options.account_tags:
            targets = [t for t in targets if tags_match(t.tags, self.options.account_tags)]
        for t in targets:
            t.role = t.role or self.options.role_name
            if t.role is None and t.id != identity.account_id:
                raise UsageError(
                    f"account {t.id} in {self.options.accounts_file} has no role and --role-name is not set",
                    hint="add `role:` to the entry or pass --role-name",
                )
        if not targets:
            raise UsageError(
                "no AWS account left to scan",
                hint="check --account-tag and the accounts' state (only ACTIVE accounts are scanned)",
            )
        self.targets = targets
        return targets

    # -- planning ---------------------------------------------------------------------------------

    def _sts_client(self) -> Any:
        with self._lock:
            if self._sts is None:
                identity = self.caller.identity()
                self._sts = self.caller.client("sts", identity.region)
            return self._sts

    def account_provider(self, target: Target) -> tuple[AwsProvider, Any]:
        """The provider of one account and its refreshable credentials (None for the caller's own)."""
        caller = self.caller.identity()
        options = replace(
            self.options, org=False, accounts_file=None, regions=target.regions or self.options.regions
        )
        if target.id == caller.account_id:
            # one boto3 session for both providers: its client creation stays serialized
            shared = self.caller.client_lock
            return AwsProvider(options, identity=caller, label=target.label, client_lock=shared), None
        assert target.role is not None
        arn = role_arn(partition_of(caller.arn), target.id, target.role)
        refresh = assume_role_refresher(
            self._sts_client(),
            arn,
            external_id=self.options.external_id,
            duration_s=self.options.role_duration_s,
        )
        credentials = refreshable_credentials(refresh, self.clock)
        identity = auth.Identity(
            session=auth.new_session(credentials=credentials, region_name=caller.region),
            config=caller.config,
            source=f"role {arn}",
            profile=None,
            region=caller.region,
            account_id=target.id,
            arn=arn,
        )
        return AwsProvider(options, identity=identity, label=target.label), credentials

    def _error_units(self, target: Target, error: str) -> list[CoverageUnit]:
        wanted = target.regions or self.options.regions
        names = [r.strip() for v in wanted for r in v.split(",") if r.strip()]
        if not names or any(n == "all" or is_glob(n) for n in names):
            names = ["all"]
        names = [n for n in names if not any(fnmatchcase(n, x) for x in self.options.exclude_regions)]
        return [
            CoverageUnit(provider="aws", scope=target.id, region=region, status=UnitStatus.ERROR, error=error)
            for region in names or ["all"]
        ]

    def _plan_account(self, target: Target) -> tuple[list[ScopeUnit], list[CoverageUnit], list[str]]:
        try:
            provider, credentials = self.account_provider(target)
            if credentials is not None:
                credentials.get_frozen_credentials()  # AssumeRole now: its error names the account
            plan = provider.plan()
        except Exception as exc:  # one account failing never stops the others
            error = error_line(exc)
            with self._lock:
                self.failed[target.id] = error
            return [], self._error_units(target, error), []
        with self._lock:
            self.accounts[target.id] = provider
        return plan.units, plan.skipped, [f"account {target.id}: {w}" for w in plan.warnings]

    def plan(self) -> Plan:
        """Caller identity, accounts, then each account's role and regions (bounded concurrency)."""
        identity = self.caller.identity()
        targets = self.discover()
        if any(t.id != identity.account_id for t in targets):
            self._sts_client()  # created once, before the accounts are planned in parallel
        workers = max(1, min(self.options.accounts_concurrency, len(targets)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cloudwaste-accounts") as pool:
            results = list(pool.map(self._plan_account, targets))
        units = [u for planned, _, _ in results for u in planned]
        skipped = [s for _, sk, _ in results for s in sk]
        warnings = [w for _, _, ws in results for w in ws]
        source = "AWS Organizations" if self.options.org else str(self.options.accounts_file)
        role = f" via role {self.options.role_name}" if self.options.role_name else ""
        failed = f", {len(self.failed)} failed" if self.failed else ""
        banner = (
            f"aws: {identity.source} ({identity.arn}); {len(targets)} accounts from {source}{role}{failed}"
        )
        return Plan(provider="aws", units=units, skipped=skipped, banner=banner, warnings=warnings)

    def open_unit(self, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> AwsUnitSession:
        """A session for one account x region, with that account's credentials."""
        return self.accounts[unit.scope].open_unit(unit, metric_queries)
