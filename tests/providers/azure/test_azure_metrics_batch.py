"""Azure Monitor metrics:getBatch against the fake's data plane: batching, groups, mapping, fallback."""

from __future__ import annotations

import math
import socket
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from cloudwaste.checks.context import MetricKey, MetricQuery
from cloudwaste.errors import UsageError
from cloudwaste.providers.azure import auth
from cloudwaste.providers.azure.metrics import MAX_BATCH, MAX_NAMES, parse_batch, plan_batches
from tests.fakes import azure_estate as E
from tests.fakes.azure_arm import FakeArm, hours
from tests.providers.azure.conftest import SUB_A
from tests.providers.azure.helpers import CPU, NET_IN, NOW, provider

PER_RESOURCE = "/providers/Microsoft.Insights/metrics"
DISK_READS = MetricQuery(
    namespace="Microsoft.Compute/disks",
    metric="Composite Disk Read Operations/sec",
    dimension="",
    collection="azure:disks",
    id_field="id",
    stat="Average",
    period_s=86400,
    days=30,
    skip_states=("Unattached",),
    state_field="properties.diskState",
)


@pytest.fixture
def batch(env_credential: FakeArm, monkeypatch: pytest.MonkeyPatch) -> FakeArm:
    """The fake with cloudwaste's metrics:getBatch base URL pointing at it (region in the path)."""
    monkeypatch.setenv("CLOUDWASTE_AZURE_METRICS_URL", env_credential.metrics_url())
    env_credential.page_size = 100
    env_credential.add_subscription(SUB_A, "prod")
    return env_credential


def _session(queries: list[MetricQuery], **options: Any):  # type: ignore[no-untyped-def]
    prov = provider(**options)
    return prov.open_unit(prov.plan().units[0], queries)


def _vms(arm: FakeArm, n: int, location: str = "westeurope", prefix: str = "vm", cpu: float | None = 5.0):
    vms = [
        E.vm(SUB_A, "rg", f"{prefix}-{i}", created=NOW - timedelta(days=40), location=location)
        for i in range(n)
    ]
    arm.add(*vms)
    if cpu is not None:
        for vm in vms:
            arm.add_metric(vm["id"], "Percentage CPU", list(hours(NOW, 30, cpu)))
    return vms


def test_n_resources_of_one_group_take_ceil_n_over_50_calls(batch: FakeArm) -> None:
    vms = _vms(batch, 120)
    session = _session([CPU])
    for vm in vms:
        series = session.metric(CPU.key(vm["id"]))
        assert series is not None and set(series.values) == {5.0} and 13 * 24 <= len(series.values) <= 14 * 24
    calls = batch.batch_calls()
    assert len(calls) == math.ceil(120 / MAX_BATCH) == 3
    assert sorted(len(c.body["resourceids"]) for c in calls) == [20, 50, 50]
    sent = {rid for c in calls for rid in c.body["resourceids"]}
    assert sent == {vm["id"] for vm in vms}  # every id once, as listed
    assert batch.calls(PER_RESOURCE) == [] and session.warnings == []  # the data-plane token was accepted
    call = calls[0]
    assert call.path == f"/westeurope/subscriptions/{SUB_A}/metrics:getBatch"
    assert call.query["api-version"] == "2024-02-01"
    assert call.query["metricnamespace"] == "Microsoft.Compute/virtualMachines"
    assert (call.query["metricnames"], call.query["aggregation"], call.query["interval"]) == (
        "Percentage CPU",
        "average",
        "PT1H",
    )
    start, end = call.query["starttime"], call.query["endtime"]
    assert start.endswith(".000Z") and end.endswith(".000Z") and start < end
    # the second token was asked for the metrics audience
    scopes = [str(r.body.get("scope")) for r in batch.calls("/oauth2/v2.0/token", "POST")]
    assert any(s.startswith("https://metrics.monitor.azure.com/.default") for s in scopes), scopes


