"""The load balancer checks: no targets, unreachable, idle, off-hours, Classic migration, NLB cross-zone."""

from __future__ import annotations

import json

import pytest
from tests.checks.aws.conftest import lb_attributes, listener, metric_series, security_group, series_by_time

from cloudwaste.checks.registry import get_check
from cloudwaste.model import Confidence, CostBasis, CostKind
from cloudwaste.report import summarize

ALB = "aws.elb.alb_no_targets"
NLB = "aws.elb.nlb_no_targets"
CLB = "aws.elb.clb_no_instances"
GWLB = "aws.elb.gwlb_no_targets"
UNREACHABLE = "aws.elb.unreachable_load_balancer"
IDLE = "aws.elb.idle_load_balancer"
OFF_HOURS = "aws.elb.off_hours_load_balancer"
MIGRATION = "aws.elb.clb_migration"
CROSS_ZONE = "aws.elb.nlb_cross_zone_charges"
ALB_MONTH = round(0.0225 * 730, 2)
CLB_MONTH = round(0.025 * 730, 2)
IPV4_MONTH = 3.65  # $0.005/hour x 730 hours, per public IPv4 address


@pytest.fixture(autouse=True)
def _hits_are_storable(estate, monkeypatch):
    """Every hit of this module's runs: JSON evidence, a cost detail, a non-negative amount, a sentence."""
    run = estate.run

    def checked(*args, **kwargs):
        hits = run(*args, **kwargs)
        for hit in hits:
            json.dumps(hit.evidence)
            assert hit.cost.detail and (hit.cost.amount is None or hit.cost.amount >= 0)
            assert hit.reason[0].isupper() and hit.reason.endswith("."), hit.reason
            # the engine substitutes only <id> and <region> in a check's own recommendation
            assert "<arn>" not in (hit.recommendation or get_check(args[0]).recommendation)
        return hits

    monkeypatch.setattr(estate, "run", checked)


def run_lb(estate, check_id, **collections):
    """Run an elbv2 check with one forwarding listener on every load balancer, unless listeners are given."""
    if "elbv2__listeners" not in collections:
        lbs = collections.get("elbv2__load_balancers", [])
        collections["elbv2__listeners"] = [listener(lb) for lb in lbs]
    return estate.run(check_id, **collections)


