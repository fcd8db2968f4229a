"""Every network and resource check over one mixed estate: hits become valid, serialisable findings."""

from __future__ import annotations

import json

from cloudwaste.checks.registry import load_checks

MINE = ("azure.network.", "azure.resources.", "azure.web.", "azure.sql.")


def _estate(net):
    vm_off = net.vm("vm-off", state="deallocated")
    nic_off = net.net_nic("nic-off", vm=vm_off)
    nic_loose = net.net_nic("nic-loose")
    pip_off = net.ip("pip-off", config=net.config_of(nic_off), ddos="Enabled")
    pip_loose = net.ip("pip-loose", config=net.config_of(nic_loose))
    pip_free = net.ip("pip-free")
    pip_basic = net.ip("pip-basic", sku="Basic", allocation="Dynamic", address=None)
    pip_lb = net.ip("pip-lb")
    lb = net.lb("lb-empty", public_ips=[pip_lb], rules=7)
    pip_lb["properties"]["ipConfiguration"] = {"id": net.frontend_of(lb)}
    basic_lb = net.lb("lb-basic", sku="Basic", backends=[net.config_of(nic_off)])
    gw = net.appgw("agw-empty", sku="WAF_v2", autoscale=(2, 10))
    stopped = net.appgw("agw-off", state="Stopped")
    nat = net.nat("nat-orphan", public_ips=[pip_free])
    subnet = net.subnet("app", service_endpoints=["Microsoft.Storage"])
    vnet = net.vnet(subnets=[subnet, net.subnet("spare")])
    plan = net.simple(
        "Microsoft.Web/serverfarms",
        "asp-empty",
        {"numberOfSites": 0},
        sku={"name": "S1", "tier": "Standard", "capacity": 1},
    )
    pool_sku = {"name": "StandardPool", "tier": "Standard", "capacity": 100}
    pool_props = {"state": "Ready", "creationDate": net.ts(100)}
    pool = net.simple("Microsoft.Sql/servers/elasticPools", "pool", pool_props, sku=pool_sku)
    return {
        "public_ip_addresses": [pip_off, pip_loose, pip_free, pip_basic, pip_lb],
        "network_interfaces": [nic_off, nic_loose],
        "virtual_machines": [vm_off],
        "load_balancers": [lb, basic_lb],
        "application_gateways": [gw, stopped],
        "nat_gateways": [nat],
        "virtual_networks": [vnet, net.vnet("vnet-empty")],
        "network_security_groups": [net.simple("Microsoft.Network/networkSecurityGroups", "nsg", {})],
        "route_tables": [net.simple("Microsoft.Network/routeTables", "rt", {})],
        "ddos_protection_plans": [net.simple("Microsoft.Network/ddosProtectionPlans", "ddos", {})],
        "app_service_plans": [plan],
        "sql_elastic_pools": [pool],
    }


def test_every_check_turns_its_hits_into_serialisable_findings(net):
    estate = _estate(net)
    seen = set()
    fired = set()
    for spec in load_checks("azure"):
        if not spec.id.startswith(MINE):
            continue
        wanted = {name.removeprefix("azure:") for name in spec.needs}
        hits = net.run(spec.id, **{k: v for k, v in estate.items() if k in wanted})
        for finding in net.findings(spec.id, hits):
            assert finding.fingerprint not in seen, (spec.id, finding.resource.id)
            seen.add(finding.fingerprint)
            assert finding.region != "global" or finding.resource.type in ("private_dns_zone",)
            assert finding.reason.endswith(".") and "\n" not in finding.reason, finding.reason
            assert finding.monthly_cost.kind.value in ("cost", "saving")
            json.loads(finding.model_dump_json())
            fired.add(spec.id)
    assert {
        "azure.network.unattached_public_ip",
        "azure.network.public_ip_on_idle_resource",
        "azure.network.ddos_ip_protection_unused",
        "azure.network.empty_load_balancer",
        "azure.network.basic_sku_retired",
        "azure.network.empty_application_gateway",
        "azure.network.stopped_application_gateway",
        "azure.network.orphan_nat_gateway",
        "azure.network.orphan_nic",
        "azure.network.orphan_nsg",
        "azure.network.orphan_route_table",
        "azure.network.ddos_plan_no_vnets",
        "azure.network.empty_vnet",
        "azure.network.empty_subnet",
        "azure.web.empty_app_service_plan",
        "azure.sql.empty_elastic_pool",
    } <= fired


def test_an_ip_flagged_by_two_checks_shares_one_cost_group(net):
    vm = net.vm("vm-off", state="deallocated")
    nic = net.net_nic("nic-off", vm=vm)
    ip = net.ip("pip-off", config=net.config_of(nic))
    stopped = net.run(
        "azure.network.public_ip_on_idle_resource",
        public_ip_addresses=[ip],
        network_interfaces=[nic],
        virtual_machines=[vm],
    )
    zeros = {"ByteCount": [0.0] * 30, "PacketCount": [0.0] * 30}
    metrics = net.metrics("azure.network.idle_public_ip", ip, zeros)
    silent = net.run("azure.network.idle_public_ip", public_ip_addresses=[ip], metrics=metrics)
    assert stopped[0].cost_group == silent[0].cost_group == f"public_ip:{ip['id'].lower()}"
