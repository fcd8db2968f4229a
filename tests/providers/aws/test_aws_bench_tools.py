"""The benchmark helpers (bench/estate.py, bench/latency.py) still work: a tiny estate behind latency."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.providers.aws.helpers import open_unit, provider

BENCH = Path(__file__).parents[3] / "bench"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"cloudwaste_bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_bench_estate_behind_a_latency_server(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    estate, latency = load("estate"), load("latency")
    server, url = latency.start(latency_ms=20)
    try:
        counts = estate.build(url, 9, ["us-east-1", "eu-west-1"])
        assert counts["volumes"] == 18 and counts["in_use_volumes"] == 6 and counts["addresses"] == 0
        assert counts["snapshots"] == 18
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        before = server.requests
        started = time.monotonic()
        volumes = open_unit(provider(["eu-west-1"]), "eu-west-1").collect("ec2:volumes")
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert len(volumes) == 9
    assert (
        server.requests - before == 4
    )  # GetCallerIdentity, ListAccountAliases, DescribeRegions, DescribeVolumes
    assert elapsed >= 4 * 0.02
