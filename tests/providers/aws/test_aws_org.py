"""Organizations scans against moto's server (Organizations, STS AssumeRole, multi-account EC2).

moto derives the account of a request from the assumed role's credentials, so resources created with
a member account's role credentials live in that account. AssumeRole faults (a denied role, request
bodies, concurrency) come from a thin WSGI layer over the same in-process moto state.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from typer.testing import CliRunner

from cloudwaste.checks.registry import load_checks
from cloudwaste.cli.main import app
from cloudwaste.engine.plan import select_checks
from cloudwaste.engine.run import run_scan
from cloudwaste.errors import ProviderError, UsageError
from cloudwaste.model import ScanStatus, UnitStatus
from cloudwaste.providers.aws import AwsOptions
from cloudwaste.providers.aws.org import AwsOrgProvider
from cloudwaste.providers.aws.permissions import management_policy_document
from cloudwaste.store import Store
from tests.fakes.aws_faults import Fault, FaultServer, Request, error_response
from tests.providers.aws.helpers import ACCOUNT

MANAGEMENT_POLICY_FILE = Path(__file__).parents[3] / "examples" / "iam-policy-management.json"
LATER = datetime.now(UTC) + timedelta(days=60)


class OrgServer(FaultServer):
    """moto behind a layer that denies AssumeRole into chosen roles, logs AssumeRole parameters and
    measures how many AssumeRole requests are in flight at once (optionally holding each one)."""

    def __init__(self, deny: Iterable[str] = (), hold_s: float = 0.0) -> None:
        super().__init__()
        self.deny = set(deny)
        self.hold_s = hold_s
        self.assume_calls: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._guard = threading.Lock()

    def _app(self, inner: Any) -> Callable[..., Iterable[bytes]]:
        app = super()._app(inner)

        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            params = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
            if params.get("Action") != "AssumeRole":
                return app(environ, start_response)
            with self._guard:
                self.assume_calls.append(params)
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                time.sleep(self.hold_s)
                arn = params.get("RoleArn", "")
                if arn in self.deny:
                    req = Request(service="sts", region="us-east-1", action="AssumeRole", attempt=0)
                    message = (
                        f"User: arn:aws:iam::{ACCOUNT}:user/moto is not authorized to perform: "
                        f"sts:AssumeRole on resource: {arn}"
                    )
                    status, headers, payload = error_response(req, Fault(403, "AccessDenied", message))
                    start_response(status, [*headers, ("Content-Length", str(len(payload)))])
                    return [payload]
                return app(environ, start_response)
            finally:
                with self._guard:
                    self.in_flight -= 1

        return wrapped


def make_org(n_members: int = 2, tags: dict[int, dict[str, str]] | None = None) -> list[str]:
    """An organization with the moto default account as management and ``n_members`` members."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    ids = []
    for i in range(n_members):
        extra = {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).get(i, {}).items()]}
        status = org.create_account(AccountName=f"member-{i}", Email=f"m{i}@example.com", **extra)
        ids.append(status["CreateAccountStatus"]["AccountId"])
    return ids


