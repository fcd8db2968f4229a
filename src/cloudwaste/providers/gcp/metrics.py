"""Cloud Monitoring metrics: one paged ``projects.timeSeries.list`` call per project and query.

A query is a (metric type, monitored resource type, aligner, alignment period, window) and serves
every resource of its collection: the filter is ``metric.type = "M" AND resource.type = "R" AND
project = "P"`` (the ``project`` selector keeps a metrics-scope host project from returning its monitored
projects' series; a ``resource.labels.project_id`` clause would match nothing on the newer resource types
such as ``firestore.googleapis.com/Database`` or ``aiplatform.googleapis.com/Endpoint``, whose project
label is ``resource_container``), aggregated per series with the aligner of the check's stat
(Average -> ALIGN_MEAN, Sum -> ALIGN_SUM, Maximum -> ALIGN_MAX, Minimum -> ALIGN_MIN, Rate -> ALIGN_RATE,
Count -> ALIGN_COUNT, Delta -> ALIGN_DELTA; an ``ALIGN_*`` name is used as is) over ``period_s``.

Series are mapped back to resources by the label named by the query's ``dimension``, looked up in the
series' resource labels, then its metric labels, compared as strings with the item's ``id_field``.
Several series with the same label value (one per ``device_name`` or ``loadbalanced`` value, say) are
combined per timestamp: summed for Sum/Rate/Count/Delta, the largest for Maximum, the smallest for
Minimum, averaged for Average. Points read ``doubleValue``, ``int64Value`` (a string), ``boolValue`` or a
distribution's ``mean``. A series without points is absent: unknown, never idle.

google-cloud-monitoring has no REST transport (gRPC only), so the REST API is called through google-auth's
``AuthorizedSession`` (:class:`~cloudwaste.providers.gcp.http.Rest`); a test fake serves it like the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from cloudwaste.checks.context import MetricKey, MetricSeries

ALIGNERS = {
    "average": "ALIGN_MEAN",
    "mean": "ALIGN_MEAN",
    "sum": "ALIGN_SUM",
    "total": "ALIGN_SUM",
    "maximum": "ALIGN_MAX",
    "max": "ALIGN_MAX",
    "minimum": "ALIGN_MIN",
    "min": "ALIGN_MIN",
    "rate": "ALIGN_RATE",
    "count": "ALIGN_COUNT",
    "delta": "ALIGN_DELTA",
}
_SUMMED = frozenset({"ALIGN_SUM", "ALIGN_RATE", "ALIGN_COUNT", "ALIGN_DELTA", "ALIGN_COUNT_TRUE"})
_RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|z|[+-]\d{2}:\d{2}|)$")
PAGE_SIZE = 100_000  # points per page with view FULL (the API's largest)


def aligner(stat: str) -> str:
    """The per-series aligner for a stat name (``ALIGN_*`` passes through)."""
    text = stat.strip()
    if text.upper().startswith("ALIGN_"):
        return text.upper()
    return ALIGNERS.get(text.lower(), "ALIGN_MEAN")


@dataclass(frozen=True)
class Query:
    """One ``timeSeries.list`` call: what every key with these fields shares."""

    resource_type: str  # MetricKey.namespace
    metric: str
    dimension: str
    stat: str
    period_s: int
    days: int


def plan(keys: Iterable[MetricKey]) -> dict[Query, list[MetricKey]]:
    """Keys grouped by the call that answers them."""
    groups: dict[Query, list[MetricKey]] = {}
    for key in dict.fromkeys(keys):
        query = Query(key.namespace, key.metric, key.dimension, key.stat, key.period_s, key.days)
        groups.setdefault(query, []).append(key)
    return groups


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def params(query: Query, project: str, end: datetime) -> dict[str, Any]:
    """The query parameters of one ``timeSeries.list`` call."""
    metric_filter = (
        f'metric.type = "{query.metric}" AND resource.type = "{query.resource_type}" '
        f'AND project = "{project}"'
    )
    return {
        "filter": metric_filter,
        "interval.startTime": _stamp(end - timedelta(days=query.days)),
        "interval.endTime": _stamp(end),
        "aggregation.alignmentPeriod": f"{max(60, int(query.period_s))}s",
        "aggregation.perSeriesAligner": aligner(query.stat),
        "view": "FULL",
        "pageSize": PAGE_SIZE,
    }


def _value(value: Mapping[str, Any]) -> float | None:
    for field in ("doubleValue", "int64Value"):
        if field in value and value[field] is not None:
            try:
                return float(value[field])
            except (TypeError, ValueError):
                return None
    if "boolValue" in value:
        return 1.0 if value["boolValue"] else 0.0
    dist = value.get("distributionValue")
    if isinstance(dist, Mapping):
        try:
            return float(dist.get("mean") or 0.0) if int(dist.get("count") or 0) else None
        except (TypeError, ValueError):
            return None
    return None


def _time(text: str) -> datetime | None:
    """An RFC 3339 time (``Z`` or an offset; nanosecond fractions cut to microseconds)."""
    match = _RFC3339.match(text.strip())
    if not match:
        return None
    head, frac, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z", "") else zone
    try:
        parsed = datetime.fromisoformat(f"{head}{(frac or '')[:7]}{zone}")
    except ValueError:
        return None
    return parsed


def _label(series: Mapping[str, Any], dimension: str) -> str | None:
    for part in ("resource", "metric"):
        labels = (series.get(part) or {}).get("labels") or {}
        if dimension in labels:
            return str(labels[dimension])
    return None


def _combine(values: list[float], align: str, stat: str) -> float:
    if align in _SUMMED:
        return sum(values)
    if align == "ALIGN_MAX":
        return max(values)
    if align == "ALIGN_MIN":
        return min(values)
    return sum(values) / len(values)


def parse(
    pages: Iterable[Mapping[str, Any]], query: Query, wanted: Mapping[str, MetricKey]
) -> dict[MetricKey, MetricSeries]:
    """Series of the keys in ``wanted`` (label value -> key) from ``timeSeries.list`` pages."""
    points: dict[str, dict[datetime, list[float]]] = {}
    for page in pages:
        for series in page.get("timeSeries") or []:
            label = _label(series, query.dimension)
            if label is None or label not in wanted:
                continue
            slot = points.setdefault(label, {})
            for point in series.get("points") or []:
                when = _time(str((point.get("interval") or {}).get("endTime") or ""))
                value = _value(point.get("value") or {})
                if when is not None and value is not None:
                    slot.setdefault(when, []).append(value)
    align = aligner(query.stat)
    out: dict[MetricKey, MetricSeries] = {}
    for label, by_time in points.items():
        if not by_time:
            continue
        stamps = sorted(by_time)
        out[wanted[label]] = MetricSeries(
            timestamps=tuple(stamps),
            values=tuple(_combine(by_time[t], align, query.stat) for t in stamps),
            stat=query.stat,
            period_s=query.period_s,
            days=query.days,
        )
    return out


Fetch = Callable[[Query, list[MetricKey]], dict[MetricKey, MetricSeries]]


def fetcher(rest: Any, project: str, end: datetime, on_error: Callable[[Query, Exception], None]) -> Fetch:
    """The function that answers one query's keys with one paged call (errors go to ``on_error``,
    which re-raises what must fail the unit)."""
    path = f"/v3/projects/{quote(project, safe='')}/timeSeries"

    def fetch(query: Query, keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
        wanted = {str(k.value): k for k in keys}
        try:
            return parse(rest.pages(path, params(query, project, end)), query, wanted)
        except Exception as exc:
            on_error(query, exc)
            return {}

    return fetch


def fetch_all(
    groups: Mapping[Query, list[MetricKey]], fetch: Fetch, workers: int
) -> dict[MetricKey, MetricSeries]:
    """Run every query, ``workers`` at a time."""
    out: dict[MetricKey, MetricSeries] = {}
    if not groups:
        return out
    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(groups))), thread_name_prefix="cw-gcp-metrics"
    ) as pool:
        for found in pool.map(lambda item: fetch(item[0], item[1]), groups.items()):
            out.update(found)
    return out
