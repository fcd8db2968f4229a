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
    Baseline,
    Db,
    Export,
    FailOnCount,
    FailOnNew,
    FailOnSeverity,
    FailOver,
    FailOverIncrease,
    Format,
    IgnoreFile,
    MinCost,
    NoIgnore,
    Now,
    Output,
    Quiet,
    ShowIgnored,
    SoftFail,
    Width,
    parse_now,
    split_csv,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from cloudwaste.engine.plan import SelectedCheck
    from cloudwaste.model import Finding
    from cloudwaste.pricing.book import PriceBook
    from cloudwaste.providers.aws.options import AwsOptions
    from cloudwaste.providers.aws.org import AwsOrgProvider
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
  cloudwaste scan aws --org --role-name CloudwasteReadOnly -r 'eu-*' --account-tag env=prod
  cloudwaste scan aws --accounts-file accounts.yaml --dry-run   # the plan, no scan

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
Org = Annotated[
    bool,
    typer.Option(
        "--org",
        envvar="CLOUDWASTE_AWS_ORG",
        show_envvar=True,
        help="Scan every ACTIVE account of the AWS organization (organizations:ListAccounts from the "
        "management account or a delegated administrator), assuming --role-name in each.",
    ),
]
RoleName = Annotated[
    str | None,
    typer.Option(
        "--role-name",
        metavar="NAME",
        envvar="CLOUDWASTE_AWS_ROLE_NAME",
        show_envvar=True,
        help="Role assumed in each account of --org / --accounts-file (the caller's own account is "
        "scanned with the caller's credentials).",
    ),
]
ExternalId = Annotated[
    str | None,
    typer.Option(
        "--external-id",
        metavar="ID",
        envvar="CLOUDWASTE_AWS_EXTERNAL_ID",
        show_envvar=True,
        help="ExternalId sent with every AssumeRole.",
    ),
]
AccountsFile = Annotated[
    Path | None,
    typer.Option(
        "--accounts-file",
        metavar="FILE",
        envvar="CLOUDWASTE_AWS_ACCOUNTS_FILE",
        show_envvar=True,
        help="YAML list of accounts to scan: id, name, role, regions, tags (examples/accounts.yaml).",
    ),
]
AccountTags = Annotated[
    list[str] | None,
    typer.Option(
        "--account-tag",
        metavar="KEY=VALUE",
        envvar="CLOUDWASTE_AWS_ACCOUNT_TAGS",
        show_envvar=True,
        help="Only accounts with this tag (Organizations tags, or the accounts file's tags). Repeatable: "
        "different keys must all match, values of one key are alternatives.",
    ),
]
AccountsConcurrency = Annotated[
    int,
    typer.Option(
        "--accounts-concurrency",
        metavar="N",
        envvar="CLOUDWASTE_AWS_ACCOUNTS_CONCURRENCY",
        show_envvar=True,
        min=1,
        max=64,
        help="Accounts planned (role assumed, regions listed) at once; their units share --concurrency.",
    ),
]
DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        envvar="CLOUDWASTE_DRY_RUN",
        show_envvar=True,
        help="Print the plan (accounts, regions, checks, estimated API calls; -f json for JSON) and exit: "
        "only identity, account and region discovery calls, nothing stored.",
    ),
]


# The options every scan command declares (Typer needs them in each signature) and hands to
# execute_scan unchanged: only the hand-over is shared, so a new one is added in one place here.
SHARED_OPTIONS = (
    "concurrency",
    "now",
    "db",
    "no_store",
    "strict",
    "fmt",
    "output",
    "export",
    "fail_over",
    "fail_on_count",
    "fail_on_severity",
    "soft_fail",
    "min_cost",
    "quiet",
    "width",
    "ignore_file",
    "no_ignore",
    "show_ignored",
    "baseline",
    "fail_on_new",
    "fail_over_increase",
)


