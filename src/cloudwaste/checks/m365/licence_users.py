"""Licences on accounts that do not use them: disabled accounts, no successful sign-in for N days,
accounts that never signed in, guests, and licences assigned twice (directly and by group, or a SKU
next to a superset of it).

Each finding is one licence of one user (see ``_licensing``): priced at one unit of its SKU and in the
cost group ``m365:<user id>:<skuId>``, so a licence flagged by several of these checks counts once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.m365._common import (
    CONCEALED_FIX,
    Skus,
    concealed,
    days_between,
    norm_upn,
    parse_time,
    period_days,
    report_date,
    sku_label,
    user_label,
    whole_days,
)
from cloudwaste.checks.m365._licensing import (
    LOWER,
    RESOURCE_TYPES,
    WORKLOADS,
    Held,
    SignIn,
    exclude_users_field,
    families,
    inactive_since,
    last_sign_in,
    licence_evidence,
    licence_hit,
    licence_resource,
    licences_text,
    licensed_users,
    recipient_type,
    redundant_with,
    report_activity,
    report_rows,
    row_value,
    since_text,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, Money, Severity

USERS = "m365:users"
SKUS = "m365:subscribed_skus"
CAPS = "m365:capabilities"
ACTIVE = "m365:report_active_users"
MAILBOXES = "m365:report_mailbox_usage"
REMOVE = "Remove the licence (or the user from the licensing group): Set-MgUserLicense -UserId <upn>"


def _mailbox_types(ctx: CheckContext) -> dict[str, str]:
    """Recipient type by UPN from the mailbox usage report ({} when names are concealed)."""
    rows = report_rows(ctx, MAILBOXES)
    if concealed(ctx, rows):
        return {}
    return {norm_upn(r.get("User Principal Name")): recipient_type(r) for r in rows}


def _sign_in_evidence(si: SignIn, ctx: CheckContext) -> dict[str, Any]:
    days = si.days(ctx.now)
    return {
        "last_sign_in": si.when.isoformat() if si.when else None,
        "last_sign_in_basis": si.basis,
        "days_since_sign_in": None if days is None else round(days, 1),
        "sign_in_activity": si.raw,
    }


# --- disabled accounts --------------------------------------------------------------------------


class DisabledParams(BaseModel):
    grace_days: int = Field(
        7,
        ge=0,
        description="A disabled account that signed in within this many days is probably being offboarded "
        "right now: low confidence.",
    )
    high_days: int = Field(
        30,
        ge=0,
        description="No sign-in for this many days (or never): high confidence the licence is waste.",
    )
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.license.disabled_account_licensed",
    title="Licence on a sign-in-blocked account",
    resource_type="m365_user_licence",
    severity=Severity.HIGH,
    needs=[USERS, SKUS, CAPS, MAILBOXES],
    params=DisabledParams,
    klass="orphan",
    rationale="""
        An account with `accountEnabled` false cannot sign in, yet every paid licence in its
        `assignedLicenses` still consumes a unit: one finding per licence, at one unit of its SKU. Free,
        viral and trial SKUs and assignments in Error (no unit consumed) are left out. Shared, room and
        equipment mailboxes are disabled by design and are judged by m365.license.shared_mailbox_licensed
        instead, since a shared mailbox over 50 GB or with an archive does need a licence. Entra ID keeps no
        disable date, so the last successful sign-in stands in for it: within a week the account is probably
        being offboarded (low confidence: a mailbox may still be converted or put on hold first), after 30
        days or with no sign-in at all the licence is waste.
    """,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>'); convert a mailbox to keep to a shared mailbox.",
    covers_peers=["m365.license.disabled_account_licensed"],
)
def disabled_account_licensed(ctx: CheckContext, params: DisabledParams) -> Iterator[Hit]:
    """Paid licences on accounts that cannot sign in."""
    skus = Skus.of(ctx)
    mailbox = _mailbox_types(ctx)
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        if user.get("accountEnabled") is not False:
            continue
        if mailbox.get(norm_upn(user.get("userPrincipalName"))) in RESOURCE_TYPES:
            continue
        si = last_sign_in(ctx, user)
        days = si.days(ctx.now)
        if not si.known:
            confidence, when = Confidence.MEDIUM, "sign-in data is unavailable"
        elif days is None:
            confidence, when = Confidence.HIGH, "it has no recorded sign-in"
        else:
            when = f"its last sign-in was {whole_days(days)} ago ({since_text(si.when)})"
            confidence = (
                Confidence.LOW
                if days < params.grace_days
                else Confidence.MEDIUM
                if days < params.high_days
                else Confidence.HIGH
            )
        for h in held:
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"{user_label(user)} is blocked from signing in but holds {licences_text(ctx, h)}; "
                f"{when}.",
                confidence=confidence,
                evidence={"scenario": "disabled_account", **_sign_in_evidence(si, ctx)},
            )


# --- no successful sign-in for N days -----------------------------------------------------------


class InactiveParams(BaseModel):
    days: int = Field(
        90, ge=1, description="Report licensed users with no successful sign-in for this many days."
    )
    high_days: int = Field(180, ge=1, description="From this many days without a sign-in: high confidence.")
    include_disabled: bool = Field(
        False,
        description="Also report disabled accounts (m365.license.disabled_account_licensed covers them).",
    )
    fallback_to_reports: bool = Field(
        True,
        description="When signInActivity is unavailable (no Entra ID P1/P2 or AuditLog.Read.All), use the "
        "Microsoft 365 active users report's last activity dates instead, with lower confidence.",
    )
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.license.inactive_user",
    title="Licensed user with no successful sign-in for months",
    resource_type="m365_user_licence",
    severity=Severity.MEDIUM,
    needs=[USERS, SKUS, CAPS, ACTIVE, MAILBOXES],
    params=InactiveParams,
    klass="idle",
    rationale="""
        A licensed, enabled user whose last successful sign-in is 90 or more days old (180: high
        confidence) is not using the licence. We take `signInActivity.lastSuccessfulSignInDateTime`, which
        covers interactive and non-interactive sign-ins; where it is null (it exists only from December 2023
        and is not backfilled) we take the latest of `lastSignInDateTime` and
        `lastNonInteractiveSignInDateTime`, which also count failed attempts and so can only make a user
        look more active. The original rule of several peers, `lastSignInDateTime` alone, misses users who
        only sign in non-interactively (Outlook, Teams tokens) and counts a password-spray attempt as use.
        Users who never signed in are m365.license.never_signed_in; shared, room and equipment mailboxes
        never sign in by design and are left out. Without signInActivity (403: no Entra ID P1/P2) the
        check falls back to the active users report's last activity dates with one step lower confidence
        (an empty date only proves inactivity for the report period); with concealed report names it
        cannot match users and reports nothing. """
    + CONCEALED_FIX,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>'), after confirming with the user's manager.",
    covers_peers=["m365.license.inactive_user"],
)
def inactive_user(ctx: CheckContext, params: InactiveParams) -> Iterator[Hit]:
    """Licensed users without a successful sign-in for ``days``."""
    skus = Skus.of(ctx)
    mailbox = _mailbox_types(ctx)
    rows = report_rows(ctx, ACTIVE)
    use_reports = params.fallback_to_reports and not concealed(ctx, rows)
    by_upn = {norm_upn(r.get("User Principal Name")): r for r in rows} if use_reports else {}
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        upn = norm_upn(user.get("userPrincipalName"))
        if (user.get("accountEnabled") is False and not params.include_disabled) or mailbox.get(
            upn
        ) in RESOURCE_TYPES:
            continue
        si = last_sign_in(ctx, user)
        if si.known:
            days = si.days(ctx.now)
            if days is None or days < params.days:
                continue  # never signed in: m365.license.never_signed_in
            confidence = Confidence.HIGH if days >= params.high_days else Confidence.MEDIUM
            basis = "" if si.basis == "lastSuccessfulSignInDateTime" else " (latest sign-in attempt recorded)"
            text = (
                f"has not signed in successfully for {whole_days(days)} (last {since_text(si.when)}{basis})"
            )
            evidence: dict[str, Any] = {"scenario": "no_sign_in", **_sign_in_evidence(si, ctx)}
        else:
            found = _report_inactivity(ctx, by_upn.get(upn), user)
            if found is None or found[0] < params.days:
                continue
            days, last, lower_bound = found
            confidence = LOWER[
                Confidence.HIGH if days >= params.high_days and not lower_bound else Confidence.MEDIUM
            ]
            seen = f"last {since_text(last)}" if last else f"none in the {period_days(ctx)}-day report period"
            text = (
                f"shows no Microsoft 365 activity for {'at least ' if lower_bound else ''}{whole_days(days)} "
                f"({seen}; Entra ID sign-in data is unavailable, so this is based on the active users report)"
            )
            evidence = {
                "scenario": "no_report_activity",
                "fallback": "report_active_users",
                "last_activity": last.isoformat() if last else None,
                "days_inactive": round(days, 1),
                "lower_bound": lower_bound,
                "report_period_days": period_days(ctx),
            }
        for h in held:
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"{user_label(user)} {text} but holds {licences_text(ctx, h)}.",
                confidence=confidence,
                evidence=evidence,
            )


def _report_inactivity(
    ctx: CheckContext, row: Mapping[str, Any] | None, user: Mapping[str, Any]
) -> tuple[float, Any, bool] | None:
    """(days inactive, last activity, whether the days are only a lower bound) from an active users row;
    None when the user is not in the report. Inactivity never counts from before the account was created
    or the latest workload licence was assigned."""
    if row is None:
        return None
    last = report_activity(row)
    assigned = [report_date(row_value(row, f"{w} License Assign Date")) for w in WORKLOADS]
    floors = [parse_time(user.get("createdDateTime")), max((a for a in assigned if a), default=None)]
    days, _, lower = inactive_since(ctx, last, *floors)
    return (days, last, lower if last is None else False)


# --- never signed in ----------------------------------------------------------------------------


class NeverParams(BaseModel):
    days: int = Field(30, ge=0, description="Report accounts created at least this many days ago.")
    high_days: int = Field(90, ge=0, description="Accounts at least this old: high confidence.")
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.license.never_signed_in",
    title="Licensed account that never signed in",
    resource_type="m365_user_licence",
    severity=Severity.MEDIUM,
    needs=[USERS, SKUS, CAPS, MAILBOXES],
    params=NeverParams,
    klass="orphan",
    rationale="""
        A licensed account with no sign-in recorded at all (every `signInActivity` timestamp null; Entra ID
        keeps them from April 2020) that was created 30 or more days ago (90: high confidence) was set up
        and licensed for someone who never started, or is a leftover. Younger accounts are new joiners and
        are left out; an account without `createdDateTime` (created before 2018) that never signed in since
        2020 is reported with medium confidence. Shared, room and equipment mailboxes never sign in by design
        and are left out. Whether a user never signed in cannot be read from the usage reports, so without
        signInActivity (403: no Entra ID P1/P2) the check reports nothing.
    """,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>'), or delete the account if nobody owns it.",
    covers_peers=["m365.license.never_signed_in"],
)
def never_signed_in(ctx: CheckContext, params: NeverParams) -> Iterator[Hit]:
    """Licensed accounts with no recorded sign-in, older than ``days``."""
    skus = Skus.of(ctx)
    mailbox = _mailbox_types(ctx)
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        if mailbox.get(norm_upn(user.get("userPrincipalName"))) in RESOURCE_TYPES:
            continue
        si = last_sign_in(ctx, user)
        if not si.known or si.when is not None:
            continue
        created = parse_time(user.get("createdDateTime"))
        age = days_between(created, ctx.now)
        if age is not None and age < params.days:
            continue
        if age is None:
            confidence, how_old = Confidence.MEDIUM, "has no creation date (created before 2018)"
        else:
            confidence = Confidence.HIGH if age >= params.high_days else Confidence.MEDIUM
            how_old = f"was created {whole_days(age)} ago"
        pending = str(user.get("externalUserState") or "") == "PendingAcceptance"
        extra = "; the guest invitation was never accepted" if pending else ""
        for h in held:
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"{user_label(user)} {how_old} and has never signed in{extra}, yet holds "
                f"{licences_text(ctx, h)}.",
                confidence=confidence,
                evidence={
                    "scenario": "never_signed_in",
                    "account_age_days": None if age is None else round(age, 1),
                    "external_user_state": user.get("externalUserState"),
                    **_sign_in_evidence(si, ctx),
                },
            )


# --- guests -------------------------------------------------------------------------------------


class GuestParams(BaseModel):
    active_days: int = Field(
        30,
        ge=0,
        description="A guest who signed in within this many days may use the licence: low confidence.",
    )
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.license.guest_or_external_licensed",
    title="Paid licence on a guest account",
    resource_type="m365_user_licence",
    severity=Severity.MEDIUM,
    needs=[USERS, SKUS, CAPS],
    params=GuestParams,
    klass="policy",
    rationale="""
        Guests (`userType` Guest) reach Teams, SharePoint and apps through B2B collaboration with their
        home tenant's licences; Entra ID features for guests are billed per monthly active user, with the
        first 50,000 free. A paid seat on a guest is usually a mistake (a contractor licensed like an
        employee) or a leftover. Confidence is high when the invitation was never accepted
        (`externalUserState` PendingAcceptance) or the guest never signed in, low when the guest signed
        in within 30 days (the licence may be deliberate), medium otherwise. Members whose UPN carries
        `#EXT#` are cross-tenant-synchronised colleagues, not guests, and are left out.
    """,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>'); B2B guests need no seat for collaboration.",
    covers_peers=["m365.license.guest_or_external_licensed"],
)
def guest_licensed(ctx: CheckContext, params: GuestParams) -> Iterator[Hit]:
    """Paid licences held by guest accounts."""
    skus = Skus.of(ctx)
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        if str(user.get("userType") or "") != "Guest":
            continue
        si = last_sign_in(ctx, user)
        days = si.days(ctx.now)
        state = str(user.get("externalUserState") or "")
        if state == "PendingAcceptance":
            confidence, note = Confidence.HIGH, "the invitation was never accepted"
        elif si.known and days is None:
            confidence, note = Confidence.HIGH, "the guest has never signed in"
        elif days is not None and days < params.active_days:
            confidence, note = Confidence.LOW, f"the guest signed in {whole_days(days)} ago"
        elif days is not None:
            confidence, note = Confidence.MEDIUM, f"the guest last signed in {whole_days(days)} ago"
        else:
            confidence, note = Confidence.MEDIUM, "sign-in data is unavailable"
        for h in held:
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"Guest {user_label(user)} holds {licences_text(ctx, h)}; {note}.",
                confidence=confidence,
                evidence={
                    "scenario": "guest",
                    "external_user_state": state or None,
                    **_sign_in_evidence(si, ctx),
                },
            )


# --- duplicate and overlapping assignments ------------------------------------------------------


class DuplicateParams(BaseModel):
    report_direct_and_group: bool = Field(
        True,
        description="Also report licences assigned both directly and by a group (no extra cost: one unit is "
        "consumed, but the direct assignment survives the user leaving the group).",
    )
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.license.duplicate_assignment",
    title="Licence duplicated by a group or by a larger SKU",
    resource_type="m365_user_licence",
    severity=Severity.MEDIUM,
    needs=[USERS, SKUS],
    params=DuplicateParams,
    klass="oversized",
    rationale="""
        Two cases. A SKU next to a superset of it on the same user (Office 365 E3 with Microsoft 365 E5,
        Exchange Online Plan 1 with Business Premium, Entra ID P1 with EMS E3, a no-Teams suite with its
        full twin) pays twice for the same features: the smaller licence is waste, priced at one unit. The
        superset table follows Microsoft's product definitions (no-Teams suites do not include Teams
        Enterprise, so that pair is kept); when the tenant lists the SKUs' service plans, a superset whose
        matching plan is disabled on the user (E5 with Exchange turned off next to Exchange Online Plan 1)
        does not count. Peers only compare names and would flag that. Second case: the same SKU assigned
        directly and by a group consumes only one unit, so it costs nothing extra (cost 0) but the direct
        assignment keeps the licence after the user leaves the group; it is reported as low-severity
        hygiene.
    """,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>') (the redundant one).",
    covers_peers=["m365.license.duplicate_assignment"],
)
def duplicate_assignment(ctx: CheckContext, params: DuplicateParams) -> Iterator[Hit]:
    """Licences made redundant by a superset SKU, and direct-plus-group assignments of one SKU."""
    skus = Skus.of(ctx)
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        for h in held:
            supers = redundant_with(skus, h, held)
            if supers:
                checked = families(skus, h) is not None and all(families(skus, s) is not None for s in supers)
                names = ", ".join(sku_label(ctx, s.part) for s in supers)
                also = " It is also assigned both directly and by group." if h.direct and h.groups else ""
                yield licence_hit(
                    ctx,
                    user,
                    h,
                    reason=f"{user_label(user)} holds {sku_label(ctx, h.part)} next to {names}, which "
                    f"already {'include' if len(supers) > 1 else 'includes'} everything it provides.{also}",
                    confidence=Confidence.HIGH if checked else Confidence.MEDIUM,
                    evidence={
                        "scenario": "overlapping_sku",
                        "included_in": [s.part for s in supers],
                        "service_plans_checked": checked,
                    },
                )
            elif params.report_direct_and_group and h.direct and h.groups:
                yield _direct_and_group(ctx, user, h)


def _direct_and_group(ctx: CheckContext, user: Mapping[str, Any], h: Held) -> Hit:
    who = user.get("userPrincipalName") or user.get("id")
    return Hit(
        resource=licence_resource(user, h),
        reason=f"{user_label(user)} has {sku_label(ctx, h.part)} assigned directly and by group "
        f"{', '.join(h.groups)}; only one unit is consumed, but the direct assignment keeps the licence "
        "if the user leaves the group.",
        cost=Money(
            amount=0.0, basis=CostBasis.BUNDLED_PRICE, detail="one unit is consumed for both assignments"
        ),
        evidence=licence_evidence(user, h, ctx, scenario="direct_and_group"),
        confidence=Confidence.HIGH,
        severity=Severity.LOW,
        recommendation="Remove the direct assignment and keep the group one: "
        f"Set-MgUserLicense -UserId '{who}' -AddLicenses @() -RemoveLicenses @('{h.sku_id}').",
    )
