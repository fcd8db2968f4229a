"""Vertex AI Workbench checks: ACTIVE instances without idle shutdown, ACTIVE instances whose VM is idle
(GPUs included), and STOPPED instances whose disks are still billed.

Items are Cloud Asset Inventory ``notebooks.googleapis.com/Instance`` assets in either API shape: **v2**
(Workbench instances: ``name`` ``projects/p/locations/<zone>/instances/<id>``, ``state`` ACTIVE, STOPPED,
..., ``gceSetup{machineType, acceleratorConfigs[]{type, coreCount}, bootDisk{diskSizeGb, diskType},
dataDisks[], metadata{idle-timeout-seconds}}``, ``createTime``, ``updateTime``) and **v1** (user-managed
notebooks: ``machineType``, ``acceleratorConfig``, ``bootDiskSizeGb``/``bootDiskType``,
``dataDiskSizeGb``/``dataDiskType``, ``metadata``). Both are read.

Every instance runs on a Compute Engine VM of the same name in the instance's zone; it is found in
``gcp:instances`` for its CPU metric (``compute.googleapis.com/instance/cpu/utilization``, the same query as
``gcp.compute.idle_vm``), its stop time and its disks. Prices: the VM's machine type (``gcp_compute.json``)
and attached GPUs (``gcp_serverless.json``); the Workbench management fee is not in the book and is left
out of every figure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.gcp._common import (
    as_int,
    asset_location,
    asset_resource,
    days_since,
    iso,
    last_segment,
    norm_url,
    parse_time,
    path_segment,
    resource_id,
    whole_days,
    zone_of,
    zone_region,
)
from cloudwaste.checks.gcp._compute import DISKS, INSTANCES, disk_monthly, machine_monthly
from cloudwaste.checks.gcp.compute import CPU, NOT_RUNNING
from cloudwaste.checks.gcp.gke import lower_bound
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Severity
from cloudwaste.pricing.aws import with_note

NOTEBOOKS = "gcp:workbench_instances"
IDLE_KEY = "idle-timeout-seconds"
FEE_NOTE = "Workbench management fee not included (not in the book)"
_DISK_TYPES = {
    "PD_STANDARD": "pd-standard",
    "PD_SSD": "pd-ssd",
    "PD_BALANCED": "pd-balanced",
    "PD_EXTREME": "pd-extreme",
}


# --- reading both shapes ----------------------------------------------------------------------------


def is_v2(notebook: Mapping[str, Any]) -> bool:
    """A Workbench instance (v2 API, ``gceSetup``) rather than a user-managed notebook (v1)."""
    return isinstance(notebook.get("gceSetup"), Mapping)


def instance_id(notebook: Mapping[str, Any]) -> str:
    """The instance's short name (also its VM's name)."""
    return last_segment(notebook.get("name"))


def zone(notebook: Mapping[str, Any], ctx: CheckContext) -> str:
    """The instance's zone (the ``locations/`` part of its name)."""
    return str(path_segment(notebook.get("name"), "locations") or asset_location(notebook, ctx))


def machine(notebook: Mapping[str, Any]) -> str:
    """The machine type name of either shape."""
    setup = notebook.get("gceSetup") or {}
    return last_segment(setup.get("machineType") if is_v2(notebook) else notebook.get("machineType"))


def metadata(notebook: Mapping[str, Any]) -> dict[str, str]:
    """Instance metadata of either shape."""
    raw = (notebook.get("gceSetup") or {}).get("metadata") if is_v2(notebook) else notebook.get("metadata")
    return {str(k): str(v) for k, v in (raw or {}).items()}


