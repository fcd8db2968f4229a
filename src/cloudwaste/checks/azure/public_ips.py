"""Public IP checks: unassociated addresses, addresses on idle resources, idle traffic, non-production
Standard addresses and DDoS IP Protection nobody needs (retired Basic SKU addresses are in
``load_balancers.basic_sku_retired``).

The Network API gives no creation time for a public IP, so none of these rules is age-based (the
original assumed ages it could not know). Every check that prices an IP shares the IP's cost group, so
an address flagged twice is counted once in totals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.azure._common import (
    RESOURCE_GROUPS,
    PowerEvents,
    norm,
    outside_managed_groups,
    power_state,
    props,
    region_of,
    resource,
)
from cloudwaste.checks.azure.network import (
    HA_WORDS,
    NONPROD_WORDS,
    attachment,
    by_id,
    env_marker,
    lb_backends,
    public_ip_monthly,
    ref,
    refs,
    sku_of,
    subnets_by_id,
)
from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostKind, Severity
from cloudwaste.pricing.aws import add, with_note

IPS = "azure:public_ip_addresses"
NO_AGE = "unknown: the Network API gives no creation time for public IPs"
DELETE = "Delete it if no DNS record, firewall allow-list or client depends on its address"
BUSY_STATES = ("updating", "deleting")
GIB = 1024**3


def _ip_evidence(ip: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    p = props(ip)
    sku = sku_of(ip)
    return {
        "sku": sku.get("name"),
        "tier": sku.get("tier"),
        "allocation": p.get("publicIPAllocationMethod"),
        "ip_address": p.get("ipAddress"),
        "zones": list(ip.get("zones") or []),
        "ddos_protection_mode": (p.get("ddosSettings") or {}).get("protectionMode"),
        "ip_configuration": (p.get("ipConfiguration") or {}).get("id"),
        "provisioning_state": p.get("provisioningState"),
        "age": NO_AGE,
        **extra,
    }


def _group(ip: Mapping[str, Any]) -> str:
    return f"public_ip:{norm(ip.get('id'))}"


def _associated(ip: Mapping[str, Any]) -> bool:
    p = props(ip)
    return bool(ref(p.get("ipConfiguration")) or ref(p.get("natGateway")))


def _ddos_enabled(ip: Mapping[str, Any]) -> bool:
    return str((props(ip).get("ddosSettings") or {}).get("protectionMode") or "").lower() == "enabled"


# --- unassociated ------------------------------------------------------------------------------


@check(
    id="azure.network.unattached_public_ip",
    title="Public IP not associated with any resource",
    resource_type="public_ip",
    severity=Severity.MEDIUM,
    needs=[IPS, "azure:nat_gateways", RESOURCE_GROUPS],
    klass="orphan",
    rationale="""
        A public IP whose `ipConfiguration` and `natGateway` are both empty (and that no NAT gateway lists)
        serves nothing. A Standard or static Basic address is billed every hour it exists, plus $199 a
        month when DDoS IP Protection is enabled on it: that is the cost. A dynamic Basic IP that is not
        associated has no address and is not billed (Azure charges dynamic IPs only while associated with
        a running resource): it is reported with a cost of 0 as clutter, where the original billed it $3;
        one with no address at all is the original's "reserved but unused" variant. IPs taken from a public
        IP prefix are left out, as the orphan workbook does: the prefix is billed whether or not they exist.
        The API gives no creation time, so the rule is age-free (the original used an age it did not have);
        confidence is medium for billed addresses, which may have just been created for a deployment.
    """,
    recommendation=f"{DELETE}: az network public-ip delete --ids <id>",
    covers_original=[
        "azure:public_ip_unassociated",
        "azure:public_ip_dynamic_unassociated",
        "azure:public_ip_reserved_but_unused",
    ],
    covers_peers=["azure.network.unattached_public_ip"],
)
def unattached_public_ip(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Public IPs with no IP configuration and no NAT gateway."""
    on_nat = {i for nat in ctx.get("azure:nat_gateways") for i in refs(props(nat).get("publicIpAddresses"))}
    # an address in a service-managed group (an AKS node group's LB frontends) is the service's
    for ip in outside_managed_groups(ctx, ctx.get(IPS)):
        p = props(ip)
        if _associated(ip) or norm(ip.get("id")) in on_nat or ref(p.get("publicIPPrefix")):
            continue
        if str(p.get("provisioningState") or "").lower() in BUSY_STATES:
            continue
        name = str(ip.get("name") or ip["id"])
        sku = str(sku_of(ip).get("name") or "Basic")
        dynamic = str(p.get("publicIPAllocationMethod") or "Dynamic").lower() == "dynamic"
        address = p.get("ipAddress")
        if sku.lower() == "basic" and dynamic:
            scenarios = ["azure:public_ip_dynamic_unassociated"]
            if not address:
                scenarios.append("azure:public_ip_reserved_but_unused")
            cost = public_ip_monthly(ctx, ip, billed_dynamic=False)
            reason = (
                f"Dynamic Basic public IP {name} is not associated with any resource; it holds no address "
                "and costs nothing, but it is clutter (and Basic IPs are retired)."
            )
            confidence, severity = Confidence.HIGH, Severity.LOW
        else:
            scenarios = ["azure:public_ip_unassociated" if address else "azure:public_ip_reserved_but_unused"]
            cost = public_ip_monthly(ctx, ip)
            what = f"address {address}" if address else "no address"
            kind = "dynamic" if dynamic else "static"
            reason = f"{sku} {kind} public IP {name} ({what}) is not associated with any resource."
            if _ddos_enabled(ip):
                cost = add([cost, ctx.prices.monthly("azure.ddos.ip_protection.month", region_of(ip, ctx))])
                cost = with_note(cost, "includes DDoS IP Protection")
                reason += " DDoS IP Protection is enabled on it."
            confidence, severity = Confidence.MEDIUM, None
        yield Hit(
            resource=resource(ip, "public_ip", created_field=None),
            reason=reason,
            cost=cost,
            evidence=_ip_evidence(ip, scenario=scenarios[0], scenarios=scenarios, associated=False),
            confidence=confidence,
            severity=severity,
            cost_group=_group(ip),
            region=region_of(ip, ctx),
        )


