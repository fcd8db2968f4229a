"""Time a full cloudwaste AWS scan of a synthetic estate in moto, optionally behind network latency.

    python bench/bench_scan.py -n 100                    # 100 volumes+snapshots, 10 EIPs per region
    python bench/bench_scan.py -n 1000 --latency-ms 50   # with 50 ms added to every API request
    python bench/bench_scan.py --help-only               # just `cloudwaste --help` wall time

The scan is the real engine (every AWS check, batched metrics, the SQLite store in a temp dir) against
moto's WSGI app in this process; the estate is built through a zero-latency server first. moto's own
serialisation (~1 ms per resource) dominates at N=1000, so compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import estate  # noqa: E402
import latency  # noqa: E402


def help_wall_time(runs: int = 5) -> dict[str, float]:
    """Wall time of the installed `cloudwaste --help` (seconds)."""
    exe = shutil.which("cloudwaste") or str(Path(sys.executable).with_name("cloudwaste"))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([exe, "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return {"min_s": round(min(times), 3), "median_s": round(statistics.median(times), 3)}


def scan_once(url: str, regions: list[str], concurrency: int, db: Path) -> dict[str, object]:
    """One full scan through the engine; returns wall time and counts."""
    from cloudwaste.checks.registry import load_checks
    from cloudwaste.engine.plan import select_checks
    from cloudwaste.engine.run import run_scan
    from cloudwaste.providers.aws.options import AwsOptions
    from cloudwaste.providers.aws.provider import AwsProvider
    from cloudwaste.store import Store

    os.environ["AWS_ENDPOINT_URL"] = url
    store = Store.open(db)
    start = time.perf_counter()
    try:
        provider = AwsProvider(AwsOptions(regions=regions, max_attempts=2))
        result = run_scan(
            [provider],
            select_checks(load_checks("aws")),
            concurrency=concurrency,
            now=datetime.now(UTC) + timedelta(days=60),
            sink=store,
        )
    finally:
        store.close()
    wall = time.perf_counter() - start
    return {
        "wall_s": round(wall, 2),
        "status": result.scan.status.value,
        "findings": len(result.findings),
        "api_calls": sum(c.api_calls for c in result.scan.coverage) + 3,  # + STS, IAM alias, DescribeRegions
        "unit_s": {c.region: c.duration_s for c in result.scan.coverage},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="volumes and snapshots per region (EIPs: n/10)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every API request")
    parser.add_argument("--concurrency", type=int, action="append", help="engine concurrency (repeatable)")
    parser.add_argument("--runs", type=int, default=3, help="scans per concurrency value")
    parser.add_argument("--help-only", action="store_true", help="only time `cloudwaste --help`")
    args = parser.parse_args(argv)

    print(json.dumps({"cloudwaste --help": help_wall_time()}))
    if args.help_only:
        return
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        }
    )
    regions = list(estate.DEFAULT_REGIONS)
    builder, build_url = latency.start(0.0)
    slow, slow_url = (builder, build_url) if args.latency_ms == 0 else latency.start(args.latency_ms)
    try:
        built = estate.build(build_url, args.n, regions)
        print(json.dumps({"estate": {k: v for k, v in built.items() if k != "per_region"}}))
        for concurrency in args.concurrency or [8]:
            runs = []
            for _ in range(args.runs):
                with tempfile.TemporaryDirectory() as tmp:
                    runs.append(scan_once(slow_url, regions, concurrency, Path(tmp) / "bench.db"))
            walls = [float(str(r["wall_s"])) for r in runs]
            print(
                json.dumps(
                    {
                        "n_per_region": args.n,
                        "latency_ms": args.latency_ms,
                        "concurrency": concurrency,
                        "wall_s": walls,
                        "median_s": round(statistics.median(walls), 2),
                        "findings": runs[-1]["findings"],
                        "api_calls": runs[-1]["api_calls"],
                        "status": runs[-1]["status"],
                        "unit_s": runs[-1]["unit_s"],
                    }
                )
            )
    finally:
        builder.stop()
        if slow is not builder:
            slow.stop()


if __name__ == "__main__":
    main()
