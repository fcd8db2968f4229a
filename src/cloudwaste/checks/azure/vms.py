"""VM checks: billed while stopped, deallocated, idle, oversized, old, untagged; empty availability sets."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.azure._common import (
    ACTIVITY_LOG_DAYS,
    RESOURCE_GROUPS,
    PowerEvents,
    iso,
    mean,
    norm,
    outside_managed_groups,
    parse_time,
    percentile,
    power_state,
    props,
    region_of,
    resource,
    resource_group,
    tag_words,
    tags,
    tokens,
    whole_days,
)
from cloudwaste.checks.azure._compute import (
    by_id,
    disk_cost,
    disk_owners,
    size_gib,
    size_price,
    sku,
    vm_compute_cost,
    vm_disk_ids,
    vm_size_name,
)
from cloudwaste.checks.azure._vm_sizes import SIZES, VmSize, vm_size
from cloudwaste.checks.azure.network import public_ip_monthly
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import add, with_note

VMS = "azure:virtual_machines"
EVENTS = "azure:vm_power_events"
VM_NS = "Microsoft.Compute/virtualMachines"
GIB = 1024**3
MB = 1_000_000
SIZE_NAME = re.compile(r"^standard_([a-z]+)(\d+)(.*)$")
VERSION = re.compile(r"_v(\d+)$")


def _vm_resource(vm: Mapping[str, Any]) -> Resource:
    return resource(vm, "virtual_machine")


def _facts(vm: Mapping[str, Any]) -> dict[str, Any]:
    p = props(vm)
    return {
        "power_state": power_state(vm),
        "vm_size": vm_size_name(vm),
        "priority": p.get("priority") or "Regular",
        "os_type": ((p.get("storageProfile") or {}).get("osDisk") or {}).get("osType"),
        "created_at": p.get("timeCreated"),
        "resource_group": resource_group(vm.get("id")),
        "zones": vm.get("zones") or None,
        "scale_set": (p.get("virtualMachineScaleSet") or {}).get("id"),
    }


def _label(vm: Mapping[str, Any]) -> str:
    return f"{vm.get('name')} ({vm_size_name(vm) or 'size unknown'})"


def _age(vm: Mapping[str, Any], ctx: CheckContext) -> float | None:
    created = parse_time(props(vm).get("timeCreated"))
    return None if created is None else (ctx.now - created).total_seconds() / 86400.0


def _query(metric: str, stat: str, period_s: int, days: int) -> MetricQuery:
    return MetricQuery(
        namespace=VM_NS,
        metric=metric,
        dimension="",
        collection=VMS,
        id_field="id",
        stat=stat,
        period_s=period_s,
        days=days,
    )


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


def _cheapest(
    ctx: CheckContext, vm: Mapping[str, Any], candidates: list[VmSize]
) -> tuple[VmSize, Money] | None:
    """The cheapest priced candidate size and the saving of moving to it (only if positive)."""
    region = region_of(vm, ctx)
    current = vm_compute_cost(ctx, vm)
    if current.amount is None:
        return None
    best: tuple[VmSize, Money] | None = None
    for size in candidates:
        price = size_price(ctx, size.name, region)
        if price.amount is None:
            continue
        saving = _saving(current, price)
        if (
            saving.amount is not None
            and saving.amount > 0
            and (best is None or saving.amount > (best[1].amount or 0))
        ):
            best = (size, saving)
    return best


def _version(name: str) -> int:
    """The generation of a size name (``_v5`` -> 5; no suffix -> 1)."""
    match = VERSION.search(name.lower())
    return int(match.group(1)) if match else 1


def _features(name: str) -> str:
    """The feature letters of a size (``Standard_D4ads_v5`` -> ``ads``)."""
    match = SIZE_NAME.match(name.lower())
    return re.sub(r"_.*$", "", match.group(3)) if match else ""


# --- azure.compute.vm_stopped_not_deallocated ----------------------------------------------------


class StoppedParams(BaseModel):
    """Parameters of ``azure.compute.vm_stopped_not_deallocated``."""

    min_stopped_days: int = Field(
        1, ge=0, le=90, description="With a logged stop, only flag VMs stopped at least this many days."
    )
    high_confidence_days: int = Field(
        7, ge=0, le=90, description="VMs stopped at least this many days (logged) get high confidence."
    )


@check(
    id="azure.compute.vm_stopped_not_deallocated",
    title="VM stopped but not deallocated, still billed for compute",
    resource_type="virtual_machine",
    severity=Severity.HIGH,
    needs=[VMS, EVENTS, RESOURCE_GROUPS],
    params=StoppedParams,
    klass="idle",
    rationale="""
        A VM in `PowerState/stopped` (shut down from inside the guest OS, or powered off with
        `az vm stop`) keeps its host reserved and is billed for compute exactly as if it ran; only
        deallocation stops the charge. The stop time is the latest powerOff/deallocate event in the
        Activity Log after the last start; a shutdown from inside the guest OS logs nothing, so such a
        VM is flagged with medium confidence and "since an unknown time" (the state alone is
        conclusive: it is billed now). A logged stop younger than `min_stopped_days` is skipped (a
        restart in progress). The cost is the VM size's Linux pay-as-you-go price from the book (Spot
        VMs and dedicated hosts unknown; a Windows licence not included); its disks are billed either
        way and are not part of it.
        VMs in a resource group a service manages (its `managedBy`: AKS node groups, Databricks,
        Azure Red Hat OpenShift, managed applications) are that service's to size and delete: skipped.
    """,
    recommendation="Deallocate it so compute billing stops: az vm deallocate --ids <id>",
    covers_original=["azure:virtual_machine_stopped_not_deallocated"],
    covers_peers=["azure.compute.vm_stopped_not_deallocated"],
)
def vm_stopped_not_deallocated(ctx: CheckContext, params: StoppedParams) -> Iterator[Hit]:
    """VMs whose power state is ``stopped``."""
    power = PowerEvents(ctx.get(EVENTS))
    for vm in outside_managed_groups(ctx, ctx.get(VMS)):
        if power_state(vm) != "stopped":
            continue
        since = power.since(vm, ctx.now)
        days = since.days(ctx.now)
        if days is not None and days < params.min_stopped_days:
            continue
        if days is None:
            confidence = Confidence.MEDIUM
        else:
            confidence = Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM
        cost = vm_compute_cost(ctx, vm)
        yield Hit(
            resource=_vm_resource(vm),
            reason=f"VM {_label(vm)} has been stopped but not deallocated {since.describe(ctx.now)}, "
            "so its compute is still billed.",
            cost=cost,
            evidence=_facts(vm)
            | {
                "stopped_since": iso(since.since),
                "stopped_days": round(days, 1) if days is not None else None,
                "stopped_days_is_lower_bound": since.at_least,
                "stop_basis": since.basis,
                "last_start": iso(since.last_start),
                "scenario": "virtual_machine_stopped_not_deallocated",
            },
            confidence=confidence,
            region=region_of(vm, ctx),
        )


# --- azure.compute.vm_deallocated_long -----------------------------------------------------------


class DeallocatedParams(BaseModel):
    """Parameters of ``azure.compute.vm_deallocated_long``."""

    min_deallocated_days: int = Field(
        30, ge=0, le=ACTIVITY_LOG_DAYS, description="Flag VMs deallocated at least this many days."
    )
    high_confidence_days: int = Field(
        90, ge=0, le=ACTIVITY_LOG_DAYS, description="VMs deallocated at least this long get high confidence."
    )
    never_started_min_age_days: int = Field(
        7,
        ge=0,
        description="A VM deallocated and never started since its creation is flagged once this old (days).",
    )


def _vm_disks(
    vm: Mapping[str, Any], disks: Mapping[str, Mapping[str, Any]], attached: Mapping[str, list[str]]
) -> tuple[list[Mapping[str, Any]], list[str], list[str]]:
    """(disks billed to this VM alone, ids not listed, shared-disk ids also attached elsewhere)."""
    own, missing, shared = [], [], []
    vid = norm(vm.get("id"))
    for did in dict.fromkeys(vm_disk_ids(vm) + attached.get(vid, [])):
        disk = disks.get(did)
        if disk is None:
            missing.append(did)
        elif any(o != vid for o in disk_owners(disk)):
            shared.append(str(disk.get("id")))
        else:
            own.append(disk)
    return own, missing, shared


def _vm_public_ips(
    vm: Mapping[str, Any], nics: Mapping[str, Mapping[str, Any]], ips: Mapping[str, Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The public IPs on the VM's NICs that the listing holds."""
    found: list[Mapping[str, Any]] = []
    for ref in (props(vm).get("networkProfile") or {}).get("networkInterfaces") or []:
        nic = nics.get(norm((ref or {}).get("id")))
        for config in props(nic).get("ipConfigurations") or [] if nic else []:
            pip = ips.get(norm(((config.get("properties") or {}).get("publicIPAddress") or {}).get("id")))
            if pip is not None:
                found.append(pip)
    return found


