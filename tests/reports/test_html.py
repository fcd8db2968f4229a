"""``--format html``: one offline page, untrusted strings as text, charts, trend, table; headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import shutil
import struct
import subprocess
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloudwaste.model import ScanStatus, Status, UnitStatus
from cloudwaste.report import Report
from cloudwaste.reports import format_money, render
from cloudwaste.reports.html import SCRIPT, SCRIPT_HASH
from cloudwaste.store import Store
from tests.builders import NOW, make_finding, make_report, make_scan, make_unit

HOSTILE = (
    "<script>alert(1)</script>",
    "=cmd|'/c calc'!A1",
    "[bold]x[/bold]",
    '"><img src=x onerror=alert(1)>',
)
EXPECTED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "span", "section", "div",
    "figure", "figcaption", "svg", "g", "text", "rect", "line", "polyline", "circle", "table",
    "thead", "tbody", "tr", "th", "td", "button", "br", "details", "summary", "code", "footer", "script",
}  # fmt: skip


class Page(HTMLParser):
    """The elements, attributes, script bodies and text of an HTML document."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.texts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def hostile_report() -> Report:
    """Every untrusted field of a finding and a unit carries a hostile string."""
    findings = [
        make_finding(
            f"vol-{i}{value}",
            name=value,
            tags={value: value, "Owner": value},
            reason=f"Reason {value}\nsecond line {value}",
            amount=float(10 - i),
        )
        for i, value in enumerate(HOSTILE)
    ]
    findings.append(
        make_finding("vol-muted", status=Status.IGNORED, status_reason=HOSTILE[0], region=HOSTILE[3])
    )
    scan = make_scan(
        "20261201-072455-aaaaaa",
        status=ScanStatus.PARTIAL,
        coverage=[make_unit(findings=4), make_unit("eu-west-1", status=UnitStatus.ERROR, error=HOSTILE[0])],
    )
    return make_report(findings, scan=scan)


HISTORY = [(NOW - timedelta(days=7 * (3 - i)), 5.0 + 4 * i) for i in range(4)]


def test_page_is_self_contained_and_loads_nothing(report: Report) -> None:
    page = Page(render(report, "html", history=HISTORY))
    for tag, attrs in page.tags:
        assert tag in EXPECTED_TAGS, tag
        for name in ("src", "href", "srcset", "action", "xlink:href", "data", "poster"):
            assert name not in attrs, (tag, name)
    [style] = render(report, "html").split("<style>")[1:]
    assert "url(" not in style and "@import" not in style
    csp = page.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"] or ""
    assert "default-src 'none'" in csp and "img-src data:" in csp and "style-src 'unsafe-inline'" in csp
    assert "connect-src" not in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1]


def test_the_csp_allows_exactly_the_inline_script_by_its_hash(report: Report) -> None:
    page = Page(render(report, "html"))
    [script] = page.scripts
    assert script == SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert SCRIPT_HASH == f"sha256-{digest}"
    csp = page.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"] or ""
    assert f"script-src '{SCRIPT_HASH}'" in csp


def test_hostile_strings_are_text_never_markup() -> None:
    text = render(hostile_report(), "html")
    page = Page(text)
    assert len(page.find("script")) == 1
    assert not page.find("img")
    assert all(not any(k.startswith("on") for k in attrs) for _, attrs in page.tags)
    for value in HOSTILE:
        assert value in page.text, value  # shown as text (the parser unescaped the entities)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in text


def test_hostile_strings_cannot_break_out_of_attributes() -> None:
    page = Page(render(hostile_report(), "html"))
    rows = page.find("tr", **{"data-counted": "1"})
    assert len(rows) == 4
    assert all(set(r) == {"data-fingerprint", "data-counted"} for r in rows)


def test_counts_and_totals_match_the_summary(report: Report) -> None:
    page = Page(render(report, "html"))
    s = report.summary
    assert len(page.find("tr", **{"data-counted": "1"})) == s.findings == 5
    assert len(page.find("tr", **{"data-counted": "0"})) == s.ignored == 1
    assert format_money(s.monthly_cost["amount"]) in page.text
    assert "$15.75" in page.text and "+1 ignored (not counted)" in page.text
    assert "Gate" in page.text and "BREACHED" in page.text


def test_counted_findings_come_first_and_ignored_ones_last(report: Report) -> None:
    rows = [a for t, a in Page(render(report, "html")).tags if t == "tr" and "data-counted" in a]
    flags = [r["data-counted"] for r in rows]
    assert flags == ["1"] * 5 + ["0"]


def test_cost_cells_carry_sortable_values_and_unknown_is_empty(report: Report) -> None:
    page = Page(render(report, "html"))
    values = [a["data-v"] for t, a in page.tags if t == "td" and a.get("class") == "num"]
    assert values == ["8.0000", "4.5000", "2.0000", "1.2500", "", "50.0000"]


def test_bar_charts_have_one_bar_per_check_and_region(report: Report) -> None:
    text = render(report, "html")
    by_check = text.split('id="by-check"', 1)[1].split("</figure>", 1)[0]
    by_region = text.split('id="by-region"', 1)[1].split("</figure>", 1)[0]
    assert by_check.count('class="bar"') == len(report.summary.by_check) == 2
    assert by_region.count('class="bar"') == len(report.summary.by_region) == 2
    assert "$13.75 · 4 findings" in by_check  # charged amounts: the ignored $50 is not in the bar
    assert "us-east-1" in by_region and "eu-west-1" in by_region


