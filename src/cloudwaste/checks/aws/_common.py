"""Helpers shared by the AWS checks: ARNs, resources, stop dates, snapshot costs and ownership rules.

Timestamps: every age or duration is computed with :func:`cloudwaste.checks.context.age_days` (boto3
datetimes, and the ISO 8601 strings of AMI dates); this module only formats them (:func:`iso`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwaste.checks.context import CheckContext, MetricQuery, MetricSeries, age_days, aws_tags
from cloudwaste.model import CostBasis, Money, Resource
from cloudwaste.pricing.aws import ebs_volume_monthly, public_ipv4_monthly, snapshot_monthly

# "User initiated (2023-01-15 10:23:45 GMT)" on AWS; moto writes "UTC".
_TRANSITION_DATE = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)")
BACKUP_DESCRIPTION = "This snapshot is created by the AWS Backup service"
BACKUP_TAG = "aws:backup:source-resource"
DLM_TAGS = ("dlm:managed", "aws:dlm:lifecycle-policy-id")
ASG_TAG = "aws:autoscaling:groupName"
GIB = 1024**3
COPIED_VOLUME_ID = "vol-ffffffff"  # what a copied snapshot (or one from CreateImage of a copy) carries


def partition(region: str) -> str:
    """The ARN partition of ``region``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def ec2_arn(ctx: CheckContext, kind: str, resource_id: str, *, with_account: bool = True) -> str:
    """``arn:aws:ec2:<region>:<account>:<kind>/<id>`` (snapshots and images have no account part)."""
    account = ctx.account if with_account else ""
    return f"arn:{partition(ctx.region)}:ec2:{ctx.region}:{account}:{kind}/{resource_id}"


def whole_days(days: float) -> str:
    """``12 days`` / ``1 day`` (rounded down) for reasons."""
    n = int(days)
    return f"{n} day" if n == 1 else f"{n} days"


def resource(
    item: Mapping[str, Any],
    *,
    rid: str,
    rtype: str,
    arn: str | None,
    created: datetime | str | None = None,
    name: str | None = None,
) -> Resource:
    """A Resource with the item's tags, its ``Name`` tag (else ``name``) as name, and its creation time
    (a boto3 datetime, or an ISO 8601 string such as an AMI's ``CreationDate``, which pydantic parses)."""
    tags = aws_tags(item)
    return Resource(
        id=rid,
        arn=arn,
        name=tags.get("Name") or name or None,
        type=rtype,
        tags=tags,
        created_at=created or None,
    )


