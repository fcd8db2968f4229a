"""aws.vpc.idle_nat_gateway: metrics, route tables, and the unknown-is-not-idle rule."""

from __future__ import annotations

import pytest

from cloudwaste.checks.aws.vpc import IdleNatParams, nat_queries
from cloudwaste.checks.registry import get_check
from cloudwaste.model import Confidence, CostBasis, CostKind

NAT = "aws.vpc.idle_nat_gateway"
NAT_MONTH = round(0.045 * 730, 2)  # 32.85
IPV4_MONTH = 3.65


def test_check_declares_daily_nat_traffic_queries_over_the_window():
    spec = get_check(NAT)
    assert spec.metrics is not None
    queries = spec.metrics(IdleNatParams(window_days=14))
    assert {(q.metric, q.stat) for q in queries} == {
        ("BytesOutToDestination", "Sum"),
        ("BytesInFromSource", "Sum"),
        ("ActiveConnectionCount", "Maximum"),
    }
    for q in queries:
        assert (q.namespace, q.dimension, q.collection, q.id_field) == (
            "AWS/NATGateway",
            "NatGatewayId",
            "ec2:nat_gateways",
            "NatGatewayId",
        )
        assert (q.period_s, q.days) == (86400, 14)
        assert q.collection in spec.needs


