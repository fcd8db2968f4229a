"""Load balancer checks: ALBs and NLBs with no registered targets, Classic ones with no instances."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import iso, partition, resource, whole_days
from cloudwaste.checks.context import CheckContext, Hit, age_days
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Severity
from cloudwaste.pricing.aws import with_note

DELETE_ADVICE = "Delete it if no DNS record or client points at it"
RUNNING_STATES = ("active", "active_impaired")  # both are billed; provisioning and failed ones are not judged


class NoTargetsParams(BaseModel):
    """Parameters of ``aws.elb.alb_no_targets`` and ``aws.elb.nlb_no_targets``."""

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


def _no_targets(
    ctx: CheckContext, params: NoTargetsParams, lb_type: str, label: str, price_key: str
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
        cost = ctx.prices.monthly(price_key, ctx.region, what=label)
        capacity_units = "LCU" if lb_type == "application" else "NLCU"
        yield Hit(
            resource=resource(
                lb, rid=name, rtype=f"{lb_type}_load_balancer", arn=arn, created=lb.get("CreatedTime")
            ),
            reason=f"{label} {name} has no registered targets {where} and was created {whole_days(age)} ago.",
            cost=with_note(cost, f"hourly charge only; {capacity_units} (traffic) charges excluded"),
            evidence={
                "type": lb_type,
                "state": (lb.get("State") or {}).get("Code"),
                "scheme": lb.get("Scheme"),
                "dns_name": lb.get("DNSName"),
                "age_days": round(age, 1),
                "created_at": iso(lb.get("CreatedTime")),
                "target_groups": [g.get("TargetGroupArn") for g in attached],
                "registered_targets": 0,
            },
            confidence=confidence,
            recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn {arn}",
        )


@check(
    id="aws.elb.alb_no_targets",
    title="Application Load Balancer with no registered targets",
    resource_type="application_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:target_groups"],
    params=NoTargetsParams,
    klass="orphan",
    rationale="""
        An ALB is billed every hour it exists, whether or not anything sits behind it. One that is
        active, at least `min_age_days` old, and none of whose target groups (those whose
        LoadBalancerArns name it) has a registered target, healthy or not, serves nothing; a Lambda
        function registered in a `lambda` target group counts as a target. An ALB with no target group
        at all is reported with low confidence, because listeners that only redirect (HTTP to HTTPS) or
        return fixed responses need none, and listener rules are not read yet. The cost is the hourly
        charge only; LCU charges depend on traffic and are excluded.
    """,
    recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn <arn>",
    covers_original=["aws:load_balancer/no_healthy_targets", "aws:load_balancer/no_target_groups"],
    covers_peers=["aws.elb.alb_no_targets"],
)
def alb_no_targets(ctx: CheckContext, params: NoTargetsParams) -> Iterator[Hit]:
    """Active ALBs whose target groups have no registered target."""
    yield from _no_targets(ctx, params, "application", "Application Load Balancer", "elb.application.hour")


@check(
    id="aws.elb.nlb_no_targets",
    title="Network Load Balancer with no registered targets",
    resource_type="network_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elbv2:load_balancers", "elbv2:target_groups"],
    params=NoTargetsParams,
    klass="orphan",
    rationale="""
        An NLB is billed every hour it exists. One that is active, at least `min_age_days` old, and none
        of whose target groups has a registered target (instances, IPs, or an ALB in an `alb` target
        group), healthy or not, forwards nothing: NLB listeners can only forward to target groups. The
        cost is the hourly charge only; NLCU charges depend on traffic and are excluded. Gateway Load
        Balancers are out of scope for now.
    """,
    recommendation=f"{DELETE_ADVICE}: aws elbv2 delete-load-balancer --load-balancer-arn <arn>",
    covers_original=["aws:load_balancer/no_healthy_targets", "aws:load_balancer/no_target_groups"],
    covers_peers=["aws.elb.nlb_no_targets"],
)
def nlb_no_targets(ctx: CheckContext, params: NoTargetsParams) -> Iterator[Hit]:
    """Active NLBs whose target groups have no registered target."""
    yield from _no_targets(ctx, params, "network", "Network Load Balancer", "elb.network.hour")


class ClassicParams(BaseModel):
    """Parameters of ``aws.elb.clb_no_instances``."""

    min_age_days: int = Field(
        7, ge=0, description="Only flag load balancers created at least this many days ago."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Load balancers at least this many days old are reported with high confidence."
    )


@check(
    id="aws.elb.clb_no_instances",
    title="Classic Load Balancer with no registered instances",
    resource_type="classic_load_balancer",
    severity=Severity.MEDIUM,
    needs=["elb:load_balancers"],
    params=ClassicParams,
    klass="orphan",
    rationale="""
        A Classic Load Balancer is billed every hour it exists, and one with no registered instances
        (`Instances` is empty) can only answer with errors. It is flagged once it is `min_age_days` old, so
        one being set up is left alone. The cost is the hourly charge only; the per-GB data charge is
        excluded. Classic Load Balancers are a previous generation: if it is still needed, move to an ALB
        or NLB.
    """,
    recommendation=f"{DELETE_ADVICE}: aws elb delete-load-balancer --load-balancer-name <id>",
    covers_original=["aws:load_balancer/no_healthy_targets"],
    covers_peers=["aws.elb.clb_no_instances"],
)
def clb_no_instances(ctx: CheckContext, params: ClassicParams) -> Iterator[Hit]:
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
        cost = ctx.prices.monthly("elb.classic.hour", ctx.region, what="Classic Load Balancer")
        yield Hit(
            resource=resource(
                lb, rid=name, rtype="classic_load_balancer", arn=arn, created=lb.get("CreatedTime")
            ),
            reason=f"Classic Load Balancer {name} has no registered instances and was created "
            f"{whole_days(age)} ago.",
            cost=with_note(cost, "hourly charge only; data processed ($/GB) excluded"),
            evidence={
                "instances": 0,
                "scheme": lb.get("Scheme"),
                "dns_name": lb.get("DNSName"),
                "listeners": len(lb.get("ListenerDescriptions") or []),
                "age_days": round(age, 1),
                "created_at": iso(lb.get("CreatedTime")),
            },
            confidence=Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM,
        )