def gpus(notebook: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(accelerator type, count) pairs of either shape (``NVIDIA_TESLA_T4``, 1)."""
    if is_v2(notebook):
        configs = (notebook.get("gceSetup") or {}).get("acceleratorConfigs") or []
    else:
        configs = [notebook["acceleratorConfig"]] if notebook.get("acceleratorConfig") else []
    out = []
    for config in configs:
        kind = str(config.get("type") or "")
        count = as_int(config.get("coreCount"), 0) or 0
        if kind and kind != "ACCELERATOR_TYPE_UNSPECIFIED" and count > 0:
            out.append((kind, count))
    return out


def backing_vm(notebook: Mapping[str, Any], ctx: CheckContext) -> Mapping[str, Any] | None:
    """The Compute Engine instance that runs a notebook (same name, same zone)."""
    where, name = zone(notebook, ctx), instance_id(notebook)
    vm: Mapping[str, Any]
    for vm in ctx.get(INSTANCES):
        if vm.get("name") == name and zone_of(vm.get("zone")) == where:
            return vm
    return None


def running_monthly(ctx: CheckContext, notebook: Mapping[str, Any], vm: Mapping[str, Any] | None) -> Money:
    """What running the notebook costs a month and stopping it saves: its VM's machine type plus GPUs
    (list prices; disks keep billing when stopped and the management fee is not in the book)."""
    region = zone_region(zone(notebook, ctx))
    machine_name = last_segment(vm.get("machineType")) if vm else machine(notebook)
    parts = [machine_monthly(ctx, machine_name, region)]
    for kind, count in gpus(notebook):
        parts.append(ctx.prices.monthly(f"gcp.workbench.gpu.{kind.lower()}.hour", region, count, what=kind))
    return with_note(lower_bound(parts), FEE_NOTE)


def _resource(notebook: Mapping[str, Any]) -> Any:
    return asset_resource(
        notebook, "workbench_instance", name=instance_id(notebook), created=notebook.get("createTime")
    )


def _command(notebook: Mapping[str, Any], ctx: CheckContext, verb: str, extra: str = "") -> str:
    group = "gcloud workbench instances" if is_v2(notebook) else "gcloud notebooks instances"
    return f"{group} {verb} {instance_id(notebook)} --location={zone(notebook, ctx)}{extra}"


# --- gcp.workbench.no_idle_shutdown ------------------------------------------------------------------


class NoIdleShutdownParams(BaseModel):
    """Parameters of ``gcp.workbench.no_idle_shutdown``."""

    min_age_days: int = Field(7, ge=0, description="Only flag instances created at least this many days ago.")
    recommended_timeout_s: int = Field(
        10800,
        ge=600,
        description="The idle timeout the recommendation proposes (10800 s is Workbench's default).",
    )


@check(
    id="gcp.workbench.no_idle_shutdown",
    title="Vertex AI Workbench instance running without idle shutdown",
    resource_type="workbench_instance",
    severity=Severity.LOW,
    needs=[NOTEBOOKS, INSTANCES],
    params=NoIdleShutdownParams,
    klass="policy",
    rationale="""
        Workbench shuts an instance down after the idle time in its `idle-timeout-seconds` metadata (180
        minutes when created in the console). An ACTIVE instance whose metadata has no positive
        `idle-timeout-seconds`, or whose `enable-guest-attributes` is "false" (idle shutdown needs guest
        attributes), keeps its VM and GPUs billed through nights and weekends once its user walks away.
        Instances younger than `min_age_days` are skipped. A policy finding: the saving depends on how long
        the instance sits idle and is unknown; the finding shows what the instance costs a month running
        (its VM and GPUs at list price; the Workbench management fee is not in the book).
    """,
    recommendation=(
        "Turn idle shutdown on: gcloud workbench instances update <name> --location=<zone> "
        "--metadata=idle-timeout-seconds=10800"
    ),
    covers_original=["gcp:notebook_instance_idle_no_shutdown"],
    covers_peers=["gcp.vertex.idle_endpoint"],
)
def no_idle_shutdown(ctx: CheckContext, params: NoIdleShutdownParams) -> Iterator[Hit]:
    """ACTIVE instances without a working idle shutdown."""
    for notebook in ctx.get(NOTEBOOKS):
        if notebook.get("state") != "ACTIVE":
            continue
        age = days_since(notebook.get("createTime"), ctx)
        if age is None or age < params.min_age_days:
            continue
        meta = metadata(notebook)
        timeout = as_int(meta.get(IDLE_KEY))
        guest = meta.get("enable-guest-attributes", "").strip().lower()
        if timeout is not None and timeout > 0 and guest != "false":
            continue
        if timeout is not None and timeout > 0:
            scenario, why = (
                "guest_attributes_off",
                "idle shutdown is set but guest attributes are off, so it never runs",
            )
        elif timeout is None:
            scenario, why = "no_idle_timeout", f"its metadata has no {IDLE_KEY}"
        else:
            scenario, why = "idle_shutdown_off", f"{IDLE_KEY} is {timeout} (off)"
        monthly = running_monthly(ctx, notebook, backing_vm(notebook, ctx))
        estimate = f"${monthly.amount:,.2f}/month" if monthly.amount is not None else "an unknown amount"
        extra = f" --metadata={IDLE_KEY}={params.recommended_timeout_s}"
        if scenario == "guest_attributes_off":
            extra += ",enable-guest-attributes=TRUE"
        yield Hit(
            resource=_resource(notebook),
            reason=f"Workbench instance {instance_id(notebook)} ({machine(notebook)}) is ACTIVE without idle "
            f"shutdown: {why}; running costs about {estimate}.",
            cost=Money.unknown(
                CostKind.SAVING,
                detail=f"the saving is the idle time shutdown would cut, not known; running costs {estimate} "
                f"[{monthly.detail}]",
            ),
            evidence={
                "state": notebook.get("state"),
                "api": "v2" if is_v2(notebook) else "v1",
                IDLE_KEY: meta.get(IDLE_KEY),
                "enable_guest_attributes": meta.get("enable-guest-attributes"),
                "gpus": gpus(notebook),
                "running_monthly": monthly.amount,
                "age_days": round(age, 1),
                "scenario": scenario,
            },
            confidence=Confidence.MEDIUM,
            recommendation=_command(notebook, ctx, "update", extra)
            if is_v2(notebook)
            else "User-managed notebooks are deprecated: move it to a Workbench instance with idle shutdown, "
            f"e.g. gcloud workbench instances create {instance_id(notebook)} "
            f"--location={zone(notebook, ctx)} --machine-type={machine(notebook)} "
            f"--metadata={IDLE_KEY}={params.recommended_timeout_s}",
            region=zone(notebook, ctx),
        )


# --- gcp.workbench.idle_instance ----------------------------------------------------------------------


class IdleParams(BaseModel):
    """Parameters of ``gcp.workbench.idle_instance``."""

    window_days: int = Field(14, ge=3, le=42, description="Days of daily VM CPU metrics to look at.")
    min_datapoints: int = Field(
        7, ge=1, description="Days with CPU data needed; fewer means unknown, not idle."
    )
    cpu_max_pct: float = Field(
        5.0, ge=0, le=100, description="Flag when every day's mean CPU is at most this percent."
    )
    cpu_high_confidence_pct: float = Field(
        2.0, ge=0, le=100, description="Every day's mean CPU at most this percent gives high confidence."
    )


def _cpu_queries(params: IdleParams) -> list[MetricQuery]:
    return [
        MetricQuery(
            namespace="gce_instance",
            metric=CPU,
            dimension="instance_id",
            collection=INSTANCES,
            id_field="id",
            stat="Average",
            period_s=86400,
            days=params.window_days,
            skip_states=NOT_RUNNING,
            state_field="status",
        )
    ]


@check(
    id="gcp.workbench.idle_instance",
    title="Vertex AI Workbench instance ACTIVE with an idle VM (and idle GPUs)",
    resource_type="workbench_instance",
    severity=Severity.MEDIUM,
    needs=[NOTEBOOKS, INSTANCES],
    params=IdleParams,
    klass="idle",
    metrics=_cpu_queries,
    rationale="""
        An ACTIVE Workbench instance bills its VM and any GPUs every hour. Its VM (same name, same zone in
        `gcp:instances`) is idle when the daily mean of `compute.googleapis.com/instance/cpu/utilization`
        stays at most `cpu_max_pct` on every day of `window_days`, with at least `min_datapoints` days of data
        (high confidence at `cpu_high_confidence_pct`); no data, or no VM found, is unknown. Instances with
        GPUs are the costly case and say so (scenario `gpu_idle`); GPU utilization itself needs the Ops Agent
        and is not read, so a GPU-bound job with a near-idle CPU is the trap, and GPU findings get medium
        confidence at most. The original flags "no kernel activity" it never measures. The cost is what
        stopping saves: the VM's machine type and the GPUs at list price (disks keep billing; the
        management fee is not in the book).
    """,
    recommendation="Stop it (disks are kept): gcloud workbench instances stop <name> --location=<zone>",
    covers_original=[
        "gcp:notebook_instance_running_no_activity",
        "gcp:notebook_instance_gpu_attached_unused",
    ],
    covers_peers=[],
)
def idle_instance(ctx: CheckContext, params: IdleParams) -> Iterator[Hit]:
    """ACTIVE instances whose VM's daily mean CPU stays under ``cpu_max_pct``."""
    (query,) = _cpu_queries(params)
    for notebook in ctx.get(NOTEBOOKS):
        if notebook.get("state") != "ACTIVE":
            continue
        age = days_since(notebook.get("createTime"), ctx)
        if age is not None and age < params.window_days:
            continue
        vm = backing_vm(notebook, ctx)
        if vm is None or vm.get("status") != "RUNNING":
            continue
        series = ctx.metric(query, str(vm.get("id") or ""))
        if series is None or len(series.values) < params.min_datapoints:
            continue
        cpu_max = max(series.values) * 100.0
        if cpu_max > params.cpu_max_pct:
            continue
        attached = gpus(notebook)
        confidence = Confidence.HIGH if cpu_max <= params.cpu_high_confidence_pct else Confidence.MEDIUM
        if attached:
            confidence = Confidence.MEDIUM
        gpu_text = (" with " + ", ".join(f"{n} x {k}" for k, n in attached)) if attached else ""
        yield Hit(
            resource=_resource(notebook),
            reason=f"Workbench instance {instance_id(notebook)} ({machine(notebook)}{gpu_text}) is ACTIVE "
            f"but its VM averaged at most {cpu_max:.1f}% CPU on each of {len(series.values)} days.",
            cost=running_monthly(ctx, notebook, vm),
            evidence={
                "vm": vm.get("name"),
                "machine_type": last_segment(vm.get("machineType")) or machine(notebook),
                "gpus": attached,
                "cpu_max_daily_mean_pct": round(cpu_max, 2),
                "cpu_mean_pct": round(sum(series.values) / len(series.values) * 100.0, 2),
                "idle_timeout_seconds": metadata(notebook).get(IDLE_KEY),
                **series.evidence(),
                "scenario": "gpu_idle" if attached else "idle",
            },
            confidence=confidence,
            severity=Severity.HIGH if attached else None,
            recommendation=_command(notebook, ctx, "stop"),
            region=zone(notebook, ctx),
        )


