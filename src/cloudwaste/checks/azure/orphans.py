"""Network orphans of the Azure orphaned-resources workbook: NICs, NSGs, route tables, private
endpoints, private DNS zones, DDoS plans, virtual network gateways, ExpressRoute circuits, IP groups,
Front Door WAF policies, Traffic Manager profiles, and empty VNets and subnets.

Several of these cost nothing: they are hygiene findings with a known cost of 0 whose reason says
"no direct charge". The ones Azure bills (private endpoints, private DNS zones, DDoS plans, gateways,
circuits, classic Front Door WAF policies) carry their price from the book.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cloudwaste.checks.azure._common import (
    RESOURCE_GROUPS,
    norm,
    outside_managed_groups,
    props,
    region_of,
    resource,
)
from cloudwaste.checks.azure.network import by_id, public_ips_monthly, ref, sku_of, total, zero
from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.registry import NoParams, check
from cloudwaste.model import Confidence, CostKind, Money, Severity
from cloudwaste.pricing.aws import add

BUSY_STATES = ("updating", "deleting")


def _busy(item: Mapping[str, Any]) -> bool:
    return str(props(item).get("provisioningState") or "").lower() in BUSY_STATES


def _name(item: Mapping[str, Any]) -> str:
    return str(item.get("name") or item["id"])


def _free(what: str) -> Money:
    return zero(CostKind.COST, f"no direct charge: Azure does not bill {what}")


# --- NICs, NSGs, route tables ----------------------------------------------------------------------


@check(
    id="azure.network.orphan_nic",
    title="Network interface attached to no VM",
    resource_type="network_interface",
    severity=Severity.LOW,
    needs=["azure:network_interfaces", RESOURCE_GROUPS],
    klass="hygiene",
    rationale="""
        A NIC whose `virtualMachine` is empty is attached to nothing (the orphan workbook and Cloud
        Custodian's orphaned-nic rule). The NICs Azure services own are excluded as the workbook does: a
        private endpoint's (`privateEndpoint`), a private link service's (`privateLinkService`) and Azure
        NetApp Files' (`hostedWorkloads`); scale set NICs are not in the list. NICs are free: the finding
        has a cost of 0 ("no direct charge"); a public IP left on it is billed and reported by
        `azure.network.public_ip_on_idle_resource`.
    """,
    recommendation="Delete it if no VM will take it back: az network nic delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.orphan_nic"],
)
def orphan_nic(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """NICs with no VM, excluding service-owned NICs."""
    # a NIC in a service-managed group (AKS node group, Databricks, ARO) is the service's to delete
    for nic in outside_managed_groups(ctx, ctx.get("azure:network_interfaces")):
        p = props(nic)
        if ref(p.get("virtualMachine")) or _busy(nic):
            continue
        if p.get("privateEndpoint") or p.get("privateLinkService") or p.get("hostedWorkloads"):
            continue
        public = [ref(props(c).get("publicIPAddress")) for c in p.get("ipConfigurations") or []]
        public = [i for i in public if i]
        extra = f"; it still holds {len(public)} public IP(s)" if public else ""
        yield Hit(
            resource=resource(nic, "network_interface", created_field=None),
            reason=f"Network interface {_name(nic)} is attached to no VM{extra}.",
            cost=_free("network interfaces"),
            evidence={
                "public_ips": public,
                "network_security_group": ref(p.get("networkSecurityGroup")) or None,
            },
            confidence=Confidence.HIGH,
            region=region_of(nic, ctx),
        )


@check(
    id="azure.network.orphan_nsg",
    title="Network security group attached to no NIC or subnet",
    resource_type="network_security_group",
    severity=Severity.LOW,
    needs=["azure:network_security_groups"],
    klass="hygiene",
    rationale="""
        An NSG with no `networkInterfaces` and no `subnets` filters nothing (the orphan workbook's rule).
        NSGs are free: the finding is clutter with a cost of 0 ("no direct charge"), worth removing so that
        nobody edits rules that protect nothing.
    """,
    recommendation="Delete it: az network nsg delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.orphan_nsg"],
)
def orphan_nsg(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """NSGs with neither NICs nor subnets."""
    for nsg in ctx.get("azure:network_security_groups"):
        p = props(nsg)
        if p.get("networkInterfaces") or p.get("subnets") or _busy(nsg):
            continue
        yield Hit(
            resource=resource(nsg, "network_security_group", created_field=None),
            reason=f"Network security group {_name(nsg)} is attached to no NIC and no subnet.",
            cost=_free("network security groups"),
            evidence={"security_rules": len(p.get("securityRules") or [])},
            confidence=Confidence.HIGH,
            region=region_of(nsg, ctx),
        )


@check(
    id="azure.network.orphan_route_table",
    title="Route table attached to no subnet",
    resource_type="route_table",
    severity=Severity.LOW,
    needs=["azure:route_tables"],
    klass="hygiene",
    rationale="""
        A route table with no `subnets` routes nothing (the orphan workbook's rule). Route tables are free:
        the finding has a cost of 0 ("no direct charge").
    """,
    recommendation="Delete it: az network route-table delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.orphan_route_table"],
)
def orphan_route_table(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Route tables associated with no subnet."""
    for table in ctx.get("azure:route_tables"):
        p = props(table)
        if p.get("subnets") or _busy(table):
            continue
        yield Hit(
            resource=resource(table, "route_table", created_field=None),
            reason=f"Route table {_name(table)} is attached to no subnet.",
            cost=_free("route tables"),
            evidence={"routes": len(p.get("routes") or [])},
            confidence=Confidence.HIGH,
            region=region_of(table, ctx),
        )


# --- private endpoints and DNS -----------------------------------------------------------------------


@check(
    id="azure.network.orphan_private_endpoint",
    title="Private endpoint with a disconnected, rejected or missing connection",
    resource_type="private_endpoint",
    severity=Severity.MEDIUM,
    needs=["azure:private_endpoints"],
    klass="orphan",
    rationale="""
        A private endpoint is billed every hour ($0.01/h, $7.30 a month) plus per GB. One whose connections
        (`privateLinkServiceConnections` and `manualPrivateLinkServiceConnections`) are all `Disconnected`
        (the target was deleted: the orphan workbook's rule) or that has no connection at all (Thrifty)
        reaches nothing: high confidence. All `Rejected` means the owner of the target refused it: medium.
        An `Approved` or `Pending` connection is in use or awaiting approval and is left alone.
    """,
    recommendation="Delete it: az network private-endpoint delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.orphan_private_endpoint"],
)
def orphan_private_endpoint(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Private endpoints whose connections are all Disconnected/Rejected, or that have none."""
    for pe in ctx.get("azure:private_endpoints"):
        p = props(pe)
        if _busy(pe):
            continue
        connections = list(p.get("privateLinkServiceConnections") or []) + list(
            p.get("manualPrivateLinkServiceConnections") or []
        )
        statuses = [
            str((props(c).get("privateLinkServiceConnectionState") or {}).get("status") or "")
            for c in connections
        ]
        lowered = {s.lower() for s in statuses}
        if not connections:
            why, confidence = "has no private link connection", Confidence.HIGH
        elif lowered == {"disconnected"}:
            why, confidence = "has only Disconnected connections (its target is gone)", Confidence.HIGH
        elif lowered <= {"disconnected", "rejected"}:
            why, confidence = "has only Rejected or Disconnected connections", Confidence.MEDIUM
        else:
            continue
        targets = [str(props(c).get("privateLinkServiceId") or "") for c in connections]
        yield Hit(
            resource=resource(pe, "private_endpoint", created_field=None),
            reason=f"Private endpoint {_name(pe)} {why}.",
            cost=ctx.prices.monthly(
                "azure.private_endpoint.hour", region_of(pe, ctx), what="private endpoint"
            ),
            evidence={"connection_statuses": statuses, "targets": [t for t in targets if t]},
            confidence=confidence,
            region=region_of(pe, ctx),
        )


@check(
    id="azure.network.private_dns_zone_no_links",
    title="Private DNS zone linked to no virtual network",
    resource_type="private_dns_zone",
    severity=Severity.LOW,
    needs=["azure:private_dns_zones"],
    klass="orphan",
    rationale="""
        A private DNS zone answers only VNets linked to it: with `numberOfVirtualNetworkLinks` = 0 nobody
        can resolve its records (the orphan workbook's rule). Each zone is billed $0.50 a month (the first
        25 of a subscription; $0.10 beyond), the cost shown.
    """,
    recommendation="Link it to the VNets that need it, or delete it: "
    "az network private-dns zone delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.private_dns_zone_no_links"],
)
def private_dns_zone_no_links(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Private DNS zones with no virtual network link."""
    for zone in ctx.get("azure:private_dns_zones"):
        p = props(zone)
        links = p.get("numberOfVirtualNetworkLinks")
        if links is None or int(links) > 0 or _busy(zone):
            continue
        yield Hit(
            resource=resource(zone, "private_dns_zone", created_field=None),
            reason=f"Private DNS zone {_name(zone)} is linked to no virtual network.",
            cost=ctx.prices.monthly("azure.private_dns.zone.month", region_of(zone, ctx), what="zone"),
            evidence={"virtual_network_links": 0, "record_sets": p.get("numberOfRecordSets")},
            confidence=Confidence.HIGH,
            region=region_of(zone, ctx),
        )


# --- DDoS plans -----------------------------------------------------------------------------------------


@check(
    id="azure.network.ddos_plan_no_vnets",
    title="DDoS Network Protection plan protecting no virtual network",
    resource_type="ddos_protection_plan",
    severity=Severity.CRITICAL,
    needs=["azure:ddos_protection_plans"],
    klass="orphan",
    rationale="""
        A DDoS Network Protection plan bills about $2,944 a month whether or not it protects anything. One
        whose `virtualNetworks` list is empty (it includes VNets of other subscriptions, so empty means
        none anywhere) protects nothing: the orphan workbook's rule, high confidence.
    """,
    recommendation="Delete it if no VNet will be protected: az network ddos-protection delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.ddos_plan_no_vnets"],
)
def ddos_plan_no_vnets(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """DDoS protection plans with no virtual network."""
    for plan in ctx.get("azure:ddos_protection_plans"):
        if props(plan).get("virtualNetworks") or _busy(plan):
            continue
        yield Hit(
            resource=resource(plan, "ddos_protection_plan", created_field=None),
            reason=f"DDoS protection plan {_name(plan)} protects no virtual network.",
            cost=ctx.prices.monthly("azure.ddos.network_plan.month", region_of(plan, ctx), what="plan"),
            evidence={"virtual_networks": 0, "public_ips": len(props(plan).get("publicIPAddresses") or [])},
            confidence=Confidence.HIGH,
            region=region_of(plan, ctx),
        )


# --- gateways and circuits ------------------------------------------------------------------------------


def _p2s(gw: Mapping[str, Any]) -> bool:
    """Whether point-to-site VPN is configured (a client address pool)."""
    conf = props(gw).get("vpnClientConfiguration") or {}
    pool = (conf.get("vpnClientAddressPool") or {}).get("addressPrefixes") or []
    return bool(pool)


@check(
    id="azure.network.idle_vnet_gateway",
    title="Virtual network gateway with no connection and no point-to-site VPN",
    resource_type="virtual_network_gateway",
    severity=Severity.HIGH,
    needs=["azure:virtual_network_gateways", "azure:connections", "azure:public_ip_addresses"],
    klass="orphan",
    rationale="""
        A VPN or ExpressRoute gateway bills every hour (VpnGw1 about $139 a month, VpnGw5 about $2,665). One
        that no connection references (`virtualNetworkGateway1` or `virtualNetworkGateway2` of an
        `azure:connections` item) and that has no point-to-site client address pool connects nothing: the
        orphan workbook's rule (Advisor flags idle gateways after 90 days; the API gives no creation time,
        so the rule is age-free and medium confidence: a gateway may be built before its first connection).
        The cost is the SKU's hourly price plus the gateway's public IPs; SKUs without a bundled price are
        unknown until `cloudwaste pricing refresh azure`.
    """,
    recommendation="Delete it if no site or circuit will connect: az network vnet-gateway delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.idle_vnet_gateway"],
)
def idle_vnet_gateway(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """VPN/ExpressRoute gateways that no connection references and that have no P2S pool."""
    used = set()
    for conn in ctx.get("azure:connections"):
        p = props(conn)
        used |= {ref(p.get("virtualNetworkGateway1")), ref(p.get("virtualNetworkGateway2"))}
    ips = by_id(ctx.get("azure:public_ip_addresses"))
    for gw in ctx.get("azure:virtual_network_gateways"):
        p = props(gw)
        kind = str(p.get("gatewayType") or "")
        if kind.lower() not in ("vpn", "expressroute") or norm(gw.get("id")) in used or _p2s(gw) or _busy(gw):
            continue
        sku = str(sku_of(gw).get("name") or "")
        family = "vpngw" if kind.lower() == "vpn" else "ergw"
        region = region_of(gw, ctx)
        charge = ctx.prices.monthly(f"azure.{family}.{sku.lower()}.hour", region, what=f"{sku} gateway")
        ip_ids = [ref(props(c).get("publicIPAddress")) for c in p.get("ipConfigurations") or []]
        parts, priced, missing = public_ips_monthly(ctx, [i for i in ip_ids if i], ips)
        yield Hit(
            resource=resource(gw, "virtual_network_gateway", created_field=None),
            reason=f"{kind} gateway {_name(gw)} ({sku}) has no connection and no point-to-site VPN.",
            cost=total([charge, *parts], missing=len(missing), note="data transfer excluded"),
            evidence={
                "gateway_type": kind,
                "sku": sku,
                "active_active": p.get("activeActive"),
                "connections": 0,
                "point_to_site": False,
                "public_ips": [i for i in ip_ids if i],
            },
            confidence=Confidence.MEDIUM,
            cost_includes=tuple(priced),
            region=region,
        )


@check(
    id="azure.network.unprovisioned_expressroute",
    title="ExpressRoute circuit the provider never provisioned",
    resource_type="expressroute_circuit",
    severity=Severity.HIGH,
    needs=["azure:express_route_circuits"],
    klass="orphan",
    rationale="""
        An ExpressRoute circuit is billed from the moment its service key is issued, whether or not the
        connectivity provider has provisioned it. A circuit whose `serviceProviderProvisioningState` is
        `NotProvisioned` pays its port fee for no connectivity (Advisor flags one after a month in that
        state; the API gives no creation time, so the rule is age-free with medium confidence). The monthly
        fee depends on tier, family and bandwidth; circuit prices are not bundled, so the cost is unknown
        until `cloudwaste pricing refresh azure` fills it.
    """,
    recommendation="Have the provider provision it, or delete it: az network express-route delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.unprovisioned_expressroute"],
)
def unprovisioned_expressroute(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """ExpressRoute circuits in the NotProvisioned provider state."""
    for circuit in ctx.get("azure:express_route_circuits"):
        p = props(circuit)
        if str(p.get("serviceProviderProvisioningState") or "").lower() != "notprovisioned":
            continue
        sku = circuit.get("sku") or {}
        bandwidth = (p.get("serviceProviderProperties") or {}).get("bandwidthInMbps")
        tier, family = str(sku.get("tier") or "").lower(), str(sku.get("family") or "").lower()
        key = f"azure.expressroute.circuit.{tier}_{family}.{bandwidth}mbps.month"
        yield Hit(
            resource=resource(circuit, "expressroute_circuit", created_field=None),
            reason=(
                f"ExpressRoute circuit {_name(circuit)} ({sku.get('tier')} {sku.get('family')}, "
                f"{bandwidth} Mbps) is billed but its provider never provisioned it."
            ),
            cost=ctx.prices.monthly(key, region_of(circuit, ctx), what="circuit"),
            evidence={
                "service_provider_state": p.get("serviceProviderProvisioningState"),
                "circuit_state": p.get("circuitProvisioningState"),
                "provider": (p.get("serviceProviderProperties") or {}).get("serviceProviderName"),
                "bandwidth_mbps": bandwidth,
                "sku": sku,
            },
            confidence=Confidence.MEDIUM,
            region=region_of(circuit, ctx),
        )


# --- IP groups, Front Door WAF, Traffic Manager ---------------------------------------------------------


@check(
    id="azure.network.orphan_ip_group",
    title="IP group used by no firewall or firewall policy",
    resource_type="ip_group",
    severity=Severity.LOW,
    needs=["azure:ip_groups"],
    klass="hygiene",
    rationale="""
        An IP group that no Azure Firewall (`firewalls`) and no firewall policy (`firewallPolicies`) uses
        is referenced by nothing (the orphan workbook's rule). IP groups are free: cost 0 ("no direct
        charge").
    """,
    recommendation="Delete it: az network ip-group delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.orphan_ip_group"],
)
def orphan_ip_group(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """IP groups with neither firewalls nor firewall policies."""
    for group in ctx.get("azure:ip_groups"):
        p = props(group)
        if p.get("firewalls") or p.get("firewallPolicies") or _busy(group):
            continue
        yield Hit(
            resource=resource(group, "ip_group", created_field=None),
            reason=f"IP group {_name(group)} is used by no firewall or firewall policy.",
            cost=_free("IP groups"),
            evidence={"ip_addresses": len(p.get("ipAddresses") or [])},
            confidence=Confidence.HIGH,
            region=region_of(group, ctx),
        )


@check(
    id="azure.network.orphan_frontdoor_waf_policy",
    title="Front Door WAF policy linked to no endpoint",
    resource_type="frontdoor_waf_policy",
    severity=Severity.LOW,
    needs=["azure:frontdoor_waf_policies"],
    klass="orphan",
    rationale="""
        A Front Door WAF policy with no `frontendEndpointLinks`, `securityPolicyLinks` or `routingRuleLinks`
        protects nothing (the orphan workbook's rule). A classic (`Classic_AzureFrontDoor`) policy is billed
        on its own: $5 a month per policy, $1 per custom rule and $20 per managed rule set, the cost shown. A
        Standard or Premium policy is billed through the Front Door profile it is linked to, so an unlinked
        one costs nothing: cost 0 ("no direct charge").
    """,
    recommendation="Delete it: az network front-door waf-policy delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.orphan_frontdoor_waf_policy"],
)
def orphan_frontdoor_waf_policy(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Front Door WAF policies with no link of any kind."""
    for policy in ctx.get("azure:frontdoor_waf_policies"):
        p = props(policy)
        if any(p.get(k) for k in ("frontendEndpointLinks", "securityPolicyLinks", "routingRuleLinks")):
            continue
        sku = str((policy.get("sku") or {}).get("name") or "Classic_AzureFrontDoor")
        custom = len((p.get("customRules") or {}).get("rules") or [])
        managed = len((p.get("managedRules") or {}).get("managedRuleSets") or [])
        region = region_of(policy, ctx)
        if sku.lower().startswith("classic"):
            parts = [ctx.prices.monthly("azure.frontdoor_waf.classic_policy.month", region, what="policy")]
            if custom:
                parts.append(
                    ctx.prices.monthly(
                        "azure.frontdoor_waf.classic_custom_rule.month", region, custom, what="rule"
                    )
                )
            if managed:
                parts.append(
                    ctx.prices.monthly(
                        "azure.frontdoor_waf.classic_managed_ruleset.month", region, managed, what="rule set"
                    )
                )
            cost = add(parts)
        else:
            cost = _free(
                "a Standard/Premium WAF policy on its own (it is billed through its Front Door profile)"
            )
        yield Hit(
            resource=resource(policy, "frontdoor_waf_policy", created_field=None),
            reason=f"Front Door WAF policy {_name(policy)} ({sku}) is linked to no endpoint or route.",
            cost=cost,
            evidence={"sku": sku, "custom_rules": custom, "managed_rule_sets": managed},
            confidence=Confidence.HIGH,
            region=region,
        )


@check(
    id="azure.network.traffic_manager_no_endpoints",
    title="Traffic Manager profile with no endpoints",
    resource_type="traffic_manager_profile",
    severity=Severity.LOW,
    needs=["azure:traffic_manager_profiles"],
    klass="hygiene",
    rationale="""
        A Traffic Manager profile with an empty `endpoints` list can answer no DNS query with an address
        (the orphan workbook's rule). Traffic Manager has no fixed charge per profile: it bills DNS queries
        and endpoint health checks, and with no endpoint there is nothing to check, so the cost is 0 ("no
        direct charge" beyond any queries still sent to it).
    """,
    recommendation="Delete it: az network traffic-manager profile delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.traffic_manager_no_endpoints"],
)
def traffic_manager_no_endpoints(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Traffic Manager profiles with no endpoint."""
    for profile in ctx.get("azure:traffic_manager_profiles"):
        p = props(profile)
        if p.get("endpoints"):
            continue
        yield Hit(
            resource=resource(profile, "traffic_manager_profile", created_field=None),
            reason=f"Traffic Manager profile {_name(profile)} has no endpoints.",
            cost=zero(
                CostKind.COST,
                "no direct charge: Traffic Manager has no fixed fee and nothing to health-check",
            ),
            evidence={
                "profile_status": p.get("profileStatus"),
                "routing_method": p.get("trafficRoutingMethod"),
            },
            confidence=Confidence.HIGH,
            region=region_of(profile, ctx),
        )


# --- VNets and subnets -------------------------------------------------------------------------------------

SUBNET_LINKS = (
    "ipConfigurations",
    "delegations",
    "serviceAssociationLinks",
    "resourceNavigationLinks",
    "applicationGatewayIPConfigurations",
    "ipConfigurationProfiles",
    "privateEndpoints",
)


@check(
    id="azure.network.empty_vnet",
    title="Virtual network with no subnets",
    resource_type="virtual_network",
    severity=Severity.LOW,
    needs=["azure:virtual_networks"],
    klass="hygiene",
    rationale="""
        A VNet with an empty `subnets` list can host nothing (the orphan workbook's rule). VNets are free
        (peering and traffic are billed, not the network): cost 0 ("no direct charge"). Its address space
        is still reserved against overlaps with future peerings.
    """,
    recommendation="Delete it: az network vnet delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.empty_vnet"],
)
def empty_vnet(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """VNets without subnets."""
    for vnet in ctx.get("azure:virtual_networks"):
        p = props(vnet)
        if p.get("subnets") or _busy(vnet):
            continue
        yield Hit(
            resource=resource(vnet, "virtual_network", created_field=None),
            reason=f"Virtual network {_name(vnet)} has no subnets.",
            cost=_free("virtual networks"),
            evidence={
                "address_space": (p.get("addressSpace") or {}).get("addressPrefixes"),
                "peerings": len(p.get("virtualNetworkPeerings") or []),
            },
            confidence=Confidence.HIGH,
            region=region_of(vnet, ctx),
        )


@check(
    id="azure.network.empty_subnet",
    title="Subnet with no connected device, delegation or service link",
    resource_type="subnet",
    severity=Severity.LOW,
    needs=["azure:virtual_networks"],
    klass="hygiene",
    rationale="""
        A subnet with no IP configuration, no delegation, no service association or navigation link, no
        Application Gateway configuration, no container network profile and no private endpoint holds
        nothing (the orphan workbook's rule, extended to the links through which services occupy a subnet
        without an IP configuration). Subnets are free: cost 0 ("no direct charge"). Reserved subnets
        (`GatewaySubnet`, `AzureFirewallSubnet`...) are included: empty, they are waiting for a gateway or
        firewall that may never come.
    """,
    recommendation="Delete it: az network vnet subnet delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.network.empty_subnet"],
)
def empty_subnet(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Subnets with nothing in them."""
    for vnet in ctx.get("azure:virtual_networks"):
        for subnet in props(vnet).get("subnets") or []:
            p = props(subnet)
            if any(p.get(k) for k in SUBNET_LINKS) or not subnet.get("id"):
                continue
            yield Hit(
                resource=resource(subnet, "subnet", created_field=None),
                reason=f"Subnet {subnet.get('name')} of VNet {_name(vnet)} holds no device and no service.",
                cost=_free("subnets"),
                evidence={
                    "vnet_id": vnet["id"],
                    "address_prefix": p.get("addressPrefix") or p.get("addressPrefixes"),
                    "nat_gateway": ref(p.get("natGateway")) or None,
                    "network_security_group": ref(p.get("networkSecurityGroup")) or None,
                    "route_table": ref(p.get("routeTable")) or None,
                },
                confidence=Confidence.HIGH,
                region=region_of(vnet, ctx),
            )
