"""Application Gateway checks: no backend targets, stopped, no requests, and reserved capacity that
the traffic does not need (too high an autoscale minimum, or fixed capacity with no autoscale).

The Network API gives no creation time for an application gateway (the original used a hard-coded
age): these rules are age-free. A v2 gateway bills a fixed hourly price (which includes its public IP)
plus capacity units, of which every reserved instance (fixed capacity or autoscale minimum) bills 10
whether or not traffic needs them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.azure._common import norm, props, region_of, resource
from cloudwaste.checks.azure.network import (
    CU_PER_INSTANCE,
    V2_SKUS,
    appgw_backends,
    appgw_charge,
    appgw_reserved_instances,
    by_id,
    frontend_public_ips,
    public_ips_monthly,
    ref,
    sku_of,
    total,
)
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Severity
from cloudwaste.pricing.aws import with_note

GWS = "azure:application_gateways"
IPS = "azure:public_ip_addresses"
NAMESPACE = "Microsoft.Network/applicationGateways"
NO_AGE = "unknown: the Network API gives no creation time for application gateways"
NOT_RUNNING = ("stopped", "stopping")


def _sku(gw: Mapping[str, Any]) -> str:
    return str(sku_of(gw).get("name") or "")


def _running(gw: Mapping[str, Any]) -> bool:
    return str(props(gw).get("operationalState") or "Running").lower() not in NOT_RUNNING


def _gw_cost(
    ctx: CheckContext, gw: Mapping[str, Any], ips: Mapping[str, Mapping[str, Any]]
) -> tuple[Money, tuple[str, ...]]:
    """Its charge before traffic + (for v1) its frontend public IPs; (money, IP ids it includes)."""
    ip_ids = frontend_public_ips(gw)
    if _sku(gw).lower() in V2_SKUS:
        return with_note(appgw_charge(ctx, gw), "its public IP is included in the fixed price"), tuple(
            str(ips[i]["id"]) for i in ip_ids if i in ips
        )
    parts, priced, missing = public_ips_monthly(ctx, ip_ids, ips)
    return total([appgw_charge(ctx, gw), *parts], missing=len(missing)), tuple(priced)


def _gw_evidence(gw: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    p = props(gw)
    sku = sku_of(gw)
    return {
        "sku": sku.get("name"),
        "tier": sku.get("tier"),
        "capacity": sku.get("capacity"),
        "autoscale": p.get("autoscaleConfiguration"),
        "operational_state": p.get("operationalState"),
        "backend_pools": len(p.get("backendAddressPools") or []),
        "backend_targets": appgw_backends(gw),
        "frontend_public_ips": frontend_public_ips(gw),
        "age": NO_AGE,
        **extra,
    }


def _redirect_only(gw: Mapping[str, Any]) -> bool:
    """Every routing rule redirects (to a listener or an external URL): no backend is needed."""
    rules = props(gw).get("requestRoutingRules") or []
    return bool(rules) and all(
        ref(props(r).get("redirectConfiguration"))
        and not ref(props(r).get("backendAddressPool"))
        and not ref(props(r).get("urlPathMap"))
        for r in rules
    )


# --- no backends -----------------------------------------------------------------------------


@check(
    id="azure.network.empty_application_gateway",
    title="Application gateway with no backend targets",
    resource_type="application_gateway",
    severity=Severity.HIGH,
    needs=[GWS, IPS],
    klass="orphan",
    rationale="""
        A running application gateway none of whose backend pools holds an address (IP or FQDN) or a NIC
        configuration forwards nothing, yet it bills its fixed price (Standard_v2 about $180, WAF_v2 about
        $323 a month in East US) plus 10 capacity units per reserved instance. A gateway whose routing rules
        all redirect needs no backend and is left alone; a stopped one is reported by
        `azure.network.stopped_application_gateway`. No creation time is available, so the rule is age-free
        (the original used a hard-coded age). The cost is the charge before traffic; a v1 gateway's public IP
        is added, a v2 gateway's is part of its fixed price.
    """,
    recommendation="Delete it if nothing routes through it: az network application-gateway delete --ids <id>",
    covers_original=["azure:application_gateway_no_backend_targets"],
    covers_peers=["azure.network.empty_application_gateway"],
)
def empty_application_gateway(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Running gateways with no backend target in any pool."""
    ips = by_id(ctx.get(IPS))
    for gw in ctx.get(GWS):
        if not _running(gw) or appgw_backends(gw) or _redirect_only(gw):
            continue
        cost, includes = _gw_cost(ctx, gw, ips)
        name = str(gw.get("name") or gw["id"])
        pools = len(props(gw).get("backendAddressPools") or [])
        yield Hit(
            resource=resource(gw, "application_gateway", created_field=None),
            reason=(f"Application gateway {name} ({_sku(gw)}) has no backend target in its {pools} pool(s)."),
            cost=cost,
            evidence=_gw_evidence(gw, scenario="azure:application_gateway_no_backend_targets"),
            confidence=Confidence.HIGH,
            cost_includes=includes,
            cost_group=f"appgw:{norm(gw['id'])}",
            region=region_of(gw, ctx),
        )


