"""aws.elb.alb_no_targets, aws.elb.nlb_no_targets and aws.elb.clb_no_instances."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostKind
from cloudwaste.report import summarize

ALB = "aws.elb.alb_no_targets"
NLB = "aws.elb.nlb_no_targets"
CLB = "aws.elb.clb_no_instances"
ALB_MONTH = round(0.0225 * 730, 2)
CLB_MONTH = round(0.025 * 730, 2)
IPV4_MONTH = 3.65  # $0.005/hour x 730 hours, per public IPv4 address


class TestAlbNoTargets:
    def test_no_load_balancers_no_hits(self, estate):
        assert estate.run(ALB) == []

    def test_alb_whose_target_groups_are_empty_is_flagged(self, estate, hit_ok):
        lb = estate.lb("web", age=60)
        groups = [estate.target_group("web-a", [lb]), estate.target_group("web-b", [lb])]
        [hit] = estate.run(ALB, elbv2__load_balancers=[lb], elbv2__target_groups=groups)
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
        [hit] = estate.run(
            ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tg", [lb])]
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
        [hit] = estate.run(
            ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tg", [lb])]
        )
        assert hit.cost.amount == ALB_MONTH
        assert "internal: no public IPv4" in (hit.cost.detail or "")
        assert hit.evidence["public_ipv4_addresses"] == 0

    def test_dualstack_alb_without_public_ipv4_pays_none(self, estate):
        lb = estate.lb("v6", zones=["us-east-1a", "us-east-1b"], ip_type="dualstack-without-public-ipv4")
        [hit] = estate.run(
            ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tg", [lb])]
        )
        assert hit.cost.amount == ALB_MONTH
        assert "no public IPv4" in (hit.cost.detail or "")

    def test_alb_with_a_healthy_target_is_not_flagged(self, estate):
        lb = estate.lb("web")
        group = estate.target_group("web-a", [lb], targets=["i-0a"])
        assert estate.run(ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[group]) == []

    def test_unhealthy_registered_target_still_counts_as_registered(self, estate):
        lb = estate.lb("web")
        group = estate.target_group("web-a", [lb], targets=["i-0a"], health="unhealthy")
        assert estate.run(ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[group]) == []

    def test_lambda_target_counts_as_a_target(self, estate):
        lb = estate.lb("api")
        fn = "arn:aws:lambda:us-east-1:123456789012:function:handler"
        group = estate.target_group("api-fn", [lb], targets=[fn], target_type="lambda", health="unavailable")
        assert estate.run(ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[group]) == []

    def test_targets_behind_another_load_balancer_do_not_count(self, estate):
        lb, other = estate.lb("web"), estate.lb("other")
        groups = [
            estate.target_group("web-a", [lb]),
            estate.target_group("other-a", [other], targets=["i-0a"]),
        ]
        hits = estate.run(ALB, elbv2__load_balancers=[lb, other], elbv2__target_groups=groups)
        assert [h.resource.id for h in hits] == ["web"]

    def test_target_group_without_collected_health_is_unknown_not_empty(self, estate):
        lb = estate.lb("web")
        group = estate.target_group("web-a", [lb])
        del group["TargetHealthDescriptions"]
        assert estate.run(ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[group]) == []

    def test_alb_without_any_target_group_gets_low_confidence(self, estate):
        # a listener that only redirects or returns a fixed response needs no target group
        [hit] = estate.run(ALB, elbv2__load_balancers=[estate.lb("redirect", age=400)])
        assert hit.confidence is Confidence.LOW
        assert "no target group" in hit.reason

    def test_age_boundary(self, estate):
        lbs = [estate.lb("at", age=7), estate.lb("below", age=6)]
        groups = [estate.target_group(f"{lb['LoadBalancerName']}-tg", [lb]) for lb in lbs]
        hits = estate.run(ALB, elbv2__load_balancers=lbs, elbv2__target_groups=groups)
        assert [h.resource.id for h in hits] == ["at"]
        assert hits[0].confidence is Confidence.MEDIUM

    @pytest.mark.parametrize(
        ("state", "flagged"), [("provisioning", False), ("failed", False), ("active_impaired", True)]
    )
    def test_only_running_load_balancers_are_judged(self, estate, state, flagged):
        lb = estate.lb("web", state=state)
        hits = estate.run(
            ALB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tg", [lb])]
        )
        assert bool(hits) is flagged

    def test_network_and_gateway_load_balancers_are_not_albs(self, estate):
        lbs = [estate.lb("net", lb_type="network"), estate.lb("gwy", lb_type="gateway")]
        assert estate.run(ALB, elbv2__load_balancers=lbs) == []

    def test_several_load_balancers(self, estate):
        a, b, c = estate.lb("a"), estate.lb("b"), estate.lb("c", age=400)
        groups = [
            estate.target_group("a", [a]),
            estate.target_group("b", [b], targets=["10.0.0.5"], target_type="ip"),
        ]
        groups.append(estate.target_group("c", [c]))
        hits = estate.run(ALB, elbv2__load_balancers=[a, b, c], elbv2__target_groups=groups)
        assert [h.resource.id for h in hits] == ["a", "c"]


class TestNlbNoTargets:
    def test_no_load_balancers_no_hits(self, estate):
        assert estate.run(NLB) == []

    def test_nlb_with_empty_target_group_is_flagged(self, estate, hit_ok):
        lb = estate.lb("tcp", lb_type="network", age=45)
        [hit] = estate.run(
            NLB, elbv2__load_balancers=[lb], elbv2__target_groups=[estate.target_group("tcp", [lb])]
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
        [hit] = estate.run(NLB, elbv2__load_balancers=[lb])
        assert hit.cost.amount == pytest.approx(ALB_MONTH + 3 * IPV4_MONTH)  # 2 EIPs + 1 auto-assigned, not 5
        assert hit.cost_includes == ("eipalloc-0nlb1", "eipalloc-0nlb2")
        assert hit.evidence["elastic_ip_allocations"] == ["eipalloc-0nlb1", "eipalloc-0nlb2"]
        assert "eipalloc-0nlb1" in (hit.cost.detail or "")

    def test_internal_nlb_pays_no_public_ipv4(self, estate):
        lb = estate.lb("tcp", lb_type="network", scheme="internal", zones=["us-east-1a", "us-east-1b"])
        [hit] = estate.run(NLB, elbv2__load_balancers=[lb])
        assert hit.cost.amount == ALB_MONTH
        assert hit.cost_includes == ()

    def test_nlb_elastic_ip_is_charged_once_in_the_report_total(self, estate):
        lb = estate.lb("tcp", lb_type="network", eips={"us-east-1a": "eipalloc-0nlb1"})
        # even if the address were also reported on its own, the NLB finding includes its charge
        eip_hits = estate.run("aws.ec2.unassociated_eip", ec2__addresses=[estate.address("eipalloc-0nlb1")])
        nlb_hits = estate.run(NLB, elbv2__load_balancers=[lb])
        assert len(eip_hits) == len(nlb_hits) == 1
        findings = estate.findings(NLB, nlb_hits) + estate.findings("aws.ec2.unassociated_eip", eip_hits)
        summary = summarize(findings)
        assert summary.monthly_cost["amount"] == pytest.approx(ALB_MONTH + IPV4_MONTH)
        assert summary.overlapping_findings == 1

    def test_nlb_without_target_groups_is_flagged_with_normal_confidence(self, estate):
        # NLB listeners can only forward: no target group means nothing is served
        [hit] = estate.run(NLB, elbv2__load_balancers=[estate.lb("tcp", lb_type="network", age=45)])
        assert hit.confidence is Confidence.HIGH

    def test_nlb_forwarding_to_an_alb_has_a_target(self, estate):
        nlb, alb = estate.lb("front", lb_type="network"), estate.lb("back")
        group = estate.target_group("to-alb", [nlb], targets=[alb["LoadBalancerArn"]], target_type="alb")
        backend = estate.target_group("app", [alb], targets=["i-0a"])
        hits = estate.run(NLB, elbv2__load_balancers=[nlb, alb], elbv2__target_groups=[group, backend])
        assert hits == []

    def test_age_boundary(self, estate):
        lbs = [estate.lb("at", lb_type="network", age=7), estate.lb("below", lb_type="network", age=6)]
        assert [h.resource.id for h in estate.run(NLB, elbv2__load_balancers=lbs)] == ["at"]

    def test_albs_are_not_nlbs(self, estate):
        assert estate.run(NLB, elbv2__load_balancers=[estate.lb("web")]) == []

    def test_several_load_balancers(self, estate):
        a, b = estate.lb("a", lb_type="network"), estate.lb("b", lb_type="network")
        groups = [estate.target_group("b", [b], targets=["i-0b"])]
        assert [
            h.resource.id for h in estate.run(NLB, elbv2__load_balancers=[a, b], elbv2__target_groups=groups)
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
