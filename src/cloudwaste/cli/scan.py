"""``cloudwaste scan``: run a scan, store it, render it, optionally gate."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import (
    Db,
    Export,
    FailOnCount,
    FailOnSeverity,
    FailOver,
    Format,
    MinCost,
    Now,
    Output,
    Quiet,
    SoftFail,
    Width,
    parse_now,
    split_csv,
)

if TYPE_CHECKING:
    from cloudwaste.engine.plan import SelectedCheck
    from cloudwaste.pricing.book import PriceBook
    from cloudwaste.providers.aws.provider import AwsProvider
    from cloudwaste.providers.base import Provider
    from cloudwaste.store import Store

EPILOG = """\
Examples:

\b
  cloudwaste scan aws -r eu-west-1                      # one region, table on the terminal
  cloudwaste scan aws -r 'eu-*' --exclude-region eu-south-2 -p prod
  cloudwaste scan aws -f json -o waste.json --quiet     # cron: JSON snapshot
  cloudwaste scan aws --fail-over 500                   # CI: exit 3 above $500/month

\b
Exit codes: 0 ok, 1 error, 2 usage, 3 gate breached, 4 incomplete with --strict,
5 no credentials, 130 interrupted.
"""

REGION_SYNTAX = re.compile(r"[a-z0-9*?\[\]-]+")

app = typer.Typer(help="Scan a cloud for waste, store the findings and print a report.", no_args_is_help=True)

Regions = Annotated[
    list[str] | None,
    typer.Option(
        "--region",
        "-r",
        metavar="REGION",
        envvar="CLOUDWASTE_REGIONS",
        show_envvar=True,
        help="Region name, glob ('eu-*') or 'all' (enabled regions). Repeatable or comma-separated. "
        "Default: [aws] regions in config, else all enabled regions.",
    ),
]
ExcludeRegions = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-region",
        metavar="REGION",
        envvar="CLOUDWASTE_EXCLUDE_REGIONS",
        show_envvar=True,
        help="Region name or glob to skip. Repeatable.",
    ),
]
Profile = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="PROFILE",
        envvar="CLOUDWASTE_AWS_PROFILE",
        show_envvar=True,
        help="AWS profile from ~/.aws/config (SSO, role or keys).",
    ),
]
Account = Annotated[
    str | None,
    typer.Option(
        "--account",
        metavar="NAME",
        envvar="CLOUDWASTE_AWS_ACCOUNT",
        show_envvar=True,
        help="A named account saved with `cloudwaste auth add aws NAME`.",
    ),
]
Checks = Annotated[
    list[str] | None,
    typer.Option(
        "--check",
        metavar="GLOB",
        envvar="CLOUDWASTE_CHECKS",
        show_envvar=True,
        help="Only run checks matching this id glob ('aws.ebs.*'). Repeatable.",
    ),
]
ExcludeChecks = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-check",
        metavar="GLOB",
        envvar="CLOUDWASTE_EXCLUDE_CHECKS",
        show_envvar=True,
        help="Skip checks matching this id glob. Repeatable.",
    ),
]
Concurrency = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        metavar="N",
        envvar="CLOUDWASTE_CONCURRENCY",
        show_envvar=True,
        min=1,
        max=64,
        help="Concurrent API tasks across regions and checks. [default: 8]",
    ),
]
NoStore = Annotated[
    bool,
    typer.Option(
        "--no-store",
        envvar="CLOUDWASTE_NO_STORE",
        show_envvar=True,
        help="Do not write the scan to the store.",
    ),
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        envvar="CLOUDWASTE_STRICT",
        show_envvar=True,
        help="Exit 4 when any region or check failed.",
    ),
]
MaxAttempts = Annotated[
    int,
    typer.Option(
        "--max-attempts",
        metavar="N",
        envvar="CLOUDWASTE_AWS_MAX_ATTEMPTS",
        show_envvar=True,
        min=1,
        max=30,
        help="botocore adaptive-retry attempts per API call.",
    ),
]


def execute_scan(
    providers: list[Provider],
    *,
    provider_names: list[str],
    include: list[str],
    exclude: list[str],
    concurrency: int | None,
    now: str | None,
    db: Path | None,
    no_store: bool,
    strict: bool,
    fmt: str,
    output: str | None,
    export: list[str] | None,
    fail_over: float | None,
    fail_on_count: int | None,
    fail_on_severity: str | None,
    soft_fail: bool,
    min_cost: float | None,
    quiet: bool,
    width: int | None,
    args: dict[str, Any],
) -> None:
    """Run a scan through the engine and emit it (shared by `scan aws`, `scan all` and `demo`)."""
    from cloudwaste.checks.registry import load_checks
    from cloudwaste.cli.common import open_store
    from cloudwaste.cli.output import OutputOptions, build, emit, gate_options
    from cloudwaste.cli.progress import make_progress
    from cloudwaste.config import load_config
    from cloudwaste.engine.gate import exit_code
    from cloudwaste.engine.plan import select_checks
    from cloudwaste.engine.run import DEFAULT_CONCURRENCY, run_scan

    conf = load_config().data
    eval_now = parse_now(now)
    gate = gate_options(fail_over, fail_on_count, fail_on_severity, soft_fail)
    specs = [s for name in provider_names for s in load_checks(name)]
    selected: list[SelectedCheck] = select_checks(specs, include, exclude, conf.checks)
    if not selected:
        from cloudwaste.errors import UsageError

        raise UsageError("no checks selected", hint="see `cloudwaste rules list`")
    store = None if no_store else open_store(db)
    books = price_books(store, provider_names)
    progress = make_progress(quiet)
    if progress:
        console.say(f"{', '.join(provider_names)}: checking credentials ...")
    try:
        with progress or contextlib.nullcontext():
            result = run_scan(
                providers,
                selected,
                concurrency=concurrency or conf.concurrency or DEFAULT_CONCURRENCY,
                now=eval_now,
                sink=store,
                progress=progress,
                args=args,
                prices=books,
            )
    finally:
        if store:
            store.close()
    opts = OutputOptions(
        fmt=fmt,
        output=output,
        exports=tuple(export or ()),
        width=width,
        quiet=quiet,
        min_cost=min_cost if min_cost is not None else conf.min_cost,
    )
    report = build(result.scan, result.findings, opts, gate)
    emit(report, opts)
    code = exit_code(report, strict=strict)
    if result.interrupted:
        console.error(
            "interrupted: completed units were kept" + ("" if no_store else f" in scan {result.scan.id}")
        )
        # worker threads may still be inside an SDK call; everything is stored, so leave now
        os._exit(code)
    raise typer.Exit(code)


def price_books(store: Store | None, provider_names: list[str]) -> dict[str, PriceBook]:
    """Each provider's bundled price book with the prices `pricing refresh` cached laid over it."""
    from cloudwaste.pricing.book import PriceBook

    books = {name: PriceBook.load(name) for name in provider_names}
    if store is None:
        return books
    return {name: book.with_live(store.cached_prices(name)) for name, book in books.items()}


