"""`cloudwaste ask` end to end: the CLI, the real anthropic SDK and the fake Messages API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest

from tests.ai.helpers import EMAIL, SCAN_ID, seed_store
from tests.builders import ACCOUNT, make_finding
from tests.cli.conftest import Result, cloudwaste_exe, run_exe
from tests.fakes.anthropic_server import FakeAnthropic
from tests.memkeyring import MemoryKeyring

KEY = "sk-ant-cli-test-0123456789"
Cli = Callable[..., Result]
FAST_RETRY = {"retry-after": "1", "retry-after-ms": "20"}
# the model answers with placeholders, cut mid-placeholder across chunks
CHUNKS = ["The NAT gateway in <ACC", "OUNT_1> costs $32.85/month", " (owner <TAG_", "VALUE_3>).\n"]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        yield server


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cw.db"
    seed_store(path)
    return path


@pytest.fixture
def use_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("CLOUDWASTE_NO_KEYRING", raising=False)
    previous = keyring.get_keyring()
    MemoryKeyring.store.clear()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)
    MemoryKeyring.store.clear()


def _one_error_line(r: Result) -> str:
    lines = r.stderr.strip().splitlines()
    assert "Traceback" not in r.stderr
    assert lines and lines[0].startswith("error: ") and len(lines) <= 2  # the error, maybe a hint
    return lines[0]


def test_streams_the_answer_with_the_values_mapped_back(cli: Cli, fake: FakeAnthropic, db: Path) -> None:
    fake.answer("".join(CHUNKS), chunks=CHUNKS)
    r = cli("ask", "why is my NAT gateway flagged?", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == f"The NAT gateway in {ACCOUNT} costs $32.85/month (owner {EMAIL}).\n"
    (req,) = fake.requests
    assert req.api_key == KEY and req.body["stream"] is True
    assert req.body["model"] == "claude-sonnet-5-5" and req.body["max_tokens"] == 2048
    sent = json.dumps(req.body)
    assert ACCOUNT not in sent and EMAIL not in sent and KEY not in sent


def test_json_mode_is_not_streamed(cli: Cli, fake: FakeAnthropic, db: Path) -> None:
    fake.answer("Yes: <ARN_2> is idle.", output_tokens=9)
    r = cli("ask", "is it idle?", "--db", str(db), "--format", "json", "--model", "claude-test-model")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"question", "answer", "model", "usage", "findings_used"}
    assert out["question"] == "is it idle?"
    assert out["answer"].startswith(f"Yes: arn:aws:ec2:us-east-1:{ACCOUNT}:volume/nat-0abc1234def567890")
    assert out["model"] == "claude-test-model"
    assert out["usage"]["output_tokens"] == 9 and out["usage"]["input_tokens"] > 0
    assert len(out["findings_used"]) == 7 and all(fp.startswith("cw1:") for fp in out["findings_used"])
    assert "stream" not in fake.requests[0].body


def test_dry_run_prints_exactly_the_request_and_sends_nothing(
    cli: Cli, fake: FakeAnthropic, db: Path
) -> None:
    r = cli("ask", "what can I delete?", "--db", str(db), "--dry-run", "--top", "3")
    assert r.exit_code == 0, r.stderr
    shown = json.loads(r.stdout)
    assert fake.requests == []  # nothing was sent
    assert cli("ask", "what can I delete?", "--db", str(db), "--show-prompt", "--top", "3").stdout == r.stdout
    sent = cli("ask", "what can I delete?", "--db", str(db), "--top", "3")
    assert sent.exit_code == 0
    assert fake.requests[0].body == shown  # the real request is what --dry-run printed


def test_dry_run_needs_no_key(cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    r = cli("ask", "q", "--db", str(db), "--dry-run", "-f", "json")
    assert r.exit_code == 0 and "stream" not in json.loads(r.stdout)


def test_missing_key_exits_5_naming_both_options(cli: Cli, db: Path) -> None:
    r = cli("ask", "q", "--db", str(db))
    assert r.exit_code == 5
    line = _one_error_line(r)
    assert "ANTHROPIC_API_KEY" in line and "cloudwaste auth add anthropic" in line


def test_429_then_success(cli: Cli, fake: FakeAnthropic, db: Path) -> None:
    fake.error(429, "rate_limit_error", "rate limited", headers=FAST_RETRY)
    fake.answer("Done.")
    r = cli("ask", "q", "--db", str(db))
    assert (r.exit_code, r.stdout) == (0, "Done.\n")
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("status", "etype", "message", "code", "needle"),
    [
        (529, "overloaded_error", "Overloaded", 8, "overloaded"),
        (429, "rate_limit_error", "rate limited", 7, "rate limit"),
        (400, "invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum", 9, "too large"),
        (401, "authentication_error", "invalid x-api-key", 5, "rejected the API key"),
    ],
)
def test_api_errors_are_one_line_with_their_exit_code(
    cli: Cli, fake: FakeAnthropic, db: Path, status: int, etype: str, message: str, code: int, needle: str
) -> None:
    fake.error(status, etype, message, headers={"retry-after-ms": "10"}, times=3)
    r = cli("ask", "q", "--db", str(db))
    assert r.exit_code == code, r.stderr
    assert needle in _one_error_line(r)
    assert r.stdout == ""


def test_network_failure_exits_6(cli: Cli, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    r = cli("ask", "q", "--db", str(db))
    assert r.exit_code == 6
    assert "cannot reach the Anthropic API" in _one_error_line(r)


def test_continue_sends_the_scan_history(cli: Cli, fake: FakeAnthropic, db: Path) -> None:
    fake.answer("It is <ACCOUNT_1>'s gateway.")
    assert cli("ask", "whose gateway?", "--db", str(db)).exit_code == 0
    fake.answer("Snapshot first.")
    assert cli("ask", "--continue", "how do I delete it?", "--db", str(db)).exit_code == 0
    messages = fake.requests[1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[0]["content"] == "whose gateway?"
    assert messages[1]["content"] == "It is <ACCOUNT_1>'s gateway."
    assert len(fake.requests[0].body["messages"]) == 1


def test_finding_explains_one_finding(cli: Cli, fake: FakeAnthropic, db: Path) -> None:
    listed = json.loads(cli("findings", "list", "--db", str(db), "-f", "json").stdout)
    nat = next(f for f in listed["findings"] if f["resource"]["id"].startswith("nat-"))
    assert cli("ask", "--finding", nat["fingerprint"][:10], "--db", str(db)).exit_code == 0
    user = fake.requests[0].body["messages"][-1]["content"]
    assert f"Explain the finding {nat['fingerprint']}" in user and '{"focus":true' in user
    unknown = cli("ask", "--finding", "cw1:0000000000", "--db", str(db))
    assert unknown.exit_code == 2 and "no finding" in _one_error_line(unknown)


def test_config_ai_section_sets_the_defaults(
    cli: Cli, fake: FakeAnthropic, db: Path, isolated_home: Path
) -> None:
    (isolated_home / "cloudwaste.toml").write_text(
        '[ai]\nmodel = "claude-config-model"\nmax_tokens = 321\ntop = 2\nredact = false\n'
    )
    assert cli("ask", "q", "--db", str(db)).exit_code == 0
    body = fake.requests[0].body
    assert (body["model"], body["max_tokens"]) == ("claude-config-model", 321)
    assert ACCOUNT in body["messages"][-1]["content"] and "2 of 7" in body["messages"][-1]["content"]
    assert cli("ask", "q", "--db", str(db), "--model", "claude-flag", "--redact").exit_code == 0
    assert fake.requests[1].body["model"] == "claude-flag"
    assert ACCOUNT not in fake.requests[1].body["messages"][-1]["content"]
    (isolated_home / "cloudwaste.toml").write_text("[ai]\ntemperature = 1\n")
    assert cli("ask", "q", "--db", str(db)).exit_code == 2


def test_auth_add_anthropic_stores_the_key_in_the_keyring_only(
    cli: Cli, fake: FakeAnthropic, db: Path, use_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    r = cli("auth", "add", "anthropic", "--secret-stdin", "--db", str(db), input="sk-ant-from-keyring-42\n")
    assert r.exit_code == 0, r.stderr
    assert MemoryKeyring.store == {("cloudwaste", "anthropic:default"): "sk-ant-from-keyring-42"}
    assert b"sk-ant-from-keyring-42" not in db.read_bytes()
    listed = cli("auth", "list", "--db", str(db))
    assert "anthropic" in listed.stdout and "sk-ant" not in listed.stdout
    assert cli("ask", "q", "--db", str(db)).exit_code == 0
    assert fake.requests[0].api_key == "sk-ant-from-keyring-42"
    assert cli("auth", "add", "anthropic", "--secret-stdin", "--db", str(db), input="x\n").exit_code == 2
    assert cli("auth", "add", "anthropic", "work", "--db", str(db)).exit_code == 2
    assert cli("auth", "remove", "anthropic", "--db", str(db)).exit_code == 0
    assert MemoryKeyring.store == {}
    assert cli("ask", "q", "--db", str(db)).exit_code == 5


def test_auth_add_aws_still_needs_a_name(cli: Cli, db: Path) -> None:
    r = cli("auth", "add", "aws", "--profile", "x", "--db", str(db))
    assert r.exit_code == 2 and "missing argument NAME" in r.stderr


def test_help_does_not_import_anthropic_or_rich() -> None:
    code = (
        "import sys\n"
        "from cloudwaste.cli.main import run\n"
        "sys.argv = ['cloudwaste', '--help']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', sorted({m.split('.')[0] for m in sys.modules} & {'anthropic', 'rich', 'httpx2'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def _env(fake: FakeAnthropic) -> dict[str, str]:
    return {"ANTHROPIC_BASE_URL": fake.url, "ANTHROPIC_API_KEY": KEY}


@pytest.mark.subprocess
def test_installed_executable_streams_an_answer(fake: FakeAnthropic, db: Path) -> None:
    fake.answer("".join(CHUNKS), chunks=CHUNKS)
    r = run_exe("ask", "why is my NAT gateway flagged?", "--db", str(db), env=_env(fake))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == f"The NAT gateway in {ACCOUNT} costs $32.85/month (owner {EMAIL}).\n"
    assert r.stderr == ""
    assert (
        fake.requests[0].body["messages"][-1]["content"].startswith("<findings_data>\n# scan\nid: " + SCAN_ID)
    )


@pytest.mark.subprocess
def test_ctrl_c_while_streaming_exits_130_without_a_traceback(fake: FakeAnthropic, db: Path) -> None:
    fake.answer("x" * 400, chunks=["first "] + ["more "] * 200, delay=0.05)
    proc = subprocess.Popen(
        [cloudwaste_exe(), "ask", "q", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **_env(fake)},
    )
    assert proc.stdout is not None
    assert proc.stdout.read(6) == b"first "  # the answer is streaming
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert b"Traceback" not in err and err.decode().strip().endswith("error: interrupted")
    with sqlite3.connect(db) as conn:  # an interrupted answer is not kept
        assert conn.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 0


@pytest.mark.subprocess
def test_on_a_terminal_the_answer_is_rendered_as_markdown(fake: FakeAnthropic, db: Path) -> None:
    import pty
    import select

    fake.answer("", chunks=["## Verdict\n\nThe gateway in <ACC", "OUNT_1> is **idle**.\n"])
    main, sub = pty.openpty()
    proc = subprocess.Popen(
        [cloudwaste_exe(), "ask", "q", "--db", str(db)],
        stdout=sub,
        stderr=sub,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **_env(fake), "COLUMNS": "80", "TERM": "xterm-256color", "NO_COLOR": ""},
    )
    os.close(sub)
    out = b""
    try:
        while select.select([main], [], [], 30)[0]:
            try:
                data = os.read(main, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            out += data
    finally:
        os.close(main)
        assert proc.wait(30) == 0
    text = out.decode("utf-8", "replace")
    assert "Traceback" not in text
    assert f"The gateway in {ACCOUNT} is " in text and "<ACCOUNT_1>" not in text
    assert "\x1b[1midle\x1b[0m" in text  # **idle** rendered bold by Rich, not shown as asterisks
    assert "## Verdict" not in text and "Verdict" in text


def test_a_usage_error_outranks_a_missing_key(cli: Cli, db: Path) -> None:
    r = cli("ask", "--db", str(db))
    assert r.exit_code == 2 and "needs a QUESTION" in _one_error_line(r)


def test_the_api_key_never_reaches_the_prompt_even_without_redaction(
    cli: Cli, fake: FakeAnthropic, tmp_path: Path
) -> None:
    leaky = tmp_path / "leaky.db"
    seed_store(leaky, [make_finding("vol-0000000000000leak", tags={"Token": KEY}, reason=f"see {KEY}")])
    r = cli("ask", "q", "--db", str(leaky), "--no-redact", "--dry-run")
    assert r.exit_code == 0 and KEY not in r.stdout and "<SECRET_1>" in r.stdout
    assert cli("ask", "q", "--db", str(leaky), "--no-redact").exit_code == 0
    assert KEY not in json.dumps(fake.requests[0].body)
    with sqlite3.connect(leaky) as conn:
        stored = " ".join(row[0] for row in conn.execute("SELECT content FROM conversations"))
    assert stored and KEY not in stored
