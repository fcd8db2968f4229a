"""``--format table``: the human report drawn with Rich (the only renderer that imports rich).

Every cloud-sourced string is passed to Rich as a :class:`rich.text.Text` (never parsed as markup) after
:func:`cloudwaste.reports.clean`, so a tag value such as ``[bold red]x[/]`` or an escape sequence
prints literally instead of styling, linking or moving the cursor.
"""

from __future__ import annotations

import io
from datetime import UTC

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cloudwaste.model import Finding, ScanStatus, Severity, Status, UnitStatus
from cloudwaste.report import Report
from cloudwaste.reports import clean, cost_text, format_money, plural

SEVERITY_STYLE = {
    Severity.LOW: "dim",
    Severity.MEDIUM: "yellow",
    Severity.HIGH: "red",
    Severity.CRITICAL: "bold red",
}
SCAN_STATUS_STYLE = {
    ScanStatus.COMPLETE: "green",
    ScanStatus.PARTIAL: "yellow",
    ScanStatus.FAILED: "bold red",
    ScanStatus.INTERRUPTED: "yellow",
    ScanStatus.RUNNING: "cyan",
}


def _console(width: int | None, color: bool) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width or 120,
        color_system="auto" if color else None,
        force_terminal=color,
        no_color=not color,
        legacy_windows=False,
        highlight=False,
        markup=False,
        emoji=False,
    )
    return console, buf


def _header(report: Report) -> Text:
    scan = report.scan
    providers = ", ".join(scan.providers) or "no providers"
    at = scan.started_at if scan.started_at.tzinfo is None else scan.started_at.astimezone(UTC)
    started = at.strftime("%Y-%m-%d %H:%M") + " UTC"
    demo = ("DEMO, simulated estate · ", "bold magenta") if scan.args.get("demo") else ""
    return Text.assemble(
        demo,
        ("cloudwaste", "bold"),
        " scan ",
        (clean(scan.id), "cyan"),
        " · ",
        (scan.status.value, SCAN_STATUS_STYLE.get(scan.status, "")),
        " · ",
        clean(providers),
        f" · started {started}",
    )


STATUS_LABEL = {
    Status.IGNORED: "ignored",
    Status.MARKED_FOR_DELETION: "to delete",
    Status.RESOLVED: "resolved",
}
GAP = 3  # padding + separator + padding between two columns (SIMPLE_HEAD, no edges)


def fill_widths(natural: list[int], minimum: list[int], available: int) -> list[int]:
    """Share ``available`` cells: narrow columns keep their natural width, wide ones split the rest.

    Water filling: every column starts at its minimum (capped by its natural width); the space left
    is shared equally among the columns that still want more, a column that needs less than its
    share gets exactly what it needs, and the rest is shared again.
    """
    widths = [min(n, m) for n, m in zip(natural, minimum, strict=True)]
    wanting = [i for i, n in enumerate(natural) if widths[i] < n]
    while wanting:
        left = available - sum(widths)
        if left <= 0:
            break
        share = left // len(wanting)
        satisfied = [i for i in wanting if natural[i] - widths[i] <= share]
        if not satisfied:
            for i in wanting:
                widths[i] += share
            widths[wanting[-1]] += left - share * len(wanting)  # the remainder to the last (Reason)
            break
        for i in satisfied:
            widths[i] = natural[i]
        wanting = [i for i in wanting if i not in satisfied]
    return widths


def _width(text: Text) -> int:
    return max((cell_len(line) for line in text.plain.split("\n")), default=0)


