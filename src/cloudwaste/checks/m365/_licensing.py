"""What the licence checks share: licences a user holds, sign-in dates, report activity, SKU supersets.

A finding of a licence check is about **one licence of one user** (resource id
``<user id>/licenses/<skuId>``), priced at one unit of its SKU from the book, with the cost group
``m365:<user id>:<skuId>``: a licence flagged by several checks (disabled account, no sign-in, unused
workloads) is counted once in totals, and two licences of one user are two amounts.

Which licences a user holds comes from ``assignedLicenses`` (what consumes units); ``licenseAssignmentStates``
tells how each was assigned (``assignedByGroup`` null = direct) and whether it is in error (an assignment in
state ``Error`` consumes no unit). Free, viral and trial SKUs are never flagged on users: removing them saves
nothing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.m365._common import (
    Skus,
    assignment_states,
    capabilities,
    cost_group,
    days_between,
    is_free_sku,
    iso,
    norm_upn,
    parse_time,
    period_days,
    report_date,
    report_refreshed,
    sku_label,
    sku_monthly,
)
from cloudwaste.model import Confidence, Resource, Severity

USER_LICENCE = "m365_user_licence"
ERROR_STATES = frozenset({"error"})
# signInActivity keeps interactive sign-ins from April 2020 and non-interactive ones from May 2020;
# lastSuccessfulSignInDateTime exists from 1 December 2023 and is not backfilled.
SUCCESSFUL_SINCE = "2023-12-01"

LOWER = {
    Confidence.HIGH: Confidence.MEDIUM,
    Confidence.MEDIUM: Confidence.LOW,
    Confidence.LOW: Confidence.LOW,
}


# --- licences a user holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """One licence a user holds: its SKU and how it was assigned."""

    sku_id: str  # lower case
    part: str  # skuPartNumber (the skuId itself when the tenant no longer lists the SKU)
    direct: bool  # assigned to the user directly (a licenseAssignmentState with assignedByGroup null)
    groups: tuple[str, ...]  # ids of the groups it is inherited from
    disabled_plans: frozenset[str]  # servicePlanIds disabled on this licence (lower case)

    @property
    def how(self) -> str:
        """``directly`` / ``by group <id>`` / ``directly and by 2 groups`` for reasons."""
        parts = ["directly"] if self.direct else []
        if len(self.groups) == 1:
            parts.append(f"by group {self.groups[0]}")
        elif self.groups:
            parts.append(f"by {len(self.groups)} groups")
        return " and ".join(parts) or "directly"


def held_licences(
    ctx: CheckContext, user: Mapping[str, Any], skus: Skus, *, include_free: bool = False
) -> list[Held]:
    """The licences ``user`` holds (``assignedLicenses``), paid ones only unless ``include_free``.

    A licence whose every assignment state is ``Error`` is left out: it consumes no unit.
    """
    out: list[Held] = []
    seen: set[str] = set()
    for lic in user.get("assignedLicenses") or []:
        sku_id = str(lic.get("skuId") or "").lower()
        if not sku_id or sku_id in seen:
            continue
        seen.add(sku_id)
        states = assignment_states(user, sku_id)
        if states and all(str(s.get("state") or "").lower() in ERROR_STATES for s in states):
            continue
        part = skus.part_number(sku_id)
        if not include_free and is_free_sku(ctx, part):
            continue
        direct = not states or any(s.get("assignedByGroup") in (None, "") for s in states)
        groups = tuple(sorted({str(s["assignedByGroup"]) for s in states if s.get("assignedByGroup")}))
        disabled = {str(p).lower() for p in lic.get("disabledPlans") or []}
        out.append(Held(sku_id, part, direct, groups, frozenset(disabled)))
    return out


def licensed_users(
    ctx: CheckContext, skus: Skus, exclude: Iterable[str] = ()
) -> Iterable[tuple[Mapping[str, Any], list[Held]]]:
    """Every user of ``m365:users`` holding at least one paid licence, with those licences; users whose
    UPN matches an ``exclude`` glob (break-glass, service accounts) are left out."""
    patterns = list(exclude)
    for user in ctx.get("m365:users") or []:
        if excluded(user, patterns):
            continue
        held = held_licences(ctx, user, skus)
        if held:
            yield user, held


def exclude_users_field() -> Any:
    """The ``exclude_users`` parameter every per-user licence check has."""
    return Field(
        default_factory=list,
        description="userPrincipalName globs to leave out (break-glass, service and test accounts).",
    )


def excluded(user: Mapping[str, Any], patterns: Iterable[str]) -> bool:
    """Whether the user's UPN matches one of the ``patterns`` globs (case-insensitive)."""
    upn = norm_upn(user.get("userPrincipalName"))
    return any(fnmatch.fnmatchcase(upn, p.lower()) for p in patterns)


