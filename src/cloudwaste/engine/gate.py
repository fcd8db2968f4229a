"""CI gates: fail a pipeline when the waste found crosses a threshold (opt-in, exit 3)."""

from __future__ import annotations

from dataclasses import dataclass

from cloudwaste.errors import (
    EXIT_ERROR,
    EXIT_GATE,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_OK,
)
from cloudwaste.model import ScanStatus, Severity
from cloudwaste.report import GateResult, GateRule, Report


@dataclass(frozen=True)
class GateOptions:
    """The gate flags; None means not configured."""

    fail_over: float | None = None
    fail_on_count: int | None = None
    fail_on_severity: Severity | None = None
    soft_fail: bool = False
    fail_on_new: bool = False  # needs a baseline: a counted finding the baseline lacks breaches
    fail_over_increase: float | None = None  # needs a baseline: monthly total grew by more than this

    @property
    def configured(self) -> bool:
        """True when any gate flag was given."""
        thresholds = (self.fail_over, self.fail_on_count, self.fail_on_severity, self.fail_over_increase)
        return self.fail_on_new or any(v is not None for v in thresholds)

    @property
    def needs_baseline(self) -> bool:
        """True when a gate compares with a baseline (``--fail-on-new``, ``--fail-over-increase``)."""
        return self.fail_on_new or self.fail_over_increase is not None


def evaluate(report: Report, options: GateOptions) -> GateResult:
    """Compare the counted findings (ignored never count) with every configured gate."""
    rules: list[GateRule] = []
    counted = report.counted()
    if options.fail_over is not None:
        actual = float(report.summary.monthly_cost["amount"])
        rules.append(
            GateRule(
                flag="--fail-over",
                threshold=options.fail_over,
                actual=actual,
                breached=actual > options.fail_over,
            )
        )
    if options.fail_on_count is not None:
        n = len(counted)
        rules.append(
            GateRule(
                flag="--fail-on-count",
                threshold=options.fail_on_count,
                actual=n,
                breached=n > options.fail_on_count,
            )
        )
    if options.fail_on_severity is not None:
        level = options.fail_on_severity
        n = sum(1 for f in counted if f.severity.rank >= level.rank)
        rules.append(
            GateRule(flag=f"--fail-on-severity {level.value}", threshold=level.rank, actual=n, breached=n > 0)
        )
    if options.needs_baseline and report.baseline is None:
        from cloudwaste.errors import UsageError

        raise UsageError(
            "--fail-on-new and --fail-over-increase compare with a baseline",
            hint="add --baseline latest (the previous stored scan), --baseline FILE or --baseline SCAN_ID",
        )
    if options.fail_on_new:
        n = sum(1 for f in counted if report.baseline_status.get(f.fingerprint, "new") == "new")
        rules.append(GateRule(flag="--fail-on-new", threshold=0, actual=n, breached=n > 0))
    if options.fail_over_increase is not None and report.baseline is not None:
        growth = round(report.baseline.change, 2)
        rules.append(
            GateRule(
                flag="--fail-over-increase",
                threshold=options.fail_over_increase,
                actual=growth,
                breached=growth > options.fail_over_increase,
            )
        )
    return GateResult(
        configured=options.configured,
        breached=any(r.breached for r in rules),
        soft_fail=options.soft_fail,
        rules=rules,
    )


def exit_code(report: Report, *, strict: bool = False) -> int:
    """The scan's exit code: 130 interrupted > 1 nothing could be scanned > 3 gate > 4 --strict > 0."""
    if report.scan.status == ScanStatus.INTERRUPTED:
        return EXIT_INTERRUPTED
    if report.scan.status == ScanStatus.FAILED:
        return EXIT_ERROR
    if report.gate.breached and not report.gate.soft_fail:
        return EXIT_GATE
    if strict and report.scan.status in (ScanStatus.PARTIAL, ScanStatus.FAILED):
        return EXIT_INCOMPLETE
    return EXIT_OK


def report_exit_code(report: Report, *, strict: bool = False) -> int:
    """Exit code of re-rendering a stored scan: the gate, and with --strict an incomplete scan (4).

    Unlike a live scan, replaying an interrupted or failed scan is not itself an error.
    """
    if report.gate.breached and not report.gate.soft_fail:
        return EXIT_GATE
    if strict and report.scan.status != ScanStatus.COMPLETE:
        return EXIT_INCOMPLETE
    return EXIT_OK
