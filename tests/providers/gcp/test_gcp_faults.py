"""Faults on the fake: a project denied (403) fails its unit while the others complete, an API that is not
enabled (SERVICE_DISABLED) gives empty collections and a warning, 429 is retried with back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cloudwaste.engine.run import run_scan
from cloudwaste.model import ScanStatus, UnitStatus
from cloudwaste.providers.base import ScopeUnit
from tests.fakes import gcp_estate as E
from tests.fakes.gcp import FakeGcp, days
from tests.providers.gcp.helpers import CPU, NOW, every, make_check, provider


def _disk_project(gcp: FakeGcp, project: str, n: int = 1) -> None:
    gcp.add_project(project)
    gcp.add_compute(
        project, "disks", *(E.disk(project, f"d{i}", created=NOW - timedelta(days=9)) for i in range(n))
    )


def test_a_denied_project_is_an_error_unit_and_the_others_complete(gcp: FakeGcp) -> None:
    for project in ("proj-a", "proj-denied", "proj-c"):
        _disk_project(gcp, project, 3)
    gcp.forbidden.add("proj-denied")
    result = run_scan([provider()], [every("gcp:disks"), every("gcp:sql_instances")])
    assert result.scan.status == ScanStatus.PARTIAL
    units = {c.scope: c for c in result.scan.coverage}
    assert units["proj-a"].status == units["proj-c"].status == UnitStatus.OK
    denied = units["proj-denied"]
    assert denied.status == UnitStatus.ERROR
    assert "403" in str(denied.error) and "permission" in str(denied.error).lower()
    assert "gcp.test.every_disks" in str(denied.error)
    assert {f.account for f in result.findings} == {"proj-a", "proj-c"} and len(result.findings) == 6


def test_compute_not_enabled_is_empty_with_one_warning_and_no_more_calls(gcp: FakeGcp) -> None:
    _disk_project(gcp, "proj-a")
    gcp.disable("compute", "proj-a")
    prov = provider()
    session = prov.open_unit(ScopeUnit("gcp", "proj-a", "global"), [])
    prov.plan()
    assert session.collect("gcp:disks") == [] and session.collect("gcp:instances") == []
    assert session.collect("gcp:snapshots") == []
    [warning] = session.warnings
    assert "Compute Engine API (compute.googleapis.com) is not enabled" in warning
    assert "gcloud services enable compute.googleapis.com" in warning
    assert len(gcp.calls("/compute/v1/projects/proj-a/")) == 1  # known disabled: not called again


def test_a_scan_with_disabled_apis_completes(gcp: FakeGcp) -> None:
    _disk_project(gcp, "proj-a")
    gcp.disable("asset")
    gcp.disable("monitoring")
    gcp.disable("recommender")
    checks = [
        every("gcp:disks"),
        every("gcp:buckets"),
        every("gcp:recommendations"),
        make_check("gcp.test.cpu", ["gcp:instances"], lambda ctx: [], metrics=[CPU]),
    ]
    gcp.add_compute("proj-a", "instances", E.instance("proj-a", "us-central1-a", "vm", created=NOW))
    result = run_scan([provider()], checks)
    assert result.scan.status == ScanStatus.COMPLETE, [c.error for c in result.scan.coverage]
    assert [f.check_id for f in result.findings] == ["gcp.test.every_disks"]


def test_monitoring_not_enabled_makes_metrics_unknown(gcp: FakeGcp) -> None:
    gcp.add_project("proj-a")
    vm = E.instance("proj-a", "us-central1-a", "vm", created=NOW)
    gcp.add_compute("proj-a", "instances", vm)
    gcp.add_series("proj-a", CPU.metric, "gce_instance", {"instance_id": vm["id"]}, list(days(NOW, 3, 0.1)))
    gcp.disable("monitoring")
    prov = provider()
    prov.plan()
    session = prov.open_unit(ScopeUnit("gcp", "proj-a", "global"), [CPU])
    assert session.metric(CPU.key(vm["id"])) is None
    assert any("Cloud Monitoring API" in w and "unknown, not idle" in w for w in session.warnings)


def test_metrics_denied_fail_the_checks_that_read_them(gcp: FakeGcp) -> None:
    gcp.add_project("proj-a")
    gcp.add_compute("proj-a", "instances", E.instance("proj-a", "us-central1-a", "vm", created=NOW))
    prov = provider()
    prov.plan()
    gcp.forbidden.add("proj-a")
    session = prov.open_unit(ScopeUnit("gcp", "proj-a", "global"), [CPU])
    with pytest.raises(Exception, match="403"):
        session.collect("gcp:instances")


def test_429_is_retried_with_back_off_and_every_attempt_counted(gcp: FakeGcp) -> None:
    _disk_project(gcp, "proj-a", 3)
    gcp.throttle("/aggregated/disks", count=2)
    prov = provider(retry_deadline=10, retry_initial=0.01)
    prov.plan()
    session = prov.open_unit(ScopeUnit("gcp", "proj-a", "global"), [])
    assert len(session.collect("gcp:disks")) == 3
    assert len(gcp.calls("/aggregated/disks")) == 4  # 2 throttled + 2 pages
    assert session.api_calls == 4


def test_429_without_retries_fails_the_collection_with_the_status(gcp: FakeGcp) -> None:
    _disk_project(gcp, "proj-a")
    gcp.throttle("/aggregated/disks", count=1)
    prov = provider(retry_deadline=0)
    prov.plan()
    session = prov.open_unit(ScopeUnit("gcp", "proj-a", "global"), [])
    with pytest.raises(Exception, match="429") as err:
        session.collect("gcp:disks")
    assert "(gcp:disks)" in str(err.value)


def test_throttled_monitoring_pages_are_retried(gcp: FakeGcp) -> None:
    gcp.add_project("proj-a")
    vm = E.instance("proj-a", "us-central1-a", "vm", created=NOW)
    gcp.add_compute("proj-a", "instances", vm)
    gcp.add_series("proj-a", CPU.metric, "gce_instance", {"instance_id": vm["id"]}, list(days(NOW, 3, 0.1)))
    gcp.throttle("/timeSeries", count=1)
    prov = provider(retry_deadline=10, retry_initial=0.01)
    prov.plan()
    session = prov.open_unit(ScopeUnit("gcp", "proj-a", "global"), [CPU])
    series = session.metric(CPU.key(vm["id"]))
    assert series is not None and len(series.values) == 3
    assert len(gcp.calls("/timeSeries")) == 2
