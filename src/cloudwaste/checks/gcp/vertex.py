"""Vertex AI endpoint checks: endpoints with no deployed model, deployed models that serve no predictions,
and deployed models that get no share of the endpoint's traffic.

Items are Cloud Asset Inventory ``aiplatform.googleapis.com/Endpoint`` assets: the Vertex AI API's
``Endpoint`` in REST form (``name`` ``projects/<number>/locations/<region>/endpoints/<id>``, ``displayName``,
``deployedModels[]{id, model, createTime, dedicatedResources{machineSpec{machineType, acceleratorType,
acceleratorCount}, minReplicaCount, maxReplicaCount}, automaticResources, sharedResources}``,
``trafficSplit{deployedModelId: percent}``, ``network`` for private endpoints, ``createTime``,
``updateTime``).

An endpoint alone bills nothing; each deployed model bills its nodes every hour it is deployed, at least
``minReplicaCount`` of them, whether predictions come or not. Node prices (``gcp_serverless.json``) are the
prediction rates per vCPU-hour and GB-hour of E2, N1, N2, N2D and C2 nodes plus T4, P4, P100 and V100 GPUs;
other machine families, TPUs and AutoML (automatic resources) nodes are unknown. Models on a shared
deployment resource pool are billed on the pool and left out.

Metrics: resource type ``aiplatform.googleapis.com/Endpoint``, label ``endpoint_id`` = the last part of the
endpoint's name, which the provider puts in each item's ``_metric_id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.gcp._common import (
    as_float,
    as_int,
    asset_location,
    asset_resource,
    days_since,
    last_segment,
    parse_time,
    whole_days,
    zone_region,
)
from cloudwaste.checks.gcp._compute import machine_type
from cloudwaste.checks.gcp.gke import lower_bound
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Severity

ENDPOINTS = "gcp:vertex_endpoints"
METRIC_ID = "_metric_id"  # the endpoint id: the endpoint_id label of aiplatform.googleapis.com/Endpoint
PREDICTIONS = "aiplatform.googleapis.com/prediction/online/prediction_count"
PRIVATE_RESPONSES = "aiplatform.googleapis.com/prediction/online/private/response_count"
REPLICAS = "aiplatform.googleapis.com/prediction/online/replicas"


def endpoint_id(endpoint: Mapping[str, Any]) -> str:
    """The numeric endpoint id (last part of ``name``)."""
    return last_segment(endpoint.get("name"))


def label(endpoint: Mapping[str, Any]) -> str:
    """How reasons name an endpoint: its display name and id."""
    shown = endpoint.get("displayName")
    return f"{shown} ({endpoint_id(endpoint)})" if shown else endpoint_id(endpoint)


def node_monthly(ctx: CheckContext, deployed: Mapping[str, Any], region: str) -> Money:
    """What one deployed model's nodes cost a month: ``minReplicaCount`` x (vCPUs + memory + GPUs) at the
    prediction rates; unknown for AutoML (automatic resources) and unbundled machine types, left out (0 is
    not claimed) for models on a shared deployment resource pool."""
    model = deployed.get("id")
    if deployed.get("sharedResources"):
        return Money.unknown(
            detail=f"model {model} runs on shared pool {last_segment(deployed['sharedResources'])}: "
            "billed on the pool"
        )
    dedicated = deployed.get("dedicatedResources")
    if not dedicated:
        return Money.unknown(detail=f"model {model}: automatic (AutoML) node-hours are not in the book")
    replicas = as_int(dedicated.get("minReplicaCount"), 1) or 1
    spec = dedicated.get("machineSpec") or {}
    machine = str(spec.get("machineType") or "n1-standard-2")
    mt = machine_type(machine)
    if mt is None or mt.vcpus is None or mt.memory_gb is None:
        return Money.unknown(detail=f"model {model}: no prediction price for {machine}")
    parts = [
        ctx.prices.monthly(
            f"gcp.vertex.prediction.{mt.family}.vcpu_hour",
            region,
            mt.vcpus * replicas,
            what=f"vCPU {mt.family}",
        ),
        ctx.prices.monthly(
            f"gcp.vertex.prediction.{mt.family}.ram_gb_hour", region, mt.memory_gb * replicas, what="GB RAM"
        ),
    ]
    gpus = as_int(spec.get("acceleratorCount"), 0) or 0
    gpu_type = str(spec.get("acceleratorType") or "")
    if gpus and gpu_type and gpu_type != "ACCELERATOR_TYPE_UNSPECIFIED":
        parts.append(
            ctx.prices.monthly(
                f"gcp.vertex.prediction.gpu.{gpu_type.lower()}.hour", region, gpus * replicas, what=gpu_type
            )
        )
    if any(p.amount is None for p in parts):
        missing = "; ".join(p.detail or "" for p in parts if p.amount is None)
        return Money.unknown(detail=f"model {model}: {missing}")
    total = round(sum(p.amount or 0.0 for p in parts), 2)
    basis = CostBasis.ESTIMATE if any(p.basis is CostBasis.ESTIMATE for p in parts) else parts[0].basis
    detail = f"model {model}: {replicas} x {machine}" + (f" + {gpus} x {gpu_type}" if gpus else "")
    return Money(
        amount=total, basis=basis, detail=f"{detail} (" + " + ".join(p.detail or "" for p in parts) + ")"
    )


def models_monthly(ctx: CheckContext, models: list[Mapping[str, Any]], region: str) -> Money:
    """The nodes of several deployed models (a lower bound when some are unknown)."""
    return lower_bound([node_monthly(ctx, m, region) for m in models])


def billed(deployed: Mapping[str, Any]) -> bool:
    """Whether a deployed model bills nodes of its own while it waits (shared pools bill on the pool;
    a dedicated deployment that may scale to zero, ``minReplicaCount`` 0 and so left out of the JSON,
    bills nothing idle)."""
    if deployed.get("sharedResources"):
        return False
    dedicated = deployed.get("dedicatedResources")
    if dedicated is not None and (as_int(dedicated.get("minReplicaCount"), 0) or 0) <= 0:
        return False
    return True


def undeploy(endpoint: Mapping[str, Any], region: str, model_ids: list[str]) -> str:
    """The gcloud lines that undeploy ``model_ids`` from an endpoint."""
    return " && ".join(
        f"gcloud ai endpoints undeploy-model {endpoint_id(endpoint)} --region={region} "
        f"--deployed-model-id={m}"
        for m in model_ids
    )


def _resource(endpoint: Mapping[str, Any]) -> Any:
    return asset_resource(
        endpoint,
        "vertex_ai_endpoint",
        name=str(endpoint.get("displayName") or endpoint_id(endpoint)),
        created=endpoint.get("createTime"),
    )


# --- gcp.vertex.endpoint_without_models ---------------------------------------------------------------


class EmptyParams(BaseModel):
    """Parameters of ``gcp.vertex.endpoint_without_models``."""

    min_age_days: int = Field(
        7, ge=0, description="Only flag endpoints unchanged (updateTime) for this many days."
    )


@check(
    id="gcp.vertex.endpoint_without_models",
    title="Vertex AI endpoint with no deployed model",
    resource_type="vertex_ai_endpoint",
    severity=Severity.LOW,
    needs=[ENDPOINTS],
    params=EmptyParams,
    klass="hygiene",
    rationale="""
        An endpoint with an empty `deployedModels` serves nothing. It also costs nothing: Vertex AI bills the
        nodes of deployed models, not endpoints, so this is clutter with no direct charge (cost 0), worth
        deleting so that dashboards and quotas show what is real. Endpoints changed within `min_age_days`
        (`updateTime`, else `createTime`) are skipped: a model may be about to be deployed. Peers that price
        this as waste are wrong; the endpoints that do cost money are those with deployed models and no
        traffic (`gcp.vertex.idle_deployed_model`).
    """,
    recommendation="Delete it: gcloud ai endpoints delete <id> --region=<region>",
    covers_original=[],
    covers_peers=["gcp.vertex.idle_endpoint"],
)
def endpoint_without_models(ctx: CheckContext, params: EmptyParams) -> Iterator[Hit]:
    """Endpoints with no deployed model, unchanged for ``min_age_days``."""
    for endpoint in ctx.get(ENDPOINTS):
        if endpoint.get("deployedModels"):
            continue
        age = days_since(endpoint.get("updateTime") or endpoint.get("createTime"), ctx)
        if age is None or age < params.min_age_days:
            continue
        region = asset_location(endpoint, ctx)
        yield Hit(
            resource=_resource(endpoint),
            reason=f"Vertex AI endpoint {label(endpoint)} has no deployed model and has not changed for "
            f"{whole_days(age)}.",
            cost=Money(
                amount=0.0,
                basis=CostBasis.BUNDLED_PRICE,
                kind=CostKind.COST,
                detail="no direct charge: Vertex AI bills the nodes of deployed models, not endpoints",
            ),
            evidence={
                "deployed_models": 0,
                "days_unchanged": round(age, 1),
                "scenario": "no_deployed_models",
            },
            confidence=Confidence.HIGH,
            recommendation=f"gcloud ai endpoints delete {endpoint_id(endpoint)} --region={region}",
            region=region,
        )


# --- gcp.vertex.idle_deployed_model -----------------------------------------------------------------------


class IdleParams(BaseModel):
    """Parameters of ``gcp.vertex.idle_deployed_model``."""

    window_days: int = Field(
        30, ge=7, le=42, description="Days of daily prediction and replica metrics to look at."
    )
    min_datapoints: int = Field(
        14, ge=1, description="Days with replica data needed; fewer means unknown, not idle."
    )
    max_predictions: int = Field(
        0, ge=0, description="At most this many predictions in the window counts as idle."
    )
    review_predictions_per_day: float = Field(
        10.0,
        ge=0,
        description="Up to this many predictions a day on average is low traffic (low confidence): "
        "batch prediction or a smaller machine may be cheaper.",
    )


def _idle_queries(params: IdleParams) -> list[MetricQuery]:
    common: dict[str, Any] = {
        "namespace": "aiplatform.googleapis.com/Endpoint",
        "dimension": "endpoint_id",
        "collection": ENDPOINTS,
        "id_field": METRIC_ID,
        "period_s": 86400,
        "days": params.window_days,
    }
    return [
        MetricQuery(metric=PREDICTIONS, stat="Sum", **common),
        MetricQuery(metric=PRIVATE_RESPONSES, stat="Sum", **common),
        MetricQuery(metric=REPLICAS, stat="Maximum", **common),
    ]


@check(
    id="gcp.vertex.idle_deployed_model",
    title="Vertex AI endpoint whose deployed models bill nodes around the clock for no predictions",
    resource_type="vertex_ai_endpoint",
    severity=Severity.HIGH,
    needs=[ENDPOINTS],
    params=IdleParams,
    klass="idle",
    metrics=_idle_queries,
    rationale="""
        A model deployed on dedicated resources bills at least `minReplicaCount` nodes every hour, 24/7, with
        or without traffic. An endpoint whose `prediction/online/prediction_count` (plus
        `prediction/online/private/response_count` for private endpoints, which report there) totals at most
        `max_predictions` over `window_days`, while `prediction/online/replicas` shows nodes on at least
        `min_datapoints` days, pays for nodes nobody calls. Prediction counts are written only when
        predictions happen: no prediction datapoints with replicas present means none (medium confidence,
        high when zero-valued datapoints exist); no replica data is unknown. Up to
        `review_predictions_per_day` a day is low traffic (low confidence), the original's threshold. Models
        deployed within the window, on shared resource pools or able to scale to zero are not counted. The
        cost is the deployed models' nodes (machine type and GPUs x minimum replicas) at prediction rates.
    """,
    recommendation="Undeploy the models (the endpoint itself is free): gcloud ai endpoints undeploy-model "
    "<id> --region=<region> --deployed-model-id=<deployed-model-id>",
    covers_original=["gcp:vertex_ai_zero_predictions", "gcp:vertex_ai_idle_endpoints"],
    covers_peers=["gcp.vertex.idle_endpoint"],
)
def idle_deployed_model(ctx: CheckContext, params: IdleParams) -> Iterator[Hit]:
    """Endpoints with billed deployed models and (almost) no predictions over the window."""
    predictions_q, private_q, replicas_q = _idle_queries(params)
    for endpoint in ctx.get(ENDPOINTS):
        models = [m for m in endpoint.get("deployedModels") or [] if billed(m)]
        if not models:
            continue
        ages = [days_since(m.get("createTime") or endpoint.get("createTime"), ctx) for m in models]
        if any(a is None or a < params.window_days for a in ages):
            continue
        metric_id = str(endpoint.get(METRIC_ID) or "")
        replicas = ctx.metric(replicas_q, metric_id) if metric_id else None
        if replicas is None or len(replicas.values) < params.min_datapoints:
            continue
        predictions = ctx.metric(predictions_q, metric_id)
        private = ctx.metric(private_q, metric_id)
        total = (0.0 if predictions is None else predictions.total) + (
            0.0 if private is None else private.total
        )
        if total > max(params.max_predictions, params.review_predictions_per_day * params.window_days):
            continue
        idle = total <= params.max_predictions
        if idle:
            confidence = (
                Confidence.HIGH if predictions is not None or private is not None else Confidence.MEDIUM
            )
        else:
            confidence = Confidence.LOW
        region = asset_location(endpoint, ctx)
        cost = models_monthly(ctx, models, zone_region(region))
        what = "no predictions" if total == 0 else f"{total:,.0f} prediction(s)"
        ids = [str(m.get("id")) for m in models]
        yield Hit(
            resource=_resource(endpoint),
            reason=f"Vertex AI endpoint {label(endpoint)} keeps {len(models)} deployed model(s) on dedicated "
            f"nodes but served {what} in {params.window_days} days.",
            cost=cost,
            evidence={
                "deployed_models": [
                    {
                        "id": m.get("id"),
                        "machine_type": ((m.get("dedicatedResources") or {}).get("machineSpec") or {}).get(
                            "machineType"
                        ),
                        "min_replicas": as_int((m.get("dedicatedResources") or {}).get("minReplicaCount"), 1),
                        "accelerator": ((m.get("dedicatedResources") or {}).get("machineSpec") or {}).get(
                            "acceleratorType"
                        ),
                        "deployed": m.get("createTime"),
                    }
                    for m in models
                ],
                "predictions": total,
                "prediction_datapoints": 0 if predictions is None else len(predictions.values),
                "private_endpoint": bool(endpoint.get("network")),
                "replicas_max": replicas.maximum,
                "replica_days": len(replicas.values),
                "window_days": params.window_days,
                "scenario": "zero_predictions" if idle else "low_traffic",
            },
            confidence=confidence,
            recommendation=undeploy(endpoint, region, ids),
            cost_group=f"vertex-endpoint:{endpoint.get('name')}",
            region=region,
        )


# --- gcp.vertex.zero_traffic_model ---------------------------------------------------------------------


class ZeroTrafficParams(BaseModel):
    """Parameters of ``gcp.vertex.zero_traffic_model``."""

    min_age_days: int = Field(7, ge=0, description="Only flag models deployed at least this many days ago.")


@check(
    id="gcp.vertex.zero_traffic_model",
    title="Vertex AI deployed model that gets 0% of its endpoint's traffic",
    resource_type="vertex_ai_deployed_model",
    severity=Severity.MEDIUM,
    needs=[ENDPOINTS],
    params=ZeroTrafficParams,
    klass="idle",
    rationale="""
        An endpoint's `trafficSplit` maps deployed model ids to the percentage of predictions they get. A
        deployed model that is missing from a non-empty split, or set to 0, receives no traffic (a finished
        A/B test, or the old version kept after a rollout) but still bills its minimum replicas. Models
        deployed less than `min_age_days` ago are skipped (a canary about to get traffic), as are endpoints
        with an empty split and models on shared resource pools. Medium confidence: a client can still call
        one deployed model directly by id. The cost is its nodes at prediction rates; it shares a cost group
        with the endpoint's idle finding so totals count it once.
    """,
    recommendation="Undeploy it: gcloud ai endpoints undeploy-model <id> --region=<region> "
    "--deployed-model-id=<deployed-model-id>",
    covers_original=["gcp:vertex_ai_unused_traffic_split"],
    covers_peers=["gcp.vertex.idle_endpoint"],
)
def zero_traffic_model(ctx: CheckContext, params: ZeroTrafficParams) -> Iterator[Hit]:
    """Billed deployed models with no share of a non-empty traffic split."""
    for endpoint in ctx.get(ENDPOINTS):
        split = {str(k): as_float(v, 0.0) or 0.0 for k, v in (endpoint.get("trafficSplit") or {}).items()}
        if not split or sum(split.values()) <= 0:
            continue
        region = asset_location(endpoint, ctx)
        for deployed in endpoint.get("deployedModels") or []:
            model_id = str(deployed.get("id") or "")
            if not model_id or split.get(model_id, 0.0) > 0 or not billed(deployed):
                continue
            age = days_since(deployed.get("createTime"), ctx)
            if age is None or age < params.min_age_days:
                continue
            others = {k: v for k, v in split.items() if v > 0}
            item = {
                **endpoint,
                "_asset_name": f"{endpoint.get('_asset_name') or endpoint.get('name')}"
                f"/deployedModels/{model_id}",
            }
            yield Hit(
                resource=asset_resource(
                    item,
                    "vertex_ai_deployed_model",
                    name=str(deployed.get("displayName") or model_id),
                    created=parse_time(deployed.get("createTime")),
                ),
                reason=f"Deployed model {deployed.get('displayName') or model_id} on Vertex AI endpoint "
                f"{label(endpoint)} gets 0% of the traffic (the split sends it all to "
                f"{', '.join(sorted(others))}) and has been deployed for {whole_days(age)}.",
                cost=node_monthly(ctx, deployed, zone_region(region)),
                evidence={
                    "endpoint": endpoint.get("name"),
                    "deployed_model_id": model_id,
                    "model": deployed.get("model"),
                    "traffic_split": split,
                    "deployed_days": round(age, 1),
                    "scenario": "unused_traffic_split",
                },
                confidence=Confidence.MEDIUM,
                recommendation=undeploy(endpoint, region, [model_id]),
                cost_group=f"vertex-endpoint:{endpoint.get('name')}",
                region=region,
            )
