"""Small stdout tables and JSON for the listing commands (scans, rules, auth)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any


def print_json(data: Any) -> None:
    """Pretty JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A Rich table on stdout; every cell is literal text (cloud strings are never markup)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", header_style="bold")
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    console = Console(highlight=False)
    if not console.is_terminal:  # piped: no 80-column wrap that splits ids across lines
        console = Console(highlight=False, width=int(os.environ.get("COLUMNS") or 200))
    console.print(table)


def print_pairs(pairs: Sequence[tuple[str, Any]]) -> None:
    """``key: value`` lines on stdout (values literal)."""
    width = max((len(k) for k, _ in pairs), default=0)
    for key, value in pairs:
        sys.stdout.write(f"{key.ljust(width)}  {'' if value is None else value}\n")
