"""aws.ec2.public_ip_on_unused_instance and aws.ec2.multiple_eips_per_instance."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.checks.aws.conftest import ACCOUNT, metric_series

from cloudwaste.checks.aws._common import instance_query
from cloudwaste.checks.context import MetricKey, MetricSeries
from cloudwaste.model import Confidence, CostKind

UNUSED = "aws.ec2.public_ip_on_unused_instance"
MULTI = "aws.ec2.multiple_eips_per_instance"


def with_public_ip(inst: dict[str, Any], ip: str, *, owner: str = "amazon", eni: int = 0) -> dict[str, Any]:
    """Give an instance's interface a public IPv4 association (``owner`` amazon = auto-assigned)."""
    nic = inst["NetworkInterfaces"][eni]
    nic["Association"] = {"IpOwnerId": owner, "PublicIp": ip, "PublicDnsName": f"ec2-{ip.replace('.', '-')}"}
    if eni == 0:
        inst["PublicIpAddress"] = ip
    return inst


def traffic(
    iid: str,
    inn: list[float] | None,
    out: list[float] | None,
    status: list[float] | None = None,
    *,
    ending_days_ago: float = 0,
) -> dict[MetricKey, MetricSeries]:
    """Daily NetworkIn / NetworkOut Sums (bytes) and StatusCheckFailed Minimums, oldest first."""
    series: dict[MetricKey, MetricSeries] = {}
    for metric, stat, values in (
        ("NetworkIn", "Sum", inn),
        ("NetworkOut", "Sum", out),
        ("StatusCheckFailed", "Minimum", status),
    ):
        if values is not None:
            series |= metric_series(
                instance_query(metric, stat, 30), iid, values, ending_days_ago=ending_days_ago
            )
    return series


def quiet(
    iid: str, total: float, days: int = 30, status: list[float] | None = None
) -> dict[MetricKey, MetricSeries]:
    """``total`` bytes over ``days`` daily datapoints: 3/4 received on the first day, 1/4 sent on the last."""
    inn, out = [0.0] * days, [0.0] * days
    inn[0], out[-1] = total * 0.75, total * 0.25
    return traffic(iid, inn, out, status)


@pytest.fixture
def eip_instance(estate):
    """A running instance (started 100 days ago) with an Elastic IP on its primary interface."""
    inst = with_public_ip(
        estate.instance("i-0a", enis=["eni-0a"], launched_days=100), "203.0.113.10", owner=ACCOUNT
    )
    addr = estate.address(
        "eipalloc-0a", "203.0.113.10", instance_id="i-0a", eni="eni-0a", association="eipassoc-0a"
    )
    return inst, addr


