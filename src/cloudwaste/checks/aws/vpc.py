"""VPC checks: NAT gateways that carry no traffic or that no route table uses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import ec2_arn, iso, resource, whole_days
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries, age_days
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, Money, Severity
from cloudwaste.pricing.aws import add, public_ipv4_monthly, with_note

NAT_METRICS = (
    ("BytesOutToDestination", "Sum"),
    ("BytesInFromSource", "Sum"),
    ("ActiveConnectionCount", "Maximum"),
)


class IdleNatParams(BaseModel):
    """Parameters of ``aws.vpc.idle_nat_gateway``."""

    min_age_days: int = Field(
        7, ge=0, description="Only flag NAT gateways created at least this many days ago."
    )
    window_days: int = Field(
        30,
        ge=1,
        le=455,
        description="Days of CloudWatch traffic (daily datapoints) that must show no traffic.",
    )
    max_bytes: int = Field(
        0,
        ge=0,
        description="Bytes (out to destination + in from source) over the window at or below which the "
        "gateway counts as idle; 0 means none at all.",
    )


def nat_queries(params: IdleNatParams) -> list[MetricQuery]:
    """The daily traffic series of every NAT gateway of the unit, over ``window_days``."""
    return [
        MetricQuery(
            namespace="AWS/NATGateway",
            metric=metric,
            dimension="NatGatewayId",
            collection="ec2:nat_gateways",
            id_field="NatGatewayId",
            stat=stat,
            period_s=86400,
            days=params.window_days,
            skip_states=("deleting", "deleted", "failed"),
        )
        for metric, stat in NAT_METRICS
    ]


def _route_tables(nat_id: str, tables: list[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """(route tables with a route to the gateway, those of them in effect: associated or main)."""
    referencing, associated = [], []
    for table in tables:
        if not any(r.get("NatGatewayId") == nat_id for r in table.get("Routes") or []):
            continue
        referencing.append(str(table.get("RouteTableId")))
        live = [
            a
            for a in table.get("Associations") or []
            if (a.get("AssociationState") or {}).get("State", "associated") == "associated"
        ]
        if live:
            associated.append(str(table.get("RouteTableId")))
    return referencing, associated


def _last_activity(series: list[MetricSeries | None]) -> datetime | None:
    """The latest period in which any series was above zero."""
    stamps = [
        t for s in series if s is not None for t, v in zip(s.timestamps, s.values, strict=False) if v > 0
    ]
    return max(stamps, default=None)


def _nat_cost(ctx: CheckContext, nat: Mapping[str, Any]) -> tuple[Money, tuple[str, ...]]:
    """Hourly charge (per active AZ for a regional gateway) + its public IPv4 addresses."""
    addresses = [a for a in nat.get("NatGatewayAddresses") or [] if a.get("AllocationId")]
    if nat.get("AvailabilityMode") == "regional":
        zones = {
            a.get("AvailabilityZone")
            for a in nat.get("NatGatewayAddresses") or []
            if a.get("AvailabilityZone")
        }
        hourly = ctx.prices.monthly("vpc.nat_gateway.hour", ctx.region, max(1, len(zones)), what="AZ")
        hourly = with_note(
            hourly, "regional NAT gateway: assumed billed per Availability Zone it is active in"
        )
        if hourly.amount is not None:
            hourly = hourly.model_copy(update={"basis": CostBasis.ESTIMATE})
    else:
        hourly = ctx.prices.monthly("vpc.nat_gateway.hour", ctx.region, what="NAT gateway")
    parts = [hourly]
    if nat.get("ConnectivityType", "public") != "private" and addresses:
        parts.append(public_ipv4_monthly(ctx.prices, ctx.region, len(addresses)))
    money = with_note(add(parts), "data processing ($/GB) excluded")
    return money, tuple(str(a["AllocationId"]) for a in addresses)


@check(
    id="aws.vpc.idle_nat_gateway",
    title="NAT gateway with no traffic or no route to it",
    resource_type="nat_gateway",
    severity=Severity.HIGH,
    needs=["ec2:nat_gateways", "ec2:route_tables"],
    params=IdleNatParams,
    klass="idle",
    metrics=nat_queries,
    rationale="""
        A NAT gateway is billed every hour (about $33 a month in us-east-1, plus its public IPv4
        addresses) whether or not it forwards a byte. An available gateway at least `min_age_days` old
        is idle when CloudWatch shows, over `window_days` (30, as Trusted Advisor; Compute Optimizer uses
        32), or since its creation when it is younger (the reason and evidence give that effective
        window), no bytes out to destinations, no bytes in from sources and no active connections. No
        datapoints at all means unknown, never idle: such a gateway is only reported (medium confidence)
        when no route table with a subnet or main association points to it, since then nothing can send
        it traffic. An idle gateway that a route table still uses gets medium confidence (it may be a
        standby path), an idle one with no route high, and one with no route but traffic earlier in
        the window low (its routes were probably just moved). The cost excludes data processing.
    """,
    recommendation=(
        "Remove routes that point to it, delete it, then release its Elastic IPs: "
        "aws ec2 delete-nat-gateway --nat-gateway-id <id>"
    ),
    covers_original=["aws:nat_gateway/zero_traffic", "aws:nat_gateway/no_routes"],
    covers_peers=["aws.vpc.idle_nat_gateway"],
)
def idle_nat_gateway(ctx: CheckContext, params: IdleNatParams) -> Iterator[Hit]:
    """Available NAT gateways with zero traffic over the window, or that no associated route table uses."""
    queries = nat_queries(params)
    tables = ctx.get("ec2:route_tables")
    for nat in ctx.get("ec2:nat_gateways"):
        if nat.get("State") != "available":
            continue
        age = age_days(nat.get("CreateTime"), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        nat_id = str(nat["NatGatewayId"])
        series = [ctx.metric(q, nat_id) for q in queries]
        out, inn, conn = series
        total_bytes = sum(s.total for s in (out, inn) if s is not None)
        active = total_bytes > params.max_bytes or (conn is not None and conn.maximum > 0)
        traffic = "active" if active else ("idle" if all(s is not None for s in series) else "unknown")
        referencing, associated = _route_tables(nat_id, tables)
        routed = bool(associated)
        last = _last_activity(series)
        # a gateway younger than the window only had traffic to show since it was created
        window_days = min(params.window_days, int(age))
        if window_days < 1:
            window = "the hours since it was created"
        elif window_days < params.window_days:
            window = f"the {whole_days(window_days)} since it was created"
        else:
            window = f"the last {whole_days(window_days)}"
        if traffic == "idle":
            confidence = Confidence.MEDIUM if routed else Confidence.HIGH
            routes = (
                f", though route table {associated[0]} points to it"
                if routed
                else " and no route table uses it"
            )
            reason = f"NAT gateway {nat_id} carried no traffic in {window}{routes}."
        elif routed:
            continue  # in use, or no data to say otherwise
        elif traffic == "unknown":
            confidence = Confidence.MEDIUM
            reason = (
                f"NAT gateway {nat_id} is not the target of any associated route table, and CloudWatch "
                f"has no traffic data for it over {window}."
            )
        else:
            confidence = Confidence.LOW
            when = f"on {last.date().isoformat()}" if last else f"within {window}"
            reason = (
                f"NAT gateway {nat_id} is not the target of any associated route table; "
                f"its last traffic was {when}."
            )
        cost, allocations = _nat_cost(ctx, nat)
        yield Hit(
            resource=resource(
                nat,
                rid=nat_id,
                rtype="nat_gateway",
                arn=ec2_arn(ctx, "natgateway", nat_id),
                created=nat.get("CreateTime"),
            ),
            reason=reason,
            cost=cost,
            evidence={
                "state": nat.get("State"),
                "age_days": round(age, 1),
                "created_at": iso(nat.get("CreateTime")),
                "connectivity_type": nat.get("ConnectivityType", "public"),
                "vpc_id": nat.get("VpcId"),
                "subnet_id": nat.get("SubnetId"),
                "public_ips": [
                    a.get("PublicIp") for a in nat.get("NatGatewayAddresses") or [] if a.get("PublicIp")
                ],
                "traffic": traffic,
                "window_days": window_days,
                "queried_window_days": params.window_days,
                "bytes_total": total_bytes if out is not None or inn is not None else None,
                "metrics": {
                    q.metric: (s.evidence() | {"window_days": window_days} if s is not None else None)
                    for q, s in zip(queries, series, strict=True)
                },
                "last_activity": iso(last),
                "referenced_by_routes": bool(referencing),
                "route_tables": referencing,
                "associated_route_tables": associated,
            },
            confidence=confidence,
            cost_includes=allocations,
        )
