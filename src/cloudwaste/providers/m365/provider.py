"""The Microsoft 365 provider: one tenant as one scope unit, a memoizing session over msgraph-sdk.

``plan()`` resolves the credential, gets one Graph token (:func:`auth.verify`) and reads
``/organization`` (the unit's label; the answer is reused as ``m365:organization``). ``open_unit()``
is cheap: the session's event loop and ``GraphServiceClient`` start with the first collection a
check asks for (:mod:`.client` says how the async SDK runs under the engine's worker threads) and
stop when the engine closes the session at the end of the unit.

Every HTTP request is recorded in :attr:`M365Provider.operations` (method, host, path) and counted on
the unit's ``api_calls`` (the plan's ``/organization`` too). Facts that change what the checks can
conclude (``signInActivity`` refused, concealed report names, a report or the recycle-bin API
unavailable, the drive walk stopped by ``--max-items``) are in ``m365:capabilities`` and in
:attr:`M365UnitSession.warnings`, which the engine writes into the unit's coverage; the unit stays ok.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, NamedTuple, TypeVar
from urllib.parse import unquote

from cloudwaste.checks.context import MetricKey, MetricQuery, MetricSeries
from cloudwaste.errors import CredentialsError, ProviderError, UsageError
from cloudwaste.providers.base import MemoSession, Plan, ScopeUnit
from cloudwaste.providers.m365 import auth, storage
from cloudwaste.providers.m365 import collectors as C
from cloudwaste.providers.m365.client import Graph, GraphLoop, make_client
from cloudwaste.providers.m365.options import PERIODS, M365Options

T = TypeVar("T")
_log = logging.getLogger(__name__)
SITES = "_m365:sites"  # private: the sites whose drives and recycle bins are read
WALK = "_m365:walk"
RECYCLE = "_m365:recycle_bin"


class Operation(NamedTuple):
    """One HTTP request the provider sent."""

    method: str
    host: str
    path: str  # percent-decoded, with the API version: "/v1.0/users"


class Capabilities(dict[str, Any]):
    """``m365:capabilities``. The storage facts (``items_bound_hit``, ``recycle_bin_available``) are
    known only after the drive walk, so they are resolved on first read: a licence-only scan never
    walks a drive."""

    LAZY = frozenset({"items_bound_hit", "recycle_bin_available"})

    def __init__(self, data: dict[str, Any], resolve: Callable[[str], Any]) -> None:
        super().__init__(data)
        self._resolve = resolve
        self._resolved: set[str] = set()

    def _ensure(self, key: object) -> None:
        if key in self.LAZY and key not in self._resolved:
            value = self._resolve(str(key))
            super().__setitem__(str(key), value)
            self._resolved.add(str(key))

    def __getitem__(self, key: str) -> Any:
        self._ensure(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        """``dict.get``, resolving a storage fact first."""
        self._ensure(key)
        return super().get(key, default)

    def resolved(self) -> dict[str, Any]:
        """A plain dict with every fact resolved."""
        for key in self.LAZY:
            self._ensure(key)
        return dict(super().items())

    def items(self) -> Any:
        """``dict.items`` with every fact resolved."""
        return self.resolved().items()

    def values(self) -> Any:
        """``dict.values`` with every fact resolved."""
        return self.resolved().values()

    def copy(self) -> dict[str, Any]:
        """A plain, resolved copy."""
        return self.resolved()

    def __iter__(self) -> Iterator[str]:
        return iter(self.resolved())


class M365Provider:
    """Scans one Microsoft 365 tenant (see :class:`M365Options`)."""

    name = "m365"

    def __init__(self, options: M365Options | None = None) -> None:
        self.options = options or M365Options()
        if self.options.period not in PERIODS:
            raise UsageError(
                f"unknown report period {self.options.period!r}", hint=f"use {', '.join(PERIODS)}"
            )
        if self.options.max_items < 0:
            raise UsageError("--max-items must be 0 or more")
        self.operations: list[Operation] = []
        self._ops_lock = threading.Lock()
        self._identity_lock = threading.Lock()
        self._identity: auth.Identity | None = None
        self._organization: list[dict[str, Any]] | None = None
        self._plan_calls = 0

    def record(self, method: str, host: str, path: str) -> None:
        """Remember one HTTP request (thread-safe)."""
        with self._ops_lock:
            self.operations.append(Operation(method, host, unquote(path)))

    def identity(self) -> auth.Identity:
        """Resolve the credential and verify it with one Graph token (cached)."""
        with self._identity_lock:
            if self._identity is None:
                identity = auth.resolve(self.options)
                auth.verify(identity, self.options.tenant)
                self._identity = identity
            return self._identity

    def graph_loop(
        self, on_call: Callable[[str, str, str], None], name: str = "cloudwaste-graph"
    ) -> GraphLoop:
        """A new event loop whose Graph client records every request (and passes it to ``on_call``)."""
        identity = self.identity()
        opts = self.options

        def called(method: str, host: str, path: str) -> None:
            self.record(method, host, path)
            on_call(method, host, path)

        return GraphLoop(
            lambda: make_client(identity, opts.max_attempts, opts.connect_timeout, opts.read_timeout, called),
            name=name,
        )

    def organization(self) -> list[dict[str, Any]]:
        """``GET /organization`` (once; the plan reads it for the unit's label)."""
        if self._organization is not None:
            return self._organization
        identity = self.identity()

        def count(method: str, host: str, path: str) -> None:
            self._plan_calls += 1

        loop = self.graph_loop(count, name="cloudwaste-graph-plan")
        try:
            self._organization = loop.run(C.organization)
        except C.GraphCallError as exc:
            if exc.status in (401, 403):
                raise CredentialsError(
                    f"Graph refused the token from {identity.source}: {exc}",
                    hint="grant the app the Graph application permissions in the README "
                    "(examples/m365-app-permissions.json) and admin consent",
                ) from None
            raise ProviderError(f"cannot read the Microsoft 365 tenant: {exc}") from None
        except Exception as exc:
            from cloudwaste.engine.run import describe_error

            raise ProviderError(
                f"cannot reach Microsoft Graph at {identity.endpoints.graph_url}: {describe_error(exc)}",
                hint="check the network, or CLOUDWASTE_GRAPH_URL if you set it",
            ) from None
        finally:
            loop.close()
        return self._organization

    def plan(self) -> Plan:
        """The tenant as one unit; CredentialsError (exit 5) with the fix in the hint."""
        identity = self.identity()
        org = self.organization()
        first = org[0] if org else {}
        tenant = str(first.get("id") or identity.tenant_id)
        label = str(first.get("displayName") or "")
        opts = self.options
        banner = (
            f"m365: {identity.describe()}; tenant {label or tenant}, reports {opts.period}, "
            f"up to {opts.max_items:,} drive items"
        )
        return Plan(provider="m365", units=[ScopeUnit("m365", tenant, "global", label)], banner=banner)

    def open_unit(self, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> M365UnitSession:
        """A session for the tenant (no API call until a check asks)."""
        self.identity()
        return M365UnitSession(self, unit)


class M365UnitSession(MemoSession):
    """The tenant's collections, each fetched once, on one event loop owned by the session."""

    def __init__(self, provider: M365Provider, unit: ScopeUnit) -> None:
        super().__init__(())
        self.provider = provider
        self.unit = unit
        self.options = provider.options
        self.warnings: list[str] = []
        self.count_call(provider._plan_calls)  # the plan's GET /organization belongs to this unit
        self.loop = provider.graph_loop(self._on_call)
        self._users: C.Users | None = None
        self._reports: dict[str, C.ReportResult] = {}
        period = self.options.period
        self.collectors = {
            C.ORGANIZATION: provider.organization,
            C.SUBSCRIBED_SKUS: lambda: self.run(C.subscribed_skus),
            C.DIRECTORY_SUBSCRIPTIONS: lambda: self.run(C.directory_subscriptions),
            C.USERS: self._collect_users,
            C.CAPABILITIES: self._capabilities,
            **{r.collection: self._report_collector(r, period) for r in C.REPORTS},
            SITES: self._sites,
            storage.DRIVES: self._drives,
            WALK: self._walk,
            storage.DRIVE_ITEMS: lambda: list(self.collect(WALK).items),
            RECYCLE: self._recycle,
            storage.RECYCLE_BIN_ITEMS: lambda: list(self.collect(RECYCLE).items),
            storage.ITEM_VERSIONS: self._versions,
        }

    # -- plumbing ------------------------------------------------------------------------------

    def _on_call(self, method: str, host: str, path: str) -> None:
        self.count_call()

    def run(self, work: Callable[[Graph], Awaitable[T]]) -> T:
        """Run a collector coroutine on the session's loop and wait for it (from a worker thread)."""
        return self.loop.run(work)

    def warn(self, message: str) -> None:
        """Record a coverage warning for the unit (once) and log it."""
        with self._guard:
            if message in self.warnings:
                return
            self.warnings.append(message)
        _log.warning("m365:%s: %s", self.unit.scope, message)

    def close(self) -> None:
        """Stop the event loop and close the Graph client (the engine calls it when the unit is done)."""
        self.loop.close()

    def fetch_metrics(self, keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
        """Microsoft 365 has no metric series: usage comes from the reports."""
        return {}

    # -- collectors -----------------------------------------------------------------------------

    def _collect_users(self) -> list[dict[str, Any]]:
        users = self.run(C.list_users)
        self._users = users
        if not users.sign_in_activity:
            self.warn(f"{users.sign_in_error}; sign-in checks fall back to the usage reports")
        return users.items

    def _report_collector(self, spec: C.Report, period: str) -> Callable[[], list[dict[str, str]]]:
        def collect() -> list[dict[str, str]]:
            result = self.run(lambda graph: C.report(graph, spec, period))
            self._reports[spec.collection] = result
            if result.error:
                self.warn(f"usage report unavailable: {result.error}")
            return result.rows

        return collect

    def _capabilities(self) -> Capabilities:
        self.collect(C.USERS)
        users = self._users
        active = self.collect(C.REPORT_ACTIVE_USERS)
        concealed = C.names_concealed(active)
        if concealed is None:  # no active-users rows: judge by the mailbox report
            concealed = C.names_concealed(self.collect(C.REPORT_MAILBOX_USAGE))
        result = self._reports.get(C.REPORT_ACTIVE_USERS)
        available = result is not None and result.error is None
        if concealed:
            self.warn(
                "usage reports conceal user, group and site names (Microsoft 365 admin center > Settings > "
                "Org settings > Reports); per-user report matching is off"
            )
        refresh = next((r.get("Report Refresh Date") for r in active if r.get("Report Refresh Date")), None)
        data = {
            "sign_in_activity": bool(users and users.sign_in_activity),
            "sign_in_activity_error": users.sign_in_error if users else None,
            "reports_concealed": bool(concealed),
            "reports_available": available,
            "report_period": self.options.period,
            "report_refresh_date": refresh,
            "max_items": self.options.max_items,
            "items_bound_hit": None,
            "recycle_bin_available": None,
        }
        return Capabilities(data, self._storage_fact)

    def _storage_fact(self, key: str) -> Any:
        if key == "items_bound_hit":
            return self.collect(WALK).bound_hit
        return self.collect(RECYCLE).available

    def _sites(self) -> list[dict[str, Any]]:
        rows = [*self.collect(C.REPORT_SHAREPOINT_SITES), *self.collect(C.REPORT_ONEDRIVE_USAGE)]
        sites = self.run(storage.list_sites)
        return storage.rank_sites(sites, rows)[: max(0, self.options.max_drives)]

    def _drives(self) -> list[dict[str, Any]]:
        sites = self.collect(SITES)
        return self.run(lambda graph: storage.list_drives(graph, sites))

    def _walk(self) -> storage.Walk:
        drives = self.collect(storage.DRIVES)
        walk = self.run(lambda graph: storage.walk_items(graph, drives, self.options.max_items))
        if walk.bound_hit:
            self.warn(
                f"the drive walk stopped at {len(walk.items):,} items "
                f"(--max-items {self.options.max_items:,}) after {walk.drives_walked} of {len(drives)} "
                "drive(s); storage findings cover those items only"
            )
        return walk

    def _recycle(self) -> storage.RecycleBin:
        sites = self.collect(SITES)
        result = self.run(lambda graph: storage.recycle_bins(graph, sites))
        if not result.available:
            self.warn(f"recycle bins not read: {result.error}")
        return result

    def _versions(self) -> list[dict[str, Any]]:
        items = self.collect(storage.DRIVE_ITEMS)
        return self.run(lambda graph: storage.item_versions(graph, items, self.options.max_version_files))
