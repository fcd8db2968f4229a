"""EC2 checks: Elastic IPs that serve nothing, instances stopped for a long time."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import (
    auto_scaling_group,
    ec2_arn,
    iso,
    resource,
    stopped_for,
    volume_cost,
    whole_days,
)
from cloudwaste.checks.context import CheckContext, Hit, age_days
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, Money, Severity
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
        tagged by an Auto Scaling group are skipped: warm pools keep instances stopped by design. The
        cost is the instance's volumes (those not shared with another instance through Multi-Attach)
        plus its Elastic IPs; the finding lists them in `cost_includes` so totals count them once.
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
        if stop is None or auto_scaling_group(inst):
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
