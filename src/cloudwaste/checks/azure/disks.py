"""Managed disk checks: unattached disks, disks of stopped VMs, idle, over-provisioned and ZRS/CMK disks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.azure._common import (
    RESOURCE_GROUPS,
    PowerEvents,
    mean,
    norm,
    outside_managed_groups,
    parse_time,
    power_state,
    prop,
    region_of,
    resource,
    resource_group,
    summed,
    tag_matches,
    tag_words,
    tokens,
    whole_days,
)
from cloudwaste.checks.azure._compute import (
    FAMILY_LABEL,
    billed_tier,
    by_id,
    disk_cost,
    disk_label,
    disk_owners,
    excluded,
    on_demand_bursting,
    os_disk_id,
    size_gib,
    size_tier,
    sku,
    tier_price,
    vcpus,
)
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import add, with_note

DISKS = "azure:disks"
VMS = "azure:virtual_machines"
DISK_NS = "Microsoft.Compute/disks"
# disk states in which the disk serves no VM I/O: its metrics are not queried
NOT_ATTACHED = ("Unattached", "Reserved", "ActiveSAS", "ActiveSASFrozen", "ReadyToUpload", "ActiveUpload")
MB = 1_000_000  # Azure's MB/s are 10^6 bytes per second


def _disk_resource(disk: Mapping[str, Any]) -> Resource:
    return resource(disk, "managed_disk")


def _facts(disk: Mapping[str, Any]) -> dict[str, Any]:
    billed = billed_tier(disk)
    return {
        "disk_state": prop(disk, "diskState"),
        "sku": sku(disk),
        "size_gb": size_gib(disk),
        "tier": billed[2].name if billed else prop(disk, "tier"),
        "provisioned_iops": prop(disk, "diskIOPSReadWrite"),
        "provisioned_mbps": prop(disk, "diskMBpsReadWrite"),
        "managed_by": disk.get("managedBy") or None,
        "created_at": prop(disk, "timeCreated"),
        "last_ownership_update": prop(disk, "LastOwnershipUpdateTime"),
        "zones": disk.get("zones") or None,
        "resource_group": resource_group(disk.get("id")),
        "encryption": (prop(disk, "encryption") or {}).get("type"),
    }


def _ownership_change(disk: Mapping[str, Any]) -> tuple[datetime | None, str]:
    """When the disk was last attached or detached, and from which field."""
    changed = parse_time(prop(disk, "LastOwnershipUpdateTime"))
    if changed is not None:
        return changed, "LastOwnershipUpdateTime (last attach or detach)"
    return parse_time(prop(disk, "timeCreated")), "timeCreated (no LastOwnershipUpdateTime on the disk)"


def _days(when: datetime | None, now: datetime) -> float | None:
    return None if when is None else (now - when).total_seconds() / 86400.0


def _running_owners(
    disk: Mapping[str, Any], vms: Mapping[str, Mapping[str, Any]]
) -> list[Mapping[str, Any]] | None:
    """The disk's VMs when it is attached and every one of them is running, else None (no usable metrics)."""
    if prop(disk, "diskState") != "Attached":
        return None
    owners = [vms.get(o) for o in disk_owners(disk)]
    if not owners or any(vm is None or power_state(vm) != "running" for vm in owners):
        return None
    return [vm for vm in owners if vm is not None]


# --- azure.compute.unattached_disk ---------------------------------------------------------------


class UnattachedParams(BaseModel):
    """Parameters of ``azure.compute.unattached_disk``."""

    min_days: int = Field(
        7, ge=0, description="Only flag disks detached (or created) at least this many days ago."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Disks detached at least this many days ago are reported with high confidence."
    )


@check(
    id="azure.compute.unattached_disk",
    title="Managed disk not attached to any VM",
    resource_type="managed_disk",
    severity=Severity.MEDIUM,
    needs=[DISKS],
    params=UnattachedParams,
    klass="orphan",
    rationale="""
        A managed disk in the `Unattached` state serves no VM but its tier (or provisioned GiB, IOPS and
        MB/s) is billed every hour. The age is how long it has been detached, from the disk's
        `LastOwnershipUpdateTime` (the last attach or detach), falling back to `timeCreated` for disks
        that never had an owner (the evidence says which). The original flags `Reserved` disks too: a
        Reserved disk belongs to a deallocated VM and is attached (see `azure.compute.disk_on_stopped_vm`).
        As the orphaned-resources workbook does, disks that a service owns are skipped: Azure Site
        Recovery replica and seed disks (`*-ASRReplica`, `ms-asr-*`, `asrseeddisk-*`, `ASR-ReplicaDisk`
        and `asrseeddisk` tags), AKS persistent volumes (`kubernetes.io-created-for-pvc-*` tags), Azure
        Backup disks (`RSVaultBackup`), and disks being exported or uploaded (`ActiveSAS`,
        `ActiveSASFrozen`, `ReadyToUpload`, `ActiveUpload`). The cost is the disk's price from the book;
        the original's +15 % ZRS and +8 % CMK surcharges are not how Azure bills (ZRS is its own price,
        customer-managed keys add nothing to the disk).
    """,
    recommendation=(
        "Snapshot it if the data matters, then delete it: az snapshot create -g <rg> -n <name>-final "
        "--source <id> --incremental true && az disk delete --ids <id>"
    ),
    covers_original=["azure:managed_disk_unattached"],
    covers_peers=["azure.compute.unattached_disk"],
)
def unattached_disk(ctx: CheckContext, params: UnattachedParams) -> Iterator[Hit]:
    """Disks in state ``Unattached`` with no owner, detached at least ``min_days`` ago."""
    for disk in ctx.get(DISKS):
        if prop(disk, "diskState") != "Unattached" or disk.get("managedBy") or disk.get("managedByExtended"):
            continue
        if excluded(disk):
            continue
        changed, basis = _ownership_change(disk)
        days = _days(changed, ctx.now)
        if days is None or days < params.min_days:
            continue
        never = prop(disk, "LastOwnershipUpdateTime") is None
        since = "created" if never else "detached"
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Managed disk {disk_label(disk)} is attached to no VM and was {since} "
            f"{whole_days(days)} ago.",
            cost=disk_cost(ctx, disk),
            evidence=_facts(disk)
            | {"unattached_days": round(days, 1), "age_basis": basis, "scenario": "managed_disk_unattached"},
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation="Snapshot it if the data matters, then delete it: az snapshot create "
            f"-g {resource_group(disk.get('id'))} -n {disk.get('name')}-final --source <id> "
            "--incremental true && az disk delete --ids <id>",
            region=region_of(disk, ctx),
        )


