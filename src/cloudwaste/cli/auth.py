"""``cloudwaste auth``: named credential profiles (settings in the store, secrets in the OS keyring)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db

app = typer.Typer(
    help="Manage named cloud accounts (secrets live only in the OS keyring).", no_args_is_help=True
)

ProviderArg = Annotated[str, typer.Argument(metavar="PROVIDER", help="Cloud provider: aws.")]
NameArg = Annotated[str, typer.Argument(help="A name for this account, e.g. prod.")]
KeyProviderArg = Annotated[
    str,
    typer.Argument(
        metavar="PROVIDER", help="aws, azure, gcp, m365, or anthropic (the API key of `cloudwaste ask`)."
    ),
]
OptionalNameArg = Annotated[
    str | None, typer.Argument(metavar="[NAME]", help="A name for this account, e.g. prod (aws).")
]
ANTHROPIC = "anthropic"
ANTHROPIC_NAME = "default"  # one Anthropic key: keyring entry anthropic:default (cloudwaste.ai.client)

ADD_EPILOG = """\
Examples:

\b
  cloudwaste auth add aws prod --profile prod-readonly          # reference an AWS profile (no secret)
  cloudwaste auth add aws audit --access-key-id AKIA...         # prompts for the secret key (hidden)
  printf %s "$SECRET" | cloudwaste auth add aws ci --access-key-id AKIA... --secret-stdin
  cloudwaste auth add anthropic                                 # the key of `cloudwaste ask` (hidden)
  cloudwaste auth add azure prod --tenant TENANT_ID --client-id APP_ID   # prompts for the client secret
  cloudwaste auth add azure ci --tenant T --client-id C --certificate sp.pem --secret-stdin < pw.txt
  cloudwaste auth add m365 contoso --tenant T --client-id C --certificate app.pem   # Graph app (preferred)
  cloudwaste auth add gcp finops --key-file sa-key.json                 # the key JSON goes to the keyring
"""


def _check_provider(provider: str) -> None:
    from cloudwaste.errors import UsageError

    if provider not in ("aws", "azure", "gcp", "m365"):
        raise UsageError(
            f"auth for {provider!r} is not available yet", hint="supported today: aws, azure, gcp, m365"
        )


def _account_name(provider: str, name: str | None) -> str:
    """The NAME argument: required for cloud accounts, implied (``default``) for anthropic."""
    from cloudwaste.errors import UsageError

    if provider == ANTHROPIC:
        if name not in (None, ANTHROPIC_NAME):
            raise UsageError("anthropic takes no NAME: cloudwaste keeps one Anthropic API key")
        return ANTHROPIC_NAME
    if not name:
        raise UsageError(f"missing argument NAME (a name for this {provider} account, e.g. prod)")
    return name


def _add_anthropic(secret_stdin: bool, db: Path | None) -> None:
    """Save the Anthropic API key in the OS keyring (never in the store) and list it in the store."""
    from cloudwaste import secrets
    from cloudwaste.cli.common import open_store
    from cloudwaste.errors import UsageError

    with open_store(db) as store:
        if store.get_account(ANTHROPIC, ANTHROPIC_NAME) is not None:
            raise UsageError("an Anthropic API key is already saved", hint="cloudwaste auth remove anthropic")
        if secret_stdin:
            key = sys.stdin.readline().strip()
        elif sys.stdin.isatty():
            key = typer.prompt("Anthropic API key", hide_input=True).strip()
        else:
            raise UsageError("no terminal to prompt for the API key", hint="pipe it with --secret-stdin")
        if not key:
            raise UsageError("empty API key")
        entry = secret_name(ANTHROPIC, ANTHROPIC_NAME)
        secrets.set_secret(entry, key)  # fails before anything is stored
        store.add_account(ANTHROPIC, ANTHROPIC_NAME, {"keyring_entry": entry})
    console.say("saved the Anthropic API key in the OS keyring; `cloudwaste ask` uses it")


def secret_name(provider: str, name: str) -> str:
    """The keyring entry of a named account's secret."""
    return f"{provider}:{name}"


