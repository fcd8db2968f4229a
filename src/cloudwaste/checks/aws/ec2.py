"""EC2 checks: Elastic IPs that serve nothing, and instances that are stopped, idle, oversized, on a
pricier family, running off-hours, untagged, or fit for Spot."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import (
    auto_scaling_group,
    ec2_arn,
    iso,
    resource,
    service_managed,
    stopped_for,
    volume_cost,
    whole_days,
)
from cloudwaste.checks.aws._compute import (
    LINUX,
    Size,
    ec2_size,
    family_sizes,
    hourly_money,
    instance_monthly,
    instance_pricing_gap,
    instance_size,
    next_smaller,
    nonprod_tag,
    saving,
    schedule_tag,
    split_type,
)
from cloudwaste.checks.aws._usage import (
    HoursParams,
    daily,
    last_nonzero,
    off_hours_share,
    percentile,
    profile,
    working_week,
)
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries, age_days, aws_tags
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import add, public_ipv4_monthly

AMAZON_POOL = "amazon"


def _public_ipv4_cost(ctx: CheckContext, address: Mapping[str, Any]) -> Money:
    """An address's monthly charge: the public IPv4 price for Amazon-pool addresses, $0 for BYOIP (AWS
    charges every public IPv4 address type except BYOIP), unknown for customer-owned and carrier ones."""
    pool = address.get("PublicIpv4Pool") or AMAZON_POOL
    if str(pool).startswith("ipv4pool-ec2-") and not (
        address.get("CustomerOwnedIp") or address.get("CarrierIp")
    ):
        return Money(
            amount=0.0,
            basis=CostBasis.BUNDLED_PRICE,
            detail=f"BYOIP address from {pool}: no public IPv4 charge",
        )
    if pool != AMAZON_POOL or address.get("CustomerOwnedIp") or address.get("CarrierIp"):
        where = pool if pool != AMAZON_POOL else "a customer-owned or carrier pool"
        return Money.unknown(
            detail=f"address from {where}: BYOIP, Outposts and carrier addresses are priced apart"
        )
    return public_ipv4_monthly(ctx.prices, ctx.region)


def nat_gateway_allocations(nat_gateways: list[Mapping[str, Any]]) -> dict[str, str]:
    """Allocation id -> NAT gateway id, for every NAT gateway that is not deleted."""
    owners: dict[str, str] = {}
    for nat in nat_gateways:
        if nat.get("State") == "deleted":
            continue
        for addr in nat.get("NatGatewayAddresses") or []:
            if addr.get("AllocationId"):
                owners[str(addr["AllocationId"])] = str(nat["NatGatewayId"])
    return owners


# --- aws.ec2.unassociated_eip --------------------------------------------------------------------


def _detached_interface(
    addr: Mapping[str, Any], interfaces: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The network interface an address is on, when that interface is detached and nothing manages it.

    None (the address counts as in use) when the interface is attached (``in-use``), is managed by a
    service (``RequesterManaged``: NAT gateway, ELB, Lambda, VPC endpoint...; or ``Operator.Managed``),
    or is missing from DescribeNetworkInterfaces (unknown, so not flagged).
    """
    eni = interfaces.get(str(addr.get("NetworkInterfaceId")))
    if eni is None or eni.get("RequesterManaged") or (eni.get("Operator") or {}).get("Managed"):
        return None
    attachment = eni.get("Attachment") or {}
    attached = bool(attachment) and attachment.get("Status") != "detached"
    return eni if eni.get("Status") == "available" and not attached else None


