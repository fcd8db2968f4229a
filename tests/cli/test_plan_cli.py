"""`cloudwaste plan`: the cleanup script of the marked findings of a stored scan."""

from __future__ import annotations

import shlex
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.builders import make_finding
from tests.cli.conftest import Result
from tests.cli.test_lifecycle_cli import store_scan

Cli = Callable[..., Result]
HOSTILE = "'; rm -rf / #"


def test_plan_of_marked_findings_with_a_hostile_name(cli: Cli, db: Path, tmp_path: Path) -> None:
    evil = make_finding(HOSTILE, check_id="aws.ebs.old_snapshot", resource_type="ebs_snapshot", name=HOSTILE)
    vol = make_finding("vol-0abc", evidence={"state": "available"})
    other = make_finding("vol-unmarked")
    store_scan(db, [evil, vol, other])
    for f in (evil, vol):
        assert (
            cli(
                "findings", "mark-for-deletion", f.fingerprint, "--reason", "FIN-42", "--db", str(db)
            ).exit_code
            == 0
        )
    out = tmp_path / "cleanup.sh"
    r = cli("plan", "--db", str(db), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert "nothing has been changed" in r.stderr
    text = out.read_text()
    assert not out.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)  # never made executable
    assert "Nothing runs this file automatically" in text
    assert "vol-unmarked" not in text
    assert f"--snapshot-id {shlex.quote(HOSTILE)} --dry-run" in text
    assert "aws ec2 delete-volume --region us-east-1 --volume-id vol-0abc --dry-run" in text
    assert text.index("create-snapshot") < text.index("wait snapshot-completed") < text.index("delete-volume")
    assert subprocess.run(["sh", "-n"], input=text, text=True, capture_output=True).returncode == 0


def test_plan_status_check_and_terraform(cli: Cli, db: Path) -> None:
    store_scan(
        db,
        [
            make_finding("vol-1"),
            make_finding("eipalloc-1", check_id="aws.ec2.unassociated_eip", resource_type="elastic_ip"),
        ],
    )
    empty = cli("plan", "--db", str(db))
    assert empty.exit_code == 0 and "mark-for-deletion" in empty.stderr
    sh = cli("plan", "--db", str(db), "--status", "open", "--check", "aws.ec2.*").stdout
    assert "release-address" in sh and "delete-volume" not in sh
    tf = cli("plan", "--db", str(db), "--status", "any", "--format", "terraform").stdout
    assert all(line.startswith("#") or not line for line in tf.splitlines())
    assert "terraform state list -id=vol-1" in tf
    assert cli("plan", "--db", str(db), "--format", "pulumi").exit_code == 2
    assert cli("plan", "--db", str(db), "--status", "ignored").exit_code == 2


def test_plan_skips_findings_muted_by_the_ignore_file(cli: Cli, db: Path, isolated_home: Path) -> None:
    store_scan(db, [make_finding("vol-1"), make_finding("vol-2")])
    (isolated_home / ".cloudwaste-ignore.yaml").write_text("rules:\n  - reason: kept\n    resource: vol-2\n")
    sh = cli("plan", "--db", str(db), "--status", "open").stdout
    assert "vol-1" in sh and "vol-2" not in sh
