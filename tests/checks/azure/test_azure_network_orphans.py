"""Workbook network orphans: NICs, NSGs, route tables, private endpoints and DNS, DDoS plans, gateways,
circuits, IP groups, Front Door WAF policies, Traffic Manager, empty VNets and subnets."""

from __future__ import annotations

import pytest

from cloudwaste.model import CostKind

NET = "Microsoft.Network"
RG = "/subscriptions/s/resourceGroups/rg/providers"


def _free(hit):
    assert hit.cost.amount == 0.0 and hit.cost.kind is CostKind.COST
    assert "no direct charge" in hit.cost.detail


# --- NICs ----------------------------------------------------------------------------------------


def test_nic_without_vm_is_free_clutter(net, hit_ok):
    nic = net.net_nic("nic-loose", public_ip=net.rid("rg-net", f"{NET}/publicIPAddresses", "pip"))
    (hit,) = net.run("azure.network.orphan_nic", network_interfaces=[nic])
    hit_ok(hit)
    _free(hit)
    assert "public IP" in hit.reason


@pytest.mark.parametrize(
    "kwargs",
    [
        {"private_endpoint": f"{RG}/Microsoft.Network/privateEndpoints/pe"},
        {"private_link_service": f"{RG}/Microsoft.Network/privateLinkServices/p"},
        {"hosted_workloads": [f"{RG}/Microsoft.NetApp/netAppAccounts/a/x"]},
    ],
    ids=["private-endpoint", "private-link-service", "netapp"],
)
def test_trap_service_owned_nics_are_excluded(net, kwargs):
    nic = net.net_nic("nic-svc", **kwargs)
    assert net.run("azure.network.orphan_nic", network_interfaces=[nic]) == []


def test_nic_of_a_vm_is_not_orphan(net):
    nic = net.net_nic("nic-vm", vm=net.vm("vm1"))
    assert net.run("azure.network.orphan_nic", network_interfaces=[nic]) == []


# --- NSGs and route tables ---------------------------------------------------------------------------


def test_nsg_and_route_table_with_no_attachment(net):
    nsg = net.simple(
        f"{NET}/networkSecurityGroups", "nsg-old", {"securityRules": [], "defaultSecurityRules": []}
    )
    rt = net.simple(f"{NET}/routeTables", "rt-old", {"routes": [], "disableBgpRoutePropagation": False})
    (a,) = net.run("azure.network.orphan_nsg", network_security_groups=[nsg])
    (b,) = net.run("azure.network.orphan_route_table", route_tables=[rt])
    _free(a)
    _free(b)


def test_trap_attached_nsg_and_route_table(net):
    nsg = net.simple(f"{NET}/networkSecurityGroups", "nsg", {"subnets": [{"id": net.subnet_id()}]})
    nsg2 = net.simple(f"{NET}/networkSecurityGroups", "nsg2", {"networkInterfaces": [{"id": "/x/nic"}]})
    rt = net.simple(f"{NET}/routeTables", "rt", {"subnets": [{"id": net.subnet_id()}]})
    assert net.run("azure.network.orphan_nsg", network_security_groups=[nsg, nsg2]) == []
    assert net.run("azure.network.orphan_route_table", route_tables=[rt]) == []


# --- private endpoints and DNS ---------------------------------------------------------------------


def _pe(net, statuses, manual=False):
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    target = net.rid("rg-data", "Microsoft.Sql/servers", "sql1")
    connections = [
        {
            "name": f"c{n}",
            "properties": {
                "privateLinkServiceId": target,
                "groupIds": ["sqlServer"],
                "privateLinkServiceConnectionState": {
                    "status": s,
                    "description": "",
                    "actionsRequired": "None",
                },
            },
        }
        for n, s in enumerate(statuses)
    ]
    return net.simple(
        f"{NET}/privateEndpoints", "pe-sql", {key: connections, "subnet": {"id": net.subnet_id()}}
    )


