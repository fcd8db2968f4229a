"""Static external IP checks: reserved regional and global addresses that nothing uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.gcp._common import (
    days_since,
    last_segment,
    norm_url,
    price_region,
    region_of,
    resource,
    whole_days,
)
from cloudwaste.checks.gcp._compute import (
    ADDRESSES,
    FORWARDING_RULES,
    GLOBAL_ADDRESSES,
    INSTANCES,
    ROUTERS,
    VPN_GATEWAYS,
    address_monthly,
    external_ips,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Severity

# reservations that are in use by design: peering / PSC ranges, NAT auto IPs, HA VPN over Interconnect,
# shared load balancer VIPs, DNS resolvers
BY_DESIGN = frozenset(
    {
        "VPC_PEERING",
        "PRIVATE_SERVICE_CONNECT",
        "NAT_AUTO",
        "IPSEC_INTERCONNECT",
        "SHARED_LOADBALANCER_VIP",
        "DNS_RESOLVER",
        "SERVERLESS",
        "GCE_ENDPOINT_PUBLIC_IP_RANGE",
    }
)


@dataclass(frozen=True)
class Users:
    """Who uses which address, from every collection that can reference one."""

    ips: dict[str, str]  # IP -> what uses it
    urls: dict[str, str]  # normalised address URL -> what uses it

    def of(self, address: Mapping[str, Any]) -> str | None:
        """What uses ``address`` (None when nothing does)."""
        return self.urls.get(norm_url(address.get("selfLink"))) or self.ips.get(str(address.get("address")))


def address_users(ctx: CheckContext, *, regional: bool = True) -> Users:
    """Forwarding rules (their ``IPAddress`` is an IP or an address URL), HA VPN interfaces, Cloud NAT
    IPs (``natIps``/``drainNatIps`` URLs) and instances' access configs."""
    ips: dict[str, str] = {}
    urls: dict[str, str] = {}
    for rule in ctx.get(FORWARDING_RULES):
        what = f"forwarding rule {rule.get('name')}"
        value = str(rule.get("IPAddress") or "")
        if "/" in value:
            urls.setdefault(norm_url(value), what)
        elif value:
            ips.setdefault(value, what)
    if regional:
        for gateway in ctx.get(VPN_GATEWAYS):
            for interface in gateway.get("vpnInterfaces") or []:
                if interface.get("ipAddress"):
                    ips.setdefault(str(interface["ipAddress"]), f"VPN gateway {gateway.get('name')}")
        for router in ctx.get(ROUTERS):
            for nat in router.get("nats") or []:
                for url in [*(nat.get("natIps") or []), *(nat.get("drainNatIps") or [])]:
                    urls.setdefault(
                        norm_url(url), f"Cloud NAT {nat.get('name')} on router {router.get('name')}"
                    )
        for instance in ctx.get(INSTANCES):
            for ip in external_ips(instance):
                ips.setdefault(ip, f"instance {instance.get('name')}")
    return Users(ips, urls)


class UnusedParams(BaseModel):
    """Parameters of ``gcp.compute.unused_address`` and ``gcp.compute.unused_global_address``."""

    min_days: int = Field(7, ge=0, description="Only flag addresses reserved at least this many days ago.")
    high_confidence_days: int = Field(
        30,
        ge=0,
        description="Addresses reserved at least this many days ago are reported with high confidence.",
    )


