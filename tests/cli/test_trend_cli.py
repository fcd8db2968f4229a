"""`cloudwaste trend`, the trend column of `scans list`, and `scans prune`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cloudwaste.model import ScanStatus
from cloudwaste.store import Store
from tests.builders import make_finding, make_scan
from tests.cli.conftest import Result
from tests.cli.test_lifecycle_cli import store_scan

Cli = Callable[..., Result]


def history(db: Path, start: datetime | None = None) -> list[str]:
    """Three scans: $10, $40 (a NAT gateway appears), $20 (the volume is gone)."""
    kw = {"start": start} if start else {}
    vol = make_finding("vol-1", amount=10.0)
    nat = make_finding("nat-1", check_id="aws.vpc.idle_nat_gateway", amount=30.0)
    eip = make_finding("eipalloc-1", check_id="aws.ec2.unassociated_eip", amount=20.0)
    return [
        store_scan(db, [vol], days=0, **kw),
        store_scan(db, [vol, nat], days=7, **kw),
        store_scan(db, [eip], days=14, **kw),
    ]


def test_trend_draws_one_bar_per_scan_in_plain_text_when_piped(cli: Cli, db: Path) -> None:
    ids = history(db)
    r = cli("trend", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if "#" in ln]
    assert [next(i for i in ids if i in ln) for ln in lines] == ids  # oldest first
    bars = [ln.count("#") for ln in lines]
    assert bars == [10, 40, 20]  # 40 characters for the largest, in proportion
    assert "$40.00" in lines[1] and "+30.00" in lines[1] and "-20.00" in lines[2]
    assert "\x1b[" not in r.stdout  # no colour when piped
    assert "█" not in r.stdout


def test_trend_last_n_and_json(cli: Cli, db: Path) -> None:
    ids = history(db)
    data = json.loads(cli("trend", "--db", str(db), "--last", "2", "--json").stdout)
    assert [s["scan_id"] for s in data["scans"]] == ids[1:]
    assert [(s["monthly_cost"], s["change"]) for s in data["scans"]] == [(40.0, None), (20.0, -20.0)]


def test_trend_by_check(cli: Cli, db: Path) -> None:
    history(db)
    data = json.loads(cli("trend", "--db", str(db), "--by", "check", "--json").stdout)
    assert [s["groups"] for s in data["scans"]] == [
        {"aws.ebs.unattached_volume": 10.0},
        {"aws.ebs.unattached_volume": 10.0, "aws.vpc.idle_nat_gateway": 30.0},
        {"aws.ec2.unassociated_eip": 20.0},
    ]
    text = cli("trend", "--db", str(db), "--by", "check").stdout
    sections = [ln for ln in text.splitlines() if ln.startswith("aws.")]
    assert sections[0] == "aws.ec2.unassociated_eip"  # the largest in the latest scan first
    assert cli("trend", "--db", str(db), "--by", "region").exit_code == 2


def test_trend_leaves_out_failed_scans_and_handles_an_empty_store(cli: Cli, db: Path) -> None:
    assert "no complete scan" in cli("trend", "--db", str(db)).stderr
    ids = history(db)
    failed = make_scan(started_at=datetime(2027, 1, 1, tzinfo=UTC))
    with Store.open(db) as store:
        store.begin_scan(failed)
        store.finish_scan(failed.id, ScanStatus.FAILED, failed.started_at, {"monthly_cost": 0})
    data = json.loads(cli("trend", "--db", str(db), "--json").stdout)
    assert [s["scan_id"] for s in data["scans"]] == ids


def test_scans_list_has_totals_and_a_trend_column(cli: Cli, db: Path) -> None:
    ids = history(db)
    data = json.loads(cli("scans", "list", "--db", str(db), "--json").stdout)["scans"]
    assert [(s["id"], s["totals"]["monthly_cost"], s["change"]) for s in data] == [
        (ids[2], 20.0, -20.0),
        (ids[1], 40.0, 30.0),
        (ids[0], 10.0, None),
    ]
    table = cli("scans", "list", "--db", str(db)).stdout
    assert "trend" in table and "▲ +30.00" in table and "▼ -20.00" in table
    one = json.loads(cli("scans", "list", "--db", str(db), "--json", "-n", "1").stdout)["scans"]
    assert one[0]["change"] == -20.0  # the change still compares with a scan not listed


def test_scans_prune(cli: Cli, db: Path) -> None:
    old = history(db, start=datetime.now(UTC) - timedelta(days=200))
    recent = store_scan(db, [make_finding("vol-new")], start=datetime.now(UTC) - timedelta(days=1))
    r = cli("scans", "prune", "--older-than", "90d", "--dry-run", "--db", str(db))
    assert r.exit_code == 0
    assert all(i in r.stdout for i in old) and recent not in r.stdout
    assert "would delete 3 scans" in r.stderr
    assert len(json.loads(cli("scans", "list", "--db", str(db), "--json").stdout)["scans"]) == 4
    r = cli("scans", "prune", "--older-than", "90d", "--db", str(db))
    assert "deleted 3 scans" in r.stderr
    left = json.loads(cli("scans", "list", "--db", str(db), "--json").stdout)["scans"]
    assert [s["id"] for s in left] == [recent]


def test_prune_keep_and_bad_ages(cli: Cli, db: Path) -> None:
    ids = history(db, start=datetime.now(UTC) - timedelta(days=400))
    r = cli("scans", "prune", "--older-than", "12w", "--keep", "2", "--db", str(db))
    assert r.exit_code == 0
    left = [s["id"] for s in json.loads(cli("scans", "list", "--db", str(db), "--json").stdout)["scans"]]
    assert left == [ids[2], ids[1]]
    for bad in ("90", "d", "-3d", "3y"):
        assert cli("scans", "prune", "--older-than", bad, "--db", str(db)).exit_code == 2