@app.command("add", epilog=ADD_EPILOG)
def add(
    provider: KeyProviderArg,
    name: OptionalNameArg = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Use this AWS profile (SSO, role, keys).")
    ] = None,
    access_key_id: Annotated[
        str | None, typer.Option("--access-key-id", help="An IAM access key id.")
    ] = None,
    secret_stdin: Annotated[
        bool,
        typer.Option("--secret-stdin", help="Read the secret (key, client secret, password) from stdin."),
    ] = False,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Azure, m365: the Entra ID tenant id.")
    ] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="Azure, m365: the app's application (client) id.")
    ] = None,
    certificate: Annotated[
        Path | None,
        typer.Option(
            "--certificate", help="Azure, m365: a PEM certificate (its password goes to the keyring)."
        ),
    ] = None,
    cloud: Annotated[str | None, typer.Option("--cloud", help="Azure: public, usgov or china.")] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file", help="GCP: a service-account key JSON (- for stdin); kept in the keyring."
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Save a named account: an AWS profile or access key, an Azure service principal or a Microsoft 365
    app registration (secrets: OS keyring)."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.errors import UsageError

        if provider == "gcp":
            from cloudwaste.cli import auth_gcp

            if profile or access_key_id or tenant or client_id or certificate or cloud:
                raise UsageError("a gcp account takes --key-file only")
            auth_gcp.add(_account_name(provider, name), key_file, db)
            return
        if key_file is not None:
            raise UsageError("--key-file is for gcp accounts")
        if provider == "m365":
            from cloudwaste.cli import auth_m365

            if profile or access_key_id or cloud:
                raise UsageError("--profile, --access-key-id and --cloud are not for m365 accounts")
            name = _account_name(provider, name)
            auth_m365.add(name, tenant, client_id, certificate, secret_stdin, db)
            return
        if provider == "azure":
            from cloudwaste.cli import auth_azure

            if profile or access_key_id:
                raise UsageError("--profile and --access-key-id are for aws accounts")
            name = _account_name(provider, name)
            auth_azure.add(name, tenant, client_id, certificate, cloud, secret_stdin, db)
            return
        if tenant or client_id or certificate or cloud:
            raise UsageError("--tenant, --client-id, --certificate and --cloud are for azure accounts")

        if provider == ANTHROPIC:
            _account_name(provider, name)
            if profile or access_key_id:
                raise UsageError("--profile and --access-key-id are for aws accounts")
            _add_anthropic(secret_stdin, db)
            return
        _check_provider(provider)
        name = _account_name(provider, name)
        if bool(profile) == bool(access_key_id):
            raise UsageError("give exactly one of --profile or --access-key-id")
        settings: dict[str, str]
        with open_store(db) as store:
            if store.get_account(provider, name) is not None:
                raise UsageError(
                    f"an {provider} account named {name!r} already exists",
                    hint=f"cloudwaste auth remove {provider} {name}",
                )
            if profile:
                settings = {"profile": profile}
            else:
                from cloudwaste import secrets

                assert access_key_id is not None
                if secret_stdin:
                    secret = sys.stdin.readline().strip()
                elif sys.stdin.isatty():
                    secret = typer.prompt("AWS secret access key", hide_input=True).strip()
                else:
                    raise UsageError(
                        "no terminal to prompt for the secret", hint="pipe it with --secret-stdin"
                    )
                if not secret:
                    raise UsageError("empty secret access key")
                secrets.set_secret(secret_name(provider, name), secret)  # fails before anything is stored
                settings = {"access_key_id": access_key_id}
            store.add_account(provider, name, settings)
        where = f"profile {profile}" if profile else "access key (secret in the OS keyring)"
        console.say(
            f"saved {provider} account {name!r}: {where}; scan it with `cloudwaste scan aws --account {name}`"
        )