def licence_resource(user: Mapping[str, Any], held: Held) -> Resource:
    """The resource of a finding about one licence of one user."""
    upn = user.get("userPrincipalName") or user.get("displayName") or user.get("id")
    return Resource(
        id=f"{user['id']}/licenses/{held.sku_id}",
        name=f"{upn}: {held.part}",
        type=USER_LICENCE,
        created_at=parse_time(user.get("createdDateTime")),
    )


def remove_command(user: Mapping[str, Any], held: Held) -> str:
    """How to take the licence away: remove the direct assignment, or the user from the licensing group."""
    who = user.get("userPrincipalName") or user.get("id")
    direct = (
        f"Set-MgUserLicense -UserId '{who}' -AddLicenses @() -RemoveLicenses @('{held.sku_id}')"
        " (Microsoft Graph PowerShell)"
    )
    if held.groups and not held.direct:
        return (
            f"The licence is inherited from group {', '.join(held.groups)}: remove {who} from that group "
            "(Remove-MgGroupMemberByRef) or exclude them from its licence assignment."
        )
    if held.groups:
        return f"{direct}; it is also inherited from group {', '.join(held.groups)}: remove {who} from it."
    return direct


def licence_evidence(user: Mapping[str, Any], held: Held, ctx: CheckContext, **extra: Any) -> dict[str, Any]:
    """Evidence every licence finding carries."""
    return {
        "user_id": user.get("id"),
        "user_principal_name": user.get("userPrincipalName"),
        "user_type": user.get("userType"),
        "account_enabled": user.get("accountEnabled"),
        "created": user.get("createdDateTime"),
        "sku_id": held.sku_id,
        "sku_part_number": held.part,
        "sku_label": sku_label(ctx, held.part),
        "assigned_directly": held.direct,
        "assigned_by_groups": list(held.groups),
        **extra,
    }


def licence_hit(
    ctx: CheckContext,
    user: Mapping[str, Any],
    held: Held,
    *,
    reason: str,
    confidence: Confidence,
    evidence: Mapping[str, Any],
    severity: Severity | None = None,
) -> Hit:
    """A finding on one licence: one unit of its SKU per month, in the licence's cost group."""
    return Hit(
        resource=licence_resource(user, held),
        reason=reason,
        cost=sku_monthly(ctx, held.part),
        evidence=licence_evidence(user, held, ctx, **evidence),
        confidence=confidence,
        severity=severity,
        recommendation=remove_command(user, held),
        cost_group=cost_group(user, held.sku_id),
    )


def licences_text(ctx: CheckContext, held: Held) -> str:
    """``a Microsoft 365 E3 (SPE_E3) licence assigned directly`` for reasons."""
    label = sku_label(ctx, held.part)
    article = "an" if label[:1].upper() in "AEIOU" else "a"
    return f"{article} {label} licence assigned {held.how}"


# --- sign-in activity ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """A user's last sign-in as Entra ID records it."""

    known: bool  # signInActivity was returned for the tenant (it needs Entra ID P1/P2 and AuditLog.Read.All)
    when: datetime | None  # None with known=True: no sign-in recorded since April 2020
    basis: str
    raw: dict[str, Any]

    def days(self, now: datetime) -> float | None:
        """Days since the last sign-in (None when never or unknown)."""
        return days_between(self.when, now)


def sign_in_available(ctx: CheckContext) -> bool:
    """Whether the provider could read ``signInActivity`` (``m365:capabilities.sign_in_activity``)."""
    return bool(capabilities(ctx).get("sign_in_activity", True))