def member_ec2(account_id: str, region: str = "us-east-1") -> Any:
    """An EC2 client acting in a member account (moto: credentials of a role in that account)."""
    creds = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/Setup", RoleSessionName="setup"
    )["Credentials"]
    return boto3.client(
        "ec2",
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def org_provider(regions: list[str] | None = None, **options: Any) -> AwsOrgProvider:
    options.setdefault("max_attempts", 1)
    options.setdefault("role_name", "CloudwasteAudit")
    return AwsOrgProvider(AwsOptions(regions=regions or ["us-east-1"], org=True, **options))


def count(prov: AwsOrgProvider, operation: str) -> int:
    return sum(1 for op in prov.operations if op.operation == operation)


def test_org_scan_covers_every_account_x_region_and_finds_member_waste(aws: str) -> None:
    members = make_org(2)
    volume = member_ec2(members[0]).create_volume(AvailabilityZone="us-east-1a", Size=20, VolumeType="gp3")
    prov = org_provider(["us-east-1", "eu-west-1"])
    result = run_scan([prov], select_checks(load_checks("aws"), ["aws.ebs.unattached_volume"]), now=LATER)
    covered = sorted((c.scope, c.region, c.status.value) for c in result.scan.coverage)
    assert covered == sorted(
        (acct, region, "ok") for acct in [ACCOUNT, *members] for region in ("us-east-1", "eu-west-1")
    )
    assert [(f.account, f.region, f.resource.id) for f in result.findings] == [
        (members[0], "us-east-1", volume["VolumeId"])
    ]
    assert result.scan.status == ScanStatus.COMPLETE
    # the management account is scanned with the caller's credentials: one role per member only
    assert count(prov, "AssumeRole") == 2
    assert count(prov, "GetCallerIdentity") == 1 and count(prov, "ListAccounts") == 1
    labels = {u.scope: u.label for u in result.plans[0].units}
    assert labels == {ACCOUNT: "master", members[0]: "member-0", members[1]: "member-1"}


def test_list_accounts_is_paginated_and_only_active_accounts_are_scanned(aws: str) -> None:
    members = make_org(3)
    boto3.client("organizations", region_name="us-east-1").close_account(AccountId=members[2])
    prov = org_provider(page_size=1)
    plan = prov.plan()
    assert sorted(u.scope for u in plan.units) == sorted([ACCOUNT, *members[:2]])
    assert count(prov, "ListAccounts") == 4  # four accounts, one per page
    assert members[2] not in {t.id for t in prov.targets}  # SUSPENDED


def test_assume_role_denied_in_one_account_is_recorded_and_the_others_complete(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = make_org(2)
    volume = member_ec2(members[1]).create_volume(AvailabilityZone="us-east-1a", Size=20)["VolumeId"]
    denied = f"arn:aws:iam::{members[0]}:role/CloudwasteAudit"
    with OrgServer(deny=[denied]) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        prov = org_provider()
        result = run_scan([prov], select_checks(load_checks("aws"), ["aws.ebs.unattached_volume"]), now=LATER)
    by_account = {c.scope: c for c in result.scan.coverage}
    failed = by_account[members[0]]
    assert failed.status == UnitStatus.ERROR and failed.region == "us-east-1"
    assert failed.error is not None
    assert failed.error.startswith("AccessDenied: ") and failed.error.endswith("(AssumeRole)")
    assert denied in failed.error
    assert by_account[members[1]].status == UnitStatus.OK and by_account[ACCOUNT].status == UnitStatus.OK
    assert [f.resource.id for f in result.findings] == [volume]
    assert result.scan.status == ScanStatus.PARTIAL
    assert "1 failed" in result.plans[0].banner


def test_account_tag_filters_org_accounts_through_list_tags_for_resource(aws: str) -> None:
    members = make_org(3, tags={0: {"env": "prod"}, 1: {"env": "dev"}, 2: {"env": "prod", "team": "web"}})
    prov = org_provider(account_tags=[("env", "prod")])
    assert sorted({u.scope for u in prov.plan().units}) == sorted([members[0], members[2]])
    assert count(prov, "ListTagsForResource") == 4  # every ACTIVE account, management included
    both = org_provider(account_tags=[("env", "prod"), ("team", "web")])
    assert [u.scope for u in both.plan().units] == [members[2]]
    either = org_provider(account_tags=[("env", "prod"), ("env", "dev")])
    assert len(either.plan().units) == 3


def test_no_account_matching_the_tags_is_a_usage_error(aws: str) -> None:
    make_org(1)
    with pytest.raises(UsageError, match="no AWS account left"):
        org_provider(account_tags=[("env", "nowhere")]).plan()


def test_external_id_duration_and_session_name_are_sent_with_assume_role(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = make_org(1)
    with OrgServer() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        org_provider(external_id="shared-secret-id", role_duration_s=1800, role_name="audit/Cw").plan()
    [call] = server.assume_calls
    assert call["RoleArn"] == f"arn:aws:iam::{members[0]}:role/audit/Cw"
    assert call["ExternalId"] == "shared-secret-id"
    assert call["DurationSeconds"] == "1800"
    assert call["RoleSessionName"] == "cloudwaste"


def test_accounts_concurrency_bounds_role_assumption(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make_org(5)
    with OrgServer(hold_s=0.15) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        plan = org_provider(accounts_concurrency=2).plan()
    assert len(plan.units) == 6
    assert len(server.assume_calls) == 5
    assert server.max_in_flight == 2  # bounded, and actually parallel


class FakeClock:
    """A tz-aware "now" the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_role_credentials_are_refreshed_before_they_expire(aws: str) -> None:
    members = make_org(1)
    vol = member_ec2(members[0]).create_volume(AvailabilityZone="us-east-1a", Size=5)["VolumeId"]
    clock = FakeClock()
    prov = AwsOrgProvider(
        AwsOptions(regions=["us-east-1"], org=True, role_name="CloudwasteAudit", max_attempts=1), clock=clock
    )
    unit = next(u for u in prov.plan().units if u.scope == members[0])
    session = prov.open_unit(unit, [])
    assert [v["VolumeId"] for v in session.collect("ec2:volumes")] == [vol]
    assert count(prov, "AssumeRole") == 1  # a one-hour session: no refresh yet
    credentials = prov.accounts[members[0]].identity().session.get_credentials()
    first_key = credentials.get_frozen_credentials().access_key
    clock.now += timedelta(minutes=46)  # 14 minutes left: inside botocore's 15-minute refresh window
    session.collect("ec2:snapshots")
    assert count(prov, "AssumeRole") == 2
    assert credentials.get_frozen_credentials().access_key != first_key
    # the refreshed credentials still act in the member account
    assert [v["VolumeId"] for v in prov.open_unit(unit, []).collect("ec2:volumes")] == [vol]


def test_org_needs_a_role_name_and_excludes_an_accounts_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--org needs --role-name"):
        AwsOrgProvider(AwsOptions(org=True))
    with pytest.raises(UsageError, match="cannot be combined"):
        AwsOrgProvider(AwsOptions(org=True, role_name="x", accounts_file=tmp_path / "a.yaml"))


def not_in_an_organization(req: Request) -> Fault | None:
    """What Organizations answers a caller whose account belongs to no organization."""
    if req.action != "ListAccounts":
        return None
    return Fault(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")


def test_caller_outside_an_organization_gets_one_line_with_a_hint(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FaultServer(not_in_an_organization) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        with pytest.raises(ProviderError, match="cannot list the organization's accounts") as info:
            org_provider().plan()
    assert "AWSOrganizationsNotInUseException: Your account is not a member" in info.value.message
    assert info.value.hint and "--accounts-file" in info.value.hint


def test_the_management_policy_file_lists_the_organization_actions() -> None:
    doc = management_policy_document()
    assert json.loads(MANAGEMENT_POLICY_FILE.read_text()) == doc
    actions = {a for s in doc["Statement"] for a in s["Action"]}
    assert {
        "organizations:ListAccounts",
        "organizations:ListTagsForResource",
        "sts:AssumeRole",
        "pricing:GetProducts",
    } <= actions


def test_scan_aws_org_through_the_cli_stores_one_coverage_unit_per_account_region(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    members = make_org(1)
    member_ec2(members[0], "eu-west-1").create_volume(AvailabilityZone="eu-west-1a", Size=30)
    db = tmp_path / "cw.db"
    args = ["scan", "aws", "--org", "--role-name", "CloudwasteAudit", "-r", "us-east-1,eu-west-1"]
    args += ["--db", str(db), "--now", LATER.strftime("%Y-%m-%dT%H:%M:%SZ"), "--max-attempts", "1"]
    args += ["--check", "aws.ebs.unattached_volume", "-f", "json", "-q", "--accounts-concurrency", "2"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert sorted((c["scope"], c["region"]) for c in report["scan"]["coverage"]) == sorted(
        (a, r) for a in (ACCOUNT, members[0]) for r in ("us-east-1", "eu-west-1")
    )
    assert [(f["account"], f["region"]) for f in report["findings"]] == [(members[0], "eu-west-1")]
    with Store.open(db) as store:
        [scan] = store.list_scans()
    assert scan.args["org"] is True and scan.args["role_name"] == "CloudwasteAudit"
    assert "external_id" not in scan.args