class TestAlbNoTargets:
    def test_no_load_balancers_no_hits(self, estate):
        assert estate.run(ALB) == []

    def test_alb_whose_target_groups_are_empty_is_flagged(self, estate, hit_ok):
        lb = estate.lb("web", age=60)
        groups = [estate.target_group("web-a", [lb]), estate.target_group("web-b", [lb])]
        [hit] = run_lb(estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=groups)
        hit_ok(hit)
        assert hit.resource.id == "web"
        assert hit.resource.arn == lb["LoadBalancerArn"]
        assert hit.resource.type == "application_load_balancer"
        assert hit.cost.amount == pytest.approx(ALB_MONTH + IPV4_MONTH)  # internet-facing, one zone
        assert hit.cost.kind is CostKind.COST
        assert "LCU" in (hit.cost.detail or "") and "excluded" in (hit.cost.detail or "")
        assert hit.confidence is Confidence.HIGH
        assert hit.evidence["registered_targets"] == 0
        assert len(hit.evidence["target_groups"]) == 2
        assert "2 target groups" in hit.reason
        assert hit.recommendation is not None and lb["LoadBalancerArn"] in hit.recommendation

    def test_internet_facing_alb_pays_a_public_ipv4_per_availability_zone(self, estate):
        lb = estate.lb("web", zones=["us-east-1a", "us-east-1b", "us-east-1c"])
        [hit] = run_lb(
            estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tg", [lb])]
        )
        assert hit.cost.amount == pytest.approx(ALB_MONTH + 3 * IPV4_MONTH)
        detail = hit.cost.detail or ""
        assert "3 public IPv4" in detail and "per Availability Zone" in detail and "internet-facing" in detail
        assert "LCU" in detail
        assert hit.evidence["public_ipv4_addresses"] == 3
        assert hit.evidence["availability_zones"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
        assert hit.cost_includes == ()

    def test_internal_alb_pays_no_public_ipv4(self, estate):
        lb = estate.lb("web", scheme="internal", zones=["us-east-1a", "us-east-1b"])
        [hit] = run_lb(
            estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tg", [lb])]
        )
        assert hit.cost.amount == ALB_MONTH
        assert "internal: no public IPv4" in (hit.cost.detail or "")
        assert hit.evidence["public_ipv4_addresses"] == 0

    def test_dualstack_alb_without_public_ipv4_pays_none(self, estate):
        lb = estate.lb("v6", zones=["us-east-1a", "us-east-1b"], ip_type="dualstack-without-public-ipv4")
        [hit] = run_lb(
            estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tg", [lb])]
        )
        assert hit.cost.amount == ALB_MONTH
        assert "no public IPv4" in (hit.cost.detail or "")

    def test_alb_with_a_healthy_target_is_not_flagged(self, estate):
        lb = estate.lb("web")
        group = estate.target_group("web-a", [lb], targets=["i-0a"])
        assert run_lb(estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[group]) == []

    def test_all_registered_targets_unhealthy_is_the_low_confidence_unhealthy_variant(self, estate):
        # registered but all unhealthy: reported, low confidence (no duration known; the ALB fails open)
        lb = estate.lb("web")
        group = estate.target_group("web-a", [lb], targets=["i-0a", "i-0b"], health="unhealthy")
        [hit] = run_lb(estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[group])
        assert hit.evidence["scenario"] == "unhealthy_long_term"
        assert hit.evidence["target_states"] == {"unhealthy": 2}
        assert hit.confidence is Confidence.LOW
        assert "2 registered targets, all unhealthy" in hit.reason

    @pytest.mark.parametrize("state", ["healthy", "initial", "draining", "unused", "unavailable"])
    def test_one_target_not_unhealthy_means_in_use(self, estate, state):
        lb = estate.lb("web")
        groups = [
            estate.target_group("web-a", [lb], targets=["i-0a"], health="unhealthy"),
            estate.target_group("web-b", [lb], targets=["i-0b"], health=state),
        ]
        assert run_lb(estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=groups) == []

    def test_scenario_codes_of_the_empty_cases(self, estate):
        empty, bare = estate.lb("empty"), estate.lb("bare")
        groups = [estate.target_group("empty-tg", [empty])]
        listeners = [listener(empty), listener(bare, action="redirect")]
        hits = estate.run(
            ALB, elbv2__load_balancers=[empty, bare], elbv2__target_groups=groups, elbv2__listeners=listeners
        )
        assert {h.resource.id: h.evidence["scenario"] for h in hits} == {
            "empty": "no_healthy_targets",
            "bare": "no_target_groups",
        }
        bare_hit = next(h for h in hits if h.resource.id == "bare")
        assert "only redirect" in bare_hit.reason and bare_hit.confidence is Confidence.LOW

    def test_load_balancer_without_any_listener_is_left_to_the_unreachable_check(self, estate):
        lb = estate.lb("web")
        groups = [estate.target_group("web-a", [lb])]
        assert estate.run(ALB, elbv2__load_balancers=[lb], elbv2__target_groups=groups) == []
        [hit] = estate.run(UNREACHABLE, elbv2__load_balancers=[lb])
        assert hit.evidence["scenario"] == "no_listeners"

    def test_findings_about_one_load_balancer_share_a_cost_group(self, estate):
        lb = estate.lb("web")
        [hit] = run_lb(
            estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("t", [lb])]
        )
        assert hit.cost_group == f"lb:{lb['LoadBalancerArn']}"

    def test_lambda_target_counts_as_a_target(self, estate):
        lb = estate.lb("api")
        fn = "arn:aws:lambda:us-east-1:123456789012:function:handler"
        group = estate.target_group("api-fn", [lb], targets=[fn], target_type="lambda", health="unavailable")
        assert run_lb(estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[group]) == []

    def test_targets_behind_another_load_balancer_do_not_count(self, estate):
        lb, other = estate.lb("web"), estate.lb("other")
        groups = [
            estate.target_group("web-a", [lb]),
            estate.target_group("other-a", [other], targets=["i-0a"]),
        ]
        hits = run_lb(estate, ALB, elbv2__load_balancers=[lb, other], elbv2__target_groups=groups)
        assert [h.resource.id for h in hits] == ["web"]

    def test_target_group_without_collected_health_is_unknown_not_empty(self, estate):
        lb = estate.lb("web")
        group = estate.target_group("web-a", [lb])
        del group["TargetHealthDescriptions"]
        assert run_lb(estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[group]) == []

    def test_alb_without_any_target_group_gets_low_confidence(self, estate):
        # a listener that only redirects or returns a fixed response needs no target group
        [hit] = run_lb(estate, ALB, elbv2__load_balancers=[estate.lb("redirect", age=400)])
        assert hit.confidence is Confidence.LOW
        assert "no target group" in hit.reason

    def test_age_boundary(self, estate):
        lbs = [estate.lb("at", age=7), estate.lb("below", age=6)]
        groups = [estate.target_group(f"{lb['LoadBalancerName']}-tg", [lb]) for lb in lbs]
        hits = run_lb(estate, ALB, elbv2__load_balancers=lbs, elbv2__target_groups=groups)
        assert [h.resource.id for h in hits] == ["at"]
        assert hits[0].confidence is Confidence.MEDIUM

    @pytest.mark.parametrize(
        ("state", "flagged"), [("provisioning", False), ("failed", False), ("active_impaired", True)]
    )
    def test_only_running_load_balancers_are_judged(self, estate, state, flagged):
        lb = estate.lb("web", state=state)
        hits = run_lb(
            estate, ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tg", [lb])]
        )
        assert bool(hits) is flagged

    def test_network_and_gateway_load_balancers_are_not_albs(self, estate):
        lbs = [estate.lb("net", lb_type="network"), estate.lb("gwy", lb_type="gateway")]
        assert run_lb(estate, ALB, elbv2__load_balancers=lbs) == []

    def test_several_load_balancers(self, estate):
        a, b, c = estate.lb("a"), estate.lb("b"), estate.lb("c", age=400)
        groups = [
            estate.target_group("a", [a]),
            estate.target_group("b", [b], targets=["10.0.0.5"], target_type="ip"),
        ]
        groups.append(estate.target_group("c", [c]))
        hits = run_lb(estate, ALB, elbv2__load_balancers=[a, b, c], elbv2__target_groups=groups)
        assert [h.resource.id for h in hits] == ["a", "c"]


