"""The AWS provider: one account, its regions as scope units, a memoizing session per region.

Several accounts (``--org``, ``--accounts-file``) are :class:`~cloudwaste.providers.aws.org.AwsOrgProvider`,
which drives one of these per account with that account's credentials.

``plan()`` resolves credentials and calls ``sts:GetCallerIdentity`` once, reads the account alias
(optional) and ``DescribeRegions(AllRegions=True)`` once, then selects the regions. ``open_unit()`` is
cheap: clients are created on first use, one per service, under the account's lock (a
``boto3.session.Session`` is not thread-safe for client creation). Every API call any client makes
is counted on its unit (coverage ``api_calls``) and recorded in :attr:`AwsProvider.operations`.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any, NamedTuple

from cloudwaste.checks.context import MetricKey, MetricQuery, MetricSeries
from cloudwaste.errors import UsageError
from cloudwaste.model import CoverageUnit, UnitStatus
from cloudwaste.providers.aws import auth
from cloudwaste.providers.aws.collectors import COLLECTORS
from cloudwaste.providers.aws.metrics import fetch_metric_data
from cloudwaste.providers.aws.options import AwsOptions
from cloudwaste.providers.aws.regions import NOT_ENABLED, select_regions
from cloudwaste.providers.base import MemoSession, Plan, ScopeUnit


class Operation(NamedTuple):
    """One API call the provider made."""

    service: str
    operation: str
    region: str


class AwsProvider:
    """Scans one AWS account (see :class:`AwsOptions` for the credential and region options)."""

    name = "aws"

    def __init__(
        self,
        options: AwsOptions | None = None,
        *,
        identity: auth.Identity | None = None,
        label: str = "",
        client_lock: threading.Lock | None = None,
    ) -> None:
        """``identity`` (already verified, e.g. an assumed role's) skips credential resolution and the
        identity calls; ``label`` then names the account; ``client_lock`` is shared by providers that
        create clients from one session (the organizations scan passes all three)."""
        self.options = options or AwsOptions()
        self.operations: list[Operation] = []
        self._ops_lock = threading.Lock()
        self._client_lock = client_lock or threading.Lock()
        self._identity_lock = threading.Lock()
        self._identity: auth.Identity | None = identity
        self._label = label
        self._regions: dict[str, str] | None = None
        self._regions_error: str | None = None
        self._regions_listed = False

    @property
    def client_lock(self) -> threading.Lock:
        """The lock that serializes client creation from this provider's boto3 session."""
        return self._client_lock

    # -- bookkeeping -------------------------------------------------------------------------

    def record(self, service: str, operation: str, region: str) -> None:
        """Remember one API call (thread-safe)."""
        with self._ops_lock:
            self.operations.append(Operation(service, operation, region))

    def client(self, service: str, region: str, on_call: auth.OnCall | None = None) -> Any:
        """A new instrumented client of the account's session (creation is serialized)."""
        identity = self.identity()
        session: Any = identity.session  # typed per service literal in the stubs; ours is a str
        config = identity.config
        if self._regions is not None and region not in self._regions and region != identity.region:
            # a region DescribeRegions does not know (a typo, or newer than the account's view): try it,
            # but fail fast instead of retrying a DNS or connection error max_attempts times per call
            from botocore.config import Config

            config = config.merge(Config(retries={"mode": "adaptive", "total_max_attempts": 2}))
        with self._client_lock:
            client = session.client(service, region_name=region, config=config)

        def called(svc: str, op: str) -> None:
            self.record(svc, op, region)
            if on_call:
                on_call(svc, op)

        return auth.instrument(client, service, called)

    # -- identity and regions ----------------------------------------------------------------

    def identity(self) -> auth.Identity:
        """Resolve credentials and verify them with one ``sts:GetCallerIdentity`` (cached)."""
        with self._identity_lock:
            if self._identity is None:
                identity = auth.resolve(self.options)
                auth.verify(identity, lambda svc, op: self.record(svc, op, identity.region))
                alias = auth.account_alias(identity, lambda svc, op: self.record(svc, op, "global"))
                self._label = self.options.account or alias or ""
                self._identity = identity
            return self._identity

    def _known_regions(self) -> dict[str, str] | None:
        """``{region: OptInStatus}`` from one DescribeRegions(AllRegions=True), None if it failed."""
        if not self._regions_listed:
            from botocore.exceptions import BotoCoreError, ClientError

            identity = self.identity()
            ec2 = self.client("ec2", identity.region)
            try:
                regions = ec2.describe_regions(AllRegions=True).get("Regions") or []
                self._regions = {str(r["RegionName"]): str(r.get("OptInStatus", "")) for r in regions}
            except ClientError as exc:
                err = exc.response.get("Error", {})
                self._regions_error = f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
            except BotoCoreError as exc:
                self._regions_error = " ".join(str(exc).split())
            self._regions_listed = True
        return self._regions

    def plan(self) -> Plan:
        """Credentials, account and regions; raises CredentialsError (exit 5) with a fix in the hint."""
        identity = self.identity()
        known = self._known_regions()
        selection = select_regions(
            known, self.options.regions, self.options.exclude_regions, listing_error=self._regions_error
        )
        if not selection.regions and not selection.skipped:
            raise UsageError(
                "no AWS region left to scan", hint="check the -r/--region and --exclude-region values"
            )
        account = identity.account_id
        units = [ScopeUnit("aws", account, region, self._label) for region in selection.regions]
        skipped = [
            CoverageUnit(
                provider="aws", scope=account, region=region, status=UnitStatus.SKIPPED, error=NOT_ENABLED
            )
            for region in selection.skipped
        ]
        alias = f", alias '{self._label}'" if self._label and self._label != self.options.account else ""
        banner = f"aws: {identity.source} ({identity.arn}{alias})"
        return Plan(provider="aws", units=units, skipped=skipped, banner=banner, warnings=selection.warnings)

    def open_unit(self, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> AwsUnitSession:
        """A session for one region of the account (no API call until a check asks)."""
        self.identity()
        return AwsUnitSession(self, unit, metric_queries)


class AwsUnitSession(MemoSession):
    """Collections and metrics of one account x region, each fetched once."""

    def __init__(self, provider: AwsProvider, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> None:
        # queries over collections this provider does not have belong to other providers' checks
        super().__init__(q for q in metric_queries if q.collection in COLLECTORS)
        self.provider = provider
        self.unit = unit
        self.region = unit.region
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        page_size = provider.options.page_size
        self.collectors = {name: partial(fn, self.client, page_size) for name, fn in COLLECTORS.items()}

    def client(self, service: str) -> Any:
        """This unit's client for ``service``, created once."""
        client = self._clients.get(service)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(service)
                if client is None:
                    client = self.provider.client(service, self.region, lambda _svc, _op: self.count_call())
                    self._clients[service] = client
        return client

    def fetch_metrics(self, keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
        """All series at once, batched GetMetricData over the real clock's window."""
        return fetch_metric_data(self.client("cloudwatch"), keys)
