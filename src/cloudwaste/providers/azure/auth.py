"""Azure credentials and endpoints: which credential to use, where ARM and Entra ID are, one token check.

Order: a named account saved with ``cloudwaste auth add azure NAME`` (a service principal: tenant and
client id in the store, the client secret or the certificate password in the OS keyring), else the
credential pinned with ``--auth`` (``cli``, ``env``, ``managed-identity``, ``default``), else
``DefaultAzureCredential``. :func:`verify` asks for one ARM token; every failure becomes a
:class:`~cloudwaste.errors.CredentialsError` (exit 5) whose hint says how to fix it.

Endpoints: ``--cloud public|usgov|china`` picks the ARM URL, the authority host and the token scope;
``CLOUDWASTE_AZURE_ARM_URL`` overrides the ARM URL (the scope follows it), ``CLOUDWASTE_AZURE_AUTHORITY``
or the native ``AZURE_AUTHORITY_HOST`` the authority (a host that is not a known Entra ID host turns
MSAL instance discovery off, which would otherwise call login.microsoftonline.com), and
``CLOUDWASTE_CA_BUNDLE`` the CA bundle every HTTPS connection verifies against.

Azure Monitor's ``metrics:getBatch`` is a data-plane API on regional hosts of its own
(``https://{region}.metrics.monitor.azure.com``, ``.azure.us`` in US Government, ``.azure.cn`` in China)
with its own token audience (``https://metrics.monitor.azure.com/.default`` and the sovereign
equivalents). ``CLOUDWASTE_AZURE_METRICS_URL`` replaces the regional base URL (``{region}`` in it is
substituted); with ``CLOUDWASTE_AZURE_ARM_URL`` set and no metrics URL the data-plane host is unknown,
so metrics are read through ARM's per-resource Metrics - List instead.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudwaste import secrets
from cloudwaste.errors import CredentialsError, KeyringUnavailableError, UsageError
from cloudwaste.providers.azure.options import AUTH_MODES, CLOUD_NAMES, AzureOptions

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential


@dataclass(frozen=True)
class Cloud:
    """One Azure cloud's public endpoints."""

    name: str
    arm_url: str
    authority: str
    metrics_host: str  # Azure Monitor metrics data plane: https://{region}.<metrics_host>, its audience


CLOUDS = {
    "public": Cloud(
        "public", "https://management.azure.com", "login.microsoftonline.com", "metrics.monitor.azure.com"
    ),
    "usgov": Cloud(
        "usgov",
        "https://management.usgovcloudapi.net",
        "login.microsoftonline.us",
        "metrics.monitor.azure.us",
    ),
    "china": Cloud(
        "china", "https://management.chinacloudapi.cn", "login.chinacloudapi.cn", "metrics.monitor.azure.cn"
    ),
}
_NULL = logging.NullHandler()
KNOWN_AUTHORITIES = frozenset(c.authority for c in CLOUDS.values())

DEFAULT_HINT = (
    "sign in with `az login`, set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or save a "
    "service principal with `cloudwaste auth add azure NAME --tenant T --client-id C`"
)
HINTS = {
    "default": DEFAULT_HINT,
    "cli": "run `az login` (check the signed-in account with `az account show`)",
    "env": "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)",
    "managed-identity": "run on an Azure resource with a managed identity (for a user-assigned identity "
    "set AZURE_CLIENT_ID to its client id)",
}


@dataclass(frozen=True)
class Endpoints:
    """Where ARM and Entra ID are, and how to reach them."""

    cloud: str
    arm_url: str  # no trailing slash
    scope: str  # the ARM token scope: "<arm_url>/.default"
    authority: str  # host ("login.microsoftonline.com") or URL ("https://127.0.0.1:8443")
    custom_authority: bool  # not a known Entra ID host: no MSAL instance discovery
    ca_bundle: str | None
    # metrics:getBatch base URL, "{region}" substituted; None = unknown host (per-resource Metrics - List)
    metrics_url: str | None = "https://{region}.metrics.monitor.azure.com"
    metrics_scope: str = "https://metrics.monitor.azure.com/.default"  # the data plane's token audience

    def connection(self) -> dict[str, Any]:
        """Transport keyword arguments shared by credentials and clients (the CA bundle)."""
        return {"connection_verify": self.ca_bundle} if self.ca_bundle else {}

    def metrics_base(self, region: str) -> str | None:
        """The metrics:getBatch base URL for an ARM location (``westeurope``), None when unknown."""
        if not self.metrics_url or not region:
            return None
        return self.metrics_url.replace("{region}", region)