# --- on idle resources -----------------------------------------------------------------------


class IdleResourceParams(BaseModel):
    """Parameters of ``azure.network.public_ip_on_idle_resource``."""

    min_deallocated_days: int = Field(
        30,
        ge=0,
        le=90,
        description="Flag IPs of VMs deallocated at least this many days (Activity Log, 90 days).",
    )
    high_confidence_days: int = Field(
        90, ge=0, description="VMs deallocated at least this many days give high confidence."
    )


@check(
    id="azure.network.public_ip_on_idle_resource",
    title="Public IP on a deallocated VM, a VM-less NIC or a load balancer with no backends",
    resource_type="public_ip",
    severity=Severity.MEDIUM,
    needs=[
        IPS,
        "azure:network_interfaces",
        "azure:virtual_machines",
        "azure:vm_power_events",
        "azure:load_balancers",
    ],
    params=IdleResourceParams,
    klass="orphan",
    rationale="""
        An associated public IP can still serve nothing. Its `ipConfiguration` names the owner: a NIC's IP
        configuration (whose NIC is `parent_id` of it), a load balancer frontend, a gateway. It is flagged
        when the NIC is attached to no VM, when the NIC's VM is deallocated for at least
        `min_deallocated_days` (dated by the last deallocate or power-off event of the Activity Log; no
        event in its 90 days means deallocated for longer; a stop the log did not record is unknown),
        or when the load balancer frontend it sits on has no backend at all. A Standard or static IP is
        billed in all these cases; a dynamic Basic IP is released when its VM is deallocated and is not
        billed, so it is not reported. IPs of VM scale set instances, NAT gateways, Bastion, firewalls and
        VPN gateways are in use and left alone, and a NIC or VM not in the listed resource groups is
        unknown, not idle.
    """,
    recommendation=(
        "Dissociate the address from its NIC (az network nic ip-config update --ids <nic-ipconfig> "
        "--remove publicIpAddress) or frontend, then delete it: az network public-ip delete --ids <id>"
    ),
    covers_original=["azure:public_ip_on_stopped_resource", "azure:public_ip_on_nic_without_vm"],
    covers_peers=["azure.network.unattached_public_ip"],
)
def public_ip_on_idle_resource(ctx: CheckContext, params: IdleResourceParams) -> Iterator[Hit]:
    """IPs whose NIC has no VM, whose VM is deallocated, or whose load balancer has no backends."""
    nics = by_id(ctx.get("azure:network_interfaces"))
    vms = by_id(ctx.get("azure:virtual_machines"))
    lbs = by_id(ctx.get("azure:load_balancers"))
    events = PowerEvents(ctx.get("azure:vm_power_events"))
    for ip in ctx.get(IPS):
        config = ref(props(ip).get("ipConfiguration"))
        if not config:
            continue
        raw_config = str(props(ip)["ipConfiguration"]["id"])
        link = attachment(config)
        name = str(ip.get("name") or ip["id"])
        extra: dict[str, Any] = {"attached_to": link.kind, "owner_id": link.parent_id}
        recommendation = None
        if link.kind == "nic":
            nic = nics.get(link.parent_id)
            if nic is None:
                continue
            n = props(nic)
            vm_id = ref(n.get("virtualMachine"))
            nic_name = str(nic.get("name") or link.parent_id)
            if not vm_id:
                if n.get("privateEndpoint") or n.get("privateLinkService") or n.get("hostedWorkloads"):
                    continue
                scenario = "azure:public_ip_on_nic_without_vm"
                reason = f"Public IP {name} is on NIC {nic_name}, which is attached to no VM."
                confidence = Confidence.HIGH
            else:
                vm = vms.get(vm_id)
                if vm is None or power_state(vm) != "deallocated":
                    continue
                power = events.since(vm, ctx.now)
                days = power.days(ctx.now)
                if days is None or days < params.min_deallocated_days:
                    continue
                lower = power.at_least
                vm_name = str(vm.get("name") or vm_id)
                scenario = "azure:public_ip_on_stopped_resource"
                reason = f"Public IP {name} is on VM {vm_name}, deallocated {power.describe(ctx.now)}."
                confidence = Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM
                extra |= {
                    "vm_id": vm["id"],
                    "power_state": "deallocated",
                    "deallocated_days": round(days, 1),
                    "deallocated_days_is_lower_bound": lower,
                    "variant": "deallocated_vm",
                }
            extra["nic_id"] = nic["id"]
            recommendation = (
                f"Dissociate it (az network nic ip-config update --ids {raw_config} "
                "--remove publicIpAddress), "
                f"then delete it: az network public-ip delete --ids {ip['id']}"
            )
        elif link.kind == "load_balancer":
            lb = lbs.get(link.parent_id)
            if lb is None or lb_backends(lb) > 0:
                continue
            scenario = "azure:public_ip_on_stopped_resource"
            reason = (
                f"Public IP {name} is a frontend of load balancer {lb.get('name')}, which has no backends."
            )
            confidence = Confidence.HIGH
            extra |= {"variant": "load_balancer_without_backends"}
        else:
            continue
        cost = public_ip_monthly(ctx, ip)
        if cost.amount == 0:
            continue  # a dynamic Basic IP that holds no address: nothing billed
        yield Hit(
            resource=resource(ip, "public_ip", created_field=None),
            reason=reason,
            cost=cost,
            evidence=_ip_evidence(ip, scenario=scenario, **extra),
            confidence=confidence,
            recommendation=recommendation,
            cost_group=_group(ip),
            region=region_of(ip, ctx),
        )


