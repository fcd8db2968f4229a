"""What the Azure compute checks share: disk tiers and prices, snapshot and VM prices, exclusions.

Managed disks bill by tier (the smallest tier at least as large as the disk; a Premium SSD whose
performance tier was raised bills at that tier), Premium SSD v2 and Ultra Disks by provisioned GiB,
IOPS and MB/s; snapshots by the GiB of data they hold, which ARM does not report, so a snapshot's
price here is an upper bound at its provisioned size. ZRS is its own price in the book, and
customer-managed keys add no disk charge. Price keys are those of ``pricing/data/azure_compute.json``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from cloudwaste.checks.azure._common import norm, prop, props, region_of, tags
from cloudwaste.checks.azure._vm_sizes import vm_size
from cloudwaste.checks.context import CheckContext
from cloudwaste.model import CostBasis, CostKind, Money
from cloudwaste.pricing.aws import add, with_note

GIB = 1024**3


class Tier(NamedTuple):
    """A managed disk size tier: its name, largest size (GiB), and provisioned IOPS and MB/s."""

    name: str
    max_gib: int
    iops: int
    mbps: int


# sizes and performance targets: "Scalability and performance targets for VM disks"
PREMIUM_TIERS = tuple(
    Tier(*t)
    for t in (
        ("P1", 4, 120, 25), ("P2", 8, 120, 25), ("P3", 16, 120, 25), ("P4", 32, 120, 25),
        ("P6", 64, 240, 50), ("P10", 128, 500, 100), ("P15", 256, 1100, 125), ("P20", 512, 2300, 150),
        ("P30", 1024, 5000, 200), ("P40", 2048, 7500, 250), ("P50", 4096, 7500, 250),
        ("P60", 8192, 16000, 500), ("P70", 16384, 18000, 750), ("P80", 32767, 20000, 900),
    )
)  # fmt: skip
STANDARD_SSD_TIERS = tuple(
    Tier(*t)
    for t in (
        ("E1", 4, 500, 60), ("E2", 8, 500, 60), ("E3", 16, 500, 60), ("E4", 32, 500, 60),
        ("E6", 64, 500, 60), ("E10", 128, 500, 60), ("E15", 256, 500, 60), ("E20", 512, 500, 60),
        ("E30", 1024, 500, 60), ("E40", 2048, 500, 60), ("E50", 4096, 500, 60),
        ("E60", 8192, 2000, 400), ("E70", 16384, 4000, 600), ("E80", 32767, 6000, 750),
    )
)  # fmt: skip
STANDARD_HDD_TIERS = tuple(
    Tier(*t)
    for t in (
        ("S4", 32, 500, 60), ("S6", 64, 500, 60), ("S10", 128, 500, 60), ("S15", 256, 500, 60),
        ("S20", 512, 500, 60), ("S30", 1024, 500, 60), ("S40", 2048, 500, 60), ("S50", 4096, 500, 60),
        ("S60", 8192, 1300, 300), ("S70", 16384, 2000, 500), ("S80", 32767, 2000, 500),
    )
)  # fmt: skip
ULTRA_SIZES = (4, 8, 16, 32, 64, 128, 256, 512, 1024)  # then whole TiB
PREMIUM_V2_FREE_IOPS = 3000
PREMIUM_V2_FREE_MBPS = 125
ON_DEMAND_BURST_MIN_GIB = 513  # on-demand bursting: Premium SSD larger than 512 GiB

# (family, redundancy) of each managed disk SKU with tiers
TIERED_SKUS: dict[str, tuple[str, str]] = {
    "premium_lrs": ("premium_ssd", "lrs"),
    "premium_zrs": ("premium_ssd", "zrs"),
    "standardssd_lrs": ("standard_ssd", "lrs"),
    "standardssd_zrs": ("standard_ssd", "zrs"),
    "standard_lrs": ("standard_hdd", "lrs"),
}
FAMILY_TIERS = {
    "premium_ssd": PREMIUM_TIERS,
    "standard_ssd": STANDARD_SSD_TIERS,
    "standard_hdd": STANDARD_HDD_TIERS,
}
FAMILY_LABEL = {"premium_ssd": "Premium SSD", "standard_ssd": "Standard SSD", "standard_hdd": "Standard HDD"}

# --- false-positive exclusions of the Azure orphaned-resources workbook -------------------------
ASR_DISK_NAME = re.compile(r"(-asrreplica$|^ms-asr-|^asrseeddisk-)", re.IGNORECASE)
EXCLUDED_TAG_PARTS = {
    "kubernetes.io-created-for-pvc": "an AKS persistent volume (kubernetes.io-created-for-pvc-* tag)",
    "asr-replicadisk": "an Azure Site Recovery replica disk (ASR-ReplicaDisk tag)",
    "asrseeddisk": "an Azure Site Recovery seed disk (asrseeddisk tag)",
    "rsvaultbackup": "an Azure Backup disk (RSVaultBackup tag)",
}


def excluded(item: Mapping[str, Any]) -> str | None:
    """Why a disk or snapshot belongs to a service (ASR, AKS, Azure Backup), or None.

    The workbook's rule: names ending ``-ASRReplica`` or starting ``ms-asr-`` / ``asrseeddisk-``,
    and tags (keys or values) containing the service markers.
    """
    name = str(item.get("name") or "")
    if ASR_DISK_NAME.search(name):
        return f"an Azure Site Recovery disk (name {name})"
    text = " ".join(f"{k}={v}" for k, v in tags(item).items()).lower()
    for part, why in EXCLUDED_TAG_PARTS.items():
        if part in text:
            return why
    return None


# --- disks ----------------------------------------------------------------------------------------


def sku(item: Mapping[str, Any]) -> str:
    """The item's ``sku.name`` (``Premium_LRS``), '' when absent."""
    return str((item.get("sku") or {}).get("name") or "")