def iso(value: datetime | str | None) -> str | None:
    """An ISO 8601 string for evidence (JSON-friendly); API strings are already ISO 8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value or None


def stopped_since(instance: Mapping[str, Any]) -> datetime | None:
    """When a ``stopped`` instance stopped, from its StateTransitionReason; None when not stated.

    LaunchTime is never used: it is the last start, not the stop.
    """
    if (instance.get("State") or {}).get("Name") != "stopped":
        return None
    match = _TRANSITION_DATE.search(instance.get("StateTransitionReason") or "")
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def stopped_for(instance: Mapping[str, Any], now: datetime) -> tuple[datetime, float] | None:
    """(stop time, days stopped) of a ``stopped`` instance whose stop date AWS states, else None."""
    since = stopped_since(instance)
    days = age_days(since, now)
    return None if since is None or days is None else (since, days)


def service_managed(item: Mapping[str, Any]) -> bool:
    """A resource an AWS service runs for the account (``Operator.Managed``: EKS Auto Mode, ECS or Lambda
    Managed Instances...): the service starts, stops and replaces it, so it is not the account's to
    stop, resize or delete (OperatorResponse, Amazon EC2 API Reference)."""
    return bool((item.get("Operator") or {}).get("Managed"))


def auto_scaling_group(instance: Mapping[str, Any]) -> str | None:
    """The Auto Scaling group that manages ``instance`` (from its ``aws:autoscaling:groupName`` tag)."""
    return aws_tags(instance).get(ASG_TAG)


def snapshot_size_gb(snapshot: Mapping[str, Any], volume_size: float | None = None) -> float:
    """The tightest documented upper bound of a snapshot's stored GiB.

    ``FullSnapshotSizeInBytes`` (all blocks written to the volume) when AWS gives it, else the volume size.
    """
    size = float(volume_size or snapshot.get("VolumeSize") or 0)
    full = snapshot.get("FullSnapshotSizeInBytes")
    if full:
        full_gb = round(float(full) / GIB, 2)
        return min(size, full_gb) if size else full_gb
    return size


def snapshot_cost(ctx: CheckContext, snap: Mapping[str, Any], volume_size: float | None = None) -> Money:
    """Upper bound of one snapshot's monthly storage, at its tier's price (see :func:`snapshot_size_gb`).

    ``snap`` may be ``{}`` for a snapshot DescribeSnapshots does not list (an AMI's block device then
    gives ``volume_size``).
    """
    size = snapshot_size_gb(snap, volume_size)
    return snapshot_monthly(ctx.prices, ctx.region, size, snap.get("StorageTier"))


def is_copy(snapshot: Mapping[str, Any]) -> bool:
    """A snapshot made by CopySnapshot: its VolumeId is a placeholder, not a source volume."""
    description = str(snapshot.get("Description") or "")
    return snapshot.get("VolumeId") in (None, "", COPIED_VOLUME_ID) or description.startswith(
        ("[Copied ", "Copied for ")
    )


def snapshot_lineage(snapshot: Mapping[str, Any]) -> str | None:
    """The cost group of the snapshots of one source volume (they share blocks); None for copies and
    for archive-tier snapshots, which are full copies billed on their own."""
    if is_copy(snapshot) or snapshot.get("StorageTier") == "archive":
        return None
    return f"snapshot-lineage:{snapshot['VolumeId']}"


def volume_cost(ctx: CheckContext, vol: Mapping[str, Any]) -> Money:
    """Full monthly cost of a DescribeVolumes item (unknown on Outposts, whose capacity is prepaid)."""
    if vol.get("OutpostArn"):
        return Money.unknown(
            detail="Outposts volume: its storage is bought with the Outpost, not billed per GiB"
        )
    return ebs_volume_monthly(
        ctx.prices,
        ctx.region,
        str(vol.get("VolumeType", "")),
        float(vol.get("Size") or 0),
        vol.get("Iops"),
        vol.get("Throughput"),
    )


def volume_label(vol: Mapping[str, Any]) -> str:
    """``vol-1 (100 GiB gp3)``."""
    return f"{vol['VolumeId']} ({vol.get('Size', '?')} GiB {vol.get('VolumeType', '?')})"


def _mapping_snapshot_ids(mappings: Iterable[Mapping[str, Any]] | None) -> set[str]:
    return {str(m["Ebs"]["SnapshotId"]) for m in mappings or [] if (m.get("Ebs") or {}).get("SnapshotId")}


def image_snapshot_ids(images: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Snapshot id -> id of a registered AMI whose block device mappings use it."""
    refs: dict[str, str] = {}
    for image in images:
        if image.get("State") in ("deregistered", "failed", "error"):
            continue
        for snap_id in _mapping_snapshot_ids(image.get("BlockDeviceMappings")):
            refs.setdefault(snap_id, str(image.get("ImageId")))
    return refs


