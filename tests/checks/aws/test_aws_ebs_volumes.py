"""aws.ebs.unattached_volume, aws.ebs.idle_volume, aws.ebs.volume_on_stopped_instance, aws.ebs.gp2_volume."""

from __future__ import annotations

import json

import pytest
from tests.checks.aws.conftest import data_volume
from tests.checks.aws.conftest import volume_io as io

from cloudwaste.model import Confidence, CostBasis, CostKind
from cloudwaste.pricing.book import PriceBook

UNATTACHED = "aws.ebs.unattached_volume"
IDLE = "aws.ebs.idle_volume"
ON_STOPPED = "aws.ebs.volume_on_stopped_instance"
GP2 = "aws.ebs.gp2_volume"


def small_book(**prices: float) -> PriceBook:
    """A price book with only the given GB-month prices (every other key unknown)."""
    return PriceBook(
        "aws",
        "USD",
        "test",
        "2026-01-01",
        730.0,
        {key: {"unit": "GB-month", "default": amount} for key, amount in prices.items()},
    )


# --- aws.ebs.unattached_volume -------------------------------------------------------------------


class TestUnattachedVolume:
    def test_no_volumes_no_hits(self, estate):
        assert estate.run(UNATTACHED) == []

    def test_old_available_volume_is_flagged_with_its_full_cost(self, estate, hit_ok):
        vol = estate.volume("vol-0a1", size=100, vtype="gp3", age=45, tags={"Name": "old-data"})
        [hit] = estate.run(UNATTACHED, ec2__volumes=[vol])
        hit_ok(hit)
        assert hit.resource.id == "vol-0a1"
        assert hit.resource.arn == "arn:aws:ec2:us-east-1:123456789012:volume/vol-0a1"
        assert hit.resource.name == "old-data"
        assert hit.resource.type == "ebs_volume"
        assert hit.resource.created_at == estate.ago(45)
        assert hit.cost.amount == 8.0
        assert hit.cost.kind is CostKind.COST
        assert hit.cost.basis is CostBasis.BUNDLED_PRICE
        assert hit.confidence is Confidence.HIGH
        assert hit.evidence["age_days"] == 45.0
        assert hit.evidence["state"] == "available"
        assert "vol-0a1 (100 GiB gp3)" in hit.reason and "45 days" in hit.reason

    def test_attached_volume_is_not_flagged(self, estate):
        vol = estate.volume("vol-0a1", attached_to=["i-0a"], age=400)
        assert estate.run(UNATTACHED, ec2__volumes=[vol]) == []

    def test_exactly_min_age_is_flagged(self, estate):
        vol = estate.volume("vol-0a1", age=7)
        [hit] = estate.run(UNATTACHED, ec2__volumes=[vol])
        assert hit.confidence is Confidence.MEDIUM  # between 7 and 30 days: the review band

    @pytest.mark.parametrize("age", [6, 6.96])  # one day, and one hour, below the 7-day default
    def test_younger_than_min_age_is_not_flagged(self, estate, age):
        assert estate.run(UNATTACHED, ec2__volumes=[estate.volume("vol-0a1", age=age)]) == []

    def test_min_age_parameter_is_honoured(self, estate):
        vol = estate.volume("vol-0a1", age=1)
        assert len(estate.run(UNATTACHED, params={"min_age_days": 0}, ec2__volumes=[vol])) == 1

    @pytest.mark.parametrize("state", ["creating", "deleting", "error"])
    def test_volumes_in_transition_are_not_flagged(self, estate, state):
        vol = estate.volume("vol-0a1", age=90, state=state)
        assert estate.run(UNATTACHED, ec2__volumes=[vol]) == []

    def test_kubernetes_pvc_volume_gets_medium_confidence_at_most(self, estate):
        vol = estate.volume("vol-0a1", age=200, tags={"kubernetes.io/created-for/pvc/name": "data-db-0"})
        [hit] = estate.run(UNATTACHED, ec2__volumes=[vol])
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["kubernetes_pvc"] == "data-db-0"

    def test_gp3_cost_includes_iops_and_throughput_above_the_baseline(self, estate):
        vol = estate.volume("vol-0a1", size=100, vtype="gp3", iops=6000, throughput=250)
        [hit] = estate.run(UNATTACHED, ec2__volumes=[vol])
        # 100 GiB x $0.08 + 3000 IOPS x $0.005 + 125 MiB/s x $0.04
        assert hit.cost.amount == 28.0
        assert "IOPS above 3000" in (hit.cost.detail or "") and "MiB/s above 125" in (hit.cost.detail or "")

    def test_io1_cost_includes_every_provisioned_iops(self, estate):
        vol = estate.volume("vol-0a1", size=100, vtype="io1", iops=1000)
        [hit] = estate.run(UNATTACHED, ec2__volumes=[vol])
        assert hit.cost.amount == 77.5  # 100 x 0.125 + 1000 x 0.065

    def test_io2_iops_are_priced_in_tiers(self, estate):
        vol = estate.volume("vol-0a1", size=500, vtype="io2", iops=70000)
        [hit] = estate.run(UNATTACHED, ec2__volumes=[vol])
        # 500 x 0.125 + 32000 x 0.065 + 32000 x 0.0455 + 6000 x 0.032
        assert hit.cost.amount == pytest.approx(62.5 + 2080 + 1456 + 192)

    def test_unlisted_region_uses_the_default_price_as_an_estimate(self, estate):
        vol = estate.volume("vol-0a1", size=100, vtype="gp3")
        [hit] = estate.run(UNATTACHED, region="ap-south-1", ec2__volumes=[vol])
        assert hit.cost.amount == 8.0
        assert hit.cost.basis is CostBasis.ESTIMATE
        assert hit.resource.arn == "arn:aws:ec2:ap-south-1:123456789012:volume/vol-0a1"

    def test_regional_price_is_used_where_listed(self, estate):
        vol = estate.volume("vol-0a1", size=100, vtype="gp2")
        [hit] = estate.run(UNATTACHED, region="eu-west-1", ec2__volumes=[vol])
        assert hit.cost.amount == 11.0
        assert hit.cost.basis is CostBasis.BUNDLED_PRICE

    def test_unknown_price_gives_unknown_cost_never_zero(self, estate):
        vol = estate.volume("vol-0a1", size=100, vtype="gp3")
        [hit] = estate.run(UNATTACHED, prices=small_book(**{"ebs.gp2.gb_month": 0.1}), ec2__volumes=[vol])
        assert hit.cost.amount is None
        assert "ebs.gp3.gb_month" in (hit.cost.detail or "")

    def test_several_volumes(self, estate):
        vols = [
            estate.volume("vol-0a1", age=10),
            estate.volume("vol-0a2", age=3),
            estate.volume("vol-0a3", attached_to=["i-0a"]),
            estate.volume("vol-0a4", size=500, vtype="st1", age=100),
        ]
        hits = estate.run(UNATTACHED, ec2__volumes=vols)
        assert [h.resource.id for h in hits] == ["vol-0a1", "vol-0a4"]
        assert hits[1].cost.amount == 22.5  # 500 x 0.045