def size_gib(item: Mapping[str, Any]) -> float:
    """A disk's or snapshot's provisioned size in GiB (``diskSizeGB``, else ``diskSizeBytes``)."""
    size = prop(item, "diskSizeGB")
    if size:
        return float(size)
    size_bytes = prop(item, "diskSizeBytes")
    return round(float(size_bytes) / GIB, 2) if size_bytes else 0.0


def size_tier(family: str, gib: float) -> Tier:
    """The tier a disk of ``gib`` GiB bills at (the smallest that holds it)."""
    tiers = FAMILY_TIERS[family]
    return next((t for t in tiers if gib <= t.max_gib), tiers[-1])


def tier_named(family: str, name: str | None) -> Tier | None:
    """The tier called ``name`` (P30) in ``family``."""
    return next((t for t in FAMILY_TIERS[family] if t.name.lower() == str(name or "").lower()), None)


def billed_tier(disk: Mapping[str, Any]) -> tuple[str, str, Tier] | None:
    """(family, redundancy, tier) a tiered disk bills at; None for Premium SSD v2, Ultra and unknowns.

    A Premium SSD's ``tier`` (performance tier) bills when it is above its size tier.
    """
    fam = TIERED_SKUS.get(sku(disk).lower())
    if fam is None:
        return None
    family, redundancy = fam
    tier = size_tier(family, size_gib(disk))
    if family == "premium_ssd":
        chosen = tier_named(family, prop(disk, "tier"))
        if chosen is not None and chosen.max_gib > tier.max_gib:
            tier = chosen
    return family, redundancy, tier


def tier_price(
    ctx: CheckContext,
    region: str,
    family: str,
    redundancy: str,
    tier: Tier,
    *,
    kind: CostKind = CostKind.COST,
) -> Money:
    """The monthly price of one disk of ``tier``."""
    label = f"{FAMILY_LABEL[family]} {tier.name} {redundancy.upper()}"
    return ctx.prices.monthly(
        f"azure.disk.{family}_{redundancy}.{tier.name}.month", region, kind=kind, what=label
    )


def ultra_billed_gib(gib: float) -> int:
    """Ultra Disks bill the next provisioned size: 4, 8, ... 1024 GiB, then whole TiB."""
    for size in ULTRA_SIZES:
        if gib <= size:
            return size
    return int(math.ceil(gib / 1024.0) * 1024)