# --- azure.compute.disk_on_stopped_vm ------------------------------------------------------------


class OnStoppedParams(BaseModel):
    """Parameters of ``azure.compute.disk_on_stopped_vm``."""

    min_stopped_days: int = Field(
        30,
        ge=0,
        le=90,
        description="Only flag disks whose VMs have all been stopped or deallocated this long.",
    )
    high_confidence_days: int = Field(
        90,
        ge=0,
        le=90,
        description="VMs stopped at least this long (or with no event in 90 days) give high confidence.",
    )


@check(
    id="azure.compute.disk_on_stopped_vm",
    title="Managed disk of a VM that has been deallocated or stopped for a long time",
    resource_type="managed_disk",
    severity=Severity.LOW,
    needs=[DISKS, VMS, "azure:vm_power_events", RESOURCE_GROUPS],
    params=OnStoppedParams,
    klass="idle",
    rationale="""
        A deallocated VM pays nothing for compute, but its disks (state `Reserved`) are billed in full.
        A disk is flagged when every VM it is attached to has been stopped or deallocated for at least
        `min_stopped_days`. The original measures that from the VM's creation time, which says nothing
        about when it stopped; here it comes from the Activity Log: the latest deallocate or powerOff
        event after the VM's last start. With no power event in the log's 90-day window on a VM created
        before it, the VM has been down for at least 90 days and the reason says "at least". A VM that
        was started after its last logged stop (stopped from inside the guest OS, which logs nothing) is
        not flagged. The VM's own finding (`azure.compute.vm_deallocated_long`) includes this disk's cost
        in `cost_includes`, so totals count it once.
    """,
    recommendation=(
        "If the VM is not coming back, snapshot the disk and delete it with the VM: "
        "az snapshot create -g <rg> -n <name>-final --source <id> --incremental true, then az vm delete "
        "--ids <vm> and az disk delete --ids <id>"
    ),
    covers_original=["azure:managed_disk_on_stopped_vm"],
    covers_peers=["azure.compute.disk_on_stopped_vm"],
)
def disk_on_stopped_vm(ctx: CheckContext, params: OnStoppedParams) -> Iterator[Hit]:
    """Attached/Reserved disks whose VMs are all stopped or deallocated since at least the threshold."""
    vms = by_id(outside_managed_groups(ctx, ctx.get(VMS)))  # their disks are the service's
    power = PowerEvents(ctx.get("azure:vm_power_events"))
    for disk in ctx.get(DISKS):
        if prop(disk, "diskState") not in ("Attached", "Reserved"):
            continue
        owners = disk_owners(disk)
        stops: list[tuple[Mapping[str, Any], str, float, bool]] = []
        for owner in owners:
            vm = vms.get(owner)
            state = power_state(vm) if vm else None
            if vm is None or state not in ("deallocated", "stopped"):
                break
            since = power.since(vm, ctx.now)
            days = since.days(ctx.now)
            if days is None:
                break
            stops.append((vm, state, days, since.at_least))
        if not owners or len(stops) != len(owners):
            continue
        days = min(d for _, _, d, _ in stops)
        if days < params.min_stopped_days:
            continue
        at_least = any(a for _, _, d, a in stops if d == days)
        vm, state, _, _ = min(stops, key=lambda s: s[2])
        how_long = f"{'at least ' if at_least else ''}{whole_days(days)}"
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Managed disk {disk_label(disk)} belongs to VM {vm.get('name')}, {state} for {how_long}.",
            cost=disk_cost(ctx, disk),
            evidence=_facts(disk)
            | {
                "vms": [
                    {"id": v.get("id"), "power_state": s, "stopped_days": round(d, 1), "at_least": a}
                    for v, s, d, a in stops
                ],
                "stopped_days": round(days, 1),
                "stopped_days_is_lower_bound": at_least,
                "stop_basis": "Activity Log deallocate/powerOff events (90-day retention)",
                "scenario": "managed_disk_on_stopped_vm",
            },
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation="If the VM is not coming back, snapshot the disk and delete it with the VM: "
            f"az snapshot create -g {resource_group(disk.get('id'))} -n {disk.get('name')}-final "
            f"--source <id> --incremental true, then az vm delete --ids {vm.get('id')} and "
            "az disk delete --ids <id>",
            region=region_of(disk, ctx),
        )


