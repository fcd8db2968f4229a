"""Elastic IP and public IPv4 checks: addresses of instances that serve nothing, extra addresses.

Since February 2024 every public IPv4 address is billed $0.005 an hour, in use or not: an Elastic IP
and an instance's auto-assigned address alike (BYOIP addresses excepted). Instance activity comes from
CloudWatch ``AWS/EC2``: ``NetworkIn``/``NetworkOut`` (bytes per period, every interface of the
instance) and ``StatusCheckFailed`` (0 or 1 each minute). ``aws.ec2.unassociated_eip`` (in
:mod:`cloudwaste.checks.aws.ec2`) covers addresses associated with nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import (
    address_arn,
    address_cost,
    address_id,
    auto_scaling_group,
    ec2_arn,
    instance_query,
    iso,
    metrics_evidence,
    period_end,
    resource,
    stopped_for,
    whole_days,
)
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries, age_days, aws_tags
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Money, Resource, Severity
from cloudwaste.pricing.aws import public_ipv4_monthly

AMAZON_OWNER = "amazon"  # IpOwnerId of an auto-assigned public IPv4 address
COVERAGE = 0.9  # share of the window's days that must have a traffic datapoint
REPORTING_LAG_DAYS = 2.0
HA_TAG_WORDS = ("multi-nic", "ha", "high-availability", "active-active", "failover", "floating-ip")
IRREVERSIBLE = "releasing is irreversible: first check no DNS record, allow-list or partner uses it"


@dataclass(frozen=True)
class PublicIp:
    """One public IPv4 address an instance pays for: an Elastic IP (``address``) or an auto-assigned one."""

    ip: str
    eni: str | None
    address: Mapping[str, Any] | None  # the DescribeAddresses item of an Elastic IP

    def resource(self, ctx: CheckContext) -> Resource:
        """The address as a resource: an Elastic IP by allocation id, an auto-assigned one by its IP."""
        if self.address is not None:
            rid = address_id(self.address)
            return resource(self.address, rid=rid, rtype="elastic_ip", arn=address_arn(ctx, self.address))
        eni = self.eni or "unknown"
        return Resource(
            id=self.ip,
            arn=ec2_arn(ctx, "network-interface", eni),
            name=f"{self.ip} on {eni}",
            type="public_ipv4",
        )

    def cost(self, ctx: CheckContext) -> Money:
        """Its monthly public IPv4 charge."""
        if self.address is not None:
            return address_cost(ctx, self.address)
        return public_ipv4_monthly(ctx.prices, ctx.region)

    @property
    def label(self) -> str:
        """``Elastic IP 203.0.113.10 (eipalloc-1)`` / ``auto-assigned public IPv4 54.1.2.3``."""
        if self.address is not None:
            return f"Elastic IP {self.ip} ({address_id(self.address)})"
        return f"auto-assigned public IPv4 {self.ip}"

    def release(self) -> str:
        """The command that stops the charge."""
        if self.address is None:
            return (
                f"aws ec2 modify-network-interface-attribute --network-interface-id {self.eni} "
                "--no-associate-public-ip-address"
            )
        command = f"aws ec2 release-address --allocation-id {address_id(self.address)}"
        if self.address.get("AssociationId"):
            command = (
                f"aws ec2 disassociate-address --association-id {self.address['AssociationId']} && {command}"
            )
        return command


def _managed_interface(eni: Mapping[str, Any] | None) -> bool:
    """An interface a service owns (NAT gateway, load balancer, Lambda...): its address is in use."""
    if eni is None:
        return False
    return bool(eni.get("RequesterManaged") or (eni.get("Operator") or {}).get("Managed"))


def instance_addresses(
    inst: Mapping[str, Any],
    addresses: list[Mapping[str, Any]],
    interfaces: Mapping[str, Mapping[str, Any]],
) -> list[PublicIp]:
    """The public IPv4 addresses an instance pays for: its Elastic IPs (by instance or by one of its
    interfaces) and, on its interfaces, the auto-assigned ones (``IpOwnerId`` ``amazon``).

    Service-managed addresses and addresses on requester-managed interfaces are left out.
    """
    iid = str(inst["InstanceId"])
    own_enis = {
        str(n["NetworkInterfaceId"])
        for n in inst.get("NetworkInterfaces") or []
        if n.get("NetworkInterfaceId")
    }
    found: list[PublicIp] = []
    seen: set[str] = set()
    for addr in addresses:
        eni_id = addr.get("NetworkInterfaceId")
        if addr.get("InstanceId") != iid and eni_id not in own_enis:
            continue
        if addr.get("ServiceManaged") or _managed_interface(interfaces.get(str(eni_id))):
            continue
        found.append(PublicIp(str(addr.get("PublicIp")), str(eni_id) if eni_id else None, addr))
        seen.add(str(addr.get("PublicIp")))
    for nic in inst.get("NetworkInterfaces") or []:
        assoc = nic.get("Association") or {}
        ip = assoc.get("PublicIp")
        if not ip or ip in seen or assoc.get("IpOwnerId") != AMAZON_OWNER or assoc.get("CarrierIp"):
            continue
        if _managed_interface(interfaces.get(str(nic.get("NetworkInterfaceId")))):
            continue
        found.append(PublicIp(str(ip), str(nic.get("NetworkInterfaceId")), None))
        seen.add(str(ip))
    return found


# --- aws.ec2.public_ip_on_unused_instance --------------------------------------------------------


class UnusedInstanceIpParams(BaseModel):
    """Parameters of ``aws.ec2.public_ip_on_unused_instance``."""

    min_stopped_days: int = Field(
        30, ge=0, description="Flag Elastic IPs of instances stopped at least this many days (medium)."
    )
    high_confidence_stopped_days: int = Field(
        90, ge=0, description="Instances stopped at least this many days give high confidence."
    )
    window_days: int = Field(
        30, ge=1, le=455, description="Days of daily CloudWatch network and status-check data read."
    )
    low_traffic_bytes: int = Field(
        1_000_000_000,
        ge=0,
        description="Running instances that sent and received less than this over the window have low "
        "traffic (medium confidence).",
    )
    idle_bytes: int = Field(
        1_000_000,
        ge=0,
        description="Running instances that sent and received at most this over the window are idle (high "
        "confidence).",
    )
    min_failed_days: int = Field(
        7,
        ge=1,
        description="Flag addresses of running instances failing their status checks all day on at least "
        "this many latest days (medium confidence).",
    )
    high_confidence_failed_days: int = Field(
        14,
        ge=1,
        description="Instances failing all day on at least this many latest days give high confidence.",
    )


def unused_instance_queries(params: UnusedInstanceIpParams) -> list[MetricQuery]:
    """Daily NetworkIn, NetworkOut (Sum) and StatusCheckFailed (Minimum: 1 = failed all day)."""
    return [
        instance_query("NetworkIn", "Sum", params.window_days),
        instance_query("NetworkOut", "Sum", params.window_days),
        instance_query("StatusCheckFailed", "Minimum", params.window_days),
    ]


def _failed_streak(series: MetricSeries | None, now: datetime) -> int:
    """Latest consecutive days on which every status check failed (daily Minimum >= 1)."""
    if series is None or not series.values:
        return 0
    if (age_days(period_end(series.timestamps[-1], series.period_s), now) or 0.0) > REPORTING_LAG_DAYS:
        return 0
    streak = 0
    for value in reversed(series.values):
        if value < 1:
            break
        streak += 1
    return streak


@dataclass(frozen=True)
class _Verdict:
    scenario: str
    confidence: Confidence
    why: str
    evidence: dict[str, Any]


def _running_verdict(
    ctx: CheckContext, inst: Mapping[str, Any], params: UnusedInstanceIpParams
) -> _Verdict | None:
    """Why a running instance's addresses serve nothing (failing checks, no or little traffic), if so."""
    iid = str(inst["InstanceId"])
    queries = unused_instance_queries(params)
    net_in, net_out, status = (ctx.metric(q, iid) for q in queries)
    metrics = metrics_evidence(queries, [net_in, net_out, status])
    streak = _failed_streak(status, ctx.now)
    if streak >= params.min_failed_days:
        high = streak >= params.high_confidence_failed_days
        return _Verdict(
            "eip_on_failed_instance",
            Confidence.HIGH if high else Confidence.MEDIUM,
            f"has failed its status checks all day on each of the last {whole_days(streak)}",
            {"failed_days": streak, "metrics": metrics},
        )
    running = age_days(inst.get("LaunchTime"), ctx.now)  # LaunchTime is the last start
    if net_in is None or net_out is None or running is None or running < params.window_days:
        return None  # no traffic data, or not running for the whole window: unknown
    days = min(len(net_in.values), len(net_out.values))
    if days < COVERAGE * params.window_days:
        return None
    total = net_in.total + net_out.total
    evidence = {
        "network_bytes": total,
        "network_in_bytes": net_in.total,
        "network_out_bytes": net_out.total,
        "window_days": params.window_days,
        "datapoints": days,
        "running_days": round(running, 1),
        "metrics": metrics,
    }
    moved = f"moved {_size(total)} over the network in the last {whole_days(params.window_days)}"
    if total <= params.idle_bytes:
        return _Verdict("idle_eip", Confidence.HIGH, moved, evidence)
    if total < params.low_traffic_bytes:
        return _Verdict("low_traffic_eip", Confidence.MEDIUM, moved, evidence)
    return None


