"""Image checks: custom images, instance templates and machine images that nothing uses."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.gcp._common import (
    as_int,
    days_since,
    last_segment,
    norm_url,
    parse_time,
    region_of,
    resource,
    whole_days,
)
from cloudwaste.checks.gcp._compute import (
    DISKS,
    GIB,
    IGMS,
    IMAGES,
    INSTANCES,
    MACHINE_IMAGES,
    TEMPLATES,
    by_url,
    storage_monthly,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, Money, Severity

RETIRED = frozenset({"DEPRECATED", "OBSOLETE", "DELETED"})


def template_images(template: Mapping[str, Any]) -> list[str]:
    """The ``sourceImage`` of every disk of an instance template (URLs or partial paths)."""
    disks = (template.get("properties") or {}).get("disks") or []
    return [
        str(d["initializeParams"]["sourceImage"])
        for d in disks
        if (d.get("initializeParams") or {}).get("sourceImage")
    ]


def _image_ref(ref: str, project: str) -> tuple[str, str]:
    """(kind, key) of an image reference: ``("family", "<project>/<family>")`` or
    ``("image", "<project>/<name>")``.

    References come as full URLs, ``projects/p/global/images/x``, ``global/images/x`` (the template's
    own project) or ``images/family/f``."""
    path = norm_url(ref)
    match = re.search(r"(?:projects/([^/]+)/)?(?:global/)?images/(family/)?([^/]+)$", path)
    if not match:
        return "image", f"{project}/{last_segment(path)}"
    owner = match.group(1) or project
    return ("family" if match.group(2) else "image"), f"{owner}/{match.group(3)}"


def family_latest(images: list[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The image a family reference resolves to, per family: the newest READY image not deprecated."""
    latest: dict[str, Mapping[str, Any]] = {}
    for image in images:
        family = image.get("family")
        if not family or image.get("status", "READY") != "READY":
            continue
        if (image.get("deprecated") or {}).get("state") in RETIRED:
            continue
        when = parse_time(image.get("creationTimestamp"))
        best = latest.get(str(family))
        if best is None or (when and when > (parse_time(best.get("creationTimestamp")) or when)):
            latest[str(family)] = image
    return latest


def image_users(ctx: CheckContext) -> dict[str, str]:
    """Own-project image name -> what uses it: instance templates (directly or through a family) and
    disks created from it (``sourceImage``, checked against ``sourceImageId`` when present)."""
    project = ctx.account.lower()
    images = list(ctx.get(IMAGES))
    by_name = {str(i.get("name")): i for i in images}
    latest = family_latest(images)
    used: dict[str, str] = {}
    for template in ctx.get(TEMPLATES):
        for ref in template_images(template):
            kind, key = _image_ref(ref, project)
            owner, name = key.split("/", 1)
            if owner != project:
                continue
            target = latest.get(name) if kind == "family" else by_name.get(name)
            if target is not None:
                how = f" (family {name})" if kind == "family" else ""
                used.setdefault(str(target.get("name")), f"instance template {template.get('name')}{how}")
    for disk in ctx.get(DISKS):
        if not disk.get("sourceImage"):
            continue
        kind, key = _image_ref(str(disk["sourceImage"]), project)
        owner, name = key.split("/", 1)
        image = by_name.get(name)
        if owner != project or kind != "image" or image is None:
            continue
        if disk.get("sourceImageId") and str(disk["sourceImageId"]) != str(image.get("id")):
            continue  # created from an earlier image of the same name
        used.setdefault(name, f"disk {disk.get('name')}")
    return used


# --- gcp.compute.unused_image ---------------------------------------------------------------------------


class ImageParams(BaseModel):
    """Parameters of ``gcp.compute.unused_image``."""

    min_days: int = Field(30, ge=0, description="Only flag images created at least this many days ago.")
    high_confidence_days: int = Field(
        90, ge=0, description="Images this old are reported with high confidence."
    )
    keep_family_latest: bool = Field(
        True, description="Never flag the newest image of a family (what --image-family resolves to)."
    )