# --- azure.compute.idle_disk ---------------------------------------------------------------------


class IdleDiskParams(BaseModel):
    """Parameters of ``azure.compute.idle_disk``."""

    window_days: int = Field(30, ge=7, le=93, description="Days of daily disk metrics to look at.")
    min_days_with_data: int = Field(
        21, ge=1, description="Days with datapoints needed before a disk can be called idle (fewer: unknown)."
    )
    max_avg_iops: float = Field(
        0.1,
        ge=0,
        description="Average read+write operations per second over the window below which the disk is idle "
        "(0.1/s is about 8,640 operations a day).",
    )
    high_confidence_peak_iops: float = Field(
        1.0,
        ge=0,
        description="Idle disks whose daily peak read+write ops/sec never exceeded this get high confidence.",
    )


def idle_disk_queries(params: IdleDiskParams) -> list[MetricQuery]:
    """Daily Average and Maximum of composite read and write operations/sec, per attached disk."""
    return [
        MetricQuery(
            namespace=DISK_NS,
            metric=metric,
            dimension="",
            collection=DISKS,
            id_field="id",
            stat=stat,
            period_s=86400,
            days=params.window_days,
            skip_states=NOT_ATTACHED,
            state_field="properties.diskState",
        )
        for stat in ("Average", "Maximum")
        for metric in ("Composite Disk Read Operations/sec", "Composite Disk Write Operations/sec")
    ]


@check(
    id="azure.compute.idle_disk",
    title="Attached managed disk with almost no I/O",
    resource_type="managed_disk",
    severity=Severity.LOW,
    needs=[DISKS, VMS, RESOURCE_GROUPS],
    params=IdleDiskParams,
    klass="idle",
    metrics=idle_disk_queries,
    rationale="""
        A data disk attached to a running VM that reads and writes almost nothing for weeks is usually
        left over (a migrated database, a finished job). The disk-level Azure Monitor metrics
        `Composite Disk Read Operations/sec` and `Composite Disk Write Operations/sec` (daily averages
        and maxima over `window_days`) must average below `max_avg_iops` operations per second; the
        original compares an ops/sec average with a per-day threshold, mixing units: every figure here
        is in operations per second. Missing metric data is unknown, never idle: fewer than
        `min_days_with_data` daily datapoints gives no finding. Only data disks of running VMs attached
        for the whole window are looked at (an OS disk cannot be detached; a stopped VM's disks are
        `azure.compute.disk_on_stopped_vm`'s). Confidence is high when the daily peak also stayed below
        `high_confidence_peak_iops`.
    """,
    recommendation=(
        "Check nothing mounts it, then detach it, snapshot it and delete it: "
        "az vm disk detach --vm-name <vm> -g <rg> -n <name> && az disk delete --ids <id>"
    ),
    covers_original=["azure:managed_disk_idle"],
    covers_peers=["azure.compute.idle_disk"],
)
def idle_disk(ctx: CheckContext, params: IdleDiskParams) -> Iterator[Hit]:
    """Attached data disks of running VMs whose average read+write ops/sec is below ``max_avg_iops``."""
    read_avg, write_avg, read_max, write_max = idle_disk_queries(params)
    vms = by_id(outside_managed_groups(ctx, ctx.get(VMS)))  # their disks are the service's
    for disk in ctx.get(DISKS):
        owners = _running_owners(disk, vms)
        if owners is None or any(os_disk_id(vm) == norm(disk.get("id")) for vm in owners):
            continue
        attached, basis = _ownership_change(disk)
        attached_days = _days(attached, ctx.now)
        if attached_days is None or attached_days < params.window_days:
            continue
        did = str(disk["id"])
        reads, writes = ctx.metric(read_avg, did), ctx.metric(write_avg, did)
        if reads is None or writes is None:
            continue
        days_with_data = min(len(reads.values), len(writes.values))
        if days_with_data < params.min_days_with_data:
            continue
        avg = (mean(reads) or 0.0) + (mean(writes) or 0.0)
        if avg >= params.max_avg_iops:
            continue
        peaks = summed(ctx.metric(read_max, did), ctx.metric(write_max, did))
        peak = max(peaks) if peaks else None
        quiet = peak is not None and peak <= params.high_confidence_peak_iops
        vm = owners[0]
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Managed disk {disk_label(disk)} on running VM {vm.get('name')} averaged {avg:.3f} "
            f"read+write operations/sec over {days_with_data} days (threshold {params.max_avg_iops:g}).",
            cost=disk_cost(ctx, disk),
            evidence=_facts(disk)
            | {
                "vm": vm.get("id"),
                "avg_iops": round(avg, 4),
                "peak_iops": round(peak, 3) if peak is not None else None,
                "window_days": params.window_days,
                "days_with_data": days_with_data,
                "attached_days": round(attached_days, 1),
                "attached_basis": basis,
                "metrics": {"read_ops_per_sec": reads.evidence(), "write_ops_per_sec": writes.evidence()},
                "scenario": "managed_disk_idle",
            },
            confidence=Confidence.HIGH if quiet else Confidence.MEDIUM,
            recommendation="Check nothing mounts it, then detach it, snapshot it and delete it: "
            f"az vm disk detach -g {resource_group(vm.get('id'))} --vm-name {vm.get('name')} "
            f"-n {disk.get('name')} && az disk delete --ids <id>",
            region=region_of(disk, ctx),
        )


