"""Load balancer and application gateway checks."""

from __future__ import annotations

import pytest

from cloudwaste.model import CostBasis, CostKind

MIB = 1024**2
LB_HOUR = 0.025 * 730  # 18.25: the first five rules
RULE = 0.01 * 730  # 7.30 per rule beyond five
STD_IP = 3.65


def _be(net, name="nic-be"):
    nic = net.net_nic(name, vm=net.vm(f"vm-{name}"))
    return net.config_of(nic)


# --- azure.network.empty_load_balancer ----------------------------------------------------------


def test_lb_with_rules_and_no_backend_costs_its_hourly_charge_and_frontend_ip(net, hit_ok):
    ip = net.ip("pip-lb")
    lb = net.lb("lb-empty", public_ips=[ip])
    (hit,) = net.run("azure.network.empty_load_balancer", load_balancers=[lb], public_ip_addresses=[ip])
    hit_ok(hit)
    assert hit.evidence["scenario"] == "azure:load_balancer_no_backend_instances"
    assert hit.cost.amount == pytest.approx(LB_HOUR + STD_IP)
    assert hit.cost_includes == (ip["id"],)
    assert hit.confidence.value == "high"
    assert "creation time" in hit.evidence["age"]


def test_trap_lb_with_no_rules_has_no_hourly_charge(net):
    ip = net.ip("pip-lb")
    lb = net.lb("lb-bare", public_ips=[ip], rules=0, probes=0)
    (hit,) = net.run("azure.network.empty_load_balancer", load_balancers=[lb], public_ip_addresses=[ip])
    assert hit.evidence["scenario"] == "azure:load_balancer_never_used"
    assert hit.cost.amount == pytest.approx(STD_IP)
    assert "no hourly charge" in hit.cost.detail


def test_lb_with_backends_but_no_rule_forwards_nothing(net):
    lb = net.lb("lb-norules", backends=[_be(net)], rules=0)
    (hit,) = net.run("azure.network.empty_load_balancer", load_balancers=[lb])
    assert hit.evidence["scenario"] == "azure:load_balancer_no_inbound_rules"
    assert hit.confidence.value == "medium"
    assert hit.cost.amount == 0.0  # internal frontend, no billable rule


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rules": 0, "outbound_rules": 1},  # outbound SNAT only: in use
        {"backends": [], "backend_addresses": ["10.0.0.7"]},  # IP-based backend pool
        {"pools": 0, "rules": 0, "nat_rules": ["NIC"]},  # NAT rule straight to a NIC
    ],
    ids=["outbound-only", "ip-based-pool", "nat-rule-to-nic"],
)
def test_trap_lbs_in_use_without_classic_pool_members_or_inbound_rules(net, kwargs):
    backend = _be(net)
    kwargs = dict(kwargs)
    kwargs.setdefault("backends", [backend])
    if "nat_rules" in kwargs:
        kwargs["nat_rules"] = [backend]
    lb = net.lb("lb-used", **kwargs)
    assert net.run("azure.network.empty_load_balancer", load_balancers=[lb]) == []


def test_trap_aks_managed_lb_is_left_to_the_cluster(net):
    lb = net.lb("kubernetes", rg="MC_rg-aks_aks1_eastus")
    assert net.run("azure.network.empty_load_balancer", load_balancers=[lb]) == []
    other = net.lb("kubernetes", rg="rg-app")
    assert len(net.run("azure.network.empty_load_balancer", load_balancers=[other])) == 1


@pytest.mark.parametrize(("rules", "expected"), [(5, LB_HOUR), (6, LB_HOUR + RULE), (7, LB_HOUR + 2 * RULE)])
def test_rule_count_boundary_at_five_rules(net, rules, expected):
    lb = net.lb("lb-rules", rules=rules)
    (hit,) = net.run("azure.network.empty_load_balancer", load_balancers=[lb])
    assert hit.cost.amount == pytest.approx(expected)


def test_basic_lb_is_free_and_its_basic_ip_is_billed(net):
    ip = net.ip("pip-basic", sku="Basic", allocation="Dynamic", address="13.1.1.1")
    lb = net.lb("lb-basic", sku="Basic", public_ips=[ip])
    (hit,) = net.run("azure.network.empty_load_balancer", load_balancers=[lb], public_ip_addresses=[ip])
    assert hit.cost.amount == pytest.approx(0.004 * 730)


