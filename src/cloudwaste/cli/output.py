"""Render a report to stdout / ``-o`` / ``--export`` files, print the verdict, pick the exit code."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cloudwaste.cli import console

if TYPE_CHECKING:
    from cloudwaste.engine.gate import GateOptions
    from cloudwaste.model import Finding, Scan
    from cloudwaste.report import Report


@dataclass(frozen=True)
class OutputOptions:
    """Where and how to write the report."""

    fmt: str = "table"
    output: str | None = None
    exports: tuple[str, ...] = ()
    width: int | None = None
    quiet: bool = False
    min_cost: float | None = None


def gate_options(
    fail_over: float | None, fail_on_count: int | None, fail_on_severity: str | None, soft_fail: bool
) -> GateOptions:
    """Gate flags, with config-file defaults for any flag not given."""
    from cloudwaste.config import load_config
    from cloudwaste.engine.gate import GateOptions
    from cloudwaste.model import Severity

    conf = load_config().data.gate
    severity = fail_on_severity or conf.fail_on_severity
    return GateOptions(
        fail_over=fail_over if fail_over is not None else conf.fail_over,
        fail_on_count=fail_on_count if fail_on_count is not None else conf.fail_on_count,
        fail_on_severity=Severity(severity) if severity else None,
        soft_fail=soft_fail or conf.soft_fail,
    )


def _write_file(path: str, text: str) -> None:
    from cloudwaste.errors import CloudwasteError

    target = Path(path).expanduser()
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CloudwasteError(f"cannot write {target}: {exc.strerror}") from None


def build(scan: Scan, findings: list[Finding], opts: OutputOptions, gate: GateOptions) -> Report:
    """The report for ``scan``: --min-cost applied, gate evaluated."""
    from cloudwaste.engine.gate import evaluate
    from cloudwaste.report import build_report

    if opts.min_cost is not None:
        floor = opts.min_cost
        findings = [f for f in findings if f.monthly_cost.amount is None or f.monthly_cost.amount >= floor]
    report = build_report(scan, findings)
    report.gate = evaluate(report, gate)
    return report


def emit(report: Report, opts: OutputOptions) -> None:
    """Write the report where asked, then the one-line summary and gate verdict on stderr."""
    from cloudwaste.reports import format_for_path, render

    to_stdout = opts.output in (None, "-")
    color = to_stdout and opts.fmt == "table" and console.stdout_is_tty() and "NO_COLOR" not in os.environ
    width = opts.width
    if width is None and to_stdout and console.stdout_is_tty():
        width = os.get_terminal_size(sys.stdout.fileno()).columns
    for path in opts.exports:
        _write_file(path, render(report, format_for_path(path), width=120))
    text = render(report, opts.fmt, width=width, color=color)
    if to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        assert opts.output is not None
        _write_file(opts.output, text)
    if not opts.quiet:
        summarize(report)


def summarize(report: Report) -> None:
    """One stderr line with the totals, plus coverage errors and the gate verdict."""
    from cloudwaste.reports import plural

    s = report.summary
    money = f"${s.monthly_cost['amount']:,.2f}/month"
    unknown = f" (+{s.unknown_cost_findings} of unknown cost)" if s.unknown_cost_findings else ""
    console.say(
        f"scan {report.scan.id} {report.scan.status.value}: {plural(s.findings, 'finding')}, {money}{unknown}"
        + (f", {s.ignored} ignored" if s.ignored else "")
    )
    errors = [c for c in report.scan.coverage if c.status == "error"]
    if errors:
        console.warn(f"{len(errors)} of {len(report.scan.coverage)} units failed:")
        for c in errors[:10]:
            console.say(f"  {c.provider}:{c.scope}/{c.region}: {c.error}")
    gate = report.gate
    if gate.configured:
        for rule in gate.rules:
            verdict = "BREACHED" if rule.breached else "ok"
            if rule.flag.startswith("--fail-on-severity"):
                console.say(
                    f"gate {rule.flag}: {plural(int(rule.actual), 'finding')} at or above -> {verdict}"
                )
            else:
                console.say(f"gate {rule.flag} {rule.threshold:g}: actual {rule.actual:g} -> {verdict}")
        if gate.breached and gate.soft_fail:
            console.say("gate breached, but --soft-fail is set: exit 0")
