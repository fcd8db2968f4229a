"""``--accounts-file``: the YAML model (validation with line and field) and scans driven by it (moto)."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from cloudwaste.errors import UsageError
from cloudwaste.providers.aws import AwsOptions
from cloudwaste.providers.aws.accounts import load_accounts_file, parse_account_tags, tags_match
from cloudwaste.providers.aws.org import AwsOrgProvider
from tests.providers.aws.helpers import ACCOUNT

EXAMPLE = Path(__file__).parents[3] / "examples" / "accounts.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accounts.yaml"
    path.write_text(text)
    return path


def test_the_example_file_is_valid() -> None:
    targets = load_accounts_file(EXAMPLE)
    assert [t.id for t in targets] == ["111111111111", "222222222222", "333333333333"]
    assert targets[1].regions == ["eu-west-1", "eu-central-1"] and targets[1].tags["team"] == "web"
    assert targets[0].role is None and targets[0].label == "management"


def test_ids_stay_strings_with_their_leading_zeros(tmp_path: Path) -> None:
    # unquoted, 012345670123 is an octal integer in YAML 1.1 and 123456789012 an int
    targets = load_accounts_file(
        write(tmp_path, "- id: 012345670123\n- id: 123456789012\n  tags: {cc: 42}\n")
    )
    assert [t.id for t in targets] == ["012345670123", "123456789012"]
    assert targets[1].tags == {"cc": "42"} and targets[1].label == "123456789012"


def test_a_mapping_with_an_accounts_list_is_accepted(tmp_path: Path) -> None:
    targets = load_accounts_file(
        write(tmp_path, "accounts:\n  - id: '111122223333'\n    regions: eu-west-1\n")
    )
    assert targets[0].regions == ["eu-west-1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- id: '1234'\n", r"line 1: account 1, field 'id': String should match pattern"),
        (
            "- id: '111122223333'\n- id: '111122223334'\n  regions: [eu-west-1]\n  colour: blue\n",
            r"line 4: account 2, field 'colour': Extra inputs are not permitted",
        ),
        ("- id: '111122223333'\n  tags: [a, b]\n", r"line 2: account 1, field 'tags'"),
        ("- name: no-id\n", r"line 1: account 1, field 'id': Field required"),
        ("- id: '111122223333'\n- id: '111122223333'\n", r"line 2: account 111122223333 is listed twice"),
        ("- id: '111122223333'\n  regions: [eu-west-1\n", r"line 3: malformed YAML"),
        ("- '111122223333'\n", r"line 1: entry 1 is not a mapping"),
        ("{}\n", r"expected a list of accounts"),
    ],
)
def test_malformed_files_name_the_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(UsageError, match=expected):
        load_accounts_file(write(tmp_path, text))


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read accounts file"):
        load_accounts_file(tmp_path / "nope.yaml")


def test_account_tag_values_and_matching() -> None:
    assert parse_account_tags(["env=prod", "team = web", "note=a=b"]) == [
        ("env", "prod"),
        ("team", "web"),
        ("note", "a=b"),
    ]
    with pytest.raises(UsageError, match="not KEY=VALUE"):
        parse_account_tags(["env"])
    wanted = [("env", "prod"), ("env", "staging"), ("team", "web")]
    assert tags_match({"env": "staging", "team": "web"}, wanted)
    assert not tags_match({"env": "prod"}, wanted)  # team missing
    assert not tags_match({"env": "dev", "team": "web"}, wanted)


def member_account() -> str:
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    return str(org.create_account(AccountName="m", Email="m@example.com")["CreateAccountStatus"]["AccountId"])


def test_accounts_file_scan_uses_each_entry_role_regions_and_tags(aws: str, tmp_path: Path) -> None:
    member = "210987654321"  # moto needs no organization for AssumeRole
    path = write(
        tmp_path,
        f"- id: '{ACCOUNT}'\n  name: mgmt\n  tags: {{env: prod}}\n"
        f"- id: '{member}'\n  name: web\n  role: arn:aws:iam::{member}:role/Custom\n"
        "  regions: [eu-west-1, ap-southeast-2]\n  tags: {env: prod}\n"
        "- id: '333333333333'\n  tags: {env: dev}\n",
    )
    prov = AwsOrgProvider(
        AwsOptions(accounts_file=path, regions=["us-east-1"], account_tags=[("env", "prod")], max_attempts=1)
    )
    plan = prov.plan()
    assert sorted((u.scope, u.region, u.label) for u in plan.units) == [
        (ACCOUNT, "us-east-1", "mgmt"),
        (member, "ap-southeast-2", "web"),
        (member, "eu-west-1", "web"),
    ]
    assert sum(op.operation == "AssumeRole" for op in prov.operations) == 1
    assert "accounts.yaml" in plan.banner


def test_an_entry_without_role_needs_role_name(aws: str, tmp_path: Path) -> None:
    path = write(tmp_path, "- id: '210987654321'\n")
    with pytest.raises(UsageError, match="has no role and --role-name is not set"):
        AwsOrgProvider(AwsOptions(accounts_file=path, regions=["us-east-1"], max_attempts=1)).plan()
    prov = AwsOrgProvider(
        AwsOptions(accounts_file=path, regions=["us-east-1"], role_name="Fallback", max_attempts=1)
    )
    assert [u.scope for u in prov.plan().units] == ["210987654321"]


def test_a_role_arn_of_another_account_fails_only_that_account(aws: str, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"- id: '{ACCOUNT}'\n- id: '210987654321'\n  role: arn:aws:iam::999999999999:role/X\n",
    )
    prov = AwsOrgProvider(AwsOptions(accounts_file=path, regions=["us-east-1"], max_attempts=1))
    plan = prov.plan()
    assert [u.scope for u in plan.units] == [ACCOUNT]
    [failed] = plan.skipped
    assert (
        failed.scope == "210987654321" and failed.error and "is not in account 210987654321" in failed.error
    )
