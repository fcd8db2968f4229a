"""GetMetricData batching: <= 500 queries and <= 100,800 datapoints per call, merged, None when empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwaste.checks.context import MetricKey, MetricQuery
from cloudwaste.providers.aws.metrics import (
    MAX_DATAPOINTS,
    fetch_metric_data,
    plan_batches,
    points_per_series,
)
from tests.providers.aws.helpers import calls, client, open_unit, provider, subnet_and_vpc

NAT_BYTES_OUT = MetricQuery(
    namespace="AWS/NATGateway",
    metric="BytesOutToDestination",
    dimension="NatGatewayId",
    collection="ec2:nat_gateways",
    id_field="NatGatewayId",
    stat="Sum",
    period_s=86400,
    days=14,
)


def nat_id(i: int) -> str:
    return f"nat-{i:017x}"


def put_daily_series(count: int, days: int = 3, offset: int = 0) -> None:
    """``count`` NAT-gateway-like series with ``days`` daily datapoints each (value = i + day)."""
    cw = client("cloudwatch")
    now = datetime.now(UTC)
    data: list[dict[str, Any]] = []
    for i in range(offset, offset + count):
        for d in range(days):
            data.append(
                {
                    "MetricName": "BytesOutToDestination",
                    "Dimensions": [{"Name": "NatGatewayId", "Value": nat_id(i)}],
                    "Timestamp": now - timedelta(days=d + 1, hours=1),
                    "Value": float(i + d),
                    "Unit": "Bytes",
                }
            )
    for start in range(0, len(data), 1000):  # PutMetricData takes up to 1,000 datums a call
        cw.put_metric_data(Namespace="AWS/NATGateway", MetricData=data[start : start + 1000])


def test_600_series_take_two_calls_with_the_right_values(aws: str) -> None:
    put_daily_series(600)
    prov = provider()
    session = open_unit(prov)
    keys = [NAT_BYTES_OUT.key(nat_id(i)) for i in range(600)]
    series = session.fetch_metrics(keys)
    assert calls(prov, "GetMetricData") == 2
    assert len(series) == 600
    s7 = series[NAT_BYTES_OUT.key(nat_id(7))]
    # oldest first (TimestampAscending): 3 days ago = 7 + 2, then 8, then 7
    assert s7.values == (9.0, 8.0, 7.0)
    assert list(s7.timestamps) == sorted(s7.timestamps)
    assert s7.total == 24.0 and s7.stat == "Sum" and s7.days == 14 and s7.period_s == 86400
    assert series[NAT_BYTES_OUT.key(nat_id(599))].total == 599 * 3 + 3


def test_a_series_with_no_datapoints_is_none_not_zero(aws: str) -> None:
    put_daily_series(1)
    session = open_unit(provider())
    series = session.fetch_metrics([NAT_BYTES_OUT.key(nat_id(0)), NAT_BYTES_OUT.key("nat-without-data")])
    assert NAT_BYTES_OUT.key(nat_id(0)) in series
    assert NAT_BYTES_OUT.key("nat-without-data") not in series


def test_session_metric_resolves_declared_queries_over_the_collection(aws: str) -> None:
    ec2 = client("ec2")
    subnet, _ = subnet_and_vpc(ec2)
    nats = []
    for _ in range(2):
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nats.append(ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"])
    busy, idle = nats
    client("cloudwatch").put_metric_data(
        Namespace="AWS/NATGateway",
        MetricData=[
            {
                "MetricName": "BytesOutToDestination",
                "Dimensions": [{"Name": "NatGatewayId", "Value": busy}],
                "Timestamp": datetime.now(UTC) - timedelta(days=2),
                "Value": 12345.0,
            }
        ],
    )
    other = MetricQuery(
        "AWS/NATGateway", "ActiveConnectionCount", "NatGatewayId", "ec2:nat_gateways", "NatGatewayId"
    )
    foreign = MetricQuery("Microsoft.Compute", "Percentage CPU", "id", "azure:vms", "id")
    prov = provider()
    session = open_unit(prov, queries=[NAT_BYTES_OUT, other, foreign])
    series = session.metric(NAT_BYTES_OUT.key(busy))
    assert series is not None and series.total == 12345.0
    assert session.metric(NAT_BYTES_OUT.key(idle)) is None  # no datapoints: unknown
    assert session.metric(other.key(busy)) is None
    assert calls(prov, "GetMetricData") == 1  # 4 series, one window, one call
    assert calls(prov, "DescribeNatGateways") == 1


def test_batches_group_by_window_and_respect_the_query_limit() -> None:
    daily = [MetricKey("N", "M", "D", f"r{i}", "Sum", 86400, 14) for i in range(1001)]
    hourly = [MetricKey("N", "M", "D", f"r{i}", "Maximum", 3600, 30) for i in range(3)]
    batches = plan_batches(daily + hourly)
    assert [len(b) for b in batches] == [500, 500, 1, 3]
    assert all(len({(k.days, k.period_s) for k in b}) == 1 for b in batches)


def test_batches_respect_the_datapoint_limit() -> None:
    # 5-minute points over 14 days: 4,032 points a series, so 25 series a call (100,800 / 4,032)
    fine = [MetricKey("N", "M", "D", f"r{i}", "Sum", 300, 14) for i in range(60)]
    batches = plan_batches(fine)
    assert [len(b) for b in batches] == [25, 25, 10]
    assert all(len(b) * points_per_series(14, 300) <= MAX_DATAPOINTS for b in batches)
    # a single series above the limit still gets its own call (GetMetricData pages its datapoints)
    assert [len(b) for b in plan_batches([MetricKey("N", "M", "D", "r", "Sum", 60, 90)])] == [1]


def test_duplicate_keys_are_fetched_once() -> None:
    key = MetricKey("N", "M", "D", "r", "Sum", 86400, 14)
    assert plan_batches([key, key]) == [[key]]


class PagingCloudWatch:
    """A stand-in CloudWatch client that returns each query's datapoints over two pages."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def get_metric_data(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        t0 = request["StartTime"]
        ids = [q["Id"] for q in request["MetricDataQueries"]]
        if "NextToken" not in request:
            results = [{"Id": i, "Timestamps": [t0 + timedelta(days=1)], "Values": [1.0]} for i in ids]
            return {"MetricDataResults": results, "NextToken": "page-2"}
        results = [{"Id": i, "Timestamps": [t0 + timedelta(days=2)], "Values": [2.0]} for i in ids[:1]]
        return {"MetricDataResults": results}


