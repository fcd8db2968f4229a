"""Resource-level orphans of the Azure orphaned-resources workbook: empty resource groups, App Service
plans hosting no app, expired App Service certificates, API connections no Logic App uses, and SQL
elastic pools with no database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cloudwaste.checks.azure._common import days_since, norm, props, region_of, resource, resource_group
from cloudwaste.checks.azure.network import zero
from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.registry import NoParams, check
from cloudwaste.model import Confidence, CostKind, Money, Severity
from cloudwaste.pricing.aws import add, with_note

# consumption and free plans bill per execution or not at all: an empty one costs nothing
UNBILLED_TIERS = ("free", "shared", "dynamic", "flexconsumption")
UNBILLED_SKUS = ("f1", "d1", "y1", "fc1")
EDTU_TIERS = ("basic", "standard", "premium")
VCORE_KEYS = {("generalpurpose", "gen5"): "gp_gen5", ("businesscritical", "gen5"): "bc_gen5"}


def _name(item: Mapping[str, Any]) -> str:
    return str(item.get("name") or item["id"])


# --- resource groups -------------------------------------------------------------------------------


@check(
    id="azure.resources.empty_resource_group",
    title="Resource group with no resources",
    resource_type="resource_group",
    severity=Severity.LOW,
    needs=["azure:resource_groups", "azure:resources"],
    klass="hygiene",
    rationale="""
        A resource group that no resource of the subscription's generic resource list names in its id (the
        orphan workbook's left join of resource containers and resources, which includes hidden types)
        holds nothing. Ids mix case (`resourceGroups/MyRG` vs `resourcegroups/myrg`), so the match is
        case-insensitive. Groups a service manages (`managedBy` set: AKS node groups, Databricks, managed
        applications) and groups being deleted are left alone. Resource groups are free: cost 0 ("no direct
        charge"); deleting them removes clutter and stale role assignments.
    """,
    recommendation="Delete it: az group delete --ids <id> --yes",
    covers_original=[],
    covers_peers=["azure.resources.empty_resource_group"],
)
def empty_resource_group(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Resource groups that no resource belongs to."""
    used = {resource_group(r.get("id")).lower() for r in ctx.get("azure:resources") if r.get("id")}
    for group in ctx.get("azure:resource_groups"):
        state = str(props(group).get("provisioningState") or "").lower()
        if group.get("managedBy") or state == "deleting" or str(group.get("name") or "").lower() in used:
            continue
        yield Hit(
            resource=resource(group, "resource_group", created_field=None),
            reason=f"Resource group {_name(group)} contains no resources.",
            cost=zero(CostKind.COST, "no direct charge: Azure does not bill resource groups"),
            evidence={"provisioning_state": props(group).get("provisioningState")},
            confidence=Confidence.HIGH,
            region=region_of(group, ctx),
        )


# --- App Service plans -----------------------------------------------------------------------------


def _plan_os(plan: Mapping[str, Any]) -> str:
    """``linux`` for a Linux plan (``properties.reserved`` or a kind containing 'linux'), else ``windows``."""
    linux = bool(props(plan).get("reserved")) or "linux" in str(plan.get("kind") or "").lower()
    return "linux" if linux else "windows"


def plan_monthly(ctx: CheckContext, plan: Mapping[str, Any]) -> Money:
    """What an App Service plan's instances cost a month (sku x instance count)."""
    sku = plan.get("sku") or {}
    name = str(sku.get("name") or "")
    instances = max(1, int(sku.get("capacity") or 1))
    os = _plan_os(plan)
    money = ctx.prices.monthly(
        f"azure.appservice.{os}.{name.lower()}.hour", region_of(plan, ctx), instances, what=f"{name} instance"
    )
    return with_note(money, f"{os.title()} plan")


@check(
    id="azure.web.empty_app_service_plan",
    title="App Service plan hosting no app",
    resource_type="app_service_plan",
    severity=Severity.HIGH,
    needs=["azure:app_service_plans"],
    klass="orphan",
    rationale="""
        An App Service plan bills its instances every hour whether or not an app runs on them. One with
        `numberOfSites` = 0 hosts nothing (the orphan workbook's rule; Advisor waits 3 days, but the API
        gives no time the last app left, so the rule is age-free). Consumption and free plans are not empty
        plans to bill: `Dynamic` (Functions consumption, Y1), `FlexConsumption` (FC1), `Free` (F1) and
        `Shared` (D1) bill per execution or nothing and are skipped. The cost is the SKU's hourly price for
        the plan's OS (Linux when `reserved` is true) times its instance count (`sku.capacity`).
    """,
    recommendation="Delete it if no app will be deployed to it: az appservice plan delete --ids <id> --yes",
    covers_original=[],
    covers_peers=["azure.web.empty_app_service_plan"],
)
def empty_app_service_plan(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Billed App Service plans with no site."""
    for plan in ctx.get("azure:app_service_plans"):
        sites = props(plan).get("numberOfSites")
        if sites is None or int(sites) > 0:
            continue
        sku = plan.get("sku") or {}
        if (
            str(sku.get("tier") or "").lower() in UNBILLED_TIERS
            or str(sku.get("name") or "").lower() in UNBILLED_SKUS
        ):
            continue
        instances = max(1, int(sku.get("capacity") or 1))
        yield Hit(
            resource=resource(plan, "app_service_plan", created_field=None),
            reason=f"App Service plan {_name(plan)} ({sku.get('name')} x {instances}) hosts no app.",
            cost=plan_monthly(ctx, plan),
            evidence={
                "sku": sku.get("name"),
                "tier": sku.get("tier"),
                "instances": instances,
                "os": _plan_os(plan),
                "kind": plan.get("kind"),
                "number_of_sites": 0,
            },
            confidence=Confidence.HIGH,
            region=region_of(plan, ctx),
        )


# --- certificates and API connections ----------------------------------------------------------------


@check(
    id="azure.web.expired_certificate",
    title="Expired App Service certificate",
    resource_type="web_certificate",
    severity=Severity.LOW,
    needs=["azure:web_certificates"],
    klass="hygiene",
    rationale="""
        An App Service certificate (`Microsoft.Web/certificates`) whose `expirationDate` is at or before now
        can no longer secure anything (the orphan workbook's rule). These certificate resources are free
        (App Service Certificate orders, which are billed yearly, are a different resource): cost 0 ("no
        direct charge"). Removing them avoids binding an expired certificate by mistake.
    """,
    recommendation="Delete it: az resource delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.web.expired_certificate"],
)
def expired_certificate(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """App Service certificates past their expiration date."""
    for cert in ctx.get("azure:web_certificates"):
        p = props(cert)
        expired = days_since(p.get("expirationDate"), ctx)
        if expired is None or expired < 0:
            continue
        yield Hit(
            resource=resource(cert, "web_certificate", created_field=None),
            reason=f"Certificate {_name(cert)} expired {expired:.0f} day(s) ago ({p.get('expirationDate')}).",
            cost=zero(CostKind.COST, "no direct charge: App Service certificate resources are free"),
            evidence={
                "expiration_date": p.get("expirationDate"),
                "days_expired": round(expired, 1),
                "thumbprint": p.get("thumbprint"),
                "host_names": p.get("hostNames"),
            },
            confidence=Confidence.HIGH,
            region=region_of(cert, ctx),
        )


def workflow_connections(workflow: Mapping[str, Any]) -> set[str]:
    """Normalised ids of the API connections a Logic App workflow uses (``$connections`` parameter)."""
    param = (props(workflow).get("parameters") or {}).get("$connections") or {}
    values = param.get("value") if isinstance(param, Mapping) else None
    out = set()
    for entry in (values or {}).values() if isinstance(values, Mapping) else []:
        if isinstance(entry, Mapping) and entry.get("connectionId"):
            out.add(norm(str(entry["connectionId"])))
    return out


@check(
    id="azure.web.orphan_api_connection",
    title="API connection used by no Logic App",
    resource_type="api_connection",
    severity=Severity.LOW,
    needs=["azure:api_connections", "azure:logic_workflows"],
    klass="hygiene",
    rationale="""
        An API connection (`Microsoft.Web/connections`) whose id no Logic App workflow of the subscription
        names as a `connectionId` in its `$connections` parameter is unused (the orphan workbook's left
        join; ids are compared case-insensitively). Standard (single-tenant) Logic Apps reference
        connections from their `connections.json` file, which the API does not show, and workflows of other
        subscriptions are out of scope, hence medium confidence. Connections are free: cost 0 ("no direct
        charge"), but they hold credentials to other services.
    """,
    recommendation="Delete it: az resource delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.web.orphan_api_connection"],
)
def orphan_api_connection(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """API connections not referenced by any Logic App workflow."""
    used: set[str] = set()
    for workflow in ctx.get("azure:logic_workflows"):
        used |= workflow_connections(workflow)
    for conn in ctx.get("azure:api_connections"):
        if norm(conn.get("id")) in used:
            continue
        p = props(conn)
        api = str((p.get("api") or {}).get("name") or (p.get("api") or {}).get("id") or "").rsplit("/", 1)[-1]
        yield Hit(
            resource=resource(conn, "api_connection", created_field=None),
            reason=f"API connection {_name(conn)} ({api or 'unknown API'}) is used by no Logic App workflow.",
            cost=zero(CostKind.COST, "no direct charge: API connections are free"),
            evidence={
                "api": (p.get("api") or {}).get("id"),
                "statuses": [s.get("status") for s in p.get("statuses") or [] if isinstance(s, Mapping)],
            },
            confidence=Confidence.MEDIUM,
            region=region_of(conn, ctx),
        )


# --- SQL elastic pools -------------------------------------------------------------------------------


def pool_monthly(ctx: CheckContext, pool: Mapping[str, Any]) -> Money:
    """What an elastic pool's compute costs a month: eDTUs, or vCores (+ SQL license when included)."""
    sku = pool.get("sku") or {}
    tier = str(sku.get("tier") or "").lower()
    family = str(sku.get("family") or "").lower()
    capacity = float(sku.get("capacity") or 0)
    region = region_of(pool, ctx)
    if tier in EDTU_TIERS:
        money = ctx.prices.monthly(f"azure.sql.elastic_pool.{tier}.edtu_hour", region, capacity, what="eDTU")
        return with_note(money, "included storage only")
    key = VCORE_KEYS.get((tier, family), f"{tier}_{family}")
    parts = [ctx.prices.monthly(f"azure.sql.elastic_pool.{key}.vcore_hour", region, capacity, what="vCore")]
    if str(props(pool).get("licenseType") or "LicenseIncluded").lower() == "licenseincluded":
        if key != "gp_gen5":
            parts.append(Money.unknown(detail=f"no SQL license price for {tier} pools"))
        else:
            parts.append(
                ctx.prices.monthly(
                    "azure.sql.elastic_pool.license.vcore_hour", region, capacity, what="vCore license"
                )
            )
    return with_note(add(parts), "storage and zone redundancy excluded")


@check(
    id="azure.sql.empty_elastic_pool",
    title="SQL elastic pool with no database",
    resource_type="sql_elastic_pool",
    severity=Severity.HIGH,
    needs=["azure:sql_elastic_pools", "azure:sql_databases"],
    klass="orphan",
    rationale="""
        An elastic pool bills its eDTUs or vCores every hour whether or not a database sits in it. A pool
        that no database names as its `elasticPoolId` (compared case-insensitively, as the orphan workbook
        does with `tolower`) is empty. Pools still being created or disabled are left alone. The cost is the
        pool's compute: eDTU tiers at the per-eDTU price, vCore tiers at the per-vCore price plus the SQL
        Server license unless the pool uses Azure Hybrid Benefit (`licenseType` `BasePrice`); extra storage
        and zone redundancy are excluded.
    """,
    recommendation="Delete it if no database will move in: az sql elastic-pool delete --ids <id>",
    covers_original=[],
    covers_peers=["azure.sql.empty_elastic_pool"],
)
def empty_elastic_pool(ctx: CheckContext, params: NoParams) -> Iterator[Hit]:
    """Elastic pools with no database."""
    used = {
        norm(str(props(db).get("elasticPoolId")))
        for db in ctx.get("azure:sql_databases")
        if props(db).get("elasticPoolId")
    }
    for pool in ctx.get("azure:sql_elastic_pools"):
        state = str(props(pool).get("state") or "Ready").lower()
        if state != "ready" or norm(pool.get("id")) in used:
            continue
        sku = pool.get("sku") or {}
        yield Hit(
            resource=resource(pool, "sql_elastic_pool", created_field="creationDate"),
            reason=f"Elastic pool {_name(pool)} ({sku.get('name')} {sku.get('capacity')}) has no database.",
            cost=pool_monthly(ctx, pool),
            evidence={
                "sku": sku,
                "license_type": props(pool).get("licenseType"),
                "zone_redundant": props(pool).get("zoneRedundant"),
                "created": props(pool).get("creationDate"),
                "databases": 0,
            },
            confidence=Confidence.HIGH,
            region=region_of(pool, ctx),
        )
