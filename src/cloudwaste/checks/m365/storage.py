"""Microsoft 365 storage checks: SharePoint sites and libraries, OneDrive drives, their files, versions
and recycle bins.

Where the data comes from. Abandoned sites and the drives of disabled or deleted users come from the
usage reports (``getSharePointSiteUsageDetail``, ``getOneDriveUsageAccountDetail``): one download per
tenant instead of one request per site or user. File-level rules read the bounded ``driveItem`` delta
walk (``m365:drive_items``, ``$select``-ed): the delta feed repeats items (the last occurrence is the
current state), marks removed items with a ``deleted`` facet and never fills ``parentReference.path``,
so folder paths are rebuilt from the parent ids of the folders the walk saw. When the walk stopped at
``--max-items`` (``m365:capabilities.items_bound_hit``) every file finding says its figures are a lower
bound.

What storage costs. SharePoint sites share one pooled quota: 1 TB plus 10 GB per licence of a plan that
includes SharePoint (Plan 1/2 service plans), plus the Office 365 Extra File Storage units bought
(``SHAREPOINTSTORAGE``, 1 GB each). Storage under that quota costs nothing extra; only what the tenant
stores above it is billed, at the Extra File Storage price per GB-month. OneDrive storage is each
licensed user's own allowance, outside the pool, so freeing it saves nothing (unlicensed OneDrive
accounts are the exception: Microsoft 365 Archive bills them per GB-month). Every finding says whether
the tenant is over its pooled quota; within it, the cost is 0, and unknown when the tenant's SKUs or
usage are not available, never a made-up figure. ``price_storage_within_quota`` prices all freed
storage at the extra-storage rate for tenants that want to value it anyway.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.m365._common import (
    PRICE_REGION,
    capabilities,
    days_between,
    is_free_sku,
    iso,
    norm_upn,
    parse_time,
    report_date,
    truthy,
    user_label,
    whole_days,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity

DRIVES = "m365:drives"
ITEMS = "m365:drive_items"
VERSIONS = "m365:item_versions"
RECYCLE = "m365:recycle_bin_items"
SITES_REPORT = "m365:report_sharepoint_sites"
ONEDRIVE_REPORT = "m365:report_onedrive_usage"
SKUS = "m365:subscribed_skus"
USERS = "m365:users"
CAPS = "m365:capabilities"
QUOTA_NEEDS = (SKUS, SITES_REPORT, DRIVES, CAPS)

PRICE_EXTRA = "m365.storage.sharepoint_extra.gb_month"
# Microsoft 365 Archive storage of OneDrive accounts unlicensed for more than 93 days; unknown (amount
# None) while the price book does not carry it
PRICE_UNLICENSED = "m365.storage.onedrive_unlicensed.gb_month"

KIB = 1024
MIB = 1024**2
GIB = 1024**3
POOL_BASE_GB = 1024.0  # 1 TB
POOL_PER_LICENCE_GB = 10.0
# service plans whose licences add 10 GB each to the pool (incl. _EDU/_GOV variants); Kiosk/Frontline
# (SHAREPOINTDESKLESS) and OneDrive-only plans add none
POOL_PLAN_PREFIXES = ("SHAREPOINTSTANDARD", "SHAREPOINTENTERPRISE")
EXTRA_STORAGE_PREFIX = "SHAREPOINTSTORAGE"  # Office 365 Extra File Storage: 1 GB per unit
RECYCLE_RETENTION_DAYS = 93  # SharePoint purges recycle-bin items 93 days after the original deletion
PRESERVATION_HOLD = ("preservationholdlibrary", "preservation hold library")
ONEDRIVE_TYPES = ("business", "personal")
GUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# site templates SharePoint runs itself: not a team's content, not deletable as "abandoned"
SYSTEM_TEMPLATES = (
    "APPCATALOG",
    "SRCHCEN",
    "SRCHCENTERLITE",
    "SPSMSITEHOST",
    "SPSPERS",
    "TENANTADMIN",
    "REDIRECTSITE",
    "POINTPUBLISHINGHUB",
    "POINTPUBLISHINGPERSONAL",
    "POINTPUBLISHINGTOPIC",
    "EDISC",
    "APP CATALOG",
    "SEARCH CENTER",
)
BOUND_NOTE = (
    "the item walk stopped at the --max-items bound before reading every drive: counts and sizes "
    "are a lower bound"
)


# --- small helpers ------------------------------------------------------------------------------


def size_text(size: float) -> str:
    """``250 MB`` / ``1.5 GB`` (binary units, as Microsoft 365 shows storage)."""
    if size >= GIB:
        return f"{size / GIB:,.1f} GB"
    if size >= MIB:
        return f"{size / MIB:,.0f} MB"
    return f"{size / KIB:,.0f} KB"


def gb(size: float) -> float:
    """Bytes as GB (GiB), rounded for evidence."""
    return round(size / GIB, 3)


def number(value: Any) -> int | None:
    """An integer from a Graph number or a report cell (``""`` -> None)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


def site_guid(value: Any) -> str:
    """A site's collection id in comparison form: Graph's composite ``host,siteId,webId`` and the reports'
    plain ``Site Id`` both give the site-collection GUID (lower case); '' when none."""
    text = str(value or "")
    parts = text.split(",")
    candidate = parts[1] if len(parts) >= 3 else text
    match = GUID_RE.search(candidate) or GUID_RE.search(text)
    return match.group(0).lower() if match else ""


def period_days(caps: Mapping[str, Any]) -> int | None:
    """The report period in days (``D90`` -> 90), None when unknown."""
    match = re.fullmatch(r"D(\d+)", str(caps.get("report_period") or ""))
    return int(match.group(1)) if match else None


def _note(money: Money, note: str) -> Money:
    detail = f"{money.detail}; {note}" if money.detail else note
    return money.model_copy(update={"detail": detail})


def _confidence(days: float, high_days: float) -> Confidence:
    return Confidence.HIGH if days >= high_days else Confidence.MEDIUM


# --- the tenant's pooled SharePoint quota -------------------------------------------------------


@dataclass(frozen=True)
class TenantStorage:
    """The tenant's pooled SharePoint quota and how much of it is used."""

    licences: int | None  # licences of plans with SharePoint Plan 1/2 (None: no SKUs listed)
    extra_purchased_gb: float
    used_bytes: float | None
    used_source: str

    @property
    def included_gb(self) -> float | None:
        """1 TB + 10 GB per licence: what the tenant stores without buying extra storage."""
        if self.licences is None:
            return None
        return POOL_BASE_GB + POOL_PER_LICENCE_GB * self.licences

    @property
    def used_gb(self) -> float | None:
        """Storage the SharePoint sites use, in GB."""
        return None if self.used_bytes is None else self.used_bytes / GIB

    @property
    def over_gb(self) -> float | None:
        """GB stored above the included quota (negative: room left); None when unknown."""
        if self.included_gb is None or self.used_gb is None:
            return None
        return self.used_gb - self.included_gb

    @property
    def state(self) -> str:
        """``over`` / ``within`` the included quota, or ``unknown``."""
        over = self.over_gb
        if over is None:
            return "unknown"
        return "over" if over > 0 else "within"

    def evidence(self) -> dict[str, Any]:
        """The quota arithmetic for a finding."""
        return {
            "over_quota": {"over": True, "within": False}.get(self.state),
            "state": self.state,
            "used_gb": None if self.used_gb is None else round(self.used_gb, 1),
            "used_source": self.used_source,
            "included_gb": self.included_gb,
            "sharepoint_licences": self.licences,
            "extra_storage_purchased_gb": self.extra_purchased_gb,
            "over_by_gb": None if self.over_gb is None else round(self.over_gb, 1),
            "rule": "pooled quota = 1 TB + 10 GB per licence with SharePoint Plan 1/2; storage above it "
            "is bought as Office 365 Extra File Storage",
        }

    def text(self) -> str:
        """One clause for reasons: whether the tenant is over its pooled quota."""
        if self.state == "unknown":
            return "whether the tenant is over its pooled SharePoint quota is unknown"
        assert self.used_gb is not None and self.included_gb is not None
        used, quota = f"{self.used_gb:,.0f} GB", f"{self.included_gb:,.0f} GB"
        if self.state == "over":
            return f"the tenant stores {used}, over its pooled quota of {quota}"
        return f"the tenant stores {used}, within its pooled quota of {quota}"