@check(
    id="azure.compute.vm_deallocated_long",
    title="VM deallocated for a long time, still paying for its disks and public IPs",
    resource_type="virtual_machine",
    severity=Severity.MEDIUM,
    needs=[
        VMS,
        EVENTS,
        "azure:disks",
        "azure:network_interfaces",
        "azure:public_ip_addresses",
        RESOURCE_GROUPS,
    ],
    params=DeallocatedParams,
    klass="idle",
    rationale="""
        A deallocated VM pays nothing for compute, but its managed disks and its Standard (and static
        Basic) public IPs are billed every month. The original measures "days deallocated" from the VM's
        creation, which says nothing about when it stopped; here the date is the latest deallocate (or
        powerOff) event in the Activity Log after the last start. The log keeps 90 days: a VM created
        before the window with no power event in it has been deallocated for at least 90 days, and the
        reason says "at least". A VM whose last logged event is a start or its creation was deallocated
        without a log entry (an eviction) and is not flagged. A VM deallocated and never started again
        since it was created in the window is the `never_started` variant, flagged from
        `never_started_min_age_days`. The cost is its disks (not shared with another VM) plus its public
        IPs, priced from the book; `cost_includes` lists them so totals do not count them again with
        `azure.compute.disk_on_stopped_vm` or the public IP checks.
        VMs in a resource group a service manages (its `managedBy`: AKS node groups, Databricks,
        Azure Red Hat OpenShift, managed applications) are that service's to size and delete: skipped.
    """,
    recommendation=(
        "If nobody will start it again, snapshot what matters and delete it with its disks and IPs: "
        "az vm delete --ids <id> (then az disk delete and az network public-ip delete for what remains)"
    ),
    covers_original=["azure:virtual_machine_deallocated", "azure:virtual_machine_never_started"],
    covers_peers=["azure.compute.vm_deallocated_long"],
)
def vm_deallocated_long(ctx: CheckContext, params: DeallocatedParams) -> Iterator[Hit]:
    """Deallocated VMs, since at least ``min_deallocated_days`` (or never started since creation)."""
    power = PowerEvents(ctx.get(EVENTS))
    disks = by_id(ctx.get("azure:disks"))
    attached: dict[str, list[str]] = {}
    for did, disk in disks.items():
        for owner in disk_owners(disk):
            attached.setdefault(owner, []).append(did)
    nics = by_id(ctx.get("azure:network_interfaces"))
    ips = by_id(ctx.get("azure:public_ip_addresses"))
    for vm in outside_managed_groups(ctx, ctx.get(VMS)):
        if power_state(vm) != "deallocated":
            continue
        since = power.since(vm, ctx.now)
        days = since.days(ctx.now)
        if days is None:
            continue
        age = _age(vm, ctx)
        never_started = (
            not since.at_least
            and age is not None
            and age < ACTIVITY_LOG_DAYS
            and not power.started_since_created(vm)
        )
        if days < params.min_deallocated_days and not (
            never_started and age is not None and age >= params.never_started_min_age_days
        ):
            continue
        own, missing, shared = _vm_disks(vm, disks, attached)
        pips = _vm_public_ips(vm, nics, ips)
        pip_costs = [public_ip_monthly(ctx, ip, billed_dynamic=False) for ip in pips]
        parts = [disk_cost(ctx, d) for d in own] + pip_costs
        parts += [Money.unknown(detail=f"disk {d} not in the disk list") for d in missing]
        cost = add(parts, empty_detail="no disk or public IP found: a known zero")
        charged_ips = [str(ip["id"]) for ip, c in zip(pips, pip_costs, strict=True) if c.amount != 0]
        includes = tuple([str(d["id"]) for d in own] + charged_ips)
        gib = sum(size_gib(d) for d in own)
        what = f"{len(own)} disk{'s' if len(own) != 1 else ''} ({gib:g} GiB)"
        if charged_ips:
            what += f" and {len(charged_ips)} public IP{'s' if len(charged_ips) != 1 else ''}"
        scenario = "virtual_machine_never_started" if never_started else "virtual_machine_deallocated"
        if never_started:
            reason = (
                f"VM {_label(vm)} was created {whole_days(age or 0)} ago, has not been started since and has "
                f"been deallocated {since.describe(ctx.now)}; it still pays for {what}."
            )
        else:
            reason = (
                f"VM {_label(vm)} has been deallocated {since.describe(ctx.now)} and still pays for {what}."
            )
        yield Hit(
            resource=_vm_resource(vm),
            reason=reason,
            cost=cost,
            evidence=_facts(vm)
            | {
                "deallocated_since": iso(since.since),
                "deallocated_days": round(days, 1),
                "deallocated_days_is_lower_bound": since.at_least,
                "deallocation_basis": since.basis,
                "last_operation": since.operation,
                "disks": [{"id": d.get("id"), "sku": sku(d), "size_gb": size_gib(d)} for d in own],
                "disks_missing": missing,
                "disks_shared": shared,
                "public_ips": [ip.get("id") for ip in pips],
                "scenario": scenario,
            },
            confidence=Confidence.HIGH
            if days >= params.high_confidence_days and not never_started
            else Confidence.MEDIUM,
            cost_includes=includes,
            region=region_of(vm, ctx),
        )