# --- stopped ---------------------------------------------------------------------------------


@check(
    id="azure.network.stopped_application_gateway",
    title="Stopped application gateway",
    resource_type="application_gateway",
    severity=Severity.LOW,
    needs=[GWS, IPS],
    klass="orphan",
    rationale="""
        An application gateway whose `operationalState` is `Stopped` bills no gateway hours, but it keeps
        its configuration, its subnet and its frontend public IP. A v1 gateway's dynamic Basic IP is
        released while stopped and costs nothing; a v2 gateway's Standard IP, part of the fixed price while
        it runs, is priced at the Standard IP rate (an estimate: Azure does not document that case). The
        API gives no time of the stop, so the original's 30-day rule cannot be applied: the finding is
        age-free with medium confidence.
    """,
    recommendation="Start it if it is still needed, otherwise delete it and its public IP: "
    "az network application-gateway delete --ids <id>",
    covers_original=["azure:application_gateway_stopped"],
    covers_peers=[],
)
def stopped_application_gateway(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Gateways in the Stopped operational state, priced at their frontend public IPs."""
    ips = by_id(ctx.get(IPS))
    for gw in ctx.get(GWS):
        if str(props(gw).get("operationalState") or "").lower() != "stopped":
            continue
        parts, priced, missing = public_ips_monthly(ctx, frontend_public_ips(gw), ips)
        note = "a stopped gateway bills no gateway hours; its frontend public IPs remain"
        cost = total(parts, missing=len(missing), note=note)
        if _sku(gw).lower() in V2_SKUS and cost.amount:
            cost = cost.model_copy(update={"basis": CostBasis.ESTIMATE})
        name = str(gw.get("name") or gw["id"])
        yield Hit(
            resource=resource(gw, "application_gateway", created_field=None),
            reason=f"Application gateway {name} ({_sku(gw)}) is stopped; only its frontend IPs are billed.",
            cost=cost,
            evidence=_gw_evidence(gw, scenario="azure:application_gateway_stopped"),
            confidence=Confidence.MEDIUM,
            cost_includes=tuple(priced),
            cost_group=f"appgw:{norm(gw['id'])}",
            region=region_of(gw, ctx),
        )


# --- no requests -----------------------------------------------------------------------------


class NoRequestsParams(BaseModel):
    """Parameters of ``azure.network.idle_application_gateway``."""

    window_days: int = Field(30, ge=1, le=93, description="Days of daily TotalRequests totals to read.")
    max_requests: int = Field(100, ge=0, description="Requests over the window at or below which it is idle.")


def request_queries(params: NoRequestsParams) -> list[MetricQuery]:
    """Daily TotalRequests of every application gateway."""
    return [
        MetricQuery(
            namespace=NAMESPACE,
            metric="TotalRequests",
            dimension="",
            collection=GWS,
            id_field="id",
            stat="Total",
            period_s=86400,
            days=params.window_days,
        )
    ]


@check(
    id="azure.network.idle_application_gateway",
    title="Application gateway that served (almost) no requests",
    resource_type="application_gateway",
    severity=Severity.HIGH,
    needs=[GWS, IPS],
    params=NoRequestsParams,
    klass="idle",
    metrics=request_queries,
    rationale="""
        A running application gateway whose Azure Monitor `TotalRequests` total over `window_days` (30) is
        at most `max_requests` (100, as the original) serves no one: high confidence at 0, medium above.
        No datapoints is unknown, never idle. The cost is its charge before traffic (fixed price and
        reserved capacity units; a v1 gateway's instances and public IP).
    """,
    recommendation="Delete it if nothing routes through it: az network application-gateway delete --ids <id>",
    covers_original=["azure:application_gateway_no_requests"],
    covers_peers=[],
)
def idle_application_gateway(ctx: CheckContext, params: NoRequestsParams) -> Iterator[Hit]:
    """Running gateways with at most ``max_requests`` requests over the window."""
    (query,) = request_queries(params)
    ips = by_id(ctx.get(IPS))
    for gw in ctx.get(GWS):
        if not _running(gw):
            continue
        series = ctx.metric(query, str(gw["id"]))
        if series is None or series.total > params.max_requests:
            continue
        cost, includes = _gw_cost(ctx, gw, ips)
        name = str(gw.get("name") or gw["id"])
        yield Hit(
            resource=resource(gw, "application_gateway", created_field=None),
            reason=(
                f"Application gateway {name} served {series.total:,.0f} requests in the last "
                f"{params.window_days} days."
            ),
            cost=cost,
            evidence=_gw_evidence(
                gw,
                scenario="azure:application_gateway_no_requests",
                requests_total=series.total,
                metrics={"TotalRequests": series.evidence()},
            ),
            confidence=Confidence.HIGH if series.total == 0 else Confidence.MEDIUM,
            cost_includes=includes,
            cost_group=f"appgw:{norm(gw['id'])}",
            region=region_of(gw, ctx),
        )


# --- reserved capacity -------------------------------------------------------------------------


class CapacityParams(BaseModel):
    """Parameters of the reserved-capacity checks."""

    window_days: int = Field(30, ge=1, le=93, description="Days of daily peak CapacityUnits to read.")
    max_utilization_percent: float = Field(
        50.0,
        ge=0,
        le=100,
        description="Flag when the peak is at most this share of the reserved capacity units.",
    )


def capacity_queries(params: CapacityParams) -> list[MetricQuery]:
    """Daily maximum of the capacity units each application gateway consumed."""
    return [
        MetricQuery(
            namespace=NAMESPACE,
            metric="CapacityUnits",
            dimension="",
            collection=GWS,
            id_field="id",
            stat="Maximum",
            period_s=86400,
            days=params.window_days,
        )
    ]


def _capacity_saving(
    ctx: CheckContext, gw: Mapping[str, Any], series: MetricSeries | None, new_min: int | None = None
) -> tuple[Money, int, int]:
    """(monthly saving of reserving only what the peak needs, CUs reserved now, CUs reserved after)."""
    reserved = appgw_reserved_instances(gw) * CU_PER_INSTANCE
    if series is None:
        return (
            Money.unknown(CostKind.SAVING, detail="no CapacityUnits data: saving unknown"),
            reserved,
            reserved,
        )
    peak = math.ceil(series.maximum)
    instances = math.ceil(peak / CU_PER_INSTANCE) if new_min is None else new_min
    after = max(instances * CU_PER_INSTANCE, peak)
    key = f"azure.appgw.{_sku(gw).lower()}.cu.hour"
    saving = ctx.prices.monthly(
        key, region_of(gw, ctx), max(0, reserved - after), kind=CostKind.SAVING, what="reserved CU not needed"
    )
    return saving, reserved, after


@check(
    id="azure.network.underutilized_application_gateway",
    title="Application gateway v2 whose autoscale minimum reserves capacity the traffic never uses",
    resource_type="application_gateway",
    severity=Severity.MEDIUM,
    needs=[GWS],
    params=CapacityParams,
    klass="oversized",
    metrics=capacity_queries,
    rationale="""
        Each instance of a v2 gateway's autoscale minimum reserves 10 capacity units, billed every hour
        whatever the traffic. When the daily peak of consumed `CapacityUnits` over `window_days` is at most
        `max_utilization_percent` of those reserved units, the minimum can drop to the instances the peak
        needs (ceil(peak / 10), 0 allowed: autoscaling adds instances on demand). The saving is the reserved
        units above max(new minimum x 10, peak) at the capacity unit price. The original compared use with
        a 5 % bar and offered a move to the Basic SKU it priced from nothing; this measures the billed
        reservation itself. No data is unknown. Fixed-capacity gateways are
        `azure.network.appgw_no_autoscale`.
    """,
    recommendation="Lower the autoscale minimum: az network application-gateway update --ids <id> "
    "--set autoscaleConfiguration.minCapacity=<n>",
    covers_original=["azure:application_gateway_underutilized"],
    covers_peers=[],
)
def underutilized_application_gateway(ctx: CheckContext, params: CapacityParams) -> Iterator[Hit]:
    """Autoscaling v2 gateways whose reserved minimum is far above their peak."""
    (query,) = capacity_queries(params)
    for gw in ctx.get(GWS):
        auto = props(gw).get("autoscaleConfiguration")
        if _sku(gw).lower() not in V2_SKUS or not isinstance(auto, Mapping) or not _running(gw):
            continue
        if appgw_reserved_instances(gw) <= 0:
            continue
        series = ctx.metric(query, str(gw["id"]))
        if series is None:
            continue
        saving, reserved, after = _capacity_saving(ctx, gw, series)
        if series.maximum > reserved * params.max_utilization_percent / 100 or reserved <= after:
            continue
        new_min = math.ceil(math.ceil(series.maximum) / CU_PER_INSTANCE)
        name = str(gw.get("name") or gw["id"])
        yield Hit(
            resource=resource(gw, "application_gateway", created_field=None),
            reason=(
                f"Application gateway {name} reserves {reserved} capacity units (autoscale minimum "
                f"{auto.get('minCapacity')}) but peaked at {series.maximum:.1f} in the last "
                f"{params.window_days} days; a minimum of {new_min} is enough."
            ),
            cost=saving,
            evidence=_gw_evidence(
                gw,
                scenario="azure:application_gateway_underutilized",
                reserved_capacity_units=reserved,
                peak_capacity_units=series.maximum,
                suggested_min_capacity=new_min,
                metrics={"CapacityUnits": series.evidence()},
            ),
            confidence=Confidence.MEDIUM,
            recommendation=(
                f"Lower the autoscale minimum: az network application-gateway update --ids {gw['id']} "
                f"--set autoscaleConfiguration.minCapacity={new_min}"
            ),
            cost_group=f"appgw-capacity:{norm(gw['id'])}",
            region=region_of(gw, ctx),
        )


@check(
    id="azure.network.appgw_no_autoscale",
    title="Application gateway v2 with fixed capacity instead of autoscaling",
    resource_type="application_gateway",
    severity=Severity.MEDIUM,
    needs=[GWS],
    params=CapacityParams,
    klass="policy",
    metrics=capacity_queries,
    rationale="""
        A v2 gateway without an `autoscaleConfiguration` runs its fixed `sku.capacity` instances, each
        reserving 10 billed capacity units, around the clock (Thrifty's autoscaling-disabled control). With
        autoscaling and a minimum of ceil(peak / 10) instances it would bill only what the traffic needs.
        When the daily peak of `CapacityUnits` over `window_days` is known and at most
        `max_utilization_percent` of the reserved units, the saving is the reserved units above the peak at
        the capacity unit price (medium confidence); with no data the rule still holds but the saving is
        unknown (low confidence).
    """,
    recommendation="Enable autoscaling: az network application-gateway update --ids <id> "
    "--set autoscaleConfiguration.minCapacity=<n> autoscaleConfiguration.maxCapacity=<m>",
    covers_original=[],
    covers_peers=["azure.network.appgw_no_autoscale"],
)
def appgw_no_autoscale(ctx: CheckContext, params: CapacityParams) -> Iterator[Hit]:
    """Running v2 gateways with fixed capacity, with the reservation their peak does not need."""
    (query,) = capacity_queries(params)
    for gw in ctx.get(GWS):
        if _sku(gw).lower() not in V2_SKUS or props(gw).get("autoscaleConfiguration") or not _running(gw):
            continue
        capacity = int(sku_of(gw).get("capacity") or 0)
        if capacity <= 0:
            continue
        series = ctx.metric(query, str(gw["id"]))
        saving, reserved, after = _capacity_saving(ctx, gw, series)
        name = str(gw.get("name") or gw["id"])
        if series is None:
            confidence = Confidence.LOW
            reason = (
                f"Application gateway {name} runs a fixed {capacity} instance(s) ({reserved} reserved "
                "capacity units) without autoscaling; no capacity data to size the saving."
            )
            new_min = None
        else:
            if series.maximum > reserved * params.max_utilization_percent / 100 or reserved <= after:
                continue
            confidence = Confidence.MEDIUM
            new_min = math.ceil(math.ceil(series.maximum) / CU_PER_INSTANCE)
            reason = (
                f"Application gateway {name} runs a fixed {capacity} instance(s) ({reserved} reserved "
                f"capacity units) but peaked at {series.maximum:.1f} in the last {params.window_days} days; "
                f"autoscaling with a minimum of {new_min} would do."
            )
        yield Hit(
            resource=resource(gw, "application_gateway", created_field=None),
            reason=reason,
            cost=saving,
            evidence=_gw_evidence(
                gw,
                reserved_capacity_units=reserved,
                peak_capacity_units=series.maximum if series is not None else None,
                suggested_min_capacity=new_min,
                metrics={"CapacityUnits": series.evidence() if series is not None else None},
            ),
            confidence=confidence,
            cost_group=f"appgw-capacity:{norm(gw['id'])}",
            region=region_of(gw, ctx),
        )
