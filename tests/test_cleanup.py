"""Cleanup plans: the commands per resource type, quoting of hostile ids, and what running the script does.

The scripts are run with ``sh`` against fake ``aws`` / ``az`` executables (first on PATH) that only
log their arguments, so the tests see exactly what a reviewer's shell would pass to the real CLIs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudwaste.cleanup import plan_recipes, recipe, render_sh, render_terraform
from cloudwaste.model import CostKind, Finding, ScanStatus, Status, fingerprint
from tests.builders import make_finding, make_scan

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HOSTILE = "'; rm -rf / #"
SCAN = make_scan("20261201-072455-3fa9c1", status=ScanStatus.COMPLETE)

FAKE_CLI = """#!/bin/sh
# log every argument on its own line, NUL-free; a dry run answers like EC2 does
{
  printf '%s\\n' "$(basename "$0")"; for a in "$@"; do printf '[%s]\\n' "$a"; done; printf -- '--\\n'
} >> "$CLI_LOG"
for a in "$@"; do
  if [ "$a" = "--dry-run" ]; then
    echo "An error occurred (DryRunOperation): Request would have succeeded, but DryRun flag is set." >&2
    exit 254
  fi
done
case "$2" in
  create-snapshot) echo snap-0fake ;;
  create-image) echo ami-0fake ;;
