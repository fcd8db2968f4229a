"""EBS snapshot checks: old, orphaned, redundant, failed and untagged snapshots.

Every check skips what a consumer or a policy owns: snapshots behind a registered AMI or a launch
template version, AWS Backup recovery points and Data Lifecycle Manager snapshots. A snapshot's cost
is an upper bound (standard-tier snapshots are incremental: deleting one frees only the blocks no other
snapshot shares), and the snapshots of one volume share a ``cost_group`` so totals charge the lineage
once, at its largest, instead of N full copies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import (
    GIB,
    SnapshotIndex,
    backup_managed,
    dlm_managed,
    ec2_arn,
    is_copy,
    iso,
    resource,
    snapshot_cost,
    snapshot_lineage,
    whole_days,
)
from cloudwaste.checks.aws.ebs import ACTIVITY_WINDOW_DAYS, activity_queries, attached_idle, unattached_state
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, age_days, aws_tags
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import with_note

INSTANCE_ID = re.compile(r"\bi-[0-9a-f]{8,17}\b")
SNAPSHOT_NEEDS = ["ec2:snapshots", "ec2:volumes", "ec2:images", "ec2:launch_template_versions"]
DELETE = "Check nobody relies on it, then delete it: aws ec2 delete-snapshot --snapshot-id <id>"
RETENTION_TAG_WORDS = ("backup", "compliance", "governance", "retention", "legal")
NONPROD_TAG_KEYS = ("environment", "env", "stage")
NONPROD_VALUES = ("dev", "development", "test", "testing", "stage", "staging", "qa")
_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


def _lineage_cost(ctx: CheckContext, snap: Mapping[str, Any]) -> tuple[Money, str | None]:
    """(the snapshot's upper-bound cost, its lineage cost group): a lineage is charged once in totals."""
    group = snapshot_lineage(snap)
    cost = snapshot_cost(ctx, snap)
    if group is None:
        return cost, None
    note = (
        f"snapshots of volume {snap['VolumeId']} share blocks and are charged once in totals, at the largest"
    )
    return with_note(cost, note), group


def _snapshot_resource(ctx: CheckContext, snap: Mapping[str, Any]) -> Resource:
    sid = str(snap["SnapshotId"])
    arn = ec2_arn(ctx, "snapshot", sid, with_account=False)
    return resource(snap, rid=sid, rtype="ebs_snapshot", arn=arn, created=snap.get("StartTime"))


def _snapshot_facts(snap: Mapping[str, Any], age: float, group: str | None) -> dict[str, Any]:
    bound = (
        "upper bound for this snapshot (snapshots store only written blocks; standard ones are incremental)"
    )
    if group:
        bound += f"; snapshots of volume {snap['VolumeId']} are charged once in totals, at the largest"
    return {
        "state": snap.get("State"),
        "age_days": round(age, 1),
        "started_at": iso(snap.get("StartTime")),
        "volume_id": snap.get("VolumeId"),
        "volume_size_gb": snap.get("VolumeSize"),
        "full_snapshot_size_gb": round(snap["FullSnapshotSizeInBytes"] / GIB, 2)
        if snap.get("FullSnapshotSizeInBytes")
        else None,
        "storage_tier": snap.get("StorageTier") or "standard",
        "description": snap.get("Description") or None,
        "cost_bound": bound,
    }


def _owned(index: SnapshotIndex, snap: Mapping[str, Any]) -> bool:
    """A consumer or a policy owns the snapshot: an AMI, a launch template, AWS Backup or DLM."""
    return bool(index.referenced(snap)) or backup_managed(snap) or dlm_managed(snap)


def _retention_tagged(snap: Mapping[str, Any], words: list[str]) -> str | None:
    """The first tag key that declares a retention intent (Backup, Retention, Legal...), if any."""
    for key in aws_tags(snap):
        if any(word.lower() in key.lower() for word in words):
            return key
    return None


def _nonprod(snap: Mapping[str, Any]) -> str | None:
    """The environment tag value when it names a non-production environment."""
    for key, value in aws_tags(snap).items():
        if key.lower() in NONPROD_TAG_KEYS and value.strip().lower() in NONPROD_VALUES:
            return value
    return None


# --- aws.ebs.old_snapshot ------------------------------------------------------------------------


class OldSnapshotParams(BaseModel):
    """Parameters of ``aws.ebs.old_snapshot``."""

    max_age_days: int = Field(90, ge=1, description="Flag snapshots at least this many days old.")
    nonprod_max_age_days: int = Field(
        90,
        ge=1,
        description="Flag snapshots tagged for a non-production environment (Environment/Env/Stage = dev, "
        "test, staging, qa...) at least this many days old, with medium confidence (high from twice it).",
    )
    retention_tag_words: list[str] = Field(
        default_factory=lambda: list(RETENTION_TAG_WORDS),
        description="Snapshots with a tag key containing one of these words declare a retention and are "
        "skipped.",
    )


@check(
    id="aws.ebs.old_snapshot",
    title="EBS snapshot older than the retention limit",
    resource_type="ebs_snapshot",
    severity=Severity.LOW,
    needs=SNAPSHOT_NEEDS,
    params=OldSnapshotParams,
    klass="policy",
    rationale="""
        Manual snapshots pile up long after anyone needs them and are billed per GiB-month. A completed
        snapshot at least `max_age_days` old is flagged (`old_unused`; the original waits 365 days, Thrifty
        and aws-doctor 90) unless a policy or a consumer owns it: snapshots behind a registered AMI or a
        launch template (see `aws.ami.unused`), AWS Backup recovery points, Data Lifecycle Manager
        snapshots (their plan or policy sets retention) and snapshots with a tag key declaring a retention
        (`retention_tag_words`) are skipped. Snapshots whose source volume is gone are
        `aws.ebs.orphan_snapshot`'s and are not reported twice. A snapshot tagged for a non-production
        environment is kept past `nonprod_max_age_days` for no reason (`excessive_retention`) and gets
        medium confidence, high from twice the limit; any other gets low, medium from twice the limit: an
        old snapshot of a live volume is often someone's deliberate backup. The cost is an upper bound for
        each snapshot (the original prices every snapshot as a full copy of its volume): standard-tier
        snapshots are incremental, and the snapshots of one volume are charged once in totals, at the
        largest.
    """,
    recommendation=DELETE,
    covers_original=[
        "aws:ebs_snapshot_old_unused/old_unused",
        "aws:ebs_snapshot_excessive_retention/excessive_retention",
    ],
    covers_peers=["aws.ebs.old_snapshot"],
)
def old_snapshot(ctx: CheckContext, params: OldSnapshotParams) -> Iterator[Hit]:
    """Completed snapshots older than their limit that no AMI, template, policy or retention tag owns."""
    index = SnapshotIndex(ctx)
    for snap in ctx.get("ec2:snapshots"):
        if snap.get("State") != "completed":
            continue
        age = age_days(snap.get("StartTime"), ctx.now)
        env = _nonprod(snap)
        limit = params.nonprod_max_age_days if env else params.max_age_days
        if age is None or age < limit:
            continue
        if (
            _owned(index, snap)
            or index.is_orphan(snap)
            or _retention_tagged(snap, params.retention_tag_words)
        ):
            continue
        size = snap.get("VolumeSize")
        cost, group = _lineage_cost(ctx, snap)
        twice = age >= 2 * limit
        if env:
            scenario = "excessive_retention"
            confidence = Confidence.HIGH if twice else Confidence.MEDIUM
            why = f"tagged for the {env} environment, over the {limit}-day limit for non-production"
        else:
            scenario = "old_unused"
            confidence = Confidence.MEDIUM if twice else Confidence.LOW
            why = f"over the {limit}-day limit"
        yield Hit(
            resource=_snapshot_resource(ctx, snap),
            reason=f"EBS snapshot {snap['SnapshotId']} ({size} GiB) of volume {snap.get('VolumeId')} is "
            f"{whole_days(age)} old, {why}.",
            cost=cost,
            evidence=_snapshot_facts(snap, age, group)
            | {
                "scenario": scenario,
                "max_age_days": limit,
                "environment": env,
                "source_volume_exists": True,
            },
            confidence=confidence,
            cost_group=group,
        )


# --- aws.ebs.orphan_snapshot ---------------------------------------------------------------------


class OrphanSnapshotParams(BaseModel):
    """Parameters of ``aws.ebs.orphan_snapshot``."""

    min_age_days: int = Field(7, ge=0, description="Only flag snapshots at least this many days old.")
    high_confidence_days: int = Field(
        30, ge=0, description="Snapshots at least this many days old are reported with high confidence."
    )


@check(
    id="aws.ebs.orphan_snapshot",
    title="EBS snapshot whose source volume is gone and that nothing uses",
    resource_type="ebs_snapshot",
    severity=Severity.MEDIUM,
    needs=[*SNAPSHOT_NEEDS, "ec2:instances"],
    params=OrphanSnapshotParams,
    klass="orphan",
    rationale="""
        A snapshot of a deleted volume that no AMI and no launch template version references is usually
        left over from a cleanup that stopped halfway (a deregistered AMI leaves its snapshots behind).
        When its description names instances (`Created by CreateImage(i-...)`) and none of them exists any
        more, it is the `deleted_instance_snapshot` variant, else `volume_deleted`. Skipped: snapshots
        behind a registered AMI or any launch template version, AWS Backup recovery points
        (`aws:backup:source-resource` tag or the AWS Backup description) and Data Lifecycle Manager
        snapshots (`dlm:managed` tag), whose plan or policy owns their retention. Copies (volume id
        `vol-ffffffff`) have no source volume by construction and are often deliberate cross-region or
        cross-account backups, so they are reported with low confidence. The cost is an upper bound for
        each snapshot, as snapshots are incremental; the snapshots of one source volume (orphaned or old)
        are charged once in totals, at the largest.
    """,
    recommendation=DELETE,
    covers_original=[
        "aws:ebs_snapshot_orphaned/volume_deleted",
        "aws:ebs_snapshot_from_deleted_instance/deleted_instance_snapshot",
    ],
    covers_peers=["aws.ebs.orphan_snapshot"],
)
def orphan_snapshot(ctx: CheckContext, params: OrphanSnapshotParams) -> Iterator[Hit]:
    """Completed snapshots whose volume is gone and that no AMI, template, Backup plan or DLM policy uses."""
    index = SnapshotIndex(ctx)
    instances = {str(i["InstanceId"]) for i in ctx.get("ec2:instances")}
    for snap in ctx.get("ec2:snapshots"):
        if not index.is_orphan(snap):
            continue
        age = age_days(snap.get("StartTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        copied = is_copy(snap)
        size = snap.get("VolumeSize")
        named = sorted(set(INSTANCE_ID.findall(str(snap.get("Description") or ""))))
        gone = [i for i in named if i not in instances]
        scenario = "volume_deleted"
        if copied:
            reason = (
                f"EBS snapshot {snap['SnapshotId']} ({size} GiB) is a copy with no source volume here, "
                f"{whole_days(age)} old, and no AMI or launch template uses it."
            )
            confidence = Confidence.LOW
        else:
            reason = (
                f"EBS snapshot {snap['SnapshotId']} ({size} GiB) is {whole_days(age)} old; its volume "
                f"{snap.get('VolumeId')} no longer exists and no AMI or launch template uses it."
            )
            if named and gone == named:
                scenario = "deleted_instance_snapshot"
                which = "instance" if len(gone) == 1 else "instances"
                reason = reason[:-1] + f", nor does {which} {', '.join(gone)} it was taken from."
            confidence = Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM
        cost, group = _lineage_cost(ctx, snap)
        yield Hit(
            resource=_snapshot_resource(ctx, snap),
            reason=reason,
            cost=cost,
            evidence=_snapshot_facts(snap, age, group)
            | {
                "scenario": scenario,
                "source_volume_exists": False,
                "copied": copied,
                "referenced_by": None,
                "instances_named": named,
                "instances_gone": gone,
            },
            confidence=confidence,
            cost_group=group,
        )


# --- aws.ebs.redundant_snapshot ------------------------------------------------------------------


class RedundantParams(BaseModel):
    """Parameters of ``aws.ebs.redundant_snapshot``."""

    keep_per_volume: int = Field(
        7, ge=1, description="Manual snapshots kept per volume; older ones are redundant (medium confidence)."
    )
    high_confidence_rank: int = Field(
        14, ge=1, description="Snapshots with at least this many newer manual ones get high confidence."
    )
    duplicate_window_hours: float = Field(
        1.0,
        ge=0,
        description="A snapshot taken this close before another of the same volume is a duplicate.",
    )
    unattached_min_days: int = Field(
        7,
        ge=0,
        description="A volume detached at least this many days is abandoned: only its newest snapshot stays.",
    )
    idle_min_days: int = Field(
        30,
        ge=1,
        description="An attached volume quiet on at least this many reported days is idle: only its newest "
        "snapshot is kept.",
    )
    max_daily_ops: float = Field(
        100.0, ge=0, description="A day with at most this many read + write operations is quiet."
    )
    window_days: int = Field(
        ACTIVITY_WINDOW_DAYS, ge=1, le=455, description="Days of daily CloudWatch volume I/O read."
    )


def _redundant_queries(params: RedundantParams) -> list[MetricQuery]:
    return activity_queries(params.window_days)


@dataclass
class _Verdict:
    """Why one snapshot is redundant: its variants (first is the main one), confidence and reason."""

    scenarios: list[str] = field(default_factory=list)
    confidence: Confidence = Confidence.LOW
    reasons: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)

    def add(self, scenario: str, confidence: Confidence, reason: str, **evidence: Any) -> None:
        self.scenarios.append(scenario)
        self.reasons.append(reason)
        self.evidence |= evidence
        if _RANK[confidence] > _RANK[self.confidence] or len(self.scenarios) == 1:
            self.confidence = confidence


def _volume_idle(
    ctx: CheckContext,
    vol: Mapping[str, Any] | None,
    instances: Mapping[str, Mapping[str, Any]],
    params: RedundantParams,
) -> tuple[str, Confidence] | None:
    """(how the source volume is abandoned, confidence) when it is unattached or idle, else None."""
    if vol is None:
        return None
    unattached = unattached_state(ctx, vol, params.window_days)
    if unattached is not None:
        if unattached.detached_days < params.unattached_min_days:
            return None
        detached = whole_days(unattached.detached_days)
        return f"is not attached to any instance (for at least {detached})", Confidence.MEDIUM
    idle = attached_idle(
        ctx, vol, instances, window_days=params.window_days, max_daily_ops=params.max_daily_ops
    )
    if idle is None or idle.idle_days < params.idle_min_days:
        return None
    quiet = f"at most {params.max_daily_ops:g} I/O operations a day" if params.max_daily_ops else "no I/O"
    return f"has done {quiet} on its last {idle.idle_days} reported days", Confidence.LOW


@check(
    id="aws.ebs.redundant_snapshot",
    title="EBS snapshot made redundant by newer snapshots of the same volume",
    resource_type="ebs_snapshot",
    severity=Severity.LOW,
    needs=[*SNAPSHOT_NEEDS, "ec2:instances"],
    params=RedundantParams,
    klass="policy",
    metrics=_redundant_queries,
    rationale="""
        Among the manual snapshots of a live volume (completed, standard tier, not copies, not behind an
        AMI or a launch template, not AWS Backup or Data Lifecycle Manager ones: those exclusions come
        first, as their plan, policy or consumer owns them), three patterns are redundant. `duplicate`: a
        snapshot taken within `duplicate_window_hours` before another snapshot of the same volume that no
        policy rotates (high confidence; the newer one holds the later state). `redundant_snapshot`: all
        but the newest `keep_per_volume` (medium confidence, high from `high_confidence_rank` newer ones).
        `idle_volume_snapshot`: when the volume itself is unattached for `unattached_min_days` (medium) or
        quiet on its last `idle_min_days` reported days of CloudWatch I/O (low; unknown without
        datapoints), every manual snapshot but the newest, which is the one to keep as its final backup
        (the original flags them all). Snapshots of deleted volumes are `aws.ebs.orphan_snapshot`'s. The
        cost is an upper bound for each snapshot: deleting one frees only the blocks no other snapshot
        shares (for a duplicate, about an hour of writes), and the snapshots of one volume are charged once
        in totals.
    """,
    recommendation=DELETE,
    covers_original=[
        "aws:ebs_snapshot_redundant/redundant_snapshot",
        "aws:ebs_snapshot_duplicate/duplicate",
        "aws:ebs_snapshot_orphaned/idle_volume_snapshot",
    ],
)
def redundant_snapshot(ctx: CheckContext, params: RedundantParams) -> Iterator[Hit]:
    """Manual snapshots of live volumes that newer snapshots of the same volume make unnecessary."""
    index = SnapshotIndex(ctx)
    volumes = {str(v["VolumeId"]): v for v in ctx.get("ec2:volumes")}
    instances = {str(i["InstanceId"]): i for i in ctx.get("ec2:instances")}
    lineages: dict[str, list[Mapping[str, Any]]] = {}  # manual snapshots per volume
    keepers: dict[str, list[Mapping[str, Any]]] = {}  # + AMI/template ones: nothing rotates them
    for snap in ctx.get("ec2:snapshots"):
        if snap.get("State") != "completed" or snap.get("StartTime") is None:
            continue
        if is_copy(snap) or snap.get("StorageTier") == "archive" or index.source_gone(snap):
            continue
        if backup_managed(snap) or dlm_managed(snap):
            continue
        vid = str(snap["VolumeId"])
        keepers.setdefault(vid, []).append(snap)
        if not index.referenced(snap):
            lineages.setdefault(vid, []).append(snap)
    window_days = params.duplicate_window_hours / 24
    for vid, snaps in lineages.items():
        snaps.sort(key=lambda s: s["StartTime"], reverse=True)  # newest first
        idle = _volume_idle(ctx, volumes.get(vid), instances, params)
        for rank, snap in enumerate(snaps):
            verdict = _Verdict()
            sid = str(snap["SnapshotId"])
            start_age = age_days(snap["StartTime"], ctx.now) or 0.0
            gaps = {
                str(k["SnapshotId"]): start_age - (age_days(k["StartTime"], ctx.now) or 0.0)
                for k in keepers[vid]
                if k["StartTime"] > snap["StartTime"]
            }
            later = {k: gap for k, gap in gaps.items() if gap <= window_days}
            if later:
                twin = min(later, key=later.__getitem__)
                minutes = round(later[twin] * 1440)
                verdict.add(
                    "duplicate",
                    Confidence.HIGH,
                    f"was taken {minutes} minutes before {twin} of the same volume",
                    duplicate_of=twin,
                    minutes_apart=minutes,
                )
            if idle is not None and rank >= 1:
                state, confidence = idle
                verdict.add(
                    "idle_volume_snapshot",
                    confidence,
                    f"is an older snapshot of volume {vid}, which {state}; its newest snapshot, "
                    f"{snaps[0]['SnapshotId']}, is the backup to keep",
                    volume_state=state,
                    kept=snaps[0]["SnapshotId"],
                )
            if rank >= params.keep_per_volume:
                confidence = Confidence.HIGH if rank >= params.high_confidence_rank else Confidence.MEDIUM
                verdict.add(
                    "redundant_snapshot",
                    confidence,
                    f"has {rank} newer manual snapshots of volume {vid}, over the {params.keep_per_volume} "
                    "kept per volume",
                    newer_manual_snapshots=rank,
                    keep_per_volume=params.keep_per_volume,
                )
            if not verdict.scenarios:
                continue
            cost, group = _lineage_cost(ctx, snap)
            yield Hit(
                resource=_snapshot_resource(ctx, snap),
                reason=f"EBS snapshot {sid} ({snap.get('VolumeSize')} GiB) {'; it '.join(verdict.reasons)}.",
                cost=cost,
                evidence=_snapshot_facts(snap, start_age, group)
                | {
                    "scenario": verdict.scenarios[0],
                    "scenarios": verdict.scenarios,
                    "manual_snapshots_of_volume": len(snaps),
                    "source_volume_exists": True,
                }
                | verdict.evidence,
                confidence=verdict.confidence,
                cost_group=group,
            )


# --- aws.ebs.failed_snapshot ---------------------------------------------------------------------


class FailedSnapshotParams(BaseModel):
    """Parameters of ``aws.ebs.failed_snapshot``."""

    max_pending_days: int = Field(
        7, ge=1, description="Flag snapshots still pending after this many days (medium confidence)."
    )
    high_confidence_days: int = Field(
        30, ge=1, description="Snapshots pending at least this many days get high confidence."
    )


@check(
    id="aws.ebs.failed_snapshot",
    title="EBS snapshot that failed or has been pending for days",
    resource_type="ebs_snapshot",
    severity=Severity.LOW,
    needs=SNAPSHOT_NEEDS,
    params=FailedSnapshotParams,
    klass="hygiene",
    rationale="""
        A snapshot in the `error` state can never be restored, and one still `pending` after
        `max_pending_days` (even a first full snapshot of a large volume completes in hours) is stuck:
        both only clutter the account and hide that the backup someone expected does not exist. Error
        snapshots get high confidence, pending ones medium, high from `high_confidence_days`. AWS Backup,
        Data Lifecycle Manager and AMI-referenced snapshots are skipped: their service retries and
        cleans up. The cost is unknown: AWS documents billing for the blocks a completed snapshot stores,
        not for a failed one, and `VolumeSize x $0.05` would be a made-up figure.
    """,
    recommendation=(
        "Delete it and take a new snapshot if the backup is still wanted: "
        "aws ec2 delete-snapshot --snapshot-id <id>"
    ),
    covers_original=["aws:ebs_snapshot_incomplete_failed/incomplete_failed"],
)
def failed_snapshot(ctx: CheckContext, params: FailedSnapshotParams) -> Iterator[Hit]:
    """Snapshots in state ``error``, or ``pending`` for ``max_pending_days``."""
    index = SnapshotIndex(ctx)
    for snap in ctx.get("ec2:snapshots"):
        state = snap.get("State")
        if state not in ("error", "pending") or _owned(index, snap):
            continue
        age = age_days(snap.get("StartTime"), ctx.now)
        if age is None:
            continue
        sid, size = snap["SnapshotId"], snap.get("VolumeSize")
        if state == "error":
            confidence = Confidence.HIGH
            detail = f" ({snap['StateMessage']})" if snap.get("StateMessage") else ""
            reason = f"EBS snapshot {sid} ({size} GiB) of volume {snap.get('VolumeId')} failed{detail} and "
            reason += f"has been kept for {whole_days(age)}."
        else:
            if age < params.max_pending_days:
                continue
            confidence = Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM
            reason = (
                f"EBS snapshot {sid} ({size} GiB) of volume {snap.get('VolumeId')} has been pending for "
                f"{whole_days(age)} at {snap.get('Progress') or 'unknown'} progress."
            )
        yield Hit(
            resource=_snapshot_resource(ctx, snap),
            reason=reason,
            cost=Money.unknown(
                CostKind.COST,
                detail="a failed or incomplete snapshot: AWS documents no storage charge for it",
            ),
            evidence=_snapshot_facts(snap, age, None)
            | {
                "scenario": "incomplete_failed",
                "progress": snap.get("Progress"),
                "state_message": snap.get("StateMessage"),
                "max_pending_days": params.max_pending_days,
            },
            confidence=confidence,
        )


# --- aws.ebs.untagged_snapshot -------------------------------------------------------------------


class UntaggedSnapshotParams(BaseModel):
    """Parameters of ``aws.ebs.untagged_snapshot``."""

    min_age_days: int = Field(30, ge=0, description="Flag untagged snapshots at least this many days old.")


@check(
    id="aws.ebs.untagged_snapshot",
    title="EBS snapshot with no tags at all",
    resource_type="ebs_snapshot",
    severity=Severity.LOW,
    needs=SNAPSHOT_NEEDS,
    params=UntaggedSnapshotParams,
    klass="hygiene",
    rationale="""
        A snapshot without a single tag names no owner, purpose or retention, so nobody can tell whether
        it may go; such snapshots are the ones that pile up. A completed snapshot with no tags at least
        `min_age_days` old is flagged with low confidence (it may still be a deliberate manual backup):
        tag it with an owner and a retention, or delete it. AMI and launch template snapshots, AWS
        Backup and DLM snapshots (which carry their tags anyway) and orphans
        (`aws.ebs.orphan_snapshot`) are skipped. The cost is an upper bound for the snapshot; the snapshots
        of one volume are charged once in totals.
    """,
    recommendation=(
        "Tag it with an owner and a retention (aws ec2 create-tags --resources <id> --tags "
        "Key=Owner,Value=<team>) or delete it: aws ec2 delete-snapshot --snapshot-id <id>"
    ),
    covers_original=["aws:ebs_snapshot_untagged/untagged"],
)
def untagged_snapshot(ctx: CheckContext, params: UntaggedSnapshotParams) -> Iterator[Hit]:
    """Completed snapshots with no tags, at least ``min_age_days`` old, that nothing owns."""
    index = SnapshotIndex(ctx)
    for snap in ctx.get("ec2:snapshots"):
        if snap.get("State") != "completed" or snap.get("Tags"):
            continue
        age = age_days(snap.get("StartTime"), ctx.now)
        if age is None or age < params.min_age_days or _owned(index, snap) or index.is_orphan(snap):
            continue
        cost, group = _lineage_cost(ctx, snap)
        yield Hit(
            resource=_snapshot_resource(ctx, snap),
            reason=f"EBS snapshot {snap['SnapshotId']} ({snap.get('VolumeSize')} GiB) of volume "
            f"{snap.get('VolumeId')} has no tags at all and is {whole_days(age)} old.",
            cost=cost,
            evidence=_snapshot_facts(snap, age, group) | {"scenario": "untagged", "tags": 0},
            confidence=Confidence.LOW,
            cost_group=group,
        )