def test_pages_of_one_query_are_merged_and_the_window_is_the_clock() -> None:
    cw = PagingCloudWatch()
    now = datetime(2026, 11, 30, 12, 0, 30, tzinfo=UTC)
    keys = [
        MetricKey("AWS/NATGateway", "BytesOutToDestination", "NatGatewayId", f"nat-{i}", "Sum", 86400, 7)
        for i in range(2)
    ]
    series = fetch_metric_data(cw, keys, now=now)
    assert len(cw.requests) == 2 and cw.requests[1]["NextToken"] == "page-2"
    first = cw.requests[0]
    assert first["ScanBy"] == "TimestampAscending"
    assert first["EndTime"] == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert first["EndTime"] - first["StartTime"] == timedelta(days=7)
    assert [q["Id"] for q in first["MetricDataQueries"]] == ["m0", "m1"]
    stat = first["MetricDataQueries"][0]["MetricStat"]
    assert stat["Metric"]["Dimensions"] == [{"Name": "NatGatewayId", "Value": "nat-0"}]
    assert stat["Period"] == 86400 and stat["Stat"] == "Sum"
    assert series[keys[0]].values == (1.0, 2.0)
    assert series[keys[1]].values == (1.0,)


def test_short_statistic_names_are_sent_as_cloudwatch_spells_them(aws: str) -> None:
    put_daily_series(1)
    query = MetricQuery(
        "AWS/NATGateway",
        "BytesOutToDestination",
        "NatGatewayId",
        "ec2:nat_gateways",
        "NatGatewayId",
        stat="Max",
    )
    series = open_unit(provider()).fetch_metrics([query.key(nat_id(0))])
    assert series[query.key(nat_id(0))].values == (2.0, 1.0, 0.0)  # "Max" went out as "Maximum"
    assert series[query.key(nat_id(0))].stat == "Max"  # the key is the check's own


class StatusCloudWatch:
    """A stand-in CloudWatch client answering with documented StatusCode values."""

    def __init__(self, final: dict[str, str]) -> None:
        self.final = final

    def get_metric_data(self, **request: Any) -> dict[str, Any]:
        t0 = request["StartTime"]
        ids = [q["Id"] for q in request["MetricDataQueries"]]
        if "NextToken" not in request:  # PartialData here only means "more on the next page"
            results = [
                {
                    "Id": i,
                    "Timestamps": [t0 + timedelta(days=1)],
                    "Values": [0.0],
                    "StatusCode": "PartialData",
                }
                for i in ids
            ]
            return {"MetricDataResults": results, "NextToken": "more"}
        results = [
            {"Id": i, "Timestamps": [t0 + timedelta(days=2)], "Values": [0.0], "StatusCode": self.final[i]}
            for i in ids
        ]
        return {"MetricDataResults": results, "Messages": [{"Code": "x", "Value": "y"}]}


def test_incomplete_or_failed_series_are_unknown_not_idle() -> None:
    keys = [
        MetricKey("AWS/NATGateway", "BytesOutToDestination", "NatGatewayId", f"nat-{i}", "Sum", 86400, 7)
        for i in range(3)
    ]
    cw = StatusCloudWatch({"m0": "Complete", "m1": "InternalError", "m2": "PartialData"})
    series = fetch_metric_data(cw, keys, now=datetime(2026, 11, 30, tzinfo=UTC))
    assert set(series) == {keys[0]}
    assert series[keys[0]].values == (0.0, 0.0)