esac
exit 0
"""


def marked(f: Finding) -> Finding:
    return f.model_copy(update={"status": Status.MARKED_FOR_DELETION, "status_reason": "FIN-42"})


def aws(resource_id: str, rtype: str, check: str = "aws.ebs.unattached_volume", **kw: object) -> Finding:
    f = make_finding(resource_id, check_id=check, resource_type=rtype, **kw)  # type: ignore[arg-type]
    return marked(f)


def azure(resource_id: str, rtype: str, **kw: object) -> Finding:
    f = make_finding(resource_id, resource_type=rtype, account="sub-1", region="westeurope", **kw)  # type: ignore[arg-type]
    fp = fingerprint("azure", "sub-1", "westeurope", resource_id, f.check_id)
    return marked(f.model_copy(update={"provider": "azure", "fingerprint": fp}))


def run_script(tmp_path: Path, text: str) -> tuple[list[list[str]], subprocess.CompletedProcess[str]]:
    """Run a plan with sh, fake aws/az first on PATH; returns each CLI call's argv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("aws", "az"):
        exe = bin_dir / name
        exe.write_text(FAKE_CLI)
        exe.chmod(0o755)
    log = tmp_path / "cli.log"
    log.write_text("")
    script = tmp_path / "plan.sh"
    script.write_text(text)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CLI_LOG": str(log), "HOME": str(tmp_path)}
    proc = subprocess.run(
        ["sh", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    calls: list[list[str]] = []
    current: list[str] = []
    for line in log.read_text().splitlines():
        if line == "--":
            calls.append(current)
            current = []
        elif line.startswith("[") and line.endswith("]"):
            current.append(line[1:-1])
        else:
            current = [line]
    return calls, proc


def test_the_script_for_a_hostile_resource_name_stays_quoted(tmp_path: Path) -> None:
    vol = aws("vol-0123456789abcdef0", "ebs_volume", name=HOSTILE, tags={"Name": HOSTILE})
    weird = aws(HOSTILE, "ebs_snapshot", check="aws.ebs.old_snapshot")
    text = render_sh(SCAN, [vol, weird], {}, NOW, "marked_for_deletion")
    live = [ln.removesuffix(" &&") for ln in text.splitlines() if ln and not ln.startswith("#")]
    [delete] = [ln for ln in live if "delete-snapshot" in ln]
    words = shlex.split(delete)
    assert words[words.index("--snapshot-id") + 1] == HOSTILE  # one argument, exactly the id
    assert shlex.quote(HOSTILE) in delete
    for line in live:  # the payload never appears as shell syntax: every token is whole
        assert "rm" not in shlex.split(line.split("=$(", 1)[-1].rstrip(")"))
    # in a comment the name is only text: one line, nothing to escape through
    assert all("\n" not in ln for ln in text.splitlines())


def test_running_a_plan_with_injection_payloads_runs_no_injected_command(tmp_path: Path) -> None:
    payloads = [
        "vol-1'; touch PWNED1; #",
        "vol-2$(touch PWNED2)",
        "vol-3`touch PWNED3`",
        'vol-4"; touch PWNED4; "',
    ]
    findings = [aws(p, "ebs_snapshot", check="aws.ebs.old_snapshot", name=p) for p in payloads]
    calls, proc = run_script(tmp_path, render_sh(SCAN, findings, {}, NOW, "marked_for_deletion"))
    assert not list(tmp_path.glob("PWNED*")), proc.stderr
    assert sorted(c[c.index("--snapshot-id") + 1] for c in calls) == sorted(payloads)
    assert all(c[-1] == "--dry-run" for c in calls)


def test_control_characters_in_an_id_are_never_written_into_a_command() -> None:
    f = aws("vol-1\n$(touch x)", "ebs_volume")
    r = recipe(f, 1, "orphan", NOW)
    assert r.steps == [] and r.skipped is not None and "control characters" in r.skipped
    text = render_sh(SCAN, [f], {}, NOW, "marked_for_deletion")
    assert "\n$(touch x)" not in text  # the comment line was cleaned too


def test_as_generated_the_plan_changes_nothing(tmp_path: Path) -> None:
    findings = [
        aws("vol-1", "ebs_volume", evidence={"state": "available"}),
        aws("i-1", "ec2_instance", check="aws.ec2.stopped_instance"),
        aws("app/lb/1", "application_load_balancer", check="aws.elb.alb_no_targets"),
        azure("/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Compute/disks/d1", "managed_disk"),
    ]
    calls, _ = run_script(tmp_path, render_sh(SCAN, findings, {}, NOW, "marked_for_deletion"))
    assert [c[0] for c in calls] == ["aws", "aws"]  # the ec2 chains' first steps; elbv2 and az commented out
    assert all("--dry-run" in c for c in calls)
    assert [c[2] for c in calls] == ["create-snapshot", "create-image"]  # a chain stops at its dry run


def test_a_reviewed_volume_chain_snapshots_and_waits_before_deleting(tmp_path: Path) -> None:
    vol = aws("vol-1", "ebs_volume", evidence={"state": "in-use"})
    text = render_sh(SCAN, [vol], {}, NOW, "marked_for_deletion").replace(" --dry-run", "")
    calls, proc = run_script(tmp_path, text)
    assert proc.returncode == 0, proc.stderr
    assert [c[2:4] for c in calls] == [
        ["create-snapshot", "--region"],
        ["detach-volume", "--region"],
        ["wait", "volume-available"],
        ["wait", "snapshot-completed"],
        ["delete-volume", "--region"],
    ]
    assert calls[3][-1] == "snap-0fake"  # waits for the snapshot it just created


def test_recipes_per_resource_type() -> None:
    cases = [
        (aws("eipalloc-1", "elastic_ip", check="aws.ec2.unassociated_eip"), ["release-address"]),
        (aws("snap-1", "ebs_snapshot", check="aws.ebs.orphan_snapshot"), ["delete-snapshot"]),
        (
            aws("ami-1", "ami", check="aws.ami.unused", evidence={"snapshot_ids": ["snap-a", "snap-b"]}),
            ["deregister-image", "delete-snapshot", "delete-snapshot"],
        ),
        (aws("nat-1", "nat_gateway", check="aws.vpc.idle_nat_gateway"), ["delete-nat-gateway"]),
        (
            aws("i-1", "ec2_instance", check="aws.ec2.stopped_instance"),
            ["create-image", "wait", "terminate-instances"],
        ),
        (
            aws("db-1", "rds_instance", check="aws.rds.idle"),
            ["create-db-snapshot", "wait", "delete-db-instance"],
        ),
        (aws("legacy", "classic_load_balancer", check="aws.elb.clb_no_instances"), ["delete-load-balancer"]),
    ]
    for f, verbs in cases:
        r = recipe(f, 1, "orphan", NOW)
        assert [s.argv[2] for s in r.steps] == verbs, f.resource.type
    eip = aws(
        "1.2.3.4",
        "elastic_ip",
        check="aws.ec2.public_ip_on_unused_instance",
        evidence={"allocation_id": "eipalloc-9", "association_id": "eipassoc-9"},
    )
    assert [s.argv[2] for s in recipe(eip, 1, "idle", NOW).steps] == [
        "disassociate-address",
        "release-address",
    ]
    auto = aws("54.1.2.3", "public_ipv4", check="aws.ec2.public_ip_on_unused_instance", evidence={})
    assert recipe(auto, 1, "idle", NOW).skipped is not None
    rds = recipe(aws("db-1", "rds_instance"), 1, "idle", NOW)
    assert rds.commented_out  # aws rds has no dry run


def test_azure_recipes_snapshot_a_disk_before_deleting_it() -> None:
    disk_id = "/subscriptions/sub-1/resourceGroups/rg-app/providers/Microsoft.Compute/disks/data-1"
    r = recipe(azure(disk_id, "managed_disk", evidence={"managed_by": "vm-1"}), 1, "orphan", NOW)
    create, delete = (list(s.argv) for s in r.steps)
    assert create[:3] == ["az", "snapshot", "create"]
    assert create[create.index("--subscription") + 1] == "sub-1"
    assert create[create.index("--resource-group") + 1] == "rg-app"
    assert create[create.index("--source") + 1] == disk_id
    assert delete == ["az", "disk", "delete", "--ids", disk_id, "--yes"]
    assert any("detach" in n for n in r.notes)
    ip = recipe(
        azure(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/publicIPAddresses/ip", "public_ip"
        ),
        1,
        "idle",
        NOW,
    )
    assert list(ip.steps[0].argv[:4]) == ["az", "network", "public-ip", "delete"]
    assert ip.commented_out


def test_a_change_is_not_turned_into_a_deletion_unless_marked() -> None:
    gp2 = make_finding("vol-1", check_id="aws.ebs.gp2_volume", kind=CostKind.SAVING)
    assert recipe(gp2, 1, "legacy", NOW).skipped is not None
    oversized = make_finding("i-1", check_id="aws.ec2.oversized_instance", resource_type="ec2_instance")
    assert recipe(oversized, 1, "oversized", NOW).skipped is not None
    r = recipe(marked(gp2), 1, "legacy", NOW)
    assert r.steps and any("not a deletion" in n for n in r.notes)


def test_several_findings_on_one_resource_share_one_chain() -> None:
    gp2 = marked(make_finding("vol-1", check_id="aws.ebs.gp2_volume", kind=CostKind.SAVING))
    orphan = aws("vol-1", "ebs_volume")
    [r] = plan_recipes([gp2, orphan], {"aws.ebs.gp2_volume": "legacy"}, NOW)
    assert r.finding.check_id == "aws.ebs.unattached_volume"
    assert [f.check_id for f in r.also] == ["aws.ebs.gp2_volume"]
    text = render_sh(SCAN, [gp2, orphan], {"aws.ebs.gp2_volume": "legacy"}, NOW, "marked_for_deletion")
    assert text.count("delete-volume") == 1


def test_the_header_warns_and_names_the_clis_without_dry_run() -> None:
    text = render_sh(SCAN, [], {}, NOW, "marked_for_deletion")
    assert text.startswith("#!/bin/sh\n")
    assert "Nothing runs this file automatically" in text
    assert "never deletes anything" in text
    assert "aws elbv2, aws elb, aws rds, az have no dry-run mode" in text


@pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="needs sh")
def test_the_plan_is_valid_shell() -> None:
    findings = [
        aws("vol-1", "ebs_volume"),
        aws(HOSTILE, "ebs_snapshot"),
        aws("app/x", "application_load_balancer"),
    ]
    text = render_sh(SCAN, findings, {}, NOW, "marked_for_deletion")
    proc = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_terraform_plan_is_only_comments_with_state_lookups() -> None:
    lb = aws("app/lb/1", "application_load_balancer", check="aws.elb.alb_no_targets")
    eip = aws(
        "1.2.3.4", "elastic_ip", check="aws.ec2.unassociated_eip", evidence={"allocation_id": "eipalloc-7"}
    )
    hostile = aws(HOSTILE, "ebs_volume", name='x\nresource "null" "pwn" {}')
    text = render_terraform(SCAN, [lb, eip, hostile], {}, NOW, "marked_for_deletion")
    assert all(line.startswith("#") or not line for line in text.splitlines())
    assert f"terraform state list -id={shlex.quote(lb.resource.arn or '')}" in text  # aws_lb's id is the ARN
    assert "terraform state list -id=eipalloc-7" in text
    assert f"terraform state list -id={shlex.quote(HOSTILE)}" in text
    assert "removed {" in text and "destroy = false" in text
    assert "likely Terraform type: aws_ebs_volume" in text
