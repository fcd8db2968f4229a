"""Bounded SharePoint and OneDrive collectors: sites, drives, drive items, recycle bins, versions.

Nothing here walks every file of every drive one request at a time:

- sites come from one paged ``GET /sites/getAllSites`` (SharePoint and OneDrive sites), ranked by the
  storage the usage reports give them (largest first; by last modification when reports are
  concealed or missing); the first ``max_drives`` sites have their drives listed
  (``GET /sites/{id}/drives``), one call per site;
- drive items come from each drive's ``delta`` (``GET /drives/{id}/items/root/delta``: the whole tree,
  a page of up to 999 items per call, ``$select``-ed), largest drive first, and stop at ``max_items``
  items for the whole scan (``items_bound_hit``);
- recycle bins (``GET /beta/sites/{id}/recycleBin/items``: the API is beta only) of the same sites, and
  the versions of the ``max_version_files`` largest files (``GET /drives/{d}/items/{i}/versions``).

Per-site and per-file calls run :data:`FAN_OUT` at a time on the unit's event loop; the delta walk is
sequential, drive after drive, so the bound is exact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from cloudwaste.providers.m365.collectors import call_error, odata_message, odata_status, with_query

if TYPE_CHECKING:
    from cloudwaste.providers.m365.client import Graph

DRIVES = "m365:drives"
DRIVE_ITEMS = "m365:drive_items"
RECYCLE_BIN_ITEMS = "m365:recycle_bin_items"
ITEM_VERSIONS = "m365:item_versions"

SITE_SELECT = (
    "id",
    "name",
    "displayName",
    "webUrl",
    "createdDateTime",
    "lastModifiedDateTime",
    "isPersonalSite",
    "siteCollection",
)
DRIVE_SELECT = (
    "id",
    "name",
    "driveType",
    "owner",
    "quota",
    "webUrl",
    "createdDateTime",
    "lastModifiedDateTime",
)
ITEM_SELECT = (
    "id",
    "name",
    "size",
    "file",
    "folder",
    "createdDateTime",
    "lastModifiedDateTime",
    "parentReference",
    "shared",
    "deleted",
)
RECYCLE_SELECT = ("id", "name", "title", "size", "deletedDateTime", "deletedFromLocation")
PAGE = 999
FAN_OUT = 4  # per-site and per-file calls in flight at once (Graph throttles bursts per app and tenant)
T = TypeVar("T")
U = TypeVar("U")


async def bounded(items: Iterable[T], work: Callable[[T], Awaitable[U]], limit: int = FAN_OUT) -> list[U]:
    """``work(item)`` for every item, at most ``limit`` at a time; results in the items' order."""
    gate = asyncio.Semaphore(max(1, limit))

    async def one(item: T) -> U:
        async with gate:
            return await work(item)

    return list(await asyncio.gather(*(one(i) for i in items)))


def _bytes(value: Any) -> int:
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        return 0


