"""Cloud Router and Cloud NAT checks: routers that route nothing, NAT gateways with no traffic or no VMs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import days_since, last_segment, norm_url, region_of, resource, whole_days
from cloudwaste.checks.gcp._compute import (
    ADDRESSES,
    INSTANCES,
    ROUTERS,
    address_monthly,
    by_url,
    region_name,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, Money, Resource, Severity
from cloudwaste.pricing.aws import add, with_note

SENT = "router.googleapis.com/nat/sent_bytes_count"
RECEIVED = "router.googleapis.com/nat/received_bytes_count"
NAT_VM_CAP = 32  # above 32 VMs the gateway's hourly charge is flat
MB = 1_000_000


def nat_resource(router: Mapping[str, Any], nat: Mapping[str, Any]) -> Resource:
    """A NAT gateway as a resource: ``<router path>/nats/<name>`` (NATs live inside their router)."""
    base = resource(router, "cloud_nat")
    return base.model_copy(
        update={"id": f"{base.id}/nats/{nat.get('name')}", "name": str(nat.get("name")), "arn": None}
    )


def served_instances(
    ctx: CheckContext, router: Mapping[str, Any], nat: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """RUNNING instances the NAT can serve: a NIC without an external IP in the router's network and
    region, and in one of the NAT's subnetworks when it lists them (``LIST_OF_SUBNETWORKS``)."""
    network = norm_url(router.get("network"))
    region = region_name(router)
    ranges = nat.get("sourceSubnetworkIpRangesToNat") or "ALL_SUBNETWORKS_ALL_IP_RANGES"
    listed = {norm_url(s.get("name")) for s in nat.get("subnetworks") or []}
    found = []
    for instance in ctx.get(INSTANCES):
        if instance.get("status") != "RUNNING" or region_name(instance) != region:
            continue
        for nic in instance.get("networkInterfaces") or []:
            if norm_url(nic.get("network")) != network or nic.get("accessConfigs"):
                continue
            if ranges == "LIST_OF_SUBNETWORKS" and norm_url(nic.get("subnetwork")) not in listed:
                continue
            found.append(instance)
            break
    return found


def nat_monthly(ctx: CheckContext, router: Mapping[str, Any], nat: Mapping[str, Any], vms: int) -> Money:
    """A NAT gateway's fixed monthly charge: the per-VM hourly rate for the VMs it serves (flat above 32
    VMs) plus its manually assigned NAT IPs at the in-use rate. Data processing is extra, per GB."""
    region = region_name(router)
    parts: list[Money] = []
    if vms > NAT_VM_CAP:
        parts.append(ctx.prices.monthly("gcp.compute.nat.gateway_max.hour", region, what="gateway (>32 VMs)"))
    elif vms:
        parts.append(ctx.prices.monthly("gcp.compute.nat.vm.hour", region, vms, what="VM"))
    addresses = by_url(ctx.get(ADDRESSES))
    manual = [norm_url(u) for u in nat.get("natIps") or []]
    if manual:
        parts.append(address_monthly(ctx, region, "in_use_standard_vm", len(manual)))
    money = add(
        parts, empty_detail="no VM to serve: the per-VM gateway charge is $0, and it has no manual NAT IP"
    )
    if nat.get("natIpAllocateOption", "AUTO_ONLY") == "AUTO_ONLY":
        money = with_note(money, "auto-allocated NAT IPs not included")
    missing = [u for u in manual if u not in addresses]
    if missing:
        money = with_note(money, f"{len(missing)} NAT IP(s) not listed among the addresses")
    return money


def _nat_command(router: Mapping[str, Any], nat: Mapping[str, Any]) -> str:
    return (
        f"gcloud compute routers nats delete {nat.get('name')} --router={router.get('name')} "
        f"--region={region_name(router)}"
    )


# --- gcp.compute.unattached_router ----------------------------------------------------------------


class RouterParams(BaseModel):
    """Parameters of ``gcp.compute.unattached_router``."""

    min_days: int = Field(7, ge=0, description="Only flag routers created at least this many days ago.")


