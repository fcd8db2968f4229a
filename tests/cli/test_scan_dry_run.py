"""`scan aws --dry-run`: the plan on stdout, discovery calls only, nothing stored (moto on 127.0.0.1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest

from cloudwaste.providers.aws.collectors import COLLECTORS
from cloudwaste.providers.aws.estimate import estimate_unit
from cloudwaste.store import Store
from tests.cli.conftest import Result
from tests.fakes.aws_faults import FaultServer

Cli = Callable[..., Result]
DISCOVERY = {"GetCallerIdentity", "ListAccountAliases", "DescribeRegions", "ListAccounts", "AssumeRole"}


def dry(cli: Cli, db: Path, *args: str) -> Result:
    return cli("scan", "aws", "--dry-run", "--db", str(db), "--max-attempts", "1", *args)


def test_dry_run_prints_the_plan_and_makes_only_discovery_calls(
    aws: str, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("ec2", region_name="us-east-1").create_volume(AvailabilityZone="us-east-1a", Size=10)
    with FaultServer() as server:  # no faults: a request log in front of moto
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        r = dry(cli, db, "-r", "us-east-1,eu-west-1")
    assert r.exit_code == 0, r.stderr
    assert set(server.actions()) <= DISCOVERY and "DescribeVolumes" not in server.actions()
    out = r.stdout
    assert out.startswith("dry run: nothing was scanned and nothing was stored")
    assert "123456789012" in out and "eu-west-1, us-east-1" in out
    assert "ec2:volumes" in out and "ec2:DescribeVolumes" in out and "cloudwatch:GetMetricData" in out
    assert "total: 2 units x " in out and "estimate: per unit: 1 call per collection" in out
    assert "aws.ebs.unattached_volume" in out
    assert not db.exists()


def test_dry_run_json_estimate_matches_the_calls_of_a_real_scan(aws: str, cli: Cli, db: Path) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)  # resources for every metric window
    ec2.create_volume(AvailabilityZone="us-east-1a", Size=10)
    picked = ["--check", "aws.vpc.idle_nat_gateway", "--check", "aws.ebs.unattached_volume"]
    r = dry(cli, db, "-r", "us-east-1", "-f", "json", *picked)
    assert r.exit_code == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["dry_run"] is True
    [prov] = plan["providers"]
    assert [(u["scope"], u["region"]) for u in prov["units"]] == [("123456789012", "us-east-1")]
    est = prov["estimate"]
    assert est["min_calls"] == len(est["collections"]) + len(est["metric_windows"])
    assert est["total_min_calls"] == est["min_calls"] and "method" in est
    assert prov["discovery_api_calls"] == 3  # GetCallerIdentity, ListAccountAliases, DescribeRegions
    assert {c["id"] for c in plan["checks"]} == {"aws.vpc.idle_nat_gateway", "aws.ebs.unattached_volume"}
    assert est["metric_windows"] and {"ec2:nat_gateways"} <= {
        c for w in est["metric_windows"] for c in w["collections"]
    }
    assert not db.exists()
    # the same scan for real: no further pages or per-item calls in this estate, so the floor is exact
    scan = cli(
        "scan", "aws", "-r", "us-east-1", "--db", str(db), "--max-attempts", "1", "-f", "json", "-q", *picked
    )
    [unit] = json.loads(scan.stdout)["scan"]["coverage"]
    assert unit["status"] == "ok" and unit["api_calls"] == est["min_calls"]


def test_dry_run_with_checks_selected_estimates_only_their_collections(aws: str, cli: Cli, db: Path) -> None:
    r = dry(cli, db, "-r", "us-east-1", "-f", "json", "--check", "aws.ec2.unassociated_eip")
    est = json.loads(r.stdout)["providers"][0]["estimate"]
    names = [c["name"] for c in est["collections"]]
    assert "ec2:addresses" in names and "ec2:volumes" not in names and len(names) == len(set(names))
    assert est["metric_windows"] == [] and est["min_calls"] == len(est["collections"])


def test_dry_run_does_not_touch_an_existing_store(aws: str, cli: Cli, db: Path) -> None:
    scan = ("scan", "aws", "-r", "us-east-1", "--db", str(db), "--max-attempts", "1", "-q")
    assert cli(*scan, "--check", "aws.ebs.unattached_volume").exit_code == 0
    with Store.open(db) as store:
        before = len(store.list_scans())
    assert dry(cli, db, "-r", "us-east-1").exit_code == 0
    with Store.open(db) as store:
        assert len(store.list_scans()) == before


def test_org_dry_run_lists_accounts_and_a_failed_role(
    aws: str, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="dev", Email="d@example.com")["CreateAccountStatus"]["AccountId"]
    r = dry(cli, db, "--org", "--role-name", "Audit", "-r", "us-east-1", "-f", "json")
    assert r.exit_code == 0, r.stderr
    [prov] = json.loads(r.stdout)["providers"]
    assert {(a["id"], a["name"], a["status"]) for a in prov["accounts"]} == {
        ("123456789012", "master", "ok"),
        (member, "dev", "ok"),
    }
    assert len(prov["units"]) == 2 and "2 accounts from AWS Organizations via role Audit" in prov["banner"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "csv"], "--dry-run prints a table or JSON"),
        (["--role-name", "Audit"], "apply to --org or --accounts-file"),
        (["--org"], "--org needs --role-name"),
        (["--org", "--role-name", "bad name!"], "is not an IAM role name"),
        (["--org", "--role-name", "A", "--external-id", "x"], "--external-id must be 2 to 1224"),
        (["--org", "--role-name", "A", "--account-tag", "env"], "is not KEY=VALUE"),
    ],
)
def test_bad_flags_are_usage_errors(aws: str, cli: Cli, db: Path, args: list[str], message: str) -> None:
    r = dry(cli, db, "-r", "us-east-1", *args)
    assert r.exit_code == 2 and message in r.stderr


def test_a_malformed_accounts_file_exits_2_with_line_and_field(
    aws: str, cli: Cli, db: Path, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text("- id: '111122223333'\n  role: Audit\n- id: '12345'\n")
    r = dry(cli, db, "--accounts-file", str(path))
    assert r.exit_code == 2
    assert "line 3: account 2, field 'id'" in r.stderr and "Traceback" not in r.stderr


def test_estimate_counts_shared_listings_once_and_names_per_item_calls() -> None:
    est = estimate_unit(["elbv2:target_groups", "ec2:launch_template_versions", "ec2:volumes"], [])
    by_name = {c.name: c for c in est.collections}
    assert by_name["elbv2:target_groups"].per_item == ("elbv2:DescribeTargetHealth",)
    assert by_name["ec2:launch_template_versions"].operation == "ec2:DescribeLaunchTemplates"
    assert by_name["ec2:volumes"].page_size == 500 and est.min_calls == 3
    shared = [n for n in ("elbv2:load_balancers", "elbv2:listeners") if n in COLLECTORS]
    if len(shared) == 2:  # the listeners are read per load balancer of the one DescribeLoadBalancers
        both = estimate_unit(shared, [])
        assert both.min_calls == 1 and both.collections[1].shared_with == "elbv2:load_balancers"
    unknown = estimate_unit(["ec2:no_such_thing"], [])
    assert unknown.collections[0].operation.startswith("unknown") and unknown.min_calls == 1
