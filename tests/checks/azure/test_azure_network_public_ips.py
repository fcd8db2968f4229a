"""Public IP checks: unassociated, on idle resources, idle traffic, non-production, DDoS IP Protection."""

from __future__ import annotations

import pytest

from cloudwaste.model import CostBasis, CostKind

GIB = 1024**3
RG = "/subscriptions/x/resourceGroups/rg/providers"


# --- azure.network.unattached_public_ip ---------------------------------------------------------


def test_unassociated_standard_ip_is_billed_at_the_standard_rate(net, hit_ok):
    ip = net.ip("pip-old")
    (hit,) = net.run("azure.network.unattached_public_ip", public_ip_addresses=[ip])
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(3.65)
    assert hit.cost.kind is CostKind.COST and hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.evidence["scenario"] == "azure:public_ip_unassociated"
    assert "creation time" in hit.evidence["age"]
    assert hit.cost_group == f"public_ip:{ip['id'].lower()}"
    assert hit.region == "eastus"


def test_unassociated_ip_in_another_region_uses_the_default_price_as_an_estimate(net):
    ip = net.ip("pip-we", location="westeurope")
    (hit,) = net.run("azure.network.unattached_public_ip", public_ip_addresses=[ip])
    assert hit.region == "westeurope"
    assert hit.cost.basis is CostBasis.ESTIMATE


def test_global_and_basic_static_ips_use_their_own_prices(net):
    glob = net.ip("pip-global", tier="Global")
    basic = net.ip("pip-basic", sku="Basic", allocation="Static")
    hits = {
        h.resource.name: h
        for h in net.run("azure.network.unattached_public_ip", public_ip_addresses=[glob, basic])
    }
    assert hits["pip-global"].cost.amount == pytest.approx(7.30)
    assert hits["pip-basic"].cost.amount == pytest.approx(2.63)


def test_trap_dynamic_basic_ip_unassociated_has_no_address_and_costs_nothing(net):
    ip = net.ip("pip-dyn", sku="Basic", allocation="Dynamic", address=None)
    (hit,) = net.run("azure.network.unattached_public_ip", public_ip_addresses=[ip])
    assert hit.cost.amount == 0.0 and hit.cost.kind is CostKind.COST
    assert "no address" in hit.cost.detail
    assert hit.evidence["scenario"] == "azure:public_ip_dynamic_unassociated"
    assert "azure:public_ip_reserved_but_unused" in hit.evidence["scenarios"]
    assert hit.severity is not None and hit.severity.value == "low"


def test_static_ip_with_no_address_is_the_reserved_but_unused_variant(net):
    ip = net.ip("pip-failed", address=None)
    (hit,) = net.run("azure.network.unattached_public_ip", public_ip_addresses=[ip])
    assert hit.evidence["scenario"] == "azure:public_ip_reserved_but_unused"
    assert hit.cost.amount == pytest.approx(3.65)


def test_ddos_ip_protection_on_an_unassociated_ip_is_added_to_its_cost(net):
    ip = net.ip("pip-protected", ddos="Enabled")
    (hit,) = net.run("azure.network.unattached_public_ip", public_ip_addresses=[ip])
    assert hit.cost.amount == pytest.approx(3.65 + 199.0)
    assert "DDoS" in hit.reason


@pytest.mark.parametrize(
    "kwargs",
    [
        {"config": f"{RG}/Microsoft.Network/networkInterfaces/n/ipConfigurations/c"},
        {"nat": f"{RG}/Microsoft.Network/natGateways/nat1"},
        {"prefix": f"{RG}/Microsoft.Network/publicIPPrefixes/pfx"},
        {"state": "Updating"},
    ],
    ids=["ip-configuration", "nat-gateway", "from-a-prefix", "updating"],
)
def test_trap_associated_prefix_and_busy_ips_are_not_unattached(net, kwargs):
    ip = net.ip("pip-used", **kwargs)
    assert net.run("azure.network.unattached_public_ip", public_ip_addresses=[ip]) == []


def test_trap_ip_listed_by_a_nat_gateway_is_in_use_even_without_its_back_reference(net):
    ip = net.ip("pip-nat")
    nat = net.nat("nat1", public_ips=[ip], subnets=[net.subnet_id()])
    assert net.run("azure.network.unattached_public_ip", public_ip_addresses=[ip], nat_gateways=[nat]) == []


