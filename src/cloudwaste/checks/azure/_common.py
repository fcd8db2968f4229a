"""Helpers shared by the Azure checks: ARM ids, resources, tags, power states and ages.

Collections hold ARM resources exactly as the REST API returns them (``id``, ``name``, ``type``,
``location``, ``tags``, ``sku``, ``zones``, ``managedBy``, camelCase ``properties``), whether they
came from a management SDK list call (serialized back to REST form) or from Azure Resource Graph.
ARM ids and types are case-insensitive and real responses mix case (a VM's reference to its disk
may spell the resource group in capitals; Resource Graph lowercases ``type``), so every comparison
goes through :func:`norm`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwaste.checks.context import CheckContext, MetricSeries, age_days
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


# --- added by the compute checks (C) --------------------------------------------------------------


def prop(item: Mapping[str, Any], name: str) -> Any:
    """A property by name, case-insensitively: ARM spells some in PascalCase (the disk's
    ``LastOwnershipUpdateTime``) while SDKs and Resource Graph may camelCase them."""
    bag = props(item)
    if name in bag:
        return bag[name]
    lowered = name.lower()
    return next((v for k, v in bag.items() if k.lower() == lowered), None)


def whole_days(days: float) -> str:
    """``12 days`` / ``1 day`` (rounded down) for reasons."""
    n = int(days)
    return f"{n} day" if n == 1 else f"{n} days"


def tokens(text: str | None) -> set[str]:
    """The lower-case words of ``text`` split on anything not a letter or digit ("rg-Dev_01" ->
    {"rg", "dev", "01"}), so "contest" never matches "test"."""
    return {t for t in re.split(r"[^a-z0-9]+", (text or "").lower()) if t}


def tag_words(item: Mapping[str, Any]) -> set[str]:
    """Every word of every tag key and value of ``item``."""
    found: set[str] = set()
    for key, value in tags(item).items():
        found |= tokens(key) | tokens(value)
    return found


def parse_time(value: Any) -> datetime | None:
    """An ARM ISO 8601 timestamp (7-digit fractions and ``Z`` included) as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    match = re.match(r"^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", text)
    if match:  # Python < 3.11 style parsers reject 7-digit fractions: keep microseconds only
        frac = (match.group(2) or "")[:7]
        text = match.group(1) + (frac if frac else "") + match.group(3)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    """An ISO 8601 string for evidence."""
    return value.isoformat() if value else None


# --- VM power history from the Activity Log (azure:vm_power_events) -------------------------------

ACTIVITY_LOG_DAYS = 90  # the Activity Log's retention: what azure:vm_power_events covers
_VM_OPS = "microsoft.compute/virtualmachines/"
STOP_OPERATIONS = frozenset({_VM_OPS + "deallocate/action", _VM_OPS + "poweroff/action"})
START_OPERATIONS = frozenset({_VM_OPS + "start/action", _VM_OPS + "restart/action"})


@dataclass(frozen=True)
class PowerSince:
    """Since when a VM has been in its current stopped/deallocated state, as far as the log tells.

    ``since`` is None when the log cannot tell (the VM was started or created later than its last
    stop event, or has no events yet is younger than the log: it was shut down from inside the guest
    OS, or evicted). ``at_least`` means no event in the whole window: the state is at least
    ``ACTIVITY_LOG_DAYS`` old and ``since`` is the start of the window.
    """

    since: datetime | None
    at_least: bool
    basis: str
    operation: str | None = None
    last_start: datetime | None = None

    def days(self, now: datetime) -> float | None:
        """Days in the state (None when unknown)."""
        return None if self.since is None else (now - self.since).total_seconds() / 86400.0

    def describe(self, now: datetime) -> str:
        """``for 42 days`` / ``for at least 90 days`` / ``since an unknown time``."""
        days = self.days(now)
        if days is None:
            return "since an unknown time"
        return f"for {'at least ' if self.at_least else ''}{whole_days(days)}"


