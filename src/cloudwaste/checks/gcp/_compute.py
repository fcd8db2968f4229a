"""Compute Engine helpers of the GCP checks: lookups by URL, ownership, machine types and prices.

Prices come from ``pricing/data/gcp_compute.json`` (keys ``gcp.compute.*``); anything the book does not
hold (custom machine types, Hyperdisk, GPUs) is unknown, never 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cloudwaste.checks.context import CheckContext
from cloudwaste.checks.gcp._common import (
    as_int,
    last_segment,
    norm_url,
    price_region,
    zone_of,
    zone_region,
)
from cloudwaste.model import CostKind, Money
from cloudwaste.pricing.aws import add, with_note

INSTANCES = "gcp:instances"
DISKS = "gcp:disks"
SNAPSHOTS = "gcp:snapshots"
IMAGES = "gcp:images"
MACHINE_IMAGES = "gcp:machine_images"
TEMPLATES = "gcp:instance_templates"
IGMS = "gcp:instance_group_managers"
ADDRESSES = "gcp:addresses"
GLOBAL_ADDRESSES = "gcp:global_addresses"
FORWARDING_RULES = "gcp:forwarding_rules"
BACKEND_SERVICES = "gcp:backend_services"
TARGET_POOLS = "gcp:target_pools"
URL_MAPS = "gcp:url_maps"
TARGET_PROXIES = "gcp:target_proxies"
INSTANCE_GROUPS = "gcp:instance_groups"
ROUTERS = "gcp:routers"
VPN_GATEWAYS = "gcp:vpn_gateways"
NETWORKS = "gcp:networks"
RECOMMENDATIONS = "gcp:recommendations"

GIB = 1024**3
# the states in which an instance's vCPUs and memory are billed (SUSPENDED bills memory state storage)
BILLED_RUNNING = frozenset({"PROVISIONING", "STAGING", "RUNNING", "REPAIRING"})


def by_url(items: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Items by normalised ``selfLink``."""
    return {norm_url(i.get("selfLink")): i for i in items if i.get("selfLink")}


def project_of(url: Any) -> str:
    """The project id in a Compute URL (``projects/<p>/...``), '' when there is none."""
    match = re.search(r"(?:^|/)projects/([^/]+)", norm_url(url))
    return match.group(1) if match else ""


# --- instances ------------------------------------------------------------------------------------


def metadata_value(instance: Mapping[str, Any], key: str) -> str | None:
    """A metadata item of an instance (``metadata.items[{key, value}]``)."""
    for item in (instance.get("metadata") or {}).get("items") or []:
        if item.get("key") == key:
            return str(item.get("value") or "")
    return None


def managed_by(instance: Mapping[str, Any]) -> str | None:
    """What manages an instance, when something does: ``gke``, ``dataproc``, or the URL of its
    managed instance group (the ``created-by`` metadata Compute sets on MIG members)."""
    labels = instance.get("labels") or {}
    if "goog-gke-node" in labels or any(k.startswith("goog-k8s-") for k in labels):
        return "gke"
    if "goog-dataproc-cluster-name" in labels:
        return "dataproc"
    created_by = metadata_value(instance, "created-by")
    if created_by and "instanceGroupManagers/" in created_by:
        return created_by
    return None


def is_spot(instance: Mapping[str, Any]) -> bool:
    """Spot or preemptible VMs (cheaper vCPUs and IPs, and Google stops them itself)."""
    scheduling = instance.get("scheduling") or {}
    return bool(scheduling.get("preemptible")) or scheduling.get("provisioningModel") == "SPOT"


