"""The NAT gateway checks: idle, no internet, redundant, low traffic, missing endpoints, off-hours."""

from __future__ import annotations

import json

import pytest
from tests.checks.aws.conftest import internet_gateway, metric_series, series_by_time, subnet, vpc_endpoint

from cloudwaste.checks.aws.vpc import IdleNatParams, nat_queries
from cloudwaste.checks.registry import get_check
from cloudwaste.model import Confidence, CostBasis, CostKind

NAT = "aws.vpc.idle_nat_gateway"
NAT_MONTH = round(0.045 * 730, 2)  # 32.85
IPV4_MONTH = 3.65


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


def test_check_declares_daily_nat_traffic_queries_over_the_window():
    spec = get_check(NAT)
    assert spec.metrics is not None
    queries = spec.metrics(IdleNatParams(window_days=14))
    assert {(q.metric, q.stat) for q in queries} == {
        ("BytesOutToDestination", "Sum"),
        ("BytesInFromSource", "Sum"),
        ("ActiveConnectionCount", "Maximum"),
        ("BytesInFromDestination", "Sum"),
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
            "nat-0a",
            out=[0] * 29 + [70_000_000],
            inn=[0] * 29 + [70_000_000],
            back=[0] * 29 + [50_000_000],
            conn=[0] * 29 + [3],
        )
        assert estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics) == []

    def test_connections_without_bytes_count_as_activity_so_only_the_review_band(self, estate):
        nat = estate.nat("nat-0a")
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        metrics = estate.nat_metrics("nat-0a", conn=[0] * 29 + [1])
        [hit] = estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics)
        assert hit.evidence["traffic"] == "low"
        assert hit.confidence is Confidence.LOW
        assert hit.evidence["scenario"] == "eip_on_zero_connection_nat_gateway"

    def test_review_band_boundary_and_its_elastic_ip_variants(self, estate):
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0at", "nat-0above", "nat-0conn"])
        nats = [estate.nat("nat-0at"), estate.nat("nat-0above"), estate.nat("nat-0conn")]
        # processed = BytesInFromSource + BytesInFromDestination (100 MB at the boundary)
        up, down = [0] * 29 + [60_000_000], [0] * 29 + [40_000_000]
        metrics = estate.nat_metrics("nat-0at", out=up, inn=up, back=down)
        metrics |= estate.nat_metrics("nat-0above", out=up, inn=up, back=[0] * 29 + [40_000_001])
        metrics |= estate.nat_metrics("nat-0conn", out=[1_000] * 30, conn=[1] * 30)
        hits = {
            h.resource.id: h
            for h in estate.run(NAT, ec2__nat_gateways=nats, ec2__route_tables=[rtb], metrics=metrics)
        }
        assert set(hits) == {"nat-0at", "nat-0conn"}
        assert hits["nat-0at"].evidence["scenario"] == "eip_on_zero_connection_nat_gateway"
        assert hits["nat-0conn"].evidence["scenario"] == "eip_on_unused_nat_gateway"
        assert "100.0 MB" in hits["nat-0at"].reason
        assert hits["nat-0conn"].cost_includes == ("eipalloc-0nat0000000000001",)

    def test_private_gateway_in_the_review_band_has_no_elastic_ip_scenario(self, estate):
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0p"])
        metrics = estate.nat_metrics("nat-0p", out=[0] * 29 + [5_000])
        [hit] = estate.run(
            NAT,
            ec2__nat_gateways=[estate.nat("nat-0p", private=True)],
            ec2__route_tables=[rtb],
            metrics=metrics,
        )
        assert hit.evidence["scenario"] is None and hit.cost_includes == ()

    def test_scenarios_of_the_route_cases(self, estate):
        nats = [estate.nat("nat-0none"), estate.nat("nat-0orphan"), estate.nat("nat-0idle")]
        tables = [
            estate.route_table("rtb-0orphan", nat_ids=["nat-0orphan"], subnets=[]),
            estate.route_table("rtb-0priv", nat_ids=["nat-0idle"]),
        ]
        metrics = (
            estate.nat_metrics("nat-0none")
            | estate.nat_metrics("nat-0orphan")
            | estate.nat_metrics("nat-0idle")
        )
        hits = estate.run(NAT, ec2__nat_gateways=nats, ec2__route_tables=tables, metrics=metrics)
        assert {h.resource.id: h.evidence["scenario"] for h in hits} == {
            "nat-0none": "no_routes",
            "nat-0orphan": "routes_not_associated",
            "nat-0idle": "zero_traffic",
        }
        assert {h.cost_group for h in hits} == {"nat:nat-0none", "nat:nat-0orphan", "nat:nat-0idle"}

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
        metrics |= estate.nat_metrics(
            "nat-0above", out=[0] * 29 + [601], inn=[0] * 29 + [400], back=[0] * 29 + [601]
        )
        params = {"max_bytes": 1000, "review_max_bytes": 1000}
        hits = estate.run(
            NAT, params=params, ec2__nat_gateways=nats, ec2__route_tables=[rtb], metrics=metrics
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
        metrics = estate.nat_metrics("nat-0a") | estate.nat_metrics(
            "nat-0b", out=[1e9] * 30, inn=[1e9] * 30, back=[1e9] * 30
        )
        hits = estate.run(NAT, ec2__nat_gateways=nats, ec2__route_tables=[rtb], metrics=metrics)
        assert [h.resource.id for h in hits] == ["nat-0a"]

    # "Monitor NAT gateways using Amazon CloudWatch" (docs.aws.amazon.com/vpc/latest/userguide/
    # vpc-nat-gateway-cloudwatch.html): BytesInFromSource/BytesOutToDestination are the traffic clients
    # send out, BytesInFromDestination/BytesOutToSource the responses; data processing is billed on both.
    def test_small_uploads_with_large_downloads_are_not_the_review_band(self, estate):
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        up = [1_000_000] * 30  # 30 MB of requests out ...
        metrics = estate.nat_metrics("nat-0a", out=up, inn=up, back=[200_000_000] * 30, conn=[0] * 30)
        nat = estate.nat("nat-0a")
        assert estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics) == []

    def test_review_band_needs_the_download_series(self, estate):
        rtb = estate.route_table("rtb-0priv", nat_ids=["nat-0a"])
        metrics = estate.nat_metrics("nat-0a", out=[1_000] * 30, inn=[1_000] * 30, back=None)
        nat = estate.nat("nat-0a")
        assert estate.run(NAT, ec2__nat_gateways=[nat], ec2__route_tables=[rtb], metrics=metrics) == []

    def test_unsolicited_inbound_bytes_do_not_make_an_idle_gateway_busy(self, estate):
        # BytesInFromDestination also counts traffic the gateway blocks (same page)
        nat = estate.nat("nat-0a")
        metrics = estate.nat_metrics("nat-0a", back=[5_000] * 30)
        [hit] = estate.run(NAT, ec2__nat_gateways=[nat], metrics=metrics)
        assert hit.evidence["traffic"] == "idle" and hit.evidence["bytes_processed"] == 150_000


