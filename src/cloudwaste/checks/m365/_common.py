"""Helpers shared by the Microsoft 365 checks: resources, Graph times, users, SKUs and prices.

Collections hold Graph v1.0 JSON exactly as the REST API returns it (camelCase, ISO 8601 strings
with ``Z`` and up to 7 fractional digits) and usage-report rows keyed by the CSV header as Microsoft
writes it (``"User Principal Name"``, dates as ``YYYY-MM-DD``, empty = no activity in the period).
See ``notes/m365-contract.md`` for the collection names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from cloudwaste.checks.context import CheckContext
from cloudwaste.model import CostKind, Money, Resource

PRICE_REGION = "global"


# --- resources and times ------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    """A Graph ISO 8601 timestamp (``Z``, 7-digit fractions) or a report date (``2024-05-01``) as an
    aware UTC datetime; None for empty, null or unparseable values."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
    match = re.match(r"^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", text)
    if match:  # keep at most microseconds: Graph writes 7 fractional digits
        frac = (match.group(2) or "")[:7]
        text = match.group(1) + frac + match.group(3)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.year <= 1601:  # .NET's DateTime.MinValue ("0001-01-01T00:00:00Z") means "never"
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def days_between(earlier: datetime | None, now: datetime) -> float | None:
    """Days from ``earlier`` to ``now`` (None when unknown)."""
    return None if earlier is None else (now - earlier).total_seconds() / 86400.0


def whole_days(days: float) -> str:
    """``12 days`` / ``1 day`` (rounded down) for reasons."""
    n = int(days)
    return f"{n} day" if n == 1 else f"{n} days"


def iso(value: datetime | None) -> str | None:
    """An ISO 8601 string for evidence."""
    return value.isoformat() if value else None


def user_label(user: Mapping[str, Any]) -> str:
    """How a user is named in reasons: ``Ada Lovelace (ada@contoso.com)``, else the UPN or the id."""
    upn = user.get("userPrincipalName") or user.get("mail") or ""
    name = user.get("displayName") or ""
    if name and upn and name != upn:
        return f"{name} ({upn})"
    return str(name or upn or user.get("id") or "unknown user")


def resource(
    item: Mapping[str, Any],
    rtype: str,
    *,
    id_field: str = "id",
    name: str | None = None,
    created_field: str | None = "createdDateTime",
) -> Resource:
    """A Resource for a Graph object: its id, name (``userPrincipalName``/``displayName``/``name``
    unless given), type and creation time. Graph objects have no tags."""
    created = parse_time(item.get(created_field)) if created_field else None
    label = name or item.get("userPrincipalName") or item.get("displayName") or item.get("name")
    return Resource(
        id=str(item[id_field]),
        arn=None,
        name=str(label) if label else None,
        type=rtype,
        tags={},
        created_at=created,
    )


def capabilities(ctx: CheckContext) -> Mapping[str, Any]:
    """The provider's facts (``m365:capabilities``), ``{}`` when absent. The mapping itself, not a copy:
    the provider resolves its storage facts (``items_bound_hit``) lazily on ``.get``."""
    caps = ctx.get("m365:capabilities")
    return caps if isinstance(caps, Mapping) else {}


# --- users and licences -------------------------------------------------------------------------


def norm_upn(value: Any) -> str:
    """A UPN or mail address in comparison form (lower case, trimmed)."""
    return str(value or "").strip().lower()


def assigned_sku_ids(user: Mapping[str, Any]) -> list[str]:
    """The skuIds of a user's ``assignedLicenses`` (lower case, in order, no duplicates)."""
    seen: list[str] = []
    for lic in user.get("assignedLicenses") or []:
        sku = str(lic.get("skuId") or "").lower()
        if sku and sku not in seen:
            seen.append(sku)
    return seen


def assignment_states(user: Mapping[str, Any], sku_id: str) -> list[Mapping[str, Any]]:
    """The ``licenseAssignmentStates`` entries of ``sku_id`` (direct and inherited from groups)."""
    sku = sku_id.lower()
    return [s for s in user.get("licenseAssignmentStates") or [] if str(s.get("skuId") or "").lower() == sku]


def cost_group(user: Mapping[str, Any], sku_id: str) -> str:
    """The cost group of one user's licence of one SKU: findings of several checks on the same
    licence share it, so totals count that licence once."""
    return f"m365:{user.get('id')}:{sku_id.lower()}"


# --- SKUs and prices ----------------------------------------------------------------------------

# SKUs that cost nothing whatever the book says: trials, viral (self-service sign-up), free and
# developer-programme SKUs (the book lists the known ones with "free": true; these patterns catch the rest).
FREE_SKU_PATTERNS: tuple[str, ...] = (
    r".*TRIAL.*",
    r".*_VIRAL.*",
    r".*_FREE(_.*)?",
    r"DEVELOPERPACK.*",
    r".*_DEV",
    r".*_IW(_SKU)?",
    r".*_INDIVIDUAL_USER",
)
_FREE_RE = re.compile("^(?:" + "|".join(FREE_SKU_PATTERNS) + ")$", re.IGNORECASE)


def sku_price_key(part_number: str) -> str:
    """The price-book key of a SKU: ``m365.sku.<skuPartNumber>.month``."""
    return f"m365.sku.{part_number}.month"


def sku_entry(ctx: CheckContext, part_number: str) -> Mapping[str, Any]:
    """The book's entry for a SKU (``{}`` when the book does not list it)."""
    entry = ctx.prices.prices.get(sku_price_key(part_number))
    return entry if isinstance(entry, Mapping) else {}


def sku_name(ctx: CheckContext, part_number: str) -> str:
    """A SKU's product name (``Office 365 E3``) from the book, else its part number."""
    return str(sku_entry(ctx, part_number).get("name") or part_number)


