"""Load balancer checks: empty load balancers, rules without a backend, idle traffic, backends that
are all unhealthy, and retired Basic SKU load balancers and public IPs.

The Network API gives no creation time for a load balancer (the original used a hard-coded 30 or 90
days instead, so its age-based confidence was fiction): these rules are age-free, and the metric rules
judge only the window Azure Monitor returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.azure._common import (
    RESOURCE_GROUPS,
    norm,
    outside_managed_groups,
    props,
    region_of,
    resource,
    resource_group,
    tags,
)
from cloudwaste.checks.azure.network import (
    by_id,
    frontend_public_ips,
    lb_backends,
    lb_billable_rules,
    lb_charge,
    lb_rules,
    public_ip_monthly,
    public_ips_monthly,
    ref,
    refs,
    sku_of,
    total,
)
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Severity
from cloudwaste.pricing.aws import with_note

LBS = "azure:load_balancers"
IPS = "azure:public_ip_addresses"
NO_AGE = "unknown: the Network API gives no creation time for load balancers"
AKS_LB_NAMES = ("kubernetes", "kubernetes-internal")
BUSY_STATES = ("updating", "deleting")
DELETE = "Delete it if no DNS record or client points at its frontends"


def _aks_managed(lb: Mapping[str, Any]) -> bool:
    """The load balancer AKS creates and reconciles for a cluster (deleting it does not stick)."""
    name = str(lb.get("name") or "").lower()
    managed_group = resource_group(lb.get("id")).lower().startswith("mc_")
    aks_tag = any(k.lower().startswith("aks-managed") for k in tags(lb))
    return name in AKS_LB_NAMES and (managed_group or aks_tag)


def _lb_cost(
    ctx: CheckContext, lb: Mapping[str, Any], ips: Mapping[str, Mapping[str, Any]]
) -> tuple[Money, tuple[str, ...]]:
    """Its hourly charge + its frontend public IPs; (money, priced IP ids)."""
    parts, priced, missing = public_ips_monthly(ctx, frontend_public_ips(lb), ips)
    money = total([lb_charge(ctx, lb), *parts], missing=len(missing))
    return money, tuple(priced)


def _lb_evidence(lb: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    p = props(lb)
    sku = sku_of(lb)
    return {
        "sku": sku.get("name"),
        "tier": sku.get("tier"),
        "backend_pools": len(p.get("backendAddressPools") or []),
        "backend_members": lb_backends(lb),
        "rules": lb_rules(lb),
        "probes": len(p.get("probes") or []),
        "frontend_public_ips": frontend_public_ips(lb),
        "age": NO_AGE,
        **extra,
    }


def _busy(lb: Mapping[str, Any]) -> bool:
    return str(props(lb).get("provisioningState") or "").lower() in BUSY_STATES


# --- empty -----------------------------------------------------------------------------------


@check(
    id="azure.network.empty_load_balancer",
    title="Load balancer with no backends or no rules",
    resource_type="load_balancer",
    severity=Severity.MEDIUM,
    needs=[LBS, IPS, RESOURCE_GROUPS],
    klass="orphan",
    rationale="""
        A load balancer with no backend member (no NIC configuration or IP address in any backend pool and
        no inbound NAT rule pointing at a NIC) forwards nothing; one with no load-balancing rule, inbound NAT
        rule, NAT pool or outbound rule does nothing even with backends (with outbound rules alone it gives
        its backends outbound SNAT and is in use). Nothing configured at all is the original's "never used"
        variant. The original waited for ages it made up (the API gives no creation time): these rules are
        age-free. The cost is the Standard hourly charge, which counts load-balancing and outbound rules (the
        first five together, then per rule; inbound NAT rules are free, so a load balancer without such rules
        has no hourly charge), plus its frontend public IPs; a Basic load balancer is free. The load balancer
        AKS manages for a cluster (`kubernetes` in an `MC_` group) is left to the cluster, as is every load
        balancer in a resource group a service manages (its `managedBy`: an AKS node group of any name,
        Databricks, managed applications).
    """,
    recommendation=f"{DELETE}: az network lb delete --ids <id>",
    covers_original=[
        "azure:load_balancer_no_backend_instances",
        "azure:load_balancer_no_inbound_rules",
        "azure:load_balancer_never_used",
    ],
    covers_peers=["azure.network.empty_load_balancer"],
)
def empty_load_balancer(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Load balancers with no backend member, or with members but no rule at all."""
    ips = by_id(ctx.get(IPS))
    for lb in outside_managed_groups(ctx, ctx.get(LBS)):
        if _busy(lb) or _aks_managed(lb):
            continue
        counts = lb_rules(lb)
        inbound = counts["loadBalancingRules"] + counts["inboundNatRules"] + counts["inboundNatPools"]
        outbound = counts["outboundRules"]
        backends = lb_backends(lb)
        name = str(lb.get("name") or lb["id"])
        if backends == 0 and inbound + outbound == 0:
            scenario, confidence = "azure:load_balancer_never_used", Confidence.HIGH
            reason = f"Load balancer {name} has no backend and no rule: nothing was ever set up on it."
        elif backends == 0:
            scenario, confidence = "azure:load_balancer_no_backend_instances", Confidence.HIGH
            reason = (
                f"Load balancer {name} has {inbound + outbound} rule(s) but no backend member in any pool."
            )
        elif inbound + outbound == 0:
            scenario, confidence = "azure:load_balancer_no_inbound_rules", Confidence.MEDIUM
            reason = (
                f"Load balancer {name} has {backends} backend member(s) but no load-balancing, NAT or "
                "outbound rule, so it forwards nothing."
            )
        else:
            continue
        cost, includes = _lb_cost(ctx, lb, ips)
        yield Hit(
            resource=resource(lb, "load_balancer", created_field=None),
            reason=reason,
            cost=cost,
            evidence=_lb_evidence(lb, scenario=scenario),
            confidence=confidence,
            cost_includes=includes,
            cost_group=f"lb:{norm(lb['id'])}",
            region=region_of(lb, ctx),
        )


