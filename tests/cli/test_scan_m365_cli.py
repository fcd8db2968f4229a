"""`scan m365`, `scan all` with a tenant and `auth m365` on the fake Graph, in process and as a process."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import run_exe
from tests.fakes import m365_estate as E
from tests.fakes.entra import CLIENT_ID, TENANT
from tests.fakes.graph import FakeGraph

NOW = "2026-12-01T07:00:00Z"


@pytest.fixture
def graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGraph]:
    """A fake Graph with a small tenant, cloudwaste's endpoints and EnvironmentCredential pointing at it."""
    fake = FakeGraph(tmp_path / "fake-graph").start()
    E.small_tenant(fake)
    for key, value in {**fake.env(), **fake.credential_env(), "CLOUDWASTE_NOW": NOW}.items():
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


def _licence_costs(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f["check_id"]: f["monthly_cost"]
        for f in report["findings"]
        if f["check_id"] == "m365.license.disabled_account_licensed"
    }


def test_scan_m365_json_is_stored_and_names_the_credential(graph: FakeGraph, cli: Any, db: Path) -> None:
    r = cli("scan", "m365", "--tenant", TENANT, "--db", str(db), "-f", "json")
    assert r.exit_code == 0, r.stderr
    report = _json(r.stdout)
    assert report["scan"]["providers"] == ["m365"] and report["scan"]["status"] == "complete"
    [unit] = report["scan"]["coverage"]
    assert (unit["provider"], unit["scope"], unit["region"], unit["status"]) == (
        "m365",
        TENANT,
        "global",
        "ok",
    )
    assert unit["api_calls"] == len(graph.requests) and unit["warnings"] == []
    assert report["findings"] and {f["account"] for f in report["findings"]} == {TENANT}
    assert {f["region"] for f in report["findings"]} == {"global"}
    assert "EnvironmentCredential (client secret)" in r.stderr and "tenant Contoso" in r.stderr
    again = cli("report", "latest", "--db", str(db), "-f", "json")
    assert len(_json(again.stdout)["findings"]) == len(report["findings"])


def test_config_and_csv_prices_win_over_the_list_price(
    graph: FakeGraph, cli: Any, isolated_home: Path, tmp_path: Path
) -> None:
    r = cli("scan", "m365", "--no-store", "-f", "json", "--check", "m365.license.disabled_account_licensed")
    [listed] = _licence_costs(_json(r.stdout)).values()
    assert listed["basis"] == "bundled_price"
    (isolated_home / "cloudwaste.toml").write_text("[pricing.m365]\nENTERPRISEPACK = 23.0\n")
    r = cli("scan", "m365", "--no-store", "-f", "json", "--check", "m365.license.disabled_account_licensed")
    [configured] = _licence_costs(_json(r.stdout)).values()
    assert (configured["amount"], configured["basis"]) == (23.0, "configured_price")
    prices = tmp_path / "prices.csv"
    prices.write_text("skuPartNumber,price\nENTERPRISEPACK,19.5\n")
    r = cli("scan", "m365", "--no-store", "-f", "json", "--prices", str(prices))
    assert r.exit_code == 0, r.stderr
    [from_file] = _licence_costs(_json(r.stdout)).values()
    assert (from_file["amount"], from_file["basis"]) == (19.5, "configured_price")


def test_sign_in_refused_is_a_coverage_warning(graph: FakeGraph, cli: Any) -> None:
    graph.sign_in_forbidden = True
    r = cli("scan", "m365", "--no-store", "-f", "json")
    assert r.exit_code == 0, r.stderr
    [unit] = _json(r.stdout)["scan"]["coverage"]
    assert unit["status"] == "ok" and any("signInActivity refused" in w for w in unit["warnings"])


def test_usage_errors_exit_2(graph: FakeGraph, cli: Any, tmp_path: Path) -> None:
    r = cli("scan", "m365", "--no-store", "--period", "D7")
    assert r.exit_code == 2 and "--period 'D7' is not one of D30, D90, D180" in r.stderr
    r = cli("scan", "m365", "--no-store", "--auth", "magic")
    assert r.exit_code == 2 and "--auth 'magic'" in r.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,cost\n")
    r = cli("scan", "m365", "--no-store", "--prices", str(bad))
    assert r.exit_code == 2 and "skuPartNumber,price" in r.stderr
    assert graph.api_calls() == []  # nothing was read before the usage errors