def test_resource_group_casing_in_a_nat_reference_does_not_matter(net):
    ip = net.ip("pip-nat")
    nat = net.nat("nat1", public_ips=[ip["id"].replace("rg-net", "RG-NET")], subnets=[net.subnet_id()])
    assert net.run("azure.network.unattached_public_ip", public_ip_addresses=[ip], nat_gateways=[nat]) == []


# --- azure.network.public_ip_on_idle_resource ------------------------------------------------------


def _vm_with_ip(net, *, state="deallocated", allocation="Static", sku="Standard", address="20.1.2.3"):
    vm = net.vm("vm-app", state=state)
    nic = net.net_nic("nic-app", vm=vm)
    ip = net.ip("pip-app", sku=sku, allocation=allocation, address=address, config=net.config_of(nic))
    nic["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] = {"id": ip["id"]}
    return vm, nic, ip


def _idle(net, vm, nic, ip, events=(), **kw):
    return net.run(
        "azure.network.public_ip_on_idle_resource",
        public_ip_addresses=[ip],
        network_interfaces=[nic],
        virtual_machines=[vm],
        vm_power_events=list(events),
        **kw,
    )


@pytest.mark.parametrize(("days", "flagged"), [(29.9, False), (30.0, True), (30.1, True)])
def test_ip_of_a_deallocated_vm_at_the_30_day_boundary(net, days, flagged):
    vm, nic, ip = _vm_with_ip(net)
    hits = _idle(net, vm, nic, ip, events=[net.event(vm, "deallocate", days)])
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].evidence["scenario"] == "azure:public_ip_on_stopped_resource"
        assert hits[0].confidence.value == "medium"
        assert hits[0].cost.amount == pytest.approx(3.65)


def test_no_event_in_the_activity_log_means_deallocated_for_at_least_90_days(net, hit_ok):
    vm, nic, ip = _vm_with_ip(net)
    (hit,) = _idle(net, vm, nic, ip)
    hit_ok(hit)
    assert hit.evidence["deallocated_days_is_lower_bound"] is True
    assert "at least 90 days" in hit.reason
    assert hit.confidence.value == "high"
    assert net.config_of(nic) in hit.recommendation


def test_trap_vm_started_after_its_last_deallocation_is_unknown(net):
    vm, nic, ip = _vm_with_ip(net)
    events = [net.event(vm, "deallocate", 60), net.event(vm, "start", 40)]
    assert _idle(net, vm, nic, ip, events=events) == []


def test_trap_running_vm_keeps_its_ip(net):
    vm, nic, ip = _vm_with_ip(net, state="running")
    assert _idle(net, vm, nic, ip) == []


def test_trap_dynamic_basic_ip_of_a_deallocated_vm_is_released_and_not_billed(net):
    vm, nic, ip = _vm_with_ip(net, sku="Basic", allocation="Dynamic", address=None)
    assert _idle(net, vm, nic, ip) == []


def test_ip_on_a_nic_without_vm(net):
    nic = net.net_nic("nic-loose")
    ip = net.ip("pip-loose", config=net.config_of(nic))
    (hit,) = _idle(net, net.vm("other"), nic, ip)
    assert hit.evidence["scenario"] == "azure:public_ip_on_nic_without_vm"
    assert hit.confidence.value == "high"


def test_trap_nic_or_vm_not_listed_is_unknown(net):
    vm, nic, ip = _vm_with_ip(net)
    assert _idle(net, net.vm("unrelated"), nic, ip) == []  # the VM is in another resource group
    assert (
        net.run("azure.network.public_ip_on_idle_resource", public_ip_addresses=[ip], virtual_machines=[vm])
        == []
    )  # the NIC is not listed


def test_trap_scale_set_and_gateway_ips_are_in_use(net):
    vmss = (
        f"/subscriptions/{net.sub}/resourceGroups/rg-aks/providers/Microsoft.Compute/virtualMachineScaleSets/"
        "vmss/virtualMachines/0/networkInterfaces/nic/ipConfigurations/ipconfig1"
    )
    vpn = net.rid("rg-net", "Microsoft.Network/virtualNetworkGateways", "vpn") + "/ipConfigurations/default"
    ips = [net.ip("pip-vmss", config=vmss), net.ip("pip-vpn", config=vpn)]
    assert net.run("azure.network.public_ip_on_idle_resource", public_ip_addresses=ips) == []


