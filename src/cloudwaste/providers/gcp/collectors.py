"""The GCP collections checks read by name: items in REST (JSON) form, every page fetched.

**Compute Engine** collections come from google-cloud-compute's REST clients: ``aggregatedList`` where
the API has one (one paged call covers every zone and region; each scope's ``warning`` such as
``NO_RESULTS_ON_PAGE`` is normal, others like ``UNREACHABLE`` become a unit warning), plain ``list``
for global resources. Several sources can make one collection (forwarding rules: regional aggregated
+ global; target proxies: HTTP, HTTPS, TCP and SSL; VPN gateways: HA + classic).

**Everything else** comes from one paged Cloud Asset Inventory ``ListAssets`` call per project
(``contentType=RESOURCE``, every asset type below): each item is the asset's ``resource.data`` (the
service's own REST representation) plus ``_asset_type``, ``_location``, ``_update_time`` and
``_asset_name`` (the full resource name, ``//sqladmin.googleapis.com/projects/p/instances/i``) and
``_metric_id``, the value of the Cloud Monitoring label that names the resource, for metric queries
(``id_field="_metric_id"``): ``<project>:<instance>`` for Cloud SQL (``database_id``), the job ``id`` for
Dataflow (``job_id``), the ``clusterName`` for Dataproc (``cluster_name``), the full ``name`` for
Memorystore (``instance_id``), else the last segment of the resource's name (Spanner ``instance_id``,
Bigtable ``cluster``, Filestore ``instance_name``, Firestore ``database_id``, log bucket
``log_bucket_id``, bucket ``bucket_name``, GKE ``cluster_name``, Cloud Run ``service_name``, Cloud
Functions ``function_name``, Vertex AI ``endpoint_id``).

**Proto -> REST.** The clients parse JSON into proto-plus messages; :func:`to_rest` turns them back
with ``json_name`` keys (camelCase, ``IPAddress``), enum names, no default-valued fields, int64 as
strings (as the REST API sends them) and RFC 3339 timestamps. ``resource.data`` is a
``google.protobuf.Struct``, whose numbers are doubles: integral ones become ints again
(``"nodeCount": 1``, not ``1.0``), which is how the JSON the API sent reads. A Compute field newer than
the installed google-cloud-compute is dropped by its parser (``ignore_unknown_fields``); the contract's
fields are all known to 1.20 and later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

Items = list[dict[str, Any]]
ClientFor = Callable[[str], Any]  # compute_v1 client class name -> client
Warn = Callable[[str], None]

COMPUTE_PAGE = 500  # maxResults (the API's largest page)
ASSET_PAGE = 1000  # ListAssets pageSize maximum
QUIET_WARNINGS = frozenset({"NO_RESULTS_ON_PAGE"})


@dataclass(frozen=True)
class Source:
    """One Compute list call: the compute_v1 client class, aggregated or not, and its REST resource."""

    client: str  # "DisksClient"
    resource: str  # REST collection in the path: "disks", "globalAddresses" -> global/addresses
    aggregated: bool = True

    @property
    def permission(self) -> str:
        """The IAM permission the call needs (``compute.disks.list``)."""
        return f"compute.{self.resource}.list"

    @property
    def path(self) -> str:
        """The REST path under ``/compute/v1/projects/{project}/``."""
        if self.aggregated:
            return f"aggregated/{self.resource}"
        name = self.resource
        if name.startswith("global") and name != "global":
            name = name[len("global") :]
            name = name[0].lower() + name[1:]
        return f"global/{name}"


@dataclass(frozen=True)
class Listing:
    """One Compute collection and the calls that fill it."""

    collection: str
    sources: tuple[Source, ...]


def _agg(client: str, resource: str) -> Source:
    return Source(client, resource, True)


def _glob(client: str, resource: str) -> Source:
    return Source(client, resource, False)


COMPUTE: tuple[Listing, ...] = (
    Listing("gcp:instances", (_agg("InstancesClient", "instances"),)),
    Listing("gcp:disks", (_agg("DisksClient", "disks"),)),
    Listing("gcp:snapshots", (_glob("SnapshotsClient", "snapshots"),)),
    Listing("gcp:images", (_glob("ImagesClient", "images"),)),
    Listing("gcp:machine_images", (_glob("MachineImagesClient", "machineImages"),)),
    Listing("gcp:instance_templates", (_agg("InstanceTemplatesClient", "instanceTemplates"),)),
    Listing("gcp:instance_group_managers", (_agg("InstanceGroupManagersClient", "instanceGroupManagers"),)),
    Listing("gcp:addresses", (_agg("AddressesClient", "addresses"),)),
    Listing("gcp:global_addresses", (_glob("GlobalAddressesClient", "globalAddresses"),)),
    Listing(
        "gcp:forwarding_rules",
        (
            _agg("ForwardingRulesClient", "forwardingRules"),
            _glob("GlobalForwardingRulesClient", "globalForwardingRules"),
        ),
    ),
    Listing("gcp:backend_services", (_agg("BackendServicesClient", "backendServices"),)),
    Listing("gcp:target_pools", (_agg("TargetPoolsClient", "targetPools"),)),
    Listing("gcp:url_maps", (_agg("UrlMapsClient", "urlMaps"),)),
    Listing(
        "gcp:target_proxies",
        (
            _agg("TargetHttpProxiesClient", "targetHttpProxies"),
            _agg("TargetHttpsProxiesClient", "targetHttpsProxies"),
            _agg("TargetTcpProxiesClient", "targetTcpProxies"),
            _glob("TargetSslProxiesClient", "targetSslProxies"),
        ),
    ),
    Listing("gcp:instance_groups", (_agg("InstanceGroupsClient", "instanceGroups"),)),
    Listing("gcp:routers", (_agg("RoutersClient", "routers"),)),
    Listing(
        "gcp:vpn_gateways",
        (_agg("VpnGatewaysClient", "vpnGateways"), _agg("TargetVpnGatewaysClient", "targetVpnGateways")),
    ),
    Listing("gcp:vpn_tunnels", (_agg("VpnTunnelsClient", "vpnTunnels"),)),
    Listing("gcp:networks", (_glob("NetworksClient", "networks"),)),
)

# collection -> Cloud Asset Inventory asset types (one ListAssets call covers them all)
ASSETS: dict[str, tuple[str, ...]] = {
    "gcp:sql_instances": ("sqladmin.googleapis.com/Instance",),
    "gcp:spanner_instances": ("spanner.googleapis.com/Instance",),
    "gcp:spanner_databases": ("spanner.googleapis.com/Database",),
    "gcp:firestore_databases": ("firestore.googleapis.com/Database",),
    "gcp:bigtable_instances": ("bigtableadmin.googleapis.com/Instance",),
    "gcp:bigtable_clusters": ("bigtableadmin.googleapis.com/Cluster",),
    "gcp:redis_instances": ("redis.googleapis.com/Instance",),
    "gcp:buckets": ("storage.googleapis.com/Bucket",),
    "gcp:filestore_instances": ("file.googleapis.com/Instance",),
    "gcp:bigquery_datasets": ("bigquery.googleapis.com/Dataset",),
    "gcp:bigquery_tables": ("bigquery.googleapis.com/Table",),
    "gcp:gke_clusters": ("container.googleapis.com/Cluster",),
    "gcp:run_services": ("run.googleapis.com/Service",),
    "gcp:functions": (
        "cloudfunctions.googleapis.com/Function",
        "cloudfunctions.googleapis.com/CloudFunction",
    ),
    "gcp:dataproc_clusters": ("dataproc.googleapis.com/Cluster",),
    "gcp:dataflow_jobs": ("dataflow.googleapis.com/Job",),
    "gcp:vertex_endpoints": ("aiplatform.googleapis.com/Endpoint",),
    "gcp:workbench_instances": ("notebooks.googleapis.com/Instance",),
    "gcp:log_buckets": ("logging.googleapis.com/LogBucket",),
}
ASSET_TYPES: tuple[str, ...] = tuple(t for types in ASSETS.values() for t in types)
_BY_ASSET_TYPE = {t: name for name, types in ASSETS.items() for t in types}
RECOMMENDATIONS = "gcp:recommendations"
COLLECTIONS: frozenset[str] = frozenset(
    {*(listing.collection for listing in COMPUTE), *ASSETS, RECOMMENDATIONS}
)


def _integral(value: Any) -> Any:
    """Struct numbers are doubles: ``1.0`` back to ``1`` (recursively), as the JSON said."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def to_rest(message: Any) -> dict[str, Any]:
    """A proto-plus message as the REST API's JSON (see the module docstring)."""
    if isinstance(message, dict):
        return message
    data: dict[str, Any] = type(message).to_dict(
        message,
        use_integers_for_enums=False,
        preserving_proto_field_name=False,
        always_print_fields_with_no_presence=False,
    )
    return data