def endpoints(cloud: str = "public") -> Endpoints:
    """The endpoints of ``cloud`` with the environment overrides applied."""
    if cloud not in CLOUDS:
        raise UsageError(f"unknown Azure cloud {cloud!r}", hint=f"use one of: {', '.join(CLOUD_NAMES)}")
    base = CLOUDS[cloud]
    arm = (os.environ.get("CLOUDWASTE_AZURE_ARM_URL") or base.arm_url).strip().rstrip("/")
    if not arm.startswith("https://"):
        raise UsageError(
            f"CLOUDWASTE_AZURE_ARM_URL must be an https:// URL, not {arm!r}",
            hint="ARM tokens are only sent over TLS",
        )
    authority = (
        os.environ.get("CLOUDWASTE_AZURE_AUTHORITY")
        or os.environ.get("AZURE_AUTHORITY_HOST")
        or base.authority
    ).strip()
    host = authority.removeprefix("https://").rstrip("/").lower()
    ca = os.environ.get("CLOUDWASTE_CA_BUNDLE") or None
    if ca and not os.path.isfile(ca):
        raise UsageError(f"CLOUDWASTE_CA_BUNDLE names {ca!r}, which is not a file")
    metrics: str | None = (os.environ.get("CLOUDWASTE_AZURE_METRICS_URL") or "").strip().rstrip("/")
    if metrics and not metrics.startswith("https://"):
        raise UsageError(
            f"CLOUDWASTE_AZURE_METRICS_URL must be an https:// URL, not {metrics!r}",
            hint="Azure Monitor tokens are only sent over TLS",
        )
    if not metrics:  # a custom ARM (private link, emulator) says nothing of the data-plane host
        metrics = f"https://{{region}}.{base.metrics_host}" if arm == base.arm_url else None
    return Endpoints(
        cloud=cloud,
        arm_url=arm,
        scope=f"{arm}/.default",
        authority=authority.rstrip("/"),
        custom_authority=host not in KNOWN_AUTHORITIES,
        ca_bundle=ca,
        metrics_url=metrics,
        metrics_scope=f"https://{base.metrics_host}/.default",
    )


@dataclass
class Identity:
    """The credential in use and what the banner says about it."""

    credential: TokenCredential
    source: str  # "DefaultAzureCredential", "account 'prod' (client secret from the OS keyring)", ...
    endpoints: Endpoints
    mode: str  # "account", "default", "cli", "env", "managed-identity": picks the fix hint
    tenant_id: str = ""
    principal: str = ""  # app id or user name from the token's claims

    def describe(self) -> str:
        """``<source> (tenant T, app A)`` for banners and `auth status`."""
        who = ", ".join(
            part
            for part in (
                f"tenant {self.tenant_id}" if self.tenant_id else "",
                self.principal,
                f"cloud {self.endpoints.cloud}" if self.endpoints.cloud != "public" else "",
            )
            if part
        )
        return f"{self.source} ({who})" if who else self.source


