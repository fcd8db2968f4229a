"""NAT gateway checks: no subnet or no public IP, subnets no VM uses, a single VM behind it, several
gateways where one would do, non-production gateways running all week, zone settings, idle traffic
and subnets whose traffic service endpoints already carry.

A NAT gateway bills $0.045 an hour ($32.85 a month) plus $0.045 per GB processed, and its public IPs
are billed on their own. The subnets it serves come from ``azure:virtual_networks`` (its own
``subnets`` list holds ids only); who uses a subnet comes from the subnet's ``ipConfigurations``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.azure._common import norm, parent_id, props, region_of, resource
from cloudwaste.checks.azure.network import (
    NONPROD_WORDS,
    SubnetUse,
    by_id,
    env_marker,
    nat_charge,
    ref,
    refs,
    sku_of,
    subnet_use,
    subnets_by_id,
    zero,
)
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Money, Severity
from cloudwaste.pricing.aws import with_note

NATS = "azure:nat_gateways"
IPS = "azure:public_ip_addresses"
VNETS = "azure:virtual_networks"
NICS = "azure:network_interfaces"
NO_AGE = "unknown: the Network API gives no creation time for NAT gateways"
BUSY_STATES = ("updating", "deleting")
MAX_IPS_PER_NAT = 16
GIB = 1024**3
DELETE = (
    "Dissociate its subnets (az network vnet subnet update --ids <subnet> --remove natGateway), then "
    "delete it: az network nat gateway delete --ids <id>"
)


def _ids(nat: Mapping[str, Any], key: str) -> list[str]:
    return refs(props(nat).get(key))


def _busy(nat: Mapping[str, Any]) -> bool:
    return str(props(nat).get("provisioningState") or "").lower() in BUSY_STATES


def _subnets(
    nat: Mapping[str, Any], subnets: Mapping[str, tuple[Mapping[str, Any], Mapping[str, Any]]]
) -> tuple[list[Mapping[str, Any]], list[str]]:
    """(the NAT's subnets found in the VNets, ids of those not listed)."""
    found, missing = [], []
    for sid in _ids(nat, "subnets"):
        if sid in subnets:
            found.append(subnets[sid][0])
        else:
            missing.append(sid)
    return found, missing


def _nat_evidence(nat: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "sku": sku_of(nat).get("name"),
        "zones": list(nat.get("zones") or []),
        "subnets": _ids(nat, "subnets"),
        "public_ips": _ids(nat, "publicIpAddresses"),
        "public_ip_prefixes": _ids(nat, "publicIpPrefixes"),
        "age": NO_AGE,
        **extra,
    }


def _use_evidence(use: SubnetUse) -> dict[str, Any]:
    return {
        "vms": sorted(use.vms),
        "private_endpoint_configs": use.private_endpoints,
        "vm_less_nics": use.idle_nics,
        "other_users": use.others,
    }


def _hit(
    ctx: CheckContext,
    nat: Mapping[str, Any],
    reason: str,
    cost: Money,
    evidence: dict[str, Any],
    confidence: Confidence,
    includes: list[str] | tuple[str, ...] = (),
    *,
    group: bool = True,
    recommendation: str | None = None,
) -> Hit:
    return Hit(
        resource=resource(nat, "nat_gateway", created_field=None),
        reason=reason,
        cost=cost,
        evidence=evidence,
        confidence=confidence,
        recommendation=recommendation,
        cost_includes=tuple(includes),
        cost_group=f"nat:{norm(nat['id'])}" if group else None,
        region=region_of(nat, ctx),
    )


# --- orphans -------------------------------------------------------------------------------------


@check(
    id="azure.network.orphan_nat_gateway",
    title="NAT gateway with no subnet or no public IP",
    resource_type="nat_gateway",
    severity=Severity.HIGH,
    needs=[NATS, IPS],
    klass="orphan",
    rationale="""
        A NAT gateway attached to no subnet (the orphan workbook's rule) translates nothing; one with
        subnets but no public IP and no public IP prefix cannot send anything to the internet. Both still
        bill the hourly charge; the first also keeps its public IPs billed. The cost is the hourly charge
        plus its public IPs (listed in `cost_includes`); data processed is zero for such a gateway. The API
        gives no creation time, so the rule is age-free (the original waited 3 or 7 days it could not
        measure): high confidence.
    """,
    recommendation="Delete it (and release its public IPs if nothing else needs them): "
    "az network nat gateway delete --ids <id>",
    covers_original=["azure:nat_gateway_no_subnet", "azure:nat_gateway_no_public_ip"],
    covers_peers=["azure.network.orphan_nat_gateway"],
)
def orphan_nat_gateway(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """NAT gateways with no subnet, or with subnets but no public IP or prefix."""
    ips = by_id(ctx.get(IPS))
    for nat in ctx.get(NATS):
        if _busy(nat):
            continue
        name = str(nat.get("name") or nat["id"])
        has_ips = bool(_ids(nat, "publicIpAddresses") or _ids(nat, "publicIpPrefixes"))
        if not _ids(nat, "subnets"):
            scenario = "azure:nat_gateway_no_subnet"
            reason = f"NAT gateway {name} is attached to no subnet."
        elif not has_ips:
            scenario = "azure:nat_gateway_no_public_ip"
            count = len(_ids(nat, "subnets"))
            reason = f"NAT gateway {name} serves {count} subnet(s) but has no public IP or prefix."
        else:
            continue
        cost, priced = nat_charge(ctx, nat, ips)
        yield _hit(ctx, nat, reason, cost, _nat_evidence(nat, scenario=scenario), Confidence.HIGH, priced)


# --- nobody behind it ----------------------------------------------------------------------------


@check(
    id="azure.network.nat_gateway_no_vms",
    title="NAT gateway whose subnets hold no VM",
    resource_type="nat_gateway",
    severity=Severity.HIGH,
    needs=[NATS, IPS, VNETS, NICS],
    klass="orphan",
    rationale="""
        A NAT gateway only carries outbound traffic of what sits in its subnets. When every subnet it
        serves (read from `azure:virtual_networks`) has no IP configuration, or only those of private
        endpoints, private link services, NetApp volumes or NICs attached to no VM, nothing uses it: the
        original's "never used". A VM scale set instance, an Azure Firewall, a delegation (App Service VNet
        integration, container groups), a service association link and a NIC outside the listed resource
        groups all count as users, and a subnet not found in the listed VNets makes the gateway unknown.
        The cost is the hourly charge plus its public IPs; confidence is high for empty subnets, medium
        when private endpoints or VM-less NICs remain.
    """,
    recommendation=DELETE,
    covers_original=["azure:nat_gateway_never_used"],
    covers_peers=["azure.network.orphan_nat_gateway"],
)
def nat_gateway_no_vms(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """NAT gateways with subnets none of which holds a VM or another possible user."""
    ips = by_id(ctx.get(IPS))
    nics = by_id(ctx.get(NICS))
    subnets = subnets_by_id(ctx.get(VNETS))
    for nat in ctx.get(NATS):
        if _busy(nat) or not _ids(nat, "subnets"):
            continue
        found, missing = _subnets(nat, subnets)
        if missing:
            continue
        use = subnet_use(found, nics)
        if use.vm_users:
            continue
        name = str(nat.get("name") or nat["id"])
        leftovers = use.private_endpoints + use.idle_nics
        detail = (
            f" (only {use.private_endpoints} private-endpoint and {use.idle_nics} VM-less NIC configurations)"
            if leftovers
            else ""
        )
        cost, priced = nat_charge(ctx, nat, ips)
        yield _hit(
            ctx,
            nat,
            f"No VM uses NAT gateway {name}: its {len(found)} subnet(s) hold no VM{detail}.",
            cost,
            _nat_evidence(nat, scenario="azure:nat_gateway_never_used", **_use_evidence(use)),
            Confidence.MEDIUM if leftovers else Confidence.HIGH,
            priced,
        )


@check(
    id="azure.network.nat_gateway_single_vm",
    title="NAT gateway serving a single VM",
    resource_type="nat_gateway",
    severity=Severity.MEDIUM,
    needs=[NATS, IPS, VNETS, NICS],
    klass="oversized",
    rationale="""
        A NAT gateway whose subnets hold exactly one VM (and no scale set, firewall, delegation or unlisted
        NIC) costs its hourly charge and public IPs to give one machine outbound access, which a Standard
        public IP on the VM's NIC also gives. The saving is computed from the price book rather than the
        original's flat $28.75: the NAT hourly charge plus its public IPs, minus one Standard IP when the VM
        has none yet (moving one of the gateway's IPs to the NIC keeps the same egress address). Data
        processed by the gateway would also stop; it is excluded. Medium confidence: the gateway may be kept
        for SNAT port scale or for VMs still to come.
    """,
    recommendation="Move one of its public IPs to the VM's NIC (or add a Standard IP), dissociate the "
    "subnets and delete the gateway: az network nat gateway delete --ids <id>",
    covers_original=["azure:nat_gateway_single_vm"],
    covers_peers=[],
)
def nat_gateway_single_vm(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """NAT gateways whose subnets hold exactly one VM and nothing else that may send traffic."""
    ips = by_id(ctx.get(IPS))
    nics = by_id(ctx.get(NICS))
    subnets = subnets_by_id(ctx.get(VNETS))
    for nat in ctx.get(NATS):
        if _busy(nat) or not _ids(nat, "publicIpAddresses"):
            continue
        found, missing = _subnets(nat, subnets)
        if missing or not found:
            continue
        use = subnet_use(found, nics)
        if len(use.vms) != 1 or use.others:
            continue
        (vm_id,) = use.vms
        has_ip = any(
            ref(props(cfg).get("publicIPAddress"))
            for nic in nics.values()
            if ref(props(nic).get("virtualMachine")) == vm_id
            for cfg in props(nic).get("ipConfigurations") or []
        )
        region = region_of(nat, ctx)
        nat_cost, priced = nat_charge(ctx, nat, ips, kind=CostKind.SAVING)
        if has_ip:
            saving = with_note(nat_cost, "the VM already has a public IP")
        else:
            instance_ip = ctx.prices.monthly("azure.public_ip.standard.hour", region, what="Standard IP")
            if nat_cost.amount is None or instance_ip.amount is None:
                saving = Money.unknown(CostKind.SAVING, detail=nat_cost.detail)
            else:
                saving = Money(
                    amount=round(nat_cost.amount - instance_ip.amount, 2),
                    basis=nat_cost.basis,
                    kind=CostKind.SAVING,
                    detail=f"({nat_cost.detail}) - one instance-level Standard IP ({instance_ip.detail})",
                )
        name = str(nat.get("name") or nat["id"])
        vm_name = vm_id.rsplit("/", 1)[-1]
        yield _hit(
            ctx,
            nat,
            f"NAT gateway {name} gives outbound access to a single VM ({vm_name}); an instance-level public "
            "IP does the same for less.",
            saving,
            _nat_evidence(
                nat, scenario="azure:nat_gateway_single_vm", vm_has_public_ip=has_ip, **_use_evidence(use)
            ),
            Confidence.MEDIUM,
            priced,
        )


# --- several where one would do ------------------------------------------------------------------


@check(
    id="azure.network.redundant_nat_gateway",
    title="Several NAT gateways in one VNet and zone",
    resource_type="nat_gateway",
    severity=Severity.LOW,
    needs=[NATS, VNETS],
    klass="oversized",
    rationale="""
        A subnet can have one NAT gateway, but a VNet can have several. One gateway per availability zone
        is the recommended zonal design, so only gateways of the same VNet with the same zone setting (the
        same single zone, or no zone) are candidates, and only when their public IPs would fit on one
        gateway (16 at most). All but the gateway serving the most subnets are reported; the saving is the
        hourly charge of each (its IPs can move to the kept gateway, so they are not counted). Low
        confidence: separate gateways may exist for distinct egress addresses.
    """,
    recommendation="Move its subnets and public IPs to the other NAT gateway of the VNet, then delete it: "
    "az network nat gateway delete --ids <id>",
    covers_original=["azure:nat_gateway_redundant"],
    covers_peers=[],
)
def redundant_nat_gateway(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Extra NAT gateways of a VNet that share a zone setting with another."""
    known = subnets_by_id(ctx.get(VNETS))
    groups: dict[tuple[str, tuple[str, ...]], list[Mapping[str, Any]]] = {}
    for nat in ctx.get(NATS):
        if _busy(nat):
            continue
        vnets = {parent_id(sid) for sid in _ids(nat, "subnets") if sid in known}
        for vnet in vnets:
            groups.setdefault((vnet, tuple(sorted(nat.get("zones") or []))), []).append(nat)
    reported: set[str] = set()
    for (vnet, zones), nats in groups.items():
        if len(nats) < 2:
            continue
        if sum(len(_ids(n, "publicIpAddresses")) for n in nats) > MAX_IPS_PER_NAT:
            continue
        ordered = sorted(nats, key=lambda n: (-len(_ids(n, "subnets")), str(n.get("name"))))
        keep = ordered[0]
        for nat in ordered[1:]:
            if norm(nat["id"]) in reported:
                continue
            reported.add(norm(nat["id"]))
            name = str(nat.get("name") or nat["id"])
            zone_text = f"zone {', '.join(zones)}" if zones else "no zone"
            saving = ctx.prices.monthly(
                "azure.nat.gateway.hour", region_of(nat, ctx), kind=CostKind.SAVING, what="NAT gateway"
            )
            yield _hit(
                ctx,
                nat,
                f"NAT gateway {name} serves VNet {vnet.rsplit('/', 1)[-1]} ({zone_text}) alongside "
                f"{keep.get('name')}, which could take its subnets.",
                with_note(saving, "its public IPs can move to the kept gateway"),
                _nat_evidence(
                    nat, scenario="azure:nat_gateway_redundant", vnet_id=vnet, kept_gateway=keep["id"]
                ),
                Confidence.LOW,
                group=False,
            )


# --- non-production all week ---------------------------------------------------------------------


class ScheduleParams(BaseModel):
    """Parameters of ``azure.network.nonprod_nat_gateway``."""

    business_hours_per_week: int = Field(
        40, ge=1, le=168, description="Hours a week a non-production environment needs outbound access."
    )
    nonprod_words: tuple[str, ...] = Field(
        NONPROD_WORDS,
        description="Tag values, tag keys or resource-group name tokens marking non-production.",
    )


@check(
    id="azure.network.nonprod_nat_gateway",
    title="Non-production NAT gateway running all week",
    resource_type="nat_gateway",
    severity=Severity.LOW,
    needs=[NATS],
    params=ScheduleParams,
    klass="policy",
    rationale="""
        A NAT gateway marked non-production (an environment tag, any tag token or its resource group name,
        matched as whole words) bills all 168 hours of the week. A NAT gateway cannot be stopped: the only
        schedule is to delete it outside `business_hours_per_week` and recreate it (its public IP resources
        can be kept, and stay billed, so the egress address does not change). The saving is the hourly
        charge for the hours outside the schedule. Low confidence: the environment may need outbound access
        at night (builds, updates).
    """,
    recommendation="Delete the gateway outside working hours and recreate it from code when needed "
    "(keep its public IPs): az network nat gateway delete --ids <id>",
    covers_original=["azure:nat_gateway_dev_test_always_on"],
    covers_peers=[],
)
def nonprod_nat_gateway(ctx: CheckContext, params: ScheduleParams) -> Iterator[Hit]:
    """Non-production NAT gateways, with the saving of a working-hours schedule."""
    off = (168 - params.business_hours_per_week) / 168
    for nat in ctx.get(NATS):
        if _busy(nat) or not _ids(nat, "subnets"):
            continue
        marker = env_marker(nat, params.nonprod_words)
        if marker is None:
            continue
        saving = ctx.prices.monthly(
            "azure.nat.gateway.hour",
            region_of(nat, ctx),
            off,
            kind=CostKind.SAVING,
            what="share of the week off",
        )
        name = str(nat.get("name") or nat["id"])
        yield _hit(
            ctx,
            nat,
            f"NAT gateway {name} is non-production ({marker}) and runs all week; "
            f"{params.business_hours_per_week} hours a week would do.",
            with_note(saving, "public IPs are kept and stay billed"),
            _nat_evidence(nat, scenario="azure:nat_gateway_dev_test_always_on", nonprod_marker=marker),
            Confidence.LOW,
            group=False,
        )


# --- zones ---------------------------------------------------------------------------------------


@check(
    id="azure.network.nat_gateway_zone_mismatch",
    title="Zone-redundant NAT gateway whose VMs all sit in one zone",
    resource_type="nat_gateway",
    severity=Severity.LOW,
    needs=[NATS, VNETS, NICS, "azure:virtual_machines"],
    klass="hygiene",
    rationale="""
        The original saved $0.50 a month by pinning a multi-zone NAT gateway whose VMs are all in one zone
        to that zone. Azure prices a NAT gateway per hour and per GB whatever its zones, so there is no
        saving (a Standard NAT gateway is zonal or has no zone; only the zone-redundant StandardV2 lists
        several zones). The case is reported as hygiene with a saving of 0: the zone redundancy protects
        nothing while every VM behind the gateway is in a single zone.
    """,
    recommendation="Nothing to save; review whether zone redundancy is wanted: "
    "az network nat gateway show --ids <id>",
    covers_original=["azure:nat_gateway_unnecessary_zones"],
    covers_peers=[],
)
def nat_gateway_zone_mismatch(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Multi-zone NAT gateways whose VMs are all in the same single zone."""
    nics = by_id(ctx.get(NICS))
    vms = by_id(ctx.get("azure:virtual_machines"))
    subnets = subnets_by_id(ctx.get(VNETS))
    for nat in ctx.get(NATS):
        if len(nat.get("zones") or []) < 2:
            continue
        found, missing = _subnets(nat, subnets)
        if missing or not found:
            continue
        use = subnet_use(found, nics)
        if not use.vms or use.others:
            continue
        vm_zones = {tuple(vms[v].get("zones") or []) for v in use.vms if v in vms}
        if len(vm_zones) != 1 or len(next(iter(vm_zones))) != 1:
            continue
        (zone,) = next(iter(vm_zones))
        name = str(nat.get("name") or nat["id"])
        yield _hit(
            ctx,
            nat,
            f"NAT gateway {name} spans zones {', '.join(nat.get('zones') or [])} but all {len(use.vms)} "
            f"VM(s) behind it are in zone {zone}; pinning it would save nothing.",
            zero(CostKind.SAVING, "no saving: NAT gateway prices do not depend on zones"),
            _nat_evidence(
                nat, scenario="azure:nat_gateway_unnecessary_zones", vm_zone=zone, **_use_evidence(use)
            ),
            Confidence.LOW,
            group=False,
        )


# --- traffic -------------------------------------------------------------------------------------


class NatTrafficParams(BaseModel):
    """Parameters of ``azure.network.idle_nat_gateway``."""

    window_days: int = Field(30, ge=1, le=93, description="Days of daily ByteCount totals to read.")
    max_gb_per_month: float = Field(
        10.0, ge=0, description="Below this many GiB a month (but above 0) a gateway has very low traffic."
    )


def nat_queries(params: NatTrafficParams) -> list[MetricQuery]:
    """Daily ByteCount and TotalConnectionCount totals of every NAT gateway."""
    return [
        MetricQuery(
            namespace="Microsoft.Network/natGateways",
            metric=metric,
            dimension="",
            collection=NATS,
            id_field="id",
            stat="Total",
            period_s=86400,
            days=params.window_days,
        )
        for metric in ("ByteCount", "TotalConnectionCount")
    ]


@check(
    id="azure.network.idle_nat_gateway",
    title="NAT gateway with no or very little traffic",
    resource_type="nat_gateway",
    severity=Severity.MEDIUM,
    needs=[NATS, IPS],
    params=NatTrafficParams,
    klass="idle",
    metrics=nat_queries,
    rationale="""
        A NAT gateway with subnets and public IPs whose Azure Monitor `ByteCount` total (both directions) over
        `window_days` is 0 carried no traffic: high confidence. Below `max_gb_per_month` GiB a month (the
        window's bytes scaled to 730 hours) it has very low traffic: low confidence, since the VMs behind it
        still need some outbound path (an instance-level IP or an outbound rule). `TotalConnectionCount` is
        shown as evidence. No `ByteCount` data is unknown, never idle. Gateways without subnets or IPs are
        `azure.network.orphan_nat_gateway` (same cost group). The cost is the hourly charge plus its IPs.
    """,
    recommendation=DELETE,
    covers_original=["azure:nat_gateway_no_traffic", "azure:nat_gateway_very_low_traffic"],
    covers_peers=[],
)
def idle_nat_gateway(ctx: CheckContext, params: NatTrafficParams) -> Iterator[Hit]:
    """NAT gateways whose ByteCount over the window is zero or under the monthly bar."""
    queries = nat_queries(params)
    ips = by_id(ctx.get(IPS))
    for nat in ctx.get(NATS):
        if _busy(nat) or not _ids(nat, "subnets"):
            continue
        if not (_ids(nat, "publicIpAddresses") or _ids(nat, "publicIpPrefixes")):
            continue
        byte_s, conn_s = (ctx.metric(q, str(nat["id"])) for q in queries)
        if byte_s is None:
            continue
        monthly_gib = byte_s.total / GIB * 730 / (24 * params.window_days)
        name = str(nat.get("name") or nat["id"])
        if byte_s.total == 0:
            scenario, confidence = "azure:nat_gateway_no_traffic", Confidence.HIGH
            reason = f"NAT gateway {name} carried no bytes in the last {params.window_days} days."
        elif monthly_gib < params.max_gb_per_month:
            scenario, confidence = "azure:nat_gateway_very_low_traffic", Confidence.LOW
            reason = (
                f"NAT gateway {name} carries about {monthly_gib:.2f} GiB a month (last {params.window_days} "
                f"days), under {params.max_gb_per_month:g} GiB."
            )
        else:
            continue
        cost, priced = nat_charge(ctx, nat, ips)
        metrics = {
            "ByteCount": byte_s.evidence(),
            "TotalConnectionCount": conn_s.evidence() if conn_s else None,
        }
        evidence = _nat_evidence(
            nat,
            scenario=scenario,
            window_days=params.window_days,
            bytes_total=byte_s.total,
            gib_per_month=round(monthly_gib, 3),
            connections_total=conn_s.total if conn_s is not None else None,
            metrics=metrics,
        )
        yield _hit(ctx, nat, reason, cost, evidence, confidence, priced)


# --- service endpoints ---------------------------------------------------------------------------


@check(
    id="azure.network.nat_gateway_service_endpoints",
    title="NAT gateway whose subnets reach Azure services through service endpoints",
    resource_type="nat_gateway",
    severity=Severity.LOW,
    needs=[NATS, IPS, VNETS],
    klass="policy",
    rationale="""
        Traffic from a subnet to a service it has a service endpoint for (Storage, SQL, Key Vault...) leaves
        over the Azure backbone, not through the NAT gateway. When every subnet behind a gateway has service
        endpoints, the workload may need the gateway only for what the endpoints do not cover; if that is
        nothing, private endpoints or service endpoints for the rest make it unnecessary. The original rated
        this medium or high by the number of endpoints; it cannot see where the traffic goes, so the
        finding is low confidence, with the gateway's hourly charge and IPs as the possible saving.
    """,
    recommendation="Check whether the VMs reach anything beyond the service-endpoint services; if not, "
    "remove the gateway: az network nat gateway delete --ids <id>",
    covers_original=["azure:nat_gateway_private_link_alternative"],
    covers_peers=[],
)
def nat_gateway_service_endpoints(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """NAT gateways all of whose subnets have service endpoints."""
    ips = by_id(ctx.get(IPS))
    subnets = subnets_by_id(ctx.get(VNETS))
    for nat in ctx.get(NATS):
        if _busy(nat):
            continue
        found, missing = _subnets(nat, subnets)
        if missing or not found:
            continue
        services = [
            sorted(
                {str(e.get("service")) for e in props(s).get("serviceEndpoints") or [] if e.get("service")}
            )
            for s in found
        ]
        if not all(services):
            continue
        cost, priced = nat_charge(ctx, nat, ips, kind=CostKind.SAVING)
        name = str(nat.get("name") or nat["id"])
        common = sorted(set().union(*services))
        yield _hit(
            ctx,
            nat,
            f"Every subnet behind NAT gateway {name} has service endpoints ({', '.join(common)}); traffic to "
            "those services bypasses the gateway.",
            cost,
            _nat_evidence(
                nat, scenario="azure:nat_gateway_private_link_alternative", service_endpoints=common
            ),
            Confidence.LOW,
            priced,
            group=False,
        )
