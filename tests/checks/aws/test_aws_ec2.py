"""The EC2 checks: unassociated Elastic IPs, and stopped, idle, oversized, old, x86, off-hours, untagged and
Spot-ready instances."""

from __future__ import annotations

import json

import pytest
from tests.checks.aws.conftest import series_by_time

from cloudwaste.checks.registry import get_check
from cloudwaste.model import Confidence, CostBasis, CostKind

EIP = "aws.ec2.unassociated_eip"
STOPPED = "aws.ec2.stopped_instance"
IPV4_MONTH = 3.65  # $0.005/hour x 730 hours


# --- aws.ec2.unassociated_eip --------------------------------------------------------------------


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


# --- running instances: idle, oversized, family changes, off-hours, untagged, Spot ------------------

IDLE = "aws.ec2.idle_instance"
OVERSIZED = "aws.ec2.oversized_instance"
PREVIOUS = "aws.ec2.previous_generation"
GRAVITON = "aws.ec2.non_graviton"
OFF_HOURS = "aws.ec2.off_hours_instance"
UNTAGGED = "aws.ec2.untagged_instance"
SPOT = "aws.ec2.spot_candidate"
M5_LARGE_MONTH = round(0.096 * 730, 2)  # 70.08


def running(estate, iid="i-0a", itype="m5.large", up=30, **fields):
    inst = estate.instance(iid, itype=itype, launched_days=up)
    inst |= {"Architecture": "x86_64", "PlatformDetails": "Linux/UNIX", "EnaSupport": True}
    inst |= {
        "VirtualizationType": "hvm",
        "Placement": {"AvailabilityZone": "us-east-1a", "Tenancy": "default"},
    }
    tags = fields.pop("tags", None)
    if tags:
        inst["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return inst | fields


def cpu(iid, value, days=14):
    from cloudwaste.checks.aws.ec2 import hourly_cpu

    return series_by_time(hourly_cpu(days), iid, value if callable(value) else (lambda t: value))


def network(iid, bytes_per_day, days=14):
    from cloudwaste.checks.aws.ec2 import ec2_query

    per_hour = bytes_per_day / 48  # half in, half out, 24 hours
    return series_by_time(
        ec2_query("NetworkIn", "Sum", 3600, days), iid, lambda t: per_hour
    ) | series_by_time(ec2_query("NetworkOut", "Sum", 3600, days), iid, lambda t: per_hour)


def credits(iid, balance, days=30):
    from cloudwaste.checks.aws.ec2 import ec2_query

    return series_by_time(ec2_query("CPUCreditBalance", "Minimum", 86400, days), iid, lambda t: balance)


def working(t, inside, outside):
    return inside if t.weekday() < 5 and 8 <= t.hour < 19 else outside


class TestIdleInstance:
    def test_instance_that_never_wakes_up_is_idle(self, estate, hit_ok):
        inst = running(estate)
        [hit] = estate.run(IDLE, ec2__instances=[inst], metrics=cpu("i-0a", 1.0) | network("i-0a", 1e6))
        hit_ok(hit)
        assert hit.confidence is Confidence.HIGH
        assert hit.cost.amount == M5_LARGE_MONTH and hit.cost.kind is CostKind.COST
        assert hit.evidence["cpu_peak_hourly_percent"] == 1.0
        assert hit.evidence["days_with_data"] == 14
        assert hit.evidence["metrics"]["CPUUtilization"]["datapoints"] == 336
        assert hit.evidence["scenario"] == "idle_running"
        assert hit.cost_group == "ec2-instance:i-0a"

    @pytest.mark.parametrize(
        ("peak", "confidence"),
        [(5.0, Confidence.HIGH), (5.01, Confidence.MEDIUM), (10.0, Confidence.MEDIUM), (10.01, None)],
    )
    def test_cpu_bands(self, estate, peak, confidence):
        series = cpu("i-0a", lambda t: peak if t.hour == 3 else 0.5) | network("i-0a", 1e6)
        hits = estate.run(IDLE, ec2__instances=[running(estate)], metrics=series)
        assert [h.confidence for h in hits] == ([confidence] if confidence else [])

    def test_network_boundary(self, estate):
        at, above = running(estate, "i-0at"), running(estate, "i-0above")
        metrics = cpu("i-0at", 1) | cpu("i-0above", 1) | network("i-0at", 5e6) | network("i-0above", 5.01e6)
        assert [h.resource.id for h in estate.run(IDLE, ec2__instances=[at, above], metrics=metrics)] == [
            "i-0at"
        ]

    def test_missing_metrics_are_unknown_not_idle(self, estate):
        assert estate.run(IDLE, ec2__instances=[running(estate)], metrics=cpu("i-0a", 1)) == []
        assert estate.run(IDLE, ec2__instances=[running(estate)]) == []

    def test_days_of_data_decide_confidence(self, estate):
        short = cpu("i-0a", lambda t: 1 if t >= estate.ago(8) else None) | network("i-0a", 1e6)
        [hit] = estate.run(IDLE, ec2__instances=[running(estate)], metrics=short)
        assert hit.confidence is Confidence.MEDIUM and hit.evidence["days_with_data"] == 8
        tiny = cpu("i-0a", lambda t: 1 if t >= estate.ago(6) else None) | network("i-0a", 1e6)
        assert estate.run(IDLE, ec2__instances=[running(estate)], metrics=tiny) == []

    def test_uptime_boundary(self, estate):
        insts = [running(estate, "i-0at", up=7), running(estate, "i-0below", up=6.9)]
        metrics = {}
        for i in ("i-0at", "i-0below"):
            metrics |= cpu(i, 1) | network(i, 1e6)
        assert [h.resource.id for h in estate.run(IDLE, ec2__instances=insts, metrics=metrics)] == ["i-0at"]

    def test_stopped_instances_are_not_judged(self, estate):
        inst = estate.instance("i-0a", stopped_days=40)
        assert estate.run(IDLE, ec2__instances=[inst], metrics=cpu("i-0a", 1) | network("i-0a", 1e6)) == []

    @pytest.mark.parametrize(
        "fields",
        [
            {"PlatformDetails": "Windows", "Platform": "windows"},
            {"InstanceLifecycle": "spot"},
            {"InstanceLifecycle": "capacity-block"},
            # a lifecycle value botocore's InstanceLifecycleType enum added later: not on-demand either
            {"InstanceLifecycle": "interruptible-capacity-reservation"},
            {"Placement": {"Tenancy": "dedicated"}},
        ],
    )
    def test_instances_not_at_the_linux_on_demand_price_are_priced_unknown(self, estate, fields):
        inst = running(estate, **fields)
        [hit] = estate.run(IDLE, ec2__instances=[inst], metrics=cpu("i-0a", 1) | network("i-0a", 1e6))
        assert hit.cost.amount is None and hit.cost.detail

    def test_type_missing_from_the_book_is_priced_unknown(self, estate):
        inst = running(estate, itype="u-6tb1.metal")
        [hit] = estate.run(IDLE, ec2__instances=[inst], metrics=cpu("i-0a", 1) | network("i-0a", 1e6))
        assert hit.cost.amount is None and "u-6tb1.metal" in (hit.cost.detail or "")

    def test_auto_scaling_member_is_pointed_at_its_group(self, estate):
        inst = running(estate, tags={"aws:autoscaling:groupName": "web-asg"})
        [hit] = estate.run(IDLE, ec2__instances=[inst], metrics=cpu("i-0a", 1) | network("i-0a", 1e6))
        assert "set-desired-capacity --auto-scaling-group-name web-asg" in (hit.recommendation or "")


class TestOversizedInstance:
    def test_half_used_xlarge_is_offered_the_large_with_the_price_difference(self, estate, hit_ok):
        inst = running(estate, itype="m5.xlarge")
        [hit] = estate.run(OVERSIZED, ec2__instances=[inst], metrics=cpu("i-0a", 15.0))
        hit_ok(hit)
        assert hit.evidence["target_instance_type"] == "m5.large"
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == round((0.192 - 0.096) * 730, 2)
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["projected_cpu_p95_percent"] == 30.0
        assert hit.evidence["scenario"] == "ec2_instance_oversized"
        assert "--instance-type m5.large" in (hit.recommendation or "")

    @pytest.mark.parametrize(
        ("p95", "confidence"),
        [(20.0, Confidence.MEDIUM), (20.5, Confidence.LOW), (40.0, Confidence.LOW), (40.5, None)],
    )
    def test_p95_bands(self, estate, p95, confidence):
        # 95 % of hours at 5 %, the busiest 5 % at p95 (the nearest-rank 95th percentile)
        values = iter([p95 if n % 20 == 0 else 5.0 for n in range(336)])
        hits = estate.run(
            OVERSIZED,
            ec2__instances=[running(estate, itype="m5.2xlarge")],
            metrics=cpu("i-0a", lambda t: next(values)),
        )
        assert [h.confidence for h in hits] == ([confidence] if confidence else [])

    def test_smallest_priced_size_has_nowhere_to_go(self, estate):
        assert (
            estate.run(OVERSIZED, ec2__instances=[running(estate, itype="m5.large")], metrics=cpu("i-0a", 1))
            == []
        )

    def test_too_few_hours_of_data(self, estate):
        sparse = cpu("i-0a", lambda t: 5.0 if t >= estate.ago(11) else None)  # 264 of 336 hours < 80 %
        assert (
            estate.run(OVERSIZED, ec2__instances=[running(estate, itype="m5.xlarge")], metrics=sparse) == []
        )

    def test_uptime_boundary(self, estate):
        insts = [
            running(estate, "i-0at", "m5.xlarge", up=14),
            running(estate, "i-0below", "m5.xlarge", up=13.9),
        ]
        metrics = cpu("i-0at", 5) | cpu("i-0below", 5)
        assert [h.resource.id for h in estate.run(OVERSIZED, ec2__instances=insts, metrics=metrics)] == [
            "i-0at"
        ]

    def test_burstable_instance_that_never_spends_credits(self, estate):
        inst = running(estate, itype="t3.large")
        metrics = cpu("i-0a", 8.0) | credits("i-0a", 800)  # t3.large accrues at most 864
        [hit] = estate.run(OVERSIZED, ec2__instances=[inst], metrics=metrics)
        assert hit.evidence["scenario"] == "ec2_instance_burstable_credit_waste"
        assert hit.evidence["target_instance_type"] == "t3.medium"
        assert hit.evidence["cpu_credit_balance_max_accrued"] == 864
        assert hit.cost.amount == round((0.0832 - 0.0416) * 730, 2)

    def test_burstable_credit_boundary(self, estate):
        at, below = running(estate, "i-0at", "t3.large"), running(estate, "i-0below", "t3.large")
        metrics = cpu("i-0at", 8) | cpu("i-0below", 8) | credits("i-0at", 777.6) | credits("i-0below", 777.5)
        hits = estate.run(OVERSIZED, ec2__instances=[at, below], metrics=metrics)
        assert [h.resource.id for h in hits] == ["i-0at"]

    def test_burstable_instance_above_the_smaller_baseline_stays(self, estate):
        inst = running(estate, itype="t3.large")
        metrics = cpu("i-0a", 25.0) | credits("i-0a", 860)  # t3.medium's baseline is 20 %
        assert estate.run(OVERSIZED, ec2__instances=[inst], metrics=metrics) == []

    def test_burstable_instance_without_credit_data_is_unknown(self, estate):
        inst = running(estate, itype="t3.large")
        assert estate.run(OVERSIZED, ec2__instances=[inst], metrics=cpu("i-0a", 2.0)) == []

    def test_windows_instance_saving_is_unknown(self, estate):
        inst = running(estate, itype="m5.xlarge", PlatformDetails="Windows", Platform="windows")
        [hit] = estate.run(OVERSIZED, ec2__instances=[inst], metrics=cpu("i-0a", 5.0))
        assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING


class TestPreviousGeneration:
    def test_m4_moves_to_m5_for_the_price_difference(self, estate, hit_ok):
        [hit] = estate.run(PREVIOUS, ec2__instances=[running(estate, itype="m4.large")])
        hit_ok(hit)
        assert hit.evidence["target_instance_type"] == "m5.large"
        assert hit.cost.kind is CostKind.SAVING and hit.cost.amount == round((0.10 - 0.096) * 730, 2)
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["scenario"] == "ec2_instance_old_generation"

    def test_without_ena_the_move_needs_work(self, estate):
        [hit] = estate.run(PREVIOUS, ec2__instances=[running(estate, itype="c4.xlarge", EnaSupport=False)])
        assert hit.confidence is Confidence.LOW and "--ena-support" in (hit.recommendation or "")

    def test_minimum_saving_boundary(self, estate):
        # t2.micro -> t3.micro saves (0.0116 - 0.0104) x 730 = $0.88
        inst = running(estate, itype="t2.micro")
        assert estate.run(PREVIOUS, ec2__instances=[inst]) == []
        assert len(estate.run(PREVIOUS, params={"min_monthly_saving": 0.88}, ec2__instances=[inst])) == 1
        assert estate.run(PREVIOUS, params={"min_monthly_saving": 0.89}, ec2__instances=[inst]) == []

    @pytest.mark.parametrize("itype", ["i3.large", "m5.large", "g3.4xlarge"])
    def test_no_cheaper_successor_no_finding(self, estate, itype):
        assert estate.run(PREVIOUS, ec2__instances=[running(estate, itype=itype)]) == []

    def test_paravirtual_and_stopped_instances_are_skipped(self, estate):
        pv = running(estate, "i-0pv", itype="m4.large", VirtualizationType="paravirtual")
        stopped = estate.instance("i-0off", itype="m4.large", stopped_days=40)
        assert estate.run(PREVIOUS, ec2__instances=[pv, stopped]) == []


class TestNonGraviton:
    def test_x86_linux_instance_with_a_graviton_equivalent(self, estate, hit_ok):
        [hit] = estate.run(GRAVITON, ec2__instances=[running(estate, itype="m5.large")])
        hit_ok(hit)
        assert hit.evidence["target_instance_type"] == "m6g.large"
        assert hit.cost.amount == round((0.096 - 0.077) * 730, 2)
        assert hit.confidence is Confidence.LOW

    def test_windows_does_not_run_on_graviton(self, estate):
        inst = running(estate, itype="m5.large", PlatformDetails="Windows", Platform="windows")
        assert estate.run(GRAVITON, ec2__instances=[inst]) == []

    def test_graviton_and_unmapped_families_are_left_alone(self, estate):
        insts = [
            running(estate, "i-0g", itype="m6g.large", Architecture="arm64"),
            running(estate, "i-0i", itype="i3.large"),
        ]
        assert estate.run(GRAVITON, ec2__instances=insts) == []

    def test_previous_generation_and_graviton_findings_share_the_instances_cost_group(self, estate):
        inst = running(estate, itype="m4.large")
        [old] = estate.run(PREVIOUS, ec2__instances=[inst])
        [arm] = estate.run(GRAVITON, ec2__instances=[inst])
        assert old.cost_group == arm.cost_group == "ec2-instance:i-0a"


class TestOffHoursInstance:
    def test_dev_instance_idle_at_night_can_be_scheduled(self, estate, hit_ok):
        inst = running(estate, tags={"Environment": "dev"})
        metrics = cpu("i-0a", lambda t: working(t, 30.0, 1.0))
        [hit] = estate.run(OFF_HOURS, ec2__instances=[inst], metrics=metrics)
        hit_ok(hit)
        share = 1 - 55 / 168
        assert hit.confidence is Confidence.HIGH
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == pytest.approx(round(0.096 * round(730 * share, 1), 2))
        assert hit.evidence["scenario"] == "ec2_instance_dev_running_24_7"
        assert hit.evidence["working_week"] == "Mon-Fri 08:00-19:00 UTC"

    def test_dev_instance_without_metrics_gets_low_confidence(self, estate):
        [hit] = estate.run(OFF_HOURS, ec2__instances=[running(estate, tags={"env": "Test"})])
        assert hit.confidence is Confidence.LOW

    def test_dev_instance_busy_at_night_is_left_alone(self, estate):
        inst = running(estate, tags={"Environment": "dev"})
        assert (
            estate.run(OFF_HOURS, ec2__instances=[inst], metrics=cpu("i-0a", lambda t: working(t, 30, 40)))
            == []
        )

    def test_untagged_working_hours_pattern(self, estate):
        [hit] = estate.run(
            OFF_HOURS, ec2__instances=[running(estate)], metrics=cpu("i-0a", lambda t: working(t, 25, 2))
        )
        assert (
            hit.confidence is Confidence.MEDIUM
            and hit.evidence["scenario"] == "ec2_instance_scheduled_unused"
        )

    @pytest.mark.parametrize(("inside", "flagged"), [(20.0, True), (19.9, False)])
    def test_busy_hours_boundary(self, estate, inside, flagged):
        hits = estate.run(
            OFF_HOURS, ec2__instances=[running(estate)], metrics=cpu("i-0a", lambda t: working(t, inside, 2))
        )
        assert bool(hits) is flagged

    @pytest.mark.parametrize(("outside", "flagged"), [(10.0, True), (10.1, False)])
    def test_idle_off_hours_boundary(self, estate, outside, flagged):
        hits = estate.run(
            OFF_HOURS,
            ec2__instances=[running(estate)],
            metrics=cpu("i-0a", lambda t: working(t, 50, outside)),
        )
        assert bool(hits) is flagged

    def test_no_night_datapoints_means_it_may_be_stopped_at_night(self, estate):
        metrics = cpu("i-0a", lambda t: working(t, 30, None))
        assert estate.run(OFF_HOURS, ec2__instances=[running(estate)], metrics=metrics) == []

    def test_instance_started_less_than_the_minimum_ago_may_be_scheduled_already(self, estate):
        inst = running(estate, up=6.9, tags={"Environment": "dev"})
        assert estate.run(OFF_HOURS, ec2__instances=[inst]) == []

    def test_scheduler_tag_means_already_scheduled(self, estate):
        inst = running(estate, tags={"Environment": "dev", "Schedule": "office-hours"})
        assert estate.run(OFF_HOURS, ec2__instances=[inst]) == []

    def test_working_week_follows_the_utc_offset(self, estate):
        # busy 08-19 in UTC+10 is 22:00-09:00 UTC: idle in UTC hours, busy in local ones
        def local(t):
            from datetime import timedelta

            return working(t + timedelta(hours=10), 30, 1)

        hits = estate.run(
            OFF_HOURS,
            params={"utc_offset_hours": 10},
            ec2__instances=[running(estate)],
            metrics=cpu("i-0a", local),
        )
        assert len(hits) == 1 and hits[0].evidence["working_week"] == "Mon-Fri 08:00-19:00 UTC+10"


class TestUntaggedInstance:
    def test_instance_without_tags_is_hygiene_with_no_saving(self, estate, hit_ok):
        [hit] = estate.run(UNTAGGED, ec2__instances=[running(estate, up=40)])
        hit_ok(hit)
        assert hit.cost.amount == 0.0 and hit.cost.kind is CostKind.SAVING
        assert hit.evidence["monthly_compute"] == M5_LARGE_MONTH
        assert hit.evidence["scenario"] == "ec2_instance_untagged"

    def test_aws_tags_do_not_count_and_own_tags_do(self, estate):
        cfn = running(estate, "i-0cfn", up=40, tags={"aws:cloudformation:stack-name": "s"})
        named = running(estate, "i-0named", up=40, tags={"Name": "web"})
        assert [h.resource.id for h in estate.run(UNTAGGED, ec2__instances=[cfn, named])] == ["i-0cfn"]

    def test_required_tags(self, estate):
        named = running(estate, up=40, tags={"Name": "web"})
        [hit] = estate.run(UNTAGGED, params={"required_tags": ["Name", "Owner"]}, ec2__instances=[named])
        assert hit.evidence["missing_tags"] == ["Owner"] and "Owner" in hit.reason

    def test_age_boundary_and_skipped_members(self, estate):
        insts = [
            running(estate, "i-0at", up=30),
            running(estate, "i-0below", up=29.9),
            running(estate, "i-0asg", up=90, tags={"aws:autoscaling:groupName": "g"}),
        ]
        assert [h.resource.id for h in estate.run(UNTAGGED, ec2__instances=insts)] == ["i-0at"]

    def test_stopped_instance_has_no_compute_in_its_evidence(self, estate):
        [hit] = estate.run(
            UNTAGGED, ec2__instances=[estate.instance("i-0a", stopped_days=10, launched_days=60)]
        )
        assert hit.evidence["monthly_compute"] is None


class TestSpotCandidate:
    def test_auto_scaling_member_on_demand(self, estate, hit_ok):
        inst = running(estate, tags={"aws:autoscaling:groupName": "workers"})
        [hit] = estate.run(SPOT, ec2__instances=[inst])
        hit_ok(hit)
        assert hit.confidence is Confidence.MEDIUM
        assert hit.cost.basis is CostBasis.ESTIMATE and hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == round(0.096 * 730 * 0.6, 2)
        assert "describe-spot-price-history" in (hit.cost.detail or "")
        assert hit.evidence["scenario"] == "ec2_instance_spot_opportunity"

    def test_non_production_instance_gets_low_confidence(self, estate):
        [hit] = estate.run(SPOT, ec2__instances=[running(estate, tags={"Stage": "qa"})])
        assert hit.confidence is Confidence.LOW and "spot" in (hit.recommendation or "")

    @pytest.mark.parametrize(
        "fields",
        [
            {},
            {"InstanceLifecycle": "spot"},
            {"CapacityReservationId": "cr-0a"},
            {"PlatformDetails": "Windows"},
        ],
    )
    def test_not_candidates(self, estate, fields):
        tags = {"aws:autoscaling:groupName": "workers"} if fields else None
        assert estate.run(SPOT, ec2__instances=[running(estate, tags=tags, **fields)]) == []

    def test_discount_parameter(self, estate):
        inst = running(estate, tags={"aws:autoscaling:groupName": "workers"})
        [hit] = estate.run(SPOT, params={"assumed_spot_discount_percent": 0}, ec2__instances=[inst])
        assert hit.cost.amount == 0.0


# --- instances a service manages --------------------------------------------------------------------------


class TestServiceManagedInstances:
    """DescribeInstances returns, with IncludeManagedResources, instances an AWS service runs for the account
    (``Operator: {"Managed": true, "Principal": "eks.amazonaws.com"}``, OperatorResponse in the EC2 API
    Reference): the service scales and replaces them, so no check tells the account to stop or resize them."""

    OPERATOR = {"Operator": {"Managed": True, "Principal": "eks.amazonaws.com"}}

    def test_idle_managed_instance_is_not_flagged(self, estate):
        inst = running(estate, **self.OPERATOR)
        metrics = cpu("i-0a", 1) | network("i-0a", 1e6)
        assert estate.run(IDLE, ec2__instances=[inst], metrics=metrics) == []
        unmanaged = running(estate, Operator={"Managed": False})
        assert len(estate.run(IDLE, ec2__instances=[unmanaged], metrics=metrics)) == 1

    def test_stopped_managed_instance_is_not_flagged(self, estate):
        inst = estate.instance("i-0a", stopped_days=120) | self.OPERATOR
        assert estate.run("aws.ec2.stopped_instance", ec2__instances=[inst]) == []

    def test_untagged_managed_instance_is_not_flagged(self, estate):
        inst = running(estate, up=60, **self.OPERATOR)
        inst["Tags"] = []
        assert estate.run("aws.ec2.untagged_instance", ec2__instances=[inst]) == []
