"""The demo estate builds quickly and holds the waste and non-waste it documents."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudwaste.checks.context import aws_tags
from cloudwaste.demo.estate import DEMO_CREDENTIALS, DEMO_NOW, DEMO_REGIONS, build_estate, start_server
from tests.conftest import reset_moto
from tests.providers.aws.helpers import client


@pytest.fixture(scope="module")
def demo(moto_server: str) -> Iterator[dict[str, Any]]:
    """The estate built once into the session's moto; yields the counts, the build time and the URL."""
    with pytest.MonkeyPatch.context() as mp:
        reset_moto(moto_server)
        mp.setenv("AWS_ENDPOINT_URL", moto_server)
        for key, value in DEMO_CREDENTIALS.items():
            mp.setenv(key, value)
        started = time.monotonic()
        counts = build_estate(moto_server)
        yield {"counts": counts, "seconds": time.monotonic() - started, "url": moto_server}


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {aws_tags(i).get("Name", ""): i for i in items}


def age(when: datetime) -> float:
    return (DEMO_NOW - when).total_seconds() / 86400


def test_the_estate_builds_in_under_15_seconds(demo: dict[str, Any]) -> None:
    assert demo["seconds"] < 15
    assert demo["counts"] == {
        "regions": 3,
        "volumes": 15,
        "instances": 6,
        "snapshots": 6,
        "images": 2,
        "addresses": 5,
        "nat_gateways": 2,
        "load_balancers": 4,
    }


def test_unattached_volumes_have_the_documented_types_and_ages(demo: dict[str, Any]) -> None:
    found = {}
    for region in DEMO_REGIONS:
        for v in client("ec2", region).describe_volumes()["Volumes"]:
            if v["State"] == "available":
                found[aws_tags(v)["Name"]] = (region, v["VolumeType"], v["Size"], round(age(v["CreateTime"])))
    assert found == {
        "legacy-db-io1": ("us-east-1", "io1", 100, 400),
        "=SUM(A1:A2)": ("us-east-1", "gp2", 200, 120),
        "just-created": ("us-east-1", "gp3", 20, 2),
        "reports-eu": ("eu-west-1", "gp3", 30, 100),
        "staging-scratch": ("eu-west-1", "gp3", 50, 45),
        "ap-orphan": ("ap-southeast-2", "gp2", 100, 30),
    }


def test_the_stopped_instance_was_stopped_95_days_ago_with_a_volume_and_an_eip(demo: dict[str, Any]) -> None:
    ec2 = client("ec2")
    instances = by_name([i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]])
    batch = instances["[bold]batch-old[/bold]"]
    assert batch["State"]["Name"] == "stopped"
    stopped = (DEMO_NOW - timedelta(days=95)).strftime("%Y-%m-%d %H:%M:%S")
    assert batch["StateTransitionReason"] == f"User initiated ({stopped} UTC)"
    assert round(age(batch["LaunchTime"])) == 400
    assert len(batch["BlockDeviceMappings"]) == 2
    eips = by_name(ec2.describe_addresses()["Addresses"])
    assert eips["batch-old-ip"]["InstanceId"] == batch["InstanceId"]
    assert "AssociationId" not in eips["old-bastion-ip"]
    assert instances["web-1"]["State"]["Name"] == "running"
    assert instances["ami-builder"]["State"]["Name"] == "terminated"


def test_nat_gateways_idle_and_busy_with_their_eips_in_use(demo: dict[str, Any]) -> None:
    for region, name, busy in (("us-east-1", "nat-idle", False), ("eu-west-1", "nat-eu-busy", True)):
        ec2 = client("ec2", region)
        nat = by_name(ec2.describe_nat_gateways()["NatGateways"])[name]
        assert nat["State"] == "available"
        allocation = nat["NatGatewayAddresses"][0]["AllocationId"]
        eip = next(a for a in ec2.describe_addresses()["Addresses"] if a["AllocationId"] == allocation)
        assert eip.get("AssociationId")  # the NAT gateway's EIP is in use
        now = datetime.now(UTC)
        result = client("cloudwatch", region).get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "m0",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/NATGateway",
                            "MetricName": "BytesOutToDestination",
                            "Dimensions": [{"Name": "NatGatewayId", "Value": nat["NatGatewayId"]}],
                        },
                        "Period": 86400,
                        "Stat": "Sum",
                    },
                }
            ],
            StartTime=now - timedelta(days=30),
            EndTime=now,
        )["MetricDataResults"][0]
        assert len(result["Values"]) == 30
        assert (sum(result["Values"]) > 0) is busy