def last_sign_in(ctx: CheckContext, user: Mapping[str, Any]) -> SignIn:
    """The user's last **successful** sign-in when Entra ID records it (``lastSuccessfulSignInDateTime``,
    interactive or not); else the latest sign-in *attempt*, interactive or non-interactive (those fields
    count failures too, so they can only make a user look more active, never less)."""
    activity = user.get("signInActivity")
    if not sign_in_available(ctx) or (activity is None and "signInActivity" not in user):
        return SignIn(False, None, "signInActivity unavailable", {})
    activity = activity or {}
    raw = {
        k: activity.get(k)
        for k in ("lastSuccessfulSignInDateTime", "lastSignInDateTime", "lastNonInteractiveSignInDateTime")
    }
    successful = parse_time(activity.get("lastSuccessfulSignInDateTime"))
    if successful is not None:
        return SignIn(True, successful, "lastSuccessfulSignInDateTime", raw)
    attempts = [
        t
        for t in (
            parse_time(activity.get("lastSignInDateTime")),
            parse_time(activity.get("lastNonInteractiveSignInDateTime")),
        )
        if t is not None
    ]
    if attempts:
        basis = "latest of lastSignInDateTime and lastNonInteractiveSignInDateTime (attempts)"
        return SignIn(True, max(attempts), basis, raw)
    return SignIn(True, None, "no sign-in recorded (Entra ID keeps them from April 2020)", raw)


# --- usage reports ------------------------------------------------------------------------------

WORKLOADS = ("Exchange", "OneDrive", "SharePoint", "Teams")
ALL_ACTIVITY = (*WORKLOADS, "Skype For Business", "Yammer")


def row_value(row: Mapping[str, Any], *names: str) -> Any:
    """The first present cell of ``names``: CSV headers (``Last Activity Date``) or their JSON camelCase
    (``lastActivityDate``)."""
    for name in names:
        if name in row:
            return row[name]
        camel = name[:1].lower() + name[1:].replace(" ", "")
        if camel in row:
            return row[camel]
    return None


def report_activity(row: Mapping[str, Any], workloads: Iterable[str] = ALL_ACTIVITY) -> datetime | None:
    """The latest ``<workload> Last Activity Date`` of an active-users row (None: none in the period)."""
    dates = [report_date(row_value(row, f"{w} Last Activity Date")) for w in workloads]
    found = [d for d in dates if d is not None]
    return max(found) if found else None


# --- service plans, workloads and SKU supersets -------------------------------------------------

# Families of service plans by name; only these are compared. EXCHANGE_S_FOUNDATION (in many non-mail
# SKUs) and SHAREPOINTWAC (Office for the web) give no mailbox or site and belong to none.
_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), f)
    for p, f in (
        (r"^EXCHANGE_S_(STANDARD|ENTERPRISE|DESKLESS|ESSENTIALS)(_.*)?$", "exchange"),
        (r"^SHAREPOINT(STANDARD|ENTERPRISE|DESKLESS)(_.*)?$", "sharepoint"),
        (r"^ONEDRIVE(STANDARD|ENTERPRISE|_BASIC)(_.*)?$", "sharepoint"),
        (r"^TEAMS1$", "teams"),
        (r"^OFFICE(SUBSCRIPTION|_BUSINESS)(_.*)?$", "office_apps"),
        (r"^INTUNE_A(_.*)?$", "intune"),
        (r"^AAD_PREMIUM$", "entra_p1"),
        (r"^AAD_PREMIUM_P2$", "entra_p2"),
        (r"^MCOEV(_.*)?$", "teams_phone"),
        (r"^MCOMEETADV$", "audio_conferencing"),
        (r"^BI_AZURE_P[23]$", "power_bi"),
    )
)


def plan_family(name: str) -> str | None:
    """The family of a service plan name (``EXCHANGE_S_ENTERPRISE`` -> ``exchange``), None if unlisted."""
    for pattern, family in _FAMILIES:
        if pattern.match(name.upper()):
            return family
    return None


def families(skus: Skus, held: Held) -> set[str] | None:
    """The plan families a licence enables (its SKU's user plans minus its disabled plans); None when the
    tenant does not list the SKU's plans."""
    plans = skus.plans(held.sku_id)
    if not plans:
        return None
    out: set[str] = set()
    for plan in plans:
        if str(plan.get("servicePlanId") or "").lower() in held.disabled_plans:
            continue
        if str(plan.get("appliesTo") or "User") != "User":
            continue
        family = plan_family(str(plan.get("servicePlanName") or ""))
        if family:
            out.add(family)
    return out