def _credential_kwargs(ep: Endpoints, max_attempts: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {**ep.connection(), "retry_total": max(0, min(3, max_attempts - 1))}
    if ep.custom_authority or ep.cloud != "public" or os.environ.get("CLOUDWASTE_AZURE_AUTHORITY"):
        kwargs["authority"] = ep.authority
    if ep.custom_authority:
        kwargs["disable_instance_discovery"] = True
    return kwargs


def _account_credential(options: AzureOptions, ep: Endpoints) -> tuple[TokenCredential, str]:
    from azure.identity import CertificateCredential, ClientSecretCredential

    name = str(options.account)
    settings = options.account_settings
    if settings is None:
        raise UsageError(
            f"no Azure account named {name!r} is saved",
            hint="see `cloudwaste auth list`; add one with `cloudwaste auth add azure NAME --tenant T "
            "--client-id C`",
        )
    tenant = str(settings.get("tenant_id") or "")
    client_id = str(settings.get("client_id") or "")
    if not tenant or not client_id:
        raise UsageError(
            f"saved Azure account {name!r} has no tenant or client id",
            hint=f"add it again: cloudwaste auth remove azure {name}; cloudwaste auth add azure {name} ...",
        )
    key = f"azure:{name}"
    cert = settings.get("certificate_path")
    keyring_problem = ""
    try:
        secret = secrets.get_secret(key)
    except KeyringUnavailableError as exc:
        if not cert:  # a client secret is required: say where else it can come from
            raise CredentialsError(
                f"cannot read the client secret of Azure account {name!r}: {exc.message}", hint=exc.hint
            ) from None
        secret, keyring_problem = None, f" (no password read: {exc.message})"
    origin = (
        f"from {secrets.env_name(key)}" if os.environ.get(secrets.env_name(key)) else "from the OS keyring"
    )
    kwargs = _credential_kwargs(ep, options.max_attempts)
    if cert:
        if not os.path.isfile(str(cert)):
            raise CredentialsError(
                f"the certificate {cert} of saved Azure account {name!r} does not exist",
                hint=f"restore the PEM file or add the account again with `cloudwaste auth add azure {name}`",
            )
        try:
            cred: TokenCredential = CertificateCredential(
                tenant, client_id, str(cert), password=secret or None, **kwargs
            )
        except (ValueError, OSError) as exc:
            raise CredentialsError(
                f"cannot load the certificate {cert} of Azure account {name!r}: "
                f"{_one_line(exc)}{keyring_problem}",
                hint="check the PEM file and its password (stored with `cloudwaste auth add azure ...`)",
            ) from None
        what = "certificate" + (f", password {origin}" if secret else "")
        return cred, f"account '{name}' ({what})"
    if not secret:
        raise CredentialsError(
            f"no client secret is stored for Azure account {name!r}",
            hint=f"add it again (cloudwaste auth add azure {name} ...) or set {secrets.env_name(key)}",
        )
    return ClientSecretCredential(
        tenant, client_id, secret, **kwargs
    ), f"account '{name}' (client secret {origin})"


def resolve(options: AzureOptions) -> Identity:
    """Build the credential for the configured source (no network call yet)."""
    # azure-identity logs failed chains at WARNING; we report them ourselves, in one line
    logging.getLogger("azure").addHandler(_NULL)
    ep = endpoints(options.cloud)
    if options.account:
        credential, source = _account_credential(options, ep)
        tenant = str((options.account_settings or {}).get("tenant_id") or "")
        return Identity(credential, source, ep, "account", tenant_id=tenant)
    mode = options.auth or "default"
    if mode not in AUTH_MODES:
        raise UsageError(f"unknown --auth {mode!r}", hint=f"use one of: {', '.join(AUTH_MODES)}")
    from azure.identity import (
        AzureCliCredential,
        DefaultAzureCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
    )

    kwargs = _credential_kwargs(ep, options.max_attempts)
    if mode == "cli":
        return Identity(AzureCliCredential(), "AzureCliCredential (az login)", ep, mode)
    if mode == "env":
        return Identity(EnvironmentCredential(**kwargs), "EnvironmentCredential", ep, mode)
    if mode == "managed-identity":
        client_id = os.environ.get("AZURE_CLIENT_ID") or None
        mi = ManagedIdentityCredential(client_id=client_id, **ep.connection())
        return Identity(mi, "ManagedIdentityCredential", ep, mode)
    return Identity(DefaultAzureCredential(**kwargs), "DefaultAzureCredential", ep, mode)


def _one_line(exc: BaseException, limit: int = 400) -> str:
    """The meaningful part of an azure-identity error (they run over many lines)."""
    text = str(exc) or type(exc).__name__
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # AADSTS codes say what Entra ID rejected; prefer the line that has one
    aadsts = next((ln for ln in lines if "AADSTS" in ln), None)
    if aadsts:
        return aadsts[:limit]
    if "Attempted credentials:" in lines:  # a chain: what each credential said
        tried = lines[lines.index("Attempted credentials:") + 1 :]
        tried = [ln for ln in tried if not ln.startswith("To mitigate")]
        return ("; ".join(tried) or lines[0])[:limit]
    return (lines[0] if lines else type(exc).__name__)[:limit]


def _claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT access token, {} if it is not one. Only names are read."""
    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def verify(identity: Identity) -> None:
    """Get one ARM token: fills tenant and principal, or raises CredentialsError with a fix."""
    from azure.core.exceptions import AzureError

    try:
        token = identity.credential.get_token(identity.endpoints.scope)
    except (AzureError, ValueError, OSError) as exc:
        raise CredentialsError(
            f"Azure credentials from {identity.source} did not give a token: {_one_line(exc)}",
            hint=_hint(identity),
        ) from None
    inner = getattr(identity.credential, "_successful_credential", None)
    if inner is not None and identity.mode == "default":
        identity.source = f"DefaultAzureCredential ({type(inner).__name__})"
    claims = _claims(token.token)
    identity.tenant_id = str(claims.get("tid") or identity.tenant_id or "")
    user = claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username")
    app = claims.get("appid") or claims.get("azp")
    if user:
        identity.principal = f"user {user}"
    elif app:
        identity.principal = f"app {app}"


def _hint(identity: Identity) -> str:
    if identity.mode == "account":
        return (
            "check the tenant, client id and secret of the saved account (`cloudwaste auth list`); "
            "re-add it with `cloudwaste auth remove azure NAME` and `cloudwaste auth add azure NAME ...`"
        )
    hint = HINTS.get(identity.mode, DEFAULT_HINT)
    if identity.endpoints.custom_authority:
        hint += f"; the authority is {identity.endpoints.authority} (AZURE_AUTHORITY_HOST)"
    return hint