def test_aggregations_and_names_of_one_window_share_a_call(batch: FakeArm) -> None:
    vms = _vms(batch, 3)
    for vm in vms:
        batch.add_metric(vm["id"], "Available Memory Bytes", list(hours(NOW, 14, 2e9)))
        batch.add_metric(vm["id"], "Network In Total", list(hours(NOW, 14, 1e6)))
    cpu_max = replace(CPU, stat="Maximum")
    mem = replace(CPU, metric="Available Memory Bytes")
    session = _session([CPU, cpu_max, mem, NET_IN])
    assert session.metric(cpu_max.key(vms[0]["id"])).maximum == 5.0  # type: ignore[union-attr]
    assert session.metric(mem.key(vms[1]["id"])).values[0] == 2e9  # type: ignore[union-attr]
    net = session.metric(NET_IN.key(vms[2]["id"]))
    assert net is not None and net.period_s == 86400 and max(net.values) == 24e6  # a day of hourly 1e6
    calls = sorted(batch.batch_calls(), key=lambda c: c.query["interval"])
    # (PT1H, 14 d): CPU and memory, average and maximum in one call; (P1D, 14 d): the total
    assert [(c.query["interval"], c.query["metricnames"], c.query["aggregation"]) for c in calls] == [
        ("P1D", "Network In Total", "total"),
        ("PT1H", "Percentage CPU,Available Memory Bytes", "average,maximum"),
    ]
    assert batch.calls(PER_RESOURCE) == []


def test_regions_and_types_split_into_groups(batch: FakeArm) -> None:
    west = _vms(batch, 3)
    east = _vms(batch, 2, location="eastus", prefix="vm-east")
    disks = [
        E.disk(SUB_A, "rg", f"d{i}", created=NOW - timedelta(days=60), state="Attached") for i in range(2)
    ]
    batch.add(*disks)
    for disk in disks:
        batch.add_metric(disk["id"], DISK_READS.metric, list(hours(NOW, 30, 3.0)))
    session = _session([CPU, DISK_READS])
    for vm in west + east:  # a batch sent to the wrong region would answer empty time series
        assert session.metric(CPU.key(vm["id"])) is not None
    assert all(session.metric(DISK_READS.key(d["id"])) is not None for d in disks)
    groups = {
        (c.path.split("/")[1], c.query["metricnamespace"], len(c.body["resourceids"]))
        for c in batch.batch_calls()
    }
    assert groups == {
        ("westeurope", "Microsoft.Compute/virtualMachines", 3),
        ("eastus", "Microsoft.Compute/virtualMachines", 2),
        ("westeurope", "Microsoft.Compute/disks", 2),
    }
    assert len(batch.batch_calls()) == 3 and batch.calls(PER_RESOURCE) == []


def test_results_map_back_to_keys_whatever_the_case_of_the_ids(batch: FakeArm) -> None:
    batch.batch_lowercase_ids = True  # the answer's resourceid is lower case
    vm = E.vm(SUB_A, "RG-App", "VM-Web", created=NOW - timedelta(days=40))
    batch.add(vm)
    batch.add_metric(vm["id"], "Percentage CPU", list(hours(NOW, 14, 7.0)))
    session = _session([CPU])
    assert session.metric(CPU.key(vm["id"].upper())).values[0] == 7.0  # type: ignore[union-attr]
    assert session.metric(CPU.key(vm["id"])) is not None
    [call] = batch.batch_calls()
    assert call.body["resourceids"] == [vm["id"]]  # sent as listed


def test_a_resource_without_datapoints_is_unknown_and_zero_is_data(batch: FakeArm) -> None:
    [silent] = _vms(batch, 1, prefix="silent", cpu=None)
    [zero] = _vms(batch, 1, prefix="zero", cpu=0.0)
    session = _session([CPU])
    assert session.metric(CPU.key(silent["id"])) is None  # every point has only a timeStamp
    series = session.metric(CPU.key(zero["id"]))
    assert series is not None and series.total == 0.0
    assert len(batch.batch_calls()) == 1


def test_a_resource_without_a_location_is_read_per_resource(batch: FakeArm) -> None:
    vms = _vms(batch, 3)
    del vms[0]["location"]
    session = _session([CPU])
    assert all(session.metric(CPU.key(vm["id"])) is not None for vm in vms)
    [call] = batch.batch_calls()
    assert sorted(call.body["resourceids"]) == sorted(vm["id"] for vm in vms[1:])
    assert [c.path for c in batch.calls(PER_RESOURCE)] == [f"{vms[0]['id']}{PER_RESOURCE}"]