@check(
    id="gcp.compute.unused_image",
    title="Custom image that no instance template or disk uses",
    resource_type="gce_image",
    severity=Severity.LOW,
    needs=[IMAGES, TEMPLATES, DISKS],
    params=ImageParams,
    klass="orphan",
    rationale="""
        Custom images are billed per GB of archive storage every month. An own-project READY image older
        than `min_days` is flagged when no instance template's disk names it as `sourceImage` (directly, or
        through its family, which resolves to the newest non-deprecated image of the family) and no disk was
        created from it (`sourceImage`, and `sourceImageId` so that an image recreated under the same name
        does not count). Instance group managers create VMs only through their templates, so every template
        counts, used or not. The newest image of each family is kept by default: it is what `--image-family`
        gives to anyone creating VMs by hand or from CI. Other projects that were granted the image cannot
        be seen from here, so the confidence is medium until `high_confidence_days`. The cost is
        `archiveSizeBytes` at the image storage rate.
    """,
    recommendation="Delete it, or deprecate it first: gcloud compute images delete <name>",
    covers_original=[],
    covers_peers=["gcp.compute.idle_image"],
)
def unused_image(ctx: CheckContext, params: ImageParams) -> Iterator[Hit]:
    """Images no template or disk uses, older than ``min_days``."""
    images = list(ctx.get(IMAGES))
    used = image_users(ctx)
    latest = {str(i.get("name")) for i in family_latest(images).values()}
    for image in images:
        name = str(image.get("name"))
        if image.get("status", "READY") != "READY" or name in used:
            continue
        if params.keep_family_latest and name in latest:
            continue
        days = days_since(image.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        stored = as_int(image.get("archiveSizeBytes"))
        state = (image.get("deprecated") or {}).get("state")
        yield Hit(
            resource=resource(image, "gce_image"),
            reason=(
                f"Custom image {name} ({whole_days(days)} old) is used by no instance template and no disk."
            ),
            cost=storage_monthly(
                ctx, "gcp.compute.image.gb_month", image, image.get("archiveSizeBytes"), "image"
            ),
            evidence={
                "family": image.get("family"),
                "deprecated": state,
                "archive_gb": round(stored / GIB, 2) if stored is not None else None,
                "disk_size_gb": as_int(image.get("diskSizeGb")),
                "age_days": round(days, 1),
                "storage_locations": image.get("storageLocations"),
                "scenario": "deprecated_unused" if state else "unused",
            },
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=f"gcloud compute images delete {name}",
            region="global",
        )


# --- gcp.compute.unused_instance_template ---------------------------------------------------------------


class TemplateParams(BaseModel):
    """Parameters of ``gcp.compute.unused_instance_template``."""

    min_days: int = Field(30, ge=0, description="Only flag templates created at least this many days ago.")


@check(
    id="gcp.compute.unused_instance_template",
    title="Instance template that no managed instance group uses",
    resource_type="gce_instance_template",
    severity=Severity.LOW,
    needs=[TEMPLATES, IGMS],
    params=TemplateParams,
    klass="hygiene",
    rationale="""
        Instance templates are free, but unused ones pile up with every rollout and keep the images they
        name looking used (see `gcp.compute.unused_image`), so they are hygiene at $0 (no direct charge). A
        global or regional template older than `min_days` is flagged when no instance group manager names
        it, as its `instanceTemplate` or in any of its `versions[]` (canary rollouts use two). Templates
        used only to create single VMs by hand cannot be told apart, so the confidence is medium.
    """,
    recommendation="Delete it: gcloud compute instance-templates delete <name>",
    covers_original=[],
    covers_peers=[],
)
def unused_instance_template(ctx: CheckContext, params: TemplateParams) -> Iterator[Hit]:
    """Templates no IGM references."""
    referenced: set[str] = set()
    for manager in ctx.get(IGMS):
        refs = [
            manager.get("instanceTemplate"),
            *[v.get("instanceTemplate") for v in manager.get("versions") or []],
        ]
        referenced |= {norm_url(r) for r in refs if r}
    for template in ctx.get(TEMPLATES):
        if norm_url(template.get("selfLink")) in referenced:
            continue
        days = days_since(template.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        region = last_segment(template.get("region")) if template.get("region") else None
        flag = f" --region={region}" if region else ""
        yield Hit(
            resource=resource(template, "gce_instance_template"),
            reason=f"Instance template {template.get('name')} ({whole_days(days)} old) is used by no managed "
            "instance group.",
            cost=Money(amount=0.0, basis=CostBasis.BUNDLED_PRICE, detail="no direct charge"),
            evidence={
                "machine_type": (template.get("properties") or {}).get("machineType"),
                "images": [last_segment(i) for i in template_images(template)],
                "age_days": round(days, 1),
                "regional": bool(region),
                "scenario": "unused",
            },
            confidence=Confidence.MEDIUM,
            recommendation=f"gcloud compute instance-templates delete {template.get('name')}{flag}",
            region=region or "global",
        )


# --- gcp.compute.unused_machine_image -------------------------------------------------------------------


class MachineImageParams(BaseModel):
    """Parameters of ``gcp.compute.unused_machine_image``."""

    min_days: int = Field(90, ge=1, description="Only flag machine images at least this many days old.")
    high_confidence_days: int = Field(365, ge=1, description="Machine images this old give high confidence.")


@check(
    id="gcp.compute.unused_machine_image",
    title="Old machine image, often of an instance that no longer exists",
    resource_type="gce_machine_image",
    severity=Severity.LOW,
    needs=[MACHINE_IMAGES, INSTANCES],
    params=MachineImageParams,
    klass="policy",
    rationale="""
        A machine image keeps a whole VM (configuration and every disk) as a backup, billed on
        `totalStorageBytes` each month. The API records no use of a machine image (VMs created from one do
        not point back), so "unused" means old: READY machine images of at least `min_days` are reported,
        with high confidence from `high_confidence_days` or when their `sourceInstance` no longer exists
        (the backup outlived its VM). A machine image of a running instance is a backup that may be
        superseded by newer ones; the recommendation is to keep the newest.
    """,
    recommendation="Delete it if a newer backup exists: gcloud compute machine-images delete <name>",
    covers_original=[],
    covers_peers=[],
)
def unused_machine_image(ctx: CheckContext, params: MachineImageParams) -> Iterator[Hit]:
    """Machine images older than ``min_days``."""
    instances = by_url(ctx.get(INSTANCES))
    for image in ctx.get(MACHINE_IMAGES):
        if image.get("status", "READY") != "READY":
            continue
        days = days_since(image.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        source = norm_url(image.get("sourceInstance"))
        gone = bool(source) and source not in instances
        stored = as_int(image.get("totalStorageBytes"))
        yield Hit(
            resource=resource(image, "gce_machine_image"),
            reason=f"Machine image {image.get('name')} is {whole_days(days)} old"
            + (f"; its instance {last_segment(source)} no longer exists." if gone else "."),
            cost=storage_monthly(
                ctx,
                "gcp.compute.machine_image.gb_month",
                image,
                image.get("totalStorageBytes"),
                "machine image",
            ),
            evidence={
                "source_instance": last_segment(source) or None,
                "source_instance_exists": (not gone) if source else None,
                "storage_gb": round(stored / GIB, 2) if stored is not None else None,
                "age_days": round(days, 1),
                "storage_locations": image.get("storageLocations"),
                "scenario": "source_deleted" if gone else "old",
            },
            confidence=Confidence.HIGH if gone or days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=f"gcloud compute machine-images delete {image.get('name')}",
            region=region_of(image, ctx) if image.get("region") else "global",
        )
