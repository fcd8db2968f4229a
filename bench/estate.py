"""Build a benchmark estate in a moto server: per region N volumes, N snapshots and N/10 Elastic IPs,
or (``--mixed``) N resources of six kinds: instances, volumes, snapshots, EIPs, NAT gateways, ALBs.

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


def build_mixed_region(url: str, region: str, n: int) -> dict[str, int]:
    """``n`` resources of six kinds in one region (the issue's "1,000 resources per region"):

    10% instances (t3.micro, their root volumes count as volumes), 40% volumes (the rest unattached,
    gp2 and gp3), 30% snapshots, 10% Elastic IPs, 5% NAT gateways (each on one of the EIPs) and 5%
    application load balancers (each with an empty target group)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name=region
    )
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=4)
    ec2 = session.client("ec2", endpoint_url=url, config=config)
    elbv2 = session.client("elbv2", endpoint_url=url, config=config)
    az = ec2.describe_availability_zones()["AvailabilityZones"][0]["ZoneName"]
    subnets = ec2.describe_subnets()["Subnets"]
    vpc = subnets[0]["VpcId"]
    counts = {
        "instances": n // 10,
        "volumes": n * 4 // 10,
        "snapshots": n * 3 // 10,
        "addresses": n // 10,
        "nat_gateways": n // 20,
        "load_balancers": n // 20,
    }
    if counts["instances"]:
        ec2.run_instances(
            ImageId="ami-0abcdef1234567890",
            InstanceType="t3.micro",
            MinCount=counts["instances"],
            MaxCount=counts["instances"],
        )
    unattached = [
        ec2.create_volume(AvailabilityZone=az, Size=8 + i % 100, VolumeType=("gp2", "gp3")[i % 2])["VolumeId"]
        for i in range(counts["volumes"] - counts["instances"])
    ]
    for i in range(counts["snapshots"]):
        ec2.create_snapshot(VolumeId=unattached[i % len(unattached)], Description="bench")
    eips = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(counts["addresses"])]
    for i in range(counts["nat_gateways"]):
        ec2.create_nat_gateway(SubnetId=subnets[i % len(subnets)]["SubnetId"], AllocationId=eips[i])
    pair = [s["SubnetId"] for s in subnets[:2]]
    for i in range(counts["load_balancers"]):
        lb = elbv2.create_load_balancer(Name=f"bench-{i}", Subnets=pair, Type="application")["LoadBalancers"][
            0
        ]
        tg = elbv2.create_target_group(Name=f"bench-{i}", Protocol="HTTP", Port=80, VpcId=vpc)[
            "TargetGroups"
        ][0]
        elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
        )
    counts["resources"] = sum(counts.values())
    return counts


def build(
    url: str,
    n_per_region: int,
    regions: tuple[str, ...] | list[str] = DEFAULT_REGIONS,
    *,
    mixed: bool = False,
) -> dict[str, Any]:
    """Build the estate in every region (in parallel); returns totals, per-region counts and seconds.

    ``mixed``: :func:`build_mixed_region` (``n_per_region`` resources of six kinds) instead of
    :func:`build_region` (``n_per_region`` volumes and snapshots)."""
    started = time.monotonic()
    builder = build_mixed_region if mixed else build_region
    with ThreadPoolExecutor(max_workers=len(regions) or 1) as pool:
        per_region = dict(
            zip(regions, pool.map(lambda r: builder(url, r, n_per_region), regions), strict=True)
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
    parser.add_argument("--mixed", action="store_true", help="n resources of six kinds per region")
    args = parser.parse_args(argv)
    result = build(args.url, args.n, tuple(args.region or DEFAULT_REGIONS), mixed=args.mixed)
    print({k: v for k, v in result.items() if k != "per_region"})


if __name__ == "__main__":
    main()
