"""``--format table``: Rich output that never interprets cloud strings as markup or escape codes."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from cloudwaste.model import CostKind, ScanStatus, Status, UnitStatus
from cloudwaste.report import GateResult, Report
from cloudwaste.reports import render
from cloudwaste.reports.table import fill_widths
from tests.builders import make_finding, make_report, make_scan, make_unit


def test_plain_table_has_header_findings_totals_coverage_and_gate(report: Report) -> None:
    text = render(report, "table", width=160)
    assert "\x1b" not in text
    first = text.splitlines()[0]
    assert "20261201-072455-3fa9c1" in first and "partial" in first and "aws" in first
    assert "aws.ebs.unattached_volume" in text and "123456789012/us-east-1" in text
    assert "vol-0000000000000normal" in text and "$8.00" in text
    assert "unknown" in text
    assert "$2.00 (saving)" in text
    assert "Données-€-日本語-🚀" in text
    assert "Total: 5 findings, $15.75/month" in text
    assert "1 with unknown cost" in text
    assert "1 ignored (not counted)" in text
    assert "Coverage: 4 units, 2 ok, 1 error, 1 skipped" in text
    assert "aws 123456789012/ap-south-2: AccessDenied" in text
    assert "Gate: BREACHED" in text and "--fail-over 10: actual 15.75" in text


def test_ignored_finding_is_shown_and_labelled(report: Report) -> None:
    lines = render(report, "table", width=160).splitlines()
    row = next(i for i, line in enumerate(lines) if "vol-000000000000ignored" in line)
    assert lines[row].startswith("high")
    assert lines[row + 1].startswith("ignored")


@pytest.mark.parametrize("color", [False, True])
def test_markup_in_names_reasons_and_errors_prints_literally(
    color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    findings = [
        make_finding("vol-1", name="[bold red]x[/]", reason="Tagged [red]x[/red] by someone."),
        make_finding("vol-2", name="[link=https://evil.example]y[/link]"),
    ]
    scan = make_scan(
        status=ScanStatus.PARTIAL,
        coverage=[make_unit("eu-west-1", status=UnitStatus.ERROR, error="AccessDenied [blink]z[/blink]")],
    )
    text = render(make_report(findings, scan=scan), "table", width=200, color=color)
    assert "[bold red]x[/]" in text
    assert "[red]x[/red]" in text
    assert "[link=https://evil.example]y[/link]" in text
    assert "[blink]z[/blink]" in text
    assert "\x1b]8;" not in text  # no OSC 8 hyperlink was created
    assert ("\x1b[" in text) is color


def test_terminal_escape_sequences_and_bidi_overrides_are_neutralized() -> None:
    finding = make_finding("vol-1", name="evil\x1b[2J\x1b]0;owned\x07", reason="a\u202eb")
    text = render(make_report([finding]), "table", width=200)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "evil\\x1b[2J\\x1b]0;owned\\x07" in text
    assert "a\\u202eb" in text


@pytest.mark.parametrize("width", [80, 100, 120, 200])
def test_no_line_is_wider_than_the_width(report: Report, width: int) -> None:
    for line in render(report, "table", width=width).splitlines():
        assert cell_len(line) <= width, line


def test_default_width_is_120(report: Report) -> None:
    assert max(cell_len(line) for line in render(report, "table").splitlines()) == 120


def test_resource_without_name_shows_its_id_and_with_name_shows_the_name() -> None:
    text = render(
        make_report([make_finding("vol-noname"), make_finding("vol-named", name="db-backup")]), "table"
    )
    assert "vol-noname" in text
    assert "db-backup" in text


def test_no_findings_says_no_waste_found() -> None:
    text = render(make_report([], gate=GateResult(configured=True, breached=False)), "table")
    assert "No waste found" in text
    assert "Severity" not in text
    assert "Gate: passed" in text


def test_only_ignored_findings_still_lists_them_and_says_no_waste_found() -> None:
    ignored = make_finding("vol-1", status=Status.IGNORED, status_reason="known")
    text = render(make_report([ignored]), "table")
    assert "vol-1" in text
    assert "No waste found · 1 ignored (not counted)" in text


def test_no_gate_line_when_no_gate_is_configured() -> None:
    assert "Gate" not in render(make_report(), "table")


def test_fill_widths_keeps_narrow_columns_and_splits_the_rest() -> None:
    assert fill_widths([25, 36, 80], [12, 12, 20], 86) == [25, 26, 35]
    assert fill_widths([25, 36, 80], [12, 12, 20], 500) == [25, 36, 80]
    assert fill_widths([5, 36, 80], [12, 12, 20], 30) == [5, 12, 20]  # too narrow: minimums, Rich folds


def test_a_saving_on_a_resource_already_charged_is_reported_as_overlapping() -> None:
    full = make_finding("vol-1", amount=10.0)
    saving = make_finding("vol-1", check_id="aws.ebs.gp2_volume", amount=2.0, kind=CostKind.SAVING)
    text = render(make_report([full, saving]), "table")
    assert "Total: 2 findings, $10.00/month" in text
    assert "1 overlapping" in text
