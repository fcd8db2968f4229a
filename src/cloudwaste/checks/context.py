"""What a check sees: collected data for one scope unit, parameters, prices and `now`.

Checks never call an SDK. They read collections by name (``ctx.get("ec2:volumes")``), which the
provider collects once per unit and shares between checks, and metric series through
``ctx.metric(query, resource_id)``, which the provider batches for every check of the unit.
Tests build a context from plain dicts with :meth:`CheckContext.static`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cloudwaste.model import Confidence, Money, Resource, Severity
from cloudwaste.pricing.book import PriceBook


@dataclass(frozen=True)
class MetricQuery:
    """A metric a check needs for every resource of a collection (declared once, like c7n's MetricsFilter).

    Periods without data are absent from the series; a resource with no datapoints at all gets
    ``None`` from :meth:`CheckContext.metric`, which checks must treat as *unknown*, never *idle*.
    """

    namespace: str  # "AWS/NATGateway"
    metric: str  # "BytesOutToDestination"
    dimension: str  # "NatGatewayId"
    collection: str  # "ec2:nat_gateways": the resources to query
    id_field: str  # "NatGatewayId": the field of each resource that is the dimension value
    stat: str = "Sum"
    period_s: int = 86400
    days: int = 14
    # resources in these states (``state_field`` of the item, a dotted path such as
    # "properties.diskState" for nested fields) are not queried, e.g. deleted NAT gateways
    skip_states: tuple[str, ...] = ()
    state_field: str = "State"

    def key(self, resource_id: str) -> MetricKey:
        """The concrete series key for one resource."""
        return MetricKey(
            self.namespace, self.metric, self.dimension, resource_id, self.stat, self.period_s, self.days
        )


@dataclass(frozen=True)
class MetricKey:
    """One concrete metric series: a query applied to one resource."""

    namespace: str
    metric: str
    dimension: str
    value: str
    stat: str
    period_s: int
    days: int


@dataclass(frozen=True)
class MetricSeries:
    """Datapoints of one series over its window, oldest first."""

    timestamps: tuple[datetime, ...]
    values: tuple[float, ...]
    stat: str
    period_s: int
    days: int

    @property
    def total(self) -> float:
        """Sum of the datapoints."""
        return float(sum(self.values))

    @property
    def maximum(self) -> float:
        """Largest datapoint (0.0 for an empty series)."""
        return max(self.values, default=0.0)

    def evidence(self) -> dict[str, Any]:
        """A compact description for a finding's evidence."""
        return {
            "stat": self.stat,
            "period_s": self.period_s,
            "window_days": self.days,
            "datapoints": len(self.values),
            "total": self.total,
            "max": self.maximum,
        }


class DataSource(Protocol):
    """Where a context gets its data: the provider's per-unit session, or static test data."""

    def collect(self, name: str) -> Any:
        """Return the collection ``name`` (memoized)."""
        ...

    def metric(self, key: MetricKey) -> MetricSeries | None:
        """Return one metric series, or None when no datapoints exist."""
        ...


@dataclass
class StaticSource:
    """A data source over plain dicts, for tests and the demo."""

    collections: Mapping[str, Any]
    metrics: Mapping[MetricKey, MetricSeries] = field(default_factory=dict)

    def collect(self, name: str) -> Any:
        """Return a collection; a missing one is a bug in the check's ``needs``."""
        return self.collections[name]

    def metric(self, key: MetricKey) -> MetricSeries | None:
        """Return a series or None."""
        return self.metrics.get(key)


@dataclass
class CheckContext:
    """Collections, metrics and prices for one scope unit, evaluated as of ``now``."""

    provider: str
    account: str
    region: str
    now: datetime
    source: DataSource
    prices: PriceBook

    def get(self, name: str) -> Any:
        """A collection by name (e.g. ``ec2:volumes``)."""
        return self.source.collect(name)

    def metric(self, query: MetricQuery, resource_id: str) -> MetricSeries | None:
        """The series of ``query`` for one resource; None means no data (unknown, not idle)."""
        return self.source.metric(query.key(resource_id))

    @classmethod
    def static(
        cls,
        collections: Mapping[str, Any],
        *,
        now: datetime | None = None,
        metrics: Mapping[MetricKey, MetricSeries] | None = None,
        provider: str = "aws",
        account: str = "123456789012",
        region: str = "us-east-1",
        prices: PriceBook | None = None,
    ) -> CheckContext:
        """A context over plain dicts shaped like real API responses (for tests)."""
        return cls(
            provider=provider,
            account=account,
            region=region,
            now=now or datetime.now(UTC),
            source=StaticSource(collections, metrics or {}),
            prices=prices or PriceBook.load(provider),
        )


@dataclass
class Hit:
    """What a check yields for one wasteful resource; the engine adds identity and metadata."""

    resource: Resource
    reason: str
    cost: Money
    evidence: dict[str, Any] = field(default_factory=dict)
    confidence: Confidence = Confidence.MEDIUM
    severity: Severity | None = None  # overrides the check's default severity
    recommendation: str | None = None  # overrides the check's default recommendation
    # ids of other resources whose charges are included in ``cost`` (a stopped instance's volumes
    # and EIPs): the summary counts each charged resource once, so totals are not double-counted.
    cost_includes: tuple[str, ...] = ()
    # findings sharing a cost group are charged once in totals, at the largest amount of the group:
    # e.g. incremental snapshots of one volume share blocks, so N of them do not cost N full copies
    cost_group: str | None = None
    # where the resource lives when the scope unit has no single region (an Azure subscription's
    # unit is "global"; each finding carries its resource's location)
    region: str | None = None


def age_days(when: datetime | str | None, now: datetime) -> float | None:
    """Days between ``when`` and ``now`` (None if ``when`` is unknown). Naive times are UTC."""
    if when is None:
        return None
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (now - when).total_seconds() / 86400.0


def aws_tags(item: Mapping[str, Any]) -> dict[str, str]:
    """AWS ``Tags: [{Key, Value}]`` as a dict (missing tags give {})."""
    return {str(t["Key"]): str(t.get("Value", "")) for t in item.get("Tags") or []}
