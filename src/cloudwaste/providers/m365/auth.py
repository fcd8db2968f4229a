"""Microsoft 365 credentials and endpoints: an app-only Graph credential, where Graph and Entra ID are.

Order: a named app registration saved with ``cloudwaste auth add m365 NAME --tenant T --client-id C
[--certificate PEM]`` (a certificate is preferred: ``CertificateCredential`` with the PEM path from
the store and its optional password from the OS keyring under ``m365:NAME``; else
``ClientSecretCredential`` with the secret from the keyring), else the credential pinned with
``--auth``: ``env`` (``EnvironmentCredential``: ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID`` and
``AZURE_CLIENT_SECRET`` or ``AZURE_CLIENT_CERTIFICATE_PATH``; the default) or ``cli``
(``AzureCliCredential``, the user signed in with `az login`). :func:`verify` gets one Graph token;
every failure becomes a :class:`~cloudwaste.errors.CredentialsError` (exit 5) whose hint names the fix.

Endpoints: ``CLOUDWASTE_GRAPH_URL`` replaces ``https://graph.microsoft.com/v1.0`` (a national cloud,
a private endpoint, a test fake; plain http only for a loopback host, as kiota allows); the token
scope follows it for the known Graph hosts. ``CLOUDWASTE_AZURE_AUTHORITY`` or the native
``AZURE_AUTHORITY_HOST`` sets the Entra ID authority (a host that is not a known one turns MSAL
instance discovery off) and ``CLOUDWASTE_CA_BUNDLE`` the CA bundle of every HTTPS connection. The
pieces shared with the Azure provider (authority hosts, error one-liners, token claims) come from
:mod:`cloudwaste.providers.azure.auth`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cloudwaste import secrets
from cloudwaste.errors import CredentialsError, KeyringUnavailableError, UsageError
from cloudwaste.providers.azure.auth import KNOWN_AUTHORITIES, _claims, _one_line
from cloudwaste.providers.m365.options import AUTH_MODES, M365Options

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
GRAPH_HOSTS = frozenset(
    {"graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn"}
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_NULL = logging.NullHandler()

ENV_HINT = (
    "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) for an "
    "app registration with the Graph application permissions in the README, save one with `cloudwaste "
    "auth add m365 NAME --tenant T --client-id C [--certificate PEM]`, or use --auth cli after `az login`"
)
HINTS = {
    "env": ENV_HINT,
    "cli": "run `az login --tenant <tenant id> --allow-no-subscriptions` with an account that may read "
    "the directory and the usage reports (Global Reader and Reports Reader roles)",
}


@dataclass(frozen=True)
class GraphEndpoints:
    """Where Graph and Entra ID are, and how to reach them."""

    graph_url: str  # "https://graph.microsoft.com/v1.0", no trailing slash
    beta_url: str  # the same host's /beta (Copilot usage report, SharePoint recycle bin)
    host: str  # the Graph host: the only host tokens are sent to
    scope: str  # "https://graph.microsoft.com/.default"
    authority: str  # host ("login.microsoftonline.com") or URL ("https://127.0.0.1:8443")
    custom_authority: bool  # not a known Entra ID host: no MSAL instance discovery
    authority_from_env: bool
    ca_bundle: str | None

    def credential_kwargs(self, max_attempts: int) -> dict[str, Any]:
        """Keyword arguments of azure-identity's credentials (authority, CA bundle, retries)."""
        kwargs: dict[str, Any] = {"retry_total": max(0, min(3, max_attempts - 1))}
        if self.ca_bundle:
            kwargs["connection_verify"] = self.ca_bundle
        if self.custom_authority or self.authority_from_env:
            kwargs["authority"] = self.authority
        if self.custom_authority:
            kwargs["disable_instance_discovery"] = True
        return kwargs