# --- azure.compute.idle_vm -----------------------------------------------------------------------


class IdleVmParams(BaseModel):
    """Parameters of ``azure.compute.idle_vm``."""

    window_days: int = Field(14, ge=7, le=93, description="Days of daily CPU and network metrics to look at.")
    min_days_with_data: int = Field(
        7, ge=1, description="Days with CPU and network datapoints needed (fewer: unknown)."
    )
    max_cpu_percent: float = Field(
        5.0, ge=0, le=100, description="Average `Percentage CPU` below which a VM is idle."
    )
    max_network_mb_per_day: float = Field(
        7.0, ge=0, description="Average network in+out per day (MB, 10^6 bytes) below which a VM is idle."
    )
    high_confidence_peak_cpu: float = Field(
        20.0,
        ge=0,
        le=100,
        description="With a full window, idle VMs whose daily CPU peak stays below this are high confidence.",
    )


def idle_vm_queries(params: IdleVmParams) -> list[MetricQuery]:
    """Daily CPU average and maximum, and daily network in/out totals."""
    days = params.window_days
    return [
        _query("Percentage CPU", "Average", 86400, days),
        _query("Percentage CPU", "Maximum", 86400, days),
        _query("Network In Total", "Total", 86400, days),
        _query("Network Out Total", "Total", 86400, days),
    ]


