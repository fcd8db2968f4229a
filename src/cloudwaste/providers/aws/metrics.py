"""CloudWatch GetMetricData batching: every series a unit's checks need, in as few calls as possible.

Keys are grouped by window (days, period); each call carries at most 500 ``MetricDataQueries`` and at
most 100,800 expected datapoints (queries x points per series), the documented limits of one call.
Each call covers ``StartTime = now - days`` to ``EndTime = now`` (the real clock, floored to the
minute), scans ``TimestampAscending`` and follows ``NextToken``; results of one query spread over
several pages are merged. A series without datapoints is left out, so the session answers None for
it: unknown, never idle.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwaste.checks.context import MetricKey, MetricSeries

MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800
# Short names people write for CloudWatch's statistic names (GetMetricData wants the full ones).
STAT_NAMES = {"Max": "Maximum", "Min": "Minimum", "Avg": "Average", "Count": "SampleCount"}


def points_per_series(days: int, period_s: int) -> int:
    """Datapoints one series can return over ``days`` at ``period_s``."""
    return max(1, math.ceil(days * 86400 / max(1, period_s)))


def plan_batches(keys: list[MetricKey]) -> list[list[MetricKey]]:
    """Split ``keys`` into GetMetricData calls: one window per call, within both per-call limits."""
    groups: dict[tuple[int, int], list[MetricKey]] = {}
    for key in dict.fromkeys(keys):
        groups.setdefault((key.days, key.period_s), []).append(key)
    batches: list[list[MetricKey]] = []
    for (days, period_s), group in groups.items():
        size = max(1, min(MAX_QUERIES, MAX_DATAPOINTS // points_per_series(days, period_s)))
        batches.extend(group[i : i + size] for i in range(0, len(group), size))
    return batches


def metric_query(query_id: str, key: MetricKey) -> dict[str, Any]:
    """One ``MetricDataQuery`` for a key."""
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": key.namespace,
                "MetricName": key.metric,
                "Dimensions": [{"Name": key.dimension, "Value": key.value}],
            },
            "Period": key.period_s,
            "Stat": STAT_NAMES.get(key.stat, key.stat),
        },
        "ReturnData": True,
    }


def _pages(client: Any, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        page = client.get_metric_data(**request, **({"NextToken": token} if token else {}))
        yield page
        token = page.get("NextToken")
        if not token:
            return


def fetch_metric_data(
    client: Any, keys: list[MetricKey], now: datetime | None = None
) -> dict[MetricKey, MetricSeries]:
    """Fetch every key with a CloudWatch client; series without datapoints are absent from the result."""
    end = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    out: dict[MetricKey, MetricSeries] = {}
    for batch in plan_batches(keys):
        days = batch[0].days
        ids = {f"m{i}": key for i, key in enumerate(batch)}
        request = {
            "MetricDataQueries": [metric_query(qid, key) for qid, key in ids.items()],
            "StartTime": end - timedelta(days=days),
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        points: dict[str, list[tuple[datetime, float]]] = {qid: [] for qid in ids}
        status: dict[str, str] = {}
        for page in _pages(client, request):
            for result in page.get("MetricDataResults") or []:
                qid = result.get("Id")
                if qid in points:
                    points[qid].extend(
                        zip(result.get("Timestamps") or [], result.get("Values") or [], strict=False)
                    )
                    # PartialData on a page means "more behind NextToken"; the last page's code is final
                    status[qid] = str(result.get("StatusCode") or "Complete")
        for qid, pairs in points.items():
            if not pairs or status.get(qid, "Complete") != "Complete":
                continue  # no data, or InternalError/Forbidden/incomplete: unknown, never "idle"
            pairs.sort(key=lambda p: p[0])
            key = ids[qid]
            out[key] = MetricSeries(
                timestamps=tuple(t for t, _ in pairs),
                values=tuple(float(v) for _, v in pairs),
                stat=key.stat,
                period_s=key.period_s,
                days=days,
            )
    return out
