"""Load balancer checks: ALBs and NLBs with no registered targets, Classic ones with no instances."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import iso, partition, resource, whole_days
from cloudwaste.checks.context import CheckContext, Hit, age_days
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Money, Severity
from cloudwaste.pricing.aws import add, public_ipv4_monthly, with_note

DELETE_ADVICE = "Delete it if no DNS record or client points at it"
RUNNING_STATES = ("active", "active_impaired")  # both are billed; provisioning and failed ones are not judged
NO_PUBLIC_IPV4 = "dualstack-without-public-ipv4"  # an internet-facing ALB reached over IPv6 only


class LbAgeParams(BaseModel):
    """Parameters of ``aws.elb.alb_no_targets``, ``aws.elb.nlb_no_targets``, ``aws.elb.clb_no_instances``."""

    min_age_days: int = Field(
        7, ge=0, description="Only flag load balancers created at least this many days ago."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Load balancers at least this many days old are reported with high confidence."
    )


def _target_groups_by_lb(groups: list[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    by_lb: dict[str, list[Mapping[str, Any]]] = {}
    for group in groups:
        for arn in group.get("LoadBalancerArns") or []:
            by_lb.setdefault(str(arn), []).append(group)
    return by_lb


def public_ipv4_addresses(lb: Mapping[str, Any]) -> tuple[int, list[str]]:
    """(public IPv4 addresses an elbv2 load balancer pays for, allocation ids of its Elastic IPs).

    An internet-facing one has a public IPv4 address in each of its Availability Zones; an NLB zone
    given an Elastic IP (``LoadBalancerAddresses[].AllocationId``) uses that address, counted once.
    Internal ones, and ALBs of IP address type ``dualstack-without-public-ipv4``, have none.
    """
    if lb.get("Scheme") != "internet-facing" or lb.get("IpAddressType") == NO_PUBLIC_IPV4:
        return 0, []
    count, allocations = 0, []
    for zone in lb.get("AvailabilityZones") or []:
        eips = [
            str(a["AllocationId"]) for a in zone.get("LoadBalancerAddresses") or [] if a.get("AllocationId")
        ]
        allocations += eips
        count += len(eips) or 1
    return count, allocations


def _elbv2_cost(
    ctx: CheckContext, lb: Mapping[str, Any], label: str, price_key: str
) -> tuple[Money, list[str]]:
    """Hourly charge + public IPv4 of an internet-facing load balancer; (money, EIP allocation ids)."""
    hourly = ctx.prices.monthly(price_key, ctx.region, what=label)
    count, allocations = public_ipv4_addresses(lb)
    excluded = f"{'LCU' if lb.get('Type') == 'application' else 'NLCU'} (traffic) charges excluded"
    if not count:
        if lb.get("Scheme") != "internet-facing":
            why = "internal: no public IPv4"
        elif lb.get("IpAddressType") == NO_PUBLIC_IPV4:
            why = f"{NO_PUBLIC_IPV4}: no public IPv4"
        else:
            why = "no Availability Zone listed: public IPv4 not counted"
        return with_note(hourly, f"hourly charge only ({why}); {excluded}"), []
    zones = len(lb.get("AvailabilityZones") or [])
    least = "at least " if lb.get("Type") == "application" else ""
    note = (
        f"hourly charge + public IPv4: internet-facing, {least}one address per Availability Zone "
        f"({zones} zone{'s' if zones != 1 else ''})"
    )
    if least:
        note += ", more as the ALB scales"
    if allocations:
        note += f"; its Elastic IPs ({', '.join(allocations)}) are among these addresses, counted once"
    money = with_note(add([hourly, public_ipv4_monthly(ctx.prices, ctx.region, count)]), note)
    return with_note(money, excluded), allocations


def _no_targets(
    ctx: CheckContext, params: LbAgeParams, lb_type: str, label: str, price_key: str
) -> Iterator[Hit]:
    """elbv2 load balancers of ``lb_type`` none of whose target groups has a registered target."""
    groups = _target_groups_by_lb(ctx.get("elbv2:target_groups"))
    for lb in ctx.get("elbv2:load_balancers"):
        if lb.get("Type") != lb_type or (lb.get("State") or {}).get("Code") not in RUNNING_STATES:
            continue
        age = age_days(lb.get("CreatedTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        arn = str(lb["LoadBalancerArn"])
        attached = groups.get(arn, [])
        if any("TargetHealthDescriptions" not in g for g in attached):
            continue  # target health not collected for a group: unknown, not empty
        if sum(len(g["TargetHealthDescriptions"]) for g in attached):
            continue
        name = str(lb.get("LoadBalancerName") or arn.rsplit("/", 2)[-2])
        if attached:
            where = f"in its {len(attached)} target group{'s' if len(attached) != 1 else ''}"
            confidence = Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM
        elif lb_type == "application":
            # listeners that only redirect or return fixed responses need no target group
            where = "and no target group"
            confidence = Confidence.LOW
        else:
            where = "and no target group"
            confidence = Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM
        cost, allocations = _elbv2_cost(ctx, lb, label, price_key)
        addresses, _ = public_ipv4_addresses(lb)
        yield Hit(
            resource=resource(
                lb, rid=name, rtype=f"{lb_type}_load_balancer", arn=arn, created=lb.get("CreatedTime")
            ),
            reason=f"{label} {name} has no registered targets {where} and was created {whole_days(age)} ago.",
            cost=cost,
            evidence={
                "type": lb_type,
                "state": (lb.get("State") or {}).get("Code"),
                "scheme": lb.get("Scheme"),
                "ip_address_type": lb.get("IpAddressType"),
                "availability_zones": [z.get("ZoneName") for z in lb.get("AvailabilityZones") or []],
                "public_ipv4_addresses": addresses,
                "elastic_ip_allocations": allocations,
                "dns_name": lb.get("DNSName"),
                "age_days": round(age, 1),
                "created_at": iso(lb.get("CreatedTime")),
                "target_groups": [g.get("TargetGroupArn") for g in attached],
                "registered_targets": 0,
            },
            confidence=confidence,
            recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn {arn}",
            cost_includes=tuple(allocations),
        )


@check(
    id="aws.elb.alb_no_targets",
    title="Application Load Balancer with no registered targets",
    resource_type="application_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:target_groups"],
    params=LbAgeParams,
    klass="orphan",
    rationale="""
        An ALB is billed every hour it exists, whether or not anything sits behind it. One that is
        active, at least `min_age_days` old, and none of whose target groups (those whose
        LoadBalancerArns name it) has a registered target, healthy or not, serves nothing; a Lambda
        function registered in a `lambda` target group counts as a target. An ALB with no target group
        at all is reported with low confidence, because listeners that only redirect (HTTP to HTTPS) or
        return fixed responses need none, and listener rules are not read yet. The cost is the hourly
        charge plus, for an internet-facing ALB, the public IPv4 addresses it pays for (at least one per
        Availability Zone; none for `dualstack-without-public-ipv4`); LCU charges depend on traffic and
        are excluded.
    """,
    recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn <arn>",
    covers_original=["aws:load_balancer/no_healthy_targets", "aws:load_balancer/no_target_groups"],
    covers_peers=["aws.elb.alb_no_targets"],
)
def alb_no_targets(ctx: CheckContext, params: LbAgeParams) -> Iterator[Hit]:
    """Active ALBs whose target groups have no registered target."""
    yield from _no_targets(ctx, params, "application", "Application Load Balancer", "elb.application.hour")


@check(
    id="aws.elb.nlb_no_targets",
    title="Network Load Balancer with no registered targets",
    resource_type="network_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:target_groups"],
    params=LbAgeParams,
    klass="orphan",
    rationale="""
        An NLB is billed every hour it exists. One that is active, at least `min_age_days` old, and none
        of whose target groups has a registered target (instances, IPs, or an ALB in an `alb` target
        group), healthy or not, forwards nothing: NLB listeners can only forward to target groups. The
        cost is the hourly charge plus, for an internet-facing NLB, one public IPv4 address per
        Availability Zone (a zone's Elastic IP is that address: it is counted once and listed in
        `cost_includes`); NLCU charges depend on traffic and are excluded. Gateway Load Balancers are
        out of scope for now.
    """,
    recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn <arn>",
    covers_original=["aws:load_balancer/no_healthy_targets", "aws:load_balancer/no_target_groups"],
    covers_peers=["aws.elb.nlb_no_targets"],
)
def nlb_no_targets(ctx: CheckContext, params: LbAgeParams) -> Iterator[Hit]:
    """Active NLBs whose target groups have no registered target."""
    yield from _no_targets(ctx, params, "network", "Network Load Balancer", "elb.network.hour")


@check(
    id="aws.elb.clb_no_instances",
    title="Classic Load Balancer with no registered instances",
    resource_type="classic_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elb:load_balancers"],
    params=LbAgeParams,
    klass="orphan",
    rationale="""
        A Classic Load Balancer is billed every hour it exists, and one with no registered instances
        (`Instances` is empty) can only answer with errors. It is flagged once it is `min_age_days` old, so
        one being set up is left alone. The cost is the hourly charge plus, for an internet-facing one,
        at least one public IPv4 address per Availability Zone; the per-GB data charge is excluded.
        Classic Load Balancers are a previous generation: if it is still needed, move to an ALB or NLB.
    """,
    recommendation=f"{DELETE_ADVICE}: aws elb delete-load-balancer --load-balancer-name <id>",
    covers_original=["aws:load_balancer/no_healthy_targets"],
    covers_peers=["aws.elb.clb_no_instances"],
)
def clb_no_instances(ctx: CheckContext, params: LbAgeParams) -> Iterator[Hit]:
    """Classic load balancers with no instances, at least ``min_age_days`` old."""
    for lb in ctx.get("elb:load_balancers"):
        if lb.get("Instances"):
            continue
        age = age_days(lb.get("CreatedTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        name = str(lb["LoadBalancerName"])
        arn = (
            f"arn:{partition(ctx.region)}:elasticloadbalancing:{ctx.region}:{ctx.account}:loadbalancer/{name}"
        )
        hourly = ctx.prices.monthly("elb.classic.hour", ctx.region, what="Classic Load Balancer")
        zones = list(lb.get("AvailabilityZones") or [])
        if lb.get("Scheme") == "internet-facing" and zones:
            # AWS charges the public IPv4 addresses ELB manages; at least one per enabled zone
            cost = add([hourly, public_ipv4_monthly(ctx.prices, ctx.region, len(zones))])
            note = (
                f"hourly charge + public IPv4: internet-facing, >= 1 address per zone ({len(zones)}); "
                "data processed ($/GB) excluded"
            )
        else:
            cost, note = hourly, "hourly charge only; data processed ($/GB) excluded"
        yield Hit(
            resource=resource(
                lb, rid=name, rtype="classic_load_balancer", arn=arn, created=lb.get("CreatedTime")
            ),
            reason=f"Classic Load Balancer {name} has no registered instances and was created "
            f"{whole_days(age)} ago.",
            cost=with_note(cost, note),
            evidence={
                "instances": 0,
                "scheme": lb.get("Scheme"),
                "availability_zones": zones,
                "dns_name": lb.get("DNSName"),
                "listeners": len(lb.get("ListenerDescriptions") or []),
                "age_days": round(age, 1),
                "created_at": iso(lb.get("CreatedTime")),
            },
            confidence=Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM,
        )
