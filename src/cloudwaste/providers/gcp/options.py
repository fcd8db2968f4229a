"""What the CLI tells the GCP provider: credential source, projects and their discovery, retries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)  # Cloud Asset accepts no narrower scope


@dataclass
class GcpOptions:
    """Options of one GCP scan (one identity, many projects).

    Args:
        account: a named account saved with ``cloudwaste auth add gcp NAME --key-file FILE`` (its
            service-account key JSON is in the OS keyring under ``gcp:NAME``).
        account_settings: its non-secret settings read by the CLI from the store (``client_email``,
            ``project_id``).
        credentials_file: a credentials JSON file (service-account key, ``authorized_user``,
            external account / workload identity federation, impersonated service account).
        impersonate_service_account: a service account e-mail the chosen credential impersonates
            (short-lived tokens from the IAM Credentials API; needs Service Account Token Creator).
        quota_project: the project Cloud Asset / Monitoring / Recommender bill quota to (needed with
            gcloud user credentials that have none); None keeps the credential's own.
        credentials: a ready google-auth credential (library use and tests); wins over the above.
        projects: ``--project`` ids or globs; empty = every ACTIVE project the identity can list.
        exclude_projects: ids or globs removed from the selection.
        organization: ``organizations/N`` or ``N``: only projects under it (folders followed down).
        folders: ``folders/N`` or ``N``: only projects under them (sub-folders followed down).
        labels: ``KEY=VALUE`` / ``KEY`` filters on project labels (values of one key are alternatives,
            different keys must all match).
        retry_deadline: seconds a call is retried for (429 and 5xx, exponential back-off); 0 = no retry.
        retry_initial: first back-off delay in seconds.
        timeout: seconds each HTTP request may take.
        metric_workers: concurrent Cloud Monitoring calls per project.
        recommendations: read Google's idle-resource recommendations (``gcp:recommendations``).
    """

    account: str | None = None
    account_settings: dict[str, Any] | None = None
    credentials_file: str | None = None
    impersonate_service_account: str | None = None
    quota_project: str | None = None
    credentials: Any = None
    projects: list[str] = field(default_factory=list)
    exclude_projects: list[str] = field(default_factory=list)
    organization: str | None = None
    folders: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    retry_deadline: float = 60.0
    retry_initial: float = 1.0
    timeout: float = 30.0
    metric_workers: int = 8
    recommendations: bool = True
