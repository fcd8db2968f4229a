"""Render a report to stdout / ``-o`` / ``--export`` files, print the verdict, pick the exit code."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cloudwaste.cli import console

if TYPE_CHECKING:
    from cloudwaste.diff import Side
    from cloudwaste.engine.gate import GateOptions
    from cloudwaste.model import Finding, Scan
    from cloudwaste.report import Report
    from cloudwaste.store import Store
    from cloudwaste.suppress import Suppressions


@dataclass(frozen=True)
class OutputOptions:
    """Where and how to write the report."""

    fmt: str = "table"
    output: str | None = None
    exports: tuple[str, ...] = ()
    width: int | None = None
    quiet: bool = False
    min_cost: float | None = None
    history_db: Path | None = None  # the store whose scans feed the HTML trend (None: the default one)
    ignore_file: Path | None = None  # --ignore-file; None: ./.cloudwaste-ignore.yaml when present
    no_ignore: bool = False  # --no-ignore: neither the file nor the cloudwaste:ignore tag
    show_ignored: bool = False  # --show-ignored: list ignored findings in the table too
    now: datetime | None = None  # when suppression rules expire (default: the real clock)


def gate_options(
    fail_over: float | None,
    fail_on_count: int | None,
    fail_on_severity: str | None,
    soft_fail: bool,
    *,
    fail_on_new: bool = False,
    fail_over_increase: float | None = None,
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
        fail_on_new=fail_on_new,
        fail_over_increase=fail_over_increase,
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


def build(
    scan: Scan,
    findings: list[Finding],
    opts: OutputOptions,
    gate: GateOptions,
    *,
    baseline: Side | None = None,
) -> Report:
    """The report for ``scan``: --min-cost and suppressions applied, baseline compared, gate evaluated.

    Suppressions (``.cloudwaste-ignore.yaml``, the ``cloudwaste:ignore`` tag) mark muted open findings
    ``ignored`` before the gate, so a muted finding never breaches it; expired rules warn on stderr.
    ``baseline`` gets the same --min-cost and suppressions, so the comparison is like for like.
    """
    from cloudwaste import suppress
    from cloudwaste.engine.gate import evaluate
    from cloudwaste.report import build_report

    now = opts.now or datetime.now(UTC)
    rules = suppress.load(opts.ignore_file, enabled=not opts.no_ignore)
    for rule in rules.expired(now):
        where = f"{rules.path}:{rule.line}" if rules.path else f"line {rule.line}"
        console.warn(
            f"{where}: ignore rule expired on {rule.expires}, it no longer mutes anything ({rule.reason})"
        )
    report = build_report(scan, _prepare(findings, opts, rules, now))
    if baseline is not None:
        from cloudwaste.diff import Side, annotate

        annotate(report, Side(baseline.label, baseline.scan, _prepare(baseline.findings, opts, rules, now)))
    report.gate = evaluate(report, gate)
    return report


def _prepare(
    findings: list[Finding], opts: OutputOptions, rules: Suppressions, now: datetime
) -> list[Finding]:
    """--min-cost (unknown costs kept), then suppressions."""
    if opts.min_cost is not None:
        floor = opts.min_cost
        findings = [f for f in findings if f.monthly_cost.amount is None or f.monthly_cost.amount >= floor]
    return rules.apply(findings, now)


def _shown(report: Report, fmt: str, opts: OutputOptions) -> Report:
    """Tables list ignored findings only with --show-ignored (totals still say how many there are)."""
    from cloudwaste.model import Status

    if fmt != "table" or opts.show_ignored:
        return report
    return report.model_copy(update={"findings": [f for f in report.findings if f.status != Status.IGNORED]})


def emit(report: Report, opts: OutputOptions) -> None:
    """Write the report where asked, then the one-line summary and gate verdict on stderr."""
    from cloudwaste.reports import format_for_path, render

    to_stdout = opts.output in (None, "-")
    color = to_stdout and opts.fmt == "table" and console.stdout_is_tty() and "NO_COLOR" not in os.environ
    width = opts.width
    if width is None and to_stdout and console.stdout_is_tty():
        width = os.get_terminal_size(sys.stdout.fileno()).columns
    formats = {path: format_for_path(path) for path in opts.exports}
    history = _history(report, opts.history_db) if "html" in (opts.fmt, *formats.values()) else None
    for path, fmt in formats.items():
        _write_file(path, render(_shown(report, fmt, opts), fmt, width=120, history=history))
    text = render(_shown(report, opts.fmt, opts), opts.fmt, width=width, color=color, history=history)
    if to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        assert opts.output is not None
        _write_file(opts.output, text)
    if not opts.quiet:
        summarize(report)


HISTORY_SCANS = 30


def scan_history(store: Store, scan: Scan, limit: int = HISTORY_SCANS) -> list[tuple[datetime, float]]:
    """(start, monthly waste) of the last ``limit`` complete or partial scans up to ``scan``, oldest first.

    The totals are those the store recorded when each scan finished (before any ``--min-cost``); failed
    and interrupted scans are left out, their totals say nothing about the estate.
    """
    from cloudwaste.model import ScanStatus

    def utc(t: datetime) -> datetime:
        return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)

    until = utc(scan.started_at)
    points: list[tuple[datetime, float]] = []
    for s in store.list_scans(None):
        if len(points) >= limit:
            break
        if s.status not in (ScanStatus.COMPLETE, ScanStatus.PARTIAL) or utc(s.started_at) > until:
            continue
        amount = store.scan_totals(s.id).get("monthly_cost")
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            points.append((utc(s.started_at), float(amount)))
    return points[::-1]


def _history(report: Report, db: Path | None) -> list[tuple[datetime, float]] | None:
    """The HTML trend: history from the store at ``db`` (None: CLOUDWASTE_DB, the config's, the default).

    Only a store that holds this very scan is used, so a ``--no-store`` scan or a demo in a temporary
    store gets "no history yet" rather than someone else's history; None also when the store is
    missing or unreadable.
    """
    from cloudwaste.cli.common import db_path
    from cloudwaste.errors import CloudwasteError
    from cloudwaste.store import Store

    env = os.environ.get("CLOUDWASTE_DB")
    try:
        path = db_path(db if db is not None else Path(env) if env else None)
        if not path.is_file():
            return None
        with Store.open(path) as store:
            if store.get_scan(report.scan.id).id != report.scan.id:
                return None
            return scan_history(store, report.scan)
    except CloudwasteError:
        return None


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
    base = report.baseline
    if base is not None:
        console.say(
            f"baseline {base.ref} ({base.scan_id}): {plural(base.new, 'new finding')},"
            f" {base.resolved} resolved, monthly waste {base.change:+,.2f}"
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
            elif rule.flag == "--fail-on-new":
                console.say(f"gate {rule.flag}: {plural(int(rule.actual), 'new finding')} -> {verdict}")
            else:
                console.say(f"gate {rule.flag} {rule.threshold:g}: actual {rule.actual:g} -> {verdict}")
        if gate.breached and gate.soft_fail:
            console.say("gate breached, but --soft-fail is set: exit 0")