def test_more_than_ten_checks_fold_into_an_others_bar() -> None:
    findings = [
        make_finding(f"vol-{i}", check_id=f"aws.ebs.check_{i:02d}", amount=float(i)) for i in range(1, 14)
    ]
    text = render(make_report(findings), "html")
    by_check = text.split('id="by-check"', 1)[1].split("</figure>", 1)[0]
    assert by_check.count('class="bar"') == 10
    assert "4 others" in by_check and "aws.ebs.check_13" in by_check and "aws.ebs.check_04" not in by_check


def test_trend_draws_a_line_over_the_history(report: Report) -> None:
    page = Page(render(report, "html", history=HISTORY))
    assert page.find("figure", id="trend", **{"data-points": "4"})
    assert len(page.find("polyline", **{"class": "line"})) == 1
    assert len(page.find("circle")) == 4
    assert "$17.00" in page.text  # the y axis top label is the largest total


def test_trend_with_one_scan_is_a_dot_and_without_history_says_so(report: Report) -> None:
    one = Page(render(report, "html", history=HISTORY[-1:]))
    assert len(one.find("circle")) == 1 and not one.find("polyline")
    assert "One stored scan so far" in one.text
    none = Page(render(report, "html"))
    assert none.find("p", id="no-history") and not none.find("circle")
    assert "No history yet" in none.text


def test_coverage_gaps_list_errors_and_skipped_units(report: Report) -> None:
    page = Page(render(report, "html"))
    assert page.find("table", id="coverage")
    assert "AccessDenied: not authorized to perform ec2:DescribeVolumes [bold]x[/bold]" in page.text
    assert "region not enabled" in page.text


def test_empty_report_says_no_waste_found() -> None:
    page = Page(render(make_report([]), "html"))
    assert "no waste found" in page.text
    assert not page.find("table", id="findings")
    assert "No findings." in page.text


def test_the_html_trend_comes_from_the_store_holding_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloudwaste.cli.main import app

    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "cw.db"
    statuses = [ScanStatus.COMPLETE, ScanStatus.FAILED, ScanStatus.PARTIAL, ScanStatus.COMPLETE]
    with Store.open(db) as store:
        for i, status in enumerate(statuses):
            scan = make_scan(
                f"2026110{i + 1}-000000-00000{i}", started_at=datetime(2026, 11, i + 1, tzinfo=UTC)
            )
            store.begin_scan(scan)
            store.finish_scan(
                scan.id, status, scan.started_at, {"findings": i, "monthly_cost": 10.0 * (i + 1)}
            )
    out = tmp_path / "waste.html"
    result = CliRunner().invoke(
        app,
        ["report", "20261103", "-q", "-f", "html", "-o", str(out)],
        env={"CLOUDWASTE_DB": str(db)},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    page = Page(out.read_text())
    # scans up to the reported one, oldest first; the failed one (and the later one) are left out
    assert page.find("figure", id="trend", **{"data-points": "2"})
    titles = [t for t in page.texts if " UTC: $" in t]
    assert titles == ["2026-11-01 00:00 UTC: $10.00", "2026-11-03 00:00 UTC: $30.00"]


def test_a_store_without_the_scan_gives_no_history(tmp_path: Path) -> None:
    from cloudwaste.cli.output import _history

    db = tmp_path / "cw.db"
    with Store.open(db) as store:
        store.begin_scan(make_scan("20261101-000000-000000"))
    assert _history(make_report([]), db) is None  # the report's scan is not in that store
    assert _history(make_report([]), tmp_path / "missing.db") is None
    assert not (tmp_path / "missing.db").exists()


# --- headless Chromium -----------------------------------------------------------------------------

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on this machine")


def chromium(tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on ``url`` with every host unresolvable (no network even if there were one)."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
        url,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL, check=True
    )


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(hostile_report(), "html", history=HISTORY), encoding="utf-8")
    return path


@needs_chromium
def test_chromium_runs_the_script_sorts_and_shows_hostile_strings_as_text(page_file: Path) -> None:
    run = chromium(page_file.parent, page_file.as_uri() + "#sort=4", "--dump-dom")
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Content Security" in line]
    assert console == []  # no CSP violation, no script error
    dom = Page(run.stdout)
    assert dom.find("html", **{"data-ready": "1"})  # the script ran: the CSP hash matched
    assert dom.find("table", id="findings", **{"data-sorted": "4"})  # ascending by monthly cost
    costs = [a["data-v"] for t, a in dom.tags if t == "td" and a.get("class") == "num"]
    assert costs == ["7.0000", "8.0000", "8.0000", "9.0000", "10.0000"]
    assert dom.find("svg") and dom.find("rect", **{"class": "bar"}) and dom.find("polyline")
    assert len(dom.find("script")) == 1 and not dom.find("img")
    for value in HOSTILE:
        assert value in dom.text, value


@needs_chromium
def test_chromium_screenshot_renders_the_page(page_file: Path) -> None:
    shot = page_file.parent / "report.png"
    chromium(page_file.parent, page_file.as_uri(), f"--screenshot={shot}", "--window-size=1400,1800",
             "--hide-scrollbars")  # fmt: skip
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1800)
    assert len(data) > 40_000  # a blank page compresses to a few kB; charts, text and table do not