def test_global_tier_lb_is_not_priced(net):
    lb = net.lb("lb-global", tier="Global")
    (hit,) = net.run("azure.network.empty_load_balancer", load_balancers=[lb])
    assert hit.cost.amount is None


def test_frontend_ip_outside_the_listed_groups_is_noted_not_priced(net):
    lb = net.lb("lb-x", public_ips=[net.rid("rg-other", "Microsoft.Network/publicIPAddresses", "pip")])
    (hit,) = net.run("azure.network.empty_load_balancer", load_balancers=[lb])
    assert hit.cost.amount == pytest.approx(LB_HOUR)
    assert "not priced" in hit.cost.detail


# --- azure.network.lb_rule_missing_backend -------------------------------------------------------


def test_rules_without_a_pool_save_their_overage(net, hit_ok):
    lb = net.lb("lb-big", backends=[_be(net)], rules=7)
    for rule in lb["properties"]["loadBalancingRules"][:2]:
        del rule["properties"]["backendAddressPool"], rule["properties"]["backendAddressPools"]
    (hit,) = net.run("azure.network.lb_rule_missing_backend", load_balancers=[lb])
    hit_ok(hit)
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.amount == pytest.approx(2 * RULE)
    assert [b["problem"] for b in hit.evidence["broken_rules"]] == ["no backend pool"] * 2


def test_broken_rule_within_the_first_five_saves_nothing(net):
    lb = net.lb("lb-small", backends=[_be(net)], rules=3)
    lb["properties"]["loadBalancingRules"][0]["properties"]["backendAddressPool"] = {
        "id": "/x/backendAddressPools/gone"
    }
    lb["properties"]["loadBalancingRules"][0]["properties"]["backendAddressPools"] = []
    (hit,) = net.run("azure.network.lb_rule_missing_backend", load_balancers=[lb])
    assert hit.cost.amount == 0.0
    assert "not on this load balancer" in hit.evidence["broken_rules"][0]["problem"]


def test_rules_pointing_only_at_empty_pools(net):
    lb = net.lb("lb-two", backends=[_be(net)], pools=2, rules=2)
    empty_pool = lb["properties"]["backendAddressPools"][1]["id"]
    for rule in lb["properties"]["loadBalancingRules"]:
        rule["properties"]["backendAddressPool"] = {"id": empty_pool}
        rule["properties"]["backendAddressPools"] = [{"id": empty_pool}]
    (hit,) = net.run("azure.network.lb_rule_missing_backend", load_balancers=[lb])
    assert hit.cost.amount == pytest.approx(LB_HOUR)  # no billable rule left: no hourly charge


def test_trap_lb_without_any_backend_is_left_to_the_empty_check(net):
    lb = net.lb("lb-empty", rules=7, rule_pool="none")
    assert net.run("azure.network.lb_rule_missing_backend", load_balancers=[lb]) == []


def test_healthy_rules_are_not_reported(net):
    lb = net.lb("lb-ok", backends=[_be(net)], rules=7)
    assert net.run("azure.network.lb_rule_missing_backend", load_balancers=[lb]) == []


# --- azure.network.idle_load_balancer -----------------------------------------------------------


def _idle_lb(net, lb, values, **kw):
    metrics = net.metrics("azure.network.idle_load_balancer", lb, values)
    return net.run("azure.network.idle_load_balancer", load_balancers=[lb], metrics=metrics, **kw)


def test_silent_lb_is_idle_with_high_confidence(net, hit_ok):
    ip = net.ip("pip-lb")
    lb = net.lb("lb-quiet", backends=[_be(net)], public_ips=[ip])
    zeros = [0.0] * 30
    (hit,) = _idle_lb(
        net, lb, {"ByteCount": zeros, "PacketCount": zeros, "SYNCount": zeros}, public_ip_addresses=[ip]
    )
    hit_ok(hit)
    assert hit.confidence.value == "high"
    assert hit.cost.amount == pytest.approx(LB_HOUR + STD_IP)
    assert hit.evidence["metrics"]["ByteCount"]["datapoints"] == 30
    assert hit.cost_group == f"lb:{lb['id'].lower()}"