def _scoped_items(scoped: dict[str, Any]) -> Items:
    """The resources of one aggregated-list scope (its one list field, whatever it is called)."""
    out: Items = []
    for key, value in scoped.items():
        if key != "warning" and isinstance(value, list):
            out.extend(v for v in value if isinstance(v, dict))
    return out


def list_source(
    client_for: ClientFor, project: str, source: Source, *, timeout: float, retry: Any, warn: Warn
) -> Items:
    """Every item of one Compute list call, all pages, as REST dicts."""
    client = client_for(source.client)
    request: dict[str, Any] = {"project": project, "max_results": COMPUTE_PAGE}
    if not source.aggregated:
        return [to_rest(item) for item in client.list(request=request, retry=retry, timeout=timeout)]
    items: Items = []
    odd: dict[str, list[str]] = {}
    for scope, scoped in client.aggregated_list(request=request, retry=retry, timeout=timeout):
        rest = to_rest(scoped)
        warning = rest.get("warning") or {}
        code = str(warning.get("code") or "")
        if code and code not in QUIET_WARNINGS:
            odd.setdefault(code, []).append(str(scope))
        items.extend(_scoped_items(rest))
    for code, scopes in odd.items():
        shown = ", ".join(sorted(scopes)[:5]) + (" ..." if len(scopes) > 5 else "")
        warn(f"{source.path}: {code} for {shown} (their resources may be missing)")
    return items


