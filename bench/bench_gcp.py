"""Time cloudwaste's GCP scan of a synthetic estate on the fake Google APIs, latency added to each request.

    python bench/bench_gcp.py                                  # 10 projects x 200 resources, 50 ms a request
    python bench/bench_gcp.py --projects 10 -n 200 --latency-ms 100 --concurrency 8 --concurrency 16
    python bench/bench_gcp.py --collect-only                   # collections only (no checks, no metrics)

Each run is the real engine (every GCP check, Cloud Monitoring metrics, Google's idle recommendations,
no store) through the real google-cloud-* REST clients and google-auth (Application Default Credentials
from a generated service-account key: self-signed JWTs) against ``tests/fakes/gcp.py`` over HTTP on
127.0.0.1, with the API's own page sizes (500 Compute items, 1,000 assets). The fake answers in ~1 ms
plus ``--latency-ms``; real Google APIs answer a list in 50-300 ms, so compare versions on the same
machine only. Each line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["NO_GCE_CHECK"] = "true"  # before google.auth is imported: no metadata-server probe

from tests.fakes import gcp_estate as E  # noqa: E402
from tests.fakes.gcp import FakeGcp, days, make_key_file  # noqa: E402

NOW = datetime.now(UTC)
CPU = "compute.googleapis.com/instance/cpu/utilization"
ZONES = ("us-central1-a", "us-central1-b", "europe-west1-b", "europe-west1-c")


def populate(fake: FakeGcp, project: str, n: int) -> int:
    """``n`` resources in one project (a fifth VMs with their boot disks, the rest orphans and in-use
    resources of eight other kinds, a tenth of them Cloud Asset Inventory items); returns the count."""
    fake.add_project(project, project.replace("-", " ").title(), labels={"env": "bench"})
    number = str(fake.projects[project]["name"]).removeprefix("projects/")
    added = 0
    i = 0
    while added < n:
        zone = ZONES[i % len(ZONES)]
        region = zone.rsplit("-", 1)[0]
        created = NOW - timedelta(days=10 + i)
        kind = i % 10
        if kind in (0, 1):  # a VM and its boot disk (2 resources)
            disk = E.disk(project, f"boot-{i}", zone=zone, size_gb=20, created=created)
            status = ("RUNNING", "RUNNING", "TERMINATED")[i % 3]
            vm = E.instance(
                project,
                zone,
                f"vm-{i}",
                status=status,
                created=created,
                disks=(disk["selfLink"],),
                last_stop=created + timedelta(days=1) if status == "TERMINATED" else None,
            )
            disk["users"] = [vm["selfLink"]]
            fake.add_compute(project, "disks", disk)
            fake.add_compute(project, "instances", vm)
            if status == "RUNNING":
                labels = {"instance_id": vm["id"], "zone": zone}
                fake.add_series(
                    project, CPU, "gce_instance", labels, list(days(NOW, 14, 0.02 + (i % 7) / 10))
                )
            added += 2
        elif kind == 2:
            fake.add_compute(
                project,
                "disks",
                E.disk(project, f"disk-{i}", zone=zone, created=created, last_detach=created),
            )
            added += 1
        elif kind == 3:
            gone = E.link(project, f"zones/{zone}", "disks", f"gone-{i}")
            fake.add_compute(
                project, "snapshots", E.snapshot(project, f"snap-{i}", source_disk=gone, created=created)
            )
            added += 1
        elif kind == 4:
            fake.add_compute(
                project,
                "addresses",
                E.address(
                    project, f"ip-{i}", region=region, ip=f"34.1.{i // 250}.{i % 250}", created=created
                ),
            )
            added += 1
        elif kind == 5:
            fake.add_compute(project, "images", E.image(project, f"img-{i}", created=created))
            added += 1
        elif kind == 6:
            image = E.link(project, "global", "images", f"img-{i - 1}")
            fake.add_compute(
                project,
                "instanceTemplates",
                E.instance_template(project, f"tpl-{i}", created=created, source_image=image),
            )
            added += 1
        elif kind == 7:
            fake.add_compute(
                project,
                "forwardingRules",
                E.forwarding_rule(
                    project, f"fr-{i}", region=region, ip=f"35.1.{i // 250}.{i % 250}", created=created
                ),
            )
            fake.add_compute(
                project, "backendServices", E.backend_service(project, f"bes-{i}", created=created)
            )
            added += 2
        elif kind == 8:
            fake.add_compute(
                project, "routers", E.router(project, f"router-{i}", region=region, created=created)
            )
            added += 1
        else:
            if i % 20 == 9:
                item = E.sql_instance(project, f"db-{i}", region=region, created=created)
                fake.add_asset(
                    project,
                    "sqladmin.googleapis.com/Instance",
                    item,
                    region,
                    f"projects/{project}/instances/db-{i}",
                )
            else:
                item = E.bucket(number, f"{project}-b{i}", created=created)
                fake.add_asset(project, "storage.googleapis.com/Bucket", item, "us", f"{project}-b{i}")
            added += 1
        i += 1
    return added


def _provider():  # type: ignore[no-untyped-def]
    from cloudwaste.providers.gcp import GcpOptions, GcpProvider

    return GcpProvider(GcpOptions(retry_deadline=30, retry_initial=0.2))


def scan_once(fake: FakeGcp, concurrency: int) -> dict[str, object]:
    """One full scan through the engine (every GCP check, metrics, recommendations, no store)."""
    from cloudwaste.checks.registry import load_checks
    from cloudwaste.engine.plan import select_checks
    from cloudwaste.engine.run import run_scan

    before = len(fake.requests)
    provider = _provider()
    start = time.perf_counter()
    result = run_scan([provider], select_checks(load_checks("gcp")), concurrency=concurrency)
    wall = time.perf_counter() - start
    requests = fake.requests[before:]
    kinds = Counter(
        "compute"
        if r.path.startswith("/compute/")
        else "asset"
        if r.path.endswith("/assets")
        else "monitoring"
        if r.path.endswith("/timeSeries")
        else "recommender"
        if "/recommenders/" in r.path
        else "resourcemanager"
        if r.path.startswith("/v3/projects")
        else r.path
        for r in requests
    )
    return {
        "wall_s": round(wall, 2),
        "status": result.scan.status.value,
        "findings": len(result.findings),
        "http_requests": len(requests),
        "api_calls_on_units": sum(c.api_calls for c in result.scan.coverage),
        "calls_by_api": dict(sorted(kinds.items())),
        "unit_s": [
            min(c.duration_s for c in result.scan.coverage),
            max(c.duration_s for c in result.scan.coverage),
        ],
        "errors": [c.error for c in result.scan.coverage if c.error],
    }


def collect_once(fake: FakeGcp, concurrency: int) -> dict[str, object]:
    """Every collection of every project (no checks, no metrics), ``concurrency`` at a time."""
    from cloudwaste.providers.gcp.collectors import COLLECTIONS

    before = len(fake.requests)
    provider = _provider()
    start = time.perf_counter()
    plan = provider.plan()
    sessions = [provider.open_unit(u, []) for u in plan.units]
    tasks = [(s, name) for s in sessions for name in sorted(COLLECTIONS)]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        items = sum(len(x) for x in pool.map(lambda t: t[0].collect(t[1]), tasks))
    wall = time.perf_counter() - start
    return {"wall_s": round(wall, 2), "items": items, "http_requests": len(fake.requests) - before}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("-n", type=int, default=200, help="resources per project")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="delay added to every request")
    parser.add_argument("--concurrency", type=int, action="append", help="engine concurrency (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--collect-only", action="store_true", help="time the collections only")
    args = parser.parse_args(argv)

    for key in [k for k in os.environ if k.startswith(("GOOGLE_", "CLOUDWASTE_", "CLOUDSDK_"))]:
        del os.environ[key]
    workdir = Path(tempfile.mkdtemp(prefix="cw-bench-gcp-"))
    fake = FakeGcp(page_size=1000).start()
    try:
        total = sum(populate(fake, f"bench-proj-{i:02d}", args.n) for i in range(args.projects))
        (workdir / "gcloud").mkdir()
        os.environ.update(
            {
                **fake.env(),
                "CLOUDSDK_CONFIG": str(workdir / "gcloud"),
                "GOOGLE_APPLICATION_CREDENTIALS": str(
                    make_key_file(workdir / "sa.json", f"{fake.url}/token")
                ),
            }
        )
        print(json.dumps({"estate": {"projects": args.projects, "resources": total}}), flush=True)
        fake.latency_ms = args.latency_ms
        for concurrency in args.concurrency or [8]:
            runner = collect_once if args.collect_only else scan_once
            runs = [runner(fake, concurrency) for _ in range(args.runs)]
            walls = [float(r["wall_s"]) for r in runs]  # type: ignore[arg-type]
            print(
                json.dumps(
                    {
                        "mode": "collect" if args.collect_only else "scan",
                        "concurrency": concurrency,
                        "latency_ms": args.latency_ms,
                        "wall_s": walls,
                        "median_s": round(statistics.median(walls), 2),
                        **{k: v for k, v in runs[-1].items() if k != "wall_s"},
                    }
                ),
                flush=True,
            )
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