def test_no_credentials_exits_5_with_a_hint(
    graph: FakeGraph, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_CLIENT_ID")
    r = cli("scan", "m365", "--no-store")
    assert r.exit_code == 5
    assert "AZURE_CLIENT_ID" in r.stderr and "hint:" in r.stderr and "auth add m365" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_wrong_tenant_is_refused(graph: FakeGraph, cli: Any) -> None:
    r = cli("scan", "m365", "--no-store", "--tenant", "11111111-2222-3333-4444-555555555555")
    assert r.exit_code == 2 and "is not AZURE_TENANT_ID" in r.stderr


def test_dry_run_reads_only_the_tenant(graph: FakeGraph, cli: Any) -> None:
    r = cli("scan", "m365", "--dry-run", "-f", "json")
    assert r.exit_code == 0, r.stderr
    plan = _json(r.stdout)
    assert plan["providers"][0]["units"][0]["scope"] == TENANT
    assert [c.path for c in graph.api_calls()] == ["/organization"]


def test_missing_sdk_exits_2_naming_the_extra(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "msgraph", None)  # as if not installed
    r = cli("scan", "m365")
    assert r.exit_code == 2 and "pip install 'cloudwaste[m365]'" in r.stderr


def test_scan_all_adds_the_tenant(
    graph: FakeGraph, cli: Any, db: Path, memkeyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the M365 app is a saved account, so Azure finds no credential in the environment (and is skipped)
    for key in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")  # no IMDS, no `az`
    r = cli(
        "auth", "add", "m365", "contoso", "--tenant", TENANT, "--client-id", CLIENT_ID,
        "--secret-stdin", "--db", str(db),
        input=graph.entra.client_secret + "\n",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    r = cli(
        "scan", "all", "--no-store", "-f", "json", "-r", "eu-west-1", "--tenant", TENANT,
        "--m365-account", "contoso", "--db", str(db),
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    report = _json(r.stdout)
    assert "m365" in report["scan"]["providers"]
    assert {c["provider"] for c in report["scan"]["coverage"] if c["status"] == "ok"} >= {"m365"}
    assert any(f["provider"] == "m365" for f in report["findings"])


def test_auth_add_test_status_remove_m365(graph: FakeGraph, cli: Any, db: Path, memkeyring: None) -> None:
    r = cli(
        "auth", "add", "m365", "contoso", "--tenant", TENANT, "--client-id", CLIENT_ID,
        "--secret-stdin", "--db", str(db),
        input=graph.entra.client_secret + "\n",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "saved m365 account 'contoso'" in r.stderr and graph.entra.client_secret not in r.stderr
    listed = cli("auth", "list", "--db", str(db))
    assert "m365" in listed.stdout and graph.entra.client_secret not in listed.stdout
    r = cli("auth", "test", "m365", "contoso", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    assert "account 'contoso' (client secret from the OS keyring)" in r.stderr and TENANT in r.stdout
    r = cli("auth", "status", "m365", "--account", "contoso", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    assert "account 'contoso'" in r.stdout and graph.graph_url() in r.stdout
    r = cli("scan", "m365", "--account", "contoso", "--db", str(db), "--no-store", "-f", "json")
    assert r.exit_code == 0, r.stderr
    r = cli("auth", "remove", "m365", "contoso", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    from tests.memkeyring import MemoryKeyring

    assert MemoryKeyring.store == {}


@pytest.mark.subprocess
def test_scan_m365_as_a_process(graph: FakeGraph, tmp_path: Path) -> None:
    env = {"CLOUDWASTE_DB": str(tmp_path / "cw.db"), "COLUMNS": "160"}
    r = run_exe("scan", "m365", "--tenant", TENANT, "-f", "json", env=env)
    assert r.exit_code == 0, r.stderr
    report = _json(r.stdout)
    assert report["schema_version"] == "1" and report["scan"]["status"] == "complete"
    assert report["scan"]["coverage"][0]["scope"] == TENANT
    checks = {f["check_id"] for f in report["findings"]}
    assert any(c.startswith("m365.license.") for c in checks) and any(
        c.startswith("m365.storage.") for c in checks
    )
    assert {r.method for r in graph.requests} == {"GET"}
