"""Scan progress on stderr: a Rich bar on a terminal, plain lines otherwise, nothing with --quiet."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

if TYPE_CHECKING:
    from types import TracebackType

    from cloudwaste.model import CoverageUnit, Finding
    from cloudwaste.providers.base import Plan, ScopeUnit


class ScanProgress:
    """Implements the engine's Progress protocol. Use as a context manager."""

    def __init__(self, console: Console, *, live: bool | None = None) -> None:
        self.console = console
        self.live = console.is_terminal if live is None else live
        self.findings = 0
        self.cost = 0.0
        self._found: list[Finding] = []
        self.units_done = 0
        self.units_total = 0
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._task: object = None

    def __enter__(self) -> ScanProgress:
        if self.live:
            self._bar = Progress(
                TextColumn("[bold]scanning[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._bar.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar:
            self._bar.stop()

    def planned(self, plan: Plan) -> None:
        """Print the credential banner and plan warnings."""
        if plan.banner:
            self.console.print(Text(plan.banner, style="dim"))
        for warning in plan.warnings:
            self.console.print(Text("warning: ", style="yellow") + Text(warning))
        for skipped in plan.skipped:
            self.console.print(
                Text(f"skipped {skipped.provider}:{skipped.scope}/{skipped.region}: {skipped.error}")
            )

    def _status(self) -> str:
        return f"units {self.units_done}/{self.units_total}  findings {self.findings}  ${self.cost:,.2f}/mo"

    def started(self, units: int, tasks: int) -> None:
        """Scanning starts."""
        self.units_total = units
        if self._bar:
            self._task = self._bar.add_task("scan", total=tasks, status=self._status())
        else:
            unit_word = "unit" if units == 1 else "units"
            self.console.print(
                f"scanning {units} {unit_word} ({tasks} checks)", markup=False, highlight=False
            )

    def task_done(self, unit: ScopeUnit, check_id: str, findings: list[Finding]) -> None:
        """Advance the bar."""
        with self._lock:
            self.findings += len(findings)
            if findings:  # the running total charges each resource once, like the report's
                from cloudwaste.report import summarize

                self._found.extend(findings)
                self.cost = float(summarize(self._found).monthly_cost["amount"])
            if self._bar and self._task is not None:
                self._bar.update(self._task, advance=1, status=self._status())  # type: ignore[arg-type]

    def unit_done(self, coverage: CoverageUnit) -> None:
        """Report a finished unit (a line per unit when not on a terminal)."""
        with self._lock:
            self.units_done += 1
        if self._bar and self._task is not None:
            self._bar.update(self._task, status=self._status())  # type: ignore[arg-type]
        if not self.live:
            line = f"{coverage.provider}:{coverage.scope}/{coverage.region} {coverage.status.value}"
            line += (
                f" ({coverage.findings} findings, {coverage.api_calls} API calls, {coverage.duration_s:.1f}s)"
            )
            if coverage.error:
                line += f": {coverage.error}"
            self.console.print(line, markup=False, highlight=False)


def make_progress(quiet: bool) -> ScanProgress | None:
    """Progress for the scan command (None with --quiet)."""
    if quiet:
        return None
    from cloudwaste.cli.console import err_console

    console: Console = err_console()
    return ScanProgress(console, live=console.is_terminal and sys.stderr.isatty())
