"""``cloudwaste baseline save``, and resolving ``--baseline latest|FILE|SCAN_ID`` for scan and report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db, IgnoreFile, NoIgnore

if TYPE_CHECKING:
    from cloudwaste.diff import Side
    from cloudwaste.model import Scan

EPILOG = """\
Example:

\b
  cloudwaste baseline save latest --output .cloudwaste-baseline.json   # commit it; CI then runs
  cloudwaste scan aws --baseline .cloudwaste-baseline.json --fail-on-new --fail-over-increase 50
"""

app = typer.Typer(
    help="Save the JSON baseline a CI job compares with (--baseline, --fail-on-new).",
    no_args_is_help=True,
    epilog=EPILOG,
)


def store_side(ref: str, db: Path | None) -> Side:
    """A stored scan (id, unique prefix, ``latest`` or ``previous``) with its current states."""
    from cloudwaste.cli.common import open_store
    from cloudwaste.diff import Side

    with open_store(db) as store:
        scan = store.get_scan(ref)
        return Side(ref, scan, store.findings(scan.id))


def resolve_baseline(ref: str | None, scan: Scan, db: Path | None) -> Side | None:
    """The baseline ``--baseline`` names for ``scan``; None without the flag.

    ``latest`` is the newest finished stored scan that started before ``scan`` (so a scan that was
    just stored is never its own baseline); a path (or anything ending in ``.json``) is a JSON report;
    anything else is a stored scan id or unique prefix. Raises UsageError when it names nothing.
    """
    if ref is None:
        return None
    ref = ref.strip()
    from cloudwaste.diff import Side, load_report_file, looks_like_file
    from cloudwaste.errors import UsageError

    if looks_like_file(ref):
        return load_report_file(Path(ref).expanduser(), ref)
    from cloudwaste.cli.common import db_path, open_store

    if not db_path(db).is_file():
        raise UsageError(
            f"--baseline {ref}: no store at {db_path(db)} to read it from",
            hint="pass a JSON report (cloudwaste baseline save ... --output FILE) or --db",
        )
    with open_store(db) as store:
        if ref == "latest":
            found = store.scan_before(scan)
            if found is None:
                raise UsageError(
                    f"--baseline latest: no finished scan before {scan.id} in {store.path}",
                    hint="run a first scan without --baseline, or pass a JSON report",
                )
        else:
            found = store.get_scan(ref)
        return Side(ref, found, store.findings(found.id))


@app.command("save", epilog=EPILOG)
def save(
    scan_ref: Annotated[
        str, typer.Argument(metavar="[SCAN_ID|latest]", help="Scan id, unique prefix or 'latest'.")
    ] = "latest",
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="FILE", dir_okay=False, help="Where to write the baseline JSON."
        ),
    ] = Path(".cloudwaste-baseline.json"),
    ignore_file: IgnoreFile = None,
    no_ignore: NoIgnore = False,
    db: Db = None,
) -> None:
    """Write a stored scan as the JSON report a CI job commits and compares with (``--baseline FILE``).

    The file is the normal JSON report (``-f json``): every finding with its fingerprint and status,
    suppressions applied. It holds resource ids, names and tags like any report: commit it only where
    those may be read.
    """
    with console.handled():
        from cloudwaste.cli.output import OutputOptions, build, emit
        from cloudwaste.engine.gate import GateOptions

        side = store_side(scan_ref, db)
        opts = OutputOptions(
            fmt="json", output=str(output), quiet=True, ignore_file=ignore_file, no_ignore=no_ignore
        )
        rep = build(side.scan, side.findings, opts, GateOptions())
        emit(rep, opts)
        s = rep.summary
        console.say(
            f"baseline {output}: scan {side.scan.id}, {s.findings} counted findings"
            f" (${s.monthly_cost['amount']:,.2f}/month), {s.ignored} ignored"
        )