# --- azure.compute.disk_performance_overprovisioned ----------------------------------------------


class PerfParams(BaseModel):
    """Parameters of ``azure.compute.disk_performance_overprovisioned``."""

    window_days: int = Field(30, ge=7, le=93, description="Days of daily peak disk metrics to look at.")
    min_days_with_data: int = Field(21, ge=1, description="Days with datapoints needed (fewer: unknown).")
    max_utilization_percent: float = Field(
        30.0,
        gt=0,
        le=100,
        description="Peak IOPS and peak MB/s must both stay below this share of what the disk provisions.",
    )
    headroom: float = Field(
        2.0, ge=1.0, description="A cheaper configuration must provide this multiple of the measured peaks."
    )
    min_saving: float = Field(
        5.0, ge=0, description="Only report changes saving at least this many dollars a month."
    )
    oversized_vm_vcpus: int = Field(
        8,
        ge=1,
        description="A Premium disk on a VM with at least this many vCPUs is named `oversized_premium`.",
    )


def perf_queries(params: PerfParams) -> list[MetricQuery]:
    """Daily Maximum of composite read/write operations and bytes per second, per attached disk."""
    return [
        MetricQuery(
            namespace=DISK_NS,
            metric=metric,
            dimension="",
            collection=DISKS,
            id_field="id",
            stat="Maximum",
            period_s=86400,
            days=params.window_days,
            skip_states=NOT_ATTACHED,
            state_field="properties.diskState",
        )
        for metric in (
            "Composite Disk Read Operations/sec",
            "Composite Disk Write Operations/sec",
            "Composite Disk Read Bytes/sec",
            "Composite Disk Write Bytes/sec",
        )
    ]


def _peaks(ctx: CheckContext, disk: Mapping[str, Any], params: PerfParams) -> tuple[float, float, int] | None:
    """(peak IOPS, peak MB/s, days with data) of a disk, None when the data is missing or short."""
    series: list[MetricSeries | None] = [ctx.metric(q, str(disk["id"])) for q in perf_queries(params)]
    iops, mbps = summed(series[0], series[1]), summed(series[2], series[3])
    if iops is None or mbps is None:
        return None
    days = min(len(s.values) for s in series if s is not None)
    if days < params.min_days_with_data:
        return None
    return max(iops, default=0.0), max(mbps, default=0.0) / MB, days


def _premium_change(
    ctx: CheckContext, disk: Mapping[str, Any], peak_iops: float, peak_mbps: float, params: PerfParams
) -> tuple[str, str, Money, dict[str, Any]] | None:
    """(scenario, change, saving, facts) for a Premium SSD (v1) whose peaks fit something cheaper."""
    billed = billed_tier(disk)
    if billed is None or billed[0] != "premium_ssd":
        return None
    _, redundancy, tier = billed
    region = region_of(disk, ctx)
    used = max(peak_iops / tier.iops, peak_mbps / tier.mbps) * 100
    if used >= params.max_utilization_percent:
        return None
    current = tier_price(ctx, region, "premium_ssd", redundancy, tier)
    own = size_tier("premium_ssd", size_gib(disk))
    fits = peak_iops * params.headroom <= own.iops and peak_mbps * params.headroom <= own.mbps
    if own.name != tier.name and fits:
        target = tier_price(ctx, region, "premium_ssd", redundancy, own)
        change = f"lower its performance tier from {tier.name} to {own.name}"
        return "performance_tier_above_size", change, _saving(current, target), {"target_tier": own.name}
    ssd = size_tier("standard_ssd", size_gib(disk))
    if peak_iops * params.headroom <= ssd.iops and peak_mbps * params.headroom <= ssd.mbps:
        target = tier_price(ctx, region, "standard_ssd", redundancy, ssd)
        change = f"move it to Standard SSD {ssd.name} ({ssd.iops} IOPS, {ssd.mbps} MB/s)"
        saving = with_note(_saving(current, target), "Standard SSD transactions (capped hourly) excluded")
        return (
            "overprovisioned",
            change,
            saving,
            {"target_sku": f"StandardSSD_{redundancy.upper()}", "target_tier": ssd.name},
        )
    return None


