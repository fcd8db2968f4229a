"""Cloud SQL checks: instances that are idle, larger than their CPU use needs, stopped for a long time,
highly available outside production, or with far more storage than they use.

Items are Cloud Asset Inventory ``sqladmin.googleapis.com/Instance`` assets: the SQL Admin API's
``DatabaseInstance`` in REST form (``name`` is the instance id, ``project``, ``region``, ``state``,
``settings{tier, activationPolicy, availabilityType, dataDiskSizeGb, dataDiskType, edition, userLabels}``)
plus ``_update_time`` (the asset's last change). A stopped instance keeps ``state`` RUNNABLE with
``settings.activationPolicy`` NEVER.

Prices (``gcp_data.json``): Enterprise edition vCPU-hour and GB-hour of RAM, twice for REGIONAL (HA)
instances; SSD/HDD storage per GB-month, twice for HA; $0.01/hour for the IPv4 address of an instance
that is not running. Enterprise Plus is unknown until refreshed; SQL Server adds a licence the book does
not hold (unknown).

Metrics: resource type ``cloudsql_database``, label ``database_id`` = ``<project>:<instance>``, which
the provider puts in each item's ``_metric_id``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    GIB,
    as_int,
    days_since,
    iso,
    labels,
    mean,
    metric_days,
    nonprod_label,
    parse_time,
    whole_days,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import add, change_saving, with_note

SQL = "gcp:sql_instances"
METRIC_ID = "_metric_id"  # "<project>:<instance>", the database_id label of cloudsql_database
RESOURCE_TYPE = "cloudsql_database"
CONNECTIONS = "cloudsql.googleapis.com/database/network/connections"
CPU = "cloudsql.googleapis.com/database/cpu/utilization"
MEMORY = "cloudsql.googleapis.com/database/memory/utilization"
DISK_USED = "cloudsql.googleapis.com/database/disk/bytes_used"
# states in which an instance serves nothing and is not queried for metrics
NOT_SERVING = ("SUSPENDED", "PENDING_DELETE", "PENDING_CREATE", "FAILED", "MAINTENANCE", "REPAIRING")
SHARED = frozenset({"db-f1-micro", "db-g1-small"})
_N1_MEMORY = {"standard": 3.75, "highmem": 6.5}
# per-finding commands ({name}, {project} and {tier} are filled in)
EXPORT = "gcloud sql export sql {name} gs://BUCKET/{name}.sql.gz --database=DB --project={project}"
DELETE = "gcloud sql instances delete {name} --project={project}"
IDLE_CMD = (
    "Stop it first (storage keeps billing): gcloud sql instances patch {name} --project={project} "
    f"--activation-policy=NEVER; once nobody complains, export it ({EXPORT}) and delete it: {DELETE} "
    "(its backups go with it)"
)
RESIZE_CMD = (
    "Move it to {tier} in a maintenance window (it restarts): "
    "gcloud sql instances patch {name} --project={project} --tier={tier}"
)
STOPPED_CMD = f"If it is kept only for its data, export it ({EXPORT}) and delete it: {DELETE}"
HA_CMD = (
    "Drop the standby (the instance restarts): gcloud sql instances patch {name} --project={project} "
    "--availability-type=zonal"
)
SHRINK_CMD = (
    "Disks cannot shrink: create a smaller instance (gcloud sql instances create NEW --project={project} "
    "--storage-size={size} --storage-auto-increase ...), migrate the data (export/import or Database "
    "Migration Service), then delete {name}"
)


@dataclass(frozen=True)
class Tier:
    """A Cloud SQL machine tier: vCPUs and GB of RAM (None for shared-core tiers)."""

    name: str
    vcpus: int | None
    memory_gb: float | None

    @property
    def shared(self) -> bool:
        return self.name in SHARED


def parse_tier(value: Any) -> Tier | None:
    """``db-custom-4-16384`` (vCPUs, RAM in MB), ``db-n1-standard-4``/``db-n1-highmem-4``,
    ``db-perf-optimized-N-8`` (8 GB per vCPU) or a shared-core tier; None for anything else."""
    name = str(value or "").lower()
    if name in SHARED:
        return Tier(name, None, None)
    match = re.fullmatch(r"db-custom-(\d+)-(\d+)", name)
    if match:
        return Tier(name, int(match.group(1)), round(int(match.group(2)) / 1024, 2))
    match = re.fullmatch(r"db-n1-(standard|highmem)-(\d+)", name)
    if match:
        vcpus = int(match.group(2))
        return Tier(name, vcpus, round(vcpus * _N1_MEMORY[match.group(1)], 2))
    match = re.fullmatch(r"db-perf-optimized-n-(\d+)", name)
    if match:
        vcpus = int(match.group(1))
        return Tier(name, vcpus, float(vcpus * 8))
    return None


def settings(inst: Mapping[str, Any]) -> Mapping[str, Any]:
    value = inst.get("settings")
    return value if isinstance(value, Mapping) else {}


def instance_id(inst: Mapping[str, Any]) -> str:
    return str(inst.get("name") or "")


def sql_resource(inst: Mapping[str, Any], ctx: CheckContext) -> Resource:
    """``projects/<p>/instances/<name>`` with the instance's user labels and creation time."""
    project = str(inst.get("project") or ctx.account)
    return Resource(
        id=f"projects/{project}/instances/{instance_id(inst)}",
        arn=str(inst.get("selfLink") or inst.get("_asset_name") or "") or None,
        name=instance_id(inst),
        type="cloudsql_instance",
        tags=labels(inst),
        created_at=parse_time(inst.get("createTime")),
    )


