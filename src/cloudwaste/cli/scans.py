"""``cloudwaste scans``: list, show and delete stored scans."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db

app = typer.Typer(help="List, show and delete stored scans.", no_args_is_help=True)

JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("list", epilog="Example:\n\n\b\n  cloudwaste scans list --limit 5")
def list_scans(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many scans, newest first.")] = 20,
    db: Db = None,
    json_out: JsonOut = False,
) -> None:
    """List stored scans, newest first."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.tables import print_json, print_table

        with open_store(db) as store:
            scans = store.list_scans(limit)
            counts = {s.id: store.scan_totals(s.id) for s in scans}
        if json_out:
            print_json(
                {
                    "scans": [
                        s.model_dump(mode="json", exclude={"coverage", "args"}) | {"totals": counts[s.id]}
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
                    f"{len(s.coverage)} ({errors} errors)" if errors else len(s.coverage),
                ]
            )
        if not rows:
            console.say("no scans stored yet: run `cloudwaste scan aws` or `cloudwaste demo`")
            return
        print_table(
            None, ["scan", "started (UTC)", "status", "providers", "findings", "$/month", "units"], rows
        )


def _money(value: object) -> str:
    return f"{value:,.2f}" if isinstance(value, int | float) else ""


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