def launch_template_snapshot_ids(versions: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Snapshot id -> ``lt-id:version`` of a launch template version whose block devices use it."""
    refs: dict[str, str] = {}
    for version in versions:
        data = version.get("LaunchTemplateData") or {}
        label = f"{version.get('LaunchTemplateId')}:{version.get('VersionNumber')}"
        for snap_id in _mapping_snapshot_ids(data.get("BlockDeviceMappings")):
            refs.setdefault(snap_id, label)
    return refs


def backup_managed(snapshot: Mapping[str, Any]) -> bool:
    """Created by AWS Backup: its retention belongs to a backup plan."""
    return BACKUP_TAG in aws_tags(snapshot) or str(snapshot.get("Description") or "").startswith(
        BACKUP_DESCRIPTION
    )


def dlm_managed(snapshot: Mapping[str, Any]) -> bool:
    """Created by a Data Lifecycle Manager policy, which also deletes it."""
    tags = aws_tags(snapshot)
    return any(key in tags for key in DLM_TAGS)


class SnapshotIndex:
    """Who references what, computed once per check run: the shared predicate of the snapshot checks."""

    def __init__(self, ctx: CheckContext) -> None:
        self.volume_ids = {str(v["VolumeId"]) for v in ctx.get("ec2:volumes")}
        self.by_image = image_snapshot_ids(ctx.get("ec2:images"))
        self.by_template = launch_template_snapshot_ids(ctx.get("ec2:launch_template_versions"))

    def source_gone(self, snapshot: Mapping[str, Any]) -> bool:
        """The snapshot's source volume is not in this region (deleted, or the snapshot is a copy)."""
        return str(snapshot.get("VolumeId") or COPIED_VOLUME_ID) not in self.volume_ids

    def referenced(self, snapshot: Mapping[str, Any]) -> str | None:
        """The AMI or launch template version that uses the snapshot, if any."""
        sid = str(snapshot["SnapshotId"])
        return self.by_image.get(sid) or self.by_template.get(sid)

    def is_orphan(self, snapshot: Mapping[str, Any]) -> bool:
        """``aws.ebs.orphan_snapshot``'s rule, ages aside: source gone, unreferenced, no policy owns it."""
        return (
            snapshot.get("State") == "completed"
            and self.source_gone(snapshot)
            and self.referenced(snapshot) is None
            and not backup_managed(snapshot)
            and not dlm_managed(snapshot)
        )


# --- metrics shared by the EBS and EC2 checks ----------------------------------------------------

# instances in these states report no EC2 metrics worth reading (a stopped instance has none)
NOT_RUNNING = ("pending", "shutting-down", "terminated", "stopping", "stopped")


def instance_query(metric: str, stat: str = "Sum", days: int = 30, period_s: int = 86400) -> MetricQuery:
    """An ``AWS/EC2`` series of every running instance of the unit (NetworkIn, StatusCheckFailed...).

    Checks that declare the same metric, statistic, period and window share one batched read.
    """
    return MetricQuery(
        namespace="AWS/EC2",
        metric=metric,
        dimension="InstanceId",
        collection="ec2:instances",
        id_field="InstanceId",
        stat=stat,
        period_s=period_s,
        days=days,
        skip_states=NOT_RUNNING,
        state_field="State.Name",
    )


def combined(series: Sequence[MetricSeries | None]) -> list[tuple[datetime, float]] | None:
    """Datapoints of several series of one resource added per period, oldest first (e.g. read + write
    operations); None when no series has a datapoint (unknown, never zero)."""
    present = [s for s in series if s is not None]
    if not present:
        return None
    totals: dict[datetime, float] = {}
    for s in present:
        for stamp, value in zip(s.timestamps, s.values, strict=False):
            totals[stamp] = totals.get(stamp, 0.0) + value
    return sorted(totals.items())


def period_end(stamp: datetime, period_s: int) -> datetime:
    """The end of the CloudWatch period starting at ``stamp`` (timestamps are period starts)."""
    return stamp + timedelta(seconds=period_s)


def metrics_evidence(queries: Sequence[MetricQuery], series: Sequence[MetricSeries | None]) -> dict[str, Any]:
    """``{metric: series evidence or None}`` for a finding."""
    return {q.metric: (s.evidence() if s is not None else None) for q, s in zip(queries, series, strict=True)}


# --- public IPv4 -------------------------------------------------------------------------------------

AMAZON_POOL = "amazon"


def address_cost(ctx: CheckContext, address: Mapping[str, Any]) -> Money:
    """A DescribeAddresses item's monthly charge: the public IPv4 price for Amazon-pool addresses, $0 for
    BYOIP (AWS charges every public IPv4 address type except BYOIP), unknown for customer-owned and
    carrier ones. (The same rule as ``aws.ec2.unassociated_eip``'s.)"""
    pool = address.get("PublicIpv4Pool") or AMAZON_POOL
    special = address.get("CustomerOwnedIp") or address.get("CarrierIp")
    if str(pool).startswith("ipv4pool-ec2-") and not special:
        return Money(
            amount=0.0,
            basis=CostBasis.BUNDLED_PRICE,
            detail=f"BYOIP address from {pool}: no public IPv4 charge",
        )
    if pool != AMAZON_POOL or special:
        where = pool if pool != AMAZON_POOL else "a customer-owned or carrier pool"
        return Money.unknown(
            detail=f"address from {where}: BYOIP, Outposts and carrier addresses are priced apart"
        )
    return public_ipv4_monthly(ctx.prices, ctx.region)


def address_id(address: Mapping[str, Any]) -> str:
    """The id findings use for an Elastic IP: its allocation id (its public IP when it has none)."""
    return str(address.get("AllocationId") or address.get("PublicIp"))


def address_arn(ctx: CheckContext, address: Mapping[str, Any]) -> str:
    """``arn:aws:ec2:<region>:<account>:elastic-ip/<allocation id>``."""
    return ec2_arn(ctx, "elastic-ip", address_id(address))