@check(
    id="azure.compute.idle_vm",
    title="Running VM with almost no CPU and network activity",
    resource_type="virtual_machine",
    severity=Severity.MEDIUM,
    needs=[VMS, RESOURCE_GROUPS],
    params=IdleVmParams,
    klass="idle",
    metrics=idle_vm_queries,
    rationale="""
        A running VM whose average `Percentage CPU` stays below `max_cpu_percent` and whose network in
        plus out averages under `max_network_mb_per_day` (Advisor's 5 % and 7 MB rule) over
        `window_days` of daily Azure Monitor datapoints does no useful work. Missing data is unknown:
        fewer than `min_days_with_data` days of CPU or of network data gives no finding (a VM started
        recently, or a metric not yet emitted). Confidence is high when the window is full and the
        daily CPU peak (Maximum) stayed below `high_confidence_peak_cpu`, else medium. The cost is the
        VM's compute at the book's Linux pay-as-you-go price; its disks are excluded.
        VMs in a resource group a service manages (its `managedBy`: AKS node groups, Databricks,
        Azure Red Hat OpenShift, managed applications) are that service's to size and delete: skipped.
    """,
    recommendation="Confirm nobody uses it, then deallocate or delete it: az vm deallocate --ids <id>",
    covers_original=["azure:virtual_machine_idle"],
    covers_peers=["azure.compute.idle_vm"],
)
def idle_vm(ctx: CheckContext, params: IdleVmParams) -> Iterator[Hit]:
    """Running VMs under the CPU and network thresholds over the window."""
    cpu_q, peak_q, in_q, out_q = idle_vm_queries(params)
    for vm in outside_managed_groups(ctx, ctx.get(VMS)):
        if power_state(vm) != "running":
            continue
        vid = str(vm["id"])
        cpu, net_in, net_out = ctx.metric(cpu_q, vid), ctx.metric(in_q, vid), ctx.metric(out_q, vid)
        if cpu is None or net_in is None or net_out is None:
            continue
        days = min(len(cpu.values), len(net_in.values), len(net_out.values))
        if days < params.min_days_with_data:
            continue
        avg_cpu = mean(cpu) or 0.0
        mb_per_day = (net_in.total / len(net_in.values) + net_out.total / len(net_out.values)) / MB
        if avg_cpu >= params.max_cpu_percent or mb_per_day >= params.max_network_mb_per_day:
            continue
        peak = ctx.metric(peak_q, vid)
        quiet = peak is not None and peak.maximum < params.high_confidence_peak_cpu
        full = days >= params.window_days
        yield Hit(
            resource=_vm_resource(vm),
            reason=f"VM {_label(vm)} averaged {avg_cpu:.1f}% CPU and {mb_per_day:.1f} MB of network a day "
            f"over {days} days.",
            cost=with_note(vm_compute_cost(ctx, vm), "compute only; disks excluded"),
            evidence=_facts(vm)
            | {
                "avg_cpu_percent": round(avg_cpu, 2),
                "peak_cpu_percent": round(peak.maximum, 2) if peak is not None else None,
                "network_mb_per_day": round(mb_per_day, 3),
                "days_with_data": days,
                "window_days": params.window_days,
                "metrics": {
                    "Percentage CPU": cpu.evidence(),
                    "Network In Total": net_in.evidence(),
                    "Network Out Total": net_out.evidence(),
                },
                "scenario": "virtual_machine_idle",
            },
            confidence=Confidence.HIGH if quiet and full else Confidence.MEDIUM,
            region=region_of(vm, ctx),
        )


# --- azure.compute.underutilized_vm --------------------------------------------------------------


class UnderutilizedParams(BaseModel):
    """Parameters of ``azure.compute.underutilized_vm``."""

    window_days: int = Field(30, ge=7, le=93, description="Days of hourly CPU averages to look at.")
    min_days_with_data: int = Field(
        14, ge=1, description="Days of hourly datapoints needed (fewer: unknown)."
    )
    max_avg_cpu_percent: float = Field(
        20.0, ge=0, le=100, description="Average CPU below which a VM is oversized."
    )
    max_p95_cpu_percent: float = Field(
        40.0, ge=0, le=100, description="95th percentile of hourly CPU below which halving the vCPUs is safe."
    )


def underutilized_queries(params: UnderutilizedParams) -> list[MetricQuery]:
    """Hourly `Percentage CPU` averages over the window (p95 needs hourly datapoints)."""
    return [_query("Percentage CPU", "Average", 3600, params.window_days)]


