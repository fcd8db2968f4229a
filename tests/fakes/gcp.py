"""A fake of the Google Cloud APIs cloudwaste reads, over HTTP on 127.0.0.1 (one server, every API).

The real google-cloud-* REST clients and google-auth talk to it unchanged through
``CLOUDWASTE_GCP_ENDPOINT`` (``ClientOptions(api_endpoint=...)``) and, for service-account keys, the
key file's ``token_uri``. Served, with payloads shaped from the REST references:

- Compute Engine v1: ``GET /compute/v1/projects/{p}/aggregated/{collection}`` (``items`` keyed by scope
  ``zones/us-central1-a`` / ``regions/us-central1`` / ``global``; every scope of :data:`ZONES` and
  :data:`REGIONS` appears on every page, those without items on that page with a ``NO_RESULTS_ON_PAGE``
  warning, as the API answers) and ``GET /compute/v1/projects/{p}/global/{collection}``; both paged with
  ``maxResults`` / ``pageToken`` / ``nextPageToken`` (at most :attr:`FakeGcp.page_size` items a page);
- Cloud Asset ``GET /v1/projects/{p}/assets`` (``assetTypes`` repeated, ``contentType`` RESOURCE, paged);
- Cloud Monitoring ``GET /v3/projects/{p}/timeSeries`` (``filter`` with ``metric.type`` /
  ``resource.type`` / ``resource.labels.project_id``, ``interval.startTime`` / ``interval.endTime``;
  the seeded points are already aligned and are returned newest first, as the API does);
- Recommender ``GET /v1/projects/{p}/locations/{l}/recommenders/{r}/recommendations``;
- Resource Manager v3 ``GET /v3/projects:search``, ``GET /v3/projects/{id}``, ``GET /v3/folders?parent=``;
- Cloud Billing Catalog ``GET /v1/services`` and ``GET /v1/services/{id}/skus`` (paged);
- OAuth 2.0 ``POST /token`` (JWT bearer grant of a service-account key) and IAM Credentials
  ``POST /v1/projects/-/serviceAccounts/{sa}:generateAccessToken`` (impersonation).

Scriptable faults: :attr:`FakeGcp.forbidden` projects answer 403 ``PERMISSION_DENIED`` to every request
about them; :meth:`FakeGcp.disable` answers 403 ``SERVICE_DISABLED`` (``accessNotConfigured`` + ErrorInfo)
for one API in one project (or every project); :meth:`FakeGcp.throttle` answers 429
``RESOURCE_EXHAUSTED`` to the next N matching requests. Every request is recorded (method, path,
query, whether it carried a bearer token).

    with FakeGcp() as gcp:
        gcp.add_project("my-proj")
        gcp.add_compute("my-proj", "disks", E.disk("my-proj", "us-central1-a", "d1"))
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

COMPUTE = "https://www.googleapis.com/compute/v1"
ZONES = ("us-central1-a", "us-central1-b", "europe-west1-b", "europe-west1-c")
REGIONS = ("us-central1", "europe-west1")
SERVICE_NAMES = {
    "compute": ("compute.googleapis.com", "Compute Engine API"),
    "asset": ("cloudasset.googleapis.com", "Cloud Asset API"),
    "monitoring": ("monitoring.googleapis.com", "Cloud Monitoring API"),
    "recommender": ("recommender.googleapis.com", "Recommender API"),
    "resourcemanager": ("cloudresourcemanager.googleapis.com", "Cloud Resource Manager API"),
    "billing": ("cloudbilling.googleapis.com", "Cloud Billing API"),
}
# REST collection -> (key of the list in an aggregated scope, kind prefix)
AGGREGATED = {
    "instances": "instances",
    "disks": "disks",
    "instanceTemplates": "instanceTemplates",
    "instanceGroupManagers": "instanceGroupManagers",
    "addresses": "addresses",
    "forwardingRules": "forwardingRules",
    "backendServices": "backendServices",
    "targetPools": "targetPools",
    "urlMaps": "urlMaps",
    "targetHttpProxies": "targetHttpProxies",
    "targetHttpsProxies": "targetHttpsProxies",
    "targetTcpProxies": "targetTcpProxies",
    "instanceGroups": "instanceGroups",
    "routers": "routers",
    "vpnGateways": "vpnGateways",
    "targetVpnGateways": "targetVpnGateways",
    "vpnTunnels": "vpnTunnels",
}
# path segment under global/ -> stored collection name
GLOBAL = {
    "snapshots": "snapshots",
    "images": "images",
    "machineImages": "machineImages",
    "addresses": "globalAddresses",
    "forwardingRules": "globalForwardingRules",
    "targetSslProxies": "targetSslProxies",
    "networks": "networks",
}
_PROJECT_IN_PATH = re.compile(r"/projects/([^/:]+)")
_FILTER_FIELD = re.compile(
    r'(metric\.type|resource\.type|resource\.labels\.project_id|project)\s*=\s*"([^"]*)"'
)


@dataclass
class Request:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str = ""
    body: str = ""
    api_key: str = ""

    def param(self, name: str) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Throttle:
    """Answer 429 to the next ``count`` requests whose path contains ``needle``."""

    needle: str
    count: int


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def scope_of(item: dict[str, Any]) -> str:
    """The aggregated-list scope of a Compute item: ``zones/z``, ``regions/r`` or ``global``."""
    for field_name, prefix in (("zone", "zones"), ("region", "regions")):
        value = item.get(field_name)
        if value:
            return f"{prefix}/{str(value).rstrip('/').rsplit('/', 1)[-1]}"
    return "global"


@dataclass
class FakeGcp:
    """The fake's state (projects, resources, metrics, recommendations, prices, faults) and its server."""

    page_size: int = 2
    latency_ms: float = 0.0
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    compute: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    assets: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    series: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    recommendations: dict[tuple[str, str, str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    services: list[dict[str, Any]] = field(default_factory=list)
    skus: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    forbidden: set[str] = field(default_factory=set)
    disabled: set[tuple[str, str]] = field(default_factory=set)  # (project or "*", api)
    throttles: list[Throttle] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)  # aggregated scopes answered with UNREACHABLE
    deny_impersonation: bool = False  # generateAccessToken answers 403 (no Token Creator role)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}  # access token -> who it was issued to
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeGcp:
        """Serve HTTP on 127.0.0.1 (any port) in a daemon thread."""
        fake = self

        class Handler(_Handler):
            gcp = fake

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeGcp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment that points cloudwaste at this fake."""
        return {"CLOUDWASTE_GCP_ENDPOINT": self.url}

    # -- state -----------------------------------------------------------------------------------

    def add_project(
        self,
        project_id: str,
        name: str | None = None,
        *,
        number: str | None = None,
        parent: str = "organizations/123456789012",
        labels: dict[str, str] | None = None,
        state: str = "ACTIVE",
    ) -> dict[str, Any]:
        """A project the identity can see (Resource Manager v3 REST form)."""
        num = number or str(100000000000 + len(self.projects) + 1)
        project = {
            "name": f"projects/{num}",
            "parent": parent,
            "projectId": project_id,
            "state": state,
            "displayName": name or project_id,
            "createTime": "2023-01-10T08:00:00.000Z",
            "updateTime": "2023-01-10T08:00:00.000Z",
            "etag": f'W/"{num}"',
            "labels": labels or {},
        }
        self.projects[project_id] = project
        return project

    def add_folder(self, folder_id: str, parent: str, name: str = "") -> None:
        """A folder under ``parent`` (``organizations/N`` or ``folders/N``)."""
        self.folders[f"folders/{folder_id}"] = {
            "name": f"folders/{folder_id}",
            "parent": parent,
            "displayName": name or folder_id,
            "state": "ACTIVE",
        }

    def add_compute(self, project: str, collection: str, *items: dict[str, Any]) -> None:
        """Compute items of REST collection ``collection`` (``disks``, ``globalAddresses``, ...)."""
        self.compute[(project, collection)].extend(items)

    def add_asset(
        self, project: str, asset_type: str, data: dict[str, Any], location: str, name: str
    ) -> None:
        """A Cloud Asset Inventory asset whose ``resource.data`` is ``data``."""
        service = asset_type.split("/", 1)[0]
        self.assets[project].append(
            {
                "name": f"//{service}/{name}",
                "assetType": asset_type,
                "resource": {
                    "version": "v1",
                    "discoveryDocumentUri": f"https://{service}/$discovery/rest",
                    "discoveryName": asset_type.split("/", 1)[1],
                    "parent": f"//cloudresourcemanager.googleapis.com/projects/{self._number(project)}",
                    "data": data,
                    "location": location,
                },
                "ancestors": [f"projects/{self._number(project)}"],
                "updateTime": "2024-06-01T12:00:00.123456Z",
            }
        )

    def add_series(
        self,
        project: str,
        metric: str,
        resource_type: str,
        resource_labels: dict[str, str],
        points: list[tuple[datetime, float]],
        *,
        metric_labels: dict[str, str] | None = None,
        value_type: str = "DOUBLE",
        metric_kind: str = "GAUGE",
    ) -> None:
        """One aligned time series (``points`` are (end time, value))."""
        key = "int64Value" if value_type == "INT64" else "doubleValue"
        self.series[project].append(
            {
                "metric": {"type": metric, "labels": metric_labels or {}},
                "resource": {
                    "type": resource_type,
                    # newer resource types (``x.googleapis.com/Y``) name the project ``resource_container``
                    "labels": (
                        dict(resource_labels)
                        if "resource_container" in resource_labels
                        else {"project_id": project, **resource_labels}
                    ),
                },
                "metricKind": metric_kind,
                "valueType": value_type,
                "points": [
                    {
                        "interval": {"startTime": _iso(when - timedelta(days=1)), "endTime": _iso(when)},
                        "value": {key: str(int(v)) if key == "int64Value" else v},
                    }
                    for when, v in points
                ],
            }
        )

    def add_recommendation(self, project: str, location: str, recommender: str, rec: dict[str, Any]) -> None:
        """A recommendation of ``recommender`` in ``location``."""
        self.recommendations[(project, location, recommender)].append(rec)

    def add_service(self, service_id: str, display_name: str) -> None:
        """A Cloud Billing Catalog service."""
        self.services.append(
            {
                "name": f"services/{service_id}",
                "serviceId": service_id,
                "displayName": display_name,
                "businessEntityName": "businessEntities/GCP",
            }
        )

    def add_sku(self, service_id: str, sku: dict[str, Any]) -> None:
        """A SKU of a Cloud Billing Catalog service."""
        self.skus[service_id].append(sku)

    def disable(self, api: str, project: str = "*") -> None:
        """Answer 403 SERVICE_DISABLED for ``api`` (compute, asset, monitoring, recommender,
        resourcemanager, billing) in ``project`` (``*``: every project)."""
        self.disabled.add((project, api))

    def throttle(self, needle: str, count: int = 1) -> None:
        """Answer 429 to the next ``count`` requests whose path contains ``needle``."""
        self.throttles.append(Throttle(needle, count))

    def calls(self, needle: str = "", method: str | None = None) -> list[Request]:
        """Recorded requests whose path contains ``needle``."""
        with self.lock:
            return [r for r in self.requests if needle in r.path and (method is None or r.method == method)]

    def _number(self, project: str) -> str:
        return str(self.projects.get(project, {}).get("name", "projects/0")).removeprefix("projects/")

    # -- responses -------------------------------------------------------------------------------

    def page(self, items: list[Any], token: str | None, size: int | None = None) -> tuple[list[Any], str]:
        """One page of ``items`` and the next page token ("" on the last page)."""
        limit = max(1, min(self.page_size, size or self.page_size))
        start = int(token or 0)
        chunk = items[start : start + limit]
        return chunk, str(start + limit) if start + limit < len(items) else ""

    def aggregated(self, project: str, collection: str, req: Request) -> dict[str, Any]:
        items = sorted(self.compute.get((project, collection), []), key=lambda i: (scope_of(i), i["name"]))
        size = int(req.param("maxResults") or 500)
        chunk, token = self.page(items, req.param("pageToken"), size)
        key = AGGREGATED[collection]
        scopes: dict[str, Any] = {f"zones/{z}": {} for z in ZONES}
        scopes.update({f"regions/{r}": {} for r in REGIONS})
        scopes["global"] = {}
        for item in chunk:
            scopes.setdefault(scope_of(item), {}).setdefault(key, []).append(item)
        for scope in self.unreachable:
            scopes[scope] = {
                "warning": {
                    "code": "UNREACHABLE",
                    "message": f"Scope '{scope}' is unreachable.",
                    "data": [{"key": "scope", "value": scope}],
                }
            }
        for scope, scoped in scopes.items():
            if not scoped:
                scoped["warning"] = {
                    "code": "NO_RESULTS_ON_PAGE",
                    "message": f"There are no results for scope '{scope}' on this page.",
                    "data": [{"key": "scope", "value": scope}],
                }
        kind = key[0:-1] if key.endswith("s") else key
        body: dict[str, Any] = {
            "kind": f"compute#{kind}AggregatedList",
            "id": f"projects/{project}/aggregated/{collection}",
            "items": scopes,
            "selfLink": f"{COMPUTE}/projects/{project}/aggregated/{collection}",
        }
        if token:
            body["nextPageToken"] = token
        return body

    def global_list(self, project: str, segment: str, req: Request) -> dict[str, Any]:
        items = self.compute.get((project, GLOBAL[segment]), [])
        chunk, token = self.page(items, req.param("pageToken"), int(req.param("maxResults") or 500))
        body: dict[str, Any] = {
            "kind": f"compute#{segment[:-1]}List",
            "id": f"projects/{project}/global/{segment}",
            "items": chunk,
            "selfLink": f"{COMPUTE}/projects/{project}/global/{segment}",
        }
        if token:
            body["nextPageToken"] = token
        return body

    def list_assets(self, project: str, req: Request) -> tuple[int, dict[str, Any]]:
        if req.param("contentType") not in ("RESOURCE", "1"):
            return 400, _error(400, "INVALID_ARGUMENT", "this fake only serves contentType=RESOURCE")
        types = set(req.query.get("assetTypes", []))
        items = [a for a in self.assets.get(project, []) if not types or a["assetType"] in types]
        size = int(req.param("pageSize") or 100)
        chunk, token = self.page(items, req.param("pageToken"), size)
        body: dict[str, Any] = {"readTime": _iso(datetime.now(UTC)), "assets": chunk}
        if token:
            body["nextPageToken"] = token
        return 200, body

    def time_series(self, project: str, req: Request) -> tuple[int, dict[str, Any]]:
        wanted = dict(_FILTER_FIELD.findall(req.param("filter") or ""))
        if "metric.type" not in wanted:
            return 400, _error(
                400, "INVALID_ARGUMENT", "Field filter had an invalid value: metric.type is required"
            )
        start, end = req.param("interval.startTime"), req.param("interval.endTime")
        if not end:
            return 400, _error(400, "INVALID_ARGUMENT", "Field interval.endTime had an invalid value")
        lo, hi = _parse(start) if start else _parse(end), _parse(end)
        out = []
        for series in self.series.get(project, []):
            if series["metric"]["type"] != wanted["metric.type"]:
                continue
            if "resource.type" in wanted and series["resource"]["type"] != wanted["resource.type"]:
                continue
            label = wanted.get("resource.labels.project_id")
            if label and series["resource"]["labels"].get("project_id") != label:
                continue
            labels = series["resource"]["labels"]
            owner = wanted.get("project")  # the project selector: project_id or resource_container
            if owner and labels.get("project_id", labels.get("resource_container")) not in (
                owner,
                self._number(owner),
            ):
                continue
            points = [p for p in series["points"] if lo <= _parse(p["interval"]["endTime"]) <= hi]
            if points:
                points.sort(key=lambda p: p["interval"]["endTime"], reverse=True)
                out.append({**series, "points": points})
        chunk, token = self.page(out, req.param("pageToken"))
        body: dict[str, Any] = {"timeSeries": chunk, "unit": ""}
        if token:
            body["nextPageToken"] = token
        return 200, body

    def token(self, body: str) -> tuple[int, dict[str, Any]]:
        form = {k: v[0] for k, v in parse_qs(body).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or not form.get(
            "assertion"
        ):
            return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}
        token = f"ya29.fake-{len(self.tokens) + 1}"
        with self.lock:
            self.tokens[token] = "service-account"
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def generate_access_token(self, sa: str, authorization: str) -> tuple[int, dict[str, Any]]:
        if not authorization.startswith("Bearer "):
            return 401, _error(
                401, "UNAUTHENTICATED", "Request is missing required authentication credential."
            )
        if self.deny_impersonation:
            return 403, _error(
                403,
                "PERMISSION_DENIED",
                "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
            )
        token = f"ya29.impersonated-{len(self.tokens) + 1}"
        with self.lock:
            self.tokens[token] = sa
        expire = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return 200, {"accessToken": token, "expireTime": expire}

    def fault(self, req: Request) -> tuple[int, dict[str, Any]] | None:
        """A scripted error for this request, if any."""
        with self.lock:
            for throttle in self.throttles:
                if throttle.count > 0 and throttle.needle in req.path:
                    throttle.count -= 1
                    return 429, _error(
                        429,
                        "RESOURCE_EXHAUSTED",
                        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
                        "minute'.",
                    )
        match = _PROJECT_IN_PATH.search(req.path)
        project = match.group(1) if match else ""
        api = api_of(req.path)
        if api and ({(project, api), ("*", api)} & self.disabled):
            return 403, service_disabled(api, self._number(project) if project else "0")
        if project and project in self.forbidden:
            return 403, _error(
                403,
                "PERMISSION_DENIED",
                f"The caller does not have permission on projects/{project}",
                legacy_reason="forbidden",
            )
        return None


def api_of(path: str) -> str:
    """Which API a request path belongs to."""
    if path.startswith("/compute/"):
        return "compute"
    if path.endswith("/assets"):
        return "asset"
    if path.endswith("/timeSeries"):
        return "monitoring"
    if "/recommenders/" in path:
        return "recommender"
    if path.startswith(("/v3/projects", "/v3/folders")):
        return "resourcemanager"
    if path.startswith("/v1/services"):
        return "billing"
    return ""


def _error(code: int, status: str, message: str, legacy_reason: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message, "status": status}
    if legacy_reason:
        err["errors"] = [{"message": message, "domain": "global", "reason": legacy_reason}]
    return {"error": err}


def service_disabled(api: str, number: str) -> dict[str, Any]:
    """The 403 Google answers when an API is not enabled in the consumer project."""
    service, title = SERVICE_NAMES[api]
    message = (
        f"{title} has not been used in project {number} before or it is disabled. Enable it by visiting "
        f"https://console.developers.google.com/apis/api/{service}/overview?project={number} then retry. "
        "If you enabled this API recently, wait a few minutes for the action to propagate to our systems "
        "and retry."
    )
    return {
        "error": {
            "code": 403,
            "message": message,
            "errors": [
                {
                    "message": message,
                    "domain": "usageLimits",
                    "reason": "accessNotConfigured",
                    "extendedHelp": "https://console.developers.google.com",
                }
            ],
            "status": "PERMISSION_DENIED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "SERVICE_DISABLED",
                    "domain": "googleapis.com",
                    "metadata": {
                        "service": service,
                        "consumer": f"projects/{number}",
                        "serviceTitle": title,
                        "activationUrl": f"https://console.developers.google.com/apis/api/{service}/overview?project={number}",
                    },
                }
            ],
        }
    }


class _Handler(BaseHTTPRequestHandler):
    gcp: FakeGcp
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _request(self) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        req = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            authorization=str(self.headers.get("Authorization") or ""),
            body=body,
            api_key=str(self.headers.get("x-goog-api-key") or ""),
        )
        with self.gcp.lock:
            self.gcp.requests.append(req)
        if self.gcp.latency_ms:
            time.sleep(self.gcp.latency_ms / 1000.0)
        return req

    def do_POST(self) -> None:
        req = self._request()
        if req.path == "/token":
            self._send(*self.gcp.token(req.body))
            return
        match = re.fullmatch(r"/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken", req.path)
        if match:
            self._send(*self.gcp.generate_access_token(match.group(1), req.authorization))
            return
        self._send(404, _error(404, "NOT_FOUND", f"POST {req.path} is not served by this fake"))

    def do_GET(self) -> None:
        req = self._request()
        fault = self.gcp.fault(req)
        if fault is not None:
            self._send(*fault)
            return
        try:
            status, body = self.route(req)
        except Exception as exc:  # a bug in the fake: say so instead of hanging the client
            status, body = 500, _error(500, "INTERNAL", f"fake error: {type(exc).__name__}: {exc}")
        self._send(status, body)

    def route(self, req: Request) -> tuple[int, dict[str, Any]]:
        gcp, path = self.gcp, req.path
        match = re.fullmatch(r"/compute/v1/projects/([^/]+)/aggregated/([A-Za-z]+)", path)
        if match and match.group(2) in AGGREGATED:
            return 200, gcp.aggregated(match.group(1), match.group(2), req)
        match = re.fullmatch(r"/compute/v1/projects/([^/]+)/global/([A-Za-z]+)", path)
        if match and match.group(2) in GLOBAL:
            return 200, gcp.global_list(match.group(1), match.group(2), req)
        match = re.fullmatch(r"/v1/projects/([^/]+)/assets", path)
        if match:
            return gcp.list_assets(match.group(1), req)
        match = re.fullmatch(r"/v3/projects/([^/]+)/timeSeries", path)
        if match:
            return gcp.time_series(match.group(1), req)
        match = re.fullmatch(
            r"/v1/projects/([^/]+)/locations/([^/]+)/recommenders/([^/]+)/recommendations", path
        )
        if match:
            recs = gcp.recommendations.get((match.group(1), match.group(2), match.group(3)), [])
            chunk, token = gcp.page(recs, req.param("pageToken"))
            return 200, {"recommendations": chunk, **({"nextPageToken": token} if token else {})}
        if path == "/v3/projects:search":
            listed = sorted(gcp.projects.values(), key=lambda p: p["projectId"])
            chunk, token = gcp.page(listed, req.param("pageToken"))
            return 200, {"projects": chunk, **({"nextPageToken": token} if token else {})}
        match = re.fullmatch(r"/v3/projects/([^/:]+)", path)
        if match:
            found = gcp.projects.get(match.group(1))
            if found is None:
                return 403, _error(403, "PERMISSION_DENIED", "The caller does not have permission")
            return 200, found
        if path == "/v3/folders":
            parent = req.param("parent") or ""
            children = [f for f in gcp.folders.values() if f["parent"] == parent]
            chunk, token = gcp.page(children, req.param("pageToken"))
            return 200, {"folders": chunk, **({"nextPageToken": token} if token else {})}
        if path == "/v1/services":
            chunk, token = gcp.page(gcp.services, req.param("pageToken"))
            return 200, {"services": chunk, **({"nextPageToken": token} if token else {})}
        match = re.fullmatch(r"/v1/services/([^/]+)/skus", path)
        if match:
            chunk, token = gcp.page(gcp.skus.get(match.group(1), []), req.param("pageToken"))
            return 200, {"skus": chunk, **({"nextPageToken": token} if token else {})}
        return 404, _error(404, "NOT_FOUND", f"GET {path} is not served by this fake")


def make_key_file(path: Path, token_uri: str, *, email: str = "", project: str = "key-project") -> Path:
    """A service-account key file with a freshly generated RSA key (``token_uri`` -> the fake)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    email = email or f"cloudwaste-reader@{project}.iam.gserviceaccount.com"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": project,
                "private_key_id": "0123456789abcdef0123456789abcdef01234567",
                "private_key": pem,
                "client_email": email,
                "client_id": "109876543210987654321",
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": token_uri,
                "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
                "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email}",
                "universe_domain": "googleapis.com",
            }
        )
    )
    return path


def days(now: datetime, n: int, value: float) -> Iterator[tuple[datetime, float]]:
    """``n`` daily points ending at ``now`` (newest last), all ``value``."""
    end = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(n):
        yield end - timedelta(days=n - 1 - i), value
