"""Tenant-level licence checks: spare units per SKU, subscriptions renewing with spare units, SKUs in a
Warning/Suspended/LockedOut state, and licence assignment errors.

Units come from ``subscribedSkus`` (``prepaidUnits.enabled`` purchased and active, ``consumedUnits``
assigned) and terms from ``directory/subscriptions`` (``totalLicenses``, ``isTrial``, ``status``,
``nextLifecycleDateTime``). Spare units of one SKU share a cost group, so the spare-units and the
renewal findings of a SKU are counted once in totals.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.m365._common import (
    Skus,
    assignment_states,
    days_between,
    is_free_sku,
    parse_time,
    sku_entry,
    sku_label,
    sku_monthly,
    user_label,
    whole_days,
)
from cloudwaste.checks.m365._licensing import Held, licence_evidence, licence_resource
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity

SKUS = "m365:subscribed_skus"
SUBSCRIPTIONS = "m365:directory_subscriptions"
USERS = "m365:users"
BILLING = "Microsoft 365 admin center > Billing > Your products"
NOT_BILLED = ("Warning", "Suspended", "LockedOut", "Deleted")


def _units(sku: Mapping[str, Any], name: str) -> int:
    try:
        return int((sku.get("prepaidUnits") or {}).get(name) or 0)
    except (TypeError, ValueError):
        return 0


def _consumed(sku: Mapping[str, Any]) -> int:
    try:
        return int(sku.get("consumedUnits") or 0)
    except (TypeError, ValueError):
        return 0


def _matches(part: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(part.lower(), p.lower()) for p in patterns)


def _subscriptions(ctx: CheckContext) -> dict[str, list[Mapping[str, Any]]]:
    """``directory/subscriptions`` by skuId (lower case)."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for sub in ctx.get(SUBSCRIPTIONS) or []:
        out.setdefault(str(sub.get("skuId") or "").lower(), []).append(sub)
    return out


def _sku_resource(ctx: CheckContext, sku: Mapping[str, Any]) -> Resource:
    part = str(sku.get("skuPartNumber") or sku.get("skuId"))
    return Resource(id=str(sku.get("id") or sku["skuId"]), name=sku_label(ctx, part), type="m365_sku")


