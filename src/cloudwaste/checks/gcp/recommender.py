"""Google's own idle-resource recommendations (Recommender API) for VMs, disks, IPs and images, passed
through for the resources our checks do not already flag."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.gcp import addresses, compute, disks, images
from cloudwaste.checks.gcp._common import as_float, days_since, last_segment, norm_url
from cloudwaste.checks.gcp._compute import (
    ADDRESSES,
    DISKS,
    FORWARDING_RULES,
    GLOBAL_ADDRESSES,
    IMAGES,
    INSTANCES,
    RECOMMENDATIONS,
    ROUTERS,
    TEMPLATES,
    VPN_GATEWAYS,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity

OPEN_STATES = frozenset({"ACTIVE", "CLAIMED"})


def resource_key(url: Any) -> str:
    """A Compute resource path without its project (``zones/z/disks/d``): Recommender may name the
    project by number where the Compute API names it by id."""
    return re.sub(r"^projects/[^/]+/", "", norm_url(url))


def target_resource(recommendation: Mapping[str, Any]) -> str | None:
    """The resource the recommendation acts on: the first operation's ``resource``."""
    for group in (recommendation.get("content") or {}).get("operationGroups") or []:
        for operation in group.get("operations") or []:
            if operation.get("resource"):
                return str(operation["resource"])
    return None


def location_of(recommendation: Mapping[str, Any]) -> str:
    """``us-central1-a`` from ``projects/123/locations/us-central1-a/recommenders/...``."""
    match = re.search(r"/locations/([^/]+)/", str(recommendation.get("name") or ""))
    return match.group(1) if match else "global"


def projected_monthly(recommendation: Mapping[str, Any], hours_per_month: float) -> Money:
    """Google's cost projection as a monthly cost: ``costProjection.cost`` (a negative Money: the saving)
    over ``duration`` seconds, scaled to ``hours_per_month``."""
    projection = (recommendation.get("primaryImpact") or {}).get("costProjection") or {}
    cost = projection.get("cost") or {}
    units = as_float(cost.get("units"), 0.0) or 0.0
    nanos = as_float(cost.get("nanos"), 0.0) or 0.0
    seconds = as_float(str(projection.get("duration") or "").rstrip("s"))
    currency = str(cost.get("currencyCode") or "USD")
    if not cost or not seconds:
        return Money.unknown(detail="the recommendation carries no cost projection")
    total = units + nanos / 1e9
    if total >= 0:
        return Money.unknown(detail=f"the projection is not a saving ({total:g} {currency})")
    monthly = -total * hours_per_month * 3600.0 / seconds
    days = seconds / 86400.0
    return Money(
        amount=round(monthly, 2),
        currency=currency,
        basis=CostBasis.ESTIMATE,
        kind=CostKind.COST,
        detail=f"Google's figure: the Recommender projects {-total:.2f} {currency} saved over {days:g} days, "
        f"x {hours_per_month:g} h / {days * 24:g} h",
    )


@dataclass(frozen=True)
class Passthrough:
    """One idle-resource recommender and the checks of ours that cover the same resources."""

    recommender: str
    rtype: str
    ours: tuple[tuple[Callable[..., Iterable[Hit]], type[BaseModel]], ...]
    command: Callable[[str, str], str]


def flagged_by_us(ctx: CheckContext, spec: Passthrough) -> set[str]:
    """Project-less keys of every resource our checks flag or charge (``cost_includes``), at their
    default parameters."""
    keys: set[str] = set()
    for func, params in spec.ours:
        for hit in func(ctx, params()):
            keys.add(resource_key(hit.resource.id))
            keys |= {resource_key(i) for i in hit.cost_includes}
    return keys


