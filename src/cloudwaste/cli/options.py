"""Reusable option declarations (declared per command, so flags work after the subcommand)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

FORMATS = ("table", "json", "ndjson", "csv", "markdown", "html", "sarif", "junit")
SEVERITIES = ("low", "medium", "high", "critical")


def parse_now(value: str | None) -> datetime | None:
    """``--now``: an ISO 8601 instant (naive means UTC)."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        from cloudwaste.errors import UsageError

        raise UsageError(
            f"--now {value!r} is not an ISO 8601 date/time (e.g. 2026-12-01T00:00:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _format(value: str) -> str:
    value = value.lower()
    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return value


def _severity(value: str | None) -> str | None:
    value = value.lower() if value else value
    if value is not None and value not in SEVERITIES:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(SEVERITIES)}")
    return value


def split_csv(values: list[str] | None) -> list[str]:
    """Repeatable options also accept comma-separated values: ``-r eu-west-1,us-east-1``."""
    return [v.strip() for raw in values or [] for v in raw.split(",") if v.strip()]


Db = Annotated[
    Path | None,
    typer.Option(
        "--db",
        metavar="FILE",
        envvar="CLOUDWASTE_DB",
        show_envvar=True,
        help="SQLite store file.",
        dir_okay=False,
    ),
]
Format = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        envvar="CLOUDWASTE_FORMAT",
        show_envvar=True,
        callback=_format,
        help="Report format: table, json, ndjson, csv, markdown, html (one offline page), "
        "sarif (experimental), junit (XML).",
    ),
]
Output = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        envvar="CLOUDWASTE_OUTPUT",
        show_envvar=True,
        help="Write the report to FILE ('-' = stdout, the default).",
    ),
]
Export = Annotated[
    list[str] | None,
    typer.Option(
        "--export",
        metavar="FILE",
        envvar="CLOUDWASTE_EXPORT",
        show_envvar=True,
        help="Also write the report to FILE (format from the extension: .json .ndjson .csv .md .txt "
        ".html .sarif .xml for JUnit).",
    ),
]
FailOver = Annotated[
    float | None,
    typer.Option(
        "--fail-over",
        metavar="USD",
        envvar="CLOUDWASTE_FAIL_OVER",
        show_envvar=True,
        min=0,
        help="Exit 3 when the total monthly waste (USD) is greater than AMOUNT.",
    ),
]
FailOnCount = Annotated[
    int | None,
    typer.Option(
        "--fail-on-count",
        metavar="N",
        envvar="CLOUDWASTE_FAIL_ON_COUNT",
        show_envvar=True,
        min=0,
        help="Exit 3 when more than N findings are counted.",
    ),
]
FailOnSeverity = Annotated[
    str | None,
    typer.Option(
        "--fail-on-severity",
        metavar="LEVEL",
        envvar="CLOUDWASTE_FAIL_ON_SEVERITY",
        show_envvar=True,
        callback=_severity,
        help="Exit 3 when any finding is at or above this severity.",
    ),
]
SoftFail = Annotated[
    bool,
    typer.Option(
        "--soft-fail",
        envvar="CLOUDWASTE_SOFT_FAIL",
        show_envvar=True,
        help="Report the gate verdict but never exit 3.",
    ),
]
MinCost = Annotated[
    float | None,
    typer.Option(
        "--min-cost",
        metavar="USD",
        envvar="CLOUDWASTE_MIN_COST",
        show_envvar=True,
        min=0,
        help="Hide findings whose known monthly cost is below AMOUNT (unknown costs are kept).",
    ),
]
Now = Annotated[
    str | None,
    typer.Option(
        "--now",
        metavar="ISO8601",
        envvar="CLOUDWASTE_NOW",
        show_envvar=True,
        help="Evaluate age rules as of this ISO 8601 instant (reproducible reports).",
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        envvar="CLOUDWASTE_QUIET",
        show_envvar=True,
        help="No progress, banner or summary on stderr.",
    ),
]
Width = Annotated[
    int | None,
    typer.Option("--width", envvar="COLUMNS", hidden=True, help="Table width."),
]
IgnoreFile = Annotated[
    Path | None,
    typer.Option(
        "--ignore-file",
        metavar="FILE",
        envvar="CLOUDWASTE_IGNORE_FILE",
        show_envvar=True,
        dir_okay=False,
        help="Suppression rules (default: ./.cloudwaste-ignore.yaml when present).",
    ),
]
NoIgnore = Annotated[
    bool,
    typer.Option(
        "--no-ignore",
        envvar="CLOUDWASTE_NO_IGNORE",
        show_envvar=True,
        help="Apply no suppression file and no cloudwaste:ignore tag.",
    ),
]
ShowIgnored = Annotated[
    bool,
    typer.Option(
        "--show-ignored",
        envvar="CLOUDWASTE_SHOW_IGNORED",
        show_envvar=True,
        help="List ignored findings in the table too (JSON always has them, with their status).",
    ),
]
Baseline = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        metavar="latest|FILE|SCAN_ID",
        envvar="CLOUDWASTE_BASELINE",
        show_envvar=True,
        help="Mark each finding new or existing against a stored scan ('latest': the newest scan before "
        "this one) or a JSON report (`cloudwaste baseline save`).",
    ),
]
FailOnNew = Annotated[
    bool,
    typer.Option(
        "--fail-on-new",
        envvar="CLOUDWASTE_FAIL_ON_NEW",
        show_envvar=True,
        help="Exit 3 when a counted finding is not in the --baseline.",
    ),
]
FailOverIncrease = Annotated[
    float | None,
    typer.Option(
        "--fail-over-increase",
        metavar="USD",
        envvar="CLOUDWASTE_FAIL_OVER_INCREASE",
        show_envvar=True,
        min=0,
        help="Exit 3 when the monthly waste grew by more than AMOUNT (USD) since the --baseline.",
    ),
]


def parse_day(value: str, flag: str = "--expires") -> datetime:
    """``--expires 2027-03-31``: the end of that day (UTC), or an ISO 8601 instant."""
    from datetime import date, time, timedelta

    from cloudwaste.errors import UsageError

    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"{flag} {value!r} is not a date (e.g. 2027-03-31)") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