@pytest.mark.parametrize(
    ("statuses", "manual", "confidence"),
    [(["Disconnected"], False, "high"), ([], False, "high"), (["Rejected"], True, "medium")],
    ids=["disconnected", "no-connection", "rejected-manual"],
)
def test_private_endpoint_that_reaches_nothing(net, hit_ok, statuses, manual, confidence):
    (hit,) = net.run("azure.network.orphan_private_endpoint", private_endpoints=[_pe(net, statuses, manual)])
    hit_ok(hit)
    assert hit.confidence.value == confidence
    assert hit.cost.amount == pytest.approx(7.30)


@pytest.mark.parametrize("statuses", [["Approved"], ["Pending"], ["Disconnected", "Approved"]])
def test_trap_approved_or_pending_endpoints_are_in_use(net, statuses):
    assert net.run("azure.network.orphan_private_endpoint", private_endpoints=[_pe(net, statuses)]) == []


@pytest.mark.parametrize(("links", "flagged"), [(0, True), (1, False), (None, False)])
def test_private_dns_zone_links(net, links, flagged):
    props = {"maxNumberOfRecordSets": 25000, "numberOfRecordSets": 3}
    if links is not None:
        props["numberOfVirtualNetworkLinks"] = links
    zone = net.simple(
        "Microsoft.Network/privateDnsZones", "privatelink.database.windows.net", props, location="global"
    )
    hits = net.run("azure.network.private_dns_zone_no_links", private_dns_zones=[zone])
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].cost.amount == pytest.approx(0.50)
        assert hits[0].region == "global"


# --- DDoS plans ----------------------------------------------------------------------------------------


def test_ddos_plan_without_vnets_costs_2944_a_month(net, hit_ok):
    plan = net.simple(f"{NET}/ddosProtectionPlans", "ddos-plan", {"resourceGuid": "g"})
    (hit,) = net.run("azure.network.ddos_plan_no_vnets", ddos_protection_plans=[plan])
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(2944.0)


def test_trap_plan_protecting_a_vnet_of_another_subscription(net):
    other = (
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
        + f"{NET}/virtualNetworks/v"
    )
    plan = net.simple(f"{NET}/ddosProtectionPlans", "ddos-plan", {"virtualNetworks": [{"id": other}]})
    assert net.run("azure.network.ddos_plan_no_vnets", ddos_protection_plans=[plan]) == []


# --- virtual network gateways ------------------------------------------------------------------------


def _gateway(net, *, kind="Vpn", sku="VpnGw1", p2s=False, ip=None):
    props = {
        "gatewayType": kind,
        "vpnType": "RouteBased",
        "activeActive": False,
        "enableBgp": False,
        "sku": {"name": sku, "tier": sku, "capacity": 2},
        "ipConfigurations": [
            {
                "id": net.rid("rg-net", f"{NET}/virtualNetworkGateways", "vgw") + "/ipConfigurations/default",
                "name": "default",
                "properties": {
                    "privateIPAllocationMethod": "Dynamic",
                    "subnet": {"id": net.subnet_id(subnet="GatewaySubnet")},
                    **({"publicIPAddress": {"id": ip["id"]}} if ip else {}),
                },
            }
        ],
    }
    if p2s:
        props["vpnClientConfiguration"] = {
            "vpnClientAddressPool": {"addressPrefixes": ["172.16.201.0/24"]},
            "vpnClientProtocols": ["OpenVPN"],
        }
    else:
        props["vpnClientConfiguration"] = {"vpnClientAddressPool": {"addressPrefixes": []}}
    return net.simple(f"{NET}/virtualNetworkGateways", "vgw", props)


def _connection(net, gateway_id):
    return net.simple(
        f"{NET}/connections",
        "cn-onprem",
        {
            "connectionType": "IPsec",
            "virtualNetworkGateway1": {"id": gateway_id},
            "localNetworkGateway2": {"id": net.rid("rg-net", f"{NET}/localNetworkGateways", "onprem")},
        },
    )


def test_vpn_gateway_without_connections_or_p2s(net, hit_ok):
    ip = net.ip("pip-vgw")
    gw = _gateway(net, ip=ip)
    (hit,) = net.run(
        "azure.network.idle_vnet_gateway", virtual_network_gateways=[gw], public_ip_addresses=[ip]
    )
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(0.19 * 730 + 3.65)
    assert hit.cost_includes == (ip["id"],)
    assert hit.confidence.value == "medium"