def _unused(
    ctx: CheckContext, params: UnusedParams, addresses: Iterable[Mapping[str, Any]], users: Users, scope: str
) -> Iterator[Hit]:
    for address in addresses:
        if address.get("addressType", "EXTERNAL") != "EXTERNAL" or address.get("status") != "RESERVED":
            continue  # INTERNAL addresses are free; RESERVING is in flux; IN_USE is used
        if address.get("users") or address.get("purpose") in BY_DESIGN or users.of(address):
            continue
        days = days_since(address.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        region = price_region(address, ctx) if scope == "regional" else "global"
        flag = f"--region={last_segment(address.get('region'))}" if scope == "regional" else "--global"
        yield Hit(
            resource=resource(address, "gce_address" if scope == "regional" else "gce_global_address"),
            reason=f"Static external IP {address.get('address')} ({address.get('name')}) has been reserved "
            "for "
            f"{whole_days(days)} and nothing uses it.",
            cost=address_monthly(ctx, region, "unused"),
            evidence={
                "address": address.get("address"),
                "status": address.get("status"),
                "address_type": address.get("addressType", "EXTERNAL"),
                "network_tier": address.get("networkTier"),
                "purpose": address.get("purpose"),
                "ip_version": address.get("ipVersion"),
                "reserved_days": round(days, 1),
                "created": address.get("creationTimestamp"),
                "scenario": "never_used" if days >= 90 else "unattached",
            },
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=f"gcloud compute addresses delete {address.get('name')} {flag}",
            region=region_of(address, ctx) if scope == "regional" else "global",
        )


_RATIONALE = """
    Google bills a static external IP that is reserved but not in use at the unused-address hourly rate,
    higher than the in-use rate. An address is flagged when its `status` is RESERVED, it has no `users`,
    and no forwarding rule's `IPAddress` (an IP or the address's URL), {extra} holds it: the `status`
    alone is not enough, since a RESERVED address whose IP a forwarding rule carries is in use. INTERNAL
    addresses are free and never flagged, and reservations with a `purpose` that is in use by design
    (VPC_PEERING and PRIVATE_SERVICE_CONNECT ranges, NAT_AUTO, IPSEC_INTERCONNECT,
    SHARED_LOADBALANCER_VIP, DNS_RESOLVER) are skipped. The API records no release time, so the age is
    the reservation's `creationTimestamp`; 90 days or more is the original's "never used" variant.
"""


@check(
    id="gcp.compute.unused_address",
    title="Reserved regional static external IP that nothing uses",
    resource_type="gce_address",
    severity=Severity.LOW,
    needs=[ADDRESSES, FORWARDING_RULES, VPN_GATEWAYS, ROUTERS, INSTANCES],
    params=UnusedParams,
    klass="orphan",
    rationale=_RATIONALE.format(
        extra="HA VPN gateway interface, Cloud NAT (`natIps`/`drainNatIps`) or instance"
    ),
    recommendation="Release it: gcloud compute addresses delete <name> --region=<region>",
    covers_original=[
        "gcp:gcp_static_ip_unattached",
        "gcp:gcp_static_ip_old_never_used",
        "gcp:gcp_static_ip_orphaned",
    ],
    covers_peers=["gcp.compute.unused_address"],
)
def unused_address(ctx: CheckContext, params: UnusedParams) -> Iterator[Hit]:
    """RESERVED EXTERNAL regional addresses used by no forwarding rule, VPN, NAT or instance."""
    yield from _unused(ctx, params, ctx.get(ADDRESSES), address_users(ctx), "regional")


@check(
    id="gcp.compute.unused_global_address",
    title="Reserved global static external IP that nothing uses",
    resource_type="gce_global_address",
    severity=Severity.LOW,
    needs=[GLOBAL_ADDRESSES, FORWARDING_RULES],
    params=UnusedParams,
    klass="orphan",
    rationale=_RATIONALE.format(extra="global forwarding rule of a global load balancer")
    + " Global addresses serve only global forwarding rules, so those are the only users looked for.",
    recommendation="Release it: gcloud compute addresses delete <name> --global",
    covers_original=["gcp:gcp_static_ip_unattached"],
    covers_peers=["gcp.compute.unused_address"],
)
def unused_global_address(ctx: CheckContext, params: UnusedParams) -> Iterator[Hit]:
    """RESERVED EXTERNAL global addresses used by no forwarding rule."""
    yield from _unused(ctx, params, ctx.get(GLOBAL_ADDRESSES), address_users(ctx, regional=False), "global")
