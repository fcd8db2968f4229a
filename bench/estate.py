"""Build a benchmark estate in a moto server: per region N volumes, N snapshots and N/10 Elastic IPs.

A third of the volumes are in use: they are the root volumes of instances launched in one
``RunInstances`` call; the rest are unattached. Snapshots are taken of the unattached volumes (one
``CreateSnapshot`` each) and of the instances (``CreateSnapshots``, one call per instance, covering its
volumes) until there are N. Regions are built in parallel threads. Nothing is backdated (that needs
freezegun): evaluate the scan with ``now`` a month ahead (``--now``) so age rules fire.

    python bench/estate.py --url http://127.0.0.1:5000 -n 300
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

DEFAULT_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")


def _clients(url: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name=region
    )
    return session.client(
        "ec2", endpoint_url=url, config=Config(retries={"total_max_attempts": 1}, max_pool_connections=4)
    )


def build_region(url: str, region: str, n: int) -> dict[str, int]:
    """The estate of one region; returns its counts."""
    ec2 = _clients(url, region)
    az = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    in_use = n // 3
    instances: list[str] = []
    if in_use:
        reservation = ec2.run_instances(
            ImageId="ami-0abcdef1234567890", InstanceType="t3.micro", MinCount=in_use, MaxCount=in_use
        )
        instances = [i["InstanceId"] for i in reservation["Instances"]]
    unattached = [
        ec2.create_volume(AvailabilityZone=az, Size=8 + i % 100, VolumeType=("gp2", "gp3")[i % 2])["VolumeId"]
        for i in range(n - in_use)
    ]
    snapshots = 0
    for volume in unattached:
        if snapshots >= n:
            break
        ec2.create_snapshot(VolumeId=volume, Description="bench")
        snapshots += 1
    for instance in instances:
        if snapshots >= n:
            break
        snapshots += len(ec2.create_snapshots(InstanceSpecification={"InstanceId": instance})["Snapshots"])
    for _ in range(n // 10):
        ec2.allocate_address(Domain="vpc")
    return {
        "volumes": n,
        "in_use_volumes": in_use,
        "unattached_volumes": len(unattached),
        "snapshots": snapshots,
        "addresses": n // 10,
    }


def build(
    url: str, n_per_region: int, regions: tuple[str, ...] | list[str] = DEFAULT_REGIONS
) -> dict[str, Any]:
    """Build the estate in every region (in parallel); returns totals, per-region counts and seconds."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(regions) or 1) as pool:
        per_region = dict(
            zip(regions, pool.map(lambda r: build_region(url, r, n_per_region), regions), strict=True)
        )
    totals: dict[str, Any] = {
        key: sum(counts[key] for counts in per_region.values()) for key in next(iter(per_region.values()), {})
    }
    totals["regions"] = len(regions)
    totals["per_region"] = per_region
    totals["seconds"] = round(time.monotonic() - started, 2)
    return totals


def main(argv: list[str] | None = None) -> None:
    """``python bench/estate.py --url URL -n N [-r REGION ...]``"""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="moto server URL")
    parser.add_argument("-n", type=int, default=100, help="volumes (and snapshots) per region")
    parser.add_argument("-r", "--region", action="append", help="region (repeatable); default: 3 regions")
    args = parser.parse_args(argv)
    result = build(args.url, args.n, tuple(args.region or DEFAULT_REGIONS))
    print({k: v for k, v in result.items() if k != "per_region"})


if __name__ == "__main__":
    main()
