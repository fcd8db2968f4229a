"""EBS volume type and size checks: gp2 and io1 volumes, over-provisioned IOPS/throughput, large volumes.

``aws.ebs.overprovisioned_volume`` reads hourly CloudWatch ``AWS/EBS`` operation and byte counts: a
period's Sum divided by its 3,600 seconds is IOPS (or bytes per second), the unit of what a volume
provisions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import (
    combined,
    iso,
    metrics_evidence,
    period_end,
    volume_cost,
    volume_label,
    whole_days,
)
from cloudwaste.checks.aws.ebs import ACTIVITY_METRICS, volume_facts, volume_resource
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, age_days, aws_tags
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Severity
from cloudwaste.pricing.aws import (
    GP3_FREE_IOPS,
    GP3_FREE_THROUGHPUT,
    GP3_MAX_IOPS_PER_GIB,
    GP3_MIBPS_PER_IOPS,
    IO_MIBPS_PER_IOPS,
    IO_MIN_IOPS,
    change_saving,
    ebs_volume_monthly,
    gp2_baseline_iops,
    gp2_sustained_throughput,
    gp2_to_gp3_saving,
)

MIB = 1024**2
BYTES_METRICS = ("VolumeReadBytes", "VolumeWriteBytes")
# volume types with nothing provisioned beyond their size: their hourly series are not read
NOT_PROVISIONED = ("gp2", "st1", "sc1", "standard")
IO_MAX_THROUGHPUT = {"io1": 1000, "io2": 4000}  # MiB/s per volume
DURABILITY_WORDS = ("compliance", "hipaa", "pci", "sox", "gdpr", "iso27001", "critical")

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
        (`match_throughput`); both are subtracted (the original's GB x $0.02 ignores them), and a volume
        whose saving is not positive is not flagged. Unattached gp2 volumes are flagged too
        (`aws.ebs.unattached_volume` reports their full cost on the same resource, and totals count a
        resource once). Every size is flagged by default, since the change is safe at any size; raise
        `min_size_gb` or use `--min-cost` to see only the larger ones.
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
            resource=volume_resource(ctx, vol),
            reason=f"EBS volume {volume_label(vol)} could be gp3 with the same baseline performance, "
            f"which {saved}.",
            cost=saving,
            evidence=volume_facts(vol, age)
            | {
                "scenario": "gp2_migration_opportunity",
                "gp2_baseline_iops": gp2_baseline_iops(size),
                "gp3_iops": gp3_iops,
                "gp3_throughput_mibps": gp3_tput,
                "attached_to": [a.get("InstanceId") for a in vol.get("Attachments") or []],
            },
            confidence=Confidence.HIGH if saving.amount is not None else Confidence.LOW,
            recommendation=f"Change the volume type in place: {command}",
        )


# --- aws.ebs.io1_volume --------------------------------------------------------------------------


class Io1Params(BaseModel):
    """Parameters of ``aws.ebs.io1_volume``."""

    min_age_days: int = Field(
        7, ge=0, description="Only flag volumes created at least this many days ago (skips short-lived ones)."
    )


@check(
    id="aws.ebs.io1_volume",
    title="io1 EBS volume that io2 would serve at the same price or less",
    resource_type="ebs_volume",
    severity=Severity.LOW,
    needs=["ec2:volumes"],
    params=Io1Params,
    klass="legacy",
    rationale="""
        io2 costs the same as io1 per GiB and for the first 32,000 provisioned IOPS, less above (io2's
        IOPS are priced in tiers), and is designed for 99.999 % durability against io1's 99.8-99.9 %; a
        volume changes type in place, keeping its IOPS. The saving is io1's cost minus io2's for the same
        size and IOPS, so it is often exactly $0: the finding is for durability at no cost (the original
        goes the other way and recommends io1 for io2, which is wrong). Only attached volumes are flagged
        (an unattached one is `aws.ebs.unattached_volume`'s); Multi-Attach volumes (a type change may
        need them detached from all but one instance) and Outposts volumes are skipped. Whether gp3
        would do is `aws.ebs.overprovisioned_volume`'s question, which reads the volume's I/O.
    """,
    recommendation="Change the type in place: aws ec2 modify-volume --volume-id <id> --volume-type io2",
    covers_peers=["aws.ebs.io1_volume"],
)
def io1_volume(ctx: CheckContext, params: Io1Params) -> Iterator[Hit]:
    """io1 volumes, with the saving of the same volume as io2."""
    for vol in ctx.get("ec2:volumes"):
        if vol.get("VolumeType") != "io1" or vol.get("State") != "in-use":
            continue  # an unattached io1 is aws.ebs.unattached_volume's: delete it, do not convert it
        if vol.get("OutpostArn") or vol.get("MultiAttachEnabled"):
            continue
        age = age_days(vol.get("CreateTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        size, iops = float(vol.get("Size") or 0), int(vol.get("Iops") or 0)
        target = ebs_volume_monthly(ctx.prices, ctx.region, "io2", size, iops)
        saving = change_saving(volume_cost(ctx, vol), target, "io1 -> io2 with the same size and IOPS")
        if saving.amount is not None and saving.amount < 0:
            continue  # a region where io2 lists higher than io1
        if saving.amount is None:
            saved = "an unknown saving"
        elif saving.amount > 0:
            saved = f"${saving.amount:.2f} a month less"
        else:
            saved = "the same price"
        yield Hit(
            resource=volume_resource(ctx, vol),
            reason=f"EBS volume {volume_label(vol)} with {iops} IOPS could be io2 for {saved}, with "
            "99.999 % durability instead of 99.8-99.9 %.",
            cost=saving,
            evidence=volume_facts(vol, age)
            | {"target_volume_type": "io2", "io2_monthly": target.amount, "io1_monthly_iops": iops},
            confidence=Confidence.HIGH if saving.amount is not None else Confidence.LOW,
            recommendation=(
                f"Change the type in place: aws ec2 modify-volume --volume-id {vol['VolumeId']} "
                "--volume-type io2"
            ),
        )


# --- aws.ebs.overprovisioned_volume --------------------------------------------------------------


class OverprovisionedParams(BaseModel):
    """Parameters of ``aws.ebs.overprovisioned_volume``."""

    window_days: int = Field(
        30, ge=7, le=90, description="Days of hourly CloudWatch I/O the volume's peak is taken from."
    )
    min_observed_days: int = Field(
        14, ge=1, description="Only judge volumes whose hourly datapoints span at least this many days."
    )
    headroom: float = Field(
        1.5,
        ge=1.0,
        description="The target must serve the observed hourly peak times this factor (hourly averages "
        "hide shorter bursts); medium confidence.",
    )
    high_confidence_headroom: float = Field(
        3.0,
        ge=1.0,
        description="High confidence when the target still serves the observed peak times this factor.",
    )
    gp3_max_iops: int = Field(16_000, ge=3000, description="The most IOPS a gp3 volume can be given.")
    gp3_max_throughput: int = Field(
        1000, ge=125, description="The most throughput (MiB/s) a gp3 volume can be given."
    )
    gp3_max_size_gb: int = Field(16_384, ge=1, description="The largest gp3 volume (GiB).")
    durability_tags: list[str] = Field(
        default_factory=lambda: list(DURABILITY_WORDS),
        description="io2 volumes with a tag key or value containing one of these words keep io2's "
        "99.999 % durability: only their IOPS are lowered, never moved to gp3.",
    )
    min_monthly_saving: float = Field(
        1.0, ge=0, description="Only flag changes that save at least this much a month (USD)."
    )


def rightsizing_queries(params: OverprovisionedParams) -> list[MetricQuery]:
    """Hourly read/write operations and bytes of every io1, io2 and gp3 volume of the unit.

    The queries filter on ``VolumeType`` (through ``state_field``), so gp2 and HDD volumes, which have
    nothing provisioned to lower, cost no series.
    """
    return [
        MetricQuery(
            namespace="AWS/EBS",
            metric=metric,
            dimension="VolumeId",
            collection="ec2:volumes",
            id_field="VolumeId",
            stat="Sum",
            period_s=3600,
            days=params.window_days,
            skip_states=NOT_PROVISIONED,
            state_field="VolumeType",
        )
        for metric in (*ACTIVITY_METRICS, *BYTES_METRICS)
    ]


@dataclass(frozen=True)
class Target:
    """The cheapest configuration that serves a volume's observed peak with headroom."""

    volume_type: str
    iops: int
    throughput: int | None  # gp3 only
    scenarios: tuple[str, ...]

    def capacity(self) -> tuple[float, float]:
        """(IOPS, MiB/s) the target can serve."""
        if self.volume_type == "gp3":
            return float(self.iops), float(self.throughput or GP3_FREE_THROUGHPUT)
        cap = IO_MAX_THROUGHPUT.get(self.volume_type, 1000)
        return float(self.iops), min(float(cap), self.iops * IO_MIBPS_PER_IOPS)

    def describe(self) -> str:
        """``gp3 with 3000 IOPS and 125 MiB/s`` / ``io2 with 4000 IOPS``."""
        if self.volume_type == "gp3":
            return f"gp3 with {self.iops} IOPS and {self.throughput} MiB/s"
        return f"{self.volume_type} with {self.iops} IOPS"


