"""``cloudwaste trend``: monthly waste over the last N scans, as a terminal bar chart.

A scan's total is what the store recorded when it finished (the figure ``scans list`` and the HTML
trend show). ``--by provider|check`` splits each scan's findings as they are counted now (findings
ignored since then no longer count). Failed and interrupted scans are left out: their totals say
nothing about the estate.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db

if TYPE_CHECKING:
    from cloudwaste.model import Scan
    from cloudwaste.store import Store

EPILOG = """\
Examples:

\b
  cloudwaste trend                     # the last 10 scans
  cloudwaste trend --last 26 --by check
  cloudwaste trend --by provider --json | jq '.scans[-1]'
"""

BAR = 40  # characters of the longest bar
MAX_GROUPS = 8
_EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass
class Point:
    """One scan in the chart."""

    scan: Scan
    amount: float
    change: float | None = None  # vs the previous point
    groups: dict[str, float] = field(default_factory=dict)


def counted_scans(store: Store, limit: int | None) -> list[Scan]:
    """The newest ``limit`` complete or partial scans, oldest first."""
    from cloudwaste.model import ScanStatus

    ok = [s for s in store.list_scans(None) if s.status in (ScanStatus.COMPLETE, ScanStatus.PARTIAL)]
    return (ok if limit is None else ok[:limit])[::-1]


def recorded_total(store: Store, scan: Scan) -> float:
    """The monthly total recorded when the scan finished (0 when none was recorded)."""
    value = store.scan_totals(scan.id).get("monthly_cost")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def split(store: Store, scan: Scan, by: str) -> dict[str, float]:
    """The scan's charged monthly amounts per provider or check (current states applied)."""
    from cloudwaste.report import COUNTED, charged

    findings = store.findings(scan.id)
    charged_fps = charged(findings)
    out: dict[str, float] = defaultdict(float)
    for f in findings:
        if f.status in COUNTED and f.fingerprint in charged_fps and f.monthly_cost.amount is not None:
            key = f.provider if by == "provider" else f.check_id
            out[key] = round(out[key] + f.monthly_cost.amount, 2)
    return dict(out)


def series(store: Store, limit: int | None, by: str | None = None) -> list[Point]:
    """The chart's points, oldest first, each with its change vs the one before."""
    points: list[Point] = []
    for scan in counted_scans(store, limit):
        point = Point(scan, recorded_total(store, scan))
        if by is not None:
            point.groups = split(store, scan, by)
        if points:
            point.change = round(point.amount - points[-1].amount, 2)
        points.append(point)
    return points


def _bar(value: float, top: float, fancy: bool) -> str:
    if top <= 0 or value <= 0:
        return ""
    width = value / top * BAR
    if not fancy:
        return "#" * max(1, round(width))
    full, rest = int(width), int((width - int(width)) * 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "") or "▏"


def _change(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) < 0.005:
        return "±0.00"
    return f"{value:+,.2f}"


def render(points: list[Point], by: str | None, *, fancy: bool) -> str:
    """The chart: one bar per scan (and per group with ``by``); '#' bars and no colour when not fancy."""
    import io

    from rich.console import Console
    from rich.text import Text

    from cloudwaste.reports import clean, format_money

    buf = io.StringIO()
    out = Console(
        file=buf,
        width=int(os.environ.get("COLUMNS") or 120),
        color_system="auto" if fancy else None,
        force_terminal=fancy,
        highlight=False,
    )

    def line(label: str, value: float, top: float, change: float | None, style: str) -> None:
        text = Text(f"{label}  ")
        text.append(_bar(value, top, fancy).ljust(BAR), style=style if fancy else "")
        text.append(f"  {format_money(value):>12}")
        delta = _change(change)
        if delta:
            colour = "red" if (change or 0) > 0 else "green"
            text.append(f"  {delta}", style=colour if fancy and delta != "±0.00" else "")
        out.print(text)

    def label(p: Point) -> str:
        mark = "*" if p.scan.status.value == "partial" else " "
        return f"{p.scan.started_at:%Y-%m-%d %H:%M} {p.scan.id:<24}{mark}"

    title = f"monthly waste over the last {len(points)} scans" + (f", by {by}" if by else "")
    out.print(Text(title, style="bold" if fancy else ""))
    if by is None:
        top = max((p.amount for p in points), default=0.0)
        for p in points:
            line(label(p), p.amount, top, p.change, "red")
    else:
        latest = points[-1].groups if points else {}
        names = sorted({k for p in points for k in p.groups}, key=lambda k: (-latest.get(k, 0.0), k))
        shown, rest = names[:MAX_GROUPS], names[MAX_GROUPS:]
        top = max((v for p in points for v in p.groups.values()), default=0.0)
        for name in [*shown, *(["(other)"] if rest else [])]:
            out.print(Text(""))
            out.print(Text(clean(name), style="bold" if fancy else ""))
            previous: float | None = None
            for p in points:
                value = (
                    sum(p.groups.get(k, 0.0) for k in rest) if name == "(other)" else p.groups.get(name, 0.0)
                )
                line(label(p), value, top, None if previous is None else round(value - previous, 2), "red")
                previous = value
    if any(p.scan.status.value == "partial" for p in points):
        out.print(Text("* partial scan: some regions or checks failed, its total may be low"))
    return buf.getvalue()


def to_json(points: list[Point], by: str | None) -> dict[str, Any]:
    """The chart's data."""
    return {
        "by": by,
        "scans": [
            {
                "scan_id": p.scan.id,
                "started_at": p.scan.started_at.isoformat(),
                "status": p.scan.status.value,
                "monthly_cost": p.amount,
                "change": p.change,
                **({"groups": dict(sorted(p.groups.items()))} if by else {}),
            }
            for p in points
        ],
    }


def _by(value: str | None) -> str | None:
    if value is not None and value not in ("provider", "check"):
        raise typer.BadParameter(f"{value!r} is not one of provider, check")
    return value


def trend(
    last: Annotated[int, typer.Option("--last", "-n", min=1, help="How many scans, newest last.")] = 10,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="provider|check", callback=_by, help="One chart per provider or check."),
    ] = None,
    db: Db = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the data as JSON.")] = False,
) -> None:
    """Chart the monthly waste of the last N complete or partial scans (plain text when piped)."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.tables import print_json

        with open_store(db) as store:
            points = series(store, last, by)
        if json_out:
            print_json(to_json(points, by))
            return
        if not points:
            console.say(
                "no complete scan stored yet: run `cloudwaste scan aws` or `cloudwaste demo --db FILE`"
            )
            return
        fancy = console.stdout_is_tty() and "NO_COLOR" not in os.environ
        sys.stdout.write(render(points, by, fancy=fancy))