def test_queries_key_series_per_gateway():
    queries = nat_queries(IdleNatParams())
    assert queries[0].key("nat-0a") != queries[0].key("nat-0b")
    assert queries[0].key("nat-0a").value == "nat-0a"


# --- the other NAT gateway checks -----------------------------------------------------------------------

NO_INTERNET = "aws.vpc.nat_gateway_no_internet"
REDUNDANT = "aws.vpc.redundant_nat_gateway"
LOW_TRAFFIC = "aws.vpc.low_traffic_nat_gateway"
ENDPOINTS = "aws.vpc.nat_gateway_missing_endpoints"
OFF_HOURS = "aws.vpc.off_hours_nat_gateway"


def igw_route(table, igw="igw-0a", state="active"):
    table["Routes"].append(
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "Origin": "CreateRoute", "State": state}
    )
    return table


def public_table(estate, **kwargs):
    return igw_route(estate.route_table("rtb-0pub", subnets=["subnet-0public"], **kwargs))


def bytes_series(nat_id, per_day, days=30):
    """Daily BytesInFromSource ``per_day(k)`` for k days ago (k = days..1) and zero BytesInFromDestination."""
    from cloudwaste.checks.aws.vpc import _bytes_queries

    out_q, in_q = _bytes_queries(days)
    values = [per_day(days - n) for n in range(days)]
    return metric_series(out_q, nat_id, values) | metric_series(in_q, nat_id, [0.0] * days)