_E3_PARTS = {
    "STANDARDPACK",
    "DESKLESSPACK",
    "O365_BUSINESS_ESSENTIALS",
    "O365_BUSINESS_PREMIUM",
    "O365_BUSINESS",
}
_EXO = {"EXCHANGESTANDARD", "EXCHANGEENTERPRISE", "EXCHANGEDESKLESS", "EXCHANGEARCHIVE_ADDON"}
_O365_E3 = {"ENTERPRISEPACK", "OFFICESUBSCRIPTION", *_E3_PARTS, *_EXO}
_EMS_E3 = {"EMS", "AAD_PREMIUM", "INTUNE_A"}
_E5_SECURITY = {"EMSPREMIUM", "AAD_PREMIUM_P2", "ATP_ENTERPRISE", "THREAT_INTELLIGENCE",
                "DEFENDER_ENDPOINT_P1", "WIN_DEF_ATP", "ATA", "ADALLOM_STANDALONE",
                "IDENTITY_THREAT_PROTECTION", "INFORMATION_PROTECTION_COMPLIANCE"}  # fmt: skip
_O365_E5 = {"ENTERPRISEPREMIUM", "ENTERPRISEPREMIUM_NOPSTNCONF", *_O365_E3, "POWER_BI_PRO", "ATP_ENTERPRISE",
            "THREAT_INTELLIGENCE", "MCOEV", "MCOMEETADV"}  # fmt: skip

# superset SKU -> the SKUs whose every paid feature it already includes (Microsoft's product definitions;
# no-Teams suites are supersets of their no-Teams parts only, so Teams Enterprise next to them is needed).
SUPERSETS: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        "SPE_E5": {"SPE_E3", *_O365_E5, *_EMS_E3, *_E5_SECURITY, "Office_365_E3_(no_Teams)",
                   "Microsoft_365_E3_(no_Teams)"},
        "SPE_E3": {*_O365_E3, *_EMS_E3, "Office_365_E3_(no_Teams)", "Microsoft_365_E3_(no_Teams)"},
        "Microsoft_365_E5_(no_Teams)": {"Microsoft_365_E3_(no_Teams)", "Office_365_E3_(no_Teams)",
                                        "Office_365_E5_(no_Teams)", *_EXO, *_EMS_E3, *_E5_SECURITY,
                                        "POWER_BI_PRO", "OFFICESUBSCRIPTION"},
        "Microsoft_365_E3_(no_Teams)": {"Office_365_E3_(no_Teams)", *_EXO, *_EMS_E3, "OFFICESUBSCRIPTION"},
        "ENTERPRISEPREMIUM": {*_O365_E5} - {"ENTERPRISEPREMIUM"},
        "ENTERPRISEPREMIUM_NOPSTNCONF": {*_O365_E5} - {"ENTERPRISEPREMIUM", "ENTERPRISEPREMIUM_NOPSTNCONF",
                                                      "MCOMEETADV"},
        "Office_365_E5_(no_Teams)": {"Office_365_E3_(no_Teams)", *_EXO, "POWER_BI_PRO", "ATP_ENTERPRISE",
                                     "THREAT_INTELLIGENCE"},
        "ENTERPRISEPACK": {*_O365_E3} - {"ENTERPRISEPACK"},
        "Office_365_E3_(no_Teams)": {*_EXO, "OFFICESUBSCRIPTION"},
        "SPB": {"O365_BUSINESS_PREMIUM", "O365_BUSINESS_ESSENTIALS", "O365_BUSINESS", "EXCHANGESTANDARD",
                "EXCHANGEARCHIVE_ADDON", "AAD_PREMIUM", "INTUNE_A", "ATP_ENTERPRISE"},
        "O365_BUSINESS_PREMIUM": {"O365_BUSINESS_ESSENTIALS", "O365_BUSINESS", "EXCHANGESTANDARD"},
        "O365_BUSINESS_ESSENTIALS": {"EXCHANGESTANDARD"},
        "STANDARDPACK": {"EXCHANGESTANDARD", "DESKLESSPACK", "O365_BUSINESS_ESSENTIALS"},
        "SPE_F1": {"DESKLESSPACK", "M365_F1", "EXCHANGEDESKLESS", "AAD_PREMIUM", "INTUNE_A"},
        "DESKLESSPACK": {"EXCHANGEDESKLESS"},
        "EXCHANGEENTERPRISE": {"EXCHANGESTANDARD", "EXCHANGEDESKLESS", "EXCHANGEARCHIVE_ADDON"},
        "EXCHANGESTANDARD": {"EXCHANGEDESKLESS"},
        "EMSPREMIUM": {"EMS", "AAD_PREMIUM", "AAD_PREMIUM_P2", "INTUNE_A", "ATA", "ADALLOM_STANDALONE"},
        "EMS": {"AAD_PREMIUM", "INTUNE_A"},
        "AAD_PREMIUM_P2": {"AAD_PREMIUM"},
        "PBI_PREMIUM_PER_USER": {"POWER_BI_PRO"},
        "PROJECTPREMIUM": {"PROJECTPROFESSIONAL", "PROJECT_P1"},
        "PROJECTPROFESSIONAL": {"PROJECT_P1"},
        "VISIOCLIENT": {"VISIO_PLAN1_DEPT"},
        "Microsoft_Teams_Rooms_Pro": {"MCOEV", "MCOMEETADV"},
    }.items()
}  # fmt: skip


