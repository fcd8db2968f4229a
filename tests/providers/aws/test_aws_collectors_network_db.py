"""The network, load balancer detail and RDS collectors against moto's server (all implemented by moto),
and, where moto cannot produce the case (a load balancer deleted between two calls), botocore's Stubber
at the collector boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudwaste.checks.aws.elb import IdleLbParams, idle_lb_queries
from cloudwaste.providers.aws.collectors import collect_lb_attributes, collect_listeners
from tests.providers.aws.helpers import calls, client, open_unit, provider, subnet_and_vpc


def _load_balancers(vpc_subnets: list[str]) -> dict[str, str]:
    elbv2 = client("elbv2")
    arns = {}
    for name, kind in (("alb-1", "application"), ("nlb-1", "network"), ("nlb-2", "network")):
        arns[name] = elbv2.create_load_balancer(Name=name, Subnets=vpc_subnets, Type=kind)["LoadBalancers"][
            0
        ]["LoadBalancerArn"]
    return arns


def _subnets() -> list[str]:
    return [s["SubnetId"] for s in client("ec2").describe_subnets()["Subnets"]][:2]


def test_security_groups_carry_their_inbound_rules(aws: str) -> None:
    ec2 = client("ec2")
    _, vpc = subnet_and_vpc(ec2)
    sg = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    groups = {g["GroupId"]: g for g in open_unit(provider()).collect("ec2:security_groups")}
    [rule] = groups[sg]["IpPermissions"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 443, 443)


def test_subnets_give_availability_zones_and_internet_gateways_their_attachments(aws: str) -> None:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    session = open_unit(provider())
    subnets = session.collect("ec2:subnets")
    assert subnets and all(s["AvailabilityZone"].startswith("us-east-1") for s in subnets)
    gateways = {g["InternetGatewayId"]: g for g in session.collect("ec2:internet_gateways")}
    # an attached gateway's attachment says State "available", as AWS documents it
    assert gateways[igw]["Attachments"] == [{"State": "available", "VpcId": vpc}]


def test_vpc_endpoints_list_their_route_tables(aws: str) -> None:
    ec2 = client("ec2")
    _, vpc = subnet_and_vpc(ec2)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway", RouteTableIds=[rtb]
    )
    [endpoint] = open_unit(provider()).collect("ec2:vpc_endpoints")
    assert endpoint["ServiceName"] == "com.amazonaws.us-east-1.s3"
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert endpoint["RouteTableIds"] == [rtb]


def test_listeners_are_read_per_load_balancer_from_one_listing(aws: str) -> None:
    arns = _load_balancers(_subnets())
    elbv2 = client("elbv2")
    _, vpc = subnet_and_vpc(client("ec2"))
    tg = elbv2.create_target_group(Name="tg", Protocol="TCP", Port=80, VpcId=vpc)["TargetGroups"][0]
    elbv2.create_listener(
        LoadBalancerArn=arns["nlb-1"],
        Protocol="TCP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    prov = provider()
    session = open_unit(prov)
    listeners = session.collect("elbv2:listeners")
    assert [(x["LoadBalancerArn"], x["Port"], x["Protocol"]) for x in listeners] == [
        (arns["nlb-1"], 80, "TCP")
    ]
    assert calls(prov, "DescribeListeners") == 3  # one per load balancer
    session.collect("elbv2:load_balancers")
    session.collect("elbv2:load_balancer_attributes")
    assert calls(prov, "DescribeLoadBalancers") == 1  # the three collections share one listing


def test_attributes_are_read_only_for_the_types_billed_for_cross_zone(aws: str) -> None:
    arns = _load_balancers(_subnets())
    client("elbv2").modify_load_balancer_attributes(
        LoadBalancerArn=arns["nlb-2"],
        Attributes=[{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}],
    )
    prov = provider()
    items = open_unit(prov).collect("elbv2:load_balancer_attributes")
    by_arn = {i["LoadBalancerArn"]: {a["Key"]: a["Value"] for a in i["Attributes"]} for i in items}
    assert set(by_arn) == {arns["nlb-1"], arns["nlb-2"]}  # the ALB is not asked
    assert by_arn[arns["nlb-2"]]["load_balancing.cross_zone.enabled"] == "true"
    assert calls(prov, "DescribeLoadBalancerAttributes") == 2


def test_a_load_balancer_deleted_between_the_calls_is_skipped() -> None:
    """Stubber at the collector boundary: moto cannot delete a load balancer between two calls."""
    import boto3
    from botocore.stub import Stubber

    elbv2 = boto3.client("elbv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/{}/0123456789abcdef"
    lbs = [
        {"LoadBalancerArn": arn.format(name), "LoadBalancerName": name, "Type": "network"}
        for name in ("gone", "kept")
    ]
    with Stubber(elbv2) as stub:
        stub.add_response("describe_load_balancers", {"LoadBalancers": lbs}, {"PageSize": 400})
        stub.add_client_error(
            "describe_listeners",
            "LoadBalancerNotFound",
            expected_params={"LoadBalancerArn": lbs[0]["LoadBalancerArn"], "PageSize": 400},
        )
        listener = {"ListenerArn": "arn:l", "LoadBalancerArn": lbs[1]["LoadBalancerArn"], "Port": 443}
        stub.add_response(
            "describe_listeners",
            {"Listeners": [listener]},
            {"LoadBalancerArn": lbs[1]["LoadBalancerArn"], "PageSize": 400},
        )
        stub.add_client_error("describe_load_balancer_attributes", "LoadBalancerNotFound")
        stub.add_response("describe_load_balancer_attributes", {"Attributes": [{"Key": "k", "Value": "v"}]})
        assert collect_listeners(lambda _service: elbv2, None) == [listener]
        assert collect_lb_attributes(lambda _service: elbv2, None) == [
            {"LoadBalancerArn": lbs[1]["LoadBalancerArn"], "Attributes": [{"Key": "k", "Value": "v"}]}
        ]
        stub.assert_no_pending_responses()


def test_load_balancer_metrics_are_keyed_on_the_cloudwatch_dimension(aws: str) -> None:
    arns = _load_balancers(_subnets())
    full_name = arns["alb-1"].split(":loadbalancer/")[1]
    now = datetime.now(UTC)
    client("cloudwatch").put_metric_data(
        Namespace="AWS/ApplicationELB",
        MetricData=[
            {
                "MetricName": "ConsumedLCUs",
                "Dimensions": [{"Name": "LoadBalancer", "Value": full_name}],
                "Timestamp": now - timedelta(days=d + 1, hours=1),
                "Value": 0.0,
            }
            for d in range(3)
        ],
    )
    queries = idle_lb_queries(IdleLbParams())
    heartbeat = next(q for q in queries if q.namespace == "AWS/ApplicationELB" and q.metric == "ConsumedLCUs")
    prov = provider()
    session = open_unit(prov, queries=queries)
    series = session.metric(heartbeat.key(full_name))
    assert series is not None and series.values == (0.0, 0.0, 0.0)
    assert calls(prov, "GetMetricData") == 1  # every type's queries of the 30-day window in one call


def _db(rds: Any, ident: str, **extra: Any) -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=ident,
        DBInstanceClass="db.m5.large",
        Engine="postgres",
        AllocatedStorage=100,
        MasterUsername="admin",
        MasterUserPassword="not-a-real-secret-1",
        **extra,
    )


def test_db_instances_come_with_their_tags_in_one_call(aws: str) -> None:
    rds = client("rds")
    _db(rds, "orders", Tags=[{"Key": "Environment", "Value": "dev"}], MultiAZ=True)
    prov = provider()
    [db] = open_unit(prov).collect("rds:db_instances")
    assert db["DBInstanceIdentifier"] == "orders"
    assert {t["Key"]: t["Value"] for t in db["TagList"]} == {"Environment": "dev"}
    assert db["DBInstanceStatus"] == "available" and db["MultiAZ"] is True
    assert isinstance(db["InstanceCreateTime"], datetime) and db["InstanceCreateTime"].tzinfo
    assert calls(prov, "DescribeDBInstances") == 1
    assert calls(prov, "ListTagsForResource") == 0


@pytest.mark.parametrize("page_size", [1, 20])
def test_db_instances_over_two_pages(aws: str, page_size: int) -> None:
    rds = client("rds")
    for i in range(21):
        _db(rds, f"db-{i:02d}")
    prov = provider(page_size=page_size)  # DescribeDBInstances takes 20 to 100 records a page
    dbs = open_unit(prov).collect("rds:db_instances")
    assert sorted(d["DBInstanceIdentifier"] for d in dbs) == [f"db-{i:02d}" for i in range(21)]
    assert calls(prov, "DescribeDBInstances") == 2


def test_each_unit_lists_its_own_load_balancers(aws: str) -> None:
    _load_balancers(_subnets())
    prov = provider(["us-east-1", "eu-west-1"])
    assert len(open_unit(prov, "us-east-1").collect("elbv2:listeners")) == 0
    assert open_unit(prov, "eu-west-1").collect("elbv2:load_balancers") == []
    assert len(open_unit(prov, "us-east-1").collect("elbv2:load_balancers")) == 3
    assert calls(prov, "DescribeLoadBalancers", "us-east-1") == 2  # two sessions, one listing each
    assert calls(prov, "DescribeLoadBalancers", "eu-west-1") == 1