class TestNatGatewayNoInternet:
    def test_public_gateway_in_a_vpc_without_internet_gateway(self, estate, hit_ok):
        nat = estate.nat("nat-0a")
        [hit] = estate.run(NO_INTERNET, ec2__nat_gateways=[nat], ec2__route_tables=[public_table(estate)])
        hit_ok(hit)
        assert hit.evidence["scenario"] == "no_igw"
        assert hit.confidence is Confidence.HIGH
        assert hit.cost.amount == pytest.approx(NAT_MONTH + IPV4_MONTH)
        assert hit.cost_includes == ("eipalloc-0nat0000000000001",)

    def test_gateway_in_a_public_subnet_is_the_right_setup(self, estate):
        hits = estate.run(
            NO_INTERNET,
            ec2__nat_gateways=[estate.nat("nat-0a")],
            ec2__route_tables=[public_table(estate)],
            ec2__internet_gateways=[internet_gateway("igw-0a")],
        )
        assert hits == []

    def test_gateway_in_a_subnet_without_internet_route_is_the_public_subnet_scenario_done_right(
        self, estate
    ):
        private = estate.route_table("rtb-0priv", subnets=["subnet-0public"])
        [hit] = estate.run(
            NO_INTERNET,
            ec2__nat_gateways=[estate.nat("nat-0a")],
            ec2__route_tables=[private],
            ec2__internet_gateways=[internet_gateway("igw-0a")],
        )
        assert hit.evidence["scenario"] == "public_subnet"
        assert "rtb-0priv" in hit.reason and "no route to an internet gateway" in hit.reason

    def test_subnet_without_explicit_association_uses_the_main_table(self, estate):
        main = igw_route(estate.route_table("rtb-0main", subnets=[], main=True))
        igws = [internet_gateway("igw-0a")]
        nats = [estate.nat("nat-0a")]
        assert (
            estate.run(
                NO_INTERNET, ec2__nat_gateways=nats, ec2__route_tables=[main], ec2__internet_gateways=igws
            )
            == []
        )
        bare = estate.route_table("rtb-0main", subnets=[], main=True)
        [hit] = estate.run(
            NO_INTERNET, ec2__nat_gateways=nats, ec2__route_tables=[bare], ec2__internet_gateways=igws
        )
        assert hit.evidence["subnet_route_table"] == "rtb-0main"

    def test_blackhole_internet_route_does_not_count(self, estate):
        table = igw_route(estate.route_table("rtb-0pub", subnets=["subnet-0public"]), state="blackhole")
        hits = estate.run(
            NO_INTERNET,
            ec2__nat_gateways=[estate.nat("nat-0a")],
            ec2__route_tables=[table],
            ec2__internet_gateways=[internet_gateway("igw-0a")],
        )
        assert len(hits) == 1

    def test_transit_gateway_route_lowers_confidence(self, estate):
        table = estate.route_table("rtb-0tgw", subnets=["subnet-0public"])
        table["Routes"].append(
            {"DestinationCidrBlock": "10.1.0.0/16", "TransitGatewayId": "tgw-0a", "State": "active"}
        )
        [hit] = estate.run(
            NO_INTERNET,
            ec2__nat_gateways=[estate.nat("nat-0a")],
            ec2__route_tables=[table],
            ec2__internet_gateways=[internet_gateway("igw-0a")],
        )
        assert hit.confidence is Confidence.MEDIUM and hit.evidence["private_routes"] == ["tgw-0a"]

    def test_detached_internet_gateway_means_no_internet(self, estate):
        hits = estate.run(
            NO_INTERNET,
            ec2__nat_gateways=[estate.nat("nat-0a")],
            ec2__route_tables=[public_table(estate)],
            ec2__internet_gateways=[internet_gateway("igw-0a", vpc=None)],
        )
        assert [h.evidence["scenario"] for h in hits] == ["no_igw"]

    def test_gateway_moving_traffic_is_translating_to_private_destinations(self, estate):
        # a public NAT gateway can also NAT to a transit gateway or peering: traffic means it is used
        nats = [estate.nat("nat-0at"), estate.nat("nat-0above")]
        metrics = bytes_series("nat-0at", lambda k: 1e8 if k == 1 else 0.0)
        metrics |= bytes_series("nat-0above", lambda k: 1e8 + 1 if k == 1 else 0.0)
        hits = estate.run(NO_INTERNET, ec2__nat_gateways=nats, metrics=metrics)
        assert [h.resource.id for h in hits] == ["nat-0at"]
        assert hits[0].evidence["bytes_last_30_days"] == 1e8

    def test_one_direction_above_the_limit_is_enough_proof_of_traffic(self, estate):
        from cloudwaste.checks.aws.vpc import _bytes_queries

        up_q, _down_q = _bytes_queries(30)
        metrics = metric_series(up_q, "nat-0a", [0.0] * 29 + [2e8])  # no BytesInFromDestination series
        assert estate.run(NO_INTERNET, ec2__nat_gateways=[estate.nat("nat-0a")], metrics=metrics) == []

    def test_private_and_regional_gateways_are_not_judged(self, estate):
        nats = [estate.nat("nat-0p", private=True), estate.nat("nat-0r", regional_zones=["us-east-1a"])]
        nats[1].pop("SubnetId")
        assert estate.run(NO_INTERNET, ec2__nat_gateways=nats) == []

    def test_age_boundary(self, estate):
        nats = [estate.nat("nat-0at", age=7), estate.nat("nat-0below", age=6.9)]
        assert [h.resource.id for h in estate.run(NO_INTERNET, ec2__nat_gateways=nats)] == ["nat-0at"]


