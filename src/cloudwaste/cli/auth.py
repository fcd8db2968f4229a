"""``cloudwaste auth``: named credential profiles (settings in the store, secrets in the OS keyring)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db

app = typer.Typer(
    help="Manage named cloud accounts (secrets live only in the OS keyring).", no_args_is_help=True
)

ProviderArg = Annotated[str, typer.Argument(metavar="PROVIDER", help="Cloud provider: aws.")]
NameArg = Annotated[str, typer.Argument(help="A name for this account, e.g. prod.")]

ADD_EPILOG = """\
Examples:

\b
  cloudwaste auth add aws prod --profile prod-readonly          # reference an AWS profile (no secret)
  cloudwaste auth add aws audit --access-key-id AKIA...         # prompts for the secret key (hidden)
  printf %s "$SECRET" | cloudwaste auth add aws ci --access-key-id AKIA... --secret-stdin
"""


def _check_provider(provider: str) -> None:
    from cloudwaste.errors import UsageError

    if provider != "aws":
        raise UsageError(f"auth for {provider!r} is not available yet", hint="supported today: aws")


def secret_name(provider: str, name: str) -> str:
    """The keyring entry of a named account's secret."""
    return f"{provider}:{name}"


@app.command("add", epilog=ADD_EPILOG)
def add(
    provider: ProviderArg,
    name: NameArg,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Use this AWS profile (SSO, role, keys).")
    ] = None,
    access_key_id: Annotated[
        str | None, typer.Option("--access-key-id", help="An IAM access key id.")
    ] = None,
    secret_stdin: Annotated[
        bool, typer.Option("--secret-stdin", help="Read the secret access key from stdin.")
    ] = False,
    db: Db = None,
) -> None:
    """Save a named account: an AWS profile reference, or an access key whose secret goes to the keyring."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.errors import UsageError

        _check_provider(provider)
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
def remove(provider: ProviderArg, name: NameArg, db: Db = None) -> None:
    """Remove a saved account and its keyring secret."""
    with console.handled():
        from cloudwaste.cli.common import open_store
        from cloudwaste.errors import KeyringUnavailableError, UsageError

        _check_provider(provider)
        with open_store(db) as store:
            account = store.get_account(provider, name)
            if account is None:
                raise UsageError(f"no {provider} account named {name!r}", hint="see `cloudwaste auth list`")
            if "access_key_id" in account["settings"]:
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
    provider: Annotated[str, typer.Argument(metavar="[PROVIDER]", help="aws")] = "aws",
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