def region(inst: Mapping[str, Any], ctx: CheckContext) -> str:
    return str(inst.get("region") or inst.get("_location") or ctx.region).lower()


def availability(inst: Mapping[str, Any]) -> str:
    """``regional`` for an HA instance (primary + standby), else ``zonal``."""
    return "regional" if settings(inst).get("availabilityType") == "REGIONAL" else "zonal"


def edition(inst: Mapping[str, Any]) -> str:
    return "enterprise_plus" if settings(inst).get("edition") == "ENTERPRISE_PLUS" else "enterprise"


def external(inst: Mapping[str, Any]) -> bool:
    """An ON_PREMISES_INSTANCE: the representation of an external replication source, not billed."""
    return inst.get("instanceType") == "ON_PREMISES_INSTANCE"


def stopped(inst: Mapping[str, Any]) -> bool:
    """Stopped by its owner: activation policy NEVER."""
    return settings(inst).get("activationPolicy") == "NEVER" and not external(inst)


def serving(inst: Mapping[str, Any]) -> bool:
    """RUNNABLE and not stopped (activation policy ALWAYS; ON_DEMAND is legacy); never an external source."""
    return str(inst.get("state") or "") == "RUNNABLE" and not stopped(inst) and not external(inst)


def disk_gb(inst: Mapping[str, Any]) -> int | None:
    return as_int(settings(inst).get("dataDiskSizeGb"))


def disk_kind(inst: Mapping[str, Any]) -> str:
    return "hdd" if settings(inst).get("dataDiskType") == "PD_HDD" else "ssd"


def compute_monthly(
    ctx: CheckContext,
    inst: Mapping[str, Any],
    tier: Tier | None = None,
    avail: str | None = None,
    kind: CostKind = CostKind.COST,
) -> Money:
    """vCPUs + RAM of ``tier`` (default: the instance's own) per month at its edition and availability."""
    tier = tier or parse_tier(settings(inst).get("tier"))
    avail = avail or availability(inst)
    where = region(inst, ctx)
    name = settings(inst).get("tier")
    if tier is None:
        return Money.unknown(kind, detail=f"tier {name} is not one the book can price")
    if tier.shared:
        money = ctx.prices.monthly(
            f"gcp.sql.shared.{tier.name}.{avail}.hour", where, kind=kind, what=tier.name
        )
    else:
        assert tier.vcpus is not None and tier.memory_gb is not None
        prefix = f"gcp.sql.{edition(inst)}.{avail}"
        money = add(
            [
                ctx.prices.monthly(f"{prefix}.vcpu_hour", where, tier.vcpus, kind=kind, what=f"vCPU {avail}"),
                ctx.prices.monthly(
                    f"{prefix}.ram_gb_hour", where, tier.memory_gb, kind=kind, what=f"GB RAM {avail}"
                ),
            ],
            kind=kind,
        )
    if str(inst.get("databaseVersion") or "").startswith("SQLSERVER"):
        return Money.unknown(kind, detail=f"{money.detail}; plus a SQL Server licence the book does not hold")
    return money