@app.command("list", epilog="Example:\n\n\b\n  cloudwaste auth list")
def list_accounts(db: Db = None) -> None:
    """List saved accounts (never their secrets)."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.tables import print_table

        with open_store(db) as store:
            accounts = store.list_accounts()
        if not accounts:
            console.say("no saved accounts: see `cloudwaste auth add --help`")
            return
        rows = [
            [a["provider"], a["name"], ", ".join(f"{k}={v}" for k, v in a["settings"].items())]
            for a in accounts
        ]
        print_table(None, ["provider", "name", "settings (no secrets)"], rows)


@app.command("remove", epilog="Example:\n\n\b\n  cloudwaste auth remove aws prod")
def remove(provider: KeyProviderArg, name: OptionalNameArg = None, db: Db = None) -> None:
    """Remove a saved account and its keyring secret."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.errors import KeyringUnavailableError, UsageError

        if provider != ANTHROPIC:
            _check_provider(provider)
        name = _account_name(provider, name)
        with open_store(db) as store:
            account = store.get_account(provider, name)
            if account is None:
                raise UsageError(f"no {provider} account named {name!r}", hint="see `cloudwaste auth list`")
            if "access_key_id" in account["settings"] or provider in (ANTHROPIC, "azure", "gcp", "m365"):
                from cloudwaste import secrets

                try:
                    secrets.delete_secret(secret_name(provider, name))
                except KeyringUnavailableError as exc:
                    console.warn(
                        f"{exc.message}; the keyring entry {secret_name(provider, name)!r} was not removed"
                    )
            store.remove_account(provider, name)
        console.say(f"removed {provider} account {name!r}")


@app.command(
    "status", epilog="Examples:\n\n\b\n  cloudwaste auth status\n  cloudwaste auth status --account prod"
)
def status(
    provider: Annotated[str, typer.Argument(metavar="[PROVIDER]", help="aws, azure, gcp or m365")] = "aws",
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="AWS profile to test.")] = None,
    account: Annotated[str | None, typer.Option("--account", help="Saved account to test.")] = None,
    db: Db = None,
) -> None:
    """Say which credentials resolve (one sts:GetCallerIdentity call) and whether a keyring is usable."""
    with console.handled():
        from cloudwaste import secrets
        from cloudwaste.cli.scan import aws_provider
        from cloudwaste.cli.tables import print_pairs

        _check_provider(provider)
        if provider == "azure":
            from cloudwaste.cli import auth_azure

            auth_azure.status(account, db)
            return
        if provider == "m365":
            from cloudwaste.cli import auth_m365

            auth_m365.status(account, db)
            return
        if provider == "gcp":
            from cloudwaste.cli import auth_gcp

            auth_gcp.status(account, db)
            return
        usable, backend = secrets.keyring_status()
        prov = aws_provider(None, None, profile, account, db)
        identity = prov.identity()
        print_pairs(
            [
                ("provider", provider),
                ("credentials", identity.source),
                ("identity", identity.arn),
                ("account", identity.account_id),
                ("default region", identity.region),
                ("keyring", ("usable: " if usable else "unavailable: ") + backend),
            ]
        )


@app.command(
    "test",
    epilog="Examples:\n\n\b\n  cloudwaste auth test azure prod\n  cloudwaste auth test azure\n"
    "  cloudwaste auth test m365 contoso",
)
def test(provider: ProviderArg, name: OptionalNameArg = None, db: Db = None) -> None:
    """Try a saved account (or the default credentials): get a token and list what it can scan."""
    with console.handled():
        from cloudwaste.errors import UsageError

        if provider == "m365":
            from cloudwaste.cli import auth_m365

            auth_m365.test(name, db)
            return
        if provider == "gcp":
            from cloudwaste.cli import auth_gcp

            auth_gcp.test(name, db)
            return
        if provider != "azure":
            raise UsageError(
                f"auth test supports azure, gcp and m365 today, not {provider!r}",
                hint="for aws: cloudwaste auth status",
            )
        from cloudwaste.cli import auth_azure

        auth_azure.test(name, db)
