"""The Microsoft 365 side of ``cloudwaste auth``: save an app registration, show and test Graph credentials.

A saved Microsoft 365 account is an app registration with Graph application permissions: tenant and
client id (and the certificate's path: preferred) in the store, the client secret or the certificate
password in the OS keyring under ``m365:NAME``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cloudwaste.cli import console
from cloudwaste.cli.auth_azure import save_app_account


def add(
    name: str,
    tenant: str | None,
    client_id: str | None,
    certificate: Path | None,
    secret_stdin: bool,
    db: Path | None,
) -> None:
    """``auth add m365 NAME --tenant T --client-id C [--certificate PEM]``: secret to the keyring."""
    from cloudwaste.errors import UsageError

    if not tenant or not client_id:
        raise UsageError(
            "a Microsoft 365 account needs --tenant and --client-id (an app registration)",
            hint="e.g. cloudwaste auth add m365 contoso --tenant <tenant id> --client-id <app id> "
            "--certificate app.pem; without one, scans use AZURE_CLIENT_ID/_SECRET/_TENANT_ID",
        )
    settings: dict[str, str] = {"tenant_id": tenant.strip(), "client_id": client_id.strip()}
    if certificate is not None:
        path = certificate.expanduser().resolve()
        if not path.is_file():
            raise UsageError(f"certificate file {certificate} does not exist", hint="give the PEM file path")
        settings["certificate_path"] = str(path)
    save_app_account("m365", name, settings, certificate, secret_stdin, db)


def status(account: str | None, db: Path | None) -> None:
    """``auth status m365``: which credential resolves (one token request) and the endpoints."""
    from cloudwaste import secrets
    from cloudwaste.cli.scan_m365 import m365_provider
    from cloudwaste.cli.tables import print_pairs

    usable, backend = secrets.keyring_status()
    provider = m365_provider(account=account, db=db, max_attempts=2)
    identity = provider.identity()
    ep = identity.endpoints
    print_pairs(
        [
            ("provider", "m365"),
            ("credentials", identity.source),
            ("tenant", identity.tenant_id or "-"),
            ("identity", identity.principal or "-"),
            ("Graph", ep.graph_url),
            ("authority", ep.authority),
            ("keyring", ("usable: " if usable else "unavailable: ") + backend),
        ]
    )


def test(name: str | None, db: Path | None) -> None:
    """``auth test m365 [NAME]``: a Graph token, then the tenant it reads (GET /organization)."""
    from cloudwaste.cli.scan_m365 import m365_provider

    provider = m365_provider(account=name, db=db, max_attempts=2)
    plan = provider.plan()
    console.say(plan.banner)
    for unit in plan.units:
        console.say(f"ok: Graph answers for tenant {unit.label or unit.scope}")
        typer.echo(f"{unit.scope}  {unit.label}")