def passthrough(ctx: CheckContext, spec: Passthrough, params: PassParams) -> Iterator[Hit]:
    """The open recommendations of ``spec.recommender`` for resources none of our checks flags."""
    ours = flagged_by_us(ctx, spec)
    for rec in ctx.get(RECOMMENDATIONS):
        if rec.get("_recommender") != spec.recommender:
            continue
        state = (rec.get("stateInfo") or {}).get("state", "ACTIVE")
        if state not in OPEN_STATES:
            continue
        url = target_resource(rec)
        if not url or resource_key(url) in ours:
            continue
        refreshed = days_since(rec.get("lastRefreshTime"), ctx)
        if refreshed is not None and refreshed > params.max_staleness_days:
            continue
        location = location_of(rec)
        name = last_segment(url)
        path = norm_url(url)
        yield Hit(
            resource=Resource(id=path, arn=url, name=name, type=spec.rtype),
            reason=f"Google's recommender {spec.recommender} suggests "
            f"{rec.get('recommenderSubtype') or 'acting'} for "
            f"{name}: {str(rec.get('description') or '').strip()}",
            cost=projected_monthly(rec, ctx.prices.hours_per_month),
            evidence={
                "recommender": spec.recommender,
                "recommendation": rec.get("name"),
                "subtype": rec.get("recommenderSubtype"),
                "state": state,
                "priority": rec.get("priority"),
                "last_refresh": rec.get("lastRefreshTime"),
                "refreshed_days_ago": round(refreshed, 1) if refreshed is not None else None,
                "projection": (rec.get("primaryImpact") or {}).get("costProjection"),
                "scenario": "recommender",
            },
            confidence=Confidence.MEDIUM,
            recommendation=spec.command(name, location),
            region=location,
        )


class PassParams(BaseModel):
    """Parameters of the Recommender passthrough checks."""

    max_staleness_days: int = Field(
        7,
        ge=1,
        description="Ignore recommendations not refreshed for this many days (Google refreshes daily).",
    )


def _flag(location: str) -> str:
    return f"--zone={location}" if re.fullmatch(r".+-[a-z]", location) else f"--region={location}"


VM = Passthrough(
    "google.compute.instance.IdleResourceRecommender",
    "gce_instance",
    (
        (compute.idle_vm, compute.IdleVmParams),
        (compute.stopped_instance, compute.StoppedParams),
        (compute.previous_generation, compute.GenerationParams),
    ),
    lambda name, loc: f"gcloud compute instances stop {name} {_flag(loc)}",
)
DISK = Passthrough(
    "google.compute.disk.IdleResourceRecommender",
    "gce_disk",
    (
        (disks.unattached_disk, disks.UnattachedParams),
        (disks.disk_on_stopped_instance, disks.OnStoppedParams),
        (disks.idle_disk, disks.IdleDiskParams),
        (compute.stopped_instance, compute.StoppedParams),
    ),
    lambda name, loc: (
        f"gcloud compute snapshots create {name}-final --source-disk={name} "
        f"--source-disk-{_flag(loc)[2:]} && gcloud compute disks delete {name} {_flag(loc)}"
    ),
)
ADDRESS = Passthrough(
    "google.compute.address.IdleResourceRecommender",
    "gce_address",
    (
        (addresses.unused_address, addresses.UnusedParams),
        (addresses.unused_global_address, addresses.UnusedParams),
        (compute.stopped_instance, compute.StoppedParams),
    ),
    lambda name, loc: (
        f"gcloud compute addresses delete {name} " + ("--global" if loc == "global" else f"--region={loc}")
    ),
)
IMAGE = Passthrough(
    "google.compute.image.IdleResourceRecommender",
    "gce_image",
    ((images.unused_image, images.ImageParams),),
    lambda name, loc: f"gcloud compute images delete {name}",
)

_RATIONALE = """
    Google's {what} recommender (`{recommender}`) watches usage the APIs do not expose. Its open
    (ACTIVE or CLAIMED) recommendations refreshed within `max_staleness_days` are passed through, except
    for resources one of our own checks already flags or charges ({ours}, at their default thresholds):
    those get our finding, with our evidence, and no second one. The cost is Google's figure, not the price
    book's: `primaryImpact.costProjection.cost` is a negative amount (the saving) over `duration` (usually
    30 days), turned into a positive monthly cost of kind `cost` and basis `estimate`, in the billing
    account's currency. Dismissed, succeeded and failed recommendations are skipped.
"""


def _queries(*funcs: Callable[[Any], list[MetricQuery]]) -> Callable[[PassParams], list[MetricQuery]]:
    def queries(_: PassParams) -> list[MetricQuery]:
        found: list[MetricQuery] = []
        for func in funcs:
            found.extend(func(None))
        return found

    return queries


