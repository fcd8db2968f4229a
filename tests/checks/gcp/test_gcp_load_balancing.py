"""Load balancing checks: forwarding rules with no backends, empty backend services and instance groups."""

from __future__ import annotations

import json

import pytest

from cloudwaste.model import Confidence

RULE = "gcp.compute.forwarding_rule_no_backends"
SERVICE = "gcp.compute.backend_service_no_backends"
GROUP = "gcp.compute.empty_instance_group"


def _passthrough(gcp, groups=(), age=60.0, name="ilb"):
    service = gcp.backend_service(f"{name}-bs", groups=groups, region="us-central1", scheme="INTERNAL")
    rule = gcp.forwarding_rule(
        f"{name}-fr", "10.128.0.9", backend_service=service["selfLink"], scheme="INTERNAL", created=age
    )
    return rule, service


@pytest.mark.parametrize(
    ("age", "expected"),
    [(6.9, None), (7, Confidence.MEDIUM), (29.9, Confidence.MEDIUM), (30, Confidence.HIGH)],
)
def test_rule_with_empty_backend_service_thresholds(gcp, hit_ok, age, expected):
    rule, service = _passthrough(gcp, age=age)
    hits = gcp.run(RULE, forwarding_rules=[rule], backend_services=[service])
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.region == "us-central1"
    assert hit.cost.amount == pytest.approx(18.25)  # the only rule of its region: the whole $0.025/h
    assert hit.recommendation == "gcloud compute forwarding-rules delete ilb-fr --region=us-central1"


def test_instance_groups_of_size_zero_are_empty_backends(gcp):
    empty = gcp.instance_group("web-ig", size=0)
    full = gcp.instance_group("api-ig", size=3)
    rule, service = _passthrough(gcp, groups=[empty["selfLink"]])
    assert (
        len(gcp.run(RULE, forwarding_rules=[rule], backend_services=[service], instance_groups=[empty])) == 1
    )
    rule, service = _passthrough(gcp, groups=[empty["selfLink"], full["selfLink"]])
    assert (
        gcp.run(RULE, forwarding_rules=[rule], backend_services=[service], instance_groups=[empty, full])
        == []
    )


def test_unlisted_groups_and_negs_count_as_backends(gcp):
    rule, service = _passthrough(gcp, groups=[gcp.zonal("instanceGroups", "not-listed")])
    assert gcp.run(RULE, forwarding_rules=[rule], backend_services=[service]) == []
    rule, service = _passthrough(gcp, groups=[gcp.neg("serverless-neg")])
    assert gcp.run(RULE, forwarding_rules=[rule], backend_services=[service]) == []


def test_an_unlisted_backend_service_is_unknown(gcp):
    rule, _ = _passthrough(gcp)
    assert gcp.run(RULE, forwarding_rules=[rule]) == []


def _http_lb(gcp, *, default_service=None, path_services=(), redirect=False):
    url_map = gcp.url_map("web-map", default_service=default_service, path_services=path_services)
    if redirect:
        url_map["defaultUrlRedirect"] = {
            "httpsRedirect": True,
            "redirectResponseCode": "MOVED_PERMANENTLY_DEFAULT",
        }
    proxy = gcp.target_proxy("web-proxy", url_map=url_map["selfLink"])
    rule = gcp.forwarding_rule("web-fr", "34.120.5.5", region=None, target=proxy["selfLink"], created=60)
    return rule, proxy, url_map


def test_http_lb_through_proxy_and_url_map(gcp):
    empty = gcp.backend_service("web-bs")
    rule, proxy, url_map = _http_lb(gcp, default_service=empty["selfLink"])
    (hit,) = gcp.run(
        RULE, forwarding_rules=[rule], target_proxies=[proxy], url_maps=[url_map], backend_services=[empty]
    )
    assert hit.region == "global"
    assert "URL map web-map" in hit.evidence["path"]
    assert "--global" in hit.recommendation


def test_one_path_with_backends_keeps_the_lb(gcp):
    empty = gcp.backend_service("old-bs")
    ig = gcp.instance_group("api-ig", size=2)
    live = gcp.backend_service("api-bs", groups=[ig["selfLink"]])
    rule, proxy, url_map = _http_lb(gcp, default_service=empty["selfLink"], path_services=[live["selfLink"]])
    hits = gcp.run(
        RULE,
        forwarding_rules=[rule],
        target_proxies=[proxy],
        url_maps=[url_map],
        backend_services=[empty, live],
        instance_groups=[ig],
    )
    assert hits == []


def test_backend_buckets_and_redirect_maps_are_not_empty(gcp):
    bucket = gcp.glob("backendBuckets", "static-site")
    rule, proxy, url_map = _http_lb(gcp, default_service=bucket)
    assert gcp.run(RULE, forwarding_rules=[rule], target_proxies=[proxy], url_maps=[url_map]) == []
    rule, proxy, url_map = _http_lb(gcp, redirect=True)
    assert gcp.run(RULE, forwarding_rules=[rule], target_proxies=[proxy], url_maps=[url_map]) == []


def test_target_pool_without_instances(gcp):
    empty = gcp.target_pool("old-pool")
    full = gcp.target_pool("web-pool", instances=[gcp.zonal("instances", "web-1")])
    rules = [
        gcp.forwarding_rule("old-fr", "34.1.1.1", target=empty["selfLink"]),
        gcp.forwarding_rule("web-fr", "34.1.1.2", target=full["selfLink"]),
    ]
    hits = gcp.run(RULE, forwarding_rules=rules, target_pools=[empty, full])
    assert [h.resource.name for h in hits] == ["old-fr"]
    assert hits[0].evidence["path"] == "target pool old-pool"


