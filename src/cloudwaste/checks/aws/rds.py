"""RDS checks: DB instances that are stopped, idle, oversized, on a pricier class, over-allocated,
Multi-AZ or running 24/7 in non-production, or without automated backups.

Prices: ``rds.<group>.<class>.hour`` (group ``mysql`` for MySQL and MariaDB, ``postgres``, ``aurora``)
and ``rds.storage.<type>.*`` in the ``aws_compute_db.json`` fragment. A Multi-AZ DB instance is billed
twice (compute and storage: the standby); members of a cluster (Aurora, Multi-AZ DB clusters) have no
storage of their own, their cluster volume is billed on the cluster. Engines with licences (Oracle,
SQL Server, Db2) and Aurora I/O-Optimized are priced unknown. CloudWatch metrics use the dimension
``DBInstanceIdentifier``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import iso, resource, whole_days
from cloudwaste.checks.aws._compute import (
    Size,
    family_sizes,
    hourly_money,
    next_smaller,
    nonprod_tag,
    saving,
    size_of,
    split_type,
)
from cloudwaste.checks.aws._usage import HoursParams, daily, off_hours_share, profile, working_week
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, age_days
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import add, with_note

GIB = 1024**3
ENGINE_GROUPS = {
    "mysql": "mysql",
    "mariadb": "mysql",
    "postgres": "postgres",
    "aurora": "aurora",
    "aurora-mysql": "aurora",
    "aurora-postgresql": "aurora",
}
NOT_RUNNING = (
    "stopped",
    "stopping",
    "starting",
    "creating",
    "deleting",
    "failed",
    "inaccessible-encryption-credentials",
    "incompatible-restore",
    "incompatible-parameters",
)
# DescribeDBInstances fields naming a replication source or replicas, instance or cluster ones (an instance
# can replicate from a Multi-AZ DB cluster, or have an Aurora read replica cluster); StopDBInstance refuses
# a DB instance that has a read replica or is one
REPLICATION_FIELDS = (
    "ReadReplicaSourceDBInstanceIdentifier",
    "ReadReplicaDBInstanceIdentifiers",
    "ReadReplicaSourceDBClusterIdentifier",
    "ReadReplicaDBClusterIdentifiers",
)
NONPROD_PREFIXES = ("dev-", "test-", "staging-", "stage-", "qa-", "sandbox-", "uat-", "demo-")
AUTO_START = "AWS starts a stopped DB instance again after 7 days"
# gp3 storage includes 3,000 IOPS and 125 MiB/s below 400 GiB, 12,000 and 500 from 400 GiB
GP3_BASELINE = ((400, 3000, 125), (None, 12000, 500))
PREVIOUS = {"t2": "t3", "m3": "m5", "m4": "m5", "r3": "r5", "r4": "r5"}
GRAVITON = {
    "t2": "t4g",
    "t3": "t4g",
    "m3": "m6g",
    "m4": "m6g",
    "m5": "m6g",
    "m6i": "m6g",
    "r3": "r6g",
    "r4": "r6g",
    "r5": "r6g",
    "r6i": "r6g",
}


def engine_group(db: Mapping[str, Any]) -> str | None:
    """The price group of a DB instance's engine (None for licensed engines)."""
    return ENGINE_GROUPS.get(str(db.get("Engine") or ""))


def in_cluster(db: Mapping[str, Any]) -> bool:
    """A member of an Aurora or Multi-AZ DB cluster: its storage is the cluster's."""
    return bool(db.get("DBClusterIdentifier"))


def az_factor(db: Mapping[str, Any]) -> int:
    """2 for a Multi-AZ DB instance (a standby is billed too), else 1."""
    return 2 if db.get("MultiAZ") and not in_cluster(db) else 1


def db_id(db: Mapping[str, Any]) -> str:
    return str(db["DBInstanceIdentifier"])


def db_resource(ctx: CheckContext, db: Mapping[str, Any]) -> Resource:
    """A Resource for a DescribeDBInstances item (TagList holds its tags)."""
    item = {"Tags": db.get("TagList") or []}
    return resource(
        item,
        rid=db_id(db),
        rtype="rds_instance",
        arn=str(db.get("DBInstanceArn") or f"arn:aws:rds:{ctx.region}:{ctx.account}:db:{db_id(db)}"),
        created=db.get("InstanceCreateTime"),
        name=db_id(db),
    )


def db_tags(db: Mapping[str, Any]) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in db.get("TagList") or []}


def class_size(ctx: CheckContext, db: Mapping[str, Any], db_class: str | None = None) -> Size | None:
    """The priced size of ``db_class`` (default: the instance's own) for its engine, in the region."""
    group = engine_group(db)
    cls = db_class or str(db.get("DBInstanceClass") or "")
    if group is None:
        return None
    return size_of(ctx.prices, f"rds.{group}.{cls}.hour", cls, ctx.region)


def compute_monthly(ctx: CheckContext, db: Mapping[str, Any]) -> Money:
    """A DB instance's compute per month (twice for Multi-AZ)."""
    cls = str(db.get("DBInstanceClass") or "")
    if engine_group(db) is None:
        return Money.unknown(detail=f"engine {db.get('Engine')}: licensed engines are not in the price book")
    if db.get("StorageType") == "aurora-iopt1":
        return Money.unknown(
            detail="Aurora I/O-Optimized: instance prices differ from the book's Standard ones"
        )
    size = class_size(ctx, db)
    if size is None:
        return Money.unknown(detail=f"no price for rds.{engine_group(db)}.{cls}.hour in {ctx.region}")
    factor = az_factor(db)
    note = "Multi-AZ: primary + standby" if factor == 2 else ""
    return hourly_money(size, ctx.prices.hours_per_month, factor=factor, note=note)