class TestRedundantNatGateway:
    def test_second_gateway_in_the_same_zone_is_reported_and_the_busier_kept(self, estate, hit_ok):
        nats = [estate.nat("nat-0busy"), estate.nat("nat-0spare", allocations=["eipalloc-0spare"])]
        metrics = bytes_series("nat-0busy", lambda k: 1e9) | bytes_series("nat-0spare", lambda k: 0.0)
        [hit] = estate.run(
            REDUNDANT, ec2__nat_gateways=nats, ec2__subnets=[subnet("subnet-0public")], metrics=metrics
        )
        hit_ok(hit)
        assert hit.resource.id == "nat-0spare"
        assert hit.evidence["kept"] == "nat-0busy" and hit.evidence["scenario"] == "redundant_same_az"
        assert hit.confidence is Confidence.MEDIUM  # no route table uses it
        assert hit.cost_includes == ("eipalloc-0spare",)

    def test_routed_extra_gateway_gets_low_confidence(self, estate):
        nats = [estate.nat("nat-0busy"), estate.nat("nat-0b")]
        metrics = bytes_series("nat-0busy", lambda k: 1e9) | bytes_series("nat-0b", lambda k: 1e6)
        tables = [estate.route_table("rtb-0b", nat_ids=["nat-0b"])]
        [hit] = estate.run(
            REDUNDANT,
            ec2__nat_gateways=nats,
            ec2__subnets=[subnet("subnet-0public")],
            ec2__route_tables=tables,
            metrics=metrics,
        )
        assert hit.resource.id == "nat-0b" and hit.confidence is Confidence.LOW
        assert "rtb-0b" in (hit.recommendation or "")

    def test_one_gateway_per_zone_is_the_recommended_setup(self, estate):
        a, b = estate.nat("nat-0a"), estate.nat("nat-0b")
        b["SubnetId"] = "subnet-0publicb"
        subnets = [subnet("subnet-0public", "us-east-1a"), subnet("subnet-0publicb", "us-east-1b")]
        assert estate.run(REDUNDANT, ec2__nat_gateways=[a, b], ec2__subnets=subnets) == []

    def test_public_and_private_gateways_do_not_replace_each_other(self, estate):
        nats = [estate.nat("nat-0a"), estate.nat("nat-0p", private=True)]
        assert estate.run(REDUNDANT, ec2__nat_gateways=nats, ec2__subnets=[subnet("subnet-0public")]) == []

    def test_without_traffic_data_the_oldest_is_kept(self, estate):
        nats = [estate.nat("nat-0new", age=20), estate.nat("nat-0old", age=300)]
        [hit] = estate.run(REDUNDANT, ec2__nat_gateways=nats, ec2__subnets=[subnet("subnet-0public")])
        assert hit.resource.id == "nat-0new" and hit.evidence["bytes_over_window"] is None

    def test_young_extra_gateway_is_not_reported(self, estate):
        nats = [estate.nat("nat-0old", age=300), estate.nat("nat-0new", age=6.9)]
        assert estate.run(REDUNDANT, ec2__nat_gateways=nats, ec2__subnets=[subnet("subnet-0public")]) == []


