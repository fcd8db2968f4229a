"""The Recommender passthrough: Google's idle VM/disk/IP/image recommendations, deduplicated against ours."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis, CostKind

VM_REC = "google.compute.instance.IdleResourceRecommender"
DISK_REC = "google.compute.disk.IdleResourceRecommender"
IP_REC = "google.compute.address.IdleResourceRecommender"
IMAGE_REC = "google.compute.image.IdleResourceRecommender"


def test_idle_vm_recommendation_passes_through(gcp, hit_ok):
    vm = gcp.instance("batch-1")
    rec = gcp.recommendation(VM_REC, vm["selfLink"], subtype="STOP_VM", monthly=25.5)
    (hit,) = gcp.run("gcp.recommender.idle_vm", recommendations=[rec], instances=[vm])
    hit_ok(hit)
    assert hit.resource.id == "projects/acme-prod/zones/us-central1-a/instances/batch-1"
    assert hit.resource.type == "gce_instance"
    # Google projects -25.50 USD over 30 days; per 730-hour month
    assert hit.cost.amount == pytest.approx(25.5 * 730 / 720, abs=0.01)
    assert hit.cost.kind is CostKind.COST and hit.cost.basis is CostBasis.ESTIMATE
    assert "Google's figure" in hit.cost.detail
    assert hit.confidence is Confidence.MEDIUM
    assert hit.region == "us-central1-a"
    assert hit.recommendation == "gcloud compute instances stop batch-1 --zone=us-central1-a"
    assert hit.evidence["subtype"] == "STOP_VM"


def test_a_disk_our_check_flags_gets_no_recommender_finding(gcp):
    ours = gcp.disk("orphan", created=60)  # unattached for 60 days: gcp.compute.unattached_disk flags it
    other = gcp.disk("quiet", users=["db-1"], created=60)
    recs = [
        gcp.recommendation(DISK_REC, ours["selfLink"], subtype="SNAPSHOT_AND_DELETE_DISK"),
        gcp.recommendation(DISK_REC, other["selfLink"], subtype="SNAPSHOT_AND_DELETE_DISK"),
    ]
    hits = gcp.run("gcp.recommender.idle_disk", recommendations=recs, disks=[ours, other])
    assert [h.resource.name for h in hits] == ["quiet"]
    assert "--source-disk-zone=us-central1-a" in hits[0].recommendation


def test_dedup_ignores_project_number_versus_id(gcp):
    ours = gcp.disk("orphan", created=60)
    url = ours["selfLink"].replace("projects/acme-prod", "projects/482910375511")
    rec = gcp.recommendation(DISK_REC, url, subtype="DELETE_DISK")
    assert gcp.run("gcp.recommender.idle_disk", recommendations=[rec], disks=[ours]) == []


def test_an_ip_our_stopped_instance_finding_charges_is_not_repeated(gcp):
    boot = gcp.disk("web-1", users=["web-1"], size_gb=10)
    vm = gcp.instance("web-1", status="TERMINATED", stopped=60, disks=[boot], nat_ip="34.1.2.3")
    address = gcp.address("web-ip", "34.1.2.3", status="IN_USE", users=[vm["selfLink"]])
    rec = gcp.recommendation(IP_REC, address["selfLink"], subtype="DELETE_ADDRESS", location="us-central1")
    hits = gcp.run(
        "gcp.recommender.idle_address",
        recommendations=[rec],
        addresses=[address],
        instances=[vm],
        disks=[boot],
    )
    assert hits == []


def test_idle_address_recommendation_for_an_ip_we_do_not_flag(gcp):
    address = gcp.address("young", "34.9.9.9", created=3)  # too young for our 7-day threshold
    rec = gcp.recommendation(IP_REC, address["selfLink"], subtype="DELETE_ADDRESS", location="us-central1")
    (hit,) = gcp.run("gcp.recommender.idle_address", recommendations=[rec], addresses=[address])
    assert hit.recommendation == "gcloud compute addresses delete young --region=us-central1"
    assert hit.region == "us-central1"


def test_idle_image_recommendation(gcp):
    image = gcp.image("base-v3", family="base", created=200)  # the family's newest: we keep it
    rec = gcp.recommendation(IMAGE_REC, image["selfLink"], subtype="DELETE_IMAGE", location="global")
    (hit,) = gcp.run("gcp.recommender.idle_image", recommendations=[rec], images=[image])
    assert hit.recommendation == "gcloud compute images delete base-v3"


@pytest.mark.parametrize("state", ["DISMISSED", "SUCCEEDED", "FAILED"])
def test_closed_recommendations_are_skipped(gcp, state):
    vm = gcp.instance("batch-1")
    rec = gcp.recommendation(VM_REC, vm["selfLink"], subtype="STOP_VM", state=state)
    assert gcp.run("gcp.recommender.idle_vm", recommendations=[rec], instances=[vm]) == []


def test_claimed_recommendations_are_open(gcp):
    vm = gcp.instance("batch-1")
    rec = gcp.recommendation(VM_REC, vm["selfLink"], subtype="STOP_VM", state="CLAIMED")
    assert len(gcp.run("gcp.recommender.idle_vm", recommendations=[rec], instances=[vm])) == 1


@pytest.mark.parametrize(("refreshed", "kept"), [(7, True), (7.1, False)])
def test_stale_recommendations_are_skipped(gcp, refreshed, kept):
    vm = gcp.instance("batch-1")
    rec = gcp.recommendation(VM_REC, vm["selfLink"], subtype="STOP_VM", refreshed=refreshed)
    assert bool(gcp.run("gcp.recommender.idle_vm", recommendations=[rec], instances=[vm])) is kept


def test_other_recommenders_are_not_mixed_in(gcp):
    vm = gcp.instance("batch-1")
    rec = gcp.recommendation(DISK_REC, vm["selfLink"], subtype="DELETE_DISK")
    assert gcp.run("gcp.recommender.idle_vm", recommendations=[rec], instances=[vm]) == []


def test_missing_projection_is_unknown_and_currency_is_kept(gcp):
    vm = gcp.instance("batch-1")
    no_cost = gcp.recommendation(VM_REC, vm["selfLink"], subtype="STOP_VM", monthly=None)
    (hit,) = gcp.run("gcp.recommender.idle_vm", recommendations=[no_cost], instances=[vm])
    assert hit.cost.amount is None
    eur = gcp.recommendation(VM_REC, vm["selfLink"], subtype="STOP_VM", monthly=10.0, duration="86400s")
    eur["primaryImpact"]["costProjection"]["cost"]["currencyCode"] = "EUR"
    (hit,) = gcp.run("gcp.recommender.idle_vm", recommendations=[eur], instances=[vm])
    assert hit.cost.currency == "EUR"
    assert hit.cost.amount == pytest.approx(10.0 / 30 * 730 / 24, abs=0.01)


def test_a_positive_projection_is_not_a_saving(gcp):
    vm = gcp.instance("batch-1")
    rec = gcp.recommendation(VM_REC, vm["selfLink"], subtype="STOP_VM", monthly=-5.0)
    (hit,) = gcp.run("gcp.recommender.idle_vm", recommendations=[rec], instances=[vm])
    assert hit.cost.amount is None
