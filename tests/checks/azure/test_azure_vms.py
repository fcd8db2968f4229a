"""VM checks: stopped not deallocated, deallocated long, idle, underutilized, memory, old generation,
Spot candidates, owner tags; empty availability sets."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis, CostKind
from cloudwaste.report import summarize

STOPPED = "azure.compute.vm_stopped_not_deallocated"
DEALLOC = "azure.compute.vm_deallocated_long"
ON_STOPPED = "azure.compute.disk_on_stopped_vm"
IDLE = "azure.compute.idle_vm"
UNDER = "azure.compute.underutilized_vm"
MEMORY = "azure.compute.vm_memory_overprovisioned"
OLDGEN = "azure.compute.vm_old_generation"
SPOT = "azure.compute.vm_spot_candidate"
TAGS = "azure.compute.vm_missing_owner_tags"
AVSET = "azure.compute.empty_availability_set"
D4S_V5_MONTH = round(0.192 * 730, 2)


class TestStoppedNotDeallocated:
    def test_stopped_vm_is_billed_for_compute(self, az, hit_ok):
        vm = az.vm("vm1", state="stopped")
        events = [az.event(vm, "start", 30), az.event(vm, "powerOff", 10)]
        [hit] = az.run(STOPPED, virtual_machines=[vm], vm_power_events=events)
        hit_ok(hit)
        assert hit.cost.amount == D4S_V5_MONTH and hit.cost.kind is CostKind.COST
        assert hit.confidence is Confidence.HIGH
        assert "for 10 days" in hit.reason

    def test_guest_shutdown_leaves_no_event_and_is_still_flagged(self, az):
        vm = az.vm("vm1", state="stopped")
        [hit] = az.run(STOPPED, virtual_machines=[vm], vm_power_events=[az.event(vm, "start", 20)])
        assert "since an unknown time" in hit.reason
        assert hit.confidence is Confidence.MEDIUM

    @pytest.mark.parametrize(
        ("days", "found", "confidence"), [(0.5, False, None), (1, True, "medium"), (7, True, "high")]
    )
    def test_boundaries(self, az, days, found, confidence):
        vm = az.vm("vm1", state="stopped")
        hits = az.run(STOPPED, virtual_machines=[vm], vm_power_events=[az.event(vm, "powerOff", days)])
        assert bool(hits) is found
        if found:
            assert hits[0].confidence.value == confidence

    @pytest.mark.parametrize("state", ["running", "deallocated", "starting", None])
    def test_other_states_are_not_flagged(self, az, state):
        assert az.run(STOPPED, virtual_machines=[az.vm("vm1", state=state)]) == []

    def test_spot_vm_price_is_unknown_and_windows_licence_is_said(self, az):
        spot = az.vm("spot", state="stopped", priority="Spot")
        win = az.vm("win", state="stopped", os_type="Windows")
        hits = {h.resource.name: h for h in az.run(STOPPED, virtual_machines=[spot, win])}
        assert hits["spot"].cost.amount is None
        assert "Windows licence not included" in (hits["win"].cost.detail or "")

    def test_regional_price(self, az):
        [hit] = az.run(STOPPED, virtual_machines=[az.vm("vm1", state="stopped", location="westeurope")])
        assert hit.cost.amount == round(0.2304 * 730, 2) and hit.region == "westeurope"


def _deallocated(az, *, age=300, ip=None):
    os_disk = az.disk("vm1-os", size=64, state="Reserved")
    data = az.disk("vm1-data", size=128, state="Reserved")
    nic = az.nic("vm1-nic", public_ip=ip)
    vm = az.vm("vm1", state="deallocated", os_disk=os_disk, data_disks=[data], nics=[nic], age=age)
    for disk in (os_disk, data):
        disk["managedBy"] = vm["id"]
    nic["properties"]["virtualMachine"] = {"id": vm["id"]}
    return vm, [os_disk, data], nic


class TestDeallocatedLong:
    def test_cost_is_disks_and_public_ips_with_cost_includes(self, az, hit_ok):
        ip = az.public_ip("vm1-ip")
        vm, disks, nic = _deallocated(az, ip=ip)
        ip["properties"]["ipConfiguration"] = {"id": nic["properties"]["ipConfigurations"][0]["id"]}
        events = [az.event(vm, "deallocate", 45)]
        [hit] = az.run(
            DEALLOC, virtual_machines=[vm], vm_power_events=events, disks=disks, network_interfaces=[nic],
            public_ip_addresses=[ip],
        )  # fmt: skip
        hit_ok(hit)
        assert set(hit.cost_includes) == {disks[0]["id"], disks[1]["id"], ip["id"]}
        assert hit.cost.amount == pytest.approx(10.21 + 19.71 + 0.005 * 730, abs=0.01)
        assert hit.evidence["deallocated_days"] == 45

    def test_totals_count_the_disks_once_with_the_disk_findings(self, az):
        vm, disks, _ = _deallocated(az)
        events = [az.event(vm, "deallocate", 45)]
        vm_hits = az.run(DEALLOC, virtual_machines=[vm], vm_power_events=events, disks=disks)
        disk_hits = az.run(ON_STOPPED, virtual_machines=[vm], vm_power_events=events, disks=disks)
        assert len(disk_hits) == 2
        findings = az.findings(DEALLOC, vm_hits) + az.findings(ON_STOPPED, disk_hits)
        assert summarize(findings).monthly_cost["amount"] == round(10.21 + 19.71, 2)

    @pytest.mark.parametrize(("days", "found"), [(29, False), (30, True)])
    def test_threshold(self, az, days, found):
        vm, disks, _ = _deallocated(az)
        events = [az.event(vm, "deallocate", days)]
        assert bool(az.run(DEALLOC, virtual_machines=[vm], vm_power_events=events, disks=disks)) is found

    def test_no_event_in_the_window_says_at_least(self, az):
        vm, disks, _ = _deallocated(az, age=500)
        [hit] = az.run(DEALLOC, virtual_machines=[vm], disks=disks)
        assert "at least 90 days" in hit.reason
        assert hit.evidence["deallocated_days_is_lower_bound"] is True
        assert hit.confidence is Confidence.HIGH

    def test_never_the_creation_age(self, az):
        # created 300 days ago, started 20 days ago, deallocated 5 days ago: 5 days, not 300
        vm, disks, _ = _deallocated(az)
        events = [az.event(vm, "start", 20), az.event(vm, "deallocate", 5)]
        assert az.run(DEALLOC, virtual_machines=[vm], vm_power_events=events, disks=disks) == []

    def test_eviction_without_a_log_entry_is_unknown(self, az):
        vm, disks, _ = _deallocated(az)
        events = [az.event(vm, "deallocate", 60), az.event(vm, "start", 40)]
        assert az.run(DEALLOC, virtual_machines=[vm], vm_power_events=events, disks=disks) == []

    @pytest.mark.parametrize(("age", "found"), [(6, False), (7, True)])
    def test_never_started_since_creation(self, az, age, found):
        vm, disks, _ = _deallocated(az, age=age)
        events = [az.event(vm, "write", age), az.event(vm, "deallocate", age - 0.1)]
        hits = az.run(DEALLOC, virtual_machines=[vm], vm_power_events=events, disks=disks)
        assert bool(hits) is found
        if found:
            assert hits[0].evidence["scenario"] == "virtual_machine_never_started"
            assert hits[0].confidence is Confidence.MEDIUM

    def test_started_again_is_not_never_started(self, az):
        vm, disks, _ = _deallocated(az, age=20)
        events = [az.event(vm, "start", 15), az.event(vm, "deallocate", 10)]
        assert az.run(DEALLOC, virtual_machines=[vm], vm_power_events=events, disks=disks) == []

    def test_shared_disk_is_not_charged_to_it(self, az):
        vm, disks, _ = _deallocated(az, age=500)
        disks[1]["managedByExtended"] = [
            vm["id"],
            az.rid("rg-app", "Microsoft.Compute/virtualMachines", "vm2"),
        ]
        [hit] = az.run(DEALLOC, virtual_machines=[vm], disks=disks)
        assert hit.cost_includes == (disks[0]["id"],)
        assert hit.evidence["disks_shared"] == [disks[1]["id"]]

    def test_dynamic_basic_ip_is_released_and_not_charged(self, az):
        ip = az.public_ip("vm1-ip", sku="Basic", allocation="Dynamic", address=None)
        vm, disks, nic = _deallocated(az, age=500, ip=ip)
        [hit] = az.run(
            DEALLOC, virtual_machines=[vm], disks=disks, network_interfaces=[nic], public_ip_addresses=[ip]
        )
        assert ip["id"] not in hit.cost_includes

    def test_missing_disk_makes_the_cost_unknown(self, az):
        vm, disks, _ = _deallocated(az, age=500)
        [hit] = az.run(DEALLOC, virtual_machines=[vm], disks=disks[:1])
        assert hit.cost.amount is None


def _idle_metrics(az, vm, *, cpu=1.0, peak=3.0, net_bytes=1_000_000, days=14):
    return az.metrics(
        IDLE,
        vm,
        {
            "Percentage CPU": {"Average": [cpu] * days, "Maximum": [peak] * days},
            "Network In Total": [net_bytes / 2] * days,
            "Network Out Total": [net_bytes / 2] * days,
        },
    )


class TestIdleVm:
    def test_idle_vm(self, az, hit_ok):
        vm = az.vm("vm1")
        [hit] = az.run(IDLE, virtual_machines=[vm], metrics=_idle_metrics(az, vm))
        hit_ok(hit)
        assert hit.cost.amount == D4S_V5_MONTH
        assert hit.confidence is Confidence.HIGH

    @pytest.mark.parametrize(("cpu", "found"), [(4.99, True), (5.0, False)])
    def test_cpu_threshold(self, az, cpu, found):
        vm = az.vm("vm1")
        assert bool(az.run(IDLE, virtual_machines=[vm], metrics=_idle_metrics(az, vm, cpu=cpu))) is found

    @pytest.mark.parametrize(("net", "found"), [(6_999_999, True), (7_000_000, False)])
    def test_network_threshold_is_per_day(self, az, net, found):
        vm = az.vm("vm1")
        assert (
            bool(az.run(IDLE, virtual_machines=[vm], metrics=_idle_metrics(az, vm, net_bytes=net))) is found
        )

    @pytest.mark.parametrize(("days", "found"), [(6, False), (7, True)])
    def test_days_of_data(self, az, days, found):
        vm = az.vm("vm1")
        assert bool(az.run(IDLE, virtual_machines=[vm], metrics=_idle_metrics(az, vm, days=days))) is found

    def test_partial_window_or_spiky_cpu_is_medium(self, az):
        vm = az.vm("vm1")
        [short] = az.run(IDLE, virtual_machines=[vm], metrics=_idle_metrics(az, vm, days=10))
        [spiky] = az.run(IDLE, virtual_machines=[vm], metrics=_idle_metrics(az, vm, peak=60))
        assert short.confidence is Confidence.MEDIUM and spiky.confidence is Confidence.MEDIUM

    def test_missing_network_data_is_unknown(self, az):
        vm = az.vm("vm1")
        metrics = az.metrics(IDLE, vm, {"Percentage CPU": [0.5] * 14})
        assert az.run(IDLE, virtual_machines=[vm], metrics=metrics) == []

    def test_deallocated_vm_is_not_idle(self, az):
        vm = az.vm("vm1", state="deallocated")
        assert az.run(IDLE, virtual_machines=[vm], metrics=_idle_metrics(az, vm)) == []


def _hourly(az, vm, values):
    return az.metrics(UNDER, vm, {"Percentage CPU": values})


class TestUnderutilizedVm:
    def test_half_size_saving_from_the_book(self, az, hit_ok):
        vm = az.vm("vm1", size="Standard_D8s_v5")
        [hit] = az.run(UNDER, virtual_machines=[vm], metrics=_hourly(az, vm, [10.0] * 720))
        hit_ok(hit)
        assert hit.evidence["target_size"] == "Standard_D4s_v5"
        assert hit.cost.amount == round((0.384 - 0.192) * 730, 2)
        assert hit.cost.kind is CostKind.SAVING

    def test_p95_from_hourly_datapoints(self, az):
        vm = az.vm("vm1", size="Standard_D8s_v5")
        below = [10.0] * 685 + [90.0] * 35  # 4.9 % of hours high: p95 stays low
        above = [10.0] * 680 + [90.0] * 40  # 5.6 % of hours high: p95 is 90
        assert len(az.run(UNDER, virtual_machines=[vm], metrics=_hourly(az, vm, below))) == 1
        assert az.run(UNDER, virtual_machines=[vm], metrics=_hourly(az, vm, above)) == []

    @pytest.mark.parametrize(("avg", "found"), [(19.9, True), (20.0, False)])
    def test_average_threshold(self, az, avg, found):
        vm = az.vm("vm1", size="Standard_D8s_v5")
        assert bool(az.run(UNDER, virtual_machines=[vm], metrics=_hourly(az, vm, [avg] * 720))) is found

    @pytest.mark.parametrize(("hours", "found"), [(335, False), (336, True)])
    def test_hours_of_data(self, az, hours, found):
        vm = az.vm("vm1", size="Standard_D8s_v5")
        assert bool(az.run(UNDER, virtual_machines=[vm], metrics=_hourly(az, vm, [5.0] * hours))) is found

    def test_no_smaller_size_is_an_unknown_saving(self, az):
        vm = az.vm("vm1", size="Standard_D2s_v5")
        [hit] = az.run(UNDER, virtual_machines=[vm], metrics=_hourly(az, vm, [5.0] * 720))
        assert hit.cost.amount is None and hit.confidence is Confidence.LOW


GIB = 1024**3


class TestMemoryOverprovisioned:
    def _run(self, az, size, free_gib):
        vm = az.vm("vm1", size=size)
        metrics = az.metrics(MEMORY, vm, {"Available Memory Bytes": [free_gib * GIB] * 30})
        return az.run(MEMORY, virtual_machines=[vm], metrics=metrics)

    def test_e_series_using_little_memory_moves_to_d(self, az, hit_ok):
        [hit] = self._run(az, "Standard_E8s_v5", 60)  # 64 GiB, 4 GiB used
        hit_ok(hit)
        assert hit.evidence["target_size"] == "Standard_D8s_v5"
        assert hit.cost.amount == round((0.504 - 0.384) * 730, 2)

    @pytest.mark.parametrize(("free", "found"), [(44.7, False), (44.79, False), (44.9, True)])
    def test_thirty_percent_boundary(self, az, free, found):
        # 64 GiB: used < 30 % (19.2 GiB) means free > 44.8 GiB; the D8s_v5 (32 GiB) must keep it under 60 %
        assert bool(self._run(az, "Standard_E8s_v5", free)) is found

    def test_general_purpose_sizes_are_not_judged(self, az):
        assert self._run(az, "Standard_D8s_v5", 30) == []

    def test_missing_metric_is_unknown(self, az):
        vm = az.vm("vm1", size="Standard_E8s_v5")
        assert az.run(MEMORY, virtual_machines=[vm]) == []


class TestOldGeneration:
    def test_dv2_moves_to_a_cheaper_current_size_with_a_temp_disk(self, az, hit_ok):
        vm = az.vm("vm1", size="Standard_D2_v2", age=100)
        [hit] = az.run(OLDGEN, virtual_machines=[vm])
        hit_ok(hit)
        assert hit.evidence["target_size"] == "Standard_D2ads_v5"
        assert hit.evidence["target_has_temp_disk"] is True
        assert hit.cost.amount == round((0.146 - 0.103) * 730, 2)

    def test_dsv3_has_no_cheaper_equivalent_with_a_temp_disk_and_says_so(self, az):
        [hit] = az.run(OLDGEN, virtual_machines=[az.vm("vm1", size="Standard_D4s_v3", age=100)])
        assert hit.evidence["target_size"] == "Standard_D4as_v5"
        assert hit.confidence is Confidence.LOW and "no local temp disk" in hit.reason

    @pytest.mark.parametrize(("age", "found"), [(59, False), (60, True)])
    def test_age_boundary(self, az, age, found):
        assert bool(az.run(OLDGEN, virtual_machines=[az.vm("vm1", size="Standard_D2_v2", age=age)])) is found

    def test_current_generation_and_deallocated_vms_are_not_flagged(self, az):
        assert az.run(OLDGEN, virtual_machines=[az.vm("vm1", size="Standard_D4s_v5")]) == []
        assert (
            az.run(OLDGEN, virtual_machines=[az.vm("vm2", size="Standard_D2_v2", state="deallocated")]) == []
        )


class TestSpotCandidate:
    def test_batch_vm_saving_is_an_estimate(self, az, hit_ok):
        vm = az.vm("batch-worker-01", age=40)
        [hit] = az.run(SPOT, virtual_machines=[vm])
        hit_ok(hit)
        assert hit.cost.basis is CostBasis.ESTIMATE and hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == round(D4S_V5_MONTH * 0.6, 2)

    def test_ha_tag_excludes_it(self, az):
        vm = az.vm("ci-runner", age=40, tags={"tier": "critical"})
        assert az.run(SPOT, virtual_machines=[vm]) == []

    @pytest.mark.parametrize(
        "vm_kw", [{"priority": "Spot"}, {"size": "Standard_B2s"}, {"state": "deallocated"}]
    )
    def test_not_candidates(self, az, vm_kw):
        assert az.run(SPOT, virtual_machines=[az.vm("dev-box", age=40, **vm_kw)]) == []

    def test_substring_is_not_a_word(self, az):
        assert az.run(SPOT, virtual_machines=[az.vm("devops-latest", rg="rg-contest", age=40)]) == []

    @pytest.mark.parametrize(("age", "found"), [(29, False), (30, True)])
    def test_age_boundary(self, az, age, found):
        assert bool(az.run(SPOT, virtual_machines=[az.vm("test-vm", age=age)])) is found


class TestOwnerTags:
    def test_untagged_running_vm(self, az, hit_ok):
        [hit] = az.run(TAGS, virtual_machines=[az.vm("vm1", age=40, tags={"Owner": "alice"})])
        hit_ok(hit)
        assert hit.evidence["missing_tags"] == ["team"]
        assert hit.cost.amount == D4S_V5_MONTH

    def test_tag_keys_are_case_insensitive(self, az):
        assert az.run(TAGS, virtual_machines=[az.vm("vm1", age=40, tags={"OWNER": "a", "Team": "b"})]) == []

    def test_deallocated_vm_costs_a_known_zero(self, az):
        [hit] = az.run(TAGS, virtual_machines=[az.vm("vm1", age=40, state="deallocated")])
        assert hit.cost.amount == 0.0 and hit.cost.basis is CostBasis.BUNDLED_PRICE

    @pytest.mark.parametrize(("age", "found"), [(29, False), (30, True)])
    def test_age_boundary(self, az, age, found):
        assert bool(az.run(TAGS, virtual_machines=[az.vm("vm1", age=age)])) is found


class TestEmptyAvailabilitySet:
    def test_empty_set_is_free_clutter(self, az, hit_ok):
        [hit] = az.run(AVSET, availability_sets=[az.availability_set("avset-web")])
        hit_ok(hit)
        assert hit.cost.amount == 0.0 and hit.cost.basis is CostBasis.BUNDLED_PRICE

    def test_set_with_vms_is_not_flagged(self, az):
        aset = az.availability_set("avset-web", vms=[az.vm("vm1")])
        assert az.run(AVSET, availability_sets=[aset]) == []

    @pytest.mark.parametrize("name", ["web-asr", "WEB-ASR"])
    def test_site_recovery_sets_are_skipped(self, az, name):
        assert az.run(AVSET, availability_sets=[az.availability_set(name)]) == []


def _managed_group(az, name, managed_by):
    """A resource group as Resource Groups - List returns it; ``managedBy`` is top level (the REST
    ResourceGroup model), set by the service that owns the group."""
    return {
        "id": f"/subscriptions/{az.sub}/resourceGroups/{name}",
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": "westeurope",
        "managedBy": managed_by,
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
    }


class TestServiceManagedGroups:
    """VMs in a group with ``managedBy`` (Databricks cluster VMs, ARO nodes, managed applications)
    belong to that service; the same VM elsewhere is flagged."""

    WORKSPACE = "/subscriptions/{sub}/resourceGroups/rg-data/providers/Microsoft.Databricks/workspaces/ws1"

    @pytest.mark.parametrize(
        ("check_id", "vm_kw"),
        [
            (STOPPED, {"state": "stopped"}),
            (DEALLOC, {"state": "deallocated", "age": 500}),
            (SPOT, {"age": 40}),
            (TAGS, {"age": 40}),
        ],
    )
    def test_vms_of_a_managed_group_are_skipped(self, az, check_id, vm_kw):
        group = "databricks-rg-ws1-x7k2"
        owner = self.WORKSPACE.format(sub=az.sub)
        groups = [_managed_group(az, group, owner)]
        mine = az.vm("batch-worker-01", rg="rg-app", **vm_kw)
        theirs = az.vm("batch-worker-01", rg=group, **vm_kw)
        assert len(az.run(check_id, virtual_machines=[mine], resource_groups=groups)) == 1
        assert az.run(check_id, virtual_machines=[theirs], resource_groups=groups) == []
        unmanaged = [{**groups[0], "managedBy": None}]
        assert len(az.run(check_id, virtual_machines=[theirs], resource_groups=unmanaged)) == 1
