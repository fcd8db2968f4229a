"""Azure Monitor metrics: every series a subscription's checks need, in as few calls as the APIs allow.

**Batches.** Resources whose region is known are read with ``metrics:getBatch`` (Azure Monitor's
data-plane API, api-version 2024-02-01): ``POST {base}/subscriptions/{s}/metrics:getBatch`` on the
regional host ``https://{region}.metrics.monitor.azure.com`` (per cloud; ``CLOUDWASTE_AZURE_METRICS_URL``
replaces it) with ``starttime``, ``endtime``, ``interval``, ``metricnamespace``, ``metricnames`` and
``aggregation`` in the query and ``{"resourceids": [...]}`` in the body. The API takes up to 50
resources of one subscription, region and resource type (the metric namespace) per call; the token
audience is the data plane's (``https://metrics.monitor.azure.com/.default``). Keys are grouped by
(subscription, region, namespace, interval, days, the resource's set of aggregations); each group asks
for the union of its metric names (at most :data:`MAX_NAMES` per call, the limit Metrics - List
documents) for chunks of at most :data:`MAX_BATCH` ids. The answer has one entry per resource
(``resourceid``, matched case-insensitively) holding the same metric objects as Metrics - List.

**Per resource.** Resources without a known region, and every resource of a batch whose endpoint is
unusable, take the ARM path: ``GET {resource}/providers/Microsoft.Insights/metrics`` (Metrics - List,
the call ``MonitorManagementClient.metrics.list`` makes), one call per (resource, namespace,
aggregation, interval, days) with all its metric names. A batch that fails with 401/403 (no
Monitoring Reader on the subscription itself, which the data plane requires), 404 or a connection
error (a sovereign cloud, a private network without the data-plane host) falls back to this path,
and its base URL is not tried again in the same pass; the fallback is reported once per base URL
through ``warn``. A batch that fails with 400 is retried one name at a time, and a single name that
still fails is read per resource (one unsupported name or SKU must not hide the others).

Both paths go through the azure-core pipeline (token, retries, recording) and read the JSON directly:
the SDK's msrest deserializer spends ~0.1 ms per datapoint, which made parsing, not the network, the
bottleneck of a scan. Calls run concurrently within ``workers``: ARM reads are throttled per
principal, and the engine already runs several checks and subscriptions at once.

Azure Monitor returns one datapoint per interval, with no aggregation value where the resource sent
no data; a series whose every point lacks the value is left out, so the session answers None for it:
unknown, never idle. So is a resource deleted since it was listed (404, or no entry in a batch), a
metric the resource's SKU does not emit (400, or a per-metric ``errorCode``) and a resource whose
region was wrong (the batch answers empty time series). Any other error fails the unit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from cloudwaste.checks.context import MetricKey, MetricSeries

MAX_NAMES = 20
MAX_BATCH = 50  # resource ids per metrics:getBatch call
API_VERSION = "2024-02-01"  # what MonitorManagementClient.metrics.list sends
BATCH_API_VERSION = "2024-02-01"  # what azure-monitor-querymetrics' MetricsClient.query_resources sends
FALLBACK_STATUS = frozenset({401, 403, 404})
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
_METRICS_SEGMENT = "/providers/microsoft.insights/metrics"

Warn = Callable[[str], None]


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


@dataclass(frozen=True)
class BatchGroup:
    """Resources one metrics:getBatch call can serve together (same subscription, region, type, window)."""

    subscription: str
    region: str
    namespace: str
    interval: str
    days: int
    aggregations: tuple[str, ...]  # Azure names, sorted ("Average", "Maximum")


@dataclass
class BatchCall:
    """One metrics:getBatch request: up to 50 resources, up to 20 metric names, and the keys it answers."""

    group: BatchGroup
    base_url: str
    resource_ids: list[str]  # as listed (the API matches ids case-insensitively)
    names: list[str]
    keys: list[MetricKey]


@dataclass
class Batching:
    """What the batch path needs: a pipeline client whose tokens have the data-plane audience, the base
    URL per region (None when unknown), and each resource's region (lower-case id -> ARM location)."""

    client: Any
    base_for: Callable[[str], str | None]
    regions: Mapping[str, str]
    warn: Warn | None = None
    _dead: dict[str, str] = field(default_factory=dict, init=False)  # base URL -> why it is not used again
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def region_of(self, resource_id: str) -> str:
        """The resource's normalised ARM location ("" when unknown)."""
        return (self.regions.get(resource_id.lower()) or "").replace(" ", "").lower()

    def dead(self, base_url: str) -> bool:
        """True once ``base_url`` failed in a way that makes every later batch on it fail too."""
        with self._lock:
            return base_url in self._dead

    def give_up(self, base_url: str, why: str, resources: int) -> None:
        """Stop batching on ``base_url`` and say so once."""
        with self._lock:
            first = base_url not in self._dead
            self._dead.setdefault(base_url, why)
        if first and self.warn is not None:
            self.warn(
                f"Azure Monitor metrics:getBatch at {base_url} is not usable ({why}); metrics are read "
                f"with one Metrics - List call per resource instead (first batch: {resources} resources)"
            )


