"""Google's own idle-resource recommendations, passed through as ``gcp:recommendations``.

Five recommenders, each listed only in the locations where the project has resources of its kind
(taken from the Compute lists and the Cloud SQL assets already collected), not in every zone:

============================================  ==============================================
recommender                                   locations
============================================  ==============================================
google.compute.instance.IdleResourceRecommender  zones of the instances
google.compute.disk.IdleResourceRecommender      zones of zonal disks, regions of regional disks
google.compute.address.IdleResourceRecommender   regions of the addresses, ``global`` if any global one
google.compute.image.IdleResourceRecommender     ``global`` (if the project has images)
google.cloudsql.instance.IdleRecommender         regions of the Cloud SQL instances
============================================  ==============================================

The (recommender, location) calls run 8 at a time. Each item is the Recommendation's REST JSON plus
``"_recommender"`` (the recommender id). A location
the recommender does not serve (400 / 404) gives nothing; a disabled Recommender API is the caller's
to report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cloudwaste.providers.gcp import http
from cloudwaste.providers.gcp.collectors import Items, to_rest

Collect = Callable[[str], Any]  # collection name -> items (the session's memoized collect)
WORKERS = 8  # locations listed at once


@dataclass(frozen=True)
class Recommender:
    """One recommender: id, the collections whose locations it needs, and its IAM permission."""

    id: str
    collections: tuple[str, ...]
    permission: str


RECOMMENDERS: tuple[Recommender, ...] = (
    Recommender(
        "google.compute.instance.IdleResourceRecommender",
        ("gcp:instances",),
        "recommender.computeInstanceIdleResourceRecommendations.list",
    ),
    Recommender(
        "google.compute.disk.IdleResourceRecommender",
        ("gcp:disks",),
        "recommender.computeDiskIdleResourceRecommendations.list",
    ),
    Recommender(
        "google.compute.address.IdleResourceRecommender",
        ("gcp:addresses", "gcp:global_addresses"),
        "recommender.computeAddressIdleResourceRecommendations.list",
    ),
    Recommender(
        "google.compute.image.IdleResourceRecommender",
        ("gcp:images",),
        "recommender.computeImageIdleResourceRecommendations.list",
    ),
    Recommender(
        "google.cloudsql.instance.IdleRecommender",
        ("gcp:sql_instances",),
        "recommender.cloudsqlIdleInstanceRecommendations.list",
    ),
)
_SEGMENT = re.compile(r"(?:^|/)(zones|regions)/([^/]+)")


def location_of(item: Mapping[str, Any]) -> str:
    """An item's zone, region or ``global`` (Compute URLs; Cloud SQL ``region``; asset ``_location``)."""
    for field in ("zone", "region"):
        value = str(item.get(field) or "")
        if value:
            match = _SEGMENT.search(value)
            return match.group(2) if match else value.rsplit("/", 1)[-1]
    if item.get("_location"):
        return str(item["_location"]).lower()
    return "global"


def locations(recommender: Recommender, collect: Collect) -> list[str]:
    """Where ``recommender`` is asked: the locations of the project's resources of its kind."""
    found: set[str] = set()
    for name in recommender.collections:
        for item in collect(name) or []:
            found.add("global" if name in ("gcp:images", "gcp:global_addresses") else location_of(item))
    return sorted(found - {""})


def list_location(
    client: Any, project: str, recommender: str, location: str, *, timeout: float, retry: Any
) -> Items:
    """Recommendations of one recommender in one location (every page); [] where it does not run."""
    parent = f"projects/{project}/locations/{location}/recommenders/{recommender}"
    try:
        pager = client.list_recommendations(
            request={"parent": parent, "page_size": 500}, retry=retry, timeout=timeout
        )
        items = [to_rest(r) for r in pager]
    except Exception as exc:
        if http.status_code(exc) in (400, 404):
            return []
        raise
    for item in items:
        item["_recommender"] = recommender
    return items


def collect(
    client: Any, project: str, collect: Collect, *, timeout: float, retry: Any, only: Iterable[str] = ()
) -> Items:
    """Every recommendation of :data:`RECOMMENDERS` (or those in ``only``) for ``project``."""
    wanted = set(only)
    calls = [
        (rec.id, location)
        for rec in RECOMMENDERS
        if not wanted or rec.id in wanted
        for location in locations(rec, collect)
    ]
    if not calls:
        return []
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(calls)), thread_name_prefix="cw-gcp-rec") as pool:
        pages = pool.map(
            lambda call: list_location(client, project, call[0], call[1], timeout=timeout, retry=retry), calls
        )
        return [item for page in pages for item in page]
