"""Load balancing checks: forwarding rules whose load balancer has no backends, empty backend services,
and empty unmanaged instance groups."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.gcp._common import (
    as_int,
    days_since,
    last_segment,
    norm_url,
    region_of,
    resource,
    whole_days,
)
from cloudwaste.checks.gcp._compute import (
    BACKEND_SERVICES,
    FORWARDING_RULES,
    IGMS,
    INSTANCE_GROUPS,
    TARGET_POOLS,
    TARGET_PROXIES,
    URL_MAPS,
    by_url,
    region_name,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, Money, Severity

EMPTY, SOME, UNKNOWN, BY_DESIGN = "empty", "some", "unknown", "by_design"
NO_CHARGE = "no direct charge"


@dataclass
class Topology:
    """The load balancing resources of a project, by normalised URL."""

    services: dict[str, Mapping[str, Any]]
    url_maps: dict[str, Mapping[str, Any]]
    proxies: dict[str, Mapping[str, Any]]
    pools: dict[str, Mapping[str, Any]]
    groups: dict[str, Mapping[str, Any]]

    @classmethod
    def of(cls, ctx: CheckContext) -> Topology:
        return cls(
            by_url(ctx.get(BACKEND_SERVICES)),
            by_url(ctx.get(URL_MAPS)),
            by_url(ctx.get(TARGET_PROXIES)),
            by_url(ctx.get(TARGET_POOLS)),
            by_url(ctx.get(INSTANCE_GROUPS)),
        )

    def service_state(self, url: Any) -> str:
        """``empty`` when a backend service has no backends, or only instance groups of size 0; ``some``
        when one backend is known to have members or is a NEG/bucket (endpoints not listed); ``unknown``
        when the service is not listed."""
        target = norm_url(url)
        if "/backendbuckets/" in target:
            return SOME  # a Cloud Storage bucket serves content
        service = self.services.get(target)
        if service is None:
            return UNKNOWN
        states = [self._group_state(b.get("group")) for b in service.get("backends") or []]
        if all(s == EMPTY for s in states):
            return EMPTY
        return SOME if SOME in states else UNKNOWN

    def _group_state(self, url: Any) -> str:
        group = norm_url(url)
        if "/instancegroups/" not in group:
            return SOME  # network endpoint groups (zonal, serverless, internet, PSC): endpoints unlisted
        item = self.groups.get(group)
        if item is None:
            return UNKNOWN
        return EMPTY if (as_int(item.get("size"), 0) or 0) == 0 else SOME

    def url_map_state(self, url: Any) -> str:
        """The state of every service a URL map routes to; a map that only redirects is by design."""
        item = self.url_maps.get(norm_url(url))
        if item is None:
            return UNKNOWN
        services = url_map_services(item)
        if not services:
            return BY_DESIGN if item.get("defaultUrlRedirect") or _redirects(item) else EMPTY
        states = [self.service_state(s) for s in services]
        if all(s == EMPTY for s in states):
            return EMPTY
        return SOME if SOME in states else UNKNOWN

    def rule_state(self, rule: Mapping[str, Any]) -> tuple[str, str]:
        """(state, path) of what a forwarding rule sends traffic to."""
        if rule.get("backendService"):
            return self.service_state(
                rule["backendService"]
            ), f"backend service {last_segment(rule['backendService'])}"
        target = norm_url(rule.get("target"))
        name = last_segment(target)
        if not target:
            return UNKNOWN, "no target"
        if "/targetpools/" in target:
            pool = self.pools.get(target)
            if pool is None:
                return UNKNOWN, f"target pool {name}"
            return (SOME if pool.get("instances") else EMPTY), f"target pool {name}"
        if (
            "/targethttpproxies/" in target
            or "/targethttpsproxies/" in target
            or "/targetgrpcproxies/" in target
        ):
            proxy = self.proxies.get(target)
            if proxy is None:
                return UNKNOWN, f"target proxy {name}"
            return self.url_map_state(
                proxy.get("urlMap")
            ), f"proxy {name} -> URL map {last_segment(proxy.get('urlMap'))}"
        if "/targettcpproxies/" in target or "/targetsslproxies/" in target:
            proxy = self.proxies.get(target)
            if proxy is None:
                return UNKNOWN, f"target proxy {name}"
            return self.service_state(
                proxy.get("service")
            ), f"proxy {name} -> {last_segment(proxy.get('service'))}"
        # target instances, Classic VPN gateways, PSC service attachments and Google API bundles
        return BY_DESIGN, f"target {name}"


def url_map_services(url_map: Mapping[str, Any]) -> list[str]:
    """Every backend service or bucket a URL map can route to."""
    found: list[str] = []

    def action(route: Mapping[str, Any] | None) -> None:
        for weighted in (route or {}).get("weightedBackendServices") or []:
            if weighted.get("backendService"):
                found.append(str(weighted["backendService"]))

    if url_map.get("defaultService"):
        found.append(str(url_map["defaultService"]))
    action(url_map.get("defaultRouteAction"))
    for matcher in url_map.get("pathMatchers") or []:
        if matcher.get("defaultService"):
            found.append(str(matcher["defaultService"]))
        action(matcher.get("defaultRouteAction"))
        for rule in [*(matcher.get("pathRules") or []), *(matcher.get("routeRules") or [])]:
            if rule.get("service"):
                found.append(str(rule["service"]))
            action(rule.get("routeAction"))
    return found


def _redirects(url_map: Mapping[str, Any]) -> bool:
    return any(
        m.get("defaultUrlRedirect") or any(r.get("urlRedirect") for r in m.get("pathRules") or [])
        for m in url_map.get("pathMatchers") or []
    )


def gke_owner(item: Mapping[str, Any]) -> str | None:
    """The Kubernetes object a GKE controller created this resource for (its ``description`` names
    ``kubernetes.io/service-name`` or ``kubernetes.io/ingress-name``; ingress resources are named
    ``k8s2-``/``k8s-``)."""
    text = str(item.get("description") or "")
    for key in ("kubernetes.io/service-name", "kubernetes.io/ingress-name"):
        if key in text:
            return key.split("/")[1].replace("-name", "")
    if str(item.get("name") or "").startswith(("k8s2-", "k8s-", "k8s1-")):
        return "ingress"
    return None


def _psc(rule: Mapping[str, Any]) -> bool:
    target = norm_url(rule.get("target"))
    return "/serviceattachments/" in target or target in ("all-apis", "vpc-sc")


def _rule_prices(ctx: CheckContext, region: str) -> tuple[float, float, CostBasis] | None:
    first = ctx.prices.get("gcp.compute.forwarding_rule.first5.hour", region)
    more = ctx.prices.get("gcp.compute.forwarding_rule.additional.hour", region)
    if first is None or more is None:
        return None
    basis = first.basis if first.basis == more.basis else CostBasis.ESTIMATE
    return first.amount, more.amount, basis


def _hourly(count: int, first: float, more: float) -> float:
    return 0.0 if count <= 0 else first + more * max(0, count - 5)


def rule_saving(ctx: CheckContext, region: str, total: int, flagged: int) -> Money:
    """One flagged rule's share of what deleting the ``flagged`` rules of a region saves: the first five
    rules of a region share one flat hourly charge, each further rule adds its own."""
    prices = _rule_prices(ctx, region)
    if prices is None:
        return Money.unknown(detail=f"no forwarding rule price for {region}")
    first, more, basis = prices
    saved = _hourly(total, first, more) - _hourly(total - flagged, first, more)
    share = saved / flagged
    amount = round(share * ctx.prices.hours_per_month, 2)
    detail = (
        f"{region}: {total} forwarding rule(s) cost ${_hourly(total, first, more):g}/h (${first:g}/h for the "
        "first "
        f"5, ${more:g}/h each after); deleting the {flagged} without backends saves ${saved:g}/h, "
        f"${share:g}/h each x {ctx.prices.hours_per_month:g} h"
    )
    return Money(amount=amount, basis=basis, detail=detail)


# --- gcp.compute.forwarding_rule_no_backends --------------------------------------------------------------


class RuleParams(BaseModel):
    """Parameters of ``gcp.compute.forwarding_rule_no_backends``."""

    min_days: int = Field(
        7, ge=0, description="Only flag forwarding rules created at least this many days ago."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Rules this old are reported with high confidence."
    )


@check(
    id="gcp.compute.forwarding_rule_no_backends",
    title="Load balancer forwarding rule whose backends are all empty",
    resource_type="gce_forwarding_rule",
    severity=Severity.MEDIUM,
    needs=[FORWARDING_RULES, BACKEND_SERVICES, URL_MAPS, TARGET_PROXIES, TARGET_POOLS, INSTANCE_GROUPS],
    params=RuleParams,
    klass="orphan",
    rationale="""
        A load balancer is billed per forwarding rule per hour, whether or not anything answers behind it.
        The rule's chain is followed as the API links it: `backendService` (passthrough), target pool
        `instances`, target HTTP(S)/gRPC proxy -> URL map (`defaultService`, path matchers, route rules,
        weighted services) -> backend services, target TCP/SSL proxy -> `service`. The rule is flagged when
        every backend service on the way has no `backends`, or only instance groups of `size` 0, or the
        target pool has no instances. Network endpoint groups and backend buckets count as backends (their
        endpoints are not listed), a URL map that only redirects (HTTP to HTTPS) is by design, and rules
        that point at target instances, Classic VPN gateways or Private Service Connect are not load
        balancers with backends. The cost is the rule's share of the forwarding rule charge: the first five
        rules of a region share one flat hourly price (each further rule adds its own), so deleting one of
        three rules saves nothing and the finding says so. Rules a GKE controller created (Service or
        Ingress) come back unless the Kubernetes object is deleted; the recommendation says so.
    """,
    recommendation="Delete the forwarding rule: gcloud compute forwarding-rules delete <name> "
    "--region=<region>",
    covers_original=["gcp:gcp_lb_zero_backends", "gcp:gcp_lb_orphaned_forwarding_rules"],
    covers_peers=["gcp.compute.idle_forwarding_rule"],
)
def forwarding_rule_no_backends(ctx: CheckContext, params: RuleParams) -> Iterator[Hit]:
    """Forwarding rules whose chain ends only in empty backends."""
    topology = Topology.of(ctx)
    rules = list(ctx.get(FORWARDING_RULES))
    totals: dict[str, int] = {}
    found: list[tuple[Mapping[str, Any], str, float]] = []
    for rule in rules:
        if not _psc(rule):  # Private Service Connect endpoints are priced as PSC, not as rules
            totals[region_name(rule)] = totals.get(region_name(rule), 0) + 1
        state, path = topology.rule_state(rule)
        days = days_since(rule.get("creationTimestamp"), ctx)
        if state != EMPTY or days is None or days < params.min_days:
            continue
        found.append((rule, path, days))
    flagged: dict[str, int] = {}
    for rule, _, _ in found:
        flagged[region_name(rule)] = flagged.get(region_name(rule), 0) + 1
    for rule, path, days in found:
        region = region_name(rule)
        owner = gke_owner(rule)
        flag = "--global" if region == "global" else f"--region={region}"
        recommendation = f"gcloud compute forwarding-rules delete {rule.get('name')} {flag}"
        if owner:
            recommendation = (
                f"GKE created this rule for a Kubernetes {owner}: delete that {owner} (kubectl delete "
                f"{owner} "
                f"<name>); if its cluster is gone: {recommendation}"
            )
        yield Hit(
            resource=resource(rule, "gce_forwarding_rule"),
            reason=f"Forwarding rule {rule.get('name')} ({rule.get('IPAddress')}) leads to {path}, which has "
            "no "
            f"backends; it was created {whole_days(days)} ago.",
            cost=rule_saving(ctx, region, totals[region], flagged[region]),
            evidence={
                "ip_address": rule.get("IPAddress"),
                "scheme": rule.get("loadBalancingScheme"),
                "target": last_segment(rule.get("target")) or None,
                "backend_service": last_segment(rule.get("backendService")) or None,
                "path": path,
                "age_days": round(days, 1),
                "rules_in_region": totals[region],
                "gke_owner": owner,
                "scenario": "gke_orphan" if owner else "zero_backends",
            },
            confidence=Confidence.HIGH if days >= params.high_confidence_days else Confidence.MEDIUM,
            recommendation=recommendation,
            region=region_of(rule, ctx) if region != "global" else "global",
        )


# --- gcp.compute.backend_service_no_backends --------------------------------------------------------------


class ServiceParams(BaseModel):
    """Parameters of ``gcp.compute.backend_service_no_backends`` and ``gcp.compute.empty_instance_group``."""

    min_days: int = Field(7, ge=0, description="Only flag resources created at least this many days ago.")


@check(
    id="gcp.compute.backend_service_no_backends",
    title="Backend service with no backends",
    resource_type="gce_backend_service",
    severity=Severity.LOW,
    needs=[BACKEND_SERVICES, INSTANCE_GROUPS],
    params=ServiceParams,
    klass="hygiene",
    rationale="""
        A backend service with no `backends`, or only instance groups of `size` 0, sends traffic nowhere.
        Backend services have no charge of their own: the forwarding rule in front is what bills, and
        `gcp.compute.forwarding_rule_no_backends` reports that with its cost. So this finding is hygiene at
        $0 (no direct charge): it names a leftover of a deleted deployment and keeps its health checks and
        URL maps from looking in use. Network endpoint groups (serverless, internet, PSC) count as backends.
    """,
    recommendation="Delete it (and its URL map and rule if any): gcloud compute backend-services delete "
    "<name> --global",
    covers_original=["gcp:gcp_lb_zero_backends"],
    covers_peers=["gcp.compute.idle_forwarding_rule"],
)
def backend_service_no_backends(ctx: CheckContext, params: ServiceParams) -> Iterator[Hit]:
    """Backend services whose backends are all known to be empty."""
    topology = Topology.of(ctx)
    for service in ctx.get(BACKEND_SERVICES):
        if topology.service_state(service.get("selfLink")) != EMPTY:
            continue
        days = days_since(service.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        region = region_name(service)
        flag = "--global" if region == "global" else f"--region={region}"
        groups = [last_segment(b.get("group")) for b in service.get("backends") or []]
        what = f"only empty instance groups ({', '.join(groups)})" if groups else "no backends"
        yield Hit(
            resource=resource(service, "gce_backend_service"),
            reason=f"Backend service {service.get('name')} has {what}; it was created {whole_days(days)} "
            "ago.",
            cost=Money(amount=0.0, basis=CostBasis.BUNDLED_PRICE, detail=NO_CHARGE),
            evidence={
                "scheme": service.get("loadBalancingScheme"),
                "backends": groups,
                "age_days": round(days, 1),
                "gke_owner": gke_owner(service),
                "scenario": "no_backends" if not groups else "empty_groups",
            },
            confidence=Confidence.HIGH,
            recommendation=f"gcloud compute backend-services delete {service.get('name')} {flag}",
            region=region,
        )


# --- gcp.compute.empty_instance_group ----------------------------------------------------------------


@check(
    id="gcp.compute.empty_instance_group",
    title="Unmanaged instance group with no instances",
    resource_type="gce_instance_group",
    severity=Severity.LOW,
    needs=[INSTANCE_GROUPS, IGMS],
    params=ServiceParams,
    klass="hygiene",
    rationale="""
        An unmanaged instance group of `size` 0 holds nothing; groups have no charge of their own (no
        direct charge), so this is hygiene at $0 that keeps backend services pointing at it looking
        configured. The groups of managed instance groups (a MIG scaled to zero or by its autoscaler is
        deliberate) and the `k8s-ig--*` groups GKE's ingress controller manages are skipped.
    """,
    recommendation="Delete it: gcloud compute instance-groups unmanaged delete <name> --zone=<zone>",
    covers_original=[],
    covers_peers=["gcp.compute.empty_instance_group"],
)
def empty_instance_group(ctx: CheckContext, params: ServiceParams) -> Iterator[Hit]:
    """Instance groups of size 0 that no instance group manager owns."""
    managed = {norm_url(m.get("instanceGroup")) for m in ctx.get(IGMS) if m.get("instanceGroup")}
    for group in ctx.get(INSTANCE_GROUPS):
        if norm_url(group.get("selfLink")) in managed or str(group.get("name") or "").startswith("k8s-ig"):
            continue
        if (as_int(group.get("size"), 0) or 0) != 0:
            continue
        days = days_since(group.get("creationTimestamp"), ctx)
        if days is None or days < params.min_days:
            continue
        location = region_of(group, ctx)
        flag = f"--zone={location}" if group.get("zone") else f"--region={location}"
        yield Hit(
            resource=resource(group, "gce_instance_group"),
            reason=f"Unmanaged instance group {group.get('name')} has no instances; it was created "
            f"{whole_days(days)} ago.",
            cost=Money(amount=0.0, basis=CostBasis.BUNDLED_PRICE, detail=NO_CHARGE),
            evidence={"size": as_int(group.get("size"), 0), "age_days": round(days, 1), "scenario": "empty"},
            confidence=Confidence.HIGH,
            recommendation=f"gcloud compute instance-groups unmanaged delete {group.get('name')} {flag}",
            region=location,
        )
