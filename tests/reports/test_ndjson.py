"""``--format ndjson``: one finding a line, then the summary line."""

from __future__ import annotations

import json

from cloudwaste.report import Report
from cloudwaste.reports import render
from tests.builders import make_finding, make_report


def test_each_line_is_a_finding_and_the_last_is_the_summary(report: Report) -> None:
    text = render(report, "ndjson")
    assert text.endswith("\n")
    lines = [json.loads(line) for line in text.splitlines()]
    contract = report.to_json_dict()
    assert len(lines) == len(report.findings) + 1
    assert [{k: v for k, v in line.items() if k != "type"} for line in lines[:-1]] == contract["findings"]
    assert all(line["type"] == "finding" for line in lines[:-1])
    summary = lines[-1]
    assert summary["type"] == "summary"
    assert summary["schema_version"] == "1"
    assert summary["scan"] == contract["scan"]
    assert summary["summary"] == contract["summary"]
    assert summary["gate"] == contract["gate"]
    assert "findings" not in summary


def test_ignored_finding_is_listed_with_its_status(report: Report) -> None:
    lines = [json.loads(line) for line in render(report, "ndjson").splitlines()]
    statuses = {line["resource"]["id"]: line["status"] for line in lines[:-1]}
    assert statuses["vol-000000000000ignored"] == "ignored"
    assert lines[-1]["summary"]["ignored"] == 1


def test_unicode_line_separators_in_a_value_never_split_a_record() -> None:
    tricky = make_finding("vol-1", name="a\u2028b\u2029c\x85d", reason="line\nbreak")
    text = render(make_report([tricky]), "ndjson")
    lines = text.splitlines()  # str.splitlines also breaks on U+2028, U+2029 and U+0085
    assert len(lines) == 2
    assert json.loads(lines[0])["resource"]["name"] == "a\u2028b\u2029c\x85d"


def test_empty_report_is_only_the_summary_line() -> None:
    [line] = render(make_report([]), "ndjson").splitlines()
    assert json.loads(line)["type"] == "summary"
