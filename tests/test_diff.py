"""The comparison library: new, resolved, changed and unscanned findings, JSON report files, baselines."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from cloudwaste.diff import Side, annotate, compare, covers, load_report_file, looks_like_file
from cloudwaste.errors import UsageError
from cloudwaste.model import ScanStatus, Status, UnitStatus
from cloudwaste.report import build_report
from tests.builders import NOW, make_finding, make_scan, make_unit

DAY = timedelta(days=1)


def side(label: str, findings: list, days: int = 0, units: list | None = None) -> Side:  # type: ignore[type-arg]
    scan = make_scan(
        started_at=NOW + days * DAY,
        status=ScanStatus.COMPLETE,
        coverage=units if units is not None else [make_unit(), make_unit("eu-west-1")],
    )
    return Side(label, scan, findings)


def test_a_diff_across_three_scans() -> None:
    vol, eip = make_finding("vol-1", amount=8.0), make_finding("eipalloc-1", amount=3.65)
    big = make_finding("vol-2", amount=40.0)
    s1 = side("s1", [vol, eip], 0)
    s2 = side(
        "s2",
        [vol.model_copy(update={"monthly_cost": vol.monthly_cost.model_copy(update={"amount": 10.0})}), big],
        1,
    )
    s3 = side("s3", [big.model_copy(update={"status": Status.IGNORED}), eip], 2)

    d12 = compare(s1, s2)
    assert [f.resource.id for f in d12.new] == ["vol-2"]
    assert [f.resource.id for f in d12.resolved] == ["eipalloc-1"]
    assert [(c.after.resource.id, c.fields, c.cost_delta) for c in d12.changed] == [("vol-1", ("cost",), 2.0)]
    assert (d12.waste_before, d12.waste_after, d12.waste_change) == (11.65, 50.0, 38.35)

    d23 = compare(s2, s3)
    assert [f.resource.id for f in d23.new] == ["eipalloc-1"]  # back again
    assert [f.resource.id for f in d23.resolved] == ["vol-1"]
    assert [(c.after.resource.id, c.fields) for c in d23.changed] == [("vol-2", ("status",))]
    assert d23.waste_change == pytest.approx(3.65 - 50.0)  # the ignored one no longer counts

    d13 = compare(s1, s3)
    assert [f.resource.id for f in d13.new] == ["vol-2"]
    assert [f.resource.id for f in d13.resolved] == ["vol-1"]
    assert d13.unchanged == 1  # the EIP, same cost and status
    assert d13.to_json_dict()["counts"] == {
        "new": 1,
        "resolved": 1,
        "unscanned": 0,
        "changed": 0,
        "unchanged": 1,
    }


def test_missing_because_the_region_was_not_scanned_is_unscanned_not_resolved() -> None:
    eu = make_finding("vol-eu", region="eu-west-1")
    before = side("a", [eu])
    failed = side("b", [], 1, units=[make_unit(), make_unit("eu-west-1", status=UnitStatus.ERROR)])
    only_us = side("c", [], 1, units=[make_unit()])
    assert [f.resource.id for f in compare(before, failed).unscanned] == ["vol-eu"]
    assert compare(before, failed).resolved == []
    assert [f.resource.id for f in compare(before, only_us).unscanned] == ["vol-eu"]
    assert [f.resource.id for f in compare(before, side("d", [], 1)).resolved] == ["vol-eu"]


def test_an_unknown_cost_becoming_known_is_a_change() -> None:
    unknown = make_finding("vol-1", amount=None)
    known = make_finding("vol-1", amount=5.0)
    [change] = compare(side("a", [unknown]), side("b", [known], 1)).changed
    assert change.fields == ("cost",) and change.cost_delta is None


def test_covers_whole_scope_units() -> None:
    f = make_finding("disk", region="westeurope", account="sub").model_copy(update={"provider": "azure"})
    unit = make_unit("global", scope="sub").model_copy(update={"provider": "azure"})
    assert covers([unit], f)
    assert not covers([unit.model_copy(update={"scope": "other"})], f)
    assert covers([], f)  # no coverage recorded: taken as covering everything


def test_a_json_report_file_round_trips(tmp_path: Path) -> None:
    findings = [make_finding("vol-1", amount=8.0), make_finding("vol-2", amount=None, status=Status.IGNORED)]
    rep = build_report(make_scan(status=ScanStatus.COMPLETE, coverage=[make_unit()]), findings)
    path = tmp_path / "base.json"
    path.write_text(json.dumps(rep.to_json_dict()), encoding="utf-8")
    loaded = load_report_file(path)
    assert loaded.scan.id == rep.scan.id
    assert [f.fingerprint for f in loaded.findings] == [f.fingerprint for f in rep.findings]
    assert loaded.findings[0].monthly_cost.detail == findings[0].monthly_cost.detail
    assert loaded.findings[1].status == Status.IGNORED
    assert loaded.waste == 8.0
    assert compare(loaded, Side("now", rep.scan, rep.findings)).changed == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "base.json:1: not a JSON report"),
        ('{"a": 1}', "is not a cloudwaste JSON report"),
        ('{"schema_version": "9", "scan": {}, "findings": []}', "unsupported report schema_version"),
        (
            '{"schema_version": "1", "scan": {"id": 1}, "findings": []}',
            "is not a valid cloudwaste JSON report",
        ),
    ],
)
def test_a_bad_report_file_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "base.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_report_file(path)
    with pytest.raises(UsageError, match="does not exist"):
        load_report_file(tmp_path / "missing.json")


def test_annotate_marks_new_and_existing_and_the_waste_change() -> None:
    old, ignored_new = (
        make_finding("vol-old", amount=8.0),
        make_finding("vol-x", amount=9.0, status=Status.IGNORED),
    )
    new = make_finding("vol-new", amount=5.0)
    baseline = side("base.json", [old, make_finding("vol-gone", amount=2.0)])
    rep = build_report(make_scan(status=ScanStatus.COMPLETE), [old, new, ignored_new])
    annotate(rep, baseline)
    assert rep.baseline_status == {
        old.fingerprint: "existing",
        new.fingerprint: "new",
        ignored_new.fingerprint: "new",
    }
    assert rep.baseline is not None
    assert (rep.baseline.new, rep.baseline.existing, rep.baseline.resolved) == (
        1,
        1,
        1,
    )  # ignored never counts
    assert rep.baseline.change == pytest.approx(13.0 - 10.0)
    data = rep.to_json_dict()
    assert data["baseline"]["ref"] == "base.json"
    assert {f["resource"]["id"]: f["baseline"] for f in data["findings"]} == {
        "vol-old": "existing",
        "vol-new": "new",
        "vol-x": "new",
    }


def test_without_a_baseline_the_json_has_a_null_block_and_no_per_finding_key() -> None:
    data = build_report(make_scan(), [make_finding()]).to_json_dict()
    assert data["baseline"] is None
    assert "baseline" not in data["findings"][0]


@pytest.mark.parametrize(
    ("ref", "is_file"),
    [("base.json", True), ("ci/base", True), ("20261201-072455-3fa9c1", False), ("latest", False)],
)
def test_looks_like_file(ref: str, is_file: bool) -> None:
    assert looks_like_file(ref) is is_file
