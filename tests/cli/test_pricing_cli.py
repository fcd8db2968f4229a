"""`cloudwaste pricing show|refresh` through the CLI: the Price List fake for prices, moto for the scan."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from cloudwaste.store import Store
from tests.cli.conftest import Result
from tests.fakes.aws_pricing import PricingServer, catalog

Cli = Callable[..., Result]
LATER = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def show(cli: Cli, db: Path, *args: str) -> list[dict[str, object]]:
    r = cli("pricing", "show", "aws", "--db", str(db), "-f", "json", *args)
    assert r.exit_code == 0, r.stderr
    return list(json.loads(r.stdout)["prices"])


def test_show_lists_bundled_prices_with_basis_and_source(cli: Cli, db: Path) -> None:
    rows = show(cli, db, "--key", "ebs.gp3.gb_month")
    by_region = {r["region"]: r for r in rows}
    assert by_region["eu-west-1"]["amount"] == 0.088 and by_region["eu-west-1"]["basis"] == "bundled_price"
    assert by_region["*"]["basis"] == "estimate" and "unlisted regions" in str(by_region["*"]["source"])
    picked = show(cli, db, "--key", "ebs.gp3.gb_month", "-r", "sa-east-1,cn-north-1")
    assert [(r["region"], r["basis"], r["amount"]) for r in picked] == [
        ("sa-east-1", "estimate", 0.08),
        ("cn-north-1", "unknown", None),
    ]
    assert not db.exists()  # showing prices never creates a store
    table = cli("pricing", "show", "aws", "--key", "vpc.*", "--db", str(db))
    assert table.exit_code == 0 and "vpc.nat_gateway.hour" in table.stdout and "bundled_price" in table.stdout


def test_refresh_caches_live_prices_that_show_and_scans_use(
    aws: str, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=100, VolumeType="gp2")["VolumeId"]
    with PricingServer(catalog(["us-east-1"], scale=2.0)) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", fake.url)  # moto stays AWS_ENDPOINT_URL
        r = cli("pricing", "refresh", "aws", "-r", "us-east-1", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    assert "cached " in r.stderr and "aws prices" in r.stderr
    assert "skipped ec2.data_transfer.inter_az.gb: no Price List mapping" in r.stderr
    assert r.stdout == ""  # the summary is for humans, on stderr
    [gp2] = show(cli, db, "--key", "ebs.gp2.gb_month", "-r", "us-east-1")
    assert gp2["basis"] == "live_price" and gp2["amount"] == pytest.approx(0.2)
    assert "AWS Price List API (AmazonEC2 SKU " in str(gp2["source"]) and "fetched " in str(gp2["source"])

    scan = cli(
        "scan",
        "aws",
        "-r",
        "us-east-1",
        "--db",
        str(db),
        "--now",
        LATER,
        "--max-attempts",
        "1",
        "--check",
        "aws.ebs.unattached_volume",
        "-f",
        "json",
        "-q",
    )
    assert scan.exit_code == 0, scan.stderr
    [finding] = json.loads(scan.stdout)["findings"]
    assert finding["resource"]["id"] == volume
    cost = finding["monthly_cost"]
    assert cost["basis"] == "live_price" and cost["amount"] == pytest.approx(20.0)
    assert "AWS Price List API" in cost["basis_detail"] and "fetched " in cost["basis_detail"]


def test_refresh_json_summary_lists_skipped_keys(
    creds: None, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PricingServer(catalog(["eu-west-1"])) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", fake.url)
        r = cli("pricing", "refresh", "aws", "-r", "eu-west-1", "--db", str(db), "-f", "json", "-q")
    assert r.exit_code == 0 and r.stderr == ""
    summary = json.loads(r.stdout)
    assert summary["provider"] == "aws" and summary["regions"] == ["eu-west-1"] and summary["cached"] >= 30
    reasons = {s["key"]: s["reason"] for s in summary["skipped"]}
    assert "no AmazonEC2 product with usage type BoxUsage:c5.large" in reasons.get(
        "ec2.instance.c5.large.hour", ""
    )


def test_a_failed_refresh_is_one_line_and_keeps_the_cache(
    creds: None, cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with PricingServer(catalog(["us-east-1"], scale=3.0)) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", fake.url)
        assert cli("pricing", "refresh", "aws", "-r", "us-east-1", "--db", str(db), "-q").exit_code == 0
    with Store.open(db) as store:
        before = store.cached_prices("aws")
    for fault in ({"deny": True}, {"throttle": 1000}):
        with PricingServer(catalog(["us-east-1"], scale=5.0), **fault) as fake:  # type: ignore[arg-type]
            monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", fake.url)
            r = cli("pricing", "refresh", "aws", "-r", "us-east-1", "--db", str(db), "--max-attempts", "2")
        assert r.exit_code == 1
        lines = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
        assert (
            len(lines) == 1 and "pricing:GetProducts failed" in lines[0] and "nothing was cached" in lines[0]
        )
        assert "Traceback" not in r.stderr
    with Store.open(db) as store:
        assert store.cached_prices("aws") == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pricing", "refresh", "oci"], "no price book for provider 'oci'"),
        (["pricing", "refresh", "aws!"], "is not a provider name"),
        (["pricing", "show", "aws", "-f", "csv"], "supports table or json"),
        (["pricing", "refresh", "aws", "-r", "eu-*"], "is not a region name"),
    ],
)
def test_bad_input_is_a_usage_error(cli: Cli, args: list[str], message: str) -> None:
    r = cli(*args)
    assert r.exit_code == 2 and message in r.stderr
