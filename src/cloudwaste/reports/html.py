"""``--format html``: one self-contained page (totals, charts, a sortable findings table) that opens offline.

Nothing is loaded from anywhere: the CSS and the one script are inline, the charts are SVG drawn here,
and a Content-Security-Policy meta tag forbids every fetch (``default-src 'none'``) and runs only this
page's own script, allowed by its SHA-256 hash. Every string that came from a cloud or the store (names,
ids, tags, reasons, recommendations, errors) goes through :func:`html.escape`, text and attribute values
alike, after :func:`cloudwaste.reports.clean`, so a tag value such as ``<script>`` shows as text.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
from collections.abc import Sequence
from datetime import UTC, datetime

from cloudwaste import __version__
from cloudwaste.model import Finding, UnitStatus
from cloudwaste.report import COUNTED, Report
from cloudwaste.reports import clean, cost_text, format_money, plural

CHART_WIDTH = 560
TOP_BARS = 10

# Sorts the findings table when a column header is clicked (unknown costs stay last either way), and
# on load when the address ends in #sort=COLUMN or #sort=COLUMN-desc. Static text: its hash is fixed.
SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("findings");
  if (table) {
    var body = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    var key = function (row, i) {
      var cell = row.cells[i];
      return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
    };
    var sortBy = function (i, desc) {
      var numeric = heads[i].getAttribute("data-type") === "num";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a, i), y = key(b, i), r;
        if (numeric) {
          x = x === "" ? NaN : parseFloat(x);
          y = y === "" ? NaN : parseFloat(y);
          if (isNaN(x) || isNaN(y)) { return (isNaN(x) ? 1 : 0) - (isNaN(y) ? 1 : 0); }
          r = x - y;
        } else {
          r = x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
        }
        return desc ? -r : r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      for (var j = 0; j < heads.length; j++) {
        heads[j].setAttribute("aria-sort", j === i ? (desc ? "descending" : "ascending") : "none");
      }
      table.setAttribute("data-sorted", i + (desc ? "-desc" : ""));
    };
    Array.prototype.forEach.call(heads, function (th, i) {
      var button = th.querySelector("button");
      if (button) {
        button.addEventListener("click", function () {
          var current = th.getAttribute("aria-sort");
          var numeric = th.getAttribute("data-type") === "num";
          sortBy(i, current === "ascending" || (current === "none" && numeric));
        });
      }
    });
    var wanted = /^#sort=(\\d+)(-desc)?$/.exec(window.location.hash);
    if (wanted && Number(wanted[1]) < heads.length) { sortBy(Number(wanted[1]), !!wanted[2]); }
  }
  document.documentElement.setAttribute("data-ready", "1");
})();
"""
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src '{SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)

CSS = """
:root { color-scheme: light dark; --fg: #1d2733; --muted: #5f6b7a; --bg: #ffffff; --panel: #f4f6f9;
  --line: #d9dee5; --accent: #2f6fde; --bad: #c62828; --ok: #2e7d32; --warn: #b26a00; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ee; --muted: #9aa5b4; --bg: #14181d;
  --panel: #1d232b; --line: #323b46; --accent: #6ea0ff; --bad: #ff6b6b; --ok: #66bb6a; --warn: #ffb74d; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; }
.sub, .note, .empty, footer { color: var(--muted); } .sub { margin: 0 0 16px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #8e24aa; color: #fff;
  font-size: 12px; font-weight: 600; vertical-align: middle; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
  min-width: 160px; }
.card .label { display: block; font-size: 12px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; }
.card .value { display: block; font-size: 20px; font-weight: 600; }
.card .note { display: block; font-size: 12px; }
.bad { color: var(--bad); } .ok { color: var(--ok); } .warn { color: var(--warn); }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; flex: 1 1 480px; max-width: 640px; background: var(--panel);
  border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart { width: 100%; height: auto; display: block; }
svg .bar { fill: var(--accent); } svg .lbl, svg .val, svg .axis { fill: var(--fg); font-size: 12px; }
svg .val, svg .axis { fill: var(--muted); } svg .grid { stroke: var(--line); stroke-width: 1; }
svg .line { fill: none; stroke: var(--accent); stroke-width: 2; } svg .dot { fill: var(--accent); }
svg .last { fill: var(--bad); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--panel); position: sticky; top: 0; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0;
  cursor: pointer; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.muted td { color: var(--muted); }
.reason { white-space: pre-line; max-width: 520px; } .id, code { font-family: ui-monospace, monospace;
  font-size: 12px; overflow-wrap: anywhere; }
.check { white-space: nowrap; }
.tag { display: inline-block; margin: 2px 4px 0 0; padding: 0 6px; border-radius: 4px;
  background: var(--panel); border: 1px solid var(--line); font-size: 12px; overflow-wrap: anywhere; }
.sev-critical, .sev-high { color: var(--bad); font-weight: 600; } .sev-medium { color: var(--warn); }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
footer { margin-top: 28px; font-size: 12px; }
"""


