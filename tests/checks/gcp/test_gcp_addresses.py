"""Static external IP checks: unused regional and global addresses."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis

UNUSED = "gcp.compute.unused_address"
GLOBAL = "gcp.compute.unused_global_address"
IP = "34.118.20.7"


@pytest.mark.parametrize(
    ("age", "expected"),
    [(6.9, None), (7, Confidence.MEDIUM), (29.9, Confidence.MEDIUM), (30, Confidence.HIGH)],
)
def test_unused_address_thresholds(gcp, hit_ok, age, expected):
    hits = gcp.run(UNUSED, addresses=[gcp.address("spare", IP, created=age)])
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.region == "us-central1"
    assert hit.cost.amount == pytest.approx(7.3)
    assert hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.recommendation == "gcloud compute addresses delete spare --region=us-central1"


def test_never_used_variant_after_90_days(gcp):
    (hit,) = gcp.run(UNUSED, addresses=[gcp.address("spare", IP, created=120)])
    assert hit.evidence["scenario"] == "never_used"


def test_internal_addresses_are_free(gcp):
    internal = gcp.address(
        "db-vip", "10.128.0.50", address_type="INTERNAL", purpose="GCE_ENDPOINT", created=90
    )
    assert gcp.run(UNUSED, addresses=[internal]) == []


@pytest.mark.parametrize("status", ["IN_USE", "RESERVING"])
def test_addresses_in_use_or_in_flux(gcp, status):
    assert gcp.run(UNUSED, addresses=[gcp.address("a", IP, status=status, created=90)]) == []


def test_addresses_with_users_are_in_use(gcp):
    user = gcp.regional("forwardingRules", "web-fr")
    assert gcp.run(UNUSED, addresses=[gcp.address("a", IP, users=[user], created=90)]) == []


def test_a_reserved_address_whose_ip_a_forwarding_rule_carries_is_in_use(gcp):
    address = gcp.address("lb-ip", IP, created=90)
    rule = gcp.forwarding_rule("web-fr", IP, target=gcp.regional("targetPools", "web-pool"))
    assert gcp.run(UNUSED, addresses=[address], forwarding_rules=[rule]) == []


def test_a_forwarding_rule_naming_the_address_url_uses_it(gcp):
    address = gcp.address("lb-ip", IP, created=90)
    rule = gcp.forwarding_rule("web-fr", address["selfLink"], target=gcp.regional("targetPools", "web-pool"))
    assert gcp.run(UNUSED, addresses=[address], forwarding_rules=[rule]) == []


def test_vpn_nat_and_instance_uses(gcp):
    vpn_ip = gcp.address("vpn-ip", "35.242.1.10", created=90)
    nat_ip = gcp.address("nat-ip", "34.0.0.9", created=90)
    vm_ip = gcp.address("vm-ip", "34.0.0.10", created=90)
    router = gcp.router("nat-router", nats=[gcp.nat("nat-1", nat_ips=[nat_ip["selfLink"]])])
    vm = gcp.instance("web-1", nat_ip="34.0.0.10")
    hits = gcp.run(
        UNUSED,
        addresses=[vpn_ip, nat_ip, vm_ip],
        vpn_gateways=[gcp.ha_vpn_gateway("ha-vpn")],
        routers=[router],
        instances=[vm],
    )
    assert hits == []


def test_draining_nat_ips_are_in_use(gcp):
    nat_ip = gcp.address("old-nat-ip", "34.0.0.9", created=90)
    router = gcp.router("r", nats=[gcp.nat("nat-1", nat_ips=["x"], drainNatIps=[nat_ip["selfLink"]])])
    assert gcp.run(UNUSED, addresses=[nat_ip], routers=[router]) == []


@pytest.mark.parametrize(
    "purpose", ["VPC_PEERING", "PRIVATE_SERVICE_CONNECT", "NAT_AUTO", "IPSEC_INTERCONNECT"]
)
def test_reservations_in_use_by_design(gcp, purpose):
    assert gcp.run(UNUSED, addresses=[gcp.address("r", IP, purpose=purpose, created=90)]) == []


# --- gcp.compute.unused_global_address -----------------------------------------------------------------


def test_unused_global_address(gcp, hit_ok):
    (hit,) = gcp.run(GLOBAL, global_addresses=[gcp.global_address("web-v4", "34.120.5.5", created=40)])
    hit_ok(hit)
    assert hit.region == "global"
    assert hit.resource.type == "gce_global_address"
    assert hit.cost.amount == pytest.approx(7.3)
    assert hit.cost.basis is CostBasis.ESTIMATE  # "global" is priced at the default
    assert hit.recommendation == "gcloud compute addresses delete web-v4 --global"


def test_global_address_of_a_global_forwarding_rule_is_in_use(gcp):
    address = gcp.global_address("web-v4", "34.120.5.5", created=40)
    rule = gcp.forwarding_rule(
        "web-https", "34.120.5.5", region=None, target=gcp.glob("targetHttpsProxies", "p")
    )
    assert gcp.run(GLOBAL, global_addresses=[address], forwarding_rules=[rule]) == []


def test_peering_and_psc_ranges_are_not_billed_ips(gcp):
    peering = gcp.global_address(
        "google-managed-services-default",
        "10.20.0.0",
        address_type="INTERNAL",
        purpose="VPC_PEERING",
        prefix_length=16,
        network=gcp.glob("networks", "default"),
        created=300,
    )
    psc = gcp.global_address("psc-apis", "10.30.0.5", purpose="PRIVATE_SERVICE_CONNECT", created=300)
    assert gcp.run(GLOBAL, global_addresses=[peering, psc]) == []
