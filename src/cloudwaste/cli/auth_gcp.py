"""The GCP side of ``cloudwaste auth``: save a service-account key, show and test Google credentials.

A saved GCP account is a service-account key: the key JSON (only the fields google-auth needs) goes to
the OS keyring under ``gcp:NAME`` and is never written to disk by cloudwaste; the store keeps the
service account's e-mail and project. ``--key-file -`` reads the key from stdin.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from cloudwaste.cli import console


def _read_key(key_file: Path | None) -> tuple[str, str]:
    """(key JSON text, where it came from)."""
    from cloudwaste.errors import UsageError

    if key_file is None:
        raise UsageError(
            "a GCP account needs --key-file FILE (a service-account key JSON)",
            hint="create one with `gcloud iam service-accounts keys create key.json --iam-account SA`; "
            "without one, scans use Application Default Credentials",
        )
    if str(key_file) == "-":
        return sys.stdin.read(), "stdin"
    path = key_file.expanduser()
    if not path.is_file():
        raise UsageError(f"key file {key_file} does not exist", hint="give the JSON key file's path")
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the key file {key_file}: {exc}") from None


def add(name: str, key_file: Path | None, db: Path | None) -> None:
    """``auth add gcp NAME --key-file FILE``: the key to the keyring, its e-mail and project to the store."""
    from cloudwaste import secrets
    from cloudwaste.cli.common import open_store
    from cloudwaste.errors import CredentialsError, UsageError
    from cloudwaste.providers.gcp.auth import parse_key

    text, origin = _read_key(key_file)
    try:
        info = parse_key(text, f"the key from {origin}")
    except CredentialsError as exc:  # a bad file given on the command line is a usage error
        raise UsageError(exc.message, hint=exc.hint) from None
    settings = {k: str(info[k]) for k in ("client_email", "project_id") if info.get(k)}
    with open_store(db) as store:
        if store.get_account("gcp", name) is not None:
            raise UsageError(
                f"a gcp account named {name!r} already exists", hint=f"cloudwaste auth remove gcp {name}"
            )
        secrets.set_secret(f"gcp:{name}", json.dumps(info, separators=(",", ":")))  # fails before the store
        try:
            store.add_account("gcp", name, settings)
        except Exception:
            secrets.delete_secret(f"gcp:{name}")  # no key left behind for an account that was not saved
            raise
    console.say(
        f"saved gcp account {name!r}: service account {settings.get('client_email')} (key in the OS "
        f"keyring; the file {origin} can be deleted); test it with `cloudwaste auth test gcp {name}`, "
        f"scan with `cloudwaste scan gcp --account {name}`"
    )


def status(account: str | None, db: Path | None) -> None:
    """``auth status gcp``: which credential resolves (no API call) and where the APIs are."""
    from cloudwaste import secrets
    from cloudwaste.cli.scan_gcp import gcp_provider
    from cloudwaste.cli.tables import print_pairs
    from cloudwaste.providers.gcp import http

    usable, backend = secrets.keyring_status()
    provider = gcp_provider(account=account, db=db, retry_deadline=5)
    identity = provider.identity()
    print_pairs(
        [
            ("provider", "gcp"),
            ("credentials", identity.source),
            ("identity", identity.principal or "-"),
            ("impersonating", identity.impersonating or "-"),
            ("default project", identity.default_project or "-"),
            ("endpoint", http.endpoint() or "public Google APIs (*.googleapis.com)"),
            ("keyring", ("usable: " if usable else "unavailable: ") + backend),
        ]
    )


def test(name: str | None, db: Path | None) -> None:
    """``auth test gcp [NAME]``: list the projects the credential can scan (proves it works)."""
    from cloudwaste.cli.scan_gcp import gcp_provider

    provider = gcp_provider(account=name, db=db, retry_deadline=5)
    plan = provider.plan()
    skipped = [c for c in plan.skipped if c.status.value == "skipped"]
    console.say(plan.banner)
    console.say(
        f"ok: {len(plan.units)} project(s) to scan"
        + (f", {len(skipped)} not ACTIVE (skipped)" if skipped else "")
    )
    for unit in plan.units:
        typer.echo(f"{unit.scope}  {unit.label}")