def instance_disks(instance: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The persistent disks attached to an instance (``disks[]`` with a ``source``)."""
    return [
        d for d in instance.get("disks") or [] if d.get("source") and d.get("type", "PERSISTENT") != "SCRATCH"
    ]


def external_ips(instance: Mapping[str, Any]) -> list[str]:
    """The external IPv4 addresses (``natIP``) of an instance's access configs."""
    ips = []
    for nic in instance.get("networkInterfaces") or []:
        for config in nic.get("accessConfigs") or []:
            if config.get("natIP"):
                ips.append(str(config["natIP"]))
    return ips


# --- machine types ---------------------------------------------------------------------------------

SHARED_CORE = frozenset({"e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small"})
# GB of memory per vCPU of the predefined classes
_MEMORY = {
    "n1": {"standard": 3.75, "highmem": 6.5, "highcpu": 0.9},
    "e2": {"standard": 4.0, "highmem": 8.0, "highcpu": 1.0},
    "n2": {"standard": 4.0, "highmem": 8.0, "highcpu": 1.0},
    "n2d": {"standard": 4.0, "highmem": 8.0, "highcpu": 1.0},
    "c2": {"standard": 4.0},
    "c3": {"standard": 4.0, "highmem": 8.0, "highcpu": 2.0},
    "t2d": {"standard": 4.0},
}


@dataclass(frozen=True)
class MachineType:
    """A predefined machine type: family, class, vCPUs and GB of memory (None for shared-core)."""

    name: str
    family: str
    klass: str
    vcpus: float | None
    memory_gb: float | None

    @property
    def shared_core(self) -> bool:
        return self.name in SHARED_CORE


def machine_type(value: Any) -> MachineType | None:
    """Parse a machine type name or URL (``n1-standard-4``); None for custom or unknown types."""
    name = last_segment(value)
    if name in SHARED_CORE:
        return MachineType(name, name.split("-")[0], "shared", None, None)
    match = re.fullmatch(r"([a-z][a-z0-9]*)-(standard|highmem|highcpu)-(\d+)", name)
    if not match:
        return None
    family, klass, count = match.group(1), match.group(2), int(match.group(3))
    per_cpu = _MEMORY.get(family, {}).get(klass)
    if per_cpu is None:
        return None
    return MachineType(name, family, klass, float(count), round(per_cpu * count, 2))


def machine_family(value: Any) -> str:
    """The family prefix of a machine type (``n1`` for ``n1-standard-4``, ``custom`` -> ``n1``)."""
    name = last_segment(value)
    if name.startswith("custom-"):
        return "n1"
    return name.split("-", 1)[0]


def machine_monthly(ctx: CheckContext, value: Any, region: str, *, kind: CostKind = CostKind.COST) -> Money:
    """The on-demand list price of a machine type per month (vCPU + memory, or the shared-core rate).

    List price before sustained-use discounts (N1, N2, N2D and C2 get up to 20-30 % off when they run
    most of the month); custom types are unknown.
    """
    mt = machine_type(value)
    name = last_segment(value)
    if mt is None:
        return Money.unknown(kind, detail=f"no price for machine type {name} (custom or not in the book)")
    if mt.shared_core:
        return ctx.prices.monthly(f"gcp.compute.machine.{name}.hour", region, kind=kind, what=name)
    assert mt.vcpus is not None and mt.memory_gb is not None
    cpu = ctx.prices.monthly(
        f"gcp.compute.{mt.family}.vcpu_hour", region, mt.vcpus, kind=kind, what=f"vCPU {mt.family}"
    )
    ram = ctx.prices.monthly(
        f"gcp.compute.{mt.family}.ram_gb_hour", region, mt.memory_gb, kind=kind, what=f"GB RAM {mt.family}"
    )
    return add([cpu, ram], kind=kind)


# --- disks -----------------------------------------------------------------------------------------


def disk_type(disk: Mapping[str, Any]) -> str:
    """``pd-balanced`` from the disk's ``type`` URL."""
    return last_segment(disk.get("type"))


def is_regional(disk: Mapping[str, Any]) -> bool:
    """A regional (synchronously replicated) disk: it has a ``region`` and no ``zone``."""
    return bool(disk.get("region")) and not disk.get("zone")


def disk_monthly(ctx: CheckContext, disk: Mapping[str, Any]) -> Money:
    """A disk's monthly list price: provisioned GB x its type's rate (regional types are priced on
    their own keys, twice the zonal rate), plus pd-extreme's provisioned IOPS. Hyperdisk is unknown."""
    region = price_region(disk, ctx)
    dtype = disk_type(disk)
    size = as_int(disk.get("sizeGb"))
    if size is None:
        return Money.unknown(detail=f"disk {disk.get('name')} has no sizeGb")
    prefix = "regional-" if is_regional(disk) else ""
    parts = [
        ctx.prices.monthly(
            f"gcp.compute.disk.{prefix}{dtype}.gb_month", region, size, what=f"GB {prefix}{dtype}"
        )
    ]
    if dtype == "pd-extreme" and as_int(disk.get("provisionedIops")):
        iops = as_int(disk.get("provisionedIops")) or 0
        parts.append(ctx.prices.monthly("gcp.compute.disk.pd-extreme.iops_month", region, iops, what="IOPS"))
    return add(parts)


def disk_users(disk: Mapping[str, Any]) -> list[str]:
    """Normalised URLs of the instances a disk is attached to."""
    return [norm_url(u) for u in disk.get("users") or [] if u]


# --- snapshots, images ------------------------------------------------------------------------------


def is_multi_region(location: str) -> bool:
    """A multi-region storage location (``us``, ``eu``, ``asia``) rather than a region (``us-central1``)."""
    return bool(location) and "-" not in location


def snapshot_monthly(ctx: CheckContext, snapshot: Mapping[str, Any]) -> Money:
    """A snapshot's monthly storage: ``storageBytes`` (its own, incremental, compressed bytes) at the
    standard or archive rate of its storage location (multi-regional or regional)."""
    stored = as_int(snapshot.get("storageBytes"))
    if stored is None:
        return Money.unknown(detail="snapshot has no storageBytes")
    location = str((snapshot.get("storageLocations") or ["us"])[0]).lower()
    tier = "archive" if snapshot.get("snapshotType") == "ARCHIVE" else "standard"
    scope = "multi_regional" if is_multi_region(location) else "regional"
    gb = round(stored / GIB, 2)
    money = ctx.prices.monthly(
        f"gcp.compute.snapshot.{tier}_{scope}.gb_month",
        location,
        gb,
        what=f"GiB {tier} snapshot ({location})",
    )
    if snapshot.get("storageBytesStatus") == "UPDATING":
        return with_note(money, "storageBytes is still being updated")
    return money


def storage_monthly(
    ctx: CheckContext, key: str, item: Mapping[str, Any], size_bytes: Any, what: str
) -> Money:
    """``size_bytes`` (an int64 string) in GiB at ``key``, priced at the item's storage location."""
    size = as_int(size_bytes)
    if size is None:
        return Money.unknown(detail=f"{what} has no stored size")
    location = str((item.get("storageLocations") or ["us"])[0]).lower()
    return ctx.prices.monthly(key, location, round(size / GIB, 2), what=f"GiB {what} ({location})")


# --- addresses ------------------------------------------------------------------------------------


def address_monthly(ctx: CheckContext, region: str, rate: str, count: int = 1) -> Money:
    """``count`` static external IPv4 addresses at the ``unused``, ``in_use_standard_vm`` or
    ``in_use_spot_vm`` hourly rate."""
    return ctx.prices.monthly(f"gcp.compute.address.{rate}.hour", region, count, what=f"static IP ({rate})")


def zone_or_region(item: Mapping[str, Any]) -> str:
    """The zone of a zonal item, else the region name ('' when global)."""
    return zone_of(item.get("zone")) or last_segment(item.get("region")) or ""


def region_name(item: Mapping[str, Any]) -> str:
    """The region of an item ('global' for global resources)."""
    zone = zone_of(item.get("zone"))
    if zone:
        return zone_region(zone)
    return last_segment(item.get("region")) or "global"
