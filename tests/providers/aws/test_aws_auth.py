"""Credentials: env, profiles, saved accounts (keyring), SSO and rejected keys -> clear exit-5 errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from cloudwaste import secrets
from cloudwaste.errors import EXIT_NO_CREDENTIALS, CredentialsError, UsageError
from cloudwaste.providers.aws.auth import botocore_config
from cloudwaste.providers.aws.options import AwsOptions
from tests.fakes.aws_faults import FaultServer, reject_credentials
from tests.memkeyring import MemoryKeyring
from tests.providers.aws.helpers import calls, provider

ARN = "arn:aws:sts::123456789012:user/moto"


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """The keyring turned on, backed by memory."""
    monkeypatch.delenv("CLOUDWASTE_NO_KEYRING", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    MemoryKeyring.store.clear()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
    MemoryKeyring.store.clear()


@pytest.fixture
def no_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


def write_aws_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, credentials: str = ""
) -> None:
    cfg, creds = tmp_path / "config", tmp_path / "credentials"
    cfg.write_text(config)
    creds.write_text(credentials)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("HOME", str(tmp_path))  # the SSO token cache lives under ~/.aws/sso/cache


def test_env_credentials_work_and_the_banner_names_source_and_arn(aws: str) -> None:
    prov = provider()
    plan = prov.plan()
    assert plan.banner == f"aws: environment credentials ({ARN})"
    assert "testing" not in plan.banner  # neither the key id nor the secret
    assert calls(prov, "GetCallerIdentity") == 1


def test_named_profile_from_the_config_files(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env_credentials: None
) -> None:
    write_aws_files(
        tmp_path,
        monkeypatch,
        "[profile dev]\nregion = eu-west-1\n",
        "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = devsecret\n",
    )
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # else it wins over the profile's region
    prov = provider(["us-east-1"], profile="dev")
    plan = prov.plan()
    assert plan.banner.startswith("aws: profile 'dev' (")
    assert "devsecret" not in plan.banner
    # STS and DescribeRegions go to the profile's region
    assert {op.region for op in prov.operations if op.service in ("sts", "ec2")} == {"eu-west-1"}


def test_unknown_profile_is_a_credentials_error_naming_it(aws: str) -> None:
    with pytest.raises(CredentialsError, match="'nope'") as info:
        provider(profile="nope").plan()
    assert info.value.exit_code == EXIT_NO_CREDENTIALS == 5
    assert "aws configure" in (info.value.hint or "")


def test_unknown_aws_profile_env_is_a_credentials_error(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "ghost")
    with pytest.raises(CredentialsError, match="'ghost'"):
        provider().plan()


def test_no_credentials_at_all_is_exit_5_with_a_hint(aws: str, no_env_credentials: None) -> None:
    with pytest.raises(CredentialsError, match="no AWS credentials found") as info:
        provider().plan()
    assert info.value.exit_code == 5
    assert "AWS_PROFILE" in (info.value.hint or "") and "cloudwaste auth add aws" in (info.value.hint or "")


def test_expired_or_missing_sso_token_says_run_sso_login(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env_credentials: None
) -> None:
    write_aws_files(
        tmp_path,
        monkeypatch,
        "[profile sso-dev]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = ReadOnly\nregion = us-east-1\n",
    )
    with pytest.raises(CredentialsError, match="SSO") as info:
        provider(profile="sso-dev").plan()
    assert info.value.hint == "run: aws sso login --profile sso-dev"


def test_rejected_credentials_are_a_credentials_error(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with FaultServer(reject_credentials("InvalidClientTokenId")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        with pytest.raises(CredentialsError, match="InvalidClientTokenId") as info:
            provider().plan()
    assert info.value.exit_code == 5
    assert "testing" not in info.value.message


def test_saved_account_with_access_key_reads_the_secret_from_the_keyring(
    aws: str, memory_keyring: MemoryKeyring, no_env_credentials: None
) -> None:
    secrets.set_secret("aws:prod", "prod-secret")
    prov = provider(account="prod", account_settings={"access_key_id": "AKIAPROD", "region": "eu-west-1"})
    plan = prov.plan()
    assert plan.banner == f"aws: account 'prod', access key from the OS keyring ({ARN})"
    assert "prod-secret" not in plan.banner and "AKIAPROD" not in plan.banner
    assert all(u.label == "prod" for u in plan.units)


def test_saved_account_secret_can_come_from_the_env_override(
    aws: str, monkeypatch: pytest.MonkeyPatch, no_env_credentials: None
) -> None:
    monkeypatch.setenv("CLOUDWASTE_SECRET_AWS_CI_ACCOUNT", "ci-secret")  # keyring stays disabled
    plan = provider(account="ci-account", account_settings={"access_key_id": "AKIACI"}).plan()
    assert plan.banner.startswith("aws: account 'ci-account'")


def test_saved_account_without_a_stored_secret_is_a_credentials_error(
    aws: str, memory_keyring: MemoryKeyring, no_env_credentials: None
) -> None:
    with pytest.raises(CredentialsError, match="no secret access key is stored") as info:
        provider(account="prod", account_settings={"access_key_id": "AKIAPROD"}).plan()
    assert "CLOUDWASTE_SECRET_AWS_PROD" in (info.value.hint or "")


def test_saved_account_naming_a_profile_uses_it(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_env_credentials: None
) -> None:
    write_aws_files(
        tmp_path, monkeypatch, "", "[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = s\n"
    )
    plan = provider(account="ops-acct", account_settings={"profile": "ops"}).plan()
    assert plan.banner.startswith("aws: account 'ops-acct', profile 'ops' (")


def test_unknown_saved_account_is_a_usage_error(aws: str) -> None:
    with pytest.raises(UsageError, match="no AWS account named 'ghost'"):
        provider(account="ghost", account_settings=None).plan()


def test_botocore_config_is_adaptive_with_short_connect_timeout_and_our_user_agent() -> None:
    config = botocore_config(AwsOptions(max_attempts=7, read_timeout=30))
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 7}  # attempts, not retries
    assert config.connect_timeout == 5.0 and config.read_timeout == 30
    assert config.user_agent_extra is not None and config.user_agent_extra.startswith("cloudwaste/")


def test_importing_the_provider_secrets_and_demo_does_not_import_an_sdk() -> None:
    code = (
        "import sys, cloudwaste.providers.aws, cloudwaste.secrets, cloudwaste.providers.aws.permissions\n"
        "import cloudwaste.demo.estate\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'moto', 'keyring')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
