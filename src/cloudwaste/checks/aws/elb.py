"""Load balancer checks: no targets, no listener or no open port, idle, off-hours only, a Classic one
that would cost less as an ALB or NLB, NLB cross-zone data charges.

CloudWatch publishes most load balancer metrics only while traffic flows, so an absent series is not
proof of zero. Each type has a metric documented as always reported (ALB and GWLB ``ConsumedLCUs``,
NLB ``ActiveFlowCount``, CLB ``HealthyHostCount``): when it has datapoints, CloudWatch is reporting
for the load balancer and a missing request or flow series means none; without it, traffic is unknown.
Metric dimensions: ``LoadBalancer`` = the ARN's ``app/<name>/<id>`` part (the collector adds it to each
item as ``LoadBalancerFullName``, CloudFormation's name for it), ``LoadBalancerName`` for Classic ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import iso, partition, resource, whole_days
from cloudwaste.checks.aws._compute import nonprod_tag, weakest
from cloudwaste.checks.aws._usage import HoursParams, daily, off_hours_share, profile, working_week
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries, age_days, aws_tags
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity
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


LABELS = {
    "application": "Application Load Balancer",
    "network": "Network Load Balancer",
    "gateway": "Gateway Load Balancer",
}
HOURLY_KEYS = {
    "application": "elb.application.hour",
    "network": "elb.network.hour",
    "gateway": "elb.gateway.hour",
}
CAPACITY_UNITS = {"application": "LCU", "network": "NLCU", "gateway": "GLCU"}


def lb_name(lb: Mapping[str, Any]) -> str:
    """The name of an elbv2 load balancer (from its ARN if the item lacks it)."""
    return str(lb.get("LoadBalancerName") or str(lb["LoadBalancerArn"]).rsplit("/", 2)[-2])


def lb_full_name(arn: str) -> str:
    """The ``LoadBalancer`` metric dimension: ``app/<name>/<id>`` from an elbv2 ARN."""
    return arn.split(":loadbalancer/", 1)[-1]


def clb_arn(ctx: CheckContext, name: str) -> str:
    """The ARN of a Classic Load Balancer (DescribeLoadBalancers does not return it)."""
    return f"arn:{partition(ctx.region)}:elasticloadbalancing:{ctx.region}:{ctx.account}:loadbalancer/{name}"


def lb_group(arn: str) -> str:
    """Findings about one load balancer overlap: totals charge the largest once."""
    return f"lb:{arn}"


def _running(lb: Mapping[str, Any]) -> bool:
    return (lb.get("State") or {}).get("Code") in RUNNING_STATES


def elbv2_cost(ctx: CheckContext, lb: Mapping[str, Any]) -> tuple[Money, list[str]]:
    """Hourly charge + public IPv4 of an elbv2 load balancer; (money, its EIP allocation ids)."""
    lb_type = str(lb.get("Type") or "application")
    label = LABELS.get(lb_type, "load balancer")
    key = HOURLY_KEYS.get(lb_type)
    if key is None:
        return Money.unknown(detail=f"no price for load balancer type {lb_type!r}"), []
    hourly = ctx.prices.monthly(key, ctx.region, what=label)
    count, allocations = public_ipv4_addresses(lb)
    excluded = f"{CAPACITY_UNITS.get(lb_type, 'LCU')} (traffic) charges excluded"
    if not count:
        if lb.get("Scheme") != "internet-facing":
            why = "internal: no public IPv4"
        elif lb.get("IpAddressType") == NO_PUBLIC_IPV4:
            why = f"{NO_PUBLIC_IPV4}: no public IPv4"
        else:
            why = "no Availability Zone listed: public IPv4 not counted"
        return with_note(hourly, f"hourly charge only ({why}); {excluded}"), []
    zones = len(lb.get("AvailabilityZones") or [])
    least = "at least " if lb_type == "application" else ""
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


def clb_cost(ctx: CheckContext, lb: Mapping[str, Any]) -> Money:
    """Hourly charge + public IPv4 of a Classic Load Balancer (data processed excluded)."""
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
    return with_note(cost, note)


def listeners_by_lb(listeners: list[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """DescribeListeners items grouped by their load balancer's ARN."""
    by_lb: dict[str, list[Mapping[str, Any]]] = {}
    for listener in listeners:
        by_lb.setdefault(str(listener.get("LoadBalancerArn")), []).append(listener)
    return by_lb


def _lb_resource(lb: Mapping[str, Any]) -> Resource:
    lb_type = str(lb.get("Type") or "application")
    return resource(
        lb,
        rid=lb_name(lb),
        rtype=f"{lb_type}_load_balancer",
        arn=str(lb["LoadBalancerArn"]),
        created=lb.get("CreatedTime"),
    )


def _clb_resource(ctx: CheckContext, lb: Mapping[str, Any]) -> Resource:
    name = str(lb["LoadBalancerName"])
    return resource(
        lb, rid=name, rtype="classic_load_balancer", arn=clb_arn(ctx, name), created=lb.get("CreatedTime")
    )


def _lb_evidence(lb: Mapping[str, Any], age: float) -> dict[str, Any]:
    addresses, allocations = public_ipv4_addresses(lb)
    return {
        "type": lb.get("Type"),
        "state": (lb.get("State") or {}).get("Code"),
        "scheme": lb.get("Scheme"),
        "ip_address_type": lb.get("IpAddressType"),
        "availability_zones": [z.get("ZoneName") for z in lb.get("AvailabilityZones") or []],
        "public_ipv4_addresses": addresses,
        "elastic_ip_allocations": allocations,
        "dns_name": lb.get("DNSName"),
        "age_days": round(age, 1),
        "created_at": iso(lb.get("CreatedTime")),
    }


def _delete_elbv2(arn: str) -> str:
    return f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn {arn}"


def _delete_clb(name: str) -> str:
    return f"{DELETE_ADVICE}: aws elb delete-load-balancer --load-balancer-name {name}"


