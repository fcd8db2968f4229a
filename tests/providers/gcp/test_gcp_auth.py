"""Google credentials against the fake: a generated service-account key through google.auth.default(),
--credentials-file, a saved account, impersonation, and the CredentialsError (exit 5) of each failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudwaste.errors import EXIT_NO_CREDENTIALS, CredentialsError, UsageError
from cloudwaste.providers.gcp import http
from tests.fakes.gcp import FakeGcp
from tests.providers.gcp.helpers import provider

P = "proj-alpha"
SA = "target-reader@proj-alpha.iam.gserviceaccount.com"


def _scan_one(gcp: FakeGcp, **options: object) -> tuple[str, list[dict[str, object]]]:
    prov = provider(credentials=False, **options)
    plan = prov.plan()
    session = prov.open_unit(plan.units[0], [])
    return plan.banner, session.collect("gcp:instances")


def test_application_default_credentials_from_a_service_account_key(
    gcp: FakeGcp, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gcp.add_project(P)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    banner, _ = _scan_one(gcp)
    assert f"Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS={key_file})" in banner
    assert "service account cloudwaste-reader@key-project.iam.gserviceaccount.com" in banner
    api = [r for r in gcp.requests if r.path != "/token"]
    assert api and all(r.authorization.startswith("Bearer eyJ") for r in api)  # self-signed JWTs
    assert gcp.calls("/token") == []  # so the token endpoint is never called


def test_a_credentials_file(gcp: FakeGcp, key_file: Path) -> None:
    gcp.add_project(P)
    banner, _ = _scan_one(gcp, credentials_file=str(key_file))
    assert banner.startswith(f"gcp: credentials file {key_file} (service account cloudwaste-reader@")


def test_a_saved_account_reads_its_key_from_the_secret_store(
    gcp: FakeGcp, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gcp.add_project(P)
    monkeypatch.setenv("CLOUDWASTE_SECRET_GCP_FINOPS", key_file.read_text())
    settings = {"client_email": "cloudwaste-reader@key-project.iam.gserviceaccount.com"}
    banner, _ = _scan_one(gcp, account="finops", account_settings=settings)
    assert "account 'finops' (service-account key from CLOUDWASTE_SECRET_GCP_FINOPS)" in banner
    assert all(r.authorization.startswith("Bearer eyJ") for r in gcp.requests)


def test_impersonation_gets_a_token_from_iam_credentials(
    gcp: FakeGcp, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gcp.add_project(P)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    banner, _ = _scan_one(gcp, impersonate_service_account=SA)
    assert f"impersonating {SA} as service account cloudwaste-reader@" in banner
    [grant] = gcp.calls(f"/v1/projects/-/serviceAccounts/{SA}:generateAccessToken", "POST")
    assert grant.authorization.startswith("Bearer ya29.fake-")  # the source credential's token
    api = [r for r in gcp.requests if r.method == "GET"]
    assert api and all(r.authorization.startswith("Bearer ya29.impersonated-") for r in api)


def test_impersonation_refused_is_exit_5_with_the_role_to_grant(
    gcp: FakeGcp, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gcp.add_project(P)
    gcp.deny_impersonation = True
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    with pytest.raises(CredentialsError) as err:
        provider(credentials=False, impersonate_service_account=SA).plan()
    assert err.value.exit_code == EXIT_NO_CREDENTIALS
    assert "did not give a token" in err.value.message
    assert (
        err.value.hint and "roles/iam.serviceAccountTokenCreator" in err.value.hint and SA in err.value.hint
    )


def test_no_application_default_credentials_is_exit_5_with_the_fix(gcp: FakeGcp) -> None:
    with pytest.raises(CredentialsError) as err:
        provider(credentials=False).plan()
    assert err.value.message.startswith("no Google credentials found")
    assert err.value.hint and "gcloud auth application-default login" in err.value.hint
    assert "cloudwaste auth add gcp" in err.value.hint
    assert gcp.requests == []


@pytest.mark.parametrize(
    ("content", "says"),
    [("not json", "is not JSON"), (json.dumps({"type": "authorized_user"}), "is not a service-account key")],
)
def test_a_stored_key_that_is_not_a_service_account_key(
    gcp: FakeGcp, monkeypatch: pytest.MonkeyPatch, content: str, says: str
) -> None:
    monkeypatch.setenv("CLOUDWASTE_SECRET_GCP_BAD", content)
    with pytest.raises(CredentialsError, match=says):
        provider(credentials=False, account="bad", account_settings={}).plan()


def test_a_missing_credentials_file(gcp: FakeGcp, tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="does not exist"):
        provider(credentials=False, credentials_file=str(tmp_path / "nope.json")).plan()


def test_a_saved_account_without_a_stored_key_is_exit_5(gcp: FakeGcp) -> None:
    with pytest.raises(CredentialsError) as err:  # the test environment has no keyring
        provider(credentials=False, account="prod", account_settings={}).plan()
    assert err.value.exit_code == EXIT_NO_CREDENTIALS and "prod" in err.value.message


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("http://127.0.0.1:8080/", True),
        ("http://localhost:9", True),
        ("https://private.googleapis.com", True),
        ("http://example.com", False),
        ("ftp://127.0.0.1", False),
    ],
)
def test_the_endpoint_setting(monkeypatch: pytest.MonkeyPatch, value: str, ok: bool) -> None:
    monkeypatch.setenv(http.ENV_ENDPOINT, value)
    if ok:
        assert http.endpoint() == value.rstrip("/")
    else:
        with pytest.raises(UsageError):
            http.endpoint()


def test_no_endpoint_setting_uses_the_public_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(http.ENV_ENDPOINT, raising=False)
    assert (
        http.client_options() is None and http.base_url("monitoring") == "https://monitoring.googleapis.com"
    )