def _half_size(name: str) -> VmSize | None:
    """The size of the same series with half the vCPUs (``Standard_D8s_v5`` -> ``Standard_D4s_v5``)."""
    match = SIZE_NAME.match(name.lower())
    if not match or int(match.group(2)) % 2:
        return None
    return vm_size(f"standard_{match.group(1)}{int(match.group(2)) // 2}{match.group(3)}")


@check(
    id="azure.compute.underutilized_vm",
    title="Running VM whose CPU use fits a size half as large",
    resource_type="virtual_machine",
    severity=Severity.LOW,
    needs=[VMS, RESOURCE_GROUPS],
    params=UnderutilizedParams,
    klass="oversized",
    metrics=underutilized_queries,
    rationale="""
        A VM averaging under `max_avg_cpu_percent` CPU whose 95th percentile of hourly averages stays
        under `max_p95_cpu_percent` would run the same load on half the vCPUs at under twice that
        percentile. The p95 is computed from PT1H datapoints over `window_days` (the original has no
        hourly series to compute it from). The saving is the book's price of the current size minus the
        size of the same series with half the vCPUs (`Standard_D8s_v5` -> `Standard_D4s_v5`), not the
        original's flat 50 %; a VM with no such size in the table, or an unknown price, is reported with
        an unknown saving. Missing data is unknown: fewer than `min_days_with_data` days of hourly
        datapoints gives no finding.
        VMs in a resource group a service manages (its `managedBy`: AKS node groups, Databricks,
        Azure Red Hat OpenShift, managed applications) are that service's to size and delete: skipped.
    """,
    recommendation="Resize it to the smaller size (a restart): az vm resize --ids <id> --size <size>",
    covers_original=["azure:virtual_machine_underutilized"],
)
def underutilized_vm(ctx: CheckContext, params: UnderutilizedParams) -> Iterator[Hit]:
    """Running VMs with low average and p95 CPU, priced against the half size of their series."""
    (query,) = underutilized_queries(params)
    for vm in outside_managed_groups(ctx, ctx.get(VMS)):
        if power_state(vm) != "running":
            continue
        series = ctx.metric(query, str(vm["id"]))
        if series is None or len(series.values) < params.min_days_with_data * 24:
            continue
        avg = mean(series) or 0.0
        p95 = percentile(series.values, 95) or 0.0
        if avg >= params.max_avg_cpu_percent or p95 >= params.max_p95_cpu_percent:
            continue
        target = _half_size(vm_size_name(vm))
        if target is None:
            saving = Money.unknown(
                CostKind.SAVING, detail=f"no half size of {vm_size_name(vm)} in the size table"
            )
        else:
            current = vm_compute_cost(ctx, vm, kind=CostKind.SAVING)
            saving = _saving(current, size_price(ctx, target.name, region_of(vm, ctx)))
        to = f" to {target.name}" if target else ""
        yield Hit(
            resource=_vm_resource(vm),
            reason=f"VM {_label(vm)} averaged {avg:.1f}% CPU with a p95 of {p95:.1f}% over "
            f"{len(series.values) // 24} days; it could be resized{to}.",
            cost=saving,
            evidence=_facts(vm)
            | {
                "avg_cpu_percent": round(avg, 2),
                "p95_cpu_percent": round(p95, 2),
                "hourly_datapoints": len(series.values),
                "target_size": target.name if target else None,
                "scenario": "virtual_machine_underutilized",
            },
            confidence=Confidence.MEDIUM if target else Confidence.LOW,
            recommendation=f"Resize it (a restart): az vm resize --ids <id> --size {target.name}"
            if target
            else None,
            region=region_of(vm, ctx),
        )


# --- azure.compute.vm_memory_overprovisioned -----------------------------------------------------


class MemoryParams(BaseModel):
    """Parameters of ``azure.compute.vm_memory_overprovisioned``."""

    window_days: int = Field(30, ge=7, le=93, description="Days of daily `Available Memory Bytes` minima.")
    min_days_with_data: int = Field(14, ge=1, description="Days with datapoints needed (fewer: unknown).")
    max_memory_percent: float = Field(
        30.0,
        gt=0,
        le=100,
        description="Peak memory use (of the size's memory) below which a VM is oversized.",
    )
    max_target_percent: float = Field(
        60.0,
        gt=0,
        le=100,
        description="The cheaper size must keep the peak memory use below this share of its memory.",
    )


def memory_queries(params: MemoryParams) -> list[MetricQuery]:
    """Daily minimum of the host metric `Available Memory Bytes` (the day's lowest free memory)."""
    return [_query("Available Memory Bytes", "Minimum", 86400, params.window_days)]


