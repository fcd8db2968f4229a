"""Azure Monitor metrics: every series a subscription's checks need, one call per resource and window.

Keys are grouped by (resource, namespace, aggregation, interval, days); each group is one
``GET {resource}/providers/Microsoft.Insights/metrics`` (Metrics - List, api-version 2024-02-01, the
call ``MonitorManagementClient.metrics.list`` makes) with all its metric names (at most 20, the
API's limit) and ``timespan`` ending now (the real clock, floored to the minute). The request goes
through the same ARM pipeline (token, retries, recording) but its JSON is read directly: the SDK's
msrest deserializer spends ~0.1 ms per datapoint, 87 ms for one 30-day hourly series, which made
metric parsing, not the network, the bottleneck of a scan. Calls run
concurrently within a small bound (``workers``): ARM reads are throttled per principal, and the
engine already runs several checks and subscriptions at once.

Azure Monitor returns one datapoint per interval, with no aggregation value where the resource sent
no data. A series whose every point lacks the value is left out, so the session answers None for it:
unknown, never idle. A resource deleted since it was listed (404) and a metric the resource's SKU
does not emit (400) are unknown too; when a group fails with 400, its names are retried one by one
so that one unsupported name does not hide the others. Any other error fails the unit.

``metrics:getBatch`` (the regional data-plane endpoint ``{region}.metrics.monitor.azure.com``, 50
resources of one type and region per POST) would cut the calls roughly 50x on large estates; it
needs the azure-monitor-query package (not a dependency), a second token audience and per-cloud
data-plane hosts, so it is not used yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from cloudwaste.checks.context import MetricKey, MetricSeries

MAX_NAMES = 20
API_VERSION = "2024-02-01"  # what MonitorManagementClient.metrics.list sends
# Azure Monitor's time grains (seconds -> ISO 8601 duration)
GRAINS = {
    60: "PT1M",
    300: "PT5M",
    900: "PT15M",
    1800: "PT30M",
    3600: "PT1H",
    21600: "PT6H",
    43200: "PT12H",
    86400: "P1D",
}
AGGREGATIONS = {
    "average": "Average",
    "avg": "Average",
    "total": "Total",
    "sum": "Total",
    "maximum": "Maximum",
    "max": "Maximum",
    "minimum": "Minimum",
    "min": "Minimum",
    "count": "Count",
    "samplecount": "Count",
}
_FIELD = {
    "Average": "average",
    "Total": "total",
    "Maximum": "maximum",
    "Minimum": "minimum",
    "Count": "count",
}


def grain(period_s: int) -> str:
    """The Azure Monitor interval for ``period_s``: exact when supported, else the next smaller grain."""
    fitting = [s for s in GRAINS if s <= period_s]
    return GRAINS[max(fitting)] if fitting else GRAINS[60]


def aggregation(stat: str) -> str:
    """The Azure aggregation name for a stat (``Sum`` -> ``Total``)."""
    return AGGREGATIONS.get(stat.lower(), stat)


@dataclass(frozen=True)
class Group:
    """One metrics.list call: a resource, a namespace, an aggregation and a window."""

    resource_id: str
    namespace: str
    stat: str
    period_s: int
    days: int


def plan_calls(keys: Iterable[MetricKey]) -> list[tuple[Group, list[MetricKey]]]:
    """Group keys into calls (at most :data:`MAX_NAMES` metric names each)."""
    groups: dict[Group, list[MetricKey]] = {}
    for key in dict.fromkeys(keys):
        group = Group(key.value, key.namespace, aggregation(key.stat), key.period_s, key.days)
        groups.setdefault(group, []).append(key)
    calls: list[tuple[Group, list[MetricKey]]] = []
    for group, members in groups.items():
        calls.extend((group, members[i : i + MAX_NAMES]) for i in range(0, len(members), MAX_NAMES))
    return calls


def timespan(end: datetime, days: int) -> str:
    """``start/end`` in ISO 8601 (UTC)."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return f"{(end - timedelta(days=days)).strftime(fmt)}/{end.strftime(fmt)}"


def _series(metric: dict[str, Any], key: MetricKey, stat: str) -> MetricSeries | None:
    attr = _FIELD.get(stat, stat.lower())
    points: list[tuple[datetime, float]] = []
    for ts in metric.get("timeseries") or []:
        for point in ts.get("data") or []:
            value = point.get(attr)
            stamp = point.get("timeStamp")
            if value is not None and stamp:
                points.append((datetime.fromisoformat(str(stamp).replace("Z", "+00:00")), float(value)))
    if not points:
        return None
    points.sort(key=lambda p: p[0])
    return MetricSeries(
        timestamps=tuple(t for t, _ in points),
        values=tuple(v for _, v in points),
        stat=key.stat,
        period_s=key.period_s,
        days=key.days,
    )


def _call(
    arm: Any, base_url: str, group: Group, keys: list[MetricKey], end: datetime
) -> dict[MetricKey, MetricSeries]:
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    path = quote(group.resource_id.rstrip("/"), safe="/")
    request = HttpRequest(
        "GET",
        f"{base_url}{path}/providers/Microsoft.Insights/metrics",
        params={
            "timespan": timespan(end, group.days),
            "interval": grain(group.period_s),
            "metricnames": ",".join(k.metric for k in keys),
            "aggregation": group.stat,
            "metricnamespace": group.namespace,
            "api-version": API_VERSION,
        },
    )
    response = arm.send_request(request)
    if response.status_code == 404:
        return {}  # deleted since it was listed: unknown
    if response.status_code == 400:
        if len(keys) > 1:  # one name this resource does not emit fails the whole call
            out: dict[MetricKey, MetricSeries] = {}
            for key in keys:
                out.update(_call(arm, base_url, group, [key], end))
            return out
        return {}
    if response.status_code != 200:
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    by_name = {k.metric.lower(): k for k in keys}
    found: dict[MetricKey, MetricSeries] = {}
    for metric in response.json().get("value") or []:
        name = str((metric.get("name") or {}).get("value") or "").lower()
        wanted = by_name.get(name)
        if wanted is not None:
            series = _series(metric, wanted, group.stat)
            if series is not None:
                found[wanted] = series
    return found


def fetch_metrics(
    arm: Any, base_url: str, keys: list[MetricKey], *, workers: int = 8, now: datetime | None = None
) -> dict[MetricKey, MetricSeries]:
    """Fetch every key with an ARM pipeline client for ``base_url``; series without datapoints are absent."""
    end = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    calls = plan_calls(keys)
    out: dict[MetricKey, MetricSeries] = {}
    if not calls:
        return out
    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(calls))), thread_name_prefix="cw-metrics"
    ) as pool:
        for found in pool.map(lambda c: _call(arm, base_url, c[0], c[1], end), calls):
            out.update(found)
    return out
