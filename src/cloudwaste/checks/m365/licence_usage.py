"""Licences the usage reports show unused: shared and resource mailboxes holding licences, licensed
workloads nobody uses, inactive user mailboxes; idle add-on seats are in ``licence_addons``.

The reports (``getOffice365ActiveUserDetail`` and ``getMailboxUsageDetail``) are matched to users by
UPN. With concealed report names (the tenant default since 2021) no row can be matched and these
checks report nothing; each rationale says how to turn concealment off. An empty last-activity date
means no activity in the report period only, so it proves inactivity for that period and no longer.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.m365._common import (
    CONCEALED_FIX,
    Skus,
    concealed,
    norm_upn,
    parse_time,
    period_days,
    report_date,
    truthy,
    user_label,
    whole_days,
)
from cloudwaste.checks.m365._licensing import (
    LOWER,
    WORKLOADS,
    Held,
    exclude_users_field,
    excluded,
    families,
    held_licences,
    inactive_since,
    last_sign_in,
    licence_hit,
    licences_text,
    licensed_users,
    recipient_type,
    report_rows,
    row_value,
    since_text,
    users_by_upn,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Severity

USERS = "m365:users"
SKUS = "m365:subscribed_skus"
CAPS = "m365:capabilities"
ACTIVE = "m365:report_active_users"
MAILBOXES = "m365:report_mailbox_usage"
GIB = 1024**3
REMOVE = "Remove the licence (or the user from the licensing group): Set-MgUserLicense -UserId <upn>"
EXCHANGE_PARTS = ("EXCHANGESTANDARD", "EXCHANGEENTERPRISE", "EXCHANGEDESKLESS")


def _matches(part: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(part.lower(), p.lower()) for p in patterns)


def _band(days: float, low: int, high: int) -> Confidence | None:
    if days < low:
        return None
    return Confidence.HIGH if days >= high else Confidence.MEDIUM


def _still_signs_in(ctx: CheckContext, user: Mapping[str, Any], days: int) -> float | None:
    """Days since a successful sign-in when it is more recent than ``days`` (None otherwise or unknown)."""
    si = last_sign_in(ctx, user)
    ago = si.days(ctx.now)
    return ago if si.known and ago is not None and ago < days else None


# --- shared and resource mailboxes --------------------------------------------------------------


class SharedMailboxParams(BaseModel):
    size_limit_gb: float = Field(
        50.0, gt=0, description="A shared mailbox larger than this needs a licence (Exchange Online Plan 2)."
    )
    headroom_gb: float = Field(
        5.0, ge=0, description="Within this much of the limit a licence will soon be needed: low confidence."
    )
    resource_licences: list[str] = Field(
        default_factory=lambda: [
            "Microsoft_Teams_Rooms_*",
            "MEETING_ROOM*",
            "MCOCAP*",
            "PHONESYSTEM_VIRTUALUSER*",
        ],
        description="skuPartNumber globs a room, equipment or shared account legitimately needs (Teams Rooms "
        "devices sign in with the room account; Teams shared devices; phone resource accounts).",
    )
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.license.shared_mailbox_licensed",
    title="Shared or resource mailbox holding a licence it does not need",
    resource_type="m365_user_licence",
    severity=Severity.MEDIUM,
    needs=[USERS, SKUS, CAPS, MAILBOXES],
    params=SharedMailboxParams,
    klass="policy",
    rationale="""
        Shared, room and equipment mailboxes need no licence: a shared mailbox needs one only above 50 GB,
        with an archive or on litigation hold (Exchange Online Plan 2 covers all three), and a room only for
        a Teams Rooms device. The mailbox usage report's `Recipient Type` (SharedMailbox, RoomMailbox,
        EquipmentMailbox; older reports write Shared, Room, Equipment) identifies them; every paid licence
        on such an account is reported, except Teams Rooms, Teams shared-device and phone resource
        licences. A shared mailbox at or over 50 GB or with `Has Archive` is left out, within 5 GB of the
        limit it is low confidence; litigation hold is not visible in the report, so shared mailboxes are
        medium confidence and rooms high. """
    + CONCEALED_FIX,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>'); block sign-in on the mailbox account.",
    covers_peers=["m365.license.shared_mailbox_licensed", "m365.license.resource_mailbox_licensed"],
)
def shared_mailbox_licensed(ctx: CheckContext, params: SharedMailboxParams) -> Iterator[Hit]:
    """Paid licences on shared, room and equipment mailboxes that do not need them."""
    rows = report_rows(ctx, MAILBOXES)
    if concealed(ctx, rows):
        return
    skus = Skus.of(ctx)
    users = users_by_upn(ctx)
    for row in rows:
        kind = recipient_type(row)
        if kind not in ("shared", "room", "equipment"):
            continue
        user = users.get(norm_upn(row.get("User Principal Name")))
        if user is None or excluded(user, params.exclude_users):
            continue
        held = [h for h in held_licences(ctx, user, skus) if not _matches(h.part, params.resource_licences)]
        if not held:
            continue
        size_text = row_value(row, "Storage Used (Byte)")
        size_gb = int(size_text) / GIB if str(size_text or "").strip().isdigit() else None
        archive = truthy(row_value(row, "Has Archive"))
        if kind == "shared":
            if archive or (size_gb is not None and size_gb >= params.size_limit_gb):
                continue
            if size_gb is None:
                confidence, size = Confidence.LOW, "its size is not in the report"
            elif size_gb >= params.size_limit_gb - params.headroom_gb:
                confidence, size = Confidence.LOW, f"it holds {size_gb:.1f} GB, close to the 50 GB limit"
            else:
                confidence, size = Confidence.MEDIUM, f"it holds {size_gb:.1f} GB with no archive"
            limit = f"{params.size_limit_gb:g} GB"
            why = f"a shared mailbox needs no licence under {limit} without an archive; {size}"
            scenario = "shared_mailbox_licensed"
        else:
            confidence = Confidence.HIGH
            why = f"a {kind} mailbox needs no licence unless it signs in to a Teams Rooms device"
            scenario = "resource_mailbox_licensed"
        for h in held:
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"{user_label(user)} is a {kind} mailbox holding {licences_text(ctx, h)}: {why}.",
                confidence=confidence,
                evidence={
                    "scenario": scenario,
                    "recipient_type": row_value(row, "Recipient Type"),
                    "storage_used_gb": None if size_gb is None else round(size_gb, 2),
                    "has_archive": archive,
                    "mailbox_last_activity": row_value(row, "Last Activity Date") or None,
                },
            )


# --- licensed workloads unused ------------------------------------------------------------------

WORKLOAD_FAMILIES = {
    "Exchange": "exchange",
    "OneDrive": "sharepoint",
    "SharePoint": "sharepoint",
    "Teams": "teams",
}


class WorkloadParams(BaseModel):
    days: int = Field(
        90, ge=1, description="Report users with no activity in any licensed workload for this long."
    )
    high_days: int = Field(180, ge=1, description="From this many days of no activity: high confidence.")
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.license.workload_unused",
    title="Licensed Exchange, OneDrive, SharePoint and Teams all unused",
    resource_type="m365_user_licence",
    severity=Severity.MEDIUM,
    needs=[USERS, SKUS, CAPS, ACTIVE],
    params=WorkloadParams,
    klass="idle",
    rationale="""
        The active users report gives, per user, which workloads are licensed (`Has Exchange License`, ...)
        and the last activity date of each. A user with no Exchange, OneDrive, SharePoint or Teams activity
        for 90 days (180: high) in any workload they are licensed for does not use the suite, even if they
        still sign in to other apps: each paid licence carrying one of those workloads (by its service plans)
        is reported. Inactivity never counts from before the workload's `License Assign Date`, and an empty
        date proves inactivity only since the start of the report period (so a D30 report can never show 90
        days). A user who still signs in gets one step lower confidence: the licence may carry Entra ID or
        Intune features they need, and a smaller plan may fit better than none. """
    + CONCEALED_FIX,
    recommendation=REMOVE
    + " -RemoveLicenses @('<skuId>'), or move the user to a plan without these workloads.",
    covers_peers=["m365.license.workload_unused"],
)
def workload_unused(ctx: CheckContext, params: WorkloadParams) -> Iterator[Hit]:
    """Users whose licensed workloads all show no activity for ``days``."""
    rows = report_rows(ctx, ACTIVE)
    if concealed(ctx, rows):
        return
    skus = Skus.of(ctx)
    by_upn = {norm_upn(r.get("User Principal Name")): r for r in rows}
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        row = by_upn.get(norm_upn(user.get("userPrincipalName")))
        if row is None:
            continue
        licensed = [w for w in WORKLOADS if truthy(row_value(row, f"Has {w} License"))]
        if not licensed:
            continue
        spans = {
            w: inactive_since(
                ctx,
                report_date(row_value(row, f"{w} Last Activity Date")),
                report_date(row_value(row, f"{w} License Assign Date")),
                parse_time(user.get("createdDateTime")),
            )
            for w in licensed
        }
        days = min(span[0] for span in spans.values())
        confidence = _band(days, params.days, params.high_days)
        if confidence is None:
            continue
        if any(span[2] for span in spans.values()):
            confidence = min(confidence, Confidence.MEDIUM, key=_rank)
        recent = _still_signs_in(ctx, user, params.days)
        note = ""
        if recent is not None:
            confidence = LOWER[confidence]
            note = f" They still signed in {whole_days(recent)} ago, so check what else the licence serves."
        wanted = {WORKLOAD_FAMILIES[w] for w in licensed}
        for h in held:
            fams = families(skus, h)
            if fams is None or not fams & wanted:
                continue
            lasts = ", ".join(f"{w} {_last_text(row, w)}" for w in licensed)
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"{user_label(user)} holds {licences_text(ctx, h)} but has used none of its licensed "
                f"workloads for {whole_days(days)} ({lasts}).{note}",
                confidence=confidence,
                evidence={
                    "scenario": "no_workload_activity",
                    "workloads": licensed,
                    "last_activity": {w: row_value(row, f"{w} Last Activity Date") or None for w in licensed},
                    "days_inactive": round(days, 1),
                    "report_period_days": period_days(ctx),
                    "still_signs_in_days": None if recent is None else round(recent, 1),
                },
            )


def _rank(c: Confidence) -> int:
    return [Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH].index(c)


def _last_text(row: Mapping[str, Any], workload: str) -> str:
    value = row_value(row, f"{workload} Last Activity Date")
    return f"last {value}" if value else "no activity in the period"


# --- inactive user mailboxes --------------------------------------------------------------------


class MailboxParams(BaseModel):
    days: int = Field(90, ge=1, description="Report user mailboxes with no activity for this many days.")
    high_days: int = Field(180, ge=1, description="From this many days of no activity: high confidence.")
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.exchange.inactive_mailbox",
    title="Licensed user mailbox with no activity",
    resource_type="m365_user_licence",
    severity=Severity.MEDIUM,
    needs=[USERS, SKUS, CAPS, MAILBOXES],
    params=MailboxParams,
    klass="idle",
    rationale="""
        A user mailbox (`Recipient Type` UserMailbox) whose `Last Activity Date` in the mailbox usage report
        is 90 or more days old (180: high), or empty for a period at least that long, belongs to someone who
        no longer reads mail; the licence carrying its Exchange plan is reported. Mailboxes created within
        the window are left out, as are shared and resource mailboxes (m365.license.shared_mailbox_licensed).
        If the user still signs in successfully within the window the confidence drops to low: the mailbox is
        unused but the licence may serve other apps, so a plan without Exchange may fit. """
    + CONCEALED_FIX,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>'), or convert the mailbox to a shared mailbox.",
    covers_peers=["m365.exchange.inactive_mailbox"],
)
def inactive_mailbox(ctx: CheckContext, params: MailboxParams) -> Iterator[Hit]:
    """Licensed user mailboxes with no activity for ``days``."""
    rows = report_rows(ctx, MAILBOXES)
    if concealed(ctx, rows):
        return
    skus = Skus.of(ctx)
    # a row without the column (v1.0 report) may be a user mailbox: judged like one
    users = ("user", "unknown")
    by_upn = {norm_upn(r.get("User Principal Name")): r for r in rows if recipient_type(r) in users}
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        row = by_upn.get(norm_upn(user.get("userPrincipalName")))
        if row is None:
            continue
        last = report_date(row_value(row, "Last Activity Date"))
        days, since, lower = inactive_since(ctx, last, report_date(row_value(row, "Created Date")))
        confidence = _band(days, params.days, params.high_days)
        if confidence is None:
            continue
        exchange = [h for h in held if _has_exchange(skus, h)]
        if not exchange:
            continue
        recent = _still_signs_in(ctx, user, params.days)
        note = ""
        if recent is not None:
            confidence = Confidence.LOW
            note = f" The user still signed in {whole_days(recent)} ago: the licence may serve other apps."
        seen = (
            f"last activity {since_text(last)}"
            if last
            else f"no activity in the {period_days(ctx)}-day period"
        )
        for h in exchange:
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"The mailbox of {user_label(user)} has been inactive for "
                f"{'at least ' if lower else ''}{whole_days(days)} ({seen}) while it holds "
                f"{licences_text(ctx, h)}.{note}",
                confidence=confidence,
                evidence={
                    "scenario": "inactive_mailbox",
                    "mailbox_last_activity": row_value(row, "Last Activity Date") or None,
                    "mailbox_created": row_value(row, "Created Date") or None,
                    "days_inactive": round(days, 1),
                    "lower_bound": lower,
                    "storage_used_bytes": row_value(row, "Storage Used (Byte)"),
                    "still_signs_in_days": None if recent is None else round(recent, 1),
                },
            )


def _has_exchange(skus: Skus, held: Held) -> bool:
    fams = families(skus, held)
    return "exchange" in fams if fams is not None else held.part in EXCHANGE_PARTS
