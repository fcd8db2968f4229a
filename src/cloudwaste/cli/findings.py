"""``cloudwaste findings``: list and inspect stored findings."""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db, Format, IgnoreFile, NoIgnore, Output, ShowIgnored, Width

app = typer.Typer(help="List and inspect stored findings.", no_args_is_help=True)

STATUSES = ("open", "ignored", "marked_for_deletion")

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
    show_ignored: ShowIgnored = False,
    ignore_file: IgnoreFile = None,
    no_ignore: NoIgnore = False,
    db: Db = None,
    fmt: Format = "table",
    output: Output = None,
    width: Width = None,
) -> None:
    """List the findings of a stored scan (default: the latest); ignored ones only with --show-ignored."""
    with console.handled():
        from dataclasses import replace

        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.output import OutputOptions, build, emit
        from cloudwaste.engine.gate import GateOptions
        from cloudwaste.errors import UsageError

        if status is not None and status not in STATUSES:
            raise UsageError(f"--status {status!r} is not one of {', '.join(STATUSES)}")

        with open_store(db) as store:
            found = store.get_scan(scan)
            findings = store.findings(found.id)
        findings = [
            f
            for f in findings
            if (check is None or fnmatchcase(f.check_id, check))
            and (region is None or fnmatchcase(f.region, region))
        ]
        opts = OutputOptions(
            fmt=fmt,
            output=output,
            width=width,
            quiet=True,
            ignore_file=ignore_file,
            no_ignore=no_ignore,
            show_ignored=show_ignored or status == "ignored",
        )
        rep = build(found, findings, opts, GateOptions())
        if status is not None:  # after suppression: a muted finding is ignored, not open
            kept = [f for f in rep.findings if f.status.value == status]
            rep = build(found, kept, replace(opts, no_ignore=True), GateOptions())
        emit(rep, opts)


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
        from cloudwaste.model import Status
        from cloudwaste.report import finding_json

        with open_store(db) as store:
            matches = store.find_findings(fingerprint)
            state = store.state(matches[0].fingerprint) if len(matches) == 1 else None
        if not matches:
            raise UsageError(
                f"no finding with fingerprint {fingerprint!r}", hint="see `cloudwaste findings list`"
            )
        if len(matches) > 1:
            raise UsageError(f"fingerprint prefix {fingerprint!r} is ambiguous ({len(matches)} findings)")
        f = matches[0]
        if state is not None and state["status"] == Status.RESOLVED.value:  # a later scan no longer finds it
            f = f.model_copy(update={"status": Status.RESOLVED, "status_reason": state["reason"]})
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


def _set_status(
    fingerprint: str, status: str, reason: str | None, until: str | None, db: Path | None
) -> None:
    """Resolve a (prefix of a) fingerprint and store its lifecycle status, kept across scans."""
    import getpass

    from cloudwaste.cli.common import open_store
    from cloudwaste.cli.options import parse_day
    from cloudwaste.errors import UsageError
    from cloudwaste.model import Status

    if reason is not None and not reason.strip():
        raise UsageError("--reason must say why", hint="e.g. --reason 'DR standby, see ticket OPS-12'")
    expires = parse_day(until) if until else None
    with open_store(db) as store:
        matches = store.find_findings(fingerprint)
        if not matches:
            raise UsageError(
                f"no finding with fingerprint {fingerprint!r}", hint="see `cloudwaste findings list`"
            )
        if len(matches) > 1:
            raise UsageError(f"fingerprint prefix {fingerprint!r} is ambiguous ({len(matches)} findings)")
        found = matches[0]
        try:
            by = getpass.getuser()
        except (KeyError, OSError):
            by = None
        store.set_state(found.fingerprint, Status(status), reason, by, expires)
    until_text = ""
    if expires is not None:
        from datetime import timedelta

        midnight = (expires.hour, expires.minute, expires.second, expires.microsecond) == (0, 0, 0, 0)
        last = expires - timedelta(days=1)
        until_text = f" through {last:%Y-%m-%d} (UTC)" if midnight else f" until {expires:%Y-%m-%d %H:%M} UTC"
    console.say(f"{found.fingerprint} ({found.check_id} {found.resource.id}): {status}{until_text}")


Reason = Annotated[str, typer.Option("--reason", help="Why (kept with the finding; required).")]
Until = Annotated[
    str | None,
    typer.Option(
        "--expires",
        "--until",
        metavar="DATE",
        help="Last day the ignore applies (2027-03-31: through that day, UTC); then it counts again.",
    ),
]
Fingerprint = Annotated[str, typer.Argument(help="Fingerprint or a unique prefix of it.")]


@app.command(
    "ignore",
    epilog="Example:\n\n\b\n  cloudwaste findings ignore cw1:3f2a --reason 'DR standby' --expires 2027-03-31",
)
def ignore(fingerprint: Fingerprint, reason: Reason, until: Until = None, db: Db = None) -> None:
    """Ignore a finding in this and later scans: it is still listed, never counted in totals or gates."""
    with console.handled():
        _set_status(fingerprint, "ignored", reason, until, db)


@app.command(
    "mark-for-deletion",
    epilog="Example:\n\n\b\n  cloudwaste findings mark-for-deletion cw1:3f2a --reason 'ticket FIN-42'",
)
def mark_for_deletion(fingerprint: Fingerprint, reason: Reason, db: Db = None) -> None:
    """Mark a finding for deletion (still counted: the money is not saved until it is deleted)."""
    with console.handled():
        _set_status(fingerprint, "marked_for_deletion", reason, None, db)


@app.command("unignore", epilog="Example:\n\n\b\n  cloudwaste findings unignore cw1:3f2a")
def unignore(fingerprint: Fingerprint, db: Db = None) -> None:
    """Make an ignored or marked finding open again."""
    with console.handled():
        _set_status(fingerprint, "open", None, None, db)