def storage_monthly(ctx: CheckContext, db: Mapping[str, Any], size_gb: float | None = None) -> Money:
    """A DB instance's allocated storage (+ provisioned IOPS/throughput) per month, twice for Multi-AZ.

    Cluster members have none of their own: unknown, with the reason.
    """
    if in_cluster(db):
        return Money.unknown(
            detail=f"member of cluster {db.get('DBClusterIdentifier')}: storage is billed on the"
            f" cluster volume"
        )
    if engine_group(db) is None:
        return Money.unknown(detail=f"engine {db.get('Engine')}: not in the price book")
    stype = str(db.get("StorageType") or "gp2")
    gb = float(size_gb if size_gb is not None else db.get("AllocatedStorage") or 0)
    factor = az_factor(db)
    parts = [
        ctx.prices.monthly(f"rds.storage.{stype}.gb_month", ctx.region, gb * factor, what=f"GiB {stype}")
    ]
    iops = int(db.get("Iops") or 0)
    if stype in ("io1", "io2") and iops:
        parts.append(
            ctx.prices.monthly(f"rds.storage.{stype}.iops_month", ctx.region, iops * factor, what="IOPS")
        )
    elif stype == "gp3":
        _limit, free_iops, free_tput = next(b for b in GP3_BASELINE if b[0] is None or gb < b[0])
        if iops > free_iops:
            parts.append(
                ctx.prices.monthly(
                    "rds.storage.gp3.iops_month", ctx.region, (iops - free_iops) * factor, what="extra IOPS"
                )
            )
        tput = int(db.get("StorageThroughput") or 0)
        if tput > free_tput:
            parts.append(
                ctx.prices.monthly(
                    "rds.storage.gp3.throughput_month",
                    ctx.region,
                    (tput - free_tput) * factor,
                    what="extra MiB/s",
                )
            )
    money = add(parts)
    return with_note(money, "Multi-AZ: twice the storage") if factor == 2 else money


def db_monthly(ctx: CheckContext, db: Mapping[str, Any]) -> Money:
    """Compute + storage of a running DB instance (cluster members: compute only, storage on the cluster)."""
    compute = compute_monthly(ctx, db)
    if in_cluster(db):
        return with_note(compute, f"cluster {db.get('DBClusterIdentifier')}'s storage billed apart, excluded")
    return with_note(add([compute, storage_monthly(ctx, db)]), "backup storage and I/O excluded")


def rds_query(metric: str, stat: str, period_s: int, days: int) -> MetricQuery:
    """A per-instance AWS/RDS series; instances that are not running are not queried."""
    return MetricQuery(
        namespace="AWS/RDS",
        metric=metric,
        dimension="DBInstanceIdentifier",
        collection="rds:db_instances",
        id_field="DBInstanceIdentifier",
        stat=stat,
        period_s=period_s,
        days=days,
        skip_states=NOT_RUNNING,
        state_field="DBInstanceStatus",
    )


def hourly_cpu_max(days: int) -> MetricQuery:
    """Hourly peak CPU: serves the oversized and the off-hours checks."""
    return rds_query("CPUUtilization", "Maximum", 3600, days)


def _basics(db: Mapping[str, Any], age: float) -> dict[str, Any]:
    return {
        "engine": db.get("Engine"),
        "engine_version": db.get("EngineVersion"),
        "db_instance_class": db.get("DBInstanceClass"),
        "status": db.get("DBInstanceStatus"),
        "multi_az": bool(db.get("MultiAZ")),
        "cluster": db.get("DBClusterIdentifier"),
        "storage_type": db.get("StorageType"),
        "allocated_storage_gb": db.get("AllocatedStorage"),
        "created_at": iso(db.get("InstanceCreateTime")),
        "age_days": round(age, 1),
    }


def _instances(
    ctx: CheckContext, status: str, min_age_days: float
) -> Iterator[tuple[Mapping[str, Any], float]]:
    """(instance, age) of DB instances in ``status`` at least ``min_age_days`` old."""
    for db in ctx.get("rds:db_instances"):
        age = age_days(db.get("InstanceCreateTime"), ctx.now)
        if db.get("DBInstanceStatus") == status and age is not None and age >= min_age_days:
            yield db, age


def _group(db: Mapping[str, Any]) -> str:
    """Findings about one DB instance overlap: totals charge the largest once."""
    return f"rds:{db_id(db)}"


def _delete(db: Mapping[str, Any]) -> str:
    ident = db_id(db)
    if in_cluster(db):
        return f"aws rds delete-db-instance --db-instance-identifier {ident}"
    return (
        f"aws rds delete-db-instance --db-instance-identifier {ident} "
        f"--final-db-snapshot-identifier {ident}-final"
    )


# --- aws.rds.stopped_instance --------------------------------------------------------------------------


class StoppedDbParams(BaseModel):
    """Parameters of ``aws.rds.stopped_instance``."""

    min_age_days: int = Field(
        7, ge=0, description="Only flag DB instances created at least this many days ago."
    )