class TestNlbNoTargets:
    def test_no_load_balancers_no_hits(self, estate):
        assert estate.run(NLB) == []

    def test_nlb_with_empty_target_group_is_flagged(self, estate, hit_ok):
        lb = estate.lb("tcp", lb_type="network", age=45)
        [hit] = run_lb(
            estate, NLB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tcp", [lb])]
        )
        hit_ok(hit)
        assert hit.resource.type == "network_load_balancer"
        assert hit.cost.amount == pytest.approx(ALB_MONTH + IPV4_MONTH)  # ALB's hourly price + 1 zone's IPv4
        assert "NLCU" in (hit.cost.detail or "")
        assert hit.confidence is Confidence.HIGH

    def test_nlb_elastic_ips_are_its_zone_addresses_counted_once(self, estate):
        lb = estate.lb(
            "tcp",
            lb_type="network",
            zones=["us-east-1a", "us-east-1b", "us-east-1c"],
            eips={"us-east-1a": "eipalloc-0nlb1", "us-east-1b": "eipalloc-0nlb2"},
        )
        [hit] = run_lb(estate, NLB, elbv2__load_balancers=[lb])
        assert hit.cost.amount == pytest.approx(ALB_MONTH + 3 * IPV4_MONTH)  # 2 EIPs + 1 auto-assigned, not 5
        assert hit.cost_includes == ("eipalloc-0nlb1", "eipalloc-0nlb2")
        assert hit.evidence["elastic_ip_allocations"] == ["eipalloc-0nlb1", "eipalloc-0nlb2"]
        assert "eipalloc-0nlb1" in (hit.cost.detail or "")

    def test_internal_nlb_pays_no_public_ipv4(self, estate):
        lb = estate.lb("tcp", lb_type="network", scheme="internal", zones=["us-east-1a", "us-east-1b"])
        [hit] = run_lb(estate, NLB, elbv2__load_balancers=[lb])
        assert hit.cost.amount == ALB_MONTH
        assert hit.cost_includes == ()

    def test_nlb_elastic_ip_is_charged_once_in_the_report_total(self, estate):
        lb = estate.lb("tcp", lb_type="network", eips={"us-east-1a": "eipalloc-0nlb1"})
        # even if the address were also reported on its own, the NLB finding includes its charge
        eip_hits = estate.run("aws.ec2.unassociated_eip", ec2__addresses=[estate.address("eipalloc-0nlb1")])
        nlb_hits = run_lb(estate, NLB, elbv2__load_balancers=[lb])
        assert len(eip_hits) == len(nlb_hits) == 1
        findings = estate.findings(NLB, nlb_hits) + estate.findings("aws.ec2.unassociated_eip", eip_hits)
        summary = summarize(findings)
        assert summary.monthly_cost["amount"] == pytest.approx(ALB_MONTH + IPV4_MONTH)
        assert summary.overlapping_findings == 1

    def test_nlb_without_target_groups_is_flagged_with_normal_confidence(self, estate):
        # NLB listeners can only forward: no target group means nothing is served
        [hit] = run_lb(estate, NLB, elbv2__load_balancers=[estate.lb("tcp", lb_type="network", age=45)])
        assert hit.confidence is Confidence.HIGH

    def test_nlb_forwarding_to_an_alb_has_a_target(self, estate):
        nlb, alb = estate.lb("front", lb_type="network"), estate.lb("back")
        group = estate.target_group("to-alb", [nlb], targets=[alb["LoadBalancerArn"]], target_type="alb")
        backend = estate.target_group("app", [alb], targets=["i-0a"])
        hits = run_lb(estate, NLB, elbv2__load_balancers=[nlb, alb], elbv2__target_groups=[group, backend])
        assert hits == []

    def test_age_boundary(self, estate):
        lbs = [estate.lb("at", lb_type="network", age=7), estate.lb("below", lb_type="network", age=6)]
        assert [h.resource.id for h in run_lb(estate, NLB, elbv2__load_balancers=lbs)] == ["at"]

    def test_albs_are_not_nlbs(self, estate):
        assert run_lb(estate, NLB, elbv2__load_balancers=[estate.lb("web")]) == []

    def test_several_load_balancers(self, estate):
        a, b = estate.lb("a", lb_type="network"), estate.lb("b", lb_type="network")
        groups = [estate.target_group("b", [b], targets=["i-0b"])]
        assert [
            h.resource.id
            for h in run_lb(estate, NLB, elbv2__load_balancers=[a, b], elbv2__target_groups=groups)
        ] == ["a"]