@pytest.mark.parametrize(
    ("bytes_total", "packets_total", "flagged"),
    [(MIB, 1000, True), (MIB + 1, 10, False), (10, 1001, False)],
    ids=["at-both-bars", "bytes-above", "packets-above"],
)
def test_traffic_bars_are_inclusive(net, bytes_total, packets_total, flagged):
    lb = net.lb("lb-trickle", backends=[_be(net)])
    hits = _idle_lb(
        net, lb, {"ByteCount": [bytes_total] + [0.0] * 29, "PacketCount": [packets_total] + [0.0] * 29}
    )
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].confidence.value == "medium"


def test_missing_packet_data_is_unknown(net):
    lb = net.lb("lb-nodata", backends=[_be(net)])
    assert _idle_lb(net, lb, {"ByteCount": [0.0] * 30}) == []


def test_trap_basic_lb_has_no_metrics_and_is_skipped(net):
    lb = net.lb("lb-basic", sku="Basic", backends=[_be(net)])
    assert _idle_lb(net, lb, {"ByteCount": [0.0] * 30, "PacketCount": [0.0] * 30}) == []


# --- azure.network.lb_backends_unhealthy ----------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "flagged"),
    [([0.0] * 14, True), ([0.0] * 13, False), ([0.0] * 13 + [50.0], False)],
    ids=["14-days-down", "13-datapoints", "one-healthy-day"],
)
def test_all_backends_unhealthy_for_14_days(net, values, flagged):
    lb = net.lb("lb-sick", backends=[_be(net)])
    metrics = net.metrics("azure.network.lb_backends_unhealthy", lb, {"DipAvailability": values})
    hits = net.run("azure.network.lb_backends_unhealthy", load_balancers=[lb], metrics=metrics)
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].evidence["scenario"] == "azure:load_balancer_all_backends_unhealthy"


def test_trap_unhealthy_check_needs_probes(net):
    lb = net.lb("lb-noprobe", backends=[_be(net)], probes=0)
    metrics = net.metrics("azure.network.lb_backends_unhealthy", lb, {"DipAvailability": [0.0] * 14})
    assert net.run("azure.network.lb_backends_unhealthy", load_balancers=[lb], metrics=metrics) == []


# --- azure.network.basic_sku_retired ---------------------------------------------------------------


def test_basic_lb_is_free_now_and_the_migration_cost_is_shown(net, hit_ok):
    lb = net.lb("lb-old", sku="Basic", backends=[_be(net)], rules=7)
    (hit,) = net.run("azure.network.basic_sku_retired", load_balancers=[lb])
    hit_ok(hit)
    assert hit.cost.amount == 0.0
    assert hit.evidence["migration"]["monthly_after"] == pytest.approx(LB_HOUR + 2 * RULE)
    assert "$32.85" in hit.reason


@pytest.mark.parametrize(
    ("allocation", "address", "now", "delta"),
    [("Static", "13.1.1.1", 2.63, 1.02), ("Dynamic", "13.1.1.2", 2.92, 0.73)],
)
def test_associated_basic_ip_shows_the_standard_upgrade_delta(net, allocation, address, now, delta):
    nic = net.net_nic("nic-old", vm=net.vm("vm-old"))
    ip = net.ip("pip-old", sku="Basic", allocation=allocation, address=address, config=net.config_of(nic))
    (hit,) = net.run("azure.network.basic_sku_retired", public_ip_addresses=[ip])
    assert hit.cost.amount == pytest.approx(now)
    assert hit.evidence["migration"]["monthly_delta"] == pytest.approx(delta)
    assert hit.resource.type == "public_ip"


def test_trap_unassociated_basic_ip_and_standard_resources_are_not_legacy(net):
    ip = net.ip("pip-free", sku="Basic", allocation="Static")
    lb = net.lb("lb-new")
    assert net.run("azure.network.basic_sku_retired", public_ip_addresses=[ip], load_balancers=[lb]) == []


# --- application gateways ------------------------------------------------------------------------------

STD_FIXED = 0.246 * 730
WAF_FIXED = 0.443 * 730


