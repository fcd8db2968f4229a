"""`cloudwaste ignore add|list|validate` and the suppression file applied by `report` before the gate."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cloudwaste.suppress import load
from tests.builders import make_finding
from tests.cli.conftest import Result
from tests.cli.test_lifecycle_cli import store_scan

Cli = Callable[..., Result]
TOMORROW = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()


def statuses(cli: Cli, db: Path, *args: str) -> tuple[int, dict[str, str], str]:
    r = cli("report", "--db", str(db), "-f", "json", *args)
    data = json.loads(r.stdout)
    return r.exit_code, {f["resource"]["id"]: f["status"] for f in data["findings"]}, r.stderr


def test_add_creates_the_file_then_appends_keeping_comments(cli: Cli, isolated_home: Path) -> None:
    r = cli("ignore", "add", "--check", "aws.ebs.*", "--account", "123456789012", "--reason", "sandbox")
    assert r.exit_code == 0, r.stderr
    path = isolated_home / ".cloudwaste-ignore.yaml"
    assert f"{path}:6: rule added" in r.stderr
    path.write_text(path.read_text() + "  # keep me: a comment after the first rule\n")
    r = cli(
        "ignore",
        "add",
        "--tag",
        "purpose=^(dr|audit)$",
        "--region",
        "eu-*",
        "--reason",
        "DR copies",
        "--expires",
        "2027-03-31",
    )
    assert r.exit_code == 0, r.stderr
    text = path.read_text()
    assert "# keep me: a comment after the first rule" in text
    assert text.startswith("# cloudwaste suppression rules")
    rules = load(path).rules
    assert [(r.reason, r.account, r.tags, str(r.expires)) for r in rules] == [
        ("sandbox", "123456789012", {}, "None"),
        ("DR copies", None, {"purpose": "^(dr|audit)$"}, "2027-03-31"),
    ]
    assert cli("ignore", "validate").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("--reason", "everything"),  # no condition: it would mute every finding
        ("--check", "x", "--reason", ""),
        ("--resource-regex", "([", "--reason", "bad regex"),
        ("--tag", "novalue", "--reason", "x"),
        ("--check", "x", "--reason", "x", "--expires", "soon"),
    ],
)
def test_add_refuses_an_invalid_rule_and_writes_nothing(
    cli: Cli, isolated_home: Path, args: tuple[str, ...]
) -> None:
    r = cli("ignore", "add", *args)
    assert r.exit_code == 2, r.stderr
    assert not (isolated_home / ".cloudwaste-ignore.yaml").exists()


def test_add_to_a_malformed_file_fails_and_leaves_it_alone(cli: Cli, isolated_home: Path) -> None:
    path = isolated_home / ".cloudwaste-ignore.yaml"
    path.write_text("version: 1\nrules:\n  - reason: a\n    chek: typo\n")
    r = cli("ignore", "add", "--check", "x", "--reason", "y")
    assert r.exit_code == 2
    assert path.read_text().endswith("chek: typo\n")


def test_a_malformed_ignore_file_fails_with_exit_2_and_the_line_number(
    cli: Cli, db: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "ignore.yaml"
    bad.write_text("version: 1\nrules:\n  - reason: fine\n    check: aws.*\n  - check: no reason here\n")
    r = cli("ignore", "validate", str(bad))
    assert r.exit_code == 2
    assert f"{bad}:5: reason: Field required" in r.stderr
    store_scan(db, [make_finding()])
    r = cli("report", "--db", str(db), "--ignore-file", str(bad))
    assert r.exit_code == 2 and f"{bad}:5:" in r.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  - reason: x\n   check: bad indent\n")
    r = cli("ignore", "validate", str(broken))
    assert r.exit_code == 2 and f"{broken}:3:" in r.stderr
    assert cli("ignore", "validate", str(tmp_path / "missing.yaml")).exit_code == 2


def test_a_muted_finding_that_would_have_breached_a_gate_does_not(
    cli: Cli, db: Path, isolated_home: Path
) -> None:
    store_scan(
        db, [make_finding("vol-dr", amount=900.0, tags={"purpose": "dr"}), make_finding("vol-x", amount=5.0)]
    )
    assert statuses(cli, db, "--fail-over", "100")[0] == 3
    (isolated_home / ".cloudwaste-ignore.yaml").write_text(
        "version: 1\nrules:\n  - reason: DR copies\n    tags: {purpose: '^dr$'}\n"
    )
    code, status, _ = statuses(cli, db, "--fail-over", "100", "--fail-on-severity", "medium")
    assert status == {"vol-dr": "ignored", "vol-x": "open"}
    assert code == 3  # vol-x is medium: the severity gate still sees the counted finding
    code, _, _ = statuses(cli, db, "--fail-over", "100")
    assert code == 0  # $5 counted, the muted $900 is not
    assert statuses(cli, db, "--fail-over", "100", "--no-ignore")[0] == 3


def test_an_ignore_rule_that_expires(cli: Cli, db: Path, tmp_path: Path) -> None:
    store_scan(db, [make_finding("vol-1", amount=50.0)])
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        f"version: 1\nrules:\n  - reason: until the migration\n    resource: vol-*\n    expires: {TOMORROW}\n"
    )
    code, status, err = statuses(cli, db, "--ignore-file", str(rules), "--fail-over", "10")
    assert (code, status) == (0, {"vol-1": "ignored"})
    assert "expired" not in err
    rules.write_text(
        f"version: 1\nrules:\n  - reason: until the migration\n    resource: vol-*\n"
        f"    expires: {YESTERDAY}\n"
    )
    code, status, err = statuses(cli, db, "--ignore-file", str(rules), "--fail-over", "10")
    assert (code, status) == (3, {"vol-1": "open"})
    assert f"{rules}:3: ignore rule expired on {YESTERDAY}" in err


def test_the_cloudwaste_ignore_tag_mutes_and_no_ignore_turns_it_off(cli: Cli, db: Path) -> None:
    store_scan(
        db, [make_finding("vol-1", tags={"cloudwaste:ignore": "true", "cloudwaste:ignore-until": TOMORROW})]
    )
    assert statuses(cli, db)[1] == {"vol-1": "ignored"}
    assert statuses(cli, db, "--no-ignore")[1] == {"vol-1": "open"}


def test_list_shows_lines_expiry_and_what_each_rule_mutes(cli: Cli, db: Path, isolated_home: Path) -> None:
    store_scan(
        db,
        [
            make_finding("vol-1"),
            make_finding("vol-2"),
            make_finding("snap-1", check_id="aws.ebs.old_snapshot"),
        ],
    )
    (isolated_home / ".cloudwaste-ignore.yaml").write_text(
        "version: 1\n# volumes of the sandbox\nrules:\n"
        "  - reason: sandbox volumes\n    check: aws.ebs.unattached_volume\n"
        f"  - reason: old snapshots\n    resource: snap-*\n    expires: {YESTERDAY}\n"
    )
    data = json.loads(cli("ignore", "list", "--db", str(db), "--json").stdout)
    rows = [(r["line"], r["state"], r["mutes"], r["matches"]) for r in data["rules"]]
    assert rows == [(4, "active", 2, 2), (6, "expired", 0, 1), (None, "active", 0, 0)]
    table = cli("ignore", "list", "--db", str(db)).stdout
    assert "sandbox volumes" in table and "0 (would match 1)" in table


def test_list_without_a_store_or_a_file(cli: Cli, db: Path) -> None:
    r = cli("ignore", "list", "--db", str(db))
    assert r.exit_code == 0
    assert "no ignore file" in r.stderr
    assert not db.exists()  # listing never creates a store
