"""Helpers shared by the GCP checks: resource URLs, ids, labels, zones, regions, times and int64s.

Collections hold items exactly as the Google REST (JSON) APIs return them: camelCase fields, int64
values as **strings** (``"sizeGb": "100"``), RFC 3339 timestamps with offsets
(``"2024-05-01T10:11:12.123-07:00"``) and Compute references as full URLs
(``https://www.googleapis.com/compute/v1/projects/p/zones/z/disks/d``). References may come in
other spellings (``compute/beta``, ``//compute.googleapis.com/projects/...`` in Recommender and Asset
Inventory, a bare ``projects/...`` path), so every comparison goes through :func:`norm_url`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from cloudwaste.checks.context import CheckContext
from cloudwaste.model import Resource

_URL_PREFIX = re.compile(
    r"^(?:https?:)?//(?:www\.googleapis\.com|compute\.googleapis\.com)/(?:compute/(?:v1|beta|alpha)/)?",
    re.IGNORECASE,
)


def norm_url(url: Any) -> str:
    """A Compute reference in the form used for comparisons: ``projects/p/zones/z/disks/d``.

    Strips the scheme and host (``https://www.googleapis.com/compute/v1/``, ``//compute.googleapis.com/``),
    the API version, a leading and trailing slash, and lower-cases it (project ids, zones and resource
    names are lower case in GCP; numeric ids compare equal either way).
    """
    text = str(url or "").strip()
    text = _URL_PREFIX.sub("", text)
    text = re.sub(r"^compute/(?:v1|beta|alpha)/", "", text.lstrip("/"), flags=re.IGNORECASE)
    return text.strip("/").lower()


def last_segment(url: Any) -> str:
    """The last path segment of a URL or path (``.../machineTypes/n1-standard-4`` -> ``n1-standard-4``)."""
    return str(url or "").rstrip("/").rsplit("/", 1)[-1]


def zone_of(url: Any) -> str | None:
    """The zone name in a zone URL or a resource URL under ``zones/`` (None when there is none)."""
    text = str(url or "")
    match = re.search(r"(?:^|/)zones/([^/]+)", text)
    if match:
        return match.group(1)
    if text and "/" not in text and re.fullmatch(r"[a-z]+-[a-z]+\d+-[a-z]", text):
        return text
    return None


def zone_region(zone: str) -> str:
    """The region of a zone name (``europe-west1-b`` -> ``europe-west1``)."""
    return zone.rsplit("-", 1)[0] if re.fullmatch(r"[a-z]+-[a-z]+\d+-[a-z]", zone) else zone


def region_of(item: Mapping[str, Any], ctx: CheckContext) -> str:
    """Where an item lives, as a ``Hit.region``: its zone (``europe-west1-b``) or region name.

    Reads ``zone`` and ``region`` URLs (Compute), ``_location`` (Cloud Asset Inventory items),
    ``location``/``locationId`` (other services; multi-regions such as ``EU`` are lower-cased),
    else the unit's region.
    """
    zone = zone_of(item.get("zone"))
    if zone:
        return zone
    for field in ("region", "_location", "location", "locationId"):
        value = item.get(field)
        if value:
            return last_segment(value).lower()
    return ctx.region


def price_region(item: Mapping[str, Any], ctx: CheckContext) -> str:
    """The region whose prices apply to an item: a zone's region, else :func:`region_of`."""
    return zone_region(region_of(item, ctx))


def as_int(value: Any, default: int | None = None) -> int | None:
    """A proto JSON int64 (a string such as ``"100"``) or number as an int; ``default`` when absent/bad."""
    if value is None or value == "" or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return default


def as_float(value: Any, default: float | None = None) -> float | None:
    """A JSON number or numeric string as a float; ``default`` when absent or not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``Z`` or an offset, 0-9 fraction digits) as an aware datetime (None if bad)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value:
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d{12,14}", text):  # ms since the epoch (BigQuery creationTime et al.)
        return datetime.fromtimestamp(int(text) / 1000.0, tz=UTC)
    text = re.sub(r"[zZ]$", "+00:00", text)
    match = re.match(r"^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", text)
    if match:  # nanosecond fractions: keep microseconds
        frac = (match.group(2) or "")[:7]
        text = match.group(1) + frac + match.group(3)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def days_since(value: Any, ctx: CheckContext) -> float | None:
    """Days between a timestamp and ``ctx.now`` (None when unknown or unparseable)."""
    when = parse_time(value)
    return None if when is None else (ctx.now - when).total_seconds() / 86400.0


def iso(value: datetime | None) -> str | None:
    """An ISO 8601 string for evidence."""
    return value.isoformat() if value else None


def whole_days(days: float) -> str:
    """``12 days`` / ``1 day`` (rounded down) for reasons."""
    n = int(days)
    return f"{n} day" if n == 1 else f"{n} days"


def labels(item: Mapping[str, Any]) -> dict[str, str]:
    """An item's labels as a str -> str dict (``labels``, else ``userLabels``/``resourceLabels``)."""
    for field in ("labels", "userLabels", "resourceLabels"):
        value = item.get(field)
        if isinstance(value, Mapping):
            return {str(k): "" if v is None else str(v) for k, v in value.items()}
    settings = item.get("settings")
    if isinstance(settings, Mapping) and isinstance(settings.get("userLabels"), Mapping):
        return {str(k): str(v) for k, v in settings["userLabels"].items()}
    return {}


def resource_id(item: Mapping[str, Any]) -> str:
    """A stable id for an item: its normalised ``selfLink`` (``projects/p/zones/z/disks/d``), else its
    ``name`` (Asset Inventory items carry full resource names), else its ``id``."""
    if item.get("selfLink"):
        return norm_url(item["selfLink"])
    return str(item.get("name") or item.get("id") or "")


def resource(item: Mapping[str, Any], rtype: str, *, created_field: str | None = None) -> Resource:
    """A Resource for a GCP item: id (:func:`resource_id`), selfLink as ``arn``, name, labels, creation.

    The creation time is read from ``created_field`` when given, else ``creationTimestamp``
    (Compute), ``createTime`` or ``timeCreated``.
    """
    fields = (created_field,) if created_field else ("creationTimestamp", "createTime", "timeCreated")
    created = next((parse_time(item.get(f)) for f in fields if item.get(f)), None)
    name = item.get("name")
    return Resource(
        id=resource_id(item),
        arn=str(item.get("selfLink") or item.get("name") or "") or None,
        name=last_segment(name) if name else None,
        type=rtype,
        tags=labels(item),
        created_at=created,
    )


def urls(values: Iterable[Any]) -> set[str]:
    """Normalised URLs of ``values`` (empty values dropped)."""
    return {norm_url(v) for v in values if v}


def self_links(items: Iterable[Mapping[str, Any]]) -> set[str]:
    """Normalised ``selfLink`` of ``items``."""
    return urls(i.get("selfLink") for i in items)


# --- appended by GD: helpers of the data-service checks (Cloud SQL ... Filestore) ------------------

GIB = 1024**3
# Label keys and values that mark a resource as non-production (GCP label values are lower case).
NONPROD_LABEL_KEYS = ("environment", "env", "stage", "tier", "environment-type", "env-type", "lifecycle")
NONPROD_VALUES = frozenset(
    {
        "dev",
        "development",
        "test",
        "testing",
        "qa",
        "staging",
        "stage",
        "stg",
        "sandbox",
        "nonprod",
        "non-prod",
        "non-production",
        "uat",
        "demo",
        "scratch",
        "tmp",
        "temp",
    }
)


def nonprod_label(item: Mapping[str, Any]) -> tuple[str, str] | None:
    """The ``(key, value)`` label that marks an item as non-production (``env: dev``), if any."""
    for key, value in labels(item).items():
        if key.lower() in NONPROD_LABEL_KEYS and value.strip().lower() in NONPROD_VALUES:
            return key, value
    return None


def name_tokens(name: Any) -> set[str]:
    """The lower-cased words of a name split on ``-``, ``_``, ``.`` and ``/`` (``tmp_orders-2024`` ->
    ``{"tmp", "orders", "2024"}``)."""
    return {t for t in re.split(r"[-_./()]+", str(name or "").lower()) if t}


def metric_days(series: Any) -> int:
    """Distinct UTC days with a datapoint in a metric series (0 for None)."""
    if series is None:
        return 0
    return len({t.astimezone(UTC).date() for t in series.timestamps})


def mean(values: Iterable[float]) -> float | None:
    """The arithmetic mean (None for no values)."""
    items = list(values)
    return sum(items) / len(items) if items else None


# --- Cloud Asset Inventory items (GKE, Cloud Run, Functions, Dataproc, Dataflow, Vertex AI, Workbench) ---


def path_segment(name: Any, key: str) -> str | None:
    """The segment after ``key`` in a resource name (``locations`` of ``projects/p/locations/l/x/y`` is
    ``l``); None when the name has no such part."""
    parts = str(name or "").strip("/").split("/")
    for n, part in enumerate(parts[:-1]):
        if part == key:
            return parts[n + 1]
    return None


def asset_id(item: Mapping[str, Any]) -> str:
    """A stable id for an Asset Inventory item: its asset name without the leading ``//``
    (``container.googleapis.com/projects/p/locations/l/clusters/c``), else its resource name or selfLink."""
    asset = str(item.get("_asset_name") or "").lstrip("/")
    if asset:
        return asset
    metadata = item.get("metadata") if isinstance(item.get("metadata"), Mapping) else {}
    return str(item.get("name") or item.get("selfLink") or (metadata or {}).get("selfLink") or "")


def asset_location(item: Mapping[str, Any], ctx: CheckContext) -> str:
    """Where an Asset Inventory item lives: the asset's ``_location``, the item's ``location``, or the
    ``locations/``, ``regions/`` or ``zones/`` part of its name (lower case; the unit's region if none)."""
    for value in (item.get("_location"), item.get("location")):
        if value:
            return last_segment(value).lower()
    for key in ("locations", "regions", "zones"):
        found = path_segment(item.get("name"), key)
        if found:
            return found.lower()
    return ctx.region


def asset_resource(
    item: Mapping[str, Any],
    rtype: str,
    *,
    name: str | None,
    created: Any = None,
    tags: Mapping[str, str] | None = None,
) -> Resource:
    """A Resource for an Asset Inventory item: :func:`asset_id`, the given short name, its labels
    (or ``tags``) and creation time."""
    return Resource(
        id=asset_id(item),
        arn=str(item.get("selfLink") or item.get("name") or "") or None,
        name=name,
        type=rtype,
        tags=dict(tags) if tags is not None else labels(item),
        created_at=parse_time(created),
    )


def duration_seconds(value: Any) -> float | None:
    """A proto JSON Duration (``"3600s"``, ``"1.5s"``) in seconds; None when absent or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        return float(value.get("seconds") or 0) + float(value.get("nanos") or 0) / 1e9
    text = str(value).strip()
    text = text[:-1] if text.endswith("s") else text
    try:
        return float(text)
    except ValueError:
        return None
