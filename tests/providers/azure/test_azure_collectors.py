"""Collections via the real SDK clients against the fake ARM: paging, REST shapes, both discovery modes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cloudwaste.providers.azure import collectors
from tests.fakes import azure_estate as E
from tests.fakes.azure_arm import FakeArm
from tests.providers.azure.conftest import SUB_A, SUB_B, SUB_C
from tests.providers.azure.helpers import NOW, provider

PER_TYPE = 5  # page size 2: three pages per list


def _estate(arm: FakeArm) -> None:
    """Five resources of every listed type in SUB_A, five VMs, five resource groups and power events;
    two more subscriptions that are not enabled, so the subscription list has pages too."""
    arm.add_subscription(SUB_A, "prod")
    arm.add_subscription(SUB_B, "old", state="Disabled")
    arm.add_subscription(SUB_C, "closing", state="Warned")
    for listing in collectors.LISTINGS:
        for i in range(PER_TYPE):
            name = f"{listing.arm_type.rsplit('/', 1)[-1].lower()}-{i}"
            if listing.arm_type.count("/") == 2:  # child types: servers/elasticPools, servers/databases
                name = f"sql-1/{name}"
            arm.add(E.resource(SUB_A, f"rg-{i}", listing.arm_type, name, {"marker": i}))
    for i in range(PER_TYPE):
        vm = E.vm(SUB_A, f"rg-{i}", f"vm-{i}", created=NOW - timedelta(days=10), power="deallocated")
        arm.add(vm)
        arm.add_event(
            SUB_A, vm["id"], "Microsoft.Compute/virtualMachines/deallocate/action", NOW - timedelta(days=i)
        )
        arm.add_event(
            SUB_A, vm["id"], "Microsoft.Compute/virtualMachines/extensions/write", NOW - timedelta(days=i)
        )


def _collect_all(discovery: str) -> dict[str, list[dict]]:
    prov = provider(discovery)
    unit = prov.plan().units[0]
    session = prov.open_unit(unit, [])
    return {name: session.collect(name) for name in sorted(collectors.COLLECTIONS)}


@pytest.mark.parametrize("discovery", ["graph", "arm"])
def test_every_collection_follows_every_page(env_credential: FakeArm, discovery: str) -> None:
    _estate(env_credential)
    got = _collect_all(discovery)
    for listing in collectors.LISTINGS:
        assert len(got[listing.collection]) == PER_TYPE, listing.collection
        assert {i["properties"]["marker"] for i in got[listing.collection]} == set(range(PER_TYPE))
    assert len(got["azure:virtual_machines"]) == PER_TYPE
    assert len(got["azure:resource_groups"]) == PER_TYPE
    assert len(got["azure:vm_power_events"]) == PER_TYPE  # the extension writes are not power events
    everything = len(collectors.LISTINGS) * PER_TYPE + PER_TYPE
    assert len(got["azure:resources"]) == everything

    lists = [
        r
        for r in env_credential.calls(method="GET")
        if "/oauth2/" not in r.path and ".well-known" not in r.path
    ]
    assert all("api-version" in r.query for r in lists)
    # every GET list was paged: the first page and at least one $skiptoken page
    paged = {r.path.lower() for r in lists if "$skiptoken" in r.query}
    first = {r.path.lower() for r in lists if "$skiptoken" not in r.query}
    assert first <= paged, sorted(first - paged)
    if discovery == "graph":
        graph = env_credential.calls("/providers/Microsoft.ResourceGraph/resources", "POST")
        assert len(graph) > 2 and all(r.body["options"]["$top"] == 1000 for r in graph)
        assert [bool(r.body["options"].get("$skipToken")) for r in graph][:2] == [False, True]
        assert env_credential.calls("/providers/Microsoft.Compute/disks") == []  # one query did it
    else:
        for listing in collectors.LISTINGS:
            if listing.client:
                assert f"/subscriptions/{SUB_A}/providers/{listing.arm_type}".lower() in paged, (
                    listing.arm_type
                )


def test_graph_and_arm_discovery_return_the_same_resources(env_credential: FakeArm) -> None:
    _estate(env_credential)
    graph, arm = _collect_all("graph"), _collect_all("arm")
    for name in collectors.COLLECTIONS:
        key = "resourceId" if name == collectors.POWER_EVENTS else "id"
        assert {i[key].lower() for i in graph[name]} == {i[key].lower() for i in arm[name]}, name
    for listing in collectors.LISTINGS:
        by_id = {i["id"]: i for i in arm[listing.collection]}
        for item in graph[listing.collection]:
            assert item["properties"] == by_id[item["id"]]["properties"]
            assert item["type"].lower() == by_id[item["id"]]["type"].lower()


def test_items_are_the_rest_payloads(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    disk = E.disk(SUB_A, "rg", "d1", created=NOW - timedelta(days=3), zones=["1"], tags={"env": "dev"})
    env_credential.add(disk)
    for discovery in ("graph", "arm"):
        [got] = _collect_all(discovery)["azure:disks"]
        assert got["properties"] == disk["properties"]  # timestamps stay ARM's ISO strings
        assert got["properties"]["timeCreated"].endswith("+00:00")
        assert (got["sku"], got["zones"], got["tags"]) == (disk["sku"], ["1"], {"env": "dev"})
        assert "managedBy" not in got and "subscriptionId" not in got


def test_virtual_machines_are_listed_with_their_power_state(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    env_credential.add(E.vm(SUB_A, "rg", "vm1", created=NOW, power="stopped"))
    [vm] = _collect_all("graph")["azure:virtual_machines"]
    assert vm["properties"]["instanceView"]["statuses"][1]["code"] == "PowerState/stopped"
    calls = env_credential.calls("/providers/Microsoft.Compute/virtualMachines")
    assert sorted(c.query.get("statusOnly", "") for c in calls) == ["", "true"]  # model + status


def test_power_events_query_the_last_89_days_of_compute_events(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    _collect_all("graph")
    [call] = env_credential.calls("/eventtypes/management/values")
    flt = call.query["$filter"]
    assert "resourceProvider eq 'Microsoft.Compute'" in flt and "eventTimestamp ge" in flt
    assert call.query["$select"] == "eventTimestamp,operationName,resourceId,status,correlationId"


def test_unregistered_namespace_means_no_resources_and_is_never_registered(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    env_credential.unregistered.add((SUB_A, "microsoft.network"))
    got = _collect_all("arm")
    assert got["azure:public_ip_addresses"] == [] and got["azure:network_interfaces"] == []
    assert [r for r in env_credential.requests if r.path.lower().endswith("/register")] == []
    assert {r.method for r in env_credential.requests} <= {"GET", "POST"}


def test_graph_inventory_is_one_query_for_all_subscriptions(env_credential: FakeArm) -> None:
    env_credential.page_size = env_credential.graph_page_size = 50
    for sub in (SUB_A, SUB_B):
        env_credential.add_subscription(sub, sub[:4])
        env_credential.add(E.disk(sub, "rg", "d", created=NOW), E.public_ip(sub, "rg", "p"))
    prov = provider("graph")
    plan = prov.plan()
    sessions = [prov.open_unit(u, []) for u in plan.units]
    disks = [s.collect("azure:disks") for s in sessions]
    assert [[d["id"].split("/")[2] for d in ds] for ds in disks] == [[u.scope] for u in plan.units]
    [query] = env_credential.calls("/providers/Microsoft.ResourceGraph/resources", "POST")
    assert sorted(query.body["subscriptions"]) == sorted([SUB_A, SUB_B])
    assert "cwKeep = type in~" in query.body["query"]
    assert all(len(s.collect("azure:public_ip_addresses")) == 1 for s in sessions)
    assert len(env_credential.calls("/providers/Microsoft.ResourceGraph/resources", "POST")) == 1


def _status_only_as_arm_sends_it(arm: FakeArm, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fake answer ``statusOnly=true`` as ARM does: the run-time status, not the model.

    Virtual Machines - List All documents statusOnly=true as "fetching run time status of all Virtual
    Machines"; clients of the real API (e.g. Red Hat cloudigrade's get_vms_for_subscription: "with
    statusOnly ... we do not get the hardware and storage profiles, so we need 2 queries"; another
    notes the status list "has the statuses but no tags") get id, name, type, location and
    properties.instanceView only.
    """
    serve = arm.arm

    def thin(method: str, path: str, query: dict[str, str], body: object) -> tuple[int, dict, dict]:
        status, out, headers = serve(method, path, query, body)
        vm_list = path.lower().rstrip("/").endswith("/providers/microsoft.compute/virtualmachines")
        if status == 200 and vm_list and query.get("statusOnly", "").lower() == "true":
            out = {
                **out,
                "value": [
                    {
                        **{k: vm[k] for k in ("id", "name", "type", "location") if k in vm},
                        "properties": {"instanceView": vm["properties"]["instanceView"]},
                    }
                    for vm in out["value"]
                ],
            }
        return status, out, headers

    monkeypatch.setattr(arm, "arm", thin)