def endpoints() -> GraphEndpoints:
    """The Graph and Entra ID endpoints with the environment overrides applied."""
    url = (os.environ.get("CLOUDWASTE_GRAPH_URL") or DEFAULT_GRAPH_URL).strip().rstrip("/")
    split = urlsplit(url)
    host = (split.hostname or "").lower()
    if split.scheme not in ("https", "http") or not host:
        raise UsageError(
            f"CLOUDWASTE_GRAPH_URL {url!r} is not a URL", hint="e.g. https://graph.microsoft.com/v1.0"
        )
    if split.scheme == "http" and host not in LOOPBACK:
        raise UsageError(
            f"CLOUDWASTE_GRAPH_URL must be an https:// URL, not {url!r}",
            hint="Graph tokens are only sent over TLS (plain http only to 127.0.0.1 or localhost)",
        )
    root = url
    for suffix in ("/v1.0", "/beta"):  # the API version is ours to choose per call
        if root.endswith(suffix):
            root = root.removesuffix(suffix)
            break
    scope_host = host if host in GRAPH_HOSTS else "graph.microsoft.com"
    env_authority = os.environ.get("CLOUDWASTE_AZURE_AUTHORITY") or os.environ.get("AZURE_AUTHORITY_HOST")
    authority = (env_authority or "login.microsoftonline.com").strip().rstrip("/")
    ca = os.environ.get("CLOUDWASTE_CA_BUNDLE") or None
    if ca and not os.path.isfile(ca):
        raise UsageError(f"CLOUDWASTE_CA_BUNDLE names {ca!r}, which is not a file")
    return GraphEndpoints(
        graph_url=f"{root}/v1.0",
        beta_url=f"{root}/beta",
        host=host,
        scope=f"https://{scope_host}/.default",
        authority=authority,
        custom_authority=authority.removeprefix("https://").lower() not in KNOWN_AUTHORITIES,
        authority_from_env=bool(env_authority),
        ca_bundle=ca,
    )


@dataclass
class Identity:
    """The credential in use and what the banner says about it."""

    credential: TokenCredential
    source: str  # "EnvironmentCredential (client secret)", "account 'prod' (certificate)", ...
    endpoints: GraphEndpoints
    mode: str  # "account", "env", "cli": picks the fix hint
    tenant_id: str = ""
    principal: str = ""  # "app <appid>" or "user <upn>" from the token

    def describe(self) -> str:
        """``<source> (tenant T, app A)`` for banners and `auth status`."""
        who = ", ".join(
            p for p in (f"tenant {self.tenant_id}" if self.tenant_id else "", self.principal) if p
        )
        return f"{self.source} ({who})" if who else self.source


def _account_credential(options: M365Options, ep: GraphEndpoints) -> tuple[TokenCredential, str, str]:
    from azure.identity import CertificateCredential, ClientSecretCredential

    name = str(options.account)
    settings = options.account_settings
    if settings is None:
        raise UsageError(
            f"no Microsoft 365 account named {name!r} is saved",
            hint="see `cloudwaste auth list`; add one with "
            "`cloudwaste auth add m365 NAME --tenant T --client-id C`",
        )
    tenant = str(settings.get("tenant_id") or "")
    client_id = str(settings.get("client_id") or "")
    if not tenant or not client_id:
        raise UsageError(
            f"saved Microsoft 365 account {name!r} has no tenant or client id",
            hint=f"add it again: cloudwaste auth remove m365 {name}; cloudwaste auth add m365 {name} ...",
        )
    if options.tenant and options.tenant.lower() != tenant.lower():
        raise UsageError(
            f"--tenant {options.tenant} is not the tenant of saved account {name!r} ({tenant})",
            hint="drop --tenant, or use an account saved for that tenant",
        )
    key = f"m365:{name}"
    cert = settings.get("certificate_path")
    try:
        secret = secrets.get_secret(key)
    except KeyringUnavailableError as exc:
        if not cert:
            raise CredentialsError(
                f"cannot read the client secret of Microsoft 365 account {name!r}: {exc.message}",
                hint=exc.hint,
            ) from None
        secret = None  # a certificate without a password does not need the keyring
    origin = (
        f"from {secrets.env_name(key)}" if os.environ.get(secrets.env_name(key)) else "from the OS keyring"
    )
    kwargs = ep.credential_kwargs(options.max_attempts)
    if cert:
        if not os.path.isfile(str(cert)):
            raise CredentialsError(
                f"the certificate {cert} of saved Microsoft 365 account {name!r} does not exist",
                hint=f"restore the PEM file or add the account again with `cloudwaste auth add m365 {name}`",
            )
        try:
            cred: TokenCredential = CertificateCredential(
                tenant, client_id, str(cert), password=secret or None, **kwargs
            )
        except (ValueError, OSError) as exc:
            raise CredentialsError(
                f"cannot load the certificate {cert} of Microsoft 365 account {name!r}: {_one_line(exc)}",
                hint="check the PEM file (key and certificate) and its password "
                "(`cloudwaste auth add m365 ...`)",
            ) from None
        what = "certificate" + (f", password {origin}" if secret else "")
        return cred, f"account '{name}' ({what})", tenant
    if not secret:
        raise CredentialsError(
            f"no client secret is stored for Microsoft 365 account {name!r}",
            hint=f"add it again (cloudwaste auth add m365 {name} ...) or set {secrets.env_name(key)}",
        )
    cred = ClientSecretCredential(tenant, client_id, secret, **kwargs)
    return cred, f"account '{name}' (client secret {origin})", tenant