class TestUnattachedVolumeHistory:
    """The I/O history (CloudWatch reports a volume's operations only while it is attached)."""

    def test_no_datapoints_is_the_unattached_variant_with_unknown_history(self, estate):
        [hit] = estate.run(UNATTACHED, ec2__volumes=[estate.volume("vol-0a1", age=45)])
        assert hit.evidence["scenario"] == "unattached"
        assert hit.evidence["io_history"].startswith("unknown")
        assert hit.evidence["detached_days_at_least"] == 45.0
        assert hit.evidence["snapshot_to_keep_monthly_at_most"] == 5.0  # 100 GiB x $0.05, upper bound

    def test_never_used_volume_detached_ten_days_ago(self, estate, hit_ok):
        vol = estate.volume("vol-0a1", age=40)
        metrics = io("vol-0a1", [0] * 30, ending_days_ago=10)
        [hit] = estate.run(UNATTACHED, metrics=metrics, ec2__volumes=[vol])
        hit_ok(hit)
        assert hit.evidence["scenario"] == "never_used"
        assert hit.evidence["detached_days_at_least"] == 10.0
        assert hit.confidence is Confidence.MEDIUM  # detached under 30 days: the review band
        assert "last saw it attached 10 days ago" in hit.reason
        assert "no I/O since it was created 40 days ago" in hit.reason
        assert hit.evidence["activity"]["datapoints"] == 30
        json.dumps(hit.evidence)  # stored as JSON

    def test_recently_abandoned_volume(self, estate):
        vol = estate.volume("vol-0a1", age=200)
        metrics = io("vol-0a1", [0] * 5 + [40] * 15, ending_days_ago=12)
        [hit] = estate.run(UNATTACHED, metrics=metrics, ec2__volumes=[vol])
        assert hit.evidence["scenario"] == "recently_abandoned"
        assert hit.evidence["io_idle_days"] == 12.0
        assert hit.confidence is Confidence.MEDIUM
        assert "its last I/O was 12 days ago" in hit.reason

    def test_long_abandoned_volume(self, estate):
        vol = estate.volume("vol-0a1", age=200)
        metrics = io("vol-0a1", [100] * 10, [3] * 10, ending_days_ago=45)
        [hit] = estate.run(UNATTACHED, metrics=metrics, ec2__volumes=[vol])
        assert hit.evidence["scenario"] == "long_abandoned"
        assert hit.confidence is Confidence.HIGH
        assert hit.evidence["activity"]["operations_total"] == 1030.0

    def test_writes_alone_are_activity(self, estate):
        vol = estate.volume("vol-0a1", age=200)
        metrics = io("vol-0a1", [0] * 10, [0] * 9 + [7], ending_days_ago=20)
        [hit] = estate.run(UNATTACHED, metrics=metrics, ec2__volumes=[vol])
        assert hit.evidence["scenario"] == "recently_abandoned"

    def test_old_volume_with_no_io_in_the_window_is_long_abandoned(self, estate):
        vol = estate.volume("vol-0a1", age=300)
        metrics = io("vol-0a1", [0] * 50, ending_days_ago=40)
        [hit] = estate.run(UNATTACHED, metrics=metrics, ec2__volumes=[vol])
        assert hit.evidence["scenario"] == "long_abandoned"
        assert "did no I/O in the last 90 days" in hit.reason

    def test_volume_seen_attached_three_days_ago_is_not_flagged_however_old(self, estate):
        # the original's "recently active" skip: age alone would give a high-confidence finding
        vol = estate.volume("vol-0a1", age=300)
        metrics = io("vol-0a1", [900] * 60, ending_days_ago=3)
        assert estate.run(UNATTACHED, metrics=metrics, ec2__volumes=[vol]) == []

    @pytest.mark.parametrize(
        ("detached", "expected"),
        [
            (6.9, None),
            (7, Confidence.MEDIUM),
            (29, Confidence.MEDIUM),
            (30, Confidence.HIGH),
            (31, Confidence.HIGH),
        ],
    )
    def test_detach_time_boundaries(self, estate, detached, expected):
        vol = estate.volume("vol-0a1", age=300)
        metrics = io("vol-0a1", [5] * 20, ending_days_ago=detached)
        hits = estate.run(UNATTACHED, metrics=metrics, ec2__volumes=[vol])
        assert [h.confidence for h in hits] == ([expected] if expected else [])

    def test_window_parameter_changes_the_queries(self, estate):
        from cloudwaste.checks.registry import get_check

        spec = get_check(UNATTACHED)
        [read, write] = spec.metrics(spec.params(window_days=30))  # type: ignore[misc]
        assert (read.metric, write.metric) == ("VolumeReadOps", "VolumeWriteOps")
        assert (read.stat, read.period_s, read.days, read.namespace) == ("Sum", 86400, 30, "AWS/EBS")


