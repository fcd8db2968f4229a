"""EBS volume checks: unattached, idle and on stopped instances; the volume activity they share.

Activity comes from CloudWatch ``AWS/EBS``. ``VolumeReadOps``/``VolumeWriteOps`` are *counts per
period*: their Sum over a period divided by the period's seconds is operations per second (IOPS), which
is the only figure ever compared with provisioned IOPS. EBS reports them only while a volume is attached
(on Xen instances only in periods with I/O), so a volume without datapoints is unknown, never idle. The
type and size checks live in :mod:`cloudwaste.checks.aws.ebs_sizing`, the snapshot checks in
:mod:`cloudwaste.checks.aws.ebs_snapshots`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import (
    auto_scaling_group,
    combined,
    ec2_arn,
    iso,
    metrics_evidence,
    period_end,
    resource,
    snapshot_cost,
    stopped_for,
    volume_cost,
    volume_label,
    whole_days,
)
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, age_days, aws_tags
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Resource, Severity

PVC_TAG_PREFIX = "kubernetes.io/created-for/pvc/name"
ACTIVITY_METRICS = ("VolumeReadOps", "VolumeWriteOps")
ACTIVITY_WINDOW_DAYS = 90
# volumes in these states have nothing to measure
GONE = ("creating", "deleting", "deleted", "error")
REPORTING_LAG_DAYS = 2.0  # a volume whose latest datapoint is older is not being observed now


def volume_resource(ctx: CheckContext, vol: Mapping[str, Any]) -> Resource:
    vid = str(vol["VolumeId"])
    return resource(
        vol, rid=vid, rtype="ebs_volume", arn=ec2_arn(ctx, "volume", vid), created=vol.get("CreateTime")
    )


def volume_facts(vol: Mapping[str, Any], age: float) -> dict[str, Any]:
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


def _ops_text(max_ops: float) -> str:
    return "no I/O" if max_ops <= 0 else f"at most {max_ops:g} I/O operations a day"


# --- volume activity (daily read + write operations) ---------------------------------------------


def activity_queries(window_days: int = ACTIVITY_WINDOW_DAYS) -> list[MetricQuery]:
    """Daily read and write operation counts of every volume of the unit over ``window_days``.

    The unattached, idle and redundant-snapshot checks declare the same queries, so one batched read
    serves all three.
    """
    return [
        MetricQuery(
            namespace="AWS/EBS",
            metric=metric,
            dimension="VolumeId",
            collection="ec2:volumes",
            id_field="VolumeId",
            stat="Sum",
            period_s=86400,
            days=window_days,
            skip_states=GONE,
        )
        for metric in ACTIVITY_METRICS
    ]


@dataclass(frozen=True)
class Activity:
    """Daily read + write operations of one volume as CloudWatch reported them, oldest first."""

    points: tuple[tuple[datetime, float], ...]
    period_s: int
    window_days: int
    metrics: dict[str, Any]

    @property
    def total(self) -> float:
        """Operations over the window."""
        return float(sum(v for _, v in self.points))

    @property
    def last_seen(self) -> datetime:
        """End of the latest reported period: the volume was attached then."""
        return period_end(self.points[-1][0], self.period_s)

    def last_active(self, max_ops: float = 0.0) -> datetime | None:
        """End of the latest period with more than ``max_ops`` operations."""
        active = [t for t, v in self.points if v > max_ops]
        return period_end(active[-1], self.period_s) if active else None

    def quiet_points(self, max_ops: float = 0.0) -> list[tuple[datetime, float]]:
        """The reported periods after the latest one with more than ``max_ops`` operations."""
        last = max((n for n, (_, v) in enumerate(self.points) if v > max_ops), default=-1)
        return list(self.points[last + 1 :])

    def evidence(self, max_ops: float = 0.0) -> dict[str, Any]:
        """Window, datapoints, totals and last activity for a finding."""
        return {
            "window_days": self.window_days,
            "period_s": self.period_s,
            "datapoints": len(self.points),
            "operations_total": self.total,
            "max_daily_operations": max(v for _, v in self.points),
            "last_seen_attached": iso(self.last_seen),
            "last_activity": iso(self.last_active(max_ops)),
            "metrics": self.metrics,
        }


def volume_activity(
    ctx: CheckContext, volume_id: str, window_days: int = ACTIVITY_WINDOW_DAYS
) -> Activity | None:
    """The volume's daily operations over ``window_days``; None when CloudWatch has no datapoint."""
    queries = activity_queries(window_days)
    series = [ctx.metric(q, volume_id) for q in queries]
    points = combined(series)
    if points is None:
        return None
    return Activity(tuple(points), 86400, window_days, metrics_evidence(queries, series))


