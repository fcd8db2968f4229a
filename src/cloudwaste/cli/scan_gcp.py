"""``cloudwaste scan gcp``: the Google Cloud scan (same output, gate and lifecycle options as ``scan aws``).

Credentials: ``--account`` (a service-account key saved with ``cloudwaste auth add gcp``), else
``--credentials-file``, else Application Default Credentials; ``--impersonate-service-account`` wraps
whichever is used. Projects: ``--project`` (default every ACTIVE project the identity can list),
``--exclude-project``, ``--organization`` / ``--folder`` and ``--label`` on project labels.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from cloudwaste.cli.scan import Checks, Concurrency, ExcludeChecks, NoStore, Strict, shared_options
from cloudwaste.cli.scan_azure import DryRunOpt, ExcludeTags, Tags, _scan, finding_keep

if TYPE_CHECKING:
    from cloudwaste.providers.gcp.provider import GcpProvider

GCP_EPILOG = """\
Examples:

\b
  cloudwaste scan gcp                        # every ACTIVE project, Application Default Credentials
  cloudwaste scan gcp --project my-app-prod --project my-app-dev -f json -o waste.json
  cloudwaste scan gcp --organization 123456789012 --label env=prod --exclude-project 'sandbox-*'
  cloudwaste scan gcp --account finops --folder 987654321 --fail-over 500   # CI: exit 3 above $500/month
  cloudwaste scan gcp --impersonate-service-account cloudwaste@ops.iam.gserviceaccount.com -q