class TestClbNoInstances:
    def test_no_load_balancers_no_hits(self, estate):
        assert estate.run(CLB) == []

    def test_classic_lb_without_instances_is_flagged(self, estate, hit_ok):
        [hit] = estate.run(CLB, elb__load_balancers=[estate.classic_lb("legacy", age=90)])
        hit_ok(hit)
        assert hit.resource.arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/legacy"
        assert hit.cost.amount == round(CLB_MONTH + 3.65, 2)  # + one public IPv4 (internet-facing, 1 zone)
        assert hit.cost.kind is CostKind.COST
        assert "excluded" in (hit.cost.detail or "")
        assert hit.confidence is Confidence.HIGH
        assert hit.evidence["instances"] == 0

    def test_classic_lb_with_instances_is_not_flagged(self, estate):
        assert estate.run(CLB, elb__load_balancers=[estate.classic_lb("web", instances=["i-0a"])]) == []

    def test_age_boundary(self, estate):
        lbs = [estate.classic_lb("at", age=7), estate.classic_lb("below", age=6)]
        hits = estate.run(CLB, elb__load_balancers=lbs)
        assert [h.resource.id for h in hits] == ["at"]
        assert hits[0].confidence is Confidence.MEDIUM

    def test_regional_price(self, estate):
        [hit] = estate.run(CLB, region="eu-west-1", elb__load_balancers=[estate.classic_lb("legacy")])
        assert hit.cost.amount == round(0.028 * 730 + 3.65, 2)
        assert hit.resource.arn and ":eu-west-1:" in hit.resource.arn

    def test_several_load_balancers(self, estate):
        lbs = [
            estate.classic_lb("a"),
            estate.classic_lb("b", instances=["i-0b"]),
            estate.classic_lb("c", age=1),
        ]
        assert [h.resource.id for h in estate.run(CLB, elb__load_balancers=lbs)] == ["a"]


class TestClbPublicIpv4:
    def test_internal_classic_lb_pays_only_the_hourly_charge(self, estate):
        lb = estate.classic_lb("internal-clb") | {"Scheme": "internal", "AvailabilityZones": ["a", "b"]}
        [hit] = estate.run("aws.elb.clb_no_instances", elb__load_balancers=[lb])
        assert hit.cost.amount == CLB_MONTH

    def test_internet_facing_classic_lb_pays_an_address_per_zone(self, estate):
        lb = estate.classic_lb("web-clb") | {"AvailabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"]}
        [hit] = estate.run("aws.elb.clb_no_instances", elb__load_balancers=[lb])
        assert hit.cost.amount == round(CLB_MONTH + 3 * 3.65, 2)
        assert "public IPv4" in (hit.cost.detail or "")


# --- aws.elb.gwlb_no_targets --------------------------------------------------------------------------------


class TestGwlbNoTargets:
    def test_gateway_load_balancer_without_appliances_costs_its_hourly_charge(self, estate, hit_ok):
        lb = estate.lb("inspect", lb_type="gateway", scheme="internal")
        group = estate.target_group("appliances", [lb])
        [hit] = run_lb(estate, GWLB, elbv2__load_balancers=[lb], elbv2__target_groups=[group])
        hit_ok(hit)
        assert hit.resource.type == "gateway_load_balancer"
        assert hit.cost.amount == round(0.0125 * 730, 2)
        assert "GLCU" in (hit.cost.detail or "")
        assert hit.evidence["scenario"] == "no_healthy_targets"

    def test_gateway_load_balancer_with_an_appliance_is_in_use(self, estate):
        lb = estate.lb("inspect", lb_type="gateway", scheme="internal")
        group = estate.target_group("appliances", [lb], targets=["i-0fw"])
        assert run_lb(estate, GWLB, elbv2__load_balancers=[lb], elbv2__target_groups=[group]) == []

    def test_albs_are_not_gateway_load_balancers(self, estate):
        lb = estate.lb("web")
        assert run_lb(estate, GWLB, elbv2__load_balancers=[lb], elbv2__target_groups=[]) == []


# --- aws.elb.unreachable_load_balancer ----------------------------------------------------------------------


def with_groups(lb, *group_ids):
    lb["SecurityGroups"] = list(group_ids)
    return lb