def test_vm_model_comes_from_the_plain_list_and_power_state_from_status_only(
    env_credential: FakeArm, monkeypatch: pytest.MonkeyPatch
) -> None:
    _status_only_as_arm_sends_it(env_credential, monkeypatch)
    env_credential.add_subscription(SUB_A, "prod")
    disk_id = f"/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Compute/disks/vm1_os"
    nic_id = f"/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n1"
    env_credential.add(
        E.vm(
            SUB_A,
            "rg",
            "vm1",
            created=NOW - timedelta(days=200),
            power="deallocated",
            size="Standard_D4s_v5",
            os_disk_id=disk_id,
            nic_ids=(nic_id,),
            tags={"env": "dev"},
        )
    )
    for discovery in ("graph", "arm"):
        [vm] = _collect_all(discovery)["azure:virtual_machines"]
        p = vm["properties"]
        assert p["instanceView"]["statuses"][1]["code"] == "PowerState/deallocated"
        assert p["hardwareProfile"]["vmSize"] == "Standard_D4s_v5"
        assert p["storageProfile"]["osDisk"]["managedDisk"]["id"] == disk_id
        assert p["networkProfile"]["networkInterfaces"][0]["id"] == nic_id
        assert p["timeCreated"] and vm["tags"] == {"env": "dev"}