def _provisioned_change(
    ctx: CheckContext, disk: Mapping[str, Any], peak_iops: float, peak_mbps: float, params: PerfParams
) -> tuple[str, str, Money, dict[str, Any]] | None:
    """(scenario, change, saving, facts) for a Premium SSD v2 / Ultra disk provisioning far more than used."""
    name = sku(disk).lower()
    if name not in ("premiumv2_lrs", "ultrassd_lrs"):
        return None
    iops = int(prop(disk, "diskIOPSReadWrite") or 0)
    mbps = int(prop(disk, "diskMBpsReadWrite") or 0)
    if not iops or not mbps:
        return None
    used = max(peak_iops / iops, peak_mbps / mbps) * 100
    if used >= params.max_utilization_percent:
        return None
    if name == "premiumv2_lrs":
        floor_iops, floor_mbps, key = 3000, 125, "premium_v2_lrs"
    else:
        floor_iops, floor_mbps, key = max(100, int(size_gib(disk))), 1, "ultra_lrs"
    want_iops = max(floor_iops, int(peak_iops * params.headroom) + 1)
    want_mbps = max(floor_mbps, int(peak_mbps * params.headroom) + 1)
    region = region_of(disk, ctx)
    parts = []
    if iops > want_iops:
        parts.append(
            ctx.prices.monthly(
                f"azure.disk.{key}.iops.hour", region, iops - want_iops, kind=CostKind.SAVING, what="IOPS"
            )
        )
    if mbps > want_mbps:
        parts.append(
            ctx.prices.monthly(
                f"azure.disk.{key}.mbps.hour", region, mbps - want_mbps, kind=CostKind.SAVING, what="MB/s"
            )
        )
    if not parts:
        return None
    change = (
        f"lower its provisioned performance to {min(iops, want_iops)} IOPS and {min(mbps, want_mbps)} MB/s"
    )
    facts = {"target_iops": min(iops, want_iops), "target_mbps": min(mbps, want_mbps)}
    return "provisioned_iops_above_use", change, add(parts, kind=CostKind.SAVING), facts


def _saving(current: Money, target: Money) -> Money:
    """``current - target`` as a saving (unknown if either is)."""
    if current.amount is None or target.amount is None:
        return Money.unknown(CostKind.SAVING, detail=f"{current.detail} - {target.detail}")
    basis = CostBasis.ESTIMATE if CostBasis.ESTIMATE in (current.basis, target.basis) else current.basis
    return Money(
        amount=round(current.amount - target.amount, 2),
        currency=current.currency,
        basis=basis,
        kind=CostKind.SAVING,
        detail=f"{current.detail} - {target.detail}",
    )


@check(
    id="azure.compute.disk_performance_overprovisioned",
    title="Managed disk that provisions far more IOPS and throughput than it ever uses",
    resource_type="managed_disk",
    severity=Severity.LOW,
    needs=[DISKS, VMS, RESOURCE_GROUPS],
    params=PerfParams,
    klass="oversized",
    metrics=perf_queries,
    rationale="""
        The daily peaks of the disk-level metrics `Composite Disk Read/Write Operations/sec` and
        `Composite Disk Read/Write Bytes/sec` are compared with what the disk provisions (its tier's
        IOPS and MB/s, or `diskIOPSReadWrite`/`diskMBpsReadWrite`). The VM-level `Data Disk IOPS
        Consumed Percentage` metrics would need a per-LUN dimension filter, so the disk-level ones are
        used. When both peaks stay below `max_utilization_percent` the cheapest configuration that still
        gives `headroom` times the peaks is priced from the book: a Premium SSD whose performance tier
        was raised above its size goes back to its size tier; otherwise a Premium SSD whose peaks fit a
        Standard SSD of the same size moves there (higher latency; Standard SSD transactions, capped
        hourly, are excluded); a Premium SSD v2 or Ultra disk lowers its provisioned IOPS and MB/s. The
        original proposes a smaller P-tier, but a disk cannot shrink. Premium disks of VMs with at least
        `oversized_vm_vcpus` vCPUs are named `oversized_premium` (the original's rule on vCPUs alone
        proves nothing about the disks). Missing data is unknown; only disks of running VMs are looked at.
    """,
    recommendation=(
        "Lower the disk's performance to what it uses: az disk update --ids <id> --sku StandardSSD_LRS "
        "(VM deallocated), --set tier=<size tier>, or --disk-iops-read-write / --disk-mbps-read-write"
    ),
    covers_original=["azure:managed_disk_overprovisioned", "azure:virtual_machine_oversized_premium"],
    covers_peers=["azure.compute.high_iops_disk"],
)
def disk_performance_overprovisioned(ctx: CheckContext, params: PerfParams) -> Iterator[Hit]:
    """Attached disks of running VMs whose peak IOPS and MB/s fit a cheaper configuration."""
    vms = by_id(outside_managed_groups(ctx, ctx.get(VMS)))  # their disks are the service's
    for disk in ctx.get(DISKS):
        owners = _running_owners(disk, vms)
        if owners is None:
            continue
        peaks = _peaks(ctx, disk, params)
        if peaks is None:
            continue
        peak_iops, peak_mbps, days = peaks
        found = _premium_change(ctx, disk, peak_iops, peak_mbps, params) or _provisioned_change(
            ctx, disk, peak_iops, peak_mbps, params
        )
        if found is None:
            continue
        scenario, change, saving, facts = found
        if saving.amount is not None and saving.amount < params.min_saving:
            continue
        vm = owners[0]
        cpus = vcpus(vm)
        scenarios = [scenario]
        if scenario == "overprovisioned" and cpus is not None and cpus >= params.oversized_vm_vcpus:
            scenarios.append("oversized_premium")
        saved = f"${saving.amount:.2f} a month" if saving.amount is not None else "an unknown amount"
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Managed disk {disk_label(disk)} peaked at {peak_iops:.0f} IOPS and {peak_mbps:.1f} MB/s "
            f"over {days} days; {change} saves {saved}.",
            cost=saving,
            evidence=_facts(disk)
            | facts
            | {
                "vm": vm.get("id"),
                "vm_vcpus": cpus,
                "peak_iops": round(peak_iops, 1),
                "peak_mbps": round(peak_mbps, 2),
                "days_with_data": days,
                "headroom": params.headroom,
                "scenario": scenarios[-1],
                "scenarios": scenarios,
            },
            confidence=Confidence.MEDIUM,
            region=region_of(disk, ctx),
        )