def test_snapshots_images_and_tags(demo: dict[str, Any]) -> None:
    ec2 = client("ec2")
    all_snaps = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    snaps = by_name(all_snaps)
    backup = snaps["db-1-backup"]
    assert backup["Description"].startswith("This snapshot is created by the AWS Backup service")
    assert "aws:backup:source-resource" in aws_tags(backup)
    orphan = snaps["scratch-final"]
    volumes = {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]}
    assert orphan["VolumeId"] not in volumes
    images = {i["Name"]: i for i in ec2.describe_images(Owners=["self"])["Images"]}
    assert set(images) == {"legacy-app-2025", "golden-2026"}
    backing = {m["Ebs"]["SnapshotId"] for i in images.values() for m in i["BlockDeviceMappings"]}
    assert len(backing) == 2 and backing <= {s["SnapshotId"] for s in all_snaps}
    running = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    assert images["golden-2026"]["ImageId"] in {
        i["ImageId"] for i in running if i["State"]["Name"] == "running"
    }


def test_load_balancers_with_and_without_targets(demo: dict[str, Any]) -> None:
    elbv2 = client("elbv2")
    groups = {g["TargetGroupName"]: g for g in elbv2.describe_target_groups()["TargetGroups"]}
    health = {
        name: elbv2.describe_target_health(TargetGroupArn=g["TargetGroupArn"])["TargetHealthDescriptions"]
        for name, g in groups.items()
    }
    assert len(health["shop-alb-tg"]) == 1 and health["promo-2025-alb-tg"] == []
    nlb = client("elbv2", "eu-west-1").describe_load_balancers()["LoadBalancers"]
    assert [(lb["LoadBalancerName"], lb["Type"]) for lb in nlb] == [("internal-nlb", "network")]
    clb = client("elb").describe_load_balancers()["LoadBalancerDescriptions"]
    assert [(lb["LoadBalancerName"], lb["Instances"], round(age(lb["CreatedTime"]))) for lb in clb] == [
        ("legacy-clb", [], 500)
    ]


def test_a_scan_of_the_demo_finds_the_documented_waste_and_nothing_in_use(demo: dict[str, Any]) -> None:
    from cloudwaste.checks.registry import load_checks
    from cloudwaste.engine.plan import select_checks
    from cloudwaste.engine.run import run_scan
    from cloudwaste.providers.aws import AwsOptions, AwsProvider

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ENDPOINT_URL", demo["url"])
        for key, value in DEMO_CREDENTIALS.items():
            mp.setenv(key, value)
        provider = AwsProvider(AwsOptions(regions=list(DEMO_REGIONS), max_attempts=1))
        result = run_scan([provider], select_checks(load_checks("aws")), now=DEMO_NOW)
    assert result.scan.status.value == "complete", [c.error for c in result.scan.coverage]
    flagged = {(f.check_id, f.resource.name or f.resource.id) for f in result.findings}
    expected = {
        ("aws.ebs.unattached_volume", "legacy-db-io1"),
        ("aws.ebs.unattached_volume", "=SUM(A1:A2)"),
        ("aws.ebs.unattached_volume", "staging-scratch"),
        ("aws.ebs.unattached_volume", "ap-orphan"),
        ("aws.ebs.gp2_volume", "db-1-data"),
        ("aws.ec2.stopped_instance", "[bold]batch-old[/bold]"),
        ("aws.ebs.volume_on_stopped_instance", "batch-old-data"),
        ("aws.ec2.unassociated_eip", "old-bastion-ip"),
        ("aws.ec2.unassociated_eip", "ap-unused-ip"),
        ("aws.ebs.old_snapshot", "web-1-pre-upgrade"),
        ("aws.ebs.orphan_snapshot", "scratch-final"),
        ("aws.ami.unused", "legacy-app-2025"),
        ("aws.elb.alb_no_targets", "promo-2025-alb"),
        ("aws.elb.nlb_no_targets", "internal-nlb"),
        ("aws.elb.clb_no_instances", "legacy-clb"),
        ("aws.vpc.idle_nat_gateway", "nat-idle"),
    }
    assert expected <= flagged, sorted(expected - flagged)
    # resources in use: no orphan or idle finding (a change that saves money, such as Graviton or a
    # VPC endpoint for a busy NAT gateway, is fair on a resource in use)
    in_use = {
        "just-created",
        "web-1",
        "web-1-data",
        "shop-alb",
        "nat-eu-busy",
        "db-1-backup",
        "golden-2026",
        "worker-ap",
        "nat-idle-eip",
        "nat-eu-busy-eip",
        "api-eu-1",
    }
    klass = {s.id: s.klass for s in load_checks("aws")}
    wasted = {name for check, name in flagged if klass[check] in ("orphan", "idle")}
    assert wasted & in_use == set()
    # an Elastic IP on an instance stopped for 95 days bills hourly: scenario #13 of the original
    assert ("aws.ec2.public_ip_on_unused_instance", "batch-old-ip") in flagged


def test_start_server_listens_on_loopback_only() -> None:
    server, url = start_server()
    try:
        assert url.startswith("http://127.0.0.1:")
    finally:
        server.stop()