@check(
    id="aws.rds.stopped_instance",
    title="Stopped RDS DB instance that still pays for storage and restarts by itself",
    resource_type="rds_instance",
    severity=Severity.MEDIUM,
    needs=["rds:db_instances"],
    params=StoppedDbParams,
    klass="idle",
    rationale="""
        A stopped DB instance still pays for its storage (and provisioned IOPS), and AWS starts it again
        automatically 7 days after it was stopped, billing compute until someone stops it again. The
        original's rule, "stopped for at least 7 days", can never hold for that reason, and
        DescribeDBInstances gives no stop time. Every stopped instance created at least `min_age_days`
        ago is reported with medium confidence; the cost is its storage per month (what deleting it
        saves; a final snapshot is billed instead at the snapshot rate), and the compute it will bill
        after the automatic start is in the evidence. Members of an Aurora or Multi-AZ DB cluster have
        no storage of their own: their cost is unknown here, and the cluster is what to stop or delete.
    """,
    recommendation=(
        "If it is kept only for its data, snapshot it and delete it: aws rds delete-db-instance "
        "--db-instance-identifier <id> --final-db-snapshot-identifier <id>-final"
    ),
    covers_original=["aws:rds_instance/stopped"],
)
def stopped_instance(ctx: CheckContext, params: StoppedDbParams) -> Iterator[Hit]:
    """DB instances in status ``stopped``."""
    for db, age in _instances(ctx, "stopped", params.min_age_days):
        ident = db_id(db)
        after = compute_monthly(ctx, db)
        cluster = db.get("DBClusterIdentifier")
        yield Hit(
            resource=db_resource(ctx, db),
            reason=f"RDS DB instance {ident} ({db.get('DBInstanceClass')}, {db.get('Engine')}) is"
            f" stopped and "
            f"still pays for its storage; {AUTO_START}.",
            cost=storage_monthly(ctx, db),
            evidence=_basics(db, age)
            | {
                "stopped_since": "unknown (DescribeDBInstances gives no stop time)",
                "auto_start": AUTO_START,
                "compute_monthly_after_auto_start": after.amount,
                "scenario": "stopped",
            },
            confidence=Confidence.MEDIUM,
            recommendation=(
                f"Stop or delete its cluster instead: aws rds stop-db-cluster"
                f" --db-cluster-identifier {cluster}"
                if cluster
                else None
            ),
            cost_group=_group(db),
        )


# --- aws.rds.idle_instance --------------------------------------------------------------------------------