# --- gcp.workbench.stopped_instance ------------------------------------------------------------------


class StoppedParams(BaseModel):
    """Parameters of ``gcp.workbench.stopped_instance``."""

    min_days: int = Field(30, ge=0, description="Only flag instances stopped at least this many days.")
    high_confidence_days: int = Field(
        90, ge=0, description="Stopped at least this many days gives high confidence."
    )


def configured_disks(ctx: CheckContext, notebook: Mapping[str, Any]) -> list[Money]:
    """The boot and data disks a notebook's config declares, priced by size and type (an estimate used
    when its VM's disks are not listed)."""
    region = zone_region(zone(notebook, ctx))
    if is_v2(notebook):
        setup = notebook.get("gceSetup") or {}
        specs = [setup.get("bootDisk") or {}, *(setup.get("dataDisks") or [])]
        pairs = [(as_int(s.get("diskSizeGb")), s.get("diskType")) for s in specs]
    else:
        pairs = [
            (as_int(notebook.get("bootDiskSizeGb")), notebook.get("bootDiskType")),
            (as_int(notebook.get("dataDiskSizeGb")), notebook.get("dataDiskType")),
        ]
    out = []
    for size, kind in pairs:
        if not size:
            continue
        dtype = _DISK_TYPES.get(str(kind or "PD_STANDARD"), "pd-standard")
        money = ctx.prices.monthly(f"gcp.compute.disk.{dtype}.gb_month", region, size, what=f"GB {dtype}")
        if money.amount is not None:
            money = money.model_copy(update={"basis": CostBasis.ESTIMATE})
        out.append(money)
    return out


