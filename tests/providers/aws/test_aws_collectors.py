"""Every collector of the contract returns the items boto3 returns, counted and fetched once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from cloudwaste.providers.aws import AwsProvider
from cloudwaste.providers.aws.collectors import COLLECTORS
from tests.conftest import FAKE_CREDENTIALS, reset_moto
from tests.providers.aws.helpers import build_estate, calls, open_unit, provider


@pytest.fixture(scope="module")
def estate(moto_server: str) -> Iterator[dict[str, Any]]:
    """The estate, built once for this module (its tests only read)."""
    with pytest.MonkeyPatch.context() as mp:
        reset_moto(moto_server)
        mp.setenv("AWS_ENDPOINT_URL", moto_server)
        for key, value in FAKE_CREDENTIALS.items():
            mp.setenv(key, value)
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        yield build_estate()


@pytest.fixture
def prov(estate: dict[str, Any]) -> AwsProvider:
    return provider(["us-east-1", "eu-west-1"])


def test_volumes_are_every_volume_with_tz_aware_create_time(
    prov: AwsProvider, estate: dict[str, Any]
) -> None:
    volumes = open_unit(prov).collect("ec2:volumes")
    assert {v["VolumeId"] for v in volumes} == estate["volumes"]
    assert all(isinstance(v["CreateTime"], datetime) and v["CreateTime"].tzinfo for v in volumes)


def test_instances_are_flattened_out_of_reservations(prov: AwsProvider, estate: dict[str, Any]) -> None:
    instances = open_unit(prov).collect("ec2:instances")
    assert [i["InstanceId"] for i in instances] == [estate["instance"]]
    assert "Instances" not in instances[0]


def test_snapshots_are_the_accounts_own(prov: AwsProvider, estate: dict[str, Any]) -> None:
    snapshots = open_unit(prov).collect("ec2:snapshots")
    # create_image snapshots the instance's root volume too: that snapshot is ours as well
    assert estate["snapshot"] in {s["SnapshotId"] for s in snapshots}
    assert all(s["OwnerId"] == "123456789012" for s in snapshots)
    assert any(s["Description"] == "backup" for s in snapshots)


def test_images_are_the_accounts_own(prov: AwsProvider, estate: dict[str, Any]) -> None:
    images = open_unit(prov).collect("ec2:images")
    assert [i["ImageId"] for i in images] == [estate["image"]]


def test_launch_template_versions_are_every_version_of_every_template(
    prov: AwsProvider, estate: dict[str, Any]
) -> None:
    session = open_unit(prov)
    versions = session.collect("ec2:launch_template_versions")
    assert {v["LaunchTemplateData"]["ImageId"] for v in versions} == estate["template_images"]
    assert sorted(v["VersionNumber"] for v in versions) == [1, 1, 2]
    assert calls(prov, "DescribeLaunchTemplateVersions") == 2  # one per template


def test_addresses_include_the_nat_gateways_eip(prov: AwsProvider, estate: dict[str, Any]) -> None:
    addresses = open_unit(prov).collect("ec2:addresses")
    assert {a["AllocationId"] for a in addresses} == estate["addresses"]


def test_network_interfaces_include_an_unattached_one(prov: AwsProvider, estate: dict[str, Any]) -> None:
    enis = open_unit(prov).collect("ec2:network_interfaces")
    spare = [e for e in enis if e["NetworkInterfaceId"] == estate["eni"]]
    assert spare and spare[0]["Status"] == "available"


def test_nat_gateways_and_route_tables(prov: AwsProvider, estate: dict[str, Any]) -> None:
    session = open_unit(prov)
    nats = session.collect("ec2:nat_gateways")
    assert [n["NatGatewayId"] for n in nats] == [estate["nat"]]
    tables = {t["RouteTableId"]: t for t in session.collect("ec2:route_tables")}
    assert any(r.get("NatGatewayId") == estate["nat"] for r in tables[estate["route_table"]]["Routes"])


def test_elbv2_load_balancers(prov: AwsProvider, estate: dict[str, Any]) -> None:
    lbs = open_unit(prov).collect("elbv2:load_balancers")
    assert {lb["LoadBalancerArn"]: lb["Type"] for lb in lbs} == {
        estate["alb"]: "application",
        estate["nlb"]: "network",
    }
    # the CloudWatch LoadBalancer dimension, as CloudFormation's LoadBalancerFullName
    assert {lb["LoadBalancerFullName"] for lb in lbs} == {
        arn.split(":loadbalancer/")[1] for arn in (estate["alb"], estate["nlb"])
    }


def test_target_groups_carry_their_target_health(prov: AwsProvider, estate: dict[str, Any]) -> None:
    groups = {g["TargetGroupArn"]: g for g in open_unit(prov).collect("elbv2:target_groups")}
    assert groups[estate["tg_empty"]]["TargetHealthDescriptions"] == []
    used = groups[estate["tg_used"]]["TargetHealthDescriptions"]
    assert [t["Target"]["Id"] for t in used] == [estate["instance"]]
    # a group that serves no load balancer is listed without a health call
    assert "TargetHealthDescriptions" not in groups[estate["tg_orphan"]]
    assert calls(prov, "DescribeTargetHealth") == 2


def test_classic_load_balancers(prov: AwsProvider, estate: dict[str, Any]) -> None:
    lbs = open_unit(prov).collect("elb:load_balancers")
    assert [lb["LoadBalancerName"] for lb in lbs] == ["classic-1"]
    assert lbs[0]["Instances"] == []


def test_regions_are_isolated(prov: AwsProvider, estate: dict[str, Any]) -> None:
    session = open_unit(prov, "eu-west-1")
    assert session.collect("ec2:volumes") == []
    assert calls(prov, "DescribeVolumes", "eu-west-1") == 1
    assert calls(prov, "DescribeVolumes", "us-east-1") == 0


def test_every_api_call_of_a_unit_is_counted(prov: AwsProvider, estate: dict[str, Any]) -> None:
    session = open_unit(prov)
    for name in COLLECTORS:
        session.collect(name)
    made_here = [op for op in prov.operations if op.region == "us-east-1" and op.service != "sts"]
    # DescribeRegions (made by plan() in the account's default region) is not this unit's call
    assert session.api_calls == len([op for op in made_here if op.operation != "DescribeRegions"])
    assert session.api_calls >= len(COLLECTORS) + 2  # + per-template and per-target-group calls


def test_two_checks_asking_for_volumes_cause_one_call(prov: AwsProvider, estate: dict[str, Any]) -> None:
    session = open_unit(prov)
    first = session.collect("ec2:volumes")
    second = session.collect("ec2:volumes")
    assert first is second
    assert calls(prov, "DescribeVolumes") == 1


def test_two_threads_asking_for_volumes_at_once_cause_one_call(
    prov: AwsProvider, estate: dict[str, Any]
) -> None:
    session = open_unit(prov)
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def check() -> None:
        barrier.wait()
        results.append(session.collect("ec2:volumes"))

    threads = [threading.Thread(target=check) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert calls(prov, "DescribeVolumes") == 1
    assert session.api_calls == 1


def test_units_of_one_account_share_one_identity_check(prov: AwsProvider, estate: dict[str, Any]) -> None:
    plan = prov.plan()
    for unit in plan.units:
        prov.open_unit(unit, []).collect("ec2:addresses")
    prov.plan()
    assert calls(prov, "GetCallerIdentity") == 1
    assert calls(prov, "DescribeRegions") == 1
    assert calls(prov, "DescribeAddresses") == len(plan.units) == 2


def test_unknown_collection_is_a_key_error(prov: AwsProvider, estate: dict[str, Any]) -> None:
    with pytest.raises(KeyError, match="no collector named"):
        open_unit(prov).collect("azure:disks")


def test_managed_resources_and_ssm_aliases_are_requested(aws: str) -> None:
    import boto3

    from cloudwaste.providers.aws.collectors import LAUNCH_TEMPLATE_VERSIONS, VOLUMES, list_all

    ec2 = boto3.client("ec2", region_name="us-east-1")
    sent: dict[str, dict[str, Any]] = {}
    ec2.meta.events.register(
        "provide-client-params.ec2.*", lambda params, model, **_: sent.__setitem__(model.name, dict(params))
    )
    list_all(ec2, VOLUMES)
    template = ec2.create_launch_template(
        LaunchTemplateName="t", LaunchTemplateData={"ImageId": "ami-12345678"}
    )
    list_all(ec2, LAUNCH_TEMPLATE_VERSIONS, LaunchTemplateId=template["LaunchTemplate"]["LaunchTemplateId"])
    assert sent["DescribeVolumes"]["IncludeManagedResources"] is True
    assert sent["DescribeLaunchTemplateVersions"]["ResolveAlias"] is True
