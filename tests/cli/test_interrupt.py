"""Ctrl-C on a real `cloudwaste scan` process: exit 130, finished units kept, earlier scans untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import boto3

from tests.cli.conftest import cloudwaste_exe, run_exe
from tests.fakes.aws_faults import FaultServer, Request

REGIONS = "us-east-1,eu-west-1,eu-central-1,ap-southeast-2,us-west-2,ca-central-1"


def slow(seconds: float) -> object:
    """A fault rule that never faults, only delays each request (a slow network)."""

    def rule(req: Request) -> None:
        time.sleep(seconds)

    return rule


def test_sigint_mid_scan_exits_130_and_keeps_completed_units(aws: str, tmp_path: Path) -> None:
    db = tmp_path / "cw.db"
    boto3.client("ec2", region_name="us-east-1").allocate_address(Domain="vpc")
    first = run_exe("scan", "aws", "-r", "us-east-1", "--db", str(db), "-q", "--max-attempts", "1")
    assert first.exit_code == 0
    before = json.loads(run_exe("report", "latest", "--db", str(db), "-f", "json", "-q").stdout)

    with FaultServer(slow(0.15)) as fs:  # type: ignore[arg-type]
        env = {**os.environ, "AWS_ENDPOINT_URL": fs.url}
        proc = subprocess.Popen(
            [
                cloudwaste_exe(),
                "scan",
                "aws",
                "-r",
                REGIONS,
                "--db",
                str(db),
                "--concurrency",
                "1",
                "--max-attempts",
                "1",
                "-f",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        for line in proc.stderr:  # plain progress lines: one per finished unit
            if " ok (" in line or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    report = json.loads(out)  # the report of what was completed is still printed
    assert report["scan"]["status"] == "interrupted"
    done = [c for c in report["scan"]["coverage"] if c["status"] == "ok"]
    assert 1 <= len(done) < 6

    scans = json.loads(run_exe("scans", "list", "--db", str(db), "--json").stdout)["scans"]
    assert [s["status"] for s in scans] == ["interrupted", "complete"]
    stored = json.loads(run_exe("scans", "show", scans[0]["id"], "--db", str(db), "--json").stdout)
    assert {c["region"] for c in stored["coverage"]} == {c["region"] for c in report["scan"]["coverage"]}
    # the earlier scan is untouched
    again = json.loads(run_exe("report", before["scan"]["id"], "--db", str(db), "-f", "json", "-q").stdout)
    assert again["findings"] == before["findings"]
    assert again["scan"]["coverage"] == before["scan"]["coverage"]