# --- aws.ebs.idle_volume -------------------------------------------------------------------------


class TestIdleVolume:
    @pytest.fixture
    def inst(self, estate):
        return estate.instance("i-0a", volumes=["vol-0root"], launched_days=200)

    def run(self, estate, inst, vol, metrics, **params):
        return estate.run(IDLE, params=params, metrics=metrics, ec2__instances=[inst], ec2__volumes=[vol])

    def test_no_volumes_no_hits(self, estate):
        assert estate.run(IDLE) == []

    def test_quiet_data_volume_is_flagged_with_its_full_cost(self, estate, inst, hit_ok):
        vol = data_volume(estate, "vol-0d", age=100, size=200, vtype="gp3")
        [hit] = self.run(estate, inst, vol, io("vol-0d", [500] * 10 + [0] * 40))
        hit_ok(hit)
        assert hit.evidence["scenario"] == "attached_idle"
        assert hit.evidence["idle_days"] == 40
        assert hit.cost.amount == 16.0 and hit.cost.kind is CostKind.COST
        assert hit.confidence is Confidence.MEDIUM
        assert "i-0a" in hit.reason and "40 days" in hit.reason
        assert hit.evidence["activity"]["last_activity"] == estate.ago(40).isoformat()
        assert "aws ec2 detach-volume --volume-id vol-0d" in (hit.recommendation or "")
        json.dumps(hit.evidence)

    @pytest.mark.parametrize(
        ("quiet", "expected"),
        [
            (29, None),
            (30, Confidence.MEDIUM),
            (31, Confidence.MEDIUM),
            (59, Confidence.MEDIUM),
            (60, Confidence.HIGH),
        ],
    )
    def test_quiet_day_boundaries(self, estate, inst, quiet, expected):
        vol = data_volume(estate, "vol-0d", age=120)
        hits = self.run(estate, inst, vol, io("vol-0d", [800] * (90 - quiet) + [0] * quiet))
        assert [h.confidence for h in hits] == ([expected] if expected else [])

    def test_never_used_since_creation(self, estate, inst):
        vol = data_volume(estate, "vol-0d", age=45)
        [hit] = self.run(estate, inst, vol, io("vol-0d", [0] * 45))
        assert hit.evidence["scenario"] == "attached_never_used"
        assert "since it was created 45 days ago" in hit.reason

    @pytest.mark.parametrize(("ops", "flagged"), [(100, True), (101, False)])
    def test_daily_operation_threshold_boundary(self, estate, inst, ops, flagged):
        # a day is quiet at 100 operations (about 0.001 IOPS), active above
        vol = data_volume(estate, "vol-0d", age=120)
        hits = self.run(estate, inst, vol, io("vol-0d", [5000] * 50 + [ops] + [0] * 29))
        assert len(hits) == int(flagged)

    def test_root_volume_is_left_to_the_instance_checks(self, estate, inst):
        root = estate.volume("vol-0root", attached_to=["i-0a"], age=100)  # /dev/xvda = RootDeviceName
        assert self.run(estate, inst, root, io("vol-0root", [0] * 60)) == []

    def test_volume_of_a_stopped_instance_is_left_to_the_stopped_check(self, estate):
        inst = estate.instance("i-0a", stopped_days=60)
        vol = data_volume(estate, "vol-0d", age=100)
        assert self.run(estate, inst, vol, io("vol-0d", [0] * 60)) == []

    def test_instance_missing_from_describe_instances_is_not_guessed(self, estate):
        vol = data_volume(estate, "vol-0d", instance="i-0gone", age=100)
        assert estate.run(IDLE, metrics=io("vol-0d", [0] * 60), ec2__volumes=[vol]) == []

    def test_no_datapoints_is_unknown_never_idle(self, estate, inst):
        vol = data_volume(estate, "vol-0d", age=100)
        assert self.run(estate, inst, vol, {}) == []

    def test_a_volume_not_reporting_now_is_unknown(self, estate, inst):
        vol = data_volume(estate, "vol-0d", age=100)
        assert self.run(estate, inst, vol, io("vol-0d", [0] * 60, ending_days_ago=5)) == []

    def test_only_reported_days_count_as_quiet(self, estate, inst):
        # a Xen instance reports nothing on quiet days: 20 reported zero days in 90 are not 90 idle days
        vol = data_volume(estate, "vol-0d", age=120)
        assert self.run(estate, inst, vol, io("vol-0d", [0] * 20)) == []

    def test_volume_reporting_only_active_days_is_not_idle(self, estate, inst):
        vol = data_volume(estate, "vol-0d", age=120)
        assert self.run(estate, inst, vol, io("vol-0d", [300] * 60)) == []

    def test_service_managed_volume_is_skipped(self, estate, inst):
        vol = data_volume(estate, "vol-0d", age=100)
        vol["Operator"] = {"Managed": True, "Principal": "eks.amazonaws.com"}
        assert self.run(estate, inst, vol, io("vol-0d", [0] * 60)) == []

    def test_unattached_and_idle_share_one_set_of_queries(self):
        from cloudwaste.checks.registry import get_check

        unattached, idle = get_check(UNATTACHED), get_check(IDLE)
        assert unattached.metrics and idle.metrics
        assert unattached.metrics(unattached.params()) == idle.metrics(idle.params())