def _sub_evidence(subs: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    keys = ("id", "status", "totalLicenses", "isTrial", "createdDateTime", "nextLifecycleDateTime")
    return [{k: s.get(k) for k in keys} for s in subs]


def _unassigned_group(sku_id: str) -> str:
    return f"m365:sku:{sku_id.lower()}:unassigned"


class Spare:
    """Spare paid units of one SKU (None-free arithmetic over the tenant's data)."""

    def __init__(self, ctx: CheckContext, sku: Mapping[str, Any], subs: list[Mapping[str, Any]]) -> None:
        self.part = str(sku.get("skuPartNumber") or sku.get("skuId"))
        self.enabled = _units(sku, "enabled")
        self.consumed = _consumed(sku)
        self.spare = max(0, self.enabled - self.consumed)
        paid = [s for s in subs if not s.get("isTrial") and str(s.get("status") or "Enabled") == "Enabled"]
        self.trial_only = bool(subs) and all(bool(s.get("isTrial")) for s in subs)
        self.trial_units = sum(int(s.get("totalLicenses") or 0) for s in subs if s.get("isTrial"))
        # trial units are pooled with paid ones: only the paid part of the spare units is billed
        self.paid_spare = (
            min(self.spare, sum(int(s.get("totalLicenses") or 0) for s in paid)) if subs else self.spare
        )
        self.price = sku_monthly(ctx, self.part)

    def money(self, ctx: CheckContext, units: int) -> Money:
        """``units`` licences of the SKU per month."""
        return sku_monthly(ctx, self.part, units)


# --- unassigned units ---------------------------------------------------------------------------


class UnassignedParams(BaseModel):
    min_units: int = Field(
        1, ge=1, description="Report a SKU when at least this many paid units are unassigned."
    )
    buffer_percent: float = Field(
        5.0,
        ge=0,
        description="Spare units up to this share of the enabled units (or up to buffer_units) are the usual "
        "buffer for joiners: reported with low confidence as a review item.",
    )
    buffer_units: int = Field(
        2, ge=0, description="Spare units up to this count are a review item (see buffer_percent)."
    )
    new_subscription_days: int = Field(
        14,
        ge=0,
        description="A SKU with a subscription created within this many days is probably still rolling "
        "out: low confidence.",
    )
    free_units_threshold: int = Field(
        10000,
        ge=1,
        description="A SKU the price book does not know with at least this many enabled units is treated as "
        "a free or viral SKU (Microsoft grants those in blocks of 10,000 or 1,000,000) and left out.",
    )
    exclude_skus: list[str] = Field(
        default_factory=list,
        description="skuPartNumber globs to leave out, added to the free/viral/trial list.",
    )
    include_skus: list[str] = Field(
        default_factory=list,
        description="skuPartNumber globs to report even though they are on the free/viral/trial list.",
    )


@check(
    id="m365.license.unassigned_units",
    title="Purchased licences not assigned to anyone",
    resource_type="m365_sku",
    severity=Severity.HIGH,
    needs=[SKUS, SUBSCRIPTIONS],
    params=UnassignedParams,
    klass="commitment",
    rationale="""
        A SKU whose `prepaidUnits.enabled` exceed its `consumedUnits` is paying for seats nobody holds; each
        spare unit costs the SKU's monthly price. Peers flag any SKU with spare units and drown the result
        in free and viral SKUs (Power Automate Free, Fabric Free, Teams Exploratory grant 10,000 or 1,000,000
        units): those, trials (`isTrial` on every subscription of the SKU, or a trial name), developer SKUs
        and company-level SKUs (`appliesTo` Company: storage and credits, not seats) are left out, and an
        unknown SKU with 10,000+ units is treated as free. Only Enabled SKUs count: units in Warning are past
        their term and Suspended or LockedOut ones are not billed (see m365.license.sku_warning_or_suspended),
        and trial units pooled with paid ones are not charged. A few spare units are a normal joiner buffer
        and are reported as low-confidence review items; a subscription bought in the last two weeks lowers
        confidence because it is probably being rolled out.
    """,
    recommendation=f"""
        Assign the spare licences or reduce the subscription's licence count in the {BILLING} (annual terms
        can be reduced only within 7 days of purchase or at renewal; monthly terms any time).
    """,
    covers_peers=["m365.license.unassigned_units"],
)
def unassigned_units(ctx: CheckContext, params: UnassignedParams) -> Iterator[Hit]:
    """SKUs with enabled units nobody is assigned."""
    by_sku = _subscriptions(ctx)
    for sku in ctx.get(SKUS) or []:
        sku_id = str(sku.get("skuId") or "").lower()
        part = str(sku.get("skuPartNumber") or sku_id)
        if not sku_id or str(sku.get("appliesTo") or "User") != "User":
            continue
        if str(sku.get("capabilityStatus") or "Enabled") != "Enabled":
            continue
        subs = by_sku.get(sku_id, [])
        spare = Spare(ctx, sku, subs)
        forced = _matches(part, params.include_skus)
        if not forced and (is_free_sku(ctx, part) or spare.trial_only or _matches(part, params.exclude_skus)):
            continue
        if spare.price.amount is None and spare.enabled >= params.free_units_threshold and not forced:
            continue
        units = spare.paid_spare
        if units < params.min_units:
            continue
        buffer = max(params.buffer_units, params.buffer_percent / 100.0 * spare.enabled)
        newest = min(
            (days_between(parse_time(s.get("createdDateTime")), ctx.now) or 1e9 for s in subs), default=1e9
        )
        recent = newest < params.new_subscription_days
        share = units / spare.enabled * 100 if spare.enabled else 100.0
        reason = (
            f"{sku_label(ctx, part)}: {units} of {spare.enabled} enabled licences are not assigned "
            f"({spare.consumed} assigned, {share:.0f}% spare)."
        )
        confidence, severity = Confidence.HIGH, None
        scenario = "spare_units"
        if units <= buffer:
            confidence, severity, scenario = Confidence.LOW, Severity.LOW, "joiner_buffer"
            reason += (
                f" That is within a normal joiner buffer (up to {buffer:g} units): review rather than reduce."
            )
        if recent:
            confidence = Confidence.LOW
            reason += (
                f" A subscription was created {whole_days(newest)} ago: the rollout may still be under way."
            )
        if spare.trial_units and spare.paid_spare < spare.spare:
            reason += f" Trial units ({spare.trial_units}) pooled with the paid ones are not charged."
        entry = sku_entry(ctx, part)
        yield Hit(
            resource=_sku_resource(ctx, sku),
            reason=reason,
            cost=spare.money(ctx, units),
            evidence={
                "scenario": scenario,
                "sku_id": sku_id,
                "sku_part_number": part,
                "capability_status": sku.get("capabilityStatus"),
                "enabled_units": spare.enabled,
                "consumed_units": spare.consumed,
                "unassigned_units": spare.spare,
                "unassigned_paid_units": units,
                "warning_units": _units(sku, "warning"),
                "suspended_units": _units(sku, "suspended"),
                "locked_out_units": _units(sku, "lockedOut"),
                "buffer_units": round(buffer, 2),
                "commitment": entry.get("commitment"),
                "subscriptions": _sub_evidence(subs),
            },
            confidence=confidence,
            severity=severity,
            cost_group=_unassigned_group(sku_id),
        )


# --- subscriptions renewing with spare units ----------------------------------------------------


class ExpiringParams(BaseModel):
    days: int = Field(
        30, ge=1, description="Report subscriptions whose next lifecycle date is within this many days."
    )
    high_days: int = Field(
        7, ge=0, description="Within this many days the finding has high confidence and severity."
    )
    min_units: int = Field(
        1, ge=1, description="Report only when at least this many paid units of the SKU are spare."
    )


@check(
    id="m365.license.expiring_subscription",
    title="Subscription renewing soon with unassigned licences",
    resource_type="m365_subscription",
    severity=Severity.MEDIUM,
    needs=[SKUS, SUBSCRIPTIONS],
    params=ExpiringParams,
    klass="commitment",
    rationale="""
        An Enabled subscription's `nextLifecycleDateTime` is the end of its term: it renews (or expires)
        then, and renewal is the one moment an annual term's licence count can be cut. CIPP alerts on every
        subscription ending within 30 days; we report only those whose SKU has spare paid units, priced as
        min(spare units, the subscription's `totalLicenses`) x the SKU's price, in the same cost group as
        m365.license.unassigned_units so a SKU's spare units are counted once. Trials, free SKUs,
        subscriptions already in Warning (expired, in grace) or Suspended, and dates in the past are left
        out; within 7 days the finding is urgent.
    """,
    recommendation=f"""
        Before the renewal date, lower the licence count of the subscription in the {BILLING} (or turn
        recurring billing off if the product is no longer needed).
    """,
    covers_peers=["m365.license.expiring_subscription"],
)
def expiring_subscription(ctx: CheckContext, params: ExpiringParams) -> Iterator[Hit]:
    """Enabled paid subscriptions reaching the end of their term while their SKU has spare units."""
    skus = {str(s.get("skuId") or "").lower(): s for s in ctx.get(SKUS) or []}
    by_sku = _subscriptions(ctx)
    for sub in ctx.get(SUBSCRIPTIONS) or []:
        if sub.get("isTrial") or str(sub.get("status") or "") != "Enabled":
            continue
        sku_id = str(sub.get("skuId") or "").lower()
        sku = skus.get(sku_id)
        part = str(sub.get("skuPartNumber") or (sku or {}).get("skuPartNumber") or sku_id)
        when = parse_time(sub.get("nextLifecycleDateTime"))
        if sku is None or when is None or is_free_sku(ctx, part):
            continue
        left = (when - ctx.now).total_seconds() / 86400.0
        if left < 0 or left > params.days:
            continue
        spare = Spare(ctx, sku, by_sku.get(sku_id, []))
        units = min(spare.paid_spare, int(sub.get("totalLicenses") or 0))
        if units < params.min_units:
            continue
        urgent = left <= params.high_days
        yield Hit(
            resource=Resource(
                id=str(sub.get("id") or sub.get("commerceSubscriptionId")),
                name=f"{sku_label(ctx, part)} subscription",
                type="m365_subscription",
                created_at=parse_time(sub.get("createdDateTime")),
            ),
            reason=(
                f"A {sku_label(ctx, part)} subscription of {sub.get('totalLicenses')} licences reaches "
                f"the end of its term on {when.date().isoformat()} (in {whole_days(left)}) while "
                f"{spare.paid_spare} paid licences of the SKU are unassigned: {units} can go at renewal."
            ),
            cost=spare.money(ctx, units),
            evidence={
                "scenario": "renewal_with_spare_units",
                "sku_id": sku_id,
                "sku_part_number": part,
                "next_lifecycle": sub.get("nextLifecycleDateTime"),
                "days_left": round(left, 1),
                "total_licenses": sub.get("totalLicenses"),
                "unassigned_paid_units": spare.paid_spare,
                "reducible_units": units,
                "commitment": sku_entry(ctx, part).get("commitment"),
            },
            confidence=Confidence.HIGH if urgent else Confidence.MEDIUM,
            severity=Severity.HIGH if urgent else None,
            cost_group=_unassigned_group(sku_id),
        )


# --- SKUs in Warning / Suspended / LockedOut -----------------------------------------------------


@check(
    id="m365.license.sku_warning_or_suspended",
    title="Licence SKU expired, suspended or locked out",
    resource_type="m365_sku",
    severity=Severity.MEDIUM,
    needs=[SKUS],
    klass="hygiene",
    rationale="""
        A SKU whose `capabilityStatus` is Warning (expired, in its grace period), Suspended, LockedOut
        (cancelled) or Deleted, or an Enabled SKU with units in `prepaidUnits.warning`, `suspended` or
        `lockedOut`, holds units that are no longer billed and will stop working: users still assigned to them
        lose the service, and licences left on users after the subscription ends only clutter the tenant.
        These units cost nothing now, so the finding's cost is 0 (not unknown); it is medium severity while
        users are still assigned, low otherwise. Expired trials nobody holds are left out.
    """,
    recommendation=f"""
        Renew the subscription in the {BILLING} if it is still needed; otherwise move its users to another
        SKU and remove the licences before the subscription is deleted.
    """,
    covers_peers=["m365.license.sku_warning_or_suspended"],
)
def sku_warning_or_suspended(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """SKUs whose units are in a non-Enabled lifecycle state."""
    for sku in ctx.get(SKUS) or []:
        status = str(sku.get("capabilityStatus") or "Enabled")
        part = str(sku.get("skuPartNumber") or sku.get("skuId"))
        states = {name: _units(sku, name) for name in ("warning", "suspended", "lockedOut")}
        consumed = _consumed(sku)
        if status == "Enabled" and not any(states.values()):
            continue
        if consumed == 0 and (is_free_sku(ctx, part) or status in ("Deleted", "LockedOut")):
            continue
        parts = [f"{n} {k}" for k, n in states.items() if n]
        what = f"capabilityStatus {status}" + (f" with {', '.join(parts)} units" if parts else "")
        reason = f"{sku_label(ctx, part)} is in {what}; {consumed} licences are still assigned."
        if consumed:
            reason += " Those users lose the service when the units are suspended or deleted."
        yield Hit(
            resource=_sku_resource(ctx, sku),
            reason=reason,
            cost=Money(
                amount=0.0,
                basis=CostBasis.BUNDLED_PRICE,
                kind=CostKind.COST,
                detail=f"units in {status}/warning/suspended are not billed",
            ),
            evidence={
                "scenario": status.lower(),
                "sku_id": sku.get("skuId"),
                "sku_part_number": part,
                "capability_status": status,
                "enabled_units": _units(sku, "enabled"),
                "consumed_units": consumed,
                **{f"{k}_units": v for k, v in states.items()},
            },
            confidence=Confidence.HIGH,
            severity=Severity.MEDIUM if consumed else Severity.LOW,
        )


# --- licence assignment errors ------------------------------------------------------------------


@check(
    id="m365.license.assignment_errors",
    title="Licence assignment in error",
    resource_type="m365_user_licence",
    severity=Severity.LOW,
    needs=[USERS, SKUS],
    klass="hygiene",
    rationale="""
        A `licenseAssignmentStates` entry in state Error (CountViolation, MutuallyExclusiveViolation,
        DependencyViolation, ProhibitedInUsageLocationViolation, UniquenessViolation, Other) assigns nothing:
        the user has no licence from it and it consumes no unit; ActiveWithError means the licence is active
        but some plans failed. Neither costs money by itself (cost 0), but group-based assignments stuck in
        error hide who still needs a seat and keep CountViolation users unlicensed. The API returns `error`
        "None" for healthy assignments; those are not errors.
    """,
    recommendation="""
        Open the user or the licensing group in the Entra admin center (Licenses > the SKU) and fix the error:
        free a unit for CountViolation, set usageLocation, or remove the conflicting licence; then reprocess
        the group.
    """,
    covers_peers=["m365.license.assignment_errors"],
)
def assignment_errors(ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
    """Users with licence assignments in Error or ActiveWithError."""
    skus = Skus.of(ctx)
    for user in ctx.get(USERS) or []:
        sku_ids: list[str] = []
        for state in user.get("licenseAssignmentStates") or []:
            sku_id = str(state.get("skuId") or "").lower()
            if sku_id and sku_id not in sku_ids and _in_error(state):
                sku_ids.append(sku_id)
        for sku_id in sku_ids:
            bad = [s for s in assignment_states(user, sku_id) if _in_error(s)]
            held = Held(
                sku_id,
                skus.part_number(sku_id),
                any(not s.get("assignedByGroup") for s in bad),
                tuple(sorted({str(s["assignedByGroup"]) for s in bad if s.get("assignedByGroup")})),
                frozenset(),
            )
            errors = sorted({str(s.get("error") or "Other") for s in bad})
            states = sorted({str(s.get("state") or "") for s in bad})
            yield Hit(
                resource=licence_resource(user, held),
                reason=(
                    f"{user_label(user)}: the {sku_label(ctx, held.part)} assignment {held.how} is in "
                    f"{'/'.join(states)} ({', '.join(errors)})."
                ),
                cost=Money(
                    amount=0.0,
                    basis=CostBasis.BUNDLED_PRICE,
                    detail="an assignment in Error consumes no unit; ActiveWithError bills as usual",
                ),
                evidence=licence_evidence(
                    user,
                    held,
                    ctx,
                    scenario="assignment_error",
                    errors=errors,
                    states=states,
                    last_updated=[s.get("lastUpdatedDateTime") for s in bad],
                ),
                confidence=Confidence.HIGH,
            )


def _in_error(state: Mapping[str, Any]) -> bool:
    value = str(state.get("state") or "")
    error = str(state.get("error") or "None")
    return value in ("Error", "ActiveWithError") or error not in ("None", "")
