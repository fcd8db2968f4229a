"""Compute Engine instance checks: VMs stopped for a long time, idle VMs, and N1 machine types."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    days_since,
    iso,
    last_segment,
    norm_url,
    parse_time,
    price_region,
    region_of,
    resource,
    resource_id,
    whole_days,
    zone_of,
)
from cloudwaste.checks.gcp._compute import (
    ADDRESSES,
    DISKS,
    INSTANCES,
    MachineType,
    address_monthly,
    by_url,
    disk_monthly,
    disk_users,
    external_ips,
    instance_disks,
    is_spot,
    machine_monthly,
    machine_type,
    managed_by,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Severity
from cloudwaste.pricing.aws import add, with_note

STOPPED = frozenset({"TERMINATED", "STOPPED", "SUSPENDED"})
NOT_RUNNING = (
    "PROVISIONING",
    "STAGING",
    "STOPPING",
    "STOPPED",
    "SUSPENDING",
    "SUSPENDED",
    "REPAIRING",
    "TERMINATED",
)
CPU = "compute.googleapis.com/instance/cpu/utilization"
RECEIVED = "compute.googleapis.com/instance/network/received_bytes_count"
SENT = "compute.googleapis.com/instance/network/sent_bytes_count"


def _zone(instance: Mapping[str, Any]) -> str:
    return zone_of(instance.get("zone")) or zone_of(instance.get("selfLink")) or ""


def stopped_since(instance: Mapping[str, Any]) -> tuple[datetime | None, str]:
    """When a TERMINATED (or SUSPENDED) instance stopped, and from which field (None when unknown or
    when the instance was started after it)."""
    field = "lastSuspendedTimestamp" if instance.get("status") == "SUSPENDED" else "lastStopTimestamp"
    since = parse_time(instance.get(field))
    started = parse_time(instance.get("lastStartTimestamp"))
    if since is None or (started is not None and started > since):
        return None, field
    return since, field


def static_addresses(
    instance: Mapping[str, Any], addresses: list[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The reserved external addresses an instance holds: those whose ``users`` name it, or whose IP is
    one of its access configs' ``natIP`` (ephemeral IPs are released when the VM stops)."""
    url = norm_url(instance.get("selfLink"))
    ips = set(external_ips(instance))
    found = []
    for address in addresses:
        if address.get("addressType", "EXTERNAL") != "EXTERNAL":
            continue
        if url in {norm_url(u) for u in address.get("users") or []} or address.get("address") in ips:
            found.append(address)
    return found


def stopped_charges(
    ctx: CheckContext, instance: Mapping[str, Any], stopped: set[str]
) -> tuple[Money, list[str], list[dict[str, Any]]]:
    """What a stopped instance still costs: its persistent disks that serve no running VM, and its
    static external IPs. Returns the money, the charged resources' ids and their evidence."""
    disks = by_url(ctx.get(DISKS))
    parts: list[Money] = []
    ids: list[str] = []
    charged: list[dict[str, Any]] = []
    for attached in instance_disks(instance):
        disk = disks.get(norm_url(attached.get("source")))
        if disk is None:
            parts.append(Money.unknown(detail=f"disk {last_segment(attached.get('source'))} not listed"))
            continue
        if any(user not in stopped for user in disk_users(disk)):
            continue  # a multi-writer or read-only disk that a running VM also uses
        money = disk_monthly(ctx, disk)
        parts.append(money)
        ids.append(resource_id(disk))
        charged.append({"disk": disk.get("name"), "size_gb": disk.get("sizeGb"), "monthly": money.amount})
    for address in static_addresses(instance, ctx.get(ADDRESSES)):
        money = address_monthly(ctx, price_region(address, ctx), "unused")
        parts.append(with_note(money, "a static IP of a stopped VM is billed at the not-in-use rate"))
        ids.append(resource_id(address))
        charged.append(
            {"address": address.get("name"), "ip": address.get("address"), "monthly": money.amount}
        )
    return add(parts, empty_detail="no disk or static IP left to bill"), ids, charged


# --- gcp.compute.stopped_instance ------------------------------------------------------------------


class StoppedParams(BaseModel):
    """Parameters of ``gcp.compute.stopped_instance``."""

    min_days: int = Field(
        7, ge=0, description="Only flag instances stopped (TERMINATED) at least this many days."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Instances stopped at least this many days are reported with high confidence."
    )


