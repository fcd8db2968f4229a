"""`scan gcp`, `scan all`, `auth ... gcp` and `pricing refresh gcp` against the fake Google APIs (in
process and as a process)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import run_exe
from tests.fakes.gcp import FakeGcp, make_key_file
from tests.providers.gcp.helpers import build_estate

PROJECT = "proj-prod"
EMAIL = "cloudwaste-reader@key-project.iam.gserviceaccount.com"


@pytest.fixture
def gcp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGcp]:
    """The fake with a realistic project, cloudwaste's endpoint and ADC (a service-account key) on it."""
    fake = FakeGcp().start()
    build_estate(fake, PROJECT)
    gcloud = tmp_path / "gcloud"
    gcloud.mkdir()
    key = make_key_file(tmp_path / "sa.json", f"{fake.url}/token")
    monkeypatch.setenv("CLOUDWASTE_GCP_ENDPOINT", fake.url)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(gcloud))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
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


def test_scan_gcp_json(gcp: FakeGcp, cli: Any, db: Path) -> None:
    r = cli("scan", "gcp", "--db", str(db), "-f", "json")
    assert r.exit_code == 0, r.stderr
    report = _json(r.stdout)
    assert report["scan"]["providers"] == ["gcp"] and report["scan"]["status"] == "complete"
    [unit] = report["scan"]["coverage"]
    assert (unit["provider"], unit["scope"], unit["region"], unit["status"]) == (
        "gcp",
        PROJECT,
        "global",
        "ok",
    )
    assert unit["api_calls"] > 20
    assert report["findings"] and {f["account"] for f in report["findings"]} == {PROJECT}
    assert any(f["check_id"] == "gcp.compute.unattached_disk" for f in report["findings"])
    assert "Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS=" in r.stderr  # the banner
    assert EMAIL in r.stderr
    again = cli("report", "latest", "--db", str(db), "-f", "json")  # stored
    assert len(_json(again.stdout)["findings"]) == len(report["findings"])


def test_a_denied_project_is_partial_and_strict_makes_it_exit_4(gcp: FakeGcp, cli: Any) -> None:
    gcp.add_project("proj-denied")
    gcp.forbidden.add("proj-denied")
    r = cli("scan", "gcp", "--no-store", "-f", "json", "--project", PROJECT, "--project", "proj-denied")
    assert r.exit_code == 0, r.stderr
    report = _json(r.stdout)
    units = {u["scope"]: u for u in report["scan"]["coverage"]}
    assert report["scan"]["status"] == "partial"
    assert units[PROJECT]["status"] == "ok" and units["proj-denied"]["status"] == "error"
    assert "projects.get was denied" in units["proj-denied"]["error"]
    strict = cli(
        "scan", "gcp", "--no-store", "-q", "--strict", "--project", PROJECT, "--project", "proj-denied"
    )
    assert strict.exit_code == 4


def test_project_label_and_resource_label_filters(gcp: FakeGcp, cli: Any) -> None:
    build_estate(gcp, "proj-dev", "Dev")
    gcp.projects["proj-dev"]["labels"] = {"env": "dev"}
    r = cli("scan", "gcp", "--no-store", "-f", "json", "--label", "env=dev")
    assert [u["scope"] for u in _json(r.stdout)["scan"]["coverage"]] == ["proj-dev"]
    r = cli("scan", "gcp", "--no-store", "-f", "json", "--project", PROJECT, "--tag", "env=prod")
    assert {f["resource"]["name"] for f in _json(r.stdout)["findings"]} <= {"vm-web"}