def rank_sites(sites: list[dict[str, Any]], report_rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Sites by the storage the usage reports give them (largest first), the rest by last change.

    A report's ``Site Id`` is the site collection id, the second part of a Graph site id
    (``host,collectionId,webId``).
    """
    used: dict[str, int] = {}
    for row in report_rows:
        sid = row.get("Site Id", "").strip().lower()
        if sid and row.get("Is Deleted", "").strip().lower() != "true":
            used[sid] = max(used.get(sid, 0), _bytes(row.get("Storage Used (Byte)")))

    def key(site: dict[str, Any]) -> tuple[int, int, str]:
        parts = str(site.get("id", "")).split(",")
        size = used.get(parts[1].lower()) if len(parts) > 1 else None
        return (0 if size is not None else 1, -(size or 0), str(site.get("lastModifiedDateTime") or ""))

    known = sorted((s for s in sites if key(s)[0] == 0), key=key)
    rest = sorted(
        (s for s in sites if key(s)[0] == 1), key=lambda s: str(s.get("lastModifiedDateTime") or "")
    )
    return known + rest[::-1]


async def list_sites(graph: Graph) -> list[dict[str, Any]]:
    """Every site of the tenant (``getAllSites``: SharePoint and personal OneDrive sites)."""
    try:
        info = with_query(graph.client.sites.get_all_sites.to_get_request_information(), SITE_SELECT)
        return await graph.list_all(info)
    except Exception as exc:
        if odata_status(exc) is None:
            raise
        raise call_error("/sites/getAllSites", exc, "Sites.Read.All") from None


async def list_drives(graph: Graph, sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The drives of each site (``_site_id`` added), a few sites at a time; a site that vanished (404)
    has none."""

    async def of(site: dict[str, Any]) -> list[dict[str, Any]]:
        builder = graph.client.sites.by_site_id(str(site["id"])).drives
        try:
            drives = await graph.list_all(with_query(builder.to_get_request_information(), DRIVE_SELECT))
        except Exception as exc:
            if odata_status(exc) == 404:
                return []
            if odata_status(exc) is None:
                raise
            raise call_error(f"/sites/{site['id']}/drives", exc, "Sites.Read.All") from None
        return [{**d, "_site_id": site["id"]} for d in drives]

    return [d for drives in await bounded(sites, of) for d in drives]


def _owner_upn(drive: dict[str, Any]) -> str | None:
    user = (drive.get("owner") or {}).get("user") or {}
    value = user.get("email") or user.get("userPrincipalName")
    return str(value) if value else None


@dataclass
class Walk:
    """The drive items read and whether the bound stopped the walk."""

    items: list[dict[str, Any]] = field(default_factory=list)
    bound_hit: bool = False
    drives_walked: int = 0


async def walk_items(graph: Graph, drives: list[dict[str, Any]], max_items: int) -> Walk:
    """Delta-walk the drives, largest first, until ``max_items`` items have been read in total."""
    walk = Walk()
    ordered = sorted(drives, key=lambda d: -_bytes((d.get("quota") or {}).get("used")))
    for index, drive in enumerate(ordered):
        if len(walk.items) >= max_items:
            walk.bound_hit = True
            break
        drive_id, owner = str(drive["id"]), _owner_upn(drive)
        builder = graph.client.drives.by_drive_id(drive_id).items.by_drive_item_id("root").delta
        info = with_query(builder.to_get_request_information(), ITEM_SELECT, PAGE)
        walk.drives_walked += 1
        while True:
            try:
                body = await graph.get_json(info)
            except Exception as exc:
                if odata_status(exc) == 404:
                    break
                if odata_status(exc) is None:
                    raise
                raise call_error(f"/drives/{drive_id}/items/root/delta", exc, "Files.Read.All") from None
            page = list(body.get("value") or [])
            room = max_items - len(walk.items)
            walk.items.extend({**i, "_drive_id": drive_id, "_owner_upn": owner} for i in page[:room])
            link = body.get("@odata.nextLink")
            more = bool(link) or index + 1 < len(ordered)
            if len(page) > room or (len(page) == room and more):  # the bound stops the walk here
                walk.bound_hit = True
                return walk
            if not link:
                break
            info = graph.request(str(link))
    return walk


@dataclass
class RecycleBin:
    """Recycle-bin items, or why the API is unavailable."""

    items: list[dict[str, Any]] = field(default_factory=list)
    available: bool = True
    error: str | None = None


async def recycle_bins(graph: Graph, sites: list[dict[str, Any]]) -> RecycleBin:
    """The recycle-bin items of ``sites`` (beta API): the first site alone (a refusal there marks the
    API unavailable, no more calls), then the others a few at a time."""

    async def of(site: dict[str, Any], first: bool) -> list[dict[str, Any]] | RecycleBin:
        sid = str(site["id"])
        url = f"{graph.beta_url}/sites/{sid}/recycleBin/items?$select={','.join(RECYCLE_SELECT)}&$top={PAGE}"
        try:
            items = await graph.list_all(graph.request(url))
        except Exception as exc:
            status = odata_status(exc)
            if status == 404 and not first:
                return []  # a site removed since it was listed
            if status in (400, 403, 404, 501):
                return RecycleBin([], False, f"recycleBin (beta): {odata_message(exc)}")
            if status is None:
                raise
            raise call_error(f"/beta/sites/{sid}/recycleBin/items", exc, "Sites.Read.All") from None
        return [{**i, "_site_id": sid} for i in items]

    if not sites:
        return RecycleBin()
    head = await of(sites[0], True)
    if isinstance(head, RecycleBin):
        return head
    out = RecycleBin(list(head))
    for got in await bounded(sites[1:], lambda site: of(site, False)):
        if isinstance(got, RecycleBin):
            return got
        out.items.extend(got)
    return out


async def item_versions(graph: Graph, items: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The versions of the ``limit`` largest files of ``items``, a few files at a time."""
    files = [i for i in items if i.get("file") is not None and not i.get("deleted")]
    files.sort(key=lambda i: -_bytes(i.get("size")))

    async def of(item: dict[str, Any]) -> dict[str, Any] | None:
        drive_id, item_id = str(item["_drive_id"]), str(item["id"])
        builder = graph.client.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).versions
        try:
            versions = await graph.list_all(builder.to_get_request_information())
        except Exception as exc:
            if odata_status(exc) == 404:
                return None
            if odata_status(exc) is None:
                raise
            raise call_error(f"/drives/{drive_id}/items/{item_id}/versions", exc, "Files.Read.All") from None
        return {
            "_item_id": item_id,
            "_drive_id": drive_id,
            "versions": [
                {
                    "id": v.get("id"),
                    "lastModifiedDateTime": v.get("lastModifiedDateTime"),
                    "size": v.get("size"),
                }
                for v in versions
            ],
        }

    return [v for v in await bounded(files[: max(0, limit)], of) if v is not None]
