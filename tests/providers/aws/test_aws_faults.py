"""Reliability: throttling and 5xx are retried (adaptive mode); AccessDenied in one region stays there."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.fakes.aws_faults import FaultServer, deny_region, throttle_first, unavailable_first
from tests.providers.aws.helpers import calls, client, open_unit, provider


def test_throttled_describe_volumes_is_retried_until_it_succeeds(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    vol = client("ec2").create_volume(AvailabilityZone="us-east-1a", Size=10)["VolumeId"]
    prov = provider(max_attempts=4)
    session = open_unit(prov)  # plan() goes straight to moto
    with FaultServer(throttle_first(2, service="ec2")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        started = time.monotonic()
        volumes = session.collect("ec2:volumes")
        elapsed = time.monotonic() - started
    assert [v["VolumeId"] for v in volumes] == [vol]
    assert fs.actions(400) == ["DescribeVolumes", "DescribeVolumes"]  # two RequestLimitExceeded answers
    assert fs.actions(200) == ["DescribeVolumes"]
    assert calls(prov, "DescribeVolumes") == 1 and session.api_calls == 1  # one logical call
    assert elapsed < 10


def test_503_slow_down_on_elbv2_is_retried(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    prov = provider(max_attempts=3)
    session = open_unit(prov)
    with FaultServer(unavailable_first(1, service="elasticloadbalancing")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        assert session.collect("elbv2:load_balancers") == []
    assert fs.actions(503) == ["DescribeLoadBalancers"]


def test_errors_beyond_max_attempts_surface_as_a_client_error(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prov = provider(max_attempts=3)
    session = open_unit(prov)
    with FaultServer(unavailable_first(100, service="ec2", code="ServiceUnavailable")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        with pytest.raises(ClientError, match="ServiceUnavailable"):
            session.collect("ec2:addresses")
    assert len(fs.actions(503)) == 3  # max_attempts counts attempts, not retries


def test_access_denied_in_one_region_fails_only_that_unit(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client("ec2", "us-east-1").allocate_address(Domain="vpc")
    client("ec2", "eu-west-1").allocate_address(Domain="vpc")
    with FaultServer(deny_region("eu-west-1")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        prov = provider(["us-east-1", "eu-west-1", "ap-southeast-2"])
        plan = prov.plan()  # identity and regions come from us-east-1
        sessions = {u.region: prov.open_unit(u, []) for u in plan.units}
        with pytest.raises(ClientError) as info:
            sessions["eu-west-1"].collect("ec2:addresses")
        assert info.value.response["Error"]["Code"] == "UnauthorizedOperation"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        with pytest.raises(ClientError, match="AccessDenied"):
            sessions["eu-west-1"].collect("elbv2:load_balancers")
        assert len(sessions["us-east-1"].collect("ec2:addresses")) == 1
        assert sessions["ap-southeast-2"].collect("ec2:addresses") == []
    # the failure is remembered: a second check needing the collection does not call again
    with pytest.raises(ClientError):
        sessions["eu-west-1"].collect("ec2:addresses")
    assert calls(prov, "DescribeAddresses", "eu-west-1") == 1
    assert sessions["eu-west-1"].api_calls == 2


def test_cloudwatch_access_denied_surfaces_from_metric(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cloudwaste.checks.context import MetricQuery

    ec2 = client("ec2", "eu-west-1")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    query = MetricQuery(
        "AWS/NATGateway", "BytesOutToDestination", "NatGatewayId", "ec2:nat_gateways", "NatGatewayId"
    )
    with FaultServer(deny_region("eu-west-1", service="monitoring")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        session = open_unit(provider(["eu-west-1"]), "eu-west-1", [query])
        with pytest.raises(ClientError) as info:
            session.metric(query.key(nat))
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert fs.actions(403) == ["GetMetricData"]