@pytest.mark.parametrize("status", [403, 401, 404])
def test_a_failing_batch_endpoint_falls_back_per_resource_and_says_so_once(
    batch: FakeArm, status: int
) -> None:
    batch.batch_status = status
    vms = _vms(batch, 3)
    disks = [E.disk(SUB_A, "rg", f"d{i}", created=NOW, state="Attached") for i in range(2)]
    batch.add(*disks)
    session = _session([CPU, DISK_READS], metric_workers=1)  # one at a time: the 2nd group is not tried
    assert all(session.metric(CPU.key(vm["id"])) is not None for vm in vms)
    assert len(batch.batch_calls()) == 1
    assert len(batch.calls(PER_RESOURCE)) == 3 + 2
    [warning] = session.warnings
    assert "metrics:getBatch" in warning and f"HTTP {status}" in warning and "Metrics - List" in warning


def test_the_fallback_warning_is_recorded_once_when_groups_fail_concurrently(batch: FakeArm) -> None:
    batch.batch_status = 403
    _vms(batch, 3)
    disks = [E.disk(SUB_A, "rg", f"d{i}", created=NOW, state="Attached") for i in range(2)]
    batch.add(*disks)
    session = _session([CPU, DISK_READS])
    assert session.metric(DISK_READS.key(disks[0]["id"])) is None  # no datapoints: unknown
    assert 1 <= len(batch.batch_calls()) <= 2 and len(batch.calls(PER_RESOURCE)) == 5
    assert len(session.warnings) == 1 and "AuthorizationFailed" in session.warnings[0]


