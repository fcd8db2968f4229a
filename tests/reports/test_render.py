"""Format dispatch, export extensions, Rich kept off the other renderers, all formats agreeing on totals."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cloudwaste.errors import UsageError
from cloudwaste.model import CostKind
from cloudwaste.report import Report
from cloudwaste.reports import FORMATS, format_for_path, format_money, plural, render
from tests.builders import breached_gate, make_finding, make_report


def test_formats_are_the_documented_eight() -> None:
    assert FORMATS == ("table", "json", "ndjson", "csv", "markdown", "html", "sarif", "junit")


def test_the_cli_accepts_exactly_the_renderer_formats() -> None:
    from cloudwaste.cli.options import FORMATS as CLI_FORMATS

    assert CLI_FORMATS == FORMATS


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_text_ending_with_a_newline(report: Report, fmt: str) -> None:
    text = render(report, fmt)
    assert text.endswith("\n")
    assert "vol-0000000000000normal" in text


def test_unknown_format_is_a_usage_error(report: Report) -> None:
    with pytest.raises(UsageError, match="unknown report format 'xml'") as err:
        render(report, "xml")
    assert "table, json, ndjson, csv, markdown, html, sarif, junit" in (err.value.hint or "")


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("waste.json", "json"),
        ("out/waste.ndjson", "ndjson"),
        ("waste.jsonl", "ndjson"),
        ("waste.csv", "csv"),
        ("waste.md", "markdown"),
        ("WASTE.MD", "markdown"),
        ("report.txt", "table"),
        ("a.b/waste.json", "json"),
        ("waste.html", "html"),
        ("waste.HTM", "html"),
        ("waste.sarif", "sarif"),
        ("waste.sarif.json", "sarif"),
        ("out.sarif/waste.json", "json"),
        ("junit.xml", "junit"),
    ],
)
def test_format_for_path_reads_the_extension(path: str, fmt: str) -> None:
    assert format_for_path(path) == fmt


@pytest.mark.parametrize(
    "path", ["waste", "waste.xsl", "waste.json.bak", "dir.json/", ".json", "waste.sarif.bak"]
)
def test_format_for_path_with_an_unknown_extension_is_a_usage_error(path: str) -> None:
    if path.endswith("/"):
        path = path.rstrip("/") + "/waste"
    with pytest.raises(UsageError, match="cannot tell the report format"):
        format_for_path(path)


def test_non_table_renderers_never_import_rich() -> None:
    code = (
        "import sys\n"
        "from tests.builders import make_report\n"
        "from cloudwaste.reports import render\n"
        "r = make_report()\n"
        "for fmt in ('json', 'ndjson', 'csv', 'markdown', 'html', 'sarif', 'junit'):\n"
        "    render(r, fmt)\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60, cwd=root
    )
    assert out.stdout.strip() == "[]"


def _agreement_reports() -> list[Report]:
    full = make_finding("vol-1", amount=10.0)
    saving = make_finding("vol-1", check_id="aws.ebs.gp2_volume", amount=2.0, kind=CostKind.SAVING)
    return [make_report(gate=breached_gate(15.75)), make_report([]), make_report([full, saving])]


@pytest.mark.parametrize("rep", _agreement_reports(), ids=["sample", "empty", "overlapping"])
def test_every_format_agrees_on_counts_and_totals(rep: Report) -> None:
    """The same report object in all eight formats: same findings, counted findings and monthly total."""
    s = rep.summary
    total = float(s.monthly_cost["amount"])
    counted, listed = s.findings, len(rep.findings)

    data = json.loads(render(rep, "json"))
    assert (data["summary"]["findings"], data["summary"]["monthly_cost"]["amount"]) == (counted, total)
    assert len(data["findings"]) == listed

    lines = [json.loads(line) for line in render(rep, "ndjson").splitlines()]
    assert len(lines) - 1 == listed and lines[-1]["summary"] == data["summary"]

    rows = list(csv.DictReader(io.StringIO(render(rep, "csv"))))
    assert len(rows) == listed
    assert sum(1 for r in rows if r["status"] in ("open", "marked_for_deletion")) == counted
    assert round(sum(float(r["monthly_cost"]) for r in rows if r["in_total"] == "yes"), 2) == total

    money = format_money(total)
    md = render(rep, "markdown")
    assert f"| Monthly cost | {money.replace('$', chr(92) + '$')} |" in md
    assert f"| Findings | {counted}" in md

    table = render(rep, "table", width=200)
    assert (
        (f"Total: {plural(counted, 'finding')}, {money}/month" in table)
        if counted
        else "No waste found" in table
    )

    page = render(rep, "html")
    assert page.count('data-counted="1"') == counted and page.count('data-counted="0"') == listed - counted
    assert f'<span id="total">{money}</span>' in page and f'<span id="counted">{counted}</span>' in page

    run = json.loads(render(rep, "sarif"))["runs"][0]
    assert len(run["results"]) == listed
    assert sum(1 for r in run["results"] if "suppressions" not in r) == counted
    assert (run["properties"]["findings"], run["properties"]["monthlyCost"]["amount"]) == (counted, total)
    charged = [r["properties"]["monthlyCost"] for r in run["results"] if r["properties"]["inTotal"]]
    assert round(sum(charged), 2) == total

    root = ET.fromstring(render(rep, "junit").encode())
    assert len(list(root.iter("failure"))) == counted
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert (props["findings"], props["monthly_cost"]) == (str(counted), f"{total:.2f}")