@dataclass(frozen=True)
class UnattachedState:
    """An available volume: how long it has been detached at least, and what its I/O history says."""

    age: float
    detached_days: float  # lower bound: creation age, or since CloudWatch last saw it attached
    scenario: str  # never_used / recently_abandoned / long_abandoned, or unattached (no history)
    io_idle_days: float | None
    activity: Activity | None


def unattached_state(
    ctx: CheckContext,
    vol: Mapping[str, Any],
    window_days: int = ACTIVITY_WINDOW_DAYS,
    abandoned_days: int = 30,
) -> UnattachedState | None:
    """The state of a volume that is ``available`` with no attachment and no managing service, else None.

    Without datapoints the I/O history is unknown: the scenario stays ``unattached`` and the detach time
    is bounded only by the creation time.
    """
    if vol.get("State") != "available" or vol.get("Attachments"):
        return None
    if (vol.get("Operator") or {}).get("Managed"):
        return None  # a volume an AWS service manages (Operator.Managed): that service owns its lifecycle
    age = age_days(vol.get("CreateTime"), ctx.now)
    if age is None:
        return None
    activity = volume_activity(ctx, str(vol["VolumeId"]), window_days)
    if activity is None:
        return UnattachedState(age, age, "unattached", None, None)
    detached = min(age, age_days(activity.last_seen, ctx.now) or 0.0)
    last_io = activity.last_active()
    if last_io is None:
        io_idle = min(age, float(window_days))
        scenario = "never_used" if age <= window_days else "long_abandoned"
    else:
        io_idle = age_days(last_io, ctx.now) or 0.0
        scenario = "long_abandoned" if io_idle >= abandoned_days else "recently_abandoned"
    return UnattachedState(age, detached, scenario, io_idle, activity)


@dataclass(frozen=True)
class IdleState:
    """An in-use volume of running instances that has done (almost) no I/O on its latest reported days."""

    scenario: str  # attached_never_used / attached_idle
    idle_days: int  # reported days without activity, since the last active one
    idle_since: datetime
    last_active: datetime | None
    instance_ids: tuple[str, ...]
    activity: Activity


def attached_idle(
    ctx: CheckContext,
    vol: Mapping[str, Any],
    instances: Mapping[str, Mapping[str, Any]],
    *,
    window_days: int = ACTIVITY_WINDOW_DAYS,
    max_daily_ops: float = 100.0,
) -> IdleState | None:
    """How long an attached data volume has been quiet; None when it is active, unknown or out of scope.

    Out of scope: volumes not ``in-use``, managed by a service, attached to an instance that is not
    running or not listed, or attached as an instance's root device (the instance's own checks own it).
    Only reported days count as idle days, and the latest must be recent (the volume is observed now).
    """
    if vol.get("State") != "in-use" or (vol.get("Operator") or {}).get("Managed"):
        return None
    attachments = vol.get("Attachments") or []
    ids: list[str] = []
    for att in attachments:
        inst = instances.get(str(att.get("InstanceId")))
        if inst is None or (inst.get("State") or {}).get("Name") != "running":
            return None
        if att.get("Device") and att.get("Device") == inst.get("RootDeviceName"):
            return None
        ids.append(str(inst["InstanceId"]))
    if not ids:
        return None
    activity = volume_activity(ctx, str(vol["VolumeId"]), window_days)
    if activity is None or (age_days(activity.last_seen, ctx.now) or 0.0) > REPORTING_LAG_DAYS:
        return None
    quiet = activity.quiet_points(max_daily_ops)
    if not quiet:
        return None
    last = activity.last_active(max_daily_ops)
    age = age_days(vol.get("CreateTime"), ctx.now)
    never = last is None and age is not None and age <= window_days
    return IdleState(
        scenario="attached_never_used" if never else "attached_idle",
        idle_days=len(quiet),
        idle_since=quiet[0][0],
        last_active=last,
        instance_ids=tuple(ids),
        activity=activity,
    )


# --- aws.ebs.unattached_volume -------------------------------------------------------------------


class UnattachedParams(BaseModel):
    """Parameters of ``aws.ebs.unattached_volume``."""

    min_age_days: int = Field(
        7,
        ge=0,
        description="Only flag volumes detached at least this many days (creation age when CloudWatch "
        "never saw them attached).",
    )
    high_confidence_days: int = Field(
        30,
        ge=0,
        description="Volumes detached at least this many days are reported with high confidence; this is "
        "also the I/O idle time that separates recently from long abandoned.",
    )
    window_days: int = Field(
        ACTIVITY_WINDOW_DAYS,
        ge=1,
        le=455,
        description="Days of daily CloudWatch read/write operations read for the volume's I/O history.",
    )


def _unattached_queries(params: UnattachedParams) -> list[MetricQuery]:
    return activity_queries(params.window_days)


