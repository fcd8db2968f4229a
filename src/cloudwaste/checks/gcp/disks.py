"""Persistent disk checks: disks attached to nothing, disks of long-stopped VMs, and disks with no I/O."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    as_int,
    iso,
    labels,
    last_segment,
    norm_url,
    parse_time,
    region_of,
    resource,
    whole_days,
    zone_of,
)
from cloudwaste.checks.gcp._compute import (
    DISKS,
    INSTANCES,
    by_url,
    disk_monthly,
    disk_type,
    disk_users,
    instance_disks,
    is_regional,
)
from cloudwaste.checks.gcp.compute import STOPPED, stopped_since
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Resource, Severity

READ_OPS = "compute.googleapis.com/instance/disk/read_ops_count"
WRITE_OPS = "compute.googleapis.com/instance/disk/write_ops_count"


def _disk_resource(disk: Mapping[str, Any]) -> Resource:
    return resource(disk, "gce_disk")


def _where(disk: Mapping[str, Any]) -> str:
    """``--zone=<z>`` or ``--region=<r>`` for gcloud."""
    zone = zone_of(disk.get("zone"))
    return f"--zone={zone}" if zone else f"--region={last_segment(disk.get('region'))}"


def _facts(disk: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "disk_type": disk_type(disk),
        "size_gb": as_int(disk.get("sizeGb")),
        "regional": is_regional(disk),
        "status": disk.get("status"),
        "created": disk.get("creationTimestamp"),
        "last_attach": disk.get("lastAttachTimestamp"),
        "last_detach": disk.get("lastDetachTimestamp"),
        "source_image": last_segment(disk.get("sourceImage")) or None,
        "source_snapshot": last_segment(disk.get("sourceSnapshot")) or None,
    }


def gke_volume(disk: Mapping[str, Any]) -> str | None:
    """The Kubernetes persistent volume a disk backs, when GKE's CSI driver created it (its
    ``description`` JSON names ``kubernetes.io/created-for/pv/name``; the label
    ``goog-gke-volume`` marks it too)."""
    text = str(disk.get("description") or "")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        if isinstance(data, dict) and data.get("kubernetes.io/created-for/pv/name"):
            return str(data["kubernetes.io/created-for/pv/name"])
    if "goog-gke-volume" in labels(disk):
        return "goog-gke-volume"
    return None


def delete_command(disk: Mapping[str, Any]) -> str:
    """Snapshot-then-delete commands for a disk."""
    name, where = disk.get("name"), _where(disk)
    return (
        f"gcloud compute snapshots create {name}-final --source-disk={name} --source-disk-{where[2:]} && "
        f"gcloud compute disks delete {name} {where}"
    )


# --- gcp.compute.unattached_disk ---------------------------------------------------------------------


class UnattachedParams(BaseModel):
    """Parameters of ``gcp.compute.unattached_disk``."""

    min_days: int = Field(
        7, ge=0, description="Only flag disks detached (or, never attached, created) this long ago."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Disks unattached at least this many days are reported with high confidence."
    )


def _unattached_since(disk: Mapping[str, Any]) -> tuple[datetime | None, str]:
    detached = parse_time(disk.get("lastDetachTimestamp"))
    if detached is not None:
        return detached, "lastDetachTimestamp"
    return parse_time(disk.get("creationTimestamp")), "creationTimestamp (never detached)"


@check(
    id="gcp.compute.unattached_disk",
    title="Persistent disk attached to no instance",
    resource_type="gce_disk",
    severity=Severity.MEDIUM,
    needs=[DISKS],
    params=UnattachedParams,
    klass="orphan",
    rationale="""
        A persistent disk with no `users` serves no VM, yet its provisioned GB are billed (regional disks
        at twice the zonal rate, pd-extreme also per provisioned IOPS). Its age is the time since
        `lastDetachTimestamp`, or since `creationTimestamp` for a disk that was never detached (the
        evidence says which); the original ages every disk from its creation, so a year-old disk detached
        yesterday looked abandoned. Only READY disks count (CREATING, RESTORING and DELETING ones are in
        flux). Disks that back a GKE persistent volume (the CSI driver's description or the
        `goog-gke-volume` label) may belong to a StatefulSet scaled to zero: they are reported with low
        confidence and the advice to delete the PersistentVolumeClaim instead.
    """,
    recommendation=(
        "Snapshot it if the data matters, then delete it: gcloud compute snapshots create <name>-final "
        "--source-disk=<name> --source-disk-zone=<zone> && gcloud compute disks delete <name> --zone=<zone>"
    ),
    covers_original=["gcp:persistent_disk_unattached"],
    covers_peers=["gcp.compute.unattached_disk"],
)
def unattached_disk(ctx: CheckContext, params: UnattachedParams) -> Iterator[Hit]:
    """READY disks with no users, unattached at least ``min_days``."""
    for disk in ctx.get(DISKS):
        if disk.get("status", "READY") != "READY" or disk_users(disk):
            continue
        since, basis = _unattached_since(disk)
        if since is None:
            continue
        days = (ctx.now - since).total_seconds() / 86400.0
        if days < params.min_days:
            continue
        volume = gke_volume(disk)
        confidence = Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM
        recommendation = delete_command(disk)
        if volume:
            confidence = Confidence.LOW
            recommendation = (
                f"The disk backs GKE persistent volume {volume}: delete its PersistentVolumeClaim (kubectl "
                f"delete pvc <claim>) if the workload is gone, or {recommendation}"
            )
        never = basis.startswith("creation")
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Persistent disk {disk.get('name')} ({disk.get('sizeGb')} GB {disk_type(disk)}) is "
            "attached "
            f"to no instance and was {'created' if never else 'detached'} {whole_days(days)} ago.",
            cost=disk_monthly(ctx, disk),
            evidence=_facts(disk)
            | {
                "unattached_days": round(days, 1),
                "unattached_since": iso(since),
                "age_basis": basis,
                "gke_volume": volume,
                "scenario": "never_attached" if never and not disk.get("lastAttachTimestamp") else "detached",
            },
            confidence=confidence,
            recommendation=recommendation,
            region=region_of(disk, ctx),
        )


# --- gcp.compute.disk_on_stopped_instance --------------------------------------------------------------


class OnStoppedParams(BaseModel):
    """Parameters of ``gcp.compute.disk_on_stopped_instance``."""

    min_days: int = Field(
        7, ge=0, description="Only flag disks whose instances have all been stopped (TERMINATED) this long."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Instances stopped at least this long give high confidence."
    )
    exclude_boot_disks: bool = Field(False, description="Skip boot disks (they go with the instance).")


@check(
    id="gcp.compute.disk_on_stopped_instance",
    title="Persistent disk attached only to instances stopped for a long time",
    resource_type="gce_disk",
    severity=Severity.LOW,
    needs=[DISKS, INSTANCES],
    params=OnStoppedParams,
    klass="idle",
    rationale="""
        A stopped (TERMINATED or SUSPENDED) instance stops paying for vCPUs and memory, but every persistent
        disk attached to it is still billed. A disk is flagged when each of its `users` is stopped, the most
        recently stopped for at least `min_days` (from `lastStopTimestamp`; the original measures the disk's
        creation time, which says nothing about the VM). A disk shared with any running instance, or whose
        instance has no stop time, is not flagged. The instance's own finding
        (`gcp.compute.stopped_instance`) lists this disk in `cost_includes`, so totals count it once.
    """,
    recommendation=(
        "If the instance is not coming back, snapshot the disk and delete it with the instance: "
        "gcloud compute instances delete <instance> --zone=<zone> --delete-disks=all"
    ),
    covers_original=["gcp:persistent_disk_attached_stopped"],
    covers_peers=["gcp.compute.disk_on_stopped_instance"],
)
def disk_on_stopped_instance(ctx: CheckContext, params: OnStoppedParams) -> Iterator[Hit]:
    """Disks whose users are all stopped since at least ``min_days``."""
    instances = by_url(ctx.get(INSTANCES))
    for disk in ctx.get(DISKS):
        users = disk_users(disk)
        if not users or disk.get("status", "READY") != "READY":
            continue
        stops: list[tuple[Mapping[str, Any], float, bool]] = []
        for url in users:
            instance = instances.get(url)
            if instance is None or instance.get("status") not in STOPPED:
                break
            since, _ = stopped_since(instance)
            if since is None:
                break
            boot = any(
                norm_url(a.get("source")) == norm_url(disk.get("selfLink")) and a.get("boot")
                for a in instance_disks(instance)
            )
            stops.append((instance, (ctx.now - since).total_seconds() / 86400.0, boot))
        if len(stops) != len(users):
            continue
        days = min(d for _, d, _ in stops)
        if days < params.min_days or (params.exclude_boot_disks and any(b for _, _, b in stops)):
            continue
        instance = min(stops, key=lambda s: s[1])[0]
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Persistent disk {disk.get('name')} ({disk.get('sizeGb')} GB {disk_type(disk)}) is "
            "attached "
            f"only to instance {instance.get('name')}, stopped for {whole_days(days)}.",
            cost=disk_monthly(ctx, disk),
            evidence=_facts(disk)
            | {
                "instances": [
                    {"name": i.get("name"), "status": i.get("status"), "stopped_days": round(d, 1), "boot": b}
                    for i, d, b in stops
                ],
                "stopped_days": round(days, 1),
                "scenario": "attached_to_stopped",
            },
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=f"If {instance.get('name')} is not coming back: {delete_command(disk)} (after "
            f"gcloud compute instances detach-disk {instance.get('name')} --disk={disk.get('name')} "
            f"--zone={zone_of(instance.get('zone'))})",
            region=region_of(disk, ctx),
        )


# --- gcp.compute.idle_disk ---------------------------------------------------------------------------


class IdleDiskParams(BaseModel):
    """Parameters of ``gcp.compute.idle_disk``."""

    window_days: int = Field(14, ge=3, le=42, description="Days of daily disk I/O to look at.")
    min_datapoints: int = Field(12, ge=1, description="Days with data needed; fewer means unknown, not idle.")
    max_daily_ops: float = Field(
        100.0, ge=0, description="Flag when every day has at most this many read + write operations."
    )
    include_boot_disks: bool = Field(
        False, description="Also flag boot disks (an idle boot disk usually means an idle VM: see idle_vm)."
    )


def _disk_queries(params: IdleDiskParams) -> list[MetricQuery]:
    common: dict[str, Any] = {
        "namespace": "gce_instance",
        "dimension": "device_name",
        "collection": DISKS,
        "id_field": "name",
        "stat": "Sum",
        "period_s": 86400,
        "days": params.window_days,
    }
    return [MetricQuery(metric=READ_OPS, **common), MetricQuery(metric=WRITE_OPS, **common)]


def _daily_totals(read: MetricSeries, write: MetricSeries) -> list[float]:
    totals: dict[datetime, float] = {}
    for series in (read, write):
        for when, value in zip(series.timestamps, series.values, strict=False):
            totals[when] = totals.get(when, 0.0) + float(value)
    return [totals[k] for k in sorted(totals)]


@check(
    id="gcp.compute.idle_disk",
    title="Persistent disk attached to a running instance but with almost no I/O",
    resource_type="gce_disk",
    severity=Severity.MEDIUM,
    needs=[DISKS, INSTANCES],
    params=IdleDiskParams,
    klass="idle",
    metrics=_disk_queries,
    rationale="""
        Cloud Monitoring has no I/O metric per persistent disk: I/O is reported per instance,
        `compute.googleapis.com/instance/disk/read_ops_count` and `write_ops_count` on the `gce_instance`
        resource, one series per attached disk under the `device_name` metric label. The series are read
        by `device_name` = the disk's name (daily ALIGN_SUM), and only for disks whose `deviceName` in
        their instance's `disks[]` is the disk's name (the console's and gcloud's default for data disks);
        any other device name is unknown, never idle. Series of the same device name on other instances
        are summed in, which can only add I/O, never hide it. A disk is flagged when every day of
        `window_days` has at most `max_daily_ops` read + write operations (no operation at all gives high
        confidence), following Thrifty's low-usage rule rather than the original's "zero I/O since
        creation". Only disks attached to one RUNNING instance for the whole window
        (`lastAttachTimestamp`) with at least `min_datapoints` days of both series are judged.
        Boot disks are left to `gcp.compute.idle_vm` unless `include_boot_disks`.
    """,
    recommendation=(
        "Detach it, snapshot it and delete it: gcloud compute instances detach-disk <instance> --disk=<name> "
        "--zone=<zone>"
    ),
    covers_original=["gcp:persistent_disk_never_used"],
    covers_peers=["gcp.compute.idle_disk"],
)
def idle_disk(ctx: CheckContext, params: IdleDiskParams) -> Iterator[Hit]:
    """Disks of running instances whose device had at most ``max_daily_ops`` on every day."""
    read_q, write_q = _disk_queries(params)
    instances = by_url(ctx.get(INSTANCES))
    for disk in ctx.get(DISKS):
        users = disk_users(disk)
        if len(users) != 1 or disk.get("status", "READY") != "READY":
            continue  # multi-writer / read-only shared disks: I/O is split across VMs
        instance = instances.get(users[0])
        if instance is None or instance.get("status") != "RUNNING":
            continue
        attached = next(
            (
                a
                for a in instance_disks(instance)
                if norm_url(a.get("source")) == norm_url(disk.get("selfLink"))
            ),
            None,
        )
        if attached is None or not attached.get("deviceName"):
            continue
        if attached.get("boot") and not params.include_boot_disks:
            continue
        since = parse_time(disk.get("lastAttachTimestamp")) or parse_time(disk.get("creationTimestamp"))
        if since is None or (ctx.now - since).total_seconds() / 86400.0 < params.window_days:
            continue
        if attached["deviceName"] != disk.get("name"):
            continue  # its series is filed under a device name that is not the disk's: unknown
        read, write = ctx.metric(read_q, str(disk["name"])), ctx.metric(write_q, str(disk["name"]))
        if read is None or write is None:
            continue
        daily = _daily_totals(read, write)
        if min(len(read.values), len(write.values)) < params.min_datapoints:
            continue
        busiest = max(daily, default=0.0)
        if busiest > params.max_daily_ops:
            continue
        total = sum(daily)
        yield Hit(
            resource=_disk_resource(disk),
            reason=f"Persistent disk {disk.get('name')} ({disk.get('sizeGb')} GB {disk_type(disk)}) on "
            "running "
            f"instance {instance.get('name')} did at most {busiest:,.0f} I/O operations a day over "
            f"{len(daily)} "
            "days.",
            cost=disk_monthly(ctx, disk),
            evidence=_facts(disk)
            | {
                "instance": instance.get("name"),
                "device_name": attached["deviceName"],
                "boot": bool(attached.get("boot")),
                "window_days": params.window_days,
                "datapoints": len(daily),
                "max_daily_ops": busiest,
                "total_ops": total,
                "read_ops": read.evidence(),
                "write_ops": write.evidence(),
                "scenario": "never_used" if total == 0 else "low_io",
            },
            confidence=Confidence.HIGH if total == 0 else Confidence.MEDIUM,
            recommendation=f"gcloud compute instances detach-disk {instance.get('name')} "
            f"--disk={disk.get('name')} "
            f"--zone={zone_of(instance.get('zone'))} && {delete_command(disk)}",
            region=region_of(disk, ctx),
        )
