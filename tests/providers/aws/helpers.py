"""Builders shared by the AWS provider tests: providers with test settings and small moto estates."""

from __future__ import annotations

from typing import Any

from cloudwaste.providers.aws import AwsOptions, AwsProvider, AwsUnitSession

ACCOUNT = "123456789012"  # moto's default account


def provider(regions: list[str] | None = None, **options: Any) -> AwsProvider:
    """A provider with no retries (unless asked), scanning ``regions`` (us-east-1 by default)."""
    options.setdefault("max_attempts", 1)
    return AwsProvider(AwsOptions(regions=regions if regions is not None else ["us-east-1"], **options))


def open_unit(
    prov: AwsProvider, region: str = "us-east-1", queries: list[Any] | None = None
) -> AwsUnitSession:
    """Plan, then open the unit of ``region``."""
    plan = prov.plan()
    unit = next(u for u in plan.units if u.region == region)
    return prov.open_unit(unit, queries or [])


def client(service: str, region: str = "us-east-1") -> Any:
    """A plain boto3 client for building fixtures (AWS_ENDPOINT_URL points at moto)."""
    import boto3

    return boto3.client(service, region_name=region)


def subnet_and_vpc(ec2: Any) -> tuple[str, str]:
    """The default VPC's first subnet (moto creates a default VPC per region)."""
    sub = ec2.describe_subnets()["Subnets"][0]
    return str(sub["SubnetId"]), str(sub["VpcId"])


def calls(prov: AwsProvider, operation: str, region: str | None = None) -> int:
    """How many times the provider called ``operation`` (optionally in one region)."""
    return sum(1 for op in prov.operations if op.operation == operation and region in (None, op.region))


def build_estate() -> dict[str, Any]:
    """One of each resource type in us-east-1; returns their ids."""
    ec2 = client("ec2")
    subnet, vpc = subnet_and_vpc(ec2)
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    ids: dict[str, Any] = {}
    vols = [
        ec2.create_volume(AvailabilityZone="us-east-1a", Size=s, VolumeType="gp3")["VolumeId"] for s in (5, 8)
    ]
    inst = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    ids["instance"] = inst["InstanceId"]
    ids["volumes"] = set(vols) | {
        ec2.describe_instances()["Reservations"][0]["Instances"][0]["BlockDeviceMappings"][0]["Ebs"][
            "VolumeId"
        ]
    }
    ids["snapshot"] = ec2.create_snapshot(VolumeId=vols[0], Description="backup")["SnapshotId"]
    ids["image"] = ec2.create_image(InstanceId=ids["instance"], Name="golden")["ImageId"]
    lt = ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": "ami-11111111", "InstanceType": "t3.micro"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=lt, LaunchTemplateData={"ImageId": "ami-22222222"})
    ec2.create_launch_template(LaunchTemplateName="batch", LaunchTemplateData={"ImageId": "ami-33333333"})
    ids["template_images"] = {"ami-11111111", "ami-22222222", "ami-33333333"}
    free = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ids["addresses"] = {free, nat_eip}
    ids["eni"] = ec2.create_network_interface(SubnetId=subnet, Description="spare")["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    ids["nat"] = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=nat_eip)["NatGateway"]["NatGatewayId"]
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=ids["nat"])
    ids["route_table"] = rt
    elbv2 = client("elbv2")
    lb = elbv2.create_load_balancer(Name="alb-1", Subnets=subnets, Type="application")["LoadBalancers"][0]
    ids["alb"] = lb["LoadBalancerArn"]
    # an NLB: the only type whose attributes (cross-zone) are read
    nlb = elbv2.create_load_balancer(Name="nlb-1", Subnets=subnets, Type="network")["LoadBalancers"][0]
    ids["nlb"] = nlb["LoadBalancerArn"]
    tg_empty = elbv2.create_target_group(Name="tg-empty", Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"
    ][0]
    tg_used = elbv2.create_target_group(Name="tg-used", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][
        0
    ]
    elbv2.register_targets(TargetGroupArn=tg_used["TargetGroupArn"], Targets=[{"Id": ids["instance"]}])
    for port, group in ((80, tg_empty), (81, tg_used)):  # both serve the ALB
        elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
        )
    tg_orphan = elbv2.create_target_group(Name="tg-orphan", Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"
    ]
    ids["tg_empty"], ids["tg_used"] = tg_empty["TargetGroupArn"], tg_used["TargetGroupArn"]
    ids["tg_orphan"] = tg_orphan[0]["TargetGroupArn"]
    client("elb").create_load_balancer(
        LoadBalancerName="classic-1",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=["us-east-1a"],
    )
    return ids