def esc(text: object) -> str:
    """One line of untrusted text, safe as HTML text or inside a quoted attribute value."""
    return html.escape(clean(str(text)) if text is not None else "", quote=True)


def esc_lines(text: str | None) -> str:
    """Untrusted text that may hold line breaks (shown with ``white-space: pre-line``)."""
    if not text:
        return ""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(esc(line) for line in lines)


def _num(value: float) -> str:
    return f"{value:.1f}"


def _short(text: str, limit: int = 64) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(label: str, buckets: dict[str, dict[str, object]], currency: str) -> str:
    """Horizontal bars of charged monthly cost per bucket (the largest ten, the rest as one bar)."""
    rows: list[tuple[str, float, int]] = []
    for name, bucket in buckets.items():
        cost = bucket.get("monthly_cost")
        count = bucket.get("findings")
        rows.append(
            (
                name,
                float(cost) if isinstance(cost, int | float) else 0.0,
                int(count) if isinstance(count, int) else 0,
            )
        )
    if not rows:
        return '<p class="empty">No findings.</p>'
    rows.sort(key=lambda r: (-r[1], -r[2], r[0]))
    if len(rows) > TOP_BARS:
        rest = rows[TOP_BARS - 1 :]
        rows = rows[: TOP_BARS - 1]
        rows.append((f"{len(rest)} others", sum(r[1] for r in rest), sum(r[2] for r in rest)))
    top = max(r[1] for r in rows) or 1.0
    room = CHART_WIDTH - 170
    row_h = 32
    out = [
        f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {row_h * len(rows)}" role="img" '
        f'aria-label="{esc(label)}">'
    ]
    for i, (name, cost, count) in enumerate(rows):
        y = i * row_h
        width = cost / top * room if cost > 0 else 0.0
        value = f"{format_money(cost, currency)} · {plural(count, 'finding')}"
        out.append(
            f"<g><title>{esc(name)}: {esc(value)}</title>"
            f'<text class="lbl" x="0" y="{y + 12}">{esc(_short(name))}</text>'
            f'<rect class="bar" x="0" y="{y + 16}" width="{_num(max(width, 1.0))}" height="11" rx="2"/>'
            f'<text class="val" x="{_num(max(width, 1.0) + 6)}" y="{y + 26}">{esc(value)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def trend_chart(history: Sequence[tuple[datetime, float]] | None, currency: str) -> str:
    """A line of monthly waste over the stored scans, or "no history yet"."""
    points = sorted(
        ((_utc(t), float(v)) for t, v in history or () if math.isfinite(float(v))), key=lambda p: p[0]
    )
    if not points:
        return (
            '<p class="empty" id="no-history">No history yet: the trend appears once the local store holds '
            "scans (run <code>cloudwaste scan</code> on a schedule).</p>"
        )
    width, height = CHART_WIDTH, 220
    left, right, top, bottom = 80, 16, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = max(v for _, v in points) or 1.0
    t0, t1 = points[0][0].timestamp(), points[-1][0].timestamp()

    def x(i: int, t: datetime) -> float:
        if len(points) == 1:
            return left + plot_w / 2
        if t1 == t0:
            return left + plot_w * i / (len(points) - 1)
        return left + plot_w * (t.timestamp() - t0) / (t1 - t0)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / (vmax * 1.1))

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Monthly waste over the last {plural(len(points), "scan")}">'
    ]
    for v in (0.0, vmax / 2, vmax):
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_num(y(v))}" y2="{_num(y(v))}"/>'
            f'<text class="axis" x="{left - 6}" y="{_num(y(v) + 4)}" text-anchor="end">'
            f"{esc(format_money(v, currency))}</text>"
        )
    coords = [(x(i, t), y(v)) for i, (t, v) in enumerate(points)]
    if len(coords) > 1:
        out.append(f'<polyline class="line" points="{" ".join(f"{_num(a)},{_num(b)}" for a, b in coords)}"/>')
    for i, ((t, v), (cx, cy)) in enumerate(zip(points, coords, strict=True)):
        cls = "dot last" if i == len(points) - 1 else "dot"
        out.append(
            f'<circle class="{cls}" cx="{_num(cx)}" cy="{_num(cy)}" r="4">'
            f"<title>{esc(t.strftime('%Y-%m-%d %H:%M'))} UTC: {esc(format_money(v, currency))}</title>"
            "</circle>"
        )
    first, last = points[0][0].strftime("%Y-%m-%d"), points[-1][0].strftime("%Y-%m-%d")
    out.append(f'<text class="axis" x="{left}" y="{height - 10}">{esc(first)}</text>')
    if len(points) > 1:
        out.append(
            f'<text class="axis" x="{width - right}" y="{height - 10}" text-anchor="end">{esc(last)}</text>'
        )
    out.append("</svg>")
    if len(points) == 1:
        out.append('<p class="note">One stored scan so far: the line appears from the second.</p>')
    return "".join(out)


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _card(label: str, value: str, note: str = "", cls: str = "") -> str:
    klass = f' class="value {cls}"' if cls else ' class="value"'
    note_html = f'<span class="note">{note}</span>' if note else ""
    return f'<div class="card"><span class="label">{label}</span><span{klass}>{value}</span>{note_html}</div>'


