"""The Azure provider: one tenant's subscriptions as scope units, a memoizing session per subscription.

``plan()`` resolves the credential and gets one ARM token (:func:`auth.verify`), lists the
subscriptions once and selects them. ``open_unit()`` is cheap: SDK clients are created on first use,
one per kind and subscription. In ``graph`` discovery the first collection any unit asks for runs one
Azure Resource Graph query over every planned subscription (:class:`GraphInventory`); the rows are
shared by subscription. Every HTTP request any client sends is recorded in
:attr:`AzureProvider.operations` (method, path) and counted on its unit's ``api_calls`` (the shared
Resource Graph pages on the unit whose check asked first; the subscription list on none).
Azure Monitor's ``metrics:getBatch`` goes through a ``metrics`` client (same pipeline, the data
plane's token audience); when a unit falls back from it, :attr:`AzureUnitSession.warnings` says so.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, NamedTuple

from cloudwaste.checks.context import MetricKey, MetricQuery, MetricSeries
from cloudwaste.errors import CredentialsError, ProviderError, UsageError
from cloudwaste.model import CoverageUnit, UnitStatus
from cloudwaste.providers.azure import auth, collectors, metrics
from cloudwaste.providers.azure.clients import OnCall, make_arm_pipeline, make_client, make_data_pipeline
from cloudwaste.providers.azure.options import DISCOVERY_MODES, AzureOptions
from cloudwaste.providers.azure.subscriptions import NOT_VISIBLE, from_rest, select_subscriptions
from cloudwaste.providers.base import MemoSession, Plan, ScopeUnit


class Operation(NamedTuple):
    """One HTTP request the provider sent."""

    method: str
    path: str


def _client_class(kind: str) -> Any:
    if kind == "compute":
        from azure.mgmt.compute import ComputeManagementClient

        return ComputeManagementClient
    if kind == "network":
        from azure.mgmt.network import NetworkManagementClient

        return NetworkManagementClient
    if kind == "resource":
        from azure.mgmt.resource.resources import ResourceManagementClient

        return ResourceManagementClient
    if kind == "monitor":
        from azure.mgmt.monitor import MonitorManagementClient

        return MonitorManagementClient
    if kind == "graph":
        from azure.mgmt.resourcegraph import ResourceGraphClient

        return ResourceGraphClient
    if kind == "subscriptions":
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        return SubscriptionClient
    raise KeyError(kind)


TENANT_CLIENTS = frozenset({"graph", "subscriptions"})  # no subscription id in the constructor
_log = logging.getLogger(__name__)


@dataclass
class _Failed:
    error: Exception


class GraphInventory:
    """One Resource Graph query over all planned subscriptions, fetched once and split by subscription."""

    def __init__(self, provider: AzureProvider, subscriptions: list[str]) -> None:
        self.provider = provider
        self.subscriptions = [s.lower() for s in subscriptions]
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, collectors.Items]] | _Failed | None = None

    def collection(self, subscription: str, name: str, on_call: OnCall) -> collectors.Items:
        """The items of collection ``name`` in ``subscription`` (the query runs on the first call)."""
        with self._lock:
            if self._data is None:
                subs = list(dict.fromkeys([*self.subscriptions, subscription.lower()]))
                listings = collectors.graph_listings("graph")
                query = collectors.graph_query((lst.arm_type for lst in listings), everything=True)
                try:
                    client = self.provider.client("graph", None, on_call)
                    rows = collectors.run_graph(client, subs, query)
                    self._data = collectors.split_rows(rows, listings, everything=True)
                except Exception as exc:  # remembered: every unit fails with the same error
                    self._data = _Failed(exc)
            data = self._data
        if isinstance(data, _Failed):
            raise data.error
        return list(data.get(subscription.lower(), {}).get(name, []))


class AzureProvider:
    """Scans the subscriptions one Azure credential can read (see :class:`AzureOptions`)."""

    name = "azure"

    def __init__(self, options: AzureOptions | None = None) -> None:
        self.options = options or AzureOptions()
        if self.options.discovery not in DISCOVERY_MODES:
            raise UsageError(
                f"unknown discovery mode {self.options.discovery!r}",
                hint=f"use {' or '.join(DISCOVERY_MODES)}",
            )
        self.operations: list[Operation] = []
        self._ops_lock = threading.Lock()
        self._identity_lock = threading.Lock()
        self._identity: auth.Identity | None = None
        self._inventory: GraphInventory | None = None
        self._planned: list[str] = []

    # -- bookkeeping -------------------------------------------------------------------------

    def record(self, method: str, path: str) -> None:
        """Remember one HTTP request (thread-safe)."""
        with self._ops_lock:
            self.operations.append(Operation(method, path))

    def client(self, kind: str, subscription_id: str | None, on_call: OnCall | None = None) -> Any:
        """A new management client of ``kind`` whose every request is recorded (and passed to on_call)."""
        identity = self.identity()

        def called(method: str, path: str) -> None:
            self.record(method, path)
            if on_call:
                on_call(method, path)

        opts = self.options
        if kind == "metrics":  # the Azure Monitor metrics data plane (metrics:getBatch)
            return make_data_pipeline(
                identity.credential,
                identity.endpoints,
                identity.endpoints.metrics_scope,
                max_attempts=opts.max_attempts,
                connect_timeout=opts.connect_timeout,
                read_timeout=opts.read_timeout,
                on_call=called,
            )
        if kind == "arm":
            return make_arm_pipeline(
                identity.credential,
                identity.endpoints,
                max_attempts=opts.max_attempts,
                connect_timeout=opts.connect_timeout,
                read_timeout=opts.read_timeout,
                on_call=called,
            )
        return make_client(
            _client_class(kind),
            identity.credential,
            identity.endpoints,
            subscription_id=None if kind in TENANT_CLIENTS else subscription_id,
            max_attempts=opts.max_attempts,
            connect_timeout=opts.connect_timeout,
            read_timeout=opts.read_timeout,
            on_call=called,
        )

    def identity(self) -> auth.Identity:
        """Resolve the credential and verify it with one token request (cached)."""
        with self._identity_lock:
            if self._identity is None:
                identity = auth.resolve(self.options)
                auth.verify(identity)
                self._identity = identity
            return self._identity

    def inventory(self) -> GraphInventory:
        """The shared Resource Graph inventory of the planned subscriptions."""
        with self._identity_lock:
            if self._inventory is None:
                self._inventory = GraphInventory(self, self._planned)
            return self._inventory

    # -- planning ------------------------------------------------------------------------------

    def plan(self) -> Plan:
        """Credential, subscriptions and their selection; CredentialsError (exit 5) with a fix in the hint."""
        from azure.core.exceptions import AzureError, ClientAuthenticationError

        identity = self.identity()
        try:
            listed = from_rest(
                collectors.to_rest(s) for s in self.client("subscriptions", None).subscriptions.list()
            )
        except ClientAuthenticationError as exc:
            raise CredentialsError(
                f"ARM rejected the token from {identity.source}: {auth._one_line(exc)}",
                hint=auth._hint(identity),
            ) from None
        except AzureError as exc:
            from cloudwaste.engine.run import describe_error

            raise ProviderError(
                f"cannot list the Azure subscriptions: {describe_error(exc)}",
                hint="check the network, or CLOUDWASTE_AZURE_ARM_URL / --cloud if you set them",
            ) from None
        if not listed and not self.options.subscriptions:
            raise CredentialsError(
                f"the credential from {identity.describe()} sees no Azure subscription",
                hint="assign it the Reader role on a subscription or management group (see the README)",
            )
        sel = select_subscriptions(listed, self.options.subscriptions, self.options.exclude_subscriptions)
        if not sel.scan and not sel.skipped and not sel.missing:
            why = f" ({'; '.join(sel.warnings)})" if sel.warnings else ""
            raise UsageError(
                f"no Azure subscription left to scan{why}",
                hint="check the --subscription and --exclude-subscription values "
                "(`cloudwaste auth test azure` lists the subscriptions the credential sees)",
            )
        units = [ScopeUnit("azure", s.id, "global", s.name) for s in sel.scan]
        skipped = [
            CoverageUnit(provider="azure", scope=s.id, region="global", status=UnitStatus.SKIPPED, error=why)
            for s, why in sel.skipped
        ]
        skipped += [
            CoverageUnit(
                provider="azure", scope=m, region="global", status=UnitStatus.ERROR, error=NOT_VISIBLE
            )
            for m in sel.missing
        ]
        self._planned = [s.id for s in sel.scan]
        mode = "Resource Graph" if self.options.discovery == "graph" else "ARM lists"
        banner = f"azure: {identity.describe()}; {len(units)} subscription(s), discovery via {mode}"
        return Plan(provider="azure", units=units, skipped=skipped, banner=banner, warnings=sel.warnings)

    def open_unit(self, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> AzureUnitSession:
        """A session for one subscription (no API call until a check asks)."""
        self.identity()
        return AzureUnitSession(self, unit, metric_queries)


class AzureUnitSession(MemoSession):
    """Collections and metrics of one subscription, each fetched once."""

    def __init__(self, provider: AzureProvider, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> None:
        # queries over collections this provider does not have belong to other providers' checks
        super().__init__(q for q in metric_queries if q.collection in collectors.COLLECTIONS)
        self.provider = provider
        self.unit = unit
        self.subscription = unit.scope
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self.collectors = self._collectors(provider.options.discovery)
        self.warnings: list[str] = []  # e.g. a metrics:getBatch fallback, once per data-plane URL

    def warn(self, message: str) -> None:
        """Record a warning about this unit (and log it)."""
        with self._guard:
            self.warnings.append(message)
        _log.warning("azure:%s: %s", self.subscription, message)

    def _on_call(self, method: str, path: str) -> None:
        self.count_call()

    def _collectors(self, mode: str) -> dict[str, Any]:
        client_for = self.client
        table: dict[str, Any] = {
            collectors.VIRTUAL_MACHINES: partial(collectors.collect_virtual_machines, client_for),
            collectors.RESOURCE_GROUPS: partial(collectors.collect_resource_groups, client_for),
            collectors.POWER_EVENTS: partial(collectors.collect_power_events, client_for),
        }
        if mode == "graph":
            inventory = self.provider.inventory()
            for listing in collectors.graph_listings("graph"):
                table[listing.collection] = partial(
                    inventory.collection, self.subscription, listing.collection, self._on_call
                )
            table[collectors.RESOURCES] = partial(
                inventory.collection, self.subscription, collectors.RESOURCES, self._on_call
            )
            return table
        table["_graph"] = partial(self._graph_rows, collectors.graph_listings("arm"))
        for listing in collectors.LISTINGS:
            if listing.client is None:
                table[listing.collection] = partial(self._from_graph, listing.collection)
            else:
                table[listing.collection] = partial(collectors.list_sdk, client_for, listing)
        table[collectors.RESOURCES] = partial(collectors.collect_resources, client_for)
        return table

    def _graph_rows(self, listings: list[collectors.Listing]) -> dict[str, collectors.Items]:
        query = collectors.graph_query((lst.arm_type for lst in listings), everything=False)
        rows = collectors.run_graph(self.client("graph"), [self.subscription], query)
        return collectors.split_rows(rows, listings, everything=False).get(self.subscription.lower(), {})

    def _from_graph(self, name: str) -> collectors.Items:
        grouped: dict[str, collectors.Items] = self.collect("_graph")
        return list(grouped.get(name, []))

    def client(self, kind: str) -> Any:
        """This unit's client of ``kind``, created once."""
        client = self._clients.get(kind)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(kind)
                if client is None:
                    client = self.provider.client(kind, self.subscription, self._on_call)
                    self._clients[kind] = client
        return client

    def metric(self, key: MetricKey) -> MetricSeries | None:
        """One series; ARM ids are case-insensitive, so the id is matched in lower case."""
        return super().metric(replace(key, value=key.value.lower()))

    def regions(self) -> dict[str, str]:
        """Lower-case resource id -> ARM location, for every resource a metric query reads."""
        out: dict[str, str] = {}
        for query in self.metric_queries:
            for item in self.collect(query.collection):
                rid, location = item.get(query.id_field), item.get("location")
                if rid and location:
                    out[str(rid).lower()] = str(location)
        return out

    def fetch_metrics(self, keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
        """Every series of the unit (metrics:getBatch by region and type, else one Metrics - List call
        per resource, concurrently); keyed by lower-case id."""
        endpoints = self.provider.identity().endpoints
        batching = None
        if endpoints.metrics_url:
            batching = metrics.Batching(
                client=self.client("metrics"),
                base_for=endpoints.metrics_base,
                regions=self.regions(),
                warn=self.warn,
            )
        found = metrics.fetch_metrics(
            self.client("arm"),
            endpoints.arm_url,
            keys,
            workers=self.provider.options.metric_workers,
            batching=batching,
        )
        return {replace(k, value=k.value.lower()): v for k, v in found.items()}