def _findings_table(findings: list[Finding], total_width: int) -> Table:
    rows: list[list[Text]] = []
    for f in findings:
        severity = Text(f.severity.value, style=SEVERITY_STYLE.get(f.severity, ""))
        if f.status != Status.OPEN:
            severity.append("\n" + STATUS_LABEL.get(f.status, f.status.value), style="dim")
        check = Text(clean(f.check_id))
        check.append("\n" + clean(f"{f.account}/{f.region}"), style="dim")
        rows.append(
            [
                severity,
                check,
                Text(clean(f.resource.name or f.resource.id)),
                Text(cost_text(f.monthly_cost), style="dim" if f.monthly_cost.amount is None else ""),
                Text(clean(f.reason)),
            ]
        )
    headers = [
        Text("Severity"),
        Text("Check\nAccount/Region"),
        Text("Resource"),
        Text("Monthly cost"),
        Text("Reason"),
    ]
    natural = [max([_width(h), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    natural[2] = min(natural[2], 40)
    fixed = natural[0] + natural[3]
    flexible = fill_widths(
        [natural[1], natural[2], natural[4]], [12, 12, 20], total_width - fixed - GAP * (len(headers) - 1)
    )
    widths = [natural[0], flexible[0], flexible[1], natural[3], flexible[2]]

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for i, header in enumerate(headers):
        table.add_column(
            header,
            width=widths[i],
            no_wrap=i in (0, 3),
            overflow="fold",
            justify="right" if i == 3 else "left",
        )
    for f, cells in zip(findings, rows, strict=True):
        table.add_row(*cells, style="dim" if f.status == Status.IGNORED else None)
    return table


def _totals(report: Report) -> Text:
    s = report.summary
    currency = str(s.monthly_cost.get("currency", "USD"))
    amount = float(s.monthly_cost.get("amount") or 0.0)
    if s.findings == 0:
        text = Text("No waste found", style="green")
    else:
        text = Text.assemble(
            ("Total: ", "bold"),
            plural(s.findings, "finding"),
            ", ",
            (f"{format_money(amount, currency)}/month", "bold"),
        )
    notes = []
    if s.unknown_cost_findings:
        notes.append(f"{s.unknown_cost_findings} with unknown cost (not in the total)")
    if s.overlapping_findings:
        notes.append(f"{s.overlapping_findings} overlapping (resource already in the total)")
    if s.ignored:
        notes.append(f"{s.ignored} ignored (not counted)")
    if notes:
        text.append(" · " + " · ".join(notes))
    return text


def _coverage(report: Report) -> list[Text]:
    units = report.scan.coverage
    if not units:
        return []
    errors = [u for u in units if u.status == UnitStatus.ERROR]
    ok = sum(1 for u in units if u.status == UnitStatus.OK)
    skipped = sum(1 for u in units if u.status == UnitStatus.SKIPPED)
    line = Text.assemble(
        ("Coverage: ", "bold"),
        f"{plural(len(units), 'unit')}, {ok} ok, ",
        (f"{len(errors)} error", "red" if errors else ""),
        f", {skipped} skipped",
    )
    lines = [line]
    for u in errors:
        lines.append(
            Text.assemble(
                "  ", ("error", "red"), " ", clean(f"{u.provider} {u.scope}/{u.region}"), ": ", clean(u.error)
            )
        )
    for u in units:
        for warning in u.warnings:
            lines.append(
                Text.assemble(
                    "  ",
                    ("warning", "yellow"),
                    " ",
                    clean(f"{u.provider} {u.scope}/{u.region}"),
                    ": ",
                    clean(warning),
                )
            )
    return lines


def _gate(report: Report) -> Text | None:
    gate = report.gate
    if not gate.configured:
        return None
    if gate.breached:
        verdict = Text("BREACHED" + (" (soft fail)" if gate.soft_fail else ""), style="bold red")
    else:
        verdict = Text("passed", style="green")
    rules = "; ".join(
        f"{r.flag} {r.threshold:g}: actual {r.actual:g}" + (" (breached)" if r.breached else "")
        for r in gate.rules
    )
    return Text.assemble(("Gate: ", "bold"), verdict, (f" · {clean(rules)}" if rules else ""))


def render_table(report: Report, *, width: int | None = None, color: bool = False) -> str:
    """The report as a terminal table (plain text unless ``color``)."""
    console, buf = _console(width, color)
    console.print(_header(report))
    if report.findings:
        console.print(_findings_table(report.findings, console.width))
    else:
        console.print()
    console.print(_totals(report))
    for line in _coverage(report):
        console.print(line)
    gate = _gate(report)
    if gate is not None:
        console.print(gate)
    return buf.getvalue()