class TestPublicIpOnUnusedInstance:
    def test_no_resources_no_hits(self, estate):
        assert estate.run(UNUSED) == []

    @pytest.mark.parametrize(
        ("days", "expected"),
        [(29, None), (30, Confidence.MEDIUM), (89, Confidence.MEDIUM), (90, Confidence.HIGH)],
    )
    def test_elastic_ip_of_a_stopped_instance(self, estate, days, expected):
        inst = estate.instance("i-0a", stopped_days=days, enis=["eni-0a"], launched_days=400)
        addr = estate.address("eipalloc-0a", instance_id="i-0a", eni="eni-0a", association="eipassoc-0a")
        hits = estate.run(UNUSED, ec2__instances=[inst], ec2__addresses=[addr])
        assert [h.confidence for h in hits] == ([expected] if expected else [])
        if hits:
            assert hits[0].evidence["scenario"] == "associated_stopped_instance"
            assert hits[0].resource.id == "eipalloc-0a" and hits[0].resource.type == "elastic_ip"
            assert hits[0].cost.amount == 3.65 and hits[0].cost.kind is CostKind.COST
            assert f"stopped for {days} days" in hits[0].reason

    def test_stop_date_is_never_guessed_from_launch_time(self, estate):
        inst = estate.instance("i-0a", state="stopped", reason="Server.ScheduledStop", launched_days=900)
        addr = estate.address("eipalloc-0a", instance_id="i-0a")
        assert estate.run(UNUSED, ec2__instances=[inst], ec2__addresses=[addr]) == []

    def test_warm_pool_instance_is_skipped(self, estate):
        inst = estate.instance("i-0a", stopped_days=200, tags={"aws:autoscaling:groupName": "web"})
        addr = estate.address("eipalloc-0a", instance_id="i-0a")
        assert estate.run(UNUSED, ec2__instances=[inst], ec2__addresses=[addr]) == []

    def test_auto_assigned_address_of_a_stopped_instance_costs_nothing_and_is_not_flagged(self, estate):
        inst = with_public_ip(estate.instance("i-0a", stopped_days=200, enis=["eni-0a"]), "54.1.2.3")
        assert estate.run(UNUSED, ec2__instances=[inst]) == []

    @pytest.mark.parametrize(
        ("total", "scenario"),
        [
            (500_000, "idle_eip"),
            (1_000_000, "idle_eip"),
            (1_000_001, "low_traffic_eip"),
            (999_999_999, "low_traffic_eip"),
            (1_000_000_000, None),
        ],
    )
    def test_traffic_boundaries(self, estate, eip_instance, total, scenario):
        inst, addr = eip_instance
        hits = estate.run(UNUSED, metrics=quiet("i-0a", total), ec2__instances=[inst], ec2__addresses=[addr])
        assert [h.evidence["scenario"] for h in hits] == ([scenario] if scenario else [])
        if hits:
            expected = Confidence.HIGH if scenario == "idle_eip" else Confidence.MEDIUM
            assert hits[0].confidence is expected
            assert hits[0].evidence["network_bytes"] == pytest.approx(total)

    def test_idle_elastic_ip_finding(self, estate, eip_instance, hit_ok):
        inst, addr = eip_instance
        [hit] = estate.run(
            UNUSED, metrics=quiet("i-0a", 600_000), ec2__instances=[inst], ec2__addresses=[addr]
        )
        hit_ok(hit)
        assert hit.resource.arn == "arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-0a"
        assert "Elastic IP 203.0.113.10 (eipalloc-0a) is on instance i-0a" in hit.reason
        assert "600.0 kB" in hit.reason and "30 days" in hit.reason
        assert hit.evidence["metrics"]["NetworkIn"]["datapoints"] == 30
        json.dumps(hit.evidence)  # stored as JSON
        text = hit.recommendation or ""
        assert "irreversible" in text
        assert text.endswith(
            "aws ec2 disassociate-address --association-id eipassoc-0a && "
            "aws ec2 release-address --allocation-id eipalloc-0a"
        )

    def test_idle_instance_with_an_auto_assigned_address(self, estate, hit_ok):
        inst = with_public_ip(estate.instance("i-0a", enis=["eni-0a"], launched_days=100), "54.1.2.3")
        [hit] = estate.run(UNUSED, metrics=quiet("i-0a", 10_000), ec2__instances=[inst])
        hit_ok(hit)
        assert hit.resource.id == "54.1.2.3" and hit.resource.type == "public_ipv4"
        assert hit.resource.arn == "arn:aws:ec2:us-east-1:123456789012:network-interface/eni-0a"
        assert hit.cost.amount == 3.65
        assert hit.evidence["elastic"] is False
        assert (hit.recommendation or "").endswith(
            "aws ec2 modify-network-interface-attribute --network-interface-id eni-0a "
            "--no-associate-public-ip-address"
        )
        assert "irreversible" not in (hit.recommendation or "")

    def test_an_elastic_ip_is_not_counted_again_as_auto_assigned(self, estate, eip_instance):
        inst, addr = eip_instance  # the interface's association shows the Elastic IP too
        hits = estate.run(UNUSED, metrics=quiet("i-0a", 10_000), ec2__instances=[inst], ec2__addresses=[addr])
        assert [h.resource.id for h in hits] == ["eipalloc-0a"]

    @pytest.mark.parametrize(
        "metrics",
        [
            pytest.param({}, id="no-datapoints"),
            pytest.param(traffic("i-0a", [0] * 30, None), id="network-out-missing"),
            pytest.param(quiet("i-0a", 0, days=26), id="26-of-30-days"),
        ],
    )
    def test_missing_or_partial_data_is_unknown_never_idle(self, estate, eip_instance, metrics):
        inst, addr = eip_instance
        assert estate.run(UNUSED, metrics=metrics, ec2__instances=[inst], ec2__addresses=[addr]) == []

    def test_ninety_percent_of_the_days_is_enough(self, estate, eip_instance):
        inst, addr = eip_instance
        hits = estate.run(
            UNUSED, metrics=quiet("i-0a", 0, days=27), ec2__instances=[inst], ec2__addresses=[addr]
        )
        assert len(hits) == 1

    def test_instance_started_within_the_window_is_not_judged_on_traffic(self, estate):
        inst = with_public_ip(estate.instance("i-0a", enis=["eni-0a"], launched_days=20), "54.1.2.3")
        assert estate.run(UNUSED, metrics=quiet("i-0a", 0), ec2__instances=[inst]) == []

    @pytest.mark.parametrize(
        ("failed", "expected"),
        [(6, None), (7, Confidence.MEDIUM), (13, Confidence.MEDIUM), (14, Confidence.HIGH)],
    )
    def test_failed_status_check_boundaries(self, estate, eip_instance, failed, expected):
        inst, addr = eip_instance
        metrics = quiet(
            "i-0a", 50e9, status=[0] * (30 - failed) + [1] * failed
        )  # busy, so no traffic variant
        hits = estate.run(UNUSED, metrics=metrics, ec2__instances=[inst], ec2__addresses=[addr])
        assert [h.confidence for h in hits] == ([expected] if expected else [])
        if hits:
            assert hits[0].evidence["scenario"] == "eip_on_failed_instance"
            assert hits[0].evidence["failed_days"] == failed
            assert "aws ec2 reboot-instances --instance-ids i-0a" in (hits[0].recommendation or "")

    def test_a_recovered_instance_is_not_failed(self, estate, eip_instance):
        # failed all day for 20 days, then healthy (or a partly failed day: the Minimum is 0)
        inst, addr = eip_instance
        metrics = quiet("i-0a", 50e9, status=[0] * 9 + [1] * 20 + [0])
        assert estate.run(UNUSED, metrics=metrics, ec2__instances=[inst], ec2__addresses=[addr]) == []

    def test_status_data_not_reported_now_is_unknown(self, estate, eip_instance):
        inst, addr = eip_instance
        metrics = quiet("i-0a", 50e9) | traffic("i-0a", None, None, [1] * 25, ending_days_ago=5)
        assert estate.run(UNUSED, metrics=metrics, ec2__instances=[inst], ec2__addresses=[addr]) == []

    def test_service_managed_and_requester_managed_addresses_are_never_flagged(self, estate):
        inst = estate.instance("i-0a", enis=["eni-0a", "eni-0trunk"], launched_days=100)
        managed = estate.address("eipalloc-0svc", "203.0.113.20", instance_id="i-0a", service_managed="alb")
        on_trunk = estate.address(
            "eipalloc-0trunk", "203.0.113.21", eni="eni-0trunk", association="eipassoc-1"
        )
        eni = estate.network_interface(
            "eni-0trunk", status="in-use", instance_id="i-0a", requester_managed=True
        )
        hits = estate.run(
            UNUSED,
            metrics=quiet("i-0a", 0),
            ec2__instances=[inst],
            ec2__addresses=[managed, on_trunk],
            ec2__network_interfaces=[eni],
        )
        assert hits == []

    def test_nat_gateway_addresses_are_never_flagged(self, estate, eip_instance):
        inst, addr = eip_instance
        nat_addr = estate.address(
            "eipalloc-0nat", "198.51.100.10", eni="eni-0nat", association="eipassoc-0nat"
        )
        nat_eni = estate.network_interface(
            "eni-0nat",
            status="in-use",
            requester_managed=True,
            interface_type="nat_gateway",
            allocation="eipalloc-0nat",
        )
        hits = estate.run(
            UNUSED,
            metrics=quiet("i-0a", 0) | quiet("i-0b", 0),
            ec2__instances=[inst],
            ec2__addresses=[addr, nat_addr],
            ec2__network_interfaces=[nat_eni],
            ec2__nat_gateways=[estate.nat("nat-0a", allocations=["eipalloc-0nat"])],
        )
        assert [h.resource.id for h in hits] == ["eipalloc-0a"]

    def test_byoip_address_costs_nothing(self, estate):
        inst = estate.instance("i-0a", stopped_days=60)
        addr = estate.address("eipalloc-0a", instance_id="i-0a", pool="ipv4pool-ec2-0123456789abcdef0")
        [hit] = estate.run(UNUSED, ec2__instances=[inst], ec2__addresses=[addr])
        assert hit.cost.amount == 0.0

    def test_queries_are_daily_instance_metrics_that_skip_stopped_instances(self):
        from cloudwaste.checks.registry import get_check

        spec = get_check(UNUSED)
        assert spec.metrics is not None
        queries = spec.metrics(spec.params())
        assert [(q.metric, q.stat) for q in queries] == [
            ("NetworkIn", "Sum"),
            ("NetworkOut", "Sum"),
            ("StatusCheckFailed", "Minimum"),
        ]
        for q in queries:
            assert (q.namespace, q.dimension, q.collection, q.period_s, q.days) == (
                "AWS/EC2",
                "InstanceId",
                "ec2:instances",
                86400,
                30,
            )
            assert q.state_field == "State.Name" and "stopped" in q.skip_states


