"""AMI checks: self-owned images nothing launches any more."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, Field

from cloudwaste.checks.aws._common import ec2_arn, iso, resource, snapshot_cost, whole_days
from cloudwaste.checks.context import CheckContext, Hit, age_days
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Money, Severity
from cloudwaste.pricing.aws import add

SSM_PREFIX = "resolve:ssm:"
SHARING_ADVICE = (
    "First check it is not shared with other accounts: "
    "aws ec2 describe-image-attribute --image-id {id} --attribute launchPermission"
)


class UnusedAmiParams(BaseModel):
    """Parameters of ``aws.ami.unused``."""

    min_age_days: int = Field(
        90,
        ge=0,
        description="Only flag AMIs neither created nor launched from in at least this many days.",
    )


@check(
    id="aws.ami.unused",
    title="AMI that no instance or launch template uses",
    resource_type="ami",
    severity=Severity.LOW,
    needs=["ec2:images", "ec2:instances", "ec2:launch_template_versions", "ec2:snapshots"],
    params=UnusedAmiParams,
    klass="orphan",
    rationale="""
        An AMI costs nothing itself, but the EBS snapshots behind it are billed per GiB-month for as long
        as it stays registered. A self-owned AMI (available, or disabled, which bills the same) is
        flagged when no instance in any state but terminated and no launch template version refers to
        it, and it was neither created nor launched from (`LastLaunchedTime`, reported with a 24-hour
        delay) in the last `min_age_days`. The default is 90 days, as aws-doctor (Custodian's example
        reports at 120): the idle clock starts at the last launch, not at creation, so 90 days without
        one is a clear signal. Two users stay invisible: accounts the AMI is shared with through launch
        permissions (DescribeImageAttribute is not called) and Auto Scaling launch configurations (not
        collected), so confidence is medium at most. A template that takes its image from an SSM
        parameter (`resolve:ssm:`) could point at any AMI, so in that case, and for public AMIs that
        other accounts may launch, the finding has low confidence. Check the launch permissions before
        deregistering, and delete the snapshots only once the AMI is deregistered (AWS refuses to
        delete a snapshot a registered AMI uses). The cost is an upper bound, as snapshots are
        incremental.
    """,
    recommendation=(
        SHARING_ADVICE.format(id="<id>") + "; then deregister it: aws ec2 deregister-image --image-id <id>; "
        "only once it is deregistered, delete its snapshots: "
        "aws ec2 delete-snapshot --snapshot-id <snapshot-id> for each of them"
    ),
    covers_original=["aws:ebs_snapshot_unused_ami/unused_ami_snapshot"],
    covers_peers=["aws.ami.unused"],
)
def unused_ami(ctx: CheckContext, params: UnusedAmiParams) -> Iterator[Hit]:
    """Self-owned available AMIs no instance or launch template uses, idle for ``min_age_days``."""
    in_use = {
        str(i.get("ImageId"))
        for i in ctx.get("ec2:instances")
        if (i.get("State") or {}).get("Name") != "terminated"
    }
    template_images: set[str] = set()
    ssm_templates: list[str] = []
    for version in ctx.get("ec2:launch_template_versions"):
        image_id = str((version.get("LaunchTemplateData") or {}).get("ImageId") or "")
        label = f"{version.get('LaunchTemplateId')}:{version.get('VersionNumber')}"
        if image_id.startswith(SSM_PREFIX):
            ssm_templates.append(label)
        elif image_id:
            template_images.add(image_id)
    snaps = {str(s["SnapshotId"]): s for s in ctx.get("ec2:snapshots")}
    for image in ctx.get("ec2:images"):
        image_id = str(image["ImageId"])
        if (
            image.get("State") not in ("available", "disabled")
            or image_id in in_use
            or image_id in template_images
        ):
            continue
        created, launched = image.get("CreationDate"), image.get("LastLaunchedTime")
        created_days, launched_days = age_days(created, ctx.now), age_days(launched, ctx.now)
        ages = [d for d in (created_days, launched_days) if d is not None]
        idle = min(ages) if ages else None  # since the later of creation and last launch
        if idle is None or idle < params.min_age_days:
            continue
        mappings = [
            m for m in image.get("BlockDeviceMappings") or [] if (m.get("Ebs") or {}).get("SnapshotId")
        ]
        snapshot_ids = [str(m["Ebs"]["SnapshotId"]) for m in mappings]
        if mappings:
            cost = add(
                [
                    snapshot_cost(ctx, snaps.get(str(m["Ebs"]["SnapshotId"]), {}), m["Ebs"].get("VolumeSize"))
                    for m in mappings
                ]
            )
        else:
            cost = Money.unknown(detail="instance-store AMI: its bundle is stored in S3, priced apart")
        # medium at most: launch permissions and launch configurations are not read
        confidence = Confidence.LOW if image.get("Public") or ssm_templates else Confidence.MEDIUM
        last = (
            f"last launched {whole_days(launched_days)} ago"
            if launched_days is not None
            else "never launched"
        )
        name = f" ({image['Name']})" if image.get("Name") else ""
        gib = sum(int(m["Ebs"].get("VolumeSize") or 0) for m in mappings)
        res = resource(
            image,
            rid=image_id,
            rtype="ami",
            arn=ec2_arn(ctx, "image", image_id, with_account=False),
            created=created,
            name=image.get("Name"),
        )
        commands = " && ".join(f"aws ec2 delete-snapshot --snapshot-id {sid}" for sid in snapshot_ids)
        yield Hit(
            resource=res,
            reason=f"AMI {image_id}{name} was created {whole_days(created_days or 0.0)} ago, "
            f"{last}, and no instance or launch template uses it.",
            cost=cost,
            evidence={
                "scenario": "unused_ami_snapshot",
                "state": image.get("State"),
                "created_at": iso(created),
                "last_launched_at": iso(launched),
                "idle_days": round(idle, 1),
                "public": bool(image.get("Public")),
                "snapshot_ids": snapshot_ids,
                "snapshot_gb": gib,
                "cost_bound": "upper bound (snapshots are incremental)",
                "ssm_parameter_templates": ssm_templates,
                "source_instance_id": image.get("SourceInstanceId"),
                "not_checked": ["launch permissions (sharing with other accounts)", "launch configurations"],
            },
            confidence=confidence,
            cost_includes=tuple(snapshot_ids),
            recommendation=(
                SHARING_ADVICE.format(id=image_id)
                + f"; then deregister it: aws ec2 deregister-image --image-id {image_id}"
                + (f"; only once it is deregistered, delete its snapshots: {commands}" if commands else "")
            ),
        )
