"""Renderers: turn a :class:`~cloudwaste.report.Report` into text (none of them queries a cloud).

Totals always come from ``report.summary`` (computed by :func:`cloudwaste.report.summarize`); the
renderers only draw. Every string that came from a cloud (names, ids, tags, reasons, errors) is
untrusted: each renderer neutralizes it for its own medium (Rich markup, CSV formulas, Markdown, HTML,
XML).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePath

from cloudwaste.errors import UsageError
from cloudwaste.model import CostKind, Money
from cloudwaste.report import Report

FORMATS = ("table", "json", "ndjson", "csv", "markdown", "html", "sarif", "junit")

_EXTENSIONS = {
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "table",
    ".html": "html",
    ".htm": "html",
    ".sarif": "sarif",
    ".sarif.json": "sarif",
    ".xml": "junit",
}
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def render(
    report: Report,
    fmt: str,
    *,
    width: int | None = None,
    color: bool = False,
    history: Sequence[tuple[datetime, float]] | None = None,
) -> str:
    """The report in format ``fmt`` (one of :data:`FORMATS`).

    Args:
        report: what to draw.
        fmt: ``table``, ``json``, ``ndjson``, ``csv``, ``markdown``, ``html``, ``sarif`` or ``junit``.
        width: terminal width for ``table``. Defaults to 120.
        color: ANSI colour for ``table``. Defaults to False.
        history: (scan start, monthly waste) of stored scans, oldest first, for the ``html`` trend
            chart. Defaults to None ("no history yet").
    """
    if fmt == "table":
        from cloudwaste.reports.table import render_table

        return render_table(report, width=width, color=color)
    if fmt == "json":
        from cloudwaste.reports.json_ import render_json

        return render_json(report)
    if fmt == "ndjson":
        from cloudwaste.reports.ndjson import render_ndjson

        return render_ndjson(report)
    if fmt == "csv":
        from cloudwaste.reports.csv_ import render_csv

        return render_csv(report)
    if fmt == "markdown":
        from cloudwaste.reports.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from cloudwaste.reports.html import render_html

        return render_html(report, history=history)
    if fmt == "sarif":
        from cloudwaste.reports.sarif import render_sarif

        return render_sarif(report)
    if fmt == "junit":
        from cloudwaste.reports.junit import render_junit

        return render_junit(report)
    raise UsageError(f"unknown report format '{fmt}'", hint=f"choose one of: {', '.join(FORMATS)}")


def format_for_path(path: str) -> str:
    """The format an ``--export`` file gets from its extension (``.txt`` is the table, ``.xml`` JUnit).

    The longest matching extension wins, so ``waste.sarif.json`` is SARIF, not JSON.
    """
    name = PurePath(path).name.lower()
    for ext in sorted(_EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext) and len(name) > len(ext):
            return _EXTENSIONS[ext]
    known = ", ".join(_EXTENSIONS)
    raise UsageError(
        f"cannot tell the report format of '{path}' from its extension", hint=f"use one of: {known}"
    )


def plural(n: int, word: str) -> str:
    """``1 finding``, ``2 findings``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_money(amount: float, currency: str = "USD") -> str:
    """``$1,234.50`` (symbol for USD/EUR/GBP, code suffix otherwise)."""
    symbol = _SYMBOLS.get(currency.upper())
    sign = "-" if amount < 0 else ""
    number = f"{abs(amount):,.2f}"
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def cost_text(money: Money) -> str:
    """A finding's monthly cost in words: ``unknown``, ``$12.00`` or ``$12.00 (saving)``."""
    if money.amount is None:
        text = "unknown"
    else:
        text = format_money(money.amount, money.currency)
    return f"{text} (saving)" if money.kind == CostKind.SAVING else text


def clean(text: str | None) -> str:
    """One line of printable text: newlines become spaces, other control characters ``\\xNN``.

    Stops terminal escape sequences (``\\x1b[...``) hidden in tag values from reaching a terminal.
    """
    if not text:
        return ""
    out: list[str] = []
    for ch in text:
        if ch in "\r\n\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


__all__ = ["FORMATS", "clean", "cost_text", "format_for_path", "format_money", "render"]
