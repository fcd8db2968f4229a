"""``--format junit``: a suite per check, a testcase per check x scope, a failure per counted finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from cloudwaste.model import Status, UnitStatus
from cloudwaste.report import Report
from cloudwaste.reports import render
from cloudwaste.reports.junit import COVERAGE_SUITE, xml_text
from tests.builders import make_finding, make_report, make_scan, make_unit

HOSTILE = (
    "<script>alert(1)</script>",
    "=cmd|'/c calc'!A1",
    "[bold]x[/bold]",
    '"><img src=x onerror=alert(1)>',
)


def parse(report: Report) -> ET.Element:
    text = render(report, "junit")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n') and text.endswith("\n")
    return ET.fromstring(text.encode("utf-8"))


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {s.get("name", ""): s for s in root.iter("testsuite")}


def test_one_suite_per_check_plus_coverage(report: Report) -> None:
    root = parse(report)
    assert root.tag == "testsuites"
    assert list(suites(root)) == ["aws.ebs.gp2_to_gp3", "aws.ebs.unattached_volume", COVERAGE_SUITE]


def test_one_testcase_per_check_and_scope(report: Report) -> None:
    unattached = suites(parse(report))["aws.ebs.unattached_volume"]
    names = [c.get("name") for c in unattached.iter("testcase")]
    # the units read (us-east-1, eu-west-1); the failed and skipped units are in the coverage suite
    assert names == ["aws 123456789012/eu-west-1", "aws 123456789012/us-east-1"]
    assert {c.get("classname") for c in unattached.iter("testcase")} == {"aws.ebs.unattached_volume"}


def test_a_failure_per_counted_finding_and_none_for_ignored(report: Report) -> None:
    root = parse(report)
    failures = list(root.iter("failure"))
    assert len(failures) == report.summary.findings == 5
    assert not any("vol-000000000000ignored" in (f.get("message") or "") for f in failures)
    unattached = suites(root)["aws.ebs.unattached_volume"]
    us_east = next(c for c in unattached.iter("testcase") if c.get("name") == "aws 123456789012/us-east-1")
    assert "1 ignored finding (not counted)" in (us_east.findtext("system-out") or "")
    normal = next(f for f in failures if (f.get("message") or "").startswith("vol-0000000000000normal"))
    assert normal.get("message", "").startswith("vol-0000000000000normal ($8.00/month): Volume")
    assert "fingerprint: cw1:" in (normal.text or "")
    saving = next(f for f in failures if "saving" in (f.get("message") or ""))
    assert "($2.00/month saving)" in (saving.get("message") or "")
    unknown = next(f for f in failures if "vol-00000000000unknown" in (f.get("message") or ""))
    assert "(unknown cost)" in (unknown.get("message") or "")


def test_counts_on_suites_and_root(report: Report) -> None:
    root = parse(report)
    s = suites(root)
    assert (s["aws.ebs.unattached_volume"].get("tests"), s["aws.ebs.unattached_volume"].get("failures")) == (
        "2",
        "2",
    )
    assert (s["aws.ebs.gp2_to_gp3"].get("tests"), s["aws.ebs.gp2_to_gp3"].get("failures")) == ("2", "1")
    cov = s[COVERAGE_SUITE]
    assert (cov.get("tests"), cov.get("errors"), cov.get("skipped"), cov.get("failures")) == (
        "4",
        "1",
        "1",
        "0",
    )
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "8",
        "3",
        "1",
        "1",
    )
    for suite in s.values():  # the counts are those of the elements inside
        cases = list(suite.iter("testcase"))
        assert int(suite.get("tests", "")) == len(cases)
        assert int(suite.get("failures", "")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("errors", "")) == sum(1 for c in cases if c.find("error") is not None)


def test_coverage_errors_are_errors_and_skipped_units_skipped(report: Report) -> None:
    cov = suites(parse(report))[COVERAGE_SUITE]
    cases = {c.get("name"): c for c in cov.iter("testcase")}
    error = cases["aws 123456789012/ap-south-2"].find("error")
    assert error is not None and (error.get("message") or "").startswith("AccessDenied")
    skipped = cases["aws 123456789012/me-central-1"].find("skipped")
    assert skipped is not None and skipped.get("message") == "region not enabled"
    props = {p.get("name"): p.get("value") for p in cov.iter("property")}
    assert props["findings"] == "5" and props["monthly_cost"] == "15.75" and props["ignored"] == "1"


def test_ignored_only_check_passes() -> None:
    ignored = make_finding("vol-1", status=Status.IGNORED, status_reason="kept")
    root = parse(make_report([ignored]))
    suite = suites(root)["aws.ebs.unattached_volume"]
    assert suite.get("failures") == "0"
    assert not list(root.iter("failure"))


def test_empty_report_still_has_the_coverage_suite() -> None:
    root = parse(make_report([]))
    assert list(suites(root)) == [COVERAGE_SUITE]
    assert root.get("failures") == "0"


def test_azure_global_units_do_not_duplicate_a_regional_testcase() -> None:
    scan = make_scan(
        coverage=[
            make_unit("global", scope="sub-1").model_copy(update={"provider": "azure"}),
            make_unit("global", scope="sub-2").model_copy(update={"provider": "azure"}),
        ]
    )
    f = make_finding("disk-1", account="sub-1", region="westeurope").model_copy(update={"provider": "azure"})
    suite = suites(parse(make_report([f], scan=scan)))["aws.ebs.unattached_volume"]
    assert [c.get("name") for c in suite.iter("testcase")] == ["azure sub-1/westeurope", "azure sub-2/global"]


def test_hostile_strings_are_escaped_by_the_xml_library() -> None:
    findings = [make_finding(f"vol-{i}", name=v, reason=f"{v}\n{v}", region=v) for i, v in enumerate(HOSTILE)]
    scan = make_scan(coverage=[make_unit(status=UnitStatus.ERROR, error=HOSTILE[3])])
    text = render(make_report(findings, scan=scan), "junit")
    assert "<script>" not in text and "<img" not in text
    root = ET.fromstring(text.encode())
    assert [e.tag for e in root.iter()].count("script") == 0
    messages = [f.get("message") or "" for f in root.iter("failure")]
    for value in HOSTILE:
        assert any(m.startswith(value) for m in messages), value
    assert any(c.get("name") == f"aws 123456789012/{HOSTILE[3]}" for c in root.iter("testcase"))


def test_characters_xml_cannot_hold_are_written_visibly() -> None:
    f = make_finding("vol-1", name="bell\x07 esc\x1b[2J nul\x00", reason="ok\ttab")
    root = ET.fromstring(render(make_report([f]), "junit").encode())
    [failure] = root.iter("failure")
    assert (failure.get("message") or "").startswith("bell\\x07 esc\\x1b[2J nul\\x00")
    assert xml_text("a\ufffeb\ud800") == "a\\ufffeb\\ud800"