def storage_monthly(
    ctx: CheckContext, inst: Mapping[str, Any], size_gb: float | None = None, kind: CostKind = CostKind.COST
) -> Money:
    """The data disk (``dataDiskSizeGb``) per month, twice for HA; ``size_gb`` overrides the size."""
    size = size_gb if size_gb is not None else disk_gb(inst)
    if size is None:
        return Money.unknown(kind, detail="no dataDiskSizeGb")
    avail, dkind = availability(inst), disk_kind(inst)
    return ctx.prices.monthly(
        f"gcp.sql.storage.{dkind}.{avail}.gb_month",
        region(inst, ctx),
        size,
        kind=kind,
        what=f"GB {dkind} {avail}",
    )


def has_public_ip(inst: Mapping[str, Any]) -> bool:
    """A public IPv4 address (``ipAddresses[].type`` PRIMARY, or ``ipConfiguration.ipv4Enabled``)."""
    if any(a.get("type") == "PRIMARY" for a in inst.get("ipAddresses") or [] if isinstance(a, Mapping)):
        return True
    config = settings(inst).get("ipConfiguration")
    return isinstance(config, Mapping) and bool(config.get("ipv4Enabled"))


def running_monthly(ctx: CheckContext, inst: Mapping[str, Any]) -> Money:
    """What a running instance bills: compute + storage (backups and network excluded)."""
    return with_note(
        add([compute_monthly(ctx, inst), storage_monthly(ctx, inst)]), "backups and network excluded"
    )


def sql_query(metric: str, stat: str, days: int, period_s: int = 86400) -> MetricQuery:
    """A per-instance ``cloudsql_database`` series; instances not serving are not queried."""
    return MetricQuery(
        namespace=RESOURCE_TYPE,
        metric=metric,
        dimension="database_id",
        collection=SQL,
        id_field=METRIC_ID,
        stat=stat,
        period_s=period_s,
        days=days,
        skip_states=NOT_SERVING,
        state_field="state",
    )


def series(ctx: CheckContext, query: MetricQuery, inst: Mapping[str, Any]) -> MetricSeries | None:
    mid = inst.get(METRIC_ID)
    return None if not mid else ctx.metric(query, str(mid))


def _basics(inst: Mapping[str, Any], ctx: CheckContext) -> dict[str, Any]:
    s = settings(inst)
    age = days_since(inst.get("createTime"), ctx)
    return {
        "tier": s.get("tier"),
        "edition": s.get("edition"),
        "database_version": inst.get("databaseVersion"),
        "availability_type": s.get("availabilityType") or "ZONAL",
        "activation_policy": s.get("activationPolicy"),
        "state": inst.get("state"),
        "instance_type": inst.get("instanceType"),
        "data_disk_gb": disk_gb(inst),
        "data_disk_type": s.get("dataDiskType"),
        "created_at": inst.get("createTime"),
        "age_days": None if age is None else round(age, 1),
    }


def command(template: str, inst: Mapping[str, Any], ctx: CheckContext, **fields: Any) -> str:
    """A recommendation for one instance: ``template`` with its name and project filled in."""
    return template.format(name=instance_id(inst), project=inst.get("project") or ctx.account, **fields)


def _group(inst: Mapping[str, Any]) -> str:
    """Findings about one instance overlap: totals charge the largest once."""
    return f"cloudsql:{inst.get('project')}:{instance_id(inst)}"


# --- gcp.sql.idle_instance ---------------------------------------------------------------------------