def resolve(options: M365Options) -> Identity:
    """Build the credential for the configured source (no network call yet)."""
    logging.getLogger("azure").addHandler(_NULL)  # azure-identity logs failed attempts; we report them
    ep = endpoints()
    if options.account:
        credential, source, tenant = _account_credential(options, ep)
        return Identity(credential, source, ep, "account", tenant_id=tenant)
    mode = options.auth or "env"
    if mode not in AUTH_MODES:
        raise UsageError(f"unknown --auth {mode!r}", hint=f"use one of: {', '.join(AUTH_MODES)}")
    from azure.identity import AzureCliCredential, EnvironmentCredential

    if mode == "cli":
        cli = AzureCliCredential(tenant_id=options.tenant or "")
        return Identity(cli, "AzureCliCredential (az login)", ep, mode, tenant_id=options.tenant or "")
    if not os.environ.get("AZURE_CLIENT_ID") or not os.environ.get("AZURE_TENANT_ID"):
        raise CredentialsError(
            "no Microsoft 365 credentials: AZURE_TENANT_ID and AZURE_CLIENT_ID are not set", hint=ENV_HINT
        )
    if options.tenant and options.tenant.lower() != os.environ["AZURE_TENANT_ID"].strip().lower():
        raise UsageError(
            f"--tenant {options.tenant} is not AZURE_TENANT_ID ({os.environ['AZURE_TENANT_ID']})",
            hint="set AZURE_TENANT_ID to the tenant to scan, or drop --tenant",
        )
    kind = "certificate" if os.environ.get("AZURE_CLIENT_CERTIFICATE_PATH") else "client secret"
    env = EnvironmentCredential(**ep.credential_kwargs(options.max_attempts))
    return Identity(env, f"EnvironmentCredential ({kind})", ep, mode, tenant_id=os.environ["AZURE_TENANT_ID"])


def verify(identity: Identity, tenant: str | None = None) -> None:
    """Get one Graph token: fills tenant and principal, or raises CredentialsError with the fix.

    The token is requested with CAE enabled, as kiota asks for it, so the SDK reuses it from the cache.
    """
    from azure.core.exceptions import AzureError

    try:
        token = identity.credential.get_token(identity.endpoints.scope, enable_cae=True)
    except (AzureError, ValueError, OSError) as exc:
        raise CredentialsError(
            f"Microsoft 365 credentials from {identity.source} did not give a Graph token: {_one_line(exc)}",
            hint=hint(identity),
        ) from None
    claims = _claims(token.token)
    identity.tenant_id = str(claims.get("tid") or identity.tenant_id or "")
    user = claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username")
    app = claims.get("appid") or claims.get("azp")
    identity.principal = f"user {user}" if user else (f"app {app}" if app else "")
    if tenant and identity.tenant_id and identity.tenant_id.lower() != tenant.lower():
        raise CredentialsError(
            f"the credential from {identity.source} is for tenant {identity.tenant_id}, "
            f"not --tenant {tenant}",
            hint="use credentials of the tenant to scan (AZURE_TENANT_ID, the saved account, "
            "or `az login --tenant`)",
        )


def hint(identity: Identity) -> str:
    """How to fix a credential of this kind."""
    if identity.mode == "account":
        text = (
            "check the tenant, client id and secret or certificate of the saved account (`cloudwaste "
            "auth list`); re-add it with `cloudwaste auth remove m365 NAME` and "
            "`cloudwaste auth add m365 NAME ...`"
        )
    else:
        text = HINTS.get(identity.mode, ENV_HINT)
    if identity.endpoints.custom_authority:
        text += f"; the authority is {identity.endpoints.authority} (AZURE_AUTHORITY_HOST)"
    return text
