"""Commands that need no cloud: help, rules, auth, usage errors, documentation."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.main import get_command

from cloudwaste.cli.main import app
from tests.cli.conftest import Result

Cli = Callable[..., Result]


def command_paths(cmd: object = None, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    cmd = cmd or get_command(app)
    out = [path]
    for name, sub in getattr(cmd, "commands", {}).items():
        out += command_paths(sub, (*path, name))
    return out


@pytest.mark.parametrize("path", [p for p in command_paths() if p])
def test_every_command_has_help_with_an_example(cli: Cli, path: tuple[str, ...]) -> None:
    r = cli(*path, "--help")
    assert r.exit_code == 0
    group = (
        bool(getattr(get_command(app), "commands", None))
        and len(path) == 1
        and path[0] in ("scan", "findings", "scans", "rules", "auth")
    )
    if not group and path[-1] not in ("version", "azure", "gcp", "m365"):
        assert "Example" in r.stdout, f"{' '.join(path)} --help has no example"


def test_cli_reference_is_up_to_date() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, str(root / "scripts/gen_cli_reference.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_env_vars_are_shown_in_help(cli: Cli) -> None:
    out = cli("scan", "aws", "--help").stdout
    for var in ("CLOUDWASTE_REGIONS", "CLOUDWASTE_FAIL_OVER", "CLOUDWASTE_DB", "CLOUDWASTE_NOW"):
        assert var in out


def test_rules_list_json_contract(cli: Cli) -> None:
    from cloudwaste.checks.registry import load_checks

    rules = json.loads(cli("rules", "list", "--format", "json").stdout)["rules"]
    ids = {r["id"] for r in rules}
    assert ids == {s.id for s in load_checks()}  # every provider's checks, each once
    assert {"aws.ebs.unattached_volume", "aws.vpc.idle_nat_gateway", "azure.compute.unattached_disk"} <= ids
    assert {r["provider"] for r in rules} == {s.provider for s in load_checks()} >= {"aws", "azure"}
    azure = json.loads(cli("rules", "list", "--provider", "azure", "--format", "json").stdout)["rules"]
    assert azure and all(r["id"].startswith("azure.") for r in azure)
    for rule in rules:
        assert set(rule) >= {"id", "provider", "title", "severity", "params", "covers"}
        assert set(rule["covers"]) == {"original", "peers"}
        # checks beyond both references (e.g. GCP unused instance templates, named by the issue) cover
        # nothing listed; every AWS and Azure check maps to a scenario or a peer row
        if rule["provider"] in ("aws", "azure"):
            assert rule["covers"]["original"] or rule["covers"]["peers"], rule["id"]


def test_rules_show_and_unknown_rule(cli: Cli) -> None:
    shown = cli("rules", "show", "aws.ebs.unattached_volume")
    assert shown.exit_code == 0 and "min_age_days" in shown.stdout
    bad = cli("rules", "show", "aws.nope.nothing")
    assert bad.exit_code == 2 and "unknown check" in bad.stderr


def test_scan_gcp_without_google_credentials_exits_5(cli: Cli) -> None:
    r = cli("scan", "gcp", "--no-store")
    assert r.exit_code == 5 and "no Google credentials found" in r.stderr and "hint:" in r.stderr


def test_auth_add_without_keyring_names_the_alternatives(cli: Cli, db: Path) -> None:
    r = cli(
        "auth",
        "add",
        "aws",
        "prod",
        "--access-key-id",
        "AKIAEXAMPLE",
        "--secret-stdin",
        "--db",
        str(db),
        input="s3cr3t-value\n",
    )
    assert r.exit_code == 1
    assert "keyring" in r.stderr.lower() and "hint:" in r.stderr
    assert "Traceback" not in r.stderr
    listed = cli("auth", "list", "--db", str(db))
    assert "prod" not in listed.stdout  # nothing half-saved


def test_auth_add_with_keyring_keeps_secret_out_of_sqlite(
    cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    import keyring

    from tests.memkeyring import MemoryKeyring

    monkeypatch.delenv("CLOUDWASTE_NO_KEYRING", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    request.addfinalizer(lambda: keyring.set_keyring(previous))
    r = cli(
        "auth",
        "add",
        "aws",
        "audit",
        "--access-key-id",
        "AKIAEXAMPLE",
        "--secret-stdin",
        "--db",
        str(db),
        input="s3cr3t-value\n",
    )
    assert r.exit_code == 0, r.stderr
    assert cli("auth", "add", "aws", "ref", "--profile", "prod-ro", "--db", str(db)).exit_code == 0
    listed = cli("auth", "list", "--db", str(db)).stdout
    assert "audit" in listed and "prod-ro" in listed and "s3cr3t" not in listed
    con = sqlite3.connect(db)
    dump = "\n".join(con.iterdump())
    con.close()
    assert "s3cr3t-value" not in dump
    assert cli("auth", "add", "aws", "audit", "--profile", "x", "--db", str(db)).exit_code == 2
    assert cli("auth", "remove", "aws", "audit", "--db", str(db)).exit_code == 0
    assert "audit" not in cli("auth", "list", "--db", str(db)).stdout


def test_auth_add_needs_exactly_one_source(cli: Cli, db: Path) -> None:
    assert cli("auth", "add", "aws", "x", "--db", str(db)).exit_code == 2


def test_database_file_is_private(cli: Cli, db: Path) -> None:
    assert cli("scans", "list", "--db", str(db)).exit_code == 0
    assert db.stat().st_mode & 0o777 == 0o600


def test_bad_now_is_a_usage_error(cli: Cli, db: Path) -> None:
    r = cli("scan", "aws", "--now", "yesterday", "--db", str(db))
    assert r.exit_code == 2
