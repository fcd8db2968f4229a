"""Credential chain and endpoints, through the real azure-identity credentials against the fake Entra ID."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwaste.errors import CredentialsError, UsageError
from cloudwaste.providers.m365 import auth
from tests.fakes import m365_estate as E
from tests.fakes.entra import CLIENT_ID, TENANT
from tests.fakes.graph import FakeGraph
from tests.providers.m365.helpers import provider

ACCOUNT = {"tenant_id": TENANT, "client_id": CLIENT_ID}


def test_environment_credential_gets_one_graph_token(env_credential: FakeGraph) -> None:
    env_credential.organization = [E.organization("Contoso")]
    plan = provider().plan()
    assert "EnvironmentCredential (client secret)" in plan.banner
    assert f"tenant {TENANT}" in plan.banner and f"app {CLIENT_ID}" in plan.banner
    [unit] = plan.units
    assert (unit.provider, unit.scope, unit.region, unit.label) == ("m365", TENANT, "global", "Contoso")
    [token] = env_credential.entra.token_requests()
    assert token.form["grant_type"] == "client_credentials"
    assert token.form["scope"].startswith("https://graph.microsoft.com/.default")
    # the Graph call carried the bearer token the fake issued
    assert [r.authorized for r in env_credential.api_calls()] == [True]


def test_named_account_uses_the_secret_from_the_keyring(graph: FakeGraph, memkeyring: None) -> None:
    from cloudwaste import secrets

    graph.organization = [E.organization()]
    secrets.set_secret("m365:prod", graph.entra.client_secret)
    plan = provider(account="prod", account_settings=ACCOUNT).plan()
    assert "account 'prod' (client secret from the OS keyring)" in plan.banner
    assert graph.entra.secrets_sent() == [graph.entra.client_secret]


def test_named_account_secret_can_come_from_the_environment(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph.organization = [E.organization()]
    monkeypatch.setenv("CLOUDWASTE_SECRET_M365_CI", graph.entra.client_secret)
    plan = provider(account="ci", account_settings=ACCOUNT).plan()
    assert "client secret from CLOUDWASTE_SECRET_M365_CI" in plan.banner


def test_certificate_account_signs_an_assertion(graph: FakeGraph, tmp_path: Path, memkeyring: None) -> None:
    import trustme

    graph.organization = [E.organization()]
    pem = tmp_path / "app.pem"
    rsa = trustme.KeyType.RSA  # Entra ID assertions are RS256
    cert = trustme.CA(key_type=rsa).issue_cert("cloudwaste-app", key_type=rsa)
    cert.private_key_and_cert_chain_pem.write_to_path(str(pem))
    plan = provider(account="cert", account_settings={**ACCOUNT, "certificate_path": str(pem)}).plan()
    assert "account 'cert' (certificate)" in plan.banner
    [token] = graph.entra.token_requests()
    assert "client_assertion" in token.form and "client_secret" not in token.form


def test_a_wrong_secret_is_a_credentials_error_with_the_aadsts_code(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDWASTE_SECRET_M365_PROD", "not-the-secret")
    with pytest.raises(CredentialsError) as err:
        provider(account="prod", account_settings=ACCOUNT).plan()
    assert err.value.exit_code == 5
    assert "AADSTS7000215" in err.value.message and "not-the-secret" not in err.value.message
    assert err.value.hint and "cloudwaste auth" in err.value.hint
    assert graph.api_calls() == []


def test_no_environment_credential_names_the_variables(graph: FakeGraph) -> None:
    with pytest.raises(CredentialsError) as err:
        provider().plan()
    assert "AZURE_TENANT_ID" in err.value.message and err.value.hint and "auth add m365" in err.value.hint


def test_the_tenant_must_be_the_credentials_tenant(env_credential: FakeGraph) -> None:
    with pytest.raises(UsageError, match="is not AZURE_TENANT_ID"):
        provider(tenant="00000000-0000-0000-0000-000000000001").plan()
    with pytest.raises(UsageError, match="is not the tenant of saved account"):
        provider(tenant="00000000-0000-0000-0000-000000000001", account="x", account_settings=ACCOUNT).plan()


def test_graph_refusing_the_token_is_a_credentials_error(env_credential: FakeGraph) -> None:
    env_credential.forbidden.append("/organization")
    with pytest.raises(CredentialsError) as err:
        provider().plan()
    assert "403 Authorization_RequestDenied" in err.value.message
    assert "Organization.Read.All" in err.value.message


def test_endpoints_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = auth.endpoints()
    assert (ep.graph_url, ep.beta_url, ep.scope) == (
        "https://graph.microsoft.com/v1.0",
        "https://graph.microsoft.com/beta",
        "https://graph.microsoft.com/.default",
    )
    assert not ep.custom_authority and "authority" not in ep.credential_kwargs(5)
    monkeypatch.setenv("CLOUDWASTE_GRAPH_URL", "https://graph.microsoft.us/v1.0/")
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "login.microsoftonline.us")
    ep = auth.endpoints()
    assert ep.scope == "https://graph.microsoft.us/.default" and ep.host == "graph.microsoft.us"
    assert ep.credential_kwargs(5)["authority"] == "login.microsoftonline.us"
    assert "disable_instance_discovery" not in ep.credential_kwargs(5)
    monkeypatch.setenv("CLOUDWASTE_GRAPH_URL", "http://graph.example.com/v1.0")
    with pytest.raises(UsageError, match="must be an https"):
        auth.endpoints()
