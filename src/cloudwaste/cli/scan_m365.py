"""``cloudwaste scan m365``: licence and storage waste of one Microsoft 365 tenant.

It reuses :func:`cloudwaste.cli.scan.execute_scan` (the same output, gate, store and lifecycle options
as ``scan aws`` and ``scan azure``). The tenant's negotiated prices (``[pricing.m365]`` in config, a
``--prices`` CSV) are laid over the bundled SKU price book with the ``configured_price`` basis.
"""

from __future__ import annotations

import importlib.util
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
    split_csv,
)
from cloudwaste.cli.scan import (
    Checks,
    Concurrency,
    ExcludeChecks,
    NoStore,
    Strict,
    execute_scan,
    shared_options,
)

if TYPE_CHECKING:
    from cloudwaste.providers.m365.provider import M365Provider

M365_EPILOG = """\
Examples:

\b
  cloudwaste scan m365 --tenant 8f3c2b1a-7d6e-4f5a-9b8c-0d1e2f3a4b5c      # AZURE_CLIENT_ID/_SECRET/_TENANT_ID
  cloudwaste scan m365 --account contoso --period D90 --prices prices.csv
  cloudwaste scan m365 --check 'm365.license.*' -f json -o licences.json -q    # cron: licences only
  cloudwaste scan m365 --max-items 50000 --fail-over 1000 -f markdown         # CI: exit 3 above $1,000/month

\b
Needs read-only Graph application permissions (see the README, examples/m365-app-permissions.json).
Exit codes: 0 ok, 1 error, 2 usage, 3 gate breached, 4 incomplete with --strict,
5 no credentials, 130 interrupted.
"""

M365_SDK = ("msgraph", "azure.identity", "kiota_authentication_azure")

Tenant = Annotated[
    str | None,
    typer.Option(
        "--tenant",
        metavar="ID",
        envvar="CLOUDWASTE_M365_TENANT",
        show_envvar=True,
        help="Microsoft 365 (Entra ID) tenant id. The credential must belong to it. Default: [m365] tenant "
        "in config, else the credential's tenant.",
    ),
]
M365Account = Annotated[
    str | None,
    typer.Option(
        "--account",
        metavar="NAME",
        envvar="CLOUDWASTE_M365_ACCOUNT",
        show_envvar=True,
        help="An app registration saved with `cloudwaste auth add m365 NAME`.",
    ),
]
M365AccountAll = Annotated[
    str | None,
    typer.Option(
        "--m365-account",
        metavar="NAME",
        envvar="CLOUDWASTE_M365_ACCOUNT",
        show_envvar=True,
        help="Microsoft 365: an app registration saved with `cloudwaste auth add m365 NAME`.",
    ),
]
M365Auth = Annotated[
    str | None,
    typer.Option(
        "--auth",
        metavar="MODE",
        envvar="CLOUDWASTE_M365_AUTH",
        show_envvar=True,
        help="env: EnvironmentCredential (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or "
        "AZURE_CLIENT_CERTIFICATE_PATH), cli: the `az login` user. Default: a saved --account, else env.",
    ),
]
Period = Annotated[
    str | None,
    typer.Option(
        "--period",
        metavar="D30|D90|D180",
        envvar="CLOUDWASTE_M365_PERIOD",
        show_envvar=True,
        help="Usage-report period: activity in the last 30, 90 or 180 days. [default: D30]",
    ),
]
MaxItems = Annotated[
    int | None,
    typer.Option(
        "--max-items",
        metavar="N",
        envvar="CLOUDWASTE_M365_MAX_ITEMS",
        show_envvar=True,
        min=0,
        help="SharePoint and OneDrive items read per scan at most (largest drives first); coverage says "
        "when the bound stopped the walk. [default: 20000]",
    ),
]
Prices = Annotated[
    Path | None,
    typer.Option(
        "--prices",
        metavar="FILE",
        envvar="CLOUDWASTE_M365_PRICES",
        show_envvar=True,
        help="CSV of your licence prices (columns skuPartNumber,price; USD per licence per month), over "
        "the bundled list prices and [pricing.m365].",
    ),
]
M365MaxAttempts = Annotated[
    int,
    typer.Option(
        "--max-attempts",
        metavar="N",
        envvar="CLOUDWASTE_M365_MAX_ATTEMPTS",
        show_envvar=True,
        min=1,
        max=11,
        help="Attempts per Graph call (429, 503 and 504 retried; Retry-After honoured).",
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        envvar="CLOUDWASTE_DRY_RUN",
        show_envvar=True,
        help="Print the plan (credential, tenant, checks) and exit: one token and one /organization call.",
    ),
]


