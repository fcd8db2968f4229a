"""The Azure side of ``cloudwaste auth``: save a service principal, show and test Azure credentials.

A saved Azure account is a service principal: tenant and client id (and the certificate's path) in
the store, the client secret or the certificate password in the OS keyring under ``azure:NAME``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cloudwaste.cli import console


def _read_secret(what: str, secret_stdin: bool, required: bool) -> str:
    from cloudwaste.errors import UsageError

    if secret_stdin:
        secret = sys.stdin.readline().strip()
    elif sys.stdin.isatty():
        secret = typer.prompt(what, hide_input=True, default="", show_default=False).strip()
    elif required:
        raise UsageError(f"no terminal to prompt for the {what}", hint="pipe it with --secret-stdin")
    else:
        secret = ""
    if required and not secret:
        raise UsageError(f"empty {what}")
    return secret


def save_app_account(
    provider: str,
    name: str,
    settings: dict[str, str],
    certificate: Path | None,
    secret_stdin: bool,
    db: Path | None,
) -> None:
    """Save an app registration (Azure or Microsoft 365): its client secret, or its certificate's
    password, to the OS keyring first, then the settings (never a secret) to the store."""
    from cloudwaste import secrets
    from cloudwaste.cli.common import open_store
    from cloudwaste.errors import UsageError

    with open_store(db) as store:
        if store.get_account(provider, name) is not None:
            raise UsageError(
                f"an {provider} account named {name!r} already exists",
                hint=f"cloudwaste auth remove {provider} {name}",
            )
        if certificate is None:
            secret = _read_secret("client secret", secret_stdin, required=True)
        else:
            secret = _read_secret("certificate password (empty for none)", secret_stdin, required=False)
        if secret:
            secrets.set_secret(f"{provider}:{name}", secret)  # fails before anything is stored
        store.add_account(provider, name, settings)
    what = "certificate " + settings["certificate_path"] if certificate is not None else "client secret"
    where = " (secret in the OS keyring)" if secret else ""
    console.say(
        f"saved {provider} account {name!r}: app {settings['client_id']} in tenant {settings['tenant_id']}, "
        f"{what}{where}; test it with `cloudwaste auth test {provider} {name}`, scan with "
        f"`cloudwaste scan {provider} --account {name}`"
    )


def add(
    name: str,
    tenant: str | None,
    client_id: str | None,
    certificate: Path | None,
    cloud: str | None,
    secret_stdin: bool,
    db: Path | None,
) -> None:
    """``auth add azure NAME --tenant T --client-id C [--certificate PEM]``: secret to the keyring."""
    from cloudwaste.errors import UsageError
    from cloudwaste.providers.azure.options import CLOUD_NAMES

    if not tenant or not client_id:
        raise UsageError(
            "an Azure account needs --tenant and --client-id (a service principal)",
            hint="e.g. cloudwaste auth add azure prod --tenant <tenant id> --client-id <app id>; "
            "without one, scans use DefaultAzureCredential (az login, environment, managed identity)",
        )
    if cloud and cloud not in CLOUD_NAMES:
        raise UsageError(f"--cloud {cloud!r} is not one of {', '.join(CLOUD_NAMES)}")
    settings: dict[str, str] = {"tenant_id": tenant.strip(), "client_id": client_id.strip()}
    if certificate is not None:
        path = certificate.expanduser().resolve()
        if not path.is_file():
            raise UsageError(f"certificate file {certificate} does not exist", hint="give the PEM file path")
        settings["certificate_path"] = str(path)
    if cloud:
        settings["cloud"] = cloud
    save_app_account("azure", name, settings, certificate, secret_stdin, db)


def status(account: str | None, db: Path | None) -> None:
    """``auth status azure``: which credential resolves (one token request) and the endpoints."""
    from cloudwaste import secrets
    from cloudwaste.cli.scan_azure import azure_provider
    from cloudwaste.cli.tables import print_pairs

    usable, backend = secrets.keyring_status()
    provider = azure_provider(account=account, db=db, max_attempts=2)
    identity = provider.identity()
    ep = identity.endpoints
    print_pairs(
        [
            ("provider", "azure"),
            ("credentials", identity.source),
            ("tenant", identity.tenant_id or "-"),
            ("identity", identity.principal or "-"),
            ("cloud", ep.cloud),
            ("ARM", ep.arm_url),
            ("authority", ep.authority),
            ("keyring", ("usable: " if usable else "unavailable: ") + backend),
        ]
    )


def test(name: str | None, db: Path | None) -> None:
    """``auth test azure [NAME]``: a token, then the subscriptions the credential can see."""
    from cloudwaste.cli.scan_azure import azure_provider

    provider = azure_provider(account=name, db=db, max_attempts=2)
    plan = provider.plan()
    skipped = [c for c in plan.skipped if c.status.value == "skipped"]
    console.say(plan.banner)
    console.say(
        f"ok: {len(plan.units)} subscription(s) to scan"
        + (f", {len(skipped)} not enabled (skipped)" if skipped else "")
    )
    for unit in plan.units:
        typer.echo(f"{unit.scope}  {unit.label}")