class TestLowTrafficNatGateway:
    def routed(self, estate, *nat_ids):
        return [estate.route_table(f"rtb-{n}", nat_ids=[n], subnets=[f"subnet-{n}"]) for n in nat_ids]

    def test_queries_read_ninety_days_of_daily_bytes(self):
        from cloudwaste.checks.aws.vpc import LowTrafficNatParams, low_traffic_queries

        queries = low_traffic_queries(LowTrafficNatParams())
        assert {(q.metric, q.period_s, q.days) for q in queries} == {
            ("BytesInFromSource", 86400, 90),
            ("BytesInFromDestination", 86400, 90),
        }

    def test_collapsed_traffic_is_the_obsolete_migration_variant(self, estate, hit_ok):
        nat = estate.nat("nat-0a", age=200)
        metrics = bytes_series("nat-0a", lambda k: 1e9 if k > 60 else 0.09e9 if k > 7 else 0.05e9, days=90)
        [hit] = estate.run(
            LOW_TRAFFIC,
            ec2__nat_gateways=[nat],
            ec2__route_tables=self.routed(estate, "nat-0a"),
            metrics=metrics,
        )
        hit_ok(hit)
        assert hit.evidence["scenario"] == "obsolete_migration"
        assert hit.evidence["traffic_drop"] == pytest.approx(0.95)
        assert hit.cost.kind is CostKind.COST and hit.cost.amount == pytest.approx(NAT_MONTH + IPV4_MONTH)

    def test_drop_boundary(self, estate):
        nats = [estate.nat("nat-0at", age=200), estate.nat("nat-0below", age=200)]
        metrics = bytes_series("nat-0at", lambda k: 1e9 if k > 60 else 0.1e9, days=90)
        metrics |= bytes_series("nat-0below", lambda k: 1e9 if k > 60 else 0.101e9, days=90)
        hits = estate.run(
            LOW_TRAFFIC,
            params={"low_traffic_gb": 0},
            ec2__nat_gateways=nats,
            ec2__route_tables=self.routed(estate, "nat-0at", "nat-0below"),
            metrics=metrics,
        )
        assert [h.resource.id for h in hits] == ["nat-0at"]

    def test_young_gateway_is_not_judged_for_a_drop(self, estate):
        nat = estate.nat("nat-0a", age=89)
        metrics = bytes_series("nat-0a", lambda k: 1e9 if k >= 60 else 0.01e9, days=90)
        hits = estate.run(
            LOW_TRAFFIC,
            ec2__nat_gateways=[nat],
            ec2__route_tables=self.routed(estate, "nat-0a"),
            metrics=metrics,
        )
        assert hits == []

    def test_light_gateway_with_another_zones_gateway_can_be_consolidated(self, estate):
        light, other = estate.nat("nat-0light"), estate.nat("nat-0other")
        other["SubnetId"] = "subnet-0b"
        subnets = [subnet("subnet-0public", "us-east-1a"), subnet("subnet-0b", "us-east-1b")]
        metrics = bytes_series("nat-0light", lambda k: 5e9 / 30 if k <= 30 else 5e9 / 30, days=90)
        [hit] = estate.run(
            LOW_TRAFFIC,
            ec2__nat_gateways=[light, other],
            ec2__subnets=subnets,
            ec2__route_tables=self.routed(estate, "nat-0light"),
            metrics=metrics,
        )
        assert hit.evidence["scenario"] == "low_traffic"
        assert hit.evidence["other_zone_gateways"] == ["nat-0other"]
        transfer = round(5.0 * 2 * 0.01 * 730 / 720, 2)
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == pytest.approx(round(NAT_MONTH + IPV4_MONTH - transfer, 2))

    def test_only_gateway_of_its_vpc_is_not_consolidated(self, estate):
        metrics = bytes_series("nat-0light", lambda k: 5e9 / 30, days=90)
        hits = estate.run(
            LOW_TRAFFIC,
            ec2__nat_gateways=[estate.nat("nat-0light")],
            ec2__subnets=[subnet("subnet-0public")],
            ec2__route_tables=self.routed(estate, "nat-0light"),
            metrics=metrics,
        )
        assert hits == []

    def test_nearly_idle_and_unrouted_gateways_belong_to_the_idle_check(self, estate):
        nats = [estate.nat("nat-0quiet", age=200), estate.nat("nat-0unrouted", age=200)]
        metrics = bytes_series("nat-0quiet", lambda k: 1e9 if k >= 60 else 1e6, days=90)
        metrics |= bytes_series("nat-0unrouted", lambda k: 1e9 if k >= 60 else 0.01e9, days=90)
        hits = estate.run(
            LOW_TRAFFIC,
            ec2__nat_gateways=nats,
            ec2__route_tables=self.routed(estate, "nat-0quiet"),
            metrics=metrics,
        )
        assert hits == []


