"""Cloud Router and Cloud NAT checks: unattached routers, idle NAT gateways, NATs without VMs."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence

ROUTER = "gcp.compute.unattached_router"
IDLE = "gcp.compute.idle_nat"
NO_VMS = "gcp.compute.nat_without_vms"
SENT = "router.googleapis.com/nat/sent_bytes_count"
RECEIVED = "router.googleapis.com/nat/received_bytes_count"
MB = 1_000_000


# --- gcp.compute.unattached_router --------------------------------------------------------------------


@pytest.mark.parametrize(("age", "flagged"), [(6.9, False), (7, True)])
def test_unattached_router_age(gcp, age, flagged):
    assert bool(gcp.run(ROUTER, routers=[gcp.router("spare", created=age)])) is flagged


def test_unattached_router_is_hygiene_at_zero(gcp, hit_ok):
    (hit,) = gcp.run(ROUTER, routers=[gcp.router("spare")])
    hit_ok(hit)
    assert hit.cost.amount == 0.0 and hit.cost.detail == "no direct charge"
    assert hit.region == "us-central1"
    assert hit.recommendation == "gcloud compute routers delete spare --region=us-central1"


@pytest.mark.parametrize(
    "kw",
    [
        {"nats": [{"name": "nat-1", "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES"}]},
        {
            "interfaces": [
                {"name": "if-tunnel-0", "linkedVpnTunnel": "tunnels/t0", "ipRange": "169.254.0.1/30"}
            ]
        },
        {"bgpPeers": [{"name": "peer-0", "peerIpAddress": "169.254.0.2", "peerAsn": 65001}]},
    ],
)
def test_routers_doing_something_are_attached(gcp, kw):
    assert gcp.run(ROUTER, routers=[gcp.router("r", **kw)]) == []


# --- gcp.compute.idle_nat ---------------------------------------------------------------------------------


def _vm(gcp, name, *, region="us-central1", external=False, network="default", status="RUNNING"):
    vm = gcp.instance(name, zone=f"{region}-b", nat_ip="34.5.5.5" if external else None, status=status)
    vm["networkInterfaces"][0]["network"] = gcp.glob("networks", network)
    return vm


def _idle(gcp, router, sent, received, **collections):
    metrics = gcp.metrics(IDLE, router, {SENT: sent, RECEIVED: received})
    return gcp.run(IDLE, routers=[router], metrics=metrics, **collections)


@pytest.mark.parametrize(
    ("daily_mb", "expected"),
    [(0, Confidence.HIGH), (0.5, Confidence.MEDIUM), (1.0, Confidence.MEDIUM), (1.01, None)],
)
def test_idle_nat_traffic_boundaries(gcp, hit_ok, daily_mb, expected):
    router = gcp.router("nat-router", nats=[gcp.nat("nat-1")])
    half = daily_mb * MB / 2
    hits = _idle(gcp, router, [half] * 14, [half] * 14)
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.resource.id == "projects/acme-prod/regions/us-central1/routers/nat-router/nats/nat-1"
    assert hit.evidence["datapoints"] == 14
    assert "--router=nat-router --region=us-central1" in hit.recommendation


@pytest.mark.parametrize(("days", "flagged"), [(6, False), (7, True)])
def test_idle_nat_needs_enough_datapoints(gcp, days, flagged):
    router = gcp.router("r", nats=[gcp.nat("nat-1")])
    assert bool(_idle(gcp, router, [0] * days, [0] * days)) is flagged


def test_no_nat_series_is_unknown(gcp):
    router = gcp.router("r", nats=[gcp.nat("nat-1")])
    assert gcp.run(IDLE, routers=[router]) == []
    assert _idle(gcp, router, [0] * 14, None) == []


def test_a_router_total_that_low_flags_each_of_its_nats(gcp):
    router = gcp.router("r", nats=[gcp.nat("nat-a"), gcp.nat("nat-b")])
    assert [h.resource.name for h in _idle(gcp, router, [0] * 14, [0] * 14)] == ["nat-a", "nat-b"]


def test_idle_nat_cost_counts_the_vms_it_serves(gcp):
    router = gcp.router("r", nats=[gcp.nat("nat-1")])
    vms = [
        _vm(gcp, "a"),
        _vm(gcp, "b"),
        _vm(gcp, "c"),
        _vm(gcp, "with-ip", external=True),  # leaves through its own external IP
        _vm(gcp, "elsewhere", region="europe-west1"),
        _vm(gcp, "other-vpc", network="shared"),
        _vm(gcp, "stopped", status="TERMINATED"),
    ]
    (hit,) = _idle(gcp, router, [0] * 14, [0] * 14, instances=vms)
    assert hit.evidence["vms_served"] == 3
    assert hit.cost.amount == pytest.approx(3 * 0.0014 * 730, abs=0.01)
    assert "auto-allocated NAT IPs not included" in hit.cost.detail


def test_idle_nat_cost_caps_above_32_vms_and_adds_manual_ips(gcp):
    ips = [gcp.address(f"nat-ip-{n}", f"34.0.0.{n}", status="IN_USE") for n in range(2)]
    router = gcp.router("r", nats=[gcp.nat("nat-1", nat_ips=[a["selfLink"] for a in ips])])
    vms = [_vm(gcp, f"vm-{n}") for n in range(40)]
    (hit,) = _idle(gcp, router, [0] * 14, [0] * 14, instances=vms, addresses=ips)
    assert hit.cost.amount == pytest.approx(0.044 * 730 + 2 * 0.005 * 730, abs=0.01)


# --- gcp.compute.nat_without_vms ------------------------------------------------------------------------


def test_nat_without_vms(gcp, hit_ok):
    router = gcp.router("r", nats=[gcp.nat("nat-1")])
    (hit,) = gcp.run(NO_VMS, routers=[router], instances=[_vm(gcp, "with-ip", external=True)])
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.cost.amount == 0.0
    assert "per-VM gateway charge is $0" in hit.cost.detail


def test_nat_without_vms_still_bills_its_manual_ips(gcp):
    ip = gcp.address("nat-ip", "34.0.0.9", status="IN_USE")
    router = gcp.router("r", nats=[gcp.nat("nat-1", nat_ips=[ip["selfLink"]])])
    (hit,) = gcp.run(NO_VMS, routers=[router], addresses=[ip])
    assert hit.cost.amount == pytest.approx(3.65)


def test_a_vm_to_serve_keeps_the_nat(gcp):
    router = gcp.router("r", nats=[gcp.nat("nat-1")])
    assert gcp.run(NO_VMS, routers=[router], instances=[_vm(gcp, "private")]) == []


def test_listed_subnetworks_only(gcp):
    subnet = gcp.regional("subnetworks", "apps")
    router = gcp.router("r", nats=[gcp.nat("nat-1", ranges="LIST_OF_SUBNETWORKS", subnetworks=[subnet])])
    vm = _vm(gcp, "in-default-subnet")  # its NIC is in subnetworks/default
    assert len(gcp.run(NO_VMS, routers=[router], instances=[vm])) == 1
    vm["networkInterfaces"][0]["subnetwork"] = subnet
    assert gcp.run(NO_VMS, routers=[router], instances=[vm]) == []


def test_nats_serving_proxies_and_young_routers_are_skipped(gcp):
    proxy = gcp.router("p", nats=[gcp.nat("nat-1", endpointTypes=["ENDPOINT_TYPE_MANAGED_PROXY_LB"])])
    young = gcp.router("y", nats=[gcp.nat("nat-2")], created=3)
    assert gcp.run(NO_VMS, routers=[proxy, young]) == []