def _cards(report: Report, currency: str) -> str:
    s = report.summary
    total = float(s.monthly_cost.get("amount") or 0.0)
    units = report.scan.coverage
    errors = sum(1 for u in units if u.status == UnitStatus.ERROR)
    ok = sum(1 for u in units if u.status == UnitStatus.OK)
    skipped = sum(1 for u in units if u.status == UnitStatus.SKIPPED)
    cards = [
        _card("Monthly waste", f'<span id="total">{esc(format_money(total, currency))}</span>', "per month"),
        _card(
            "Findings",
            f'<span id="counted">{s.findings}</span>',
            f"+{s.ignored} ignored (not counted)" if s.ignored else "",
        ),
    ]
    if s.unknown_cost_findings:
        cards.append(_card("Unknown cost", str(s.unknown_cost_findings), "not in the total", "warn"))
    if s.overlapping_findings:
        cards.append(_card("Overlapping", str(s.overlapping_findings), "resource already in the total"))
    cards.append(
        _card(
            "Coverage",
            plural(len(units), "unit"),
            f"{ok} ok · {errors} error · {skipped} skipped",
            "bad" if errors else "",
        )
    )
    gate = report.gate
    if gate.configured:
        rules = "; ".join(
            f"{r.flag} {r.threshold:g}: actual {r.actual:g}" + (" (breached)" if r.breached else "")
            for r in gate.rules
        )
        verdict = ("BREACHED" + (" (soft fail)" if gate.soft_fail else "")) if gate.breached else "passed"
        cards.append(_card("Gate", esc(verdict), esc(rules), "bad" if gate.breached else "ok"))
    return '<section class="cards" aria-label="Totals">' + "".join(cards) + "</section>"


HEADINGS = (
    ("Severity", "num"),
    ("Check", "text"),
    ("Account / region", "text"),
    ("Resource", "text"),
    ("Monthly cost", "num"),
    ("Status", "text"),
    ("Reason", "text"),
)
COST_COLUMN = 4


def _finding_row(f: Finding, in_total: bool) -> str:
    amount = f.monthly_cost.amount
    counted = f.status in COUNTED
    cost = esc(cost_text(f.monthly_cost))
    if counted and amount is not None and not in_total:
        cost += '<br><span class="note">overlaps a larger finding</span>'
    resource = f.resource
    name = (
        f'{esc(resource.name)}<br><span class="id">{esc(resource.id)}</span>'
        if resource.name
        else f'<span class="id">{esc(resource.id)}</span>'
    )
    tags = "".join(f'<span class="tag">{esc(k)}={esc(v)}</span>' for k, v in sorted(resource.tags.items()))
    status = esc(f.status.value.replace("_", " "))
    if f.status_reason:
        status += f'<br><span class="note">{esc(f.status_reason)}</span>'
    fix = (
        f"<details><summary>How to fix</summary><code>{esc_lines(f.recommendation)}</code></details>"
        if f.recommendation
        else ""
    )
    cells = [
        f'<td data-v="{f.severity.rank}" class="sev-{esc(f.severity.value)}">{esc(f.severity.value)}</td>',
        f'<td><span class="id check">{esc(f.check_id)}</span><br>'
        f'<span class="note">{esc(f.title)}</span></td>',
        f'<td class="id">{esc(f.account)}<br>{esc(f.region)}</td>',
        f'<td>{name}<br><span class="note">{esc(resource.type)}</span>{"<br>" + tags if tags else ""}</td>',
        f'<td class="num" data-v="{"" if amount is None else f"{amount:.4f}"}">{cost}</td>',
        f"<td>{status}</td>",
        f'<td><div class="reason">{esc_lines(f.reason)}</div>'
        f'<span class="note">confidence {esc(f.confidence.value)}</span>{fix}</td>',
    ]
    muted = "" if counted else ' class="muted"'
    attrs = f'{muted} data-fingerprint="{esc(f.fingerprint)}" data-counted="{1 if counted else 0}"'
    return f"<tr{attrs}>" + "".join(cells) + "</tr>"