def _pool_licences(ctx: CheckContext, skus: Iterable[Mapping[str, Any]]) -> tuple[int | None, float]:
    licences: int | None = None
    extra = 0.0
    for sku in skus:
        licences = licences or 0
        if str(sku.get("capabilityStatus") or "Enabled") not in ("Enabled", "Warning"):
            continue
        units_of = sku.get("prepaidUnits") or {}
        units = (number(units_of.get("enabled")) or 0) + (number(units_of.get("warning")) or 0)
        part = str(sku.get("skuPartNumber") or "")
        if part.upper().startswith(EXTRA_STORAGE_PREFIX):
            extra += float(units)
            continue
        if is_free_sku(ctx, part):
            continue
        plans = [str(p.get("servicePlanName") or "").upper() for p in sku.get("servicePlans") or []]
        if any(p.startswith(POOL_PLAN_PREFIXES) for p in plans):
            licences += units
    return licences, extra


def _site_root(url: str) -> str:
    """``https://t.sharepoint.com/sites/x`` from a library's webUrl."""
    match = re.match(r"^(https?://[^/]+(?:/(?:sites|teams)/[^/]+)?)", url or "", re.IGNORECASE)
    return match.group(1).lower() if match else (url or "").lower()


def tenant_storage(ctx: CheckContext) -> TenantStorage:
    """The pooled quota from ``m365:subscribed_skus`` and its use from the site usage report (or, without
    the report, from the listed libraries' ``quota.used``, one per site)."""
    licences, extra = _pool_licences(ctx, ctx.get(SKUS) or [])
    rows = [r for r in ctx.get(SITES_REPORT) or [] if not truthy(r.get("Is Deleted"))]
    used: float | None = None
    source = "none"
    if rows:
        used = float(sum(number(r.get("Storage Used (Byte)")) or 0 for r in rows))
        source = f"SharePoint site usage report ({len(rows)} sites)"
    else:
        per_site: dict[str, float] = {}
        for drive in ctx.get(DRIVES) or []:
            if drive.get("driveType") != "documentLibrary":
                continue
            quota_used = number((drive.get("quota") or {}).get("used"))
            if quota_used is None:
                continue
            key = _site_root(str(drive.get("webUrl") or drive.get("id")))
            per_site[key] = max(per_site.get(key, 0.0), float(quota_used))
        if per_site:
            used = sum(per_site.values())
            source = f"quota.used of the listed document libraries ({len(per_site)} sites; a lower bound)"
    return TenantStorage(licences, extra, used, source)


class CostParams(BaseModel):
    """The pricing switch every storage check shares."""

    price_storage_within_quota: bool = Field(
        False,
        description="Price all freed storage at the Extra File Storage rate, even storage inside the "
        "tenant's pooled quota or a user's OneDrive allowance (which frees no bill by itself).",
    )


def storage_cost(
    ctx: CheckContext,
    tenant: TenantStorage,
    *,
    pooled_bytes: float = 0.0,
    personal_bytes: float = 0.0,
    price_all: bool = False,
) -> Money:
    """What freeing ``pooled_bytes`` of SharePoint storage and ``personal_bytes`` of OneDrive storage
    saves per month: only the part above the pooled quota is billed (0 within it, unknown when the quota
    cannot be worked out); OneDrive allowances are free unless ``price_all``."""
    total = pooled_bytes + personal_bytes
    if price_all:
        money = ctx.prices.monthly(PRICE_EXTRA, PRICE_REGION, gb(total), what="GB")
        return _note(money, "all freed storage priced at the extra-storage rate (price_storage_within_quota)")
    notes: list[str] = []
    if personal_bytes:
        notes.append(
            f"{size_text(personal_bytes)} in OneDrive is the users' own allowance, outside the pooled "
            "quota: freeing it cuts no bill"
        )
    if not pooled_bytes:
        return Money(amount=0.0, basis=CostBasis.ESTIMATE, kind=CostKind.COST, detail="; ".join(notes))
    if tenant.state == "unknown":
        why = "no SKUs listed" if tenant.licences is None else "no site usage data"
        notes.insert(0, f"the tenant's pooled SharePoint quota is unknown ({why}): cost not estimated")
        return Money.unknown(CostKind.COST, detail="; ".join(notes))
    if tenant.state == "within":
        notes.insert(0, f"{tenant.text()}: freeing {size_text(pooled_bytes)} cuts no bill")
        return Money(amount=0.0, basis=CostBasis.ESTIMATE, kind=CostKind.COST, detail="; ".join(notes))
    over = tenant.over_gb or 0.0
    billable = min(pooled_bytes / GIB, over)
    money = ctx.prices.monthly(PRICE_EXTRA, PRICE_REGION, round(billable, 3), what="GB")
    notes.insert(0, f"{tenant.text()} by {over:,.1f} GB: {billable:,.1f} GB of the freed storage is above it")
    return _note(money, "; ".join(notes))


# --- the drive item walk ------------------------------------------------------------------------