# --- aws.ebs.volume_on_stopped_instance ----------------------------------------------------------


class TestVolumeOnStoppedInstance:
    def test_no_resources_no_hits(self, estate):
        assert estate.run(ON_STOPPED) == []

    def test_volume_of_long_stopped_instance_is_flagged(self, estate, hit_ok):
        inst = estate.instance("i-0a", stopped_days=45, volumes=["vol-0a1"])
        vol = estate.volume("vol-0a1", size=50, vtype="gp2", attached_to=["i-0a"], age=400)
        [hit] = estate.run(ON_STOPPED, ec2__instances=[inst], ec2__volumes=[vol])
        hit_ok(hit)
        assert hit.cost.amount == 5.0
        assert hit.cost.kind is CostKind.COST
        assert hit.confidence is Confidence.MEDIUM
        assert hit.evidence["stopped_days"] == 45.0
        assert hit.evidence["instances"][0]["instance_id"] == "i-0a"
        assert hit.evidence["instances"][0]["delete_on_termination"] is True
        assert "i-0a" in hit.reason and "45 days" in hit.reason
        assert hit.evidence["scenario"] == "volume_on_stopped_instance"

    def test_stopped_for_a_quarter_gives_high_confidence(self, estate):
        inst = estate.instance("i-0a", stopped_days=100)
        vol = estate.volume("vol-0a1", attached_to=["i-0a"])
        [hit] = estate.run(ON_STOPPED, ec2__instances=[inst], ec2__volumes=[vol])
        assert hit.confidence is Confidence.HIGH

    def test_volume_of_running_instance_is_not_flagged(self, estate):
        inst = estate.instance("i-0a", state="running", launched_days=900)
        vol = estate.volume("vol-0a1", attached_to=["i-0a"])
        assert estate.run(ON_STOPPED, ec2__instances=[inst], ec2__volumes=[vol]) == []

    def test_exactly_min_stopped_days_is_flagged(self, estate):
        inst = estate.instance("i-0a", stopped_days=30)
        vol = estate.volume("vol-0a1", attached_to=["i-0a"])
        assert len(estate.run(ON_STOPPED, ec2__instances=[inst], ec2__volumes=[vol])) == 1

    def test_one_day_below_min_stopped_days_is_not_flagged(self, estate):
        inst = estate.instance("i-0a", stopped_days=29)
        vol = estate.volume("vol-0a1", attached_to=["i-0a"])
        assert estate.run(ON_STOPPED, ec2__instances=[inst], ec2__volumes=[vol]) == []

    @pytest.mark.parametrize(
        "reason", ["Server.ScheduledStop: Stopped due to scheduled retirement", "User initiated", ""]
    )
    def test_unknown_stop_date_is_never_guessed_from_launch_time(self, estate, reason):
        inst = estate.instance("i-0a", state="stopped", reason=reason, launched_days=900)
        vol = estate.volume("vol-0a1", attached_to=["i-0a"])
        assert estate.run(ON_STOPPED, ec2__instances=[inst], ec2__volumes=[vol]) == []

    def test_moto_utc_stop_reason_is_parsed(self, estate):
        when = estate.ago(40).strftime("%Y-%m-%d %H:%M:%S")
        inst = estate.instance("i-0a", state="stopped", reason=f"User initiated ({when} UTC)")
        vol = estate.volume("vol-0a1", attached_to=["i-0a"])
        [hit] = estate.run(ON_STOPPED, ec2__instances=[inst], ec2__volumes=[vol])
        assert hit.evidence["stopped_days"] == 40.0

    def test_multi_attach_volume_with_a_running_instance_is_not_flagged(self, estate):
        stopped = estate.instance("i-0a", stopped_days=60)
        running = estate.instance("i-0b", state="running")
        vol = estate.volume("vol-0a1", vtype="io2", attached_to=["i-0a", "i-0b"])
        assert estate.run(ON_STOPPED, ec2__instances=[stopped, running], ec2__volumes=[vol]) == []

    def test_multi_attach_volume_counts_the_most_recent_stop(self, estate):
        a, b = estate.instance("i-0a", stopped_days=60), estate.instance("i-0b", stopped_days=35)
        vol = estate.volume("vol-0a1", vtype="io2", attached_to=["i-0a", "i-0b"])
        [hit] = estate.run(ON_STOPPED, ec2__instances=[a, b], ec2__volumes=[vol])
        assert hit.evidence["stopped_days"] == 35.0
        assert "instances i-0a, i-0b" in hit.reason

    def test_instance_missing_from_describe_instances_is_not_guessed(self, estate):
        vol = estate.volume("vol-0a1", attached_to=["i-0gone"])
        assert estate.run(ON_STOPPED, ec2__volumes=[vol]) == []

    def test_auto_scaling_warm_pool_instance_is_skipped(self, estate):
        inst = estate.instance("i-0a", stopped_days=90, tags={"aws:autoscaling:groupName": "web"})
        vol = estate.volume("vol-0a1", attached_to=["i-0a"])
        assert estate.run(ON_STOPPED, ec2__instances=[inst], ec2__volumes=[vol]) == []

    def test_several_volumes(self, estate):
        instances = [estate.instance("i-0a", stopped_days=50), estate.instance("i-0b", state="running")]
        vols = [
            estate.volume("vol-0a1", attached_to=["i-0a"]),
            estate.volume("vol-0a2", size=20, attached_to=["i-0a"]),
            estate.volume("vol-0b1", attached_to=["i-0b"]),
            estate.volume("vol-0c1"),
        ]
        hits = estate.run(ON_STOPPED, ec2__instances=instances, ec2__volumes=vols)
        assert [h.resource.id for h in hits] == ["vol-0a1", "vol-0a2"]
        assert [h.cost.amount for h in hits] == [8.0, 1.6]


