"""A fake Microsoft Graph (v1.0 and the few beta paths cloudwaste reads) on 127.0.0.1, plain HTTP.

kiota sends bearer tokens over plain HTTP to 127.0.0.1, so the real ``GraphServiceClient`` talks to
this server through ``CLOUDWASTE_GRAPH_URL`` (:meth:`FakeGraph.graph_url`); its tokens come from a
:class:`~tests.fakes.entra.FakeEntra` over HTTPS (azure-identity wants TLS), started with it.

Modelled on the documented behaviour of Graph:

- every API path wants a bearer token for ``https://graph.microsoft.com`` (401
  ``InvalidAuthenticationToken`` otherwise);
- ``$select`` is honoured (an unknown user property is a 400, as Graph answers); without it users
  carry Graph's default property set, so ``assignedLicenses`` and ``signInActivity`` only come back
  when selected;
- lists are paged: ``$top`` up to 999 (default 100), at most 500 users a page when
  ``signInActivity`` is selected, and a server-side :attr:`FakeGraph.page_size` that caps every page
  (2 in most tests, so every paging loop runs); ``@odata.nextLink`` is absolute and carries an opaque
  ``$skiptoken``; a drive's ``delta`` ends with ``@odata.deltaLink``;
- scripted faults: :attr:`FakeGraph.sign_in_forbidden` answers 403
  ``Authentication_RequestFromNonPremiumTenantOrB2CTenant`` when ``signInActivity`` is selected
  (no Entra ID P1/P2), :meth:`FakeGraph.throttle` 429 with ``Retry-After``, :attr:`FakeGraph.forbidden`
  403 ``Authorization_RequestDenied`` for paths containing a needle;
- usage reports (``/reports/get...(period='D30')``) answer 302 to a pre-authenticated download URL on a
  second port (a different origin, as Graph's is), which serves the CSV with a UTF-8 BOM; with
  :attr:`FakeGraph.concealed` the user, owner and display names are MD5 hashes and site URLs are empty
  (the tenant's "display concealed names" setting);
- ``/organization``, ``/subscribedSkus``, ``/directory/subscriptions``, ``/users``,
  ``/sites/getAllSites``, ``/sites/{id}/drives``, ``/drives/{id}/items/root/delta``,
  ``/drives/{id}/items/{item}/versions``, beta ``/sites/{id}/recycleBin/items`` and beta
  ``/reports/getMicrosoft365CopilotUsageUserDetail``.

Every request is recorded (method, path, query, whether it carried a token)::

    with FakeGraph(tmp_path) as graph:
        graph.users.append(estate.user("alice@contoso.com", skus=[E3]))
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from tests.fakes.entra import FakeEntra

GRAPH_AUDIENCE = "https://graph.microsoft.com"
DEFAULT_TOP = 100
MAX_TOP = 999
SIGN_IN_MAX_TOP = 500  # Graph's page size limit when signInActivity is selected
PERIODS = ("D7", "D30", "D90", "D180")

# Graph's default user properties (no $select), and every property the fake knows
USER_DEFAULT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
USER_PROPERTIES = frozenset(
    {
        *USER_DEFAULT,
        "accountEnabled",
        "userType",
        "createdDateTime",
        "assignedLicenses",
        "licenseAssignmentStates",
        "signInActivity",
        "onPremisesSyncEnabled",
        "externalUserState",
        "mailboxSettings",
        "department",
        "usageLocation",
    }
)

REPORT_HEADERS: dict[str, tuple[str, ...]] = {
    "getOffice365ActiveUserDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "Is Deleted",
        "Deleted Date",
        "Has Exchange License",
        "Has OneDrive License",
        "Has SharePoint License",
        "Has Skype For Business License",
        "Has Yammer License",
        "Has Teams License",
        "Exchange Last Activity Date",
        "OneDrive Last Activity Date",
        "SharePoint Last Activity Date",
        "Skype For Business Last Activity Date",
        "Yammer Last Activity Date",
        "Teams Last Activity Date",
        "Exchange License Assign Date",
        "OneDrive License Assign Date",
        "SharePoint License Assign Date",
        "Skype For Business License Assign Date",
        "Yammer License Assign Date",
        "Teams License Assign Date",
        "Assigned Products",
    ),
    "getMailboxUsageDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "Is Deleted",
        "Deleted Date",
        "Created Date",
        "Last Activity Date",
        "Item Count",
        "Storage Used (Byte)",
        "Issue Warning Quota (Byte)",
        "Prohibit Send Quota (Byte)",
        "Prohibit Send/Receive Quota (Byte)",
        "Deleted Item Count",
        "Deleted Item Size (Byte)",
        "Deleted Item Quota (Byte)",
        "Has Archive",
        "Recipient Type",
        "Report Period",
    ),
    "getOneDriveUsageAccountDetail": (
        "Report Refresh Date",
        "Site Id",
        "Site URL",
        "Owner Display Name",
        "Is Deleted",
        "Last Activity Date",
        "File Count",
        "Active File Count",
        "Storage Used (Byte)",
        "Storage Allocated (Byte)",
        "Owner Principal Name",
        "Report Period",
    ),
    "getSharePointSiteUsageDetail": (
        "Report Refresh Date",
        "Site Id",
        "Site URL",
        "Owner Display Name",
        "Is Deleted",
        "Last Activity Date",
        "File Count",
        "Active File Count",
        "Page View Count",
        "Visited Page Count",
        "Storage Used (Byte)",
        "Storage Allocated (Byte)",
        "Root Web Template",
        "Owner Principal Name",
        "Report Period",
    ),
    "getTeamsUserActivityUserDetail": (
        "Report Refresh Date",
        "User Id",
        "User Principal Name",
        "Last Activity Date",
        "Is Deleted",
        "Deleted Date",
        "Assigned Products",
        "Team Chat Message Count",
        "Private Chat Message Count",
        "Call Count",
        "Meeting Count",
        "Meetings Organized Count",
        "Meetings Attended Count",
        "Has Other Action",
        "Is Licensed",
        "Report Period",
    ),
    "getMicrosoft365CopilotUsageUserDetail": (
        "Report Refresh Date",
        "User Principal Name",
        "Display Name",
        "Last Activity Date",
        "Copilot Chat Last Activity Date",
        "Microsoft Teams Copilot Last Activity Date",
        "Word Copilot Last Activity Date",
        "Excel Copilot Last Activity Date",
        "PowerPoint Copilot Last Activity Date",
        "Outlook Copilot Last Activity Date",
        "OneNote Copilot Last Activity Date",
        "Loop Copilot Last Activity Date",
        "Report Period",
    ),
}
NAME_COLUMNS = ("User Principal Name", "Display Name", "Owner Display Name", "Owner Principal Name")
BETA_REPORTS = frozenset({"getMicrosoft365CopilotUsageUserDetail"})
# Reports served by both versions, with the columns only beta writes (Recipient Type: beta only, see
# learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail and msgraph-sdk-powershell#1581).
BETA_COLUMNS = {"getMailboxUsageDetail": ("Recipient Type",)}
_REPORT = re.compile(r"^/reports/(get\w+)\(period='([^']*)'\)$")


@dataclass
class Request:
    """One request the fake received."""

    method: str
    path: str  # without the version prefix: "/users"
    version: str  # "v1.0", "beta" or "download"
    query: dict[str, str]
    headers: dict[str, str]
    authorized: bool = False


@dataclass
class Throttle:
    """Answer 429 to the next ``count`` requests whose path contains ``needle``."""

    needle: str
    count: int
    retry_after: str = "1"


def _error(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "request-id": str(uuid.uuid4())},
        }
    }


def conceal(value: str) -> str:
    """How a concealed report shows a name: an MD5 hash, upper-case hex."""
    return hashlib.md5(value.encode()).hexdigest().upper() if value else ""  # noqa: S324 - as Graph does


@dataclass
class FakeGraph:
    """The tenant's directory, reports and drives, the scripted faults and the two servers."""

    workdir: Path
    page_size: int | None = 2
    latency_ms: float = 0.0  # added before every answer (the benchmark's network)
    sign_in_forbidden: bool = False
    concealed: bool = False
    report_refresh_date: str = "2026-11-28"
    organization: list[dict[str, Any]] = field(default_factory=list)
    skus: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    reports: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    sites: list[dict[str, Any]] = field(default_factory=list)
    drives: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # site id -> drives
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # drive id -> driveItems
    recycle_bin: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # site id -> items
    versions: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    recycle_bin_status: int | None = None  # answer every recycle-bin listing with this status
    copilot_status: int | None = None  # answer the Copilot report with this status
    beta_reports_status: bool = False  # beta answers 400 to the reports v1.0 also serves
    forbidden: list[str] = field(default_factory=list)  # path needles answered 403
    throttles: list[Throttle] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    download_url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.entra = FakeEntra(self.workdir / "entra")
        self._servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []
        self._downloads: dict[str, bytes] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeGraph:
        """Start the token endpoint (HTTPS), Graph and the download host (HTTP) on 127.0.0.1."""
        self.entra.start()
        fake = self

        class Api(_Handler):
            graph = fake
            downloads = False

        class Download(_Handler):
            graph = fake
            downloads = True

        for handler in (Api, Download):
            httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            httpd.daemon_threads = True
            thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
            thread.start()
            self._servers.append((httpd, thread))
        self.url = "http://{}:{}".format(*self._servers[0][0].server_address[:2])
        self.download_url = "http://{}:{}".format(*self._servers[1][0].server_address[:2])
        return self

    def stop(self) -> None:
        """Stop every server."""
        for httpd, thread in self._servers:
            httpd.shutdown()
            httpd.server_close()
            thread.join(5)
        self._servers.clear()
        self.entra.stop()

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def graph_url(self) -> str:
        """``CLOUDWASTE_GRAPH_URL`` for this fake."""
        return f"{self.url}/v1.0"

    def env(self) -> dict[str, str]:
        """Environment pointing cloudwaste and azure-identity at the fakes (no credential yet)."""
        return {
            "CLOUDWASTE_GRAPH_URL": self.graph_url(),
            "AZURE_AUTHORITY_HOST": self.entra.url,
            "CLOUDWASTE_CA_BUNDLE": self.entra.ca_path,
        }

    def credential_env(self) -> dict[str, str]:
        """EnvironmentCredential's variables for the fake app."""
        return self.entra.credential_env()

    # -- scripting and inspection ----------------------------------------------------------------

    def throttle(self, needle: str, count: int = 1, retry_after: str = "1") -> None:
        """Answer 429 with ``Retry-After`` to the next ``count`` requests whose path contains ``needle``."""
        self.throttles.append(Throttle(needle.lower(), count, retry_after))

    def add_report_row(self, report: str, **columns: str) -> dict[str, str]:
        """One row of a usage report (column names as Microsoft writes them; keyword names use the
        header with spaces and punctuation as ``_``: ``User_Principal_Name``), other columns empty."""
        headers = REPORT_HEADERS[report]
        by_key = {re.sub(r"[^A-Za-z0-9]+", "_", h).strip("_"): h for h in headers}
        row = dict.fromkeys(headers, "")
        row["Report Refresh Date"] = self.report_refresh_date
        for key, value in columns.items():
            row[by_key.get(key, key)] = value
        self.reports.setdefault(report, []).append(row)
        return row

    def calls(self, needle: str = "", method: str | None = None, version: str | None = None) -> list[Request]:
        """Recorded requests whose path contains ``needle`` (case-insensitive)."""
        with self.lock:
            return [
                r
                for r in self.requests
                if needle.lower() in r.path.lower()
                and (method is None or r.method == method)
                and (version is None or r.version == version)
            ]

    def api_calls(self) -> list[Request]:
        """Requests to the Graph API (not the report downloads)."""
        return [r for r in self.calls() if r.version in ("v1.0", "beta")]

    # -- responses -------------------------------------------------------------------------------

    def page(
        self, version: str, path: str, query: dict[str, str], items: list[dict[str, Any]], cap: int = MAX_TOP
    ) -> dict[str, Any]:
        top = int(query.get("$top") or DEFAULT_TOP)
        size = max(1, min(top, cap, self.page_size or cap))
        start = int(base64.urlsafe_b64decode(query["$skiptoken"]).decode()) if "$skiptoken" in query else 0
        body: dict[str, Any] = {
            "@odata.context": f"{GRAPH_AUDIENCE}/{version}/$metadata#{path.strip('/')}",
            "value": items[start : start + size],
        }
        if start + size < len(items):
            token = base64.urlsafe_b64encode(str(start + size).encode()).decode()
            rest = {k: v for k, v in query.items() if k != "$skiptoken"}
            body["@odata.nextLink"] = (
                f"{self.url}/{version}{quote(path)}?{urlencode({**rest, '$skiptoken': token}, safe='$,/')}"
            )
        return body

    def select(self, items: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
        fields = [f.strip() for f in query.get("$select", "").split(",") if f.strip()]
        if not fields:
            return items
        return [{k: item[k] for k in fields if k in item} for item in items]

    def list_users(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        fields = [f.strip() for f in query.get("$select", "").split(",") if f.strip()]
        unknown = [f for f in fields if f not in USER_PROPERTIES]
        if unknown:
            return 400, _error(
                "Request_BadRequest",
                f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.user'.",
            )
        sign_in = "signInActivity" in fields
        if sign_in and self.sign_in_forbidden:
            return 403, _error(
                "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                "Neither tenant is B2C or tenant doesn't have premium license",
            )
        shown = fields or list(USER_DEFAULT)
        users = [{k: u[k] for k in shown if k in u} for u in self.users]
        return 200, self.page("v1.0", "/users", query, users, SIGN_IN_MAX_TOP if sign_in else MAX_TOP)

    def report_csv(self, name: str, version: str = "v1.0") -> bytes:
        beta_only = BETA_COLUMNS.get(name, ()) if version != "beta" else ()
        headers = [h for h in REPORT_HEADERS[name] if h not in beta_only]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(headers), lineterminator="\r\n")
        writer.writeheader()
        for row in self.reports.get(name, []):
            shown = {k: v for k, v in row.items() if k not in beta_only}
            if self.concealed:
                for col in NAME_COLUMNS:
                    if col in shown:
                        shown[col] = conceal(shown[col])
                if "Site URL" in shown:
                    shown["Site URL"] = ""
            writer.writerow(shown)
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    def report(self, version: str, name: str, period: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        both = name in BETA_COLUMNS and not (version == "beta" and self.beta_reports_status)
        if name not in REPORT_HEADERS or (not both and (version == "beta") != (name in BETA_REPORTS)):
            return 400, _error("BadRequest", f"Resource not found for the segment '{name}'."), {}
        if period not in PERIODS:
            return 400, _error("BadRequest", f"Invalid period '{period}'. Use D7, D30, D90 or D180."), {}
        if name in BETA_REPORTS and self.copilot_status:
            return self.copilot_status, _error("Forbidden", "The tenant has no Microsoft 365 Copilot."), {}
        token = uuid.uuid4().hex
        with self.lock:
            self._downloads[token] = self.report_csv(name, version)
        return 302, {}, {"Location": f"{self.download_url}/reports/{name}.csv?token={token}"}

    def delta(self, drive_id: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if drive_id not in self.items and not any(
            d["id"] == drive_id for ds in self.drives.values() for d in ds
        ):
            return 404, _error("itemNotFound", "The resource could not be found.")
        body = self.page(
            "v1.0", f"/drives/{drive_id}/items/root/delta()", query, self.items.get(drive_id, [])
        )
        body["value"] = self.select(body["value"], query)
        if "@odata.nextLink" not in body:
            body["@odata.deltaLink"] = f"{self.url}/v1.0/drives/{drive_id}/items/root/delta()?token=latest"
        return 200, body

    def api(
        self, version: str, path: str, query: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """The response to an authorized GET."""
        match = _REPORT.match(path)
        if match:
            return self.report(version, match.group(1), match.group(2))
        parts = path.strip("/").split("/")
        if version == "beta":
            if len(parts) == 4 and parts[0] == "sites" and parts[2:] == ["recycleBin", "items"]:
                if self.recycle_bin_status:
                    return (
                        self.recycle_bin_status,
                        _error("notSupported", "The recycle bin is unavailable."),
                        {},
                    )
                items = self.recycle_bin.get(parts[1], [])
                body = self.page(version, path, query, items)
                body["value"] = self.select(body["value"], query)
                return 200, body, {}
            return 404, _error("BadRequest", f"Resource not found for the segment '{parts[0]}'."), {}
        if path == "/organization":
            return 200, self.page(version, path, query, self.select(self.organization, query)), {}
        if path == "/subscribedSkus":
            return 200, {"value": self.select(self.skus, query)}, {}  # not paged, as in Graph
        if path == "/directory/subscriptions":
            return 200, self.page(version, path, query, self.select(self.subscriptions, query)), {}
        if path == "/users":
            status, body = self.list_users(query)
            return status, body, {}
        if path in ("/sites/getAllSites", "/sites/getAllSites()"):
            return 200, self.page(version, "/sites/getAllSites()", query, self.select(self.sites, query)), {}
        if len(parts) == 3 and parts[0] == "sites" and parts[2] == "drives":
            if not any(s["id"] == parts[1] for s in self.sites):
                return 404, _error("itemNotFound", "Requested site could not be found"), {}
            return 200, self.page(version, path, query, self.select(self.drives.get(parts[1], []), query)), {}
        if (
            len(parts) == 5
            and parts[0] == "drives"
            and parts[2:4] == ["items", "root"]
            and parts[4]
            in (
                "delta",
                "delta()",
            )
        ):
            status, body = self.delta(parts[1], query)
            return status, body, {}
        if len(parts) == 5 and parts[0] == "drives" and parts[2] == "items" and parts[4] == "versions":
            versions = self.versions.get((parts[1], parts[3]))
            if versions is None:
                return 404, _error("itemNotFound", "The resource could not be found."), {}
            return 200, {"value": self.select(versions, query)}, {}
        return 404, _error("BadRequest", f"Resource not found for the segment '{parts[0]}'."), {}


class _Handler(BaseHTTPRequestHandler):
    graph: FakeGraph
    downloads: bool
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in one segment: no 40 ms delayed-ACK stall
    wbufsize = -1

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else (json.dumps(body).encode() if body else b"")
        self.send_response(status)
        ctype = "application/octet-stream" if isinstance(body, bytes) else "application/json; charset=utf-8"
        if raw:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("request-id", str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        graph = self.graph
        if graph.latency_ms:
            time.sleep(graph.latency_ms / 1000)
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.downloads:
            with graph.lock:
                graph.requests.append(Request(method, split.path, "download", query, headers))
                data = graph._downloads.get(query.get("token", ""))
            if data is None or method != "GET":
                return self._send(404, {"error": {"code": "NotFound", "message": "expired or unknown link"}})
            return self._send(200, data, {"Content-Type": "text/csv"})
        version, _, rest = unquote(split.path).lstrip("/").partition("/")
        path = "/" + rest
        authorized = graph.entra.audience_of(headers.get("authorization", "")) == GRAPH_AUDIENCE
        with graph.lock:
            graph.requests.append(Request(method, path, version, query, headers, authorized))
        if version not in ("v1.0", "beta"):
            return self._send(400, _error("BadRequest", f"Invalid version: {version}"))
        if not authorized:
            return self._send(
                401,
                _error("InvalidAuthenticationToken", "Access token is empty."),
                {
                    "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/"'
                },
            )
        with graph.lock:
            rule = next((t for t in graph.throttles if t.count > 0 and t.needle in path.lower()), None)
            if rule is not None:
                rule.count -= 1
        if rule is not None:
            return self._send(
                429,
                _error(
                    "TooManyRequests", "Too many requests, retry after the time in the Retry-After header."
                ),
                {"Retry-After": rule.retry_after},
            )
        if any(needle.lower() in path.lower() for needle in graph.forbidden):
            return self._send(
                403,
                _error("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
            )
        if method != "GET":
            return self._send(
                405, _error("Request_BadRequest", f"{method} is not allowed here (a read-only fake).")
            )
        status, body, extra = graph.api(version, path, query)
        self._send(status, body, extra)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")
