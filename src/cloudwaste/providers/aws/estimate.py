"""How many API calls a scan unit will make, estimated without making them (``scan aws --dry-run``).

The estimate is derived from the selected checks: the collections they need (``needs`` plus the
collections their metric queries read), each collection's listings as declared in
:mod:`~cloudwaste.providers.aws.collectors`, and the CloudWatch metric windows. Per unit:

- one call per collection for the first page of its listing (collections are memoized per unit, so
  two checks needing ``ec2:volumes`` make one call; collections built on another's listing, such as
  the elbv2 listeners on the load balancers, add only their per-item calls);
- one ``GetMetricData`` per distinct metric window (days, period), when the window's resources exist
  (a unit with no resource to query makes no metric call).

That is the floor of a unit with resources. It grows by one call per further page of a listing (its
page size is shown), one per item for the collections that read a second listing per item (launch
template versions per template, target health per attached target group), and one ``GetMetricData``
per further batch of series (500 queries or 100,800 datapoints a call, whichever comes first).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from cloudwaste.checks.context import MetricQuery
from cloudwaste.providers.aws import collectors
from cloudwaste.providers.aws.collectors import COLLECTORS, Listing
from cloudwaste.providers.aws.metrics import MAX_DATAPOINTS, MAX_QUERIES, points_per_series

METHOD = (
    "per unit: 1 call per collection the selected checks need (its first page) + 1 GetMetricData per "
    "metric window whose resources exist; add 1 per further page, 1 per item for per-item listings and "
    "1 GetMetricData per further batch of series"
)


@dataclass(frozen=True)
class CollectionCalls:
    """The calls behind one collection."""

    name: str
    operation: str  # "ec2:DescribeVolumes"
    page_size: int | None  # items per page (None: the API does not page)
    per_item: tuple[str, ...] = ()  # operations called once per listed item
    shared_with: str | None = None  # an earlier collection whose first listing this one reuses


@dataclass(frozen=True)
class MetricWindow:
    """One GetMetricData window and how many series one call can carry."""

    days: int
    period_s: int
    series_per_call: int
    collections: tuple[str, ...]


@dataclass
class UnitEstimate:
    """The API calls of one unit for a set of checks."""

    collections: list[CollectionCalls] = field(default_factory=list)
    windows: list[MetricWindow] = field(default_factory=list)

    @property
    def min_calls(self) -> int:
        """The floor: one call per collection (not for one that reuses another's listing) and one
        GetMetricData per window."""
        return sum(1 for c in self.collections if c.shared_with is None) + len(self.windows)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON plan."""
        return {
            "min_calls": self.min_calls,
            "collections": [
                {
                    "name": c.name,
                    "operation": c.operation,
                    "page_size": c.page_size,
                    "per_item": list(c.per_item),
                    "shared_with": c.shared_with,
                }
                for c in self.collections
            ],
            "metric_windows": [
                {
                    "days": w.days,
                    "period_s": w.period_s,
                    "series_per_call": w.series_per_call,
                    "collections": list(w.collections),
                }
                for w in self.windows
            ],
        }


def _listings(collector: Any, depth: int = 0) -> list[Listing]:
    """The listings a collector uses, in the order its code names them, following the helper functions
    of the collectors module it calls (``_load_balancers`` -> DescribeLoadBalancers)."""
    try:
        refs = inspect.getclosurevars(collector)
    except (TypeError, ValueError):
        return []
    found = [v for v in refs.nonlocals.values() if isinstance(v, Listing)]
    for name in getattr(getattr(collector, "__code__", None), "co_names", ()):
        value = refs.globals.get(name)
        if isinstance(value, Listing):
            found.append(value)
        elif inspect.isfunction(value) and value.__module__ == collectors.__name__ and depth < 3:
            found.extend(_listings(value, depth + 1))
    unique: list[Listing] = []
    for listing in found:  # Listing holds dicts: not hashable
        if not any(listing is seen for seen in unique):
            unique.append(listing)
    return unique


def _primary(name: str) -> Listing | None:
    listings = _listings(COLLECTORS[name]) if name in COLLECTORS else []
    return listings[0] if listings else None


def collection_calls(name: str) -> CollectionCalls:
    """What fetching collection ``name`` calls."""
    if name not in COLLECTORS:
        return CollectionCalls(name, "unknown (no collector of this name)", None)
    listings = _listings(COLLECTORS[name])
    if not listings:
        return CollectionCalls(name, "?", None)
    first = listings[0]
    page = first.max_page
    per_item = tuple(f"{x.service}:{x.operation}" for x in listings[1:])
    return CollectionCalls(name, f"{first.service}:{first.operation}", page, per_item)


def estimate_unit(needs: Iterable[str], queries: Iterable[MetricQuery]) -> UnitEstimate:
    """The calls of one unit whose (AWS) checks need ``needs`` and declare ``queries``."""
    aws_queries = list(dict.fromkeys(queries))
    names = list(dict.fromkeys([*needs, *(q.collection for q in aws_queries)]))
    windows: dict[tuple[int, int], list[str]] = {}
    for q in aws_queries:
        windows.setdefault((q.days, q.period_s), [])
        if q.collection not in windows[(q.days, q.period_s)]:
            windows[(q.days, q.period_s)].append(q.collection)
    calls: list[CollectionCalls] = []
    first_users: list[tuple[Listing, str]] = []
    for name in names:
        call = collection_calls(name)
        primary = _primary(name)
        owner = next((user for listing, user in first_users if listing is primary), None)
        if primary is not None and owner is None:
            first_users.append((primary, name))
        calls.append(replace(call, shared_with=owner) if owner else call)
    return UnitEstimate(
        collections=calls,
        windows=[
            MetricWindow(
                days,
                period,
                max(1, min(MAX_QUERIES, MAX_DATAPOINTS // points_per_series(days, period))),
                tuple(cols),
            )
            for (days, period), cols in sorted(windows.items())
        ],
    )