def plan_calls(keys: Iterable[MetricKey]) -> list[tuple[Group, list[MetricKey]]]:
    """Group keys into per-resource calls (at most :data:`MAX_NAMES` metric names each)."""
    groups: dict[Group, list[MetricKey]] = {}
    for key in dict.fromkeys(keys):
        group = Group(key.value, key.namespace, aggregation(key.stat), key.period_s, key.days)
        groups.setdefault(group, []).append(key)
    calls: list[tuple[Group, list[MetricKey]]] = []
    for group, members in groups.items():
        calls.extend((group, members[i : i + MAX_NAMES]) for i in range(0, len(members), MAX_NAMES))
    return calls


def _subscription(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2].lower() if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""


def plan_batches(
    keys: Iterable[MetricKey], region_of: Callable[[str], str], base_for: Callable[[str], str | None]
) -> tuple[list[BatchCall], list[MetricKey]]:
    """Batch calls for the keys whose resource has a region and a data-plane URL, and the other keys."""
    rest: list[MetricKey] = []
    # (resource, namespace, interval, days) -> its keys; the resource's aggregations pick its group
    per_resource: dict[tuple[str, str, str, int], list[MetricKey]] = {}
    for key in dict.fromkeys(keys):
        region = region_of(key.value)
        if not region or not _subscription(key.value) or base_for(region) is None:
            rest.append(key)
            continue
        slot = (key.value.lower(), key.namespace, grain(key.period_s), key.days)
        per_resource.setdefault(slot, []).append(key)
    groups: dict[BatchGroup, dict[str, list[MetricKey]]] = {}
    for (rid, namespace, interval, days), members in per_resource.items():
        aggs = tuple(sorted({aggregation(k.stat) for k in members}))
        group = BatchGroup(_subscription(rid), region_of(rid), namespace, interval, days, aggs)
        groups.setdefault(group, {})[rid] = members
    calls: list[BatchCall] = []
    for group, by_resource in groups.items():
        base = base_for(group.region) or ""
        names = list(dict.fromkeys(k.metric for members in by_resource.values() for k in members))
        rids = sorted(by_resource)
        for i in range(0, len(rids), MAX_BATCH):
            chunk = rids[i : i + MAX_BATCH]
            for j in range(0, len(names), MAX_NAMES):
                part = names[j : j + MAX_NAMES]
                wanted = {n.lower() for n in part}
                asked = {rid: [k for k in by_resource[rid] if k.metric.lower() in wanted] for rid in chunk}
                ids = [members[0].value for members in asked.values() if members]  # as listed
                if ids:
                    calls.append(BatchCall(group, base, ids, part, [k for ms in asked.values() for k in ms]))
    return calls, rest


def timespan(end: datetime, days: int) -> str:
    """``start/end`` in ISO 8601 (UTC)."""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return f"{(end - timedelta(days=days)).strftime(fmt)}/{end.strftime(fmt)}"


