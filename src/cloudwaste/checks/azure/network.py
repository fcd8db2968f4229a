"""Network helpers shared by the Azure network checks: what an IP configuration belongs to, who uses a
subnet, and the monthly cost of public IPs, load balancers,
application gateways and NAT gateways from the price book.

ARM references are ``{"id": ...}`` objects and ids are compared through :func:`norm`. Costs follow the
Azure pricing pages: a Standard public IP is billed every hour it exists; a dynamic Basic IP only while
it is associated with a running resource (unassociated or on a deallocated VM it has no address); an
Application Gateway v2's fixed price includes its public IP; a Standard Load Balancer is billed per
load-balancing and outbound rule hour (the first five together, then per rule; inbound NAT rules are
free), so one with no such rule has no hourly charge; a Basic Load Balancer is free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudwaste.checks.azure._common import norm, props, resource_group, tags, tokens
from cloudwaste.checks.context import CheckContext
from cloudwaste.model import CostBasis, CostKind, Money
from cloudwaste.pricing.aws import add, with_note

NONPROD_WORDS = (
    "dev",
    "development",
    "test",
    "testing",
    "staging",
    "stage",
    "qa",
    "uat",
    "sandbox",
    "nonprod",
)
HA_WORDS = ("ha", "prod", "production", "critical")
ENV_TAG_KEYS = ("environment", "env", "stage", "tier", "purpose", "workload")
V2_SKUS = ("standard_v2", "waf_v2")
CU_PER_INSTANCE = 10  # Application Gateway v2: each reserved instance bills 10 capacity units


# --- references ------------------------------------------------------------------------------


def ref(value: Any) -> str:
    """The normalised id of an ARM reference ``{"id": ...}`` ('' when absent)."""
    return norm(value.get("id")) if isinstance(value, Mapping) else ""


def refs(values: Any) -> list[str]:
    """The normalised ids of a list of ARM references (null gives [])."""
    return [r for r in (ref(v) for v in values or []) if r]


def by_id(items: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Items keyed by normalised id."""
    return {norm(i.get("id")): i for i in items if i.get("id")}


def sku_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """The ``sku`` object: top level for most types, under ``properties`` for application gateways and
    virtual network gateways."""
    value = item.get("sku") or props(item).get("sku")
    return value if isinstance(value, dict) else {}


def sku_name(item: Mapping[str, Any]) -> str:
    """The SKU name as ARM spells it ('' when absent)."""
    return str(sku_of(item).get("name") or "")


@dataclass(frozen=True)
class Attachment:
    """What an IP configuration id belongs to."""

    kind: str  # nic, vmss_nic, load_balancer, application_gateway, vnet_gateway, bastion, firewall, ...
    parent_id: str  # normalised id of the owning resource (the NIC, the load balancer...)


_PARENT_KINDS = {
    "networkinterfaces": "nic",
    "loadbalancers": "load_balancer",
    "applicationgateways": "application_gateway",
    "virtualnetworkgateways": "vnet_gateway",
    "bastionhosts": "bastion",
    "azurefirewalls": "firewall",
    "privatelinkservices": "private_link_service",
    "virtualhubs": "virtual_hub",
}


def attachment(ipconfig_id: str) -> Attachment:
    """Classify an IP configuration id by its parent resource type (``.../<type>/<name>/<child>/<x>``)."""
    parts = norm(ipconfig_id).split("/")
    parent = "/".join(parts[:-2])
    if "virtualmachinescalesets" in parts:
        return Attachment("vmss_nic", parent)
    kind = _PARENT_KINDS.get(parts[-4], "other") if len(parts) >= 4 else "other"
    return Attachment(kind, parent)


# --- environment words -----------------------------------------------------------------------


def env_marker(item: Mapping[str, Any], words: Iterable[str]) -> str | None:
    """Where a word of ``words`` marks the item's environment: an environment tag's value, any tag key
    or value, or its resource group name, matched as whole tokens ('dev' matches 'app-dev', not
    'devops'); None when nothing matches."""
    wanted = {w.lower() for w in words}
    item_tags = tags(item)
    for key in ENV_TAG_KEYS:
        for k, v in item_tags.items():
            if k.lower() == key and tokens(v) & wanted:
                return f"tag {k}={v}"
    for k, v in item_tags.items():
        if (tokens(k) | tokens(v)) & wanted:
            return f"tag {k}={v}"
    group = resource_group(item.get("id"))
    if tokens(group) & wanted:
        return f"resource group {group}"
    return None