def test_no_credentials_exits_5_with_a_hint(gcp: FakeGcp, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    r = cli("scan", "gcp", "--no-store")
    assert r.exit_code == 5
    assert "no Google credentials found" in r.stderr and "gcloud auth application-default login" in r.stderr
    assert "Traceback" not in r.stderr and gcp.requests == []


def test_dry_run_scans_nothing(gcp: FakeGcp, cli: Any) -> None:
    r = cli("scan", "gcp", "--dry-run", "-f", "json")
    assert r.exit_code == 0, r.stderr
    plan = _json(r.stdout)
    assert plan["dry_run"] and plan["providers"][0]["units"][0]["scope"] == PROJECT
    assert gcp.calls("/compute/") == [] and gcp.calls("/assets") == []


def test_an_unknown_saved_account_is_a_usage_error(gcp: FakeGcp, cli: Any, db: Path) -> None:
    r = cli("scan", "gcp", "--account", "nope", "--db", str(db))
    assert r.exit_code == 2 and "no saved GCP account named 'nope'" in r.stderr


def test_auth_add_test_status_scan_and_remove_a_gcp_account(
    gcp: FakeGcp, cli: Any, db: Path, memkeyring: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cloudwaste import secrets

    key = Path(str(_env("GOOGLE_APPLICATION_CREDENTIALS")))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")  # only the saved account works now
    r = cli("auth", "add", "gcp", "finops", "--key-file", str(key), "--db", str(db))
    assert r.exit_code == 0, r.stderr
    stored = json.loads(str(secrets.get_secret("gcp:finops")))
    private_key = json.loads(key.read_text())["private_key"]
    assert stored["private_key"] == private_key and stored["client_email"] == EMAIL
    key.unlink()  # the key now lives only in the keyring
    listed = cli("auth", "list", "--db", str(db))
    assert f"client_email={EMAIL}" in listed.stdout and "PRIVATE KEY" not in listed.stdout + listed.stderr
    assert "PRIVATE KEY" not in db.read_bytes().decode("latin-1")
    r = cli("auth", "test", "gcp", "finops", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    assert PROJECT in r.stdout and "account 'finops' (service-account key from the OS keyring)" in r.stderr
    r = cli("auth", "status", "gcp", "--account", "finops", "--db", str(db))
    assert r.exit_code == 0 and EMAIL in r.stdout and gcp.url in r.stdout
    r = cli("scan", "gcp", "--account", "finops", "--db", str(db), "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert _json(r.stdout)["findings"] and "PRIVATE KEY" not in r.stdout + r.stderr
    assert cli("auth", "remove", "gcp", "finops", "--db", str(db)).exit_code == 0
    assert secrets.get_secret("gcp:finops") is None


def _env(name: str) -> str | None:
    import os

    return os.environ.get(name)


def test_auth_add_gcp_rejects_what_is_not_a_service_account_key(cli: Any, db: Path, tmp_path: Path) -> None:
    user = tmp_path / "adc.json"
    user.write_text(json.dumps({"type": "authorized_user", "client_id": "x", "refresh_token": "y"}))
    r = cli("auth", "add", "gcp", "me", "--key-file", str(user), "--db", str(db))
    assert r.exit_code == 2 and "is not a service-account key" in r.stderr
    r = cli("auth", "add", "gcp", "me", "--db", str(db))
    assert r.exit_code == 2 and "--key-file" in r.stderr
    r = cli("auth", "add", "aws", "me", "--key-file", str(user), "--db", str(db))
    assert r.exit_code == 2 and "--key-file is for gcp accounts" in r.stderr


def test_scan_all_includes_gcp(gcp: FakeGcp, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "azure.mgmt.compute", None)  # Azure not installed
    r = cli("scan", "all", "--no-store", "-f", "json", "-r", "eu-west-1", "--project", PROJECT)
    assert r.exit_code == 0, r.stderr
    assert "aws: skipped, no usable credentials" in r.stderr and "azure: skipped" in r.stderr
    report = _json(r.stdout)
    assert "gcp" in report["scan"]["providers"]
    assert {c["provider"] for c in report["scan"]["coverage"]} == {"gcp"}


def test_pricing_refresh_gcp_caches_catalog_prices(
    gcp: FakeGcp, cli: Any, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloudwaste.pricing.book import PriceBook
    from tests.providers.gcp.test_gcp_prices import sku

    book = PriceBook.load("gcp")
    key, entry = next(
        (k, e)
        for k, e in sorted(book.prices.items())
        if (e.get("billing") or {}).get("service") == "Compute Engine"
    )
    unit = "h" if entry["unit"].endswith("hour") else "GiBy.mo"
    gcp.add_service("6F81-5844-456A", "Compute Engine")
    gcp.add_sku("6F81-5844-456A", sku(entry["billing"]["skuDescription"], ["europe-west1"], 1.25, unit))
    monkeypatch.setenv("CLOUDWASTE_GCP_API_KEY", "AIzaFake")
    r = cli("pricing", "refresh", "gcp", "--db", str(db), "-f", "json", "-q")
    assert r.exit_code == 0, r.stderr
    summary = _json(r.stdout)
    assert summary["provider"] == "gcp" and summary["cached"] >= 1 and "europe-west1" in summary["regions"]
    shown = cli("pricing", "show", "gcp", "--db", str(db), "-r", "europe-west1", "--key", key, "-f", "json")
    [row] = _json(shown.stdout)["prices"]
    assert row["basis"] == "live_price" and row["amount"] == pytest.approx(1.25 * (1 if unit == "h" else 1))


def test_help_does_not_import_google() -> None:
    code = (
        "import sys\n"
        "from cloudwaste.cli.main import run\n"
        "for argv in (['cloudwaste', '--help'], ['cloudwaste', 'scan', 'gcp', '--help']):\n"
        "    sys.argv = argv\n"
        "    try:\n        run()\n    except SystemExit:\n        pass\n"
        "print('GOOGLE', sorted(m for m in sys.modules if m == 'google' or m.startswith('google.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "GOOGLE []" in out


@pytest.mark.subprocess
def test_installed_cloudwaste_scans_gcp_as_a_process(gcp: FakeGcp, tmp_path: Path) -> None:
    r = run_exe("scan", "gcp", "--project", PROJECT, "-f", "json", "--db", str(tmp_path / "cw.db"))
    assert r.exit_code == 0, r.stderr
    report = _json(r.stdout)  # stdout is only the report
    assert [u["scope"] for u in report["scan"]["coverage"]] == [PROJECT]
    assert report["scan"]["coverage"][0]["status"] == "ok"
    assert any(f["check_id"].startswith("gcp.compute.") for f in report["findings"])
    assert all(
        f["monthly_cost"]["amount"] is None or f["monthly_cost"]["amount"] >= 0 for f in report["findings"]
    )
    assert "Traceback" not in r.stderr
