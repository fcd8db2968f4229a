"""One implementation of what the AWS checks share: snapshot pricing, load balancer params, time handling."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import pytest

from cloudwaste.checks.aws import _common, ami, ebs, ec2, elb, vpc
from cloudwaste.checks.context import CheckContext
from cloudwaste.checks.registry import get_check

MODULES = (_common, ami, ebs, ec2, elb, vpc)
NOW = datetime(2026, 11, 30, tzinfo=UTC)


def test_snapshot_pricing_lives_once_in_common():
    assert ami.snapshot_cost is _common.snapshot_cost
    assert ebs.snapshot_cost is _common.snapshot_cost
    for module in (ami, ebs):
        assert not hasattr(module, "_snapshot_cost"), module.__name__


def test_snapshot_cost_prices_a_listed_snapshot_or_an_ami_block_device(estate):
    ctx = CheckContext.static({}, now=NOW)
    snap = estate.snapshot("snap-0a", size=100, full_bytes=10 * 1024**3, tier="archive")
    assert _common.snapshot_cost(ctx, snap).amount == 0.12  # 10 GiB written x $0.0125 archive
    assert _common.snapshot_cost(ctx, {}, 8).amount == 0.4  # an AMI's block device not listed: 8 GiB standard


def test_load_balancer_checks_share_one_params_model():
    models = {
        get_check(f"aws.elb.{name}").params
        for name in ("alb_no_targets", "nlb_no_targets", "clb_no_instances")
    }
    assert models == {elb.LbAgeParams}
    assert not hasattr(elb, "NoTargetsParams") and not hasattr(elb, "ClassicParams")


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_ages_go_through_context_age_days_only(module):
    source = inspect.getsource(module)
    assert "parse_time" not in source
    assert "fromisoformat" not in source  # no second timestamp parser
    assert "total_seconds" not in source  # no inline day arithmetic


def test_stopped_for_uses_the_stop_date_of_the_transition_reason(estate):
    inst = estate.instance("i-0a", stopped_days=45)
    since, days = _common.stopped_for(inst, estate.now) or (None, None)
    assert since == estate.ago(45) and days == 45.0
    assert (
        _common.stopped_for(estate.instance("i-0b", state="stopped", reason="Server.ScheduledStop"), NOW)
        is None
    )


def test_iso_formats_datetimes_and_keeps_api_strings():
    assert _common.iso(NOW - timedelta(days=1)) == "2026-11-29T00:00:00+00:00"
    assert _common.iso("2026-05-14T00:00:00.000Z") == "2026-05-14T00:00:00.000Z"
    assert _common.iso(None) is None and _common.iso("") is None
