"""``--format markdown``: summary, waste by check, top findings, coverage gaps (CI job summary, PR comment).

The hidden ``<!-- cloudwaste-report -->`` marker lets a later comment command find and update it.
Every cell is escaped: ``|`` and Markdown punctuation get a backslash, ``& < >`` become entities (no
HTML gets through), newlines become ``<br>``.
"""

from __future__ import annotations

import re

from cloudwaste.model import CoverageUnit, Finding, UnitStatus
from cloudwaste.report import COUNTED, Report
from cloudwaste.reports import clean, cost_text, format_money, plural

MARKER = "<!-- cloudwaste-report -->"
TOP = 20
TOP_CHECKS = 10
_SPECIAL = set("\\`*_[]|~#!$")  # "$" too: GitHub reads $...$ as math
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_CODE_SAFE = re.compile(r"[A-Za-z0-9._-]+")


def cell(text: str | None) -> str:
    """Text safe inside a GFM table cell (no column breaks, no markup, no HTML)."""
    if not text:
        return ""
    lines = [clean(line) for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    escaped = [
        "".join(_ENTITIES.get(ch) or ("\\" + ch if ch in _SPECIAL else ch) for ch in line) for line in lines
    ]
    return "<br>".join(escaped)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _findings_table(findings: list[Finding], with_status: bool) -> list[str]:
    head = ["Severity", "Check", "Account / region", "Resource", "Monthly cost", "Reason"]
    if with_status:
        head.append("Status")
    align = ["---:" if h == "Monthly cost" else "---" for h in head]
    lines = [_row(*head), _row(*align)]
    for f in findings:
        resource = f.resource.name or f.resource.id
        cells = [
            f.severity.value,
            f"`{f.check_id}`" if _CODE_SAFE.fullmatch(f.check_id) else cell(f.check_id),
            cell(f"{f.account} / {f.region}"),
            cell(resource) + (f" ({cell(f.resource.id)})" if f.resource.name else ""),
            cell(cost_text(f.monthly_cost)),
            cell(f.reason),
        ]
        if with_status:
            cells.append(cell(f.status.value) + (f": {cell(f.status_reason)}" if f.status_reason else ""))
        lines.append(_row(*cells))
    return lines


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown."""
    s = report.summary
    currency = str(s.monthly_cost.get("currency", "USD"))
    total = format_money(float(s.monthly_cost.get("amount") or 0.0), currency)
    scan = report.scan
    units = scan.coverage
    errors = [u for u in units if u.status == UnitStatus.ERROR]
    ok = sum(1 for u in units if u.status == UnitStatus.OK)
    skipped = sum(1 for u in units if u.status == UnitStatus.SKIPPED)

    title = f"{cell(total)}/month of waste found" if s.findings else "no waste found"
    out = [MARKER, f"## cloudwaste: {title}", ""]
    out += [_row("", ""), _row("---", "---")]
    demo = ", demo: simulated estate" if scan.args.get("demo") else ""
    out.append(_row("Scan", f"{cell(scan.id)} ({cell(scan.status.value)}{demo})"))
    out.append(_row("Providers", cell(", ".join(scan.providers)) or "none"))
    ignored_note = f" (+{s.ignored} ignored, not counted)" if s.ignored else ""
    out.append(_row("Findings", f"{s.findings}{ignored_note}"))
    out.append(_row("Monthly cost", cell(total)))
    if s.unknown_cost_findings:
        out.append(_row("Unknown cost", f"{plural(s.unknown_cost_findings, 'finding')} (not in the total)"))
    if s.overlapping_findings:
        overlap = f"{plural(s.overlapping_findings, 'finding')} on resources already in the total"
        out.append(_row("Overlapping", overlap))
    coverage = f"{len(units)} units: {ok} ok, {len(errors)} error, {skipped} skipped"
    out.append(_row("Coverage", coverage))
    if report.gate.configured:
        verdict = "**breached**" if report.gate.breached else "passed"
        rules = "; ".join(
            cell(f"{r.flag} {r.threshold:g}: actual {r.actual:g}") + (" (breached)" if r.breached else "")
            for r in report.gate.rules
        )
        soft = " (soft fail)" if report.gate.soft_fail and report.gate.breached else ""
        out.append(_row("Gate", f"{verdict}{soft}" + (f": {rules}" if rules else "")))
    out.append("")

    out += _by_check(report, currency)
    counted = report.counted()
    if not counted:
        out.append("No waste found.")
    else:
        top = sorted(counted, key=lambda f: (f.monthly_cost.amount is None, -(f.monthly_cost.amount or 0.0)))[
            :TOP
        ]
        out += [f"### Top {len(top)} findings by monthly cost", ""]
        out += _findings_table(top, with_status=False)
        if len(counted) > len(top):
            out += ["", f"_Showing {len(top)} of {len(counted)} findings._"]
    ignored = [f for f in report.findings if f.status not in COUNTED]
    if ignored:
        out += [
            "",
            f"<details><summary>{plural(len(ignored), 'ignored finding')} (not counted)</summary>",
            "",
        ]
        out += _findings_table(ignored[:TOP], with_status=True)
        out += ["", "</details>"]
    out += _coverage_gaps(errors, [u for u in units if u.status == UnitStatus.SKIPPED])
    return "\n".join(out) + "\n"


def _unit_line(u: CoverageUnit) -> str:
    return f"- {cell(u.provider)} {cell(u.scope)}/{cell(u.region)}: {cell(u.error) or cell(u.status.value)}"


def _coverage_gaps(errors: list[CoverageUnit], skipped: list[CoverageUnit]) -> list[str]:
    """Units in error (listed) and skipped units (folded): waste there is missing from the report."""
    if not errors and not skipped:
        return []
    out = ["", "### Coverage gaps", ""]
    if errors:
        out += [f"{plural(len(errors), 'unit')} could not be read; waste there is not in this report:", ""]
        out += [_unit_line(u) for u in errors[:TOP]]
        if len(errors) > TOP:
            out.append(f"- _and {len(errors) - TOP} more_")
    if skipped:
        out += ["", f"<details><summary>{plural(len(skipped), 'unit')} skipped</summary>", ""]
        out += [_unit_line(u) for u in skipped[:TOP]]
        if len(skipped) > TOP:
            out.append(f"- _and {len(skipped) - TOP} more_")
        out += ["", "</details>"]
    return out


def _by_check(report: Report, currency: str) -> list[str]:
    """Counted findings and charged monthly cost per check, the costliest first."""
    rows = sorted(
        report.summary.by_check.items(),
        key=lambda kv: (-float(kv[1].get("monthly_cost") or 0.0), -int(kv[1].get("findings") or 0), kv[0]),
    )
    if not rows:
        return []
    out = ["### Waste by check", "", _row("Check", "Findings", "Monthly cost"), _row("---", "---:", "---:")]
    for check_id, bucket in rows[:TOP_CHECKS]:
        name = f"`{check_id}`" if _CODE_SAFE.fullmatch(check_id) else cell(check_id)
        money = cell(format_money(float(bucket.get("monthly_cost") or 0.0), currency))
        out.append(_row(name, str(bucket.get("findings", 0)), money))
    if len(rows) > TOP_CHECKS:
        out += ["", f"_and {plural(len(rows) - TOP_CHECKS, 'more check')}_"]
    return out + [""]
