"""``cloudwaste scan azure`` and ``cloudwaste scan all``: the Azure scan and the every-provider scan.

Both reuse :func:`cloudwaste.cli.scan.execute_scan` (same output, gate and store options as
``scan aws``). ``scan all`` builds every provider whose SDK is installed, reports on stderr each one
whose credentials do not resolve and scans the others in one run (one concurrency bound); it exits 5
only when none resolves.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
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
    Account,
    Checks,
    Concurrency,
    ExcludeChecks,
    ExcludeRegions,
    NoStore,
    Profile,
    Regions,
    Strict,
    execute_scan,
    shared_options,
)
from cloudwaste.cli.scan_m365 import M365AccountAll, Tenant

if TYPE_CHECKING:
    from cloudwaste.checks.context import MetricQuery
    from cloudwaste.model import Finding
    from cloudwaste.providers.azure.provider import AzureProvider
    from cloudwaste.providers.base import Plan, Provider, ScopeUnit, UnitSession

AZURE_EPILOG = """\
Examples:

\b
  cloudwaste scan azure                                   # every enabled subscription (az login, env, MI)
  cloudwaste scan azure --subscription prod --subscription 0b1f6471-1bf0-4dda-aec3-cb9272f09590
  cloudwaste scan azure --account finops --resource-group 'rg-app-*' --exclude-tag keep=true
  cloudwaste scan azure --auth managed-identity -f json -o waste.json -q   # cron on an Azure VM
  cloudwaste scan azure --fail-over 500 -f markdown       # CI: exit 3 above $500/month

\b
Exit codes: 0 ok, 1 error, 2 usage, 3 gate breached, 4 incomplete with --strict,
5 no credentials, 130 interrupted.
"""

ALL_EPILOG = """\
Examples:

\b
  cloudwaste scan all                                     # AWS, Azure, GCP: whichever credentials resolve
  cloudwaste scan all -r eu-west-1 --subscription prod --tag env=prod
  cloudwaste scan all -f json -o waste.json -q            # cron