# --- traffic ---------------------------------------------------------------------------------


class IdleTrafficParams(BaseModel):
    """Parameters of ``azure.network.idle_public_ip``."""

    window_days: int = Field(
        30, ge=1, le=93, description="Days of daily ByteCount/PacketCount totals to read."
    )
    low_traffic_gb: float = Field(
        1.0, ge=0, description="Below this many GiB over the window (but above 0) an IP has very low traffic."
    )


def ip_traffic_queries(params: IdleTrafficParams) -> list[MetricQuery]:
    """Daily ByteCount and PacketCount totals of every public IP."""
    return [
        MetricQuery(
            namespace="Microsoft.Network/publicIPAddresses",
            metric=metric,
            dimension="",
            collection=IPS,
            id_field="id",
            stat="Total",
            period_s=86400,
            days=params.window_days,
        )
        for metric in ("ByteCount", "PacketCount")
    ]


@check(
    id="azure.network.idle_public_ip",
    title="Associated public IP with no or very little traffic",
    resource_type="public_ip",
    severity=Severity.LOW,
    needs=[IPS, "azure:application_gateways"],
    params=IdleTrafficParams,
    klass="idle",
    metrics=ip_traffic_queries,
    rationale="""
        An associated public IP that carried no bytes and no packets over `window_days` (Azure Monitor
        `ByteCount` and `PacketCount` totals of `Microsoft.Network/publicIPAddresses`, daily) is probably
        not needed: medium confidence, since a standby or allow-listed egress address can be silent. Between
        0 and `low_traffic_gb` GiB it has very low traffic: low confidence. The original's two traffic
        checks crash (an undefined resource group and a bad keyword argument); these read the metrics
        properly. No datapoints for either metric means unknown, never idle. Unassociated IPs are reported
        by `azure.network.unattached_public_ip`; an IP whose charge is part of something else (an
        Application Gateway v2 frontend, a public IP prefix) saves nothing on its own and is skipped.
    """,
    recommendation="Check what the address fronts; if nothing needs it, dissociate and delete it: "
    "az network public-ip delete --ids <id>",
    covers_original=["azure:public_ip_no_traffic", "azure:public_ip_very_low_traffic"],
    covers_peers=["azure.network.unattached_public_ip"],
)
def idle_public_ip(ctx: CheckContext, params: IdleTrafficParams) -> Iterator[Hit]:
    """Associated IPs whose daily ByteCount/PacketCount totals are zero or below the low-traffic bar."""
    queries = ip_traffic_queries(params)
    appgws = by_id(ctx.get("azure:application_gateways"))
    for ip in ctx.get(IPS):
        if not _associated(ip):
            continue
        byte_s, packet_s = (ctx.metric(q, str(ip["id"])) for q in queries)
        if byte_s is None or packet_s is None:
            continue
        name = str(ip.get("name") or ip["id"])
        gib = byte_s.total / GIB
        if byte_s.total == 0 and packet_s.total == 0:
            scenario, confidence = "azure:public_ip_no_traffic", Confidence.MEDIUM
            reason = (
                f"Public IP {name} carried no bytes and no packets in the last {params.window_days} days."
            )
        elif gib < params.low_traffic_gb:
            scenario, confidence = "azure:public_ip_very_low_traffic", Confidence.LOW
            reason = (
                f"Public IP {name} carried {gib:.3f} GiB ({packet_s.total:,.0f} packets) in the last "
                f"{params.window_days} days, under {params.low_traffic_gb:g} GiB."
            )
        else:
            continue
        cost = public_ip_monthly(ctx, ip, appgws=appgws)
        if cost.amount == 0:
            continue
        link = (
            attachment(ref(props(ip).get("ipConfiguration")))
            if ref(props(ip).get("ipConfiguration"))
            else None
        )
        yield Hit(
            resource=resource(ip, "public_ip", created_field=None),
            reason=reason,
            cost=cost,
            evidence=_ip_evidence(
                ip,
                scenario=scenario,
                attached_to=link.kind if link else "nat_gateway",
                window_days=params.window_days,
                bytes_total=byte_s.total,
                packets_total=packet_s.total,
                metrics={"ByteCount": byte_s.evidence(), "PacketCount": packet_s.evidence()},
            ),
            confidence=confidence,
            cost_group=_group(ip),
            region=region_of(ip, ctx),
        )