def shared_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """The :data:`SHARED_OPTIONS` of a scan command's parameters (its ``locals()``)."""
    return {name: values[name] for name in SHARED_OPTIONS}


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
    keep: Callable[[Finding], bool] | None = None,
    ignore_file: Path | None = None,
    no_ignore: bool = False,
    show_ignored: bool = False,
    baseline: str | None = None,
    fail_on_new: bool = False,
    fail_over_increase: float | None = None,
    price_overrides: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> None:
    """Run a scan through the engine and emit it (shared by `scan aws`, `scan all` and `demo`).

    ``price_overrides`` maps a provider to the user's own price rows (``[pricing.m365]``, ``--prices``),
    laid over its book with the ``configured_price`` basis.

    ``keep`` filters findings (``--resource-group``, ``--tag``); collections are never filtered.
    After the scan, what its ok units no longer find is marked resolved in the store (only for the
    checks that ran and the findings ``keep`` lets through). Suppressions, ``--baseline`` and its
    gates are applied by :func:`cloudwaste.cli.output.build`; a malformed ignore file or baseline file
    fails (exit 2) before any cloud call."""
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
    gate = gate_options(
        fail_over,
        fail_on_count,
        fail_on_severity,
        soft_fail,
        fail_on_new=fail_on_new,
        fail_over_increase=fail_over_increase,
    )
    _check_lifecycle_flags(gate.needs_baseline, baseline, ignore_file, no_ignore)
    specs = [s for name in provider_names for s in load_checks(name)]
    selected: list[SelectedCheck] = select_checks(specs, include, exclude, conf.checks)
    if not selected:
        from cloudwaste.errors import UsageError

        raise UsageError("no checks selected", hint="see `cloudwaste rules list`")
    store = None if no_store else open_store(db)
    books = price_books(store, provider_names, price_overrides)
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
                keep=keep,
            )
        if store:
            store.resolve_absent(result.scan.id, checks=[s.spec.id for s in selected], keep=keep)
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
        ignore_file=ignore_file,
        no_ignore=no_ignore,
        show_ignored=show_ignored,
        now=eval_now,
        history_db=None if no_store else db,
    )
    from cloudwaste.cli.baseline import resolve_baseline

    report = build(
        result.scan, result.findings, opts, gate, baseline=resolve_baseline(baseline, result.scan, db)
    )
    emit(report, opts)
    code = exit_code(report, strict=strict)
    if result.interrupted:
        console.error(
            "interrupted: completed units were kept" + ("" if no_store else f" in scan {result.scan.id}")
        )
        # worker threads may still be inside an SDK call; everything is stored, so leave now
        os._exit(code)
    raise typer.Exit(code)


def _check_lifecycle_flags(
    needs_baseline: bool, baseline: str | None, ignore_file: Path | None, no_ignore: bool
) -> None:
    """Usage errors of the suppression and baseline flags, raised before any cloud call."""
    from cloudwaste import suppress
    from cloudwaste.diff import load_report_file, looks_like_file
    from cloudwaste.errors import UsageError

    if needs_baseline and baseline is None:
        raise UsageError(
            "--fail-on-new and --fail-over-increase compare with a baseline",
            hint="add --baseline latest (the previous stored scan) or --baseline FILE",
        )
    suppress.load(ignore_file, enabled=not no_ignore)
    if baseline is not None and looks_like_file(baseline.strip()):
        load_report_file(Path(baseline.strip()).expanduser())


def price_books(
    store: Store | None,
    provider_names: list[str],
    overrides: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, PriceBook]:
    """Each provider's bundled price book with the prices `pricing refresh` cached laid over it, and
    the user's own prices (``overrides``) over those."""
    from cloudwaste.model import CostBasis
    from cloudwaste.pricing.book import PriceBook

    books = {name: PriceBook.load(name) for name in provider_names}
    if store is not None:
        books = {name: book.with_live(store.cached_prices(name)) for name, book in books.items()}
    for name, rows in (overrides or {}).items():
        if name in books and rows:
            books[name] = books[name].with_live(rows, basis=CostBasis.CONFIGURED)
    return books


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
    org: Org = False,
    role_name: RoleName = None,
    external_id: ExternalId = None,
    accounts_file: AccountsFile = None,
    account_tag: AccountTags = None,
    accounts_concurrency: AccountsConcurrency = 4,
    dry_run: DryRun = False,
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
    baseline: Baseline = None,
    fail_on_new: FailOnNew = False,
    fail_over_increase: FailOverIncrease = None,
    ignore_file: IgnoreFile = None,
    no_ignore: NoIgnore = False,
    show_ignored: ShowIgnored = False,
) -> None:
    """Scan AWS accounts and regions for waste (read-only)."""
    with console.handled():
        provider = aws_scan_provider(
            region,
            exclude_region,
            profile,
            account,
            db,
            max_attempts,
            org=org,
            role_name=role_name,
            external_id=external_id,
            accounts_file=accounts_file,
            account_tags=account_tag,
            accounts_concurrency=accounts_concurrency,
        )
        if dry_run:
            from cloudwaste.cli.dry_run import print_plan

            print_plan([provider], ["aws"], split_csv(check), split_csv(exclude_check), fmt, output)
            raise typer.Exit(0)
        execute_scan(
            [provider],
            provider_names=["aws"],
            include=split_csv(check),
            exclude=split_csv(exclude_check),
            **shared_options(locals()),
            args={
                "provider": "aws",
                "regions": split_csv(region),
                "exclude_regions": split_csv(exclude_region),
                "profile": profile,
                "account": account,
                "checks": split_csv(check),
                **_aws_accounts_args(provider),
            },
        )