def _durable(vol: Mapping[str, Any], words: list[str]) -> bool:
    text = " ".join(f"{k} {v}" for k, v in aws_tags(vol).items()).lower()
    return any(w.lower() in text for w in words)


def plan_target(
    vol: Mapping[str, Any], peak_iops: float, peak_tput: float, params: OverprovisionedParams
) -> Target | None:
    """The cheapest change that serves ``peak_iops`` and ``peak_tput`` (MiB/s) times ``headroom``.

    io1/io2 move to gp3 when gp3's limits fit (IOPS, throughput, size, no Multi-Attach, no durability
    tag on io2), else keep their type with fewer IOPS; gp3 keeps its type with fewer IOPS or less
    throughput. None when nothing can be lowered.
    """
    vtype = str(vol.get("VolumeType"))
    size = int(vol.get("Size") or 0)
    iops = int(vol.get("Iops") or 0)
    need_iops = math.ceil(peak_iops * params.headroom)
    need_tput = math.ceil(peak_tput * params.headroom)
    if vtype in ("io1", "io2"):
        gp3_tput = max(GP3_FREE_THROUGHPUT, need_tput)
        gp3_iops = max(GP3_FREE_IOPS, need_iops, math.ceil(gp3_tput / GP3_MIBPS_PER_IOPS))
        fits = (
            gp3_iops <= min(params.gp3_max_iops, max(GP3_FREE_IOPS, GP3_MAX_IOPS_PER_GIB * size))
            and gp3_tput <= params.gp3_max_throughput
            and size <= params.gp3_max_size_gb
            and not vol.get("MultiAttachEnabled")
            and not (vtype == "io2" and _durable(vol, params.durability_tags))
        )
        if fits:
            scenario = "unnecessary_io2" if vtype == "io2" else "volume_type_downgrade_opportunity"
            return Target("gp3", gp3_iops, gp3_tput, (scenario,))
        new_iops = max(IO_MIN_IOPS, need_iops, math.ceil(need_tput / IO_MIBPS_PER_IOPS))
        return Target(vtype, new_iops, None, ("low_iops_usage",)) if new_iops < iops else None
    if vtype != "gp3":
        return None
    tput = int(vol.get("Throughput") or GP3_FREE_THROUGHPUT)
    new_tput = min(tput, max(GP3_FREE_THROUGHPUT, need_tput))
    new_iops = min(iops, max(GP3_FREE_IOPS, need_iops, math.ceil(new_tput / GP3_MIBPS_PER_IOPS)))
    scenarios: list[str] = []
    if new_iops < iops:
        scenarios.append("overprovisioned_iops" if new_iops == GP3_FREE_IOPS else "low_iops_usage")
    if new_tput < tput:
        scenarios.append(
            "overprovisioned_throughput" if new_tput == GP3_FREE_THROUGHPUT else "low_throughput_usage"
        )
    return Target("gp3", new_iops, new_tput, tuple(scenarios)) if scenarios else None


