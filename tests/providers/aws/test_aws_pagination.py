"""Paginators run to the end: with a small page size, every page of a paged API is fetched.

moto pages DescribeInstances (by reservation) and both DescribeLoadBalancers; it returns volumes and
snapshots on one page whatever MaxResults says, so those loops are the same code, tested here.
"""

from __future__ import annotations

from typing import Any

from tests.providers.aws.helpers import calls, client, open_unit, provider


def test_instances_over_three_pages_are_all_collected(aws: str) -> None:
    ec2 = client("ec2")
    ids = {
        ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        for _ in range(13)
    }
    prov = provider(page_size=5)
    instances = open_unit(prov).collect("ec2:instances")
    assert {i["InstanceId"] for i in instances} == ids
    assert calls(prov, "DescribeInstances") == 3


def test_application_and_classic_load_balancers_over_two_pages(aws: str) -> None:
    ec2 = client("ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    elbv2, elb = client("elbv2"), client("elb")
    listener: list[dict[str, Any]] = [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}]
    for i in range(7):
        elbv2.create_load_balancer(Name=f"alb-{i}", Subnets=subnets)
        elb.create_load_balancer(
            LoadBalancerName=f"clb-{i}", Listeners=listener, AvailabilityZones=["us-east-1a"]
        )
    prov = provider(page_size=5)
    session = open_unit(prov)
    assert sorted(lb["LoadBalancerName"] for lb in session.collect("elbv2:load_balancers")) == [
        f"alb-{i}" for i in range(7)
    ]
    assert sorted(lb["LoadBalancerName"] for lb in session.collect("elb:load_balancers")) == [
        f"clb-{i}" for i in range(7)
    ]
    assert calls(prov, "DescribeLoadBalancers") == 4  # 2 pages each


def test_page_size_is_clamped_to_what_each_api_accepts(aws: str) -> None:
    # DescribeVolumes rejects MaxResults < 5 client-side; a page size of 1 must still work
    client("ec2").create_volume(AvailabilityZone="us-east-1a", Size=1)
    prov = provider(page_size=1)
    session = open_unit(prov)
    assert len(session.collect("ec2:volumes")) == 1
    assert session.collect("ec2:nat_gateways") == []
    assert session.collect("ec2:route_tables")  # the default VPC's main table