# --- aws.ebs.gp2_volume --------------------------------------------------------------------------


class TestGp2Volume:
    def test_no_volumes_no_hits(self, estate):
        assert estate.run(GP2) == []

    def test_attached_gp2_is_flagged_with_the_gp3_saving(self, estate, hit_ok):
        vol = estate.volume("vol-0a1", size=100, vtype="gp2", attached_to=["i-0a"], age=30)
        [hit] = estate.run(GP2, ec2__volumes=[vol])
        hit_ok(hit)
        assert hit.cost.amount == 2.0  # 100 x (0.10 - 0.08)
        assert hit.cost.kind is CostKind.SAVING
        assert hit.cost.basis is CostBasis.BUNDLED_PRICE
        assert hit.confidence is Confidence.HIGH
        assert hit.recommendation is not None
        assert hit.recommendation.endswith("aws ec2 modify-volume --volume-id vol-0a1 --volume-type gp3")
        assert "$2.00" in hit.reason
        assert hit.evidence["scenario"] == "gp2_migration_opportunity"

    def test_gp3_volume_is_not_flagged(self, estate):
        vol = estate.volume("vol-0a1", vtype="gp3", attached_to=["i-0a"])
        assert estate.run(GP2, ec2__volumes=[vol]) == []

    def test_unattached_gp2_is_flagged_beside_its_unattached_finding(self, estate):
        vol = estate.volume("vol-0a1", vtype="gp2", age=60)
        [saving] = estate.run(GP2, ec2__volumes=[vol])
        [full] = estate.run(UNATTACHED, ec2__volumes=[vol])
        assert saving.resource.id == full.resource.id == "vol-0a1"  # one resource: totals count it once
        assert (saving.cost.kind, full.cost.kind) == (CostKind.SAVING, CostKind.COST)

    @pytest.mark.parametrize("state", ["creating", "deleting", "error"])
    def test_gp2_in_transition_is_not_flagged(self, estate, state):
        vol = estate.volume("vol-0a1", vtype="gp2", age=60, state=state)
        assert estate.run(GP2, ec2__volumes=[vol]) == []

    def test_every_size_is_flagged_by_default(self, estate):
        vol = estate.volume("vol-0a1", size=1, vtype="gp2", attached_to=["i-0a"])
        [hit] = estate.run(GP2, ec2__volumes=[vol])
        assert hit.cost.amount == 0.02

    def test_min_size_boundary(self, estate):
        at = estate.volume("vol-0a1", size=100, vtype="gp2", attached_to=["i-0a"])
        below = estate.volume("vol-0a2", size=99, vtype="gp2", attached_to=["i-0a"])
        hits = estate.run(GP2, params={"min_size_gb": 100}, ec2__volumes=[at, below])
        assert [h.resource.id for h in hits] == ["vol-0a1"]

    def test_min_age_boundary(self, estate):
        at = estate.volume("vol-0a1", vtype="gp2", attached_to=["i-0a"], age=7)
        below = estate.volume("vol-0a2", vtype="gp2", attached_to=["i-0a"], age=6)
        assert [h.resource.id for h in estate.run(GP2, ec2__volumes=[at, below])] == ["vol-0a1"]

    def test_large_gp2_saving_subtracts_the_gp3_iops_and_throughput_it_needs(self, estate):
        vol = estate.volume("vol-0a1", size=2000, vtype="gp2", attached_to=["i-0a"])
        [hit] = estate.run(GP2, ec2__volumes=[vol])
        # 2000 x 0.02 - (6000 - 3000) IOPS x 0.005 - (250 - 125) MiB/s x 0.04
        assert hit.cost.amount == 20.0
        assert hit.evidence["gp3_iops"] == 6000 and hit.evidence["gp3_throughput_mibps"] == 250
        assert hit.recommendation is not None
        assert hit.recommendation.endswith("--volume-type gp3 --iops 6000 --throughput 250")

    def test_mid_size_gp2_needs_throughput_only(self, estate):
        vol = estate.volume("vol-0a1", size=500, vtype="gp2", attached_to=["i-0a"])
        [hit] = estate.run(GP2, ec2__volumes=[vol])
        assert hit.cost.amount == 5.0  # 500 x 0.02 - 125 x 0.04; 1500 IOPS fit in gp3's 3000
        [plain] = estate.run(GP2, params={"match_throughput": False}, ec2__volumes=[vol])
        assert plain.cost.amount == 10.0

    def test_no_saving_means_no_finding(self, estate):
        book = small_book(**{"ebs.gp2.gb_month": 0.08, "ebs.gp3.gb_month": 0.08})
        vol = estate.volume("vol-0a1", size=100, vtype="gp2", attached_to=["i-0a"])
        assert estate.run(GP2, prices=book, ec2__volumes=[vol]) == []

    def test_unknown_saving_is_flagged_with_low_confidence(self, estate):
        book = small_book(**{"ebs.gp2.gb_month": 0.10})
        vol = estate.volume("vol-0a1", size=100, vtype="gp2", attached_to=["i-0a"])
        [hit] = estate.run(GP2, prices=book, ec2__volumes=[vol])
        assert hit.cost.amount is None
        assert hit.cost.kind is CostKind.SAVING
        assert hit.confidence is Confidence.LOW
        assert hit.reason.endswith(".")

    def test_several_volumes(self, estate):
        vols = [
            estate.volume("vol-0a1", size=10, vtype="gp2", attached_to=["i-0a"]),
            estate.volume("vol-0a2", size=10, vtype="gp3", attached_to=["i-0a"]),
            estate.volume("vol-0a3", size=300, vtype="gp2", attached_to=["i-0b"]),
        ]
        hits = estate.run(GP2, ec2__volumes=vols)
        assert [(h.resource.id, h.cost.amount) for h in hits] == [("vol-0a1", 0.2), ("vol-0a3", 6.0)]