# --- azure.compute.unused_disk_bursting ----------------------------------------------------------


class BurstParams(BaseModel):
    """Parameters of ``azure.compute.unused_disk_bursting``."""

    window_days: int = Field(30, ge=7, le=93, description="Days without any on-demand burst operation.")
    min_days_with_data: int = Field(21, ge=1, description="Days with datapoints needed (fewer: unknown).")


def burst_queries(params: BurstParams) -> list[MetricQuery]:
    """Daily maximum of `DiskPaidBurstIOPS` (Disk On-demand Burst Operations) per attached disk."""
    return [
        MetricQuery(
            namespace=DISK_NS,
            metric="DiskPaidBurstIOPS",
            dimension="",
            collection=DISKS,
            id_field="id",
            stat="Maximum",
            period_s=86400,
            days=params.window_days,
            skip_states=NOT_ATTACHED,
            state_field="properties.diskState",
        )
    ]


@check(
    id="azure.compute.unused_disk_bursting",
    title="Premium SSD paying for on-demand bursting it never uses",
    resource_type="managed_disk",
    severity=Severity.LOW,
    needs=[DISKS, VMS, RESOURCE_GROUPS],
    params=BurstParams,
    klass="oversized",
    metrics=burst_queries,
    rationale="""
        Premium SSDs larger than 512 GiB can have on-demand bursting enabled (`burstingEnabled`), which
        bills an hourly enablement fee whether or not the disk bursts, plus burst transactions. A disk
        whose disk-level metric `DiskPaidBurstIOPS` (Disk On-demand Burst Operations) stayed at zero for
        `window_days` pays the fee for nothing. Credit-based bursting (Premium SSD up to 512 GiB, Standard
        SSD) is free, so the original's +15 % "bursting surcharge" on every Premium disk and its
        `Used Burst IO Credits Percentage` test find no money: those disks are not flagged. The saving is
        the enablement fee for the disk's tier; the bundled book does not carry it, so it is unknown
        until `cloudwaste pricing refresh azure`. Missing data is unknown; bursting enabled within the
        window, or a VM not running, gives no finding.
    """,
    recommendation="Turn on-demand bursting off: az disk update --ids <id> --enable-bursting false",
    covers_original=["azure:managed_disk_unused_bursting"],
)
def unused_disk_bursting(ctx: CheckContext, params: BurstParams) -> Iterator[Hit]:
    """Attached Premium SSDs with on-demand bursting enabled and no burst operation over the window."""
    (query,) = burst_queries(params)
    vms = by_id(outside_managed_groups(ctx, ctx.get(VMS)))  # their disks are the service's
    for disk in ctx.get(DISKS):
        if not on_demand_bursting(disk) or _running_owners(disk, vms) is None:
            continue
        enabled = parse_time(prop(disk, "burstingEnabledTime"))
        enabled_days = _days(enabled, ctx.now)
        if enabled_days is not None and enabled_days < params.window_days:
            continue
        series = ctx.metric(query, str(disk["id"]))
        if series is None or len(series.values) < params.min_days_with_data or series.maximum > 0:
            continue
        billed = billed_tier(disk)
        assert billed is not None
        _, redundancy, tier = billed
        fee = ctx.prices.monthly(
            f"azure.disk.premium_ssd_{redundancy}_burst.{tier.name}.month",
            region_of(disk, ctx),
            kind=CostKind.SAVING,
            what=f"{tier.name} burst enablement",
        )
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Managed disk {disk_label(disk)} has on-demand bursting enabled but made no burst "
            f"operation in {len(series.values)} days.",
            cost=fee,
            evidence=_facts(disk)
            | {
                "bursting_enabled_time": prop(disk, "burstingEnabledTime"),
                "metric": series.evidence(),
                "scenario": "managed_disk_unused_bursting",
            },
            confidence=Confidence.HIGH,
            region=region_of(disk, ctx),
        )


# --- azure.compute.large_hdd_low_io --------------------------------------------------------------