class PowerEvents:
    """The Activity Log power events of a unit, by VM id.

    Operations whose correlation id also has a ``Failed`` event are ignored; ``Started``,
    ``Accepted`` and ``Succeeded`` entries of the others count, at their ``eventTimestamp``.
    """

    def __init__(self, events: Iterable[Mapping[str, Any]]) -> None:
        failed = {
            str(e.get("correlationId"))
            for e in events
            if str(_value(e.get("status"))).lower() == "failed" and e.get("correlationId")
        }
        self.by_vm: dict[str, list[tuple[datetime, str]]] = {}
        for event in events:
            if str(_value(event.get("status"))).lower() == "failed" or (
                event.get("correlationId") and str(event.get("correlationId")) in failed
            ):
                continue
            when = parse_time(event.get("eventTimestamp"))
            operation = str(_value(event.get("operationName"))).lower()
            if when is None or not operation:
                continue
            self.by_vm.setdefault(norm(event.get("resourceId")), []).append((when, operation))
        for entries in self.by_vm.values():
            entries.sort()

    def since(self, vm: Mapping[str, Any], now: datetime) -> PowerSince:
        """Since when ``vm`` (stopped or deallocated now) has not been running.

        The latest deallocate/powerOff event after the latest start, restart or creation; no event
        in the window on a VM created before it means at least the window.
        """
        entries = self.by_vm.get(norm(vm.get("id")), [])
        created = parse_time(props(vm).get("timeCreated"))
        window_start = now - timedelta(days=ACTIVITY_LOG_DAYS)
        starts = [when for when, op in entries if op in START_OPERATIONS]
        if created is not None and created > window_start:
            starts.append(created)
        last_start = max(starts, default=None)
        stops = [(when, op) for when, op in entries if op in STOP_OPERATIONS]
        last_stop = max(stops, default=None)
        if last_stop is not None and (last_start is None or last_stop[0] >= last_start):
            return PowerSince(last_stop[0], False, "activity log", last_stop[1], last_start)
        if last_start is not None:
            basis = "activity log: started or created after its last stop event"
            return PowerSince(None, False, basis, None, last_start)
        if created is None:
            return PowerSince(None, False, "no power event in the activity log and no creation time")
        return PowerSince(window_start, True, f"no power event in the {ACTIVITY_LOG_DAYS}-day activity log")

    def started_since_created(self, vm: Mapping[str, Any]) -> bool:
        """Whether a start or restart event is logged for ``vm``."""
        return any(op in START_OPERATIONS for _, op in self.by_vm.get(norm(vm.get("id")), []))


def _value(field: Any) -> Any:
    """An Activity Log localizable field (``{"value": ..., "localizedValue": ...}``) or a plain value."""
    return field.get("value") if isinstance(field, Mapping) else field


# --- metric series helpers -----------------------------------------------------------------------


def mean(series: MetricSeries | None) -> float | None:
    """The mean of a series' datapoints (None for no series)."""
    if series is None or not series.values:
        return None
    return float(sum(series.values)) / len(series.values)


def summed(*series: MetricSeries | None) -> list[float] | None:
    """Per-timestamp sums of series (read + write), None when any series is missing."""
    if any(s is None for s in series):
        return None
    totals: dict[datetime, float] = {}
    for s in series:
        assert s is not None
        for when, value in zip(s.timestamps, s.values, strict=False):
            totals[when] = totals.get(when, 0.0) + float(value)
    return [totals[k] for k in sorted(totals)]


def percentile(values: Iterable[float], pct: float) -> float | None:
    """The nearest-rank ``pct`` percentile (None for no values)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


RESOURCE_GROUPS = "azure:resource_groups"


def managed_groups(ctx: CheckContext) -> set[str]:
    """Lower-cased names of the unit's resource groups that a service manages (``managedBy`` set):
    AKS node groups (whatever their name), Databricks and ARO groups, managed applications."""
    return {str(g.get("name") or "").lower() for g in ctx.get(RESOURCE_GROUPS) or [] if g.get("managedBy")}


def outside_managed_groups(ctx: CheckContext, items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``items`` whose resource group no service manages: the owning service decides their lifecycle."""
    managed = managed_groups(ctx)
    return [i for i in items if resource_group(i.get("id")).lower() not in managed]