def test_empty_v2_gateway_bills_fixed_price_and_reserved_capacity_units(net, hit_ok):
    ip = net.ip("pip-agw")
    gw = net.appgw("agw-empty", capacity=2, public_ips=[ip])
    (hit,) = net.run(
        "azure.network.empty_application_gateway", application_gateways=[gw], public_ip_addresses=[ip]
    )
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(STD_FIXED + 20 * 0.008 * 730)
    assert hit.cost_includes == (ip["id"],)  # included in the fixed price, not added
    assert hit.evidence["scenario"] == "azure:application_gateway_no_backend_targets"


def test_waf_v2_with_one_reserved_instance_matches_microsofts_example(net):
    gw = net.appgw("agw-waf", sku="WAF_v2", autoscale=(1, 10))
    (hit,) = net.run("azure.network.empty_application_gateway", application_gateways=[gw])
    assert hit.cost.amount == pytest.approx(428.51, abs=0.01)


def test_v1_gateway_bills_instances_and_its_public_ip(net):
    ip = net.ip("pip-v1", sku="Basic", allocation="Dynamic", address="40.1.1.1")
    gw = net.appgw("agw-v1", sku="Standard_Medium", capacity=2, public_ips=[ip])
    (hit,) = net.run(
        "azure.network.empty_application_gateway", application_gateways=[gw], public_ip_addresses=[ip]
    )
    assert hit.cost.amount == pytest.approx(2 * 0.07 * 730 + 0.004 * 730)


def test_basic_gateway_has_no_bundled_price(net):
    gw = net.appgw("agw-basic", sku="Basic", capacity=None)
    (hit,) = net.run("azure.network.empty_application_gateway", application_gateways=[gw])
    assert hit.cost.amount is None


@pytest.mark.parametrize(
    "kwargs",
    [{"addresses": [{"fqdn": "app.azurewebsites.net"}]}, {"redirect_only": True}, {"state": "Stopped"}],
    ids=["fqdn-backend", "redirect-only", "stopped"],
)
def test_trap_gateways_that_are_not_empty_running_ones(net, kwargs):
    gw = net.appgw("agw", **kwargs)
    assert net.run("azure.network.empty_application_gateway", application_gateways=[gw]) == []


def test_stopped_v2_gateway_is_priced_at_its_ip_as_an_estimate(net, hit_ok):
    ip = net.ip("pip-agw")
    gw = net.appgw("agw-off", state="Stopped", public_ips=[ip])
    (hit,) = net.run(
        "azure.network.stopped_application_gateway", application_gateways=[gw], public_ip_addresses=[ip]
    )
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(STD_IP)
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert hit.evidence["scenario"] == "azure:application_gateway_stopped"


def test_stopped_v1_gateway_with_a_released_dynamic_ip_costs_nothing(net):
    ip = net.ip("pip-v1", sku="Basic", allocation="Dynamic", address=None)
    gw = net.appgw("agw-v1", sku="Standard_Small", state="Stopped", public_ips=[ip])
    (hit,) = net.run(
        "azure.network.stopped_application_gateway", application_gateways=[gw], public_ip_addresses=[ip]
    )
    assert hit.cost.amount == 0.0


def test_trap_running_gateway_is_not_stopped(net):
    gw = net.appgw("agw-on")
    assert net.run("azure.network.stopped_application_gateway", application_gateways=[gw]) == []


@pytest.mark.parametrize(
    ("requests", "result"), [(0, "high"), (100, "medium"), (101, None)], ids=["none", "at-100", "above"]
)
def test_gateway_requests_boundary(net, requests, result):
    gw = net.appgw("agw-quiet", addresses=[{"ipAddress": "10.0.2.4"}])
    metrics = net.metrics(
        "azure.network.idle_application_gateway", gw, {"TotalRequests": [requests] + [0.0] * 29}
    )
    hits = net.run("azure.network.idle_application_gateway", application_gateways=[gw], metrics=metrics)
    assert (hits[0].confidence.value if hits else None) == result


def test_gateway_with_no_request_data_is_unknown(net):
    gw = net.appgw("agw-nodata")
    assert net.run("azure.network.idle_application_gateway", application_gateways=[gw]) == []