@check(
    id="gcp.workbench.stopped_instance",
    title="Vertex AI Workbench instance stopped for a long time, its disks still billed",
    resource_type="workbench_instance",
    severity=Severity.LOW,
    needs=[NOTEBOOKS, INSTANCES, DISKS],
    params=StoppedParams,
    klass="idle",
    rationale="""
        A STOPPED Workbench instance bills no CPU or GPU, but its boot and data disks are billed in full.
        The stop time is its VM's `lastStopTimestamp` when the VM is listed, else the instance's `updateTime`
        (an approximation the finding names); instances stopped at least `min_days` are reported, with high
        confidence from `high_confidence_days`. The cost is the VM's disks from `gcp:disks`, listed in
        `cost_includes` so that the same disks' findings (and the stopped-VM finding of `gcp.compute`) are
        counted once; without the VM it is estimated from the configured disk sizes and types.
    """,
    recommendation="Delete it if its notebooks are saved elsewhere: gcloud workbench instances delete <name> "
    "--location=<zone>",
    covers_original=["gcp:notebook_instance_stopped"],
    covers_peers=[],
)
def stopped_instance(ctx: CheckContext, params: StoppedParams) -> Iterator[Hit]:
    """Instances STOPPED for at least ``min_days``, costed by their disks."""
    disks = {norm_url(d.get("selfLink")): d for d in ctx.get(DISKS) if d.get("selfLink")}
    for notebook in ctx.get(NOTEBOOKS):
        if notebook.get("state") != "STOPPED":
            continue
        vm = backing_vm(notebook, ctx)
        since_field = "updateTime"
        since = parse_time(notebook.get("updateTime"))
        if vm is not None and parse_time(vm.get("lastStopTimestamp")):
            since, since_field = parse_time(vm.get("lastStopTimestamp")), "vm.lastStopTimestamp"
        if since is None:
            continue
        days = (ctx.now - since).total_seconds() / 86400.0
        if days < params.min_days:
            continue
        ids: list[str] = []
        parts: list[Money] = []
        if vm is not None:
            for attached in vm.get("disks") or []:
                disk = disks.get(norm_url(attached.get("source")))
                if disk is not None:
                    parts.append(disk_monthly(ctx, disk))
                    ids.append(resource_id(disk))
        estimated = not parts
        if estimated:
            parts = configured_disks(ctx, notebook)
        cost = lower_bound(parts) if parts else Money.unknown(detail="no disks found")
        if estimated and parts:
            cost = with_note(cost, "disks estimated from the instance's configuration (its VM is not listed)")
        confidence = Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM
        if since_field == "updateTime":
            confidence = Confidence.MEDIUM if confidence is Confidence.HIGH else Confidence.LOW
        yield Hit(
            resource=_resource(notebook),
            reason=f"Workbench instance {instance_id(notebook)} has been STOPPED for {whole_days(days)}; its "
            f"{len(parts)} disk(s) are still billed.",
            cost=cost,
            evidence={
                "state": notebook.get("state"),
                "stopped_days": round(days, 1),
                "stopped_since": iso(since),
                "age_basis": since_field,
                "disks": [last_segment(i) for i in ids],
                "disks_estimated": estimated,
                "scenario": "stopped",
            },
            confidence=confidence,
            recommendation=_command(notebook, ctx, "delete"),
            cost_includes=tuple(ids),
            region=zone(notebook, ctx),
        )