class HddParams(BaseModel):
    """Parameters of ``azure.compute.large_hdd_low_io``."""

    min_size_gb: int = Field(256, ge=1, description="Only Standard HDDs at least this large are looked at.")
    max_avg_iops: float = Field(
        100.0, gt=0, description="Average read+write ops/sec below which the HDD is underused."
    )
    idle_iops: float = Field(
        0.1,
        ge=0,
        description="Below this average the disk is idle and reported by azure.compute.idle_disk instead.",
    )
    window_days: int = Field(30, ge=7, le=93, description="Days of daily disk metrics to look at.")
    min_days_with_data: int = Field(21, ge=1, description="Days with datapoints needed (fewer: unknown).")


def hdd_queries(params: HddParams) -> list[MetricQuery]:
    """Daily Average composite read and write operations/sec per attached disk."""
    return [
        MetricQuery(
            namespace=DISK_NS,
            metric=metric,
            dimension="",
            collection=DISKS,
            id_field="id",
            stat="Average",
            period_s=86400,
            days=params.window_days,
            skip_states=NOT_ATTACHED,
            state_field="properties.diskState",
        )
        for metric in ("Composite Disk Read Operations/sec", "Composite Disk Write Operations/sec")
    ]


@check(
    id="azure.compute.large_hdd_low_io",
    title="Large Standard HDD with little I/O (data could move to a smaller disk)",
    resource_type="managed_disk",
    severity=Severity.LOW,
    needs=[DISKS, VMS, RESOURCE_GROUPS],
    params=HddParams,
    klass="oversized",
    metrics=hdd_queries,
    rationale="""
        The original flags Standard HDDs of at least 256 GB averaging under 100 IOPS and prices a move
        to a "smaller Standard SSD" at $0.096/GB against $0.04/GB, but Standard SSD costs more per GB
        than HDD, and a managed disk cannot shrink: the only saving is copying the data to a smaller
        disk, which depends on how much of the disk is used, which ARM and Azure Monitor do not report.
        Such disks are reported with low confidence and an unknown saving, so someone can look at the
        used space. Azure's own HDD-to-SSD advice is about performance, and Standard SSD's hourly
        transaction caps are not in the price list, so no saving is derived for that either. Disks idle
        below `idle_iops` are `azure.compute.idle_disk`'s; missing data is unknown.
    """,
    recommendation=(
        "Check the used space inside the VM; if it is small, copy the data to a smaller disk and delete this "
        "one: az disk create -g <rg> -n <name>-small --size-gb <size> --sku Standard_LRS"
    ),
    covers_original=["azure:managed_disk_underutilized_hdd"],
)
def large_hdd_low_io(ctx: CheckContext, params: HddParams) -> Iterator[Hit]:
    """Attached Standard HDDs of ``min_size_gb`` or more averaging ``idle_iops`` to ``max_avg_iops``."""
    reads_q, writes_q = hdd_queries(params)
    vms = by_id(outside_managed_groups(ctx, ctx.get(VMS)))  # their disks are the service's
    for disk in ctx.get(DISKS):
        if sku(disk).lower() != "standard_lrs" or size_gib(disk) < params.min_size_gb:
            continue
        if _running_owners(disk, vms) is None:
            continue
        reads, writes = ctx.metric(reads_q, str(disk["id"])), ctx.metric(writes_q, str(disk["id"]))
        if reads is None or writes is None:
            continue
        days = min(len(reads.values), len(writes.values))
        if days < params.min_days_with_data:
            continue
        avg = (mean(reads) or 0.0) + (mean(writes) or 0.0)
        if avg >= params.max_avg_iops or avg < params.idle_iops:
            continue
        billed = billed_tier(disk)
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Standard HDD {disk_label(disk)} averaged {avg:.1f} operations/sec over {days} days; "
            "a smaller disk may hold its data.",
            cost=Money.unknown(
                CostKind.SAVING,
                detail="a disk cannot shrink: the saving is the price gap to a smaller disk holding the "
                "used data, and ARM does not report the used space",
            ),
            evidence=_facts(disk)
            | {
                "avg_iops": round(avg, 2),
                "days_with_data": days,
                "current_price": disk_cost(ctx, disk).detail,
                "family": FAMILY_LABEL["standard_hdd"],
                "tier_iops": billed[2].iops if billed else None,
                "scenario": "managed_disk_underutilized_hdd",
            },
            confidence=Confidence.LOW,
            region=region_of(disk, ctx),
        )


# --- azure.compute.zrs_disk_non_production -------------------------------------------------------

NON_PROD_WORDS = (
    "dev",
    "develop",
    "development",
    "test",
    "testing",
    "staging",
    "stage",
    "qa",
    "sandbox",
    "nonprod",
)


class ZrsParams(BaseModel):
    """Parameters of ``azure.compute.zrs_disk_non_production``."""

    words: list[str] = Field(
        default_factory=lambda: list(NON_PROD_WORDS),
        description="Whole words in a tag or the resource group name that mark a non-production disk.",
    )
    min_age_days: int = Field(30, ge=0, description="Only flag disks created at least this many days ago.")