def _provisioned(vol: Mapping[str, Any]) -> str:
    if vol.get("VolumeType") == "gp3":
        return f"{vol.get('Iops')} IOPS and {vol.get('Throughput')} MiB/s provisioned"
    return f"{vol.get('Iops')} provisioned IOPS"


@check(
    id="aws.ebs.overprovisioned_volume",
    title="io1, io2 or gp3 EBS volume provisioned far above its observed I/O",
    resource_type="ebs_volume",
    severity=Severity.MEDIUM,
    needs=["ec2:volumes"],
    params=OverprovisionedParams,
    klass="oversized",
    metrics=rightsizing_queries,
    rationale="""
        Provisioned IOPS ($0.065 per IOPS-month on io1/io2) and gp3 IOPS and throughput above the free
        3,000 IOPS and 125 MiB/s are billed whether used or not. The peak is read from hourly Sums of
        `VolumeReadOps`+`VolumeWriteOps` and `VolumeReadBytes`+`VolumeWriteBytes` over `window_days`,
        divided by 3,600 s: operations per second, the unit of provisioned IOPS (the original compares
        operations per day with IOPS). The target serves that peak times `headroom`, since hourly averages
        hide shorter bursts: io1/io2 become gp3 when gp3 fits (16,000 IOPS, 1,000 MiB/s, 500 IOPS per GiB,
        0.25 MiB/s per IOPS, 16 TiB, no Multi-Attach; variants `volume_type_downgrade_opportunity` and,
        for io2, `unnecessary_io2`: the original recommends io1 for io2, which costs the same or more per
        IOPS and is less durable), else keep their type with fewer IOPS (`low_iops_usage`); gp3 drops
        unused IOPS or throughput to the free baseline (`overprovisioned_iops`,
        `overprovisioned_throughput`) or part way (`low_iops_usage`, `low_throughput_usage`). io2 volumes
        tagged for compliance never move to gp3, whose durability and latency are lower. The cost is the
        monthly saving (current cost minus target cost), never the volume's full cost. Volumes with no
        datapoints, or fewer than `min_observed_days` of them, are unknown and not flagged. Confidence is
        high when the target still serves `high_confidence_headroom` times the peak.
    """,
    recommendation=(
        "Lower what the volume provisions in place (the command in the finding has the target): "
        "aws ec2 modify-volume --volume-id <id> --volume-type gp3 --iops 3000 --throughput 125"
    ),
    covers_original=[
        "aws:ebs_volume_unnecessary_io2/unnecessary_io2",
        "aws:ebs_volume_overprovisioned_iops/overprovisioned_iops",
        "aws:ebs_volume_overprovisioned_throughput/overprovisioned_throughput",
        "aws:ebs_volume_low_iops_usage/low_iops_usage",
        "aws:ebs_volume_low_throughput_usage/low_throughput_usage",
        "aws:ebs_volume_type_downgrade/volume_type_downgrade_opportunity",
    ],
    covers_peers=["aws.ebs.overprovisioned_volume", "aws.ebs.piops_could_be_gp3", "aws.ebs.high_iops_volume"],
)
def overprovisioned_volume(ctx: CheckContext, params: OverprovisionedParams) -> Iterator[Hit]:
    """In-use io1/io2/gp3 volumes whose observed hourly peak fits a cheaper configuration."""
    queries = rightsizing_queries(params)
    for vol in ctx.get("ec2:volumes"):
        vtype = vol.get("VolumeType")
        if vtype not in ("io1", "io2", "gp3") or vol.get("State") != "in-use" or vol.get("OutpostArn"):
            continue
        if (
            vtype == "gp3"
            and int(vol.get("Iops") or 0) <= GP3_FREE_IOPS
            and int(vol.get("Throughput") or 0) <= GP3_FREE_THROUGHPUT
        ):
            continue  # nothing provisioned beyond the free baseline
        vid = str(vol["VolumeId"])
        series = [ctx.metric(q, vid) for q in queries]
        ops, data = combined(series[:2]), combined(series[2:])
        if ops is None or data is None:
            continue  # unknown, never idle
        span = (age_days(ops[0][0], ctx.now) or 0.0) - (
            age_days(period_end(ops[-1][0], 3600), ctx.now) or 0.0
        )
        if span < params.min_observed_days:
            continue
        peak_at, peak_ops = max(ops, key=lambda p: p[1])
        peak_iops = peak_ops / 3600
        peak_tput = max(v for _, v in data) / 3600 / MIB
        target = plan_target(vol, peak_iops, peak_tput, params)
        if target is None:
            continue
        size = float(vol.get("Size") or 0)
        after = ebs_volume_monthly(
            ctx.prices, ctx.region, target.volume_type, size, target.iops, target.throughput
        )
        saving = change_saving(volume_cost(ctx, vol), after, f"{vtype} -> {target.describe()}")
        if saving.amount is not None and saving.amount < params.min_monthly_saving:
            continue
        cap_iops, cap_tput = target.capacity()
        roomy = (
            cap_iops >= peak_iops * params.high_confidence_headroom
            and cap_tput >= peak_tput * params.high_confidence_headroom
        )
        if saving.amount is None:
            confidence, saved = Confidence.LOW, "an unknown amount"
        else:
            confidence = Confidence.HIGH if roomy else Confidence.MEDIUM
            saved = f"${saving.amount:.2f} a month"
        command = f"aws ec2 modify-volume --volume-id {vid}"
        if target.volume_type != vtype:
            command += f" --volume-type {target.volume_type}"
        command += f" --iops {target.iops}"
        if target.throughput is not None:
            command += f" --throughput {target.throughput}"
        age = age_days(vol.get("CreateTime"), ctx.now) or 0.0
        advice = "Change it in place"
        if target.volume_type == "gp3" and vtype != "gp3":
            advice = "gp3 latency is single-digit milliseconds against io2's sub-millisecond: if that suits "
            advice += "the workload, change it in place"
        yield Hit(
            resource=volume_resource(ctx, vol),
            reason=f"EBS volume {volume_label(vol)} peaked at {peak_iops:,.0f} IOPS and "
            f"{peak_tput:,.1f} MiB/s (hourly averages over {whole_days(params.window_days)}) against "
            f"{_provisioned(vol)}; "
            f"{target.describe()} would serve {params.headroom:g}x that peak and save {saved}.",
            cost=saving,
            evidence=volume_facts(vol, age)
            | {
                "scenario": target.scenarios[0],
                "scenarios": list(target.scenarios),
                "peak_iops": round(peak_iops, 1),
                "peak_throughput_mibps": round(peak_tput, 2),
                "peak_hour": iso(peak_at),
                "peak_basis": "largest hourly Sum of read + write operations (bytes) / 3600 s",
                "observed_days": round(span, 1),
                "window_days": params.window_days,
                "datapoints": len(ops),
                "headroom": params.headroom,
                "target": {
                    "volume_type": target.volume_type,
                    "iops": target.iops,
                    "throughput_mibps": target.throughput,
                    "monthly": after.amount,
                },
                "metrics": metrics_evidence(queries, series),
            },
            confidence=confidence,
            recommendation=f"{advice}: {command}",
        )