def list_compute(
    client_for: ClientFor, project: str, listing: Listing, *, timeout: float, retry: Any, warn: Warn
) -> Items:
    """A Compute collection: its sources' items concatenated (several sources are listed at once)."""

    def one(source: Source) -> Items:
        return list_source(client_for, project, source, timeout=timeout, retry=retry, warn=warn)

    if len(listing.sources) == 1:
        return one(listing.sources[0])
    with ThreadPoolExecutor(max_workers=len(listing.sources), thread_name_prefix="cw-gcp-list") as pool:
        return [item for items in pool.map(one, listing.sources) for item in items]


def _last(value: Any) -> str:
    return str(value or "").rstrip("/").rsplit("/", 1)[-1]


def metric_id(asset_type: str, item: dict[str, Any], asset_name: str) -> str:
    """The Monitoring label value naming an asset's resource (see the module docstring)."""
    if asset_type == "sqladmin.googleapis.com/Instance":
        match = re.search(r"/projects/([^/]+)/instances/([^/]+)$", asset_name)
        project = str(item.get("project") or (match.group(1) if match else ""))
        return f"{project}:{item.get('name') or (match.group(2) if match else '')}"
    if asset_type == "dataflow.googleapis.com/Job":
        return str(item.get("id") or _last(asset_name))
    if asset_type == "dataproc.googleapis.com/Cluster":
        return str(item.get("clusterName") or _last(asset_name))
    if asset_type == "redis.googleapis.com/Instance":
        return str(item.get("name") or asset_name.removeprefix("//redis.googleapis.com/"))
    metadata = item.get("metadata")
    name = item.get("name") or (metadata.get("name") if isinstance(metadata, dict) else None)
    return _last(name or asset_name)


def asset_item(asset: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(collection, item) for one ListAssets asset in REST form; None for types we do not collect."""
    collection = _BY_ASSET_TYPE.get(str(asset.get("assetType") or ""))
    if collection is None:
        return None
    resource = asset.get("resource") or {}
    data = resource.get("data")
    item: dict[str, Any] = _integral(data) if isinstance(data, dict) else {}
    item["_asset_type"] = asset.get("assetType")
    item["_location"] = resource.get("location") or ""
    item["_update_time"] = asset.get("updateTime") or ""
    item["_asset_name"] = asset.get("name") or ""
    item["_metric_id"] = metric_id(str(asset.get("assetType")), item, str(item["_asset_name"]))
    return collection, item


def list_assets(client: Any, project: str, *, timeout: float, retry: Any) -> dict[str, Items]:
    """Every asset of :data:`ASSET_TYPES` in ``project`` (one paged call), grouped by collection."""
    from google.cloud import asset_v1

    pager = client.list_assets(
        request={
            "parent": f"projects/{project}",
            "asset_types": list(ASSET_TYPES),
            "content_type": asset_v1.ContentType.RESOURCE,
            "page_size": ASSET_PAGE,
        },
        retry=retry,
        timeout=timeout,
    )
    out: dict[str, Items] = {name: [] for name in ASSETS}
    for asset in pager:
        found = asset_item(to_rest(asset))
        if found is not None:
            out[found[0]].append(found[1])
    return out


def compute_permissions() -> list[str]:
    """The IAM permissions of every Compute call."""
    return sorted({s.permission for listing in COMPUTE for s in listing.sources})


def sources() -> Iterable[Source]:
    """Every Compute list call."""
    for listing in COMPUTE:
        yield from listing.sources