@check(
    id="azure.compute.zrs_disk_non_production",
    title="Zone-redundant (ZRS) managed disk in a dev/test environment",
    resource_type="managed_disk",
    severity=Severity.LOW,
    needs=[DISKS],
    params=ZrsParams,
    klass="policy",
    rationale="""
        Zone-redundant disks (`Premium_ZRS`, `StandardSSD_ZRS`) keep three synchronous copies across
        zones and cost more than LRS. A disk whose tags or resource group name contain one of `words` as
        a whole word (so `contest` is not `test`) is flagged after `min_age_days`. The saving is the
        book's ZRS tier price minus the LRS price of the same tier; the original divides a guessed price
        by 1.2, which is not how ZRS is priced. Changing the SKU needs the VM deallocated.
    """,
    recommendation=(
        "Deallocate the VM, then switch the disk to LRS: az disk update --ids <id> --sku Premium_LRS"
    ),
    covers_original=["azure:managed_disk_unnecessary_zrs"],
)
def zrs_disk_non_production(ctx: CheckContext, params: ZrsParams) -> Iterator[Hit]:
    """ZRS disks tagged or grouped as non-production, at least ``min_age_days`` old."""
    words = {w.lower() for w in params.words}
    for disk in ctx.get(DISKS):
        billed = billed_tier(disk)
        if billed is None or billed[1] != "zrs" or excluded(disk):
            continue
        age = _days(parse_time(prop(disk, "timeCreated")), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        group = resource_group(disk.get("id"))
        hits = sorted((tag_words(disk) | tokens(group)) & words)
        if not hits:
            continue
        family, _, tier = billed
        region = region_of(disk, ctx)
        saving = _saving(
            tier_price(ctx, region, family, "zrs", tier), tier_price(ctx, region, family, "lrs", tier)
        )
        where = tag_matches(disk, hits) or f"resource group {group}"
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Managed disk {disk_label(disk)} is zone-redundant in a non-production environment "
            f"({where}).",
            cost=saving,
            evidence=_facts(disk)
            | {"matched_words": hits, "age_days": round(age, 1), "scenario": "managed_disk_unnecessary_zrs"},
            confidence=Confidence.MEDIUM,
            recommendation=f"Deallocate the VM, then switch the disk to LRS: az disk update --ids <id> "
            f"--sku {sku(disk).replace('ZRS', 'LRS')}",
            region=region,
        )


# --- azure.compute.cmk_disk_without_compliance ---------------------------------------------------

COMPLIANCE_WORDS = ("compliance", "hipaa", "pci", "sox", "gdpr", "regulated", "fedramp", "iso27001")
CMK_TYPES = ("EncryptionAtRestWithCustomerKey", "EncryptionAtRestWithPlatformAndCustomerKeys")


class CmkParams(BaseModel):
    """Parameters of ``azure.compute.cmk_disk_without_compliance``."""

    compliance_words: list[str] = Field(
        default_factory=lambda: list(COMPLIANCE_WORDS),
        description="Whole words in a tag key or value that justify customer-managed keys.",
    )
    min_age_days: int = Field(30, ge=0, description="Only flag disks created at least this many days ago.")


@check(
    id="azure.compute.cmk_disk_without_compliance",
    title="Managed disk with customer-managed keys and no compliance tag (no disk saving)",
    resource_type="managed_disk",
    severity=Severity.LOW,
    needs=[DISKS],
    params=CmkParams,
    klass="policy",
    rationale="""
        The original prices customer-managed-key (CMK) encryption as an 8 % disk surcharge and reports
        the difference as savings, but Azure charges nothing extra on the disk for CMK or double
        encryption: the keys are billed by their Key Vault (a few cents of operations, or a Managed HSM).
        The finding is kept as a policy review of disks encrypted with customer-managed keys whose tags
        name no compliance regime, with a known saving of $0 on the disk.
    """,
    recommendation=(
        "If no regulation needs customer-managed keys, move the disk to platform-managed keys: "
        "az disk update --ids <id> --encryption-type EncryptionAtRestWithPlatformKey"
    ),
    covers_original=["azure:managed_disk_unnecessary_cmk"],
)
def cmk_disk_without_compliance(ctx: CheckContext, params: CmkParams) -> Iterator[Hit]:
    """Disks encrypted with customer-managed keys and no compliance tag, at least ``min_age_days`` old."""
    words = {w.lower() for w in params.compliance_words}
    for disk in ctx.get(DISKS):
        encryption = str((prop(disk, "encryption") or {}).get("type") or "")
        if encryption not in CMK_TYPES or tag_words(disk) & words:
            continue
        age = _days(parse_time(prop(disk, "timeCreated")), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        des = (prop(disk, "encryption") or {}).get("diskEncryptionSetId")
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Managed disk {disk_label(disk)} uses {encryption} with no compliance tag; "
            "this adds no charge to the disk.",
            cost=Money(
                amount=0.0,
                basis=CostBasis.BUNDLED_PRICE,
                kind=CostKind.SAVING,
                detail="customer-managed keys add no managed-disk charge; the key is billed by its Key Vault",
            ),
            evidence=_facts(disk)
            | {
                "disk_encryption_set": des,
                "age_days": round(age, 1),
                "scenario": "managed_disk_unnecessary_cmk",
            },
            confidence=Confidence.LOW,
            region=region_of(disk, ctx),
        )