class TestUnreachable:
    def test_no_load_balancers_no_hits(self, estate):
        assert estate.run(UNREACHABLE) == []

    def test_load_balancer_with_no_listener_is_flagged(self, estate, hit_ok):
        lb = estate.lb("web", age=60)
        [hit] = estate.run(UNREACHABLE, elbv2__load_balancers=[lb])
        hit_ok(hit)
        assert hit.evidence["scenario"] == "no_listeners"
        assert hit.confidence is Confidence.HIGH
        assert hit.cost.amount == pytest.approx(ALB_MONTH + IPV4_MONTH)
        assert hit.cost_group == f"lb:{lb['LoadBalancerArn']}"
        assert lb["LoadBalancerArn"] in (hit.recommendation or "")

    def test_age_boundaries(self, estate):
        lbs = [estate.lb("below", age=6.9), estate.lb("at", age=7), estate.lb("old", age=30)]
        hits = {h.resource.id: h.confidence for h in estate.run(UNREACHABLE, elbv2__load_balancers=lbs)}
        assert hits == {"at": Confidence.MEDIUM, "old": Confidence.HIGH}

    def test_classic_load_balancer_with_no_listener(self, estate):
        clb = estate.classic_lb("legacy", instances=["i-0a"])
        clb["ListenerDescriptions"] = []
        [hit] = estate.run(UNREACHABLE, elb__load_balancers=[clb])
        assert hit.resource.type == "classic_load_balancer"
        assert "aws elb delete-load-balancer --load-balancer-name legacy" in (hit.recommendation or "")

    def test_security_groups_without_inbound_rules_block_everything(self, estate):
        lb = with_groups(estate.lb("web"), "sg-0closed")
        [hit] = estate.run(
            UNREACHABLE,
            elbv2__load_balancers=[lb],
            elbv2__listeners=[listener(lb, 443, "HTTPS")],
            ec2__security_groups=[security_group("sg-0closed")],
        )
        assert hit.evidence["scenario"] == "sg_blocks_traffic"
        assert hit.confidence is Confidence.HIGH
        assert "no inbound rule" in hit.reason

    def test_inbound_rule_for_another_port_blocks_the_listener(self, estate):
        lb = with_groups(estate.lb("web"), "sg-0ssh")
        [hit] = estate.run(
            UNREACHABLE,
            elbv2__load_balancers=[lb],
            elbv2__listeners=[listener(lb, 443, "HTTPS")],
            ec2__security_groups=[security_group("sg-0ssh", [("tcp", 22, 22)])],
        )
        assert hit.confidence is Confidence.MEDIUM
        assert "tcp/443" in hit.reason

    @pytest.mark.parametrize(
        "ingress", [[("tcp", 443, 443)], [("tcp", 0, 65535)], [("-1", None, None)], [("6", 400, 500)]]
    )
    def test_a_rule_admitting_a_listener_port_means_reachable(self, estate, ingress):
        lb = with_groups(estate.lb("web"), "sg-0a", "sg-0b")
        groups = [security_group("sg-0a"), security_group("sg-0b", ingress)]
        hits = estate.run(
            UNREACHABLE,
            elbv2__load_balancers=[lb],
            elbv2__listeners=[listener(lb, 443, "HTTPS")],
            ec2__security_groups=groups,
        )
        assert hits == []

    def test_udp_listener_needs_a_udp_rule(self, estate):
        lb = with_groups(estate.lb("dns", lb_type="network"), "sg-0tcp")
        [hit] = estate.run(
            UNREACHABLE,
            elbv2__load_balancers=[lb],
            elbv2__listeners=[listener(lb, 53, "UDP")],
            ec2__security_groups=[security_group("sg-0tcp", [("tcp", 53, 53)])],
        )
        assert "udp/53" in hit.reason

    def test_security_group_missing_from_the_collection_is_unknown(self, estate):
        lb = with_groups(estate.lb("web"), "sg-0gone")
        hits = estate.run(UNREACHABLE, elbv2__load_balancers=[lb], elbv2__listeners=[listener(lb)])
        assert hits == []

    def test_nlb_not_enforcing_its_groups_on_privatelink_is_not_judged_by_them(self, estate):
        lb = with_groups(estate.lb("svc", lb_type="network", scheme="internal"), "sg-0closed")
        lb["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] = "off"
        hits = estate.run(
            UNREACHABLE,
            elbv2__load_balancers=[lb],
            elbv2__listeners=[listener(lb, 443, "TCP")],
            ec2__security_groups=[security_group("sg-0closed")],
        )
        assert hits == []

    def test_load_balancer_without_security_groups_is_not_judged_by_them(self, estate):
        lb = estate.lb("tcp", lb_type="network")
        assert estate.run(UNREACHABLE, elbv2__load_balancers=[lb], elbv2__listeners=[listener(lb)]) == []

    def test_classic_load_balancer_with_closed_groups(self, estate):
        clb = estate.classic_lb("legacy", instances=["i-0a"])
        clb["SecurityGroups"] = ["sg-0closed"]
        [hit] = estate.run(
            UNREACHABLE, elb__load_balancers=[clb], ec2__security_groups=[security_group("sg-0closed")]
        )
        assert hit.evidence["scenario"] == "sg_blocks_traffic"


# --- aws.elb.idle_load_balancer -----------------------------------------------------------------------------


def lb_series(kind, lb, metric, stat, values, *, period=86400, days=30):
    from cloudwaste.checks.aws.elb import lb_full_name, lb_query

    dim = lb["LoadBalancerName"] if kind == "classic" else lb_full_name(lb["LoadBalancerArn"])
    return metric_series(lb_query(kind, metric, stat, period, days), dim, values)


class TestIdleLoadBalancer:
    def test_queries_use_each_types_metric_and_dimension(self):
        from cloudwaste.checks.aws.elb import IdleLbParams, idle_lb_queries

        queries = {(q.namespace, q.metric, q.dimension, q.id_field) for q in idle_lb_queries(IdleLbParams())}
        assert ("AWS/ApplicationELB", "RequestCount", "LoadBalancer", "LoadBalancerFullName") in queries
        assert ("AWS/NetworkELB", "NewFlowCount", "LoadBalancer", "LoadBalancerFullName") in queries
        assert ("AWS/GatewayELB", "ActiveFlowCount", "LoadBalancer", "LoadBalancerFullName") in queries
        assert ("AWS/ELB", "RequestCount", "LoadBalancerName", "LoadBalancerName") in queries
        alb_q = next(q for q in idle_lb_queries(IdleLbParams()) if q.namespace == "AWS/ApplicationELB")
        assert (alb_q.state_field, set(alb_q.skip_states)) == ("Type", {"network", "gateway"})

    def test_alb_with_no_requests_while_cloudwatch_reports_it_is_never_used(self, estate, hit_ok):
        lb = estate.lb("web", age=90)
        metrics = lb_series("application", lb, "ConsumedLCUs", "Average", [0.0] * 30)
        [hit] = run_lb(estate, IDLE, elbv2__load_balancers=[lb], metrics=metrics)
        hit_ok(hit)
        assert hit.evidence["scenario"] == "never_used"
        assert hit.confidence is Confidence.HIGH
        assert hit.evidence["traffic_metric"] == "RequestCount"
        assert hit.evidence["metrics"]["ConsumedLCUs"]["datapoints"] == 30
        assert hit.cost.amount == pytest.approx(ALB_MONTH + IPV4_MONTH)
        assert "no requests in the last 30 days" in hit.reason

    def test_no_datapoints_at_all_is_unknown_not_idle(self, estate):
        lb = estate.lb("web", age=90)
        assert run_lb(estate, IDLE, elbv2__load_balancers=[lb]) == []

    def test_alb_answering_redirects_is_not_idle(self, estate):
        lb = estate.lb("redirector", age=90)
        metrics = lb_series("application", lb, "ConsumedLCUs", "Average", [0.1] * 30)
        metrics |= lb_series("application", lb, "ProcessedBytes", "Sum", [5e6] * 30)
        assert run_lb(estate, IDLE, elbv2__load_balancers=[lb], metrics=metrics) == []

    def test_low_traffic_boundary(self, estate):
        at, above = estate.lb("at", age=90), estate.lb("above", age=90)
        metrics = {}
        for lb, busiest in ((at, 100), (above, 101)):
            metrics |= lb_series("application", lb, "ConsumedLCUs", "Average", [0.1] * 30)
            metrics |= lb_series("application", lb, "RequestCount", "Sum", [3] * 29 + [busiest])
            metrics |= lb_series("application", lb, "ProcessedBytes", "Sum", [1e4] * 30)
        hits = run_lb(estate, IDLE, elbv2__load_balancers=[at, above], metrics=metrics)
        assert [h.resource.id for h in hits] == ["at"]
        assert hits[0].evidence["scenario"] is None and hits[0].confidence is Confidence.MEDIUM
        assert "at most 100 requests a day" in hits[0].reason

    def test_nlb_uses_flows_not_requests(self, estate):
        lb = estate.lb("tcp", lb_type="network", age=90)
        metrics = lb_series("network", lb, "ActiveFlowCount", "Maximum", [0] * 30)
        [hit] = run_lb(estate, IDLE, elbv2__load_balancers=[lb], metrics=metrics)
        assert hit.evidence["traffic_metric"] == "NewFlowCount"
        assert "no new flows" in hit.reason

    def test_nlb_with_long_lived_busy_flows_is_in_use(self, estate):
        lb = estate.lb("tcp", lb_type="network", age=90)
        metrics = lb_series("network", lb, "ActiveFlowCount", "Maximum", [500] * 30)
        assert run_lb(estate, IDLE, elbv2__load_balancers=[lb], metrics=metrics) == []

    # AWS/GatewayELB (docs.aws.amazon.com/elasticloadbalancing/latest/gateway/cloudwatch-metrics.html):
    # ActiveFlowCount and NewFlowCount are reported only when nonzero, ConsumedLCUs is "Always reported".
    def test_gateway_load_balancer_uses_consumed_lcus_as_proof_of_reporting(self, estate):
        lb = estate.lb("inspect", lb_type="gateway", scheme="internal", age=90)
        assert run_lb(estate, IDLE, elbv2__load_balancers=[lb]) == []  # nothing reported: unknown
        metrics = lb_series("gateway", lb, "ConsumedLCUs", "Average", [0.0] * 30)
        [hit] = run_lb(estate, IDLE, elbv2__load_balancers=[lb], metrics=metrics)
        assert hit.evidence["scenario"] == "never_used" and "no new flows" in hit.reason
        assert hit.evidence["metrics"]["ConsumedLCUs"]["datapoints"] == 30
        assert hit.evidence["metrics"]["ActiveFlowCount"] is None

    def test_gateway_load_balancer_with_long_lived_flows_is_in_use(self, estate):
        lb = estate.lb("inspect", lb_type="gateway", scheme="internal", age=90)
        metrics = lb_series("gateway", lb, "ConsumedLCUs", "Average", [0.2] * 30)
        metrics |= lb_series("gateway", lb, "ActiveFlowCount", "Maximum", [500] * 30)
        assert run_lb(estate, IDLE, elbv2__load_balancers=[lb], metrics=metrics) == []

    def test_gateway_queries_read_consumed_lcus_and_active_flows(self, estate):
        from cloudwaste.checks.aws.elb import IdleLbParams, idle_lb_queries

        queries = {(q.namespace, q.metric, q.stat) for q in idle_lb_queries(IdleLbParams())}
        assert ("AWS/GatewayELB", "ConsumedLCUs", "Average") in queries
        assert ("AWS/GatewayELB", "ActiveFlowCount", "Maximum") in queries

    def test_classic_load_balancer_uses_its_healthy_host_count_as_proof_of_reporting(self, estate):
        clb = estate.classic_lb("legacy", instances=["i-0a"], age=90)
        assert estate.run(IDLE, elb__load_balancers=[clb]) == []
        metrics = lb_series("classic", clb, "HealthyHostCount", "Maximum", [1] * 30)
        [hit] = estate.run(IDLE, elb__load_balancers=[clb], metrics=metrics)
        assert hit.resource.type == "classic_load_balancer" and hit.evidence["scenario"] == "never_used"

    def test_young_load_balancer_is_judged_since_creation_with_medium_confidence(self, estate):
        lb = estate.lb("new", age=10)
        metrics = lb_series("application", lb, "ConsumedLCUs", "Average", [0] * 10)
        [hit] = run_lb(estate, IDLE, elbv2__load_balancers=[lb], metrics=metrics)
        assert hit.confidence is Confidence.MEDIUM
        assert "10 days since it was created" in hit.reason

    def test_age_boundary(self, estate):
        lbs = [estate.lb("at", age=7), estate.lb("below", age=6.9)]
        metrics = {}
        for lb in lbs:
            metrics |= lb_series("application", lb, "ConsumedLCUs", "Average", [0] * 7)
        assert [h.resource.id for h in run_lb(estate, IDLE, elbv2__load_balancers=lbs, metrics=metrics)] == [
            "at"
        ]

    def test_load_balancer_without_listener_is_the_unreachable_checks(self, estate):
        lb = estate.lb("web", age=90)
        metrics = lb_series("application", lb, "ConsumedLCUs", "Average", [0] * 30)
        assert estate.run(IDLE, elbv2__load_balancers=[lb], metrics=metrics) == []


# --- aws.elb.off_hours_load_balancer ------------------------------------------------------------------------


def working_hours_series(kind, lb, metric, inside, outside, days=14):
    from cloudwaste.checks.aws.elb import lb_full_name, lb_query

    query = lb_query(kind, metric, "Sum", 3600, days)
    dim = lb["LoadBalancerName"] if kind == "classic" else lb_full_name(lb["LoadBalancerArn"])
    return series_by_time(
        query, dim, lambda t: (inside if t.weekday() < 5 and 8 <= t.hour < 19 else outside) or None
    )


class TestOffHoursLoadBalancer:
    def test_working_hours_only_traffic_is_reported_with_the_off_hours_share_saved(self, estate, hit_ok):
        lb = estate.lb("intranet", age=90)
        metrics = working_hours_series("application", lb, "RequestCount", 50, 0)
        [hit] = run_lb(estate, OFF_HOURS, elbv2__load_balancers=[lb], metrics=metrics)
        hit_ok(hit)
        share = 1 - 55 / 168
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == pytest.approx(round((ALB_MONTH + IPV4_MONTH) * share, 2), abs=0.02)
        assert hit.confidence is Confidence.LOW
        assert hit.evidence["scenario"] == "idle_pattern"
        assert "100%" in hit.reason

    def test_tagged_non_production_gets_medium_confidence(self, estate):
        lb = estate.lb("intranet", age=90)
        lb["Tags"] = [{"Key": "Environment", "Value": "staging"}]
        metrics = working_hours_series("application", lb, "RequestCount", 50, 0)
        [hit] = run_lb(estate, OFF_HOURS, elbv2__load_balancers=[lb], metrics=metrics)
        assert hit.confidence is Confidence.MEDIUM

    def test_share_boundary(self, estate):
        # 55 working hours a week at 9 requests vs 113 off-hours at 0.49 -> 90.0 % / 89.9 % inside
        at, below = estate.lb("at", age=90), estate.lb("below", age=90)
        metrics = working_hours_series("application", at, "RequestCount", 113 * 9, 55)
        metrics |= working_hours_series("application", below, "RequestCount", 113 * 9, 56)
        hits = run_lb(estate, OFF_HOURS, elbv2__load_balancers=[at, below], metrics=metrics)
        assert [h.resource.id for h in hits] == ["at"]

    def test_no_traffic_series_is_left_to_the_idle_check(self, estate):
        lb = estate.lb("intranet", age=90)
        assert run_lb(estate, OFF_HOURS, elbv2__load_balancers=[lb]) == []


# --- aws.elb.clb_migration -----------------------------------------------------------------------------


class TestClbMigration:
    def migration_metrics(self, clb, gb=30.0, lcu=0.1):
        metrics = lb_series("classic", clb, "HealthyHostCount", "Maximum", [2] * 30)
        metrics |= lb_series("classic", clb, "EstimatedProcessedBytes", "Sum", [gb * 1e9 / 30] * 30)
        metrics |= lb_series("classic", clb, "EstimatedALBConsumedLCUs", "Average", [lcu] * 30)
        return metrics

    def test_http_classic_load_balancer_compared_with_an_alb(self, estate, hit_ok):
        clb = estate.classic_lb("web", instances=["i-0a"], age=400)
        [hit] = estate.run(MIGRATION, elb__load_balancers=[clb], metrics=self.migration_metrics(clb))
        hit_ok(hit)
        gb_month = 30 * 730 / 720
        clb_month = 0.025 * 730 + gb_month * 0.008
        alb_month = 0.0225 * 730 + 0.1 * 730 * 0.008
        assert hit.cost.kind is CostKind.SAVING and hit.cost.basis is CostBasis.ESTIMATE
        assert hit.cost.amount == pytest.approx(round(clb_month - alb_month, 2))
        assert hit.evidence["successor"] == "application"
        assert hit.confidence is Confidence.MEDIUM

    def test_tcp_classic_load_balancer_compared_with_an_nlb(self, estate):
        clb = estate.classic_lb("tcp", instances=["i-0a"], age=400)
        clb["ListenerDescriptions"][0]["Listener"]["Protocol"] = "TCP"
        [hit] = estate.run(MIGRATION, elb__load_balancers=[clb], metrics=self.migration_metrics(clb))
        gb_month = 30 * 730 / 720
        nlb_month = 0.0225 * 730 + gb_month * 0.006
        assert hit.cost.amount == pytest.approx(round(0.025 * 730 + gb_month * 0.008 - nlb_month, 2))
        assert hit.evidence["successor"] == "network" and hit.confidence is Confidence.LOW

    def test_without_cloudwatch_data_the_traffic_is_unknown(self, estate):
        clb = estate.classic_lb("web", instances=["i-0a"], age=400)
        assert estate.run(MIGRATION, elb__load_balancers=[clb]) == []

    def test_busy_alb_successor_costing_more_is_not_reported(self, estate):
        clb = estate.classic_lb("web", instances=["i-0a"], age=400)
        metrics = self.migration_metrics(clb, gb=30, lcu=5.0)
        assert estate.run(MIGRATION, elb__load_balancers=[clb], metrics=metrics) == []

    def test_classic_load_balancer_without_instances_is_the_orphan_checks(self, estate):
        clb = estate.classic_lb("web", age=400)
        assert estate.run(MIGRATION, elb__load_balancers=[clb], metrics=self.migration_metrics(clb)) == []

    def test_age_boundary(self, estate):
        lbs = [
            estate.classic_lb("at", instances=["i-0a"], age=30),
            estate.classic_lb("below", instances=["i-0b"], age=29.9),
        ]
        metrics = self.migration_metrics(lbs[0]) | self.migration_metrics(lbs[1])
        assert [h.resource.id for h in estate.run(MIGRATION, elb__load_balancers=lbs, metrics=metrics)] == [
            "at"
        ]


# --- aws.elb.nlb_cross_zone_charges --------------------------------------------------------------------


class TestCrossZone:
    def nlb(self, estate, name="tcp", zones=("us-east-1a", "us-east-1b", "us-east-1c")):
        return estate.lb(name, lb_type="network", zones=zones, age=120)

    def test_cross_zone_nlb_pays_inter_az_transfer(self, estate, hit_ok):
        lb = self.nlb(estate)
        metrics = lb_series("network", lb, "ProcessedBytes", "Sum", [100e9] * 30)
        [hit] = estate.run(
            CROSS_ZONE,
            elbv2__load_balancers=[lb],
            elbv2__load_balancer_attributes=[lb_attributes(lb, cross_zone=True)],
            metrics=metrics,
        )
        hit_ok(hit)
        gb_month = 3000 * 730 / 720
        assert hit.cost.amount == pytest.approx(round(gb_month * 2 / 3 * 2 * 0.01, 2))
        assert hit.cost.kind is CostKind.SAVING
        assert (
            hit.evidence["scenario"] == "cross_zone_disabled" and hit.evidence["cross_zone_enabled"] is True
        )
        assert "Value=false" in (hit.recommendation or "")

    def test_cross_zone_off_is_the_free_default(self, estate):
        lb = self.nlb(estate)
        metrics = lb_series("network", lb, "ProcessedBytes", "Sum", [100e9] * 30)
        hits = estate.run(
            CROSS_ZONE,
            elbv2__load_balancers=[lb],
            elbv2__load_balancer_attributes=[lb_attributes(lb, cross_zone=False)],
            metrics=metrics,
        )
        assert hits == []

    def test_one_zone_has_nothing_to_cross(self, estate):
        lb = self.nlb(estate, zones=("us-east-1a",))
        metrics = lb_series("network", lb, "ProcessedBytes", "Sum", [100e9] * 30)
        attrs = [lb_attributes(lb, cross_zone=True)]
        assert (
            estate.run(
                CROSS_ZONE, elbv2__load_balancers=[lb], elbv2__load_balancer_attributes=attrs, metrics=metrics
            )
            == []
        )

    def test_alb_cross_zone_is_free_and_never_reported(self, estate):
        lb = estate.lb("web", zones=("us-east-1a", "us-east-1b"))
        metrics = lb_series("application", lb, "ProcessedBytes", "Sum", [100e9] * 30)
        attrs = [lb_attributes(lb, cross_zone=True)]
        assert (
            estate.run(
                CROSS_ZONE, elbv2__load_balancers=[lb], elbv2__load_balancer_attributes=attrs, metrics=metrics
            )
            == []
        )

    def test_no_bytes_data_is_unknown(self, estate):
        lb = self.nlb(estate)
        attrs = [lb_attributes(lb, cross_zone=True)]
        assert estate.run(CROSS_ZONE, elbv2__load_balancers=[lb], elbv2__load_balancer_attributes=attrs) == []

    def test_minimum_saving_boundary(self, estate):
        # 2 zones: half the bytes cross, x2 directions x $0.01 -> $1.00 needs 100 GB a month
        at, below = (
            self.nlb(estate, "at", ("us-east-1a", "us-east-1b")),
            self.nlb(estate, "below", ("us-east-1a", "us-east-1b")),
        )
        per_day = 100e9 * 720 / 730 / 30
        metrics = lb_series("network", at, "ProcessedBytes", "Sum", [per_day] * 30)
        metrics |= lb_series("network", below, "ProcessedBytes", "Sum", [per_day * 0.98] * 30)
        attrs = [lb_attributes(at, cross_zone=True), lb_attributes(below, cross_zone=True)]
        hits = estate.run(
            CROSS_ZONE,
            elbv2__load_balancers=[at, below],
            elbv2__load_balancer_attributes=attrs,
            metrics=metrics,
        )
        assert [h.resource.id for h in hits] == ["at"] and hits[0].cost.amount == 1.0