def test_tcp_proxy_to_empty_service(gcp):
    empty = gcp.backend_service("tcp-bs", scheme="EXTERNAL")
    proxy = gcp.target_proxy("tcp-proxy", kind="targetTcpProxies", service=empty["selfLink"])
    rule = gcp.forwarding_rule("tcp-fr", "34.1.1.3", region=None, target=proxy["selfLink"])
    assert len(gcp.run(RULE, forwarding_rules=[rule], target_proxies=[proxy], backend_services=[empty])) == 1


@pytest.mark.parametrize(
    "target",
    [
        "https://www.googleapis.com/compute/v1/projects/acme-prod/regions/us-central1/targetVpnGateways/vpn-1",
        "https://www.googleapis.com/compute/v1/projects/acme-prod/zones/us-central1-a/targetInstances/ti-1",
        "https://www.googleapis.com/compute/v1/projects/svc/regions/us-central1/serviceAttachments/sa-1",
        "all-apis",
    ],
)
def test_vpn_target_instance_and_psc_rules_are_not_load_balancers(gcp, target):
    rule = gcp.forwarding_rule("x", "34.1.1.4", target=target)
    assert gcp.run(RULE, forwarding_rules=[rule]) == []


def test_rule_cost_is_the_marginal_share_of_the_regional_charge(gcp):
    empty = gcp.backend_service("e-bs", region="us-central1", scheme="INTERNAL")
    ig = gcp.instance_group("ig", size=1)
    live = gcp.backend_service("l-bs", groups=[ig["selfLink"]], region="us-central1", scheme="INTERNAL")

    def rules(n_empty, n_live):
        return [
            gcp.forwarding_rule(f"e{i}", f"10.0.0.{i}", backend_service=empty["selfLink"], scheme="INTERNAL")
            for i in range(n_empty)
        ] + [
            gcp.forwarding_rule(f"l{i}", f"10.0.1.{i}", backend_service=live["selfLink"], scheme="INTERNAL")
            for i in range(n_live)
        ]

    data = {"backend_services": [empty, live], "instance_groups": [ig]}
    # 1 of 3 rules: the first five share one flat charge, deleting one saves nothing
    (hit,) = gcp.run(RULE, forwarding_rules=rules(1, 2), **data)
    assert hit.cost.amount == 0.0
    assert "saves $0/h" in hit.cost.detail
    # 2 of 7: $0.045/h -> $0.025/h, $0.01/h each
    hits = gcp.run(RULE, forwarding_rules=rules(2, 5), **data)
    assert [h.cost.amount for h in hits] == [pytest.approx(7.3)] * 2
    # all 3 of 3: the whole $0.025/h, a third each
    hits = gcp.run(RULE, forwarding_rules=rules(3, 0), **data)
    assert sum(h.cost.amount for h in hits) == pytest.approx(18.25, abs=0.02)


def test_gke_created_rule_points_at_the_kubernetes_service(gcp):
    rule, service = _passthrough(gcp)
    rule["description"] = json.dumps({"kubernetes.io/service-name": "shop/frontend"})
    (hit,) = gcp.run(RULE, forwarding_rules=[rule], backend_services=[service])
    assert hit.evidence["scenario"] == "gke_orphan"
    assert "kubectl delete service" in hit.recommendation


# --- gcp.compute.backend_service_no_backends --------------------------------------------------------------


def test_backend_service_without_backends_is_hygiene(gcp, hit_ok):
    (hit,) = gcp.run(SERVICE, backend_services=[gcp.backend_service("old-bs", created=30)])
    hit_ok(hit)
    assert hit.cost.amount == 0.0
    assert hit.cost.detail == "no direct charge"
    assert hit.region == "global"


def test_backend_service_with_empty_groups_only(gcp):
    ig = gcp.instance_group("ig", size=0)
    service = gcp.backend_service("bs", groups=[ig["selfLink"]], region="us-central1", created=30)
    (hit,) = gcp.run(SERVICE, backend_services=[service], instance_groups=[ig])
    assert hit.evidence["scenario"] == "empty_groups"
    assert "--region=us-central1" in hit.recommendation


@pytest.mark.parametrize(("age", "flagged"), [(6.9, False), (7, True)])
def test_backend_service_age(gcp, age, flagged):
    assert bool(gcp.run(SERVICE, backend_services=[gcp.backend_service("bs", created=age)])) is flagged


def test_backend_service_with_a_neg_is_not_empty(gcp):
    assert (
        gcp.run(SERVICE, backend_services=[gcp.backend_service("bs", groups=[gcp.neg("n")], created=30)])
        == []
    )


# --- gcp.compute.empty_instance_group --------------------------------------------------------------------


def test_empty_unmanaged_group(gcp, hit_ok):
    (hit,) = gcp.run(GROUP, instance_groups=[gcp.instance_group("legacy-ig", size=0)])
    hit_ok(hit)
    assert hit.cost.amount == 0.0
    assert (
        hit.recommendation == "gcloud compute instance-groups unmanaged delete legacy-ig --zone=us-central1-a"
    )


def test_managed_gke_and_non_empty_groups_are_skipped(gcp):
    managed = gcp.instance_group("web-mig", size=0)
    igm = gcp.igm("web-mig", template="web-tpl", target_size=0)
    gke = gcp.instance_group("k8s-ig--6c1a2b3c4d5e6f70", size=0)
    full = gcp.instance_group("batch-ig", size=2)
    assert gcp.run(GROUP, instance_groups=[managed, gke, full], instance_group_managers=[igm]) == []
