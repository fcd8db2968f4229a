"""A fake Azure Resource Manager and Entra ID token endpoint over HTTPS on 127.0.0.1 (trustme CA).

The real SDK clients and the real azure-identity credentials talk to it unchanged: ``base_url`` /
``CLOUDWASTE_AZURE_ARM_URL`` for ARM, ``authority`` / ``AZURE_AUTHORITY_HOST`` for Entra ID (with MSAL
instance discovery disabled), and the CA bundle written to ``ca_path``.

Served, with payloads shaped from the ARM REST reference:

- Entra ID: ``/{tenant}/v2.0/.well-known/openid-configuration`` and ``POST /{tenant}/oauth2/v2.0/token``
  (client credentials with a secret or a certificate assertion; a wrong secret gets AADSTS7000215);
- ``GET /subscriptions``, ``/subscriptions/{s}/resourcegroups``, ``/subscriptions/{s}/resources`` and
  every subscription-wide list ``/subscriptions/{s}/providers/{Namespace}/{type}`` (VMs carry their
  ``instanceView`` only with ``statusOnly=true``), plus per-resource-group lists;
- the Activity Log (``.../providers/Microsoft.Insights/eventtypes/management/values`` with ``$filter`` and
  ``$select``) and Azure Monitor metrics (``{resource}/providers/Microsoft.Insights/metrics``: one point
  per interval, points without data carry only ``timeStamp``, as Azure Monitor answers);
- Azure Resource Graph ``POST /providers/Microsoft.ResourceGraph/resources`` (``$top``/``$skipToken``).
  Only the query shapes cloudwaste sends are understood: ``where type in~ (...)`` filters rows and
  ``cwKeep = type in~ (...)`` keeps ``properties`` for those types only;
- the Azure Monitor metrics data plane ``POST [/{region}]/subscriptions/{s}/metrics:getBatch``
  (api-version 2024-02-01, ``starttime``/``endtime``/``interval``/``metricnamespace``/``metricnames``/
  ``aggregation``, body ``{"resourceids": [...]}``), on the same server: point
  ``CLOUDWASTE_AZURE_METRICS_URL`` at :meth:`FakeArm.metrics_url`. Like the service it wants a token
  for ``https://metrics.monitor.azure.com`` (ARM routes refuse that audience, getBatch any other),
  at most 50 resource ids of the path's subscription and of the ``metricnamespace`` type, at most
  20 names; a resource outside the URL's region gets empty time series, an unknown one no entry.
  :attr:`FakeArm.batch_status` scripts a failure (e.g. 403) for every getBatch.

Every list is paged with a small server-side page size and an absolute ``nextLink`` carrying
``api-version`` and ``$skiptoken`` (the SDKs do not re-add api-version). Like ARM it answers 401 without
a bearer token, 400 ``MissingApiVersionParameter`` without ``api-version``, and it can be scripted to
answer 403 ``AuthorizationFailed`` for a subscription, 409 ``MissingSubscriptionRegistration`` for a
namespace, and 429 with ``Retry-After``. Every request is recorded.

    with FakeArm(tmp_path) as arm:
        arm.add_subscription(SUB, "prod")
        arm.add(estate.disk(SUB, "rg", "d1"))
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "0f3e2b7c-8a41-4d52-9a7e-1c2d3e4f5a6b"
CLIENT_SECRET = "fake-client-secret"
OBJECT_ID = "5b1c9e2d-3f4a-4b6c-8d7e-9f0a1b2c3d4e"

_GRID = {
    "PT1M": 60,
    "PT5M": 300,
    "PT15M": 900,
    "PT30M": 1800,
    "PT1H": 3600,
    "PT6H": 21600,
    "PT12H": 43200,
    "P1D": 86400,
}
_ARG_KEYS = (
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
)
_CHALLENGE = 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"'
_TYPES = re.compile(r"in~\s*\(([^)]*)\)")
_BATCH = re.compile(r"(?:/([^/]+))?/subscriptions/([^/]+)/metrics:getBatch", re.IGNORECASE)
METRICS_AUDIENCE = "https://metrics.monitor.azure.com"


@dataclass
class Request:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any = None
    authorized: bool = False


@dataclass
class Throttle:
    """Answer 429 to the next ``count`` requests whose path contains ``needle``."""

    needle: str
    count: int
    retry_after: str = "1"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


@dataclass
class FakeArm:
    """The fake's state (subscriptions, resources, events, metrics, scripted faults) and its server."""

    workdir: Path
    page_size: int = 2
    graph_page_size: int = 3
    latency_ms: float = 0.0
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    resource_groups: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    events: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    metrics: dict[tuple[str, str], list[tuple[datetime, float]]] = field(default_factory=dict)
    unsupported_metrics: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)
    unregistered: set[tuple[str, str]] = field(default_factory=set)
    throttles: list[Throttle] = field(default_factory=list)
    batch_status: int | None = None  # answer every metrics:getBatch with this status (403, 404, ...)
    batch_lowercase_ids: bool = False  # answer getBatch with lower-case resourceid (as ids may come back)
    requests: list[Request] = field(default_factory=list)
    client_secret: str = CLIENT_SECRET
    url: str = ""
    ca_path: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}  # access token -> audience
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeArm:
        """Serve HTTPS on 127.0.0.1 (any port) in a daemon thread; writes the CA to ``ca_path``."""
        import trustme

        ca = trustme.CA()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ca_path = str(self.workdir / "fake-arm-ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        fake = self

        class Handler(_Handler):
            arm = fake

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        host, port = self._httpd.server_address[:2]
        self.url = f"https://{host}:{port}"
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

    def __enter__(self) -> FakeArm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment that points cloudwaste and azure-identity at this fake."""
        return {
            "CLOUDWASTE_AZURE_ARM_URL": self.url,
            "AZURE_AUTHORITY_HOST": self.url,
            "CLOUDWASTE_CA_BUNDLE": self.ca_path,
        }

    def metrics_url(self) -> str:
        """``CLOUDWASTE_AZURE_METRICS_URL`` for this fake: the region becomes the first path segment."""
        return f"{self.url}/{{region}}"

    def credential_env(self) -> dict[str, str]:
        """EnvironmentCredential's variables for the fake's service principal (DefaultAzureCredential
        limited to it by AZURE_TOKEN_CREDENTIALS, so nothing probes IMDS or runs `az`)."""
        return {
            "AZURE_TENANT_ID": TENANT,
            "AZURE_CLIENT_ID": CLIENT_ID,
            "AZURE_CLIENT_SECRET": self.client_secret,
            "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
        }

    # -- state -----------------------------------------------------------------------------------

    def add_subscription(self, sub: str, name: str, state: str = "Enabled") -> None:
        """A subscription the credential can see."""
        self.subscriptions.append(
            {
                "id": f"/subscriptions/{sub}",
                "authorizationSource": "RoleBased",
                "subscriptionId": sub,
                "tenantId": TENANT,
                "displayName": name,
                "state": state,
                "subscriptionPolicies": {
                    "locationPlacementId": "Public_2014-09-01",
                    "quotaId": "PayAsYouGo_2014-09-01",
                    "spendingLimit": "Off",
                },
            }
        )

    def add_resource_group(
        self,
        sub: str,
        name: str,
        location: str = "westeurope",
        tags: dict[str, str] | None = None,
        managed_by: str | None = None,
    ) -> dict[str, Any]:
        """A resource group (created implicitly by :meth:`add` too)."""
        for rg in self.resource_groups[sub.lower()]:
            if rg["name"].lower() == name.lower():
                return rg
        rg: dict[str, Any] = {
            "id": f"/subscriptions/{sub}/resourceGroups/{name}",
            "name": name,
            "type": "Microsoft.Resources/resourceGroups",
            "location": location,
            "tags": tags or {},
            "properties": {"provisioningState": "Succeeded"},
        }
        if managed_by:
            rg["managedBy"] = managed_by
        self.resource_groups[sub.lower()].append(rg)
        return rg

    def add(self, *items: dict[str, Any]) -> None:
        """ARM resources in REST form; subscription and resource group come from the id."""
        for item in items:
            parts = item["id"].split("/")
            sub = parts[2].lower()
            if len(parts) > 4 and parts[3].lower() == "resourcegroups":
                self.add_resource_group(parts[2], parts[4], item.get("location", "westeurope"))
            self.resources[sub].append(item)

    def add_event(
        self, sub: str, resource_id: str, operation: str, when: datetime, status: str = "Succeeded"
    ) -> None:
        """An Activity Log event (the fields of the REST EventData)."""
        self.events[sub.lower()].append(
            {
                "authorization": {"action": operation, "scope": resource_id},
                "caller": "alice@contoso.com",
                "channels": "Operation",
                "correlationId": str(uuid.uuid4()),
                "eventDataId": str(uuid.uuid4()),
                "eventName": {"value": "EndRequest", "localizedValue": "End request"},
                "category": {"value": "Administrative", "localizedValue": "Administrative"},
                "eventTimestamp": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
                "id": f"{resource_id}/events/{uuid.uuid4()}/ticks/{int(when.timestamp() * 1e7)}",
                "level": "Informational",
                "operationId": str(uuid.uuid4()),
                "operationName": {"value": operation, "localizedValue": operation},
                "resourceGroupName": resource_id.split("/")[4],
                "resourceProviderName": {"value": "Microsoft.Compute", "localizedValue": "Microsoft.Compute"},
                "resourceId": resource_id,
                "resourceType": {"value": "Microsoft.Compute/virtualMachines", "localizedValue": ""},
                "status": {"value": status, "localizedValue": status},
                "subStatus": {"value": "", "localizedValue": ""},
                "submissionTimestamp": _iso(when),
                "subscriptionId": sub,
                "tenantId": TENANT,
            }
        )

    def add_metric(self, resource_id: str, metric: str, points: list[tuple[datetime, float]]) -> None:
        """Datapoints of one metric of one resource (every aggregation of a bucket is computed from them)."""
        self.metrics.setdefault((resource_id.lower(), metric.lower()), []).extend(points)

    def throttle(self, needle: str, count: int = 1, retry_after: str = "1") -> None:
        """Answer 429 with ``Retry-After`` to the next ``count`` requests whose path contains ``needle``."""
        self.throttles.append(Throttle(needle.lower(), count, retry_after))

    def secret_sent(self) -> list[str]:
        """The client secrets sent to the token endpoint (to prove which secret a credential used)."""
        return [
            str(r.body.get("client_secret"))
            for r in self.calls("/oauth2/v2.0/token", "POST")
            if isinstance(r.body, dict) and "client_secret" in r.body
        ]

    def calls(self, needle: str = "", method: str | None = None) -> list[Request]:
        """Recorded requests whose path contains ``needle`` (case-insensitive)."""
        with self.lock:
            return [
                r
                for r in self.requests
                if needle.lower() in r.path.lower() and (method is None or r.method == method)
            ]

    # -- responses -------------------------------------------------------------------------------

    def batch_calls(self) -> list[Request]:
        """The metrics:getBatch requests received."""
        return self.calls("/metrics:getBatch", "POST")

    def token(self, form: dict[str, str], tenant: str) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != CLIENT_ID or tenant not in (TENANT, "organizations"):
            return 400, {
                "error": "unauthorized_client",
                "error_description": f"AADSTS700016: Application with identifier '{form.get('client_id')}' "
                "was not found in the directory.",
                "error_codes": [700016],
            }
        assertion = form.get("client_assertion")
        if form.get("client_secret") != self.client_secret and not assertion:
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being "
                "sent in the request is the client secret value, not the client secret ID.",
                "error_codes": [7000215],
            }
        now = int(time.time())
        scopes = [s for s in form.get("scope", "").split() if s.endswith("/.default")]
        audience = "https://management.azure.com"  # ARM, whatever URL the tests give it
        if scopes and scopes[0].startswith("https://metrics.monitor.azure."):
            audience = scopes[0].removesuffix("/.default")
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{TENANT}/",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "appid": CLIENT_ID,
            "idtyp": "app",
            "oid": OBJECT_ID,
            "tid": TENANT,
            "sub": OBJECT_ID,
        }
        token = f"{_b64({'typ': 'JWT', 'alg': 'RS256'})}.{_b64(claims)}.c2lnbmF0dXJl"
        with self.lock:
            self.tokens[token] = audience
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }

    def page(self, path: str, query: dict[str, str], items: list[dict[str, Any]]) -> dict[str, Any]:
        start = int(query.get("$skiptoken") or 0)
        chunk = items[start : start + self.page_size]
        body: dict[str, Any] = {"value": chunk}
        if start + self.page_size < len(items):
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            body["nextLink"] = f"{self.url}{path}?{urlencode({**rest, '$skiptoken': start + self.page_size})}"
        return body

    def items_of_type(self, sub: str, rtype: str, rg: str | None = None) -> list[dict[str, Any]]:
        out = [r for r in self.resources[sub.lower()] if r["type"].lower() == rtype.lower()]
        if rg is not None:
            out = [r for r in out if r["id"].split("/")[4].lower() == rg.lower()]
        return out

    def activity(self, sub: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        flt = query.get("$filter", "")
        ge = re.search(r"eventTimestamp ge '([^']+)'", flt)
        le = re.search(r"eventTimestamp le '([^']+)'", flt)
        if not ge:
            return 400, _error("BadRequest", "The $filter query parameter must contain 'eventTimestamp ge'.")
        start = _parse_time(ge.group(1))
        if start < datetime.now(UTC) - timedelta(days=90):
            return 400, _error("BadRequest", "The start time cannot be more than 90 days in the past.")
        end = _parse_time(le.group(1)) if le else datetime.now(UTC)
        rp = re.search(r"resourceProvider eq '([^']+)'", flt)
        events = []
        for ev in self.events[sub.lower()]:
            when = _parse_time(ev["eventTimestamp"])
            if not (start <= when <= end):
                continue
            if rp and ev["resourceProviderName"]["value"].lower() != rp.group(1).lower():
                continue
            select = [s.strip() for s in query.get("$select", "").split(",") if s.strip()]
            events.append({k: v for k, v in ev.items() if not select or k in select})
        return 200, {"value": events}

    def metric_response(self, resource_id: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        resource = next(
            (r for items in self.resources.values() for r in items if r["id"].lower() == resource_id.lower()),
            None,
        )
        if resource is None:
            return 404, _error("ResourceNotFound", f"The Resource '{resource_id}' was not found.")
        names = [n for n in query.get("metricnames", "").split(",") if n]
        bad = [n for n in names if n.lower() in self.unsupported_metrics]
        if bad:
            return 400, _error(
                "BadRequest",
                f"Failed to find metric configuration for provider: {resource['type']}, metric: {bad[0]}",
            )
        interval = query.get("interval", "PT1H")
        start_s, end_s = query.get("timespan", "").split("/")
        start, end = _parse_time(start_s), _parse_time(end_s)
        aggs = [a.strip().lower() for a in query.get("aggregation", "Average").split(",")]
        value = self.metric_values(resource, names, start, end, interval, aggs)
        return 200, {
            "cost": len(names) * 10,
            "timespan": query.get("timespan"),
            "interval": interval,
            "value": value,
            "namespace": query.get("metricnamespace", resource["type"]),
            "resourceregion": resource.get("location", ""),
        }

    def metric_values(
        self,
        resource: dict[str, Any],
        names: list[str],
        start: datetime,
        end: datetime,
        interval: str,
        aggs: list[str],
        empty: bool = False,
    ) -> list[dict[str, Any]]:
        """Metric objects (Metrics - List's ``value``): one point per interval, values where data exists;
        ``empty`` gives empty time series (what getBatch answers for a resource of another region)."""
        step = _GRID.get(interval, 3600)
        value = []
        for name in names:
            points = self.metrics.get((resource["id"].lower(), name.lower()), [])
            buckets: dict[int, list[float]] = defaultdict(list)
            for when, v in points:
                if start <= when < end:
                    buckets[int((when - start).total_seconds() // step)].append(v)
            data = []
            for i in range(int((end - start).total_seconds() // step)):
                point: dict[str, Any] = {"timeStamp": _iso(start + timedelta(seconds=i * step))}
                vals = buckets.get(i)
                if vals:
                    for agg in aggs:
                        point[agg] = {
                            "average": sum(vals) / len(vals),
                            "total": sum(vals),
                            "maximum": max(vals),
                            "minimum": min(vals),
                            "count": float(len(vals)),
                        }[agg]
                data.append(point)
            value.append(
                {
                    "id": f"{resource['id']}/providers/Microsoft.Insights/metrics/{name}",
                    "type": "Microsoft.Insights/metrics",
                    "name": {"value": name, "localizedValue": name},
                    "displayDescription": "",
                    "unit": "Count",
                    "timeseries": [] if empty else [{"metadatavalues": [], "data": data}],
                    "errorCode": "Success",
                }
            )
        return value

    def metrics_batch(
        self, region: str | None, sub: str, query: dict[str, str], body: Any
    ) -> tuple[int, dict[str, Any]]:
        """``metrics:getBatch``: the checks the service makes, then one entry per known resource."""
        if self.batch_status is not None:
            status = self.batch_status
            code = {401: "InvalidAuthenticationToken", 403: "AuthorizationFailed", 404: "NotFound"}
            return status, _error(code.get(status, "Error"), f"scripted getBatch failure {status}")
        if sub.lower() in self.forbidden:
            return 403, _error(
                "AuthorizationFailed",
                f"The client '{CLIENT_ID}' does not have authorization to perform action "
                f"'Microsoft.Insights/metrics/read' over scope '/subscriptions/{sub}'.",
            )
        namespace = query.get("metricnamespace", "")
        names = [n for n in query.get("metricnames", "").split(",") if n]
        ids = body.get("resourceids") if isinstance(body, dict) else None
        if not namespace or not names:
            return 400, _error("BadRequest", "metricnamespace and metricnames are required.")
        if not isinstance(ids, list) or not ids:
            return 400, _error("BadRequest", "The request body must have a non-empty 'resourceids' list.")
        if len(ids) > 50:
            return 400, _error("BadRequest", f"At most 50 resource ids per batch, {len(ids)} given.")
        if len(names) > 20:
            return 400, _error("BadRequest", f"At most 20 metric names per call, {len(names)} given.")
        for rid in ids:
            parts = str(rid).split("/")
            if len(parts) < 9 or parts[2].lower() != sub.lower():
                return 400, _error("BadRequest", f"Resource {rid} is not in subscription {sub}.")
            if "/".join(parts[6:8]).lower() != namespace.lower():
                return 400, _error("BadRequest", f"Resource {rid} is not of type {namespace}.")
        bad = [n for n in names if n.lower() in self.unsupported_metrics]
        if bad:
            return 400, _error(
                "BadRequest",
                f"Failed to find metric configuration for provider: {namespace}, metric: {bad[0]}",
            )
        interval = query.get("interval", "PT1M")
        start, end = _parse_time(query["starttime"]), _parse_time(query["endtime"])
        aggs = [a.strip().lower() for a in query.get("aggregation", "average").split(",")]
        known = {r["id"].lower(): r for r in self.resources[sub.lower()]}
        values = []
        for rid in ids:
            resource = known.get(str(rid).lower())
            if resource is None:
                continue
            location = str(resource.get("location", ""))
            elsewhere = region is not None and location.lower() != region.lower()
            values.append(
                {
                    "starttime": query["starttime"],
                    "endtime": query["endtime"],
                    "interval": interval,
                    "namespace": namespace.lower(),
                    "resourceregion": location,
                    "resourceid": resource["id"].lower() if self.batch_lowercase_ids else resource["id"],
                    "value": self.metric_values(resource, names, start, end, interval, aggs, elsewhere),
                }
            )
        return 200, {"values": values}

    def graph(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        query = str(body.get("query") or "")
        if not query.strip().lower().startswith("resources"):
            return 400, _error(
                "BadRequest", "Please provide below info when asking for support: query is invalid."
            )
        where = re.search(r"where type " + _TYPES.pattern, query)
        keep = re.search(r"cwKeep = type " + _TYPES.pattern, query)
        only = {t.strip().strip("'").lower() for t in where.group(1).split(",")} if where else None
        kept = {t.strip().strip("'").lower() for t in keep.group(1).split(",")} if keep else None
        rows: list[dict[str, Any]] = []
        for sub in body.get("subscriptions") or []:
            if sub.lower() in self.forbidden:
                continue  # Resource Graph leaves out what the caller may not read
            for res in self.resources[sub.lower()]:
                rtype = res["type"].lower()
                if only is not None and rtype not in only:
                    continue
                row = {k: res.get(k) for k in _ARG_KEYS}
                row["type"] = rtype
                row["managedBy"] = res.get("managedBy") or ""
                row["subscriptionId"] = sub
                row["resourceGroup"] = res["id"].split("/")[4].lower()
                row["tenantId"] = TENANT
                row["properties"] = res.get("properties") if kept is None or rtype in kept else None
                rows.append(row)
        options = body.get("options") or {}
        start = int(options.get("$skipToken") or 0)
        size = min(int(options.get("$top") or 1000), self.graph_page_size)
        chunk = rows[start : start + size]
        out: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(chunk),
            "resultTruncated": "false",
            "data": chunk,
            "facets": [],
        }
        if start + size < len(rows):
            out["$skipToken"] = str(start + size)
        return 200, out

    def arm(
        self, method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        low = path.lower().rstrip("/")
        parts = low.split("/")
        batch = _BATCH.fullmatch(path)
        if method == "POST" and batch:
            return (*self.metrics_batch(batch.group(1), batch.group(2), query, body), {})
        if method == "POST" and low == "/providers/microsoft.resourcegraph/resources":
            status, out = self.graph(body or {})
            return (
                status,
                out,
                {"x-ms-user-quota-remaining": "14", "x-ms-user-quota-resets-after": "00:00:05"},
            )
        if method != "GET":
            return 405, _error("MethodNotAllowed", f"The fake ARM only reads ({method} {path})."), {}
        if low == "/subscriptions":
            return 200, self.page(path, query, self.subscriptions), {}
        if len(parts) < 3 or parts[1] != "subscriptions":
            return 404, _error("InvalidResourceType", f"No route for {path}"), {}
        sub = parts[2]
        if sub in self.forbidden:
            action = "/".join(p for p in path.split("/")[5:7]) + "/read" if "/providers/" in low else "read"
            return (
                403,
                _error(
                    "AuthorizationFailed",
                    f"The client '{CLIENT_ID}' with object id '{OBJECT_ID}' does not have authorization to "
                    f"perform action '{action}' over scope '/subscriptions/{parts[2]}' or the scope is "
                    "invalid. If access was recently granted, please refresh your credentials.",
                ),
                {},
            )
        if not any(s["subscriptionId"].lower() == sub for s in self.subscriptions):
            return (
                404,
                _error("SubscriptionNotFound", f"The subscription '{parts[2]}' could not be found."),
                {},
            )
        if "/providers/microsoft.insights/metrics" in low:
            return (
                *self.metric_response(path[: low.index("/providers/microsoft.insights/metrics")], query),
                {},
            )
        rest = parts[3:]
        if rest == ["resourcegroups"]:
            return 200, self.page(path, query, self.resource_groups[sub]), {}
        if rest == ["resources"]:
            keys = ("id", "name", "type", "location", "tags", "sku", "kind", "managedBy")
            items = [{k: r[k] for k in keys if k in r} for r in self.resources[sub]]
            return 200, self.page(path, query, items), {}
        if rest == ["providers", "microsoft.insights", "eventtypes", "management", "values"]:
            status, out = self.activity(sub, query)
            return (status, self.page(path, query, out["value"]) if status == 200 else out, {})
        rg = None
        if len(rest) == 5 and rest[0] == "resourcegroups" and rest[2] == "providers":
            rg, rest = path.split("/")[4], rest[2:]
        if len(rest) == 3 and rest[0] == "providers":
            namespace = rest[1]
            if (sub, namespace) in self.unregistered:
                return (
                    409,
                    _error(
                        "MissingSubscriptionRegistration",
                        f"The subscription is not registered to use namespace '{path.split('/')[-2]}'. See "
                        "https://aka.ms/rps-not-found for how to register subscriptions.",
                    ),
                    {},
                )
            rtype = "/".join(path.split("/")[-2:])
            items = self.items_of_type(sub, rtype, rg)
            if rtype.lower() == "microsoft.compute/virtualmachines":
                status_only = query.get("statusOnly", "").lower() == "true"
                items = [_vm_view(vm, status_only) for vm in items]
            return 200, self.page(path, query, items), {}
        return 404, _error("InvalidResourceType", f"The resource type could not be found ({path})."), {}


def _vm_view(vm: dict[str, Any], status_only: bool) -> dict[str, Any]:
    """A VM as the list returns it: without its instance view, or, with statusOnly=true, only its
    run-time status (id, name, type, location and ``properties.instanceView``: no size, disks, NICs,
    timeCreated or tags), as real ARM answers that call."""
    props = dict(vm.get("properties") or {})
    view = props.pop("instanceView", None)
    if not status_only:
        return {**vm, "properties": props}
    thin = {k: vm[k] for k in ("id", "name", "type", "location") if k in vm}
    return {**thin, "properties": {"instanceView": view} if view is not None else {}}


class _Handler(BaseHTTPRequestHandler):
    arm: FakeArm
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in one segment: no 40 ms delayed-ACK stall
    wbufsize = -1

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        arm = self.arm
        if arm.latency_ms:
            time.sleep(arm.latency_ms / 1000)
        split = urlsplit(self.path)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            ctype = self.headers.get("Content-Type", "")
            body = dict(parse_qsl(raw.decode())) if "form" in ctype else json.loads(raw)
        auth = self.headers.get("Authorization", "")
        authorized = auth.startswith("Bearer ") and auth[7:] in arm.tokens
        audience = arm.tokens.get(auth[7:], "") if authorized else ""
        record = Request(method, path, query, body, authorized)
        with arm.lock:
            arm.requests.append(record)
        parts = path.strip("/").split("/")
        # Entra ID
        if len(parts) >= 3 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            base = f"{arm.url}/{parts[0]}"
            return self._send(
                200,
                {
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "issuer": f"{base}/v2.0",
                    "jwks_uri": f"{base}/discovery/v2.0/keys",
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                    "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                    "tenant_region_scope": "EU",
                },
            )
        if method == "POST" and len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            status, out = arm.token(body if isinstance(body, dict) else {}, parts[0])
            return self._send(status, out)
        # ARM
        if not authorized:
            return self._send(
                401,
                _error(
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing or invalid.",
                ),
                {"WWW-Authenticate": _CHALLENGE},
            )
        if (audience == METRICS_AUDIENCE) != bool(_BATCH.fullmatch(path)):
            return self._send(
                401,
                _error(
                    "InvalidAuthenticationTokenAudience",
                    f"The access token has been obtained for the wrong audience or resource '{audience}'.",
                ),
                {"WWW-Authenticate": _CHALLENGE},
            )
        if "api-version" not in query:
            return self._send(
                400,
                _error(
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                ),
            )
        with arm.lock:
            rule = next((t for t in arm.throttles if t.count > 0 and t.needle in path.lower()), None)
            if rule is not None:
                rule.count -= 1
        if rule is not None:
            return self._send(
                429,
                _error("TooManyRequests", "The request is being throttled as the limit has been reached."),
                {"Retry-After": rule.retry_after},
            )
        status, out, headers = arm.arm(method, path, query, body)
        self._send(status, out, headers)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


def hours(now: datetime, days: int, value: float) -> Iterator[tuple[datetime, float]]:
    """Hourly datapoints of ``value`` over the ``days`` before ``now``."""
    start = now - timedelta(days=days)
    for i in range(days * 24):
        yield start + timedelta(hours=i), value