# --- aws.ebs.large_volume ------------------------------------------------------------------------


class LargeParams(BaseModel):
    """Parameters of ``aws.ebs.large_volume``."""

    min_size_gb: int = Field(
        1024, ge=1, description="Flag attached volumes of at least this many GiB (Thrifty uses 100 GB)."
    )


@check(
    id="aws.ebs.large_volume",
    title="Very large attached EBS volume worth a used-space review",
    resource_type="ebs_volume",
    severity=Severity.LOW,
    needs=["ec2:volumes"],
    params=LargeParams,
    klass="oversized",
    rationale="""
        EBS bills provisioned GiB, not the space written, and a volume can grow in place but never
        shrink: a large volume that is mostly empty stays expensive until its data is copied to a
        smaller one. The space in use is only visible inside the instance (df, or the CloudWatch agent's
        `disk_used_percent`), so this is a review prompt for attached volumes of at least `min_size_gb`
        (1 TiB by default, where Thrifty flags anything above 100 GB, which would flag most databases),
        with low confidence and an unknown saving; the volume's own monthly cost is in the evidence.
        Unattached and idle volumes are `aws.ebs.unattached_volume`'s and `aws.ebs.idle_volume`'s.
    """,
    recommendation=(
        "Check the space in use on the instance (df -h); if most is free, copy the data to a smaller "
        "volume and delete this one: aws ec2 create-volume --size <gib> --availability-zone <zone>, then "
        "aws ec2 delete-volume --volume-id <id>"
    ),
    covers_peers=["aws.ebs.large_volume"],
)
def large_volume(ctx: CheckContext, params: LargeParams) -> Iterator[Hit]:
    """In-use volumes of at least ``min_size_gb``."""
    for vol in ctx.get("ec2:volumes"):
        size = int(vol.get("Size") or 0)
        if vol.get("State") != "in-use" or size < params.min_size_gb:
            continue
        age = age_days(vol.get("CreateTime"), ctx.now) or 0.0
        full = volume_cost(ctx, vol)
        evidence_ids = [str(a.get("InstanceId")) for a in vol.get("Attachments") or []]
        costs = f"${full.amount:.2f}" if full.amount is not None else "an unknown amount"
        yield Hit(
            resource=volume_resource(ctx, vol),
            reason=f"EBS volume {volume_label(vol)} costs {costs} a month for its provisioned size; "
            "EBS cannot shrink it, so check how much of it is used.",
            cost=Money.unknown(
                CostKind.SAVING,
                detail="what a smaller volume saves depends on the space in use, which the EC2 API does not "
                f"show; the volume costs {costs} a month",
            ),
            evidence=volume_facts(vol, age)
            | {
                "volume_monthly": full.amount,
                "attached_to": evidence_ids,
                "min_size_gb": params.min_size_gb,
                "not_checked": "space in use inside the instance",
            },
            confidence=Confidence.LOW,
            recommendation=(
                f"Check the space in use on {', '.join(evidence_ids)} (df -h); if most is free, copy the "
                "data to a smaller volume and delete this one: "
                f"aws ec2 create-volume --size <gib> --availability-zone {vol.get('AvailabilityZone')}, then "
                f"aws ec2 delete-volume --volume-id {vol['VolumeId']}"
            ),
        )