@check(
    id="azure.compute.vm_memory_overprovisioned",
    title="Memory-optimized VM using a small share of its memory",
    resource_type="virtual_machine",
    severity=Severity.LOW,
    needs=[VMS, RESOURCE_GROUPS],
    params=MemoryParams,
    klass="oversized",
    metrics=memory_queries,
    rationale="""
        A memory-optimized VM (E series, D11-D14 v2) pays for twice the memory per vCPU of a
        general-purpose one. Peak use is the size's memory (from a size table in the check; sizes not in
        it are skipped) minus the lowest daily minimum of the platform metric `Available Memory Bytes`
        over `window_days`; below `max_memory_percent`, the cheapest general-purpose size with the same
        vCPUs, generation and temp disk that keeps the peak under `max_target_percent` of its memory is
        priced from the book (E8s_v5 -> D8s_v5). The original's flat savings are replaced by that
        difference. Missing data (older VMs without the metric) is unknown: no finding.
        VMs in a resource group a service manages (its `managedBy`: AKS node groups, Databricks,
        Azure Red Hat OpenShift, managed applications) are that service's to size and delete: skipped.
    """,
    recommendation="Resize it to the general-purpose size (a restart): az vm resize --ids <id> --size <size>",
    covers_original=["azure:virtual_machine_memory_overprovisioned"],
)
def vm_memory_overprovisioned(ctx: CheckContext, params: MemoryParams) -> Iterator[Hit]:
    """Running memory-optimized VMs whose peak memory use fits a general-purpose size."""
    (query,) = memory_queries(params)
    for vm in outside_managed_groups(ctx, ctx.get(VMS)):
        size = vm_size(vm_size_name(vm))
        if power_state(vm) != "running" or size is None or size.klass != "memory":
            continue
        series = ctx.metric(query, str(vm["id"]))
        if series is None or len(series.values) < params.min_days_with_data:
            continue
        total = size.memory_gib * GIB
        used = total - min(series.values)
        if used < 0:
            continue  # the size table and the VM disagree: unknown
        used_pct = used / total * 100
        if used_pct >= params.max_memory_percent:
            continue
        version, features = _version(size.name), _features(size.name)
        candidates = [
            s
            for s in SIZES.values()
            if s.klass == "general"
            and s.vcpus == size.vcpus
            and _version(s.name) == version
            and s.temp_disk == size.temp_disk
            and _features(s.name) == features
            and used <= s.memory_gib * GIB * params.max_target_percent / 100
        ]
        best = _cheapest(ctx, vm, candidates)
        if best is None:
            continue
        target, saving = best
        yield Hit(
            resource=_vm_resource(vm),
            reason=f"VM {_label(vm)} used at most {used / GIB:.1f} GiB of its {size.memory_gib:g} GiB "
            f"({used_pct:.0f}%) over {len(series.values)} days; {target.name} would hold it.",
            cost=saving,
            evidence=_facts(vm)
            | {
                "memory_gib": size.memory_gib,
                "peak_used_gib": round(used / GIB, 2),
                "peak_used_percent": round(used_pct, 1),
                "days_with_data": len(series.values),
                "target_size": target.name,
                "metric": series.evidence(),
                "scenario": "virtual_machine_memory_overprovisioned",
            },
            confidence=Confidence.MEDIUM,
            recommendation=f"Resize it (a restart): az vm resize --ids <id> --size {target.name}",
            region=region_of(vm, ctx),
        )


# --- azure.compute.vm_old_generation -------------------------------------------------------------


class OldGenParams(BaseModel):
    """Parameters of ``azure.compute.vm_old_generation``."""

    max_version: int = Field(
        3, ge=1, description="Sizes of this generation or older (v1 = no suffix) are old."
    )
    min_version: int = Field(5, ge=2, description="Target sizes are of at least this generation.")
    min_age_days: int = Field(60, ge=0, description="Only flag VMs created at least this many days ago.")


@check(
    id="azure.compute.vm_old_generation",
    title="VM on an older-generation size that a newer one serves for less",
    resource_type="virtual_machine",
    severity=Severity.LOW,
    needs=[VMS, RESOURCE_GROUPS],
    params=OldGenParams,
    klass="legacy",
    rationale="""
        Older VM generations (Dv2, Dv3, Ev3, Fv1 ...) run on older hardware and often cost more than a
        current one with the same vCPUs and at least the same memory. The original assumes a flat 25 %
        saving; here the book's price of every current size (generation `min_version` or newer, same
        class and vCPUs, at least the memory, x86) is compared and the cheapest one that saves money is
        proposed, preferring one that keeps a local temp disk when the VM has one (v4+ sizes without a
        `d` have none: the reason says so). A VM whose newer options cost the same or more is not
        flagged. Only running or stopped VMs (billed for compute) at least `min_age_days` old count.
        VMs in a resource group a service manages (its `managedBy`: AKS node groups, Databricks,
        Azure Red Hat OpenShift, managed applications) are that service's to size and delete: skipped.
    """,
    recommendation="Resize it to the newer size (a restart): az vm resize --ids <id> --size <size>",
    covers_original=["azure:virtual_machine_old_generation"],
)
def vm_old_generation(ctx: CheckContext, params: OldGenParams) -> Iterator[Hit]:
    """VMs on sizes of generation ``max_version`` or older with a cheaper current equivalent."""
    for vm in outside_managed_groups(ctx, ctx.get(VMS)):
        size = vm_size(vm_size_name(vm))
        if power_state(vm) not in ("running", "stopped") or size is None:
            continue
        if size.klass not in ("general", "memory", "compute") or _version(size.name) > params.max_version:
            continue
        age = _age(vm, ctx)
        if age is None or age < params.min_age_days:
            continue
        candidates = [
            s
            for s in SIZES.values()
            if s.klass == size.klass
            and s.vcpus == size.vcpus
            and s.memory_gib >= size.memory_gib
            and _version(s.name) >= params.min_version
            and "p" not in _features(s.name)
        ]
        keeps_temp = [s for s in candidates if s.temp_disk] if size.temp_disk else candidates
        best = _cheapest(ctx, vm, keeps_temp) or _cheapest(ctx, vm, candidates)
        if best is None:
            continue
        target, saving = best
        loses_temp = size.temp_disk and not target.temp_disk
        note = " (it has no local temp disk)" if loses_temp else ""
        yield Hit(
            resource=_vm_resource(vm),
            reason=f"VM {_label(vm)} runs an older-generation size; {target.name}{note} has the same vCPUs "
            f"and saves ${saving.amount:.2f} a month.",
            cost=saving,
            evidence=_facts(vm)
            | {
                "generation": _version(size.name),
                "target_size": target.name,
                "target_has_temp_disk": target.temp_disk,
                "age_days": round(age, 1),
                "scenario": "virtual_machine_old_generation",
            },
            confidence=Confidence.LOW if loses_temp else Confidence.MEDIUM,
            recommendation=f"Resize it (a restart): az vm resize --ids <id> --size {target.name}",
            region=region_of(vm, ctx),
        )


