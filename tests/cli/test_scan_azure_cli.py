"""`scan azure`, `scan all` and `auth ... azure` against the fake ARM (in process and as a process)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import run_exe
from tests.fakes.azure_arm import CLIENT_ID, TENANT, FakeArm
from tests.providers.azure.helpers import build_estate

SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"


@pytest.fixture
def arm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArm]:
    """A fake ARM with a realistic subscription, cloudwaste's endpoints and DefaultAzureCredential's
    environment pointing at it."""
    fake = FakeArm(tmp_path / "fake-arm").start()
    build_estate(fake, SUB)
    for key, value in {**fake.env(), **fake.credential_env()}.items():
        monkeypatch.setenv(key, value)
    yield fake
    fake.stop()


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


def _json(stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stdout)
    return data


def test_scan_azure_json(arm: FakeArm, cli: Any, db: Path) -> None:
    r = cli("scan", "azure", "--db", str(db), "-f", "json")
    assert r.exit_code == 0, r.stderr
    report = _json(r.stdout)
    assert report["scan"]["providers"] == ["azure"] and report["scan"]["status"] == "complete"
    [unit] = report["scan"]["coverage"]
    assert (unit["provider"], unit["scope"], unit["region"], unit["status"]) == ("azure", SUB, "global", "ok")
    assert report["findings"] and {f["provider"] for f in report["findings"]} == {"azure"}
    assert {f["account"] for f in report["findings"]} == {SUB}
    assert "DefaultAzureCredential (EnvironmentCredential)" in r.stderr  # the banner names the credential
    again = cli("report", "latest", "--db", str(db), "-f", "json")  # stored
    assert len(_json(again.stdout)["findings"]) == len(report["findings"])


def test_resource_group_and_tag_filters(arm: FakeArm, cli: Any) -> None:
    r = cli("scan", "azure", "--no-store", "-f", "json", "--resource-group", "RG-EMPTY")
    assert r.exit_code == 0, r.stderr
    assert {f["resource"]["id"].split("/")[4] for f in _json(r.stdout)["findings"]} <= {"rg-empty"}
    r = cli("scan", "azure", "--no-store", "-f", "json", "--tag", "env=prod")
    assert {f["resource"]["name"] for f in _json(r.stdout)["findings"]} <= {"vm-web"}
    r = cli("scan", "azure", "--no-store", "-f", "json", "--tag", "=x")
    assert r.exit_code == 2 and "has no tag key" in r.stderr


def test_no_credentials_exits_5_with_a_hint(arm: FakeArm, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
        monkeypatch.delenv(key)
    r = cli("scan", "azure", "--no-store")
    assert r.exit_code == 5
    assert "did not give a token" in r.stderr and "hint:" in r.stderr and "az login" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_subscription_is_a_usage_error(arm: FakeArm, cli: Any) -> None:
    r = cli("scan", "azure", "--no-store", "--subscription", "nope")
    assert r.exit_code == 2
    assert "matches no subscription" in r.stderr and "no Azure subscription left to scan" in r.stderr


def test_dry_run_scans_nothing(arm: FakeArm, cli: Any) -> None:
    r = cli("scan", "azure", "--dry-run", "-f", "json")
    assert r.exit_code == 0, r.stderr
    plan = _json(r.stdout)
    assert plan["dry_run"] and plan["providers"][0]["units"][0]["scope"] == SUB
    assert (
        arm.calls("/providers/Microsoft.Compute") == []
        and arm.calls("/providers/Microsoft.ResourceGraph") == []
    )


def test_missing_azure_sdk_exits_2_naming_the_extra(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "azure.mgmt.resourcegraph", None)  # as if not installed
    r = cli("scan", "azure")
    assert r.exit_code == 2
    assert "pip install 'cloudwaste[azure]'" in r.stderr


def test_scan_all_skips_a_provider_without_credentials(arm: FakeArm, cli: Any) -> None:
    r = cli("scan", "all", "--no-store", "-f", "json", "-r", "eu-west-1")  # no AWS credentials here
    assert r.exit_code == 0, r.stderr
    assert "aws: skipped, no usable credentials" in r.stderr
    report = _json(r.stdout)
    assert report["scan"]["providers"][:2] == ["aws", "azure"]  # then gcp (no credentials here either)
    assert {c["provider"] for c in report["scan"]["coverage"]} == {"azure"}
    assert {f["provider"] for f in report["findings"]} == {"azure"}


def test_scan_all_exits_5_when_no_provider_has_credentials(
    arm: FakeArm, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_CLIENT_SECRET")
    r = cli("scan", "all", "--no-store", "-r", "eu-west-1")
    assert r.exit_code == 5
    assert "aws: skipped" in r.stderr and "azure: skipped" in r.stderr
    assert "no provider has usable credentials" in r.stderr


def test_scan_all_without_the_azure_sdk_scans_the_others(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "azure.mgmt.compute", None)
    r = cli("scan", "all", "--no-store", "-r", "eu-west-1")
    assert "azure: skipped" in r.stderr and "cloudwaste[azure]" in r.stderr
    assert r.exit_code == 5  # and AWS has no credentials either


def test_auth_add_test_status_and_remove_an_azure_account(
    arm: FakeArm, cli: Any, db: Path, memkeyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloudwaste import secrets

    for key in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
        monkeypatch.delenv(key)  # only the saved account can get a token now
    args = ("--tenant", TENANT, "--client-id", CLIENT_ID, "--secret-stdin", "--db", str(db))
    r = cli("auth", "add", "azure", "prod", *args, input=arm.client_secret + "\n")
    assert r.exit_code == 0, r.stderr
    assert secrets.get_secret("azure:prod") == arm.client_secret
    listed = cli("auth", "list", "--db", str(db))
    assert "tenant_id=" in listed.stdout and arm.client_secret not in listed.stdout + listed.stderr
    r = cli("auth", "test", "azure", "prod", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    assert SUB in r.stdout and "account 'prod' (client secret from the OS keyring)" in r.stderr
    r = cli("auth", "status", "azure", "--account", "prod", "--db", str(db))
    assert r.exit_code == 0 and TENANT in r.stdout and arm.url in r.stdout
    r = cli("scan", "azure", "--account", "prod", "--db", str(db), "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert _json(r.stdout)["findings"]
    assert arm.client_secret not in r.stdout + r.stderr
    assert cli("auth", "remove", "azure", "prod", "--db", str(db)).exit_code == 0
    assert secrets.get_secret("azure:prod") is None


def test_auth_add_azure_needs_tenant_and_client_id(cli: Any, db: Path) -> None:
    r = cli("auth", "add", "azure", "prod", "--db", str(db))
    assert r.exit_code == 2 and "--tenant and --client-id" in r.stderr


@pytest.mark.subprocess
def test_installed_cloudwaste_scans_azure_as_a_process(arm: FakeArm, tmp_path: Path) -> None:
    r = run_exe("scan", "azure", "--format", "json", "--db", str(tmp_path / "cw.db"))
    assert r.exit_code == 0, r.stderr
    report = _json(r.stdout)  # stdout is only the report
    assert report["scan"]["coverage"][0]["scope"] == SUB
    assert any(f["check_id"].startswith("azure.") for f in report["findings"])
    assert "Traceback" not in r.stderr


def test_pricing_refresh_azure_caches_retail_prices(
    cli: Any, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloudwaste.pricing.book import PriceBook
    from tests.fakes.azure_prices import FakePrices

    book = PriceBook.load("azure")
    key, entry = next(
        (k, e)
        for k, e in sorted(book.prices.items())
        if set(e.get("retail") or {}) == {"serviceName", "productName", "skuName", "meterName"}
    )
    retail = entry["retail"]
    with FakePrices() as prices:
        prices.items.append(
            prices.item(
                service=retail["serviceName"],
                product=retail["productName"],
                sku=retail["skuName"],
                meter=retail["meterName"],
                price=12.34,
                unit="1 Hour" if entry["unit"].endswith("hour") else "1/Month",
                region="westeurope",
            )
        )
        monkeypatch.setenv("CLOUDWASTE_AZURE_PRICES_URL", prices.url)
        r = cli("pricing", "refresh", "azure", "-r", "westeurope", "--db", str(db), "-f", "json")
    assert r.exit_code == 0, r.stderr
    summary = _json(r.stdout)
    assert summary["cached"] == 1 and summary["regions"] == ["westeurope"]
    from cloudwaste.store import Store

    with Store.open(db) as store:
        [row] = store.cached_prices("azure")
    assert (row["key"], row["region"], row["amount"]) == (key, "westeurope", 12.34)


def test_azure_config_section_sets_defaults(arm: FakeArm, cli: Any, isolated_home: Path) -> None:
    (isolated_home / "cloudwaste.toml").write_text('[azure]\nsubscriptions = ["nope"]\ndiscovery = "arm"\n')
    r = cli("scan", "azure", "--no-store", "-q")
    assert r.exit_code == 2 and "'nope' matches no subscription" in r.stderr
    r = cli("scan", "azure", "--no-store", "-f", "json", "--subscription", SUB)  # the flag wins
    assert r.exit_code == 0, r.stderr
    assert {c["scope"] for c in _json(r.stdout)["scan"]["coverage"]} == {SUB}
    assert arm.calls(f"/subscriptions/{SUB}/providers/Microsoft.Compute/disks")  # ARM lists, as configured
    (isolated_home / "cloudwaste.toml").write_text('[azure]\ncloud = "mars"\n')
    r = cli("scan", "azure", "--no-store")
    assert r.exit_code == 2 and "azure.cloud" in r.stderr