def includes(superset: str, subset: str) -> bool:
    """Whether SKU ``superset`` includes everything SKU ``subset`` sells (directly or through a part)."""
    if superset == subset:
        return False
    todo, seen = [superset], {superset}
    while todo:
        for part in SUPERSETS.get(todo.pop(), frozenset()):
            if part == subset:
                return True
            if part not in seen:
                seen.add(part)
                todo.append(part)
    return False


def redundant_with(skus: Skus, subset: Held, others: Iterable[Held]) -> list[Held]:
    """The licences among ``others`` that include ``subset`` and leave none of its workloads disabled.

    A superset licence with a plan disabled that the subset provides (E5 with Exchange turned off next
    to a standalone Exchange Online plan) does not make the subset redundant.
    """
    needed = families(skus, subset)
    found: list[Held] = []
    for other in others:
        if other.sku_id == subset.sku_id or not includes(other.part, subset.part):
            continue
        given = families(skus, other)
        if needed is not None and given is not None and not needed <= given:
            continue
        found.append(other)
    return found


def since_text(when: datetime | None) -> str:
    """An ISO date for reasons (``2026-01-31``) or ``never``."""
    return when.date().isoformat() if when else "never"


def evidence_time(when: datetime | None) -> str | None:
    """ISO timestamp for evidence."""
    return iso(when)


# --- mailboxes and report rows matched to users --------------------------------------------------

RESOURCE_TYPES = ("shared", "room", "equipment")


def recipient_type(row: Mapping[str, Any]) -> str:
    """A mailbox row's ``Recipient Type`` normalised: ``UserMailbox``/``User`` -> ``user``,
    ``SharedMailbox``/``Shared`` -> ``shared``, ``RoomMailbox`` -> ``room``, ``EquipmentMailbox`` ->
    ``equipment`` (empty -> ``user``); ``unknown`` when the column is absent, as in the v1.0 report
    (only the beta report has it), so no mailbox is taken for a shared one without evidence."""
    value = row_value(row, "Recipient Type")
    if value is None:
        return "unknown"
    text = str(value or "User").strip().lower()
    return text.removesuffix("mailbox") or "user"


def users_by_upn(ctx: CheckContext) -> dict[str, Mapping[str, Any]]:
    """``m365:users`` keyed by normalised ``userPrincipalName``."""
    return {
        norm_upn(u.get("userPrincipalName")): u
        for u in ctx.get("m365:users") or []
        if u.get("userPrincipalName")
    }


def report_rows(ctx: CheckContext, name: str) -> list[Mapping[str, Any]]:
    """A usage report's rows without the deleted users' (``Is Deleted`` True)."""
    rows = ctx.get(name) or []
    return [r for r in rows if str(row_value(r, "Is Deleted") or "").strip().lower() not in ("true", "yes")]


def period_start(ctx: CheckContext) -> datetime:
    """The first day the usage reports cover: their refresh date minus their period."""
    return report_refreshed(ctx) - timedelta(days=period_days(ctx))


def inactive_since(
    ctx: CheckContext, last: datetime | None, *floors: datetime | None
) -> tuple[float, datetime | None, bool]:
    """(days inactive, the date counted from, whether that is only the report period's start).

    ``floors`` (licence assign date, mailbox or account creation) cap the inactivity: nobody can have
    been idle on a licence longer than they have held it.
    """
    known = [f for f in floors if f is not None]
    if last is not None:
        since = max([last, *known])
        return (days_between(since, ctx.now) or 0.0, since, False)
    start = max([period_start(ctx), *known])
    return (days_between(start, ctx.now) or 0.0, start, start == period_start(ctx))