def _findings_table(report: Report) -> str:
    if not report.findings:
        return '<p class="empty">No findings.</p>'
    heads = []
    for i, (title, kind) in enumerate(HEADINGS):
        cls = ' class="num"' if i == COST_COLUMN else ""
        heads.append(
            f'<th scope="col" data-type="{kind}" aria-sort="none"{cls}>'
            f'<button type="button">{title}</button></th>'
        )
    # counted findings first (by cost, as the report orders them), then the ignored ones
    ordered = sorted(report.findings, key=lambda f: f.status not in COUNTED)
    rows = [_finding_row(f, f.fingerprint in report.in_total) for f in ordered]
    return (
        f'<table id="findings" data-rows="{len(rows)}"><thead><tr>{"".join(heads)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _coverage_gaps(report: Report) -> str:
    gaps = [u for u in report.scan.coverage if u.status != UnitStatus.OK]
    if not gaps:
        return ""
    rows = "".join(
        f'<tr><td>{esc(u.provider)}</td><td class="id">{esc(u.scope)}</td><td>{esc(u.region)}</td>'
        f'<td class="{"bad" if u.status == UnitStatus.ERROR else "warn"}">{esc(u.status.value)}</td>'
        f"<td>{esc_lines(u.error)}</td></tr>"
        for u in sorted(gaps, key=lambda u: (u.status != UnitStatus.ERROR, u.provider, u.scope, u.region))
    )
    return (
        "<h2>Coverage gaps</h2>"
        '<p class="note">Units that were not fully read: their waste is not in this report.</p>'
        '<table id="coverage"><thead><tr><th>Provider</th><th>Scope</th><th>Region</th><th>Status</th>'
        f"<th>Error</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def render_html(report: Report, *, history: Sequence[tuple[datetime, float]] | None = None) -> str:
    """The report as one HTML5 page with no external references (``history`` feeds the trend chart)."""
    s = report.summary
    scan = report.scan
    currency = str(s.monthly_cost.get("currency", "USD"))
    total = format_money(float(s.monthly_cost.get("amount") or 0.0), currency)
    title = f"{total}/month of waste found" if s.findings else "no waste found"
    started = _utc(scan.started_at).strftime("%Y-%m-%d %H:%M UTC")
    demo = '<span class="badge">DEMO: simulated estate</span> ' if scan.args.get("demo") else ""
    sub = " · ".join(
        [
            f'scan <span class="id">{esc(scan.id)}</span>',
            esc(scan.status.value),
            esc(", ".join(scan.providers) or "no providers"),
            f"started {esc(started)}",
        ]
    )
    history_points = len(history or ())
    body = [
        f'<header><h1>{demo}cloudwaste: {esc(title)}</h1><p class="sub">{sub}</p></header>',
        _cards(report, currency),
        '<h2>Where the waste is</h2><section class="charts">',
        f'<figure id="by-check"><figcaption>Monthly waste by check</figcaption>'
        f"{bar_chart('Monthly waste by check', s.by_check, currency)}</figure>",
        f'<figure id="by-region"><figcaption>Monthly waste by region</figcaption>'
        f"{bar_chart('Monthly waste by region', s.by_region, currency)}</figure>",
        f'<figure id="trend" data-points="{history_points}"><figcaption>Monthly waste over time</figcaption>'
        f"{trend_chart(history, currency)}</figure>",
        "</section>",
        f"<h2>Findings</h2>"
        f'<p class="note">{plural(len(report.findings), "finding")}; click a column to sort. '
        "Ignored findings are listed greyed and are never counted.</p>",
        _findings_table(report),
        _coverage_gaps(report),
        f"<footer>Generated by cloudwaste {esc(__version__)}. "
        "This file is self-contained: it loads nothing from the network.</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>cloudwaste {esc(scan.id)}: {esc(title)}</title>\n"
        f"<style>{CSS}</style>\n"
        "</head>\n<body>\n" + "\n".join(part for part in body if part) + f"\n<script>{SCRIPT}</script>\n"
        "</body></html>\n"
    )