\b
Exit codes: 0 ok, 1 error, 2 usage, 3 gate breached, 4 incomplete with --strict,
5 no credentials, 130 interrupted.
"""

GCP_SDK = (
    "google.auth",
    "google.cloud.compute_v1",
    "google.cloud.asset_v1",
    "google.cloud.recommender_v1",
    "google.cloud.resourcemanager_v3",
)

Projects = Annotated[
    list[str] | None,
    typer.Option(
        "--project",
        metavar="ID",
        envvar="CLOUDWASTE_GCP_PROJECTS",
        show_envvar=True,
        help="Project id, or glob on ids and names. Repeatable or comma-separated. "
        "Default: [gcp] projects in config, else every ACTIVE project the identity can list.",
    ),
]
ExcludeProjects = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-project",
        metavar="ID",
        envvar="CLOUDWASTE_GCP_EXCLUDE_PROJECTS",
        show_envvar=True,
        help="Project id or glob to skip. Repeatable.",
    ),
]
Organization = Annotated[
    str | None,
    typer.Option(
        "--organization",
        metavar="ORG_ID",
        envvar="CLOUDWASTE_GCP_ORGANIZATION",
        show_envvar=True,
        help="Only projects under this organization (its folders are followed down).",
    ),
]
Folders = Annotated[
    list[str] | None,
    typer.Option(
        "--folder",
        metavar="FOLDER_ID",
        envvar="CLOUDWASTE_GCP_FOLDERS",
        show_envvar=True,
        help="Only projects under this folder (and its sub-folders). Repeatable.",
    ),
]
Labels = Annotated[
    list[str] | None,
    typer.Option(
        "--label",
        metavar="KEY[=VALUE]",
        envvar="CLOUDWASTE_GCP_LABELS",
        show_envvar=True,
        help="Only projects with this project label. Repeatable: values of one key are alternatives, "
        "different keys must all match.",
    ),
]
GcpAccount = Annotated[
    str | None,
    typer.Option(
        "--account",
        metavar="NAME",
        envvar="CLOUDWASTE_GCP_ACCOUNT",
        show_envvar=True,
        help="A service-account key saved with `cloudwaste auth add gcp NAME --key-file FILE`.",
    ),
]
CredentialsFile = Annotated[
    Path | None,
    typer.Option(
        "--credentials-file",
        metavar="FILE",
        envvar="CLOUDWASTE_GCP_CREDENTIALS_FILE",
        show_envvar=True,
        help="A Google credentials JSON file (service-account key, gcloud user credentials, workload "
        "identity federation). Default: Application Default Credentials.",
    ),
]
Impersonate = Annotated[
    str | None,
    typer.Option(
        "--impersonate-service-account",
        metavar="EMAIL",
        envvar="CLOUDWASTE_GCP_IMPERSONATE_SERVICE_ACCOUNT",
        show_envvar=True,
        help="Impersonate this service account (needs roles/iam.serviceAccountTokenCreator on it).",
    ),
]
QuotaProject = Annotated[
    str | None,
    typer.Option(
        "--quota-project",
        metavar="ID",
        envvar="CLOUDWASTE_GCP_QUOTA_PROJECT",
        show_envvar=True,
        help="Project that Cloud Asset, Monitoring and Recommender calls bill quota to (needed with "
        "gcloud user credentials that have no quota project).",
    ),
]
NoRecommendations = Annotated[
    bool,
    typer.Option(
        "--no-recommendations",
        envvar="CLOUDWASTE_GCP_NO_RECOMMENDATIONS",
        show_envvar=True,
        help="Do not read Google's idle-resource recommendations (Recommender API).",
    ),
]
RetryDeadline = Annotated[
    float,
    typer.Option(
        "--retry-deadline",
        metavar="SECONDS",
        envvar="CLOUDWASTE_GCP_RETRY_DEADLINE",
        show_envvar=True,
        min=0,
        max=600,
        help="How long a call is retried (429 and 5xx, exponential back-off); 0 = no retries.",
    ),
]


def require_gcp_sdk() -> None:
    """MissingExtraError (exit 2) naming ``pip install 'cloudwaste[gcp]'`` when a library is absent."""
    from cloudwaste.errors import MissingExtraError

    for module in GCP_SDK:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ModuleNotFoundError, ValueError):
            found = False
        if not found:
            raise MissingExtraError("gcp", module.replace(".", "-").replace("_v", "-v"))


def gcp_provider(
    project: list[str] | None = None,
    exclude_project: list[str] | None = None,
    account: str | None = None,
    credentials_file: Path | None = None,
    impersonate: str | None = None,
    db: Path | None = None,
    *,
    organization: str | None = None,
    folder: list[str] | None = None,
    label: list[str] | None = None,
    quota_project: str | None = None,
    recommendations: bool = True,
    retry_deadline: float = 60.0,
) -> GcpProvider:
    """Build the GCP provider from flags, the [gcp] config section and a saved account."""
    from cloudwaste.config import load_config
    from cloudwaste.errors import UsageError
    from cloudwaste.providers.gcp.options import GcpOptions
    from cloudwaste.providers.gcp.provider import GcpProvider

    require_gcp_sdk()
    conf = load_config().data.gcp
    if account and credentials_file:
        raise UsageError("--account and --credentials-file name two different credentials", hint="give one")
    file_from_conf = None if account else conf.credentials_file
    name = account or (None if credentials_file else conf.account)
    settings = None
    if name:
        from cloudwaste.cli.common import open_store

        with open_store(db) as store:
            saved = store.get_account("gcp", name)
        if saved is None:
            raise UsageError(f"no saved GCP account named {name!r}", hint="see `cloudwaste auth list`")
        settings = saved["settings"]
        file_from_conf = None
    chosen_file = credentials_file or (Path(file_from_conf).expanduser() if file_from_conf else None)
    options = GcpOptions(
        account=name,
        account_settings=settings,
        credentials_file=str(chosen_file) if chosen_file else None,
        impersonate_service_account=impersonate or conf.impersonate_service_account,
        quota_project=quota_project or conf.quota_project,
        projects=split_csv(project) or list(conf.projects),
        exclude_projects=split_csv(exclude_project) or list(conf.exclude_projects),
        organization=organization or conf.organization,
        folders=split_csv(folder) or list(conf.folders),
        labels=split_csv(label) or list(conf.labels),
        recommendations=recommendations,
        retry_deadline=retry_deadline,
    )
    return GcpProvider(options)


def scan_gcp(
    project: Projects = None,
    exclude_project: ExcludeProjects = None,
    organization: Organization = None,
    folder: Folders = None,
    label: Labels = None,
    tag: Tags = None,
    exclude_tag: ExcludeTags = None,
    account: GcpAccount = None,
    credentials_file: CredentialsFile = None,
    impersonate_service_account: Impersonate = None,
    quota_project: QuotaProject = None,
    no_recommendations: NoRecommendations = False,
    check: Checks = None,
    exclude_check: ExcludeChecks = None,
    concurrency: Concurrency = None,
    retry_deadline: RetryDeadline = 60.0,
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
    """Scan Google Cloud projects for waste (read-only: roles/viewer + Cloud Asset, Monitoring and
    Recommender viewers)."""
    with console.handled():
        provider = gcp_provider(
            project,
            exclude_project,
            account,
            credentials_file,
            impersonate_service_account,
            db,
            organization=organization,
            folder=folder,
            label=label,
            quota_project=quota_project,
            recommendations=not no_recommendations,
            retry_deadline=retry_deadline,
        )
        keep = finding_keep(None, tag, exclude_tag)
        if dry_run:
            from cloudwaste.cli.dry_run import print_plan

            print_plan([provider], ["gcp"], split_csv(check), split_csv(exclude_check), fmt, output)
            raise typer.Exit(0)
        opts = provider.options
        _scan(
            [provider],
            ["gcp"],
            keep,
            {
                "provider": "gcp",
                "projects": split_csv(project),
                "exclude_projects": split_csv(exclude_project),
                "organization": opts.organization,
                "folders": list(opts.folders),
                "labels": list(opts.labels),
                "tags": split_csv(tag),
                "exclude_tags": split_csv(exclude_tag),
                "account": account,
                "credentials_file": opts.credentials_file,
                "impersonate_service_account": opts.impersonate_service_account,
                "checks": split_csv(check),
            },
            check=check,
            exclude_check=exclude_check,
            **shared_options(locals()),
        )
