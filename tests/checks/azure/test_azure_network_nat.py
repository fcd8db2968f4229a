"""NAT gateway checks."""

from __future__ import annotations

import pytest

from cloudwaste.model import CostKind

NAT_HOUR = 0.045 * 730  # 32.85
STD_IP = 3.65
GIB = 1024**3


def _estate(net, *, configs=(), vm_nics=(), other_nics=(), subnet_kw=None, nat_kw=None, ips=1):
    """A NAT gateway with ``ips`` Standard IPs on one subnet holding ``configs``."""
    pips = [net.ip(f"pip-nat{i}") for i in range(ips)]
    sid = net.subnet_id(subnet="app")
    nat = net.nat("nat-app", subnets=[sid], public_ips=pips, **(nat_kw or {}))
    for ip in pips:
        ip["properties"]["natGateway"] = {"id": nat["id"]}
    subnet = net.subnet("app", configs=configs, nat=nat, **(subnet_kw or {}))
    vnet = net.vnet(subnets=[subnet])
    return nat, pips, vnet, [*vm_nics, *other_nics]


def _run(net, check, nat, pips, vnet, nics, **kw):
    return net.run(
        check,
        nat_gateways=[nat],
        public_ip_addresses=pips,
        virtual_networks=[vnet],
        network_interfaces=nics,
        **kw,
    )


def _vm_nic(net, name, subnet=None, **kw):
    return net.net_nic(f"nic-{name}", vm=net.vm(name), subnet=subnet or net.subnet_id(subnet="app"), **kw)


# --- azure.network.orphan_nat_gateway -------------------------------------------------------------


def test_nat_without_subnet_costs_its_hours_and_ips(net, hit_ok):
    ip = net.ip("pip-nat")
    nat = net.nat("nat-orphan", public_ips=[ip])
    (hit,) = net.run("azure.network.orphan_nat_gateway", nat_gateways=[nat], public_ip_addresses=[ip])
    hit_ok(hit)
    assert hit.evidence["scenario"] == "azure:nat_gateway_no_subnet"
    assert hit.cost.amount == pytest.approx(NAT_HOUR + STD_IP)
    assert hit.cost_includes == (ip["id"],)
    assert hit.confidence.value == "high"


def test_nat_with_subnets_but_no_public_ip(net):
    nat = net.nat("nat-noip", subnets=[net.subnet_id()])
    (hit,) = net.run("azure.network.orphan_nat_gateway", nat_gateways=[nat])
    assert hit.evidence["scenario"] == "azure:nat_gateway_no_public_ip"
    assert hit.cost.amount == pytest.approx(NAT_HOUR)


def test_trap_nat_with_only_a_prefix_has_public_addresses(net):
    prefix = net.rid("rg-net", "Microsoft.Network/publicIPPrefixes", "pfx")
    nat = net.nat("nat-pfx", subnets=[net.subnet_id()], prefixes=[prefix])
    assert net.run("azure.network.orphan_nat_gateway", nat_gateways=[nat]) == []


# --- azure.network.nat_gateway_no_vms ----------------------------------------------------------------


def test_nat_whose_subnet_is_empty(net, hit_ok):
    nat, pips, vnet, nics = _estate(net)
    (hit,) = _run(net, "azure.network.nat_gateway_no_vms", nat, pips, vnet, nics)
    hit_ok(hit)
    assert hit.evidence["scenario"] == "azure:nat_gateway_never_used"
    assert hit.confidence.value == "high"
    assert hit.cost.amount == pytest.approx(NAT_HOUR + STD_IP)


def test_nat_whose_subnet_holds_only_private_endpoints(net):
    pe = net.rid("rg-net", "Microsoft.Network/privateEndpoints", "pe-sql")
    pe_nic = net.net_nic("pe-sql.nic.1", subnet=net.subnet_id(subnet="app"), private_endpoint=pe)
    loose = net.net_nic("nic-loose", subnet=net.subnet_id(subnet="app"))
    nat, pips, vnet, nics = _estate(
        net, configs=[net.config_of(pe_nic), net.config_of(loose)], other_nics=[pe_nic, loose]
    )
    (hit,) = _run(net, "azure.network.nat_gateway_no_vms", nat, pips, vnet, nics)
    assert hit.confidence.value == "medium"
    assert hit.evidence["private_endpoint_configs"] == 1 and hit.evidence["vm_less_nics"] == 1