# --- rules without backends --------------------------------------------------------------------


@check(
    id="azure.network.lb_rule_missing_backend",
    title="Load balancer rules whose backend pool is missing or empty",
    resource_type="load_balancer",
    severity=Severity.LOW,
    needs=[LBS, RESOURCE_GROUPS],
    klass="hygiene",
    rationale="""
        A load-balancing or outbound rule with no backend pool, with a pool id that is not one of the load
        balancer's pools, or whose pools are all empty forwards nothing, yet a Standard load balancer bills
        every such rule beyond the first five (and the first five together). Load balancers with no backend
        at all are reported by `azure.network.empty_load_balancer` and skipped here. The saving is the
        hourly charge with the broken rules minus the charge without them (0 when the load balancer stays
        within its first five rules, or is Basic and free).
    """,
    recommendation="Remove the broken rules (az network lb rule delete --lb-name <lb> -g <rg> -n <rule>) "
    "or point them at a populated pool",
    covers_original=[],
    covers_peers=["azure.network.lb_rule_missing_backend"],
)
def lb_rule_missing_backend(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Rules of populated load balancers whose pools are absent, unknown or empty."""
    for lb in outside_managed_groups(ctx, ctx.get(LBS)):
        if _busy(lb) or lb_backends(lb) == 0:
            continue
        p = props(lb)
        members = {
            norm(pool.get("id")): len(props(pool).get("backendIPConfigurations") or [])
            + len(props(pool).get("loadBalancerBackendAddresses") or [])
            for pool in p.get("backendAddressPools") or []
        }
        broken: list[dict[str, Any]] = []
        for kind in ("loadBalancingRules", "outboundRules"):
            for rule in p.get(kind) or []:
                rp = props(rule)
                pools = [
                    i for i in [ref(rp.get("backendAddressPool")), *refs(rp.get("backendAddressPools"))] if i
                ]
                pools = list(dict.fromkeys(pools))
                if not pools:
                    problem = "no backend pool"
                elif any(pool not in members for pool in pools):
                    problem = "a backend pool that is not on this load balancer"
                elif all(members[pool] == 0 for pool in pools):
                    problem = "only empty backend pools"
                else:
                    continue
                broken.append({"rule": rule.get("name"), "kind": kind, "problem": problem})
        if not broken:
            continue
        rules = lb_billable_rules(lb)
        before, after = lb_charge(ctx, lb), lb_charge(ctx, lb, rules=rules - len(broken))
        if before.amount is None or after.amount is None:
            saving = Money.unknown(CostKind.SAVING, detail=before.detail)
        else:
            saving = Money(
                amount=round(before.amount - after.amount, 2),
                basis=before.basis,
                kind=CostKind.SAVING,
                detail=f"{rules} -> {rules - len(broken)} rules: ({before.detail}) - ({after.detail})",
            )
        name = str(lb.get("name") or lb["id"])
        listed = ", ".join(f"{b['rule']} ({b['problem']})" for b in broken)
        yield Hit(
            resource=resource(lb, "load_balancer", created_field=None),
            reason=f"Load balancer {name} has {len(broken)} rule(s) that forward nothing: {listed}.",
            cost=saving,
            evidence=_lb_evidence(lb, broken_rules=broken),
            confidence=Confidence.MEDIUM,
            region=region_of(lb, ctx),
        )


# --- idle traffic ------------------------------------------------------------------------------


class IdleLbParams(BaseModel):
    """Parameters of ``azure.network.idle_load_balancer``."""

    window_days: int = Field(
        30, ge=1, le=93, description="Days of daily ByteCount/PacketCount totals to read."
    )
    max_bytes: int = Field(1_048_576, ge=0, description="Bytes over the window at or below which it is idle.")
    max_packets: int = Field(1000, ge=0, description="Packets over the window at or below which it is idle.")


LB_METRICS = ("ByteCount", "PacketCount", "SYNCount")


def lb_queries(params: IdleLbParams) -> list[MetricQuery]:
    """Daily ByteCount, PacketCount and SYNCount totals of every load balancer."""
    return [
        MetricQuery(
            namespace="Microsoft.Network/loadBalancers",
            metric=metric,
            dimension="",
            collection=LBS,
            id_field="id",
            stat="Total",
            period_s=86400,
            days=params.window_days,
        )
        for metric in LB_METRICS
    ]


@check(
    id="azure.network.idle_load_balancer",
    title="Load balancer with (almost) no traffic",
    resource_type="load_balancer",
    severity=Severity.MEDIUM,
    needs=[LBS, IPS, RESOURCE_GROUPS],
    params=IdleLbParams,
    klass="idle",
    metrics=lb_queries,
    rationale="""
        A Standard load balancer with backends and rules whose Azure Monitor `ByteCount` total over
        `window_days` is at most `max_bytes` (1 MiB) and whose `PacketCount` total is at most `max_packets`
        (1000, as Cloud Custodian's inactive-load-balancer policy) serves no one; `SYNCount` is shown as
        evidence. No traffic at all gives high confidence, a trickle medium. Missing data for either metric
        is unknown, never idle; Basic load balancers have no such metrics and are free. Empty load balancers
        are reported by `azure.network.empty_load_balancer` (same cost group). The cost is its hourly
        charge plus its frontend public IPs.
    """,
    recommendation=f"{DELETE}: az network lb delete --ids <id>",
    covers_original=["azure:load_balancer_no_traffic"],
    covers_peers=["azure.network.idle_load_balancer"],
)
def idle_load_balancer(ctx: CheckContext, params: IdleLbParams) -> Iterator[Hit]:
    """Populated Standard load balancers whose traffic totals are under the thresholds."""
    queries = lb_queries(params)
    ips = by_id(ctx.get(IPS))
    for lb in outside_managed_groups(ctx, ctx.get(LBS)):
        if _busy(lb) or str(sku_of(lb).get("name") or "Basic").lower() == "basic":
            continue
        if lb_backends(lb) == 0 or sum(lb_rules(lb).values()) == 0:
            continue
        series = [ctx.metric(q, str(lb["id"])) for q in queries]
        byte_s, packet_s, syn_s = series
        if byte_s is None or packet_s is None:
            continue
        if byte_s.total > params.max_bytes or packet_s.total > params.max_packets:
            continue
        name = str(lb.get("name") or lb["id"])
        silent = byte_s.total == 0 and packet_s.total == 0
        reason = (
            f"Load balancer {name} carried {byte_s.total:,.0f} bytes and {packet_s.total:,.0f} packets in "
            f"the last {params.window_days} days."
        )
        cost, includes = _lb_cost(ctx, lb, ips)
        yield Hit(
            resource=resource(lb, "load_balancer", created_field=None),
            reason=reason,
            cost=cost,
            evidence=_lb_evidence(
                lb,
                scenario="azure:load_balancer_no_traffic",
                window_days=params.window_days,
                bytes_total=byte_s.total,
                packets_total=packet_s.total,
                syn_total=syn_s.total if syn_s is not None else None,
                metrics={
                    q.metric: (s.evidence() if s is not None else None)
                    for q, s in zip(queries, series, strict=True)
                },
            ),
            confidence=Confidence.HIGH if silent else Confidence.MEDIUM,
            cost_includes=includes,
            cost_group=f"lb:{norm(lb['id'])}",
            region=region_of(lb, ctx),
        )


# --- unhealthy backends ------------------------------------------------------------------------


class UnhealthyParams(BaseModel):
    """Parameters of ``azure.network.lb_backends_unhealthy``."""

    min_unhealthy_days: int = Field(
        14, ge=1, le=93, description="Daily health-probe datapoints, all at 0 %, needed to flag it."
    )


def health_queries(params: UnhealthyParams) -> list[MetricQuery]:
    """Daily average health probe status (DipAvailability) of every load balancer."""
    return [
        MetricQuery(
            namespace="Microsoft.Network/loadBalancers",
            metric="DipAvailability",
            dimension="",
            collection=LBS,
            id_field="id",
            stat="Average",
            period_s=86400,
            days=params.min_unhealthy_days,
        )
    ]


@check(
    id="azure.network.lb_backends_unhealthy",
    title="Load balancer whose backends have all failed their health probes",
    resource_type="load_balancer",
    severity=Severity.MEDIUM,
    needs=[LBS, IPS, RESOURCE_GROUPS],
    params=UnhealthyParams,
    klass="idle",
    metrics=health_queries,
    rationale="""
        A Standard load balancer with backends and health probes whose health probe status (Azure Monitor
        `DipAvailability`, daily average) was 0 % on each of the last `min_unhealthy_days` days (14, as the
        original) sends traffic nowhere: every backend is down or unreachable. The original inferred health
        from inbound NAT port mappings, which say nothing about probes. Fewer datapoints than days (a load
        balancer younger than the window, or no data) is unknown. Medium confidence: the backends may be
        down on purpose. The cost is its hourly charge plus its frontend public IPs. Load balancers in a
        resource group a service manages (`managedBy`) are left to it: an AKS service with
        `externalTrafficPolicy: Local` fails the probes of every node without one of its pods by design.
    """,
    recommendation="Fix the backends or their probe, or delete the load balancer: "
    "az network lb delete --ids <id>",
    covers_original=["azure:load_balancer_all_backends_unhealthy"],
    covers_peers=[],
)
def lb_backends_unhealthy(ctx: CheckContext, params: UnhealthyParams) -> Iterator[Hit]:
    """Standard load balancers whose health probe status was 0 every day of the window."""
    (query,) = health_queries(params)
    ips = by_id(ctx.get(IPS))
    for lb in outside_managed_groups(ctx, ctx.get(LBS)):
        if _busy(lb) or str(sku_of(lb).get("name") or "Basic").lower() == "basic":
            continue
        if lb_backends(lb) == 0 or not props(lb).get("probes"):
            continue
        series = ctx.metric(query, str(lb["id"]))
        if series is None or len(series.values) < params.min_unhealthy_days or series.maximum > 0:
            continue
        cost, includes = _lb_cost(ctx, lb, ips)
        name = str(lb.get("name") or lb["id"])
        yield Hit(
            resource=resource(lb, "load_balancer", created_field=None),
            reason=(
                f"Every backend of load balancer {name} failed its health probe on each of the last "
                f"{len(series.values)} days (health probe status 0 %)."
            ),
            cost=cost,
            evidence=_lb_evidence(
                lb,
                scenario="azure:load_balancer_all_backends_unhealthy",
                metrics={"DipAvailability": series.evidence()},
            ),
            confidence=Confidence.MEDIUM,
            cost_includes=includes,
            cost_group=f"lb:{norm(lb['id'])}",
            region=region_of(lb, ctx),
        )


# --- retired Basic SKU -------------------------------------------------------------------------


@check(
    id="azure.network.basic_sku_retired",
    title="Basic SKU load balancer or public IP (retired 30 September 2025)",
    resource_type="load_balancer",
    severity=Severity.HIGH,
    needs=[LBS, IPS],
    klass="legacy",
    rationale="""
        Basic SKU load balancers and Basic SKU public IPs were retired on 30 September 2025: no SLA, no
        support, and Microsoft's migration guidance moves them to Standard. Every Basic load balancer and
        every associated Basic public IP is flagged. The cost is what each costs now (a Basic load balancer
        is free; a Basic IP $0.0036/h static, $0.004/h dynamic while it holds an address) and the reason
        gives the migration cost honestly: Standard costs more (the load balancer's Standard hourly charge
        for its rules, $0.005/h per address), so the upgrade raises the bill. The original reported Basic
        load balancers at $0 with a fixed $18.25 future price whatever their rules. Unassociated Basic IPs
        are reported for deletion by `azure.network.unattached_public_ip`.
    """,
    recommendation="Upgrade to Standard with Microsoft's Basic Load Balancer upgrade script "
    "(Start-AzBasicLoadBalancerUpgrade) or, for a lone address, az network public-ip update --ids <id> "
    "--allocation-method Static --sku Standard after dissociating it",
    covers_original=["azure:load_balancer_basic_sku_retired"],
    covers_peers=[],
)
def basic_sku_retired(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Basic load balancers and associated Basic public IPs, with their Standard migration cost."""
    for lb in ctx.get(LBS):
        if str(sku_of(lb).get("name") or "").lower() != "basic":
            continue
        after = lb_charge(ctx, lb, as_standard=True)
        after_text = f"${after.amount:.2f}" if after.amount is not None else "an unknown amount"
        name = str(lb.get("name") or lb["id"])
        rules = lb_billable_rules(lb)
        yield Hit(
            resource=resource(lb, "load_balancer", created_field=None),
            reason=(
                f"Load balancer {name} uses the Basic SKU, retired on 30 September 2025; as Standard with "
                f"its {rules} billable rule(s) it would cost {after_text} a month (Basic is free)."
            ),
            cost=with_note(
                lb_charge(ctx, lb), f"Standard after migration: {after_text}/month ({after.detail})"
            ),
            evidence=_lb_evidence(
                lb,
                scenario="azure:load_balancer_basic_sku_retired",
                migration={
                    "target_sku": "Standard",
                    "monthly_after": after.amount,
                    "monthly_delta": after.amount,
                },
            ),
            confidence=Confidence.HIGH,
            region=region_of(lb, ctx),
        )
    for ip in ctx.get(IPS):
        p = props(ip)
        if str(sku_of(ip).get("name") or "Basic").lower() != "basic":
            continue
        if not (ref(p.get("ipConfiguration")) or ref(p.get("natGateway"))):
            continue
        region = region_of(ip, ctx)
        now = public_ip_monthly(ctx, ip)
        after = ctx.prices.monthly("azure.public_ip.standard.hour", region, what="Standard IP")
        delta = None if now.amount is None or after.amount is None else round(after.amount - now.amount, 2)
        after_text = f"${after.amount:.2f}" if after.amount is not None else "an unknown amount"
        more = f" (+${delta:.2f})" if delta is not None else ""
        name = str(ip.get("name") or ip["id"])
        yield Hit(
            resource=resource(ip, "public_ip", created_field=None),
            reason=(
                f"Public IP {name} uses the Basic SKU, retired on 30 September 2025; as Standard it costs "
                f"{after_text} a month{more}."
            ),
            cost=with_note(now, f"current Basic charge; Standard costs {after_text}/month"),
            evidence={
                "scenario": "basic_public_ip_retired",
                "sku": "Basic",
                "allocation": p.get("publicIPAllocationMethod"),
                "ip_address": p.get("ipAddress"),
                "ip_configuration": (p.get("ipConfiguration") or {}).get("id"),
                "migration": {
                    "target_sku": "Standard",
                    "monthly_after": after.amount,
                    "monthly_delta": delta,
                },
            },
            confidence=Confidence.HIGH,
            recommendation=(
                f"Dissociate it, then az network public-ip update --ids {ip['id']} --allocation-method "
                "Static --sku Standard, and re-associate it (or upgrade its Basic load balancer with the "
                "upgrade script)"
            ),
            cost_group=f"public_ip:{norm(ip['id'])}",
            region=region,
        )
