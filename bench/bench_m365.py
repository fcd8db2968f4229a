"""Time cloudwaste's Microsoft 365 scan of a synthetic tenant on the fake Graph: wall time and Graph calls.

    python bench/bench_m365.py                              # 5,000 users, 20 sites x 1,500 items, no latency
    python bench/bench_m365.py --users 5000 --latency-ms 50 --runs 3
    python bench/bench_m365.py --no-sign-in                  # a tenant without Entra ID P1/P2 (403 fallback)

Each run is the real engine (every m365 check, no store) through the real ``GraphServiceClient`` and
``EnvironmentCredential`` against ``tests/fakes/graph.py`` (Graph over HTTP on 127.0.0.1, Entra ID over
HTTPS) with Graph's own page sizes (999 users a page, 500 with ``signInActivity``) and the default
``--max-items`` of 20,000 (the 30,000 items of the default estate hit it). Each line of output is one
JSON object: the estate, then one line per run with the wall time, the Graph calls by endpoint, the
findings by check and the unit's coverage warnings. The fake answers in well under 1 ms plus
``--latency-ms``; real Graph answers a page in 100-500 ms, so compare versions on the same machine only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import m365_estate as E  # noqa: E402
from tests.fakes.graph import FakeGraph  # noqa: E402


def endpoint(path: str) -> str:
    """A request path with its ids folded: ``/v1.0/drives/{id}/items/root/delta()``."""
    path = re.sub(r"/(drives|sites)/(?!getAllSites)[^/]+", r"/\1/{id}", path)
    path = re.sub(r"/items/(?!root)[^/]+", "/items/{id}", path)
    return re.sub(r"\(period='[^']+'\)", "(period)", path)


def run_once(graph: FakeGraph, sign_in: bool) -> dict[str, object]:
    from cloudwaste.checks.registry import load_checks
    from cloudwaste.engine.plan import select_checks
    from cloudwaste.engine.run import run_scan
    from cloudwaste.providers.m365 import M365Options, M365Provider

    graph.requests.clear()
    graph.entra.requests.clear()
    graph.sign_in_forbidden = not sign_in
    provider = M365Provider(M365Options())
    checks = select_checks(load_checks("m365"))
    started = time.perf_counter()
    result = run_scan([provider], checks, now=E.NOW)
    wall = time.perf_counter() - started
    [unit] = result.scan.coverage
    calls = Counter(endpoint(op.path) for op in provider.operations)
    return {
        "wall_s": round(wall, 3),
        "api_calls": unit.api_calls,
        "users_pages": calls.get("/v1.0/users", 0),
        "calls_by_endpoint": dict(calls.most_common()),
        "token_requests": len(graph.entra.token_requests()),
        "findings": len(result.findings),
        "findings_by_check": dict(Counter(f.check_id for f in result.findings).most_common()),
        "unit_status": unit.status.value,
        "unit_error": unit.error,
        "warnings": unit.warnings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--items-per-drive", type=int, default=1500)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-sign-in", action="store_true", help="Graph refuses signInActivity (403)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeGraph(Path(tmp), page_size=None) as graph:
        graph.latency_ms = args.latency_ms
        t0 = time.perf_counter()
        E.tenant(graph, args.users)
        E.storage(graph, args.sites, args.items_per_drive)
        print(
            json.dumps(
                {
                    "estate": {
                        "users": len(graph.users),
                        "skus": len(graph.skus),
                        "sites": len(graph.sites),
                        "drive_items": sum(len(v) for v in graph.items.values()),
                        "built_s": round(time.perf_counter() - t0, 2),
                        "latency_ms": args.latency_ms,
                    }
                }
            ),
            flush=True,
        )
        os.environ.update({**graph.env(), **graph.credential_env(), "CLOUDWASTE_NO_KEYRING": "1"})
        walls = []
        for n in range(args.runs):
            out = run_once(graph, sign_in=not args.no_sign_in)
            walls.append(out["wall_s"])
            print(json.dumps({"run": n + 1, **out}), flush=True)
        print(json.dumps({"median_wall_s": statistics.median(walls), "runs": walls}), flush=True)


if __name__ == "__main__":
    main()
