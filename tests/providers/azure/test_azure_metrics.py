"""Azure Monitor metrics through MonitorManagementClient against the fake: batching, windows, unknowns."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from cloudwaste.checks.context import MetricQuery
from cloudwaste.providers.azure.metrics import aggregation, grain, plan_calls
from tests.fakes import azure_estate as E
from tests.fakes.azure_arm import FakeArm, hours
from tests.providers.azure.conftest import SUB_A
from tests.providers.azure.helpers import CPU, NET_IN, NOW, provider


def _session(arm: FakeArm, queries: list[MetricQuery]):  # type: ignore[no-untyped-def]
    prov = provider()
    return prov.open_unit(prov.plan().units[0], queries)


def _vms(arm: FakeArm, n: int) -> list[dict]:
    arm.add_subscription(SUB_A, "prod")
    vms = [E.vm(SUB_A, "rg", f"vm-{i}", created=NOW - timedelta(days=40)) for i in range(n)]
    arm.add(*vms)
    return vms


def test_all_metric_names_of_one_resource_and_aggregation_are_one_call(env_credential: FakeArm) -> None:
    vms = _vms(env_credential, 3)
    cpu_avg = CPU
    cpu_max = replace(CPU, stat="Maximum")
    mem = replace(CPU, metric="Available Memory Bytes")
    for vm in vms:
        env_credential.add_metric(vm["id"], "Percentage CPU", list(hours(NOW, 14, 3.0)))
        env_credential.add_metric(vm["id"], "Available Memory Bytes", list(hours(NOW, 14, 2e9)))
    session = _session(env_credential, [cpu_avg, cpu_max, mem, NET_IN])
    series = session.metric(cpu_avg.key(vms[0]["id"]))
    assert series is not None and series.stat == "Average"
    assert 13 * 24 <= len(series.values) <= 14 * 24 and set(series.values) == {3.0}
    assert session.metric(mem.key(vms[1]["id"])) is not None
    assert session.metric(cpu_max.key(vms[2]["id"])).maximum == 3.0  # type: ignore[union-attr]
    calls = env_credential.calls("/providers/Microsoft.Insights/metrics")
    # per VM: (Average, PT1H, 14 d) with two names, (Maximum, PT1H), (Total, P1D): three calls, not four
    assert len(calls) == 3 * 3
    avg = [c for c in calls if c.query["aggregation"] == "Average"]
    assert {c.query["metricnames"] for c in avg} == {"Percentage CPU,Available Memory Bytes"}
    assert all(c.query["interval"] == "PT1H" for c in avg)
    assert {c.query["interval"] for c in calls if c.query["aggregation"] == "Total"} == {"P1D"}
    assert all(c.query["metricnamespace"] == "Microsoft.Compute/virtualMachines" for c in calls)
    start, end = avg[0].query["timespan"].split("/")
    assert end.endswith("Z") and start < end


def test_a_resource_without_datapoints_is_unknown_not_idle(env_credential: FakeArm) -> None:
    [vm] = _vms(env_credential, 1)
    session = _session(env_credential, [CPU])
    assert session.metric(CPU.key(vm["id"])) is None  # every point has only a timeStamp
    [call] = env_credential.calls("/providers/Microsoft.Insights/metrics")
    assert call.query["metricnames"] == "Percentage CPU"


def test_zero_is_data(env_credential: FakeArm) -> None:
    [vm] = _vms(env_credential, 1)
    env_credential.add_metric(vm["id"], "Network In Total", list(hours(NOW, 14, 0.0)))
    series = _session(env_credential, [NET_IN]).metric(NET_IN.key(vm["id"]))
    assert series is not None and series.total == 0.0 and len(series.values) >= 13


def test_ids_match_case_insensitively(env_credential: FakeArm) -> None:
    [vm] = _vms(env_credential, 1)
    env_credential.add_metric(vm["id"], "Percentage CPU", list(hours(NOW, 14, 1.0)))
    session = _session(env_credential, [CPU])
    assert session.metric(CPU.key(vm["id"].upper())) is not None


def test_a_metric_the_resource_does_not_emit_hides_only_itself(env_credential: FakeArm) -> None:
    [vm] = _vms(env_credential, 1)
    burst = replace(CPU, metric="OS Disk Used Burst IO Credits Percentage")
    env_credential.unsupported_metrics.add(burst.metric.lower())
    env_credential.add_metric(vm["id"], "Percentage CPU", list(hours(NOW, 14, 1.0)))
    session = _session(env_credential, [CPU, burst])
    assert session.metric(CPU.key(vm["id"])) is not None
    assert session.metric(burst.key(vm["id"])) is None
    # the group failed with 400, then each name was asked alone
    assert [
        c.query["metricnames"] for c in env_credential.calls("/providers/Microsoft.Insights/metrics")
    ] == [
        "Percentage CPU,OS Disk Used Burst IO Credits Percentage",
        "Percentage CPU",
        "OS Disk Used Burst IO Credits Percentage",
    ]


def test_skip_states_use_dotted_paths(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    attached = E.disk(SUB_A, "rg", "attached", created=NOW, state="Attached")
    free = E.disk(SUB_A, "rg", "free", created=NOW, state="Unattached")
    env_credential.add(attached, free)
    reads = MetricQuery(
        namespace="Microsoft.Compute/disks",
        metric="Composite Disk Read Operations/sec",
        dimension="",
        collection="azure:disks",
        id_field="id",
        stat="Average",
        skip_states=("Unattached",),
        state_field="properties.diskState",
    )
    session = _session(env_credential, [reads])
    session.metric(reads.key(attached["id"]))
    asked = [c.path for c in env_credential.calls("/providers/Microsoft.Insights/metrics")]
    assert asked == [f"{attached['id']}/providers/Microsoft.Insights/metrics"]


def test_grains_and_aggregation_names() -> None:
    assert [grain(s) for s in (60, 3600, 7200, 86400, 604800, 10)] == [
        "PT1M",
        "PT1H",
        "PT1H",
        "P1D",
        "P1D",
        "PT1M",
    ]
    assert [aggregation(s) for s in ("Sum", "avg", "Maximum", "SampleCount")] == [
        "Total",
        "Average",
        "Maximum",
        "Count",
    ]


def test_more_than_twenty_names_are_split() -> None:
    keys = [replace(CPU, metric=f"m{i}").key("/subscriptions/s/x") for i in range(25)]
    calls = plan_calls(keys)
    assert [len(names) for _, names in calls] == [20, 5]