def _aws_accounts_args(provider: AwsProvider | AwsOrgProvider) -> dict[str, Any]:
    """How a multi-account scan chose its accounts, for the stored scan's args (no external id)."""
    opts = provider.options
    if not opts.multi_account:
        return {}
    return {
        "org": opts.org,
        "accounts_file": str(opts.accounts_file) if opts.accounts_file else None,
        "role_name": opts.role_name,
        "account_tags": [f"{k}={v}" for k, v in opts.account_tags],
    }


def aws_provider(
    region: list[str] | None,
    exclude_region: list[str] | None,
    profile: str | None,
    account: str | None,
    db: Path | None,
    max_attempts: int = 5,
) -> AwsProvider:
    """Build the single-account AWS provider from flags and the [aws] config section."""
    from cloudwaste.providers.aws.provider import AwsProvider

    return AwsProvider(_aws_options(region, exclude_region, profile, account, db, max_attempts))


def aws_scan_provider(
    region: list[str] | None,
    exclude_region: list[str] | None,
    profile: str | None,
    account: str | None,
    db: Path | None,
    max_attempts: int = 5,
    *,
    org: bool = False,
    role_name: str | None = None,
    external_id: str | None = None,
    accounts_file: Path | None = None,
    account_tags: list[str] | None = None,
    accounts_concurrency: int = 4,
) -> AwsProvider | AwsOrgProvider:
    """The provider of `scan aws`: one account, or several with ``--org`` / ``--accounts-file`` (flags
    or the [aws] org, role_name, external_id and accounts_file settings)."""
    from cloudwaste.config import load_config
    from cloudwaste.errors import UsageError
    from cloudwaste.providers.aws.accounts import parse_account_tags
    from cloudwaste.providers.aws.assume import check_external_id, check_role_name
    from cloudwaste.providers.aws.provider import AwsProvider

    conf = load_config().data.aws
    options = _aws_options(region, exclude_region, profile, account, db, max_attempts)
    options.org = org or conf.org
    from_config = Path(conf.accounts_file).expanduser() if conf.accounts_file else None
    options.accounts_file = accounts_file or from_config
    options.role_name = role_name or conf.role_name
    options.external_id = external_id or conf.external_id
    options.account_tags = parse_account_tags(account_tags or [])
    options.accounts_concurrency = accounts_concurrency
    if options.role_name:
        check_role_name(options.role_name)
    if options.external_id:
        check_external_id(options.external_id)
    if not options.multi_account:
        if role_name or external_id or account_tags:
            raise UsageError(
                "--role-name, --external-id and --account-tag apply to --org or --accounts-file",
                hint="add --org (every ACTIVE account of the organization) or --accounts-file FILE",
            )
        return AwsProvider(options)
    if options.account:
        raise UsageError("--account cannot be combined with --org or --accounts-file")
    from cloudwaste.providers.aws.org import AwsOrgProvider

    return AwsOrgProvider(options)


def _aws_options(
    region: list[str] | None,
    exclude_region: list[str] | None,
    profile: str | None,
    account: str | None,
    db: Path | None,
    max_attempts: int,
) -> AwsOptions:
    from cloudwaste.config import load_config
    from cloudwaste.errors import UsageError
    from cloudwaste.providers.aws.options import AwsOptions

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
    return AwsOptions(
        profile=profile or conf.profile,
        account=name,
        account_settings=settings,
        regions=split_csv(region) or list(conf.regions),
        exclude_regions=split_csv(exclude_region) or list(conf.exclude_regions),
        max_attempts=max_attempts,
    )


# `scan azure` and `scan all` (every provider whose credentials resolve, one execute_scan call)
from cloudwaste.cli import scan_azure as _azure  # noqa: E402 - needs the option types above

app.command("azure", epilog=_azure.AZURE_EPILOG)(_azure.scan_azure)
app.command("all", epilog=_azure.ALL_EPILOG)(_azure.scan_all)


# `scan gcp` (Google Cloud projects)
from cloudwaste.cli import scan_gcp as _gcp  # noqa: E402 - needs the option types above

app.command("gcp", epilog=_gcp.GCP_EPILOG)(_gcp.scan_gcp)


# `scan m365` (one Microsoft 365 tenant)
from cloudwaste.cli import scan_m365 as _m365  # noqa: E402 - needs the option types above

app.command("m365", epilog=_m365.M365_EPILOG)(_m365.scan_m365)