class TestMissingEndpoints:
    def run_busy(self, estate, endpoints=(), per_day=lambda k: 4e9 if k <= 25 else 0.0, **params):
        """100 GB over the window by default (25 days of 4 GB: exact sums)."""
        nat = estate.nat("nat-0a")
        metrics = bytes_series("nat-0a", per_day)
        return estate.run(
            ENDPOINTS,
            params=params,
            ec2__nat_gateways=[nat],
            ec2__route_tables=[estate.route_table("rtb-0priv", nat_ids=["nat-0a"])],
            ec2__vpc_endpoints=list(endpoints),
            metrics=metrics,
        )

    def test_busy_gateway_without_endpoints_is_reported_with_an_unknown_saving(self, estate, hit_ok):
        [hit] = self.run_busy(estate)
        hit_ok(hit)
        assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING
        assert hit.evidence["route_tables_missing_endpoint"] == {
            "s3": ["rtb-0priv"],
            "dynamodb": ["rtb-0priv"],
        }
        assert hit.evidence["data_processing_monthly_upper_bound"] == pytest.approx(
            round(100 * 0.045 * 730 / 720, 2)
        )
        assert "com.amazonaws.us-east-1.s3" in (hit.recommendation or "")
        assert hit.evidence["scenario"] == "vpc_endpoint_candidate"

    def test_only_the_missing_service_is_reported(self, estate):
        [hit] = self.run_busy(estate, [vpc_endpoint("vpce-0s3", "s3", route_tables=["rtb-0priv"])])
        assert list(hit.evidence["route_tables_missing_endpoint"]) == ["dynamodb"]

    def test_both_gateway_endpoints_on_its_tables_means_nothing_to_add(self, estate):
        endpoints = [
            vpc_endpoint("vpce-0s3", "s3", route_tables=["rtb-0priv"]),
            vpc_endpoint("vpce-0ddb", "dynamodb", route_tables=["rtb-0priv"]),
        ]
        assert self.run_busy(estate, endpoints) == []

    def test_endpoint_on_another_table_or_not_available_does_not_count(self, estate):
        endpoints = [
            vpc_endpoint("vpce-0s3", "s3", route_tables=["rtb-0other"]),
            vpc_endpoint("vpce-0ddb", "dynamodb", route_tables=["rtb-0priv"], state="pending"),
        ]
        [hit] = self.run_busy(estate, endpoints)
        assert set(hit.evidence["route_tables_missing_endpoint"]) == {"s3", "dynamodb"}

    def test_interface_endpoints_count(self, estate):
        endpoints = [
            vpc_endpoint("vpce-0s3", "s3", kind="Interface"),
            vpc_endpoint("vpce-0ddb", "dynamodb", kind="Interface"),
        ]
        assert self.run_busy(estate, endpoints) == []

    def test_downloads_count_toward_the_data_processed(self, estate):
        # BytesInFromDestination (responses, e.g. S3 GETs) is processed and billed like the requests
        # (docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway-cloudwatch.html)
        from cloudwaste.checks.aws.vpc import _bytes_queries

        up_q, down_q = _bytes_queries(30)
        assert (up_q.metric, down_q.metric) == ("BytesInFromSource", "BytesInFromDestination")
        metrics = metric_series(up_q, "nat-0a", [0.1e9] * 30) | metric_series(down_q, "nat-0a", [2e9] * 30)
        [hit] = estate.run(
            ENDPOINTS,
            ec2__nat_gateways=[estate.nat("nat-0a")],
            ec2__route_tables=[estate.route_table("rtb-0priv", nat_ids=["nat-0a"])],
            metrics=metrics,
        )
        assert hit.evidence["gb_over_window"] == pytest.approx(63.0)

    def test_china_interface_endpoint_service_name_counts(self, estate):
        # cn.com.amazonaws.cn-north-1.s3 is the S3 interface endpoint service in the China regions
        endpoints = [
            vpc_endpoint("vpce-0s3", "s3", kind="Interface"),
            vpc_endpoint("vpce-0ddb", "dynamodb", kind="Interface"),
        ]
        for e in endpoints:
            e["ServiceName"] = "cn." + e["ServiceName"].replace("us-east-1", "cn-north-1")
        nat = estate.nat("nat-0a")
        hits = estate.run(
            ENDPOINTS,
            region="cn-north-1",
            ec2__nat_gateways=[nat],
            ec2__route_tables=[estate.route_table("rtb-0priv", nat_ids=["nat-0a"])],
            ec2__vpc_endpoints=endpoints,
            metrics=bytes_series("nat-0a", lambda k: 4e9),
        )
        assert hits == []

    def test_traffic_boundary(self, estate):
        assert len(self.run_busy(estate, per_day=lambda k: 2e9 if k <= 25 else 0.0)) == 1
        assert self.run_busy(estate, per_day=lambda k: 2e9 if k <= 24 else 1.9e9 if k == 25 else 0.0) == []

    def test_no_traffic_data_is_unknown(self, estate):
        hits = estate.run(
            ENDPOINTS,
            ec2__nat_gateways=[estate.nat("nat-0a")],
            ec2__route_tables=[estate.route_table("rtb-0priv", nat_ids=["nat-0a"])],
        )
        assert hits == []


