"""The installed `cloudwaste` executable, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3

from tests.cli.conftest import run_exe

LATER = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_scan_with_json_output(aws: str, tmp_path: Path) -> None:
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    vol = ec2.create_volume(AvailabilityZone="eu-west-1a", Size=50, VolumeType="gp3")["VolumeId"]
    r = run_exe(
        "scan", "aws", "-r", "eu-west-1", "--db", str(tmp_path / "cw.db"), "--now", LATER, "-f", "json"
    )
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)  # stdout is only the report
    finding = next(f for f in report["findings"] if f["check_id"] == "aws.ebs.unattached_volume")
    assert finding["resource"]["id"] == vol
    assert finding["region"] == "eu-west-1"
    assert finding["monthly_cost"]["basis"] == "bundled_price"
    assert "eu-west-1" in r.stderr  # progress lines go to stderr


def test_gate_exits_3(aws: str, tmp_path: Path) -> None:
    boto3.client("ec2", region_name="us-east-1").allocate_address(Domain="vpc")
    r = run_exe("scan", "aws", "-r", "us-east-1", "--no-store", "--fail-over", "1", "-q")
    assert r.exit_code == 3, r.stderr
    assert "unassociated" in r.stdout.lower() or "aws.ec2.unassociated_eip" in r.stdout


def test_bad_flag_exits_2_with_one_line() -> None:
    r = run_exe("scan", "aws", "--regoin", "eu-west-1")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: No such option")
    assert "Traceback" not in r.stderr


def test_help_does_not_import_cloud_sdks() -> None:
    code = (
        "import sys\n"
        "from cloudwaste.cli.main import run\n"
        "sys.argv = ['cloudwaste', '--help']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "sdks = {'boto3', 'botocore', 'moto', 'sqlite_utils'}\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & sdks)\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_demo_scans_the_simulated_estate(tmp_path: Path) -> None:
    r = run_exe("demo", "-f", "json", "--db", str(tmp_path / "demo.db"))
    assert r.exit_code == 0, r.stderr
    assert "DEMO" in r.stderr
    report = json.loads(r.stdout)
    assert report["scan"]["demo"] is True
    assert report["scan"]["status"] == "complete"
    assert {c["region"] for c in report["scan"]["coverage"]} == {"us-east-1", "eu-west-1", "ap-southeast-2"}
    checks = {f["check_id"] for f in report["findings"]}
    # the demo estate has waste for each of the first twelve checks (and some of the later ones)
    assert {
        "aws.ebs.unattached_volume",
        "aws.ebs.volume_on_stopped_instance",
        "aws.ebs.old_snapshot",
        "aws.ebs.orphan_snapshot",
        "aws.ebs.gp2_volume",
        "aws.ec2.unassociated_eip",
        "aws.ec2.stopped_instance",
        "aws.ami.unused",
        "aws.elb.alb_no_targets",
        "aws.elb.nlb_no_targets",
        "aws.elb.clb_no_instances",
        "aws.vpc.idle_nat_gateway",
    } <= checks
    names = {f["resource"]["name"] for f in report["findings"]}
    assert "[bold]batch-old[/bold]" in names  # markup in a tag is data, kept literally
    # the demo store can be re-rendered like any other
    csv_out = run_exe("report", "latest", "--db", str(tmp_path / "demo.db"), "-f", "csv", "-q")
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("fingerprint,check_id,")
