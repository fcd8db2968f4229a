"""Disk snapshot checks: old snapshots and snapshots whose source disk no longer exists."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.gcp._common import (
    as_int,
    days_since,
    last_segment,
    norm_url,
    parse_time,
    resource,
    whole_days,
)
from cloudwaste.checks.gcp._compute import DISKS, GIB, SNAPSHOTS, by_url, project_of, snapshot_monthly
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Severity


def _location(snapshot: Mapping[str, Any]) -> str:
    """A snapshot's region for findings: its storage location (``us``, ``europe-west1``)."""
    return str((snapshot.get("storageLocations") or ["global"])[0]).lower()


def _facts(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    stored = as_int(snapshot.get("storageBytes"))
    return {
        "source_disk": last_segment(snapshot.get("sourceDisk")) or None,
        "source_disk_id": snapshot.get("sourceDiskId"),
        "disk_size_gb": as_int(snapshot.get("diskSizeGb")),
        "storage_gb": round(stored / GIB, 2) if stored is not None else None,
        "snapshot_type": snapshot.get("snapshotType", "STANDARD"),
        "storage_locations": snapshot.get("storageLocations"),
        "auto_created": bool(snapshot.get("autoCreated")),
        "schedule": last_segment(snapshot.get("sourceSnapshotSchedulePolicy")) or None,
        "created": snapshot.get("creationTimestamp"),
    }


def _scheduled(snapshot: Mapping[str, Any]) -> bool:
    return bool(snapshot.get("autoCreated") or snapshot.get("sourceSnapshotSchedulePolicy"))


def source_state(snapshot: Mapping[str, Any], disks: Mapping[str, Mapping[str, Any]], project: str) -> str:
    """``exists``, ``deleted``, ``recreated`` (a disk of the same name with another id), ``elsewhere``
    (another project's disk: not visible here) or ``none`` (no source disk recorded)."""
    source = norm_url(snapshot.get("sourceDisk"))
    if not source:
        return "none"
    if project and project_of(source) and project_of(source) != project.lower():
        return "elsewhere"
    disk = disks.get(source)
    if disk is None:
        return "deleted"
    wanted = str(snapshot.get("sourceDiskId") or "")
    if wanted and str(disk.get("id") or "") and str(disk.get("id")) != wanted:
        return "recreated"
    return "exists"


def _cost_group(snapshot: Mapping[str, Any]) -> str:
    return f"gcp-snapshot:{norm_url(snapshot.get('selfLink')) or snapshot.get('id')}"


# --- gcp.compute.old_snapshot ---------------------------------------------------------------------------


class OldParams(BaseModel):
    """Parameters of ``gcp.compute.old_snapshot``."""

    min_days: int = Field(90, ge=1, description="Only flag snapshots at least this many days old.")
    high_confidence_days: int = Field(
        365, ge=1, description="Snapshots this old are reported with high confidence."
    )
    include_scheduled: bool = Field(
        False,
        description="Also flag snapshots a snapshot schedule created (its retention policy deletes them).",
    )
    include_archive: bool = Field(
        False, description="Also flag ARCHIVE snapshots (made for long retention, 90-day minimum billing)."
    )


@check(
    id="gcp.compute.old_snapshot",
    title="Disk snapshot older than the retention threshold",
    resource_type="gce_snapshot",
    severity=Severity.LOW,
    needs=[SNAPSHOTS, DISKS],
    params=OldParams,
    klass="policy",
    rationale="""
        Snapshots are billed every month on the bytes they store (`storageBytes`: incremental and
        compressed, at the standard or archive rate of their storage location, multi-regional costing more
        than regional). A READY snapshot older than `min_days` (Thrifty's 90) is reported, with high
        confidence from `high_confidence_days`. Snapshots created by a snapshot schedule are left to its
        retention policy, and ARCHIVE snapshots are meant to be kept, unless asked. The newest snapshot of
        a disk that still exists is never flagged: it may be that disk's only backup. Deleting a snapshot
        moves the blocks a later snapshot still needs into that one, so the saving can be smaller than the
        snapshot's cost; a snapshot also flagged as orphaned shares its cost group, so totals count it
        once. The original's "never restored" variant needs restore logs, which are not read here.
    """,
    recommendation="Delete it if no restore will need it: gcloud compute snapshots delete <name>",
    covers_original=["gcp:gcp_disk_snapshot_old_unused", "gcp:gcp_disk_snapshot_no_retention_policy"],
    covers_peers=["gcp.compute.old_snapshot"],
)
def old_snapshot(ctx: CheckContext, params: OldParams) -> Iterator[Hit]:
    """READY snapshots older than ``min_days``, except the newest of each existing disk."""
    snapshots = [s for s in ctx.get(SNAPSHOTS) if s.get("status", "READY") == "READY"]
    disks = by_url(ctx.get(DISKS))
    newest: dict[str, tuple[str, str]] = {}
    for snap in snapshots:
        if source_state(snap, disks, ctx.account) != "exists":
            continue
        stamp = parse_time(snap.get("creationTimestamp"))
        key = norm_url(snap.get("sourceDisk"))
        entry = (stamp.isoformat() if stamp else "", str(snap.get("selfLink")))
        if key not in newest or entry > newest[key]:
            newest[key] = entry
    latest = {link for _, link in newest.values()}
    for snap in snapshots:
        days = days_since(snap.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        if _scheduled(snap) and not params.include_scheduled:
            continue
        if snap.get("snapshotType") == "ARCHIVE" and not params.include_archive:
            continue
        if str(snap.get("selfLink")) in latest:
            continue
        state = source_state(snap, disks, ctx.account)
        yield Hit(
            resource=resource(snap, "gce_snapshot"),
            reason=f"Snapshot {snap.get('name')} of disk {last_segment(snap.get('sourceDisk')) or 'unknown'} "
            "is "
            f"{whole_days(days)} old.",
            cost=snapshot_monthly(ctx, snap),
            evidence=_facts(snap)
            | {
                "age_days": round(days, 1),
                "source_disk_state": state,
                "scenario": "manual_old" if not _scheduled(snap) else "scheduled_old",
            },
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=f"gcloud compute snapshots delete {snap.get('name')}",
            cost_group=_cost_group(snap),
            region=_location(snap),
        )


# --- gcp.compute.orphan_snapshot ----------------------------------------------------------------------------


class OrphanParams(BaseModel):
    """Parameters of ``gcp.compute.orphan_snapshot``."""

    min_days: int = Field(30, ge=0, description="Only flag snapshots at least this many days old.")
    high_confidence_days: int = Field(
        90, ge=0, description="Snapshots this old are reported with high confidence."
    )


@check(
    id="gcp.compute.orphan_snapshot",
    title="Snapshot of a disk that no longer exists",
    resource_type="gce_snapshot",
    severity=Severity.MEDIUM,
    needs=[SNAPSHOTS, DISKS],
    params=OrphanParams,
    klass="orphan",
    rationale="""
        A snapshot whose `sourceDisk` is gone is often the leftover of a deleted VM, still billed on its
        `storageBytes`. The disk is looked up by its URL among the project's disks (every zone and region);
        a disk of the same URL whose `id` differs from the snapshot's `sourceDiskId` is a new disk that
        reused the name, so the snapshot's disk is gone too (the original compares names only and misses
        it). Snapshots of another project's disk cannot be checked and are skipped. Snapshots of at least
        `min_days` are reported: a final backup taken before deleting a disk is deliberate, so the
        recommendation is to confirm before deleting. A snapshot
        also flagged as old shares its cost group, so totals count it once.
    """,
    recommendation="Confirm no restore needs it, then delete it: gcloud compute snapshots delete <name>",
    covers_original=["gcp:gcp_disk_snapshot_orphaned", "gcp:persistent_disk_orphan_snapshots"],
    covers_peers=[],
)
def orphan_snapshot(ctx: CheckContext, params: OrphanParams) -> Iterator[Hit]:
    """READY snapshots whose source disk was deleted (or replaced) at least ``min_days`` after creation."""
    disks = by_url(ctx.get(DISKS))
    for snap in ctx.get(SNAPSHOTS):
        if snap.get("status", "READY") != "READY":
            continue
        state = source_state(snap, disks, ctx.account)
        if state not in ("deleted", "recreated"):
            continue
        days = days_since(snap.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        gone = "was deleted" if state == "deleted" else "was deleted and its name reused by a new disk"
        yield Hit(
            resource=resource(snap, "gce_snapshot"),
            reason=f"Snapshot {snap.get('name')} ({whole_days(days)} old) is of disk "
            f"{last_segment(snap.get('sourceDisk'))}, which {gone}.",
            cost=snapshot_monthly(ctx, snap),
            evidence=_facts(snap)
            | {"age_days": round(days, 1), "source_disk_state": state, "scenario": f"source_{state}"},
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=f"Confirm no restore needs it, then delete it: gcloud compute snapshots delete "
            f"{snap.get('name')}",
            cost_group=_cost_group(snap),
            region=_location(snap),
        )