# --- non-production Standard IPs ---------------------------------------------------------------


class NonProdParams(BaseModel):
    """Parameters of ``azure.network.nonprod_public_ip``."""

    nonprod_words: tuple[str, ...] = Field(
        NONPROD_WORDS,
        description="Tag values, tag keys or resource-group name tokens marking non-production.",
    )
    ha_words: tuple[str, ...] = Field(
        HA_WORDS, description="Tag tokens that mark an address whose zone redundancy is wanted."
    )


@check(
    id="azure.network.nonprod_public_ip",
    title="Standard public IP on a non-production VM",
    resource_type="public_ip",
    severity=Severity.LOW,
    needs=[IPS, "azure:network_interfaces"],
    params=NonProdParams,
    klass="policy",
    rationale="""
        The original advised moving non-production Standard IPs to Basic, and zone-redundant ones to a
        single zone for $0.65 a month. Both are wrong now: Basic public IPs were retired on 30 September
        2025, and a zone-redundant Standard IP costs the same as a zonal one (new Standard IPs are
        zone-redundant by default). What remains true is that a development or test VM rarely needs its
        own internet-facing address: a Standard IP on the NIC of a VM marked non-production (an environment
        tag, any tag token, or the resource group name, matched as whole words) costs its hourly price and
        opens the VM to the internet. The finding is low confidence; its cost is the IP's. When the IP is
        also zone-redundant with no HA tag it carries the zone variant, with a zone surcharge of 0.
    """,
    recommendation="Reach the VM through Azure Bastion, just-in-time access or a VPN instead, then remove "
    "and delete the address: az network public-ip delete --ids <id>",
    covers_original=[
        "azure:public_ip_unnecessary_standard_sku",
        "azure:public_ip_unnecessary_zone_redundancy",
    ],
    covers_peers=[],
)
def nonprod_public_ip(ctx: CheckContext, params: NonProdParams) -> Iterator[Hit]:
    """Standard regional IPs on NICs of non-production VMs."""
    nics = by_id(ctx.get("azure:network_interfaces"))
    for ip in ctx.get(IPS):
        sku = sku_of(ip)
        if (
            str(sku.get("name") or "").lower() != "standard"
            or str(sku.get("tier") or "Regional").lower() == "global"
        ):
            continue
        config = ref(props(ip).get("ipConfiguration"))
        if not config or attachment(config).kind != "nic":
            continue
        nic = nics.get(attachment(config).parent_id)
        if nic is None or not ref(props(nic).get("virtualMachine")):
            continue
        marker = env_marker(ip, params.nonprod_words) or env_marker(nic, params.nonprod_words)
        if marker is None:
            continue
        zones = list(ip.get("zones") or [])
        scenarios = ["azure:public_ip_unnecessary_standard_sku"]
        zone_note = ""
        if len(zones) >= 2 and env_marker(ip, params.ha_words) is None:
            scenarios.append("azure:public_ip_unnecessary_zone_redundancy")
            zone_note = " It is zone-redundant, which costs nothing extra."
        name = str(ip.get("name") or ip["id"])
        yield Hit(
            resource=resource(ip, "public_ip", created_field=None),
            reason=(
                f"Standard public IP {name} is on NIC {nic.get('name')} of a non-production VM ({marker})."
                f"{zone_note}"
            ),
            cost=public_ip_monthly(ctx, ip),
            evidence=_ip_evidence(
                ip,
                scenario=scenarios[0],
                scenarios=scenarios,
                nonprod_marker=marker,
                zone_redundancy_surcharge=0.0,
            ),
            confidence=Confidence.LOW,
            cost_group=_group(ip),
            region=region_of(ip, ctx),
        )