@check(
    id="gcp.compute.unattached_router",
    title="Cloud Router with no NAT, interface or BGP peer",
    resource_type="cloud_router",
    severity=Severity.LOW,
    needs=[ROUTERS],
    params=RouterParams,
    klass="hygiene",
    rationale="""
        A Cloud Router does something only through a Cloud NAT gateway (`nats`), an interface to a VPN
        tunnel or Interconnect attachment (`interfaces`), or a BGP session (`bgpPeers`); one with none of
        them is a leftover. Cloud Router itself has no charge, so this is hygiene at $0 (no direct charge),
        as in Cloud Custodian's unattached-router policy; the NAT gateways, tunnels and attachments that
        do bill are the other checks' business.
    """,
    recommendation="Delete it: gcloud compute routers delete <name> --region=<region>",
    covers_original=[],
    covers_peers=["gcp.compute.unattached_router"],
)
def unattached_router(ctx: CheckContext, params: RouterParams) -> Iterator[Hit]:
    """Routers without NATs, interfaces and BGP peers, at least ``min_days`` old."""
    for router in ctx.get(ROUTERS):
        if router.get("nats") or router.get("interfaces") or router.get("bgpPeers"):
            continue
        days = days_since(router.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        yield Hit(
            resource=resource(router, "cloud_router"),
            reason=f"Cloud Router {router.get('name')} has no NAT gateway, interface or BGP peer; it was "
            f"created {whole_days(days)} ago.",
            cost=Money(amount=0.0, basis=CostBasis.BUNDLED_PRICE, detail="no direct charge"),
            evidence={
                "network": last_segment(router.get("network")),
                "age_days": round(days, 1),
                "scenario": "unattached",
            },
            confidence=Confidence.HIGH,
            recommendation=f"gcloud compute routers delete {router.get('name')} "
            f"--region={region_name(router)}",
            region=region_of(router, ctx),
        )


# --- gcp.compute.idle_nat --------------------------------------------------------------------------


class IdleNatParams(BaseModel):
    """Parameters of ``gcp.compute.idle_nat``."""

    window_days: int = Field(14, ge=3, le=42, description="Days of daily NAT traffic to look at.")
    min_datapoints: int = Field(7, ge=1, description="Days with data needed; fewer means unknown, not idle.")
    max_daily_mb: float = Field(
        1.0, ge=0, description="Flag when every day's sent + received traffic is at most this many MB."
    )


def _nat_queries(params: IdleNatParams) -> list[MetricQuery]:
    common: dict[str, Any] = {
        "namespace": "nat_gateway",
        "dimension": "router_id",
        "collection": ROUTERS,
        "id_field": "id",
        "stat": "Sum",
        "period_s": 86400,
        "days": params.window_days,
    }
    return [MetricQuery(metric=SENT, **common), MetricQuery(metric=RECEIVED, **common)]


def _series(ctx: CheckContext, query: MetricQuery, router: Mapping[str, Any]) -> MetricSeries | None:
    """The router's NAT traffic: the provider sums the series of all its gateways per day."""
    return ctx.metric(query, str(router.get("id") or ""))


@check(
    id="gcp.compute.idle_nat",
    title="Cloud NAT gateway with almost no traffic",
    resource_type="cloud_nat",
    severity=Severity.MEDIUM,
    needs=[ROUTERS, INSTANCES, ADDRESSES],
    params=IdleNatParams,
    klass="idle",
    metrics=_nat_queries,
    rationale="""
        Cloud NAT bills an hourly charge per VM it serves (flat above 32 VMs) and its NAT IPs, plus data
        processing per GB. A NAT gateway is flagged when the daily sums (ALIGN_SUM per day) of
        `router.googleapis.com/nat/sent_bytes_count` plus `received_bytes_count` on its `nat_gateway`
        resource stay at or below `max_daily_mb` on every day of `window_days` (no byte at all gives high
        confidence). Series are read by `router_id`, summed over the router's gateways, so a router with two
        NATs flags both only when their total is that low (the total bounds each). Fewer than
        `min_datapoints` days of data is unknown, never idle: a gateway with no series at all is covered by
        `gcp.compute.nat_without_vms` when no VM can use it. The cost is the fixed charge: VMs served
        (RUNNING, no external IP, in the router's network, region and listed subnetworks) at the per-VM
        rate, and manual NAT IPs at the in-use rate (data processing is not charged when nothing flows).
    """,
    recommendation="Delete the NAT gateway: gcloud compute routers nats delete <name> --router=<router> "
    "--region=<region>",
    covers_original=["gcp:gcp_nat_gateway_idle", "gcp:gcp_nat_devtest_unused"],
    covers_peers=[],
)
def idle_nat(ctx: CheckContext, params: IdleNatParams) -> Iterator[Hit]:
    """NAT gateways whose daily traffic never exceeds ``max_daily_mb``."""
    sent_q, received_q = _nat_queries(params)
    for router in ctx.get(ROUTERS):
        for nat in router.get("nats") or []:
            sent, received = _series(ctx, sent_q, router), _series(ctx, received_q, router)
            if sent is None or received is None:
                continue
            points = min(len(sent.values), len(received.values))
            if points < params.min_datapoints:
                continue
            daily = [a + b for a, b in zip(sent.values, received.values, strict=False)]
            busiest = max(daily, default=0.0) / MB
            if busiest > params.max_daily_mb:
                continue
            total = sum(daily)
            vms = served_instances(ctx, router, nat)
            yield Hit(
                resource=nat_resource(router, nat),
                reason=f"Cloud NAT {nat.get('name')} on router {router.get('name')} moved at most "
                f"{busiest:,.2f} MB "
                f"a day over {points} days; it serves {len(vms)} VM(s).",
                cost=nat_monthly(ctx, router, nat, len(vms)),
                evidence={
                    "router": router.get("name"),
                    "window_days": params.window_days,
                    "datapoints": points,
                    "max_daily_mb": round(busiest, 3),
                    "total_bytes": total,
                    "sent_bytes": sent.evidence(),
                    "received_bytes": received.evidence(),
                    "vms_served": len(vms),
                    "nat_ips": [last_segment(u) for u in nat.get("natIps") or []],
                    "ip_allocation": nat.get("natIpAllocateOption", "AUTO_ONLY"),
                    "scenario": "zero_traffic" if total == 0 else "low_traffic",
                },
                confidence=Confidence.HIGH if total == 0 else Confidence.MEDIUM,
                recommendation=_nat_command(router, nat),
                region=region_of(router, ctx),
            )


# --- gcp.compute.nat_without_vms ---------------------------------------------------------------------


class NoVmParams(BaseModel):
    """Parameters of ``gcp.compute.nat_without_vms``."""

    min_days: int = Field(
        7, ge=0, description="Only flag NATs of routers created at least this many days ago."
    )


@check(
    id="gcp.compute.nat_without_vms",
    title="Cloud NAT gateway that no VM in its network and region can use",
    resource_type="cloud_nat",
    severity=Severity.LOW,
    needs=[ROUTERS, INSTANCES, ADDRESSES],
    params=NoVmParams,
    klass="orphan",
    rationale="""
        A NAT gateway serves the VMs without an external IP in its router's network and region (only the
        listed subnetworks with `LIST_OF_SUBNETWORKS`). When no RUNNING instance matches, the gateway has
        nothing to translate, which the original calls regional waste. Cloud NAT's hourly charge is per VM
        served, so such a gateway bills only its manually assigned NAT IPs (in-use rate); with none, the
        finding is hygiene at $0. Gateways that also serve proxies (`endpointTypes` other than
        ENDPOINT_TYPE_VM) are skipped, and the confidence is medium: Cloud Run and Cloud Functions with
        Direct VPC egress or a Serverless VPC Access connector also leave through Cloud NAT and are not VMs
        of this project.
    """,
    recommendation="Delete the NAT gateway: gcloud compute routers nats delete <name> --router=<router> "
    "--region=<region>",
    covers_original=["gcp:gcp_nat_regional_waste"],
    covers_peers=[],
)
def nat_without_vms(ctx: CheckContext, params: NoVmParams) -> Iterator[Hit]:
    """NAT gateways with no RUNNING instance to serve."""
    for router in ctx.get(ROUTERS):
        days = days_since(router.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        for nat in router.get("nats") or []:
            if any(t != "ENDPOINT_TYPE_VM" for t in nat.get("endpointTypes") or ["ENDPOINT_TYPE_VM"]):
                continue
            if served_instances(ctx, router, nat):
                continue
            scope = (
                "its listed subnetworks"
                if nat.get("sourceSubnetworkIpRangesToNat") == "LIST_OF_SUBNETWORKS"
                else f"network {last_segment(router.get('network'))} in {region_name(router)}"
            )
            yield Hit(
                resource=nat_resource(router, nat),
                reason=f"Cloud NAT {nat.get('name')} on router {router.get('name')} has no running VM "
                "without an "
                f"external IP in {scope} to serve.",
                cost=nat_monthly(ctx, router, nat, 0),
                evidence={
                    "router": router.get("name"),
                    "network": last_segment(router.get("network")),
                    "ranges": nat.get("sourceSubnetworkIpRangesToNat"),
                    "subnetworks": [last_segment(s.get("name")) for s in nat.get("subnetworks") or []],
                    "nat_ips": [last_segment(u) for u in nat.get("natIps") or []],
                    "router_age_days": round(days, 1),
                    "scenario": "no_vms",
                },
                confidence=Confidence.MEDIUM,
                recommendation=_nat_command(router, nat),
                region=region_of(router, ctx),
            )
