"""VPC checks: NAT gateways that carry no or little traffic, that no route table uses, that cannot reach
the internet, that duplicate another in their zone, that lack free endpoints, or that only work office
hours."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import ec2_arn, iso, resource, whole_days
from cloudwaste.checks.aws._compute import nonprod_tag, weakest
from cloudwaste.checks.aws._usage import HoursParams, off_hours_share, profile, working_week
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries, age_days, aws_tags
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import add, public_ipv4_monthly, with_note

NAT_METRICS = (
    ("BytesOutToDestination", "Sum"),
    ("BytesInFromSource", "Sum"),
    ("ActiveConnectionCount", "Maximum"),
    ("BytesInFromDestination", "Sum"),
)
# What a NAT gateway processes (and bills per GB, in either direction): the bytes it receives from
# clients in the VPC plus the bytes it receives back from destinations. BytesOutToDestination is the
# same outbound traffic as BytesInFromSource once more, and leaves downloads out; see "Monitor NAT
# gateways using Amazon CloudWatch", https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway-cloudwatch.html
PROCESSED = ("BytesInFromSource", "BytesInFromDestination")


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
    review_max_bytes: int = Field(
        100_000_000,
        ge=0,
        description="Bytes processed (in from sources + in from destinations) over the window at or below "
        "which a routed gateway is reported for review (low confidence); the original's 0.1 GB.",
    )
    max_mean_connections: float = Field(
        0.1,
        ge=0,
        description="Mean of the daily peak active connections at or below which a nearly idle gateway "
        "had no TCP connections (the original's eip_on_zero_connection_nat_gateway).",
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


def nat_group(nat_id: str) -> str:
    """Findings about one NAT gateway overlap: totals charge the largest once."""
    return f"nat:{nat_id}"


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
        the window low (its routes were probably just moved). Only route tables with an association
        count: a route in an unassociated table sends nothing (`routes_not_associated`). A routed gateway
        that processed at most `review_max_bytes` (bytes in from sources plus bytes in from destinations,
        so downloads count) is the review band (low confidence): for a public one that
        is the original's Elastic IP on an unused NAT gateway, `eip_on_zero_connection_nat_gateway` when
        it also had no TCP connections (ActiveConnectionCount counts TCP only, so UDP traffic such as DNS
        is judged by bytes). Its Elastic IPs are in use, never orphans: they are in this finding's cost
        and `cost_includes`. The cost excludes data processing.
    """,
    recommendation=(
        "Remove routes that point to it, delete it, then release its Elastic IPs: "
        "aws ec2 delete-nat-gateway --nat-gateway-id <id>"
    ),
    covers_original=[
        "aws:nat_gateway/zero_traffic",
        "aws:nat_gateway/no_routes",
        "aws:nat_gateway/routes_not_associated",
        "aws:elastic_ip_on_unused_nat_gateway/eip_on_unused_nat_gateway",
        "aws:elastic_ip_unused_nat_gateway/eip_on_zero_connection_nat_gateway",
    ],
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
        out, inn, conn, back = series
        total_bytes = sum(s.total for s in (out, inn) if s is not None)
        active = total_bytes > params.max_bytes or (conn is not None and conn.maximum > 0)
        traffic = "active" if active else ("idle" if all(s is not None for s in series[:3]) else "unknown")
        # downloads come back as BytesInFromDestination: the review band judges all the bytes processed
        processed = inn.total + back.total if inn is not None and back is not None else None
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
        public = nat.get("ConnectivityType", "public") != "private" and any(
            a.get("AllocationId") for a in nat.get("NatGatewayAddresses") or []
        )
        nearly = (
            traffic == "active"
            and all(s is not None for s in series)
            and processed is not None
            and processed <= params.review_max_bytes
        )
        mean_conn = sum(conn.values) / len(conn.values) if conn is not None and conn.values else 0.0
        if not routed:
            scenario: str | None = "routes_not_associated" if referencing else "no_routes"
        else:
            scenario = "zero_traffic"
        if traffic == "idle":
            confidence = Confidence.MEDIUM if routed else Confidence.HIGH
            routes = (
                f", though route table {associated[0]} points to it"
                if routed
                else " and no route table uses it"
            )
            reason = f"NAT gateway {nat_id} carried no traffic in {window}{routes}."
        elif routed and nearly:
            # the review band: a routed gateway that moved next to nothing
            confidence = Confidence.LOW
            if public:
                zero_conn = mean_conn <= params.max_mean_connections
                scenario = "eip_on_zero_connection_nat_gateway" if zero_conn else "eip_on_unused_nat_gateway"
            else:
                scenario = None
            traffic = "low"
            reason = (
                f"NAT gateway {nat_id} processed only {(processed or 0.0) / 1e6:.1f} MB in {window} "
                f"(peak {conn.maximum if conn else 0:.0f} active connections), though route table "
                f"{associated[0]} points to it."
            )
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
                "bytes_processed": processed,
                "metrics": {
                    q.metric: (s.evidence() | {"window_days": window_days} if s is not None else None)
                    for q, s in zip(queries, series, strict=True)
                },
                "last_activity": iso(last),
                "referenced_by_routes": bool(referencing),
                "route_tables": referencing,
                "associated_route_tables": associated,
                "mean_daily_peak_connections": round(mean_conn, 3) if conn is not None else None,
                "scenario": scenario,
            },
            confidence=confidence,
            cost_includes=allocations,
            cost_group=nat_group(nat_id),
        )