@check(
    id="aws.ec2.unassociated_eip",
    title="Elastic IP address not associated with anything",
    resource_type="elastic_ip",
    severity=Severity.LOW,
    needs=["ec2:addresses", "ec2:nat_gateways", "ec2:network_interfaces"],
    klass="orphan",
    rationale="""
        Since February 2024 AWS bills every public IPv4 address $0.005 an hour, and an Elastic IP that is
        associated with nothing serves no traffic at all. An address counts as in use when it has an
        instance, when it is one of the addresses of a NAT gateway that is not deleted, when a service
        manages it (`ServiceManaged`, e.g. an ALB or RDS), or when it is on a network interface that is
        attached, requester-managed (a NAT gateway's, a load balancer's, a Lambda function's) or not
        listed by DescribeNetworkInterfaces (unknown). An address on a network interface that is
        detached (`available`, no attachment) serves nothing either and is flagged with medium
        confidence: a spare interface kept for failover is a deliberate pattern, and the API gives no
        detach time. The API gives no allocation time for most addresses, so there is no age threshold:
        an address kept on purpose (an allow-listed egress IP) is what ignore rules are for. Addresses
        from BYOIP, customer-owned or carrier pools are flagged with an unknown cost.
    """,
    recommendation=(
        "Release it if no DNS record or allow-list needs it: aws ec2 release-address --allocation-id <id>"
    ),
    covers_original=[
        "aws:elastic_ip_unassociated/unassociated",
        "aws:elastic_ip_never_used/never_used",
        "aws:elastic_ip_on_detached_eni/eip_on_detached_eni",
    ],
    covers_peers=["aws.ec2.unassociated_eip"],
)
def unassociated_eip(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Addresses with no instance, NAT gateway or managing service, on no interface or a detached one."""
    nat_owned = nat_gateway_allocations(ctx.get("ec2:nat_gateways"))
    interfaces = {str(n["NetworkInterfaceId"]): n for n in ctx.get("ec2:network_interfaces")}
    for addr in ctx.get("ec2:addresses"):
        alloc = addr.get("AllocationId")
        if addr.get("InstanceId") or addr.get("ServiceManaged") or (alloc and alloc in nat_owned):
            continue
        eni: Mapping[str, Any] | None = None
        if addr.get("NetworkInterfaceId"):
            eni = _detached_interface(addr, interfaces)
            if eni is None:
                continue
        elif addr.get("AssociationId"):
            continue
        rid = str(alloc or addr.get("PublicIp"))
        ip = addr.get("PublicIp")
        evidence: dict[str, Any] = {
            "public_ip": ip,
            "allocation_id": alloc,
            "domain": addr.get("Domain"),
            "public_ipv4_pool": addr.get("PublicIpv4Pool"),
            "network_border_group": addr.get("NetworkBorderGroup"),
            "association_id": addr.get("AssociationId"),
            "age": "unknown (DescribeAddresses has no allocation time)",
            # the original's never_used cannot be told apart: the API keeps no association history
            "scenario": "unassociated" if eni is None else "eip_on_detached_eni",
        }
        recommendation = None
        if eni is None:
            reason = (
                f"Elastic IP {ip} ({rid}) is not associated with any instance, network interface or "
                "NAT gateway."
            )
            confidence = Confidence.HIGH
        else:
            eni_id = str(eni["NetworkInterfaceId"])
            reason = (
                f"Elastic IP {ip} ({rid}) is on a detached network interface, {eni_id} "
                f"(status {eni.get('Status')}), attached to no instance."
            )
            evidence |= {
                "network_interface_id": eni_id,
                "network_interface_status": eni.get("Status"),
                "network_interface_type": eni.get("InterfaceType"),
                "detached_since": "unknown (DescribeNetworkInterfaces has no detach time)",
            }
            confidence = Confidence.MEDIUM
            assoc = addr.get("AssociationId")
            release = f"aws ec2 release-address --allocation-id {rid}"
            if assoc:
                release = f"aws ec2 disassociate-address --association-id {assoc} && {release}"
            recommendation = (
                "If the interface is not a failover spare, disassociate the address and release it: "
                f"{release} (then delete the interface if nothing needs it: "
                f"aws ec2 delete-network-interface --network-interface-id {eni_id})"
            )
        yield Hit(
            resource=resource(addr, rid=rid, rtype="elastic_ip", arn=ec2_arn(ctx, "elastic-ip", rid)),
            reason=reason,
            cost=_public_ipv4_cost(ctx, addr),
            evidence=evidence,
            confidence=confidence,
            recommendation=recommendation,
        )


# --- aws.ec2.stopped_instance --------------------------------------------------------------------


class StoppedParams(BaseModel):
    """Parameters of ``aws.ec2.stopped_instance``."""

    min_stopped_days: int = Field(
        30, ge=0, description="Only flag instances stopped at least this many days."
    )
    high_confidence_days: int = Field(
        90, ge=0, description="Instances stopped at least this many days are reported with high confidence."
    )


def _instance_volumes(
    instance: Mapping[str, Any],
    volumes: Mapping[str, Mapping[str, Any]],
    attached: Mapping[str, list[str]],
) -> tuple[list[Mapping[str, Any]], list[str], list[str]]:
    """(volumes billed to the instance alone, ids missing from DescribeVolumes, multi-attach ids shared).

    ``attached`` maps instance ids to the volumes whose Attachments name them.
    """
    iid = str(instance["InstanceId"])
    mapped = [
        str(m["Ebs"]["VolumeId"])
        for m in instance.get("BlockDeviceMappings") or []
        if (m.get("Ebs") or {}).get("VolumeId")
    ]
    own, missing, shared = [], [], []
    for vid in dict.fromkeys(mapped + attached.get(iid, [])):
        vol = volumes.get(vid)
        if vol is None:
            missing.append(vid)
        elif any(a.get("InstanceId") not in (None, iid) for a in vol.get("Attachments") or []):
            shared.append(vid)  # multi-attach: another instance still uses it
        else:
            own.append(vol)
    return own, missing, shared


@check(
    id="aws.ec2.stopped_instance",
    title="EC2 instance stopped for a long time",
    resource_type="ec2_instance",
    severity=Severity.MEDIUM,
    needs=["ec2:instances", "ec2:volumes", "ec2:addresses"],
    params=StoppedParams,
    klass="idle",
    rationale="""
        A stopped instance is not billed for compute, but its EBS volumes and Elastic IPs still are,
        month after month. The stop date is read from StateTransitionReason ("User initiated
        (2023-01-15 10:23:45 GMT)"); when the reason carries no date (e.g. Server.ScheduledStop) the
        instance is not flagged, and LaunchTime (the last start) is never used in its place. Instances
        tagged by an Auto Scaling group are skipped: warm pools keep instances stopped by design; so are
        instances a service manages (`Operator.Managed`: EKS Auto Mode, ECS or Lambda Managed
        Instances), which that service starts and replaces. The cost is the instance's volumes (those
        not shared with another instance through Multi-Attach) plus its Elastic IPs; the finding lists
        them in `cost_includes` so totals count them once.
    """,
    recommendation=(
        "If nobody will start it again, create an AMI or snapshots for what matters, then terminate it: "
        "aws ec2 terminate-instances --instance-ids <id> (volumes with DeleteOnTermination=false and "
        "Elastic IPs stay and must be deleted or released separately)"
    ),
    covers_original=["aws:ec2_instance_stopped/stopped"],
    covers_peers=["aws.ec2.stopped_instance"],
)
def stopped_instance(ctx: CheckContext, params: StoppedParams) -> Iterator[Hit]:
    """Instances in state ``stopped`` for at least ``min_stopped_days`` (stop date from the API)."""
    volumes = {str(v["VolumeId"]): v for v in ctx.get("ec2:volumes")}
    attached: dict[str, list[str]] = {}
    for vid, vol in volumes.items():
        for att in vol.get("Attachments") or []:
            attached.setdefault(str(att.get("InstanceId")), []).append(vid)
    addresses = ctx.get("ec2:addresses")
    for inst in ctx.get("ec2:instances"):
        stop = stopped_for(inst, ctx.now)
        if stop is None or auto_scaling_group(inst) or service_managed(inst):
            continue
        since, days = stop
        if days < params.min_stopped_days:
            continue
        iid = str(inst["InstanceId"])
        enis = {
            str(n["NetworkInterfaceId"])
            for n in inst.get("NetworkInterfaces") or []
            if n.get("NetworkInterfaceId")
        }
        eips = [a for a in addresses if a.get("InstanceId") == iid or (a.get("NetworkInterfaceId") in enis)]
        own, missing, shared = _instance_volumes(inst, volumes, attached)
        parts = [volume_cost(ctx, v) for v in own] + [_public_ipv4_cost(ctx, a) for a in eips]
        parts += [Money.unknown(detail=f"volume {vid} not found in DescribeVolumes") for vid in missing]
        cost = add(parts, empty_detail="no EBS volume or Elastic IP found: a known zero")
        includes = tuple(
            [str(v["VolumeId"]) for v in own]
            + [str(a.get("AllocationId") or a.get("PublicIp")) for a in eips]
        )
        gib = sum(int(v.get("Size") or 0) for v in own)
        what = f"{len(own)} EBS volume{'s' if len(own) != 1 else ''} ({gib} GiB)"
        if eips:
            what += f" and {len(eips)} Elastic IP{'s' if len(eips) != 1 else ''}"
        yield Hit(
            resource=resource(
                inst,
                rid=iid,
                rtype="ec2_instance",
                arn=ec2_arn(ctx, "instance", iid),
                created=inst.get("LaunchTime"),
            ),
            reason=f"EC2 instance {iid} ({inst.get('InstanceType')}) has been stopped for {whole_days(days)} "
            f"and still pays for {what}.",
            cost=cost,
            evidence={
                "state": "stopped",
                "stopped_since": since.isoformat(),
                "stopped_days": round(days, 1),
                "state_transition_reason": inst.get("StateTransitionReason"),
                "instance_type": inst.get("InstanceType"),
                "launch_time": iso(inst.get("LaunchTime")),
                "launched_days_ago": round(age_days(inst.get("LaunchTime"), ctx.now) or 0.0, 1),
                "volumes": [
                    {"volume_id": v["VolumeId"], "size_gb": v.get("Size"), "volume_type": v.get("VolumeType")}
                    for v in own
                ],
                "volumes_missing": missing,
                "volumes_shared_multi_attach": shared,
                "elastic_ips": [a.get("PublicIp") for a in eips],
            },
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            cost_includes=includes,
        )


# --- running instances: shared pieces ---------------------------------------------------------------

NOT_RUNNING = ("pending", "stopping", "stopped", "shutting-down", "terminated")


def ec2_query(metric: str, stat: str, period_s: int, days: int) -> MetricQuery:
    """A per-instance AWS/EC2 series; only running instances are queried (stopped ones emit nothing)."""
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


def hourly_cpu(days: int) -> MetricQuery:
    """Hourly average CPU: one series serves the idle, oversized and off-hours checks."""
    return ec2_query("CPUUtilization", "Average", 3600, days)


def _running(ctx: CheckContext, min_uptime_days: float) -> Iterator[tuple[Mapping[str, Any], float]]:
    """(instance, days since LaunchTime) of running instances up at least ``min_uptime_days``.

    LaunchTime is the last start, so a running instance has run without a stop since then. Instances a
    service manages (``Operator.Managed``) are its to scale, not the account's.
    """
    for inst in ctx.get("ec2:instances"):
        if (inst.get("State") or {}).get("Name") != "running" or service_managed(inst):
            continue
        up = age_days(inst.get("LaunchTime"), ctx.now)
        if up is not None and up >= min_uptime_days:
            yield inst, up


def _instance_resource(ctx: CheckContext, inst: Mapping[str, Any]) -> Resource:
    iid = str(inst["InstanceId"])
    return resource(
        inst, rid=iid, rtype="ec2_instance", arn=ec2_arn(ctx, "instance", iid), created=inst.get("LaunchTime")
    )


def _instance_group(inst: Mapping[str, Any]) -> str:
    """Findings about one running instance overlap (idle, smaller, Graviton, off-hours, Spot): totals
    charge the largest once."""
    return f"ec2-instance:{inst['InstanceId']}"


def _basics(inst: Mapping[str, Any], up: float) -> dict[str, Any]:
    return {
        "instance_type": inst.get("InstanceType"),
        "state": (inst.get("State") or {}).get("Name"),
        "launch_time": iso(inst.get("LaunchTime")),
        "running_days": round(up, 1),
        "platform": inst.get("PlatformDetails") or inst.get("Platform") or LINUX,
        "architecture": inst.get("Architecture"),
        "auto_scaling_group": auto_scaling_group(inst),
    }


def _days_with_data(series: MetricSeries) -> int:
    return len({t.date() for t in series.timestamps})


# --- aws.ec2.idle_instance ---------------------------------------------------------------------------


class IdleInstanceParams(BaseModel):
    """Parameters of ``aws.ec2.idle_instance``."""

    window_days: int = Field(14, ge=7, le=63, description="Days of hourly CloudWatch data read.")
    min_uptime_days: int = Field(
        7, ge=1, description="Only judge instances running (since their last start) at least this many days."
    )
    min_days_of_data: int = Field(
        7, ge=1, description="Days with CPU datapoints needed before an instance can be called idle."
    )
    cpu_percent: float = Field(
        5.0,
        ge=0,
        le=100,
        description="Peak hourly CPU at or below which an instance is idle (high confidence).",
    )
    review_cpu_percent: float = Field(
        10.0,
        ge=0,
        le=100,
        description="Peak hourly CPU at or below which an instance is reported for review (lower "
        "confidence).",
    )
    network_mb_per_day: float = Field(
        5.0, ge=0, description="Network in + out (MB, 10^6 bytes) a day at or below which a day is idle."
    )
    high_confidence_days: int = Field(14, ge=1, description="Days of data needed for high confidence.")


def idle_queries(params: IdleInstanceParams) -> list[MetricQuery]:
    """Hourly CPU, NetworkIn and NetworkOut of every running instance."""
    days = params.window_days
    return [
        hourly_cpu(days),
        ec2_query("NetworkIn", "Sum", 3600, days),
        ec2_query("NetworkOut", "Sum", 3600, days),
    ]


@check(
    id="aws.ec2.idle_instance",
    title="EC2 instance running with almost no CPU or network use",
    resource_type="ec2_instance",
    severity=Severity.HIGH,
    needs=["ec2:instances"],
    params=IdleInstanceParams,
    klass="idle",
    metrics=idle_queries,
    rationale="""
        A running instance is billed every hour whether or not it works. One that has run at least
        `min_uptime_days` since its last start is idle when, over `window_days` of hourly CloudWatch data
        (at least `min_days_of_data` days of it), its busiest hour stayed at or below `cpu_percent` CPU
        and no day moved more than `network_mb_per_day` MB in and out (Compute Optimizer's idle rule, 14
        days). A peak at or below `review_cpu_percent` is the review band (medium, or low confidence with
        less than `high_confidence_days` of data). The original averaged CPU over the window, which a
        weekly batch job passes as idle; we use the peak hour. No datapoints means unknown, never idle;
        instances a service manages (`Operator.Managed`) are that service's to scale and are skipped.
        The cost is the on-demand compute (Linux price; other platforms, Spot and dedicated tenancy are
        priced unknown); the EBS volumes stay billed if it is only stopped.
    """,
    recommendation=(
        "Confirm nobody uses it, then stop it (aws ec2 stop-instances --instance-ids <id>) or, after an "
        "AMI or snapshot, terminate it: aws ec2 terminate-instances --instance-ids <id>"
    ),
    covers_original=["aws:ec2_instance_idle_running/idle_running"],
    covers_peers=["aws.ec2.idle_instance"],
)
def idle_instance(ctx: CheckContext, params: IdleInstanceParams) -> Iterator[Hit]:
    """Running instances whose busiest hour and busiest network day stayed under the thresholds."""
    cpu_q, in_q, out_q = idle_queries(params)
    limit = params.network_mb_per_day * 1e6
    for inst, up in _running(ctx, params.min_uptime_days):
        iid = str(inst["InstanceId"])
        cpu, net_in, net_out = (ctx.metric(q, iid) for q in (cpu_q, in_q, out_q))
        if cpu is None or net_in is None or net_out is None:
            continue  # unknown, never idle
        days = _days_with_data(cpu)
        if days < params.min_days_of_data:
            continue
        peak_cpu = cpu.maximum
        per_day = daily(net_in, "sum")
        for day, value in daily(net_out, "sum").items():
            per_day[day] = per_day.get(day, 0.0) + value
        peak_net = max(per_day.values(), default=0.0)
        if peak_net > limit or peak_cpu > max(params.cpu_percent, params.review_cpu_percent):
            continue
        full = days >= params.high_confidence_days
        if peak_cpu <= params.cpu_percent:
            confidence = Confidence.HIGH if full else Confidence.MEDIUM
        else:
            confidence = Confidence.MEDIUM if full else Confidence.LOW
        asg = auto_scaling_group(inst)
        yield Hit(
            resource=_instance_resource(ctx, inst),
            reason=f"EC2 instance {iid} ({inst.get('InstanceType')}) peaked at {peak_cpu:.1f}% CPU in its "
            f"busiest hour and {peak_net / 1e6:.2f} MB of network on its busiest day over "
            f"{whole_days(days)} of data.",
            cost=instance_monthly(ctx, inst),
            evidence=_basics(inst, up)
            | {
                "window_days": params.window_days,
                "days_with_data": days,
                "cpu_peak_hourly_percent": round(peak_cpu, 2),
                "cpu_mean_percent": round(cpu.total / len(cpu.values), 2),
                "network_peak_day_bytes": round(peak_net),
                "network_total_bytes": round(net_in.total + net_out.total),
                "metrics": {
                    "CPUUtilization": cpu.evidence(),
                    "NetworkIn": net_in.evidence(),
                    "NetworkOut": net_out.evidence(),
                },
                "last_activity": iso(last_nonzero([net_in, net_out])),
                "scenario": "idle_running",
            },
            confidence=confidence,
            recommendation=(
                f"Lower the desired capacity of Auto Scaling group {asg}: aws autoscaling "
                f"set-desired-capacity --auto-scaling-group-name {asg} --desired-capacity <n>"
                if asg
                else None
            ),
            cost_group=_instance_group(inst),
        )


# --- aws.ec2.oversized_instance ----------------------------------------------------------------------

# Baseline CPU per vCPU (%) of burstable sizes (EC2 User Guide, "Key concepts for burstable instances").
BURST_BASELINE: dict[str, dict[str, float]] = {
    "t2": {"nano": 5, "micro": 10, "small": 20, "medium": 20, "large": 30, "xlarge": 22.5, "2xlarge": 17},
    "t3": {"nano": 5, "micro": 10, "small": 20, "medium": 20, "large": 30, "xlarge": 40, "2xlarge": 40},
}
BURST_BASELINE["t3a"] = BURST_BASELINE["t4g"] = BURST_BASELINE["t3"]


def max_credit_balance(family: str, size: str, vcpu: float) -> float | None:
    """Most CPU credits a burstable size can accrue: 24 hours of its earn rate (baseline x vCPUs x 60)."""
    baseline = BURST_BASELINE.get(family, {}).get(size)
    return None if baseline is None else baseline / 100 * vcpu * 60 * 24


class OversizedParams(BaseModel):
    """Parameters of ``aws.ec2.oversized_instance``."""

    window_days: int = Field(14, ge=7, le=63, description="Days of hourly CloudWatch data read.")
    min_uptime_days: int = Field(
        14, ge=1, description="Only judge instances running (since their last start) at least this many days."
    )
    min_coverage: float = Field(
        0.8, ge=0, le=1, description="Share of the window's hours that must have a CPU datapoint."
    )
    p95_cpu_percent: float = Field(
        40.0,
        ge=0,
        le=100,
        description="95th percentile of hourly CPU at or below which the next smaller size is proposed "
        "(low confidence: review band).",
    )
    confident_p95_cpu_percent: float = Field(
        20.0,
        ge=0,
        le=100,
        description="95th percentile of hourly CPU at or below which confidence is medium.",
    )
    credit_balance_percent: float = Field(
        90.0,
        ge=0,
        le=100,
        description="Burstable instances: lowest daily CPU credit balance (over at least 30 days), as a "
        "share of the most the size can accrue, at or above which the instance never needs its burst.",
    )


def oversized_queries(params: OversizedParams) -> list[MetricQuery]:
    """Hourly CPU of every running instance, and the daily lowest CPU credit balance."""
    # the daily credit series shares the 30-day daily window (and GetMetricData call) of other checks
    credit_days = max(30, params.window_days)
    return [hourly_cpu(params.window_days), ec2_query("CPUCreditBalance", "Minimum", 86400, credit_days)]


@check(
    id="aws.ec2.oversized_instance",
    title="EC2 instance larger than its CPU use needs",
    resource_type="ec2_instance",
    severity=Severity.MEDIUM,
    needs=["ec2:instances"],
    params=OversizedParams,
    klass="oversized",
    metrics=oversized_queries,
    rationale="""
        The next smaller size of the same family halves the hourly price. A running instance (at least
        `min_uptime_days` since its last start, hourly CPU for at least `min_coverage` of `window_days`)
        whose 95th percentile of hourly CPU is at or below `p95_cpu_percent` is offered the next smaller
        priced size of its family, whose projected load (p95 x vCPU ratio) is in the evidence; at or below
        `confident_p95_cpu_percent` confidence is medium, else low. Memory is not published without the
        CloudWatch agent, so confidence never reaches high. A burstable instance (t2/t3/t3a/t4g) is judged
        by its credits instead (the original's `burstable_credit_waste`): its lowest daily CPUCreditBalance
        stayed at or above `credit_balance_percent` of what its size can accrue, and its projected p95 fits
        the smaller size's baseline, so it never bursts. The saving is the difference of the two on-demand
        prices in the book, not the original's guessed step percentages.
    """,
    recommendation=(
        "Stop the instance, change its type, start it: aws ec2 modify-instance-attribute --instance-id <id> "
        "--instance-type <type> (for an Auto Scaling group, change its launch template)"
    ),
    covers_original=[
        "aws:ec2_instance_oversized/ec2_instance_oversized",
        "aws:ec2_instance_burstable_credit_waste/ec2_instance_burstable_credit_waste",
    ],
    covers_peers=["aws.ec2.rightsizing"],
)
def oversized_instance(ctx: CheckContext, params: OversizedParams) -> Iterator[Hit]:
    """Running instances whose CPU (or credit balance) shows the next smaller size is enough."""
    cpu_q, credit_q = oversized_queries(params)
    hours = params.window_days * 24
    for inst, up in _running(ctx, params.min_uptime_days):
        iid = str(inst["InstanceId"])
        parts = split_type(str(inst.get("InstanceType") or ""))
        current = ec2_size(ctx, str(inst.get("InstanceType") or ""))
        cpu = ctx.metric(cpu_q, iid)
        if parts is None or current is None or cpu is None or len(cpu.values) < params.min_coverage * hours:
            continue
        family, size_name = parts
        p95 = percentile(cpu.values, 95)
        sizes = family_sizes(ctx, "ec2.instance", family)
        evidence = _basics(inst, up) | {
            "window_days": params.window_days,
            "cpu_p95_hourly_percent": round(p95, 2),
            "cpu_peak_hourly_percent": round(cpu.maximum, 2),
            "metrics": {"CPUUtilization": cpu.evidence()},
        }
        burstable = family in BURST_BASELINE
        if burstable:
            target = next_smaller(sizes, current, fewer_vcpus=False)
            credits = ctx.metric(credit_q, iid)
            ceiling = max_credit_balance(family, size_name, current.vcpu)
            if target is None or credits is None or not ceiling:
                continue
            lowest = min(credits.values)
            target_parts = split_type(target.name)
            target_baseline = BURST_BASELINE[family].get(target_parts[1] if target_parts else "", 0)
            projected = p95 * current.vcpu / target.vcpu
            if lowest < params.credit_balance_percent / 100 * ceiling or projected > target_baseline:
                continue
            confidence = Confidence.MEDIUM
            scenario = "ec2_instance_burstable_credit_waste"
            why = (
                f"its CPU credit balance never fell below {lowest:.0f} of the {ceiling:.0f} a "
                f"{current.name} can accrue and its 95th-percentile hour used {p95:.1f}% CPU"
            )
            evidence |= {
                "cpu_credit_balance_min": round(lowest, 1),
                "cpu_credit_balance_max_accrued": round(ceiling, 1),
                "target_baseline_percent": target_baseline,
                "metrics": evidence["metrics"] | {"CPUCreditBalance": credits.evidence()},
            }
        else:
            target = next_smaller(sizes, current, fewer_vcpus=True)
            if target is None or p95 > params.p95_cpu_percent:
                continue
            projected = p95 * current.vcpu / target.vcpu
            confident = p95 <= params.confident_p95_cpu_percent
            confidence = Confidence.MEDIUM if confident else Confidence.LOW
            scenario = "ec2_instance_oversized"
            why = f"its 95th-percentile hour used {p95:.1f}% CPU over {whole_days(params.window_days)}"
        gap = instance_pricing_gap(inst)
        cost = (
            Money.unknown(CostKind.SAVING, detail=gap)
            if gap
            else saving(current, target, ctx.prices.hours_per_month, note="on-demand prices")
        )
        yield Hit(
            resource=_instance_resource(ctx, inst),
            reason=f"EC2 instance {iid} ({current.name}) could be a {target.name}: {why}, about "
            f"{projected:.0f}% on the smaller size.",
            cost=cost,
            evidence=evidence
            | {
                "target_instance_type": target.name,
                "vcpu": current.vcpu,
                "target_vcpu": target.vcpu,
                "memory_gib": current.memory_gib,
                "target_memory_gib": target.memory_gib,
                "projected_cpu_p95_percent": round(projected, 1),
                "memory_observed": False,
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=(
                f"Check its memory use, then stop it, change its type and start it: aws ec2 "
                f"modify-instance-attribute --instance-id {iid} --instance-type {target.name}"
            ),
            cost_group=_instance_group(inst),
        )


# --- aws.ec2.previous_generation and aws.ec2.non_graviton --------------------------------------------

# previous-generation family -> the current x86 family of the same shape that costs less per hour
PREVIOUS_GENERATION = {
    "t2": "t3",
    "m3": "m5",
    "m4": "m5",
    "c3": "c5",
    "c4": "c5",
    "r3": "r5",
    "r4": "r5",
    "i2": "i3",
    "d2": "d3",
}
# x86 family -> the Graviton (arm64) family of the same shape
GRAVITON = {
    "t2": "t4g",
    "t3": "t4g",
    "t3a": "t4g",
    "m4": "m6g",
    "m5": "m6g",
    "m5a": "m6g",
    "m6i": "m6g",
    "m6a": "m6g",
    "m7i": "m7g",
    "c4": "c6g",
    "c5": "c6g",
    "c5a": "c6g",
    "c6i": "c6g",
    "c6a": "c6g",
    "c7i": "c7g",
    "r4": "r6g",
    "r5": "r6g",
    "r5a": "r6g",
    "r6i": "r6g",
    "r6a": "r6g",
    "r7i": "r7g",
}


class FamilyChangeParams(BaseModel):
    """Parameters of ``aws.ec2.previous_generation`` and ``aws.ec2.non_graviton``."""

    min_uptime_days: int = Field(
        7, ge=0, description="Only judge instances running (since their last start) at least this many days."
    )
    min_monthly_saving: float = Field(
        1.0, ge=0, description="Only report a change that saves at least this much a month (USD)."
    )


def _family_change(
    ctx: CheckContext, params: FamilyChangeParams, mapping: Mapping[str, str]
) -> Iterator[tuple[Mapping[str, Any], float, Size, Size, Money]]:
    """(instance, uptime, current, target, saving) for running Linux instances of a mapped family."""
    for inst, up in _running(ctx, params.min_uptime_days):
        parts = split_type(str(inst.get("InstanceType") or ""))
        if parts is None or parts[0] not in mapping or instance_pricing_gap(inst):
            continue
        current = ec2_size(ctx, str(inst["InstanceType"]))
        target = ec2_size(ctx, f"{mapping[parts[0]]}.{parts[1]}")
        if current is None or target is None:
            continue
        money = saving(current, target, ctx.prices.hours_per_month, note="on-demand prices")
        if (money.amount or 0.0) < max(params.min_monthly_saving, 0.01):
            continue  # the successor is not cheaper: a performance choice, not waste
        yield inst, up, current, target, money


@check(
    id="aws.ec2.previous_generation",
    title="EC2 instance on a previous-generation family with a cheaper successor",
    resource_type="ec2_instance",
    severity=Severity.LOW,
    needs=["ec2:instances"],
    params=FamilyChangeParams,
    klass="legacy",
    rationale="""
        Previous-generation families cost more per hour than their current x86 successor of the same size
        (t2 -> t3, m3/m4 -> m5, c3/c4 -> c5, r3/r4 -> r5, i2 -> i3, d2 -> d3). A running Linux instance of
        one of them is reported with the saving the book gives (current minus successor price), when it
        is at least `min_monthly_saving`. The original also sends i3, x1, p2 and g3 to successors that cost
        the same or more per hour (i3en, x2idn, p3, g4dn) and reports that as a saving; such moves buy
        performance, not savings, and are not reported. The successors run on Nitro, which needs the ENA
        and NVMe drivers: an instance without `EnaSupport` gets low confidence, a paravirtual one is
        skipped. t3 instances start in unlimited credit mode, which can bill CPU credits.
    """,
    recommendation=(
        "Stop it, change the type, start it: aws ec2 modify-instance-attribute --instance-id <id> "
        "--instance-type <type> (enable ENA first if needed)"
    ),
    covers_original=["aws:ec2_instance_old_generation/ec2_instance_old_generation"],
    covers_peers=["aws.ec2.previous_generation"],
)
def previous_generation(ctx: CheckContext, params: FamilyChangeParams) -> Iterator[Hit]:
    """Running instances of previous-generation families whose successor is cheaper."""
    for inst, up, current, target, money in _family_change(ctx, params, PREVIOUS_GENERATION):
        if inst.get("VirtualizationType") == "paravirtual":
            continue  # cannot move to Nitro without rebuilding the AMI
        iid = str(inst["InstanceId"])
        ena = bool(inst.get("EnaSupport"))
        yield Hit(
            resource=_instance_resource(ctx, inst),
            reason=f"EC2 instance {iid} runs the previous-generation {current.name}; a {target.name} of the "
            f"same size costs ${current.hourly - target.hourly:.4f} less an hour.",
            cost=money,
            evidence=_basics(inst, up)
            | {
                "target_instance_type": target.name,
                "ena_support": ena,
                "virtualization_type": inst.get("VirtualizationType"),
                "scenario": "ec2_instance_old_generation",
            },
            confidence=Confidence.MEDIUM if ena else Confidence.LOW,
            recommendation=(
                f"Stop it, change the type, start it: aws ec2 modify-instance-attribute --instance-id {iid} "
                f"--instance-type {target.name}"
                + (
                    ""
                    if ena
                    else f" (enable ENA first: aws ec2 modify-instance-attribute --instance-id {iid} "
                    "--ena-support, with an ENA and NVMe capable AMI)"
                )
            ),
            cost_group=_instance_group(inst),
        )


@check(
    id="aws.ec2.non_graviton",
    title="x86 Linux EC2 instance with a cheaper Graviton equivalent",
    resource_type="ec2_instance",
    severity=Severity.LOW,
    needs=["ec2:instances"],
    params=FamilyChangeParams,
    klass="legacy",
    rationale="""
        Graviton (arm64) families cost less per hour than x86 ones of the same vCPUs and memory (m5/m6i ->
        m6g, c5/c6i -> c6g, r5/r6i -> r6g, t3 -> t4g, m7i -> m7g...). A running x86_64 Linux instance whose
        Graviton equivalent is in the book is reported with the difference of the two on-demand prices,
        when it is at least `min_monthly_saving`. Windows and other licensed platforms do not run on
        Graviton and are skipped. The software (AMI, binaries, container images) must be rebuilt for
        arm64, which the API cannot tell, so confidence is low.
    """,
    recommendation=(
        "Build an arm64 AMI of the workload, then launch it on the Graviton type: aws ec2 run-instances "
        "--instance-type <type> --image-id <arm64-ami> (or change the launch template)"
    ),
    covers_peers=["aws.ec2.non_graviton"],
)
def non_graviton(ctx: CheckContext, params: FamilyChangeParams) -> Iterator[Hit]:
    """Running x86_64 Linux instances whose Graviton equivalent is cheaper."""
    for inst, up, current, target, money in _family_change(ctx, params, GRAVITON):
        if inst.get("Architecture", "x86_64") != "x86_64":
            continue
        iid = str(inst["InstanceId"])
        yield Hit(
            resource=_instance_resource(ctx, inst),
            reason=f"EC2 instance {iid} runs the x86 {current.name}; the Graviton {target.name} has the same "
            f"vCPUs and memory for ${current.hourly - target.hourly:.4f} less an hour.",
            cost=money,
            evidence=_basics(inst, up) | {"target_instance_type": target.name},
            confidence=Confidence.LOW,
            recommendation=(
                f"Build an arm64 AMI of the workload, then launch it as a {target.name}: "
                f"aws ec2 run-instances --instance-type {target.name} --image-id <arm64-ami>"
            ),
            cost_group=_instance_group(inst),
        )


# --- aws.ec2.off_hours_instance ----------------------------------------------------------------------


class OffHoursInstanceParams(HoursParams):
    """Parameters of ``aws.ec2.off_hours_instance``."""

    window_days: int = Field(14, ge=7, le=63, description="Days of hourly CloudWatch CPU read.")
    min_uptime_days: int = Field(
        7,
        ge=1,
        description="Running at least this many days since its last start: it is not stopped at night.",
    )
    busy_cpu_percent: float = Field(
        20.0,
        ge=0,
        le=100,
        description="Untagged instances: mean working-hours CPU at or above which it is used.",
    )
    idle_cpu_percent: float = Field(
        10.0,
        ge=0,
        le=100,
        description="Mean off-hours CPU at or below which the nights and weekends are idle.",
    )
    min_off_hours_coverage: float = Field(
        0.8, ge=0, le=1, description="Share of the window's off-hours that must have a CPU datapoint."
    )


def off_hours_queries(params: OffHoursInstanceParams) -> list[MetricQuery]:
    """Hourly CPU of every running instance."""
    return [hourly_cpu(params.window_days)]


@check(
    id="aws.ec2.off_hours_instance",
    title="EC2 instance running nights and weekends for a working-hours workload",
    resource_type="ec2_instance",
    severity=Severity.MEDIUM,
    needs=["ec2:instances"],
    params=OffHoursInstanceParams,
    klass="policy",
    metrics=off_hours_queries,
    rationale="""
        An instance needed only in working hours can be stopped the rest of the week. A running instance
        up at least `min_uptime_days` since its last start is not stopped at night (a start resets
        LaunchTime). It is reported when tagged non-production (Environment/Env/Stage/Tier = dev, test,
        staging, qa...) and hourly CPU shows idle off-hours (high confidence), or gives no data (low); a
        tagged instance busy off-hours is left alone. An untagged one is reported (medium) when CPU
        averages at least `busy_cpu_percent` in working hours and at most `idle_cpu_percent` off-hours,
        with datapoints for `min_off_hours_coverage` of the off-hours. Instances with a scheduler tag
        (Schedule...) are skipped. The saving is the hourly price times the month's off-hours share
        (computed from the working week), not the original's flat 67 % or 73 %; EBS stays billed.
    """,
    recommendation=(
        "Stop it outside working hours with a schedule (AWS Instance Scheduler, or EventBridge Scheduler "
        "calling StopInstances/StartInstances); by hand: aws ec2 stop-instances --instance-ids <id>"
    ),
    covers_original=[
        "aws:ec2_instance_dev_test_24_7/ec2_instance_dev_running_24_7",
        "aws:ec2_instance_scheduled_unused/ec2_instance_scheduled_unused",
    ],
)
def off_hours_instance(ctx: CheckContext, params: OffHoursInstanceParams) -> Iterator[Hit]:
    """Non-production or working-hours-only instances that run around the clock."""
    [cpu_q] = off_hours_queries(params)
    share = off_hours_share(params)
    week = working_week(params)
    for inst, up in _running(ctx, params.min_uptime_days):
        tags = aws_tags(inst)
        if schedule_tag(tags):
            continue
        iid = str(inst["InstanceId"])
        tag = nonprod_tag(tags)
        cpu = ctx.metric(cpu_q, iid)
        prof = profile(cpu, params, ctx.now) if cpu is not None else None
        covered = prof is not None and prof.off_coverage >= params.min_off_hours_coverage
        off_idle = covered and prof is not None and prof.off_mean <= params.idle_cpu_percent
        if tag:
            if covered and not off_idle:
                continue  # used at night
            confidence = Confidence.HIGH if off_idle else Confidence.LOW
            scenario = "ec2_instance_dev_running_24_7"
            why = f"is tagged {tag[0]}={tag[1]} and has run around the clock for {whole_days(up)}"
            if off_idle and prof is not None:
                why += f", idle off-hours ({prof.off_mean:.1f}% CPU)"
        else:
            if not (off_idle and prof is not None and prof.business_mean >= params.busy_cpu_percent):
                continue
            confidence = Confidence.MEDIUM
            scenario = "ec2_instance_scheduled_unused"
            why = (
                f"averaged {prof.business_mean:.1f}% CPU in working hours but {prof.off_mean:.1f}% off-hours "
                f"over {whole_days(params.window_days)}"
            )
        size, gap = instance_size(ctx, inst)
        hours = round(ctx.prices.hours_per_month * share, 1)
        cost = (
            Money.unknown(CostKind.SAVING, detail=gap)
            if size is None
            else hourly_money(
                size,
                hours,
                kind=CostKind.SAVING,
                note=f"stopped outside {week} ({share:.0%} of the week); EBS volumes stay billed",
            )
        )
        asg = auto_scaling_group(inst)
        yield Hit(
            resource=_instance_resource(ctx, inst),
            reason=f"EC2 instance {iid} ({inst.get('InstanceType')}) {why}.",
            cost=cost,
            evidence=_basics(inst, up)
            | {
                "working_week": week,
                "off_hours_share": round(share, 3),
                "nonprod_tag": f"{tag[0]}={tag[1]}" if tag else None,
                "cpu_profile": prof.evidence() if prof else None,
                "off_hours_coverage": round(prof.off_coverage, 3) if prof else None,
                "metrics": {"CPUUtilization": cpu.evidence() if cpu else None},
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=(
                f"Scale Auto Scaling group {asg} to 0 outside working hours: aws autoscaling "
                f"put-scheduled-update-group-action --auto-scaling-group-name {asg} ..."
                if asg
                else None
            ),
            cost_group=_instance_group(inst),
        )


# --- aws.ec2.untagged_instance -----------------------------------------------------------------------


class UntaggedParams(BaseModel):
    """Parameters of ``aws.ec2.untagged_instance``."""

    min_age_days: int = Field(
        30, ge=0, description="Only flag instances whose last start is at least this many days ago."
    )
    required_tags: list[str] = Field(
        default_factory=list,
        description="Tag keys every instance must carry; empty: flag instances with no tag of their own "
        "(aws: tags do not count).",
    )


@check(
    id="aws.ec2.untagged_instance",
    title="EC2 instance without owner tags",
    resource_type="ec2_instance",
    severity=Severity.LOW,
    needs=["ec2:instances"],
    params=UntaggedParams,
    klass="hygiene",
    rationale="""
        An instance nobody can attribute is the one nobody dares to stop. A running or stopped instance
        whose last start is at least `min_age_days` ago is reported when it has no tag of its own (tags
        AWS writes, `aws:*`, do not count) or, with `required_tags`, when one of them is missing. Auto
        Scaling members are skipped: tag the group (and service-managed ones, `Operator.Managed`, carry
        the service's tags). Tagging saves nothing by itself, so the finding's
        saving is $0 and the instance's monthly compute is in the evidence; the original counted the
        full instance cost as waste.
    """,
    recommendation=(
        "Find the owner (CloudTrail RunInstances event), then tag it: aws ec2 create-tags --resources <id> "
        "--tags Key=Owner,Value=<team>"
    ),
    covers_original=["aws:ec2_instance_untagged/ec2_instance_untagged"],
)
def untagged_instance(ctx: CheckContext, params: UntaggedParams) -> Iterator[Hit]:
    """Instances with no tags of their own, or missing required ones."""
    for inst in ctx.get("ec2:instances"):
        state = (inst.get("State") or {}).get("Name")
        if state not in ("running", "stopped") or auto_scaling_group(inst) or service_managed(inst):
            continue
        age = age_days(inst.get("LaunchTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        own = {k: v for k, v in aws_tags(inst).items() if not k.startswith("aws:")}
        missing = [k for k in params.required_tags if k not in own]
        if params.required_tags and not missing:
            continue
        if not params.required_tags and own:
            continue
        iid = str(inst["InstanceId"])
        monthly = instance_monthly(ctx, inst) if state == "running" else None
        what = f"tags {', '.join(missing)}" if missing else "any tag of its own"
        yield Hit(
            resource=_instance_resource(ctx, inst),
            reason=f"EC2 instance {iid} ({inst.get('InstanceType')}, {state}) has no {what}.",
            cost=Money(
                amount=0.0,
                kind=CostKind.SAVING,
                detail="hygiene: tagging saves nothing by itself"
                + (f"; its compute costs {monthly.detail}" if monthly and monthly.amount is not None else ""),
            ),
            evidence={
                "instance_type": inst.get("InstanceType"),
                "state": state,
                "launch_time": iso(inst.get("LaunchTime")),
                "tags": aws_tags(inst),
                "missing_tags": missing,
                "monthly_compute": monthly.amount if monthly else None,
                "scenario": "ec2_instance_untagged",
            },
            confidence=Confidence.HIGH,
        )


# --- aws.ec2.spot_candidate --------------------------------------------------------------------------


class SpotParams(BaseModel):
    """Parameters of ``aws.ec2.spot_candidate``."""

    min_uptime_days: int = Field(
        7, ge=0, description="Only judge on-demand instances running at least this many days."
    )
    assumed_spot_discount_percent: float = Field(
        60.0,
        ge=0,
        le=90,
        description="Discount of Spot below on-demand used to estimate the saving (Spot prices vary; "
        "AWS advertises up to 90 %).",
    )


@check(
    id="aws.ec2.spot_candidate",
    title="On-demand EC2 instance whose role tolerates Spot interruptions",
    resource_type="ec2_instance",
    severity=Severity.LOW,
    needs=["ec2:instances"],
    params=SpotParams,
    klass="commitment",
    rationale="""
        Spot capacity costs a fraction of on-demand but can be reclaimed with two minutes' notice, so
        the question is whether the instance tolerates interruption, not how steady its CPU is (the
        original's criterion). A running on-demand Linux instance up at least `min_uptime_days` is a
        candidate when an Auto Scaling group manages it (its members are interchangeable by design;
        medium confidence) or when it is tagged non-production (low). Instances in a capacity
        reservation are skipped. Spot prices change by type, zone and hour and are not in the price book,
        so the saving is an estimate: the on-demand price times `assumed_spot_discount_percent`.
    """,
    recommendation=(
        "Run part of the group on Spot with a mixed instances policy: aws autoscaling "
        "update-auto-scaling-group --auto-scaling-group-name <asg> --mixed-instances-policy file://policy.json"
    ),
    covers_original=["aws:ec2_instance_spot_eligible/ec2_instance_spot_opportunity"],
)
def spot_candidate(ctx: CheckContext, params: SpotParams) -> Iterator[Hit]:
    """On-demand Auto Scaling members and non-production instances."""
    discount = params.assumed_spot_discount_percent / 100
    for inst, up in _running(ctx, params.min_uptime_days):
        if inst.get("InstanceLifecycle") or inst.get("CapacityReservationId"):
            continue
        asg = auto_scaling_group(inst)
        tag = nonprod_tag(aws_tags(inst))
        if not asg and not tag:
            continue
        size, gap = instance_size(ctx, inst)
        if gap and size is None and "license" in gap:
            continue  # Windows and licensed platforms: the Spot price includes the license; not priced
        iid = str(inst["InstanceId"])
        hours = ctx.prices.hours_per_month
        cost = (
            Money.unknown(CostKind.SAVING, detail=gap)
            if size is None
            else Money(
                amount=round(size.hourly * hours * discount, 2),
                basis=CostBasis.ESTIMATE,
                kind=CostKind.SAVING,
                detail=f"estimate: ${size.hourly:g}/h {size.name} x {hours:g} h x {discount:.0%} "
                f"assumed Spot discount ({size.key}, {size.price.region}); "
                "see aws ec2 describe-spot-price-history",
            )
        )
        role = f"a member of Auto Scaling group {asg}" if asg else f"tagged {tag[0]}={tag[1]}" if tag else ""
        yield Hit(
            resource=_instance_resource(ctx, inst),
            reason=f"EC2 instance {iid} ({inst.get('InstanceType')}) runs on-demand and is {role}.",
            cost=cost,
            evidence=_basics(inst, up)
            | {
                "nonprod_tag": f"{tag[0]}={tag[1]}" if tag else None,
                "assumed_spot_discount_percent": params.assumed_spot_discount_percent,
                "scenario": "ec2_instance_spot_opportunity",
            },
            confidence=Confidence.MEDIUM if asg else Confidence.LOW,
            recommendation=(
                f"Run part of Auto Scaling group {asg} on Spot with a mixed instances policy: "
                f"aws autoscaling update-auto-scaling-group --auto-scaling-group-name {asg} "
                "--mixed-instances-policy file://policy.json"
                if asg
                else "If it can be interrupted, relaunch it as Spot: aws ec2 run-instances "
                f"--instance-market-options MarketType=spot --instance-type {inst.get('InstanceType')} "
                f"--image-id {inst.get('ImageId')}"
            ),
            cost_group=_instance_group(inst),
        )
