"""Add-on seats the usage reports show idle: Microsoft 365 Copilot and Teams Phone, Calling Plans, Audio
Conferencing, Teams Premium and the standalone Teams Enterprise licence.

Report rows are matched to users by UPN; with concealed report names nothing can be matched and these
checks report nothing (each rationale says how to turn concealment off). An empty last-activity date
proves inactivity for the report period only.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.m365._common import (
    CONCEALED_FIX,
    Skus,
    assignment_states,
    concealed,
    days_between,
    norm_upn,
    parse_time,
    report_date,
    user_label,
    whole_days,
)
from cloudwaste.checks.m365._licensing import (
    exclude_users_field,
    inactive_since,
    licence_hit,
    licences_text,
    licensed_users,
    report_rows,
    row_value,
    since_text,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Severity

USERS = "m365:users"
SKUS = "m365:subscribed_skus"
CAPS = "m365:capabilities"
ACTIVE = "m365:report_active_users"
TEAMS = "m365:report_teams_activity"
COPILOT = "m365:report_copilot_usage"
REMOVE = "Remove the licence (or the user from the licensing group): Set-MgUserLicense -UserId <upn>"


def _matches(part: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(part.lower(), p.lower()) for p in patterns)


def _band(days: float, low: int, high: int) -> Confidence | None:
    if days < low:
        return None
    return Confidence.HIGH if days >= high else Confidence.MEDIUM


# --- Copilot seats ------------------------------------------------------------------------------


class CopilotParams(BaseModel):
    days: int = Field(
        30, ge=1, description="Report Copilot seats with no Copilot activity for this many days."
    )
    high_days: int = Field(
        60, ge=1, description="From this many days without Copilot activity: high confidence."
    )
    grace_days: int = Field(
        30,
        ge=0,
        description="Seats assigned (or changed) within this many days are still being adopted: left out.",
    )
    copilot_skus: list[str] = Field(
        default_factory=lambda: ["Microsoft_365_Copilot*", "Microsoft_Copilot_for_M365*", "M365_Copilot*"],
        description="skuPartNumber globs of Microsoft 365 Copilot seats.",
    )
    exclude_users: list[str] = exclude_users_field()


COPILOT_APPS = (
    "Microsoft Teams Copilot",
    "Word Copilot",
    "Excel Copilot",
    "PowerPoint Copilot",
    "Outlook Copilot",
    "OneNote Copilot",
    "Loop Copilot",
    "Copilot Chat",
)


@check(
    id="m365.copilot.underused_license",
    title="Microsoft 365 Copilot seat not used",
    resource_type="m365_user_licence",
    severity=Severity.HIGH,
    needs=[USERS, SKUS, CAPS, COPILOT],
    params=CopilotParams,
    klass="idle",
    rationale="""
        A Copilot seat costs about $30 a month. The Copilot usage report lists every user with a Copilot
        licence and their last Copilot activity overall and per app (Teams, Word, Excel, PowerPoint, Outlook,
        OneNote, Loop, Copilot Chat). A seat with no Copilot activity for 30 days (60: high confidence), or
        none in a report period at least that long, is reported so it can be reassigned. Seats assigned or
        changed within 30 days (`licenseAssignmentStates.lastUpdatedDateTime`) are still being adopted and
        left out; a licensed user missing from the report (it lags about two days) and an empty report are
        unknown, not idle. """
    + CONCEALED_FIX,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>') and give the seat to someone who will use it.",
    covers_peers=["m365.copilot.underused_license"],
)
def copilot_underused(ctx: CheckContext, params: CopilotParams) -> Iterator[Hit]:
    """Copilot seats with no Copilot activity for ``days``."""
    rows = report_rows(ctx, COPILOT)
    if not rows or concealed(ctx, rows):
        return
    skus = Skus.of(ctx)
    by_upn = {norm_upn(row_value(r, "User Principal Name")): r for r in rows}
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        seats = [h for h in held if _matches(h.part, params.copilot_skus)]
        row = by_upn.get(norm_upn(user.get("userPrincipalName")))
        if not seats or row is None:
            continue
        apps = {a: report_date(row_value(row, f"{a} Last Activity Date")) for a in COPILOT_APPS}
        dates = [d for d in [report_date(row_value(row, "Last Activity Date")), *apps.values()] if d]
        last = max(dates) if dates else None
        for h in seats:
            assigned = [parse_time(s.get("lastUpdatedDateTime")) for s in assignment_states(user, h.sku_id)]
            since_assigned = min((days_between(a, ctx.now) or 0.0 for a in assigned if a), default=None)
            if since_assigned is not None and since_assigned < params.grace_days:
                continue
            days, _, lower = inactive_since(ctx, last, max((a for a in assigned if a), default=None))
            confidence = _band(days, params.days, params.high_days)
            if confidence is None:
                continue
            seen = f"last Copilot use {since_text(last)}" if last else "no Copilot use in the report period"
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"{user_label(user)} holds {licences_text(ctx, h)} with no Copilot activity for "
                f"{'at least ' if lower else ''}{whole_days(days)} ({seen}).",
                confidence=confidence,
                evidence={
                    "scenario": "copilot_unused",
                    "last_activity": last.date().isoformat() if last else None,
                    "apps": {a: d.date().isoformat() if d else None for a, d in apps.items()},
                    "days_inactive": round(days, 1),
                    "lower_bound": lower,
                },
            )


# --- Teams add-ons ------------------------------------------------------------------------------


class TeamsParams(BaseModel):
    days: int = Field(
        90, ge=1, description="Report Teams add-ons of users with no Teams activity for this long."
    )
    high_days: int = Field(
        180, ge=1, description="From this many days without Teams activity: high confidence."
    )
    addon_skus: list[str] = Field(
        default_factory=lambda: [
            "MCOEV*",
            "MCOPSTN*",
            "MCOMEETADV*",
            "Microsoft_Teams_Premium*",
            "Teams_Premium*",
            "Microsoft_Teams_Enterprise_New",
        ],
        description="skuPartNumber globs of Teams licences and add-ons (Teams Phone, Calling Plans, Audio "
        "Conferencing, Teams Premium, Teams Enterprise).",
    )
    exclude_users: list[str] = exclude_users_field()


@check(
    id="m365.teams.inactive_user",
    title="Teams Phone, Premium or Teams licence on a user who does not use Teams",
    resource_type="m365_user_licence",
    severity=Severity.MEDIUM,
    needs=[USERS, SKUS, CAPS, TEAMS, ACTIVE],
    params=TeamsParams,
    klass="idle",
    rationale="""
        Teams add-ons (Teams Phone, Calling Plans, Audio Conferencing, Teams Premium) and the standalone
        Teams Enterprise licence that no-Teams suites need are only worth paying for while the user uses
        Teams. The Teams user activity report's `Last Activity Date` (or, when that report is absent, the
        active users report's `Teams Last Activity Date`) 90 or more days old (180: high), or empty for a
        period at least that long, marks the add-on as unused; inactivity never counts from before the
        account was created. Teams features inside a suite are not priced separately and are judged by
        m365.license.workload_unused. """
    + CONCEALED_FIX,
    recommendation=REMOVE + " -RemoveLicenses @('<skuId>') (the add-on only).",
    covers_peers=["m365.teams.inactive_user", "m365.license.specific_sku_unused"],
)
def teams_inactive_user(ctx: CheckContext, params: TeamsParams) -> Iterator[Hit]:
    """Teams add-ons held by users without Teams activity for ``days``."""
    teams_rows = report_rows(ctx, TEAMS)
    column = "Last Activity Date"
    rows = teams_rows
    if not rows:
        rows, column = report_rows(ctx, ACTIVE), "Teams Last Activity Date"
    if not rows or concealed(ctx, rows):
        return
    skus = Skus.of(ctx)
    by_upn = {norm_upn(row_value(r, "User Principal Name")): r for r in rows}
    for user, held in licensed_users(ctx, skus, params.exclude_users):
        addons = [h for h in held if _matches(h.part, params.addon_skus)]
        row = by_upn.get(norm_upn(user.get("userPrincipalName")))
        if not addons or row is None:
            continue
        last = report_date(row_value(row, column))
        days, _, lower = inactive_since(ctx, last, parse_time(user.get("createdDateTime")))
        confidence = _band(days, params.days, params.high_days)
        if confidence is None:
            continue
        seen = f"last Teams activity {since_text(last)}" if last else "no Teams activity in the report period"
        source = "Teams user activity report" if rows is teams_rows else "active users report"
        for h in addons:
            yield licence_hit(
                ctx,
                user,
                h,
                reason=f"{user_label(user)} holds {licences_text(ctx, h)} but has not used Teams for "
                f"{'at least ' if lower else ''}{whole_days(days)} ({seen}, {source}).",
                confidence=confidence,
                evidence={
                    "scenario": "teams_addon_unused",
                    "teams_last_activity": last.date().isoformat() if last else None,
                    "days_inactive": round(days, 1),
                    "lower_bound": lower,
                    "source": source,
                },
            )