def test_a_failed_deallocation_keeps_its_correlation_id_and_is_ignored(env_credential: FakeArm) -> None:
    """Activity Log $select returns only the selected fields: without correlationId the Started event
    of a deallocation that then Failed would date the VM's stop (status values Started / Failed and
    correlationId as in the Activity Log event schema)."""
    from cloudwaste.checks.azure._common import PowerEvents

    env_credential.add_subscription(SUB_A, "prod")
    vm = E.vm(SUB_A, "rg", "vm1", created=NOW - timedelta(days=400), power="deallocated")
    env_credential.add(vm)
    op = "Microsoft.Compute/virtualMachines/deallocate/action"
    env_credential.add_event(SUB_A, vm["id"], op, NOW - timedelta(days=40), status="Started")
    env_credential.add_event(SUB_A, vm["id"], op, NOW - timedelta(days=40) + timedelta(minutes=2), "Failed")
    started, failed = env_credential.events[SUB_A][-2:]
    failed["correlationId"] = started["correlationId"]
    got = _collect_all("graph")
    events = got["azure:vm_power_events"]
    assert {e["correlationId"] for e in events} == {started["correlationId"]}
    [listed] = got["azure:virtual_machines"]
    since = PowerEvents(events).since(listed, NOW)
    assert since.at_least and since.operation is None  # no stop dated from the failed attempt