def sku_label(ctx: CheckContext, part_number: str) -> str:
    """``Office 365 E3 (ENTERPRISEPACK)`` for reasons."""
    name = sku_name(ctx, part_number)
    return part_number if name == part_number else f"{name} ({part_number})"


def is_free_sku(ctx: CheckContext, part_number: str, *, trial: bool = False) -> bool:
    """Whether a SKU costs nothing: marked ``free`` in the book, matching a free/viral/trial/developer
    pattern, or a trial subscription (``trial``). A price configured by the user overrides both."""
    key = sku_price_key(part_number)
    configured = ctx.prices.live.get((key, PRICE_REGION))
    if configured is not None:
        return configured[0] == 0
    if trial:
        return True
    return bool(sku_entry(ctx, part_number).get("free")) or bool(_FREE_RE.match(part_number or ""))


def sku_monthly(
    ctx: CheckContext, part_number: str, units: float = 1.0, *, kind: CostKind = CostKind.COST
) -> Money:
    """``units`` licences of a SKU per month at the book's (or configured) price; unknown price ->
    amount None."""
    what = "licence" if units == 1 else "licences"
    return ctx.prices.monthly(sku_price_key(part_number), PRICE_REGION, units, kind=kind, what=what)


class Skus:
    """The tenant's ``subscribedSkus`` by skuId (lower case)."""

    def __init__(self, items: Iterable[Mapping[str, Any]]) -> None:
        self.by_id: dict[str, Mapping[str, Any]] = {}
        for sku in items:
            sku_id = str(sku.get("skuId") or "").lower()
            if sku_id:
                self.by_id[sku_id] = sku

    @classmethod
    def of(cls, ctx: CheckContext) -> Skus:
        """The SKUs of the unit's ``m365:subscribed_skus``."""
        return cls(ctx.get("m365:subscribed_skus") or [])

    def part_number(self, sku_id: str) -> str:
        """The skuPartNumber of a skuId; the skuId itself when the tenant no longer lists it."""
        sku = self.by_id.get(sku_id.lower())
        return str(sku.get("skuPartNumber") or sku_id) if sku else sku_id

    def plans(self, sku_id: str) -> list[Mapping[str, Any]]:
        """The ``servicePlans`` of a SKU ([] when unknown)."""
        sku = self.by_id.get(sku_id.lower()) or {}
        return list(sku.get("servicePlans") or [])


def user_plan_names(user: Mapping[str, Any], sku_id: str, skus: Skus) -> set[str]:
    """The service plan names (upper case) a user's licence of ``sku_id`` enables: the SKU's plans that
    apply to users minus the licence's ``disabledPlans``."""
    disabled: set[str] = set()
    for lic in user.get("assignedLicenses") or []:
        if str(lic.get("skuId") or "").lower() == sku_id.lower():
            disabled |= {str(p).lower() for p in lic.get("disabledPlans") or []}
    names: set[str] = set()
    for plan in skus.plans(sku_id):
        if str(plan.get("servicePlanId") or "").lower() in disabled:
            continue
        if str(plan.get("appliesTo") or "User") not in ("User", ""):
            continue
        names.add(str(plan.get("servicePlanName") or "").upper())
    return names


# --- usage reports ------------------------------------------------------------------------------


PERIOD_DAYS = {"D7": 7, "D30": 30, "D90": 90, "D180": 180}
_HASHED = re.compile(r"^[0-9A-F]{32}$", re.IGNORECASE)


def period_days(ctx: CheckContext) -> int:
    """The usage reports' period in days (``m365:capabilities.report_period``; D30 when unknown)."""
    return PERIOD_DAYS.get(str(capabilities(ctx).get("report_period") or "D30").upper(), 30)


def report_refreshed(ctx: CheckContext) -> datetime:
    """The reports' data date (``report_refresh_date``; reports lag about 48 h), else ``ctx.now``."""
    return parse_time(capabilities(ctx).get("report_refresh_date")) or ctx.now


def concealed(
    ctx: CheckContext, rows: Iterable[Mapping[str, Any]], column: str = "User Principal Name"
) -> bool:
    """Whether report names are concealed: the provider says so, or every named row holds a 32-hex hash
    instead of a UPN (Microsoft 365 admin center > Settings > Org settings > Reports > "Display concealed
    user, group, and site names in all reports")."""
    if capabilities(ctx).get("reports_concealed"):
        return True
    names = [str(r.get(column) or "").strip() for r in rows]
    names = [n for n in names if n]
    return bool(names) and all(_HASHED.match(n) and "@" not in n for n in names)


CONCEALED_FIX = (
    "Report names are concealed, so report rows cannot be matched to users: turn concealment off in the "
    "Microsoft 365 admin center (Settings > Org settings > Services > Reports > clear "
    '"Display concealed user, group, and site names in all reports") or with Graph '
    'PATCH /admin/reportSettings {"displayConcealedNames": false} (ReportSettings.ReadWrite.All), '
    "then scan again."
)


def report_date(value: Any) -> datetime | None:
    """A report cell date (``YYYY-MM-DD``; empty = no activity in the period)."""
    return parse_time(value)


def report_by_upn(rows: Iterable[Mapping[str, Any]], column: str = "User Principal Name") -> dict[str, Any]:
    """Report rows keyed by normalised UPN; rows marked ``Is Deleted`` True are left out."""
    out: dict[str, Mapping[str, Any]] = {}
    for row in rows or []:
        if str(row.get("Is Deleted") or "").strip().lower() == "true":
            continue
        upn = norm_upn(row.get(column))
        if upn:
            out[upn] = row
    return out


def truthy(value: Any) -> bool:
    """A report boolean cell (``True``/``False`` strings) or a JSON bool."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("true", "yes", "1")
