"""Directory and usage-report collectors: Graph REST JSON (and report CSV rows) for one tenant.

Each ``async`` function runs on the unit's event loop (:mod:`.client`) and returns plain data; the
session memoizes it under the collection name. Lists are read 999 a page (``$top``) through
``@odata.nextLink`` with ``$select`` limited to the fields the checks read: never one call per user.
No call needs ``ConsistencyLevel: eventual`` (that header is for ``$count``, ``$search`` and advanced
``$filter`` queries, which cloudwaste does not send).

- ``signInActivity`` needs Entra ID P1/P2 and AuditLog.Read.All; when Graph refuses it (403),
  :func:`list_users` lists the users again without it and says why (the unit stays ok; checks fall
  back to the usage reports). With ``signInActivity`` selected Graph returns at most 120 users a page
  (a larger ``$top`` is accepted and capped; ``@odata.nextLink`` carries on).
- Usage reports answer 302 to a pre-authenticated download URL; kiota's RedirectHandler follows it
  (without the bearer token: another origin) and the CSV, which starts with a UTF-8 BOM, is read with
  :class:`csv.DictReader` keyed by Microsoft's headers. When the tenant conceals user names in
  reports, the name columns hold MD5 hashes (:func:`names_concealed`).
- The Microsoft 365 Copilot usage report is only in beta (``/beta/reports/
  getMicrosoft365CopilotUsageUserDetail``; JSON unless ``$format=text/csv``).
- The mailbox usage report is read from beta: only beta writes the ``Recipient Type`` column (User,
  Shared, ...) that tells shared mailboxes from users; v1.0 lists the same mailboxes without it
  (learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail; msgraph-sdk-powershell#1581). When
  beta refuses the call (400/404), the v1.0 report is read instead.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudwaste.providers.m365.client import Graph

ORGANIZATION = "m365:organization"
SUBSCRIBED_SKUS = "m365:subscribed_skus"
DIRECTORY_SUBSCRIPTIONS = "m365:directory_subscriptions"
USERS = "m365:users"
CAPABILITIES = "m365:capabilities"
REPORT_ACTIVE_USERS = "m365:report_active_users"
REPORT_MAILBOX_USAGE = "m365:report_mailbox_usage"
REPORT_ONEDRIVE_USAGE = "m365:report_onedrive_usage"
REPORT_SHAREPOINT_SITES = "m365:report_sharepoint_sites"
REPORT_TEAMS_ACTIVITY = "m365:report_teams_activity"
REPORT_COPILOT_USAGE = "m365:report_copilot_usage"

ORG_SELECT = ("id", "displayName", "verifiedDomains", "countryLetterCode", "tenantType", "createdDateTime")
SKU_SELECT = (
    "id",
    "accountId",
    "accountName",
    "appliesTo",
    "capabilityStatus",
    "consumedUnits",
    "prepaidUnits",
    "servicePlans",
    "skuId",
    "skuPartNumber",
    "subscriptionIds",
)
USER_SELECT = (
    "id",
    "userPrincipalName",
    "displayName",
    "mail",
    "accountEnabled",
    "userType",
    "createdDateTime",
    "assignedLicenses",
    "licenseAssignmentStates",
    "onPremisesSyncEnabled",
    "externalUserState",
)
SIGN_IN = "signInActivity"
PAGE = 999  # Graph's largest page for users (capped at 120 when signInActivity is selected)


@dataclass(frozen=True)
class Report:
    """One usage report: the collection, the Graph function and its API version."""

    collection: str
    function: str  # "getOffice365ActiveUserDetail"
    builder: str  # the GraphServiceClient.reports method (v1.0; a beta report's fallback), "" for beta-only
    beta: bool = False
    name_column: str = "User Principal Name"


REPORTS = (
    Report(
        REPORT_ACTIVE_USERS, "getOffice365ActiveUserDetail", "get_office365_active_user_detail_with_period"
    ),
    Report(REPORT_MAILBOX_USAGE, "getMailboxUsageDetail", "get_mailbox_usage_detail_with_period", beta=True),
    Report(
        REPORT_ONEDRIVE_USAGE,
        "getOneDriveUsageAccountDetail",
        "get_one_drive_usage_account_detail_with_period",
        name_column="Owner Principal Name",
    ),
    Report(
        REPORT_SHAREPOINT_SITES,
        "getSharePointSiteUsageDetail",
        "get_share_point_site_usage_detail_with_period",
        name_column="Owner Principal Name",
    ),
    Report(
        REPORT_TEAMS_ACTIVITY,
        "getTeamsUserActivityUserDetail",
        "get_teams_user_activity_user_detail_with_period",
    ),
    Report(REPORT_COPILOT_USAGE, "getMicrosoft365CopilotUsageUserDetail", "", beta=True),
)
REPORTS_BY_COLLECTION = {r.collection: r for r in REPORTS}


class GraphCallError(Exception):
    """A Graph call failed; the message names the request, Graph's error code and the fix."""

    def __init__(self, message: str, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def odata_status(exc: BaseException) -> int | None:
    """The HTTP status of a kiota/msgraph error (ODataError, APIError), None if it has none."""
    status = getattr(exc, "response_status_code", None)
    return status if isinstance(status, int) else None


def odata_message(exc: BaseException) -> str:
    """``403 Authorization_RequestDenied: Insufficient privileges ...`` from an ODataError."""
    status = odata_status(exc)
    error = getattr(exc, "error", None)
    code = str(getattr(error, "code", "") or "")
    message = " ".join(str(getattr(error, "message", "") or "").split())
    if not code and not message:
        message = " ".join(str(getattr(exc, "message", "") or exc).split())[:300]
    text = ": ".join(p for p in (code, message) if p) or type(exc).__name__
    return f"{status} {text}" if status else text


def call_error(what: str, exc: BaseException, permission: str = "") -> GraphCallError:
    """A :class:`GraphCallError` for ``GET what`` that failed with ``exc``."""
    status = odata_status(exc)
    error = getattr(exc, "error", None)
    hint = f" (the app needs the {permission} application permission)" if status == 403 and permission else ""
    return GraphCallError(
        f"GET {what}: {odata_message(exc)}{hint}", status, str(getattr(error, "code", "") or "")
    )


def with_query(info: Any, select: tuple[str, ...] = (), top: int | None = None, **extra: str) -> Any:
    """Set ``$select``/``$top`` (and other ``$`` options) on a request builder's RequestInformation."""
    if select:
        info.query_parameters["%24select"] = ",".join(select)
    if top:
        info.query_parameters["%24top"] = top
    for name, value in extra.items():
        info.query_parameters[f"%24{name}"] = value
    return info


async def organization(graph: Graph) -> list[dict[str, Any]]:
    """``GET /organization``: the tenant (one item)."""
    try:
        return await graph.list_all(
            with_query(graph.client.organization.to_get_request_information(), ORG_SELECT)
        )
    except Exception as exc:
        if odata_status(exc) is None:
            raise
        raise call_error("/organization", exc, "Organization.Read.All") from None


async def subscribed_skus(graph: Graph) -> list[dict[str, Any]]:
    """``GET /subscribedSkus``: the tenant's licence SKUs with their units and service plans."""
    try:
        info = with_query(graph.client.subscribed_skus.to_get_request_information(), SKU_SELECT)
        return await graph.list_all(info)
    except Exception as exc:
        if odata_status(exc) is None:
            raise
        raise call_error("/subscribedSkus", exc, "Organization.Read.All") from None


async def directory_subscriptions(graph: Graph) -> list[dict[str, Any]]:
    """``GET /directory/subscriptions``: commercial subscriptions (status, totals, trial, renewal)."""
    try:
        return await graph.list_all(graph.client.directory.subscriptions.to_get_request_information())
    except Exception as exc:
        if odata_status(exc) is None:
            raise
        raise call_error("/directory/subscriptions", exc, "Directory.Read.All") from None


@dataclass
class Users:
    """The users listing and whether ``signInActivity`` came with it."""

    items: list[dict[str, Any]]
    sign_in_activity: bool
    sign_in_error: str | None = None


async def list_users(graph: Graph) -> Users:
    """Every user, 999 a page, with ``signInActivity`` when Graph allows it (else without, and why)."""

    def request(sign_in: bool) -> Any:
        fields = (*USER_SELECT, SIGN_IN) if sign_in else USER_SELECT
        return with_query(graph.client.users.to_get_request_information(), fields, PAGE)

    try:
        return Users(await graph.list_all(request(True)), True)
    except Exception as exc:
        if odata_status(exc) != 403:
            if odata_status(exc) is None:
                raise
            raise call_error("/users", exc, "User.Read.All") from None
        refused = odata_message(exc)
    try:
        items = await graph.list_all(request(False))
    except Exception as exc:
        if odata_status(exc) is None:
            raise
        raise call_error("/users", exc, "User.Read.All") from None
    return Users(
        items, False, f"signInActivity refused ({refused}); it needs Entra ID P1/P2 and AuditLog.Read.All"
    )


def parse_csv(raw: bytes) -> list[dict[str, str]]:
    """Rows of a report CSV keyed by its header (the UTF-8 BOM removed); JSON ``value`` rows as is."""
    text = raw.decode("utf-8-sig").lstrip("\ufeff")
    if not text.strip():
        return []
    if text.lstrip().startswith("{"):  # a JSON report (beta reports default to JSON)
        data = json.loads(text)
        return [dict(r) for r in data.get("value", []) if isinstance(r, dict)]
    return [
        {k: (v or "") for k, v in row.items() if k is not None} for row in csv.DictReader(io.StringIO(text))
    ]


def names_concealed(rows: list[dict[str, str]], column: str = "User Principal Name") -> bool | None:
    """True when most names of ``column`` are not user principal names (the tenant's "display
    concealed user, group and site names in all reports" setting shows MD5 hashes instead); None
    when the report has no names to judge by."""
    names = [r.get(column, "").strip() for r in rows if r.get(column, "").strip()]
    if not names:
        return None
    return sum("@" not in n for n in names) * 2 > len(names)


@dataclass
class ReportResult:
    """A report's rows, or why there are none."""

    rows: list[dict[str, str]]
    error: str | None = None
    status: int | None = None


async def report(graph: Graph, spec: Report, period: str) -> ReportResult:
    """Download one usage report for ``period`` (D30, D90, D180) and parse it."""
    try:
        raw: bytes | None = None
        if spec.beta:
            url = f"{graph.beta_url}/reports/{spec.function}(period='{period}')?$format=text/csv"
            try:
                raw = await graph.get_bytes(graph.request(url))
            except Exception as exc:
                if not spec.builder or odata_status(exc) not in (400, 404):
                    raise
        if raw is None:
            builder = getattr(graph.client.reports, spec.builder)(period)
            raw = await builder.get() or b""
    except Exception as exc:
        status = odata_status(exc)
        if status in (400, 403, 404):  # not licensed, not in this cloud, no permission: no rows, say why
            return ReportResult([], f"{spec.function}: {odata_message(exc)}", status)
        if status is None:
            raise
        raise call_error(f"/reports/{spec.function}(period='{period}')", exc, "Reports.Read.All") from None
    return ReportResult(parse_csv(raw))
