"""Time a full cloudwaste AWS scan of a synthetic estate in moto, optionally behind network latency.

    python bench/bench_scan.py -n 100                    # 100 volumes+snapshots, 10 EIPs per region
    python bench/bench_scan.py -n 1000 --latency-ms 50   # with 50 ms added to every API request
    python bench/bench_scan.py --help-only               # just `cloudwaste --help` wall time
    python bench/bench_scan.py -n 1000 --mixed --latency-ms 40 --runs 1   # the issue-3 benchmark

The scan is the real engine (every AWS check, batched metrics, the SQLite store in a temp dir) against
moto's WSGI app in this process; the estate is built through a zero-latency server first. moto's own
serialisation (~1 ms per resource) dominates at N=1000, so compare runs on the same machine only.

Each result also counts the metric collector's calls: ``get_metric_data_calls`` (GetMetricData
requests), ``metric_series`` (the series they carried) and ``metric_resources`` (distinct resources
with a series), against the one call per resource a per-resource GetMetricStatistics loop would make.
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
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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


def metric_counts(sessions: list[Any]) -> dict[str, int]:
    """Series and distinct resources the units' metric queries covered (their collections are memoized:
    no API call here)."""
    series: set[Any] = set()
    for session in sessions:
        for q in session.metric_queries:
            try:
                items = session.collect(q.collection)
            except Exception:  # a failed collection queried nothing
                continue
            for item in items:
                state: Any = item
                for step in q.state_field.split("."):  # dotted, like MemoSession.metric
                    state = state.get(step) if isinstance(state, dict) else None
                if item.get(q.id_field) and state not in q.skip_states:
                    series.add((session.unit.region, q.key(str(item[q.id_field]))))
    return {"metric_series": len(series), "metric_resources": len({(r, k.value) for r, k in series})}


def scan_once(url: str, regions: list[str], concurrency: int, db: Path) -> dict[str, object]:
    """One full scan through the engine; returns wall time and counts."""
    from cloudwaste.checks.registry import load_checks
    from cloudwaste.engine.plan import select_checks
    from cloudwaste.engine.run import run_scan
    from cloudwaste.providers.aws.options import AwsOptions
    from cloudwaste.providers.aws.provider import AwsProvider
    from cloudwaste.store import Store

    class Recording(AwsProvider):
        """Keeps the unit sessions so the benchmark can count what the metric batches covered."""

        sessions: list[Any] = []

        def open_unit(self, unit: Any, metric_queries: list[Any]) -> Any:
            session = super().open_unit(unit, metric_queries)
            self.sessions.append(session)
            return session

    os.environ["AWS_ENDPOINT_URL"] = url
    store = Store.open(db)
    start = time.perf_counter()
    try:
        provider = Recording(AwsOptions(regions=regions, max_attempts=2))
        provider.sessions = []
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
    ops = list(provider.operations)
    return {
        "wall_s": round(wall, 2),
        "status": result.scan.status.value,
        "findings": len(result.findings),
        "api_calls": len(ops),  # every call, identity and region discovery included
        "api_calls_by_operation": dict(Counter(op.operation for op in ops).most_common()),
        "get_metric_data_calls": sum(1 for op in ops if op.operation == "GetMetricData"),
        **metric_counts(provider.sessions),
        "unit_s": {c.region: c.duration_s for c in result.scan.coverage},
        "unit_errors": {c.region: c.error for c in result.scan.coverage if c.error},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="volumes and snapshots per region (EIPs: n/10)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every API request")
    parser.add_argument("--concurrency", type=int, action="append", help="engine concurrency (repeatable)")
    parser.add_argument("--runs", type=int, default=3, help="scans per concurrency value")
    parser.add_argument("--help-only", action="store_true", help="only time `cloudwaste --help`")
    parser.add_argument(
        "--mixed", action="store_true", help="n resources of six kinds per region (estate.py)"
    )
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
        built = estate.build(build_url, args.n, regions, mixed=args.mixed)
        print(json.dumps({"estate": {k: v for k, v in built.items() if k != "per_region"}}))
        for concurrency in args.concurrency or [8]:
            runs = []
            for _ in range(args.runs):
                before = slow.requests
                with tempfile.TemporaryDirectory() as tmp:
                    runs.append(scan_once(slow_url, regions, concurrency, Path(tmp) / "bench.db"))
                runs[-1]["http_requests"] = slow.requests - before  # what the server saw, retries included
            walls = [float(str(r["wall_s"])) for r in runs]
            print(
                json.dumps(
                    {
                        "n_per_region": args.n,
                        "latency_ms": args.latency_ms,
                        "concurrency": concurrency,
                        "wall_s": walls,
                        "median_s": round(statistics.median(walls), 2),
                        **{k: v for k, v in runs[-1].items() if k != "wall_s"},
                    }
                )
            )
    finally:
        builder.stop()
        if slow is not builder:
            slow.stop()


if __name__ == "__main__":
    main()
