"""Real-API edge cases: Outposts, service-managed volumes, archive snapshots, BYOIP addresses."""

from __future__ import annotations

from tests.checks.aws.conftest import Aws


def test_outposts_volume_has_unknown_cost_and_no_gp3_advice(estate: Aws) -> None:
    vol = estate.volume("vol-0outpost", vtype="gp2", size=500, age=60)
    vol["OutpostArn"] = "arn:aws:outposts:us-east-1:123456789012:outpost/op-0123456789abcdef0"
    hits = estate.run("aws.ebs.unattached_volume", ec2__volumes=[vol])
    assert len(hits) == 1 and hits[0].cost.amount is None
    assert "Outpost" in (hits[0].cost.detail or "")
    assert estate.run("aws.ebs.gp2_volume", ec2__volumes=[vol]) == []


def test_volume_managed_by_an_aws_service_is_not_flagged(estate: Aws) -> None:
    vol = estate.volume("vol-0managed", age=90)
    vol["Operator"] = {"Managed": True, "Principal": "eks.amazonaws.com"}
    assert estate.run("aws.ebs.unattached_volume", ec2__volumes=[vol]) == []
    plain = estate.volume("vol-0plain", age=90)
    assert len(estate.run("aws.ebs.unattached_volume", ec2__volumes=[plain])) == 1


def test_archive_tier_snapshots_are_not_grouped_with_their_lineage(estate: Aws) -> None:
    snaps = [
        estate.snapshot("snap-0std", volume_id="vol-0src", size=100, age=200),
        estate.snapshot("snap-0arc", volume_id="vol-0src", size=100, age=300, tier="archive"),
    ]
    vols = [estate.volume("vol-0src", age=400, attached_to=["i-1"])]
    hits = {
        h.resource.id: h for h in estate.run("aws.ebs.old_snapshot", ec2__snapshots=snaps, ec2__volumes=vols)
    }
    assert hits["snap-0std"].cost_group == "snapshot-lineage:vol-0src"
    assert hits["snap-0arc"].cost_group is None  # a full copy, billed on its own


def test_stopped_instance_with_a_byoip_address_pays_only_for_its_volume(estate: Aws) -> None:
    inst = estate.instance("i-0byoip", stopped_days=60, volumes=["vol-0root"], enis=["eni-0byoip"])
    vols = [estate.volume("vol-0root", size=8, vtype="gp3", attached_to=["i-0byoip"])]
    addr = estate.address(
        "eipalloc-0byoip",
        instance_id="i-0byoip",
        eni="eni-0byoip",
        association="eipassoc-1",
        pool="ipv4pool-ec2-0123456789abcdef0",
    )
    hits = estate.run(
        "aws.ec2.stopped_instance", ec2__instances=[inst], ec2__volumes=vols, ec2__addresses=[addr]
    )
    assert len(hits) == 1
    assert hits[0].cost.amount == 0.64  # 8 GiB gp3; BYOIP addresses pay no public IPv4 charge
