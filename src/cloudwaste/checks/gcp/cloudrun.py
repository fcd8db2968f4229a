"""Cloud Run checks: services whose minimum instances idle with no requests, and instance-based billing
kept for sporadic traffic.

Items are Cloud Asset Inventory ``run.googleapis.com/Service`` assets in either shape the Run APIs use:
**v2** (``name`` ``projects/p/locations/l/services/s``, ``scaling{minInstanceCount, scalingMode,
manualInstanceCount}``, ``template{scaling{minInstanceCount}, containers[]{resources{limits{cpu, memory},
cpuIdle}}}``, ``labels``, ``annotations``, ``createTime``) and **v1 / Knative** (``metadata{name,
annotations{run.googleapis.com/minScale}, labels, creationTimestamp}``, ``spec.template.metadata.annotations
{autoscaling.knative.dev/minScale, run.googleapis.com/cpu-throttling}``, ``spec.template.spec.containers[]
{resources{limits}}``). Both are read.

Metrics: resource type ``cloud_run_revision``, label ``service_name`` = the service's short name, which the
provider puts in each item's ``_metric_id``. ``run.googleapis.com/request_count`` is written only when
requests arrive, so its absence is read together with ``container/instance_count`` (a gauge written while
instances exist, which minimum instances guarantee): instances with no requests is idle; no instance data at
all is unknown.

Prices (``gcp_serverless.json``, Tier 1): a minimum instance that serves nothing bills $0.0000025 per
vCPU-second and per GiB-second under request-based billing, and the full $0.000018 / $0.000002 under
instance-based billing ("CPU always allocated").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    as_float,
    as_int,
    asset_location,
    asset_resource,
    days_since,
    last_segment,
    zone_region,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Severity
from cloudwaste.pricing.aws import add, with_note

SERVICES = "gcp:run_services"
FUNCTIONS = "gcp:functions"
METRIC_ID = "_metric_id"  # the service's short name: the service_name label of cloud_run_revision
REQUESTS = "run.googleapis.com/request_count"
INSTANCES = "run.googleapis.com/container/instance_count"
GIB = 1024**3
_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40}


# --- reading both shapes ----------------------------------------------------------------------------


def is_knative(svc: Mapping[str, Any]) -> bool:
    """A v1 (Knative) shaped service: ``metadata`` + ``spec`` rather than v2's ``name`` + ``template``."""
    return isinstance(svc.get("metadata"), Mapping) and "template" not in svc


def _meta(svc: Mapping[str, Any]) -> Mapping[str, Any]:
    return svc.get("metadata") or {} if is_knative(svc) else {}


