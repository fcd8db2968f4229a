"""``cloudwaste diff FROM TO``: new, resolved and changed findings between two scans or JSON reports."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db, IgnoreFile, NoIgnore, Output

if TYPE_CHECKING:
    from cloudwaste.diff import Diff, Side
    from cloudwaste.model import Finding

EPILOG = """\
Examples:

\b
  cloudwaste diff previous latest                       # what changed since the scan before
  cloudwaste diff .cloudwaste-baseline.json latest -f markdown >> "$GITHUB_STEP_SUMMARY"
  cloudwaste diff 20261124-0600 20261201-0600 -f json | jq .monthly_cost_change

\b
FROM and TO: a scan id (or unique prefix), 'latest', 'previous' (the finished scan before the
latest) or a JSON report written by `-f json` / `cloudwaste baseline save`. A finding missing from TO
is 'resolved' only when TO scanned its account and region successfully; otherwise it is 'unscanned'.
"""

DIFF_FORMATS = ("table", "json", "markdown")


def _format(value: str) -> str:
    value = value.lower()
    if value not in DIFF_FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(DIFF_FORMATS)}")
    return value


def load_side(ref: str, db: Path | None) -> Side:
    """A stored scan or a JSON report file."""
    from cloudwaste.cli.baseline import store_side
    from cloudwaste.diff import load_report_file, looks_like_file

    ref = ref.strip()
    if looks_like_file(ref):
        return load_report_file(Path(ref).expanduser(), ref)
    return store_side(ref, db)


def diff(
    from_ref: Annotated[
        str, typer.Argument(metavar="FROM", help="Older scan id, 'previous' or JSON report.")
    ],
    to_ref: Annotated[
        str, typer.Argument(metavar="TO", help="Newer scan id, 'latest' or JSON report.")
    ] = "latest",
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", callback=_format, help="table, json or markdown."),
    ] = "table",
    output: Output = None,
    ignore_file: IgnoreFile = None,
    no_ignore: NoIgnore = False,
    db: Db = None,
) -> None:
    """Compare two scans: new, resolved and changed (cost or status) findings, and the change in waste."""
    with console.handled():
        from cloudwaste import suppress
        from cloudwaste.cli.output import _write_file
        from cloudwaste.diff import Side, compare

        before, after = load_side(from_ref, db), load_side(to_ref, db)
        rules = suppress.load(ignore_file, enabled=not no_ignore)
        now = datetime.now(UTC)
        result = compare(
            Side(before.label, before.scan, rules.apply(before.findings, now)),
            Side(after.label, after.scan, rules.apply(after.findings, now)),
        )
        if fmt == "json":
            import json

            text = json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False) + "\n"
        elif fmt == "markdown":
            text = render_markdown(result)
        else:
            text = render_table(result, color=output in (None, "-") and console.stdout_is_tty())
        if output in (None, "-"):
            sys.stdout.write(text)
        else:
            assert output is not None
            _write_file(output, text)
        console.say(headline(result))


def _money(amount: float | None) -> str:
    from cloudwaste.reports import format_money

    return "unknown" if amount is None else format_money(amount)


def headline(d: Diff) -> str:
    """``A (ID) -> B (ID): 2 new, 1 resolved, 1 changed; monthly waste $10.00 -> $18.00 (+$8.00)``."""
    sign = "+" if d.waste_change > 0 else ""
    return (
        f"{d.before.label} ({d.before.scan.id}) -> {d.after.label} ({d.after.scan.id}): "
        f"{len(d.new)} new, {len(d.resolved)} resolved, {len(d.changed)} changed"
        + (f", {len(d.unscanned)} unscanned" if d.unscanned else "")
        + f"; monthly waste {_money(d.waste_before)} -> {_money(d.waste_after)}"
        + f" ({sign}{_money(d.waste_change)})"
    )


def _rows(kind: str, findings: list[Finding]) -> list[list[str]]:
    from cloudwaste.reports import clean, cost_text

    return [
        [
            kind,
            f.check_id,
            clean(f.resource.name or f.resource.id)
            + ("" if not f.resource.name else f" ({clean(f.resource.id)})"),
            f"{f.account}/{f.region}",
            cost_text(f.monthly_cost),
            f.status.value,
        ]
        for f in findings
    ]


def render_table(d: Diff, *, color: bool = False) -> str:
    """The diff as a Rich table (every cell literal text; plain when not a terminal)."""
    import io
    import os

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cloudwaste.reports import clean, cost_text

    rows = _rows("new", d.new) + _rows("resolved", d.resolved)
    for c in d.changed:
        f = c.after
        cost = cost_text(f.monthly_cost)
        if "cost" in c.fields:
            cost = f"{cost_text(c.before.monthly_cost)} -> {cost}"
        status = f.status.value
        if "status" in c.fields:
            status = f"{c.before.status.value} -> {status}"
        rows.append(
            [
                "changed",
                f.check_id,
                clean(f.resource.name or f.resource.id),
                f"{f.account}/{f.region}",
                cost,
                status,
            ]
        )
    rows += _rows("unscanned", d.unscanned)
    buf = io.StringIO()
    out = Console(
        file=buf,
        width=int(os.environ.get("COLUMNS") or 160),
        color_system="auto" if color else None,
        highlight=False,
    )
    out.print(Text(headline(d)))
    if rows:
        table = Table(header_style="bold")
        for col in ("change", "check", "resource", "account/region", "monthly cost", "status"):
            table.add_column(col, overflow="fold")
        styles = {"new": "red", "resolved": "green", "changed": "yellow", "unscanned": "dim"}
        for row in rows:
            table.add_row(*(Text(cell) for cell in row), style=styles.get(row[0]) if color else None)
        out.print(table)
    else:
        out.print(Text("no finding changed"))
    return buf.getvalue()


def render_markdown(d: Diff) -> str:
    """The diff as GitHub-flavoured Markdown (cells escaped: no markup or HTML from cloud strings)."""
    from cloudwaste.reports import cost_text
    from cloudwaste.reports.markdown import cell

    sign = "+" if d.waste_change > 0 else ""
    out = [
        "## cloudwaste diff",
        "",
        "| | from | to |",
        "|---|---|---|",
        f"| Scan | {cell(d.before.label)} ({cell(d.before.scan.id)})"
        f" | {cell(d.after.label)} ({cell(d.after.scan.id)}) |",
        f"| Findings | {len(d.before.findings)} | {len(d.after.findings)} |",
        f"| Monthly waste | {cell(_money(d.waste_before))} | {cell(_money(d.waste_after))} |",
        "",
        f"**Change in monthly waste: {cell(sign + _money(d.waste_change))}** - {len(d.new)} new, "
        f"{len(d.resolved)} resolved, {len(d.changed)} changed"
        + (f", {len(d.unscanned)} not scanned this time" if d.unscanned else ""),
        "",
    ]

    def section(title: str, findings: list[Finding]) -> None:
        if not findings:
            return
        out.extend(
            [
                f"### {title}",
                "",
                "| Check | Account / region | Resource | Monthly cost | Status |",
                "|---|---|---|---|---|",
            ]
        )
        for f in findings:
            out.append(
                f"| {cell(f.check_id)} | {cell(f.account)} / {cell(f.region)}"
                f" | {cell(f.resource.name or f.resource.id)}"
                f" | {cell(cost_text(f.monthly_cost))} | {cell(f.status.value)} |"
            )
        out.append("")

    section("New", d.new)
    section("Resolved", d.resolved)
    if d.changed:
        out.extend(["### Changed", "", "| Check | Resource | Before | After |", "|---|---|---|---|"])
        for c in d.changed:
            b = f"{cost_text(c.before.monthly_cost)}, {c.before.status.value}"
            a = f"{cost_text(c.after.monthly_cost)}, {c.after.status.value}"
            out.append(
                f"| {cell(c.after.check_id)} | {cell(c.after.resource.name or c.after.resource.id)}"
                f" | {cell(b)} | {cell(a)} |"
            )
        out.append("")
    section("Not scanned this time (account or region missing or failed in TO)", d.unscanned)
    return "\n".join(out) + "\n"