# --- aws.elb.alb_no_targets / nlb_no_targets / gwlb_no_targets -------------------------------------


def _no_targets(ctx: CheckContext, params: LbAgeParams, lb_type: str) -> Iterator[Hit]:
    """elbv2 load balancers of ``lb_type`` with listeners but no working target behind them."""
    label = LABELS[lb_type]
    groups = _target_groups_by_lb(ctx.get("elbv2:target_groups"))
    listeners = listeners_by_lb(ctx.get("elbv2:listeners"))
    for lb in ctx.get("elbv2:load_balancers"):
        if lb.get("Type") != lb_type or not _running(lb):
            continue
        age = age_days(lb.get("CreatedTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        arn = str(lb["LoadBalancerArn"])
        own = listeners.get(arn, [])
        if not own:
            continue  # no listener at all: aws.elb.unreachable_load_balancer reports it
        attached = groups.get(arn, [])
        if any("TargetHealthDescriptions" not in g for g in attached):
            continue  # target health not collected for a group: unknown, not empty
        targets = [t for g in attached for t in g["TargetHealthDescriptions"]]
        states = Counter(str((t.get("TargetHealth") or {}).get("State")) for t in targets)
        name = lb_name(lb)
        old = age >= params.high_confidence_days
        if targets:
            if set(states) != {"unhealthy"}:
                continue
            # all unhealthy right now; the API gives no duration, and an ALB/NLB whose targets are all
            # unhealthy routes to all of them anyway (fails open)
            scenario, confidence = "unhealthy_long_term", Confidence.LOW
            where = f"has {len(targets)} registered target{'s' if len(targets) != 1 else ''}, all unhealthy,"
        elif attached:
            scenario = "no_healthy_targets"
            confidence = Confidence.HIGH if old else Confidence.MEDIUM
            plural = "s" if len(attached) != 1 else ""
            where = f"has no registered targets in its {len(attached)} target group{plural}"
        else:
            scenario = "no_target_groups"
            actions = sorted(
                {str(a.get("Type")) for listener in own for a in listener.get("DefaultActions") or []}
            )
            # an ALB whose listeners only redirect or return fixed responses needs no target group
            confidence = (
                Confidence.LOW if lb_type == "application" else Confidence.HIGH if old else Confidence.MEDIUM
            )
            where = "has no registered targets and no target group"
            if lb_type == "application" and actions and set(actions) <= {"redirect", "fixed-response"}:
                where += f" (its listeners only {' / '.join(actions)})"
        cost, allocations = elbv2_cost(ctx, lb)
        yield Hit(
            resource=_lb_resource(lb),
            reason=f"{label} {name} {where} and was created {whole_days(age)} ago.",
            cost=cost,
            evidence=_lb_evidence(lb, age)
            | {
                "listeners": len(own),
                "target_groups": [g.get("TargetGroupArn") for g in attached],
                "registered_targets": len(targets),
                "target_states": dict(states),
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=(
                "Remove the Gateway Load Balancer endpoints and routes that use it, then: "
                f"aws elbv2 delete-load-balancer --load-balancer-arn {arn}"
                if lb_type == "gateway"
                else _delete_elbv2(arn)
            ),
            cost_includes=tuple(allocations),
            cost_group=lb_group(arn),
        )


_NO_TARGETS_RATIONALE = """
    {what} A load balancer with no listener is left to aws.elb.unreachable_load_balancer. When targets are
    registered but all `unhealthy`, it is reported with low confidence (the original's
    `unhealthy_long_term`): DescribeTargetHealth gives no duration, and a load balancer whose targets are
    all unhealthy sends traffic to all of them anyway (fail open). The cost is the hourly charge plus,
    for an internet-facing one, the public IPv4 addresses it pays for; capacity-unit charges depend on
    traffic and are excluded.
"""


@check(
    id="aws.elb.alb_no_targets",
    title="Application Load Balancer with no registered targets",
    resource_type="application_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:target_groups", "elbv2:listeners"],
    params=LbAgeParams,
    klass="orphan",
    rationale=_NO_TARGETS_RATIONALE.format(
        what="""An ALB is billed every hour it exists, whether or not anything sits behind it. One that is
        active, at least `min_age_days` old, has listeners, and none of whose target groups (those whose
        LoadBalancerArns name it) has a registered target, healthy or not, serves nothing (a Lambda
        function in a `lambda` target group counts as a target). An ALB with no target group at all is
        reported with low confidence, because listeners that only redirect or return fixed responses
        need none (their action types are in the reason)."""
    ),
    recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn <arn>",
    covers_original=[
        "aws:load_balancer/no_healthy_targets",
        "aws:load_balancer/no_target_groups",
        "aws:load_balancer/unhealthy_long_term",
    ],
    covers_peers=["aws.elb.alb_no_targets"],
)
def alb_no_targets(ctx: CheckContext, params: LbAgeParams) -> Iterator[Hit]:
    """Active ALBs whose target groups have no registered (or no healthy) target."""
    yield from _no_targets(ctx, params, "application")


@check(
    id="aws.elb.nlb_no_targets",
    title="Network Load Balancer with no registered targets",
    resource_type="network_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:target_groups", "elbv2:listeners"],
    params=LbAgeParams,
    klass="orphan",
    rationale=_NO_TARGETS_RATIONALE.format(
        what="""An NLB is billed every hour it exists. One that is active, at least `min_age_days` old, has
        listeners, and none of whose target groups has a registered target (instances, IPs, or an ALB in
        an `alb` target group), healthy or not, forwards nothing: NLB listeners can only forward to
        target groups. A zone's Elastic IP is one of its public IPv4 addresses: counted once and listed
        in `cost_includes`."""
    ),
    recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn <arn>",
    covers_original=[
        "aws:load_balancer/no_healthy_targets",
        "aws:load_balancer/no_target_groups",
        "aws:load_balancer/unhealthy_long_term",
    ],
    covers_peers=["aws.elb.nlb_no_targets"],
)
def nlb_no_targets(ctx: CheckContext, params: LbAgeParams) -> Iterator[Hit]:
    """Active NLBs whose target groups have no registered (or no healthy) target."""
    yield from _no_targets(ctx, params, "network")


@check(
    id="aws.elb.gwlb_no_targets",
    title="Gateway Load Balancer with no registered appliances",
    resource_type="gateway_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:target_groups", "elbv2:listeners"],
    params=LbAgeParams,
    klass="orphan",
    rationale=_NO_TARGETS_RATIONALE.format(
        what="""A Gateway Load Balancer is billed every hour it exists. One that is active, at least
        `min_age_days` old, has a listener, and none of whose GENEVE target groups has a registered
        appliance, healthy or not, inspects nothing. Gateway Load Balancers have no public IPv4
        address."""
    ),
    recommendation=(
        "Remove the Gateway Load Balancer endpoints and routes that use it, then delete it: "
        "aws elbv2 delete-load-balancer --load-balancer-arn <arn>"
    ),
    covers_original=["aws:load_balancer/no_healthy_targets", "aws:load_balancer/no_target_groups"],
    covers_peers=["aws.elb.gwlb_no_targets"],
)
def gwlb_no_targets(ctx: CheckContext, params: LbAgeParams) -> Iterator[Hit]:
    """Active Gateway Load Balancers whose target groups have no registered appliance."""
    yield from _no_targets(ctx, params, "gateway")


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
        zones = list(lb.get("AvailabilityZones") or [])
        yield Hit(
            resource=_clb_resource(ctx, lb),
            reason=f"Classic Load Balancer {name} has no registered instances and was created "
            f"{whole_days(age)} ago.",
            cost=clb_cost(ctx, lb),
            evidence={
                "instances": 0,
                "scheme": lb.get("Scheme"),
                "availability_zones": zones,
                "dns_name": lb.get("DNSName"),
                "listeners": len(lb.get("ListenerDescriptions") or []),
                "age_days": round(age, 1),
                "created_at": iso(lb.get("CreatedTime")),
                "scenario": "no_healthy_targets",
            },
            confidence=Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM,
            cost_group=lb_group(clb_arn(ctx, name)),
        )


