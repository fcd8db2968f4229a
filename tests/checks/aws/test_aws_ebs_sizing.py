"""aws.ebs.overprovisioned_volume, aws.ebs.io1_volume and aws.ebs.large_volume."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.checks.aws.conftest import metric_series

from cloudwaste.checks.aws.ebs_sizing import OverprovisionedParams, rightsizing_queries
from cloudwaste.checks.context import MetricKey, MetricSeries
from cloudwaste.model import Confidence, CostBasis, CostKind
from cloudwaste.pricing.book import PriceBook
from cloudwaste.providers.base import MemoSession

OVER = "aws.ebs.overprovisioned_volume"
IO1 = "aws.ebs.io1_volume"
LARGE = "aws.ebs.large_volume"
MIB = 1024**2


def usage(
    vid: str,
    iops: float,
    mibps: float,
    *,
    days: float = 30,
    peak_iops: float | None = None,
    peak_mibps: float | None = None,
    window: int = 30,
) -> dict[MetricKey, MetricSeries]:
    """Hourly Sums over ``days``: ``iops``/``mibps`` every hour (split between reads and writes), and one
    peak hour. Sums are counts per hour: IOPS x 3600 operations, MiB/s x 3600 x MiB bytes."""
    hours = int(days * 24)
    ops = [iops * 3600] * hours
    data = [mibps * MIB * 3600] * hours
    if peak_iops is not None:
        ops[hours // 2] = peak_iops * 3600
    if peak_mibps is not None:
        data[hours // 3] = peak_mibps * MIB * 3600
    read_ops, write_ops, read_bytes, write_bytes = rightsizing_queries(
        OverprovisionedParams(window_days=window)
    )
    series = metric_series(read_ops, vid, [v * 0.75 for v in ops])
    series |= metric_series(write_ops, vid, [v * 0.25 for v in ops])
    series |= metric_series(read_bytes, vid, [v * 0.5 for v in data])
    return series | metric_series(write_bytes, vid, [v * 0.5 for v in data])


def book(**prices: float) -> PriceBook:
    """A price book with only the given keys (every other key unknown)."""
    return PriceBook(
        "aws", "USD", "test", "2026-01-01", 730.0, {k: {"unit": "x", "default": v} for k, v in prices.items()}
    )


class TestOverprovisionedVolume:
    def run(self, estate: Any, vol: dict[str, Any], metrics: dict[MetricKey, MetricSeries], **params: Any):
        return estate.run(OVER, params=params, metrics=metrics, ec2__volumes=[vol])

    def test_no_volumes_no_hits(self, estate):
        assert estate.run(OVER) == []

    def test_lightly_used_io1_moves_to_gp3_and_reports_the_saving_not_the_full_cost(self, estate, hit_ok):
        vol = estate.volume("vol-0a", vtype="io1", size=100, iops=1000, attached_to=["i-0a"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 50, 2, peak_iops=200, peak_mibps=10))
        hit_ok(hit)
        assert hit.evidence["scenario"] == "volume_type_downgrade_opportunity"
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.amount == 69.5  # io1 $77.50 (100 x 0.125 + 1000 x 0.065) - gp3 $8.00
        assert hit.cost.basis is CostBasis.BUNDLED_PRICE
        assert hit.evidence["peak_iops"] == 200.0
        assert hit.evidence["peak_throughput_mibps"] == 10.0
        assert hit.evidence["target"] == {
            "volume_type": "gp3",
            "iops": 3000,
            "throughput_mibps": 125,
            "monthly": 8.0,
        }
        assert hit.confidence is Confidence.HIGH  # 3000 IOPS serve 3 x the 200 IOPS peak
        assert (hit.recommendation or "").endswith(
            "aws ec2 modify-volume --volume-id vol-0a --volume-type gp3 --iops 3000 --throughput 125"
        )
        json.dumps(hit.evidence)  # stored as JSON
        assert "200 IOPS" in hit.reason and "1000 provisioned IOPS" in hit.reason and "$69.50" in hit.reason

    def test_io2_moves_to_gp3_never_to_io1(self, estate):
        vol = estate.volume("vol-0a", vtype="io2", size=100, iops=1000, attached_to=["i-0a"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 50, 2))
        assert hit.evidence["scenario"] == "unnecessary_io2"
        assert hit.evidence["target"]["volume_type"] == "gp3"
        assert "io1" not in (hit.recommendation or "")

    def test_iops_are_per_second_not_per_day(self, estate):
        # nearly fully used: 3.96 million operations an hour is 1,100 IOPS (95 million a day); gp3's
        # free 3,000 IOPS still serve 1.5 x that, so the move to gp3 stands, with medium confidence
        vol = estate.volume("vol-0a", vtype="io1", size=100, iops=1200, attached_to=["i-0a"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 1100, 5))
        assert hit.evidence["peak_iops"] == 1100.0
        assert hit.confidence is Confidence.MEDIUM  # 3000 < 3 x 1100

    @pytest.mark.parametrize(
        ("peak", "expected"), [(999, Confidence.HIGH), (1000, Confidence.HIGH), (1001, Confidence.MEDIUM)]
    )
    def test_high_confidence_headroom_boundary(self, estate, peak, expected):
        vol = estate.volume("vol-0a", vtype="io1", size=100, iops=2000, attached_to=["i-0a"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 10, 1, peak_iops=peak))
        assert hit.confidence is expected

    @pytest.mark.parametrize(("peak", "target_type"), [(7999, "gp3"), (8000, "gp3"), (8001, "io1")])
    def test_gp3_iops_limit_boundary(self, estate, peak, target_type):
        # headroom 2: an 8,000 IOPS peak needs 16,000, gp3's limit; above it the volume keeps io1
        vol = estate.volume("vol-0a", vtype="io1", size=1000, iops=20000, attached_to=["i-0a"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 100, 10, peak_iops=peak), headroom=2.0)
        assert hit.evidence["target"]["volume_type"] == target_type
        if target_type == "io1":
            assert hit.evidence["scenario"] == "low_iops_usage"
            assert hit.evidence["target"]["iops"] == 16002
            assert hit.cost.amount == pytest.approx((20000 - 16002) * 0.065, abs=0.01)
        else:
            assert hit.evidence["target"]["iops"] == 2 * peak

    @pytest.mark.parametrize(("peak", "target_type"), [(500, "gp3"), (500.5, "io1")])
    def test_gp3_throughput_limit_boundary(self, estate, peak, target_type):
        vol = estate.volume("vol-0a", vtype="io1", size=1000, iops=20000, attached_to=["i-0a"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 100, 10, peak_mibps=peak), headroom=2.0)
        assert hit.evidence["target"]["volume_type"] == target_type
        if target_type == "gp3":  # 1,000 MiB/s needs 4,000 IOPS (0.25 MiB/s per IOPS)
            assert hit.evidence["target"]["throughput_mibps"] == 1000
            assert hit.evidence["target"]["iops"] == 4000

    def test_tiny_io1_whose_need_exceeds_gp3_iops_per_gib_keeps_io1(self, estate):
        # 8 GiB gp3 can have at most max(3000, 500 x 8) = 4000 IOPS; this one needs 4,500
        vol = estate.volume("vol-0a", vtype="io1", size=8, iops=400, attached_to=["i-0a"], age=90)
        vol["Iops"] = 6000
        [hit] = self.run(estate, vol, usage("vol-0a", 100, 1, peak_iops=3000))
        assert hit.evidence["target"]["volume_type"] == "io1"

    def test_io2_tagged_for_compliance_keeps_io2_with_fewer_iops(self, estate):
        vol = estate.volume(
            "vol-0a",
            vtype="io2",
            size=100,
            iops=1000,
            attached_to=["i-0a"],
            age=90,
            tags={"DataClass": "PCI-DSS"},
        )
        [hit] = self.run(estate, vol, usage("vol-0a", 50, 2, peak_iops=200, peak_mibps=10))
        assert hit.evidence["scenario"] == "low_iops_usage"
        assert hit.evidence["target"] == {
            "volume_type": "io2",
            "iops": 300,
            "throughput_mibps": None,
            "monthly": 32.0,
        }
        assert hit.cost.amount == 45.5  # 700 IOPS x $0.065
        assert (hit.recommendation or "").endswith("aws ec2 modify-volume --volume-id vol-0a --iops 300")

    def test_multi_attach_io2_never_moves_to_gp3(self, estate):
        vol = estate.volume("vol-0a", vtype="io2", size=100, iops=1000, attached_to=["i-0a", "i-0b"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 50, 2))
        assert vol["MultiAttachEnabled"] is True
        assert hit.evidence["target"]["volume_type"] == "io2"

    def test_gp3_extras_drop_to_the_free_baseline(self, estate):
        vol = estate.volume(
            "vol-0a", vtype="gp3", size=500, iops=10000, throughput=500, attached_to=["i-0a"], age=90
        )
        [hit] = self.run(estate, vol, usage("vol-0a", 300, 20, peak_iops=1000, peak_mibps=50))
        assert hit.evidence["scenarios"] == ["overprovisioned_iops", "overprovisioned_throughput"]
        assert hit.cost.amount == 50.0  # 7000 IOPS x $0.005 + 375 MiB/s x $0.04
        assert (hit.recommendation or "").endswith("--volume-id vol-0a --iops 3000 --throughput 125")

    def test_gp3_iops_lowered_part_way(self, estate):
        vol = estate.volume("vol-0a", vtype="gp3", size=500, iops=10000, attached_to=["i-0a"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 1000, 20, peak_iops=4000))
        assert hit.evidence["scenarios"] == ["low_iops_usage"]
        assert hit.evidence["target"]["iops"] == 6000
        assert hit.cost.amount == 20.0
        assert hit.confidence is Confidence.MEDIUM  # 6000 < 3 x 4000

    def test_gp3_throughput_lowered_part_way(self, estate):
        vol = estate.volume("vol-0a", vtype="gp3", size=500, throughput=500, attached_to=["i-0a"], age=90)
        [hit] = self.run(estate, vol, usage("vol-0a", 100, 20, peak_mibps=200))
        assert hit.evidence["scenarios"] == ["low_throughput_usage"]
        assert hit.evidence["target"]["throughput_mibps"] == 300
        assert hit.cost.amount == 8.0  # 200 MiB/s x $0.04

    def test_gp3_at_the_baseline_has_nothing_to_lower(self, estate):
        vol = estate.volume("vol-0a", vtype="gp3", attached_to=["i-0a"], age=90)
        assert self.run(estate, vol, usage("vol-0a", 1, 1)) == []

    def test_busy_volume_is_not_flagged(self, estate):
        vol = estate.volume("vol-0a", vtype="gp3", size=500, iops=6000, attached_to=["i-0a"], age=90)
        assert self.run(estate, vol, usage("vol-0a", 3000, 20, peak_iops=5500)) == []

    @pytest.mark.parametrize(
        ("drop", "flagged"),
        [((0,), True), ((2,), True), ((0, 1), False), ((2, 3), False), ((0, 1, 2, 3), False)],
    )
    def test_missing_series_are_unknown_never_idle(self, estate, drop, flagged):
        # reads alone or writes alone are data; no operation series or no byte series at all is unknown
        vol = estate.volume("vol-0a", vtype="io1", size=100, iops=1000, attached_to=["i-0a"], age=90)
        metrics = usage("vol-0a", 1, 1)
        queries = rightsizing_queries(OverprovisionedParams())
        for n in drop:
            metrics.pop(queries[n].key("vol-0a"))
        assert len(self.run(estate, vol, metrics)) == int(flagged)

    @pytest.mark.parametrize(("days", "flagged"), [(13, False), (14, True), (15, True)])
    def test_observed_span_boundary(self, estate, days, flagged):
        vol = estate.volume("vol-0a", vtype="io1", size=100, iops=1000, attached_to=["i-0a"], age=90)
        assert len(self.run(estate, vol, usage("vol-0a", 10, 1, days=days))) == int(flagged)

    @pytest.mark.parametrize(("iops", "flagged"), [(3100, False), (3200, True)])
    def test_minimum_saving_boundary(self, estate, iops, flagged):
        vol = estate.volume("vol-0a", vtype="gp3", size=50, iops=iops, attached_to=["i-0a"], age=90)
        hits = self.run(estate, vol, usage("vol-0a", 10, 1))
        assert len(hits) == int(flagged)  # $0.50 and $1.00 of IOPS above 3000

    def test_unattached_volume_is_not_judged(self, estate):
        vol = estate.volume("vol-0a", vtype="io1", size=100, iops=1000, age=90)
        assert self.run(estate, vol, usage("vol-0a", 1, 1)) == []

    def test_unknown_price_gives_an_unknown_saving_with_low_confidence(self, estate):
        vol = estate.volume("vol-0a", vtype="io1", size=100, iops=1000, attached_to=["i-0a"], age=90)
        prices = book(**{"ebs.io1.gb_month": 0.125, "ebs.io1.iops_month": 0.065})
        [hit] = estate.run(OVER, prices=prices, metrics=usage("vol-0a", 1, 1), ec2__volumes=[vol])
        assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING
        assert hit.confidence is Confidence.LOW

    def test_queries_are_hourly_sums_and_skip_types_with_nothing_provisioned(self):
        queries = rightsizing_queries(OverprovisionedParams())
        assert [q.metric for q in queries] == [
            "VolumeReadOps",
            "VolumeWriteOps",
            "VolumeReadBytes",
            "VolumeWriteBytes",
        ]
        assert {(q.stat, q.period_s, q.days, q.state_field) for q in queries} == {
            ("Sum", 3600, 30, "VolumeType")
        }

        class Session(MemoSession):
            asked: list[MetricKey] = []

            def fetch_metrics(self, keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
                self.asked.extend(keys)
                return {}

        vols = [
            {"VolumeId": "vol-gp2", "VolumeType": "gp2", "State": "in-use"},
            {"VolumeId": "vol-st1", "VolumeType": "st1", "State": "in-use"},
            {"VolumeId": "vol-io2", "VolumeType": "io2", "State": "in-use"},
            {"VolumeId": "vol-gp3", "VolumeType": "gp3", "State": "in-use"},
        ]
        session = Session(queries)
        session.collectors["ec2:volumes"] = lambda: vols
        session.metric(queries[0].key("vol-io2"))
        assert sorted({k.value for k in session.asked}) == ["vol-gp3", "vol-io2"]
        assert len(session.asked) == 8  # one batched read: 4 metrics x 2 volumes


class TestIo1Volume:
    def test_io1_is_flagged_at_the_same_price_for_durability(self, estate, hit_ok):
        vol = estate.volume("vol-0a", vtype="io1", size=100, iops=1000, attached_to=["i-0a"])
        [hit] = estate.run(IO1, ec2__volumes=[vol])
        hit_ok(hit)
        assert hit.cost.amount == 0.0 and hit.cost.kind is CostKind.SAVING  # a known zero
        assert hit.cost.basis is CostBasis.BUNDLED_PRICE
        assert hit.confidence is Confidence.HIGH
        assert "the same price" in hit.reason and "99.999 %" in hit.reason
        assert (hit.recommendation or "").endswith("--volume-id vol-0a --volume-type io2")

    def test_io2_tiers_make_large_iops_cheaper(self, estate):
        vol = estate.volume("vol-0a", vtype="io1", size=1000, iops=50000, attached_to=["i-0a"])
        [hit] = estate.run(IO1, ec2__volumes=[vol])
        # 18,000 IOPS above 32,000: $0.065 - $0.0455 each
        assert hit.cost.amount == pytest.approx(18000 * (0.065 - 0.0455), abs=0.01)
        assert "a month less" in hit.reason

    @pytest.mark.parametrize("vtype", ["io2", "gp3", "gp2"])
    def test_other_types_are_not_flagged(self, estate, vtype):
        assert (
            estate.run(IO1, ec2__volumes=[estate.volume("vol-0a", vtype=vtype, attached_to=["i-0a"])]) == []
        )

    def test_unattached_io1_is_left_to_the_unattached_check(self, estate):
        assert estate.run(IO1, ec2__volumes=[estate.volume("vol-0a", vtype="io1", age=90)]) == []

    def test_multi_attach_io1_is_skipped(self, estate):
        vol = estate.volume("vol-0a", vtype="io1", attached_to=["i-0a", "i-0b"])
        assert estate.run(IO1, ec2__volumes=[vol]) == []

    def test_age_boundary(self, estate):
        at = estate.volume("vol-0at", vtype="io1", age=7, attached_to=["i-0a"])
        below = estate.volume("vol-0below", vtype="io1", age=6, attached_to=["i-0a"])
        assert [h.resource.id for h in estate.run(IO1, ec2__volumes=[at, below])] == ["vol-0at"]

    def test_unknown_io2_price_is_an_unknown_saving(self, estate):
        vol = estate.volume("vol-0a", vtype="io1", attached_to=["i-0a"])
        prices = book(**{"ebs.io1.gb_month": 0.125, "ebs.io1.iops_month": 0.065})
        [hit] = estate.run(IO1, prices=prices, ec2__volumes=[vol])
        assert hit.cost.amount is None and hit.confidence is Confidence.LOW


class TestLargeVolume:
    @pytest.mark.parametrize(("size", "flagged"), [(1023, False), (1024, True), (2000, True)])
    def test_size_boundary(self, estate, size, flagged):
        vol = estate.volume("vol-0a", size=size, attached_to=["i-0a"])
        assert len(estate.run(LARGE, ec2__volumes=[vol])) == int(flagged)

    def test_review_prompt_has_an_unknown_saving_and_the_volume_cost_in_evidence(self, estate, hit_ok):
        vol = estate.volume("vol-0a", size=2000, attached_to=["i-0a"])
        [hit] = estate.run(LARGE, ec2__volumes=[vol])
        hit_ok(hit)
        assert hit.cost.amount is None and hit.cost.kind is CostKind.SAVING
        assert hit.evidence["volume_monthly"] == 160.0
        assert hit.confidence is Confidence.LOW
        assert "$160.00" in hit.reason and "i-0a" in (hit.recommendation or "")

    def test_unattached_large_volume_is_left_to_the_unattached_check(self, estate):
        assert estate.run(LARGE, ec2__volumes=[estate.volume("vol-0a", size=4000)]) == []
