"""Credential chain and endpoints, through the real azure-identity credentials against the fake Entra ID."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudwaste.errors import CredentialsError, UsageError
from cloudwaste.providers.azure import auth
from cloudwaste.providers.azure.options import AzureOptions
from tests.fakes.azure_arm import CLIENT_ID, TENANT, FakeArm
from tests.providers.azure.conftest import SUB_A
from tests.providers.azure.helpers import provider


@pytest.fixture
def memkeyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The in-memory keyring of tests/memkeyring.py, installed (and emptied) for the test."""
    import keyring

    from tests.memkeyring import MemoryKeyring

    MemoryKeyring.store.clear()
    monkeypatch.delenv("CLOUDWASTE_NO_KEYRING", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)
    MemoryKeyring.store.clear()


def test_default_credential_gets_its_token_from_the_environment(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    plan = provider().plan()
    assert "DefaultAzureCredential (EnvironmentCredential)" in plan.banner
    assert f"tenant {TENANT}" in plan.banner and f"app {CLIENT_ID}" in plan.banner
    tokens = env_credential.calls("/oauth2/v2.0/token", "POST")
    assert len(tokens) == 1
    assert tokens[0].body["grant_type"] == "client_credentials"
    # the ARM scope follows the ARM URL
    assert tokens[0].body["scope"].startswith(env_credential.url)
    # every ARM call carried the bearer token the fake issued
    assert all(r.authorized for r in env_credential.calls("/subscriptions"))


def test_named_account_uses_the_secret_from_the_keyring(
    arm: FakeArm, memkeyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloudwaste import secrets

    arm.add_subscription(SUB_A, "prod")
    secrets.set_secret("azure:prod", arm.client_secret)
    settings = {"tenant_id": TENANT, "client_id": CLIENT_ID}
    plan = provider(account="prod", account_settings=settings).plan()
    assert "account 'prod' (client secret from the OS keyring)" in plan.banner
    assert arm.secret_sent() == [arm.client_secret]
    assert [u.scope for u in plan.units] == [SUB_A]


def test_named_account_secret_can_come_from_the_environment(
    arm: FakeArm, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm.add_subscription(SUB_A, "prod")
    monkeypatch.setenv("CLOUDWASTE_SECRET_AZURE_CI", arm.client_secret)
    plan = provider(account="ci", account_settings={"tenant_id": TENANT, "client_id": CLIENT_ID}).plan()
    assert "client secret from CLOUDWASTE_SECRET_AZURE_CI" in plan.banner


def test_a_wrong_client_secret_is_a_credentials_error_with_the_aadsts_code(
    arm: FakeArm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDWASTE_SECRET_AZURE_PROD", "not-the-secret")
    with pytest.raises(CredentialsError) as err:
        provider(account="prod", account_settings={"tenant_id": TENANT, "client_id": CLIENT_ID}).plan()
    assert err.value.exit_code == 5
    assert "AADSTS7000215" in err.value.message
    assert "not-the-secret" not in err.value.message
    assert err.value.hint and "cloudwaste auth" in err.value.hint


def test_no_secret_stored_for_a_named_account(arm: FakeArm, memkeyring: None) -> None:
    with pytest.raises(CredentialsError, match="no client secret is stored"):
        provider(account="prod", account_settings={"tenant_id": TENANT, "client_id": CLIENT_ID}).plan()
    assert arm.calls("/oauth2") == []


def test_pinned_env_credential_without_variables_fails_with_a_hint(arm: FakeArm) -> None:
    with pytest.raises(CredentialsError) as err:
        provider(auth="env").plan()
    assert "EnvironmentCredential" in err.value.message
    assert err.value.hint and "AZURE_CLIENT_SECRET" in err.value.hint


def test_pinned_env_credential_is_named_in_the_banner(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    assert provider(auth="env").plan().banner.startswith("azure: EnvironmentCredential (tenant")


def test_certificate_account(arm: FakeArm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trustme

    arm.add_subscription(SUB_A, "prod")
    pem = tmp_path / "sp.pem"
    cert = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert("cloudwaste-sp", key_type=trustme.KeyType.RSA)
    pem.write_bytes(cert.private_key_pem.bytes() + b"".join(c.bytes() for c in cert.cert_chain_pems))
    settings = {"tenant_id": TENANT, "client_id": CLIENT_ID, "certificate_path": str(pem)}
    plan = provider(account="cert", account_settings=settings).plan()
    assert "account 'cert' (certificate)" in plan.banner
    token = arm.calls("/oauth2/v2.0/token", "POST")[0].body
    assert token["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert "client_secret" not in token


def test_missing_certificate_file(arm: FakeArm, tmp_path: Path) -> None:
    settings = {"tenant_id": TENANT, "client_id": CLIENT_ID, "certificate_path": str(tmp_path / "gone.pem")}
    with pytest.raises(CredentialsError, match="does not exist"):
        provider(account="cert", account_settings=settings).plan()


def test_unknown_saved_account_is_a_usage_error(arm: FakeArm) -> None:
    with pytest.raises(UsageError, match="no Azure account named 'nope'"):
        provider(account="nope").plan()


def test_clouds_give_arm_url_authority_and_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    public = auth.endpoints("public")
    assert (public.arm_url, public.scope) == (
        "https://management.azure.com",
        "https://management.azure.com/.default",
    )
    assert public.authority == "login.microsoftonline.com" and not public.custom_authority
    gov = auth.endpoints("usgov")
    assert (
        gov.arm_url == "https://management.usgovcloudapi.net" and gov.authority == "login.microsoftonline.us"
    )
    china = auth.endpoints("china")
    assert china.scope == "https://management.chinacloudapi.cn/.default"
    assert not china.custom_authority
    with pytest.raises(UsageError):
        auth.endpoints("mooncake")


def test_endpoint_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    monkeypatch.setenv("CLOUDWASTE_AZURE_ARM_URL", "https://arm.example.test/")
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://login.example.test")
    monkeypatch.setenv("CLOUDWASTE_CA_BUNDLE", str(ca))
    ep = auth.endpoints("public")
    assert ep.arm_url == "https://arm.example.test" and ep.scope == "https://arm.example.test/.default"
    assert ep.custom_authority  # MSAL instance discovery must be off for it
    assert ep.connection() == {"connection_verify": str(ca)}
    monkeypatch.setenv("CLOUDWASTE_AZURE_ARM_URL", "http://arm.example.test")
    with pytest.raises(UsageError, match="https://"):
        auth.endpoints("public")


def test_a_missing_ca_bundle_file_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLOUDWASTE_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with pytest.raises(UsageError, match="CLOUDWASTE_CA_BUNDLE"):
        auth.endpoints("public")


def test_without_the_ca_bundle_tls_verification_fails(
    env_credential: FakeArm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLOUDWASTE_CA_BUNDLE")
    with pytest.raises(CredentialsError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        provider().plan()


def test_options_default_to_graph_discovery_and_bounded_retries() -> None:
    opts = AzureOptions()
    assert (opts.discovery, opts.max_attempts, opts.connect_timeout, opts.read_timeout) == (
        "graph",
        5,
        5.0,
        30.0,
    )
