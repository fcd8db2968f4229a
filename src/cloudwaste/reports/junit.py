"""``--format junit``: JUnit XML for CI test reporters (GitLab, Jenkins, Azure DevOps, GitHub actions).

One ``<testsuite>`` per check that has findings in the report, one ``<testcase>`` per check x scope
(``ACCOUNT/REGION``: every unit the scan read, plus every scope the check found something in), and
one ``<failure>`` per counted finding (open or marked for deletion; ignored ones never fail, and
``--min-cost`` has already dropped the cheap ones). A testcase holding several findings has several
``<failure>`` elements; a suite's ``failures`` counts its failing testcases. A last suite,
``cloudwaste.coverage``, has a testcase per scanned unit: ``<error>`` when it could not be read,
``<skipped>`` when it was not scanned. Checks without any finding are not listed: the report does not
say which checks ran. Built with :mod:`xml.etree.ElementTree`, which escapes every text and
attribute; characters XML 1.0 cannot hold are written as ``\\xNN``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC

from cloudwaste.model import CostKind, CoverageUnit, Finding, UnitStatus
from cloudwaste.report import COUNTED, Report
from cloudwaste.reports import cost_text, format_money, plural

COVERAGE_SUITE = "cloudwaste.coverage"
# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Scope = tuple[str, str, str]  # provider, account (or subscription), region


def xml_text(text: str | None) -> str:
    """``text`` with the characters XML 1.0 cannot represent written as ``\\xNN`` / ``\\uNNNN``."""
    if not text:
        return ""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def _scope_name(scope: Scope) -> str:
    provider, account, region = scope
    return f"{provider} {account}/{region}"


def _cost(f: Finding) -> str:
    money = f.monthly_cost
    if money.amount is None:
        return "unknown cost"
    saving = " saving" if money.kind == CostKind.SAVING else ""
    return f"{format_money(money.amount, money.currency)}/month{saving}"


def _failure(parent: ET.Element, f: Finding) -> None:
    message = f"{f.resource.name or f.resource.id} ({_cost(f)}): {f.reason}"
    details = [
        f"resource: {f.resource.id} ({f.resource.type})",
        f"fingerprint: {f.fingerprint}",
        f"severity: {f.severity.value}, confidence: {f.confidence.value}, status: {f.status.value}",
        f"monthly cost: {cost_text(f.monthly_cost)}",
        f"reason: {f.reason}",
    ]
    if f.recommendation:
        details.append(f"recommendation: {f.recommendation}")
    failure = ET.SubElement(
        parent, "failure", message=xml_text(" ".join(message.split())), type=xml_text(f.severity.value)
    )
    failure.text = xml_text("\n".join(details))


def _scopes_for(findings: list[Finding], units: list[CoverageUnit]) -> list[Scope]:
    """The scopes a check's testcases cover: the read units of its provider and where it found something.

    A unit of region ``global`` (an Azure subscription) stands for every region of its scope, so it
    gets no testcase of its own once a finding of that check names a region of that scope.
    """
    provider = findings[0].provider
    found = {(f.provider, f.account, f.region) for f in findings}
    scopes = set(found)
    for u in units:
        if u.provider != provider or u.status != UnitStatus.OK:
            continue
        if u.region == "global" and any(account == u.scope for _, account, _ in found):
            continue
        scopes.add((u.provider, u.scope, u.region))
    return sorted(scopes)


def _check_suite(root: ET.Element, check_id: str, findings: list[Finding], report: Report) -> tuple[int, int]:
    by_scope: dict[Scope, list[Finding]] = defaultdict(list)
    for f in findings:
        by_scope[(f.provider, f.account, f.region)].append(f)
    scopes = _scopes_for(findings, report.scan.coverage)
    suite = ET.SubElement(root, "testsuite", name=xml_text(check_id))
    failing = 0
    for scope in scopes:
        case = ET.SubElement(
            suite, "testcase", classname=xml_text(check_id), name=xml_text(_scope_name(scope))
        )
        counted = [f for f in by_scope.get(scope, []) if f.status in COUNTED]
        ignored = [f for f in by_scope.get(scope, []) if f.status not in COUNTED]
        for f in counted:
            _failure(case, f)
        failing += bool(counted)
        if ignored:
            out = ET.SubElement(case, "system-out")
            lines = [
                f"{plural(len(ignored), 'ignored finding')} (not counted):",
                *(
                    f"  {f.resource.id}: {f.status.value}"
                    + (f" ({f.status_reason})" if f.status_reason else "")
                    for f in ignored
                ),
            ]
            out.text = xml_text("\n".join(lines))
    _attrs(suite, tests=len(scopes), failures=failing, errors=0, skipped=0, report=report)
    return len(scopes), failing


def _coverage_suite(root: ET.Element, report: Report) -> tuple[int, int, int]:
    units = report.scan.coverage
    suite = ET.SubElement(root, "testsuite", name=COVERAGE_SUITE)
    errors = skipped = 0
    for u in units:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=COVERAGE_SUITE,
            name=xml_text(_scope_name((u.provider, u.scope, u.region))),
            time=f"{u.duration_s:.3f}",
        )
        if u.status == UnitStatus.ERROR:
            errors += 1
            error = ET.SubElement(case, "error", message=xml_text(" ".join((u.error or "error").split())))
            error.text = xml_text(u.error or "")
        elif u.status == UnitStatus.SKIPPED:
            skipped += 1
            ET.SubElement(case, "skipped", message=xml_text(" ".join((u.error or "skipped").split())))
    _attrs(suite, tests=len(units), failures=0, errors=errors, skipped=skipped, report=report)
    suite.set("time", f"{sum(u.duration_s for u in units):.3f}")
    return len(units), errors, skipped


def _attrs(el: ET.Element, *, tests: int, failures: int, errors: int, skipped: int, report: Report) -> None:
    el.set("tests", str(tests))
    el.set("failures", str(failures))
    el.set("errors", str(errors))
    el.set("skipped", str(skipped))
    started = report.scan.started_at
    at = started.replace(tzinfo=UTC) if started.tzinfo is None else started.astimezone(UTC)
    el.set("timestamp", at.strftime("%Y-%m-%dT%H:%M:%S"))


def junit_tree(report: Report) -> ET.Element:
    """The ``<testsuites>`` element for ``report``."""
    root = ET.Element("testsuites", name="cloudwaste")
    by_check: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_check[f.check_id].append(f)
    tests = failures = 0
    for check_id in sorted(by_check):
        n, failing = _check_suite(root, check_id, by_check[check_id], report)
        tests += n
        failures += failing
    n, errors, skipped = _coverage_suite(root, report)
    root.set("tests", str(tests + n))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    root.set("skipped", str(skipped))
    props = ET.Element("properties")
    s = report.summary
    for name, value in (
        ("scan_id", report.scan.id),
        ("scan_status", report.scan.status.value),
        ("findings", str(s.findings)),
        ("ignored", str(s.ignored)),
        ("monthly_cost", f"{float(s.monthly_cost.get('amount') or 0.0):.2f}"),
        ("currency", str(s.monthly_cost.get("currency", "USD"))),
        ("unknown_cost_findings", str(s.unknown_cost_findings)),
    ):
        ET.SubElement(props, "property", name=name, value=xml_text(value))
    coverage = root.find(f"testsuite[@name='{COVERAGE_SUITE}']")
    assert coverage is not None
    coverage.insert(0, props)
    return root


def render_junit(report: Report) -> str:
    """The report as a JUnit XML document (UTF-8 declaration, indented, trailing newline)."""
    root = junit_tree(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
