"""``--format markdown``: summary, top findings by cost, hidden marker, escaped cells."""

from __future__ import annotations

import re

from cloudwaste.model import CostKind, UnitStatus
from cloudwaste.report import Report
from cloudwaste.reports import render
from cloudwaste.reports.markdown import MARKER, cell
from tests.builders import make_finding, make_report, make_scan, make_unit

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def table_rows(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows = []
    for line in lines[start + 2 :]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    return rows[2:]  # without the header and alignment rows


def test_starts_with_the_hidden_marker_and_a_summary(report: Report) -> None:
    text = render(report, "markdown")
    assert text.startswith(MARKER + "\n")
    assert "## cloudwaste: \\$15.75/month of waste found" in text  # \\$: GitHub would read $...$ as math
    assert "| Findings | 5 (+1 ignored, not counted) |" in text
    assert "| Unknown cost | 1 finding (not in the total) |" in text
    assert "| Coverage | 4 units: 2 ok, 1 error, 1 skipped |" in text
    assert "| Gate | **breached**" in text


def test_top_findings_are_counted_ones_by_cost_and_ignored_ones_are_apart(report: Report) -> None:
    text = render(report, "markdown")
    top = table_rows(text, "### Top")
    assert len(top) == 5
    assert "vol-0000000000000normal" in top[0]
    assert "unknown" in top[-1]
    assert any("\\$2.00 (saving)" in row for row in top)
    assert not any("vol-000000000000ignored" in row for row in top)
    ignored = text.split("<details>", 1)[1]
    assert "vol-000000000000ignored" in ignored and "ignored: DR cold standby" in ignored


def test_only_the_top_20_are_listed() -> None:
    findings = [make_finding(f"vol-{i:02d}", amount=float(i)) for i in range(1, 26)]
    text = render(make_report(findings), "markdown")
    top = table_rows(text, "### Top 20")
    assert len(top) == 20
    assert "vol-25" in top[0] and "vol-06" in top[-1]
    assert "_Showing 20 of 25 findings._" in text


def test_every_row_keeps_its_column_count_despite_pipes_and_newlines(report: Report) -> None:
    text = render(report, "markdown")
    for row in table_rows(text, "### Top"):
        assert len(UNESCAPED_PIPE.findall(row)) == 7, row
    evil = next(row for row in table_rows(text, "### Top") if "vol-0000000000000evil" in row)
    assert "\\| pipe" in evil
    assert "looks abandoned.<br>Second line." in evil
    assert "\\[red\\]x\\[/red\\]" in evil


def test_html_and_markdown_in_cloud_strings_is_escaped() -> None:
    finding = make_finding(
        "vol-1", name="<img src=x onerror=alert(1)> **bold** `code`", reason="[x](http://e)"
    )
    text = render(make_report([finding]), "markdown")
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; \\*\\*bold\\*\\* \\`code\\`" in text
    assert "\\[x\\](http://e)" in text


def test_cell_escapes_pipes_and_newlines() -> None:
    assert cell("a|b\r\nc\nd") == "a\\|b<br>c<br>d"
    assert cell(None) == ""


def test_no_findings_says_no_waste_found() -> None:
    text = render(make_report([]), "markdown")
    assert "## cloudwaste: no waste found" in text
    assert "No waste found." in text
    assert "### Top" not in text


def test_overlapping_findings_are_explained_in_the_summary() -> None:
    full = make_finding("vol-1", amount=10.0)
    saving = make_finding("vol-1", check_id="aws.ebs.gp2_volume", amount=2.0, kind=CostKind.SAVING)
    text = render(make_report([full, saving]), "markdown")
    assert "| Monthly cost | \\$10.00 |" in text
    assert "| Overlapping | 1 finding on resources already in the total |" in text


def test_waste_by_check_lists_charged_cost_per_check_costliest_first(report: Report) -> None:
    text = render(report, "markdown")
    rows = table_rows(text, "### Waste by check")
    assert rows == [
        "| `aws.ebs.unattached_volume` | 4 | \\$13.75 |",
        "| `aws.ebs.gp2_to_gp3` | 1 | \\$2.00 |",
    ]
    assert text.index("### Waste by check") < text.index("### Top")


def test_waste_by_check_shows_the_ten_costliest() -> None:
    findings = [
        make_finding(f"vol-{i}", check_id=f"aws.ebs.check_{i:02d}", amount=float(i)) for i in range(1, 13)
    ]
    text = render(make_report(findings), "markdown")
    rows = table_rows(text, "### Waste by check")
    assert len(rows) == 10 and "check_12" in rows[0] and "check_03" in rows[-1]
    assert "_and 2 more checks_" in text


def test_coverage_gaps_list_errors_and_fold_skipped_units(report: Report) -> None:
    gaps = render(report, "markdown").split("### Coverage gaps", 1)[1]
    assert "1 unit could not be read; waste there is not in this report:" in gaps
    assert "- aws 123456789012/ap-south-2: AccessDenied: not authorized" in gaps
    assert "\\[bold\\]x\\[/bold\\]" in gaps
    assert "<details><summary>1 unit skipped</summary>" in gaps
    assert "- aws 123456789012/me-central-1: region not enabled" in gaps


def test_no_coverage_gaps_section_when_every_unit_was_read() -> None:
    scan = make_scan(coverage=[make_unit()])
    assert "Coverage gaps" not in render(make_report([make_finding("vol-1")], scan=scan), "markdown")


HOSTILE = (
    "<script>alert(1)</script>",
    "=cmd|'/c calc'!A1",
    "[bold]x[/bold]",
    '"><img src=x onerror=alert(1)>',
)


def test_hostile_tag_values_names_and_errors_are_inert_text() -> None:
    findings = [make_finding(f"vol-{i}", name=v, reason=v) for i, v in enumerate(HOSTILE)]
    scan = make_scan(coverage=[make_unit(status=UnitStatus.ERROR, error=HOSTILE[3])])
    text = render(make_report(findings, scan=scan), "markdown")
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert '"&gt;&lt;img src=x onerror=alert(1)&gt;' in text
    assert "=cmd\\|'/c calc'\\!A1" in text
    assert "\\[bold\\]x\\[/bold\\]" in text
    for row in table_rows(text, "### Top"):
        assert len(UNESCAPED_PIPE.findall(row)) == 7, row


def test_a_demo_scan_says_so() -> None:
    scan = make_scan().model_copy(update={"args": {"demo": True}})
    assert "(running, demo: simulated estate)" in render(make_report([], scan=scan), "markdown")