def require_m365_sdk() -> None:
    """MissingExtraError (exit 2) naming ``pip install 'cloudwaste[m365]'`` when the SDK is absent."""
    from cloudwaste.errors import MissingExtraError

    for module in M365_SDK:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ModuleNotFoundError, ValueError):
            found = False
        if not found:
            raise MissingExtraError("m365", module.replace(".", "-").replace("_", "-"))


def m365_provider(
    tenant: str | None = None,
    account: str | None = None,
    auth: str | None = None,
    period: str | None = None,
    max_items: int | None = None,
    db: Path | None = None,
    max_attempts: int = 5,
) -> M365Provider:
    """Build the Microsoft 365 provider from flags, the [m365] config section and a saved account."""
    from cloudwaste.config import load_config
    from cloudwaste.errors import UsageError
    from cloudwaste.providers.m365.options import AUTH_MODES, DEFAULT_MAX_ITEMS, PERIODS, M365Options
    from cloudwaste.providers.m365.provider import M365Provider

    require_m365_sdk()
    conf = load_config().data.m365
    if account and auth:
        raise UsageError("--account and --auth name two different credentials", hint="give one of them")
    mode = (auth or "").strip().lower() or None
    if mode is not None and mode not in AUTH_MODES:
        raise UsageError(f"--auth {auth!r} is not one of {', '.join(AUTH_MODES)}")
    chosen_period = (period or conf.period or "D30").strip().upper()
    if chosen_period not in PERIODS:
        raise UsageError(f"--period {period!r} is not one of {', '.join(PERIODS)}")
    name = account or (None if mode else conf.account)
    settings = None
    if name:
        from cloudwaste.cli.common import open_store

        with open_store(db) as store:
            saved = store.get_account("m365", name)
        if saved is None:
            raise UsageError(
                f"no saved Microsoft 365 account named {name!r}", hint="see `cloudwaste auth list`"
            )
        settings = saved["settings"]
    options = M365Options(
        tenant=(tenant or conf.tenant or "").strip() or None,
        account=name if settings is not None else None,
        account_settings=settings,
        auth=(mode or conf.auth) if settings is None else None,
        period=chosen_period,
        max_items=max_items
        if max_items is not None
        else (conf.max_items if conf.max_items is not None else DEFAULT_MAX_ITEMS),
        max_attempts=max_attempts,
    )
    return M365Provider(options)


def price_overrides(prices: Path | None) -> dict[str, list[dict[str, Any]]]:
    """``{"m365": rows}`` from ``[pricing.m365]`` and the ``--prices`` file (empty when neither is set)."""
    from cloudwaste.config import load_config
    from cloudwaste.providers.m365.prices import override_rows

    rows = override_rows(load_config().data.pricing.m365, prices)
    return {"m365": rows} if rows else {}


def scan_m365(
    tenant: Tenant = None,
    account: M365Account = None,
    auth: M365Auth = None,
    period: Period = None,
    max_items: MaxItems = None,
    prices: Prices = None,
    check: Checks = None,
    exclude_check: ExcludeChecks = None,
    concurrency: Concurrency = None,
    max_attempts: M365MaxAttempts = 5,
    dry_run: DryRunOpt = False,
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
    """Scan a Microsoft 365 tenant for licence and storage waste (read-only Graph permissions)."""
    with console.handled():
        provider = m365_provider(tenant, account, auth, period, max_items, db, max_attempts)
        overrides = price_overrides(prices)
        if dry_run:
            from cloudwaste.cli.dry_run import print_plan

            print_plan([provider], ["m365"], split_csv(check), split_csv(exclude_check), fmt, output)
            raise typer.Exit(0)
        opts = provider.options
        execute_scan(
            [provider],
            provider_names=["m365"],
            include=split_csv(check),
            exclude=split_csv(exclude_check),
            **shared_options(locals()),
            price_overrides=overrides,
            args={
                "provider": "m365",
                "tenant": opts.tenant,
                "account": opts.account,
                "auth": opts.auth,
                "period": opts.period,
                "max_items": opts.max_items,
                "prices": str(prices) if prices else None,
                "checks": split_csv(check),
            },
        )