def test_gateway_sku_without_a_bundled_price_is_unknown(net):
    gw = _gateway(net, kind="ExpressRoute", sku="ErGw1AZ")
    (hit,) = net.run("azure.network.idle_vnet_gateway", virtual_network_gateways=[gw])
    assert hit.cost.amount is None


def test_trap_connected_or_p2s_gateways_are_in_use(net):
    gw = _gateway(net)
    conn = _connection(net, gw["id"].upper())  # casing differs in references
    assert net.run("azure.network.idle_vnet_gateway", virtual_network_gateways=[gw], connections=[conn]) == []
    assert (
        net.run("azure.network.idle_vnet_gateway", virtual_network_gateways=[_gateway(net, p2s=True)]) == []
    )


def test_gateway_referenced_as_the_second_gateway_of_a_vnet_to_vnet_connection(net):
    gw = _gateway(net)
    conn = net.simple(
        f"{NET}/connections",
        "v2v",
        {
            "connectionType": "Vnet2Vnet",
            "virtualNetworkGateway1": {"id": "/x/other"},
            "virtualNetworkGateway2": {"id": gw["id"]},
        },
    )
    assert net.run("azure.network.idle_vnet_gateway", virtual_network_gateways=[gw], connections=[conn]) == []


# --- ExpressRoute circuits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "flagged"), [("NotProvisioned", True), ("Provisioned", False), ("Provisioning", False)]
)
def test_unprovisioned_expressroute_circuit(net, state, flagged):
    circuit = net.simple(
        f"{NET}/expressRouteCircuits",
        "er-lon",
        {
            "serviceProviderProvisioningState": state,
            "circuitProvisioningState": "Enabled",
            "serviceProviderProperties": {
                "serviceProviderName": "Equinix",
                "peeringLocation": "London",
                "bandwidthInMbps": 1000,
            },
            "serviceKey": "00000000-1111-2222-3333-444444444444",
        },
        sku={"name": "Standard_MeteredData", "tier": "Standard", "family": "MeteredData"},
    )
    hits = net.run("azure.network.unprovisioned_expressroute", express_route_circuits=[circuit])
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].cost.amount is None  # circuit prices are not bundled: unknown, never 0
        assert hits[0].evidence["bandwidth_mbps"] == 1000


# --- IP groups, Front Door WAF, Traffic Manager ------------------------------------------------------


def test_ip_group_used_by_nothing(net):
    group = net.simple(
        f"{NET}/ipGroups", "ipg", {"ipAddresses": ["10.0.0.0/24"], "firewalls": [], "firewallPolicies": []}
    )
    used = net.simple(
        f"{NET}/ipGroups", "ipg2", {"ipAddresses": [], "firewallPolicies": [{"id": "/x/policy"}]}
    )
    (hit,) = net.run("azure.network.orphan_ip_group", ip_groups=[group, used])
    _free(hit)
    assert hit.resource.name == "ipg"


def _waf(net, sku, links=None, rules=2, rulesets=1):
    props = {
        "policySettings": {"enabledState": "Enabled", "mode": "Prevention"},
        "customRules": {
            "rules": [{"name": f"r{n}", "priority": n, "ruleType": "MatchRule"} for n in range(rules)]
        },
        "managedRules": {
            "managedRuleSets": [{"ruleSetType": "DefaultRuleSet", "ruleSetVersion": "1.0"}] * rulesets
        },
        "frontendEndpointLinks": [],
        "routingRuleLinks": [],
        "securityPolicyLinks": links or [],
    }
    return net.simple(
        f"{NET}/frontdoorWebApplicationFirewallPolicies",
        "wafpolicy",
        props,
        location="Global",
        sku={"name": sku},
    )


def test_unlinked_classic_waf_policy_is_priced_per_policy_rule_and_ruleset(net):
    (hit,) = net.run(
        "azure.network.orphan_frontdoor_waf_policy",
        frontdoor_waf_policies=[_waf(net, "Classic_AzureFrontDoor")],
    )
    assert hit.cost.amount == pytest.approx(5 + 2 * 1 + 20)
    assert hit.region == "global"