def _parent(item: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = item.get("parentReference")
    return ref if isinstance(ref, Mapping) else {}


def _drive_of(item: Mapping[str, Any]) -> str:
    return str(item.get("_drive_id") or _parent(item).get("driveId") or "")


class Walk:
    """The drives and the bounded delta walk of their items, indexed once per check run."""

    def __init__(self, ctx: CheckContext) -> None:
        caps = capabilities(ctx)
        self.bounded = bool(caps.get("items_bound_hit"))
        self.max_items = caps.get("max_items")
        self.drives: dict[str, Mapping[str, Any]] = {
            str(d["id"]): d for d in ctx.get(DRIVES) or [] if d.get("id")
        }
        items: dict[tuple[str, str], Mapping[str, Any]] = {}
        for item in ctx.get(ITEMS) or []:
            drive, iid = _drive_of(item), str(item.get("id") or "")
            if drive and iid:
                items.pop((drive, iid), None)
                items[(drive, iid)] = item  # the delta feed may repeat an item: the last one is current
        self.items = items
        self.site_of_drive: dict[str, str] = {}
        self.owner_of_drive: dict[str, str] = {}
        self.type_of_drive: dict[str, str] = {}
        for drive_id, meta in self.drives.items():  # the provider adds the site a drive was listed from
            if site_guid(meta.get("_site_id")):
                self.site_of_drive[drive_id] = site_guid(meta.get("_site_id"))
        for (drive, _), item in items.items():
            guid = site_guid(_parent(item).get("siteId"))
            if guid:
                self.site_of_drive.setdefault(drive, guid)
            if item.get("_owner_upn"):
                self.owner_of_drive.setdefault(drive, str(item["_owner_upn"]))
            if _parent(item).get("driveType"):
                self.type_of_drive.setdefault(drive, str(_parent(item)["driveType"]))

    # -- what an item is

    def kind(self, drive: str, item: Mapping[str, Any] | None = None) -> str:
        """``onedrive`` (a user's drive) or ``sharepoint`` (a site's document library)."""
        dtype = (
            _parent(item or {}).get("driveType")
            or (self.drives.get(drive) or {}).get("driveType")
            or self.type_of_drive.get(drive)
        )
        if dtype in ONEDRIVE_TYPES:
            return "onedrive"
        if dtype is None and drive in self.owner_of_drive:
            return "onedrive"
        return "sharepoint"

    def files(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Live files: a ``file`` facet, not ``deleted``, not in a Preservation Hold Library (retained
        copies the user cannot delete)."""
        for (drive, _), item in self.items.items():
            if not isinstance(item.get("file"), Mapping) or item.get("deleted") is not None:
                continue
            if item.get("folder") is not None or self.preserved(drive, item):
                continue
            yield drive, item

    def preserved(self, drive: str, item: Mapping[str, Any]) -> bool:
        """In the Preservation Hold Library (retention copies)."""
        meta = self.drives.get(drive) or {}
        where = f"{meta.get('name') or ''} {meta.get('webUrl') or ''} {self.path(drive, item) or ''}"
        where = where.lower().replace("%20", " ")
        return any(p in where for p in PRESERVATION_HOLD)

    def path(self, drive: str, item: Mapping[str, Any]) -> str | None:
        """The folder the item is in (``/Attachments``; '' for the root), None when the walk did not see
        every folder above it."""
        ref = _parent(item)
        given = ref.get("path")
        if isinstance(given, str) and "root:" in given:
            return given.split("root:", 1)[1].rstrip("/")
        names: list[str] = []
        parent_id = ref.get("id")
        seen: set[str] = set()
        while parent_id and str(parent_id) not in seen:
            seen.add(str(parent_id))
            parent = self.items.get((drive, str(parent_id)))
            if parent is None:
                return None
            if parent.get("root") is not None:
                return "/" + "/".join(reversed(names)) if names else ""
            if not _parent(parent).get("id"):
                return None  # a folder whose own place the walk does not know
            names.append(str(parent.get("name") or ""))
            parent_id = _parent(parent).get("id")
        return None if parent_id else ("/" + "/".join(reversed(names)) if names else "")

    def display_path(self, drive: str, item: Mapping[str, Any]) -> str:
        """``/Folder/name.ext`` (``.../name.ext`` when the folders are unknown)."""
        folder = self.path(drive, item)
        name = str(item.get("name") or item.get("id"))
        return f"{folder}/{name}" if folder is not None else f".../{name}"

    def drive_label(self, drive: str) -> str:
        """A drive as people know it: its owner's OneDrive or the library's URL."""
        meta = self.drives.get(drive) or {}
        owner = (meta.get("owner") or {}).get("user") or {}
        if self.kind(drive) == "onedrive":
            who = owner.get("email") or self.owner_of_drive.get(drive) or owner.get("displayName") or drive
            return f"OneDrive of {who}"
        return str(meta.get("webUrl") or meta.get("name") or f"drive {drive}")

    def item_id(self, drive: str, item: Mapping[str, Any]) -> str:
        """The finding id of an item: its Graph path ``drives/<drive>/items/<id>``."""
        return f"drives/{drive}/items/{item.get('id')}"

    def item_resource(self, drive: str, item: Mapping[str, Any]) -> Resource:
        """A Resource for a file."""
        return Resource(
            id=self.item_id(drive, item),
            name=f"{self.drive_label(drive)}: {self.display_path(drive, item)}",
            type=f"{self.kind(drive, item)}_file",
            created_at=parse_time(item.get("createdDateTime")),
        )

    def drive_resource(self, drive: str) -> Resource:
        """A Resource for a whole drive."""
        meta = self.drives.get(drive) or {}
        return Resource(
            id=f"drives/{drive}",
            name=self.drive_label(drive),
            type="onedrive_drive" if self.kind(drive) == "onedrive" else "document_library",
            created_at=parse_time(meta.get("createdDateTime")),
        )

    def item_facts(self, drive: str, item: Mapping[str, Any]) -> dict[str, Any]:
        """Evidence about one file."""
        return {
            "drive_id": drive,
            "item_id": item.get("id"),
            "drive": self.drive_label(drive),
            "drive_kind": self.kind(drive, item),
            "path": self.display_path(drive, item),
            "size_bytes": number(item.get("size")),
            "created": item.get("createdDateTime"),
            "last_modified": item.get("lastModifiedDateTime"),
        }

    def evidence(self) -> dict[str, Any]:
        """How complete the walk was."""
        out: dict[str, Any] = {"items_walked": len(self.items), "bounded": self.bounded}
        if self.max_items is not None:
            out["max_items"] = self.max_items
        if self.bounded:
            out["note"] = BOUND_NOTE
        return out

    def reason_suffix(self) -> str:
        """`` (the walk was bounded: a lower bound)`` when it was."""
        return " (the item walk was bounded: a lower bound)" if self.bounded else ""


class Reports:
    """The site and OneDrive usage reports, indexed by site id, URL and owner."""

    def __init__(self, ctx: CheckContext) -> None:
        self.caps = capabilities(ctx)
        self.concealed = bool(self.caps.get("reports_concealed"))
        self.period = period_days(self.caps)
        self.sites: dict[str, Mapping[str, Any]] = {}
        for row in ctx.get(SITES_REPORT) or []:
            guid = site_guid(row.get("Site Id"))
            if guid:
                self.sites[guid] = row
        self.onedrive_rows = list(ctx.get(ONEDRIVE_REPORT) or [])
        self.onedrive: dict[str, Mapping[str, Any]] = {}
        self.onedrive_by_upn: dict[str, Mapping[str, Any]] = {}
        self.onedrive_by_url: dict[str, Mapping[str, Any]] = {}
        for row in self.onedrive_rows:
            guid = site_guid(row.get("Site Id"))
            if guid:
                self.onedrive[guid] = row
            if not self.concealed and row.get("Owner Principal Name"):
                self.onedrive_by_upn[norm_upn(row.get("Owner Principal Name"))] = row
            if not self.concealed and row.get("Site URL"):
                self.onedrive_by_url[str(row["Site URL"]).rstrip("/").lower()] = row

    def onedrive_row(self, walk: Walk, drive: str) -> Mapping[str, Any] | None:
        """The OneDrive report row of a drive: by site id, URL or owner."""
        guid = walk.site_of_drive.get(drive)
        if guid and guid in self.onedrive:
            return self.onedrive[guid]
        url = str((walk.drives.get(drive) or {}).get("webUrl") or "").lower()
        for site_url, row in self.onedrive_by_url.items():
            if url.startswith(site_url + "/") or url == site_url:
                return row
        owner = ((walk.drives.get(drive) or {}).get("owner") or {}).get("user") or {}
        for key in (owner.get("email"), walk.owner_of_drive.get(drive)):
            if key and norm_upn(key) in self.onedrive_by_upn:
                return self.onedrive_by_upn[norm_upn(key)]
        return None

    def container_row(self, walk: Walk, drive: str, kind: str) -> Mapping[str, Any] | None:
        """The report row of the site or OneDrive a drive belongs to."""
        if kind == "onedrive":
            return self.onedrive_row(walk, drive)
        guid = walk.site_of_drive.get(drive)
        return self.sites.get(guid) if guid else None

    def idle_since(self, row: Mapping[str, Any] | None, now: datetime, days: float) -> bool:
        """The report shows no file activity and no page view in its period and no activity for ``days``:
        nobody opened a file there lately (reads a file's own dates cannot show)."""
        if row is None or self.period is None:
            return False
        if (number(row.get("Active File Count")) or 0) > 0 or (number(row.get("Page View Count")) or 0) > 0:
            return False
        last = report_date(row.get("Last Activity Date"))
        if last is None:
            return self.period >= days
        return (days_between(last, now) or 0.0) >= days


def _container_facts(reports: Reports, row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "last_activity_date": row.get("Last Activity Date") or None,
        "active_file_count": number(row.get("Active File Count")),
        "file_count": number(row.get("File Count")),
        "page_view_count": number(row.get("Page View Count")),
        "report_period_days": reports.period,
        "report_refresh_date": row.get("Report Refresh Date") or reports.caps.get("report_refresh_date"),
    }


# --- m365.storage.large_file_unused -------------------------------------------------------------


class LargeFileParams(CostParams):
    """Parameters of ``m365.storage.large_file_unused``."""

    min_file_size_mb: float = Field(100, ge=0, description="Only flag files at least this large (MB).")
    min_unchanged_days: int = Field(
        180, ge=0, description="Only flag files last modified at least this many days ago."
    )
    high_confidence_days: int = Field(
        365,
        ge=0,
        description="Files unchanged this long are reported with medium confidence even when their site "
        "or OneDrive shows file activity (reads of one file are not visible).",
    )


@check(
    id="m365.storage.large_file_unused",
    title="Large file unchanged for months in SharePoint or OneDrive",
    resource_type="drive_item",
    severity=Severity.LOW,
    needs=[ITEMS, DRIVES, SITES_REPORT, ONEDRIVE_REPORT, *QUOTA_NEEDS],
    params=LargeFileParams,
    rationale="""Large files nobody changed for months hold quota. The original filtered on
    lastAccessedDateTime, which Graph fills only for a consumer OneDrive's recent files, so on work drives
    it found nothing, and it walked every drive with one search request per site and user. We read the
    bounded driveItem delta walk and the file's lastModifiedDateTime; because a single file's reads are not
    visible, confidence is high only when the site or OneDrive's usage report shows no active file and no
    page view in its period, medium for files unchanged a year, low otherwise. Preservation Hold Library
    copies and deleted items are skipped. Cost: the size priced above the pooled SharePoint quota (0 inside
    it; OneDrive storage is the user's allowance and frees no bill).""",
    recommendation="""Review the file with its owner; delete it or move it to Microsoft 365 Archive or
    cheaper storage (Graph: DELETE /<id>).""",
    covers_original=["m365:sharepoint_large_files_unused", "m365:onedrive_large_files_unused"],
    klass="idle",
)
def large_file_unused(ctx: CheckContext, params: LargeFileParams) -> Iterator[Hit]:
    walk, reports = Walk(ctx), Reports(ctx)
    tenant = tenant_storage(ctx)
    min_size = params.min_file_size_mb * MIB
    for drive, item in walk.files():
        size = number(item.get("size"))
        if size is None or size < min_size or size <= 0:
            continue
        unchanged = days_between(parse_time(item.get("lastModifiedDateTime")), ctx.now)
        if unchanged is None or unchanged < params.min_unchanged_days:
            continue
        kind = walk.kind(drive, item)
        row = reports.container_row(walk, drive, kind)
        container_idle = reports.idle_since(row, ctx.now, params.min_unchanged_days)
        if container_idle:
            confidence = Confidence.HIGH
        elif unchanged >= params.high_confidence_days:
            confidence = Confidence.MEDIUM
        else:
            confidence = Confidence.LOW
        place = "site" if kind == "sharepoint" else "OneDrive"
        activity = (
            f"and its {place} shows no file activity in the usage report"
            if container_idle
            else "(Graph does not show reads of a single file)"
        )
        cost = storage_cost(
            ctx,
            tenant,
            pooled_bytes=size if kind == "sharepoint" else 0,
            personal_bytes=size if kind == "onedrive" else 0,
            price_all=params.price_storage_within_quota,
        )
        yield Hit(
            resource=walk.item_resource(drive, item),
            reason=(
                f"{item.get('name')} ({size_text(size)}) in {walk.drive_label(drive)} has not changed for "
                f"{whole_days(unchanged)} {activity}; {tenant.text()}."
            ),
            cost=cost,
            evidence={
                "scenario": f"{kind}_large_files_unused",
                **walk.item_facts(drive, item),
                "unchanged_days": round(unchanged, 1),
                "container_activity": _container_facts(reports, row),
                "container_idle": container_idle,
                "tenant_storage": tenant.evidence(),
                "walk": walk.evidence(),
            },
            confidence=confidence,
            recommendation=(
                f"Review {walk.display_path(drive, item)} with the owner of {walk.drive_label(drive)}; "
                f"delete it or archive it (Graph: DELETE /{walk.item_id(drive, item)})."
            ),
        )


# --- duplicates (files and saved attachments) ---------------------------------------------------


def hash_key(item: Mapping[str, Any]) -> tuple[str, str] | None:
    """(hash type, value) of a file: quickXorHash on OneDrive for work and SharePoint (base64, case
    matters), sha1Hash on a consumer OneDrive; None when the file has neither."""
    hashes = (item.get("file") or {}).get("hashes") or {}
    if hashes.get("quickXorHash"):
        return "quickXorHash", str(hashes["quickXorHash"])
    if hashes.get("sha1Hash"):
        return "sha1Hash", str(hashes["sha1Hash"]).upper()
    return None


@dataclass(frozen=True)
class Copy:
    """One copy of a duplicated file."""

    drive: str
    item: Mapping[str, Any]
    kind: str
    folder: str | None

    @property
    def created(self) -> str:
        return str(self.item.get("createdDateTime") or "9999")


def duplicate_sets(walk: Walk, min_size: float) -> dict[tuple[str, str, int], list[Copy]]:
    """Files of the walk with the same content hash and the same size, at least ``min_size`` bytes (empty
    files all share one hash), keyed by (hash type, hash, size); sets of one are left out."""
    sets: dict[tuple[str, str, int], list[Copy]] = {}
    for drive, item in walk.files():
        size = number(item.get("size"))
        key = hash_key(item)
        if key is None or size is None or size <= 0 or size < min_size:
            continue
        copy = Copy(drive, item, walk.kind(drive, item), walk.path(drive, item))
        sets.setdefault((key[0], key[1], size), []).append(copy)
    return {k: v for k, v in sets.items() if len(v) >= 2}


def keep_order(copy: Copy) -> tuple[int, str, str, str]:
    """Which copy to keep: one in a shared SharePoint library first, then the oldest."""
    return (0 if copy.kind == "sharepoint" else 1, copy.created, copy.drive, str(copy.item.get("id")))


def dup_group(key: tuple[str, str, int]) -> str:
    """The cost group of one content hash: the duplicate and saved-attachment findings of the same file
    share it, so totals count those copies once."""
    return f"m365:duplicates:{key[0]}:{key[1]}:{key[2]}"


def _dup_cost(
    ctx: CheckContext, tenant: TenantStorage, extras: list[Copy], size: int, price_all: bool
) -> Money:
    pooled = size * sum(1 for c in extras if c.kind == "sharepoint")
    personal = size * sum(1 for c in extras if c.kind == "onedrive")
    return storage_cost(ctx, tenant, pooled_bytes=pooled, personal_bytes=personal, price_all=price_all)


def _copy_facts(walk: Walk, copy: Copy) -> dict[str, Any]:
    return {
        "drive": walk.drive_label(copy.drive),
        "drive_id": copy.drive,
        "item_id": copy.item.get("id"),
        "drive_kind": copy.kind,
        "path": walk.display_path(copy.drive, copy.item),
        "created": copy.item.get("createdDateTime"),
        "last_modified": copy.item.get("lastModifiedDateTime"),
    }


def _dup_resource(key: tuple[str, str, int], keep: Copy, copies: int, rtype: str) -> Resource:
    return Resource(
        id=f"{key[0]}:{key[1]}:{key[2]}",
        name=f"{keep.item.get('name')} ({copies} copies)",
        type=rtype,
    )


class DuplicateParams(CostParams):
    """Parameters of ``m365.storage.duplicate_files``."""

    min_file_size_mb: float = Field(
        1, ge=0, description="Only compare files at least this large (MB); empty files are never compared."
    )


@check(
    id="m365.storage.duplicate_files",
    title="Duplicate copies of the same file in SharePoint and OneDrive",
    resource_type="duplicate_file_set",
    severity=Severity.LOW,
    needs=[ITEMS, DRIVES, *QUOTA_NEEDS],
    params=DuplicateParams,
    rationale="""Copies of one file in several libraries and OneDrives each count against storage. The
    original searched every site one request at a time; we group the bounded driveItem delta walk by
    file.hashes.quickXorHash (the hash OneDrive for work and SharePoint compute; sha1Hash exists only on a
    consumer OneDrive) and size, never by name, skip empty files (which all share one hash), deleted items
    and Preservation Hold Library copies, and report one finding per content with every copy. One copy
    is kept (in a shared library first, then the oldest); the cost is the extra copies' size priced above
    the pooled quota. Copies in different drives may be deliberate (shared with different people): medium
    confidence; copies inside one drive: high.""",
    recommendation="""Keep one copy (share a link to it instead of copying) and delete the others.""",
    covers_original=["m365:sharepoint_duplicate_files"],
    klass="hygiene",
)
def duplicate_files(ctx: CheckContext, params: DuplicateParams) -> Iterator[Hit]:
    walk = Walk(ctx)
    tenant = tenant_storage(ctx)
    for key, copies in sorted(duplicate_sets(walk, params.min_file_size_mb * MIB).items()):
        size = key[2]
        ordered = sorted(copies, key=keep_order)
        keep, extras = ordered[0], ordered[1:]
        drives = {c.drive for c in copies}
        cost = _dup_cost(ctx, tenant, extras, size, params.price_storage_within_quota)
        yield Hit(
            resource=_dup_resource(key, keep, len(copies), "duplicate_file_set"),
            reason=(
                f"{len(copies)} copies of {keep.item.get('name')} ({size_text(size)} each, same {key[0]} "
                f"and size) in {len(drives)} drive{'s' if len(drives) != 1 else ''}: the {len(extras)} "
                f"extra cop{'ies hold' if len(extras) != 1 else 'y holds'} {size_text(size * len(extras))}"
                f"{walk.reason_suffix()}; {tenant.text()}."
            ),
            cost=cost,
            evidence={
                "hash_type": key[0],
                "hash": key[1],
                "size_bytes": size,
                "copies": len(copies),
                "keep": _copy_facts(walk, keep),
                "extra_copies": [_copy_facts(walk, c) for c in extras],
                "extra_bytes": size * len(extras),
                "tenant_storage": tenant.evidence(),
                "walk": walk.evidence(),
            },
            confidence=Confidence.HIGH if len(drives) == 1 else Confidence.MEDIUM,
            cost_group=dup_group(key),
            cost_includes=tuple(walk.item_id(c.drive, c.item) for c in extras),
            recommendation=(
                f"Keep {walk.drive_label(keep.drive)}: {walk.display_path(keep.drive, keep.item)} and delete "
                "the extra copies listed in the evidence (share a link instead of a copy)."
            ),
        )


class AttachmentParams(CostParams):
    """Parameters of ``m365.storage.duplicate_attachments``."""

    folder_names: list[str] = Field(
        default_factory=lambda: ["Attachments", "Email attachments"],
        description="Folder names (any depth, case-insensitive) where Outlook saves attachments to OneDrive.",
    )
    min_file_size_mb: float = Field(
        0.1, ge=0, description="Only compare files at least this large (MB); empty files are never compared."
    )


@check(
    id="m365.storage.duplicate_attachments",
    title="Email attachments saved to OneDrive more than once",
    resource_type="duplicate_file_set",
    severity=Severity.LOW,
    needs=[ITEMS, DRIVES, *QUOTA_NEEDS],
    params=AttachmentParams,
    rationale="""Outlook saves attachments to OneDrive ('Attachments' / 'Email attachments' folders), and
    the same attachment received in several mails is saved again each time. Attachments inside mailboxes
    would need the Outlook mail API (Mail.Read), which these collections do not read, so, like the
    original's rule, this check finds files with the same quickXorHash and size (never the same name
    alone) where copies sit in those folders; the original listed each folder's children one request at
    a time, we use the bounded delta walk. When the file also exists outside those folders, every saved
    copy is extra; otherwise one is kept. It shares a cost group with the duplicate-files finding of the
    same content, so totals count those copies once. OneDrive storage is the user's allowance: cost 0
    unless priced within quota.""",
    recommendation="""Delete the extra saved copies (keep the one listed in the evidence).""",
    covers_original=["m365:onedrive_duplicate_attachments"],
    klass="hygiene",
)
def duplicate_attachments(ctx: CheckContext, params: AttachmentParams) -> Iterator[Hit]:
    walk = Walk(ctx)
    tenant = tenant_storage(ctx)
    wanted = {n.strip().lower() for n in params.folder_names if n.strip()}

    def saved(copy: Copy) -> bool:
        return copy.folder is not None and any(p.lower() in wanted for p in copy.folder.split("/") if p)

    for key, copies in sorted(duplicate_sets(walk, params.min_file_size_mb * MIB).items()):
        in_folders = sorted((c for c in copies if saved(c)), key=keep_order)
        if not in_folders:
            continue
        elsewhere = sorted((c for c in copies if not saved(c)), key=keep_order)
        keep = elsewhere[0] if elsewhere else in_folders[0]
        extras = in_folders if elsewhere else in_folders[1:]
        if not extras:
            continue
        size = key[2]
        cost = _dup_cost(ctx, tenant, extras, size, params.price_storage_within_quota)
        yield Hit(
            resource=_dup_resource(key, keep, len(copies), "duplicate_attachment_set"),
            reason=(
                f"{keep.item.get('name')} ({size_text(size)}) is saved {len(in_folders)} time"
                f"{'s' if len(in_folders) != 1 else ''} in attachment folders"
                f"{' and also exists elsewhere' if elsewhere else ''} (same {key[0]} and size): "
                f"{len(extras)} extra cop{'ies hold' if len(extras) != 1 else 'y holds'} "
                f"{size_text(size * len(extras))}{walk.reason_suffix()}."
            ),
            cost=cost,
            evidence={
                "hash_type": key[0],
                "hash": key[1],
                "size_bytes": size,
                "copies": len(copies),
                "folder_names": sorted(wanted),
                "keep": _copy_facts(walk, keep),
                "extra_copies": [_copy_facts(walk, c) for c in extras],
                "extra_bytes": size * len(extras),
                "tenant_storage": tenant.evidence(),
                "walk": walk.evidence(),
                "scope": "files saved to drives; attachments inside mailboxes are not read",
            },
            confidence=Confidence.HIGH,
            cost_group=dup_group(key),
            cost_includes=tuple(walk.item_id(c.drive, c.item) for c in extras),
        )


# --- m365.storage.abandoned_site ----------------------------------------------------------------


def _is_system(row: Mapping[str, Any]) -> str | None:
    template = str(row.get("Root Web Template") or "").upper()
    if any(template.startswith(t) for t in SYSTEM_TEMPLATES):
        return f"system site (template {row.get('Root Web Template')})"
    url = str(row.get("Site URL") or "")
    if re.fullmatch(r"https?://[^/]+/?", url):
        return "the tenant's root site (it can be replaced, not deleted)"
    return None


class AbandonedSiteParams(CostParams):
    """Parameters of ``m365.storage.abandoned_site``."""

    min_inactive_days: int = Field(
        90, ge=1, description="Days without file activity before a site is flagged."
    )
    high_confidence_days: int = Field(
        180, ge=1, description="Sites inactive this long are reported with high confidence."
    )
    min_storage_mb: float = Field(
        10, ge=0, description="Only flag sites storing at least this much (MB); emptier ones free nothing."
    )


@check(
    id="m365.storage.abandoned_site",
    title="SharePoint site with no activity for months",
    resource_type="sharepoint_site",
    severity=Severity.MEDIUM,
    needs=[SITES_REPORT, ITEMS, DRIVES, VERSIONS, *QUOTA_NEEDS],
    params=AbandonedSiteParams,
    rationale="""A site nobody has used for months still holds its whole storage in the pooled quota. The
    original called the site analytics and drive endpoints for every site one at a time; we read the
    SharePoint site usage report once (Last Activity Date, active files, page views, storage used). Empty
    Last Activity Date means no activity in the report period, so such a site is flagged only when the
    period is at least the threshold, with low confidence (the site may be younger). Traps: deleted sites,
    sites with page views or active files in the period (read-only intranet and news sites are read, not
    edited), SharePoint's own sites (app catalog, search centre, OneDrive host) and the root site are
    skipped. Cost: the site's storage priced above the pooled quota (0 inside it); it includes the
    site's files, versions and recycle bin, so their own findings are not added again.""",
    recommendation="""Confirm with the owner, then archive the site (Microsoft 365 Archive) or delete it
    in the SharePoint admin center; a group-connected site goes with its Microsoft 365 group or team.""",
    covers_original=["m365:sharepoint_sites_abandoned"],
    covers_peers=["m365.sharepoint.obsolete_site"],
    klass="idle",
)
def abandoned_site(ctx: CheckContext, params: AbandonedSiteParams) -> Iterator[Hit]:
    reports, walk = Reports(ctx), Walk(ctx)
    tenant = tenant_storage(ctx)
    versioned = {(str(v.get("_drive_id")), str(v.get("_item_id"))) for v in ctx.get(VERSIONS) or []}
    files_of_site: dict[str, list[str]] = {}  # files another check may report (100 KB or more)
    for drive, item in walk.files():
        guid = walk.site_of_drive.get(drive)
        if guid and (number(item.get("size")) or 0) >= 0.1 * MIB:
            rid = walk.item_id(drive, item)
            files_of_site.setdefault(guid, []).append(rid)
            if (drive, str(item.get("id"))) in versioned:
                files_of_site[guid].append(rid + "/versions")
    for guid, row in sorted(reports.sites.items()):
        if truthy(row.get("Is Deleted")) or _is_system(row):
            continue
        if (number(row.get("Page View Count")) or 0) > 0 or (number(row.get("Active File Count")) or 0) > 0:
            continue
        used = number(row.get("Storage Used (Byte)"))
        if used is None or used < params.min_storage_mb * MIB:
            continue
        last = report_date(row.get("Last Activity Date"))
        if last is not None:
            inactive = days_between(last, ctx.now) or 0.0
            since = f"has had no file activity since {last.date().isoformat()} ({whole_days(inactive)})"
            confidence = _confidence(inactive, params.high_confidence_days)
        elif reports.period is not None:
            inactive = float(reports.period)
            since = f"has no file activity in the {reports.period}-day report period"
            confidence = Confidence.LOW
        else:
            continue
        if inactive < params.min_inactive_days:
            continue
        url = str(row.get("Site URL") or "")
        name = url if url and not reports.concealed else f"site {guid} (report names concealed)"
        drives = sorted(d for d, s in walk.site_of_drive.items() if s == guid)
        includes = [
            *(f"drives/{d}" for d in drives),
            f"sites/{guid}/recycleBin",
            *files_of_site.get(guid, []),
        ]
        yield Hit(
            resource=Resource(id=f"sites/{guid}", name=name, type="sharepoint_site"),
            reason=f"SharePoint site {name} {since} and stores {size_text(used)}; {tenant.text()}.",
            cost=storage_cost(ctx, tenant, pooled_bytes=used, price_all=params.price_storage_within_quota),
            evidence={
                "scenario": "sharepoint_sites_abandoned",
                "site_id": guid,
                "site_url": url or None,
                "owner": row.get("Owner Principal Name") or row.get("Owner Display Name") or None,
                "root_web_template": row.get("Root Web Template") or None,
                "inactive_days": round(inactive, 1),
                "inactive_is_lower_bound": last is None,
                "storage_used_bytes": used,
                "storage_allocated_bytes": number(row.get("Storage Allocated (Byte)")),
                **(_container_facts(reports, row) or {}),
                "reports_concealed": reports.concealed,
                "tenant_storage": tenant.evidence(),
            },
            confidence=confidence,
            cost_includes=tuple(includes),
        )


# --- m365.storage.excessive_versions ------------------------------------------------------------


def newest_versions_first(versions: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Versions newest first by lastModifiedDateTime; undated ones keep Graph's order (newest first)
    after the dated ones."""
    dated = [(parse_time(v.get("lastModifiedDateTime")), n, v) for n, v in enumerate(versions)]
    with_time = sorted(
        ((t, n, v) for t, n, v in dated if t is not None), key=lambda e: (-e[0].timestamp(), e[1])
    )
    without = [v for t, _, v in dated if t is None]
    return [v for _, _, v in with_time] + without


class VersionsParams(CostParams):
    """Parameters of ``m365.storage.excessive_versions``."""

    max_versions: int = Field(50, ge=1, description="Versions to keep per file; files with more are flagged.")
    high_confidence_versions: int = Field(
        100, ge=1, description="Files with more versions than this are reported with high confidence."
    )
    min_reclaimable_mb: float = Field(
        10, ge=0, description="Only flag files whose versions beyond the limit hold at least this much (MB)."
    )


@check(
    id="m365.storage.excessive_versions",
    title="File keeping many old versions",
    resource_type="file_versions",
    severity=Severity.LOW,
    needs=[VERSIONS, ITEMS, DRIVES, *QUOTA_NEEDS],
    params=VersionsParams,
    rationale="""SharePoint and OneDrive count every stored version of a file at its full size, and
    libraries keep up to 500 by default, so often-saved large files multiply their storage. The original
    guessed the version storage as count x current size x 0.8 for every file, listing versions one file
    at a time; we read the versions of the largest files only (bounded) and add the sizes Graph reports
    for the versions beyond the newest N (the current version is the newest and always kept). Duplicate
    version entries are counted once; Preservation Hold Library copies are skipped. Cost: that storage
    priced above the pooled quota (0 inside it; OneDrive storage frees no bill).""",
    recommendation="""Set a version limit (or automatic version history limits) on the library and trim
    older versions (SharePoint admin center or New-SPOSiteFileVersionBatchDeleteJob).""",
    covers_original=["m365:sharepoint_excessive_versions"],
    klass="policy",
)
def excessive_versions(ctx: CheckContext, params: VersionsParams) -> Iterator[Hit]:
    walk = Walk(ctx)
    tenant = tenant_storage(ctx)
    for entry in ctx.get(VERSIONS) or []:
        drive, iid = str(entry.get("_drive_id") or ""), str(entry.get("_item_id") or "")
        if not drive or not iid:
            continue
        item = walk.items.get((drive, iid)) or {"id": iid}
        if item.get("deleted") is not None or walk.preserved(drive, item):
            continue
        unique: dict[str, Mapping[str, Any]] = {}
        for n, version in enumerate(entry.get("versions") or []):
            unique.setdefault(str(version.get("id") or f"#{n}"), version)
        versions = list(unique.values())
        if len(versions) <= params.max_versions:
            continue
        newest_first = newest_versions_first(versions)
        old = newest_first[params.max_versions :]
        sizes = [number(v.get("size")) for v in old]
        known = [s for s in sizes if s is not None]
        reclaim = float(sum(known))
        if not known or reclaim < params.min_reclaimable_mb * MIB:
            continue
        kind = walk.kind(drive, item if item.get("name") else None)
        oldest = parse_time(newest_first[-1].get("lastModifiedDateTime"))
        label = f"{walk.drive_label(drive)}: {walk.display_path(drive, item)}"
        yield Hit(
            resource=Resource(
                id=walk.item_id(drive, item) + "/versions",
                name=label,
                type="file_versions",
                created_at=parse_time(item.get("createdDateTime")),
            ),
            reason=(
                f"{item.get('name') or iid} keeps {len(versions)} versions; the {len(old)} beyond the newest "
                f"{params.max_versions} hold {size_text(reclaim)}"
                f"{' (some sizes unknown: a lower bound)' if len(known) < len(sizes) else ''}; "
                f"{tenant.text()}."
            ),
            cost=storage_cost(
                ctx,
                tenant,
                pooled_bytes=reclaim if kind == "sharepoint" else 0,
                personal_bytes=reclaim if kind == "onedrive" else 0,
                price_all=params.price_storage_within_quota,
            ),
            evidence={
                "scenario": "sharepoint_excessive_versions",
                **walk.item_facts(drive, item),
                "drive_kind": kind,
                "versions": len(versions),
                "kept_versions": params.max_versions,
                "versions_beyond_limit": len(old),
                "reclaimable_bytes": int(reclaim),
                "versions_without_size": len(sizes) - len(known),
                "oldest_version": iso(oldest),
                "tenant_storage": tenant.evidence(),
            },
            confidence=(
                Confidence.HIGH if len(versions) > params.high_confidence_versions else Confidence.MEDIUM
            ),
        )


# --- m365.storage.recycle_bin_old ---------------------------------------------------------------


class RecycleParams(CostParams):
    """Parameters of ``m365.storage.recycle_bin_old``."""

    min_age_days: int = Field(30, ge=0, description="Only count items deleted at least this many days ago.")
    high_confidence_days: int = Field(
        60, ge=0, description="Sites whose counted items were all deleted this long ago: high confidence."
    )
    min_total_mb: float = Field(
        10, ge=0, description="Only flag sites whose old items hold at least this (MB)."
    )


@check(
    id="m365.storage.recycle_bin_old",
    title="SharePoint recycle bin holding old deleted items",
    resource_type="sharepoint_recycle_bin",
    severity=Severity.LOW,
    needs=[RECYCLE, ONEDRIVE_REPORT, DRIVES, ITEMS, *QUOTA_NEEDS],
    params=RecycleParams,
    rationale="""Deleted files stay in the site's recycle bins, counting against its quota, until
    SharePoint purges them 93 days after the original deletion. Graph's recycleBinItem does not say which
    stage (site or site-collection bin) an item is in, so this check counts every item deleted at least N
    days ago (the original's 30), one finding per site, and the figure is an upper bound. Unlike the
    original, which priced the whole bin as a monthly cost, the saving of purging now is only the storage
    until the automatic purge: each item's size is weighted by the days it has left (at most a month).
    Bins of OneDrive sites count against the user's allowance, not the pooled quota.""",
    recommendation="""Empty the old items from the site's recycle bin and second-stage recycle bin
    (Site settings > Recycle bin) once nobody needs them restored.""",
    covers_original=["m365:sharepoint_recycle_bin_old"],
    klass="hygiene",
)
def recycle_bin_old(ctx: CheckContext, params: RecycleParams) -> Iterator[Hit]:
    tenant = tenant_storage(ctx)
    reports, walk = Reports(ctx), Walk(ctx)
    onedrive_sites = set(reports.onedrive) | {
        s for d, s in walk.site_of_drive.items() if walk.kind(d) == "onedrive"
    }
    by_site: dict[str, list[tuple[Mapping[str, Any], float]]] = {}
    for item in ctx.get(RECYCLE) or []:
        age = days_between(parse_time(item.get("deletedDateTime")), ctx.now)
        site = site_guid(item.get("_site_id")) or str(item.get("_site_id") or "")
        if age is None or not site or age < params.min_age_days:
            continue
        by_site.setdefault(site, []).append((item, age))
    for site, entries in sorted(by_site.items()):
        sizes = [number(i.get("size")) for i, _ in entries]
        total = float(sum(s for s in sizes if s is not None))
        if total < params.min_total_mb * MIB:
            continue
        month_bytes = sum(
            (number(i.get("size")) or 0) * min(max(RECYCLE_RETENTION_DAYS - age, 0.0), 30.0) / 30.0
            for i, age in entries
        )
        youngest = min(age for _, age in entries)
        oldest = max(age for _, age in entries)
        personal = site in onedrive_sites
        row = reports.onedrive.get(site) if personal else reports.sites.get(site)
        url = str((row or {}).get("Site URL") or "") if not reports.concealed else ""
        name = url or f"site {site}"
        cost = storage_cost(
            ctx,
            tenant,
            pooled_bytes=0 if personal else month_bytes,
            personal_bytes=month_bytes if personal else 0,
            price_all=params.price_storage_within_quota,
        )
        cost = _note(
            cost,
            "weighted by each item's days left before the automatic purge 93 days after deletion",
        )
        overdue = sum(1 for _, age in entries if age >= RECYCLE_RETENTION_DAYS)
        yield Hit(
            resource=Resource(
                id=f"sites/{site}/recycleBin", name=f"Recycle bin of {name}", type="sharepoint_recycle_bin"
            ),
            reason=(
                f"The recycle bin of {name} holds {len(entries)} item{'s' if len(entries) != 1 else ''} "
                f"({size_text(total)}) deleted {whole_days(youngest)} to {whole_days(oldest)} ago; "
                f"SharePoint purges them 93 days after deletion; {tenant.text()}."
            ),
            cost=cost,
            evidence={
                "scenario": "sharepoint_recycle_bin_old",
                "site_id": site,
                "site_url": url or None,
                "drive_kind": "onedrive" if personal else "sharepoint",
                "items": len(entries),
                "total_bytes": int(total),
                "items_without_size": sum(1 for s in sizes if s is None),
                "oldest_deleted_days": round(oldest, 1),
                "youngest_deleted_days": round(youngest, 1),
                "past_93_days": overdue,
                "stage": "not reported by Graph (first- or second-stage): an upper bound",
                "largest": [
                    {
                        "name": i.get("name"),
                        "size_bytes": number(i.get("size")),
                        "deleted": i.get("deletedDateTime"),
                        "from": i.get("deletedFromLocation"),
                    }
                    for i, _ in sorted(entries, key=lambda e: -(number(e[0].get("size")) or 0))[:10]
                ],
                "tenant_storage": tenant.evidence(),
            },
            confidence=_confidence(youngest, params.high_confidence_days),
        )


# --- m365.storage.disabled_user_drive -----------------------------------------------------------


class DisabledDriveParams(CostParams):
    """Parameters of ``m365.storage.disabled_user_drive``."""

    min_inactive_days: int = Field(
        93, ge=0, description="Days since the owner's last successful sign-in (the original's 93)."
    )
    high_confidence_days: int = Field(
        180, ge=0, description="Owners inactive this long are reported with high confidence."
    )
    recent_drive_activity_days: int = Field(
        30,
        ge=0,
        description="Skip drives the OneDrive report shows active within this many days (a handover in "
        "progress).",
    )
    min_storage_mb: float = Field(1, ge=0, description="Only flag drives holding at least this much (MB).")
    include_deleted_owners: bool = Field(
        True, description="Also flag OneDrives whose owner no longer exists in Entra ID (needs report names)."
    )


def _last_sign_in(user: Mapping[str, Any]) -> tuple[datetime | None, str]:
    activity = user.get("signInActivity")
    if not isinstance(activity, Mapping):
        return None, "none"
    success = parse_time(activity.get("lastSuccessfulSignInDateTime"))
    if success is not None:
        return success, "lastSuccessfulSignInDateTime"
    attempts = [
        t
        for t in (
            parse_time(activity.get("lastSignInDateTime")),
            parse_time(activity.get("lastNonInteractiveSignInDateTime")),
        )
        if t is not None
    ]
    if attempts:
        return max(attempts), "latest sign-in attempt (no successful sign-in recorded)"
    return None, "none"


@check(
    id="m365.storage.disabled_user_drive",
    title="OneDrive of a disabled or deleted user still holding data",
    resource_type="onedrive_drive",
    severity=Severity.MEDIUM,
    needs=[USERS, ONEDRIVE_REPORT, DRIVES, ITEMS, *QUOTA_NEEDS],
    params=DisabledDriveParams,
    rationale="""Departed users' OneDrives keep their files, and once unlicensed Microsoft 365 Archive
    bills them per GB-month (or archives and deletes them). The original listed disabled users and read
    each one's drive; we match disabled member accounts to the OneDrive usage report (storage, last
    activity) and the listed drives by owner id, and, when report names are visible, flag OneDrives whose
    owner no longer exists. The owner must not have signed in successfully for N days (93, as the
    original; the usage report's last activity when sign-in data is refused, said in the reason). Traps:
    drives still active (a manager taking over the files) and deleted drives are skipped; a renamed user
    is matched by mail as well as UPN. Cost: a licensed owner's drive is inside the licence (its cost is
    the licence, see m365.license.disabled_account_licensed): 0; an unlicensed drive at the Microsoft 365
    Archive price, billed only if the tenant enabled billing for unlicensed OneDrive accounts.""",
    recommendation="""Move what the organization needs to a SharePoint site or the manager's OneDrive,
    then delete the account (its OneDrive follows the deleted-user retention) or the drive.""",
    covers_original=["m365:onedrive_disabled_users"],
    covers_peers=["m365.onedrive.inactive_account"],
    klass="orphan",
)
def disabled_user_drive(ctx: CheckContext, params: DisabledDriveParams) -> Iterator[Hit]:
    reports, walk = Reports(ctx), Walk(ctx)
    tenant = tenant_storage(ctx)
    caps = reports.caps
    users = list(ctx.get(USERS) or [])
    known = {norm_upn(u.get(k)) for u in users for k in ("userPrincipalName", "mail") if u.get(k)}
    drives_by_owner: dict[str, str] = {}
    for drive_id, drive in walk.drives.items():
        owner = ((drive.get("owner") or {}).get("user") or {}).get("id")
        if owner and drive.get("driveType") in ONEDRIVE_TYPES:
            drives_by_owner[str(owner).lower()] = drive_id
    matched_rows: set[int] = set()
    for user in users:
        if user.get("accountEnabled") is not False or user.get("userType") == "Guest":
            continue
        row = None
        if not reports.concealed:
            for key in (user.get("userPrincipalName"), user.get("mail")):
                if key and norm_upn(key) in reports.onedrive_by_upn:
                    row = reports.onedrive_by_upn[norm_upn(key)]
                    break
        owned = drives_by_owner.get(str(user.get("id") or "").lower())
        if row is None and owned is not None:
            row = reports.onedrive_row(walk, owned)
        if row is not None:
            matched_rows.add(id(row))
        hit = _drive_hit(ctx, params, reports, walk, tenant, row, owned, user, caps)
        if hit is not None:
            yield hit
    if not params.include_deleted_owners or reports.concealed or not users:
        return
    for row in reports.onedrive_rows:
        upn = norm_upn(row.get("Owner Principal Name"))
        if id(row) in matched_rows or not upn or upn in known or truthy(row.get("Is Deleted")):
            continue
        hit = _drive_hit(ctx, params, reports, walk, tenant, row, None, None, caps)
        if hit is not None:
            yield hit


def _drive_hit(
    ctx: CheckContext,
    params: DisabledDriveParams,
    reports: Reports,
    walk: Walk,
    tenant: TenantStorage,
    row: Mapping[str, Any] | None,
    drive_id: str | None,
    user: Mapping[str, Any] | None,
    caps: Mapping[str, Any],
) -> Hit | None:
    if row is not None and truthy(row.get("Is Deleted")):
        return None
    drive = walk.drives.get(drive_id or "") or {}
    used = number((row or {}).get("Storage Used (Byte)"))
    if used is None:
        used = number((drive.get("quota") or {}).get("used"))
    if used is None or used < max(params.min_storage_mb * MIB, 1):
        return None
    drive_last = report_date((row or {}).get("Last Activity Date"))
    drive_idle = days_between(drive_last, ctx.now)
    if drive_idle is not None and drive_idle < params.recent_drive_activity_days:
        return None
    if user is not None:
        signed_in, source = _last_sign_in(user)
        if signed_in is None and caps.get("sign_in_activity") is False and drive_last is not None:
            signed_in, source = drive_last, "OneDrive report Last Activity Date (sign-in data refused)"
        scenario = "disabled_owner"
        who = user_label(user)
        state = "disabled"
        licensed = bool(user.get("assignedLicenses"))
    else:
        signed_in, source = drive_last, "OneDrive report Last Activity Date (owner not in Entra ID)"
        scenario = "owner_deleted"
        who = str((row or {}).get("Owner Principal Name") or "unknown owner")
        state = "no longer in Entra ID"
        licensed = False
    inactive = days_between(signed_in, ctx.now)
    if inactive is not None and inactive < params.min_inactive_days:
        return None
    if inactive is None:
        confidence = Confidence.LOW
        when = "with no recorded sign-in or OneDrive activity (sign-in data missing)"
    else:
        confidence = _confidence(inactive, params.high_confidence_days)
        when = f"inactive for {whole_days(inactive)} (from {source})"
    if licensed and params.price_storage_within_quota:
        cost = storage_cost(ctx, tenant, personal_bytes=used, price_all=True)
    elif licensed:
        cost = Money(
            amount=0.0,
            basis=CostBasis.ESTIMATE,
            detail="inside the owner's licence; that licence's cost is "
            "m365.license.disabled_account_licensed",
        )
    else:
        cost = _note(
            ctx.prices.monthly(PRICE_UNLICENSED, PRICE_REGION, gb(used), what="GB"),
            "Microsoft 365 Archive storage of an unlicensed OneDrive, billed only if the tenant enabled "
            "billing for unlicensed OneDrive accounts (otherwise Microsoft archives, then deletes it)",
        )
    site = site_guid((row or {}).get("Site Id"))
    rid = f"drives/{drive_id}" if drive_id else f"sites/{site}" if site else f"onedrive/{who}"
    url = (row or {}).get("Site URL") or drive.get("webUrl")
    return Hit(
        resource=Resource(
            id=rid,
            name=f"OneDrive of {who}",
            type="onedrive_drive",
            created_at=parse_time(drive.get("createdDateTime")),
        ),
        reason=(
            f"The OneDrive of {who} ({state}, {'licensed' if licensed else 'unlicensed'}) holds "
            f"{size_text(used)}; the owner is {when}."
        ),
        cost=cost,
        evidence={
            "scenario": scenario,
            "owner": who,
            "user_id": (user or {}).get("id"),
            "account_enabled": (user or {}).get("accountEnabled"),
            "licensed": licensed,
            "last_sign_in": iso(signed_in),
            "last_sign_in_source": source,
            "inactive_days": None if inactive is None else round(inactive, 1),
            "drive_id": drive_id,
            "site_url": url,
            "storage_used_bytes": used,
            "file_count": number((row or {}).get("File Count")),
            "drive_last_activity": iso(drive_last),
            "report_refresh_date": (row or {}).get("Report Refresh Date") or caps.get("report_refresh_date"),
            "tenant_storage": tenant.evidence(),
        },
        confidence=confidence,
    )


# --- m365.storage.temp_files --------------------------------------------------------------------

TEMP_PATTERNS = ["~$*", "*.tmp", "~*.tmp", ".~lock.*#", "Thumbs.db", ".DS_Store"]


class TempFilesParams(CostParams):
    """Parameters of ``m365.storage.temp_files``."""

    patterns: list[str] = Field(
        default_factory=lambda: list(TEMP_PATTERNS),
        description="Whole-name patterns (fnmatch, case-insensitive) of temporary and system files.",
    )
    min_age_days: int = Field(
        7, ge=0, description="Only count files last modified at least this many days ago."
    )
    high_confidence_days: int = Field(
        30, ge=0, description="Drives with min_files such files this old are reported with high confidence."
    )
    min_files: int = Field(5, ge=1, description="Only flag drives with at least this many such files.")


@check(
    id="m365.storage.temp_files",
    title="Temporary and lock files accumulated in a drive",
    resource_type="drive",
    severity=Severity.LOW,
    needs=[ITEMS, DRIVES, *QUOTA_NEEDS],
    params=TempFilesParams,
    rationale="""Office owner files (~$*), editor temp and lock files (*.tmp, .~lock.*#) and OS files
    (Thumbs.db, .DS_Store) left behind by sync clutter drives. The original searched each drive for names
    containing .tmp, ~$, .bak or .swp, which flags real documents (report.tmp.docx) and backups people
    keep on purpose (.bak); we match whole names against the patterns in the bounded delta walk, files
    only (never folders), last modified at least N days ago (7), one finding per drive. The storage is
    usually small: cost is priced like any freed storage (0 inside the pooled quota or a OneDrive).""",
    recommendation="""Delete the listed files; exclude them from OneDrive sync on the devices that
    upload them.""",
    covers_original=["m365:onedrive_temp_files_accumulated"],
    klass="hygiene",
)
def temp_files(ctx: CheckContext, params: TempFilesParams) -> Iterator[Hit]:
    walk = Walk(ctx)
    tenant = tenant_storage(ctx)
    patterns = [p.lower() for p in params.patterns if p]
    per_drive: dict[str, list[tuple[Mapping[str, Any], float]]] = {}
    for drive, item in walk.files():
        name = str(item.get("name") or "").lower()
        if not name or not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            continue
        age = days_between(parse_time(item.get("lastModifiedDateTime")), ctx.now)
        if age is None or age < params.min_age_days:
            continue
        per_drive.setdefault(drive, []).append((item, age))
    for drive, found in sorted(per_drive.items()):
        if len(found) < params.min_files:
            continue
        size = float(sum(number(i.get("size")) or 0 for i, _ in found))
        kind = walk.kind(drive)
        old = sum(1 for _, age in found if age >= params.high_confidence_days)
        yield Hit(
            resource=walk.drive_resource(drive),
            reason=(
                f"{walk.drive_label(drive)} holds {len(found)} temporary or lock files ({size_text(size)}) "
                f"unchanged for at least {whole_days(params.min_age_days)}{walk.reason_suffix()}."
            ),
            cost=storage_cost(
                ctx,
                tenant,
                pooled_bytes=size if kind == "sharepoint" else 0,
                personal_bytes=size if kind == "onedrive" else 0,
                price_all=params.price_storage_within_quota,
            ),
            evidence={
                "scenario": "onedrive_temp_files_accumulated",
                "drive_id": drive,
                "drive_kind": kind,
                "files": len(found),
                "total_bytes": int(size),
                "patterns": params.patterns,
                "examples": [
                    {
                        "path": walk.display_path(drive, i),
                        "size_bytes": number(i.get("size")),
                        "age_days": round(a, 1),
                    }
                    for i, a in sorted(found, key=lambda f: -f[1])[:20]
                ],
                "tenant_storage": tenant.evidence(),
                "walk": walk.evidence(),
            },
            confidence=Confidence.HIGH if old >= params.min_files else Confidence.MEDIUM,
        )


# --- m365.storage.excessive_sharing -------------------------------------------------------------


class SharingParams(BaseModel):
    """Parameters of ``m365.storage.excessive_sharing``."""

    min_links: int = Field(
        10, ge=1, description="Only flag drives with at least this many items shared by broad links."
    )
    min_age_days: int = Field(
        90, ge=0, description="Only count links older than this (sharedDateTime, else the item's creation)."
    )
    scopes: list[str] = Field(
        default_factory=lambda: ["anonymous", "organization"],
        description="Link scopes that count (shared.scope: anonymous, organization, users).",
    )


@check(
    id="m365.storage.excessive_sharing",
    title="Drive with many files shared by anyone or organization-wide links",
    resource_type="drive",
    severity=Severity.MEDIUM,
    needs=[ITEMS, DRIVES],
    params=SharingParams,
    rationale="""Many old 'anyone' or 'people in the organization' links on one drive is a data-exposure
    risk, not a cost: this is a hygiene finding and removing the links saves nothing. The original read
    every item's permissions one request at a time; we count the shared facet's scope in the bounded
    delta walk, links older than N days (90), and count a shared folder once, not again for each item
    inside it that inherits the link. shared.scope is deprecated and may be absent: such items are not
    counted (said in the evidence).""",
    recommendation="""Review the sharing links (OneDrive/SharePoint 'Manage access') and remove anyone
    links and organization-wide links that are no longer needed; consider link expiry policies.""",
    covers_original=["m365:onedrive_excessive_sharing"],
    klass="hygiene",
)
def excessive_sharing(ctx: CheckContext, params: SharingParams) -> Iterator[Hit]:
    walk = Walk(ctx)
    scopes = {s.lower() for s in params.scopes}
    per_drive: dict[str, dict[str, Any]] = {}
    for (drive, _), item in walk.items.items():
        shared = item.get("shared")
        if not isinstance(shared, Mapping) or item.get("deleted") is not None:
            continue
        stats = per_drive.setdefault(drive, {"counted": [], "scope_unknown": 0, "inherited": 0})
        scope = str(shared.get("scope") or "").lower()
        if not scope:
            stats["scope_unknown"] += 1
            continue
        if scope not in scopes:
            continue
        since = parse_time(shared.get("sharedDateTime")) or parse_time(item.get("createdDateTime"))
        age = days_between(since, ctx.now)
        if age is None or age < params.min_age_days:
            continue
        parent = walk.items.get((drive, str(_parent(item).get("id") or "")))
        parent_scope = str(((parent or {}).get("shared") or {}).get("scope") or "").lower()
        if parent is not None and parent.get("root") is None and parent_scope == scope:
            stats["inherited"] += 1  # the parent folder's link covers it
            continue
        stats["counted"].append((item, scope, age))
    for drive, stats in sorted(per_drive.items()):
        counted = stats["counted"]
        if len(counted) < params.min_links:
            continue
        by_scope = {s: sum(1 for _, sc, _ in counted if sc == s) for s in sorted(scopes)}
        anonymous = by_scope.get("anonymous", 0)
        parts = ", ".join(f"{n} {s}" for s, n in by_scope.items() if n)
        yield Hit(
            resource=walk.drive_resource(drive),
            reason=(
                f"{walk.drive_label(drive)} has {len(counted)} items shared by broad links ({parts}) older "
                f"than {whole_days(params.min_age_days)}{walk.reason_suffix()}; a risk, not a saving."
            ),
            cost=Money(
                amount=0.0,
                basis=CostBasis.ESTIMATE,
                detail="hygiene and risk finding: removing sharing links frees no storage (not a saving)",
            ),
            evidence={
                "scenario": "onedrive_excessive_sharing",
                "drive_id": drive,
                "drive_kind": walk.kind(drive),
                "links_by_scope": by_scope,
                "inherited_not_counted": stats["inherited"],
                "scope_unknown": stats["scope_unknown"],
                "examples": [
                    {"path": walk.display_path(drive, i), "scope": sc, "age_days": round(a, 1)}
                    for i, sc, a in sorted(counted, key=lambda c: (c[1] != "anonymous", -c[2]))[:20]
                ],
                "walk": walk.evidence(),
            },
            confidence=Confidence.HIGH,
            severity=Severity.HIGH if anonymous else None,
        )