def test_an_unreachable_batch_host_falls_back_per_resource(
    batch: FakeArm, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("CLOUDWASTE_AZURE_METRICS_URL", f"https://127.0.0.1:{port}/{{region}}")
    vms = _vms(batch, 2)
    session = _session([CPU])
    assert all(session.metric(CPU.key(vm["id"])) is not None for vm in vms)
    assert batch.batch_calls() == [] and len(batch.calls(PER_RESOURCE)) == 2
    [warning] = session.warnings
    assert "connection failed" in warning and f"127.0.0.1:{port}/westeurope" in warning


def test_a_name_the_type_does_not_emit_hides_only_itself(batch: FakeArm) -> None:
    vms = _vms(batch, 2)
    burst = replace(CPU, metric="OS Disk Used Burst IO Credits Percentage")
    batch.unsupported_metrics.add(burst.metric.lower())
    session = _session([CPU, burst])
    assert all(session.metric(CPU.key(vm["id"])) is not None for vm in vms)
    assert session.metric(burst.key(vms[0]["id"])) is None
    names = [c.query["metricnames"] for c in batch.batch_calls()]
    # the pair failed with 400, each name was asked alone, the failing one then per resource
    assert names[0] == "Percentage CPU,OS Disk Used Burst IO Credits Percentage"
    assert sorted(names[1:]) == ["OS Disk Used Burst IO Credits Percentage", "Percentage CPU"]
    assert {c.query["metricnames"] for c in batch.calls(PER_RESOURCE)} == {burst.metric}
    assert session.warnings == []


def test_the_fake_enforces_the_batch_limits(batch: FakeArm) -> None:
    [vm] = _vms(batch, 1)
    disk = E.disk(SUB_A, "rg", "d", created=NOW)
    batch.add(disk)
    query = {"metricnamespace": "Microsoft.Compute/virtualMachines", "metricnames": "Percentage CPU"}
    times = {"starttime": "2024-01-01T00:00:00.000Z", "endtime": "2024-01-02T00:00:00.000Z"}
    ok, _ = batch.metrics_batch("westeurope", SUB_A, {**query, **times}, {"resourceids": [vm["id"]]})
    many, _ = batch.metrics_batch(None, SUB_A, {**query, **times}, {"resourceids": [vm["id"]] * 51})
    mixed, _ = batch.metrics_batch(None, SUB_A, {**query, **times}, {"resourceids": [vm["id"], disk["id"]]})
    names = {**query, **times, "metricnames": ",".join(f"m{i}" for i in range(21))}
    wide, _ = batch.metrics_batch(None, SUB_A, names, {"resourceids": [vm["id"]]})
    assert (ok, many, mixed, wide) == (200, 400, 400, 400)


def _key(rid: str, metric: str = "Percentage CPU", stat: str = "Average") -> MetricKey:
    return replace(CPU, metric=metric, stat=stat).key(rid)


def test_plan_chunks_ids_by_50_and_names_by_20() -> None:
    rids = [
        f"/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v{i}"
        for i in range(60)
    ]
    keys = [_key(r, f"m{j}") for r in rids for j in range(25)]
    calls, rest = plan_batches(keys, lambda _rid: "westeurope", lambda region: f"https://{region}.example")
    assert rest == []
    assert sorted((len(c.resource_ids), len(c.names)) for c in calls) == [
        (10, 5),
        (10, 20),
        (50, 5),
        (50, 20),
    ]
    assert all(len(c.keys) == len(c.resource_ids) * len(c.names) for c in calls)
    assert MAX_NAMES == 20 and {c.base_url for c in calls} == {"https://westeurope.example"}


def test_plan_leaves_resources_without_region_or_host_to_the_per_resource_path() -> None:
    a = _key(f"/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a")
    b = _key(f"/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/b")
    calls, rest = plan_batches([a, b], lambda rid: "westeurope" if rid.endswith("/a") else "", lambda r: None)
    assert calls == [] and rest == [a, b]


def _metric(rid: str, name: str, data: list[dict[str, Any]], error: str = "Success") -> dict[str, Any]:
    return {
        "id": f"{rid}/providers/Microsoft.Insights/metrics/{name}",
        "type": "Microsoft.Insights/metrics",
        "name": {"value": name, "localizedValue": name},
        "unit": "Percent",
        "timeseries": [{"metadatavalues": [], "data": data}] if data else [],
        "errorCode": error,
    }


def test_parse_batch_answers_as_the_docs_show_them() -> None:
    base = f"/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines"
    a, b, c, d = (f"{base}/{n}" for n in "abcd")
    points = [{"timeStamp": "2024-04-20T12:00:00Z", "average": 1.5, "maximum": 9.0}]
    body = {
        "values": [
            {
                "starttime": "2024-04-20T12:00:00.000Z",
                "endtime": "2024-04-22T12:00:00.000Z",
                "interval": "PT1H",
                "namespace": "microsoft.compute/virtualmachines",
                "resourceregion": "westeurope",
                "resourceid": a.lower(),
                "value": [_metric(a, "Percentage CPU", points)],
            },
            {"starttime": "x", "endtime": "y", "resourceid": b, "value": [_metric(b, "Percentage CPU", [])]},
            {  # no resourceid: the metric's id names the resource
                "starttime": "x",
                "endtime": "y",
                "value": [_metric(c, "Percentage CPU", points)],
            },
            {
                "starttime": "x",
                "endtime": "y",
                "resourceid": d,
                "value": [_metric(d, "Percentage CPU", points, "Throttled")],
            },
        ]
    }
    keys = [_key(a), _key(a, stat="Maximum"), _key(b), _key(c), _key(d), _key(a, "Network In Total")]
    found = parse_batch(body, keys)
    assert set(found) == {_key(a), _key(a, stat="Maximum"), _key(c)}
    assert found[_key(a)].values == (1.5,) and found[_key(a, stat="Maximum")].values == (9.0,)


def test_clouds_give_the_metrics_data_plane_hosts_and_audiences(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CLOUDWASTE_AZURE_ARM_URL", "CLOUDWASTE_AZURE_METRICS_URL"):
        monkeypatch.delenv(var, raising=False)
    public, gov, china = (auth.endpoints(c) for c in ("public", "usgov", "china"))
    assert public.metrics_base("westeurope") == "https://westeurope.metrics.monitor.azure.com"
    assert public.metrics_scope == "https://metrics.monitor.azure.com/.default"
    assert gov.metrics_base("usgovvirginia") == "https://usgovvirginia.metrics.monitor.azure.us"
    assert gov.metrics_scope == "https://metrics.monitor.azure.us/.default"
    assert china.metrics_base("chinanorth") == "https://chinanorth.metrics.monitor.azure.cn"
    assert china.metrics_scope == "https://metrics.monitor.azure.cn/.default"
    assert public.metrics_base("") is None
    monkeypatch.setenv("CLOUDWASTE_AZURE_ARM_URL", "https://arm.example.test")
    assert auth.endpoints("public").metrics_base("westeurope") is None  # unknown data-plane host
    monkeypatch.setenv("CLOUDWASTE_AZURE_METRICS_URL", "https://metrics.example.test/")
    ep = auth.endpoints("public")
    assert ep.metrics_base("westeurope") == ep.metrics_base("eastus") == "https://metrics.example.test"
    assert ep.metrics_scope == "https://metrics.monitor.azure.com/.default"
    monkeypatch.setenv("CLOUDWASTE_AZURE_METRICS_URL", "http://metrics.example.test")
    with pytest.raises(UsageError, match="https://"):
        auth.endpoints("public")