# --- azure.compute.vm_spot_candidate -------------------------------------------------------------

SPOT_WORDS = ("batch", "dev", "test", "testing", "ci", "build", "analytics", "sandbox", "staging", "qa")
HA_WORDS = ("ha", "prod", "production", "critical", "primary")


class SpotParams(BaseModel):
    """Parameters of ``azure.compute.vm_spot_candidate``."""

    words: list[str] = Field(
        default_factory=lambda: list(SPOT_WORDS),
        description="Whole words in the VM name, tags or resource group that mark an interruptible workload.",
    )
    ha_words: list[str] = Field(
        default_factory=lambda: list(HA_WORDS),
        description="Whole words in tags or the name marking a workload that must not be evicted (skipped).",
    )
    spot_discount_percent: float = Field(
        60.0,
        ge=0,
        le=100,
        description="Assumed Spot discount on the pay-as-you-go price (an estimate: Spot prices move).",
    )
    min_age_days: int = Field(30, ge=0, description="Only flag VMs created at least this many days ago.")


@check(
    id="azure.compute.vm_spot_candidate",
    title="Interruptible (dev, test, batch) VM on pay-as-you-go instead of Spot",
    resource_type="virtual_machine",
    severity=Severity.LOW,
    needs=[VMS, RESOURCE_GROUPS],
    params=SpotParams,
    klass="policy",
    rationale="""
        Spot VMs run on spare capacity at a discount and can be evicted. A running pay-as-you-go VM
        whose name, tags or resource group name a dev, test, CI or batch workload (`words`, whole words)
        and nothing marks as highly available (`ha_words`) is a candidate. B-series sizes cannot run as
        Spot and are skipped. Spot prices move and are not in the book, so the saving is
        `spot_discount_percent` of the book's pay-as-you-go price, reported with basis estimate (the
        original assumes 75 %). Converting needs the VM recreated with `--priority Spot`.
        VMs in a resource group a service manages (its `managedBy`: AKS node groups, Databricks,
        Azure Red Hat OpenShift, managed applications) are that service's to size and delete: skipped.
    """,
    recommendation=(
        "Recreate it as Spot from its disks if eviction is acceptable: az vm create ... --priority Spot "
        "--eviction-policy Deallocate --max-price -1"
    ),
    covers_original=["azure:virtual_machine_spot_convertible"],
)
def vm_spot_candidate(ctx: CheckContext, params: SpotParams) -> Iterator[Hit]:
    """Running Regular-priority VMs named or tagged as interruptible workloads."""
    words = {w.lower() for w in params.words}
    ha = {w.lower() for w in params.ha_words}
    for vm in outside_managed_groups(ctx, ctx.get(VMS)):
        p = props(vm)
        if power_state(vm) != "running" or str(p.get("priority") or "Regular").lower() != "regular":
            continue
        size = vm_size_name(vm)
        if size.lower().startswith("standard_b"):
            continue
        found = tag_words(vm) | tokens(str(vm.get("name") or "")) | tokens(resource_group(vm.get("id")))
        if not found & words or (tag_words(vm) | tokens(str(vm.get("name") or ""))) & ha:
            continue
        age = _age(vm, ctx)
        if age is None or age < params.min_age_days:
            continue
        compute = vm_compute_cost(ctx, vm, kind=CostKind.SAVING)
        if compute.amount is None:
            saving = compute
        else:
            saving = Money(
                amount=round(compute.amount * params.spot_discount_percent / 100, 2),
                basis=CostBasis.ESTIMATE,
                kind=CostKind.SAVING,
                detail=f"{params.spot_discount_percent:g}% assumed Spot discount on {compute.detail}",
            )
        yield Hit(
            resource=_vm_resource(vm),
            reason=f"VM {_label(vm)} looks interruptible ({', '.join(sorted(found & words))}) and runs at "
            "pay-as-you-go prices; as Spot it would cost less.",
            cost=saving,
            evidence=_facts(vm)
            | {
                "matched_words": sorted(found & words),
                "spot_discount_percent": params.spot_discount_percent,
                "scenario": "virtual_machine_spot_convertible",
            },
            confidence=Confidence.LOW,
            region=region_of(vm, ctx),
        )


