"""The ``cloudwaste`` command: the Typer app, its command groups, and the process entry point."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from cloudwaste import __version__
from cloudwaste.cli import (
    ask,
    auth,
    baseline,
    demo,
    findings,
    ignore,
    plan,
    pricing,
    report,
    rules,
    scan,
    scans,
    trend,
)
from cloudwaste.cli import diff as diff_cmd

HELP = """\
Find the money burned on forgotten cloud resources (read-only).

Examples:

\b
  cloudwaste demo                                  # offline demo estate
  cloudwaste scan aws -r eu-west-1                 # terminal
  cloudwaste report -f json -o waste.json -q       # cron, from the local store
  cloudwaste scan aws --fail-over 500 -f markdown  # CI: exit 3 above $500/month

\b
Exit codes: 0 ok, 1 error, 2 usage, 3 gate breached, 4 incomplete (--strict), 5 no credentials,
130 interrupted.
"""

app = typer.Typer(
    name="cloudwaste",
    help=HELP,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(scan.app, name="scan")
app.command("report", epilog=report.EPILOG)(report.report)
app.add_typer(findings.app, name="findings")
app.add_typer(scans.app, name="scans")
app.add_typer(rules.app, name="rules")
app.add_typer(auth.app, name="auth")
app.add_typer(pricing.app, name="pricing")
app.command("demo", epilog=demo.EPILOG)(demo.demo)
app.command("ask", epilog=ask.EPILOG)(ask.ask)
app.add_typer(ignore.app, name="ignore")
app.command("diff", epilog=diff_cmd.EPILOG)(diff_cmd.diff)
app.add_typer(baseline.app, name="baseline")
app.command("trend", epilog=trend.EPILOG)(trend.trend)
app.command("plan", epilog=plan.EPILOG)(plan.plan)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cloudwaste {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """cloudwaste: find the money burned on forgotten cloud resources."""


@app.command("version")
def version_cmd() -> None:
    """Print the version of cloudwaste and of Python."""
    typer.echo(f"cloudwaste {__version__} (Python {sys.version.split()[0]})")


def _click_exceptions() -> Any:
    """Click's exception module (Typer >= 0.24 vendors Click as ``typer._click``)."""
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older Typer with a separate Click
        from click import exceptions  # type: ignore[no-redef]
    return exceptions


def run() -> None:
    """Console-script entry point: one-line usage errors (exit 2), clean Ctrl-C (130)."""
    cx = _click_exceptions()
    try:
        code = app(standalone_mode=False)
    except cx.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stderr.write(exc.format_message() + "\n")
            sys.exit(2)
        where = f"{exc.ctx.command_path} --help" if exc.ctx else "cloudwaste --help"
        sys.stderr.write(f"error: {exc.format_message()} (see `{where}`)\n")
        sys.exit(2)
    except cx.ClickException as exc:
        sys.stderr.write(f"error: {exc.format_message()}\n")
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, cx.Abort):
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)
    except cx.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