@check(
    id="aws.ebs.unattached_volume",
    title="EBS volume not attached to any instance",
    resource_type="ebs_volume",
    severity=Severity.MEDIUM,
    needs=["ec2:volumes"],
    params=UnattachedParams,
    klass="orphan",
    metrics=_unattached_queries,
    rationale="""
        A volume in the `available` state is attached to nothing, yet its provisioned GiB, IOPS and
        throughput are billed every hour. DescribeVolumes gives no detach time, but EBS reports its
        CloudWatch operation counts only while a volume is attached, so the latest daily datapoint of
        `VolumeReadOps`/`VolumeWriteOps` bounds the detach time: a volume seen attached within
        `min_age_days` (the original's "recently active" skip) is not flagged, and confidence is high once
        it has been detached `high_confidence_days`. The I/O history names the variant: `never_used` (no
        operation since creation), `recently_abandoned` (last I/O under `high_confidence_days` ago) or
        `long_abandoned`; without datapoints the history is unknown (`unattached`) and age is measured
        from creation. Volumes provisioned for a Kubernetes PersistentVolumeClaim (tag
        `kubernetes.io/created-for/pvc/name`) may belong to a workload scaled to zero and get medium
        confidence at most; volumes a service manages (`Operator.Managed`) are skipped.
    """,
    recommendation=(
        "Snapshot the volume if its data matters, then delete it: "
        "aws ec2 create-snapshot --volume-id <id> && aws ec2 delete-volume --volume-id <id>"
    ),
    covers_original=["aws:ebs_volume_unattached/unattached"],
    covers_peers=["aws.ebs.unattached_volume"],
)
def unattached_volume(ctx: CheckContext, params: UnattachedParams) -> Iterator[Hit]:
    """Volumes in state ``available`` with no attachments, detached at least ``min_age_days``."""
    for vol in ctx.get("ec2:volumes"):
        state = unattached_state(ctx, vol, params.window_days, params.high_confidence_days)
        if state is None or state.detached_days < params.min_age_days:
            continue
        tags = aws_tags(vol)
        pvc = tags.get(PVC_TAG_PREFIX)
        confidence = (
            Confidence.HIGH if state.detached_days >= params.high_confidence_days else Confidence.MEDIUM
        )
        if pvc and confidence is Confidence.HIGH:
            confidence = Confidence.MEDIUM
        label = volume_label(vol)
        keep = snapshot_cost(ctx, {}, float(vol.get("Size") or 0))
        evidence = volume_facts(vol, state.age) | {
            "attachments": 0,
            "scenario": state.scenario,
            "detached_days_at_least": round(state.detached_days, 1),
            "snapshot_to_keep_monthly_at_most": keep.amount,
        }
        if state.activity is None:
            evidence |= {
                "age_basis": "creation time (no detach time in the API, no CloudWatch datapoints)",
                "io_history": f"unknown: no CloudWatch datapoints in the last {params.window_days} days "
                "(EBS reports only while a volume is attached)",
            }
            reason = (
                f"EBS volume {label} is not attached to any instance and was created "
                f"{whole_days(state.age)} ago."
            )
        else:
            seen = age_days(state.activity.last_seen, ctx.now) or 0.0
            evidence |= {
                "age_basis": "last CloudWatch datapoint (EBS reports only while a volume is attached)",
                "io_idle_days": round(state.io_idle_days or 0.0, 1),
                "activity": state.activity.evidence(),
            }
            if state.scenario == "never_used":
                history = f"it has done no I/O since it was created {whole_days(state.age)} ago"
            elif state.activity.last_active() is None:
                history = f"it did no I/O in the last {whole_days(params.window_days)}"
            else:
                history = f"its last I/O was {whole_days(state.io_idle_days or 0.0)} ago"
            reason = (
                f"EBS volume {label} is not attached to any instance; CloudWatch last saw it attached "
                f"{whole_days(seen)} ago and {history}."
            )
        if pvc:
            evidence["kubernetes_pvc"] = pvc
        yield Hit(
            resource=volume_resource(ctx, vol),
            reason=reason,
            cost=volume_cost(ctx, vol),
            evidence=evidence,
            confidence=confidence,
        )


# --- aws.ebs.idle_volume -------------------------------------------------------------------------


class IdleVolumeParams(BaseModel):
    """Parameters of ``aws.ebs.idle_volume``."""

    min_idle_days: int = Field(
        30, ge=1, description="Flag volumes quiet on at least this many reported days (medium confidence)."
    )
    high_confidence_days: int = Field(
        60, ge=1, description="Volumes quiet on at least this many reported days get high confidence."
    )
    max_daily_ops: float = Field(
        100.0,
        ge=0,
        description="A day with at most this many read + write operations (about 0.001 IOPS) is quiet.",
    )
    window_days: int = Field(
        ACTIVITY_WINDOW_DAYS,
        ge=1,
        le=455,
        description="Days of daily CloudWatch read/write operations read (must exceed the thresholds).",
    )


