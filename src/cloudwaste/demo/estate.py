"""The demo estate: a small, realistic AWS account in an in-process moto server, waste and non-waste.

``cloudwaste demo`` calls :func:`start_server`, :func:`build_estate`, then scans the URL with the real
engine (``AWS_ENDPOINT_URL`` + fake credentials) evaluated at :data:`DEMO_NOW`. Resources are aged
relative to ``DEMO_NOW`` by creating them under freezegun (moto stamps CreateTime, StartTime,
LaunchTime, CreationDate, CreatedTime and a stopped instance's StateTransitionReason with the frozen
clock; the server thread shares the interpreter). NAT gateway traffic is put with PutMetricData over
the days before the *real* clock, because metric windows are read against it.

What is there (W = waste a check should report, ok = in use or too young):

us-east-1
  W  unattached gp2 200 GiB, 120 days, named ``=SUM(A1:A2)`` (a CSV-formula lookalike)
  W  unattached io1 100 GiB / 3,000 IOPS, 400 days
  ok unattached gp3 20 GiB, 2 days old
  ok web-1 running, root volume + gp3 data volume attached; ok web-2 running from AMI golden-2026
  W  db-1 running with an attached gp2 500 GiB volume (gp2 -> gp3 saving)
  W  ``[bold]batch-old[/bold]`` stopped 95 days ago, with its gp2 root, a gp3 200 GiB volume and an
     Elastic IP (instance roots are gp3 8 GiB unless said otherwise)
  W  an unassociated Elastic IP; ok the idle NAT gateway's Elastic IP
  W  NAT gateway with 30 days of zero traffic (routed)
  W  snapshot ``pre-upgrade backup`` 200 days old; W orphan snapshot (its volume was deleted)
  ok AWS Backup snapshot (tag and description); ok snapshots backing the AMIs
  W  AMI legacy-app-2025, 300 days old, unused; ok AMI golden-2026, 30 days old (web-2 runs it)
  ok ALB shop-alb with web-1 registered; W ALB promo-2025-alb whose target group has no targets
  W  classic ELB legacy-clb with no instances
eu-west-1
  W  unattached gp3 50 GiB, 45 days (Environment=staging)
  ok api-eu-1 running; ok NAT gateway with traffic (and its Elastic IP)
  W  NLB internal-nlb with an empty target group
  W  snapshot of reports-eu, 100 days old; W reports-eu itself, unattached gp3 30 GiB, 100 days
ap-southeast-2
  W  unattached gp2 100 GiB, 30 days; W an unassociated Elastic IP
  ok worker-ap stopped 5 days ago
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwaste.errors import MissingExtraError

DEMO_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
DEMO_NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DEMO_ACCOUNT = "123456789012"  # moto's account
DEMO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"}
_AMI = "ami-0abcdef1234567890"  # moto accepts any AMI id for RunInstances


def start_server() -> tuple[Any, str]:
    """A ThreadedMotoServer on 127.0.0.1 (free port): ``(server, url)``; stop it with ``server.stop()``."""

    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # else ~1,300 public AMIs per region
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise MissingExtraError("demo", "moto") from None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def _ago(days: float) -> datetime:
    return DEMO_NOW - timedelta(days=days)


@contextmanager
def _at(days_ago: float) -> Iterator[None]:
    """Run the block with the clock frozen ``days_ago`` days before DEMO_NOW."""
    try:
        from freezegun import freeze_time
    except ImportError:
        raise MissingExtraError("demo", "freezegun") from None
    with freeze_time(_ago(days_ago)):
        yield


def _tags(resource_type: str, name: str, env: str | None = None, **extra: str) -> list[dict[str, Any]]:
    tags = [{"Key": "Name", "Value": name}]
    if env:
        tags.append({"Key": "Environment", "Value": env})
    tags += [{"Key": k, "Value": v} for k, v in extra.items()]
    return [{"ResourceType": resource_type, "Tags": tags}]


class _Region:
    """boto3 clients for one region of the demo, against the moto URL."""

    def __init__(self, url: str, region: str) -> None:
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(
            aws_access_key_id="demo", aws_secret_access_key="demo", region_name=region
        )
        config = Config(retries={"total_max_attempts": 1})
        self.region = region
        self.ec2: Any = session.client("ec2", endpoint_url=url, config=config)
        self.elbv2: Any = session.client("elbv2", endpoint_url=url, config=config)
        self.elb: Any = session.client("elb", endpoint_url=url, config=config)
        self.cloudwatch: Any = session.client("cloudwatch", endpoint_url=url, config=config)
        subnets = self.ec2.describe_subnets()["Subnets"]
        self.vpc: str = subnets[0]["VpcId"]
        self.subnets: list[str] = [s["SubnetId"] for s in subnets[:2]]
        self.az: str = subnets[0]["AvailabilityZone"]

    def volume(self, size: int, vtype: str, name: str, env: str | None = None, **kw: Any) -> str:
        return str(
            self.ec2.create_volume(
                AvailabilityZone=self.az,
                Size=size,
                VolumeType=vtype,
                TagSpecifications=_tags("volume", name, env),
                **kw,
            )["VolumeId"]
        )

    def instance(
        self, name: str, env: str, itype: str = "t3.medium", image: str = _AMI, root: str = "gp3"
    ) -> str:
        root_disk = {"VolumeSize": 8, "VolumeType": root, "DeleteOnTermination": True}
        return str(
            self.ec2.run_instances(
                ImageId=image,
                InstanceType=itype,
                MinCount=1,
                MaxCount=1,
                SubnetId=self.subnets[0],
                BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": root_disk}],
                TagSpecifications=_tags("instance", name, env) + _tags("volume", f"{name}-root", env),
            )["Instances"][0]["InstanceId"]
        )

    def attach(self, volume: str, instance: str, device: str) -> None:
        self.ec2.attach_volume(VolumeId=volume, InstanceId=instance, Device=device)

    def eip(self, name: str) -> str:
        return str(
            self.ec2.allocate_address(Domain="vpc", TagSpecifications=_tags("elastic-ip", name))[
                "AllocationId"
            ]
        )

    def nat(self, name: str, env: str) -> str:
        allocation = self.eip(f"{name}-eip")
        nat = self.ec2.create_nat_gateway(
            SubnetId=self.subnets[0],
            AllocationId=allocation,
            TagSpecifications=_tags("natgateway", name, env),
        )["NatGateway"]["NatGatewayId"]
        # the private subnet's route table sends internet traffic through the NAT gateway
        table = self.ec2.create_route_table(
            VpcId=self.vpc, TagSpecifications=_tags("route-table", f"{name}-private", env)
        )["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=self.subnets[-1])
        return str(nat)

    def snapshot(self, volume: str, description: str, name: str, **extra: str) -> str:
        return str(
            self.ec2.create_snapshot(
                VolumeId=volume,
                Description=description,
                TagSpecifications=_tags("snapshot", name, None, **extra),
            )["SnapshotId"]
        )

    def load_balancer(self, name: str, lb_type: str, env: str, targets: list[str]) -> str:
        scheme = "internal" if name.startswith("internal") else "internet-facing"
        lb = self.elbv2.create_load_balancer(
            Name=name,
            Subnets=self.subnets,
            Type=lb_type,
            Scheme=scheme,
            Tags=[{"Key": "Environment", "Value": env}],
        )["LoadBalancers"][0]["LoadBalancerArn"]
        protocol = "HTTP" if lb_type == "application" else "TCP"
        tg = self.elbv2.create_target_group(
            Name=f"{name}-tg", Protocol=protocol, Port=80, VpcId=self.vpc, TargetType="instance"
        )["TargetGroups"][0]["TargetGroupArn"]
        self.elbv2.create_listener(
            LoadBalancerArn=lb,
            Protocol=protocol,
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
        )
        if targets:
            self.elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": t} for t in targets])
        return str(lb)

    def nat_traffic(self, nat: str, bytes_per_day: float, connections: float, days: int = 30) -> int:
        """Daily NAT gateway datapoints for the ``days`` before the real clock (moto keeps no metrics)."""
        now = datetime.now(UTC)
        data = []
        for day in range(1, days + 1):
            stamp = now - timedelta(days=day) + timedelta(minutes=5)
            for metric, value, unit in (
                ("BytesOutToDestination", bytes_per_day, "Bytes"),
                ("BytesInFromSource", bytes_per_day / 4, "Bytes"),
                ("ActiveConnectionCount", connections, "Count"),
            ):
                data.append(
                    {
                        "MetricName": metric,
                        "Dimensions": [{"Name": "NatGatewayId", "Value": nat}],
                        "Timestamp": stamp,
                        "Value": value,
                        "Unit": unit,
                    }
                )
        for start in range(0, len(data), 500):
            self.cloudwatch.put_metric_data(Namespace="AWS/NATGateway", MetricData=data[start : start + 500])
        return 3


def _us_east_1(r: _Region) -> None:
    with _at(400):
        r.volume(100, "io1", "legacy-db-io1", "prod", Iops=3000)
        batch = r.instance("[bold]batch-old[/bold]", "prod", "m5.large", root="gp2")
    with _at(300):
        builder = r.instance("ami-builder", "build")
        r.ec2.create_image(InstanceId=builder, Name="legacy-app-2025")
    with _at(200):
        web = r.instance("web-1", "prod")
        web_data = r.volume(100, "gp3", "web-1-data", "prod")
        r.attach(web_data, web, "/dev/sdf")
        r.load_balancer("shop-alb", "application", "prod", [web])
        r.nat("nat-idle", "prod")
        db = r.instance("db-1", "prod", "r5.large")
        db_data = r.volume(500, "gp2", "db-1-data", "prod")
        r.attach(db_data, db, "/dev/sdf")
        r.snapshot(web_data, "pre-upgrade backup", "web-1-pre-upgrade")
    with _at(180):
        r.snapshot(
            db_data,
            "This snapshot is created by the AWS Backup service.",
            "db-1-backup",
            **{"aws:backup:source-resource": f"arn:aws:ec2:{r.region}:{DEMO_ACCOUNT}:volume/{db_data}"},
        )
    with _at(150):
        gone = r.volume(40, "gp3", "scratch", "dev")
        r.snapshot(gone, "scratch before cleanup", "scratch-final")
        r.ec2.delete_volume(VolumeId=gone)
        batch_data = r.volume(200, "gp3", "batch-old-data", "prod")
        r.attach(batch_data, batch, "/dev/sdf")
        batch_ip = r.eip("batch-old-ip")
        r.ec2.associate_address(AllocationId=batch_ip, InstanceId=batch)
    with _at(120):
        r.volume(200, "gp2", "=SUM(A1:A2)", "dev")
        r.load_balancer("promo-2025-alb", "application", "marketing", [])
        r.eip("old-bastion-ip")
    with _at(95):
        r.ec2.stop_instances(InstanceIds=[batch])
    with _at(500):
        r.elb.create_load_balancer(
            LoadBalancerName="legacy-clb",
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
            AvailabilityZones=[r.az],
            Tags=[{"Key": "Environment", "Value": "legacy"}],
        )
    with _at(30):
        golden = r.ec2.create_image(InstanceId=builder, Name="golden-2026")["ImageId"]
        r.ec2.terminate_instances(InstanceIds=[builder])
        r.instance("web-2", "prod", image=golden)
    with _at(2):
        r.volume(20, "gp3", "just-created", "dev")


def _eu_west_1(r: _Region) -> None:
    with _at(200):
        r.instance("api-eu-1", "prod")
        busy = r.nat("nat-eu-busy", "prod")
    with _at(100):
        vol = r.volume(30, "gp3", "reports-eu", "prod")
        r.snapshot(vol, "monthly reports", "reports-eu-snap")
    with _at(90):
        r.load_balancer("internal-nlb", "network", "staging", [])
    with _at(45):
        r.volume(50, "gp3", "staging-scratch", "staging")
    r.nat_traffic(busy, bytes_per_day=5.0e9, connections=120.0)


def _ap_southeast_2(r: _Region) -> None:
    with _at(60):
        worker = r.instance("worker-ap", "prod", "c5.large")
    with _at(30):
        r.volume(100, "gp2", "ap-orphan", "dev")
        r.eip("ap-unused-ip")
    with _at(5):
        r.ec2.stop_instances(InstanceIds=[worker])


def build_estate(url: str) -> dict[str, int]:
    """Create the estate in the moto server at ``url``; returns resource counts over all regions."""
    regions = {name: _Region(url, name) for name in DEMO_REGIONS}
    _us_east_1(regions["us-east-1"])
    _eu_west_1(regions["eu-west-1"])
    _ap_southeast_2(regions["ap-southeast-2"])
    idle = regions["us-east-1"].ec2.describe_nat_gateways(
        Filters=[{"Name": "tag:Name", "Values": ["nat-idle"]}]
    )["NatGateways"][0]["NatGatewayId"]
    regions["us-east-1"].nat_traffic(idle, bytes_per_day=0.0, connections=0.0)
    return _count(regions.values())


def _count(regions: Any) -> dict[str, int]:
    counts = dict.fromkeys(
        ("volumes", "instances", "snapshots", "images", "addresses", "nat_gateways", "load_balancers"), 0
    )
    counts["regions"] = 0
    for r in regions:
        counts["regions"] += 1
        counts["volumes"] += len(r.ec2.describe_volumes()["Volumes"])
        counts["instances"] += sum(
            1
            for res in r.ec2.describe_instances()["Reservations"]
            for i in res["Instances"]
            if i["State"]["Name"] != "terminated"
        )
        counts["snapshots"] += len(r.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"])
        counts["images"] += len(r.ec2.describe_images(Owners=["self"])["Images"])
        counts["addresses"] += len(r.ec2.describe_addresses()["Addresses"])
        counts["nat_gateways"] += len(r.ec2.describe_nat_gateways()["NatGateways"])
        counts["load_balancers"] += len(r.elbv2.describe_load_balancers()["LoadBalancers"]) + len(
            r.elb.describe_load_balancers()["LoadBalancerDescriptions"]
        )
    return counts
