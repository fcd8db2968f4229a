"""Format dispatch, export extensions, and keeping Rich off the import path of the other renderers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cloudwaste.errors import UsageError
from cloudwaste.report import Report
from cloudwaste.reports import FORMATS, format_for_path, render


def test_formats_are_the_documented_five() -> None:
    assert FORMATS == ("table", "json", "ndjson", "csv", "markdown")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_text_ending_with_a_newline(report: Report, fmt: str) -> None:
    text = render(report, fmt)
    assert text.endswith("\n")
    assert "vol-0000000000000normal" in text


def test_unknown_format_is_a_usage_error(report: Report) -> None:
    with pytest.raises(UsageError, match="unknown report format 'xml'") as err:
        render(report, "xml")
    assert "table, json, ndjson, csv, markdown" in (err.value.hint or "")


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
    ],
)
def test_format_for_path_reads_the_extension(path: str, fmt: str) -> None:
    assert format_for_path(path) == fmt


@pytest.mark.parametrize("path", ["waste", "waste.xml", "waste.json.bak", "dir.json/"])
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
        "for fmt in ('json', 'ndjson', 'csv', 'markdown'):\n"
        "    render(r, fmt)\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60, cwd=root
    )
    assert out.stdout.strip() == "[]"
