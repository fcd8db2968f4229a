"""CLI fixtures: an isolated home (config, data dir) and a CliRunner that calls the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cloudwaste.cli.main import app


@dataclass
class Result:
    """What a CLI run gave."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config and data dirs under tmp_path, a working dir with no cloudwaste.toml, fixed width."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    (work / ".git").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store path for the test."""
    return tmp_path / "cw.db"


@pytest.fixture
def cli() -> Iterator[object]:
    """Invoke the Typer app in process: ``cli("scan", "aws", ...)`` -> Result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        r = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Result(r.exit_code, r.stdout, r.stderr)

    yield invoke


def cloudwaste_exe() -> str:
    """The installed console script next to the running interpreter."""
    exe = Path(sys.executable).with_name("cloudwaste")
    assert exe.exists(), f"cloudwaste is not installed in {exe.parent}"
    return str(exe)


def run_exe(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Result:
    """Run the installed `cloudwaste` executable as a subprocess."""
    proc = subprocess.run(
        [cloudwaste_exe(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)
