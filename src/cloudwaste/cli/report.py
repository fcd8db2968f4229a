"""``cloudwaste report``: re-render a stored scan (no cloud calls), with the same output and gate flags."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import (
    Baseline,
    Db,
    Export,
    FailOnCount,
    FailOnNew,
    FailOnSeverity,
    FailOver,
    FailOverIncrease,
    Format,
    IgnoreFile,
    MinCost,
    NoIgnore,
    Output,
    Quiet,
    ShowIgnored,
    SoftFail,
    Width,
)

EPILOG = """\
Examples:

\b
  cloudwaste report                                   # the latest scan as a table
  cloudwaste report latest -f csv -o waste.csv        # cron: CSV for a spreadsheet
  cloudwaste report 20261201-0722 --fail-over 500     # gate on a stored scan (id prefix)
  cloudwaste report --baseline previous --fail-on-new # exit 3 if anything new since the scan before
"""


def report(
    scan_ref: Annotated[
        str, typer.Argument(metavar="[SCAN_ID|latest]", help="Scan id, unique prefix or 'latest'.")
    ] = "latest",
    db: Db = None,
    fmt: Format = "table",
    output: Output = None,
    export: Export = None,
    fail_over: FailOver = None,
    fail_on_count: FailOnCount = None,
    fail_on_severity: FailOnSeverity = None,
    soft_fail: SoftFail = False,
    baseline: Baseline = None,
    fail_on_new: FailOnNew = False,
    fail_over_increase: FailOverIncrease = None,
    min_cost: MinCost = None,
    ignore_file: IgnoreFile = None,
    no_ignore: NoIgnore = False,
    show_ignored: ShowIgnored = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            envvar="CLOUDWASTE_STRICT",
            show_envvar=True,
            help="Exit 4 when the scan was incomplete.",
        ),
    ] = False,
    quiet: Quiet = False,
    width: Width = None,
) -> None:
    """Re-render a stored scan from the local store."""
    with console.handled():
        from cloudwaste.cli.baseline import resolve_baseline
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.output import OutputOptions, build, emit, gate_options
        from cloudwaste.config import load_config
        from cloudwaste.engine.gate import report_exit_code

        with open_store(db) as store:
            scan = store.get_scan(scan_ref)
            findings = store.findings(scan.id)
        opts = OutputOptions(
            fmt=fmt,
            output=output,
            exports=tuple(export or ()),
            width=width,
            quiet=quiet,
            min_cost=min_cost if min_cost is not None else load_config().data.min_cost,
            ignore_file=ignore_file,
            no_ignore=no_ignore,
            show_ignored=show_ignored,
            history_db=db,
        )
        gate = gate_options(
            fail_over,
            fail_on_count,
            fail_on_severity,
            soft_fail,
            fail_on_new=fail_on_new,
            fail_over_increase=fail_over_increase,
        )
        rep = build(scan, findings, opts, gate, baseline=resolve_baseline(baseline, scan, db))
        emit(rep, opts)
        code = report_exit_code(rep, strict=strict)
    raise typer.Exit(code)