# --- DDoS IP Protection ----------------------------------------------------------------------


class DdosIpParams(BaseModel):
    """Parameters of ``azure.network.ddos_ip_protection_unused``."""

    window_days: int = Field(
        30, ge=1, le=93, description="Days of daily ByteCount totals that must all be zero."
    )


def ddos_queries(params: DdosIpParams) -> list[MetricQuery]:
    """Daily ByteCount totals of every public IP."""
    return [
        MetricQuery(
            namespace="Microsoft.Network/publicIPAddresses",
            metric="ByteCount",
            dimension="",
            collection=IPS,
            id_field="id",
            stat="Total",
            period_s=86400,
            days=params.window_days,
        )
    ]


@check(
    id="azure.network.ddos_ip_protection_unused",
    title="DDoS IP Protection on an address that does not need it",
    resource_type="public_ip",
    severity=Severity.HIGH,
    needs=[IPS, "azure:network_interfaces", "azure:virtual_machines", "azure:virtual_networks"],
    params=DdosIpParams,
    klass="idle",
    metrics=ddos_queries,
    rationale="""
        DDoS IP Protection (`ddosSettings.protectionMode` = `Enabled`) bills about $199 a month per address,
        not the $30 the original used. It protects nothing when the address sits in a VNet that a DDoS
        Network Protection plan already covers (the VNet's `enableDdosProtection` and `ddosProtectionPlan`:
        paid twice, high confidence), when its NIC has no VM or its VM is deallocated, or when the address
        carried no bytes over `window_days` (medium confidence; no data is unknown). The saving is the
        protection price; the address itself is priced by the other public IP checks. The original waited
        90 days from a creation time the API does not give; these rules need none. Unassociated protected
        addresses are reported, protection included, by `azure.network.unattached_public_ip`.
    """,
    recommendation="Disable IP Protection on it (az network public-ip update --ids <id> "
    "--ddos-protection-mode Disabled), or delete the address if it is unused",
    covers_original=["azure:public_ip_ddos_protection_unused"],
    covers_peers=[],
)
def ddos_ip_protection_unused(ctx: CheckContext, params: DdosIpParams) -> Iterator[Hit]:
    """Associated IPs with IP Protection whose VNet has a plan, whose VM is off, or with no traffic."""
    (query,) = ddos_queries(params)
    nics = by_id(ctx.get("azure:network_interfaces"))
    vms = by_id(ctx.get("azure:virtual_machines"))
    subnets = subnets_by_id(ctx.get("azure:virtual_networks"))
    for ip in ctx.get(IPS):
        if not _ddos_enabled(ip) or not _associated(ip):
            continue
        name = str(ip.get("name") or ip["id"])
        config = ref(props(ip).get("ipConfiguration"))
        variant, reason, confidence = "", "", Confidence.MEDIUM
        extra: dict[str, Any] = {}
        nic = nics.get(attachment(config).parent_id) if config and attachment(config).kind == "nic" else None
        if nic is not None:
            cfg = next(
                (c for c in props(nic).get("ipConfigurations") or [] if norm(c.get("id")) == config), None
            )
            subnet = subnets.get(ref(props(cfg).get("subnet"))) if cfg else None
            vnet = subnet[1] if subnet else None
            vm = vms.get(ref(props(nic).get("virtualMachine")))
            if (
                vnet is not None
                and props(vnet).get("enableDdosProtection")
                and ref(props(vnet).get("ddosProtectionPlan"))
            ):
                variant, confidence = "covered_by_network_plan", Confidence.HIGH
                reason = (
                    f"Public IP {name} pays for DDoS IP Protection although VNet {vnet.get('name')} is "
                    "already covered by a DDoS Network Protection plan."
                )
                extra["ddos_protection_plan"] = ref(props(vnet).get("ddosProtectionPlan"))
            elif not ref(props(nic).get("virtualMachine")):
                variant, reason = (
                    "nic_without_vm",
                    f"Public IP {name} pays for DDoS IP Protection on a NIC with no VM.",
                )
            elif vm is not None and power_state(vm) == "deallocated":
                variant = "deallocated_vm"
                reason = f"Public IP {name} pays for DDoS IP Protection on deallocated VM {vm.get('name')}."
        if not variant:
            series = ctx.metric(query, str(ip["id"]))
            if series is None or series.total > 0:
                continue
            variant = "no_traffic"
            reason = (
                f"Public IP {name} pays for DDoS IP Protection and carried no bytes in the last "
                f"{params.window_days} days."
            )
            extra["metrics"] = {"ByteCount": series.evidence()}
        yield Hit(
            resource=resource(ip, "public_ip", created_field=None),
            reason=reason,
            cost=ctx.prices.monthly(
                "azure.ddos.ip_protection.month",
                region_of(ip, ctx),
                kind=CostKind.SAVING,
                what="protected IP",
            ),
            evidence=_ip_evidence(
                ip, scenario="azure:public_ip_ddos_protection_unused", variant=variant, **extra
            ),
            confidence=confidence,
            region=region_of(ip, ctx),
        )