@pytest.mark.parametrize("user", ["vm", "vmss", "delegation", "service-link", "unlisted-nic"])
def test_trap_subnet_users_that_keep_the_nat_in_use(net, user):
    configs, nics, subnet_kw = [], [], {}
    if user == "vm":
        nic = _vm_nic(net, "vm1")
        configs, nics = [net.config_of(nic)], [nic]
    elif user == "vmss":
        configs = [
            f"/subscriptions/{net.sub}/resourceGroups/rg-aks/providers/Microsoft.Compute/virtualMachineScaleSets/"
            "aks-pool/virtualMachines/0/networkInterfaces/aks-nic/ipConfigurations/ipconfig1"
        ]
    elif user == "delegation":
        subnet_kw = {"delegations": ["Microsoft.Web/serverFarms"]}
    elif user == "service-link":
        subnet_kw = {"service_links": 1}
    else:
        configs = [
            net.rid("rg-other", "Microsoft.Network/networkInterfaces", "nic-x")
            + "/ipConfigurations/ipconfig1"
        ]
    nat, pips, vnet, all_nics = _estate(net, configs=configs, vm_nics=nics, subnet_kw=subnet_kw)
    assert _run(net, "azure.network.nat_gateway_no_vms", nat, pips, vnet, all_nics) == []


def test_trap_subnet_not_in_the_listed_vnets_is_unknown(net):
    nat, pips, _, nics = _estate(net)
    assert _run(net, "azure.network.nat_gateway_no_vms", nat, pips, net.vnet("vnet-other"), nics) == []


# --- azure.network.nat_gateway_single_vm ------------------------------------------------------------


def test_single_vm_saving_is_computed_from_the_book(net, hit_ok):
    nic = _vm_nic(net, "vm1")
    nat, pips, vnet, nics = _estate(net, configs=[net.config_of(nic)], vm_nics=[nic])
    (hit,) = _run(net, "azure.network.nat_gateway_single_vm", nat, pips, vnet, nics)
    hit_ok(hit)
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.amount == pytest.approx(NAT_HOUR + STD_IP - STD_IP)  # not the original's flat $28.75
    assert hit.evidence["vm_has_public_ip"] is False


def test_single_vm_that_already_has_a_public_ip_saves_the_whole_gateway(net):
    nic = _vm_nic(net, "vm1", public_ip=net.rid("rg-net", "Microsoft.Network/publicIPAddresses", "pip-vm"))
    nat, pips, vnet, nics = _estate(net, configs=[net.config_of(nic)], vm_nics=[nic], ips=2)
    (hit,) = _run(net, "azure.network.nat_gateway_single_vm", nat, pips, vnet, nics)
    assert hit.cost.amount == pytest.approx(NAT_HOUR + 2 * STD_IP)


def test_two_nics_of_one_vm_are_one_vm(net):
    vm = net.vm("vm1")
    a = net.net_nic("nic-a", vm=vm, subnet=net.subnet_id(subnet="app"))
    b = net.net_nic("nic-b", vm=vm, subnet=net.subnet_id(subnet="app"))
    nat, pips, vnet, nics = _estate(net, configs=[net.config_of(a), net.config_of(b)], vm_nics=[a, b])
    assert len(_run(net, "azure.network.nat_gateway_single_vm", nat, pips, vnet, nics)) == 1


def test_trap_two_vms_or_a_delegation_are_not_a_single_vm(net):
    a, b = _vm_nic(net, "vm1"), _vm_nic(net, "vm2")
    nat, pips, vnet, nics = _estate(net, configs=[net.config_of(a), net.config_of(b)], vm_nics=[a, b])
    assert _run(net, "azure.network.nat_gateway_single_vm", nat, pips, vnet, nics) == []
    nat, pips, vnet, nics = _estate(
        net,
        configs=[net.config_of(a)],
        vm_nics=[a],
        subnet_kw={"delegations": ["Microsoft.ContainerInstance/containerGroups"]},
    )
    assert _run(net, "azure.network.nat_gateway_single_vm", nat, pips, vnet, nics) == []


# --- azure.network.redundant_nat_gateway -----------------------------------------------------------


def _two_nats(net, zones_a, zones_b):
    a = net.nat("nat-a", subnets=[net.subnet_id(subnet="s1"), net.subnet_id(subnet="s2")], zones=zones_a)
    b = net.nat("nat-b", subnets=[net.subnet_id(subnet="s3")], zones=zones_b)
    vnet = net.vnet(subnets=[net.subnet("s1"), net.subnet("s2"), net.subnet("s3")])
    return net.run("azure.network.redundant_nat_gateway", nat_gateways=[a, b], virtual_networks=[vnet])


def test_two_non_zonal_nats_in_one_vnet(net):
    (hit,) = _two_nats(net, None, None)
    assert hit.resource.name == "nat-b"  # the one serving fewer subnets
    assert hit.cost.amount == pytest.approx(NAT_HOUR) and hit.cost.kind is CostKind.SAVING
    assert hit.confidence.value == "low"


def test_trap_one_nat_per_zone_is_the_recommended_zonal_design(net):
    assert _two_nats(net, ["1"], ["2"]) == []


# --- azure.network.nonprod_nat_gateway -------------------------------------------------------------


@pytest.mark.parametrize(("hours", "share"), [(40, 128 / 168), (168, 0.0)])
def test_dev_nat_schedule_saving(net, hours, share):
    nat = net.nat("nat-dev", subnets=[net.subnet_id()], tags={"environment": "Dev"})
    (hit,) = net.run(
        "azure.network.nonprod_nat_gateway", nat_gateways=[nat], params={"business_hours_per_week": hours}
    )
    assert hit.cost.amount == pytest.approx(round(NAT_HOUR * share, 2), abs=0.01)
    assert hit.evidence["scenario"] == "azure:nat_gateway_dev_test_always_on"


