"""Google credentials: which one to use, what the banner says about it, and the fix when it fails.

Order: a ready credential given by a library caller, else a named account saved with
``cloudwaste auth add gcp NAME --key-file FILE`` (the service-account key JSON is kept in the OS keyring
under ``gcp:NAME`` and loaded with ``service_account.Credentials.from_service_account_info``; we never
write it to disk), else ``--credentials-file`` (any google-auth credentials file: service-account key,
``authorized_user``, external account, impersonated service account), else Application Default
Credentials (``google.auth.default()``: ``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's
``application-default login`` file, then the metadata server). ``--impersonate-service-account SA``
wraps the chosen credential in ``impersonated_credentials.Credentials`` (short-lived tokens from the IAM
Credentials API; the caller needs ``roles/iam.serviceAccountTokenCreator`` on SA).

Nothing here calls an API: the first call (project discovery) proves the credential, and
:func:`credentials_error` turns its failure into a :class:`~cloudwaste.errors.CredentialsError` (exit 5)
whose hint says how to fix it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any

from cloudwaste import secrets
from cloudwaste.errors import CredentialsError, KeyringUnavailableError, UsageError
from cloudwaste.providers.gcp import http
from cloudwaste.providers.gcp.options import SCOPES, GcpOptions

ADC_HINT = (
    "run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS to a service-account "
    "key file, pass --credentials-file FILE, or save a key with "
    "`cloudwaste auth add gcp NAME --key-file FILE`"
)
IMPERSONATION_HINT = (
    "grant the caller roles/iam.serviceAccountTokenCreator on {sa} and enable the IAM Service Account "
    "Credentials API (iamcredentials.googleapis.com)"
)
_NULL = logging.NullHandler()
KEY_FIELDS = ("type", "project_id", "private_key_id", "private_key", "client_email", "client_id", "token_uri")


@dataclass
class Identity:
    """The credential in use and what the banner says about it."""

    credentials: Any
    source: str  # "Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS=...)", ...
    mode: str  # "given", "account", "file", "adc": picks the fix hint
    principal: str = ""  # "service account sa@p.iam.gserviceaccount.com", "user credentials", ...
    default_project: str | None = None
    impersonating: str | None = None

    def describe(self) -> str:
        """``<source> (<principal>)`` for banners and `auth status`."""
        who = self.principal
        if self.impersonating:
            who = f"impersonating {self.impersonating}" + (f" as {who}" if who else "")
        return f"{self.source} ({who})" if who else self.source

    def hint(self) -> str:
        """How to fix a credential that does not work."""
        if self.impersonating:
            return IMPERSONATION_HINT.format(sa=self.impersonating)
        if self.mode == "account":
            return (
                "check the saved key (`cloudwaste auth list`); a deleted or disabled key must be re-added: "
                "`cloudwaste auth remove gcp NAME` and `cloudwaste auth add gcp NAME --key-file FILE`"
            )
        if self.mode == "file":
            return "check the credentials file (a service-account key or a gcloud credentials file)"
        return ADC_HINT


def one_line(exc: BaseException, limit: int = 300) -> str:
    """The first meaningful line of a google-auth error (their text can run over many lines)."""
    args = getattr(exc, "args", ())
    text = " ".join(str(a) for a in args if isinstance(a, str)) or str(exc) or type(exc).__name__
    return " ".join(text.split())[:limit]


def principal_of(credentials: Any) -> str:
    """Who a credential is, from its own fields (no API call)."""
    from google.oauth2 import credentials as user_credentials

    email = str(getattr(credentials, "service_account_email", "") or "")
    if email and email != "default":
        return f"service account {email}"
    if isinstance(credentials, user_credentials.Credentials):
        account = str(getattr(credentials, "account", "") or "")
        return f"user {account}" if account else "user credentials"
    module = type(credentials).__module__
    if "compute_engine" in module:
        return "metadata server service account"
    if module.rsplit(".", 1)[-1] in ("identity_pool", "aws", "pluggable", "external_account"):
        return "workload identity federation"
    return ""


def _adc_source() -> str:
    path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if path:
        return f"Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS={path})"
    try:
        from google.auth import _cloud_sdk

        if os.path.isfile(_cloud_sdk.get_application_default_credentials_path()):  # type: ignore[no-untyped-call]
            return "Application Default Credentials (gcloud application-default login)"
    except Exception:  # google-auth internals moved: say less
        pass
    return "Application Default Credentials (metadata server)"


def parse_key(text: str, origin: str) -> dict[str, Any]:
    """A service-account key JSON as a dict with only the fields google-auth needs; CredentialsError
    (naming ``origin``, never the key) when it is not one."""
    try:
        info = json.loads(text)
    except ValueError:
        raise CredentialsError(
            f"{origin} is not JSON", hint="give the key file Google created for the service account"
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info, dict) else None
        raise CredentialsError(
            f"{origin} is not a service-account key" + (f" (type {kind!r})" if kind else ""),
            hint="create one with `gcloud iam service-accounts keys create key.json --iam-account SA`; "
            "for gcloud user credentials use Application Default Credentials instead",
        )
    missing = [k for k in ("private_key", "client_email") if not info.get(k)]
    if missing:
        raise CredentialsError(f"{origin} has no {' or '.join(missing)}")
    return {k: info[k] for k in KEY_FIELDS if info.get(k)}


def _account(options: GcpOptions) -> tuple[Any, str, str | None]:
    from google.oauth2 import service_account

    name = str(options.account)
    if options.account_settings is None:
        raise UsageError(
            f"no GCP account named {name!r} is saved",
            hint="see `cloudwaste auth list`; add one with `cloudwaste auth add gcp NAME --key-file FILE`",
        )
    key = f"gcp:{name}"
    try:
        text = secrets.get_secret(key)
    except KeyringUnavailableError as exc:
        raise CredentialsError(
            f"cannot read the key of GCP account {name!r}: {exc.message}", hint=exc.hint
        ) from None
    if not text:
        raise CredentialsError(
            f"no service-account key is stored for GCP account {name!r}",
            hint=f"add it again (cloudwaste auth add gcp {name} --key-file FILE) "
            f"or set {secrets.env_name(key)}",
        )
    info = parse_key(text, f"the stored key of GCP account {name!r}")
    origin = (
        f"from {secrets.env_name(key)}" if os.environ.get(secrets.env_name(key)) else "from the OS keyring"
    )
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call]
    except (ValueError, KeyError) as exc:
        raise CredentialsError(
            f"the stored key of GCP account {name!r} cannot be loaded: {one_line(exc)}",
            hint=f"add it again: cloudwaste auth remove gcp {name}; "
            f"cloudwaste auth add gcp {name} --key-file FILE",
        ) from None
    return creds, f"account '{name}' (service-account key {origin})", info.get("project_id")


def _load_info(info: dict[str, Any]) -> Any:
    """A credential from a parsed credentials file, with the loader of its ``type`` (google-auth
    deprecates its catch-all loader); ValueError for a type we do not load."""
    kind = str(info.get("type") or "")
    scopes = list(SCOPES)
    if kind == "service_account":
        from google.oauth2 import service_account

        return service_account.Credentials.from_service_account_info(info, scopes=scopes)  # type: ignore[no-untyped-call]
    if kind == "authorized_user":
        from google.oauth2 import credentials as user_credentials

        return user_credentials.Credentials.from_authorized_user_info(info, scopes=scopes)  # type: ignore[no-untyped-call]
    if kind == "impersonated_service_account":
        from google.auth import impersonated_credentials

        loader: Any = impersonated_credentials.Credentials.from_impersonated_service_account_info
        return loader(info, scopes=scopes)
    if kind == "external_account_authorized_user":
        from google.auth import external_account_authorized_user

        return external_account_authorized_user.Credentials.from_info(info, scopes=scopes)  # type: ignore[no-untyped-call]
    if kind == "external_account":
        source = info.get("credential_source") or {}
        if str(source.get("environment_id") or "").startswith("aws"):
            from google.auth import aws as external
        elif "executable" in source:
            from google.auth import pluggable as external  # type: ignore[no-redef]
        else:
            from google.auth import identity_pool as external  # type: ignore[no-redef]
        return external.Credentials.from_info(info, scopes=scopes)  # type: ignore[no-untyped-call]
    raise ValueError(f"unsupported credentials type {kind!r}")


def _from_file(path: str) -> tuple[Any, str, str | None]:
    from google.auth import exceptions

    if not os.path.isfile(path):
        raise CredentialsError(f"credentials file {path} does not exist", hint="give the JSON file's path")
    try:
        with open(path, encoding="utf-8") as handle:
            info = json.load(handle)
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
        creds = _load_info(info)
    except (exceptions.GoogleAuthError, ValueError, KeyError, OSError) as exc:
        raise CredentialsError(
            f"cannot load the credentials file {path}: {one_line(exc)}",
            hint="give a service-account key, a gcloud credentials file (authorized_user) or a workload "
            "identity federation configuration (external_account)",
        ) from None
    project = info.get("project_id") or info.get("quota_project_id")
    return creds, f"credentials file {path}", str(project) if project else None


def _adc() -> tuple[Any, str, str | None]:
    import google.auth
    from google.auth import exceptions

    try:
        creds, project = google.auth.default(scopes=list(SCOPES))
    except exceptions.DefaultCredentialsError as exc:
        raise CredentialsError(f"no Google credentials found: {one_line(exc, 200)}", hint=ADC_HINT) from None
    return creds, _adc_source(), project


def _impersonate(source: Any, target: str) -> Any:
    from google.auth import impersonated_credentials

    base = http.endpoint()
    override = f"{base}/v1/projects/-/serviceAccounts/{target}:generateAccessToken" if base else None
    return impersonated_credentials.Credentials(  # type: ignore[no-untyped-call]
        source_credentials=source,
        target_principal=target,
        target_scopes=list(SCOPES),
        lifetime=3600,
        iam_endpoint_override=override,
    )


def resolve(options: GcpOptions) -> Identity:
    """Build the credential for the configured source (no network call)."""
    http.endpoint()  # a malformed endpoint is a usage error before anything else
    # google-auth logs each ADC source it could not use at WARNING; we report the outcome in one line
    logging.getLogger("google.auth").addHandler(_NULL)
    project: str | None = None
    if options.credentials is not None:
        creds: Any = options.credentials
        source, mode = f"given credentials ({type(creds).__name__})", "given"
    elif options.account:
        creds, source, project = _account(options)
        mode = "account"
    elif options.credentials_file:
        creds, source, project = _from_file(str(options.credentials_file))
        mode = "file"
    else:
        creds, source, project = _adc()
        mode = "adc"
    principal = principal_of(creds) if mode != "given" else ""
    target = (options.impersonate_service_account or "").strip() or None
    if target:
        if "@" not in target:
            raise UsageError(
                f"--impersonate-service-account {target!r} is not a service account e-mail",
                hint="e.g. cloudwaste-reader@my-project.iam.gserviceaccount.com",
            )
        creds = _impersonate(creds, target)
    if options.quota_project and hasattr(creds, "with_quota_project"):
        creds = creds.with_quota_project(options.quota_project)
    return Identity(creds, source, mode, principal, project, target)


def credentials_error(identity: Identity, exc: BaseException, what: str) -> CredentialsError | None:
    """A CredentialsError for an authentication failure during ``what`` (None for other errors)."""
    from google.auth import exceptions as auth_exceptions

    if isinstance(exc, auth_exceptions.RefreshError | auth_exceptions.DefaultCredentialsError):
        return CredentialsError(
            f"Google credentials from {identity.describe()} did not give a token ({what}): {one_line(exc)}",
            hint=identity.hint(),
        )
    if isinstance(exc, auth_exceptions.TransportError):
        return CredentialsError(
            f"cannot reach the Google token service for {identity.describe()} ({what}): {one_line(exc)}",
            hint="check the network and proxy settings; " + identity.hint(),
        )
    if http.status_code(exc) == 401:
        return CredentialsError(
            f"Google rejected the credentials from {identity.describe()} ({what}): {http.describe(exc)}",
            hint=identity.hint(),
        )
    return None