def _template_annotations(svc: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((svc.get("spec") or {}).get("template") or {}).get("metadata", {}).get("annotations") or {}


def service_name(svc: Mapping[str, Any]) -> str:
    """The service's short name (``metadata.name`` or the last part of ``name``)."""
    return str(_meta(svc).get("name") or last_segment(svc.get("name")) or "")


def service_labels(svc: Mapping[str, Any]) -> dict[str, str]:
    """Labels of either shape."""
    raw = _meta(svc).get("labels") if is_knative(svc) else svc.get("labels")
    return {str(k): str(v) for k, v in (raw or {}).items()}


def service_annotations(svc: Mapping[str, Any]) -> dict[str, str]:
    """Service-level annotations of either shape."""
    raw = _meta(svc).get("annotations") if is_knative(svc) else svc.get("annotations")
    return {str(k): str(v) for k, v in (raw or {}).items()}


def service_location(svc: Mapping[str, Any], ctx: CheckContext) -> str:
    """The service's region."""
    label = service_labels(svc).get("cloud.googleapis.com/location")
    if label and not svc.get("_location") and not svc.get("location"):
        return label
    return asset_location(svc, ctx)


def created(svc: Mapping[str, Any]) -> Any:
    """The creation time of either shape."""
    return _meta(svc).get("creationTimestamp") or svc.get("createTime")


def function_owner(svc: Mapping[str, Any]) -> str | None:
    """The Cloud Functions (2nd gen) function a service belongs to, if any."""
    function_id = service_annotations(svc).get("cloudfunctions.googleapis.com/function-id")
    if function_id:
        return function_id
    if service_labels(svc).get("goog-managed-by") == "cloudfunctions":
        return service_name(svc)
    return None


@dataclass(frozen=True)
class Scaling:
    """Instances a service keeps up however little traffic it gets, and where the number comes from."""

    minimum: int
    source: str
    manual: bool = False


def scaling(svc: Mapping[str, Any]) -> Scaling:
    """The larger of the service-level and revision-level minimum instances, or the manual instance count."""
    if is_knative(svc):
        annotations = service_annotations(svc)
        if str(annotations.get("run.googleapis.com/scalingMode", "")).lower() == "manual":
            count = as_int(annotations.get("run.googleapis.com/manualInstanceCount"), 0) or 0
            return Scaling(count, "metadata.annotations[run.googleapis.com/manualInstanceCount]", True)
        service = as_int(annotations.get("run.googleapis.com/minScale"), 0) or 0
        revision = as_int(_template_annotations(svc).get("autoscaling.knative.dev/minScale"), 0) or 0
        if service >= revision:
            return Scaling(service, "metadata.annotations[run.googleapis.com/minScale]")
        return Scaling(revision, "spec.template.metadata.annotations[autoscaling.knative.dev/minScale]")
    top = svc.get("scaling") or {}
    if str(top.get("scalingMode", "")).upper() == "MANUAL":
        return Scaling(as_int(top.get("manualInstanceCount"), 0) or 0, "scaling.manualInstanceCount", True)
    service = as_int(top.get("minInstanceCount"), 0) or 0
    revision = as_int(((svc.get("template") or {}).get("scaling") or {}).get("minInstanceCount"), 0) or 0
    if service >= revision:
        return Scaling(service, "scaling.minInstanceCount")
    return Scaling(revision, "template.scaling.minInstanceCount")


def containers(svc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The revision template's containers (the ingress container and any sidecars)."""
    if is_knative(svc):
        return list(
            (((svc.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
        )
    return list((svc.get("template") or {}).get("containers") or [])


def cpu_count(value: Any, default: float) -> float:
    """A Kubernetes CPU quantity (``"1"``, ``"2"``, ``"1000m"``, ``"0.5"``) in vCPUs."""
    text = str(value or "").strip()
    if not text:
        return default
    if text.endswith("m"):
        return (as_float(text[:-1], default * 1000) or 0.0) / 1000.0
    return as_float(text, default) or default


def memory_gib(value: Any, default: float) -> float:
    """A memory quantity (``"512Mi"``, ``"1Gi"``, ``"2G"``, ``"256M"``, bytes) in GiB."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(value or ""))
    if not match:
        return default
    factor = _UNITS.get(match.group(2).lower().rstrip("b"))
    number = as_float(match.group(1))
    if factor is None or number is None:
        return default
    return number * factor / GIB


def instance_size(svc: Mapping[str, Any]) -> tuple[float, float]:
    """(vCPUs, GiB) of one instance: the containers' limits summed (Cloud Run's default 1 vCPU and
    512 MiB for a container without limits)."""
    vcpu = gib = 0.0
    for container in containers(svc) or [{}]:
        limits = (container.get("resources") or {}).get("limits") or {}
        vcpu += cpu_count(limits.get("cpu"), 1.0)
        gib += memory_gib(limits.get("memory"), 0.5)
    return round(vcpu, 4), round(gib, 4)


def billing_mode(svc: Mapping[str, Any]) -> str | None:
    """``instance`` (CPU always allocated), ``request`` (CPU only during requests) or None when the item
    does not say (v2 ``cpuIdle`` left out)."""
    if scaling(svc).manual:
        return "instance"
    if is_knative(svc):
        throttling = str(_template_annotations(svc).get("run.googleapis.com/cpu-throttling", "true")).lower()
        return "instance" if throttling == "false" else "request"
    flags = [(c.get("resources") or {}).get("cpuIdle") for c in containers(svc)]
    if any(f is False for f in flags):
        return "instance"
    if flags and all(f is True for f in flags):
        return "request"
    return None


def idle_instances_monthly(
    ctx: CheckContext, region: str, count: int, vcpu: float, gib: float, mode: str | None, kind: CostKind
) -> Money:
    """``count`` instances of (vcpu, gib) kept up a whole month with nothing to serve: the idle
    minimum-instance rate under request-based billing, the full rate under instance-based billing."""
    seconds = ctx.prices.hours_per_month * 3600.0
    rate = "instance_based" if mode == "instance" else "idle_min_instance"
    money = add(
        [
            ctx.prices.monthly(
                f"gcp.run.{rate}.vcpu_second", region, count * vcpu * seconds, kind=kind, what="vCPU-s"
            ),
            ctx.prices.monthly(
                f"gcp.run.{rate}.gib_second", region, count * gib * seconds, kind=kind, what="GiB-s"
            ),
        ],
        kind=kind,
    )
    if mode is None and money.amount is not None:
        money = with_note(
            money.model_copy(update={"basis": CostBasis.ESTIMATE}),
            "billing mode not stated (cpuIdle absent): priced at the request-based idle rate, a lower bound",
        )
    return money


# --- metrics -----------------------------------------------------------------------------------------


def run_queries(days: int) -> list[MetricQuery]:
    """Daily request count (Sum) and instance count (Maximum) per service over ``days``."""
    common: dict[str, Any] = {
        "namespace": "cloud_run_revision",
        "dimension": "service_name",
        "collection": SERVICES,
        "id_field": METRIC_ID,
        "period_s": 86400,
        "days": days,
    }
    return [
        MetricQuery(metric=REQUESTS, stat="Sum", **common),
        MetricQuery(metric=INSTANCES, stat="Maximum", **common),
    ]


@dataclass(frozen=True)
class Traffic:
    """What the metrics say about a service: requests in the window (None: no request datapoints) and
    days on which instances were seen."""

    requests: float | None
    instance_days: int
    request_series: MetricSeries | None
    instance_series: MetricSeries | None

    @property
    def total(self) -> float:
        return self.requests or 0.0

    def evidence(self) -> dict[str, Any]:
        return {
            "requests": self.total,
            "request_datapoints": 0 if self.request_series is None else len(self.request_series.values),
            "instance_days": self.instance_days,
            "instances_max": None if self.instance_series is None else self.instance_series.maximum,
        }


def traffic(ctx: CheckContext, metric_id: str, days: int) -> Traffic:
    """The request and instance series of one service (keyed by its ``_metric_id``)."""
    requests_q, instances_q = run_queries(days)
    req = ctx.metric(requests_q, metric_id) if metric_id else None
    inst = ctx.metric(instances_q, metric_id) if metric_id else None
    return Traffic(
        requests=None if req is None else req.total,
        instance_days=0 if inst is None else len(inst.values),
        request_series=req,
        instance_series=inst,
    )


def _functions_by_service(ctx: CheckContext) -> dict[str, str]:
    """2nd gen functions by the short name of their Cloud Run service."""
    out: dict[str, str] = {}
    for fn in ctx.get(FUNCTIONS):
        service = (fn.get("serviceConfig") or {}).get("service")
        if service:
            out[last_segment(service)] = last_segment(fn.get("name"))
    return out


def scale_down_command(svc: Mapping[str, Any], region: str) -> str:
    """The gcloud line that lets a service scale to zero: ``--min-instances=0`` for the revision minimum,
    ``--min=0`` when a service-level minimum is set too, ``--scaling=auto`` for manual scaling."""
    name = service_name(svc)
    if scaling(svc).manual:
        return f"gcloud run services update {name} --region={region} --scaling=auto --min-instances=0"
    if is_knative(svc):
        service_level = as_int(service_annotations(svc).get("run.googleapis.com/minScale"), 0) or 0
    else:
        service_level = as_int((svc.get("scaling") or {}).get("minInstanceCount"), 0) or 0
    extra = " --min=0" if service_level > 0 else ""
    return f"gcloud run services update {name} --region={region} --min-instances=0{extra}"


# --- gcp.run.idle_min_instances --------------------------------------------------------------------


class IdleMinParams(BaseModel):
    """Parameters of ``gcp.run.idle_min_instances``."""

    window_days: int = Field(
        14, ge=3, le=42, description="Days of daily request and instance metrics to look at."
    )
    min_datapoints: int = Field(
        7, ge=1, description="Days on which instances must have been seen; fewer means unknown, not idle."
    )
    max_requests: int = Field(0, ge=0, description="At most this many requests in the window counts as idle.")
    review_requests_per_day: float = Field(
        1.0,
        ge=0,
        description="Up to this many requests a day on average is reported as nearly idle (low "
        "confidence): the minimum instances then mostly wait.",
    )


@check(
    id="gcp.run.idle_min_instances",
    title="Cloud Run service keeping minimum instances up with no requests",
    resource_type="cloud_run_service",
    severity=Severity.MEDIUM,
    needs=[SERVICES, FUNCTIONS],
    params=IdleMinParams,
    klass="idle",
    metrics=lambda p: run_queries(p.window_days),
    rationale="""
        Minimum instances (v2 `scaling.minInstanceCount` or `template.scaling.minInstanceCount`, v1
        `run.googleapis.com/minScale` or `autoscaling.knative.dev/minScale`; the larger one, or the manual
        instance count) stay up and bill all month: at the idle rate ($0.0000025 per vCPU-second and
        GiB-second) under request-based billing, at the full rate under instance-based billing. A service
        whose         `run.googleapis.com/request_count` stays at most `max_requests` over `window_days` while
        `container/instance_count` shows instances on at least `min_datapoints` days pays for warm instances
        nobody calls. Request counts are only written when requests arrive, so no request datapoints with
        instances present means no requests (medium confidence; high when zero-valued datapoints exist); no
        instance data at all is unknown. Up to `review_requests_per_day` a day is reported as nearly idle with
        low confidence, since the minimum may be there for cold starts. Services younger than the window are
        skipped, and services that belong to a 2nd gen Cloud Function are left to
        `gcp.functions.idle_min_instances`. The original's 10 requests per minute threshold flags services
        that are in real use; we only report what serves (almost) nothing.
    """,
    recommendation=(
        "Let it scale to zero: gcloud run services update <name> --region=<region> --min-instances=0"
    ),
    covers_original=["gcp:gcp_cloud_run_idle_min_instances"],
    covers_peers=[],
)
def idle_min_instances(ctx: CheckContext, params: IdleMinParams) -> Iterator[Hit]:
    """Services with minimum instances and (almost) no requests over the window."""
    owned = _functions_by_service(ctx)
    for svc in ctx.get(SERVICES):
        name = service_name(svc)
        scale = scaling(svc)
        if scale.minimum <= 0 or not name or name in owned:
            continue
        age = days_since(created(svc), ctx)
        if age is not None and age < params.window_days:
            continue
        seen = traffic(ctx, str(svc.get(METRIC_ID) or ""), params.window_days)
        if seen.instance_days < params.min_datapoints:
            continue
        review_limit = params.review_requests_per_day * params.window_days
        if seen.total > max(params.max_requests, review_limit):
            continue
        idle = seen.total <= params.max_requests
        if idle:
            confidence = Confidence.HIGH if seen.request_series is not None else Confidence.MEDIUM
        else:
            confidence = Confidence.LOW
        region = service_location(svc, ctx)
        vcpu, gib = instance_size(svc)
        mode = billing_mode(svc)
        cost = idle_instances_monthly(
            ctx, zone_region(region), scale.minimum, vcpu, gib, mode, CostKind.SAVING
        )
        what = "no requests" if seen.total == 0 else f"{seen.total:,.0f} request(s)"
        yield Hit(
            resource=asset_resource(
                svc, "cloud_run_service", name=name, created=created(svc), tags=service_labels(svc)
            ),
            reason=f"Cloud Run service {name} keeps {scale.minimum} minimum instance(s) of {vcpu:g} vCPU and "
            f"{gib:g} GiB up but had {what} in {params.window_days} days.",
            cost=cost,
            evidence={
                "min_instances": scale.minimum,
                "min_instances_source": scale.source,
                "manual_scaling": scale.manual,
                "vcpu_per_instance": vcpu,
                "gib_per_instance": gib,
                "billing": mode or "unknown",
                "window_days": params.window_days,
                **seen.evidence(),
                "owner_function": function_owner(svc),
                "scenario": "idle_min_instances" if idle else "nearly_idle",
            },
            confidence=confidence,
            recommendation=scale_down_command(svc, region),
            region=region,
        )


# --- gcp.run.instance_billing_low_traffic ---------------------------------------------------------


class InstanceBillingParams(BaseModel):
    """Parameters of ``gcp.run.instance_billing_low_traffic``."""

    window_days: int = Field(
        14, ge=3, le=42, description="Days of daily request and instance metrics to look at."
    )
    min_datapoints: int = Field(7, ge=1, description="Days on which instances must have been seen.")
    max_requests_per_day: float = Field(
        100.0, ge=0, description="Flag when the service averaged at most this many requests a day."
    )


@check(
    id="gcp.run.instance_billing_low_traffic",
    title="Cloud Run service with instance-based billing and minimum instances for sporadic traffic",
    resource_type="cloud_run_service",
    severity=Severity.LOW,
    needs=[SERVICES, FUNCTIONS],
    params=InstanceBillingParams,
    klass="oversized",
    metrics=lambda p: run_queries(p.window_days),
    rationale="""
        With instance-based billing ("CPU always allocated": v1 `run.googleapis.com/cpu-throttling: "false"`,
        v2 `cpuIdle: false`, or manual scaling) every instance bills its whole lifetime at $0.000018 per
        vCPU-second; under request-based billing a minimum instance waiting for requests bills $0.0000025.
        For a service that keeps minimum instances up but averages at most `max_requests_per_day` requests
        (and at least one: a service with none is `gcp.run.idle_min_instances`), switching billing saves
        roughly the difference on its minimum instances. The figure is an upper bound (the time spent on
        requests would then bill at the request-based active rate, small at this traffic), and instance-based
        billing is needed by services that work after responding (background threads, pull consumers),
        which metrics cannot show: low confidence. This is the question Google's Cloud Run cost recommender
        answers; the original's 100 requests per minute would flag busy services.
    """,
    recommendation=(
        "If it does no work outside requests, switch to request-based billing: "
        "gcloud run services update <name> --region=<region> --cpu-throttling"
    ),
    covers_original=["gcp:gcp_cloud_run_cpu_always_allocated"],
    covers_peers=["gcp.run.cpu_allocation"],
)
def instance_billing_low_traffic(ctx: CheckContext, params: InstanceBillingParams) -> Iterator[Hit]:
    """Instance-billed services with minimum instances and a few requests a day."""
    owned = _functions_by_service(ctx)
    for svc in ctx.get(SERVICES):
        name = service_name(svc)
        scale = scaling(svc)
        if scale.minimum <= 0 or not name or name in owned or billing_mode(svc) != "instance" or scale.manual:
            continue
        seen = traffic(ctx, str(svc.get(METRIC_ID) or ""), params.window_days)
        if seen.instance_days < params.min_datapoints or seen.total <= 0:
            continue
        per_day = seen.total / params.window_days
        if per_day > params.max_requests_per_day:
            continue
        region = service_location(svc, ctx)
        price_at = zone_region(region)
        vcpu, gib = instance_size(svc)
        now = idle_instances_monthly(ctx, price_at, scale.minimum, vcpu, gib, "instance", CostKind.SAVING)
        after = idle_instances_monthly(ctx, price_at, scale.minimum, vcpu, gib, "request", CostKind.SAVING)
        if now.amount is None or after.amount is None:
            cost = Money.unknown(CostKind.SAVING, detail=now.detail if now.amount is None else after.detail)
        else:
            cost = Money(
                amount=round(now.amount - after.amount, 2),
                currency=now.currency,
                basis=CostBasis.ESTIMATE,
                kind=CostKind.SAVING,
                detail=f"{scale.minimum} minimum instance(s): instance-based ${now.amount:.2f} "
                f"[{now.detail}] - request-based idle ${after.amount:.2f} [{after.detail}]; request time not "
                "included (upper bound)",
            )
        yield Hit(
            resource=asset_resource(
                svc, "cloud_run_service", name=name, created=created(svc), tags=service_labels(svc)
            ),
            reason=f"Cloud Run service {name} bills {scale.minimum} minimum instance(s) all the time "
            f"(instance-based billing) for {per_day:,.1f} requests a day over {params.window_days} days.",
            cost=cost,
            evidence={
                "min_instances": scale.minimum,
                "min_instances_source": scale.source,
                "vcpu_per_instance": vcpu,
                "gib_per_instance": gib,
                "billing": "instance",
                "requests_per_day": round(per_day, 2),
                "window_days": params.window_days,
                **seen.evidence(),
                "scenario": "cpu_always_allocated",
            },
            confidence=Confidence.LOW,
            recommendation=f"gcloud run services update {name} --region={region} --cpu-throttling",
            region=region,
        )
