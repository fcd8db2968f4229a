"""Time cloudwaste's Azure scan of a synthetic estate on the fake ARM, with latency added to every request.

    python bench/bench_azure.py                                   # 5 subscriptions x 200 resources, 50 ms
    python bench/bench_azure.py --subscriptions 5 -n 200 --latency-ms 100 --concurrency 4 --concurrency 8
    python bench/bench_azure.py --collect-only      # collections only: Resource Graph vs ARM lists
    python bench/bench_azure.py --metrics-list      # metrics per resource (Metrics - List), no getBatch

Each run is the real engine (every Azure check, Azure Monitor metrics, no store) through the real SDK
clients and DefaultAzureCredential (EnvironmentCredential) against ``tests/fakes/azure_arm.py`` over
HTTPS (metrics through the fake's ``metrics:getBatch`` unless ``--metrics-list``), once per discovery
mode (``graph``: one Resource Graph query for all subscriptions; ``arm``: one ARM list call per type and
subscription). The fake answers in ~1-2 ms plus ``--latency-ms``; real ARM
answers a list in 50-300 ms, so compare modes and versions on the same machine only.
Each line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import azure_estate as E  # noqa: E402
from tests.fakes.azure_arm import FakeArm, hours  # noqa: E402

NOW = datetime.now(UTC)
METRIC_WORKERS = [8]  # --metric-workers


def populate(arm: FakeArm, sub: str, n: int) -> int:
    """``n`` resources in one subscription (a fifth VMs and their disks, the rest network orphans and
    in-use resources); returns how many were added."""
    added = 0
    rg = "rg-bench"

    def add(*items: dict[str, object]) -> None:
        nonlocal added
        arm.add(*items)  # type: ignore[arg-type]
        added += len(items)

    i = 0
    while added < n:
        created = NOW - timedelta(days=10 + i)
        kind = i % 10
        if kind in (0, 1):  # a VM with its OS disk and NIC (3 resources)
            vm_id = E.rid(sub, rg, "Microsoft.Compute/virtualMachines", f"vm-{i}")
            disk = E.disk(sub, rg, f"os-{i}", created=created, state="Attached", managed_by=vm_id, size_gb=64)
            nic = E.nic(sub, rg, f"nic-vm-{i}", vm_id=vm_id)
            power = ("running", "deallocated", "stopped")[i % 3]
            vm = E.vm(
                sub, rg, f"vm-{i}", created=created, power=power, os_disk_id=disk["id"], nic_ids=(nic["id"],)
            )
            add(vm, disk, nic)
            if power == "running":
                arm.add_metric(vm["id"], "Percentage CPU", list(hours(NOW, 14, 2.0)))
        elif kind == 2:
            add(E.disk(sub, rg, f"disk-{i}", created=created, last_ownership=created))
        elif kind == 3:
            add(
                E.snapshot(
                    sub,
                    rg,
                    f"snap-{i}",
                    created=created,
                    source_id=E.rid(sub, rg, "Microsoft.Compute/disks", "gone"),
                )
            )
        elif kind == 4:
            add(E.public_ip(sub, rg, f"pip-{i}"))
        elif kind == 5:
            add(E.nic(sub, rg, f"nic-{i}"))
        elif kind == 6:
            add(E.network_security_group(sub, rg, f"nsg-{i}"), E.route_table(sub, rg, f"rt-{i}"))
        elif kind == 7:
            add(E.load_balancer(sub, rg, f"lb-{i}"), E.nat_gateway(sub, rg, f"nat-{i}"))
        elif kind == 8:
            add(E.availability_set(sub, rg, f"avset-{i}"), E.private_dns_zone(sub, rg, f"z{i}.internal"))
        else:
            add(
                E.app_service_plan(sub, rg, f"plan-{i}"),
                E.virtual_network(sub, rg, f"vnet-{i}", subnets={"a": ()}),
            )
        i += 1
    return added


def _provider(discovery: str):  # type: ignore[no-untyped-def]
    from cloudwaste.providers.azure import AzureOptions, AzureProvider

    return AzureProvider(AzureOptions(discovery=discovery, max_attempts=3, metric_workers=METRIC_WORKERS[0]))


def scan_once(arm: FakeArm, discovery: str, concurrency: int) -> dict[str, object]:
    """One full scan through the engine (every Azure check, metrics, no store)."""
    from cloudwaste.checks.registry import load_checks
    from cloudwaste.engine.plan import select_checks
    from cloudwaste.engine.run import run_scan

    before = len(arm.requests)
    provider = _provider(discovery)
    start = time.perf_counter()
    result = run_scan([provider], select_checks(load_checks("azure")), concurrency=concurrency)
    wall = time.perf_counter() - start
    requests = arm.requests[before:]
    return {
        "wall_s": round(wall, 2),
        "status": result.scan.status.value,
        "findings": len(result.findings),
        "http_requests": len(requests),
        "metric_calls": sum(1 for r in requests if r.path.lower().endswith("/microsoft.insights/metrics")),
        "batch_calls": sum(1 for r in requests if r.path.lower().endswith("/metrics:getbatch")),
        "graph_calls": sum(1 for r in requests if "resourcegraph" in r.path.lower()),
        "unit_s": sorted(c.duration_s for c in result.scan.coverage),
    }


def collect_once(arm: FakeArm, discovery: str, concurrency: int) -> dict[str, object]:
    """Every collection of every subscription (no checks, no metrics), ``concurrency`` at a time."""
    from cloudwaste.providers.azure.collectors import COLLECTIONS

    before = len(arm.requests)
    provider = _provider(discovery)
    start = time.perf_counter()
    plan = provider.plan()
    sessions = [provider.open_unit(u, []) for u in plan.units]
    tasks = [(s, name) for s in sessions for name in sorted(COLLECTIONS)]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        items = sum(len(x) for x in pool.map(lambda t: t[0].collect(t[1]), tasks))
    wall = time.perf_counter() - start
    return {"wall_s": round(wall, 2), "items": items, "http_requests": len(arm.requests) - before}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=5)
    parser.add_argument("-n", type=int, default=200, help="resources per subscription")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="delay added to every request")
    parser.add_argument("--concurrency", type=int, action="append", help="engine concurrency (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=100, help="the fake's ARM list page size")
    parser.add_argument("--collect-only", action="store_true", help="time the collections only")
    parser.add_argument(
        "--metrics-list", action="store_true", help="read metrics per resource (no metrics:getBatch)"
    )
    parser.add_argument(
        "--metric-workers", type=int, default=8, help="concurrent metric calls per subscription"
    )
    args = parser.parse_args(argv)
    METRIC_WORKERS[0] = args.metric_workers

    for key in [k for k in os.environ if k.startswith(("AZURE_", "CLOUDWASTE_"))]:
        del os.environ[key]
    arm = FakeArm(Path(tempfile.mkdtemp(prefix="cw-bench-")), page_size=args.page_size, graph_page_size=1000)
    arm.start()
    try:
        total = 0
        for i in range(args.subscriptions):
            sub = f"{i:08x}-0000-4000-8000-{i:012x}"
            arm.add_subscription(sub, f"bench-{i}")
            total += populate(arm, sub, args.n)
        os.environ.update({**arm.env(), **arm.credential_env()})
        if not args.metrics_list:
            os.environ["CLOUDWASTE_AZURE_METRICS_URL"] = arm.metrics_url()
        print(json.dumps({"estate": {"subscriptions": args.subscriptions, "resources": total}}), flush=True)
        arm.latency_ms = args.latency_ms
        for concurrency in args.concurrency or [8]:
            for discovery in ("graph", "arm"):
                runner = collect_once if args.collect_only else scan_once
                runs = [runner(arm, discovery, concurrency) for _ in range(args.runs)]
                walls = [float(r["wall_s"]) for r in runs]  # type: ignore[arg-type]
                print(
                    json.dumps(
                        {
                            "mode": "collect" if args.collect_only else "scan",
                            "discovery": discovery,
                            "concurrency": concurrency,
                            "latency_ms": args.latency_ms,
                            "metric_workers": args.metric_workers,
                            "wall_s": walls,
                            "median_s": round(statistics.median(walls), 2),
                            **{k: v for k, v in runs[-1].items() if k != "wall_s"},
                        }
                    ),
                    flush=True,
                )
    finally:
        arm.stop()


if __name__ == "__main__":
    main()
