"""aws.ec2.unassociated_eip and aws.ec2.stopped_instance."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis, CostKind

EIP = "aws.ec2.unassociated_eip"
STOPPED = "aws.ec2.stopped_instance"
IPV4_MONTH = 3.65  # $0.005/hour x 730 hours


# --- aws.ec2.unassociated_eip --------------------------------------------------------------------


class TestUnassociatedEip:
    def test_no_addresses_no_hits(self, estate):
        assert estate.run(EIP) == []

    def test_unassociated_address_is_flagged_at_the_public_ipv4_price(self, estate, hit_ok):
        addr = estate.address("eipalloc-0a1", "203.0.113.10", tags={"Name": "spare"})
        [hit] = estate.run(EIP, ec2__addresses=[addr])
        hit_ok(hit)
        assert hit.resource.id == "eipalloc-0a1"
        assert hit.resource.arn == "arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-0a1"
        assert hit.resource.name == "spare"
        assert hit.cost.amount == IPV4_MONTH
        assert hit.cost.kind is CostKind.COST
        assert hit.cost.basis is CostBasis.BUNDLED_PRICE
        assert hit.confidence is Confidence.HIGH
        assert hit.evidence["public_ip"] == "203.0.113.10"
        assert "203.0.113.10" in hit.reason

    def test_address_associated_with_an_instance_is_in_use(self, estate):
        addr = estate.address("eipalloc-0a1", instance_id="i-0a", eni="eni-0a", association="eipassoc-0a1")
        assert estate.run(EIP, ec2__addresses=[addr]) == []

    def test_address_on_a_network_interface_is_in_use(self, estate):
        addr = estate.address("eipalloc-0a1", eni="eni-0a", association="eipassoc-0a1")
        assert estate.run(EIP, ec2__addresses=[addr]) == []

    def test_address_with_only_an_instance_id_is_in_use(self, estate):
        # EC2-Classic style entries carry InstanceId without an association id
        assert estate.run(EIP, ec2__addresses=[estate.address("eipalloc-0a1", instance_id="i-0a")]) == []

    def test_eip_on_nat_gateway_is_in_use(self, estate):
        addr = estate.address("eipalloc-0nat", "198.51.100.10")
        nat = estate.nat("nat-0a", allocations=["eipalloc-0nat"])
        assert estate.run(EIP, ec2__addresses=[addr], ec2__nat_gateways=[nat]) == []

    @pytest.mark.parametrize("state", ["pending", "deleting", "failed"])
    def test_eip_on_nat_gateway_not_yet_deleted_is_in_use(self, estate, state):
        addr = estate.address("eipalloc-0nat")
        nat = estate.nat("nat-0a", allocations=["eipalloc-0nat"], state=state)
        assert estate.run(EIP, ec2__addresses=[addr], ec2__nat_gateways=[nat]) == []

    def test_eip_of_a_deleted_nat_gateway_is_flagged(self, estate):
        addr = estate.address("eipalloc-0nat")
        nat = estate.nat("nat-0a", allocations=["eipalloc-0nat"], state="deleted")
        assert len(estate.run(EIP, ec2__addresses=[addr], ec2__nat_gateways=[nat])) == 1

    @pytest.mark.parametrize("service", ["alb", "nlb", "rds"])
    def test_service_managed_address_is_in_use(self, estate, service):
        addr = estate.address("eipalloc-0a1", service_managed=service)
        assert estate.run(EIP, ec2__addresses=[addr]) == []

    def test_byoip_address_costs_nothing(self, estate):
        # AWS charges every public IPv4 address type except BYOIP: a known zero, not unknown
        addr = estate.address("eipalloc-0a1", pool="ipv4pool-ec2-0123456789abcdef0")
        [hit] = estate.run(EIP, ec2__addresses=[addr])
        assert hit.cost.amount == 0.0
        assert "ipv4pool-ec2-0123456789abcdef0" in (hit.cost.detail or "")

    def test_no_age_threshold_since_the_api_has_no_allocation_time(self, estate):
        [hit] = estate.run(EIP, ec2__addresses=[estate.address("eipalloc-0a1")])
        assert "unknown" in hit.evidence["age"]
        assert hit.resource.created_at is None

    def test_eip_on_a_detached_network_interface_is_flagged(self, estate, hit_ok):
        addr = estate.address("eipalloc-0a1", "203.0.113.10", eni="eni-0spare", association="eipassoc-0a1")
        eni = estate.network_interface("eni-0spare", status="available", allocation="eipalloc-0a1")
        [hit] = estate.run(EIP, ec2__addresses=[addr], ec2__network_interfaces=[eni])
        hit_ok(hit)
        assert hit.resource.id == "eipalloc-0a1"
        assert hit.cost.amount == IPV4_MONTH
        assert hit.cost.kind is CostKind.COST
        assert hit.confidence is Confidence.MEDIUM  # a spare interface kept for failover is deliberate
        assert hit.evidence["network_interface_id"] == "eni-0spare"
        assert hit.evidence["network_interface_status"] == "available"
        assert hit.evidence["association_id"] == "eipassoc-0a1"
        assert "detached network interface" in hit.reason and "eni-0spare" in hit.reason
        assert hit.recommendation is not None
        assert "aws ec2 disassociate-address --association-id eipassoc-0a1" in hit.recommendation
        assert "aws ec2 release-address --allocation-id eipalloc-0a1" in hit.recommendation

    def test_eip_on_an_attached_network_interface_is_in_use(self, estate):
        addr = estate.address("eipalloc-0a1", eni="eni-0a", association="eipassoc-0a1")
        eni = estate.network_interface("eni-0a", status="in-use", instance_id="i-0a")
        assert estate.run(EIP, ec2__addresses=[addr], ec2__network_interfaces=[eni]) == []

    def test_eip_on_an_interface_whose_attachment_is_detached_is_flagged(self, estate):
        addr = estate.address("eipalloc-0a1", eni="eni-0a", association="eipassoc-0a1")
        eni = estate.network_interface("eni-0a", status="available", instance_id="i-0gone")
        eni["Attachment"]["Status"] = "detached"
        assert len(estate.run(EIP, ec2__addresses=[addr], ec2__network_interfaces=[eni])) == 1

    @pytest.mark.parametrize(
        ("interface_type", "requester_id"),
        [("nat_gateway", "AIDAEXAMPLE"), ("network_load_balancer", "amazon-elb"), ("lambda", "AROAEXAMPLE")],
    )
    def test_eip_on_a_requester_managed_interface_is_in_use(self, estate, interface_type, requester_id):
        addr = estate.address("eipalloc-0a1", eni="eni-0svc", association="eipassoc-0a1")
        eni = estate.network_interface(
            "eni-0svc",
            status="available",
            requester_managed=True,
            interface_type=interface_type,
            requester_id=requester_id,
        )
        assert estate.run(EIP, ec2__addresses=[addr], ec2__network_interfaces=[eni]) == []

    def test_eip_on_an_operator_managed_interface_is_in_use(self, estate):
        addr = estate.address("eipalloc-0a1", eni="eni-0svc", association="eipassoc-0a1")
        eni = estate.network_interface("eni-0svc", status="available")
        eni["Operator"] = {"Managed": True, "Principal": "eks.amazonaws.com"}
        assert estate.run(EIP, ec2__addresses=[addr], ec2__network_interfaces=[eni]) == []

    def test_eip_on_a_nat_gateway_interface_is_in_use_even_if_the_interface_looks_detached(self, estate):
        addr = estate.address("eipalloc-0nat", eni="eni-0nat0", association="eipassoc-0nat0")
        eni = estate.network_interface("eni-0nat0", status="available")
        nat = estate.nat("nat-0a", allocations=["eipalloc-0nat"])
        hits = estate.run(EIP, ec2__addresses=[addr], ec2__network_interfaces=[eni], ec2__nat_gateways=[nat])
        assert hits == []

    def test_eip_on_an_interface_missing_from_the_collection_is_unknown_not_flagged(self, estate):
        addr = estate.address("eipalloc-0a1", eni="eni-0unlisted", association="eipassoc-0a1")
        other = estate.network_interface("eni-0other", status="available")
        assert estate.run(EIP, ec2__addresses=[addr], ec2__network_interfaces=[other]) == []

    def test_check_reads_the_network_interfaces_collection(self):
        from cloudwaste.checks.registry import get_check

        spec = get_check(EIP)
        assert "ec2:network_interfaces" in spec.needs
        assert "aws:elastic_ip_on_detached_eni/eip_on_detached_eni" in spec.covers_original

    def test_several_addresses(self, estate):
        addrs = [
            estate.address("eipalloc-0a1", "203.0.113.1"),
            estate.address("eipalloc-0a2", "203.0.113.2", instance_id="i-0a", association="eipassoc-2"),
            estate.address("eipalloc-0a3", "203.0.113.3"),
            estate.address("eipalloc-0nat", "203.0.113.4"),
            estate.address("eipalloc-0a5", "203.0.113.5", eni="eni-0spare", association="eipassoc-5"),
            estate.address("eipalloc-0a6", "203.0.113.6", eni="eni-0used", association="eipassoc-6"),
        ]
        enis = [
            estate.network_interface("eni-0spare", status="available"),
            estate.network_interface("eni-0used", status="in-use", instance_id="i-0b"),
        ]
        nat = estate.nat("nat-0a", allocations=["eipalloc-0nat"])
        hits = estate.run(EIP, ec2__addresses=addrs, ec2__nat_gateways=[nat], ec2__network_interfaces=enis)
        assert [h.resource.id for h in hits] == ["eipalloc-0a1", "eipalloc-0a3", "eipalloc-0a5"]
        assert [h.confidence for h in hits] == [Confidence.HIGH, Confidence.HIGH, Confidence.MEDIUM]


# --- aws.ec2.stopped_instance --------------------------------------------------------------------


class TestStoppedInstance:
    def test_no_instances_no_hits(self, estate):
        assert estate.run(STOPPED) == []

    def test_long_stopped_instance_costs_its_volumes_and_elastic_ips(self, estate, hit_ok):
        inst = estate.instance("i-0a", stopped_days=45, volumes=["vol-0root", "vol-0data"], itype="m5.large")
        vols = [
            estate.volume("vol-0root", size=100, vtype="gp3", attached_to=["i-0a"]),
            estate.volume("vol-0data", size=50, vtype="gp2", attached_to=["i-0a"]),
        ]
        addr = estate.address("eipalloc-0a1", instance_id="i-0a", eni="eni-0a", association="eipassoc-0a1")
        [hit] = estate.run(STOPPED, ec2__instances=[inst], ec2__volumes=vols, ec2__addresses=[addr])
        hit_ok(hit)
        assert hit.resource.arn == "arn:aws:ec2:us-east-1:123456789012:instance/i-0a"
        assert hit.cost.amount == pytest.approx(8.0 + 5.0 + IPV4_MONTH)
        assert hit.cost.kind is CostKind.COST
        assert hit.cost_includes == ("vol-0root", "vol-0data", "eipalloc-0a1")
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["stopped_days"] == 45.0
        assert hit.evidence["stopped_since"] == estate.ago(45).isoformat()
        assert "45 days" in hit.reason and "2 EBS volumes (150 GiB) and 1 Elastic IP" in hit.reason

    def test_stopped_for_a_quarter_gives_high_confidence(self, estate):
        [hit] = estate.run(STOPPED, ec2__instances=[estate.instance("i-0a", stopped_days=120)])
        assert hit.confidence is Confidence.HIGH

    def test_running_instance_is_not_flagged(self, estate):
        assert estate.run(STOPPED, ec2__instances=[estate.instance("i-0a", launched_days=900)]) == []

    def test_stop_date_boundary(self, estate):
        at, below = estate.instance("i-0at", stopped_days=30), estate.instance("i-0below", stopped_days=29)
        assert [h.resource.id for h in estate.run(STOPPED, ec2__instances=[at, below])] == ["i-0at"]

    def test_stop_date_is_read_to_the_second(self, estate):
        just_below = estate.instance("i-0a", stopped_days=30, reason=None)
        just_below["StateTransitionReason"] = (
            f"User initiated ({estate.ago(30, seconds=-1).strftime('%Y-%m-%d %H:%M:%S')} GMT)"
        )
        assert estate.run(STOPPED, ec2__instances=[just_below]) == []

    @pytest.mark.parametrize(
        "reason",
        [
            "Server.ScheduledStop: Stopped due to scheduled retirement",
            "User initiated",
            "",
            "Service initiated",
        ],
    )
    def test_unknown_stop_date_is_not_flagged_nor_guessed_from_launch_time(self, estate, reason):
        inst = estate.instance("i-0a", state="stopped", reason=reason, launched_days=900)
        assert estate.run(STOPPED, ec2__instances=[inst]) == []

    def test_moto_utc_stop_reason_is_parsed(self, estate):
        when = estate.ago(40).strftime("%Y-%m-%d %H:%M:%S")
        inst = estate.instance("i-0a", state="stopped", reason=f"User initiated ({when} UTC)")
        [hit] = estate.run(STOPPED, ec2__instances=[inst])
        assert hit.evidence["stopped_days"] == 40.0

    def test_stopping_instance_is_not_flagged(self, estate):
        when = estate.ago(40).strftime("%Y-%m-%d %H:%M:%S")
        inst = estate.instance("i-0a", state="stopping", reason=f"User initiated ({when} GMT)")
        assert estate.run(STOPPED, ec2__instances=[inst]) == []

    def test_auto_scaling_warm_pool_instance_is_skipped(self, estate):
        inst = estate.instance("i-0a", stopped_days=90, tags={"aws:autoscaling:groupName": "web-asg"})
        assert estate.run(STOPPED, ec2__instances=[inst]) == []

    def test_instance_with_no_volume_or_address_is_a_known_zero(self, estate):
        [hit] = estate.run(STOPPED, ec2__instances=[estate.instance("i-0a", stopped_days=60)])
        assert hit.cost.amount == 0.0
        assert "known zero" in (hit.cost.detail or "")
        assert hit.cost_includes == ()

    def test_volume_missing_from_describe_volumes_makes_the_cost_unknown(self, estate):
        inst = estate.instance("i-0a", stopped_days=60, volumes=["vol-0root"])
        [hit] = estate.run(STOPPED, ec2__instances=[inst])
        assert hit.cost.amount is None
        assert hit.evidence["volumes_missing"] == ["vol-0root"]

    def test_multi_attach_volume_shared_with_another_instance_is_not_charged(self, estate):
        inst = estate.instance("i-0a", stopped_days=60, volumes=["vol-0own", "vol-0shared"])
        vols = [
            estate.volume("vol-0own", size=10, attached_to=["i-0a"]),
            estate.volume("vol-0shared", vtype="io2", attached_to=["i-0a", "i-0b"]),
        ]
        [hit] = estate.run(STOPPED, ec2__instances=[inst], ec2__volumes=vols)
        assert hit.cost.amount == 0.8
        assert hit.cost_includes == ("vol-0own",)
        assert hit.evidence["volumes_shared_multi_attach"] == ["vol-0shared"]

    def test_eip_on_the_instance_interface_is_charged(self, estate):
        inst = estate.instance("i-0a", stopped_days=60, enis=["eni-0a"])
        addr = estate.address("eipalloc-0a1", eni="eni-0a", association="eipassoc-0a1")
        [hit] = estate.run(STOPPED, ec2__instances=[inst], ec2__addresses=[addr])
        assert hit.cost.amount == IPV4_MONTH
        assert hit.cost_includes == ("eipalloc-0a1",)

    def test_several_instances(self, estate):
        instances = [
            estate.instance("i-0a", stopped_days=31, volumes=["vol-0a"]),
            estate.instance("i-0b"),
            estate.instance("i-0c", stopped_days=5),
            estate.instance("i-0d", stopped_days=400, volumes=["vol-0d"]),
            estate.instance("i-0e", state="terminated"),
        ]
        vols = [
            estate.volume("vol-0a", size=8, attached_to=["i-0a"]),
            estate.volume("vol-0d", attached_to=["i-0d"]),
        ]
        hits = estate.run(STOPPED, ec2__instances=instances, ec2__volumes=vols)
        assert [(h.resource.id, h.cost.amount) for h in hits] == [("i-0a", 0.64), ("i-0d", 8.0)]
