"""Managed disk checks: unattached, on stopped VMs, idle, over-provisioned, bursting, HDD, ZRS, CMK."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis, CostKind

UNATTACHED = "azure.compute.unattached_disk"
ON_STOPPED = "azure.compute.disk_on_stopped_vm"
IDLE = "azure.compute.idle_disk"
PERF = "azure.compute.disk_performance_overprovisioned"
BURST = "azure.compute.unused_disk_bursting"
HDD = "azure.compute.large_hdd_low_io"
ZRS = "azure.compute.zrs_disk_non_production"
CMK = "azure.compute.cmk_disk_without_compliance"


class TestUnattachedDisk:
    def test_unattached_disk_is_flagged_at_its_tier_price(self, az, hit_ok):
        disk = az.disk("data-old", size=128, ownership_age=45)
        [hit] = az.run(UNATTACHED, disks=[disk])
        hit_ok(hit)
        assert hit.cost.amount == 19.71  # P10 LRS eastus
        assert hit.cost.kind is CostKind.COST and hit.cost.basis is CostBasis.BUNDLED_PRICE
        assert hit.confidence is Confidence.HIGH
        assert hit.region == "eastus"
        assert hit.evidence["age_basis"].startswith("LastOwnershipUpdateTime")
        assert "detached 45 days ago" in hit.reason

    @pytest.mark.parametrize(
        ("days", "found", "confidence"),
        [(6.9, False, None), (7, True, "medium"), (29.9, True, "medium"), (30, True, "high")],
    )
    def test_detach_age_boundaries(self, az, days, found, confidence):
        hits = az.run(UNATTACHED, disks=[az.disk("d1", ownership_age=days)])
        assert bool(hits) is found
        if found:
            assert hits[0].confidence.value == confidence

    def test_age_comes_from_the_detach_not_the_creation(self, az):
        disk = az.disk("d1", age=400, ownership_age=2)  # created long ago, detached two days ago
        assert az.run(UNATTACHED, disks=[disk]) == []

    def test_never_attached_disk_falls_back_to_creation_time_and_says_so(self, az):
        [hit] = az.run(UNATTACHED, disks=[az.disk("d1", age=40, ownership_age=None)])
        assert hit.evidence["age_basis"].startswith("timeCreated")
        assert "created 40 days ago" in hit.reason

    def test_reserved_disk_of_a_deallocated_vm_is_attached(self, az):
        vm = az.vm("vm1", state="deallocated")
        disk = az.disk("d1", vm=vm, state="Reserved")
        assert az.run(UNATTACHED, disks=[disk]) == []

    def test_attached_disk_is_not_flagged(self, az):
        assert az.run(UNATTACHED, disks=[az.disk("d1", vm=az.vm("vm1"))]) == []

    @pytest.mark.parametrize(
        "state", ["ActiveSAS", "ActiveSASFrozen", "ReadyToUpload", "ActiveUpload", "Frozen"]
    )
    def test_disks_being_exported_or_uploaded_are_skipped(self, az, state):
        assert az.run(UNATTACHED, disks=[az.disk("d1", state=state)]) == []

    @pytest.mark.parametrize("name", ["web-osdisk-ASRReplica", "ms-asr-12345-disk", "asrseeddisk-vm1-abc"])
    def test_site_recovery_disks_are_skipped_by_name(self, az, name):
        assert az.run(UNATTACHED, disks=[az.disk(name)]) == []

    @pytest.mark.parametrize(
        "tags",
        [
            {"kubernetes.io-created-for-pvc-name": "data-postgres-0"},
            {"kubernetes.io-created-for-pvc-namespace": "db"},
            {"ASR-ReplicaDisk": "true"},
            {"asrseeddisk": "vm1"},
            {"RSVaultBackup": "vault-prod"},
        ],
    )
    def test_service_owned_disks_are_skipped_by_tag(self, az, tags):
        assert az.run(UNATTACHED, disks=[az.disk("d1", tags=tags)]) == []

    def test_a_similar_but_different_name_is_still_flagged(self, az):
        assert len(az.run(UNATTACHED, disks=[az.disk("asr-notes-disk")])) == 1

    def test_zrs_is_priced_from_the_book_not_a_surcharge(self, az):
        [hit] = az.run(UNATTACHED, disks=[az.disk("d1", sku="Premium_ZRS", size=128)])
        assert hit.cost.amount == 29.57  # the P10 ZRS price, not 19.71 x 1.15

    def test_cmk_adds_no_surcharge(self, az):
        disk = az.disk("d1", size=128, encryption="EncryptionAtRestWithCustomerKey")
        [hit] = az.run(UNATTACHED, disks=[disk])
        assert hit.cost.amount == 19.71

    def test_raised_performance_tier_bills_at_that_tier(self, az):
        [hit] = az.run(UNATTACHED, disks=[az.disk("d1", size=128, tier="P30")])
        assert hit.cost.amount == 135.17

    @pytest.mark.parametrize(
        ("sku", "size", "amount"),
        [("StandardSSD_LRS", 1000, 76.80), ("Standard_LRS", 10, 1.54), ("StandardSSD_ZRS", 128, 12.0)],
    )
    def test_standard_tiers(self, az, sku, size, amount):
        [hit] = az.run(UNATTACHED, disks=[az.disk("d1", sku=sku, size=size)])
        assert hit.cost.amount == amount
        assert "transactions excluded" in (hit.cost.detail or "")

    def test_premium_v2_bills_gib_and_iops_and_mbps_above_the_free_baseline(self, az):
        disk = az.disk("d1", sku="PremiumV2_LRS", size=512, iops=6000, mbps=225)
        [hit] = az.run(UNATTACHED, disks=[disk])
        expected = round(512 * 0.081 + 3000 * 0.00497 + 100 * 0.0402, 2)
        assert hit.cost.amount == pytest.approx(expected, abs=0.05)

    def test_ultra_disk_bills_the_rounded_size_and_all_iops(self, az):
        disk = az.disk("d1", sku="UltraSSD_LRS", size=2000, iops=4000, mbps=20)
        [hit] = az.run(UNATTACHED, disks=[disk])
        assert hit.cost.amount == pytest.approx(245.19 + 198.56 + 6.99, abs=0.1)  # 2048 GiB billed

    def test_unknown_region_price_is_an_estimate_and_unknown_sku_is_unknown(self, az):
        [hit] = az.run(UNATTACHED, disks=[az.disk("d1", location="japaneast")])
        assert hit.cost.basis is CostBasis.ESTIMATE and hit.region == "japaneast"
        [odd] = az.run(UNATTACHED, disks=[az.disk("d2", sku="Premium_XYZ")])
        assert odd.cost.amount is None

    def test_on_demand_bursting_fee_is_said_to_be_excluded(self, az):
        [hit] = az.run(UNATTACHED, disks=[az.disk("d1", size=1024, bursting=True)])
        assert hit.cost.amount == 135.17
        assert "bursting enablement fee" in (hit.cost.detail or "")


def _stopped_vm(az, name="vm1", *, state="deallocated", disks=(), age=300):
    os_disk = az.disk(f"{name}-os", size=64)
    vm = az.vm(name, state=state, os_disk=os_disk, data_disks=disks, age=age)
    return vm, os_disk


class TestDiskOnStoppedVm:
    def test_disk_of_a_vm_deallocated_for_40_days(self, az, hit_ok):
        vm, _ = _stopped_vm(az)
        disk = az.disk("vm1-data", vm=vm, state="Reserved", size=128)
        events = [az.event(vm, "start", 60), az.event(vm, "deallocate", 40)]
        [hit] = az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm], vm_power_events=events)
        hit_ok(hit)
        assert hit.evidence["stopped_days"] == 40
        assert hit.confidence is Confidence.MEDIUM
        assert "deallocated for 40 days" in hit.reason

    @pytest.mark.parametrize(("days", "found"), [(29.9, False), (30, True), (31, True)])
    def test_stop_age_boundaries(self, az, days, found):
        vm, _ = _stopped_vm(az)
        disk = az.disk("vm1-data", vm=vm, state="Reserved")
        events = [az.event(vm, "deallocate", days)]
        assert bool(az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm], vm_power_events=events)) is found

    def test_trap_disk_of_a_vm_in_a_service_managed_group(self, az):
        # Resource Groups - List: a managed group carries the owning resource in top-level managedBy
        ws = f"/subscriptions/{az.sub}/resourceGroups/rg-data/providers/Microsoft.Databricks/workspaces/ws1"
        group = {
            "id": f"/subscriptions/{az.sub}/resourceGroups/databricks-rg-ws1",
            "name": "databricks-rg-ws1",
            "type": "Microsoft.Resources/resourceGroups",
            "location": "westeurope",
            "managedBy": ws,
            "properties": {"provisioningState": "Succeeded"},
        }
        vm = az.vm("worker-1", rg="databricks-rg-ws1", state="deallocated", age=400)
        disk = az.disk("worker-1-data", rg="databricks-rg-ws1", vm=vm, state="Reserved")
        assert az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm], resource_groups=[group]) == []
        assert len(az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm])) == 1

    def test_no_event_in_90_days_means_at_least_90_days(self, az):
        vm, _ = _stopped_vm(az, age=400)
        disk = az.disk("vm1-data", vm=vm, state="Reserved")
        [hit] = az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm])
        assert "at least 90 days" in hit.reason
        assert hit.evidence["stopped_days_is_lower_bound"] is True
        assert hit.confidence is Confidence.HIGH

    def test_creation_age_is_never_the_stop_age(self, az):
        # created 300 days ago, started 10 days ago, stopped from inside the guest (no event)
        vm, _ = _stopped_vm(az, state="stopped")
        disk = az.disk("vm1-data", vm=vm)
        events = [az.event(vm, "start", 10)]
        assert az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm], vm_power_events=events) == []

    def test_recent_vm_with_no_events_is_unknown(self, az):
        vm, _ = _stopped_vm(az, age=50)  # created inside the log window: its creation counts as a start
        disk = az.disk("vm1-data", vm=vm, state="Reserved")
        assert az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm]) == []

    def test_failed_deallocate_is_ignored(self, az):
        vm, _ = _stopped_vm(az)
        disk = az.disk("vm1-data", vm=vm, state="Reserved")
        events = [
            az.event(vm, "start", 35),
            az.event(vm, "deallocate", 34, status="Started", correlation="c1"),
            az.event(vm, "deallocate", 34, status="Failed", correlation="c1"),
        ]
        assert az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm], vm_power_events=events) == []

    def test_running_vm_disks_are_not_flagged(self, az):
        vm = az.vm("vm1")
        disk = az.disk("vm1-data", vm=vm)
        assert az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm]) == []

    def test_shared_disk_with_a_running_vm_is_not_flagged(self, az):
        down, _ = _stopped_vm(az, "vm1")
        up = az.vm("vm2")
        disk = az.disk("shared", vm=down, state="Attached", max_shares=2)
        disk["managedByExtended"] = [down["id"], up["id"]]
        assert az.run(ON_STOPPED, disks=[disk], virtual_machines=[down, up]) == []

    def test_vm_id_case_differs_between_disk_and_vm(self, az):
        vm, _ = _stopped_vm(az, age=400)
        disk = az.disk("vm1-data", vm=vm["id"].replace("rg-app", "RG-APP"), state="Reserved")
        assert len(az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm])) == 1


def _attached(az, *, sku="Premium_LRS", size=128, vm_size="Standard_D4s_v5", **kw):
    vm = az.vm("vm1", size=vm_size)
    disk = az.disk("vm1-data", vm=vm, sku=sku, size=size, ownership_age=60, **kw)
    return vm, disk


IDLE_READ = "Composite Disk Read Operations/sec"
IDLE_WRITE = "Composite Disk Write Operations/sec"


class TestIdleDisk:
    def test_data_disk_with_almost_no_io_is_idle(self, az, hit_ok):
        vm, disk = _attached(az)
        metrics = az.metrics(IDLE, disk, {IDLE_READ: [0.01] * 30, IDLE_WRITE: [0.02] * 30})
        [hit] = az.run(IDLE, disks=[disk], virtual_machines=[vm], metrics=metrics)
        hit_ok(hit)
        assert hit.evidence["avg_iops"] == pytest.approx(0.03)
        assert hit.confidence is Confidence.HIGH
        assert hit.cost.amount == 19.71

    @pytest.mark.parametrize(("avg", "found"), [(0.0999, True), (0.1, False), (0.2, False)])
    def test_ops_per_second_threshold(self, az, avg, found):
        vm, disk = _attached(az)
        metrics = az.metrics(IDLE, disk, {IDLE_READ: [avg] * 30, IDLE_WRITE: [0.0] * 30})
        assert bool(az.run(IDLE, disks=[disk], virtual_machines=[vm], metrics=metrics)) is found

    def test_no_metric_data_is_unknown_not_idle(self, az):
        vm, disk = _attached(az)
        assert az.run(IDLE, disks=[disk], virtual_machines=[vm]) == []

    @pytest.mark.parametrize(("days", "found"), [(20, False), (21, True)])
    def test_too_few_days_of_data_is_unknown(self, az, days, found):
        vm, disk = _attached(az)
        metrics = az.metrics(IDLE, disk, {IDLE_READ: [0.0] * days, IDLE_WRITE: [0.0] * days})
        assert bool(az.run(IDLE, disks=[disk], virtual_machines=[vm], metrics=metrics)) is found

    def test_bursty_disk_gets_medium_confidence(self, az):
        vm, disk = _attached(az)
        values = {IDLE_READ: {"Average": [0.01] * 30, "Maximum": [5.0] * 30}, IDLE_WRITE: [0.0] * 30}
        [hit] = az.run(IDLE, disks=[disk], virtual_machines=[vm], metrics=az.metrics(IDLE, disk, values))
        assert hit.confidence is Confidence.MEDIUM

    def test_os_disk_is_not_flagged(self, az):
        os_disk = az.disk("vm1-os", ownership_age=60)
        vm = az.vm("vm1", os_disk=os_disk)
        os_disk["managedBy"] = vm["id"]
        os_disk["properties"]["diskState"] = "Attached"
        metrics = az.metrics(IDLE, os_disk, {IDLE_READ: [0.0] * 30, IDLE_WRITE: [0.0] * 30})
        assert az.run(IDLE, disks=[os_disk], virtual_machines=[vm], metrics=metrics) == []

    def test_disk_of_a_stopped_vm_is_not_idle_here(self, az):
        vm = az.vm("vm1", state="deallocated")
        disk = az.disk("vm1-data", vm=vm, state="Reserved")
        metrics = az.metrics(IDLE, disk, {IDLE_READ: [0.0] * 30, IDLE_WRITE: [0.0] * 30})
        assert az.run(IDLE, disks=[disk], virtual_machines=[vm], metrics=metrics) == []

    def test_recently_attached_disk_is_not_judged(self, az):
        vm = az.vm("vm1")
        disk = az.disk("vm1-data", vm=vm, ownership_age=10)
        metrics = az.metrics(IDLE, disk, {IDLE_READ: [0.0] * 30, IDLE_WRITE: [0.0] * 30})
        assert az.run(IDLE, disks=[disk], virtual_machines=[vm], metrics=metrics) == []

    def test_queries_skip_unattached_disks(self, az):
        from cloudwaste.checks.registry import get_check

        for query in get_check(IDLE).metrics(get_check(IDLE).params()):
            assert "Unattached" in query.skip_states and query.state_field == "properties.diskState"


PERF_VALUES = ("Composite Disk Read Operations/sec", "Composite Disk Write Operations/sec",
               "Composite Disk Read Bytes/sec", "Composite Disk Write Bytes/sec")  # fmt: skip


def _perf(az, disk, iops, mbps, days=30):
    return az.metrics(
        PERF,
        disk,
        {
            PERF_VALUES[0]: [iops / 2] * days,
            PERF_VALUES[1]: [iops / 2] * days,
            PERF_VALUES[2]: [mbps * 1e6 / 2] * days,
            PERF_VALUES[3]: [mbps * 1e6 / 2] * days,
        },
    )


class TestPerformanceOverprovisioned:
    def test_premium_disk_whose_peaks_fit_standard_ssd(self, az, hit_ok):
        vm, disk = _attached(az, size=1024)  # P30: 5000 IOPS, 200 MB/s
        [hit] = az.run(PERF, disks=[disk], virtual_machines=[vm], metrics=_perf(az, disk, 200, 20))
        hit_ok(hit)
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == round(135.17 - 76.80, 2)
        assert hit.evidence["target_tier"] == "E30"
        assert hit.evidence["scenario"] == "overprovisioned"

    def test_many_vcpu_vm_names_the_oversized_premium_variant(self, az):
        vm, disk = _attached(az, size=1024, vm_size="Standard_D8s_v5")
        [hit] = az.run(PERF, disks=[disk], virtual_machines=[vm], metrics=_perf(az, disk, 200, 20))
        assert hit.evidence["scenarios"] == ["overprovisioned", "oversized_premium"]

    @pytest.mark.parametrize(("iops", "found"), [(249, True), (251, False)])
    def test_headroom_boundary_for_standard_ssd(self, az, iops, found):
        vm, disk = _attached(az, size=1024)  # E30 gives 500 IOPS: 2x the peak must fit
        hits = az.run(PERF, disks=[disk], virtual_machines=[vm], metrics=_perf(az, disk, iops, 10))
        assert bool(hits) is found

    def test_utilisation_above_30_percent_is_not_flagged(self, az):
        vm, disk = _attached(az, size=1024)
        assert az.run(PERF, disks=[disk], virtual_machines=[vm], metrics=_perf(az, disk, 1600, 10)) == []

    def test_raised_performance_tier_goes_back_to_the_size_tier(self, az):
        vm, disk = _attached(az, size=128, tier="P30")
        [hit] = az.run(PERF, disks=[disk], virtual_machines=[vm], metrics=_perf(az, disk, 200, 40))
        assert hit.evidence["scenario"] == "performance_tier_above_size"
        assert hit.cost.amount == round(135.17 - 19.71, 2)

    def test_premium_v2_lowers_provisioned_iops(self, az):
        vm, disk = _attached(az, sku="PremiumV2_LRS", size=256, iops=20000, mbps=125)
        [hit] = az.run(PERF, disks=[disk], virtual_machines=[vm], metrics=_perf(az, disk, 1000, 10))
        assert hit.evidence["scenario"] == "provisioned_iops_above_use"
        assert hit.evidence["target_iops"] == 3000
        assert hit.cost.amount == pytest.approx(17000 * 0.00497, abs=0.05)

    def test_small_saving_is_not_reported(self, az):
        vm, disk = _attached(az, size=32)  # P4 -> E4 saves $2.88 < $5
        assert az.run(PERF, disks=[disk], virtual_machines=[vm], metrics=_perf(az, disk, 10, 1)) == []

    def test_missing_metrics_are_unknown(self, az):
        vm, disk = _attached(az, size=1024)
        metrics = _perf(az, disk, 200, 20)
        metrics.pop(next(iter(metrics)))
        assert az.run(PERF, disks=[disk], virtual_machines=[vm], metrics=metrics) == []


class TestUnusedBursting:
    def test_on_demand_bursting_never_used(self, az, hit_ok):
        vm, disk = _attached(az, size=1024, bursting=True, bursting_age=100)
        metrics = az.metrics(BURST, disk, {"DiskPaidBurstIOPS": [0.0] * 30})
        [hit] = az.run(BURST, disks=[disk], virtual_machines=[vm], metrics=metrics)
        hit_ok(hit)
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount is None  # the enablement fee is not bundled: unknown, never 0

    def test_any_burst_operation_means_in_use(self, az):
        vm, disk = _attached(az, size=1024, bursting=True, bursting_age=100)
        metrics = az.metrics(BURST, disk, {"DiskPaidBurstIOPS": [0.0] * 29 + [12.0]})
        assert az.run(BURST, disks=[disk], virtual_machines=[vm], metrics=metrics) == []

    def test_credit_based_bursting_is_free_and_not_flagged(self, az):
        vm, disk = _attached(az, size=512, bursting=True, bursting_age=100)  # P20: credit-based only
        metrics = az.metrics(BURST, disk, {"DiskPaidBurstIOPS": [0.0] * 30})
        assert az.run(BURST, disks=[disk], virtual_machines=[vm], metrics=metrics) == []

    @pytest.mark.parametrize(("enabled_age", "found"), [(29, False), (30, True)])
    def test_recently_enabled_bursting_is_not_judged(self, az, enabled_age, found):
        vm, disk = _attached(az, size=1024, bursting=True, bursting_age=enabled_age)
        metrics = az.metrics(BURST, disk, {"DiskPaidBurstIOPS": [0.0] * 30})
        assert bool(az.run(BURST, disks=[disk], virtual_machines=[vm], metrics=metrics)) is found

    def test_no_data_is_unknown(self, az):
        vm, disk = _attached(az, size=1024, bursting=True, bursting_age=100)
        assert az.run(BURST, disks=[disk], virtual_machines=[vm]) == []


class TestLargeHdd:
    def _run(self, az, size, avg):
        vm, disk = _attached(az, sku="Standard_LRS", size=size)
        metrics = az.metrics(HDD, disk, {IDLE_READ: [avg] * 30, IDLE_WRITE: [0.0] * 30})
        return az.run(HDD, disks=[disk], virtual_machines=[vm], metrics=metrics)

    def test_large_hdd_with_low_io_has_an_unknown_saving(self, az):
        [hit] = self._run(az, 512, 12.0)
        assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING
        assert hit.confidence is Confidence.LOW
        assert hit.evidence["scenario"] == "managed_disk_underutilized_hdd"

    @pytest.mark.parametrize(
        ("size", "avg", "found"),
        [(255, 10, False), (256, 10, True), (256, 99.9, True), (256, 100, False), (256, 0.05, False)],
    )
    def test_boundaries(self, az, size, avg, found):
        assert bool(self._run(az, size, avg)) is found


class TestZrsNonProduction:
    def test_zrs_disk_in_a_dev_group_saves_the_lrs_difference(self, az, hit_ok):
        disk = az.disk("d1", rg="rg-dev-web", sku="Premium_ZRS", size=128, age=40)
        [hit] = az.run(ZRS, disks=[disk])
        hit_ok(hit)
        assert hit.cost.amount == round(29.57 - 19.71, 2)
        assert hit.cost.kind is CostKind.SAVING

    def test_environment_tag_marks_it(self, az):
        disk = az.disk("d1", sku="StandardSSD_ZRS", tags={"environment": "Test"}, age=40)
        assert len(az.run(ZRS, disks=[disk])) == 1

    def test_substring_is_not_a_word(self, az):
        disk = az.disk("d1", rg="rg-contest-prod", sku="Premium_ZRS", tags={"app": "latest"}, age=40)
        assert az.run(ZRS, disks=[disk]) == []

    @pytest.mark.parametrize(("age", "found"), [(29, False), (30, True)])
    def test_age_boundary(self, az, age, found):
        disk = az.disk("d1", rg="rg-qa", sku="Premium_ZRS", age=age)
        assert bool(az.run(ZRS, disks=[disk])) is found

    def test_lrs_disk_is_not_flagged(self, az):
        assert az.run(ZRS, disks=[az.disk("d1", rg="rg-dev", age=40)]) == []


class TestCmk:
    def test_cmk_disk_without_compliance_tag_reports_a_known_zero(self, az, hit_ok):
        disk = az.disk("d1", encryption="EncryptionAtRestWithCustomerKey", age=40)
        [hit] = az.run(CMK, disks=[disk])
        hit_ok(hit)
        assert hit.cost.amount == 0.0 and hit.cost.basis is CostBasis.BUNDLED_PRICE
        assert hit.evidence["disk_encryption_set"].endswith("/des-cmk")

    def test_compliance_tag_justifies_it(self, az):
        disk = az.disk(
            "d1", encryption="EncryptionAtRestWithPlatformAndCustomerKeys", tags={"compliance": "pci"}, age=40
        )
        assert az.run(CMK, disks=[disk]) == []

    @pytest.mark.parametrize(("age", "found"), [(29, False), (30, True)])
    def test_age_boundary(self, az, age, found):
        disk = az.disk("d1", encryption="EncryptionAtRestWithCustomerKey", age=age)
        assert bool(az.run(CMK, disks=[disk])) is found

    def test_platform_keys_are_not_flagged(self, az):
        assert az.run(CMK, disks=[az.disk("d1", age=40)]) == []


class TestShapes:
    def test_camel_case_ownership_time_is_read_too(self, az):
        # the REST spec spells it LastOwnershipUpdateTime; SDK dicts and Resource Graph may camelCase it
        disk = az.disk("d1", ownership_age=None)
        disk["properties"]["lastOwnershipUpdateTime"] = az.ts(3)
        assert az.run(UNATTACHED, disks=[disk]) == []

    def test_resource_graph_lowercase_type_and_ids(self, az):
        vm = az.vm("vm1", state="deallocated", age=400)
        disk = az.disk("vm1-data", vm=vm, state="Reserved")
        disk["type"] = "microsoft.compute/disks"
        disk["id"] = disk["id"].lower()
        vm["id"] = vm["id"].lower()
        assert len(az.run(ON_STOPPED, disks=[disk], virtual_machines=[vm])) == 1

    def test_recommendation_names_the_disk_and_its_group(self, az):
        [hit] = az.run(UNATTACHED, disks=[az.disk("data-old", rg="rg-legacy")])
        [finding] = az.findings(UNATTACHED, [hit])
        assert "-g rg-legacy -n data-old-final" in finding.recommendation
        assert hit.resource.id in finding.recommendation
