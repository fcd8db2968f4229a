"""aws.ami.unused."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostKind

AMI = "aws.ami.unused"


class TestUnusedAmi:
    def test_no_images_no_hits(self, estate):
        assert estate.run(AMI) == []

    def test_old_unused_ami_costs_its_snapshots(self, estate, hit_ok):
        image = estate.image("ami-0a", snapshots=[("snap-0r", 8), ("snap-0d", 100)], age=200, name="web-2025")
        [hit] = estate.run(AMI, ec2__images=[image])
        hit_ok(hit)
        assert hit.resource.arn == "arn:aws:ec2:us-east-1::image/ami-0a"
        assert hit.resource.name == "web-2025"
        assert hit.resource.created_at == estate.ago(200)
        assert hit.cost.amount == pytest.approx(5.4)  # 108 GiB x $0.05
        assert hit.cost.kind is CostKind.COST
        assert hit.cost_includes == ("snap-0r", "snap-0d")
        assert hit.evidence["cost_bound"].startswith("upper bound")
        assert hit.confidence is Confidence.MEDIUM  # at most: launch permissions are not read
        assert hit.evidence["scenario"] == "unused_ami_snapshot"
        assert "never launched" in hit.reason and "200 days" in hit.reason
        assert (
            hit.recommendation is not None
            and "aws ec2 delete-snapshot --snapshot-id snap-0d" in hit.recommendation
        )

    def test_confidence_is_medium_at_most_however_long_idle(self, estate):
        # sharing through launch permissions and launch configurations are invisible to this check
        images = [estate.image("ami-0a", age=2000), estate.image("ami-0b", age=1000, last_launched_days=900)]
        hits = estate.run(AMI, ec2__images=images)
        assert [h.confidence for h in hits] == [Confidence.MEDIUM, Confidence.MEDIUM]
        assert "launch permissions (sharing with other accounts)" in hits[0].evidence["not_checked"]

    def test_recommendation_checks_launch_permissions_and_deletes_snapshots_last(self, estate):
        image = estate.image("ami-0a", snapshots=[("snap-0r", 8)], age=400)
        [hit] = estate.run(AMI, ec2__images=[image])
        text = hit.recommendation or ""
        check = "aws ec2 describe-image-attribute --image-id ami-0a --attribute launchPermission"
        deregister = "aws ec2 deregister-image --image-id ami-0a"
        delete = "aws ec2 delete-snapshot --snapshot-id snap-0r"
        assert check in text and deregister in text and delete in text
        assert text.index(check) < text.index(deregister) < text.index(delete)
        assert "once it is deregistered" in text

    def test_rationale_and_default_recommendation_mention_launch_permissions(self):
        from cloudwaste.checks.registry import get_check

        spec = get_check(AMI)
        assert "launch permissions" in spec.rationale and "launch configurations" in spec.rationale
        assert "medium at most" in spec.rationale
        assert "describe-image-attribute --image-id <id> --attribute launchPermission" in spec.recommendation
        assert spec.recommendation.index("deregister-image") < spec.recommendation.index("delete-snapshot")
        assert "once it is deregistered" in spec.recommendation

    def test_between_one_and_two_limits_gives_medium_confidence(self, estate):
        [hit] = estate.run(AMI, ec2__images=[estate.image("ami-0a", age=120)])
        assert hit.confidence is Confidence.MEDIUM

    def test_age_boundary(self, estate):
        images = [estate.image("ami-0at", age=90), estate.image("ami-0below", age=89)]
        assert [h.resource.id for h in estate.run(AMI, ec2__images=images)] == ["ami-0at"]

    @pytest.mark.parametrize("state", ["running", "stopped", "pending", "stopping"])
    def test_ami_used_by_an_instance_is_not_flagged(self, estate, state):
        inst = estate.instance("i-0a", state=state, image_id="ami-0a")
        assert estate.run(AMI, ec2__images=[estate.image("ami-0a", age=400)], ec2__instances=[inst]) == []

    def test_ami_used_only_by_terminated_instances_is_flagged(self, estate):
        inst = estate.instance("i-0a", state="terminated", image_id="ami-0a")
        assert len(estate.run(AMI, ec2__images=[estate.image("ami-0a", age=400)], ec2__instances=[inst])) == 1

    def test_ami_in_a_launch_template_version_is_not_flagged(self, estate):
        versions = [
            estate.lt_version("lt-0a", 1, image_id="ami-0a"),
            estate.lt_version("lt-0a", 2, image_id="ami-0b"),
        ]
        image = estate.image("ami-0a", age=400)
        assert estate.run(AMI, ec2__images=[image], ec2__launch_template_versions=versions) == []

    def test_recent_launch_restarts_the_idle_clock(self, estate):
        image = estate.image("ami-0a", age=400, last_launched_days=30)
        assert estate.run(AMI, ec2__images=[image]) == []

    def test_launch_older_than_the_limit_is_flagged_from_the_last_launch(self, estate):
        image = estate.image("ami-0a", age=400, last_launched_days=100)
        [hit] = estate.run(AMI, ec2__images=[image])
        assert hit.evidence["idle_days"] == 100.0
        assert "last launched 100 days ago" in hit.reason
        assert hit.confidence is Confidence.MEDIUM

    def test_templates_resolving_the_image_from_ssm_lower_the_confidence(self, estate):
        version = estate.lt_version("lt-0a", 1, image_id="resolve:ssm:/golden/ami/latest")
        [hit] = estate.run(
            AMI, ec2__images=[estate.image("ami-0a", age=400)], ec2__launch_template_versions=[version]
        )
        assert hit.confidence is Confidence.LOW
        assert hit.evidence["ssm_parameter_templates"] == ["lt-0a:1"]

    def test_public_ami_gets_low_confidence(self, estate):
        [hit] = estate.run(AMI, ec2__images=[estate.image("ami-0a", age=400, public=True)])
        assert hit.confidence is Confidence.LOW

    @pytest.mark.parametrize("state", ["pending", "failed", "deregistered"])
    def test_ami_not_available_is_skipped(self, estate, state):
        assert estate.run(AMI, ec2__images=[estate.image("ami-0a", age=400, state=state)]) == []

    def test_instance_store_ami_has_unknown_cost(self, estate):
        image = estate.image("ami-0a", age=400, snapshots=[], root="instance-store")
        [hit] = estate.run(AMI, ec2__images=[image])
        assert hit.cost.amount is None
        assert "S3" in (hit.cost.detail or "")

    def test_archived_snapshot_uses_the_archive_price(self, estate):
        image = estate.image("ami-0a", age=400, snapshots=[("snap-0a", 100)])
        snap = estate.snapshot("snap-0a", size=100, tier="archive")
        [hit] = estate.run(AMI, ec2__images=[image], ec2__snapshots=[snap])
        assert hit.cost.amount == 1.25

    def test_several_images(self, estate):
        images = [
            estate.image("ami-0a", age=100, snapshots=[("snap-0a", 8)]),
            estate.image("ami-0b", age=100, snapshots=[("snap-0b", 8)]),
            estate.image("ami-0c", age=10),
            estate.image("ami-0d", age=300, snapshots=[("snap-0d", 30)]),
        ]
        inst = estate.instance("i-0b", image_id="ami-0b")
        hits = estate.run(AMI, ec2__images=images, ec2__instances=[inst])
        assert [(h.resource.id, h.cost.amount) for h in hits] == [("ami-0a", 0.4), ("ami-0d", 1.5)]