def disk_cost(ctx: CheckContext, disk: Mapping[str, Any]) -> Money:
    """What a managed disk costs a month: its tier (or provisioned GiB, IOPS and MB/s), from the book.

    Transactions (Standard HDD/SSD, burst IO) and shared-disk mount charges depend on use and are
    left out (said in the detail); the on-demand bursting enablement fee is added when the book has it.
    """
    region = region_of(disk, ctx)
    name = sku(disk).lower()
    gib = size_gib(disk)
    iops = int(prop(disk, "diskIOPSReadWrite") or 0)
    mbps = int(prop(disk, "diskMBpsReadWrite") or 0)
    if name == "premiumv2_lrs":
        parts = [
            ctx.prices.monthly("azure.disk.premium_v2_lrs.gib.hour", region, gib, what="GiB Premium SSD v2")
        ]
        if iops > PREMIUM_V2_FREE_IOPS:
            extra = iops - PREMIUM_V2_FREE_IOPS
            parts.append(
                ctx.prices.monthly("azure.disk.premium_v2_lrs.iops.hour", region, extra, what="IOPS > 3000")
            )
        if mbps > PREMIUM_V2_FREE_MBPS:
            extra = mbps - PREMIUM_V2_FREE_MBPS
            parts.append(
                ctx.prices.monthly("azure.disk.premium_v2_lrs.mbps.hour", region, extra, what="MB/s > 125")
            )
        return add(parts)
    if name == "ultrassd_lrs":
        billed_gib = ultra_billed_gib(gib)
        parts = [
            ctx.prices.monthly("azure.disk.ultra_lrs.gib.hour", region, billed_gib, what="GiB Ultra"),
            ctx.prices.monthly("azure.disk.ultra_lrs.iops.hour", region, iops, what="IOPS"),
            ctx.prices.monthly("azure.disk.ultra_lrs.mbps.hour", region, mbps, what="MB/s"),
        ]
        return add(parts)
    billed = billed_tier(disk)
    if billed is None:
        return Money.unknown(detail=f"no price for disk SKU {sku(disk) or 'unknown'}")
    family, redundancy, tier = billed
    money = tier_price(ctx, region, family, redundancy, tier)
    notes: list[str] = []
    if family != "premium_ssd":
        notes.append("transactions excluded")
    if on_demand_bursting(disk):
        fee = ctx.prices.monthly(f"azure.disk.premium_ssd_{redundancy}_burst.{tier.name}.month", region)
        if fee.amount is not None:
            money = add([money, fee])
        else:
            notes.append("on-demand bursting enablement fee not in the price book, excluded")
    if int(prop(disk, "maxShares") or 1) > 1:
        notes.append("shared-disk mount charges excluded")
    return with_note(money, "; ".join(notes)) if notes else money


def on_demand_bursting(disk: Mapping[str, Any]) -> bool:
    """A Premium SSD with on-demand bursting enabled (``burstingEnabled``, larger than 512 GiB)."""
    return (
        sku(disk).lower() in ("premium_lrs", "premium_zrs")
        and bool(prop(disk, "burstingEnabled"))
        and size_gib(disk) >= ON_DEMAND_BURST_MIN_GIB
    )


def disk_label(disk: Mapping[str, Any]) -> str:
    """``data-01 (128 GiB Premium_LRS)``."""
    return f"{disk.get('name')} ({size_gib(disk):g} GiB {sku(disk) or '?'})"


def disk_owners(disk: Mapping[str, Any]) -> list[str]:
    """Normalised ids of the VMs a disk is attached to (``managedBy`` and ``managedByExtended``)."""
    owners = [norm(disk.get("managedBy"))] if disk.get("managedBy") else []
    owners += [norm(v) for v in disk.get("managedByExtended") or [] if v]
    return list(dict.fromkeys(owners))


def vm_disk_ids(vm: Mapping[str, Any]) -> list[str]:
    """Normalised ids of a VM's managed OS and data disks."""
    storage = props(vm).get("storageProfile") or {}
    refs = [((storage.get("osDisk") or {}).get("managedDisk") or {}).get("id")]
    refs += [((d or {}).get("managedDisk") or {}).get("id") for d in storage.get("dataDisks") or []]
    return [norm(r) for r in refs if r]