def test_unlinked_premium_waf_policy_has_no_direct_charge(net):
    (hit,) = net.run(
        "azure.network.orphan_frontdoor_waf_policy",
        frontdoor_waf_policies=[_waf(net, "Premium_AzureFrontDoor")],
    )
    _free(hit)


def test_trap_linked_waf_policy(net):
    policy = _waf(net, "Premium_AzureFrontDoor", links=[{"id": "/x/securityPolicies/sp"}])
    assert net.run("azure.network.orphan_frontdoor_waf_policy", frontdoor_waf_policies=[policy]) == []


def test_traffic_manager_profile_without_endpoints(net):
    empty = net.simple(
        f"{NET}/trafficManagerProfiles",
        "tm-old",
        {"profileStatus": "Enabled", "endpoints": []},
        location="global",
    )
    used = net.simple(
        f"{NET}/trafficManagerProfiles", "tm-live", {"endpoints": [{"name": "e1"}]}, location="global"
    )
    (hit,) = net.run("azure.network.traffic_manager_no_endpoints", traffic_manager_profiles=[empty, used])
    _free(hit)


# --- VNets and subnets -----------------------------------------------------------------------------


def test_vnet_without_subnets(net):
    (hit,) = net.run("azure.network.empty_vnet", virtual_networks=[net.vnet("vnet-empty")])
    _free(hit)
    assert net.run("azure.network.empty_vnet", virtual_networks=[net.vnet(subnets=[net.subnet()])]) == []


def test_empty_subnet_takes_its_vnets_region(net, hit_ok):
    vnet = net.vnet(
        subnets=[net.subnet("empty"), net.subnet("used", configs=["/x/nic/ipConfigurations/c"])],
        location="westeurope",
    )
    (hit,) = net.run("azure.network.empty_subnet", virtual_networks=[vnet])
    hit_ok(hit)
    _free(hit)
    assert hit.resource.name == "empty" and hit.region == "westeurope"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"delegations": ["Microsoft.Web/serverFarms"]},
        {"service_links": 1},
        {"private_endpoints": ["/x/privateEndpoints/pe"]},
        {"appgw_configs": ["/x/applicationGateways/agw/gatewayIPConfigurations/gwip"]},
    ],
    ids=["delegated", "service-link", "private-endpoint", "appgw-v1"],
)
def test_trap_subnets_occupied_without_ip_configurations(net, kwargs):
    vnet = net.vnet(subnets=[net.subnet("busy", **kwargs)])
    assert net.run("azure.network.empty_subnet", virtual_networks=[vnet]) == []


def _aks_node_group(net, name):
    """An AKS node resource group as Resource Groups - List returns it: ``managedBy`` is the cluster."""
    cluster = f"/subscriptions/{net.sub}/resourceGroups/rg-aks/providers/Microsoft.ContainerService"
    return {
        "id": f"/subscriptions/{net.sub}/resourceGroups/{name}",
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": "westeurope",
        "managedBy": f"{cluster}/managedClusters/a1",
        "tags": {},
        "properties": {"provisioningState": "Succeeded"},
    }


def test_trap_nics_and_ips_in_a_service_managed_group_are_left_to_the_service(net):
    groups = [_aks_node_group(net, "aks-prod-nodes")]
    theirs = net.net_nic("nic-node", rg="aks-prod-nodes")
    mine = net.net_nic("nic-node", rg="rg-app")
    assert net.run("azure.network.orphan_nic", network_interfaces=[theirs], resource_groups=groups) == []
    assert len(net.run("azure.network.orphan_nic", network_interfaces=[mine], resource_groups=groups)) == 1
    ip_theirs = net.ip("kubernetes-a1b2", rg="aks-prod-nodes")
    ip_mine = net.ip("kubernetes-a1b2", rg="rg-net")
    check = "azure.network.unattached_public_ip"
    assert net.run(check, public_ip_addresses=[ip_theirs], resource_groups=groups) == []
    assert len(net.run(check, public_ip_addresses=[ip_mine], resource_groups=groups)) == 1