def _idle_queries(params: IdleVolumeParams) -> list[MetricQuery]:
    return activity_queries(params.window_days)


@check(
    id="aws.ebs.idle_volume",
    title="EBS data volume attached to a running instance but doing no I/O",
    resource_type="ebs_volume",
    severity=Severity.MEDIUM,
    needs=["ec2:volumes", "ec2:instances"],
    params=IdleVolumeParams,
    klass="idle",
    metrics=_idle_queries,
    rationale="""
        An attached volume that nobody reads or writes is billed like a busy one. The daily Sums of
        `VolumeReadOps` + `VolumeWriteOps` (operation counts per day, not per second) are read over
        `window_days`; a day with at most `max_daily_ops` operations is quiet. A data volume of running
        instances is flagged when its latest `min_idle_days` reported days are all quiet (high confidence
        from `high_confidence_days`), as `attached_never_used` when it has never been active since its
        creation inside the window, else `attached_idle`. Only days CloudWatch reported count: volumes on
        Xen instances report nothing on quiet days, and a volume without datapoints, or whose latest one
        is older than two days, is unknown, never idle. Root volumes (the instance's own checks cover
        them), volumes of stopped instances (`aws.ebs.volume_on_stopped_instance`), of instances not
        listed, and service-managed volumes are skipped. The cost is the full volume cost.
    """,
    recommendation=(
        "Check the volume is not mounted or needed, snapshot it, wait for the snapshot to complete, then "
        "detach and delete it: aws ec2 create-snapshot --volume-id <id>, then "
        "aws ec2 detach-volume --volume-id <id> && aws ec2 delete-volume --volume-id <id>"
    ),
    covers_original=[
        "aws:ebs_volume_unattached/attached_never_used",
        "aws:ebs_volume_unattached/attached_idle",
    ],
    covers_peers=["aws.ebs.idle_volume"],
)
def idle_volume(ctx: CheckContext, params: IdleVolumeParams) -> Iterator[Hit]:
    """In-use data volumes of running instances quiet on their latest ``min_idle_days`` reported days."""
    instances = {str(i["InstanceId"]): i for i in ctx.get("ec2:instances")}
    for vol in ctx.get("ec2:volumes"):
        state = attached_idle(
            ctx, vol, instances, window_days=params.window_days, max_daily_ops=params.max_daily_ops
        )
        if state is None or state.idle_days < params.min_idle_days:
            continue
        age = age_days(vol.get("CreateTime"), ctx.now) or 0.0
        who = ", ".join(state.instance_ids)
        since = state.idle_since.date().isoformat()
        if state.scenario == "attached_never_used":
            reason = (
                f"EBS volume {volume_label(vol)}, attached to {who}, has done "
                f"{_ops_text(params.max_daily_ops)} on any of the {state.idle_days} days CloudWatch "
                f"reported since it was created {whole_days(age)} ago."
            )
        else:
            reason = (
                f"EBS volume {volume_label(vol)}, attached to {who}, did {_ops_text(params.max_daily_ops)} "
                f"on each of the last {state.idle_days} days CloudWatch reported (since {since})."
            )
        vid = str(vol["VolumeId"])
        yield Hit(
            resource=volume_resource(ctx, vol),
            reason=reason,
            cost=volume_cost(ctx, vol),
            evidence=volume_facts(vol, age)
            | {
                "scenario": state.scenario,
                "attached_to": list(state.instance_ids),
                "idle_days": state.idle_days,
                "idle_since": iso(state.idle_since),
                "max_daily_ops": params.max_daily_ops,
                "activity": state.activity.evidence(params.max_daily_ops),
            },
            confidence=Confidence.HIGH
            if state.idle_days >= params.high_confidence_days
            else Confidence.MEDIUM,
            recommendation=(
                f"Check on {who} that the volume is not mounted or needed, snapshot it, wait for the "
                f"snapshot to complete, then detach and delete it: aws ec2 create-snapshot --volume-id "
                f"{vid}, then aws ec2 detach-volume --volume-id {vid} && "
                f"aws ec2 delete-volume --volume-id {vid}"
            ),
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
        from LaunchTime, which is the last start (the original approximates days stopped by launch age).
        Instances of an Auto Scaling group (warm pools keep instances stopped by design) are skipped. The
        instance's own finding (`aws.ec2.stopped_instance`) includes this volume's cost.
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
            resource=volume_resource(ctx, vol),
            reason=f"EBS volume {volume_label(vol)} is attached only to {who}, stopped for "
            f"{whole_days(stopped_days)}.",
            cost=volume_cost(ctx, vol),
            evidence=volume_facts(vol, age)
            | {
                "scenario": "volume_on_stopped_instance",
                "instances": [stop for stop, _ in stops],
                "stopped_days": round(stopped_days, 1),
            },
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
