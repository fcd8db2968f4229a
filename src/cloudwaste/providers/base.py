"""The provider contract the engine drives, and the memoizing per-unit data source.

A provider turns options into a :class:`Plan` (scope units to scan, units skipped, a banner that
says which credentials were used) and opens a :class:`UnitSession` per unit. A session is the
:class:`~cloudwaste.checks.context.DataSource` of every check of that unit: each collection is
fetched once, under a lock per key, however many checks need it, and all metric series of the
unit are fetched in one batched pass the first time any check asks for one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cloudwaste.checks.context import MetricKey, MetricQuery, MetricSeries
from cloudwaste.model import CoverageUnit


@dataclass(frozen=True)
class ScopeUnit:
    """One unit of coverage: AWS account x region, Azure subscription, GCP project, M365 tenant."""

    provider: str
    scope: str  # account id, subscription id, project id, tenant id
    region: str  # "global" where the provider has no regions
    label: str = ""  # human name of the scope (account alias, subscription name)

    def __str__(self) -> str:
        return f"{self.provider}:{self.scope}/{self.region}"


@dataclass
class Plan:
    """What a provider will scan."""

    provider: str
    units: list[ScopeUnit]
    skipped: list[CoverageUnit] = field(default_factory=list)
    banner: str = ""  # e.g. "aws: profile 'prod' (arn:aws:iam::123456789012:user/alice)"
    warnings: list[str] = field(default_factory=list)


class UnitSession(Protocol):
    """Per-unit data source the engine gives to checks."""

    api_calls: int

    def collect(self, name: str) -> Any:
        """A collection by name, fetched once."""
        ...

    def metric(self, key: MetricKey) -> MetricSeries | None:
        """A metric series; None when it has no datapoints."""
        ...


class Provider(Protocol):
    """A configured cloud provider."""

    name: str

    def plan(self) -> Plan:
        """Resolve credentials and scopes (may call identity and region APIs)."""
        ...

    def open_unit(self, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> UnitSession:
        """A session for one unit; ``metric_queries`` are all queries the unit's checks declared."""
        ...


Collector = Callable[[], Any]


@dataclass(frozen=True)
class _Failed:
    """A collection whose fetch raised: re-raised to every later caller."""

    error: Exception


class MemoSession:
    """Base for provider sessions: memoized collectors with a lock per key, batched metrics.

    Subclasses register collectors in ``self.collectors`` (name -> zero-argument callable) and
    implement :meth:`fetch_metrics`.
    """

    def __init__(self, metric_queries: Iterable[MetricQuery] = ()) -> None:
        self.collectors: dict[str, Collector] = {}
        self.metric_queries = list(dict.fromkeys(metric_queries))
        self.api_calls = 0
        self._values: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._metrics: dict[MetricKey, MetricSeries] | _Failed | None = None
        self._metrics_lock = threading.Lock()

    def count_call(self, n: int = 1) -> None:
        """Count API calls made by this unit (thread-safe)."""
        with self._guard:
            self.api_calls += n

    def _lock_for(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def collect(self, name: str) -> Any:
        """Fetch ``name`` once; concurrent callers wait for the first fetch. A failure is remembered too."""
        if name not in self._values:
            with self._lock_for(name):
                if name not in self._values:
                    if name not in self.collectors:
                        raise KeyError(f"no collector named {name!r}")
                    try:
                        self._values[name] = self.collectors[name]()
                    except Exception as exc:  # remembered: every check needing it fails fast, one API error
                        self._values[name] = _Failed(exc)
        value = self._values[name]
        if isinstance(value, _Failed):
            raise value.error
        return value

    def metric(self, key: MetricKey) -> MetricSeries | None:
        """One series; the first call fetches every declared query of the unit in batches."""
        with self._metrics_lock:
            if self._metrics is None:
                keys: list[MetricKey] = []
                for q in self.metric_queries:
                    for item in self.collect(q.collection):
                        rid = item.get(q.id_field)
                        if rid and _path(item, q.state_field) not in q.skip_states:
                            keys.append(q.key(str(rid)))
                try:
                    self._metrics = self.fetch_metrics(list(dict.fromkeys(keys))) if keys else {}
                except Exception as exc:
                    self._metrics = _Failed(exc)
        if isinstance(self._metrics, _Failed):
            raise self._metrics.error
        return self._metrics.get(key)

    def fetch_metrics(self, keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
        """Fetch many series at once (a provider's batched metric API)."""
        raise NotImplementedError


def _path(item: Any, dotted: str) -> Any:
    """``item["a"]["b"]`` for ``"a.b"`` (None when a step is missing): ARM states are nested."""
    for step in dotted.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(step)
    return item