# --- aws.elb.unreachable_load_balancer -----------------------------------------------------------------

IP_PROTOCOLS = {
    "HTTP": ("tcp",),
    "HTTPS": ("tcp",),
    "TCP": ("tcp",),
    "TLS": ("tcp",),
    "SSL": ("tcp",),
    "UDP": ("udp",),
    "TCP_UDP": ("tcp", "udp"),
}


def admits(group: Mapping[str, Any], protocol: str, port: int) -> bool:
    """Whether a security group has an inbound rule (from any source) for ``protocol``/``port``."""
    for perm in group.get("IpPermissions") or []:
        proto = str(perm.get("IpProtocol"))
        if proto == "-1":
            return True
        if (
            proto.lower() != protocol
            and not (protocol == "tcp" and proto == "6")
            and not (protocol == "udp" and proto == "17")
        ):
            continue
        low, high = perm.get("FromPort"), perm.get("ToPort")
        if low is None or low == -1 or int(low) <= port <= int(high if high is not None else low):
            return True
    return False


def _listener_ports(lb: Mapping[str, Any], own: list[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """(IP protocol, port) pairs the load balancer listens on (elbv2 listeners or CLB descriptions)."""
    pairs: list[tuple[str, int]] = []
    if "ListenerDescriptions" in lb:
        for desc in lb.get("ListenerDescriptions") or []:
            listener = desc.get("Listener") or {}
            for proto in IP_PROTOCOLS.get(str(listener.get("Protocol", "")).upper(), ("tcp",)):
                pairs.append((proto, int(listener.get("LoadBalancerPort") or 0)))
        return pairs
    for listener in own:
        for proto in IP_PROTOCOLS.get(str(listener.get("Protocol", "")).upper(), ()):
            pairs.append((proto, int(listener.get("Port") or 0)))
    return pairs


class UnreachableParams(LbAgeParams):
    """Parameters of ``aws.elb.unreachable_load_balancer``."""


@check(
    id="aws.elb.unreachable_load_balancer",
    title="Load balancer with no listener, or whose security groups admit no listener port",
    resource_type="load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:listeners", "elb:load_balancers", "ec2:security_groups"],
    params=UnreachableParams,
    klass="orphan",
    rationale="""
        A load balancer receives traffic only on its listeners, and only what its security groups let
        in. One (ALB, NLB, Gateway or Classic) at least `min_age_days` old with no listener at all is
        reported (`no_listeners`; high confidence from `high_confidence_days`). One with listeners and
        security groups none of whose inbound rules admits any listener's protocol and port is reported
        too (`sg_blocks_traffic`): the original only checked for groups with no inbound rule at all, and
        missed rules for other ports. A group missing from DescribeSecurityGroups makes it unknown; an
        NLB that does not enforce its groups on PrivateLink traffic
        (`EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic` = off) can still serve an endpoint
        service and is not judged by its groups; load balancers without security groups are not either.
    """,
    recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn <arn>",
    covers_original=["aws:load_balancer/no_listeners", "aws:load_balancer/sg_blocks_traffic"],
)
def unreachable_load_balancer(ctx: CheckContext, params: UnreachableParams) -> Iterator[Hit]:
    """Load balancers with no listener, or whose security groups admit none of their listener ports."""
    listeners = listeners_by_lb(ctx.get("elbv2:listeners"))
    groups = {str(g["GroupId"]): g for g in ctx.get("ec2:security_groups")}
    items: list[tuple[Mapping[str, Any], bool]] = [
        (lb, False) for lb in ctx.get("elbv2:load_balancers") if _running(lb)
    ]
    items += [(lb, True) for lb in ctx.get("elb:load_balancers")]
    for lb, classic in items:
        age = age_days(lb.get("CreatedTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        if classic:
            name = str(lb["LoadBalancerName"])
            arn, label, own = clb_arn(ctx, name), "Classic Load Balancer", []
            count = len(lb.get("ListenerDescriptions") or [])
        else:
            name, arn = lb_name(lb), str(lb["LoadBalancerArn"])
            label, own = LABELS.get(str(lb.get("Type")), "Load balancer"), listeners.get(arn, [])
            count = len(own)
        old = age >= params.high_confidence_days
        evidence: dict[str, Any] = {
            "type": "classic" if classic else lb.get("Type"),
            "scheme": lb.get("Scheme"),
            "listeners": count,
            "age_days": round(age, 1),
            "created_at": iso(lb.get("CreatedTime")),
            "dns_name": lb.get("DNSName"),
        }
        if count == 0:
            scenario = "no_listeners"
            confidence = Confidence.HIGH if old else Confidence.MEDIUM
            reason = (
                f"{label} {name} has no listener, so it accepts no traffic; it was created "
                f"{whole_days(age)} ago."
            )
        else:
            sg_ids = [str(g) for g in lb.get("SecurityGroups") or []]
            enforce = lb.get("EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic", "on")
            if not sg_ids or any(g not in groups for g in sg_ids) or enforce == "off":
                continue
            ports = _listener_ports(lb, own)
            if not ports or any(admits(groups[g], proto, port) for g in sg_ids for proto, port in ports):
                continue
            any_inbound = any(groups[g].get("IpPermissions") for g in sg_ids)
            scenario = "sg_blocks_traffic"
            confidence = (
                (Confidence.HIGH if old else Confidence.MEDIUM) if not any_inbound else Confidence.MEDIUM
            )
            listening = ", ".join(sorted({f"{p}/{n}" for p, n in ports}))
            what = (
                "have no inbound rule"
                if not any_inbound
                else f"admit none of its listener ports ({listening})"
            )
            reason = (
                f"{label} {name}'s security groups ({', '.join(sg_ids)}) {what}, so no client can reach it."
            )
            evidence |= {"security_groups": sg_ids, "listener_ports": listening}
        cost, allocations = (clb_cost(ctx, lb), []) if classic else elbv2_cost(ctx, lb)
        yield Hit(
            resource=_clb_resource(ctx, lb) if classic else _lb_resource(lb),
            reason=reason,
            cost=cost,
            evidence=evidence | {"scenario": scenario},
            confidence=confidence,
            recommendation=_delete_clb(name) if classic else _delete_elbv2(arn),
            cost_includes=tuple(allocations),
            cost_group=lb_group(arn),
        )


# --- metrics --------------------------------------------------------------------------------------

ELBV2_TYPES = ("application", "network", "gateway")
NAMESPACES = {
    "application": "AWS/ApplicationELB",
    "network": "AWS/NetworkELB",
    "gateway": "AWS/GatewayELB",
    "classic": "AWS/ELB",
}
# what counts as use, per type: requests (ALB, CLB; a CLB's TCP listeners count connections), new flows
TRAFFIC = {
    "application": "RequestCount",
    "network": "NewFlowCount",
    "gateway": "NewFlowCount",
    "classic": "RequestCount",
}
# a metric documented as always reported: its datapoints prove CloudWatch reports for the load balancer.
# A GWLB's ActiveFlowCount is published only when nonzero; its ConsumedLCUs is "Always reported"
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/cloudwatch-metrics.html), while an
# NLB's ActiveFlowCount is "Always reported" (.../network/load-balancer-cloudwatch-metrics.html).
HEARTBEAT = {
    "application": ("ConsumedLCUs", "Average"),
    "network": ("ActiveFlowCount", "Maximum"),
    "gateway": ("ConsumedLCUs", "Average"),
    "classic": ("HealthyHostCount", "Maximum"),
}
# concurrent flows of an NLB or GWLB: long-lived flows open no new ones
FLOWS = ("ActiveFlowCount", "Maximum")
BYTES = {
    "application": "ProcessedBytes",
    "network": "ProcessedBytes",
    "gateway": "ProcessedBytes",
    "classic": "EstimatedProcessedBytes",
}


def lb_query(kind: str, metric: str, stat: str, period_s: int, days: int) -> MetricQuery:
    """A per-load-balancer series of ``kind`` (an elbv2 type, or ``classic``); an elbv2 query skips
    load balancers of the other types (its ``state_field`` is ``Type``)."""
    if kind == "classic":
        return MetricQuery(
            NAMESPACES[kind],
            metric,
            "LoadBalancerName",
            "elb:load_balancers",
            "LoadBalancerName",
            stat,
            period_s,
            days,
        )
    return MetricQuery(
        namespace=NAMESPACES[kind],
        metric=metric,
        dimension="LoadBalancer",
        collection="elbv2:load_balancers",
        id_field="LoadBalancerFullName",
        stat=stat,
        period_s=period_s,
        days=days,
        skip_states=tuple(t for t in ELBV2_TYPES if t != kind),
        state_field="Type",
    )


def _kinds() -> tuple[str, ...]:
    return (*ELBV2_TYPES, "classic")


def _each_lb(
    ctx: CheckContext, min_age_days: float
) -> Iterator[tuple[str, Mapping[str, Any], str, str, float]]:
    """(kind, item, metric dimension value, ARN, age) of running load balancers at least
    ``min_age_days`` old that have a listener (those without are another check's)."""
    listeners = listeners_by_lb(ctx.get("elbv2:listeners"))
    for lb in ctx.get("elbv2:load_balancers"):
        kind = str(lb.get("Type"))
        arn = str(lb["LoadBalancerArn"])
        age = age_days(lb.get("CreatedTime"), ctx.now)
        if (
            kind in ELBV2_TYPES
            and _running(lb)
            and listeners.get(arn)
            and age is not None
            and age >= min_age_days
        ):
            yield kind, lb, lb_full_name(arn), arn, age
    for lb in ctx.get("elb:load_balancers"):
        age = age_days(lb.get("CreatedTime"), ctx.now)
        name = str(lb["LoadBalancerName"])
        if lb.get("ListenerDescriptions") and age is not None and age >= min_age_days:
            yield "classic", lb, name, clb_arn(ctx, name), age


def _full_cost(ctx: CheckContext, kind: str, lb: Mapping[str, Any]) -> tuple[Money, list[str]]:
    return (clb_cost(ctx, lb), []) if kind == "classic" else elbv2_cost(ctx, lb)


def _label(kind: str, lb: Mapping[str, Any]) -> str:
    return "Classic Load Balancer" if kind == "classic" else LABELS[kind]


def _name(kind: str, lb: Mapping[str, Any]) -> str:
    return str(lb["LoadBalancerName"]) if kind == "classic" else lb_name(lb)


def _res(ctx: CheckContext, kind: str, lb: Mapping[str, Any]) -> Resource:
    return _clb_resource(ctx, lb) if kind == "classic" else _lb_resource(lb)


def _delete(kind: str, lb: Mapping[str, Any], arn: str) -> str:
    return _delete_clb(str(lb["LoadBalancerName"])) if kind == "classic" else _delete_elbv2(arn)


def _total(series: MetricSeries | None) -> float:
    return series.total if series is not None else 0.0


# --- aws.elb.idle_load_balancer -----------------------------------------------------------------------


class IdleLbParams(BaseModel):
    """Parameters of ``aws.elb.idle_load_balancer``."""

    min_age_days: int = Field(
        7, ge=0, description="Only judge load balancers created at least this many days ago."
    )
    window_days: int = Field(30, ge=7, le=455, description="Days of daily CloudWatch data read.")
    low_requests_per_day: float = Field(
        100.0,
        ge=0,
        description="Busiest day's requests (ALB, CLB) or new flows (NLB, GWLB) at or below which a load "
        "balancer is reported for review (Trusted Advisor: fewer than 100 a day).",
    )
    high_confidence_days: int = Field(
        30, ge=1, description="Days of history (age within the window) needed for high confidence."
    )


def idle_lb_queries(params: IdleLbParams) -> list[MetricQuery]:
    """Per type: the traffic series, the always-reported series, and (ALB) processed bytes."""
    days = params.window_days
    queries = []
    for kind in _kinds():
        queries.append(lb_query(kind, TRAFFIC[kind], "Sum", 86400, days))
        metric, stat = HEARTBEAT[kind]
        queries.append(lb_query(kind, metric, stat, 86400, days))
        if kind in ("network", "gateway") and HEARTBEAT[kind] != FLOWS:
            queries.append(lb_query(kind, *FLOWS, 86400, days))
    queries.append(lb_query("application", "ProcessedBytes", "Sum", 86400, days))
    return queries


@check(
    id="aws.elb.idle_load_balancer",
    title="Load balancer with no or almost no traffic",
    resource_type="load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:listeners", "elb:load_balancers"],
    params=IdleLbParams,
    klass="idle",
    metrics=idle_lb_queries,
    rationale="""
        A load balancer with listeners and nobody calling it still bills every hour. Traffic is read per
        type from CloudWatch over `window_days` (or since creation): requests for ALBs (and processed
        bytes, which count redirects and fixed responses that RequestCount leaves out) and Classic ones,
        new flows and active flows for NLBs and Gateway Load Balancers; the original used RequestCount for
        every type, which NLBs do not publish. Load balancer metrics are only published while traffic
        flows, so a missing series only means zero when the type's always-reported metric (ALB and GWLB
        ConsumedLCUs, NLB ActiveFlowCount, CLB HealthyHostCount) has datapoints; otherwise traffic is
        unknown and nothing is reported. None at all is `never_used` (high confidence with
        `high_confidence_days` of history, else medium); a busiest day at or below `low_requests_per_day`
        is the review band (medium, or low when younger). Load balancers with no listener are left to
        aws.elb.unreachable_load_balancer.
    """,
    recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn <arn>",
    covers_original=["aws:load_balancer/never_used"],
    covers_peers=["aws.elb.idle_load_balancer"],
)
def idle_load_balancer(ctx: CheckContext, params: IdleLbParams) -> Iterator[Hit]:
    """Load balancers whose CloudWatch traffic is zero or below the review band."""
    days = params.window_days
    for kind, lb, dim, arn, age in _each_lb(ctx, params.min_age_days):
        traffic_q = lb_query(kind, TRAFFIC[kind], "Sum", 86400, days)
        beat_q = lb_query(kind, *HEARTBEAT[kind], 86400, days)
        traffic, beat = ctx.metric(traffic_q, dim), ctx.metric(beat_q, dim)
        if beat is None:
            continue  # CloudWatch reports nothing for it: unknown, never idle
        extra = (
            ctx.metric(lb_query("application", "ProcessedBytes", "Sum", 86400, days), dim)
            if kind == "application"
            else None
        )
        total = _total(traffic)
        busiest = max(daily(traffic, "sum").values(), default=0.0) if traffic else 0.0
        flow_series = (
            ctx.metric(lb_query(kind, *FLOWS, 86400, days), dim) if kind in ("network", "gateway") else None
        )
        flows = flow_series.maximum if flow_series is not None else 0.0
        unit = "new flows" if kind in ("network", "gateway") else "requests"
        window = min(days, int(age))
        span = (
            f"the last {whole_days(window)}"
            if window >= days
            else f"the {whole_days(window)} since it was created"
        )
        full = window >= params.high_confidence_days
        if kind == "application" and total == 0 and _total(extra) > 0:
            continue  # bytes but no routed requests: it answers redirects or fixed responses
        if total == 0 and flows == 0 and _total(extra) == 0:
            scenario: str | None = "never_used"
            confidence = Confidence.HIGH if full else Confidence.MEDIUM
            reason = f"{_label(kind, lb)} {_name(kind, lb)} handled no {unit} in {span}."
        elif busiest <= params.low_requests_per_day and flows <= params.low_requests_per_day:
            scenario = None
            confidence = Confidence.MEDIUM if full else Confidence.LOW
            reason = (
                f"{_label(kind, lb)} {_name(kind, lb)} handled at most {busiest:.0f} {unit} a day "
                f"({total:.0f} in all) over {span}."
            )
        else:
            continue
        cost, allocations = _full_cost(ctx, kind, lb)
        metrics = {
            TRAFFIC[kind]: traffic.evidence() if traffic else None,
            HEARTBEAT[kind][0]: beat.evidence(),
        }
        if kind == "application":
            metrics["ProcessedBytes"] = extra.evidence() if extra else None
        if kind in ("network", "gateway"):
            metrics[FLOWS[0]] = flow_series.evidence() if flow_series else None
        yield Hit(
            resource=_res(ctx, kind, lb),
            reason=reason,
            cost=cost,
            evidence={
                "type": kind,
                "age_days": round(age, 1),
                "created_at": iso(lb.get("CreatedTime")),
                "window_days": window,
                "queried_window_days": days,
                "traffic_metric": TRAFFIC[kind],
                "traffic_total": total,
                "traffic_busiest_day": busiest,
                "metrics": metrics,
                "last_activity": iso(
                    max(
                        (t for t, v in zip(traffic.timestamps, traffic.values, strict=False) if v > 0),
                        default=None,
                    )
                )
                if traffic
                else None,
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=_delete(kind, lb, arn),
            cost_includes=tuple(allocations),
            cost_group=lb_group(arn),
        )


# --- aws.elb.off_hours_load_balancer -------------------------------------------------------------------


class OffHoursLbParams(HoursParams):
    """Parameters of ``aws.elb.off_hours_load_balancer``."""

    min_age_days: int = Field(
        14, ge=0, description="Only judge load balancers created at least this many days ago."
    )
    window_days: int = Field(14, ge=7, le=63, description="Days of hourly CloudWatch traffic read.")
    business_traffic_percent: float = Field(
        90.0,
        ge=50,
        le=100,
        description="Share of the window's traffic inside working hours at or above which the load "
        "balancer serves a working-hours workload.",
    )


def off_hours_lb_queries(params: OffHoursLbParams) -> list[MetricQuery]:
    """Hourly traffic of every load balancer, per type."""
    return [lb_query(kind, TRAFFIC[kind], "Sum", 3600, params.window_days) for kind in _kinds()]


@check(
    id="aws.elb.off_hours_load_balancer",
    title="Load balancer whose traffic comes only in working hours",
    resource_type="load_balancer",
    severity=Severity.LOW,
    needs=["elbv2:load_balancers", "elbv2:listeners", "elb:load_balancers"],
    params=OffHoursLbParams,
    klass="policy",
    metrics=off_hours_lb_queries,
    rationale="""
        A load balancer cannot be stopped: it bills every hour until deleted. One whose hourly traffic
        over `window_days` falls at least `business_traffic_percent` inside the working week (the
        original's `idle_pattern` used 80 % over 7 days) could be created from infrastructure-as-code
        for working hours only, or its listeners folded into a shared load balancer (host-based rules),
        which is realistic for non-production environments: tagged non-production gives medium
        confidence, untagged low. Hours without a datapoint count as zero traffic, which is how
        CloudWatch publishes load balancer metrics; a load balancer with no traffic datapoint at all is
        left to aws.elb.idle_load_balancer. The saving is the load balancer's fixed monthly charge times
        the share of the week outside working hours, not the original's base x 123/168 of a guessed price.
    """,
    recommendation=(
        "If it serves a non-production environment, create it only for working hours from your IaC, or "
        "move its rules to a shared load balancer; then: "
        "aws elbv2 delete-load-balancer --load-balancer-arn <arn>"
    ),
    covers_original=["aws:load_balancer/idle_pattern"],
)
def off_hours_load_balancer(ctx: CheckContext, params: OffHoursLbParams) -> Iterator[Hit]:
    """Load balancers whose traffic falls almost entirely inside the working week."""
    share = off_hours_share(params)
    week = working_week(params)
    for kind, lb, dim, arn, age in _each_lb(ctx, params.min_age_days):
        traffic = ctx.metric(lb_query(kind, TRAFFIC[kind], "Sum", 3600, params.window_days), dim)
        if traffic is None or traffic.total <= 0:
            continue
        prof = profile(traffic, params, ctx.now)
        if prof.business_share * 100 < params.business_traffic_percent:
            continue
        tag = nonprod_tag(aws_tags(lb))
        full, allocations = _full_cost(ctx, kind, lb)
        cost = (
            Money.unknown(CostKind.SAVING, detail=full.detail)
            if full.amount is None
            else Money(
                amount=round(full.amount * share, 2),
                basis=full.basis,
                kind=CostKind.SAVING,
                detail=f"{share:.0%} of ({full.detail}): the hours outside {week}",
            )
        )
        unit = "new flows" if kind in ("network", "gateway") else "requests"
        yield Hit(
            resource=_res(ctx, kind, lb),
            reason=f"{_label(kind, lb)} {_name(kind, lb)} received {prof.business_share:.0%} of its "
            f"{traffic.total:.0f} {unit} over {whole_days(params.window_days)} inside {week}.",
            cost=cost,
            evidence={
                "type": kind,
                "age_days": round(age, 1),
                "working_week": week,
                "off_hours_share": round(share, 3),
                "nonprod_tag": f"{tag[0]}={tag[1]}" if tag else None,
                "traffic_metric": TRAFFIC[kind],
                "traffic_profile": prof.evidence(),
                "metrics": {TRAFFIC[kind]: traffic.evidence()},
                "scenario": "idle_pattern",
            },
            confidence=Confidence.MEDIUM if tag else Confidence.LOW,
            recommendation=(
                "If it serves a non-production environment, create it only for working hours from your "
                "IaC, or move its rules to a shared load balancer; then: "
                + _delete(kind, lb, arn).split(": ", 1)[1]
            ),
            cost_includes=tuple(allocations),
            cost_group=lb_group(arn),
        )


# --- aws.elb.clb_migration ----------------------------------------------------------------------------------


class ClbMigrationParams(BaseModel):
    """Parameters of ``aws.elb.clb_migration``."""

    min_age_days: int = Field(
        30, ge=0, description="Only judge Classic Load Balancers at least this many days old."
    )
    window_days: int = Field(30, ge=7, le=455, description="Days of daily CloudWatch data read.")
    min_monthly_saving: float = Field(
        1.0, ge=0, description="Only report a migration that saves at least this much a month (USD)."
    )


def clb_queries(params: ClbMigrationParams) -> list[MetricQuery]:
    """Daily bytes and estimated ALB LCUs that CloudWatch publishes for a Classic Load Balancer."""
    days = params.window_days
    return [
        lb_query("classic", "EstimatedProcessedBytes", "Sum", 86400, days),
        lb_query("classic", "EstimatedALBConsumedLCUs", "Average", 86400, days),
        lb_query("classic", "HealthyHostCount", "Maximum", 86400, days),
    ]


def _unit_price(ctx: CheckContext, key: str) -> tuple[float, CostBasis] | None:
    price = ctx.prices.get(key, ctx.region)
    return None if price is None else (price.amount, price.basis)


@check(
    id="aws.elb.clb_migration",
    title="Classic Load Balancer that would cost less as an ALB or NLB",
    resource_type="classic_load_balancer",
    severity=Severity.LOW,
    needs=["elb:load_balancers"],
    params=ClbMigrationParams,
    klass="legacy",
    metrics=clb_queries,
    rationale="""
        Classic Load Balancers are the previous generation. One with instances and listeners, at least
        `min_age_days` old, is compared with its successor on this month's traffic: an ALB when every
        listener is HTTP/HTTPS (hourly charge + the LCUs CloudWatch estimates for it,
        EstimatedALBConsumedLCUs), an NLB otherwise (hourly charge + one NLCU per GB processed, counting
        bytes only). The Classic one costs its hourly charge + its data processed. The finding is the
        saving (Classic minus successor, an estimate from CloudWatch's traffic), reported when at least
        `min_monthly_saving`; the original reported the ALB's higher hourly price as this finding's cost.
        Without CloudWatch data (HealthyHostCount, always reported while instances are registered) the
        traffic is unknown and nothing is reported.
    """,
    recommendation=(
        "Migrate it with the ELB console's migration wizard or by hand: aws elbv2 create-load-balancer "
        "--name <name> --type application --subnets <subnets>, then move DNS"
    ),
    covers_original=["aws:load_balancer/clb_migration_opportunity"],
)
def clb_migration(ctx: CheckContext, params: ClbMigrationParams) -> Iterator[Hit]:
    """Classic Load Balancers whose ALB or NLB successor costs less for the same traffic."""
    bytes_q, lcu_q, beat_q = clb_queries(params)
    hours = ctx.prices.hours_per_month
    for lb in ctx.get("elb:load_balancers"):
        name = str(lb["LoadBalancerName"])
        age = age_days(lb.get("CreatedTime"), ctx.now)
        if (
            not lb.get("Instances")
            or not lb.get("ListenerDescriptions")
            or age is None
            or age < params.min_age_days
        ):
            continue
        if ctx.metric(beat_q, name) is None:
            continue  # no CloudWatch data: traffic unknown
        covered = max(1.0, min(float(params.window_days), age))
        per_month = hours / (covered * 24)
        gb_month = _total(ctx.metric(bytes_q, name)) / 1e9 * per_month
        lcu_series = ctx.metric(lcu_q, name)
        lcu_avg = sum(lcu_series.values) / len(lcu_series.values) if lcu_series else 0.0
        protocols = {
            str((d.get("Listener") or {}).get("Protocol", "")).upper() for d in lb["ListenerDescriptions"]
        }
        target = "application" if protocols <= {"HTTP", "HTTPS"} else "network"
        keys = ["elb.classic.hour", "elb.classic.gb", HOURLY_KEYS[target]]
        keys.append("elb.application.lcu_hour" if target == "application" else "elb.network.nlcu_hour")
        units = [_unit_price(ctx, k) for k in keys]
        if any(u is None for u in units):
            missing = [k for k, u in zip(keys, units, strict=True) if u is None]
            cost = Money.unknown(CostKind.SAVING, detail=f"no price for {', '.join(missing)} in {ctx.region}")
            amount = None
        else:
            (clb_h, _), (clb_gb, _), (new_h, _), (unit, _) = [u for u in units if u is not None]
            current = clb_h * hours + clb_gb * gb_month
            capacity = lcu_avg * hours if target == "application" else gb_month
            successor = new_h * hours + unit * capacity
            amount = round(current - successor, 2)
            what = (
                f"{lcu_avg:.3f} LCU x {hours:g} h"
                if target == "application"
                else f"{gb_month:.1f} NLCU-h (1 per GB)"
            )
            cost = Money(
                amount=amount,
                basis=CostBasis.ESTIMATE,
                kind=CostKind.SAVING,
                detail=f"estimate: Classic ${clb_h:g}/h x {hours:g} h + {gb_month:.1f} GB x ${clb_gb:g} "
                f"= ${current:.2f} - {LABELS[target]} ${new_h:g}/h x {hours:g} h + {what} x ${unit:g} "
                f"= ${successor:.2f} ({ctx.region})",
            )
        if amount is None or amount < params.min_monthly_saving:
            continue
        yield Hit(
            resource=_clb_resource(ctx, lb),
            reason=f"Classic Load Balancer {name} would cost about ${amount:.2f} a month less as an "
            f"{LABELS[target]} for its {gb_month:.1f} GB a month.",
            cost=cost,
            evidence={
                "age_days": round(age, 1),
                "listener_protocols": sorted(protocols),
                "successor": target,
                "gb_per_month": round(gb_month, 3),
                "estimated_alb_lcu_average": round(lcu_avg, 4),
                "window_days": int(covered),
                "instances": len(lb["Instances"]),
                "scenario": "clb_migration_opportunity",
            },
            confidence=Confidence.MEDIUM if target == "application" else Confidence.LOW,
            recommendation=(
                f"Create the {LABELS[target]} with the ELB console's migration wizard (or aws elbv2 "
                f"create-load-balancer --name {name} --type {target} "
                f"--subnets {' '.join(lb.get('Subnets') or [])}), move DNS to it, then: "
                f"aws elb delete-load-balancer --load-balancer-name {name}"
            ),
            cost_group=lb_group(clb_arn(ctx, name)),
        )


# --- aws.elb.nlb_cross_zone_charges -----------------------------------------------------------------------

CROSS_ZONE = "load_balancing.cross_zone.enabled"


class CrossZoneParams(BaseModel):
    """Parameters of ``aws.elb.nlb_cross_zone_charges``."""

    window_days: int = Field(30, ge=7, le=455, description="Days of daily CloudWatch bytes read.")
    min_monthly_saving: float = Field(
        1.0, ge=0, description="Only report when the estimated inter-AZ charge is at least this much a month."
    )


def cross_zone_queries(params: CrossZoneParams) -> list[MetricQuery]:
    """Daily processed bytes of every NLB and Gateway Load Balancer."""
    return [
        lb_query(kind, "ProcessedBytes", "Sum", 86400, params.window_days) for kind in ("network", "gateway")
    ]


@check(
    id="aws.elb.nlb_cross_zone_charges",
    title="Network or Gateway Load Balancer paying inter-AZ data for cross-zone load balancing",
    resource_type="network_load_balancer",
    severity=Severity.LOW,
    needs=["elbv2:load_balancers", "elbv2:load_balancer_attributes"],
    params=CrossZoneParams,
    klass="policy",
    metrics=cross_zone_queries,
    rationale="""
        The original flags load balancers with cross-zone load balancing *disabled* (`cross_zone_disabled`)
        and prices the finding at 10 GB x $0.01; that is backwards. For an ALB cross-zone is always on
        and free. For an NLB or Gateway Load Balancer it is off by default, and turning it on bills the
        traffic its nodes send to targets in other Availability Zones as regional data transfer ($0.01/GB
        each way). So we report an NLB/GWLB in at least two zones with `load_balancing.cross_zone.enabled`
        = true, estimating the charge from CloudWatch ProcessedBytes: with targets spread evenly over n
        zones, (n-1)/n of the bytes cross a zone. Target-group-level overrides and the real target spread
        are not read, so confidence is low; turning it off is only safe when every zone has healthy
        targets.
    """,
    recommendation=(
        "If every zone has enough healthy targets: aws elbv2 modify-load-balancer-attributes "
        "--load-balancer-arn <arn> --attributes Key=load_balancing.cross_zone.enabled,Value=false"
    ),
    covers_original=["aws:load_balancer/cross_zone_disabled"],
)
def nlb_cross_zone_charges(ctx: CheckContext, params: CrossZoneParams) -> Iterator[Hit]:
    """NLBs and GWLBs with cross-zone on, in several zones, whose traffic pays inter-AZ charges."""
    attributes = {
        str(a.get("LoadBalancerArn")): {
            str(x.get("Key")): str(x.get("Value")) for x in a.get("Attributes") or []
        }
        for a in ctx.get("elbv2:load_balancer_attributes")
    }
    price = ctx.prices.get("ec2.data_transfer.inter_az.gb", ctx.region)
    for lb in ctx.get("elbv2:load_balancers"):
        kind = str(lb.get("Type"))
        arn = str(lb["LoadBalancerArn"])
        if kind not in ("network", "gateway") or not _running(lb):
            continue
        if attributes.get(arn, {}).get(CROSS_ZONE) != "true":
            continue
        zones = [z.get("ZoneName") for z in lb.get("AvailabilityZones") or []]
        if len(zones) < 2:
            continue
        processed = ctx.metric(
            lb_query(kind, "ProcessedBytes", "Sum", 86400, params.window_days), lb_full_name(arn)
        )
        if processed is None:
            continue
        age = age_days(lb.get("CreatedTime"), ctx.now) or float(params.window_days)
        covered = max(1.0, min(float(params.window_days), age))
        gb_month = processed.total / 1e9 * ctx.prices.hours_per_month / (covered * 24)
        crossing = (len(zones) - 1) / len(zones)
        if price is None:
            cost = Money.unknown(
                CostKind.SAVING, detail=f"no price for ec2.data_transfer.inter_az.gb in {ctx.region}"
            )
        else:
            amount = round(gb_month * crossing * 2 * price.amount, 2)
            if amount < params.min_monthly_saving:
                continue
            cost = Money(
                amount=amount,
                basis=weakest(price.basis, CostBasis.ESTIMATE),
                kind=CostKind.SAVING,
                detail=f"estimate: {gb_month:.1f} GB a month x {crossing:.2f} across zones x 2 directions x "
                f"${price.amount:g}/GB (ec2.data_transfer.inter_az.gb, {price.region})",
            )
        yield Hit(
            resource=_lb_resource(lb),
            reason=f"{LABELS[kind]} {lb_name(lb)} balances across its {len(zones)} zones, so about "
            f"{crossing:.0%} of its {gb_month:.1f} GB a month pays inter-AZ transfer.",
            cost=cost,
            evidence={
                "type": kind,
                "cross_zone_enabled": True,
                "availability_zones": zones,
                "gb_per_month": round(gb_month, 3),
                "cross_zone_share": round(crossing, 3),
                "metrics": {"ProcessedBytes": processed.evidence()},
                "scenario": "cross_zone_disabled",
            },
            confidence=Confidence.LOW,
            recommendation=(
                f"If every zone has enough healthy targets: aws elbv2 modify-load-balancer-attributes "
                f"--load-balancer-arn {arn} --attributes Key={CROSS_ZONE},Value=false"
            ),
            cost_group=lb_group(arn),
        )
