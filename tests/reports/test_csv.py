"""``--format csv``: stable header, one row per finding, formula injection neutralized."""

from __future__ import annotations

import csv
import io

import pytest

from cloudwaste.report import Report
from cloudwaste.reports import render
from cloudwaste.reports.csv_ import safe_cell
from tests.builders import make_finding, make_report

HEADER = (
    "fingerprint,check_id,provider,account,region,resource_id,resource_name,resource_type,monthly_cost,"
    "currency,severity,reason,status,first_seen,tags,cost_kind,in_total"
)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_header_is_exact(report: Report) -> None:
    assert render(report, "csv").split("\n", 1)[0] == HEADER
    assert render(make_report([]), "csv") == HEADER + "\n"


def test_one_row_per_finding_with_costs_status_and_tags(report: Report) -> None:
    by_id = {r["resource_id"]: r for r in rows(render(report, "csv"))}
    assert len(by_id) == len(report.findings)
    normal = by_id["vol-0000000000000normal"]
    assert (normal["monthly_cost"], normal["currency"], normal["status"]) == ("8.00", "USD", "open")
    assert normal["tags"] == "Env=prod"
    assert by_id["vol-00000000000unknown"]["monthly_cost"] == ""  # unknown is empty, never 0
    assert by_id["vol-000000000000saving"]["monthly_cost"] == "2.00"
    assert by_id["vol-000000000000ignored"]["status"] == "ignored"
    assert by_id["vol-0000000000unicode"]["resource_name"] == "Données-€-日本語-🚀"
    assert by_id["vol-0000000000unicode"]["tags"] == "Équipe=Über café"


def test_formula_cells_from_names_and_tags_get_a_leading_quote(report: Report) -> None:
    evil = {r["resource_id"]: r for r in rows(render(report, "csv"))}["vol-0000000000000evil"]
    assert evil["resource_name"].startswith("'=HYPERLINK(")
    assert evil["tags"].startswith("'=cmd=")
    assert (
        evil["reason"] == "Volume [red]x[/red] | looks abandoned.\nSecond line."
    )  # one record, newline kept


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_every_cell_starting_with_a_formula_character_is_quoted(lead: str) -> None:
    finding = make_finding(f"{lead}id", name=f"{lead}name", tags={f"{lead}k": "v"}, reason=f"{lead}reason")
    [row] = list(csv.reader(io.StringIO(render(make_report([finding]), "csv"))))[1:]
    for column in ("resource_id", "resource_name", "reason", "tags"):
        cell = row[HEADER.split(",").index(column)]
        assert cell.startswith("'" + lead.replace("\r", "\n")), column  # a CR is written as LF


def test_no_cell_of_the_sample_starts_like_a_formula(report: Report) -> None:
    for row in list(csv.reader(io.StringIO(render(report, "csv"))))[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize(("value", "expected"), [("=1+1", "'=1+1"), ("a=b", "a=b"), ("", ""), ("'x", "'x")])
def test_safe_cell(value: str, expected: str) -> None:
    assert safe_cell(value) == expected