def _size(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


@check(
    id="aws.ec2.public_ip_on_unused_instance",
    title="Public IPv4 address of an instance that is stopped, failing or carries almost no traffic",
    resource_type="elastic_ip",
    severity=Severity.LOW,
    needs=["ec2:instances", "ec2:addresses", "ec2:network_interfaces"],
    params=UnusedInstanceIpParams,
    klass="idle",
    metrics=unused_instance_queries,
    rationale="""
        Every public IPv4 address costs $0.005 an hour (about $3.65 a month), including an instance's
        auto-assigned one, and an address pays for nothing when its instance serves nothing. Variants, in
        this order: `associated_stopped_instance`, an Elastic IP of an instance stopped at least
        `min_stopped_days` (medium, high from `high_confidence_stopped_days`), with the stop date from
        StateTransitionReason, never LaunchTime, and Auto Scaling warm-pool instances skipped
        (auto-assigned addresses are released on stop and cost nothing then); `eip_on_failed_instance`, a
        running instance whose status check failed all day (daily Minimum of `StatusCheckFailed` = 1) on
        each of its latest `min_failed_days` days (high from `high_confidence_failed_days`; the original's
        "7 failed minutes in 30 days" flags healthy instances after one blip); `idle_eip`, a running
        instance that sent and received at most `idle_bytes` over `window_days` (high), and
        `low_traffic_eip`, under `low_traffic_bytes` (medium). NetworkIn/Out count every interface, private
        traffic included, so they bound what the public address carries from above. Missing or partial
        data (under 90 % of the window's days, or an instance running for less than the window) is
        unknown, never idle. Service-managed addresses, addresses on requester-managed interfaces and NAT
        gateways' addresses are never flagged. An Elastic IP of a stopped instance is also in
        `aws.ec2.stopped_instance`'s cost; totals count it once.
    """,
    recommendation=(
        "If nothing needs to reach the instance at this address, release it (" + IRREVERSIBLE + "): "
        "aws ec2 disassociate-address --association-id <association-id> && "
        "aws ec2 release-address --allocation-id <id>"
    ),
    covers_original=[
        "aws:elastic_ip_unassociated/associated_stopped_instance",
        "aws:elastic_ip_idle/idle_eip",
        "aws:elastic_ip_low_traffic/low_traffic_eip",
        "aws:elastic_ip_on_failed_instance/eip_on_failed_instance",
    ],
)
def public_ip_on_unused_instance(ctx: CheckContext, params: UnusedInstanceIpParams) -> Iterator[Hit]:
    """Public IPv4 addresses of instances stopped, failing their status checks, idle or nearly idle."""
    addresses = ctx.get("ec2:addresses")
    interfaces = {str(n["NetworkInterfaceId"]): n for n in ctx.get("ec2:network_interfaces")}
    for inst in ctx.get("ec2:instances"):
        state = (inst.get("State") or {}).get("Name")
        iid = str(inst["InstanceId"])
        ips = instance_addresses(inst, addresses, interfaces)
        if state == "stopped":
            ips = [p for p in ips if p.address is not None]
            stop = stopped_for(inst, ctx.now)
            if not ips or stop is None or auto_scaling_group(inst) or stop[1] < params.min_stopped_days:
                continue
            since, days = stop
            high = days >= params.high_confidence_stopped_days
            verdict = _Verdict(
                "associated_stopped_instance",
                Confidence.HIGH if high else Confidence.MEDIUM,
                f"has been stopped for {whole_days(days)}",
                {"stopped_since": since.isoformat(), "stopped_days": round(days, 1)},
            )
        elif state == "running" and ips:
            found = _running_verdict(ctx, inst, params)
            if found is None:
                continue
            verdict = found
        else:
            continue
        for ip in ips:
            if verdict.scenario == "eip_on_failed_instance":
                advice = f"Repair the instance (aws ec2 reboot-instances --instance-ids {iid}) or, if it is "
                advice += "abandoned, stop paying for the address"
            else:
                advice = "If nothing needs to reach the instance at this address, stop paying for it"
            note = f" ({IRREVERSIBLE})" if ip.address is not None else ""
            yield Hit(
                resource=ip.resource(ctx),
                reason=f"{ip.label[0].upper()}{ip.label[1:]} is on instance {iid}, which {verdict.why}.",
                cost=ip.cost(ctx),
                evidence={
                    "scenario": verdict.scenario,
                    "public_ip": ip.ip,
                    "elastic": ip.address is not None,
                    "allocation_id": (ip.address or {}).get("AllocationId"),
                    "association_id": (ip.address or {}).get("AssociationId"),
                    "network_interface_id": ip.eni,
                    "instance_id": iid,
                    "instance_state": state,
                    "instance_type": inst.get("InstanceType"),
                    "launch_time": iso(inst.get("LaunchTime")),
                }
                | verdict.evidence,
                confidence=verdict.confidence,
                recommendation=f"{advice}{note}: {ip.release()}",
            )


# --- aws.ec2.multiple_eips_per_instance ----------------------------------------------------------


class MultipleEipsParams(BaseModel):
    """Parameters of ``aws.ec2.multiple_eips_per_instance``."""

    max_eips_per_instance: int = Field(
        1, ge=1, description="Elastic IPs an instance may hold before the extra ones are flagged."
    )
    allow_tag_words: list[str] = Field(
        default_factory=lambda: list(HA_TAG_WORDS),
        description="Instances with a tag key or value equal to one of these words (e.g. ha, failover) "
        "hold several addresses by design and are skipped.",
    )


def _allowed(inst: Mapping[str, Any], words: list[str]) -> str | None:
    wanted = {w.lower() for w in words}
    for key, value in aws_tags(inst).items():
        for text in (key, value):
            parts = {text.lower(), *text.lower().replace("_", "-").replace(",", " ").split()}
            if parts & wanted:
                return f"{key}={value}"
    return None


@check(
    id="aws.ec2.multiple_eips_per_instance",
    title="Instance holding more Elastic IPs than it needs",
    resource_type="elastic_ip",
    severity=Severity.LOW,
    needs=["ec2:instances", "ec2:addresses", "ec2:network_interfaces"],
    params=MultipleEipsParams,
    klass="policy",
    rationale="""
        Each Elastic IP is billed $0.005 an hour whether or not traffic uses it, and most instances need
        one public address at most. For a running or stopped instance with more than
        `max_eips_per_instance` Elastic IPs, the addresses beyond the first are flagged: the first kept is
        the one on the primary private IP of the primary interface (the instance's public IP), then by
        allocation id. Instances tagged for high availability or multiple interfaces
        (`allow_tag_words`: ha, failover, floating-ip, multi-nic...) are skipped; extras on a second
        interface (appliances, firewalls, mail servers with one address per interface) get low confidence,
        extras on the same interface medium: several addresses on one interface are sometimes deliberate
        (several TLS sites on old clients), and the API says nothing of intent. Service-managed addresses
        and requester-managed interfaces are never flagged.
    """,
    recommendation=(
        "If nothing uses the extra address, disassociate and release it (" + IRREVERSIBLE + "): "
        "aws ec2 disassociate-address --association-id <association-id> && "
        "aws ec2 release-address --allocation-id <id>"
    ),
    covers_original=["aws:elastic_ip_multiple_per_instance/additional_eip_per_instance"],
)
def multiple_eips_per_instance(ctx: CheckContext, params: MultipleEipsParams) -> Iterator[Hit]:
    """Elastic IPs beyond ``max_eips_per_instance`` on one instance, unless it is tagged for HA."""
    addresses = ctx.get("ec2:addresses")
    interfaces = {str(n["NetworkInterfaceId"]): n for n in ctx.get("ec2:network_interfaces")}
    for inst in ctx.get("ec2:instances"):
        if (inst.get("State") or {}).get("Name") not in ("running", "stopped", "stopping", "pending"):
            continue
        eips = [p for p in instance_addresses(inst, addresses, interfaces) if p.address is not None]
        if len(eips) <= params.max_eips_per_instance or _allowed(inst, params.allow_tag_words):
            continue
        primary_ip = inst.get("PublicIpAddress")
        eips.sort(key=lambda p: (p.ip != primary_ip, address_id(p.address or {})))
        kept = eips[: params.max_eips_per_instance]
        kept_enis = {p.eni for p in kept}
        iid = str(inst["InstanceId"])
        for ip in eips[params.max_eips_per_instance :]:
            other_nic = ip.eni not in kept_enis
            yield Hit(
                resource=ip.resource(ctx),
                reason=f"{ip.label} is one of {len(eips)} Elastic IPs on instance {iid}, which keeps "
                f"{', '.join(p.ip for p in kept)}"
                + (" on another network interface." if other_nic else " on the same network interface."),
                cost=ip.cost(ctx),
                evidence={
                    "scenario": "additional_eip_per_instance",
                    "public_ip": ip.ip,
                    "allocation_id": (ip.address or {}).get("AllocationId"),
                    "network_interface_id": ip.eni,
                    "instance_id": iid,
                    "instance_state": (inst.get("State") or {}).get("Name"),
                    "elastic_ips_on_instance": [p.ip for p in eips],
                    "kept": [p.ip for p in kept],
                    "other_interface": other_nic,
                    "max_eips_per_instance": params.max_eips_per_instance,
                },
                confidence=Confidence.LOW if other_nic else Confidence.MEDIUM,
                recommendation=(
                    f"If nothing uses {ip.ip}, stop paying for it ({IRREVERSIBLE}): {ip.release()}"
                ),
            )
