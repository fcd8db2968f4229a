"""``cloudwaste scans``: list, show and delete stored scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db

if TYPE_CHECKING:
    from cloudwaste.model import Scan

app = typer.Typer(help="List, show, delete and prune stored scans.", no_args_is_help=True)

JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list", epilog="Example:\n\n\b\n  cloudwaste scans list --limit 5")
def list_scans(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many scans, newest first.")] = 20,
    db: Db = None,
    json_out: JsonOut = False,
) -> None:
    """List stored scans, newest first, with their totals and the change since the scan before.

    The change compares the monthly waste with the previous complete or partial scan (failed and
    interrupted scans have no meaningful total and get none)."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.tables import print_json, print_table

        with open_store(db) as store:
            scans = store.list_scans(None)
            counts = {s.id: store.scan_totals(s.id) for s in scans}
        changes = _changes(scans, counts)
        scans = scans[:limit]
        if json_out:
            print_json(
                {
                    "scans": [
                        s.model_dump(mode="json", exclude={"coverage", "args"})
                        | {"totals": counts[s.id], "change": changes.get(s.id)}
                        for s in scans
                    ]
                }
            )
            return
        rows = []
        for s in scans:
            totals = counts[s.id]
            errors = sum(1 for c in s.coverage if c.status == "error")
            rows.append(
                [
                    s.id,
                    s.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                    s.status.value,
                    ",".join(s.providers),
                    totals.get("findings", ""),
                    _money(totals.get("monthly_cost")),
                    _trend(changes.get(s.id)),
                    f"{len(s.coverage)} ({errors} errors)" if errors else len(s.coverage),
                ]
            )
        if not rows:
            console.say("no scans stored yet: run `cloudwaste scan aws` or `cloudwaste demo`")
            return
        print_table(
            None,
            ["scan", "started (UTC)", "status", "providers", "findings", "$/month", "trend", "units"],
            rows,
        )


def _money(value: object) -> str:
    return f"{value:,.2f}" if isinstance(value, int | float) and not isinstance(value, bool) else ""


def _changes(scans: list[Scan], totals: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Scan id -> monthly total minus the previous complete or partial scan's (``scans``: newest first)."""
    from cloudwaste.model import ScanStatus

    out: dict[str, float] = {}
    previous: float | None = None
    for scan in reversed(scans):
        amount = totals[scan.id].get("monthly_cost")
        if scan.status not in (ScanStatus.COMPLETE, ScanStatus.PARTIAL) or not isinstance(
            amount, int | float
        ):
            continue
        if previous is not None:
            out[scan.id] = round(float(amount) - previous, 2)
        previous = float(amount)
    return out


def _trend(change: float | None) -> str:
    if change is None:
        return ""
    if abs(change) < 0.005:
        return "= 0.00"
    return f"{'▲' if change > 0 else '▼'} {change:+,.2f}"


@app.command("show", epilog="Example:\n\n\b\n  cloudwaste scans show latest")
def show_scan(
    scan_ref: Annotated[str, typer.Argument(metavar="[SCAN_ID|latest]")] = "latest",
    db: Db = None,
    json_out: JsonOut = False,
) -> None:
    """Show a scan's arguments and per-unit coverage."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.tables import print_json, print_pairs, print_table

        with open_store(db) as store:
            scan = store.get_scan(scan_ref)
        if json_out:
            print_json(scan.model_dump(mode="json"))
            return
        print_pairs(
            [
                ("scan", scan.id),
                ("status", scan.status.value),
                ("started", scan.started_at),
                ("finished", scan.finished_at),
                ("providers", ", ".join(scan.providers)),
                ("args", scan.args),
            ]
        )
        rows = [
            [
                c.provider,
                c.scope,
                c.region,
                c.status.value,
                c.findings,
                c.api_calls,
                f"{c.duration_s:.2f}",
                c.error or "",
            ]
            for c in scan.coverage
        ]
        print_table(
            "coverage",
            ["provider", "scope", "region", "status", "findings", "api calls", "seconds", "error"],
            rows,
        )


@app.command("delete", epilog="Example:\n\n\b\n  cloudwaste scans delete 20261201-072455-3fa9c1")
def delete_scan(
    scan_ref: Annotated[str, typer.Argument(metavar="SCAN_ID")],
    db: Db = None,
) -> None:
    """Delete one stored scan (its findings and coverage)."""
    with console.handled():
        from cloudwaste.cli.common import open_store

        with open_store(db) as store:
            scan = store.get_scan(scan_ref)
            if scan.id != scan_ref:
                from cloudwaste.errors import UsageError

                raise UsageError(f"{scan_ref!r} matches scan {scan.id}: give the full id to delete it")
            store.delete_scan(scan.id)
        console.say(f"deleted scan {scan.id}")


_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_age(value: str) -> timedelta:
    """``90d``, ``12w``, ``36h``: a duration."""
    from cloudwaste.errors import UsageError

    text = value.strip().lower()
    unit = _UNITS.get(text[-1:]) if text else None
    number = text[:-1]
    if unit is None or not number.isdigit() or int(number) <= 0:
        raise UsageError(f"--older-than {value!r} is not a duration", hint="e.g. 90d, 12w or 36h")
    return int(number) * unit


@app.command(
    "prune",
    epilog="Examples:\n\n\b\n  cloudwaste scans prune --older-than 90d --dry-run\n"
    "  cloudwaste scans prune --older-than 26w --keep 10",
)
def prune(
    older_than: Annotated[
        str,
        typer.Option("--older-than", metavar="AGE", help="Delete scans started longer ago: 90d, 12w, 36h."),
    ],
    keep: Annotated[
        int, typer.Option("--keep", metavar="N", min=0, help="Always keep the N newest scans, however old.")
    ] = 1,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be deleted; delete nothing.")
    ] = False,
    db: Db = None,
) -> None:
    """Delete old scans with their findings and coverage.

    A finding's ignored or marked-for-deletion state is kept even when no remaining scan holds the
    finding (it applies again if the resource comes back); open and resolved states of findings no
    remaining scan has seen are dropped.
    """
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.tables import print_table

        cutoff = datetime.now(UTC) - parse_age(older_than)
        with open_store(db) as store:
            old = store.prune(cutoff, keep=keep, dry_run=dry_run)
        if old:
            print_table(
                "would delete" if dry_run else "deleted",
                ["scan", "started (UTC)", "status"],
                [[s.id, s.started_at.strftime("%Y-%m-%d %H:%M:%S"), s.status.value] for s in old],
            )
        verb = "would delete" if dry_run else "deleted"
        console.say(
            f"{verb} {len(old)} scan{'s' if len(old) != 1 else ''} started before {cutoff:%Y-%m-%d %H:%M} UTC"
        )