def test_ip_on_a_load_balancer_with_no_backends(net):
    ip = net.ip("pip-lb")
    lb = net.lb("lb-empty", public_ips=[ip])
    ip["properties"]["ipConfiguration"] = {"id": net.frontend_of(lb)}
    (hit,) = net.run(
        "azure.network.public_ip_on_idle_resource", public_ip_addresses=[ip], load_balancers=[lb]
    )
    assert hit.evidence["variant"] == "load_balancer_without_backends"


def test_trap_ip_on_a_load_balancer_with_backends_is_in_use(net):
    ip = net.ip("pip-lb")
    nic = net.net_nic("nic-be", vm=net.vm("vm-be"))
    lb = net.lb("lb-used", public_ips=[ip], backends=[net.config_of(nic)])
    ip["properties"]["ipConfiguration"] = {"id": net.frontend_of(lb)}
    assert (
        net.run("azure.network.public_ip_on_idle_resource", public_ip_addresses=[ip], load_balancers=[lb])
        == []
    )


# --- azure.network.idle_public_ip ------------------------------------------------------------------


def _assoc_ip(net, name="pip-web"):
    nic = net.net_nic("nic-web", vm=net.vm("vm-web"))
    return net.ip(name, config=net.config_of(nic))


def _traffic(net, ip, byte_values, packet_values, **kw):
    metrics = net.metrics(
        "azure.network.idle_public_ip", ip, {"ByteCount": byte_values, "PacketCount": packet_values}
    )
    return net.run("azure.network.idle_public_ip", public_ip_addresses=[ip], metrics=metrics, **kw)


def test_ip_with_no_bytes_and_no_packets_over_30_days(net, hit_ok):
    ip = _assoc_ip(net)
    (hit,) = _traffic(net, ip, [0.0] * 30, [0.0] * 30)
    hit_ok(hit)
    assert hit.evidence["scenario"] == "azure:public_ip_no_traffic"
    assert hit.evidence["metrics"]["ByteCount"]["datapoints"] == 30
    assert hit.confidence.value == "medium"


@pytest.mark.parametrize(("gib", "flagged"), [(0.99, True), (1.0, False), (1.5, False)])
def test_very_low_traffic_boundary_at_1_gib(net, gib, flagged):
    ip = _assoc_ip(net)
    hits = _traffic(net, ip, [gib * GIB] + [0.0] * 29, [100.0] * 30)
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].evidence["scenario"] == "azure:public_ip_very_low_traffic"
        assert hits[0].confidence.value == "low"


def test_missing_metric_data_is_unknown_never_idle(net):
    ip = _assoc_ip(net)
    assert net.run("azure.network.idle_public_ip", public_ip_addresses=[ip]) == []
    metrics = net.metrics("azure.network.idle_public_ip", ip, {"ByteCount": [0.0] * 30})
    assert net.run("azure.network.idle_public_ip", public_ip_addresses=[ip], metrics=metrics) == []


def test_trap_unassociated_ip_is_left_to_the_unattached_check(net):
    ip = net.ip("pip-free")
    assert _traffic(net, ip, [0.0] * 30, [0.0] * 30) == []


def test_trap_application_gateway_v2_ip_is_part_of_the_gateway_price(net):
    ip = net.ip("pip-agw")
    gw = net.appgw("agw", public_ips=[ip], addresses=[{"fqdn": "app.contoso.com"}])
    ip["properties"]["ipConfiguration"] = {"id": net.frontend_of(gw)}
    assert _traffic(net, ip, [0.0] * 30, [0.0] * 30, application_gateways=[gw]) == []


# --- azure.network.nonprod_public_ip ----------------------------------------------------------------


def _nonprod(net, *, ip_tags=None, rg="rg-net", zones=None):
    nic = net.net_nic("nic-dev", vm=net.vm("vm-dev"), rg=rg)
    ip = net.ip("pip-dev", rg=rg, tags=ip_tags, zones=zones, config=net.config_of(nic))
    return net.run("azure.network.nonprod_public_ip", public_ip_addresses=[ip], network_interfaces=[nic])


def test_standard_ip_of_a_dev_vm_is_a_low_confidence_policy_finding(net):
    (hit,) = _nonprod(net, ip_tags={"environment": "dev"})
    assert hit.evidence["scenario"] == "azure:public_ip_unnecessary_standard_sku"
    assert hit.confidence.value == "low"
    assert hit.cost.amount == pytest.approx(3.65)


