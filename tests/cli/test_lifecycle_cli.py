"""Finding lifecycle through the CLI: ignore --expires, --show-ignored, marked findings, resolution."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import typer

from cloudwaste.model import CoverageUnit, Finding, ScanStatus
from cloudwaste.report import summarize
from cloudwaste.store import Store
from tests.builders import NOW, make_finding, make_scan, make_unit
from tests.cli.conftest import Result

Cli = Callable[..., Result]
DAY = timedelta(days=1)


def store_scan(
    db: Path,
    findings: list[Finding],
    *,
    days: float = 0,
    units: list[CoverageUnit] | None = None,
    start: datetime = NOW,
) -> str:
    """A finished scan in ``db`` as the engine writes it (one unit per region of ``units``)."""
    scan = make_scan(started_at=start + days * DAY, status=ScanStatus.RUNNING)
    units = units or [make_unit()]
    with Store.open(db) as store:
        store.begin_scan(scan)
        stored: list[Finding] = []
        for unit in units:
            mine = [f for f in findings if f.region == unit.region] if len(units) > 1 else findings
            stored += store.write_unit(scan.id, unit, mine)
        s = summarize(stored)
        totals = {"findings": s.findings, "ignored": s.ignored, "monthly_cost": s.monthly_cost["amount"]}
        store.finish_scan(scan.id, ScanStatus.COMPLETE, scan.started_at + timedelta(minutes=2), totals)
        store.resolve_absent(scan.id)
    return scan.id


def report_json(cli: Cli, db: Path, *args: str) -> tuple[Result, dict]:  # type: ignore[type-arg]
    r = cli("report", "--db", str(db), "-f", "json", *args)
    return r, json.loads(r.stdout) if r.stdout else {}


def test_ignore_with_expires_then_expired_counts_again(cli: Cli, db: Path) -> None:
    vol, old = make_finding("vol-1", amount=8.0), make_finding("vol-2", amount=4.0)
    store_scan(db, [vol, old])
    later = (datetime.now(UTC) + 30 * DAY).date().isoformat()
    r = cli(
        "findings",
        "ignore",
        vol.fingerprint[:12],
        "--reason",
        "DR standby",
        "--expires",
        later,
        "--db",
        str(db),
    )
    assert r.exit_code == 0, r.stderr
    assert f"ignored through {later} (UTC)" in r.stderr
    r = cli(
        "findings",
        "ignore",
        old.fingerprint,
        "--reason",
        "was for Q1",
        "--expires",
        "2000-01-31",
        "--db",
        str(db),
    )
    assert r.exit_code == 0
    r, data = report_json(cli, db, "--fail-on-count", "1")
    status = {f["resource"]["id"]: (f["status"], f["status_reason"]) for f in data["findings"]}
    assert status == {"vol-1": ("ignored", "DR standby"), "vol-2": ("open", None)}  # the expired one counts
    assert data["summary"]["findings"] == 1 and data["summary"]["ignored"] == 1
    assert r.exit_code == 0  # one counted finding: not more than --fail-on-count 1


def test_ignored_findings_are_hidden_from_tables_unless_show_ignored(cli: Cli, db: Path) -> None:
    vol, quiet = make_finding("vol-0000000000shown"), make_finding("vol-00000000000muted")
    store_scan(db, [vol, quiet])
    cli("findings", "ignore", quiet.fingerprint, "--reason", "known", "--db", str(db))
    table = cli("report", "--db", str(db), "-q").stdout
    assert "vol-0000000000shown" in table and "vol-00000000000muted" not in table
    assert "1 ignored" in table  # the totals still say so
    shown = cli("report", "--db", str(db), "-q", "--show-ignored").stdout
    assert "vol-00000000000muted" in shown
    listed = cli("findings", "list", "--db", str(db)).stdout
    assert "vol-00000000000muted" not in listed
    assert "vol-00000000000muted" in cli("findings", "list", "--status", "ignored", "--db", str(db)).stdout
    assert "vol-00000000000muted" in cli("findings", "list", "--show-ignored", "--db", str(db)).stdout
    _, data = report_json(cli, db)  # JSON always has them, with their status
    assert {f["resource"]["id"]: f["status"] for f in data["findings"]}["vol-00000000000muted"] == "ignored"


def test_ignored_never_counts_toward_gates_and_marked_does(cli: Cli, db: Path) -> None:
    big, small = make_finding("vol-big", amount=500.0), make_finding("vol-small", amount=5.0)
    store_scan(db, [big, small])
    assert report_json(cli, db, "--fail-over", "100")[0].exit_code == 3
    cli("findings", "ignore", big.fingerprint, "--reason", "reserved for the migration", "--db", str(db))
    assert report_json(cli, db, "--fail-over", "100")[0].exit_code == 0
    cli("findings", "mark-for-deletion", small.fingerprint, "--reason", "FIN-42", "--db", str(db))
    r, data = report_json(cli, db, "--fail-on-count", "0")
    assert r.exit_code == 3  # marked for deletion is still money spent
    assert {f["resource"]["id"]: f["status"] for f in data["findings"]}["vol-small"] == "marked_for_deletion"
    cli("findings", "unignore", big.fingerprint, "--db", str(db))
    assert report_json(cli, db, "--fail-over", "100")[0].exit_code == 3


def test_ignore_needs_a_reason_and_a_real_date(cli: Cli, db: Path) -> None:
    vol = make_finding("vol-1")
    store_scan(db, [vol])
    assert cli("findings", "ignore", vol.fingerprint, "--reason", " ", "--db", str(db)).exit_code == 2
    r = cli("findings", "ignore", vol.fingerprint, "--reason", "x", "--expires", "next week", "--db", str(db))
    assert r.exit_code == 2 and "not a date" in r.stderr


def test_resolved_then_reopened_shows_in_findings_show(cli: Cli, db: Path) -> None:
    vol, eip = make_finding("vol-1"), make_finding("eipalloc-1", check_id="aws.ec2.unassociated_eip")
    store_scan(db, [vol, eip])
    second = store_scan(db, [eip], days=1)
    shown = json.loads(cli("findings", "show", vol.fingerprint, "--json", "--db", str(db)).stdout)
    assert (shown["status"], shown["status_reason"]) == ("resolved", f"not found by scan {second}")
    store_scan(db, [vol, eip], days=2)
    shown = json.loads(cli("findings", "show", vol.fingerprint, "--json", "--db", str(db)).stdout)
    assert shown["status"] == "open"
    assert shown["first_seen"].startswith(NOW.date().isoformat())


LATER = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")


def scan_aws_now(db: Path, **options: object) -> int:
    """`execute_scan` as `scan aws` calls it, with the lifecycle keywords the lead wires to flags."""
    from cloudwaste.cli.scan import aws_provider, execute_scan

    try:
        execute_scan(
            [aws_provider(["us-east-1"], None, None, None, db, 1)],
            provider_names=["aws"],
            include=[],
            exclude=[],
            concurrency=None,
            now=LATER,
            db=db,
            no_store=False,
            strict=False,
            fmt="json",
            output=str(db.with_suffix(".json")),
            export=None,
            fail_over=None,
            fail_on_count=None,
            fail_on_severity=None,
            soft_fail=False,
            min_cost=None,
            quiet=True,
            width=None,
            args={"provider": "aws"},
            **options,  # type: ignore[arg-type]
        )
    except typer.Exit as exc:
        return int(exc.exit_code)
    raise AssertionError("execute_scan always exits")


def test_a_deleted_volume_is_resolved_by_the_next_scan(aws: str, db: Path, isolated_home: Path) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=100, VolumeType="gp3")["VolumeId"]
    assert scan_aws_now(db) == 0
    first = json.loads(db.with_suffix(".json").read_text())
    fps = {
        f["resource"]["id"]: f["fingerprint"]
        for f in first["findings"]
        if f["check_id"].startswith("aws.ebs")
    }
    assert vol in fps
    ec2.delete_volume(VolumeId=vol)  # the team cleaned it up
    (isolated_home / ".cloudwaste-ignore.yaml").write_text("rules:\n  - reason: x\n    check: nothing.*\n")
    code = scan_aws_now(db, baseline="latest", fail_on_new=True, ignore_file=None)
    assert code == 0  # nothing new since the first scan
    second = json.loads(db.with_suffix(".json").read_text())
    assert second["baseline"]["scan_id"] == first["scan"]["id"]
    assert second["baseline"]["resolved"] >= 1
    with Store.open(db) as store:
        state = store.state(fps[vol])
    assert state is not None and state["status"] == "resolved"


def test_execute_scan_rejects_a_malformed_ignore_file_before_scanning(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "ignore.yaml"
    bad.write_text("version: 1\nrules:\n  - reason: ok\n    check: [unclosed\n")
    from cloudwaste.errors import UsageError

    with pytest.raises(UsageError, match=r"ignore.yaml:\d+: not valid YAML"):
        scan_aws_now(db, ignore_file=bad)
    with pytest.raises(UsageError, match="compare with a baseline"):
        scan_aws_now(db, fail_on_new=True)