class IdleDbParams(BaseModel):
    """Parameters of ``aws.rds.idle_instance``."""

    min_age_days: int = Field(
        7, ge=0, description="Only judge DB instances created at least this many days ago."
    )
    window_days: int = Field(30, ge=7, le=455, description="Days of daily CloudWatch data read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    high_confidence_days: int = Field(14, ge=1, description="Days of data needed for high confidence.")
    write_iops_floor: float = Field(
        1.0,
        ge=0,
        description="Busiest day's average write IOPS at or below which writes are only the engine's own "
        "background (the zero-I/O variant).",
    )


def idle_db_queries(params: IdleDbParams) -> list[MetricQuery]:
    """Daily peak connections and daily peak read and write IOPS of every running DB instance."""
    days = params.window_days
    return [
        rds_query("DatabaseConnections", "Maximum", 86400, days),
        rds_query("ReadIOPS", "Maximum", 86400, days),
        rds_query("WriteIOPS", "Maximum", 86400, days),
    ]


@check(
    id="aws.rds.idle_instance",
    title="RDS DB instance with no connections or no I/O",
    resource_type="rds_instance",
    severity=Severity.HIGH,
    needs=["rds:db_instances"],
    params=IdleDbParams,
    klass="idle",
    metrics=idle_db_queries,
    rationale="""
        An available DB instance at least `min_age_days` old whose daily peak DatabaseConnections was 0 on
        every day of `window_days` (at least `min_days_of_data` days of data) is idle: `never_connected`
        when the window reaches back to its creation, `idle_running` otherwise; high confidence from
        `high_confidence_days` of data (Trusted Advisor uses 7 days, Cloud Custodian 14). One with
        connections but no reads and only background writes (`write_iops_floor`) is `zero_io`, with low
        confidence (a connection pool or monitor that does nothing). A cluster member is idle only if
        every member of its cluster is (readers serve the reader endpoint and fail over); a source
        instance with read replicas gets low confidence. Missing data is unknown, never idle. The cost is
        compute plus storage (cluster storage excluded).
    """,
    recommendation=(
        "Confirm nobody uses it, then snapshot and delete it: aws rds delete-db-instance "
        "--db-instance-identifier <id> --final-db-snapshot-identifier <id>-final"
    ),
    covers_original=[
        "aws:rds_instance/never_connected",
        "aws:rds_instance/idle_running",
        "aws:rds_instance/zero_io",
    ],
    covers_peers=["aws.rds.idle_instance"],
)
def idle_instance(ctx: CheckContext, params: IdleDbParams) -> Iterator[Hit]:
    """Available DB instances with no connections, or no I/O, over the window."""
    conn_q, read_q, write_q = idle_db_queries(params)
    members: dict[str, list[str]] = {}
    for db in ctx.get("rds:db_instances"):
        if db.get("DBClusterIdentifier"):
            members.setdefault(str(db["DBClusterIdentifier"]), []).append(db_id(db))

    def peak(ident: str) -> float | None:
        series = ctx.metric(conn_q, ident)
        return None if series is None else series.maximum

    for db, age in _instances(ctx, "available", params.min_age_days):
        ident = db_id(db)
        conn = ctx.metric(conn_q, ident)
        if conn is None:
            continue  # unknown, never idle
        days = len({t.date() for t in conn.timestamps})
        if days < params.min_days_of_data:
            continue
        reads, writes = ctx.metric(read_q, ident), ctx.metric(write_q, ident)
        cluster = db.get("DBClusterIdentifier")
        if cluster and any((peak(m) or 0) > 0 for m in members.get(str(cluster), []) if m != ident):
            continue  # its cluster is in use through another member
        full = days >= params.high_confidence_days
        window = min(params.window_days, int(age))
        if conn.maximum == 0:
            scenario = "never_connected" if age <= params.window_days else "idle_running"
            confidence = Confidence.HIGH if full else Confidence.MEDIUM
            since = (
                "since it was created"
                if scenario == "never_connected"
                else f"in the last {whole_days(window)}"
            )
            reason = f"RDS DB instance {ident} ({db.get('DBInstanceClass')}) had no connection {since}."
        elif (
            reads is not None
            and writes is not None
            and reads.maximum == 0
            and max(daily(writes, "max").values(), default=0.0) <= params.write_iops_floor
        ):
            scenario, confidence = "zero_io", Confidence.LOW
            reason = (
                f"RDS DB instance {ident} ({db.get('DBInstanceClass')}) had up to"
                f" {conn.maximum:.0f} connections "
                f"but no reads and only background writes in the last {whole_days(window)}."
            )
        else:
            continue
        if db.get("ReadReplicaDBInstanceIdentifiers"):
            confidence = Confidence.LOW  # its replicas may be what clients read
        yield Hit(
            resource=db_resource(ctx, db),
            reason=reason,
            cost=db_monthly(ctx, db),
            evidence=_basics(db, age)
            | {
                "window_days": window,
                "days_with_data": days,
                "connections_peak": conn.maximum,
                "read_iops_peak": reads.maximum if reads else None,
                "write_iops_peak": writes.maximum if writes else None,
                "read_replicas": list(db.get("ReadReplicaDBInstanceIdentifiers") or []),
                "metrics": {
                    "DatabaseConnections": conn.evidence(),
                    "ReadIOPS": reads.evidence() if reads else None,
                    "WriteIOPS": writes.evidence() if writes else None,
                },
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=f"Confirm nobody uses it, then: {_delete(db)}",
            cost_group=_group(db),
        )


# --- aws.rds.no_automated_backups -------------------------------------------------------------------------


class BackupParams(BaseModel):
    """Parameters of ``aws.rds.no_automated_backups``."""

    min_age_days: int = Field(
        1, ge=0, description="Only flag DB instances created at least this many days ago."
    )


@check(
    id="aws.rds.no_automated_backups",
    title="RDS DB instance without automated backups",
    resource_type="rds_instance",
    severity=Severity.LOW,
    needs=["rds:db_instances"],
    params=BackupParams,
    klass="policy",
    rationale="""
        The original counts a DB instance with `BackupRetentionPeriod` = 0 as waste and reports its full
        cost. It is not waste but a risk: nothing is saved by fixing it, and enabling backups costs backup
        storage beyond the free allowance (the size of the database). We report it as a policy finding
        with a $0 saving so it never inflates the waste total. Read replicas (whose source holds the
        backups), cluster members (backups are the cluster's) and instances tagged non-production (where
        skipping backups is a deliberate saving) are skipped.
    """,
    recommendation=(
        "Turn automated backups on: aws rds modify-db-instance --db-instance-identifier <id> "
        "--backup-retention-period 7 --apply-immediately"
    ),
    covers_original=["aws:rds_instance/no_backups"],
)
def no_automated_backups(ctx: CheckContext, params: BackupParams) -> Iterator[Hit]:
    """Standalone production DB instances with a backup retention period of 0."""
    for db in ctx.get("rds:db_instances"):
        age = age_days(db.get("InstanceCreateTime"), ctx.now)
        if (
            age is None
            or age < params.min_age_days
            or db.get("DBInstanceStatus") not in ("available", "stopped")
        ):
            continue
        if int(db.get("BackupRetentionPeriod") or 0) != 0 or in_cluster(db):
            continue
        if db.get("ReadReplicaSourceDBInstanceIdentifier") or nonprod_tag(db_tags(db)):
            continue
        ident = db_id(db)
        yield Hit(
            resource=db_resource(ctx, db),
            reason=f"RDS DB instance {ident} has automated backups turned off (backup retention 0 days).",
            cost=Money(
                amount=0.0,
                kind=CostKind.SAVING,
                detail="a risk, not waste: turning backups on saves nothing and adds backup storage beyond "
                "the free allowance",
            ),
            evidence=_basics(db, age) | {"backup_retention_period": 0, "scenario": "no_backups"},
            confidence=Confidence.HIGH,
        )


# --- aws.rds.oversized_instance


class OversizedDbParams(BaseModel):
    """Parameters of ``aws.rds.oversized_instance``."""

    min_age_days: int = Field(
        14, ge=0, description="Only judge DB instances created at least this many days ago."
    )
    window_days: int = Field(14, ge=7, le=63, description="Days of hourly CloudWatch data read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with CPU datapoints needed before judging.")
    review_cpu_percent: float = Field(
        40.0,
        ge=0,
        le=100,
        description="Mean of the daily peak CPU at or below which the next smaller class is proposed "
        "(low confidence: review band).",
    )
    cpu_percent: float = Field(
        20.0,
        ge=0,
        le=100,
        description="Mean of the daily peak CPU at or below which, with enough free memory,"
        " confidence is medium.",
    )


def oversized_db_queries(params: OversizedDbParams) -> list[MetricQuery]:
    """Hourly peak CPU and daily lowest freeable memory of every running DB instance."""
    return [
        hourly_cpu_max(params.window_days),
        rds_query("FreeableMemory", "Minimum", 86400, max(30, params.window_days)),
    ]


@check(
    id="aws.rds.oversized_instance",
    title="RDS DB instance larger than its CPU use needs",
    resource_type="rds_instance",
    severity=Severity.MEDIUM,
    needs=["rds:db_instances"],
    params=OversizedDbParams,
    klass="oversized",
    metrics=oversized_db_queries,
    rationale="""
        An available DB instance at least `min_age_days` old whose daily peak CPU (from hourly maxima over
        `window_days`) averaged at most `review_cpu_percent` is offered the next smaller priced class of its
        family (half the vCPUs and memory); with an average at most `cpu_percent` and at least half of its
        memory always free (FreeableMemory's daily minimum), confidence is medium, else low: a database
        uses memory as cache, which halving takes away. Burstable db.t classes are skipped. The saving is
        the difference of the two class prices in the book (twice for Multi-AZ), not the original's 50 %
        of a guessed compute price.
    """,
    recommendation=(
        "Move it to the smaller class in a maintenance window: aws rds modify-db-instance "
        "--db-instance-identifier <id> --db-instance-class <class>"
    ),
    covers_original=["aws:rds_instance/over_provisioned"],
    covers_peers=["aws.rds.low_cpu_instance"],
)
def oversized_instance(ctx: CheckContext, params: OversizedDbParams) -> Iterator[Hit]:
    """Available DB instances whose CPU shows the next smaller class is enough."""
    cpu_q, mem_q = oversized_db_queries(params)
    for db, age in _instances(ctx, "available", params.min_age_days):
        ident = db_id(db)
        parts = split_type(str(db.get("DBInstanceClass") or ""))
        current = class_size(ctx, db)
        cpu = ctx.metric(cpu_q, ident)
        if parts is None or parts[0].startswith("t") or current is None or cpu is None:
            continue
        peaks = daily(cpu, "max")
        if len(peaks) < params.min_days_of_data:
            continue
        mean_peak = sum(peaks.values()) / len(peaks)
        if mean_peak > params.review_cpu_percent:
            continue
        target = next_smaller(
            family_sizes(ctx, f"rds.{engine_group(db)}", f"db.{parts[0]}"), current, fewer_vcpus=True
        )
        if target is None:
            continue
        memory = ctx.metric(mem_q, ident)
        min_free_gib = min(memory.values) / GIB if memory is not None else None
        roomy = min_free_gib is not None and min_free_gib >= current.memory_gib / 2
        confidence = Confidence.MEDIUM if mean_peak <= params.cpu_percent and roomy else Confidence.LOW
        yield Hit(
            resource=db_resource(ctx, db),
            reason=f"RDS DB instance {ident} ({current.name}) peaked at {mean_peak:.1f}% CPU on an"
            f" average day "
            f"over {whole_days(len(peaks))}; a {target.name} has half its vCPUs.",
            cost=saving(
                current, target, ctx.prices.hours_per_month, factor=az_factor(db), note="on-demand prices"
            ),
            evidence=_basics(db, age)
            | {
                "window_days": params.window_days,
                "days_with_data": len(peaks),
                "cpu_mean_daily_peak_percent": round(mean_peak, 2),
                "cpu_peak_percent": round(cpu.maximum, 2),
                "freeable_memory_min_gib": round(min_free_gib, 2) if min_free_gib is not None else None,
                "memory_gib": current.memory_gib,
                "target_db_instance_class": target.name,
                "metrics": {
                    "CPUUtilization": cpu.evidence(),
                    "FreeableMemory": memory.evidence() if memory else None,
                },
                "scenario": "over_provisioned",
            },
            confidence=confidence,
            recommendation=(
                f"Move it to {target.name} in a maintenance window: aws rds modify-db-instance "
                f"--db-instance-identifier {ident} --db-instance-class {target.name}"
            ),
            cost_group=_group(db),
        )


# --- aws.rds.previous_generation and aws.rds.non_graviton ---------------------------------------------------


class DbClassParams(BaseModel):
    """Parameters of ``aws.rds.previous_generation`` and ``aws.rds.non_graviton``."""

    min_monthly_saving: float = Field(
        1.0,
        ge=0,
        description="aws.rds.non_graviton only reports a change that saves at least this much (USD).",
    )


def _class_targets(
    ctx: CheckContext, db: Mapping[str, Any], families: Mapping[str, str]
) -> tuple[Size, Size] | None:
    parts = split_type(str(db.get("DBInstanceClass") or ""))
    current = class_size(ctx, db)
    if parts is None or current is None or parts[0] not in families:
        return None
    target = class_size(ctx, db, f"db.{families[parts[0]]}.{parts[1]}")
    return None if target is None else (current, target)


@check(
    id="aws.rds.previous_generation",
    title="RDS DB instance on a previous-generation class",
    resource_type="rds_instance",
    severity=Severity.LOW,
    needs=["rds:db_instances"],
    params=DbClassParams,
    klass="legacy",
    rationale="""
        db.t2, db.m3/m4 and db.r3/r4 classes are previous generation: AWS is retiring them, and they cost
        as much as or more than their successors. An available instance of one of them is offered the
        cheaper of the current x86 class of the same size (db.t3, db.m5, db.r5) and, for engines that run
        on Graviton (MySQL, MariaDB, PostgreSQL, Aurora), the Graviton one (db.t4g, db.m6g, db.r6g). The
        saving is the difference of the book prices (twice for Multi-AZ), not the original's flat 15 %;
        when no successor is cheaper it is $0 with low confidence (the class still has to move).
    """,
    recommendation=(
        "Move it to the current class in a maintenance window: aws rds modify-db-instance "
        "--db-instance-identifier <id> --db-instance-class <class>"
    ),
    covers_original=["aws:rds_instance/old_generation"],
    covers_peers=["aws.rds.previous_generation"],
)
def previous_generation(ctx: CheckContext, params: DbClassParams) -> Iterator[Hit]:
    """Available DB instances on previous-generation classes."""
    for db, age in _instances(ctx, "available", 0):
        parts = split_type(str(db.get("DBInstanceClass") or ""))
        if parts is None or parts[0] not in PREVIOUS:
            continue
        options = [t for t in (_class_targets(ctx, db, PREVIOUS), _class_targets(ctx, db, GRAVITON)) if t]
        if not options:
            continue
        current, target = min(options, key=lambda pair: pair[1].hourly)
        money = saving(
            current, target, ctx.prices.hours_per_month, factor=az_factor(db), note="on-demand prices"
        )
        if (money.amount or 0) <= 0:
            money = money.model_copy(
                update={"amount": 0.0, "detail": f"no cheaper successor: {money.detail}"}
            )
        ident = db_id(db)
        yield Hit(
            resource=db_resource(ctx, db),
            reason=f"RDS DB instance {ident} runs the previous-generation {current.name};"
            f" {target.name} is its "
            f"current equivalent at ${target.hourly:g} an hour instead of ${current.hourly:g}.",
            cost=money,
            evidence=_basics(db, age)
            | {"target_db_instance_class": target.name, "scenario": "old_generation"},
            confidence=Confidence.MEDIUM if (money.amount or 0) > 0 else Confidence.LOW,
            recommendation=(
                f"Move it to {target.name} in a maintenance window: aws rds modify-db-instance "
                f"--db-instance-identifier {ident} --db-instance-class {target.name}"
            ),
            cost_group=_group(db),
        )


@check(
    id="aws.rds.non_graviton",
    title="RDS DB instance on an x86 class with a cheaper Graviton equivalent",
    resource_type="rds_instance",
    severity=Severity.LOW,
    needs=["rds:db_instances"],
    params=DbClassParams,
    klass="legacy",
    rationale="""
        For MySQL, MariaDB, PostgreSQL and Aurora, Graviton classes (db.t4g, db.m6g, db.r6g) cost less
        than x86 classes of the same vCPUs and memory (db.t3, db.m5, db.m6i, db.r5, db.r6i), and a managed
        engine needs no application change (recent engine versions are required). An available instance
        on such an x86 class is reported with the difference of the book prices (twice for Multi-AZ) when
        it is at least `min_monthly_saving`; previous-generation classes are aws.rds.previous_generation's.
    """,
    recommendation=(
        "Move it to the Graviton class in a maintenance window: aws rds modify-db-instance "
        "--db-instance-identifier <id> --db-instance-class <class>"
    ),
    covers_peers=["aws.rds.non_graviton"],
)
def non_graviton(ctx: CheckContext, params: DbClassParams) -> Iterator[Hit]:
    """Available DB instances on current x86 classes whose Graviton equivalent is cheaper."""
    for db, age in _instances(ctx, "available", 0):
        parts = split_type(str(db.get("DBInstanceClass") or ""))
        if parts is None or parts[0] in PREVIOUS:
            continue
        pair = _class_targets(ctx, db, GRAVITON)
        if pair is None:
            continue
        current, target = pair
        money = saving(
            current, target, ctx.prices.hours_per_month, factor=az_factor(db), note="on-demand prices"
        )
        if (money.amount or 0) < max(params.min_monthly_saving, 0.01):
            continue
        ident = db_id(db)
        yield Hit(
            resource=db_resource(ctx, db),
            reason=f"RDS DB instance {ident} runs the x86 {current.name}; the Graviton"
            f" {target.name} has the same "
            f"vCPUs and memory for ${current.hourly - target.hourly:.3f} less an hour.",
            cost=money,
            evidence=_basics(db, age) | {"target_db_instance_class": target.name},
            confidence=Confidence.MEDIUM,
            recommendation=(
                f"Move it to {target.name} in a maintenance window: aws rds modify-db-instance "
                f"--db-instance-identifier {ident} --db-instance-class {target.name}"
            ),
            cost_group=_group(db),
        )


# --- aws.rds.storage_overprovisioned


class StorageParams(BaseModel):
    """Parameters of ``aws.rds.storage_overprovisioned``."""

    min_age_days: int = Field(
        30, ge=0, description="Only judge DB instances created at least this many days ago."
    )
    window_days: int = Field(30, ge=7, le=455, description="Days of daily FreeStorageSpace read.")
    min_allocated_gb: int = Field(
        100, ge=20, description="Only judge instances with at least this much storage."
    )
    review_free_percent: float = Field(
        80.0,
        ge=0,
        le=100,
        description="Lowest free share at or above which storage is reported (low confidence).",
    )
    free_percent: float = Field(
        90.0, ge=0, le=100, description="Lowest free share at or above which confidence is medium."
    )
    headroom_percent: float = Field(
        30.0, ge=0, description="Room kept above the used storage when sizing the smaller allocation."
    )


def storage_queries(params: StorageParams) -> list[MetricQuery]:
    """Daily lowest free storage of every running DB instance."""
    return [rds_query("FreeStorageSpace", "Minimum", 86400, params.window_days)]


@check(
    id="aws.rds.storage_overprovisioned",
    title="RDS DB instance with far more storage allocated than used",
    resource_type="rds_instance",
    severity=Severity.LOW,
    needs=["rds:db_instances"],
    params=StorageParams,
    klass="oversized",
    metrics=storage_queries,
    rationale="""
        Allocated RDS storage is billed whether used or not, and cannot be shrunk in place: a smaller
        allocation needs a new instance (Blue/Green deployment, or dump and restore), so this is a review
        finding. An available standalone instance with at least `min_allocated_gb` whose lowest
        FreeStorageSpace over `window_days` stayed at or above `review_free_percent` of its allocation (low
        confidence; `free_percent`: medium) is offered an allocation of the used storage plus
        `headroom_percent`, no less than 20 GiB, than the IOPS need for io1/io2 (50 and 500 IOPS per GiB)
        and than 400 GiB for a gp3 allocation that already has gp3's higher included baseline. The
        saving, an estimate, is the freed GiB at the storage price (twice for Multi-AZ). Cluster members
        have no storage of their own and are skipped.
    """,
    recommendation=(
        "Create a smaller copy with a Blue/Green deployment (or dump and restore), then switch over: "
        "aws rds create-blue-green-deployment --blue-green-deployment-name <name> --source <arn>"
    ),
    covers_original=["aws:rds_instance/storage_over_provisioned"],
    covers_peers=["aws.rds.storage_overprovisioned"],
)
def storage_overprovisioned(ctx: CheckContext, params: StorageParams) -> Iterator[Hit]:
    """Standalone DB instances whose free storage never dropped below the threshold."""
    [free_q] = storage_queries(params)
    for db, age in _instances(ctx, "available", params.min_age_days):
        allocated = int(db.get("AllocatedStorage") or 0)
        if in_cluster(db) or allocated < params.min_allocated_gb:
            continue
        ident = db_id(db)
        free = ctx.metric(free_q, ident)
        if free is None:
            continue
        free_gb = min(free.values) / GIB
        share = free_gb / allocated
        if share * 100 < params.review_free_percent:
            continue
        used = max(0.0, allocated - free_gb)
        target = max(20, math.ceil(used * (1 + params.headroom_percent / 100)))
        stype = str(db.get("StorageType") or "gp2")
        iops = int(db.get("Iops") or 0)
        if stype == "io1" and iops:
            target = max(target, math.ceil(iops / 50))
        elif stype == "io2" and iops:
            target = max(target, math.ceil(iops / 500))
        elif stype == "gp3" and allocated >= 400:
            target = max(target, 400)
        if target >= allocated:
            continue
        now_cost, then_cost = storage_monthly(ctx, db), storage_monthly(ctx, db, target)
        if now_cost.amount is None or then_cost.amount is None:
            cost = Money.unknown(CostKind.SAVING, detail=now_cost.detail)
        else:
            cost = Money(
                amount=round(now_cost.amount - then_cost.amount, 2),
                basis=CostBasis.ESTIMATE,
                kind=CostKind.SAVING,
                detail=f"estimate: ({now_cost.detail}) - ({then_cost.detail}) at {target} GiB",
            )
        yield Hit(
            resource=db_resource(ctx, db),
            reason=f"RDS DB instance {ident} never had less than {share:.0%} of its {allocated} GiB"
            f" free over "
            f"{whole_days(len(free.values))}; about {used:.0f} GiB is used.",
            cost=cost,
            evidence=_basics(db, age)
            | {
                "free_storage_min_gb": round(free_gb, 1),
                "free_share_min": round(share, 3),
                "used_gb": round(used, 1),
                "proposed_allocated_gb": target,
                "max_allocated_storage_gb": db.get("MaxAllocatedStorage"),
                "metrics": {"FreeStorageSpace": free.evidence()},
                "scenario": "storage_over_provisioned",
            },
            confidence=Confidence.MEDIUM if share * 100 >= params.free_percent else Confidence.LOW,
            recommendation=(
                f"Create a {target} GiB copy with a Blue/Green deployment (or dump and restore), then switch "
                f"over: aws rds create-blue-green-deployment --blue-green-deployment-name {ident}-smaller "
                f"--source {db_resource(ctx, db).arn}"
            ),
            cost_group=f"rds-storage:{ident}",
        )


# --- aws.rds.multi_az_non_production


def nonprod_reason(db: Mapping[str, Any]) -> tuple[str, Confidence] | None:
    """(why the instance is non-production, how sure) from its tags or, less surely, its name."""
    tag = nonprod_tag(db_tags(db))
    if tag:
        return f"tagged {tag[0]}={tag[1]}", Confidence.HIGH
    ident = db_id(db).lower()
    prefix = next((p for p in NONPROD_PREFIXES if ident.startswith(p)), None)
    return (f"named {prefix}*", Confidence.MEDIUM) if prefix else None


@check(
    id="aws.rds.multi_az_non_production",
    title="Multi-AZ RDS DB instance in a non-production environment",
    resource_type="rds_instance",
    severity=Severity.MEDIUM,
    needs=["rds:db_instances"],
    klass="policy",
    rationale="""
        A Multi-AZ DB instance pays for a standby in another zone: its compute and storage are billed
        twice. A non-production instance rarely needs that failover. An available Multi-AZ instance (not
        a cluster member) tagged non-production (Environment/Env/Stage/Tier = dev, test, staging...) is
        reported with medium confidence, one only named like it (dev-, test-, staging-...) with low. The
        original also flagged Multi-AZ instances with fewer than 5 connections; high availability is not
        about load, so we do not. The saving is the standby: the single-AZ compute and storage prices.
    """,
    recommendation=(
        "Turn Multi-AZ off: aws rds modify-db-instance --db-instance-identifier <id> --no-multi-az "
        "--apply-immediately"
    ),
    covers_original=["aws:rds_instance/multi_az_waste"],
)
def multi_az_non_production(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Multi-AZ DB instances tagged or named as non-production."""
    for db, age in _instances(ctx, "available", 0):
        if az_factor(db) != 2:
            continue
        why = nonprod_reason(db)
        if why is None:
            continue
        single = dict(db, MultiAZ=False)
        cost = add([compute_monthly(ctx, single), storage_monthly(ctx, single)], kind=CostKind.SAVING)
        ident = db_id(db)
        yield Hit(
            resource=db_resource(ctx, db),
            reason=f"RDS DB instance {ident} is Multi-AZ and {why[0]}.",
            cost=with_note(cost, "the standby: single-AZ compute + storage"),
            evidence=_basics(db, age) | {"non_production": why[0], "scenario": "multi_az_waste"},
            confidence=Confidence.MEDIUM if why[1] is Confidence.HIGH else Confidence.LOW,
            recommendation=(
                f"Turn Multi-AZ off: aws rds modify-db-instance --db-instance-identifier {ident}"
                f" --no-multi-az "
                "--apply-immediately"
            ),
            cost_group=_group(db),
        )


# --- aws.rds.off_hours_instance


class OffHoursDbParams(HoursParams):
    """Parameters of ``aws.rds.off_hours_instance``."""

    window_days: int = Field(14, ge=7, le=63, description="Days of hourly CloudWatch CPU read.")
    min_off_hours_coverage: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Share of the window's off-hours with a datapoint: the instance ran nights and weekends.",
    )
    idle_cpu_percent: float = Field(
        10.0,
        ge=0,
        le=100,
        description="Mean off-hours peak CPU at or below which nights and weekends are idle.",
    )


def off_hours_db_queries(params: OffHoursDbParams) -> list[MetricQuery]:
    """Hourly peak CPU of every running DB instance."""
    return [hourly_cpu_max(params.window_days)]


@check(
    id="aws.rds.off_hours_instance",
    title="Non-production RDS DB instance running nights and weekends",
    resource_type="rds_instance",
    severity=Severity.MEDIUM,
    needs=["rds:db_instances"],
    params=OffHoursDbParams,
    klass="policy",
    metrics=off_hours_db_queries,
    rationale="""
        A DB instance can be stopped outside working hours (a nightly schedule also resets the 7-day
        automatic start). An available instance tagged non-production (high confidence) or named like one
        (dev-, test-, staging-...; medium) is reported when hourly CPU has datapoints for at least
        `min_off_hours_coverage` of the window's off-hours (RDS publishes none while stopped, so it ran
        nights and weekends) and its off-hours peak CPU averaged at most `idle_cpu_percent`. Without that
        data the instance may already be stopped at night: unknown, not reported. Read replicas and
        instances with replicas cannot be stopped, and cluster members stop with their cluster; both are
        skipped or pointed at the cluster. The saving is compute (twice for Multi-AZ) times the week's
        off-hours share; storage stays billed. The original priced it at compute x 123/168 of a guess.
    """,
    recommendation=(
        "Stop it outside working hours with a schedule (AWS Instance Scheduler or EventBridge Scheduler); "
        "by hand: aws rds stop-db-instance --db-instance-identifier <id>"
    ),
    covers_original=["aws:rds_instance/dev_test_24_7"],
)
def off_hours_instance(ctx: CheckContext, params: OffHoursDbParams) -> Iterator[Hit]:
    """Non-production DB instances whose CPU shows them running, idle, outside working hours."""
    [cpu_q] = off_hours_db_queries(params)
    share = off_hours_share(params)
    week = working_week(params)
    for db, age in _instances(ctx, "available", 0):
        if any(db.get(k) for k in REPLICATION_FIELDS):
            continue  # replicas and their sources cannot be stopped
        why = nonprod_reason(db)
        ident = db_id(db)
        cpu = ctx.metric(cpu_q, ident)
        if why is None or cpu is None:
            continue
        prof = profile(cpu, params, ctx.now)
        if prof.off_coverage < params.min_off_hours_coverage or prof.off_mean > params.idle_cpu_percent:
            continue
        compute = compute_monthly(ctx, db)
        if compute.amount is None:
            cost = Money.unknown(CostKind.SAVING, detail=compute.detail)
        else:
            cost = Money(
                amount=round(compute.amount * share, 2),
                basis=compute.basis,
                kind=CostKind.SAVING,
                detail=f"{share:.0%} of ({compute.detail}): stopped outside {week}; storage stays billed",
            )
        cluster = db.get("DBClusterIdentifier")
        yield Hit(
            resource=db_resource(ctx, db),
            reason=f"RDS DB instance {ident} is {why[0]} and ran through nights and weekends at "
            f"{prof.off_mean:.1f}% peak CPU off-hours over {whole_days(params.window_days)}.",
            cost=cost,
            evidence=_basics(db, age)
            | {
                "non_production": why[0],
                "working_week": week,
                "off_hours_share": round(share, 3),
                "cpu_profile": prof.evidence(),
                "off_hours_coverage": round(prof.off_coverage, 3),
                "metrics": {"CPUUtilization": cpu.evidence()},
                "scenario": "dev_test_24_7",
            },
            confidence=why[1],
            recommendation=(
                f"Stop its cluster outside working hours: aws rds stop-db-cluster"
                f" --db-cluster-identifier {cluster}"
                if cluster
                else None
            ),
            cost_group=_group(db),
        )