\b
A provider whose credentials do not resolve (or whose SDK is not installed) is reported on stderr
and skipped; exit 5 only when no provider has credentials.
"""

AZURE_SDK = ("azure.identity", "azure.mgmt.compute", "azure.mgmt.network", "azure.mgmt.resourcegraph")

Subscriptions = Annotated[
    list[str] | None,
    typer.Option(
        "--subscription",
        metavar="ID|NAME",
        envvar="CLOUDWASTE_AZURE_SUBSCRIPTIONS",
        show_envvar=True,
        help="Subscription id, display name or glob. Repeatable or comma-separated. "
        "Default: [azure] subscriptions in config, else every enabled subscription.",
    ),
]
ExcludeSubscriptions = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-subscription",
        metavar="ID|NAME",
        envvar="CLOUDWASTE_AZURE_EXCLUDE_SUBSCRIPTIONS",
        show_envvar=True,
        help="Subscription id, name or glob to skip. Repeatable.",
    ),
]
ResourceGroups = Annotated[
    list[str] | None,
    typer.Option(
        "--resource-group",
        metavar="NAME",
        envvar="CLOUDWASTE_AZURE_RESOURCE_GROUPS",
        show_envvar=True,
        help="Only report resources in this resource group (name or glob, case-insensitive). Repeatable. "
        "Everything is still read, so a resource used from another group is not an orphan.",
    ),
]
Tags = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        metavar="KEY[=VALUE]",
        envvar="CLOUDWASTE_TAGS",
        show_envvar=True,
        help="Only report resources with this tag. Repeatable: values of one key are alternatives, "
        "different keys must all match.",
    ),
]
ExcludeTags = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-tag",
        metavar="KEY[=VALUE]",
        envvar="CLOUDWASTE_EXCLUDE_TAGS",
        show_envvar=True,
        help="Do not report resources with this tag. Repeatable.",
    ),
]
AzureAccount = Annotated[
    str | None,
    typer.Option(
        "--account",
        metavar="NAME",
        envvar="CLOUDWASTE_AZURE_ACCOUNT",
        show_envvar=True,
        help="A service principal saved with `cloudwaste auth add azure NAME`.",
    ),
]
AzureAccountAll = Annotated[
    str | None,
    typer.Option(
        "--azure-account",
        metavar="NAME",
        envvar="CLOUDWASTE_AZURE_ACCOUNT",
        show_envvar=True,
        help="Azure: a service principal saved with `cloudwaste auth add azure NAME`.",
    ),
]
_AUTH_HELP = (
    "Use only this credential: default (DefaultAzureCredential), cli (az login), env (AZURE_CLIENT_ID/"
    "_SECRET/_TENANT_ID), managed-identity. Default: a saved --account, else DefaultAzureCredential."
)
Auth = Annotated[
    str | None,
    typer.Option("--auth", metavar="MODE", envvar="CLOUDWASTE_AZURE_AUTH", show_envvar=True, help=_AUTH_HELP),
]
AuthAll = Annotated[
    str | None,
    typer.Option(
        "--azure-auth",
        metavar="MODE",
        envvar="CLOUDWASTE_AZURE_AUTH",
        show_envvar=True,
        help="Azure: " + _AUTH_HELP,
    ),
]
_CLOUD_HELP = "Azure cloud: public, usgov or china (ARM URL, Entra ID authority, token scope)."
Cloud = Annotated[
    str | None,
    typer.Option(
        "--cloud", metavar="CLOUD", envvar="CLOUDWASTE_AZURE_CLOUD", show_envvar=True, help=_CLOUD_HELP
    ),
]
CloudAll = Annotated[
    str | None,
    typer.Option(
        "--azure-cloud", metavar="CLOUD", envvar="CLOUDWASTE_AZURE_CLOUD", show_envvar=True, help=_CLOUD_HELP
    ),
]
Discovery = Annotated[
    str | None,
    typer.Option(
        "--discovery",
        metavar="MODE",
        envvar="CLOUDWASTE_AZURE_DISCOVERY",
        show_envvar=True,
        help="graph: one Azure Resource Graph query for all subscriptions (default, fewest calls); "
        "arm: one ARM list call per resource type and subscription.",
    ),
]
AzureMaxAttempts = Annotated[
    int,
    typer.Option(
        "--max-attempts",
        metavar="N",
        envvar="CLOUDWASTE_AZURE_MAX_ATTEMPTS",
        show_envvar=True,
        min=1,
        max=30,
        help="Attempts per API call (429 and 5xx retried with back-off, Retry-After honoured).",
    ),
]
AllMaxAttempts = Annotated[
    int,
    typer.Option(
        "--max-attempts",
        metavar="N",
        envvar="CLOUDWASTE_MAX_ATTEMPTS",
        show_envvar=True,
        min=1,
        max=30,
        help="Attempts per API call, for every provider (throttling and 5xx retried with back-off).",
    ),
]
GcpProjectsAll = Annotated[
    list[str] | None,
    typer.Option(
        "--project",
        metavar="ID",
        envvar="CLOUDWASTE_GCP_PROJECTS",
        show_envvar=True,
        help="GCP: project id or glob. Repeatable. Default: every ACTIVE project the identity can list.",
    ),
]
GcpAccountAll = Annotated[
    str | None,
    typer.Option(
        "--gcp-account",
        metavar="NAME",
        envvar="CLOUDWASTE_GCP_ACCOUNT",
        show_envvar=True,
        help="GCP: a service-account key saved with `cloudwaste auth add gcp NAME --key-file FILE`.",
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        envvar="CLOUDWASTE_DRY_RUN",
        show_envvar=True,
        help="Print the plan (credential, subscriptions, checks) and exit: nothing scanned or stored.",
    ),
]


def require_azure_sdk() -> None:
    """MissingExtraError (exit 2) naming ``pip install 'cloudwaste[azure]'`` when the SDK is absent."""
    from cloudwaste.errors import MissingExtraError

    for module in AZURE_SDK:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            raise MissingExtraError("azure", module.replace(".", "-"))


def _choice(value: str | None, allowed: tuple[str, ...], flag: str) -> str | None:
    from cloudwaste.errors import UsageError

    if value is None:
        return None
    value = value.strip().lower()
    if value not in allowed:
        raise UsageError(f"{flag} {value!r} is not one of {', '.join(allowed)}")
    return value


def azure_provider(
    subscription: list[str] | None = None,
    exclude_subscription: list[str] | None = None,
    account: str | None = None,
    auth: str | None = None,
    cloud: str | None = None,
    db: Path | None = None,
    max_attempts: int = 5,
    discovery: str | None = None,
) -> AzureProvider:
    """Build the Azure provider from flags, the [azure] config section and a saved account."""
    from cloudwaste.config import load_config
    from cloudwaste.errors import UsageError
    from cloudwaste.providers.azure.options import AUTH_MODES, CLOUD_NAMES, DISCOVERY_MODES, AzureOptions
    from cloudwaste.providers.azure.provider import AzureProvider

    require_azure_sdk()
    conf = load_config().data.azure
    if account and auth:
        raise UsageError("--account and --auth name two different credentials", hint="give one of them")
    mode = _choice(auth, AUTH_MODES, "--auth") or conf.auth
    # a flag wins over the config file: --auth drops [azure] account, --account drops [azure] auth
    name = account or (None if auth else conf.account)
    settings = None
    if name and not auth:
        from cloudwaste.cli.common import open_store

        with open_store(db) as store:
            saved = store.get_account("azure", name)
        if saved is None:
            raise UsageError(f"no saved Azure account named {name!r}", hint="see `cloudwaste auth list`")
        settings = saved["settings"]
    chosen_cloud = (
        _choice(cloud, CLOUD_NAMES, "--cloud") or (settings or {}).get("cloud") or conf.cloud or "public"
    )
    options = AzureOptions(
        account=name if settings is not None else None,
        account_settings=settings,
        auth=mode if settings is None else None,
        cloud=str(chosen_cloud),
        subscriptions=split_csv(subscription) or list(conf.subscriptions),
        exclude_subscriptions=split_csv(exclude_subscription) or list(conf.exclude_subscriptions),
        max_attempts=max_attempts,
        discovery=_choice(discovery, DISCOVERY_MODES, "--discovery") or conf.discovery or "graph",
    )
    return AzureProvider(options)


def finding_keep(
    resource_group: list[str] | None, tag: list[str] | None, exclude_tag: list[str] | None
) -> Callable[[Finding], bool] | None:
    """The findings filter of ``--resource-group`` / ``--tag`` / ``--exclude-tag`` (None: keep all)."""
    from cloudwaste.config import load_config
    from cloudwaste.engine.filters import finding_filter

    groups = split_csv(resource_group) or list(load_config().data.azure.resource_groups)
    return finding_filter(groups, split_csv(tag), split_csv(exclude_tag))


def _scan(
    providers: list[Provider],
    names: list[str],
    keep: Callable[[Finding], bool] | None,
    args: dict[str, Any],
    **common: Any,
) -> None:
    common["include"] = split_csv(common.pop("check"))
    common["exclude"] = split_csv(common.pop("exclude_check"))
    execute_scan(providers, provider_names=names, keep=keep, args=args, **common)


def scan_azure(
    subscription: Subscriptions = None,
    exclude_subscription: ExcludeSubscriptions = None,
    resource_group: ResourceGroups = None,
    tag: Tags = None,
    exclude_tag: ExcludeTags = None,
    account: AzureAccount = None,
    auth: Auth = None,
    cloud: Cloud = None,
    discovery: Discovery = None,
    check: Checks = None,
    exclude_check: ExcludeChecks = None,
    concurrency: Concurrency = None,
    max_attempts: AzureMaxAttempts = 5,
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
    """Scan Azure subscriptions for waste (read-only: Reader + Monitoring Reader is enough)."""
    with console.handled():
        provider = azure_provider(
            subscription, exclude_subscription, account, auth, cloud, db, max_attempts, discovery
        )
        keep = finding_keep(resource_group, tag, exclude_tag)
        if dry_run:
            from cloudwaste.cli.dry_run import print_plan

            print_plan([provider], ["azure"], split_csv(check), split_csv(exclude_check), fmt, output)
            raise typer.Exit(0)
        _scan(
            [provider],
            ["azure"],
            keep,
            {
                "provider": "azure",
                "subscriptions": split_csv(subscription),
                "exclude_subscriptions": split_csv(exclude_subscription),
                "resource_groups": split_csv(resource_group),
                "tags": split_csv(tag),
                "exclude_tags": split_csv(exclude_tag),
                "account": account,
                "auth": auth,
                "cloud": provider.options.cloud,
                "discovery": provider.options.discovery,
                "checks": split_csv(check),
            },
            check=check,
            exclude_check=exclude_check,
            **shared_options(locals()),
        )


class Announced:
    """A provider whose credential failure is reported on stderr (``scan all`` then scans the others)."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.name = provider.name
        self.failure: str | None = None

    def plan(self) -> Plan:
        """The provider's plan; a CredentialsError is reported, remembered and re-raised."""
        from cloudwaste.errors import CredentialsError

        try:
            return self.provider.plan()
        except CredentialsError as exc:
            self.failure = exc.message
            console.warn(f"{self.name}: skipped, no usable credentials: {exc.message}")
            if exc.hint:
                console.say(f"  hint: {exc.hint}")
            raise

    def open_unit(self, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> UnitSession:
        """The provider's session for ``unit``."""
        return self.provider.open_unit(unit, metric_queries)


def _m365_candidate(
    candidates: list[Announced], tenant: str | None, account: str | None, db: Path | None, max_attempts: int
) -> dict[str, list[dict[str, Any]]]:
    """Add Microsoft 365 to ``scan all`` when a tenant (``--tenant``, ``[m365] tenant``) or a saved
    account is given; returns its price overrides (``[pricing.m365]``)."""
    from cloudwaste.cli.scan_m365 import m365_provider, price_overrides
    from cloudwaste.config import load_config
    from cloudwaste.errors import MissingExtraError

    conf = load_config().data.m365
    if not (tenant or account or conf.tenant):
        return {}
    try:
        provider = m365_provider(tenant=tenant, account=account, db=db, max_attempts=min(max_attempts, 11))
    except MissingExtraError as exc:
        console.warn(f"m365: skipped, {exc.message} ({exc.hint})")
        return {}
    candidates.append(Announced(provider))
    return price_overrides(None)


def scan_all(
    region: Regions = None,
    exclude_region: ExcludeRegions = None,
    profile: Profile = None,
    account: Account = None,
    subscription: Subscriptions = None,
    exclude_subscription: ExcludeSubscriptions = None,
    resource_group: ResourceGroups = None,
    azure_account: AzureAccountAll = None,
    azure_auth: AuthAll = None,
    azure_cloud: CloudAll = None,
    project: GcpProjectsAll = None,
    gcp_account: GcpAccountAll = None,
    tenant: Tenant = None,
    m365_account: M365AccountAll = None,
    tag: Tags = None,
    exclude_tag: ExcludeTags = None,
    check: Checks = None,
    exclude_check: ExcludeChecks = None,
    concurrency: Concurrency = None,
    max_attempts: AllMaxAttempts = 5,
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
    """Scan every provider whose credentials resolve (AWS, Azure, GCP; M365 with --tenant) in one run."""
    with console.handled():
        from cloudwaste.cli.scan import aws_provider
        from cloudwaste.errors import CredentialsError, MissingExtraError

        candidates: list[Announced] = [
            Announced(aws_provider(region, exclude_region, profile, account, db, max_attempts))
        ]
        try:
            candidates.append(
                Announced(
                    azure_provider(
                        subscription,
                        exclude_subscription,
                        azure_account,
                        azure_auth,
                        azure_cloud,
                        db,
                        max_attempts,
                    )
                )
            )
        except MissingExtraError as exc:
            console.warn(f"azure: skipped, {exc.message} ({exc.hint})")
        try:
            from cloudwaste.cli.scan_gcp import gcp_provider

            candidates.append(Announced(gcp_provider(project, None, gcp_account, None, None, db)))
        except MissingExtraError as exc:
            console.warn(f"gcp: skipped, {exc.message} ({exc.hint})")
        overrides = _m365_candidate(candidates, tenant, m365_account, db, max_attempts)
        keep = finding_keep(resource_group, tag, exclude_tag)
        names = [c.name for c in candidates]
        try:
            _scan(
                list(candidates),
                names,
                keep,
                {
                    "provider": "all",
                    "providers": names,
                    "regions": split_csv(region),
                    "subscriptions": split_csv(subscription),
                    "projects": split_csv(project),
                    "resource_groups": split_csv(resource_group),
                    "tags": split_csv(tag),
                    "exclude_tags": split_csv(exclude_tag),
                    "checks": split_csv(check),
                },
                check=check,
                exclude_check=exclude_check,
                **shared_options(locals()),
                price_overrides=overrides,
            )
        except CredentialsError:
            failed = ", ".join(f"{c.name} ({c.failure})" for c in candidates if c.failure)
            raise CredentialsError(
                f"no provider has usable credentials: {failed or ', '.join(names)}",
                hint="configure at least one: AWS (aws configure / AWS_PROFILE), Azure (az login / "
                "AZURE_CLIENT_ID...) or GCP (gcloud auth application-default login); "
                "see `cloudwaste auth status PROVIDER`",
            ) from None