class TestOffHoursNatGateway:
    def working_hours(self, nat_id, inside, outside):
        from cloudwaste.checks.aws.vpc import _bytes_queries

        out_q, in_q = _bytes_queries(14)
        busy = lambda t: (inside if t.weekday() < 5 and 8 <= t.hour < 19 else outside) or None  # noqa: E731
        return series_by_time(out_q, nat_id, busy) | series_by_time(in_q, nat_id, busy)

    def test_working_hours_only_gateway_is_reported(self, estate, hit_ok):
        nat = estate.nat("nat-0dev")
        nat["Tags"] = [{"Key": "env", "Value": "dev"}]
        [hit] = estate.run(OFF_HOURS, ec2__nat_gateways=[nat], metrics=self.working_hours("nat-0dev", 1e8, 0))
        hit_ok(hit)
        share = 1 - 55 / 168
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == pytest.approx(round((NAT_MONTH + IPV4_MONTH) * share, 2), abs=0.02)
        assert hit.confidence is Confidence.MEDIUM and hit.evidence["scenario"] == "dev_test_unused_hours"

    def test_untagged_gateway_gets_low_confidence(self, estate):
        nat = estate.nat("nat-0a")
        [hit] = estate.run(OFF_HOURS, ec2__nat_gateways=[nat], metrics=self.working_hours("nat-0a", 1e8, 0))
        assert hit.confidence is Confidence.LOW

    def test_traffic_at_night_keeps_it(self, estate):
        nat = estate.nat("nat-0a")
        assert (
            estate.run(OFF_HOURS, ec2__nat_gateways=[nat], metrics=self.working_hours("nat-0a", 1e8, 1e8))
            == []
        )

    def test_no_data_is_unknown(self, estate):
        assert estate.run(OFF_HOURS, ec2__nat_gateways=[estate.nat("nat-0a")]) == []