def _vm_metrics(_: Any) -> list[MetricQuery]:
    return compute._vm_queries(compute.IdleVmParams())


def _disk_metrics(_: Any) -> list[MetricQuery]:
    return disks._disk_queries(disks.IdleDiskParams())


@check(
    id="gcp.recommender.idle_vm",
    title="Idle VM reported by Google's Recommender",
    resource_type="gce_instance",
    severity=Severity.MEDIUM,
    needs=[RECOMMENDATIONS, INSTANCES, DISKS, ADDRESSES],
    params=PassParams,
    klass="idle",
    metrics=_queries(_vm_metrics),
    rationale=_RATIONALE.format(
        what="idle VM",
        recommender=VM.recommender,
        ours="`gcp.compute.idle_vm`, `gcp.compute.stopped_instance`, `gcp.compute.previous_generation`",
    ),
    recommendation="Stop it: gcloud compute instances stop <name> --zone=<zone>",
    covers_original=[],
    covers_peers=["gcp.compute.idle_vm"],
)
def recommender_idle_vm(ctx: CheckContext, params: PassParams) -> Iterator[Hit]:
    """Open idle-VM recommendations for instances our checks do not flag."""
    yield from passthrough(ctx, VM, params)


@check(
    id="gcp.recommender.idle_disk",
    title="Idle persistent disk reported by Google's Recommender",
    resource_type="gce_disk",
    severity=Severity.MEDIUM,
    needs=[RECOMMENDATIONS, DISKS, INSTANCES, ADDRESSES],
    params=PassParams,
    klass="idle",
    metrics=_queries(_disk_metrics),
    rationale=_RATIONALE.format(
        what="idle disk",
        recommender=DISK.recommender,
        ours="`gcp.compute.unattached_disk`, `gcp.compute.disk_on_stopped_instance`, "
        "`gcp.compute.idle_disk`, "
        "and the disks `gcp.compute.stopped_instance` charges",
    ),
    recommendation="Snapshot it, then delete it: gcloud compute disks delete <name> --zone=<zone>",
    covers_original=[],
    covers_peers=["gcp.compute.unattached_disk"],
)
def recommender_idle_disk(ctx: CheckContext, params: PassParams) -> Iterator[Hit]:
    """Open idle-disk recommendations for disks our checks do not flag."""
    yield from passthrough(ctx, DISK, params)


@check(
    id="gcp.recommender.idle_address",
    title="Idle static IP reported by Google's Recommender",
    resource_type="gce_address",
    severity=Severity.LOW,
    needs=[
        RECOMMENDATIONS,
        ADDRESSES,
        GLOBAL_ADDRESSES,
        FORWARDING_RULES,
        VPN_GATEWAYS,
        ROUTERS,
        INSTANCES,
        DISKS,
    ],
    params=PassParams,
    klass="orphan",
    rationale=_RATIONALE.format(
        what="idle IP address",
        recommender=ADDRESS.recommender,
        ours="`gcp.compute.unused_address`, `gcp.compute.unused_global_address`, and the IPs "
        "`gcp.compute.stopped_instance` charges",
    ),
    recommendation="Release it: gcloud compute addresses delete <name> --region=<region>",
    covers_original=[],
    covers_peers=["gcp.compute.unused_address"],
)
def recommender_idle_address(ctx: CheckContext, params: PassParams) -> Iterator[Hit]:
    """Open idle-address recommendations for addresses our checks do not flag."""
    yield from passthrough(ctx, ADDRESS, params)


@check(
    id="gcp.recommender.idle_image",
    title="Idle custom image reported by Google's Recommender",
    resource_type="gce_image",
    severity=Severity.LOW,
    needs=[RECOMMENDATIONS, IMAGES, TEMPLATES, DISKS],
    params=PassParams,
    klass="orphan",
    rationale=_RATIONALE.format(
        what="idle image", recommender=IMAGE.recommender, ours="`gcp.compute.unused_image`"
    ),
    recommendation="Delete it: gcloud compute images delete <name>",
    covers_original=[],
    covers_peers=["gcp.compute.idle_image"],
)
def recommender_idle_image(ctx: CheckContext, params: PassParams) -> Iterator[Hit]:
    """Open idle-image recommendations for images our checks do not flag."""
    yield from passthrough(ctx, IMAGE, params)
