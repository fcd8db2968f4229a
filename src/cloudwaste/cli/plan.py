"""``cloudwaste plan``: write a cleanup script to review (cloudwaste never runs it nor deletes anything)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db, IgnoreFile, NoIgnore, Output

EPILOG = """\
Examples:

\b
  cloudwaste findings mark-for-deletion cw1:3f2a --reason 'FIN-42'   # choose what goes in
  cloudwaste plan -o cleanup.sh                  # review it; as written it changes nothing
  cloudwaste plan --format terraform -o cleanup.tf
  cloudwaste plan --status open --check 'aws.ebs.*' --scan previous

\b
The sh plan: every `aws ec2` command has --dry-run; aws elbv2, aws elb, aws rds and az have no
dry-run mode, so their commands are commented out. A backup (snapshot, AMI) is taken and waited for
before each delete where data could be lost. Every id is shell-quoted.
"""

PLAN_STATUSES = ("marked_for_deletion", "open", "any")
PLAN_FORMATS = ("sh", "terraform")


def _choice(allowed: tuple[str, ...], flag: str) -> object:
    def check(value: str) -> str:
        value = value.lower()
        if value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


def plan(
    scan: Annotated[
        str, typer.Option("--scan", help="Scan id, unique prefix, 'latest' or 'previous'.")
    ] = "latest",
    status: Annotated[
        str,
        typer.Option(
            "--status",
            callback=_choice(PLAN_STATUSES, "--status"),
            help="Which findings: marked_for_deletion, open, or any (both).",
        ),
    ] = "marked_for_deletion",
    check: Annotated[
        str | None,
        typer.Option("--check", metavar="GLOB", help="Only findings of checks matching this glob."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            callback=_choice(PLAN_FORMATS, "--format"),
            help="sh or terraform.",
        ),
    ] = "sh",
    output: Output = None,
    ignore_file: IgnoreFile = None,
    no_ignore: NoIgnore = False,
    db: Db = None,
) -> None:
    """Write a cleanup script for findings to review by hand (nothing runs it; cloudwaste deletes nothing)."""
    with console.handled():
        from cloudwaste import suppress
        from cloudwaste.checks.registry import load_checks
        from cloudwaste.cleanup import render_sh, render_terraform
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.output import _write_file
        from cloudwaste.model import Status

        now = datetime.now(UTC)
        with open_store(db) as store:
            found = store.get_scan(scan)
            findings = store.findings(found.id)
        findings = suppress.load(ignore_file, enabled=not no_ignore).apply(findings, now)
        wanted = {Status.OPEN, Status.MARKED_FOR_DELETION} if status == "any" else {Status(status)}
        chosen = [
            f for f in findings if f.status in wanted and (check is None or fnmatchcase(f.check_id, check))
        ]
        chosen.sort(key=lambda f: (f.provider, f.account, f.region, f.resource.type, f.resource.id))
        klasses: dict[str, str] = {}
        for provider in sorted({f.provider for f in chosen}):
            try:
                klasses |= {spec.id: str(spec.klass) for spec in load_checks(provider)}
            except Exception:  # an unknown provider has no registry: its findings are skipped anyway
                continue
        render = render_terraform if fmt == "terraform" else render_sh
        text = render(found, chosen, klasses, now, status)
        if output in (None, "-"):
            sys.stdout.write(text)
        else:
            assert output is not None
            _write_file(output, text)
        where = "" if output in (None, "-") else f" to {output}"
        console.say(
            f"plan{where}: {len(chosen)} findings of scan {found.id} with status {status}"
            " - review it; nothing has been changed"
        )
        if not chosen and status == "marked_for_deletion":
            console.say("hint: choose findings with `cloudwaste findings mark-for-deletion FP --reason ...`")