@check(
    id="gcp.compute.stopped_instance",
    title="Compute Engine instance stopped for a long time, its disks and static IPs still billed",
    resource_type="gce_instance",
    severity=Severity.MEDIUM,
    needs=[INSTANCES, DISKS, ADDRESSES],
    params=StoppedParams,
    klass="idle",
    rationale="""
        A stopped (TERMINATED) instance pays no vCPU or memory, but its persistent disks and the static
        external IPs it holds are billed in full. The stop time is the instance's `lastStopTimestamp`
        (`lastSuspendedTimestamp` for SUSPENDED instances, which also pay for their saved memory state, not
        priced here); an instance with no stop time, or started after it, is skipped rather than aged from
        `creationTimestamp` as the original does. The cost is the disks that no running VM shares plus the
        static IPs (priced at the not-in-use rate), and the finding lists them in `cost_includes`, so the
        disks' own findings are not counted twice. Members of a managed instance group (a standby pool of
        stopped VMs is deliberate) and of GKE or Dataproc are reported with low confidence and a pointer
        at the group.
    """,
    recommendation=(
        "Keep a machine image if it may be needed, then delete it: gcloud compute machine-images create "
        "<name>-final --source-instance=<name> --source-instance-zone=<zone> && gcloud compute instances "
        "delete <name> --zone=<zone>"
    ),
    covers_original=["gcp:compute_instance_stopped", "gcp:gcp_static_ip_stopped_vm"],
    covers_peers=["gcp.compute.stopped_instance"],
)
def stopped_instance(ctx: CheckContext, params: StoppedParams) -> Iterator[Hit]:
    """TERMINATED/SUSPENDED instances stopped at least ``min_days``, costed by what still bills."""
    instances = list(ctx.get(INSTANCES))
    stopped = {norm_url(i.get("selfLink")) for i in instances if i.get("status") in STOPPED}
    for instance in instances:
        if instance.get("status") not in STOPPED:
            continue
        since, field = stopped_since(instance)
        if since is None:
            continue
        days = (ctx.now - since).total_seconds() / 86400.0
        if days < params.min_days:
            continue
        cost, ids, charged = stopped_charges(ctx, instance, stopped)
        owner = managed_by(instance)
        confidence = Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM
        name, zone = instance.get("name"), _zone(instance)
        recommendation = (
            f"gcloud compute machine-images create {name}-final --source-instance={name} "
            f"--source-instance-zone={zone} && gcloud compute instances delete {name} --zone={zone}"
        )
        scenario = "stopped_with_static_ip" if any("address" in c for c in charged) else "stopped"
        if owner:
            confidence = Confidence.LOW
            scenario = "managed_member"
            recommendation = (
                f"The instance belongs to {owner}: resize or delete the group instead, e.g. gcloud compute "
                f"instance-groups managed delete-instances {last_segment(owner)} --instances={name} "
                f"--zone={zone}"
                if owner.startswith("projects/") or "instanceGroupManagers" in owner
                else f"The instance is managed by {owner}: scale or delete it there."
            )
        state = "suspended" if instance.get("status") == "SUSPENDED" else "stopped"
        n_disks = sum(1 for c in charged if "disk" in c)
        n_ips = len(charged) - n_disks
        billed = " and ".join(
            part
            for part in (
                f"{n_disks} disk{'s' if n_disks != 1 else ''}" if n_disks else "",
                f"{n_ips} static IP{'s' if n_ips != 1 else ''}" if n_ips else "",
            )
            if part
        )
        tail = f"; its {billed} still bill." if billed else "."
        yield Hit(
            resource=resource(instance, "gce_instance"),
            reason=f"Instance {name} ({last_segment(instance.get('machineType'))}) has been {state} for "
            f"{whole_days(days)}{tail}",
            cost=cost,
            evidence={
                "status": instance.get("status"),
                "stopped_days": round(days, 1),
                "stopped_since": iso(since),
                "age_basis": field,
                "machine_type": last_segment(instance.get("machineType")),
                "still_billed": charged,
                "managed_by": owner,
                "spot": is_spot(instance),
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=recommendation,
            cost_includes=tuple(ids),
            region=region_of(instance, ctx),
        )


# --- gcp.compute.idle_vm ------------------------------------------------------------------------------


class IdleVmParams(BaseModel):
    """Parameters of ``gcp.compute.idle_vm``."""

    window_days: int = Field(14, ge=3, le=42, description="Days of daily metrics to look at.")
    min_datapoints: int = Field(
        12, ge=1, description="Days with CPU and network data needed; fewer means unknown, not idle."
    )
    cpu_max_pct: float = Field(
        5.0, ge=0, le=100, description="Flag when every day's mean CPU utilization is at most this percent."
    )
    cpu_high_confidence_pct: float = Field(
        2.0, ge=0, le=100, description="Every day's mean CPU at most this percent gives high confidence."
    )
    max_received_bps: float = Field(
        2000.0, ge=0, description="Highest daily mean received bytes per second (the Recommender's 2000 B/s)."
    )
    max_sent_bps: float = Field(
        1000.0, ge=0, description="Highest daily mean sent bytes per second (the Recommender's 1000 B/s)."
    )


def _vm_queries(params: IdleVmParams) -> list[MetricQuery]:
    common: dict[str, Any] = {
        "namespace": "gce_instance",
        "dimension": "instance_id",
        "collection": INSTANCES,
        "id_field": "id",
        "period_s": 86400,
        "days": params.window_days,
        "skip_states": NOT_RUNNING,
        "state_field": "status",
    }
    return [
        MetricQuery(metric=CPU, stat="Average", **common),
        MetricQuery(metric=RECEIVED, stat="Sum", **common),
        MetricQuery(metric=SENT, stat="Sum", **common),
    ]


def _daily_bps(series: MetricSeries) -> float:
    """The highest daily mean bytes per second of a daily Sum series."""
    return max((v / series.period_s for v in series.values), default=0.0)


@check(
    id="gcp.compute.idle_vm",
    title="Running Compute Engine instance with almost no CPU or network activity",
    resource_type="gce_instance",
    severity=Severity.HIGH,
    needs=[INSTANCES],
    params=IdleVmParams,
    klass="idle",
    metrics=_vm_queries,
    rationale="""
        A RUNNING instance is billed for its vCPUs and memory whether it works or not. Daily series of
        `compute.googleapis.com/instance/cpu/utilization` (ALIGN_MEAN) and of
        `instance/network/received_bytes_count` and `sent_bytes_count` (ALIGN_SUM per day, shown as mean
        bytes per second) over `window_days` must all stay low on every day: CPU at most `cpu_max_pct`
        (high confidence at `cpu_high_confidence_pct`), received at most 2000 B/s and sent at most 1000 B/s,
        the thresholds of Google's idle VM recommender. The original looks at CPU alone and a 5 % average;
        a VM that serves traffic at low CPU is not idle. Fewer than `min_datapoints` days of any series
        (a VM started recently, or missing data) is unknown, not idle. GKE and Dataproc nodes belong to
        those services and are skipped; managed instance group members are pointed at the group. The cost
        is the machine type's on-demand list price, before sustained-use discounts; Spot VMs, custom types
        and VMs with GPUs are priced unknown.
    """,
    recommendation=(
        "Stop it, or delete it after keeping a machine image: gcloud compute instances stop <name> "
        "--zone=<zone>"
    ),
    covers_original=["gcp:compute_instance_idle", "gcp:gcp_static_ip_idle_resource"],
    covers_peers=["gcp.compute.idle_vm"],
)
def idle_vm(ctx: CheckContext, params: IdleVmParams) -> Iterator[Hit]:
    """RUNNING instances whose CPU and network stay under the thresholds on every day of the window."""
    cpu_q, rx_q, tx_q = _vm_queries(params)
    addresses = list(ctx.get(ADDRESSES))
    for instance in ctx.get(INSTANCES):
        if instance.get("status") != "RUNNING":
            continue
        owner = managed_by(instance)
        if owner in ("gke", "dataproc"):
            continue
        iid = str(instance.get("id") or "")
        cpu, rx, tx = ctx.metric(cpu_q, iid), ctx.metric(rx_q, iid), ctx.metric(tx_q, iid)
        if cpu is None or rx is None or tx is None:
            continue
        points = min(len(cpu.values), len(rx.values), len(tx.values))
        if points < params.min_datapoints:
            continue
        cpu_max = max(cpu.values) * 100.0
        rx_bps, tx_bps = _daily_bps(rx), _daily_bps(tx)
        if cpu_max > params.cpu_max_pct or rx_bps > params.max_received_bps or tx_bps > params.max_sent_bps:
            continue
        mt = last_segment(instance.get("machineType"))
        region = price_region(instance, ctx)
        if is_spot(instance):
            cost = Money.unknown(detail="Spot VM prices change and are not in the book")
        elif instance.get("guestAccelerators"):
            cost = Money.unknown(detail="GPUs attached: GPU prices are not in the book")
        else:
            cost = with_note(machine_monthly(ctx, mt, region), "list price before sustained-use discounts")
        confidence = Confidence.HIGH if cpu_max <= params.cpu_high_confidence_pct else Confidence.MEDIUM
        name, zone = instance.get("name"), _zone(instance)
        recommendation = None
        if owner:
            confidence = Confidence.LOW if confidence is Confidence.MEDIUM else Confidence.MEDIUM
            recommendation = (
                f"The instance belongs to managed instance group {last_segment(owner)}: lower its size or "
                f"add an autoscaler: gcloud compute instance-groups managed resize {last_segment(owner)} "
                f"--size=<n> --zone={zone}"
            )
        ips = [a.get("address") for a in static_addresses(instance, addresses)]
        yield Hit(
            resource=resource(instance, "gce_instance"),
            reason=f"Instance {name} ({mt}) averaged at most {cpu_max:.1f}% CPU, {rx_bps:,.0f} B/s received "
            "and "
            f"{tx_bps:,.0f} B/s sent per day over {points} days.",
            cost=cost,
            evidence={
                "machine_type": mt,
                "window_days": params.window_days,
                "datapoints": points,
                "cpu_max_daily_mean_pct": round(cpu_max, 2),
                "cpu_mean_pct": round(sum(cpu.values) / len(cpu.values) * 100.0, 2),
                "received_max_daily_bps": round(rx_bps, 1),
                "sent_max_daily_bps": round(tx_bps, 1),
                "cpu": cpu.evidence(),
                "received_bytes": rx.evidence(),
                "sent_bytes": tx.evidence(),
                "last_start": instance.get("lastStartTimestamp"),
                "running_days": round(days_since(instance.get("lastStartTimestamp"), ctx) or 0.0, 1),
                "static_ips": ips,
                "managed_by": owner,
                "scenario": "idle_with_static_ip" if ips else "idle",
            },
            confidence=confidence,
            recommendation=recommendation
            or f"Stop it, or delete it after keeping a machine image: gcloud compute instances stop {name} "
            f"--zone={zone}",
            region=region_of(instance, ctx),
        )


# --- gcp.compute.previous_generation -----------------------------------------------------------------

# up to 30 % (N1) and 20 % (N2, N2D) off for a VM that runs the whole month; E2 has none
SUSTAINED_USE = {"n1": 0.30, "f1": 0.30, "g1": 0.30, "n2": 0.20, "n2d": 0.20, "e2": 0.0}
_E2_SIZES = {"standard": (2, 4, 8, 16, 32), "highmem": (2, 4, 8, 16), "highcpu": (2, 4, 8, 16, 32)}


class GenerationParams(BaseModel):
    """Parameters of ``gcp.compute.previous_generation``."""

    assume_sustained_use: bool = Field(
        True,
        description="Compare at full-month sustained-use prices (N1 30 % off, N2D 20 %, E2 none); turn off "
        "when the VMs run part of the month or under committed-use discounts.",
    )
    min_saving: float = Field(1.0, ge=0, description="Only report when the monthly saving is at least this.")


def _target(mt: MachineType) -> str | None:
    """The E2 (or, beyond E2's sizes, N2D) type with the same class and vCPUs and at least the memory."""
    if mt.name == "f1-micro":
        return "e2-micro"
    if mt.name == "g1-small":
        return "e2-small"
    if mt.vcpus is None:
        return None
    count = int(mt.vcpus)
    if count in _E2_SIZES.get(mt.klass, ()):
        return f"e2-{mt.klass}-{count}"
    if count >= 2 and count % 2 == 0:
        return f"n2d-{mt.klass}-{count}"
    return None


def _effective(money: Money, family: str, sud: bool) -> Money:
    """``money`` after the family's full-month sustained-use discount (when ``sud``)."""
    rate = SUSTAINED_USE.get(family, 0.0) if sud else 0.0
    if money.amount is None or not rate:
        return money
    return money.model_copy(
        update={
            "amount": round(money.amount * (1 - rate), 2),
            "basis": CostBasis.ESTIMATE,
            "detail": f"{money.detail} less {rate:.0%} sustained use",
        }
    )


@check(
    id="gcp.compute.previous_generation",
    title="Instance on the N1 (or f1/g1) machine family where E2 or N2D costs less",
    resource_type="gce_instance",
    severity=Severity.LOW,
    needs=[INSTANCES],
    params=GenerationParams,
    klass="legacy",
    rationale="""
        N1, f1-micro and g1-small are Compute Engine's first generation. At list price an E2 type with the
        same vCPUs and at least the memory costs about 30 % less, which is the saving the original claims;
        but N1 VMs that run the whole month get a 30 % sustained-use discount automatically and E2 gets
        none, so for an always-on VM the two cost about the same. With `assume_sustained_use` (the default)
        both sides are compared at their full-month sustained-use prices (E2 for sizes E2 offers, N2D with
        its 20 % beyond), and only instances where the move still saves at least `min_saving` are reported;
        turn it off for VMs that run part of the month. RUNNING instances only (a stopped VM pays no vCPU);
        Spot, custom and GKE/Dataproc-managed VMs are skipped. Moving also needs a stop and a check that
        the OS image supports the newer platform.
    """,
    recommendation=(
        "Stop the instance, change its machine type, start it: gcloud compute instances set-machine-type "
        "<name> --zone=<zone> --machine-type=<type>"
    ),
    covers_original=["gcp:compute_instance_old_generation"],
    covers_peers=[],
)
def previous_generation(ctx: CheckContext, params: GenerationParams) -> Iterator[Hit]:
    """RUNNING N1/f1/g1 instances whose E2/N2D equivalent is cheaper by at least ``min_saving``."""
    for instance in ctx.get(INSTANCES):
        if (
            instance.get("status") != "RUNNING"
            or is_spot(instance)
            or managed_by(instance) in ("gke", "dataproc")
        ):
            continue
        mt = machine_type(instance.get("machineType"))
        if mt is None or mt.family not in ("n1", "f1", "g1"):
            continue
        target = _target(mt)
        if target is None:
            continue
        region = price_region(instance, ctx)
        sud = params.assume_sustained_use
        current = _effective(machine_monthly(ctx, mt.name, region), mt.family, sud)
        after = _effective(machine_monthly(ctx, target, region), target.split("-")[0], sud)
        if current.amount is None or after.amount is None:
            continue
        saving = round(current.amount - after.amount, 2)
        if saving < params.min_saving:
            continue
        name, zone = instance.get("name"), _zone(instance)
        yield Hit(
            resource=resource(instance, "gce_instance"),
            reason=f"Instance {name} runs {mt.name} (${current.amount:.2f}/month); {target} would cost "
            f"${after.amount:.2f}/month.",
            cost=Money(
                amount=saving,
                currency=current.currency,
                basis=CostBasis.ESTIMATE,
                kind=CostKind.SAVING,
                detail=f"{mt.name} -> {target}: now ${current.amount:.2f} [{current.detail}] - after "
                f"${after.amount:.2f} [{after.detail}]",
            ),
            evidence={
                "machine_type": mt.name,
                "target": target,
                "vcpus": mt.vcpus,
                "memory_gb": mt.memory_gb,
                "sustained_use_assumed": sud,
                "current_monthly": current.amount,
                "target_monthly": after.amount,
                "scenario": "old_generation",
            },
            confidence=Confidence.MEDIUM if sud else Confidence.LOW,
            recommendation=f"gcloud compute instances stop {name} --zone={zone} && gcloud compute instances "
            f"set-machine-type {name} --zone={zone} --machine-type={target} && gcloud compute instances "
            "start "
            f"{name} --zone={zone}",
            region=region_of(instance, ctx),
        )
