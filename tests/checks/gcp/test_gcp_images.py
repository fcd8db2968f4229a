"""Image checks: unused custom images, instance templates and machine images."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis

IMAGE = "gcp.compute.unused_image"
TEMPLATE = "gcp.compute.unused_instance_template"
MACHINE = "gcp.compute.unused_machine_image"
GIB = 1024**3


# --- gcp.compute.unused_image -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [(29.9, None), (30, Confidence.MEDIUM), (89.9, Confidence.MEDIUM), (90, Confidence.HIGH)],
)
def test_unused_image_thresholds(gcp, hit_ok, age, expected):
    hits = gcp.run(IMAGE, images=[gcp.image("app-v1", created=age)])
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.region == "global"
    assert hit.cost.amount == pytest.approx(0.15)  # 3 GiB archive x $0.05
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert hit.recommendation == "gcloud compute images delete app-v1"


def test_image_in_a_template_is_used(gcp):
    image = gcp.image("app-v1", created=200)
    for ref in (image["selfLink"], "global/images/app-v1", "projects/acme-prod/global/images/app-v1"):
        template = gcp.template("app-tpl", source_image=ref)
        assert gcp.run(IMAGE, images=[image], instance_templates=[template]) == [], ref


def test_a_regional_template_counts(gcp):
    image = gcp.image("app-v1", created=200)
    template = gcp.template("app-tpl", source_image="app-v1", region="europe-west1")
    assert gcp.run(IMAGE, images=[image], instance_templates=[template]) == []


def test_family_reference_uses_only_the_newest_image(gcp):
    old = gcp.image("app-v1", family="app", created=300)
    new = gcp.image("app-v2", family="app", created=100)
    template = gcp.template("app-tpl", source_image="projects/acme-prod/global/images/family/app")
    hits = gcp.run(IMAGE, images=[old, new], instance_templates=[template])
    assert [h.resource.name for h in hits] == ["app-v1"]


def test_deprecated_images_do_not_resolve_a_family(gcp):
    old = gcp.image("app-v1", family="app", created=300)
    new = gcp.image("app-v2", family="app", created=100, deprecated="DEPRECATED")
    template = gcp.template("app-tpl", source_image="global/images/family/app")
    hits = gcp.run(IMAGE, images=[old, new], instance_templates=[template])
    assert [(h.resource.name, h.evidence["scenario"]) for h in hits] == [("app-v2", "deprecated_unused")]


def test_newest_of_a_family_is_kept_unless_asked(gcp):
    image = gcp.image("base-v3", family="base", created=200)
    assert gcp.run(IMAGE, images=[image]) == []
    assert len(gcp.run(IMAGE, images=[image], params={"keep_family_latest": False})) == 1


def test_a_disk_created_from_the_image_uses_it(gcp):
    image = gcp.image("app-v1", created=200)
    disk = gcp.disk("web-1", users=["web-1"], sourceImage=image["selfLink"], sourceImageId=image["id"])
    assert gcp.run(IMAGE, images=[image], disks=[disk]) == []


def test_a_disk_of_an_earlier_image_of_that_name_does_not(gcp):
    image = gcp.image("app-v1", created=200)
    disk = gcp.disk("web-1", users=["web-1"], sourceImage=image["selfLink"], sourceImageId="999")
    assert len(gcp.run(IMAGE, images=[image], disks=[disk])) == 1


def test_public_images_in_templates_do_not_protect_own_images(gcp):
    image = gcp.image("debian-12", created=200)
    template = gcp.template(
        "t",
        source_image="https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/debian-12",
    )
    assert len(gcp.run(IMAGE, images=[image], instance_templates=[template])) == 1


def test_images_not_ready_are_skipped(gcp):
    assert gcp.run(IMAGE, images=[gcp.image("pending", created=200, status="PENDING")]) == []


# --- gcp.compute.unused_instance_template ---------------------------------------------------------------


@pytest.mark.parametrize(("age", "flagged"), [(29.9, False), (30, True)])
def test_unused_template_age(gcp, age, flagged):
    assert bool(gcp.run(TEMPLATE, instance_templates=[gcp.template("t", created=age)])) is flagged


def test_unused_template_is_hygiene(gcp, hit_ok):
    (hit,) = gcp.run(
        TEMPLATE, instance_templates=[gcp.template("old-tpl", created=90, source_image="app-v1")]
    )
    hit_ok(hit)
    assert hit.cost.amount == 0.0 and hit.cost.detail == "no direct charge"
    assert hit.evidence["images"] == ["app-v1"]
    assert hit.recommendation == "gcloud compute instance-templates delete old-tpl"


def test_templates_of_managers_and_their_versions_are_used(gcp):
    a, b, c = (gcp.template(n, created=90) for n in ("tpl-a", "tpl-b", "tpl-c"))
    managers = [gcp.igm("web", template=a), gcp.igm("api", template=a, versions=[a, b], region="us-central1")]
    hits = gcp.run(TEMPLATE, instance_templates=[a, b, c], instance_group_managers=managers)
    assert [h.resource.name for h in hits] == ["tpl-c"]


def test_regional_template_recommendation(gcp):
    (hit,) = gcp.run(TEMPLATE, instance_templates=[gcp.template("rt", created=90, region="europe-west1")])
    assert hit.region == "europe-west1"
    assert hit.recommendation.endswith("--region=europe-west1")


# --- gcp.compute.unused_machine_image --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [(89.9, None), (90, Confidence.MEDIUM), (364.9, Confidence.MEDIUM), (365, Confidence.HIGH)],
)
def test_machine_image_thresholds(gcp, hit_ok, age, expected):
    vm = gcp.instance("web-1")
    hits = gcp.run(MACHINE, machine_images=[gcp.machine_image("web-1-bak", created=age)], instances=[vm])
    if expected is None:
        assert hits == []
        return
    (hit,) = hits
    hit_ok(hit)
    assert hit.confidence is expected
    assert hit.cost.amount == pytest.approx(2.0)  # 40 GiB x $0.05
    assert hit.evidence["source_instance_exists"] is True


def test_machine_image_of_a_deleted_instance_is_high_confidence(gcp):
    (hit,) = gcp.run(MACHINE, machine_images=[gcp.machine_image("gone-bak", created=100)])
    assert hit.confidence is Confidence.HIGH
    assert hit.evidence["scenario"] == "source_deleted"
    assert "no longer exists" in hit.reason


def test_machine_images_not_ready_are_skipped(gcp):
    assert gcp.run(MACHINE, machine_images=[gcp.machine_image("m", created=200, status="CREATING")]) == []