def test_trap_production_nat_is_not_scheduled(net):
    nat = net.nat("nat-prod", subnets=[net.subnet_id()], tags={"environment": "production"})
    assert net.run("azure.network.nonprod_nat_gateway", nat_gateways=[nat]) == []


# --- azure.network.nat_gateway_zone_mismatch ---------------------------------------------------------


def test_zone_redundant_nat_with_vms_in_one_zone_saves_nothing(net):
    nic = net.net_nic("nic-vm1", vm=net.vm_in_zone("vm1", "1"), subnet=net.subnet_id(subnet="app"))
    nat, pips, vnet, nics = _estate(
        net,
        configs=[net.config_of(nic)],
        vm_nics=[nic],
        nat_kw={"zones": ["1", "2", "3"], "sku": "StandardV2"},
    )
    (hit,) = _run(
        net,
        "azure.network.nat_gateway_zone_mismatch",
        nat,
        pips,
        vnet,
        nics,
        virtual_machines=[net.vm_in_zone("vm1", "1")],
    )
    assert hit.cost.amount == 0.0 and hit.cost.kind is CostKind.SAVING
    assert hit.evidence["vm_zone"] == "1"


def test_trap_zonal_nat_or_vms_across_zones(net):
    vms = [net.vm_in_zone("vm1", "1"), net.vm_in_zone("vm2", "2")]
    a = net.net_nic("nic-vm1", vm=vms[0], subnet=net.subnet_id(subnet="app"))
    b = net.net_nic("nic-vm2", vm=vms[1], subnet=net.subnet_id(subnet="app"))
    nat, pips, vnet, nics = _estate(
        net, configs=[net.config_of(a), net.config_of(b)], vm_nics=[a, b], nat_kw={"zones": ["1", "2", "3"]}
    )
    assert (
        _run(net, "azure.network.nat_gateway_zone_mismatch", nat, pips, vnet, nics, virtual_machines=vms)
        == []
    )
    zonal, pips, vnet, nics = _estate(net, configs=[net.config_of(a)], vm_nics=[a], nat_kw={"zones": ["1"]})
    assert (
        _run(net, "azure.network.nat_gateway_zone_mismatch", zonal, pips, vnet, nics, virtual_machines=vms)
        == []
    )


# --- azure.network.idle_nat_gateway ---------------------------------------------------------------


def _traffic(net, byte_values, conns=None):
    nat, pips, _, _ = _estate(net)
    values = {"ByteCount": byte_values}
    if conns is not None:
        values["TotalConnectionCount"] = conns
    metrics = net.metrics("azure.network.idle_nat_gateway", nat, values)
    return net.run(
        "azure.network.idle_nat_gateway", nat_gateways=[nat], public_ip_addresses=pips, metrics=metrics
    )


def test_nat_with_no_bytes_over_30_days(net, hit_ok):
    (hit,) = _traffic(net, [0.0] * 30, [0.0] * 30)
    hit_ok(hit)
    assert hit.evidence["scenario"] == "azure:nat_gateway_no_traffic"
    assert hit.confidence.value == "high"
    assert hit.cost.amount == pytest.approx(NAT_HOUR + STD_IP)
    assert hit.evidence["metrics"]["TotalConnectionCount"]["total"] == 0


@pytest.mark.parametrize(("gib", "flagged"), [(9.9, True), (10.0, False)])
def test_very_low_traffic_boundary_at_10_gib_a_month(net, gib, flagged):
    per_window = gib * GIB * (24 * 30) / 730  # 30 days of bytes for ``gib`` GiB a month
    hits = _traffic(net, [per_window] + [0.0] * 29)
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].evidence["scenario"] == "azure:nat_gateway_very_low_traffic"
        assert hits[0].confidence.value == "low"


def test_missing_bytecount_is_unknown(net):
    nat, pips, _, _ = _estate(net)
    assert net.run("azure.network.idle_nat_gateway", nat_gateways=[nat], public_ip_addresses=pips) == []


# --- azure.network.nat_gateway_service_endpoints -------------------------------------------------------


def test_every_subnet_with_service_endpoints(net):
    nat, pips, vnet, nics = _estate(
        net, subnet_kw={"service_endpoints": ["Microsoft.Storage", "Microsoft.Sql"]}
    )
    (hit,) = _run(net, "azure.network.nat_gateway_service_endpoints", nat, pips, vnet, nics)
    assert hit.evidence["service_endpoints"] == ["Microsoft.Sql", "Microsoft.Storage"]
    assert hit.confidence.value == "low" and hit.cost.kind is CostKind.SAVING


def test_trap_a_subnet_without_service_endpoints_needs_the_nat(net):
    nat, pips, vnet, nics = _estate(net)
    assert _run(net, "azure.network.nat_gateway_service_endpoints", nat, pips, vnet, nics) == []
