"""`cloudwaste scan aws` / `report` / `findings` / `scans` through the CLI, against moto on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from tests.cli.conftest import Result

Cli = Callable[..., Result]
LATER = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_waste(region: str = "us-east-1") -> dict[str, str]:
    """An unattached 100 GiB gp2 volume and an unassociated EIP in ``region``."""
    ec2 = boto3.client("ec2", region_name=region)
    vol = ec2.create_volume(
        AvailabilityZone=f"{region}a",
        Size=100,
        VolumeType="gp2",
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": '=HYPERLINK("x")'}]}],
    )
    eip = ec2.allocate_address(Domain="vpc")
    return {"volume": vol["VolumeId"], "eip": eip["AllocationId"]}


def scan_args(db: Path, *extra: str) -> list[str]:
    return ["scan", "aws", "-r", "us-east-1", "--db", str(db), "--now", LATER, "--max-attempts", "1", *extra]


def test_scan_json_reports_waste_with_costs(aws: str, cli: Cli, db: Path) -> None:
    ids = make_waste()
    r = cli(*scan_args(db, "-f", "json"))
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["schema_version"] == "1"
    assert report["scan"]["status"] == "complete"
    assert [c["region"] for c in report["scan"]["coverage"]] == ["us-east-1"]
    by_check = {f["check_id"]: f for f in report["findings"]}
    vol = by_check["aws.ebs.unattached_volume"]
    assert vol["resource"]["id"] == ids["volume"]
    assert vol["monthly_cost"]["amount"] == pytest.approx(10.0)
    assert vol["monthly_cost"]["kind"] == "cost"
    assert by_check["aws.ec2.unassociated_eip"]["resource"]["id"] == ids["eip"]
    assert by_check["aws.ebs.gp2_volume"]["monthly_cost"]["kind"] == "saving"
    assert report["summary"]["monthly_cost"]["amount"] == pytest.approx(10.0 + 3.65)
    assert "scan " in r.stderr  # the summary line goes to stderr, never stdout


def test_gate_breach_exits_3_and_soft_fail_exits_0(aws: str, cli: Cli, db: Path) -> None:
    make_waste()
    breached = cli(*scan_args(db, "-f", "json", "--fail-over", "5"))
    assert breached.exit_code == 3
    gate = json.loads(breached.stdout)["gate"]
    assert gate["breached"] and gate["rules"][0]["flag"] == "--fail-over"
    assert cli(*scan_args(db, "-f", "json", "--fail-over", "5", "--soft-fail", "-q")).exit_code == 0
    assert cli(*scan_args(db, "-q", "--fail-over", "1000")).exit_code == 0
    assert cli(*scan_args(db, "-q", "--fail-on-count", "1")).exit_code == 3


def test_report_rerenders_stored_scan_as_csv(aws: str, cli: Cli, db: Path, tmp_path: Path) -> None:
    make_waste()
    assert cli(*scan_args(db, "-q", "--export", str(tmp_path / "w.json"))).exit_code == 0
    assert json.loads((tmp_path / "w.json").read_text())["summary"]["findings"] == 3
    r = cli("report", "latest", "--db", str(db), "-f", "csv", "-q")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["check_id"] for row in rows} == {
        "aws.ebs.unattached_volume",
        "aws.ebs.gp2_volume",
        "aws.ec2.unassociated_eip",
    }
    # the volume's Name tag starts with '=': neutralised against formula injection
    assert all(row["resource_name"].startswith("'=") for row in rows if row["resource_type"] == "ebs_volume")
    assert cli("report", "latest", "--db", str(db), "-q", "--fail-over", "1").exit_code == 3


def test_findings_and_scans_commands(aws: str, cli: Cli, db: Path) -> None:
    ids = make_waste()
    assert cli(*scan_args(db, "-q")).exit_code == 0
    listed = cli("findings", "list", "--db", str(db), "--check", "aws.ec2.*", "-f", "json")
    found = json.loads(listed.stdout)["findings"]
    assert [f["resource"]["id"] for f in found] == [ids["eip"]]
    shown = cli("findings", "show", found[0]["fingerprint"][:12], "--db", str(db), "--json")
    assert json.loads(shown.stdout)["fingerprint"] == found[0]["fingerprint"]
    text = cli("findings", "show", found[0]["fingerprint"], "--db", str(db))
    assert "recommendation" in text.stdout and ids["eip"] in text.stdout
    scans = json.loads(cli("scans", "list", "--db", str(db), "--json").stdout)["scans"]
    assert len(scans) == 1 and scans[0]["status"] == "complete"
    assert cli("scans", "show", "latest", "--db", str(db)).exit_code == 0
    assert cli("findings", "show", "cw1:nope", "--db", str(db)).exit_code == 2


def test_second_scan_keeps_first_seen(aws: str, cli: Cli, db: Path) -> None:
    make_waste()
    cli(*scan_args(db, "-q"))
    cli(*scan_args(db, "-q"))
    r = json.loads(cli("report", "--db", str(db), "-f", "json", "-q").stdout)
    scans = json.loads(cli("scans", "list", "--db", str(db), "--json").stdout)["scans"]
    assert len(scans) == 2
    for f in r["findings"]:
        assert f["first_seen"] <= f["last_seen"]
        assert f["first_seen"] != f["last_seen"]


def test_no_credentials_exits_5_with_a_hint(
    moto_server: str, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    r = cli(*scan_args(db))
    assert r.exit_code == 5
    assert "hint:" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_region_warns_and_its_failure_is_recorded(
    aws: str, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.aws_faults import FaultServer, deny_region

    # moto answers any region name; real AWS has no endpoint for a typo, so make that region fail
    with FaultServer(deny_region("eu-wset-1")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        r = cli(
            "scan",
            "aws",
            "-r",
            "us-east-1",
            "-r",
            "eu-wset-1",
            "--db",
            str(db),
            "-f",
            "json",
            "--max-attempts",
            "1",
            "--check",
            "aws.ec2.*",
        )
    report = json.loads(r.stdout)
    assert "eu-wset-1" in r.stderr and "warning" in r.stderr
    cov = {c["region"]: c for c in report["scan"]["coverage"]}
    assert cov["us-east-1"]["status"] == "ok"
    assert cov["eu-wset-1"]["status"] == "error"
    assert report["scan"]["status"] == "partial"
    assert r.exit_code == 0


def test_strict_turns_a_failed_region_into_exit_4(
    aws: str, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.aws_faults import FaultServer, deny_region

    make_waste("us-east-1")
    with FaultServer(deny_region("eu-west-1")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        args = [
            "scan",
            "aws",
            "-r",
            "us-east-1,eu-west-1",
            "--db",
            str(db),
            "--max-attempts",
            "1",
            "-f",
            "json",
            "--now",
            LATER,
        ]
        r = cli(*args)
        strict = cli(*args, "--strict", "-q")
    report = json.loads(r.stdout)
    cov = {c["region"]: c for c in report["scan"]["coverage"]}
    assert cov["eu-west-1"]["status"] == "error"
    assert "UnauthorizedOperation" in cov["eu-west-1"]["error"]
    assert cov["us-east-1"]["status"] == "ok"
    assert report["scan"]["status"] == "partial"
    assert {f["region"] for f in report["findings"]} == {"us-east-1"}
    assert r.exit_code == 0
    assert strict.exit_code == 4


def test_corrupt_database_is_reported_and_left_untouched(aws: str, cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    before = bad.read_bytes()
    r = cli(*scan_args(bad, "-q"))
    assert r.exit_code == 1
    assert "not a cloudwaste database" in r.stderr or "not a database" in r.stderr
    assert bad.read_bytes() == before


def test_malformed_config_is_a_usage_error(aws: str, cli: Cli, db: Path, isolated_home: Path) -> None:
    (isolated_home / "cloudwaste.toml").write_text("[aws\nregions = 1\n")
    r = cli(*scan_args(db))
    assert r.exit_code == 2
    assert "malformed config file" in r.stderr


def test_check_override_from_config_changes_the_result(
    aws: str, cli: Cli, db: Path, isolated_home: Path
) -> None:
    make_waste()
    (isolated_home / "cloudwaste.toml").write_text(
        '[checks."aws.ebs.unattached_volume"]\nmin_age_days = 365\n'
    )
    report = json.loads(cli(*scan_args(db, "-f", "json", "-q")).stdout)
    assert "aws.ebs.unattached_volume" not in {f["check_id"] for f in report["findings"]}
    rules = json.loads(cli("rules", "list", "--format", "json").stdout)["rules"]
    rule = next(r for r in rules if r["id"] == "aws.ebs.unattached_volume")
    assert rule["params"]["min_age_days"] == 365 and rule["defaults"]["min_age_days"] == 7


def test_min_cost_hides_cheap_findings(aws: str, cli: Cli, db: Path) -> None:
    make_waste()
    report = json.loads(cli(*scan_args(db, "-f", "json", "-q", "--min-cost", "5")).stdout)
    assert {f["check_id"] for f in report["findings"]} == {"aws.ebs.unattached_volume"}


def test_auth_status_names_the_credentials_used(aws: str, cli: Cli, db: Path) -> None:
    r = cli("auth", "status", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    assert "environment" in r.stdout and "arn:aws:" in r.stdout
    assert "testing" not in r.stdout  # the (fake) key itself is never printed


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[tuple[str, str], str]]:
    """An in-memory OS keyring for this test (restored afterwards)."""
    import keyring

    from tests.memkeyring import MemoryKeyring

    monkeypatch.delenv("CLOUDWASTE_NO_KEYRING", raising=False)
    previous = keyring.get_keyring()
    MemoryKeyring.store.clear()
    keyring.set_keyring(MemoryKeyring())
    yield MemoryKeyring.store
    keyring.set_keyring(previous)
    MemoryKeyring.store.clear()


def test_named_access_key_account_scans_and_is_removed_with_its_secret(
    aws: str, cli: Cli, db: Path, memory_keyring: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_waste()
    added = cli(
        "auth",
        "add",
        "aws",
        "audit",
        "--access-key-id",
        "AKIAAUDIT",
        "--secret-stdin",
        "--db",
        str(db),
        input="audit-secret\n",
    )
    assert added.exit_code == 0, added.stderr
    assert memory_keyring == {("cloudwaste", "aws:audit"): "audit-secret"}
    # only the saved account may supply credentials: the environment's keys are gone
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    r = cli(*scan_args(db, "--account", "audit", "-f", "json"))
    assert r.exit_code == 0, r.stderr
    assert "account 'audit'" in r.stderr
    assert json.loads(r.stdout)["summary"]["findings"] == 3
    status = cli("auth", "status", "--account", "audit", "--db", str(db))
    assert status.exit_code == 0 and "audit" in status.stdout and "audit-secret" not in status.stdout
    assert cli("auth", "remove", "aws", "audit", "--db", str(db)).exit_code == 0
    assert memory_keyring == {}
    assert cli(*scan_args(db, "--account", "audit")).exit_code == 2


def test_named_profile_account_uses_the_profile(
    aws: str, cli: Cli, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_waste()
    creds = tmp_path / "credentials"
    creds.write_text("[finops]\naws_access_key_id = AKIAFINOPS\naws_secret_access_key = finops-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert cli("auth", "add", "aws", "prod", "--profile", "finops", "--db", str(db)).exit_code == 0
    r = cli(*scan_args(db, "--account", "prod", "-f", "json"))
    assert r.exit_code == 0, r.stderr
    assert "finops" in r.stderr
    assert json.loads(r.stdout)["summary"]["findings"] == 3


def test_ignored_finding_stays_listed_but_never_counts(aws: str, cli: Cli, db: Path) -> None:
    ids = make_waste()
    assert cli(*scan_args(db, "-q")).exit_code == 0
    eip = next(
        f
        for f in json.loads(cli("report", "--db", str(db), "-f", "json", "-q").stdout)["findings"]
        if f["resource"]["id"] == ids["eip"]
    )
    r = cli(
        "findings", "ignore", eip["fingerprint"][:14], "--reason", "allow-listed egress IP", "--db", str(db)
    )
    assert r.exit_code == 0, r.stderr
    # a later scan keeps the decision
    again = json.loads(cli(*scan_args(db, "-f", "json", "-q", "--fail-on-count", "2")).stdout)
    by_fp = {f["fingerprint"]: f for f in again["findings"]}
    assert by_fp[eip["fingerprint"]]["status"] == "ignored"
    assert again["summary"]["ignored"] == 1 and again["summary"]["findings"] == 2
    assert again["summary"]["monthly_cost"]["amount"] == pytest.approx(10.0)
    assert not again["gate"]["breached"]
    assert (
        cli("findings", "list", "--status", "ignored", "--db", str(db), "-f", "csv").stdout.count("\n") == 2
    )
    assert cli("findings", "list", "--status", "bogus", "--db", str(db)).exit_code == 2
    assert cli("findings", "unignore", eip["fingerprint"], "--db", str(db)).exit_code == 0
    assert json.loads(cli("report", "--db", str(db), "-f", "json", "-q").stdout)["summary"]["ignored"] == 0


def test_report_of_an_interrupted_or_partial_scan_is_not_an_error(
    aws: str, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.aws_faults import FaultServer, deny_region

    with FaultServer(deny_region("eu-west-1")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        cli("scan", "aws", "-r", "us-east-1,eu-west-1", "--db", str(db), "--max-attempts", "1", "-q")
    assert cli("report", "--db", str(db), "-q").exit_code == 0
    assert cli("report", "--db", str(db), "-q", "--strict").exit_code == 4


def test_scan_baseline_gate_and_ignore_file_on_scan_aws(aws: str, cli: Cli, db: Path, tmp_path: Path) -> None:
    """`scan aws` takes the lifecycle flags: a second scan with new waste breaches --fail-on-new,
    and an ignore file that mutes the new volume keeps the gate green."""
    make_waste()
    first = cli(*scan_args(db, "-f", "json", "-q"))
    assert first.exit_code == 0, first.stderr
    ec2 = boto3.client("ec2", region_name="us-east-1")
    new = ec2.create_volume(AvailabilityZone="us-east-1a", Size=10, VolumeType="gp3")["VolumeId"]
    gated = cli(*scan_args(db, "-f", "json", "-q", "--baseline", "latest", "--fail-on-new"))
    assert gated.exit_code == 3, gated.stderr
    marks = {f["resource"]["id"]: f["baseline"] for f in json.loads(gated.stdout)["findings"]}
    assert marks[new] == "new" and "existing" in marks.values()
    rules = tmp_path / "ignore.yaml"
    rules.write_text(f"rules:\n  - reason: scratch disk for the load test\n    resource: {new}\n")
    muted = cli(
        *scan_args(
            db, "-f", "json", "-q", "--baseline", "previous", "--fail-on-new", "--ignore-file", str(rules)
        )
    )
    assert muted.exit_code == 0, muted.stderr
    by_id = {f["resource"]["id"]: f for f in json.loads(muted.stdout)["findings"]}
    assert by_id[new]["status"] == "ignored"
