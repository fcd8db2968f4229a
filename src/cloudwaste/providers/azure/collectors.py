"""The Azure collections checks read by name: ARM resources in REST form, every page fetched.

Each collection is declared once as data (:class:`Listing`): its ARM type and, where the management
SDK has a subscription-wide list call, that call. Two discovery modes fill them:

- ``graph`` (default): one Azure Resource Graph query for *all* scanned subscriptions and types,
  grouped by subscription (Resource Graph's guidance: group subscriptions in one query rather than
  query them in parallel). Its rows carry the same ``properties`` bag as ARM's REST payloads; Resource
  Graph lowercases ``type``. The same query gives ``azure:resources`` (every resource, no properties).
- ``arm``: one ARM list call per type and subscription (``disks.list``, ``public_ip_addresses.list_all``,
  ...); types without a subscription-wide list API (virtual network gateways and connections are
  per resource group; private DNS, Traffic Manager, Front Door WAF, App Service, Logic Apps and SQL have
  no SDK installed) come from one Resource Graph query per subscription.

Three collections always use ARM directly: virtual machines (the plain list for their model, merged
with the ``statusOnly=true`` list for their power state, which Resource Graph keeps elsewhere),
resource groups, and the Activity Log's VM power events. SDK models are turned back into REST dicts
(``as_dict()`` for the typespec-generated models, ``serialize(keep_readonly=True)`` for the msrest ones).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Items = list[dict[str, Any]]
ClientFor = Callable[[str], Any]  # "compute" | "network" | "resource" | "monitor" | "graph" -> SDK client

GRAPH_PAGE = 1000  # Resource Graph's largest page ($top)
GRAPH_GROUP = 200  # subscriptions per query (Resource Graph advises groups well under 300-1000)
ACTIVITY_DAYS = 89  # the Activity Log keeps 90 days; stay inside it (a start beyond it is an error)
POWER_OPERATIONS = frozenset(
    op.lower()
    for op in (
        "Microsoft.Compute/virtualMachines/deallocate/action",
        "Microsoft.Compute/virtualMachines/powerOff/action",
        "Microsoft.Compute/virtualMachines/start/action",
        "Microsoft.Compute/virtualMachines/restart/action",
        "Microsoft.Compute/virtualMachines/write",
    )
)
# REST keys of an ARM resource; Resource Graph adds subscriptionId, resourceGroup, tenantId.
REST_KEYS = (
    "id",
    "name",
    "type",
    "location",
    "tags",
    "sku",
    "kind",
    "zones",
    "managedBy",
    "identity",
    "plan",
    "extendedLocation",
    "properties",
)


@dataclass(frozen=True)
class Listing:
    """One collection: its ARM type and the SDK list call (``client``, ``"ops.method"``) if there is one."""

    collection: str
    arm_type: str
    client: str | None = None
    operation: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


LISTINGS: tuple[Listing, ...] = (
    Listing("azure:disks", "Microsoft.Compute/disks", "compute", "disks.list"),
    Listing("azure:snapshots", "Microsoft.Compute/snapshots", "compute", "snapshots.list"),
    Listing(
        "azure:availability_sets",
        "Microsoft.Compute/availabilitySets",
        "compute",
        "availability_sets.list_by_subscription",
    ),
    Listing(
        "azure:network_interfaces",
        "Microsoft.Network/networkInterfaces",
        "network",
        "network_interfaces.list_all",
    ),
    Listing(
        "azure:public_ip_addresses",
        "Microsoft.Network/publicIPAddresses",
        "network",
        "public_ip_addresses.list_all",
    ),
    Listing("azure:load_balancers", "Microsoft.Network/loadBalancers", "network", "load_balancers.list_all"),
    Listing(
        "azure:application_gateways",
        "Microsoft.Network/applicationGateways",
        "network",
        "application_gateways.list_all",
    ),
    Listing("azure:nat_gateways", "Microsoft.Network/natGateways", "network", "nat_gateways.list_all"),
    Listing(
        "azure:virtual_networks", "Microsoft.Network/virtualNetworks", "network", "virtual_networks.list_all"
    ),
    Listing(
        "azure:network_security_groups",
        "Microsoft.Network/networkSecurityGroups",
        "network",
        "network_security_groups.list_all",
    ),
    Listing("azure:route_tables", "Microsoft.Network/routeTables", "network", "route_tables.list_all"),
    Listing(
        "azure:private_endpoints",
        "Microsoft.Network/privateEndpoints",
        "network",
        "private_endpoints.list_by_subscription",
    ),
    Listing("azure:private_dns_zones", "Microsoft.Network/privateDnsZones"),
    Listing(
        "azure:ddos_protection_plans",
        "Microsoft.Network/ddosProtectionPlans",
        "network",
        "ddos_protection_plans.list",
    ),
    Listing("azure:virtual_network_gateways", "Microsoft.Network/virtualNetworkGateways"),
    Listing("azure:connections", "Microsoft.Network/connections"),
    Listing(
        "azure:express_route_circuits",
        "Microsoft.Network/expressRouteCircuits",
        "network",
        "express_route_circuits.list_all",
    ),
    Listing("azure:ip_groups", "Microsoft.Network/ipGroups", "network", "ip_groups.list"),
    Listing("azure:frontdoor_waf_policies", "Microsoft.Network/frontdoorWebApplicationFirewallPolicies"),
    Listing("azure:traffic_manager_profiles", "Microsoft.Network/trafficManagerProfiles"),
    Listing("azure:web_certificates", "Microsoft.Web/certificates"),
    Listing("azure:api_connections", "Microsoft.Web/connections"),
    Listing("azure:logic_workflows", "Microsoft.Logic/workflows"),
    Listing("azure:sql_elastic_pools", "Microsoft.Sql/servers/elasticPools"),
    Listing("azure:sql_databases", "Microsoft.Sql/servers/databases"),
    Listing("azure:app_service_plans", "Microsoft.Web/serverfarms"),
)
VIRTUAL_MACHINES = "azure:virtual_machines"
RESOURCE_GROUPS = "azure:resource_groups"
RESOURCES = "azure:resources"
POWER_EVENTS = "azure:vm_power_events"
COLLECTIONS: frozenset[str] = frozenset(
    {
        *(listing.collection for listing in LISTINGS),
        VIRTUAL_MACHINES,
        RESOURCE_GROUPS,
        RESOURCES,
        POWER_EVENTS,
    }
)


def to_rest(model: Any) -> dict[str, Any]:
    """An SDK model as the REST dict ARM sent (camelCase keys, ISO 8601 timestamps)."""
    if isinstance(model, dict):
        return model
    serialize = getattr(model, "serialize", None)
    if callable(serialize):  # msrest models (monitor, resourcegraph)
        out: dict[str, Any] = serialize(keep_readonly=True)
        return out
    data: dict[str, Any] = model.as_dict()  # typespec models keep the REST payload
    return data


def unregistered(exc: Exception) -> bool:
    """True for ARM's 409 ``MissingSubscriptionRegistration``: the namespace is not registered, so the
    subscription has none of its resources (registering it would be a write)."""
    error = getattr(exc, "error", None)
    return str(getattr(error, "code", "") or "") == "MissingSubscriptionRegistration"


def list_sdk(client_for: ClientFor, listing: Listing) -> Items:
    """Every item of an SDK list call, all pages, as REST dicts."""
    from azure.core.exceptions import HttpResponseError

    assert listing.client is not None
    ops_name, method = listing.operation.split(".")
    call = getattr(getattr(client_for(listing.client), ops_name), method)
    try:
        return [to_rest(item) for item in call(**listing.params)]
    except HttpResponseError as exc:
        if unregistered(exc):
            return []
        raise


def collect_virtual_machines(client_for: ClientFor) -> Items:
    """Every VM of the subscription: its model with its power state merged in.

    ``statusOnly=true`` returns each VM's run-time status (``properties.instanceView``) rather than its
    model: no ``hardwareProfile``, ``storageProfile``, ``networkProfile``, ``timeCreated`` or tags. So
    the model comes from the plain list and the instance view from the ``statusOnly`` list, matched by
    id (case-insensitively). A VM created between the two calls is left out; one deleted between them
    keeps no instance view (its power state is unknown).
    """
    from azure.core.exceptions import HttpResponseError

    try:
        api = client_for("compute").virtual_machines
        models = [to_rest(vm) for vm in api.list_all()]
        views: dict[str, Any] = {}
        for status in api.list_all(status_only="true"):
            rest = to_rest(status)
            view = (rest.get("properties") or {}).get("instanceView")
            if rest.get("id") and view is not None:
                views[str(rest["id"]).lower()] = view
    except HttpResponseError as exc:
        if unregistered(exc):
            return []
        raise
    for vm in models:
        view = views.get(str(vm.get("id") or "").lower())
        if view is not None:
            vm["properties"] = {**(vm.get("properties") or {}), "instanceView": view}
    return models


def collect_resource_groups(client_for: ClientFor) -> Items:
    """Every resource group of the subscription."""
    return [to_rest(rg) for rg in client_for("resource").resource_groups.list()]


def collect_resources(client_for: ClientFor) -> Items:
    """Every resource of the subscription (generic list: id, name, type, location, tags, ...)."""
    keep = ("id", "name", "type", "location", "tags", "kind", "managedBy", "sku")
    out: Items = []
    for item in client_for("resource").resources.list():
        rest = to_rest(item)
        out.append({k: rest[k] for k in keep if rest.get(k) is not None})
    return out


def activity_filter(now: datetime, days: int = ACTIVITY_DAYS) -> str:
    """The Activity Log ``$filter`` for Microsoft.Compute events of the last ``days`` days."""
    end = now.astimezone(UTC).replace(microsecond=0)
    start = end - timedelta(days=days)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return (
        f"eventTimestamp ge '{start.strftime(fmt)}' and eventTimestamp le '{end.strftime(fmt)}' "
        "and resourceProvider eq 'Microsoft.Compute'"
    )


def collect_power_events(client_for: ClientFor, now: datetime | None = None) -> Items:
    """VM deallocate / power-off / start / restart / create events of the Activity Log (last 89 days).

    The API filters by time and resource provider only; the operations are picked here. Only the
    fields the checks read are selected (no caller: it is a person's name); ``$select`` returns
    nothing else, so ``correlationId`` is selected too: it ties an operation's ``Started`` event to its
    ``Failed`` one, which the checks use to ignore failed deallocations.
    """
    monitor = client_for("monitor")
    events = monitor.activity_logs.list(
        filter=activity_filter(now or datetime.now(UTC)),
        select="eventTimestamp,operationName,resourceId,status,correlationId",
    )
    out: Items = []
    for event in events:
        rest = to_rest(event)
        op = str((rest.get("operationName") or {}).get("value") or "")
        if op.lower() in POWER_OPERATIONS:
            out.append(rest)
    return out


# -- Azure Resource Graph --------------------------------------------------------------------------

_PROJECT = ", ".join(k for k in REST_KEYS if k != "properties")


def _type_list(types: Iterable[str]) -> str:
    return ", ".join(f"'{t.lower()}'" for t in sorted(set(types)))


def graph_query(types: Iterable[str], *, everything: bool) -> str:
    """A Resource Graph query for ``types`` with their properties.

    ``everything``: also every other resource, without its properties (``azure:resources``).
    """
    wanted = _type_list(types)
    if everything:
        return (
            "Resources"
            f" | extend cwKeep = type in~ ({wanted})"
            f" | project {_PROJECT}, subscriptionId, properties = iff(cwKeep, properties, dynamic(null))"
        )
    return f"Resources | where type in~ ({wanted}) | project {_PROJECT}, subscriptionId, properties"


def run_graph(client: Any, subscriptions: list[str], query: str) -> Items:
    """Every row of ``query`` over ``subscriptions`` (groups of :data:`GRAPH_GROUP`, every page)."""
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    from cloudwaste.errors import ProviderError

    rows: Items = []
    for i in range(0, len(subscriptions), GRAPH_GROUP):
        group = subscriptions[i : i + GRAPH_GROUP]
        token: str | None = None
        while True:
            options = QueryRequestOptions(top=GRAPH_PAGE, skip_token=token, result_format="objectArray")
            page = client.resources(QueryRequest(subscriptions=group, query=query, options=options))
            rows.extend(page.data or [])
            token = page.skip_token
            if not token:
                if str(page.result_truncated or "").lower() == "true":
                    raise ProviderError("Azure Resource Graph truncated the inventory (no $skipToken)")
                break
    return rows


def _item(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Resource Graph row as a REST item: its REST keys, without the nulls and empty strings Resource
    Graph puts where ARM leaves a field out (``managedBy: ""``)."""
    return {k: row[k] for k in REST_KEYS if row.get(k) not in (None, "")}


def split_rows(
    rows: Iterable[Mapping[str, Any]], listings: Iterable[Listing], everything: bool
) -> dict[str, dict[str, Items]]:
    """Rows grouped as ``{subscription id (lower): {collection: items}}``."""
    by_type = {listing.arm_type.lower(): listing.collection for listing in listings}
    out: dict[str, dict[str, Items]] = {}
    for row in rows:
        sub = str(row.get("subscriptionId") or "").lower()
        bucket = out.setdefault(sub, {})
        rtype = str(row.get("type") or "").lower()
        collection = by_type.get(rtype)
        if collection:
            bucket.setdefault(collection, []).append(_item(row))
        if everything:
            bucket.setdefault(RESOURCES, []).append(
                {
                    k: row[k]
                    for k in ("id", "name", "type", "location", "tags", "kind", "managedBy")
                    if row.get(k)
                }
            )
    return out


def graph_listings(mode: str) -> list[Listing]:
    """The listings Resource Graph fills in ``mode``: all of them (graph) or those without an SDK list."""
    return [listing for listing in LISTINGS if mode == "graph" or listing.client is None]