class IdleParams(BaseModel):
    """Parameters of ``gcp.sql.idle_instance``."""

    min_age_days: int = Field(
        14, ge=0, description="Only judge instances created at least this many days ago."
    )
    window_days: int = Field(30, ge=7, le=90, description="Days of daily peak connections read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    high_confidence_days: int = Field(14, ge=1, description="Days of data needed for high confidence.")
    review_max_connections: float = Field(
        2.0,
        ge=0,
        description="Peak connections at or below which (but above 0) the instance is reported for review "
        "with low confidence: a monitoring agent or a connection pooler holding one idle connection.",
    )


def idle_queries(params: IdleParams) -> list[MetricQuery]:
    """Daily peak connections of every serving instance."""
    return [sql_query(CONNECTIONS, "Maximum", params.window_days)]


@check(
    id="gcp.sql.idle_instance",
    title="Cloud SQL instance with no connections",
    resource_type="cloudsql_instance",
    severity=Severity.HIGH,
    needs=[SQL],
    params=IdleParams,
    klass="idle",
    metrics=idle_queries,
    rationale="""
        A running Cloud SQL instance (RUNNABLE, activation policy not NEVER) at least `min_age_days` old
        whose daily peak of `database/network/connections` was 0 on every day of `window_days` (at least
        `min_days_of_data` days of data) bills its vCPUs, memory and storage for nothing: high confidence
        from `high_confidence_days` of data (Thrifty and Google's idle recommender use 30 days). A peak of
        at most `review_max_connections` is reported with low confidence for review (a monitoring agent or a
        pooler can hold one connection). A read replica with no connections is the `unused_replica`
        variant. Traps: a primary whose read replicas have connections is in use (they replicate from it);
        a replica that is a failover target or labelled for disaster recovery gets low confidence. The
        original flags any instance with "zero connections" even when Monitoring has no data; missing data
        is unknown here, never idle. The cost is compute + storage (HA doubles both).
    """,
    recommendation=(
        "Stop it first (storage keeps billing): gcloud sql instances patch <id> --activation-policy=NEVER; "
        "once nobody complains, export it (gcloud sql export sql <id> gs://BUCKET/<id>.sql.gz --database=DB) "
        "and delete it: gcloud sql instances delete <id> (its backups go with it)"
    ),
    covers_original=["gcp:cloud_sql_idle", "gcp:cloud_sql_unused_replicas"],
    covers_peers=["gcp.sql.idle_instance"],
)
def idle_instance(ctx: CheckContext, params: IdleParams) -> Iterator[Hit]:
    """Serving instances whose daily peak connections stayed at (or near) 0 over the window."""
    (query,) = idle_queries(params)
    instances = list(ctx.get(SQL))
    by_name = {instance_id(i): i for i in instances}

    def peak(name: str) -> float | None:
        replica = by_name.get(name)
        found = series(ctx, query, replica) if replica is not None else None
        return None if found is None else found.maximum

    for inst in instances:
        age = days_since(inst.get("createTime"), ctx)
        if not serving(inst) or age is None or age < params.min_age_days:
            continue
        conn = series(ctx, query, inst)
        days = metric_days(conn)
        if conn is None or days < params.min_days_of_data:
            continue  # unknown, never idle
        top = conn.maximum
        if top > params.review_max_connections:
            continue
        replicas = [str(r) for r in inst.get("replicaNames") or []]
        replica_peaks = {r: peak(r) for r in replicas}
        if any((p or 0) > 0 for p in replica_peaks.values()):
            continue  # its read replicas serve clients and replicate from it
        is_replica = inst.get("instanceType") == "READ_REPLICA_INSTANCE"
        scenario = "unused_replica" if is_replica else "idle"
        confidence = Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM
        notes: list[str] = []
        if top > 0:
            scenario, confidence = "near_idle", Confidence.LOW
        if replicas and any(p is None for p in replica_peaks.values()):
            confidence = Confidence.LOW
            notes.append("its read replicas have no connection data")
        config = inst.get("replicaConfiguration")
        failover = isinstance(config, Mapping) and bool(config.get("failoverTarget"))
        dr_label = any("dr" in (k.lower(), v.lower()) for k, v in labels(inst).items())
        if is_replica and (failover or dr_label):
            confidence = Confidence.LOW
            notes.append("a failover / disaster-recovery replica is idle by design")
        window = min(params.window_days, int(age))
        what = "read replica" if is_replica else "instance"
        if top == 0:
            reason = (
                f"Cloud SQL {what} {instance_id(inst)} ({settings(inst).get('tier')}) had no connection"
                f" in the last {whole_days(window)} ({days} days of data)."
            )
        else:
            reason = (
                f"Cloud SQL {what} {instance_id(inst)} ({settings(inst).get('tier')}) had at most"
                f" {top:g} connection(s) a day in the last {whole_days(window)}: review whether anyone"
                f" uses it."
            )
        yield Hit(
            resource=sql_resource(inst, ctx),
            reason=reason,
            cost=running_monthly(ctx, inst),
            evidence=_basics(inst, ctx)
            | {
                "window_days": window,
                "days_with_data": days,
                "connections_peak": top,
                "read_replicas": replicas,
                "replica_connections_peak": replica_peaks,
                "metrics": {CONNECTIONS: conn.evidence()},
                "notes": notes,
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=command(IDLE_CMD, inst, ctx),
            region=region(inst, ctx),
            cost_group=_group(inst),
        )


# --- gcp.sql.overprovisioned_instance -------------------------------------------------------------------


class OversizedParams(BaseModel):
    """Parameters of ``gcp.sql.overprovisioned_instance``."""

    min_age_days: int = Field(
        14, ge=0, description="Only judge instances created at least this many days ago."
    )
    window_days: int = Field(30, ge=7, le=90, description="Days of daily peak CPU read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with CPU datapoints needed before judging.")
    review_cpu_percent: float = Field(
        50.0,
        ge=0,
        le=100,
        description="Mean of the daily peak CPU at or below which half the vCPUs are proposed with low "
        "confidence (review band; Thrifty's info level).",
    )
    cpu_percent: float = Field(
        25.0,
        ge=0,
        le=100,
        description="Mean of the daily peak CPU at or below which, with memory not under pressure, "
        "confidence is medium (Thrifty's alarm level).",
    )
    memory_percent: float = Field(
        80.0, ge=0, le=100, description="Peak memory utilization above which confidence stays low."
    )


def oversized_queries(params: OversizedParams) -> list[MetricQuery]:
    """Daily peak CPU and memory utilization (fractions 0-1) of every serving instance."""
    return [
        sql_query(CPU, "Maximum", params.window_days),
        sql_query(MEMORY, "Maximum", params.window_days),
    ]


def half_tier(tier: Tier) -> Tier | None:
    """The custom tier with half the vCPUs (1 or an even number, as Cloud SQL requires) and RAM in
    256 MB steps; None when the tier has a single vCPU."""
    if tier.vcpus is None or tier.memory_gb is None or tier.vcpus <= 1:
        return None
    vcpus = tier.vcpus // 2
    if vcpus > 1 and vcpus % 2:
        vcpus += 1
    if vcpus >= tier.vcpus:
        return None
    memory_mb = int(math.ceil(tier.memory_gb * 1024 * vcpus / tier.vcpus / 256) * 256)
    return Tier(f"db-custom-{vcpus}-{memory_mb}", vcpus, round(memory_mb / 1024, 2))


@check(
    id="gcp.sql.overprovisioned_instance",
    title="Cloud SQL instance larger than its CPU use needs",
    resource_type="cloudsql_instance",
    severity=Severity.MEDIUM,
    needs=[SQL],
    params=OversizedParams,
    klass="oversized",
    metrics=oversized_queries,
    rationale="""
        A running instance at least `min_age_days` old whose daily peak `database/cpu/utilization` averaged
        at most `review_cpu_percent` over `window_days` (at least `min_days_of_data` days) is offered the
        custom tier with half its vCPUs and memory; at most `cpu_percent` with peak memory utilization at
        most `memory_percent` gives medium confidence, else low (a database uses memory as cache, and MySQL
        reserves its buffer pool). Shared-core and 1-vCPU tiers are skipped. The saving is the price
        difference of the two tiers from the book (HA doubles both), not the original's guessed share; a
        tier change restarts the instance. Missing CPU data is unknown, never idle.
    """,
    recommendation=(
        "Move it to the smaller tier in a maintenance window (it restarts): "
        "gcloud sql instances patch <id> --tier=<tier>"
    ),
    covers_original=["gcp:cloud_sql_overprovisioned"],
    covers_peers=["gcp.sql.overprovisioned"],
)
def overprovisioned_instance(ctx: CheckContext, params: OversizedParams) -> Iterator[Hit]:
    """Serving instances whose CPU peaks show half the vCPUs are enough."""
    cpu_q, mem_q = oversized_queries(params)
    for inst in ctx.get(SQL):
        age = days_since(inst.get("createTime"), ctx)
        tier = parse_tier(settings(inst).get("tier"))
        if not serving(inst) or age is None or age < params.min_age_days or tier is None or tier.shared:
            continue
        target = half_tier(tier)
        cpu = series(ctx, cpu_q, inst)
        days = metric_days(cpu)
        if target is None or cpu is None or days < params.min_days_of_data:
            continue
        mean_peak = (mean(cpu.values) or 0.0) * 100
        if mean_peak > params.review_cpu_percent:
            continue
        memory = series(ctx, mem_q, inst)
        mem_peak = None if memory is None else memory.maximum * 100
        medium = (
            mean_peak <= params.cpu_percent and mem_peak is not None and mem_peak <= params.memory_percent
        )
        saving = change_saving(
            compute_monthly(ctx, inst, kind=CostKind.SAVING),
            compute_monthly(ctx, inst, tier=target, kind=CostKind.SAVING),
            f"{tier.name} -> {target.name}",
        )
        yield Hit(
            resource=sql_resource(inst, ctx),
            reason=(
                f"Cloud SQL instance {instance_id(inst)} ({tier.name}, {tier.vcpus} vCPU) peaked at"
                f" {mean_peak:.1f}% CPU on average over {days} days; {target.name} ({target.vcpus} vCPU,"
                f" {target.memory_gb:g} GB) would do."
            ),
            cost=saving,
            evidence=_basics(inst, ctx)
            | {
                "window_days": params.window_days,
                "days_with_data": days,
                "cpu_mean_daily_peak_percent": round(mean_peak, 2),
                "cpu_max_percent": round(cpu.maximum * 100, 2),
                "memory_peak_percent": None if mem_peak is None else round(mem_peak, 2),
                "proposed_tier": target.name,
                "metrics": {CPU: cpu.evidence(), MEMORY: memory.evidence() if memory else None},
                "scenario": "overprovisioned",
            },
            confidence=Confidence.MEDIUM if medium else Confidence.LOW,
            recommendation=command(RESIZE_CMD, inst, ctx, tier=target.name),
            region=region(inst, ctx),
            cost_group=_group(inst),
        )


# --- gcp.sql.stopped_instance -------------------------------------------------------------------------


class StoppedParams(BaseModel):
    """Parameters of ``gcp.sql.stopped_instance``."""

    min_days: int = Field(
        7, ge=0, description="Only flag instances stopped (activation policy NEVER) at least this many days."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Stopped at least this many days: high confidence (the original's threshold)."
    )


@check(
    id="gcp.sql.stopped_instance",
    title="Cloud SQL instance stopped for a long time, its storage and IP still billed",
    resource_type="cloudsql_instance",
    severity=Severity.MEDIUM,
    needs=[SQL],
    params=StoppedParams,
    klass="idle",
    rationale="""
        A stopped Cloud SQL instance (activation policy NEVER) pays no vCPU or memory, but its data disk
        is billed in full (twice for HA) and its public IPv4 address at the idle rate ($0.01/hour). The
        SQL Admin API has no stop time, so the instance is dated by its asset's `updateTime` (`_update_time`):
        stopping it changed its settings, so the last change is at or after the stop, and the age is a
        lower bound of how long it has been stopped (a later label edit only makes it shorter). Stopped at
        least `min_days`: medium confidence; `high_confidence_days` (the original's 30): high. Without an
        update time the instance is reported only when created at least `high_confidence_days` ago, with
        low confidence and "stopped since unknown". The original ages it from its creation time, which
        says nothing about the stop. Backups are billed too but not priced.
    """,
    recommendation=(
        "If it is kept only for its data, export it (gcloud sql export sql <id> gs://BUCKET/<id>.sql.gz "
        "--database=DB) and delete it: gcloud sql instances delete <id>"
    ),
    covers_original=["gcp:cloud_sql_stopped"],
    covers_peers=["gcp.sql.stopped_instance"],
)
def stopped_instance(ctx: CheckContext, params: StoppedParams) -> Iterator[Hit]:
    """RUNNABLE instances with activation policy NEVER, dated by the asset's last update."""
    for inst in ctx.get(SQL):
        if not stopped(inst) or inst.get("state") not in ("RUNNABLE", "SUSPENDED", None):
            continue
        since = days_since(inst.get("_update_time"), ctx)
        age = days_since(inst.get("createTime"), ctx)
        if since is not None:
            if since < params.min_days:
                continue
            confidence = Confidence.HIGH if since >= params.high_confidence_days else Confidence.MEDIUM
            dated = (
                f"for at least {whole_days(since)} (last change {iso(parse_time(inst.get('_update_time')))})"
            )
        elif age is not None and age >= params.high_confidence_days:
            confidence, dated = Confidence.LOW, f"since an unknown date (created {whole_days(age)} ago)"
        else:
            continue
        parts = [storage_monthly(ctx, inst)]
        if has_public_ip(inst):
            parts.append(
                ctx.prices.monthly("gcp.sql.ip.idle.hour", "global", what="idle IPv4 of a stopped instance")
            )
        cost = with_note(add(parts), "backups excluded")
        yield Hit(
            resource=sql_resource(inst, ctx),
            reason=(
                f"Cloud SQL instance {instance_id(inst)} has been stopped (activation policy NEVER) {dated};"
                f" its {disk_gb(inst)} GB disk{' and public IP' if has_public_ip(inst) else ''} still bill."
            ),
            cost=cost,
            evidence=_basics(inst, ctx)
            | {
                "stopped_days_at_least": None if since is None else round(since, 1),
                "dated_by": "_update_time (asset updateTime)" if since is not None else "unknown",
                "last_update": inst.get("_update_time"),
                "public_ip": has_public_ip(inst),
                "compute_monthly_if_started": compute_monthly(ctx, inst).amount,
                "scenario": "stopped",
            },
            confidence=confidence,
            recommendation=command(STOPPED_CMD, inst, ctx),
            region=region(inst, ctx),
            cost_group=_group(inst),
        )


# --- gcp.sql.nonprod_high_availability -------------------------------------------------------------------


class HaParams(BaseModel):
    """Parameters of ``gcp.sql.nonprod_high_availability``."""

    min_age_days: int = Field(7, ge=0, description="Only flag instances created at least this many days ago.")


@check(
    id="gcp.sql.nonprod_high_availability",
    title="Highly available (REGIONAL) Cloud SQL instance labelled non-production",
    resource_type="cloudsql_instance",
    severity=Severity.MEDIUM,
    needs=[SQL],
    params=HaParams,
    klass="oversized",
    rationale="""
        A REGIONAL (high availability) instance runs a standby in a second zone and is billed twice: vCPUs,
        memory and storage. On an instance whose labels mark it non-production (`env`/`environment`/`stage`
        = dev, test, staging, qa, sandbox ...) the standby is rarely worth it. The saving is half of its
        compute and storage from the book. Stopped instances save only the storage half; read replicas are
        skipped. Unlabelled instances are never assumed non-production (the original guesses from names).
        Switching to ZONAL restarts the instance.
    """,
    recommendation=(
        "Drop the standby (the instance restarts): gcloud sql instances patch <id> --availability-type=zonal"
    ),
    covers_original=["gcp:cloud_sql_unnecessary_ha"],
)
def nonprod_high_availability(ctx: CheckContext, params: HaParams) -> Iterator[Hit]:
    """REGIONAL instances with a non-production label."""
    for inst in ctx.get(SQL):
        label = nonprod_label(inst)
        age = days_since(inst.get("createTime"), ctx)
        if availability(inst) != "regional" or label is None or age is None or age < params.min_age_days:
            continue
        if external(inst):
            continue
        if inst.get("instanceType") == "READ_REPLICA_INSTANCE" or inst.get("state") != "RUNNABLE":
            continue
        parts_now = [storage_monthly(ctx, inst, kind=CostKind.SAVING)]
        parts_after = [_zonal_storage(ctx, inst)]
        if not stopped(inst):
            parts_now.append(compute_monthly(ctx, inst, kind=CostKind.SAVING))
            parts_after.append(compute_monthly(ctx, inst, avail="zonal", kind=CostKind.SAVING))
        saving = change_saving(
            add(parts_now, kind=CostKind.SAVING), add(parts_after, kind=CostKind.SAVING), "REGIONAL -> ZONAL"
        )
        yield Hit(
            resource=sql_resource(inst, ctx),
            reason=(
                f"Cloud SQL instance {instance_id(inst)} is highly available (REGIONAL, billed twice) but"
                f" labelled {label[0]}={label[1]}."
            ),
            cost=saving,
            evidence=_basics(inst, ctx) | {"label": {label[0]: label[1]}, "scenario": "unnecessary_ha"},
            confidence=Confidence.MEDIUM,
            recommendation=command(HA_CMD, inst, ctx),
            region=region(inst, ctx),
            cost_group=_group(inst),
        )


def _zonal_storage(ctx: CheckContext, inst: Mapping[str, Any]) -> Money:
    size = disk_gb(inst)
    if size is None:
        return Money.unknown(CostKind.SAVING, detail="no dataDiskSizeGb")
    return ctx.prices.monthly(
        f"gcp.sql.storage.{disk_kind(inst)}.zonal.gb_month",
        region(inst, ctx),
        size,
        kind=CostKind.SAVING,
        what=f"GB {disk_kind(inst)} zonal",
    )


# --- gcp.sql.storage_overprovisioned ---------------------------------------------------------------------


class StorageParams(BaseModel):
    """Parameters of ``gcp.sql.storage_overprovisioned``."""

    window_days: int = Field(30, ge=7, le=90, description="Days of daily peak used bytes read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with datapoints needed before judging.")
    review_free_percent: float = Field(
        80.0,
        ge=0,
        le=100,
        description="Free share of the disk (at its busiest day) at or above which it is flagged.",
    )
    free_percent: float = Field(
        90.0, ge=0, le=100, description="Free share at or above which confidence is medium instead of low."
    )
    headroom: float = Field(
        1.3, ge=1.0, description="Right size = peak used x this factor (the original's 1.30)."
    )
    min_saving: float = Field(
        5.0, ge=0, description="Only flag when the monthly saving is at least this (USD)."
    )


def storage_queries(params: StorageParams) -> list[MetricQuery]:
    """Daily peak ``database/disk/bytes_used`` of every serving instance."""
    return [sql_query(DISK_USED, "Maximum", params.window_days)]


@check(
    id="gcp.sql.storage_overprovisioned",
    title="Cloud SQL data disk far larger than the data on it",
    resource_type="cloudsql_instance",
    severity=Severity.LOW,
    needs=[SQL],
    params=StorageParams,
    klass="oversized",
    metrics=storage_queries,
    rationale="""
        The data disk is billed on its provisioned size (`dataDiskSizeGb`), not on what the database uses.
        When the busiest day's `database/disk/bytes_used` over `window_days` left at least
        `review_free_percent` of it free, the right size is the peak x `headroom` (at least 10 GB); at least
        `free_percent` free gives medium confidence, else low. Cloud SQL cannot shrink a disk: the saving
        needs a new, smaller instance and a migration (export/import or Database Migration Service), which
        is why the finding is low severity. Automatic storage increases only grow the disk, so a past
        spike (a big import, temporary tables) often leaves it this way; the finding says whether
        auto-resize is on, which keeps a right-sized disk safe. The saving is the size difference at the
        book's storage rate (twice for HA), flagged only from `min_saving` a month.
    """,
    recommendation=(
        "Disks cannot shrink: create a smaller instance (gcloud sql instances create NEW --storage-size=<GB> "
        "--storage-auto-increase ...), migrate the data (export/import or Database Migration Service), then "
        "delete <id>"
    ),
    covers_original=["gcp:cloud_sql_storage_overprovisioned"],
)
def storage_overprovisioned(ctx: CheckContext, params: StorageParams) -> Iterator[Hit]:
    """Serving instances whose used bytes stay far below the provisioned disk."""
    (query,) = storage_queries(params)
    for inst in ctx.get(SQL):
        size = disk_gb(inst)
        used = series(ctx, query, inst)
        days = metric_days(used)
        if not serving(inst) or not size or used is None or days < params.min_days_of_data:
            continue
        peak_gb = used.maximum / GIB
        free = 100.0 * (1 - peak_gb / size)
        if free < params.review_free_percent:
            continue
        right = max(10, int(math.ceil(peak_gb * params.headroom)))
        if right >= size:
            continue
        saving = change_saving(
            storage_monthly(ctx, inst, kind=CostKind.SAVING),
            storage_monthly(ctx, inst, size_gb=right, kind=CostKind.SAVING),
            f"{size} GB -> {right} GB",
        )
        if saving.amount is not None and saving.amount < params.min_saving:
            continue
        auto = bool(settings(inst).get("storageAutoResize", True))
        yield Hit(
            resource=sql_resource(inst, ctx),
            reason=(
                f"Cloud SQL instance {instance_id(inst)} uses at most {peak_gb:.1f} GB of its {size} GB disk"
                f" ({free:.0f}% free); about {right} GB would do, but only a new instance can be smaller."
            ),
            cost=saving,
            evidence=_basics(inst, ctx)
            | {
                "window_days": params.window_days,
                "days_with_data": days,
                "used_gb_peak": round(peak_gb, 2),
                "free_percent": round(free, 1),
                "right_size_gb": right,
                "storage_auto_resize": auto,
                "metrics": {DISK_USED: used.evidence()},
                "scenario": "storage_overprovisioned",
            },
            confidence=Confidence.MEDIUM if free >= params.free_percent else Confidence.LOW,
            recommendation=command(SHRINK_CMD, inst, ctx, size=right),
            region=region(inst, ctx),
            cost_group=_group(inst),
        )
