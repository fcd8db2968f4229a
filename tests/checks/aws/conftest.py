"""Builders of API-shaped AWS items (as boto3 returns them) and a runner for the AWS checks.

Field names, states and formats follow the EC2, ELBv2 and ELB API references: timestamps are tz-aware
datetimes (botocore parses them) except the AMI ``CreationDate``/``LastLaunchedTime``, which the API
returns as ISO 8601 strings; stop dates live in ``StateTransitionReason``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudwaste.checks.context import CheckContext, Hit, MetricKey, MetricSeries
from cloudwaste.checks.registry import get_check
from cloudwaste.engine.plan import SelectedCheck
from cloudwaste.engine.run import make_finding
from cloudwaste.model import Finding
from cloudwaste.pricing.book import PriceBook
from cloudwaste.providers.base import ScopeUnit

NOW = datetime(2026, 11, 30, tzinfo=UTC)
ACCOUNT = "123456789012"
REGION = "us-east-1"
ELB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}"
COLLECTIONS = (
    "ec2:volumes",
    "ec2:instances",
    "ec2:snapshots",
    "ec2:images",
    "ec2:launch_template_versions",
    "ec2:addresses",
    "ec2:network_interfaces",
    "ec2:nat_gateways",
    "ec2:route_tables",
    "elbv2:load_balancers",
    "elbv2:target_groups",
    "elb:load_balancers",
    "ec2:security_groups",
    "ec2:subnets",
    "ec2:internet_gateways",
    "ec2:vpc_endpoints",
    "elbv2:listeners",
    "elbv2:load_balancer_attributes",
    "rds:db_instances",
)
STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


class Aws:
    """What the check tests build their estates with."""

    now = NOW
    account = ACCOUNT
    region = REGION

    def ago(self, days: float = 0, **delta: float) -> datetime:
        """``now`` minus ``days`` (and any other timedelta fields)."""
        return NOW - timedelta(days=days, **delta)

    # --- running checks ---------------------------------------------------------------------------

    def run(
        self,
        check_id: str,
        *,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[MetricKey, MetricSeries] | None = None,
        region: str = REGION,
        prices: PriceBook | None = None,
        **collections: Iterable[Mapping[str, Any]],
    ) -> list[Hit]:
        """Run one registered check over the given collections (every other collection is empty)."""
        spec = get_check(check_id)
        data: dict[str, list[Mapping[str, Any]]] = {name: [] for name in COLLECTIONS}
        for key, items in collections.items():
            name = key.replace("__", ":")
            assert name in data, f"unknown collection {name}"
            data[name] = list(items)
        ctx = CheckContext.static(
            data, now=NOW, metrics=metrics, account=ACCOUNT, region=region, prices=prices
        )
        return list(spec.run(ctx, spec.params(**(params or {}))))

    def findings(self, check_id: str, hits: Iterable[Hit]) -> list[Finding]:
        """The engine's findings for ``hits`` (what the report totals, with cost_includes/cost_group)."""
        spec = get_check(check_id)
        selected = SelectedCheck(spec=spec, params=spec.params())
        unit = ScopeUnit(provider="aws", scope=ACCOUNT, region=REGION)
        return [make_finding(selected, unit, hit) for hit in hits]

    # --- EC2 / EBS --------------------------------------------------------------------------------

    def volume(
        self,
        vid: str,
        *,
        size: int = 100,
        vtype: str = "gp3",
        age: float = 30,
        attached_to: Iterable[str] = (),
        iops: int | None = None,
        throughput: int | None = None,
        tags: Mapping[str, str] | None = None,
        state: str | None = None,
        snapshot_id: str = "",
    ) -> dict[str, Any]:
        """A DescribeVolumes item; ``attached_to`` instance ids make it ``in-use``."""
        created = self.ago(age)
        attachments = [
            {
                "AttachTime": created,
                "Device": "/dev/xvda" if n == 0 else f"/dev/sd{chr(102 + n)}",
                "InstanceId": iid,
                "State": "attached",
                "VolumeId": vid,
                "DeleteOnTermination": True,
            }
            for n, iid in enumerate(attached_to)
        ]
        vol: dict[str, Any] = {
            "Attachments": attachments,
            "AvailabilityZone": "us-east-1a",
            "CreateTime": created,
            "Encrypted": False,
            "Size": size,
            "SnapshotId": snapshot_id,
            "State": state or ("in-use" if attachments else "available"),
            "VolumeId": vid,
            "VolumeType": vtype,
            "MultiAttachEnabled": len(attachments) > 1,
        }
        if vtype == "gp3":
            vol["Iops"] = iops or 3000
            vol["Throughput"] = throughput or 125
        elif vtype == "gp2":
            vol["Iops"] = max(100, min(16000, 3 * size))
        elif vtype in ("io1", "io2"):
            vol["Iops"] = iops or 1000
        if tags:
            vol["Tags"] = _tags(tags)
        return vol

    def instance(
        self,
        iid: str,
        *,
        state: str = "running",
        stopped_days: float | None = None,
        reason: str | None = None,
        volumes: Iterable[str] = (),
        itype: str = "t3.micro",
        image_id: str = "ami-0000000000000000a",
        launched_days: float = 400,
        enis: Iterable[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A DescribeInstances item; ``stopped_days`` writes the real AWS stop reason with its GMT date."""
        if reason is None:
            reason = ""
            if stopped_days is not None:
                state = "stopped"
                when = self.ago(stopped_days).strftime("%Y-%m-%d %H:%M:%S")
                reason = f"User initiated ({when} GMT)"
        inst: dict[str, Any] = {
            "InstanceId": iid,
            "ImageId": image_id,
            "InstanceType": itype,
            "LaunchTime": self.ago(launched_days),
            "State": {"Code": STATE_CODES[state], "Name": state},
            "StateTransitionReason": reason,
            "RootDeviceType": "ebs",
            "RootDeviceName": "/dev/xvda",
            "BlockDeviceMappings": [
                {
                    "DeviceName": "/dev/xvda" if n == 0 else f"/dev/sd{chr(102 + n)}",
                    "Ebs": {
                        "AttachTime": self.ago(launched_days),
                        "DeleteOnTermination": True,
                        "Status": "attached",
                        "VolumeId": vid,
                    },
                }
                for n, vid in enumerate(volumes)
            ],
            "NetworkInterfaces": [{"NetworkInterfaceId": eni, "Status": "in-use"} for eni in enis],
        }
        if state == "stopped":
            inst["StateReason"] = {
                "Code": "Client.UserInitiatedShutdown",
                "Message": "User initiated shutdown",
            }
        if tags:
            inst["Tags"] = _tags(tags)
        return inst

    def snapshot(
        self,
        sid: str,
        *,
        volume_id: str = "vol-0deleted00000000",
        size: int = 8,
        age: float = 120,
        state: str = "completed",
        description: str = "",
        tags: Mapping[str, str] | None = None,
        tier: str | None = None,
        full_bytes: int | None = None,
    ) -> dict[str, Any]:
        """A DescribeSnapshots (OwnerIds=self) item."""
        snap: dict[str, Any] = {
            "Description": description,
            "Encrypted": False,
            "OwnerId": ACCOUNT,
            "Progress": "100%" if state == "completed" else "42%",
            "SnapshotId": sid,
            "StartTime": self.ago(age),
            "State": state,
            "VolumeId": volume_id,
            "VolumeSize": size,
            "StorageTier": tier or "standard",
        }
        if full_bytes is not None:
            snap["FullSnapshotSizeInBytes"] = full_bytes
        if tags:
            snap["Tags"] = _tags(tags)
        return snap

    def image(
        self,
        ami: str,
        *,
        snapshots: Iterable[tuple[str, int]] = (("snap-0ami0000000000001", 8),),
        age: float = 200,
        last_launched_days: float | None = None,
        state: str = "available",
        public: bool = False,
        name: str | None = None,
        root: str = "ebs",
    ) -> dict[str, Any]:
        """A DescribeImages (Owners=self) item; its dates are ISO 8601 strings, as the API returns them."""
        iso = "%Y-%m-%dT%H:%M:%S.000Z"
        image: dict[str, Any] = {
            "Architecture": "x86_64",
            "CreationDate": self.ago(age).strftime(iso),
            "ImageId": ami,
            "ImageLocation": f"{ACCOUNT}/{name or ami}",
            "ImageType": "machine",
            "Public": public,
            "OwnerId": ACCOUNT,
            "State": state,
            "Name": name or f"image-{ami}",
            "RootDeviceType": root,
            "RootDeviceName": "/dev/xvda",
            "VirtualizationType": "hvm",
            "BlockDeviceMappings": [
                {
                    "DeviceName": "/dev/xvda" if n == 0 else f"/dev/sd{chr(102 + n)}",
                    "Ebs": {
                        "DeleteOnTermination": True,
                        "SnapshotId": sid,
                        "VolumeSize": size,
                        "VolumeType": "gp3",
                        "Encrypted": False,
                    },
                }
                for n, (sid, size) in enumerate(snapshots)
            ],
        }
        if last_launched_days is not None:
            image["LastLaunchedTime"] = self.ago(last_launched_days).strftime(iso)
        return image

    def lt_version(
        self, lt_id: str, version: int = 1, *, image_id: str | None = None, snapshot_ids: Iterable[str] = ()
    ) -> dict[str, Any]:
        """A DescribeLaunchTemplateVersions item."""
        data: dict[str, Any] = {"InstanceType": "t3.micro"}
        if image_id:
            data["ImageId"] = image_id
        mappings = [
            {"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": sid, "VolumeSize": 8}} for sid in snapshot_ids
        ]
        if mappings:
            data["BlockDeviceMappings"] = mappings
        return {
            "LaunchTemplateId": lt_id,
            "LaunchTemplateName": f"tpl-{lt_id}",
            "VersionNumber": version,
            "CreateTime": self.ago(300),
            "CreatedBy": f"arn:aws:iam::{ACCOUNT}:user/alice",
            "DefaultVersion": version == 1,
            "LaunchTemplateData": data,
        }

    def address(
        self,
        alloc: str,
        ip: str = "203.0.113.10",
        *,
        instance_id: str | None = None,
        eni: str | None = None,
        association: str | None = None,
        pool: str = "amazon",
        service_managed: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A DescribeAddresses item (VPC domain)."""
        addr: dict[str, Any] = {
            "AllocationId": alloc,
            "Domain": "vpc",
            "PublicIp": ip,
            "PublicIpv4Pool": pool,
            "NetworkBorderGroup": REGION,
        }
        if instance_id:
            addr["InstanceId"] = instance_id
        if eni:
            addr |= {
                "NetworkInterfaceId": eni,
                "NetworkInterfaceOwnerId": ACCOUNT,
                "PrivateIpAddress": "10.0.1.5",
            }
        if association:
            addr["AssociationId"] = association
        if service_managed:
            addr["ServiceManaged"] = service_managed
        if tags:
            addr["Tags"] = _tags(tags)
        return addr

    def network_interface(
        self,
        eni: str,
        *,
        status: str = "available",
        instance_id: str | None = None,
        requester_managed: bool = False,
        interface_type: str = "interface",
        requester_id: str | None = None,
        allocation: str | None = None,
    ) -> dict[str, Any]:
        """A DescribeNetworkInterfaces item; ``instance_id`` attaches it (status ``in-use``)."""
        item: dict[str, Any] = {
            "AvailabilityZone": "us-east-1a",
            "Description": "",
            "Groups": [{"GroupId": "sg-0default", "GroupName": "default"}],
            "InterfaceType": interface_type,
            "MacAddress": "02:00:00:00:00:01",
            "NetworkInterfaceId": eni,
            "OwnerId": ACCOUNT,
            "PrivateIpAddress": "10.0.1.5",
            "RequesterManaged": requester_managed,
            "SourceDestCheck": True,
            "Status": status,
            "SubnetId": "subnet-0a",
            "TagSet": [],
            "VpcId": "vpc-0main",
        }
        if requester_id:
            item["RequesterId"] = requester_id
        if instance_id:
            item["Attachment"] = {
                "AttachTime": self.ago(100),
                "AttachmentId": f"eni-attach-{eni}",
                "DeleteOnTermination": False,
                "DeviceIndex": 1,
                "InstanceId": instance_id,
                "InstanceOwnerId": ACCOUNT,
                "Status": "attached",
            }
        if allocation:
            item["Association"] = {
                "AllocationId": allocation,
                "AssociationId": f"eipassoc-{eni}",
                "IpOwnerId": ACCOUNT,
                "PublicIp": "203.0.113.10",
            }
        return item

    # --- VPC --------------------------------------------------------------------------------------

    def nat(
        self,
        nat_id: str,
        *,
        age: float = 60,
        state: str = "available",
        allocations: Iterable[str] = ("eipalloc-0nat0000000000001",),
        private: bool = False,
        regional_zones: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """A DescribeNatGateways item; a public one carries its EIPs in NatGatewayAddresses."""
        addresses: list[dict[str, Any]] = []
        if private:
            addresses = [{"NetworkInterfaceId": "eni-0nat", "PrivateIp": "10.0.0.9", "IsPrimary": True}]
        else:
            zones = list(regional_zones or [])
            for n, alloc in enumerate(allocations):
                entry: dict[str, Any] = {
                    "AllocationId": alloc,
                    "NetworkInterfaceId": f"eni-0nat{n}",
                    "PrivateIp": f"10.0.0.{9 + n}",
                    "PublicIp": f"198.51.100.{10 + n}",
                    "AssociationId": f"eipassoc-0nat{n}",
                    "IsPrimary": n == 0,
                    "Status": "succeeded",
                }
                if zones:
                    entry["AvailabilityZone"] = zones[n % len(zones)]
                addresses.append(entry)
        nat: dict[str, Any] = {
            "CreateTime": self.ago(age),
            "NatGatewayAddresses": addresses,
            "NatGatewayId": nat_id,
            "State": state,
            "SubnetId": "subnet-0public",
            "VpcId": "vpc-0main",
            "ConnectivityType": "private" if private else "public",
        }
        if regional_zones is not None:
            nat["AvailabilityMode"] = "regional"
        return nat

    def route_table(
        self,
        rtb_id: str,
        *,
        nat_ids: Iterable[str] = (),
        main: bool = False,
        subnets: Iterable[str] = ("subnet-0a",),
    ) -> dict[str, Any]:
        """A DescribeRouteTables item with a local route and a default route per NAT gateway."""
        routes: list[dict[str, Any]] = [
            {
                "DestinationCidrBlock": "10.0.0.0/16",
                "GatewayId": "local",
                "Origin": "CreateRouteTable",
                "State": "active",
            }
        ]
        routes += [
            {
                "DestinationCidrBlock": "0.0.0.0/0",
                "NatGatewayId": n,
                "Origin": "CreateRoute",
                "State": "active",
            }
            for n in nat_ids
        ]
        associations: list[dict[str, Any]] = [
            {
                "Main": False,
                "RouteTableAssociationId": f"rtbassoc-{rtb_id}-{s}",
                "RouteTableId": rtb_id,
                "SubnetId": s,
                "AssociationState": {"State": "associated"},
            }
            for s in subnets
        ]
        if main:
            associations.append(
                {
                    "Main": True,
                    "RouteTableAssociationId": f"rtbassoc-{rtb_id}-main",
                    "RouteTableId": rtb_id,
                    "AssociationState": {"State": "associated"},
                }
            )
        return {"RouteTableId": rtb_id, "VpcId": "vpc-0main", "Routes": routes, "Associations": associations}

    def nat_metrics(
        self,
        nat_id: str,
        *,
        out: Iterable[float] | None = (),
        inn: Iterable[float] | None = (),
        conn: Iterable[float] | None = (),
        back: Iterable[float] | None = (),
        window_days: int = 30,
    ) -> dict[MetricKey, MetricSeries]:
        """Daily series keyed as the check's queries key them; None leaves a series out (no datapoints).

        An empty iterable means ``window_days`` zero datapoints; ``back`` is BytesInFromDestination.
        """
        from cloudwaste.checks.aws.vpc import IdleNatParams, nat_queries

        values = {
            "BytesOutToDestination": out,
            "BytesInFromSource": inn,
            "ActiveConnectionCount": conn,
            "BytesInFromDestination": back,
        }
        result: dict[MetricKey, MetricSeries] = {}
        for query in nat_queries(IdleNatParams(window_days=window_days)):
            given = values[query.metric]
            if given is None:
                continue
            points = list(given) or [0.0] * window_days
            stamps = tuple(self.ago(len(points) - n) for n in range(len(points)))
            result[query.key(nat_id)] = MetricSeries(
                timestamps=stamps,
                values=tuple(float(v) for v in points),
                stat=query.stat,
                period_s=query.period_s,
                days=query.days,
            )
        return result

    # --- ELB --------------------------------------------------------------------------------------

    def lb(
        self,
        name: str,
        *,
        lb_type: str = "application",
        age: float = 60,
        state: str = "active",
        scheme: str = "internet-facing",
        zones: Iterable[str] = ("us-east-1a",),
        eips: Mapping[str, str] | None = None,
        ip_type: str = "ipv4",
    ) -> dict[str, Any]:
        """An elbv2 DescribeLoadBalancers item; ``eips`` maps zone names to NLB Elastic IP allocations."""
        kind = {"application": "app", "network": "net", "gateway": "gwy"}[lb_type]
        availability_zones: list[dict[str, Any]] = []
        for n, zone in enumerate(zones):
            entry: dict[str, Any] = {"ZoneName": zone, "SubnetId": f"subnet-0{chr(97 + n)}"}
            if lb_type == "network":  # an NLB zone lists the Elastic IP it was given, if any
                allocation = (eips or {}).get(zone)
                entry["LoadBalancerAddresses"] = (
                    [{"IpAddress": f"198.51.100.{20 + n}", "AllocationId": allocation}] if allocation else []
                )
            availability_zones.append(entry)
        return {
            "LoadBalancerArn": f"{ELB_ARN}:loadbalancer/{kind}/{name}/50dc6c495c0c9188",
            "DNSName": f"{name}-1234567890.{REGION}.elb.amazonaws.com",
            "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K",
            "CreatedTime": self.ago(age),
            "LoadBalancerName": name,
            "Scheme": scheme,
            "VpcId": "vpc-0main",
            "State": {"Code": state},
            "Type": lb_type,
            "AvailabilityZones": availability_zones,
            "IpAddressType": ip_type,
        }

    def target_group(
        self,
        name: str,
        lbs: Iterable[Mapping[str, Any]] = (),
        *,
        targets: Iterable[str] = (),
        target_type: str = "instance",
        health: str = "healthy",
    ) -> dict[str, Any]:
        """An elbv2 DescribeTargetGroups item with its DescribeTargetHealth descriptions added."""

        def description(target: str) -> dict[str, Any]:
            entry: dict[str, Any] = {"Target": {"Id": target}, "TargetHealth": {"State": health}}
            if target_type != "lambda":
                entry["Target"]["Port"] = 80
                entry["HealthCheckPort"] = "80"
            return entry

        group: dict[str, Any] = {
            "TargetGroupArn": f"{ELB_ARN}:targetgroup/{name}/73e2d6bc24d8a067",
            "TargetGroupName": name,
            "TargetType": target_type,
            "LoadBalancerArns": [lb["LoadBalancerArn"] for lb in lbs],
            "TargetHealthDescriptions": [description(t) for t in targets],
        }
        if target_type != "lambda":  # a Lambda target group has no protocol, port or VPC
            group |= {"Protocol": "HTTP", "Port": 80, "VpcId": "vpc-0main"}
        return group

    def classic_lb(self, name: str, *, instances: Iterable[str] = (), age: float = 60) -> dict[str, Any]:
        """An elb (classic) DescribeLoadBalancers item."""
        return {
            "LoadBalancerName": name,
            "DNSName": f"{name}-1234567890.{REGION}.elb.amazonaws.com",
            "CanonicalHostedZoneNameID": "Z35SXDOTRQ7X7K",
            "ListenerDescriptions": [
                {
                    "Listener": {
                        "Protocol": "HTTP",
                        "LoadBalancerPort": 80,
                        "InstanceProtocol": "HTTP",
                        "InstancePort": 80,
                    },
                    "PolicyNames": [],
                }
            ],
            "AvailabilityZones": ["us-east-1a"],
            "Subnets": ["subnet-0a"],
            "VPCId": "vpc-0main",
            "Instances": [{"InstanceId": i} for i in instances],
            "CreatedTime": self.ago(age),
            "Scheme": "internet-facing",
        }


@pytest.fixture
def estate() -> Aws:
    """The AWS estate builder and check runner (not the moto ``aws`` fixture of tests/conftest.py)."""
    return Aws()


def assert_reason(hit: Hit) -> None:
    """A reason is one sentence ending with a period (shared by every test module through ``hit_ok``)."""
    assert hit.reason.endswith("."), hit.reason
    assert "\n" not in hit.reason


@pytest.fixture
def hit_ok() -> Any:
    """Checks the parts every hit must have: a reason sentence, a resource id, and an ARN."""

    def check(hit: Hit) -> Hit:
        assert_reason(hit)
        assert hit.resource.id
        assert hit.resource.arn and hit.resource.arn.startswith("arn:aws:")
        return hit

    return check


# --- metric series for the EBS / EIP checks (engineer A) ---------------------------------------------


def metric_series(
    query: Any, resource_id: str, values: Iterable[float], *, ending_days_ago: float = 0
) -> dict[MetricKey, MetricSeries]:
    """One series keyed as ``query`` keys it for ``resource_id``: ``values`` oldest first, one per period,
    timestamps at period starts (as CloudWatch returns them), the last period ending ``ending_days_ago``
    before NOW. An empty ``values`` gives no series at all (no datapoints: unknown)."""
    points = [float(v) for v in values]
    if not points:
        return {}
    end = NOW - timedelta(days=ending_days_ago)
    step = timedelta(seconds=query.period_s)
    stamps = tuple(end - step * (len(points) - n) for n in range(len(points)))
    return {
        query.key(resource_id): MetricSeries(
            timestamps=stamps, values=tuple(points), stat=query.stat, period_s=query.period_s, days=query.days
        )
    }


def volume_io(
    vid: str,
    reads: Iterable[float],
    writes: Iterable[float] | None = None,
    *,
    ending_days_ago: float = 0,
    window: int = 90,
) -> dict[MetricKey, MetricSeries]:
    """Daily VolumeReadOps / VolumeWriteOps Sums (counts per day, oldest first) as the EBS checks query
    them; ``writes`` defaults to zeros."""
    from cloudwaste.checks.aws.ebs import activity_queries

    read_q, write_q = activity_queries(window)
    reads = list(reads)
    series = metric_series(read_q, vid, reads, ending_days_ago=ending_days_ago)
    writes = [0.0] * len(reads) if writes is None else list(writes)
    return series | metric_series(write_q, vid, writes, ending_days_ago=ending_days_ago)


def data_volume(estate: Aws, vid: str, instance: str = "i-0a", **kwargs: Any) -> dict[str, Any]:
    """A volume attached to ``instance`` as a data device (/dev/sdf), not as its root."""
    vol = estate.volume(vid, attached_to=[instance], **kwargs)
    vol["Attachments"][0]["Device"] = "/dev/sdf"
    return vol


# --- builders for the EC2 instance / ELB / RDS / NAT checks (engineer B) ---------------------------------


def series_by_time(
    query: Any, resource_id: str, value: Any, *, points: int | None = None
) -> dict[MetricKey, MetricSeries]:
    """A full-window series of ``query`` whose datapoint at each period start is ``value(stamp)``;
    ``value`` returning None leaves that period out (no datapoint)."""
    count = points if points is not None else int(query.days * 86400 // query.period_s)
    step = timedelta(seconds=query.period_s)
    pairs = [(NOW - step * (count - n), value(NOW - step * (count - n))) for n in range(count)]
    pairs = [(t, float(v)) for t, v in pairs if v is not None]
    if not pairs:
        return {}
    return {
        query.key(resource_id): MetricSeries(
            timestamps=tuple(t for t, _ in pairs),
            values=tuple(v for _, v in pairs),
            stat=query.stat,
            period_s=query.period_s,
            days=query.days,
        )
    }


def listener(
    lb: Mapping[str, Any], port: int = 80, protocol: str = "HTTP", *, action: str = "forward"
) -> dict[str, Any]:
    """An elbv2 DescribeListeners item of ``lb``."""
    arn = str(lb["LoadBalancerArn"])
    default: dict[str, Any] = {"Type": action, "Order": 1}
    if action == "forward":
        default["TargetGroupArn"] = f"{ELB_ARN}:targetgroup/tg-{port}/73e2d6bc24d8a067"
    elif action == "redirect":
        default["RedirectConfig"] = {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    return {
        "ListenerArn": arn.replace(":loadbalancer/", ":listener/") + f"/{port:016x}",
        "LoadBalancerArn": arn,
        "Port": port,
        "Protocol": protocol,
        "DefaultActions": [default],
    }


def security_group(
    group_id: str, ingress: Iterable[tuple[str, int | None, int | None]] = ()
) -> dict[str, Any]:
    """A DescribeSecurityGroups item; ``ingress`` is (IpProtocol, FromPort, ToPort) from anywhere."""
    perms = []
    for proto, low, high in ingress:
        perm: dict[str, Any] = {
            "IpProtocol": proto,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
        if low is not None:
            perm |= {"FromPort": low, "ToPort": high}
        perms.append(perm)
    return {
        "GroupId": group_id,
        "GroupName": group_id,
        "Description": "test",
        "OwnerId": ACCOUNT,
        "VpcId": "vpc-0main",
        "IpPermissions": perms,
        "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    }


def lb_attributes(lb: Mapping[str, Any], *, cross_zone: bool) -> dict[str, Any]:
    """The collector's item for one NLB/GWLB: its DescribeLoadBalancerAttributes ``Attributes``."""
    return {
        "LoadBalancerArn": lb["LoadBalancerArn"],
        "Attributes": [
            {"Key": "deletion_protection.enabled", "Value": "false"},
            {"Key": "load_balancing.cross_zone.enabled", "Value": "true" if cross_zone else "false"},
        ],
    }


def subnet(subnet_id: str, zone: str = "us-east-1a", vpc: str = "vpc-0main") -> dict[str, Any]:
    """A DescribeSubnets item."""
    return {
        "SubnetId": subnet_id,
        "VpcId": vpc,
        "AvailabilityZone": zone,
        "AvailabilityZoneId": "use1-az1",
        "CidrBlock": "10.0.1.0/24",
        "State": "available",
        "AvailableIpAddressCount": 250,
        "MapPublicIpOnLaunch": False,
    }


def internet_gateway(igw_id: str, vpc: str | None = "vpc-0main") -> dict[str, Any]:
    """A DescribeInternetGateways item; an attached one has State ``available`` (as the API says)."""
    return {
        "InternetGatewayId": igw_id,
        "OwnerId": ACCOUNT,
        "Attachments": [{"VpcId": vpc, "State": "available"}] if vpc else [],
    }


def vpc_endpoint(
    vpce_id: str,
    service: str,
    *,
    route_tables: Iterable[str] = (),
    kind: str = "Gateway",
    vpc: str = "vpc-0main",
    state: str = "available",
) -> dict[str, Any]:
    """A DescribeVpcEndpoints item for ``com.amazonaws.us-east-1.<service>``."""
    return {
        "VpcEndpointId": vpce_id,
        "VpcEndpointType": kind,
        "VpcId": vpc,
        "ServiceName": f"com.amazonaws.{REGION}.{service}",
        "State": state,
        "RouteTableIds": list(route_tables),
    }


def db_instance(
    ident: str,
    *,
    engine: str = "postgres",
    db_class: str = "db.m5.large",
    status: str = "available",
    age: float = 100,
    multi_az: bool = False,
    storage: int = 100,
    storage_type: str = "gp3",
    iops: int | None = None,
    cluster: str | None = None,
    tags: Mapping[str, str] | None = None,
    backup_retention: int = 7,
    replica_source: str | None = None,
    replicas: Iterable[str] = (),
) -> dict[str, Any]:
    """A DescribeDBInstances item (tags in TagList, as the API returns them)."""
    db: dict[str, Any] = {
        "DBInstanceIdentifier": ident,
        "DBInstanceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{ident}",
        "DBInstanceClass": db_class,
        "Engine": engine,
        "EngineVersion": "16.3" if "postgres" in engine else "8.0.36",
        "DBInstanceStatus": status,
        "InstanceCreateTime": NOW - timedelta(days=age),
        "AllocatedStorage": 1 if cluster else storage,
        "StorageType": "aurora" if engine.startswith("aurora") else storage_type,
        "MultiAZ": multi_az,
        "AvailabilityZone": "us-east-1a",
        "BackupRetentionPeriod": backup_retention,
        "ReadReplicaDBInstanceIdentifiers": list(replicas),
        "TagList": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        "Endpoint": {"Address": f"{ident}.abc.{REGION}.rds.amazonaws.com", "Port": 5432},
    }
    if storage_type == "gp3" and not cluster:
        db |= {"Iops": iops or 3000, "StorageThroughput": 125}
    elif iops:
        db["Iops"] = iops
    if cluster:
        db["DBClusterIdentifier"] = cluster
    if replica_source:
        db["ReadReplicaSourceDBInstanceIdentifier"] = replica_source
    return db