def _stamp(when: datetime) -> str:
    """``yyyy-MM-ddTHH:mm:ss.fffZ``, the format metrics:getBatch documents for starttime/endtime."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


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


def _entry_id(entry: dict[str, Any]) -> str:
    """The resource an entry of a batch answer is about (``resourceid``, else its metrics' ``id``)."""
    rid = str(entry.get("resourceid") or "")
    if rid:
        return rid.rstrip("/").lower()
    for metric in entry.get("value") or []:
        mid = str(metric.get("id") or "").lower()
        if _METRICS_SEGMENT in mid:
            return mid[: mid.index(_METRICS_SEGMENT)]
    return ""


def parse_batch(body: dict[str, Any], keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
    """Series of ``keys`` in a metrics:getBatch answer (ids and names matched case-insensitively)."""
    wanted: dict[tuple[str, str], list[MetricKey]] = {}
    for key in keys:
        wanted.setdefault((key.value.lower().rstrip("/"), key.metric.lower()), []).append(key)
    found: dict[MetricKey, MetricSeries] = {}
    for entry in body.get("values") or []:
        rid = _entry_id(entry)
        for metric in entry.get("value") or []:
            if str(metric.get("errorCode") or "Success").lower() != "success":
                continue  # this metric failed for this resource: unknown
            name = str((metric.get("name") or {}).get("value") or "").lower()
            for key in wanted.get((rid, name), []):
                series = _series(metric, key, aggregation(key.stat))
                if series is not None:
                    found[key] = series
    return found


@dataclass
class _Outcome:
    """What one call produced: series, and per-resource calls still to make (a batch's fallback)."""

    found: dict[MetricKey, MetricSeries]
    then: list[tuple[Group, list[MetricKey]]] = field(default_factory=list)
    batches: list[BatchCall] = field(default_factory=list)


def _status_text(response: Any) -> str:
    """``HTTP 403 AuthorizationFailed``: the status and the error code of a batch answer."""
    try:
        body = response.json()
    except Exception:  # not JSON: the status is enough
        body = None
    err = body.get("error") if isinstance(body, dict) else None
    code = str(err.get("code") or "") if isinstance(err, dict) else ""
    return f"HTTP {response.status_code}" + (f" {code}" if code else "")


def _batch(batching: Batching, call: BatchCall, end: datetime) -> _Outcome:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    if batching.dead(call.base_url):
        return _Outcome({}, then=plan_calls(call.keys))
    group = call.group
    request = HttpRequest(
        "POST",
        f"{call.base_url}/subscriptions/{quote(group.subscription, safe='')}/metrics:getBatch",
        params={
            "starttime": _stamp(end - timedelta(days=group.days)),
            "endtime": _stamp(end),
            "interval": group.interval,
            "metricnamespace": group.namespace,
            "metricnames": ",".join(call.names),
            "aggregation": ",".join(a.lower() for a in group.aggregations),
            "api-version": BATCH_API_VERSION,
        },
        json={"resourceids": call.resource_ids},
    )
    try:
        response = batching.client.send_request(request)
    except ClientAuthenticationError as exc:  # no token for the data-plane audience
        batching.give_up(call.base_url, f"no token: {str(exc).splitlines()[0][:200]}", len(call.resource_ids))
        return _Outcome({}, then=plan_calls(call.keys))
    except (ServiceRequestError, ServiceResponseError) as exc:
        batching.give_up(call.base_url, f"connection failed: {type(exc).__name__}", len(call.resource_ids))
        return _Outcome({}, then=plan_calls(call.keys))
    status = response.status_code
    if status in FALLBACK_STATUS:
        batching.give_up(call.base_url, _status_text(response), len(call.resource_ids))
        return _Outcome({}, then=plan_calls(call.keys))
    if status == 400:
        if len(call.names) > 1:  # a name the type does not emit fails the whole call: ask one at a time
            singles = []
            for name in call.names:
                keys = [k for k in call.keys if k.metric.lower() == name.lower()]
                asked = {k.value.lower() for k in keys}
                ids = [rid for rid in call.resource_ids if rid.lower() in asked]
                if ids:
                    singles.append(BatchCall(call.group, call.base_url, ids, [name], keys))
            return _Outcome({}, batches=singles)
        return _Outcome({}, then=plan_calls(call.keys))  # per resource: a 400 there means unknown
    if status != 200:  # the batch API wraps its errors in "error" like ARM
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    return _Outcome(parse_batch(response.json(), call.keys))


def fetch_metrics(
    arm: Any,
    base_url: str,
    keys: list[MetricKey],
    *,
    workers: int = 8,
    now: datetime | None = None,
    batching: Batching | None = None,
) -> dict[MetricKey, MetricSeries]:
    """Fetch every key: metrics:getBatch where ``batching`` allows, else Metrics - List with an ARM
    pipeline client for ``base_url``. Series without datapoints are absent."""
    end = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    if batching is not None:
        batches, rest = plan_batches(keys, batching.region_of, batching.base_for)
    else:
        batches, rest = [], list(keys)
    singles = plan_calls(rest)
    out: dict[MetricKey, MetricSeries] = {}
    if not batches and not singles:
        return out
    size = max(1, min(workers, len(batches) + len(singles)))
    with ThreadPoolExecutor(max_workers=size, thread_name_prefix="cw-metrics") as pool:
        pending: set[Future[_Outcome]] = set()

        def submit_single(call: tuple[Group, list[MetricKey]]) -> None:
            pending.add(pool.submit(lambda: _Outcome(_call(arm, base_url, call[0], call[1], end))))

        def submit_batch(call: BatchCall) -> None:
            assert batching is not None
            pending.add(pool.submit(_batch, batching, call, end))

        for batch in batches:
            submit_batch(batch)
        for single in singles:
            submit_single(single)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    outcome = fut.result()
                    out.update(outcome.found)
                    for batch in outcome.batches:
                        submit_batch(batch)
                    for single in outcome.then:
                        submit_single(single)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    return out
