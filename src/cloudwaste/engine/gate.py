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

    @property
    def configured(self) -> bool:
        """True when any gate flag was given."""
        return any(v is not None for v in (self.fail_over, self.fail_on_count, self.fail_on_severity))


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