class TestIdleNatGateway:
    def test_no_nat_gateways_no_hits(self, estate):
        assert estate.run(NAT) == []

    def test_idle_gateway_with_no_route_is_flagged_with_high_confidence(self, estate, hit_ok):
        nat = estate.nat("nat-0a", age=60, allocations=["eipalloc-0n1"])
        [hit] = estate.run(NAT, ec2__nat_gateways=[nat], metrics=estate.nat_metrics("nat-0a"))
        hit_ok(hit)
        assert hit.resource.arn == "arn:aws:ec2:us-east-1:123456789012:natgateway/nat-0a"
        assert hit.cost.amount == pytest.approx(NAT_MONTH + IPV4_MONTH)
        assert hit.cost.kind is CostKind.COST
        assert "data processing" in (hit.cost.detail or "")
        assert hit.cost_includes == ("eipalloc-0n1",)
        assert hit.confidence is Confidence.HIGH
        assert hit.evidence["traffic"] == "idle"
        assert hit.evidence["referenced_by_routes"] is False
        assert hit.evidence["bytes_total"] == 0
        assert hit.evidence["metrics"]["BytesOutToDestination"]["datapoints"] == 30
        assert "30 days" in hit.reason

    def test_idle_gateway_still_routed_gets_medium_confidence(self, estate):
        nat = estate.nat("nat-0a")
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        [hit] = estate.run(
            NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=estate.nat_metrics("nat-0a")
        )
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["referenced_by_routes"] is True
        assert hit.evidence["associated_route_tables"] == ["rtb-0priv"]
        assert "rtb-0priv" in hit.reason

    def test_gateway_with_traffic_and_routes_is_not_flagged(self, estate):
        nat = estate.nat("nat-0a")
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        metrics = estate.nat_metrics(
            "nat-0a", out=[0] * 29 + [5_000_000], inn=[0] * 29 + [7_000_000], conn=[0] * 29 + [3]
        )
        assert estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics) == []

    def test_connections_without_bytes_count_as_activity(self, estate):
        nat = estate.nat("nat-0a")
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        metrics = estate.nat_metrics("nat-0a", conn=[0] * 29 + [1])
        assert estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics) == []

    def test_missing_metrics_are_unknown_not_idle(self, estate):
        nat = estate.nat("nat-0a")
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        assert estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb]) == []

    def test_partly_missing_metrics_are_unknown_not_idle(self, estate):
        nat = estate.nat("nat-0a")
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        metrics = estate.nat_metrics("nat-0a", inn=None, conn=None)  # only BytesOutToDestination has data
        assert estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics) == []

    def test_unknown_traffic_without_routes_is_flagged_with_medium_confidence(self, estate):
        [hit] = estate.run(NAT, ec2__nat_gateways=[estate.nat("nat-0a")])
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["traffic"] == "unknown"
        assert hit.evidence["referenced_by_routes"] is False
        assert hit.evidence["bytes_total"] is None
        assert hit.evidence["metrics"]["BytesOutToDestination"] is None
        assert "no traffic data" in hit.reason

    def test_recent_traffic_without_routes_is_flagged_with_low_confidence(self, estate):
        metrics = estate.nat_metrics("nat-0a", out=[9_000] * 10 + [0] * 20)
        [hit] = estate.run(NAT, ec2__nat_gateways=[estate.nat("nat-0a")], metrics=metrics)
        assert hit.confidence is Confidence.LOW
        assert hit.evidence["traffic"] == "active"
        assert hit.evidence["last_activity"] == estate.ago(21).isoformat()
        assert estate.ago(21).date().isoformat() in hit.reason

    def test_route_in_an_unassociated_table_does_not_count(self, estate):
        rtb = estate.route_table("rtb-0orphan", nat_ids=["nat-0a"], subnets=[])
        [hit] = estate.run(NAT, ec2__nat_gateways=[estate.nat("nat-0a")], ec2__route_tables=[rtb])
        assert hit.evidence["referenced_by_routes"] is True
        assert hit.evidence["route_tables"] == ["rtb-0orphan"]
        assert hit.evidence["associated_route_tables"] == []

    def test_disassociated_subnet_does_not_count(self, estate):
        rtb = estate.route_table("rtb-0old", nat_ids=["nat-0a"])
        rtb["Associations"][0]["AssociationState"] = {"State": "disassociated"}
        [hit] = estate.run(NAT, ec2__nat_gateways=[estate.nat("nat-0a")], ec2__route_tables=[rtb])
        assert hit.evidence["associated_route_tables"] == []

    def test_main_route_table_counts_as_associated(self, estate):
        rtb = estate.route_table("rtb-0main", nat_ids=["nat-0a"], subnets=[], main=True)
        assert estate.run(NAT, ec2__nat_gateways=[estate.nat("nat-0a")], ec2__route_tables=[rtb]) == []

    def test_age_boundary(self, estate):
        nats = [estate.nat("nat-0at", age=7), estate.nat("nat-0below", age=6)]
        metrics = estate.nat_metrics("nat-0at") | estate.nat_metrics("nat-0below")
        assert [h.resource.id for h in estate.run(NAT, ec2__nat_gateways=nats, metrics=metrics)] == [
            "nat-0at"
        ]

    def test_traffic_at_max_bytes_is_idle_and_above_is_not(self, estate):
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0at", "nat-0above"])
        nats = [estate.nat("nat-0at"), estate.nat("nat-0above")]
        metrics = estate.nat_metrics("nat-0at", out=[0] * 29 + [600], inn=[0] * 29 + [400])
        metrics |= estate.nat_metrics("nat-0above", out=[0] * 29 + [601], inn=[0] * 29 + [400])
        hits = estate.run(
            NAT, params={"max_bytes": 1000}, ec2__nat_gateways=nats, ec2__route_tables=[rtb], metrics=metrics
        )
        assert [h.resource.id for h in hits] == ["nat-0at"]

    def test_window_parameter_changes_the_queried_series(self, estate):
        nat = estate.nat("nat-0a")
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        metrics = estate.nat_metrics("nat-0a", window_days=14)
        assert (
            estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics) == []
        )  # 30-d unknown
        hits = estate.run(
            NAT, params={"window_days": 14}, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics
        )
        assert len(hits) == 1 and "14 days" in hits[0].reason

    def test_gateway_younger_than_the_window_reports_the_days_since_it_was_created(self, estate):
        nat = estate.nat("nat-0a", age=10.5)
        metrics = estate.nat_metrics("nat-0a", out=[0] * 10, inn=[0] * 10, conn=[0] * 10)
        [hit] = estate.run(NAT, ec2__nat_gateways=[nat], metrics=metrics)
        assert "in the 10 days since it was created" in hit.reason
        assert "30 days" not in hit.reason
        assert hit.evidence["window_days"] == 10
        assert hit.evidence["queried_window_days"] == 30
        assert hit.evidence["metrics"]["BytesOutToDestination"]["window_days"] == 10

    def test_gateway_older_than_the_window_reports_the_whole_window(self, estate):
        [hit] = estate.run(
            NAT, ec2__nat_gateways=[estate.nat("nat-0a", age=30)], metrics=estate.nat_metrics("nat-0a")
        )
        assert "in the last 30 days" in hit.reason
        assert hit.evidence["window_days"] == 30

    def test_young_gateway_with_unknown_traffic_reports_the_effective_window(self, estate):
        [hit] = estate.run(NAT, ec2__nat_gateways=[estate.nat("nat-0a", age=12)])
        assert "over the 12 days since it was created" in hit.reason
        assert hit.evidence["window_days"] == 12

    def test_gateway_created_less_than_a_day_ago(self, estate):
        metrics = estate.nat_metrics("nat-0a", out=[0], inn=[0], conn=[0])
        [hit] = estate.run(
            NAT,
            params={"min_age_days": 0},
            ec2__nat_gateways=[estate.nat("nat-0a", age=0.5)],
            metrics=metrics,
        )
        assert "in the hours since it was created" in hit.reason
        assert hit.evidence["window_days"] == 0

    @pytest.mark.parametrize("state", ["pending", "failed", "deleting", "deleted"])
    def test_gateway_not_available_is_skipped(self, estate, state):
        assert (
            estate.run(
                NAT,
                ec2__nat_gateways=[estate.nat("nat-0a", state=state)],
                metrics=estate.nat_metrics("nat-0a"),
            )
            == []
        )

    def test_private_gateway_has_no_public_ipv4_charge(self, estate):
        [hit] = estate.run(
            NAT, ec2__nat_gateways=[estate.nat("nat-0a", private=True)], metrics=estate.nat_metrics("nat-0a")
        )
        assert hit.cost.amount == NAT_MONTH
        assert hit.cost_includes == ()

    def test_gateway_with_secondary_addresses_pays_for_each(self, estate):
        nat = estate.nat("nat-0a", allocations=["eipalloc-0n1", "eipalloc-0n2"])
        [hit] = estate.run(NAT, ec2__nat_gateways=[nat], metrics=estate.nat_metrics("nat-0a"))
        assert hit.cost.amount == pytest.approx(NAT_MONTH + 2 * IPV4_MONTH)
        assert hit.cost_includes == ("eipalloc-0n1", "eipalloc-0n2")

    def test_regional_gateway_is_an_estimate_per_zone(self, estate):
        nat = estate.nat(
            "nat-0a",
            allocations=["eipalloc-0n1", "eipalloc-0n2"],
            regional_zones=["us-east-1a", "us-east-1b"],
        )
        [hit] = estate.run(NAT, ec2__nat_gateways=[nat], metrics=estate.nat_metrics("nat-0a"))
        assert hit.cost.amount == pytest.approx(2 * NAT_MONTH + 2 * IPV4_MONTH)
        assert hit.cost.basis is CostBasis.ESTIMATE

    def test_regional_price(self, estate):
        [hit] = estate.run(
            NAT,
            region="eu-central-1",
            ec2__nat_gateways=[estate.nat("nat-0a")],
            metrics=estate.nat_metrics("nat-0a"),
        )
        assert hit.cost.amount == pytest.approx(round(0.052 * 730, 2) + IPV4_MONTH)

    def test_several_gateways(self, estate):
        nats = [estate.nat("nat-0a"), estate.nat("nat-0b"), estate.nat("nat-0c")]
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0b", "nat-0c"])
        metrics = estate.nat_metrics("nat-0a") | estate.nat_metrics("nat-0b", out=[1e9] * 30)
        hits = estate.run(NAT, ec2__nat_gateways=nats, ec2__route_tables=[rtb], metrics=metrics)
        assert [h.resource.id for h in hits] == ["nat-0a"]


def test_queries_key_series_per_gateway():
    queries = nat_queries(IdleNatParams())
    assert queries[0].key("nat-0a") != queries[0].key("nat-0b")
    assert queries[0].key("nat-0a").value == "nat-0a"