@app.command("aws", epilog=EPILOG)
def scan_aws(
    region: Regions = None,
    exclude_region: ExcludeRegions = None,
    profile: Profile = None,
    account: Account = None,
    check: Checks = None,
    exclude_check: ExcludeChecks = None,
    concurrency: Concurrency = None,
    max_attempts: MaxAttempts = 5,
    now: Now = None,
    db: Db = None,
    no_store: NoStore = False,
    strict: Strict = False,
    fmt: Format = "table",
    output: Output = None,
    export: Export = None,
    fail_over: FailOver = None,
    fail_on_count: FailOnCount = None,
    fail_on_severity: FailOnSeverity = None,
    soft_fail: SoftFail = False,
    min_cost: MinCost = None,
    quiet: Quiet = False,
    width: Width = None,
) -> None:
    """Scan AWS accounts and regions for waste (read-only)."""
    with console.handled():
        provider = aws_provider(region, exclude_region, profile, account, db, max_attempts)
        execute_scan(
            [provider],
            provider_names=["aws"],
            include=split_csv(check),
            exclude=split_csv(exclude_check),
            concurrency=concurrency,
            now=now,
            db=db,
            no_store=no_store,
            strict=strict,
            fmt=fmt,
            output=output,
            export=export,
            fail_over=fail_over,
            fail_on_count=fail_on_count,
            fail_on_severity=fail_on_severity,
            soft_fail=soft_fail,
            min_cost=min_cost,
            quiet=quiet,
            width=width,
            args={
                "provider": "aws",
                "regions": split_csv(region),
                "exclude_regions": split_csv(exclude_region),
                "profile": profile,
                "account": account,
                "checks": split_csv(check),
            },
        )


def aws_provider(
    region: list[str] | None,
    exclude_region: list[str] | None,
    profile: str | None,
    account: str | None,
    db: Path | None,
    max_attempts: int = 5,
) -> AwsProvider:
    """Build the AWS provider from flags and the [aws] config section."""
    from cloudwaste.config import load_config
    from cloudwaste.errors import UsageError
    from cloudwaste.providers.aws.options import AwsOptions
    from cloudwaste.providers.aws.provider import AwsProvider

    conf = load_config().data.aws
    for value in [*split_csv(region), *split_csv(exclude_region)]:
        if not REGION_SYNTAX.fullmatch(value):
            raise UsageError(
                f"{value!r} is not a region name, glob or 'all'", hint="e.g. -r eu-west-1 -r 'us-*' or -r all"
            )
    name = account or conf.account
    settings = None
    if name:
        from cloudwaste.cli.common import open_store

        with open_store(db) as store:
            saved = store.get_account("aws", name)
        if saved is None:
            raise UsageError(f"no saved AWS account named {name!r}", hint="see `cloudwaste auth list`")
        settings = saved["settings"]
    options = AwsOptions(
        profile=profile or conf.profile,
        account=name,
        account_settings=settings,
        regions=split_csv(region) or list(conf.regions),
        exclude_regions=split_csv(exclude_region) or list(conf.exclude_regions),
        max_attempts=max_attempts,
    )
    return AwsProvider(options)


# Every provider whose credentials resolve, concurrently under one bound. Today AWS is the only
# provider, so `scan all` is `scan aws`; it will grow a provider list, not a second code path.
app.command(
    "all",
    epilog=EPILOG,
    help="Scan every available provider whose credentials resolve (today: AWS; same options as `scan aws`).",
)(scan_aws)


def _not_yet(provider: str) -> None:
    from cloudwaste.errors import EXIT_USAGE

    console.error(
        f"the {provider} provider is not available in this version of cloudwaste",
        "available today: `cloudwaste scan aws` (or `scan all`)",
    )
    raise typer.Exit(EXIT_USAGE)


@app.command("azure")
def scan_azure() -> None:
    """Azure subscriptions (not available yet)."""
    _not_yet("Azure")


@app.command("gcp")
def scan_gcp() -> None:
    """Google Cloud projects (not available yet)."""
    _not_yet("GCP")


@app.command("m365")
def scan_m365() -> None:
    """Microsoft 365 tenant licences (not available yet)."""
    _not_yet("Microsoft 365")
