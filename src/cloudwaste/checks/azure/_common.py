"""Helpers shared by the Azure checks: ARM ids, resources, tags, power states and ages.

Collections hold ARM resources exactly as the REST API returns them (``id``, ``name``, ``type``,
``location``, ``tags``, ``sku``, ``zones``, ``managedBy``, camelCase ``properties``), whether they
came from a management SDK list call (serialized back to REST form) or from Azure Resource Graph.
ARM ids and types are case-insensitive and real responses mix case (a VM's reference to its disk
may spell the resource group in capitals; Resource Graph lowercases ``type``), so every comparison
goes through :func:`norm`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cloudwaste.checks.context import CheckContext, age_days
from cloudwaste.model import Resource


def norm(arm_id: str | None) -> str:
    """An ARM id or type in the form used for comparisons (lower case, no trailing slash)."""
    return (arm_id or "").strip().rstrip("/").lower()


def ids(items: Iterable[Mapping[str, Any]]) -> set[str]:
    """The normalised ids of ``items``."""
    return {norm(i.get("id")) for i in items if i.get("id")}


def props(item: Mapping[str, Any]) -> dict[str, Any]:
    """The ``properties`` bag (``{}`` when absent or null)."""
    value = item.get("properties")
    return value if isinstance(value, dict) else {}


def tags(item: Mapping[str, Any]) -> dict[str, str]:
    """Resource tags as a str -> str dict (null tags give {})."""
    return {str(k): "" if v is None else str(v) for k, v in (item.get("tags") or {}).items()}


def resource_group(arm_id: str | None) -> str:
    """The resource group segment of an ARM id ('' when there is none), in its original case."""
    parts = (arm_id or "").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[i + 1]
    return ""


def parent_id(arm_id: str, levels: int = 2) -> str:
    """The id ``levels`` segments up: a NIC ip configuration's id -> the NIC's id."""
    return "/".join(arm_id.rstrip("/").split("/")[:-levels])


def region_of(item: Mapping[str, Any], ctx: CheckContext) -> str:
    """The item's location (normalised: 'westeurope'), else the unit's region."""
    return str(item.get("location") or ctx.region).replace(" ", "").lower()


def resource(item: Mapping[str, Any], rtype: str, *, created_field: str | None = "timeCreated") -> Resource:
    """A Resource for an ARM item: its id (also as the ``arn``), name, type, tags and creation time."""
    created = props(item).get(created_field) if created_field else None
    return Resource(
        id=str(item["id"]),
        arn=str(item["id"]),
        name=item.get("name"),
        type=rtype,
        tags=tags(item),
        created_at=created,
    )


def power_state(vm: Mapping[str, Any]) -> str | None:
    """``running`` / ``stopped`` / ``deallocated`` / ... from a VM's instance view, None when absent.

    Needs the VM listed with ``statusOnly=true`` (or its instanceView); the code is
    ``PowerState/<state>``.
    """
    view = props(vm).get("instanceView") or {}
    for status in view.get("statuses") or []:
        code = str(status.get("code") or "")
        if code.lower().startswith("powerstate/"):
            return code.split("/", 1)[1].lower()
    return None


def days_since(value: str | None, ctx: CheckContext) -> float | None:
    """Days between an ARM ISO 8601 timestamp and ``ctx.now`` (None when unknown)."""
    return age_days(value, ctx.now) if value else None


def tag_matches(item: Mapping[str, Any], words: Iterable[str]) -> str | None:
    """The first ``key=value`` tag whose key or value contains one of ``words`` (case-insensitive)."""
    lowered = [w.lower() for w in words]
    for key, value in tags(item).items():
        text = f"{key}={value}".lower()
        if any(w in text for w in lowered):
            return f"{key}={value}"
    return None
