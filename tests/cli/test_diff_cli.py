"""`cloudwaste diff`, `baseline save` and `report --baseline` with its gates."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.builders import MALICIOUS_NAME, make_finding, make_unit
from tests.cli.conftest import Result
from tests.cli.test_lifecycle_cli import store_scan

Cli = Callable[..., Result]


def three_scans(db: Path) -> list[str]:
    vol, eip = make_finding("vol-1", amount=8.0), make_finding("eipalloc-1", amount=3.65)
    grown = make_finding("vol-1", amount=12.0)
    new = make_finding("vol-2", amount=40.0, name=MALICIOUS_NAME)
    return [
        store_scan(db, [vol, eip], days=0),
        store_scan(db, [grown, eip, new], days=7),
        store_scan(db, [grown, new], days=14),
    ]


def test_diff_across_three_scans(cli: Cli, db: Path) -> None:
    s1, s2, s3 = three_scans(db)
    first = json.loads(cli("diff", s1, s2, "-f", "json", "--db", str(db)).stdout)
    assert first["counts"] == {"new": 1, "resolved": 0, "unscanned": 0, "changed": 1, "unchanged": 1}
    assert first["changed"][0]["cost_change"] == 4.0
    assert first["monthly_cost_change"]["amount"] == 44.0
    latest = json.loads(cli("diff", "previous", "latest", "-f", "json", "--db", str(db)).stdout)
    assert (latest["from"]["scan_id"], latest["to"]["scan_id"]) == (s2, s3)
    assert [f["resource"]["id"] for f in latest["resolved"]] == ["eipalloc-1"]
    assert latest["monthly_cost_change"]["amount"] == -3.65
    whole = json.loads(cli("diff", s1, s3, "-f", "json", "--db", str(db)).stdout)
    assert [f["resource"]["id"] for f in whole["new"]] == ["vol-2"]
    assert [f["resource"]["id"] for f in whole["resolved"]] == ["eipalloc-1"]
    r = cli("diff", s1[:15], s3, "--db", str(db))
    assert r.exit_code == 0
    assert "new" in r.stdout and "resolved" in r.stdout and "changed" in r.stdout
    assert "1 new, 1 resolved, 1 changed" in r.stderr


def test_diff_markdown_escapes_cloud_strings(cli: Cli, db: Path) -> None:
    s1, s2, _ = three_scans(db)
    md = cli("diff", s1, s2, "-f", "markdown", "--db", str(db)).stdout
    assert md.startswith("## cloudwaste diff")
    assert "### New" in md and "### Changed" in md
    assert "[red]" not in md and "\\[red\\]" in md  # markup and table pipes escaped
    assert "\\| pipe" in md and " | pipe" not in md


def test_diff_of_a_json_report_file_and_a_stored_scan(cli: Cli, db: Path, tmp_path: Path) -> None:
    s1, _, s3 = three_scans(db)
    path = tmp_path / "base.json"
    r = cli("baseline", "save", s1, "--output", str(path), "--db", str(db))
    assert r.exit_code == 0, r.stderr
    saved = json.loads(path.read_text())
    assert saved["scan"]["id"] == s1 and saved["schema_version"] == "1"
    data = json.loads(cli("diff", str(path), "latest", "-f", "json", "--db", str(db)).stdout)
    assert data["from"]["ref"] == str(path) and data["to"]["scan_id"] == s3
    assert data["counts"]["new"] == 1
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    r = cli("diff", str(bad), "latest", "--db", str(db))
    assert r.exit_code == 2 and "not a cloudwaste JSON report" in r.stderr


def test_an_unscanned_region_is_not_resolved(cli: Cli, db: Path) -> None:
    eu = make_finding("vol-eu", region="eu-west-1")
    us = make_finding("vol-us")
    a = store_scan(db, [eu, us], units=[make_unit(), make_unit("eu-west-1")])
    b = store_scan(
        db, [us], days=1, units=[make_unit(), make_unit("eu-west-1", status="error", error="throttled")]
    )
    data = json.loads(cli("diff", a, b, "-f", "json", "--db", str(db)).stdout)
    assert data["counts"]["resolved"] == 0 and data["counts"]["unscanned"] == 1


def test_report_baseline_annotates_and_fail_on_new(cli: Cli, db: Path, tmp_path: Path) -> None:
    s1, _, s3 = three_scans(db)
    base = tmp_path / "baseline.json"
    cli("baseline", "save", s1, "-o", str(base), "--db", str(db))
    r = cli("report", s3, "--db", str(db), "-f", "json", "--baseline", str(base), "--fail-on-new")
    assert r.exit_code == 3
    data = json.loads(r.stdout)
    assert {f["resource"]["id"]: f["baseline"] for f in data["findings"]} == {
        "vol-1": "existing",
        "vol-2": "new",
    }
    assert data["baseline"]["new"] == 1 and data["baseline"]["resolved"] == 1
    assert data["baseline"]["change"] == 52.0 - 11.65
    assert [g["flag"] for g in data["gate"]["rules"]] == ["--fail-on-new"]
    assert "baseline" in r.stderr and "1 new finding" in r.stderr
    same = cli("report", s1, "--db", str(db), "-f", "json", "--baseline", str(base), "--fail-on-new")
    assert same.exit_code == 0


def test_an_ignored_new_finding_does_not_fail_fail_on_new(cli: Cli, db: Path, tmp_path: Path) -> None:
    _, _, s3 = three_scans(db)
    new = make_finding("vol-2")
    cli("findings", "ignore", new.fingerprint, "--reason", "accepted", "--db", str(db))
    r = cli("report", s3, "--db", str(db), "-f", "json", "--baseline", "previous", "--fail-on-new")
    assert r.exit_code == 0, r.stderr


def test_fail_over_increase(cli: Cli, db: Path) -> None:
    three_scans(db)
    grew = cli(
        "report", "previous", "--db", str(db), "-q", "--baseline", "latest", "--fail-over-increase", "40"
    )
    # `latest` is the newest scan before the one reported: previous's baseline is the first scan
    assert grew.exit_code == 3
    ok = cli(
        "report", "previous", "--db", str(db), "-q", "--baseline", "latest", "--fail-over-increase", "50"
    )
    assert ok.exit_code == 0
    shrank = cli("report", "--db", str(db), "-q", "--baseline", "latest", "--fail-over-increase", "0")
    assert shrank.exit_code == 0  # the latest scan has less waste than the one before


def test_baseline_gates_need_a_baseline(cli: Cli, db: Path) -> None:
    store_scan(db, [make_finding()])
    r = cli("report", "--db", str(db), "--fail-on-new")
    assert r.exit_code == 2 and "--baseline" in r.stderr
    r = cli("report", "--db", str(db), "--baseline", "latest")  # the only scan has none before it
    assert r.exit_code == 2 and "no finished scan before" in r.stderr
    r = cli("report", "--db", str(db), "--baseline", "missing.json")
    assert r.exit_code == 2 and "does not exist" in r.stderr