def _capacity(net, check, gw, peak):
    metrics = net.metrics(check, gw, {"CapacityUnits": [peak] + [1.0] * 29})
    return net.run(check, application_gateways=[gw], metrics=metrics)


def test_autoscale_minimum_far_above_the_peak(net, hit_ok):
    gw = net.appgw("agw-min6", sku="WAF_v2", autoscale=(6, 10), addresses=[{"ipAddress": "10.0.2.4"}])
    (hit,) = _capacity(net, "azure.network.underutilized_application_gateway", gw, 12.3)
    hit_ok(hit)
    assert hit.evidence["suggested_min_capacity"] == 2
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.amount == pytest.approx(40 * 0.0144 * 730)
    assert "minCapacity=2" in hit.recommendation


@pytest.mark.parametrize(("peak", "flagged"), [(30.0, True), (30.5, False)])
def test_autoscale_utilization_boundary_at_half_the_reservation(net, peak, flagged):
    gw = net.appgw("agw-min6", autoscale=(6, 10))
    assert bool(_capacity(net, "azure.network.underutilized_application_gateway", gw, peak)) is flagged


def test_trap_autoscale_minimum_zero_reserves_nothing(net):
    gw = net.appgw("agw-min0", autoscale=(0, 10))
    assert _capacity(net, "azure.network.underutilized_application_gateway", gw, 0.5) == []


def test_fixed_capacity_gateway_with_a_low_peak(net):
    gw = net.appgw("agw-fixed", capacity=4)
    (hit,) = _capacity(net, "azure.network.appgw_no_autoscale", gw, 5.0)
    assert hit.cost.amount == pytest.approx(30 * 0.008 * 730)
    assert hit.confidence.value == "medium"


def test_fixed_capacity_without_data_is_low_confidence_with_an_unknown_saving(net):
    gw = net.appgw("agw-fixed", capacity=4)
    (hit,) = net.run("azure.network.appgw_no_autoscale", application_gateways=[gw])
    assert hit.cost.amount is None and hit.confidence.value == "low"


def test_trap_fixed_capacity_that_the_peak_needs_and_autoscaled_or_v1_gateways(net):
    busy = net.appgw("agw-busy", capacity=2)
    assert _capacity(net, "azure.network.appgw_no_autoscale", busy, 15.0) == []
    auto = net.appgw("agw-auto", autoscale=(0, 10))
    v1 = net.appgw("agw-v1", sku="Standard_Large", capacity=3)
    assert net.run("azure.network.appgw_no_autoscale", application_gateways=[auto, v1]) == []


def _node_group(net, name):
    """An AKS node resource group as Resource Groups - List returns it: ``managedBy`` is the cluster
    (a custom ``nodeResourceGroup`` name need not start with MC_)."""
    cluster = f"/subscriptions/{net.sub}/resourceGroups/rg-aks/providers/Microsoft.ContainerService"
    cluster += "/managedClusters/a1"
    return {
        "id": f"/subscriptions/{net.sub}/resourceGroups/{name}",
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": "westeurope",
        "managedBy": cluster,
        "tags": {"aks-managed-cluster-name": "a1", "aks-managed-cluster-rg": "rg-aks"},
        "properties": {"provisioningState": "Succeeded"},
    }


def test_trap_lbs_in_a_service_managed_group_are_left_to_the_service(net):
    groups = [_node_group(net, "aks-prod-nodes")]
    lb = net.lb("kubernetes-internal-x", rg="aks-prod-nodes")
    assert net.run("azure.network.empty_load_balancer", load_balancers=[lb], resource_groups=groups) == []
    mine = net.lb("kubernetes-internal-x", rg="rg-app")
    assert (
        len(net.run("azure.network.empty_load_balancer", load_balancers=[mine], resource_groups=groups)) == 1
    )
    sick = net.lb("kubernetes", rg="aks-prod-nodes", backends=[_be(net)])
    metrics = net.metrics("azure.network.lb_backends_unhealthy", sick, {"DipAvailability": [0.0] * 14})
    check = "azure.network.lb_backends_unhealthy"
    assert net.run(check, load_balancers=[sick], metrics=metrics, resource_groups=groups) == []
    assert len(net.run(check, load_balancers=[sick], metrics=metrics)) == 1
