"""``cloudwaste findings``: list and inspect stored findings."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db, Format, Output, Width

app = typer.Typer(help="List and inspect stored findings.", no_args_is_help=True)

ScanRef = Annotated[str, typer.Option("--scan", help="Scan id, unique prefix or 'latest'.")]


@app.command("list", epilog="Example:\n\n\b\n  cloudwaste findings list --check 'aws.ebs.*' -f csv")
def list_findings(
    scan: ScanRef = "latest",
    check: Annotated[
        str | None, typer.Option("--check", help="Only findings of checks matching this glob.")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", "-r", help="Only this region (glob).")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="open, ignored or marked_for_deletion.")
    ] = None,
    db: Db = None,
    fmt: Format = "table",
    output: Output = None,
    width: Width = None,
) -> None:
    """List the findings of a stored scan (default: the latest)."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.output import OutputOptions, build, emit
        from cloudwaste.engine.gate import GateOptions

        store = open_store(db)
        try:
            found = store.get_scan(scan)
            findings = store.findings(found.id)
        finally:
            store.close()
        findings = [
            f
            for f in findings
            if (check is None or fnmatchcase(f.check_id, check))
            and (region is None or fnmatchcase(f.region, region))
            and (status is None or f.status.value == status)
        ]
        opts = OutputOptions(fmt=fmt, output=output, width=width, quiet=True)
        emit(build(found, findings, opts, GateOptions()), opts)


@app.command("show", epilog="Example:\n\n\b\n  cloudwaste findings show cw1:3f2a")
def show_finding(
    fingerprint: Annotated[str, typer.Argument(help="Fingerprint or a unique prefix of it.")],
    db: Db = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the finding as JSON.")] = False,
) -> None:
    """Show one finding with its full evidence (latest occurrence)."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.tables import print_json, print_pairs
        from cloudwaste.errors import UsageError
        from cloudwaste.report import finding_json

        store = open_store(db)
        try:
            matches = store.find_findings(fingerprint)
        finally:
            store.close()
        if not matches:
            raise UsageError(
                f"no finding with fingerprint {fingerprint!r}", hint="see `cloudwaste findings list`"
            )
        if len(matches) > 1:
            raise UsageError(f"fingerprint prefix {fingerprint!r} is ambiguous ({len(matches)} findings)")
        f = matches[0]
        if json_out:
            print_json(finding_json(f))
            return
        cost = f.monthly_cost
        amount = (
            "unknown"
            if cost.amount is None
            else f"${cost.amount:,.2f} {cost.currency}/month ({cost.kind.value})"
        )
        pairs: list[tuple[str, object]] = [
            ("fingerprint", f.fingerprint),
            ("check", f"{f.check_id}: {f.title}"),
            ("severity", f.severity.value),
            ("confidence", f.confidence.value),
            ("status", f.status.value + (f" ({f.status_reason})" if f.status_reason else "")),
            ("account/region", f"{f.account}/{f.region}"),
            ("resource", f.resource.id),
            ("arn", f.resource.arn),
            ("name", f.resource.name),
            ("type", f.resource.type),
            ("created", f.resource.created_at),
            ("tags", ", ".join(f"{k}={v}" for k, v in f.resource.tags.items())),
            ("reason", f.reason),
            ("monthly cost", amount),
            ("cost basis", f"{cost.basis.value if cost.basis else 'unknown'}: {cost.detail or ''}"),
            ("recommendation", f.recommendation),
            ("first seen", f.first_seen),
            ("last seen", f.last_seen),
        ]
        pairs += [(f"evidence.{k}", v) for k, v in f.evidence.items()]
        print_pairs(pairs)