# --- azure.compute.vm_missing_owner_tags ---------------------------------------------------------


class OwnerTagParams(BaseModel):
    """Parameters of ``azure.compute.vm_missing_owner_tags``."""

    required_tags: list[str] = Field(
        default_factory=lambda: ["owner", "team"],
        description="Tag keys (case-insensitive) every VM must have; a VM missing any is flagged.",
    )
    min_age_days: int = Field(30, ge=0, description="Only flag VMs created at least this many days ago.")


@check(
    id="azure.compute.vm_missing_owner_tags",
    title="VM without owner tags (nobody to ask whether it is still needed)",
    resource_type="virtual_machine",
    severity=Severity.LOW,
    needs=[VMS, RESOURCE_GROUPS],
    params=OwnerTagParams,
    klass="hygiene",
    rationale="""
        A VM with none of the tags that say who owns it (`required_tags`) is the kind nobody dares to
        delete and nobody pays attention to. VMs at least `min_age_days` old missing any required tag
        are listed with their compute cost (the book's Linux pay-as-you-go price) when running or
        stopped, and a known $0 of compute when deallocated (their disks are
        `azure.compute.vm_deallocated_long`'s). Confidence is low: an untagged VM is not proven waste.
        VMs in a resource group a service manages (its `managedBy`: AKS node groups, Databricks,
        Azure Red Hat OpenShift, managed applications) are that service's to size and delete: skipped.
    """,
    recommendation=(
        "Find the owner and tag it: az tag update --resource-id <id> --operation merge --tags owner=<name>"
    ),
    covers_original=["azure:virtual_machine_untagged_orphan"],
)
def vm_missing_owner_tags(ctx: CheckContext, params: OwnerTagParams) -> Iterator[Hit]:
    """VMs missing one of ``required_tags``, at least ``min_age_days`` old."""
    required = [t.lower() for t in params.required_tags]
    for vm in outside_managed_groups(ctx, ctx.get(VMS)):
        have = {k.lower() for k, v in tags(vm).items() if v.strip()}
        missing = [t for t in required if t not in have]
        if not missing:
            continue
        age = _age(vm, ctx)
        if age is None or age < params.min_age_days:
            continue
        state = power_state(vm)
        if state == "deallocated":
            cost = Money(
                amount=0.0,
                basis=CostBasis.BUNDLED_PRICE,
                detail="deallocated: no compute charge (its disks are reported separately)",
            )
        else:
            cost = vm_compute_cost(ctx, vm)
        yield Hit(
            resource=_vm_resource(vm),
            reason=f"VM {_label(vm)} ({state or 'state unknown'}) has no {' or '.join(missing)} tag after "
            f"{whole_days(age)}.",
            cost=cost,
            evidence=_facts(vm)
            | {
                "missing_tags": missing,
                "age_days": round(age, 1),
                "scenario": "virtual_machine_untagged_orphan",
            },
            confidence=Confidence.LOW,
            region=region_of(vm, ctx),
        )


# --- azure.compute.empty_availability_set --------------------------------------------------------


@check(
    id="azure.compute.empty_availability_set",
    title="Availability set with no VMs",
    resource_type="availability_set",
    severity=Severity.LOW,
    needs=["azure:availability_sets"],
    klass="hygiene",
    rationale="""
        An availability set that holds no VM (`properties.virtualMachines` empty) is clutter left after
        its VMs were deleted. Availability sets are free, so the cost is a known $0. As in the
        orphaned-resources workbook, sets whose names end in `-asr` are skipped: Azure Site Recovery
        creates them empty for failover.
    """,
    recommendation="Delete it: az vm availability-set delete --ids <id>",
    covers_peers=["azure.compute.empty_availability_set"],
)
def empty_availability_set(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Availability sets with no VMs, except Site Recovery's ``*-asr`` sets."""
    for aset in ctx.get("azure:availability_sets"):
        name = str(aset.get("name") or "")
        if props(aset).get("virtualMachines") or name.lower().endswith("-asr"):
            continue
        yield Hit(
            resource=resource(aset, "availability_set", created_field=None),
            reason=f"Availability set {name} holds no VM.",
            cost=Money(amount=0.0, basis=CostBasis.BUNDLED_PRICE, detail="availability sets are free"),
            evidence={
                "resource_group": resource_group(aset.get("id")),
                "sku": (aset.get("sku") or {}).get("name"),
                "fault_domains": props(aset).get("platformFaultDomainCount"),
                "update_domains": props(aset).get("platformUpdateDomainCount"),
            },
            confidence=Confidence.HIGH,
            region=region_of(aset, ctx),
        )