def os_disk_id(vm: Mapping[str, Any]) -> str:
    """Normalised id of a VM's managed OS disk ('' when none)."""
    storage = props(vm).get("storageProfile") or {}
    return norm(((storage.get("osDisk") or {}).get("managedDisk") or {}).get("id"))


def by_id(items: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Items keyed by normalised id."""
    return {norm(i.get("id")): i for i in items if i.get("id")}


# --- snapshots ------------------------------------------------------------------------------------


def snapshot_cost(ctx: CheckContext, snap: Mapping[str, Any]) -> Money:
    """Upper bound of a snapshot's monthly storage: its provisioned GiB at its SKU's price.

    Azure bills a snapshot on the data it holds (an incremental one on the blocks changed since
    the previous one), which ARM does not report: the amount is an upper bound, basis estimate.
    Incremental snapshots are always on Standard HDD storage, whatever their ``sku``.
    """
    name = sku(snap).lower() or "standard_lrs"
    if prop(snap, "incremental") and name not in ("standard_lrs", "standard_zrs"):
        name = "standard_zrs" if name.endswith("zrs") else "standard_lrs"
    gib = size_gib(snap)
    money = ctx.prices.monthly(
        f"azure.snapshot.{name}.gb_month", region_of(snap, ctx), gib, what=f"GiB {name}"
    )
    if money.amount is None:
        return money
    bound = "upper bound: billed on the data the snapshot holds, which ARM does not report"
    return with_note(money, bound).model_copy(update={"basis": CostBasis.ESTIMATE})


def snapshot_source(snap: Mapping[str, Any]) -> str:
    """Normalised ``creationData.sourceResourceId`` of a snapshot ('' for imports and uploads)."""
    return norm((prop(snap, "creationData") or {}).get("sourceResourceId"))


def snapshot_family(snap: Mapping[str, Any]) -> str | None:
    """The cost group of an incremental snapshot's family (they share blocks); None for full ones."""
    if not prop(snap, "incremental"):
        return None
    family = prop(snap, "incrementalSnapshotFamilyId") or snapshot_source(snap)
    return f"snapshot-family:{str(family).lower()}" if family else None


# --- VMs ------------------------------------------------------------------------------------------


def vm_size_name(vm: Mapping[str, Any]) -> str:
    """``Standard_D4s_v5`` from ``hardwareProfile.vmSize``."""
    return str((props(vm).get("hardwareProfile") or {}).get("vmSize") or "")


def size_price(
    ctx: CheckContext, size: str, region: str, *, kind: CostKind = CostKind.COST, what: str | None = None
) -> Money:
    """The monthly Linux pay-as-you-go price of VM size ``size`` in ``region``."""
    return ctx.prices.monthly(f"azure.vm.{size.lower()}.hour", region, kind=kind, what=what or size)


def vm_compute_cost(ctx: CheckContext, vm: Mapping[str, Any], *, kind: CostKind = CostKind.COST) -> Money:
    """A VM's compute charge per month at the book's Linux pay-as-you-go price.

    Spot/Low priority VMs (their price moves) and VMs on dedicated hosts (the host is billed) are
    unknown; a Windows VM's licence is not included (said in the detail).
    """
    p = props(vm)
    size = vm_size_name(vm)
    if str(p.get("priority") or "Regular").lower() in ("spot", "low"):
        return Money.unknown(kind, detail=f"{p.get('priority')} VM: its price varies and is not in the book")
    if (p.get("host") or {}).get("id") or (p.get("hostGroup") or {}).get("id"):
        return Money.unknown(kind, detail="VM on a dedicated host: the host is billed, not the VM")
    if not size:
        return Money.unknown(kind, detail="VM size unknown")
    money = size_price(ctx, size, region_of(vm, ctx), kind=kind)
    os_type = str(((p.get("storageProfile") or {}).get("osDisk") or {}).get("osType") or "")
    if money.amount is not None and os_type.lower() == "windows":
        licence = "Azure Hybrid Benefit" if p.get("licenseType") else "not included"
        money = with_note(money, f"Linux rate; Windows licence {licence}")
    return money


def vcpus(vm: Mapping[str, Any]) -> int | None:
    """The VM's vCPU count from the size table (None when the size is not in it)."""
    size = vm_size(vm_size_name(vm))
    return size.vcpus if size else None