# --- shared pieces of the NAT gateway checks ----------------------------------------------------------


def _nat_resource(ctx: CheckContext, nat: Mapping[str, Any]) -> Resource:
    nat_id = str(nat["NatGatewayId"])
    return resource(
        nat,
        rid=nat_id,
        rtype="nat_gateway",
        arn=ec2_arn(ctx, "natgateway", nat_id),
        created=nat.get("CreateTime"),
    )


def _available(ctx: CheckContext, min_age_days: float) -> Iterator[tuple[Mapping[str, Any], float]]:
    """(gateway, age) of available NAT gateways at least ``min_age_days`` old."""
    for nat in ctx.get("ec2:nat_gateways"):
        age = age_days(nat.get("CreateTime"), ctx.now)
        if nat.get("State") == "available" and age is not None and age >= min_age_days:
            yield nat, age


def _is_public(nat: Mapping[str, Any]) -> bool:
    return str(nat.get("ConnectivityType", "public")) != "private"


def _zonal(nat: Mapping[str, Any]) -> bool:
    """A zonal gateway lives in one subnet; a regional one (AvailabilityMode regional) spans zones."""
    return nat.get("AvailabilityMode") != "regional" and bool(nat.get("SubnetId"))


def subnet_route_table(
    subnet_id: str, vpc_id: str, tables: list[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The route table a subnet uses: its explicit association, else its VPC's main table."""
    main = None
    for table in tables:
        for assoc in table.get("Associations") or []:
            if (assoc.get("AssociationState") or {}).get("State", "associated") != "associated":
                continue
            if assoc.get("SubnetId") == subnet_id:
                return table
            if assoc.get("Main") and table.get("VpcId") == vpc_id:
                main = table
    return main


def _bytes_queries(days: int) -> list[MetricQuery]:
    return [
        MetricQuery(
            namespace="AWS/NATGateway",
            metric=metric,
            dimension="NatGatewayId",
            collection="ec2:nat_gateways",
            id_field="NatGatewayId",
            stat="Sum",
            period_s=86400 if days > 14 else 3600,
            days=days,
            skip_states=("deleting", "deleted", "failed"),
        )
        for metric in PROCESSED
    ]


def _bytes(ctx: CheckContext, queries: list[MetricQuery], nat_id: str) -> list[MetricSeries] | None:
    """Both byte series of a gateway, or None when either has no data (unknown)."""
    series = [ctx.metric(q, nat_id) for q in queries]
    return None if any(s is None for s in series) else [s for s in series if s is not None]


def _moved(points: list[tuple[datetime, float]], now: datetime, newest: float, oldest: float) -> float:
    """Bytes in the periods that start between ``oldest`` and ``newest`` days before ``now``."""
    start, end = now - timedelta(days=oldest), now - timedelta(days=newest)
    return sum(v for t, v in points if start <= t < end)


def _scaled(money: Money, share: float, note: str) -> Money:
    """``share`` of a known monthly cost, as a saving."""
    if money.amount is None:
        return Money.unknown(CostKind.SAVING, detail=money.detail)
    return Money(
        amount=round(money.amount * share, 2),
        currency=money.currency,
        basis=money.basis,
        kind=CostKind.SAVING,
        detail=f"{share:.0%} of ({money.detail}): {note}",
    )


# --- aws.vpc.nat_gateway_no_internet ----------------------------------------------------------------------


class NoInternetParams(BaseModel):
    """Parameters of ``aws.vpc.nat_gateway_no_internet``."""

    min_age_days: int = Field(
        7, ge=0, description="Only judge NAT gateways created at least this many days ago."
    )
    max_bytes: int = Field(
        100_000_000,
        ge=0,
        description="Bytes over the last 30 days above which the gateway is in use anyway (translating "
        "traffic to private destinations) and is not reported.",
    )


def no_internet_queries(params: NoInternetParams) -> list[MetricQuery]:
    """Daily bytes of every NAT gateway over 30 days (the idle check's series)."""
    return _bytes_queries(30)


PRIVATE_TARGETS = ("TransitGatewayId", "VpcPeeringConnectionId", "CoreNetworkArn", "LocalGatewayId")


@check(
    id="aws.vpc.nat_gateway_no_internet",
    title="Public NAT gateway with no route to the internet",
    resource_type="nat_gateway",
    severity=Severity.HIGH,
    needs=["ec2:nat_gateways", "ec2:route_tables", "ec2:internet_gateways"],
    params=NoInternetParams,
    klass="orphan",
    metrics=no_internet_queries,
    rationale="""
        A public NAT gateway sends internet-bound traffic to the internet gateway through the route table
        of the subnet it sits in. When its VPC has no attached internet gateway (`no_igw`), or its subnet's
        route table (explicit association, else the VPC's main table) has no active 0.0.0.0/0 route to
        one, it cannot reach the internet while still billing every hour. The original's `public_subnet`
        scenario flags the opposite, a NAT gateway in a subnet with an internet gateway route, which is
        the required setup; we report the gateway whose subnet has no such route instead. A public NAT
        gateway can also translate traffic to a transit gateway or peering connection: one that moved
        more than `max_bytes` in 30 days is doing that and is not reported, one whose subnet routes
        there gets medium confidence, else high (traffic unknown or nil). Private and regional NAT
        gateways are not judged.
    """,
    recommendation=(
        "Move its routes to a NAT gateway in a public subnet (or add the missing internet gateway route), "
        "then delete it: aws ec2 delete-nat-gateway --nat-gateway-id <id>"
    ),
    covers_original=["aws:nat_gateway/no_igw", "aws:nat_gateway/public_subnet"],
)
def nat_gateway_no_internet(ctx: CheckContext, params: NoInternetParams) -> Iterator[Hit]:
    """Public zonal NAT gateways whose VPC has no internet gateway or whose subnet does not route to one."""
    tables = ctx.get("ec2:route_tables")
    queries = no_internet_queries(params)
    attached: dict[str, list[str]] = {}
    for igw in ctx.get("ec2:internet_gateways"):
        for att in igw.get("Attachments") or []:
            if att.get("State") in ("available", "attached") and att.get("VpcId"):
                attached.setdefault(str(att["VpcId"]), []).append(str(igw.get("InternetGatewayId")))
    for nat, age in _available(ctx, params.min_age_days):
        if not _is_public(nat) or not _zonal(nat):
            continue
        nat_id, vpc_id, subnet_id = str(nat["NatGatewayId"]), str(nat.get("VpcId")), str(nat["SubnetId"])
        table = subnet_route_table(subnet_id, vpc_id, tables)
        if vpc_id not in attached:
            scenario = "no_igw"
            reason = f"NAT gateway {nat_id} is public but its VPC {vpc_id} has no attached internet gateway."
        else:
            if table is None:
                continue  # its subnet's route table is not known: unknown
            routes = table.get("Routes") or []
            to_igw = any(
                r.get("DestinationCidrBlock") == "0.0.0.0/0"
                and str(r.get("GatewayId") or "").startswith("igw-")
                and r.get("State", "active") == "active"
                for r in routes
            )
            if to_igw:
                continue
            scenario = "public_subnet"
            reason = (
                f"NAT gateway {nat_id} is public but its subnet {subnet_id} (route table "
                f"{table.get('RouteTableId')}) has no route to an internet gateway."
            )
        # either direction alone above max_bytes already proves traffic (a lower bound of what it processed)
        known = [x for x in (ctx.metric(q, nat_id) for q in queries) if x is not None]
        moved = sum(x.total for x in known) if known else None
        if moved is not None and moved > params.max_bytes:
            continue  # it moves traffic: private NAT to a transit gateway, peering or VPN
        private_paths = [
            str(r.get(k)) for r in (table or {}).get("Routes") or [] for k in PRIVATE_TARGETS if r.get(k)
        ]
        cost, allocations = _nat_cost(ctx, nat)
        yield Hit(
            resource=_nat_resource(ctx, nat),
            reason=reason,
            cost=cost,
            evidence={
                "vpc_id": vpc_id,
                "subnet_id": subnet_id,
                "subnet_route_table": (table or {}).get("RouteTableId"),
                "internet_gateways": attached.get(vpc_id, []),
                "private_routes": sorted(set(private_paths)),
                "bytes_last_30_days": moved,
                "age_days": round(age, 1),
                "scenario": scenario,
            },
            confidence=Confidence.MEDIUM if private_paths else Confidence.HIGH,
            cost_includes=allocations,
            cost_group=nat_group(nat_id),
        )


# --- aws.vpc.redundant_nat_gateway ---------------------------------------------------------------------


class RedundantNatParams(BaseModel):
    """Parameters of ``aws.vpc.redundant_nat_gateway``."""

    min_age_days: int = Field(
        7, ge=0, description="Only judge NAT gateways created at least this many days ago."
    )
    window_days: int = Field(
        30, ge=1, le=455, description="Days of daily traffic used to pick the one to keep."
    )


def redundant_queries(params: RedundantNatParams) -> list[MetricQuery]:
    """Daily bytes of every NAT gateway (the same series as aws.vpc.idle_nat_gateway's)."""
    return _bytes_queries(params.window_days)


@check(
    id="aws.vpc.redundant_nat_gateway",
    title="Several NAT gateways in one VPC and Availability Zone",
    resource_type="nat_gateway",
    severity=Severity.MEDIUM,
    needs=["ec2:nat_gateways", "ec2:subnets", "ec2:route_tables"],
    params=RedundantNatParams,
    klass="orphan",
    metrics=redundant_queries,
    rationale="""
        One NAT gateway per Availability Zone gives a VPC zone-resilient egress; a second one of the same
        connectivity type in the same VPC and zone adds no resilience and bills every hour. Zones come from
        the gateways' subnets. In each such group the gateway that moved the most bytes over
        `window_days` (else the one most associated route tables use, else the oldest) is kept and every
        other one is reported. One that no associated route table uses gets medium confidence; one that
        still carries routes low, because partners may allow-list each gateway's Elastic IP. The cost is
        the gateway's own (moving its routes to the kept one in the same zone adds no transfer charge).
    """,
    recommendation=(
        "Point its route tables at the NAT gateway kept in the same zone, then delete it: "
        "aws ec2 delete-nat-gateway --nat-gateway-id <id>"
    ),
    covers_original=["aws:nat_gateway/redundant_same_az"],
)
def redundant_nat_gateway(ctx: CheckContext, params: RedundantNatParams) -> Iterator[Hit]:
    """All but one NAT gateway of each (VPC, zone, connectivity type)."""
    zone_of = {str(s["SubnetId"]): str(s.get("AvailabilityZone")) for s in ctx.get("ec2:subnets")}
    tables = ctx.get("ec2:route_tables")
    queries = redundant_queries(params)
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for nat, _age in _available(ctx, 0):
        zone = zone_of.get(str(nat.get("SubnetId")))
        if _zonal(nat) and zone:
            key = (str(nat.get("VpcId")), zone, str(nat.get("ConnectivityType", "public")))
            groups.setdefault(key, []).append(nat)
    for (vpc_id, zone, kind), members in groups.items():
        if len(members) < 2:
            continue

        def rank(nat: Mapping[str, Any]) -> tuple[float, int, float]:
            series = _bytes(ctx, queries, str(nat["NatGatewayId"]))
            moved = sum(s.total for s in series) if series else -1.0
            used = len(_route_tables(str(nat["NatGatewayId"]), tables)[1])
            return (moved, used, age_days(nat.get("CreateTime"), ctx.now) or 0.0)

        ranked = sorted(members, key=rank, reverse=True)
        keep = str(ranked[0]["NatGatewayId"])
        for nat in ranked[1:]:
            age = age_days(nat.get("CreateTime"), ctx.now) or 0.0
            if age < params.min_age_days:
                continue
            nat_id = str(nat["NatGatewayId"])
            _refs, associated = _route_tables(nat_id, tables)
            moved, _, _ = rank(nat)
            cost, allocations = _nat_cost(ctx, nat)
            yield Hit(
                resource=_nat_resource(ctx, nat),
                reason=f"NAT gateway {nat_id} is one of {len(members)} {kind} NAT gateways in VPC {vpc_id} "
                f"and zone {zone}; {keep} is kept.",
                cost=cost,
                evidence={
                    "vpc_id": vpc_id,
                    "availability_zone": zone,
                    "connectivity_type": kind,
                    "same_zone_gateways": sorted(str(m["NatGatewayId"]) for m in members),
                    "kept": keep,
                    "bytes_over_window": moved if moved >= 0 else None,
                    "associated_route_tables": associated,
                    "age_days": round(age, 1),
                    "scenario": "redundant_same_az",
                },
                confidence=Confidence.LOW if associated else Confidence.MEDIUM,
                recommendation=(
                    f"Point route tables {', '.join(associated) or '(none)'} at {keep}, then delete it: "
                    f"aws ec2 delete-nat-gateway --nat-gateway-id {nat_id}"
                ),
                cost_includes=allocations,
                cost_group=nat_group(nat_id),
            )


# --- aws.vpc.low_traffic_nat_gateway -------------------------------------------------------------------


class LowTrafficNatParams(BaseModel):
    """Parameters of ``aws.vpc.low_traffic_nat_gateway``."""

    min_age_days: int = Field(
        30, ge=1, description="Only judge NAT gateways created at least this many days ago."
    )
    low_traffic_gb: float = Field(
        10.0,
        ge=0,
        description="GB moved over the last 30 days at or below which the gateway is lightly used.",
    )
    review_max_bytes: int = Field(
        100_000_000,
        ge=0,
        description="At or below this many bytes in 30 days the gateway is aws.vpc.idle_nat_gateway's.",
    )
    traffic_drop_percent: float = Field(
        90.0,
        ge=1,
        le=100,
        description="Drop of the last 7 days' daily traffic against days 90 to 60 ago at or above which "
        "the gateway looks left over from a migration.",
    )


def low_traffic_queries(params: LowTrafficNatParams) -> list[MetricQuery]:
    """Daily bytes of every NAT gateway over 90 days."""
    return _bytes_queries(90)


@check(
    id="aws.vpc.low_traffic_nat_gateway",
    title="NAT gateway with little traffic, or whose traffic collapsed",
    resource_type="nat_gateway",
    severity=Severity.LOW,
    needs=["ec2:nat_gateways", "ec2:subnets", "ec2:route_tables"],
    params=LowTrafficNatParams,
    klass="idle",
    metrics=low_traffic_queries,
    rationale="""
        Reads 90 days of daily bytes processed (in from sources + in from destinations) of each
        available gateway that an associated route table uses, at least `min_age_days` old.
        `obsolete_migration`: at least 90 days old and its daily traffic over the last 7 days fell by
        `traffic_drop_percent` or more from days 90 to 60 ago; what moved it has probably moved on
        (low confidence; the cost is the gateway's). `low_traffic`: at most `low_traffic_gb` over the
        last 30 days while its VPC has a NAT gateway in another zone; routing through that one trades
        zone resilience for its hourly charge,
        and the saving is that charge minus the inter-AZ transfer its traffic would then pay (low
        confidence). Gateways at or below `review_max_bytes` are left to aws.vpc.idle_nat_gateway;
        missing data is unknown.
    """,
    recommendation=(
        "If the workload that used it is gone, or another zone's NAT gateway can carry its traffic, "
        "move its routes and delete it: aws ec2 delete-nat-gateway --nat-gateway-id <id>"
    ),
    covers_original=["aws:nat_gateway/low_traffic", "aws:nat_gateway/obsolete_migration"],
)
def low_traffic_nat_gateway(ctx: CheckContext, params: LowTrafficNatParams) -> Iterator[Hit]:
    """Routed NAT gateways whose traffic collapsed or is light enough to consolidate."""
    queries = low_traffic_queries(params)
    tables = ctx.get("ec2:route_tables")
    zone_of = {str(s["SubnetId"]): str(s.get("AvailabilityZone")) for s in ctx.get("ec2:subnets")}
    nats = [n for n in ctx.get("ec2:nat_gateways") if n.get("State") == "available"]
    transfer = ctx.prices.get("ec2.data_transfer.inter_az.gb", ctx.region)
    for nat, age in _available(ctx, params.min_age_days):
        nat_id = str(nat["NatGatewayId"])
        _refs, associated = _route_tables(nat_id, tables)
        series = _bytes(ctx, queries, nat_id)
        if not associated or series is None:
            continue
        points = [(t, v) for s in series for t, v in zip(s.timestamps, s.values, strict=False)]

        recent30, recent7, baseline = (
            _moved(points, ctx.now, newest, oldest) for newest, oldest in ((0, 30), (0, 7), (60, 90))
        )
        if recent30 <= params.review_max_bytes:
            continue
        evidence: dict[str, Any] = {
            "bytes_last_30_days": recent30,
            "bytes_last_7_days": recent7,
            "bytes_days_90_to_60_ago": baseline,
            "age_days": round(age, 1),
            "associated_route_tables": associated,
            "metrics": {q.metric: s.evidence() for q, s in zip(queries, series, strict=True)},
        }
        drop = 1 - (recent7 / 7) / (baseline / 30) if baseline > 0 else 0.0
        zone = zone_of.get(str(nat.get("SubnetId")))
        others = [
            str(n["NatGatewayId"])
            for n in nats
            if n.get("VpcId") == nat.get("VpcId")
            and n["NatGatewayId"] != nat_id
            and zone_of.get(str(n.get("SubnetId"))) not in (None, zone)
            and n.get("ConnectivityType", "public") == nat.get("ConnectivityType", "public")
        ]
        full, allocations = _nat_cost(ctx, nat)
        gb30 = recent30 / 1e9
        if age >= 90 and drop * 100 >= params.traffic_drop_percent:
            scenario = "obsolete_migration"
            cost = full
            reason = (
                f"NAT gateway {nat_id} moved {recent7 / 7 / 1e9:.3f} GB a day over the last 7 days, "
                f"{drop:.0%} less than 90 to 60 days ago ({baseline / 30 / 1e9:.3f} GB a day)."
            )
        elif gb30 <= params.low_traffic_gb and others:
            scenario = "low_traffic"
            if full.amount is None or transfer is None:
                cost = Money.unknown(CostKind.SAVING, detail=full.detail or "no inter-AZ transfer price")
            else:
                moved = round(gb30 * 2 * transfer.amount * ctx.prices.hours_per_month / (30 * 24), 2)
                cost = Money(
                    amount=max(0.0, round(full.amount - moved, 2)),
                    basis=weakest(full.basis, CostBasis.ESTIMATE),
                    kind=CostKind.SAVING,
                    detail=f"({full.detail}) - {gb30:.2f} GB a month x 2 directions x "
                    f"${transfer.amount:g}/GB inter-AZ (ec2.data_transfer.inter_az.gb) once routed "
                    f"through {others[0]}",
                )
            reason = (
                f"NAT gateway {nat_id} moved only {gb30:.2f} GB in the last 30 days while {others[0]} "
                f"serves another zone of VPC {nat.get('VpcId')}."
            )
            evidence["other_zone_gateways"] = others
        else:
            continue
        yield Hit(
            resource=_nat_resource(ctx, nat),
            reason=reason,
            cost=cost,
            evidence=evidence | {"traffic_drop": round(drop, 3), "scenario": scenario},
            confidence=Confidence.LOW,
            cost_includes=allocations if scenario == "obsolete_migration" else (),
            cost_group=nat_group(nat_id),
        )


# --- aws.vpc.nat_gateway_missing_endpoints ------------------------------------------------------------------

GATEWAY_SERVICES = ("s3", "dynamodb")


class EndpointParams(BaseModel):
    """Parameters of ``aws.vpc.nat_gateway_missing_endpoints``."""

    window_days: int = Field(30, ge=1, le=455, description="Days of daily NAT traffic read.")
    min_gb: float = Field(
        50.0, ge=0, description="GB moved over the window at or above which missing endpoints matter."
    )


def endpoint_queries(params: EndpointParams) -> list[MetricQuery]:
    """Daily bytes of every NAT gateway."""
    return _bytes_queries(params.window_days)


@check(
    id="aws.vpc.nat_gateway_missing_endpoints",
    title="Busy NAT gateway whose route tables have no S3 or DynamoDB gateway endpoint",
    resource_type="nat_gateway",
    severity=Severity.MEDIUM,
    needs=["ec2:nat_gateways", "ec2:route_tables", "ec2:vpc_endpoints"],
    params=EndpointParams,
    klass="policy",
    metrics=endpoint_queries,
    rationale="""
        Traffic to S3 and DynamoDB through a NAT gateway pays its data processing charge ($0.045/GB in
        us-east-1); gateway VPC endpoints for both services are free. A NAT gateway that moved at least
        `min_gb` over `window_days` is reported when some route table that sends traffic to it has no
        available S3 or DynamoDB gateway endpoint (an interface endpoint of the service in the VPC also
        counts). CloudWatch does not say how much of the traffic goes to those services (VPC Flow Logs
        would), so the saving is unknown: the original's 30 % of the NAT traffic was a guess. The upper
        bound, all of the gateway's data processing, is in the evidence.
    """,
    recommendation=(
        "Add gateway endpoints to the route tables that use the NAT gateway: aws ec2 create-vpc-endpoint "
        "--vpc-id <vpc> --service-name com.amazonaws.<region>.s3 --route-table-ids <tables>"
    ),
    covers_original=["aws:nat_gateway/vpc_endpoint_candidate"],
)
def nat_gateway_missing_endpoints(ctx: CheckContext, params: EndpointParams) -> Iterator[Hit]:
    """Busy NAT gateways whose route tables lack free gateway endpoints."""
    queries = endpoint_queries(params)
    tables = ctx.get("ec2:route_tables")
    endpoints = [e for e in ctx.get("ec2:vpc_endpoints") if str(e.get("State", "")).lower() == "available"]
    gb_price = ctx.prices.get("vpc.nat_gateway.gb", ctx.region)
    for nat, age in _available(ctx, 0):
        nat_id, vpc_id = str(nat["NatGatewayId"]), str(nat.get("VpcId"))
        _refs, associated = _route_tables(nat_id, tables)
        series = _bytes(ctx, queries, nat_id)
        if not associated or series is None:
            continue
        gb = sum(s.total for s in series) / 1e9
        if gb < params.min_gb:
            continue
        missing: dict[str, list[str]] = {}
        for service in GATEWAY_SERVICES:
            # com.amazonaws.<region>.s3; in the China regions an interface endpoint's service is
            # cn.com.amazonaws.<region>.s3 while the gateway one keeps com.amazonaws.<region>.s3
            names = {f"{prefix}.{ctx.region}.{service}" for prefix in ("com.amazonaws", "cn.com.amazonaws")}
            mine = [e for e in endpoints if e.get("VpcId") == vpc_id and e.get("ServiceName") in names]
            if any(e.get("VpcEndpointType") == "Interface" for e in mine):
                continue
            covered = {
                str(t)
                for e in mine
                if e.get("VpcEndpointType") == "Gateway"
                for t in e.get("RouteTableIds") or []
            }
            lacking = [t for t in associated if t not in covered]
            if lacking:
                missing[service] = lacking
        if not missing:
            continue
        upper = (
            round(gb * gb_price.amount * ctx.prices.hours_per_month / (params.window_days * 24), 2)
            if gb_price
            else None
        )
        services = " and ".join(f"{s.upper() if s == 's3' else 'DynamoDB'}" for s in missing)
        yield Hit(
            resource=_nat_resource(ctx, nat),
            reason=f"NAT gateway {nat_id} moved {gb:.0f} GB in {whole_days(params.window_days)} and route "
            f"tables that use it have no {services} gateway endpoint.",
            cost=Money.unknown(
                CostKind.SAVING,
                detail="the S3/DynamoDB share of the gateway's traffic is not in CloudWatch; at most all "
                f"of its data processing, {gb:.0f} GB x ${gb_price.amount:g}/GB (vpc.nat_gateway.gb)"
                if gb_price
                else "the S3/DynamoDB share of the gateway's traffic is not in CloudWatch",
            ),
            evidence={
                "vpc_id": vpc_id,
                "gb_over_window": round(gb, 2),
                "window_days": params.window_days,
                "route_tables_missing_endpoint": missing,
                "data_processing_monthly_upper_bound": upper,
                "metrics": {q.metric: s.evidence() for q, s in zip(queries, series, strict=True)},
                "age_days": round(age, 1),
                "scenario": "vpc_endpoint_candidate",
            },
            confidence=Confidence.MEDIUM,
            recommendation=" ; ".join(
                f"aws ec2 create-vpc-endpoint --vpc-id {vpc_id} "
                f"--service-name com.amazonaws.{ctx.region}.{s} --route-table-ids {' '.join(t)}"
                for s, t in missing.items()
            ),
        )


# --- aws.vpc.off_hours_nat_gateway -------------------------------------------------------------------------


class OffHoursNatParams(HoursParams):
    """Parameters of ``aws.vpc.off_hours_nat_gateway``."""

    min_age_days: int = Field(
        14, ge=0, description="Only judge NAT gateways created at least this many days ago."
    )
    window_days: int = Field(14, ge=7, le=14, description="Days of hourly CloudWatch traffic read.")
    business_traffic_percent: float = Field(
        90.0,
        ge=50,
        le=100,
        description="Share of the window's bytes inside working hours at or above which the gateway serves "
        "a working-hours workload (the original's 90 %).",
    )


def off_hours_nat_queries(params: OffHoursNatParams) -> list[MetricQuery]:
    """Hourly bytes of every NAT gateway."""
    return _bytes_queries(params.window_days)


@check(
    id="aws.vpc.off_hours_nat_gateway",
    title="NAT gateway whose traffic comes only in working hours",
    resource_type="nat_gateway",
    severity=Severity.LOW,
    needs=["ec2:nat_gateways"],
    params=OffHoursNatParams,
    klass="policy",
    metrics=off_hours_nat_queries,
    rationale="""
        A NAT gateway cannot be stopped; it bills every hour until deleted, and it can be recreated with
        the same Elastic IP. One whose hourly bytes over `window_days` fall at least
        `business_traffic_percent` inside the working week could exist only in working hours, which is
        realistic for non-production VPCs: tagged non-production (the original's `dev_test_unused_hours`)
        gives medium confidence, untagged low. Hours without a datapoint count as no traffic (CloudWatch
        publishes NAT metrics while the gateway exists; a gateway with no datapoint at all is unknown).
        The saving is the gateway's fixed monthly charge times the week's off-hours share.
    """,
    recommendation=(
        "Create the NAT gateway from your IaC for working hours only, keeping its Elastic IP allocation; "
        "outside them: aws ec2 delete-nat-gateway --nat-gateway-id <id>"
    ),
    covers_original=["aws:nat_gateway/dev_test_unused_hours"],
)
def off_hours_nat_gateway(ctx: CheckContext, params: OffHoursNatParams) -> Iterator[Hit]:
    """NAT gateways whose bytes fall almost entirely inside the working week."""
    queries = off_hours_nat_queries(params)
    share = off_hours_share(params)
    week = working_week(params)
    for nat, age in _available(ctx, params.min_age_days):
        nat_id = str(nat["NatGatewayId"])
        series = _bytes(ctx, queries, nat_id)
        if series is None or sum(s.total for s in series) <= 0:
            continue
        profiles = [profile(s, params, ctx.now) for s in series]
        inside = sum(sum(p.business) for p in profiles)
        total = inside + sum(sum(p.off) for p in profiles)
        if inside / total * 100 < params.business_traffic_percent:
            continue
        tag = nonprod_tag(aws_tags(nat))
        full, allocations = _nat_cost(ctx, nat)
        yield Hit(
            resource=_nat_resource(ctx, nat),
            reason=f"NAT gateway {nat_id} moved {inside / total:.0%} of its {total / 1e9:.2f} GB over "
            f"{whole_days(params.window_days)} inside {week}.",
            cost=_scaled(full, share, f"the hours outside {week}"),
            evidence={
                "working_week": week,
                "off_hours_share": round(share, 3),
                "business_hours_share_of_bytes": round(inside / total, 3),
                "nonprod_tag": f"{tag[0]}={tag[1]}" if tag else None,
                "metrics": {q.metric: s.evidence() for q, s in zip(queries, series, strict=True)},
                "age_days": round(age, 1),
                "scenario": "dev_test_unused_hours",
            },
            confidence=Confidence.MEDIUM if tag else Confidence.LOW,
            cost_includes=allocations,
            cost_group=nat_group(nat_id),
        )
