"""EBS checks: unattached volumes, volumes of stopped instances, gp2 volumes, old and orphaned snapshots."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import (
    GIB,
    SnapshotIndex,
    auto_scaling_group,
    backup_managed,
    dlm_managed,
    ec2_arn,
    is_copy,
    iso,
    resource,
    snapshot_cost,
    snapshot_lineage,
    stopped_for,
    volume_cost,
    volume_label,
    whole_days,
)
from cloudwaste.checks.context import CheckContext, Hit, age_days, aws_tags
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Money, Resource, Severity
from cloudwaste.pricing.aws import (
    GP3_FREE_IOPS,
    GP3_FREE_THROUGHPUT,
    gp2_baseline_iops,
    gp2_sustained_throughput,
    gp2_to_gp3_saving,
    with_note,
)

PVC_TAG_PREFIX = "kubernetes.io/created-for/pvc/name"


def _volume_resource(ctx: CheckContext, vol: Mapping[str, Any]) -> Resource:
    vid = str(vol["VolumeId"])
    return resource(
        vol, rid=vid, rtype="ebs_volume", arn=ec2_arn(ctx, "volume", vid), created=vol.get("CreateTime")
    )


def _volume_facts(vol: Mapping[str, Any], age: float) -> dict[str, Any]:
    return {
        "state": vol.get("State"),
        "age_days": round(age, 1),
        "created_at": iso(vol.get("CreateTime")),
        "size_gb": vol.get("Size"),
        "volume_type": vol.get("VolumeType"),
        "iops": vol.get("Iops"),
        "throughput_mibps": vol.get("Throughput"),
        "availability_zone": vol.get("AvailabilityZone"),
        "source_snapshot_id": vol.get("SnapshotId") or None,
    }


# --- aws.ebs.unattached_volume -------------------------------------------------------------------


class UnattachedParams(BaseModel):
    """Parameters of ``aws.ebs.unattached_volume``."""

    min_age_days: int = Field(7, ge=0, description="Only flag volumes created at least this many days ago.")
    high_confidence_days: int = Field(
        30, ge=0, description="Volumes at least this many days old are reported with high confidence."
    )


@check(
    id="aws.ebs.unattached_volume",
    title="EBS volume not attached to any instance",
    resource_type="ebs_volume",
    severity=Severity.MEDIUM,
    needs=["ec2:volumes"],
    params=UnattachedParams,
    klass="orphan",
    rationale="""
        A volume in the `available` state is attached to nothing, yet its provisioned GiB, IOPS and
        throughput are billed every hour. DescribeVolumes gives no detach time, so age is measured from
        creation and a volume must be `min_age_days` old before it is flagged (fresh volumes are often
        about to be attached). Volumes provisioned for a Kubernetes PersistentVolumeClaim (tag
        `kubernetes.io/created-for/pvc/name`) may belong to a workload scaled to zero and get medium
        confidence at most.
    """,
    recommendation=(
        "Snapshot the volume if its data matters, then delete it: "
        "aws ec2 create-snapshot --volume-id <id> && aws ec2 delete-volume --volume-id <id>"
    ),
    covers_original=["aws:ebs_volume_unattached/unattached"],
    covers_peers=["aws.ebs.unattached_volume"],
)
def unattached_volume(ctx: CheckContext, params: UnattachedParams) -> Iterator[Hit]:
    """Volumes in state ``available`` with no attachments, at least ``min_age_days`` old."""
    for vol in ctx.get("ec2:volumes"):
        if vol.get("State") != "available" or vol.get("Attachments"):
            continue
        if (vol.get("Operator") or {}).get("Managed"):
            continue  # a volume an AWS service manages (Operator.Managed): that service owns its lifecycle
        age = age_days(vol.get("CreateTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        tags = aws_tags(vol)
        pvc = tags.get(PVC_TAG_PREFIX)
        confidence = Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM
        if pvc and confidence is Confidence.HIGH:
            confidence = Confidence.MEDIUM
        evidence = _volume_facts(vol, age) | {
            "attachments": 0,
            "age_basis": "creation time (no detach time in API)",
        }
        if pvc:
            evidence["kubernetes_pvc"] = pvc
        yield Hit(
            resource=_volume_resource(ctx, vol),
            reason=f"EBS volume {volume_label(vol)} is not attached to any instance and was created "
            f"{whole_days(age)} ago.",
            cost=volume_cost(ctx, vol),
            evidence=evidence,
            confidence=confidence,
        )


# --- aws.ebs.volume_on_stopped_instance ----------------------------------------------------------


class OnStoppedParams(BaseModel):
    """Parameters of ``aws.ebs.volume_on_stopped_instance``."""

    min_stopped_days: int = Field(
        30,
        ge=0,
        description="Only flag volumes whose instances have all been stopped at least this many days.",
    )
    high_confidence_days: int = Field(
        90, ge=0, description="Instances stopped at least this many days give a high-confidence finding."
    )


@check(
    id="aws.ebs.volume_on_stopped_instance",
    title="EBS volume attached only to long-stopped instances",
    resource_type="ebs_volume",
    severity=Severity.LOW,
    needs=["ec2:volumes", "ec2:instances"],
    params=OnStoppedParams,
    klass="idle",
    rationale="""
        A stopped instance costs nothing for compute, but its EBS volumes are billed in full. A volume is
        flagged when every instance it is attached to has been `stopped` for at least `min_stopped_days`.
        The stop date comes only from the instance's StateTransitionReason ("User initiated (... GMT)");
        when AWS does not state it (e.g. Server.ScheduledStop), the volume is skipped rather than guessed
        from LaunchTime, which is the last start. Instances of an Auto Scaling group (warm pools keep
        instances stopped by design) are skipped. The instance's own finding
        (`aws.ec2.stopped_instance`) includes this volume's cost.
    """,
    recommendation=(
        "If the instance is not coming back, snapshot the volume and delete it (or terminate the instance): "
        "aws ec2 create-snapshot --volume-id <id>, then aws ec2 detach-volume --volume-id <id> && "
        "aws ec2 delete-volume --volume-id <id>"
    ),
    covers_original=["aws:ebs_volume_on_stopped_instance/volume_on_stopped_instance"],
    covers_peers=["aws.ebs.volume_on_stopped_instance"],
)
def volume_on_stopped_instance(ctx: CheckContext, params: OnStoppedParams) -> Iterator[Hit]:
    """In-use volumes whose every attachment is to an instance stopped for ``min_stopped_days``."""
    instances = {str(i["InstanceId"]): i for i in ctx.get("ec2:instances")}
    for vol in ctx.get("ec2:volumes"):
        if vol.get("State") != "in-use":
            continue
        stops = _stopped_attachments(ctx, vol, instances)
        if not stops:
            continue
        stopped_days = min(days for _, days in stops)
        if stopped_days < params.min_stopped_days:
            continue
        age = age_days(vol.get("CreateTime"), ctx.now) or 0.0
        ids = [str(stop["instance_id"]) for stop, _ in stops]
        who = f"instance {ids[0]}" if len(ids) == 1 else f"instances {', '.join(ids)}"
        yield Hit(
            resource=_volume_resource(ctx, vol),
            reason=f"EBS volume {volume_label(vol)} is attached only to {who}, stopped for "
            f"{whole_days(stopped_days)}.",
            cost=volume_cost(ctx, vol),
            evidence=_volume_facts(vol, age)
            | {"instances": [stop for stop, _ in stops], "stopped_days": round(stopped_days, 1)},
            confidence=Confidence.HIGH if stopped_days >= params.high_confidence_days else Confidence.MEDIUM,
        )


def _stopped_attachments(
    ctx: CheckContext, vol: Mapping[str, Any], instances: Mapping[str, Mapping[str, Any]]
) -> list[tuple[dict[str, Any], float]] | None:
    """(evidence, days stopped) per attachment when every attached instance is stopped since a known
    date, else None.

    None also when an instance is missing or belongs to an Auto Scaling group.
    """
    stops: list[tuple[dict[str, Any], float]] = []
    for att in vol.get("Attachments") or []:
        inst = instances.get(str(att.get("InstanceId")))
        stop = stopped_for(inst, ctx.now) if inst else None
        if inst is None or stop is None or auto_scaling_group(inst):
            return None
        since, days = stop
        evidence = {
            "instance_id": inst["InstanceId"],
            "stopped_since": since.isoformat(),
            "stopped_days": round(days, 1),
            "device": att.get("Device"),
            "delete_on_termination": att.get("DeleteOnTermination"),
        }
        stops.append((evidence, days))
    return stops or None


# --- aws.ebs.gp2_volume --------------------------------------------------------------------------


class Gp2Params(BaseModel):
    """Parameters of ``aws.ebs.gp2_volume``."""

    min_size_gb: int = Field(
        1, ge=1, description="Only flag gp2 volumes of at least this many GiB (1 = every gp2 volume)."
    )
    min_age_days: int = Field(
        7, ge=0, description="Only flag volumes created at least this many days ago (skips short-lived ones)."
    )
    match_throughput: bool = Field(
        True,
        description="Price the gp3 with the extra throughput that matches gp2's 250 MiB/s from 334 GiB up.",
    )


@check(
    id="aws.ebs.gp2_volume",
    title="gp2 EBS volume that gp3 would serve for less",
    resource_type="ebs_volume",
    severity=Severity.LOW,
    needs=["ec2:volumes"],
    params=Gp2Params,
    klass="legacy",
    rationale="""
        gp3 costs about 20 % less per GiB than gp2 and includes 3,000 IOPS and 125 MiB/s whatever the
        size, and a volume changes type online, without detaching. The saving shown keeps gp2's
        performance: a gp2 above 1,000 GiB has 3 IOPS per GiB, so its gp3 needs provisioned IOPS above
        3,000, and from 334 GiB gp2 sustains 250 MiB/s, so its gp3 gets the extra throughput
        (`match_throughput`); both are subtracted, and a volume whose saving is not positive is not
        flagged. Unattached gp2 volumes are flagged too (`aws.ebs.unattached_volume` reports their full
        cost on the same resource, and totals count a resource once). Every size is flagged by default,
        since the change is safe at any size; raise `min_size_gb` or use `--min-cost` to see only the
        larger ones.
    """,
    recommendation="Change the type in place: aws ec2 modify-volume --volume-id <id> --volume-type gp3",
    covers_original=["aws:ebs_volume_gp2_migration/gp2_migration_opportunity"],
    covers_peers=["aws.ebs.gp2_volume"],
)
def gp2_volume(ctx: CheckContext, params: Gp2Params) -> Iterator[Hit]:
    """gp2 volumes of at least ``min_size_gb`` whose gp3 equivalent is cheaper."""
    for vol in ctx.get("ec2:volumes"):
        if vol.get("VolumeType") != "gp2" or vol.get("State") not in ("in-use", "available"):
            continue
        if vol.get("OutpostArn"):
            continue  # Outposts storage is bought with the Outpost; gp3 may not be offered there
        size = int(vol.get("Size") or 0)
        age = age_days(vol.get("CreateTime"), ctx.now)
        if size < params.min_size_gb or age is None or age < params.min_age_days:
            continue
        saving = gp2_to_gp3_saving(ctx.prices, ctx.region, size, params.match_throughput)
        if saving.amount is not None and saving.amount <= 0:
            continue
        gp3_iops = max(GP3_FREE_IOPS, gp2_baseline_iops(size))
        gp3_tput = gp2_sustained_throughput(size) if params.match_throughput else GP3_FREE_THROUGHPUT
        command = f"aws ec2 modify-volume --volume-id {vol['VolumeId']} --volume-type gp3"
        if gp3_iops > GP3_FREE_IOPS:
            command += f" --iops {gp3_iops}"
        if gp3_tput > GP3_FREE_THROUGHPUT:
            command += f" --throughput {gp3_tput}"
        saved = (
            f"saves ${saving.amount:.2f} a month" if saving.amount is not None else "saves an unknown amount"
        )
        yield Hit(
            resource=_volume_resource(ctx, vol),
            reason=f"EBS volume {volume_label(vol)} could be gp3 with the same baseline performance, "
            f"which {saved}.",
            cost=saving,
            evidence=_volume_facts(vol, age)
            | {
                "gp2_baseline_iops": gp2_baseline_iops(size),
                "gp3_iops": gp3_iops,
                "gp3_throughput_mibps": gp3_tput,
                "attached_to": [a.get("InstanceId") for a in vol.get("Attachments") or []],
            },
            confidence=Confidence.HIGH if saving.amount is not None else Confidence.LOW,
            recommendation=f"Change the volume type in place: {command}",
        )


# --- snapshots -----------------------------------------------------------------------------------


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


class OldSnapshotParams(BaseModel):
    """Parameters of ``aws.ebs.old_snapshot``."""

    max_age_days: int = Field(90, ge=1, description="Flag snapshots at least this many days old.")


@check(
    id="aws.ebs.old_snapshot",
    title="EBS snapshot older than the retention limit",
    resource_type="ebs_snapshot",
    severity=Severity.LOW,
    needs=["ec2:snapshots", "ec2:volumes", "ec2:images", "ec2:launch_template_versions"],
    params=OldSnapshotParams,
    klass="policy",
    rationale="""
        Manual snapshots pile up long after anyone needs them and are billed per GiB-month. A completed
        snapshot at least `max_age_days` old is flagged unless a policy or a consumer owns it: snapshots
        behind a registered AMI or a launch template (see `aws.ami.unused`), AWS Backup recovery points and
        Data Lifecycle Manager snapshots (their plan or policy sets retention) are skipped. Snapshots whose
        source volume is gone are `aws.ebs.orphan_snapshot`'s and are not reported twice. The cost is an
        upper bound for each snapshot: standard-tier snapshots are incremental, so deleting one frees
        only the blocks no other snapshot shares, and the snapshots of one volume (old or orphaned) are
        charged once in totals, at the largest. Confidence is low, medium from twice the limit: an old
        snapshot of a live volume is often someone's deliberate backup.
    """,
    recommendation="Check nobody relies on it, then delete it: aws ec2 delete-snapshot --snapshot-id <id>",
    covers_original=["aws:ebs_snapshot_old_unused/old_unused"],
    covers_peers=["aws.ebs.old_snapshot"],
)
def old_snapshot(ctx: CheckContext, params: OldSnapshotParams) -> Iterator[Hit]:
    """Completed snapshots older than ``max_age_days`` that no AMI, template or policy owns."""
    index = SnapshotIndex(ctx)
    for snap in ctx.get("ec2:snapshots"):
        if snap.get("State") != "completed":
            continue
        age = age_days(snap.get("StartTime"), ctx.now)
        if age is None or age < params.max_age_days:
            continue
        if index.referenced(snap) or backup_managed(snap) or dlm_managed(snap) or index.is_orphan(snap):
            continue
        size = snap.get("VolumeSize")
        cost, group = _lineage_cost(ctx, snap)
        yield Hit(
            resource=_snapshot_resource(ctx, snap),
            reason=f"EBS snapshot {snap['SnapshotId']} ({size} GiB) of volume {snap.get('VolumeId')} is "
            f"{whole_days(age)} old, over the {params.max_age_days}-day limit.",
            cost=cost,
            evidence=_snapshot_facts(snap, age, group)
            | {"max_age_days": params.max_age_days, "source_volume_exists": True},
            confidence=Confidence.MEDIUM if age >= 2 * params.max_age_days else Confidence.LOW,
            cost_group=group,
        )


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
    needs=["ec2:snapshots", "ec2:volumes", "ec2:images", "ec2:launch_template_versions"],
    params=OrphanSnapshotParams,
    klass="orphan",
    rationale="""
        A snapshot of a deleted volume that no AMI and no launch template version references is usually
        left over from a cleanup that stopped halfway (a deregistered AMI leaves its snapshots behind).
        Skipped: snapshots behind a registered AMI or any launch template version, AWS Backup recovery
        points (`aws:backup:source-resource` tag or the AWS Backup description) and Data Lifecycle
        Manager snapshots (`dlm:managed` tag), whose plan or policy owns their retention. Copies
        (volume id `vol-ffffffff`) have no source volume by construction and are often deliberate
        cross-region or cross-account backups, so they are reported with low confidence. The cost is an
        upper bound for each snapshot, as snapshots are incremental; the snapshots of one source volume
        (orphaned or old) are charged once in totals, at the largest.
    """,
    recommendation="Check nobody relies on it, then delete it: aws ec2 delete-snapshot --snapshot-id <id>",
    covers_original=["aws:ebs_snapshot_orphaned/volume_deleted"],
    covers_peers=["aws.ebs.orphan_snapshot"],
)
def orphan_snapshot(ctx: CheckContext, params: OrphanSnapshotParams) -> Iterator[Hit]:
    """Completed snapshots whose volume is gone and that no AMI, template, Backup plan or DLM policy uses."""
    index = SnapshotIndex(ctx)
    for snap in ctx.get("ec2:snapshots"):
        if not index.is_orphan(snap):
            continue
        age = age_days(snap.get("StartTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        copied = is_copy(snap)
        size = snap.get("VolumeSize")
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
            confidence = Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM
        cost, group = _lineage_cost(ctx, snap)
        yield Hit(
            resource=_snapshot_resource(ctx, snap),
            reason=reason,
            cost=cost,
            evidence=_snapshot_facts(snap, age, group)
            | {"source_volume_exists": False, "copied": copied, "referenced_by": None},
            confidence=confidence,
            cost_group=group,
        )