def test_resource_group_name_marks_non_production(net):
    (hit,) = _nonprod(net, rg="rg-app-test")
    assert "resource group rg-app-test" in hit.evidence["nonprod_marker"]


def test_zone_redundant_non_production_ip_carries_the_zone_variant_at_no_surcharge(net):
    (hit,) = _nonprod(net, ip_tags={"env": "qa"}, zones=["1", "2", "3"])
    assert "azure:public_ip_unnecessary_zone_redundancy" in hit.evidence["scenarios"]
    assert hit.evidence["zone_redundancy_surcharge"] == 0.0


def test_trap_ha_tag_keeps_zone_redundancy_out_of_the_finding(net):
    (hit,) = _nonprod(net, ip_tags={"env": "dev", "ha": "required"}, zones=["1", "2", "3"])
    assert hit.evidence["scenarios"] == ["azure:public_ip_unnecessary_standard_sku"]


@pytest.mark.parametrize("tags", [{"environment": "production"}, {"team": "devops"}, {"project": "contest"}])
def test_trap_production_or_lookalike_words_are_not_non_production(net, tags):
    assert _nonprod(net, ip_tags=tags) == []


# --- azure.network.ddos_ip_protection_unused ------------------------------------------------------


def test_ip_protection_in_a_vnet_with_a_network_plan_is_paid_twice(net, hit_ok):
    plan = net.rid("rg-sec", "Microsoft.Network/ddosProtectionPlans", "plan")
    vnet = net.vnet(subnets=[net.subnet()], ddos_plan=plan)
    nic = net.net_nic("nic-web", vm=net.vm("vm-web"))
    ip = net.ip("pip-web", ddos="Enabled", config=net.config_of(nic))
    (hit,) = net.run(
        "azure.network.ddos_ip_protection_unused",
        public_ip_addresses=[ip],
        network_interfaces=[nic],
        virtual_machines=[net.vm("vm-web")],
        virtual_networks=[vnet],
    )
    hit_ok(hit)
    assert hit.evidence["variant"] == "covered_by_network_plan"
    assert hit.cost.amount == 199.0 and hit.cost.kind is CostKind.SAVING
    assert hit.confidence.value == "high"


def test_ip_protection_on_a_silent_address(net):
    nic = net.net_nic("nic-web", vm=net.vm("vm-web"))
    ip = net.ip("pip-web", ddos="Enabled", config=net.config_of(nic))
    metrics = net.metrics("azure.network.ddos_ip_protection_unused", ip, {"ByteCount": [0.0] * 30})
    common = {
        "public_ip_addresses": [ip],
        "network_interfaces": [nic],
        "virtual_machines": [net.vm("vm-web")],
    }
    (hit,) = net.run("azure.network.ddos_ip_protection_unused", metrics=metrics, **common)
    assert hit.evidence["variant"] == "no_traffic"
    busy = net.metrics("azure.network.ddos_ip_protection_unused", ip, {"ByteCount": [0.0] * 29 + [1.0]})
    assert net.run("azure.network.ddos_ip_protection_unused", metrics=busy, **common) == []
    assert net.run("azure.network.ddos_ip_protection_unused", **common) == []  # no data: unknown


def test_ip_protection_on_a_deallocated_vm(net):
    vm = net.vm("vm-off", state="deallocated")
    nic = net.net_nic("nic-off", vm=vm)
    ip = net.ip("pip-off", ddos="Enabled", config=net.config_of(nic))
    (hit,) = net.run(
        "azure.network.ddos_ip_protection_unused",
        public_ip_addresses=[ip],
        network_interfaces=[nic],
        virtual_machines=[vm],
    )
    assert hit.evidence["variant"] == "deallocated_vm"


@pytest.mark.parametrize("mode", ["VirtualNetworkInherited", "Disabled"])
def test_trap_inherited_or_disabled_protection_costs_nothing_extra(net, mode):
    nic = net.net_nic("nic-web", vm=net.vm("vm-off", state="deallocated"))
    ip = net.ip("pip-web", ddos=mode, config=net.config_of(nic))
    assert (
        net.run("azure.network.ddos_ip_protection_unused", public_ip_addresses=[ip], network_interfaces=[nic])
        == []
    )