class TestMultipleEipsPerInstance:
    def eips(self, estate, n, *, instance="i-0a", enis=("eni-0a",)):
        return [
            estate.address(
                f"eipalloc-0{k}",
                f"203.0.113.{10 + k}",
                instance_id=instance,
                eni=enis[k % len(enis)],
                association=f"eipassoc-0{k}",
            )
            for k in range(n)
        ]

    @pytest.mark.parametrize(("count", "flagged"), [(1, 0), (2, 1), (3, 2)])
    def test_count_boundary(self, estate, count, flagged):
        inst = with_public_ip(estate.instance("i-0a", enis=["eni-0a"]), "203.0.113.10", owner=ACCOUNT)
        hits = estate.run(MULTI, ec2__instances=[inst], ec2__addresses=self.eips(estate, count))
        assert len(hits) == flagged
        assert "eipalloc-00" not in {h.resource.id for h in hits}  # the instance's public IP is kept

    def test_extra_address_finding(self, estate, hit_ok):
        inst = with_public_ip(estate.instance("i-0a", enis=["eni-0a"]), "203.0.113.11", owner=ACCOUNT)
        [hit] = estate.run(MULTI, ec2__instances=[inst], ec2__addresses=self.eips(estate, 2))
        hit_ok(hit)
        assert hit.resource.id == "eipalloc-00"  # 203.0.113.11 is the primary public IP: kept
        assert hit.evidence["scenario"] == "additional_eip_per_instance"
        assert hit.confidence is Confidence.MEDIUM
        assert hit.cost.amount == 3.65
        assert "same network interface" in hit.reason
        assert (hit.recommendation or "").endswith("aws ec2 release-address --allocation-id eipalloc-00")

    def test_extras_on_another_interface_get_low_confidence(self, estate):
        inst = estate.instance("i-0a", enis=["eni-0a", "eni-0b"])
        [hit] = estate.run(
            MULTI, ec2__instances=[inst], ec2__addresses=self.eips(estate, 2, enis=("eni-0a", "eni-0b"))
        )
        assert hit.confidence is Confidence.LOW and hit.evidence["other_interface"] is True

    @pytest.mark.parametrize("tags", [{"Role": "ha"}, {"failover": "true"}, {"Pattern": "active-active"}])
    def test_high_availability_tags_skip_the_instance(self, estate, tags):
        inst = estate.instance("i-0a", enis=["eni-0a"], tags=tags)
        assert estate.run(MULTI, ec2__instances=[inst], ec2__addresses=self.eips(estate, 3)) == []

    def test_tag_words_match_whole_words_only(self, estate):
        inst = estate.instance("i-0a", enis=["eni-0a"], tags={"Name": "sharp-shooter"})
        assert len(estate.run(MULTI, ec2__instances=[inst], ec2__addresses=self.eips(estate, 2))) == 1

    def test_max_parameter(self, estate):
        inst = estate.instance("i-0a", enis=["eni-0a"])
        hits = estate.run(
            MULTI,
            params={"max_eips_per_instance": 2},
            ec2__instances=[inst],
            ec2__addresses=self.eips(estate, 2),
        )
        assert hits == []

    def test_terminated_instance_is_skipped(self, estate):
        inst = estate.instance("i-0a", state="terminated")
        assert estate.run(MULTI, ec2__instances=[inst], ec2__addresses=self.eips(estate, 3)) == []