# --- subnets ---------------------------------------------------------------------------------


def subnets_by_id(
    vnets: Iterable[Mapping[str, Any]],
) -> dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Every subnet of every VNet keyed by normalised id: (subnet, its VNet)."""
    out: dict[str, tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
    for vnet in vnets:
        for subnet in props(vnet).get("subnets") or []:
            if subnet.get("id"):
                out[norm(subnet["id"])] = (subnet, vnet)
    return out


@dataclass
class SubnetUse:
    """Who sits in a set of subnets, from their ``ipConfigurations`` and service links."""

    vms: set[str] = field(default_factory=set)  # VMs behind NICs in the subnets
    private_endpoints: int = 0  # IP configurations of private-endpoint / private-link-service NICs
    idle_nics: int = 0  # NICs attached to no VM
    others: list[str] = field(default_factory=list)  # anything else that may send traffic (VMSS, ...)

    @property
    def vm_users(self) -> bool:
        """Whether anything other than private endpoints and VM-less NICs uses the subnets."""
        return bool(self.vms or self.others)


def subnet_use(subnets: Iterable[Mapping[str, Any]], nics: Mapping[str, Mapping[str, Any]]) -> SubnetUse:
    """Classify every IP configuration and service link of ``subnets``.

    A NIC configuration counts its VM; a private-endpoint, private-link-service or NetApp NIC, or a
    NIC attached to no VM, sends no outbound traffic of its own; a VM scale set instance, an Azure
    Firewall, a delegation (App Service VNet integration, container groups...), a service
    association or navigation link, a container network profile, and a NIC that is not in the
    collection (another resource group) are users we cannot rule out.
    """
    use = SubnetUse()
    for subnet in subnets:
        p = props(subnet)
        for key in (
            "delegations",
            "serviceAssociationLinks",
            "resourceNavigationLinks",
            "ipConfigurationProfiles",
        ):
            if p.get(key):
                use.others.append(f"{key} of {subnet.get('name')}")
        for cfg in p.get("ipConfigurations") or []:
            link = attachment(str(cfg.get("id") or ""))
            if link.kind == "nic":
                nic = nics.get(link.parent_id)
                if nic is None:
                    use.others.append(f"NIC {link.parent_id.rsplit('/', 1)[-1]} (not listed)")
                    continue
                n = props(nic)
                if n.get("privateEndpoint") or n.get("privateLinkService") or n.get("hostedWorkloads"):
                    use.private_endpoints += 1
                elif ref(n.get("virtualMachine")):
                    use.vms.add(ref(n.get("virtualMachine")))
                else:
                    use.idle_nics += 1
            elif link.kind == "private_link_service":
                use.private_endpoints += 1
            elif link.kind in ("load_balancer", "vnet_gateway", "bastion", "application_gateway"):
                continue  # internal frontends and gateways send no NAT traffic of their own
            else:
                use.others.append(f"{link.kind} {link.parent_id.rsplit('/', 1)[-1]}")
    return use


# --- money -----------------------------------------------------------------------------------


def zero(kind: CostKind, why: str) -> Money:
    """A known zero: Azure bills nothing for this (``why`` says so)."""
    return Money(amount=0.0, basis=CostBasis.BUNDLED_PRICE, kind=kind, detail=why)


def public_ip_monthly(
    ctx: CheckContext,
    ip: Mapping[str, Any],
    *,
    kind: CostKind = CostKind.COST,
    billed_dynamic: bool | None = None,
    appgws: Mapping[str, Mapping[str, Any]] | None = None,
) -> Money:
    """What one public IP costs a month.

    ``billed_dynamic`` says whether a dynamic Basic IP is billed (default: when it holds an address,
    which it does only while associated with a running resource). An IP carved from a public IP
    prefix is billed through the prefix; one on an Application Gateway v2 frontend through the
    gateway's fixed price; both give a known zero here.
    """
    p = props(ip)
    region = _region(ip, ctx)
    name = str(ip.get("name") or "")
    sku = sku_of(ip)
    config = ref(p.get("ipConfiguration"))
    if appgws is not None and config and attachment(config).kind == "application_gateway":
        gw = appgws.get(attachment(config).parent_id)
        if gw is not None and sku_name(gw).lower() in V2_SKUS:
            return zero(kind, f"public IP {name}: included in its Application Gateway v2's fixed price")
    if ref(p.get("publicIPPrefix")):
        return zero(kind, f"public IP {name}: billed through its public IP prefix")
    if str(sku.get("name") or "Basic").lower() == "basic":
        if str(p.get("publicIPAllocationMethod") or "Dynamic").lower() == "dynamic":
            holds = bool(p.get("ipAddress")) if billed_dynamic is None else billed_dynamic
            if not holds:
                return zero(kind, f"no charge: dynamic Basic IP {name} holds no address")
            return ctx.prices.monthly(
                "azure.public_ip.basic_dynamic.hour", region, kind=kind, what="Basic IP"
            )
        return ctx.prices.monthly("azure.public_ip.basic_static.hour", region, kind=kind, what="Basic IP")
    if str(sku.get("tier") or "Regional").lower() == "global":
        return ctx.prices.monthly("azure.public_ip.global.hour", region, kind=kind, what="Global IP")
    return ctx.prices.monthly("azure.public_ip.standard.hour", region, kind=kind, what="Standard IP")


def public_ips_monthly(
    ctx: CheckContext,
    ip_ids: Iterable[str],
    ips: Mapping[str, Mapping[str, Any]],
    *,
    kind: CostKind = CostKind.COST,
    appgws: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[list[Money], list[str], list[str]]:
    """(costs of the listed IPs, ids of those priced, ids not in the collection)."""
    parts, priced, missing = [], [], []
    for ip_id in dict.fromkeys(norm(i) for i in ip_ids if i):
        ip = ips.get(ip_id)
        if ip is None:
            missing.append(ip_id)
            continue
        parts.append(public_ip_monthly(ctx, ip, kind=kind, appgws=appgws))
        priced.append(str(ip["id"]))
    return parts, priced, missing


def total(parts: list[Money], *, kind: CostKind = CostKind.COST, note: str = "", missing: int = 0) -> Money:
    """The sum of ``parts`` (unknown if one is), with ``note`` and a word on IPs not listed."""
    money = add(parts, kind=kind)
    if missing:
        money = with_note(money, f"{missing} public IP(s) not in the listed resource groups: not priced")
    return with_note(money, note) if note else money


def _region(item: Mapping[str, Any], ctx: CheckContext) -> str:
    return str(item.get("location") or ctx.region).replace(" ", "").lower()


# --- load balancers --------------------------------------------------------------------------


def lb_backends(lb: Mapping[str, Any]) -> int:
    """Backend members: NIC configurations and IP addresses in its pools, plus NAT rule targets."""
    p = props(lb)
    count = 0
    for pool in p.get("backendAddressPools") or []:
        pp = props(pool)
        count += len(pp.get("backendIPConfigurations") or []) + len(
            pp.get("loadBalancerBackendAddresses") or []
        )
    for rule in p.get("inboundNatRules") or []:
        if ref(props(rule).get("backendIPConfiguration")):
            count += 1
    return count


def lb_rules(lb: Mapping[str, Any]) -> dict[str, int]:
    """Rule counts by kind."""
    p = props(lb)
    return {
        "loadBalancingRules": len(p.get("loadBalancingRules") or []),
        "outboundRules": len(p.get("outboundRules") or []),
        "inboundNatRules": len(p.get("inboundNatRules") or []),
        "inboundNatPools": len(p.get("inboundNatPools") or []),
    }


def lb_billable_rules(lb: Mapping[str, Any]) -> int:
    """Load-balancing + outbound rules: what the Standard hourly charge counts (NAT rules are free)."""
    counts = lb_rules(lb)
    return counts["loadBalancingRules"] + counts["outboundRules"]


def lb_charge(
    ctx: CheckContext,
    lb: Mapping[str, Any],
    *,
    rules: int | None = None,
    kind: CostKind = CostKind.COST,
    as_standard: bool = False,
) -> Money:
    """The load balancer's own hourly charge for ``rules`` billable rules (default: its own);
    ``as_standard`` prices a Basic one as if it were already Standard (its migration cost)."""
    region = _region(lb, ctx)
    sku = sku_of(lb)
    name = "standard" if as_standard else str(sku.get("name") or "Basic").lower()
    if name == "basic":
        return zero(kind, "no charge: Basic Load Balancers are free")
    if name == "gateway":
        return ctx.prices.monthly("azure.lb.gateway.hour", region, kind=kind, what="Gateway Load Balancer")
    if str(sku.get("tier") or "Regional").lower() == "global":
        return Money.unknown(kind, detail="cross-region (Global tier) load balancer: not priced")
    n = lb_billable_rules(lb) if rules is None else rules
    if n <= 0:
        return zero(
            kind, "no hourly charge: a Standard Load Balancer with no load-balancing or outbound rule"
        )
    parts = [
        ctx.prices.monthly("azure.lb.standard.first5_rules.hour", region, kind=kind, what="first 5 rules")
    ]
    if n > 5:
        parts.append(
            ctx.prices.monthly("azure.lb.standard.extra_rule.hour", region, n - 5, kind=kind, what="rule")
        )
    return with_note(
        add(parts, kind=kind), f"{n} billable rule{'s' if n != 1 else ''}; data processed excluded"
    )


def frontend_public_ips(item: Mapping[str, Any]) -> list[str]:
    """Public IP ids on the frontends of a load balancer or application gateway."""
    out = []
    for fe in props(item).get("frontendIPConfigurations") or []:
        ip = ref(props(fe).get("publicIPAddress"))
        if ip:
            out.append(ip)
    return out


# --- application gateways --------------------------------------------------------------------


def appgw_reserved_instances(gw: Mapping[str, Any]) -> int:
    """Instances a v2 gateway keeps reserved: autoscale minimum, else its fixed capacity."""
    auto = props(gw).get("autoscaleConfiguration")
    if isinstance(auto, Mapping):
        return int(auto.get("minCapacity") or 0)
    return int(sku_of(gw).get("capacity") or 0)


def appgw_charge(ctx: CheckContext, gw: Mapping[str, Any], *, kind: CostKind = CostKind.COST) -> Money:
    """What a running application gateway costs a month before traffic.

    v2: fixed price + the capacity units its reserved instances bill (10 per instance). v1: instance
    count x the size's hourly price. Basic: fixed price. Data processed and capacity units above
    the reserved ones depend on traffic and are excluded.
    """
    region = _region(gw, ctx)
    name = sku_name(gw).lower()
    if name in V2_SKUS:
        instances = appgw_reserved_instances(gw)
        parts = [ctx.prices.monthly(f"azure.appgw.{name}.fixed.hour", region, kind=kind, what="gateway")]
        if instances:
            parts.append(
                ctx.prices.monthly(
                    f"azure.appgw.{name}.cu.hour",
                    region,
                    instances * CU_PER_INSTANCE,
                    kind=kind,
                    what="reserved CU",
                )
            )
        note = (
            f"{instances} reserved instance{'s' if instances != 1 else ''}; traffic capacity units excluded"
        )
        return with_note(add(parts, kind=kind), note)
    if name == "basic":
        return ctx.prices.monthly("azure.appgw.basic.fixed.hour", region, kind=kind, what="Basic gateway")
    instances = max(1, int(sku_of(gw).get("capacity") or 1))
    money = ctx.prices.monthly(f"azure.appgw.v1.{name}.hour", region, instances, kind=kind, what="instance")
    return with_note(money, "v1 gateway; data processed excluded")


def appgw_backends(gw: Mapping[str, Any]) -> int:
    """Backend targets: addresses (IP or FQDN) and NIC configurations over all pools."""
    count = 0
    for pool in props(gw).get("backendAddressPools") or []:
        pp = props(pool)
        count += len(pp.get("backendAddresses") or []) + len(pp.get("backendIPConfigurations") or [])
    return count


# --- NAT gateways ----------------------------------------------------------------------------


def nat_charge(
    ctx: CheckContext,
    nat: Mapping[str, Any],
    ips: Mapping[str, Mapping[str, Any]],
    *,
    kind: CostKind = CostKind.COST,
    with_ips: bool = True,
) -> tuple[Money, list[str]]:
    """(hourly charge + its public IPs, ids of the priced IPs); data processed is excluded."""
    region = _region(nat, ctx)
    parts = [ctx.prices.monthly("azure.nat.gateway.hour", region, kind=kind, what="NAT gateway")]
    priced: list[str] = []
    missing: list[str] = []
    if with_ips:
        ip_parts, priced, missing = public_ips_monthly(
            ctx, refs(props(nat).get("publicIpAddresses")), ips, kind=kind
        )
        parts += ip_parts
    notes = ["data processed excluded"]
    if props(nat).get("publicIpPrefixes"):
        notes.append("its public IP prefixes are not priced")
    return total(parts, kind=kind, note="; ".join(notes), missing=len(missing)), priced
