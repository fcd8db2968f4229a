"""All AWS checks over one mixed estate: who flags what, and that every hit is well formed."""

from __future__ import annotations

import json

import pytest
from tests.checks.aws.conftest import internet_gateway, listener

from cloudwaste.checks.registry import load_checks
from cloudwaste.model import CostKind, Finding, Money, fingerprint


@pytest.fixture
def mixed(estate):
    """A small account: some waste, some resources in use, some traps."""
    e = estate
    instances = [
        e.instance("i-0web", volumes=["vol-0web"], image_id="ami-0used", enis=["eni-0web"]),
        e.instance("i-0old", stopped_days=120, volumes=["vol-0old"], image_id="ami-0used"),
        e.instance(
            "i-0pool", stopped_days=120, volumes=["vol-0pool"], tags={"aws:autoscaling:groupName": "w"}
        ),
    ]
    volumes = [
        e.volume("vol-0web", size=200, vtype="gp2", attached_to=["i-0web"]),
        e.volume("vol-0old", size=50, vtype="gp3", attached_to=["i-0old"]),
        e.volume("vol-0pool", size=8, vtype="gp3", attached_to=["i-0pool"]),
        e.volume("vol-0loose", size=100, vtype="io1", iops=500, age=60),
    ]
    snapshots = [
        e.snapshot("snap-0gone", volume_id="vol-0deleted", age=100),
        e.snapshot("snap-0keep", volume_id="vol-0web", age=100),
        e.snapshot("snap-0ami", volume_id="vol-0deleted", age=300),
        e.snapshot("snap-0bak", volume_id="vol-0deleted", age=300, tags={"aws:backup:source-resource": "x"}),
    ]
    images = [
        e.image("ami-0used", snapshots=[("snap-0used", 8)], age=500),
        e.image("ami-0stale", snapshots=[("snap-0ami", 8)], age=300),
    ]
    addresses = [
        e.address("eipalloc-0web", instance_id="i-0web", eni="eni-0web", association="eipassoc-0web"),
        e.address("eipalloc-0spare", "203.0.113.99"),
        e.address("eipalloc-0nat", "198.51.100.10"),
    ]
    nats = [e.nat("nat-0idle", allocations=["eipalloc-0nat"]), e.nat("nat-0busy", allocations=[])]
    tables = [e.route_table("rtb-0priv", nat_ids=["nat-0busy"])]
    public = e.route_table("rtb-0pub", subnets=["subnet-0public"])
    public["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0a", "State": "active"})
    tables.append(public)
    metrics = e.nat_metrics("nat-0idle") | e.nat_metrics(
        "nat-0busy", out=[1e9] * 30, inn=[1e8] * 30, conn=[9] * 30
    )
    alb, nlb = e.lb("web"), e.lb("tcp", lb_type="network")
    groups = [e.target_group("web", [alb], targets=["i-0web"]), e.target_group("tcp", [nlb])]
    return {
        "metrics": metrics,
        "ec2__instances": instances,
        "ec2__volumes": volumes,
        "ec2__snapshots": snapshots,
        "ec2__images": images,
        "ec2__addresses": addresses,
        "ec2__nat_gateways": nats,
        "ec2__route_tables": tables,
        "elbv2__load_balancers": [alb, nlb],
        "elbv2__listeners": [listener(alb), listener(nlb, protocol="TCP")],
        "ec2__internet_gateways": [internet_gateway("igw-0a")],
        "elbv2__target_groups": groups,
        "elb__load_balancers": [e.classic_lb("legacy"), e.classic_lb("live", instances=["i-0web"])],
    }


# checks whose findings are the saving of a change, not a resource's cost
SAVING_CHECKS = {"aws.ebs.gp2_volume", "aws.ec2.non_graviton", "aws.ec2.untagged_instance"}


def run_all(estate, mixed):
    return {spec.id: estate.run(spec.id, **mixed) for spec in load_checks("aws")}


def test_each_check_flags_exactly_the_waste_meant_for_it(estate, mixed):
    flagged = {
        check_id: sorted(h.resource.id for h in hits) for check_id, hits in run_all(estate, mixed).items()
    }
    expected = {
        "aws.ami.unused": ["ami-0stale"],
        "aws.ebs.gp2_volume": ["vol-0web"],
        "aws.ebs.old_snapshot": ["snap-0keep"],
        "aws.ebs.orphan_snapshot": ["snap-0gone"],
        "aws.ebs.unattached_volume": ["vol-0loose"],
        "aws.ebs.untagged_snapshot": ["snap-0keep"],
        "aws.ebs.volume_on_stopped_instance": ["vol-0old"],
        "aws.ec2.non_graviton": ["i-0web"],
        "aws.ec2.stopped_instance": ["i-0old"],
        "aws.ec2.unassociated_eip": ["eipalloc-0spare"],
        "aws.ec2.untagged_instance": ["i-0old", "i-0web"],
        "aws.elb.alb_no_targets": [],
        "aws.elb.clb_no_instances": ["legacy"],
        "aws.elb.nlb_no_targets": ["tcp"],
        "aws.vpc.idle_nat_gateway": ["nat-0idle"],
    }
    # every check not listed flags nothing here
    assert {check_id: ids for check_id, ids in flagged.items() if ids or check_id in expected} == expected


def test_every_hit_is_well_formed_and_json_ready(estate, mixed):
    specs = {s.id: s for s in load_checks("aws")}
    for check_id, hits in run_all(estate, mixed).items():
        for hit in hits:
            assert hit.reason.endswith(".") and hit.reason[0].isupper(), hit.reason
            json.dumps(hit.evidence)  # stored as JSON: no datetimes or sets
            assert isinstance(hit.cost, Money)
            assert hit.cost.amount is None or hit.cost.amount >= 0
            assert hit.cost.detail
            assert hit.cost.kind is (CostKind.SAVING if check_id in SAVING_CHECKS else CostKind.COST)
            spec = specs[check_id]
            finding = Finding(
                fingerprint=fingerprint("aws", estate.account, estate.region, hit.resource.id, check_id),
                check_id=check_id,
                title=spec.title,
                severity=hit.severity or spec.severity,
                provider="aws",
                account=estate.account,
                region=estate.region,
                resource=hit.resource,
                reason=hit.reason,
                evidence=hit.evidence,
                monthly_cost=hit.cost,
                confidence=hit.confidence,
                recommendation=hit.recommendation or spec.recommendation,
            )
            json.loads(finding.model_dump_json())


def test_costs_charged_inside_other_findings_are_listed(estate, mixed):
    results = run_all(estate, mixed)
    [stopped] = results["aws.ec2.stopped_instance"]
    assert stopped.cost_includes == ("vol-0old",)
    [nat] = results["aws.vpc.idle_nat_gateway"]
    assert nat.cost_includes == ("eipalloc-0nat",)
    [ami] = results["aws.ami.unused"]
    assert ami.cost_includes == ("snap-0ami",)
