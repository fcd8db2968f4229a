"""``--format csv``: one row per finding, a stable header, formula injection neutralized."""

from __future__ import annotations

import csv
import io

from cloudwaste.report import Report, finding_json

HEADER = (
    "fingerprint",
    "check_id",
    "provider",
    "account",
    "region",
    "resource_id",
    "resource_name",
    "resource_type",
    "monthly_cost",
    "currency",
    "severity",
    "reason",
    "status",
    "first_seen",
    "tags",
    "cost_kind",
    "in_total",
)
# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _one_newline_style(value: str) -> str:
    # With LF line ends the csv module would not quote a cell holding a lone CR: write every break as LF.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def render_csv(report: Report) -> str:
    """The findings as CSV (``\\n`` line ends, cells with line breaks quoted).

    ``monthly_cost`` is empty when unknown, never 0. Tags are ``k=v;k=v`` sorted by key. ``cost_kind`` is
    ``cost`` or ``saving``; ``in_total`` is ``yes`` when the summary total includes the amount (``no`` for
    a finding whose resource is already charged by a larger one), so summing the rows where it is
    ``yes`` gives the report's total.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for f in report.findings:
        data = finding_json(f)
        amount = f.monthly_cost.amount
        tags = ";".join(f"{k}={v}" for k, v in sorted(f.resource.tags.items()))
        row = (
            f.fingerprint,
            f.check_id,
            f.provider,
            f.account,
            f.region,
            f.resource.id,
            f.resource.name or "",
            f.resource.type,
            "" if amount is None else f"{amount:.2f}",
            f.monthly_cost.currency,
            f.severity.value,
            f.reason,
            f.status.value,
            data["first_seen"] or "",
            tags,
            f.monthly_cost.kind.value,
            "yes" if f.fingerprint in report.in_total else "no",
        )
        writer.writerow([_one_newline_style(safe_cell(str(cell))) for cell in row])
    return buf.getvalue()
