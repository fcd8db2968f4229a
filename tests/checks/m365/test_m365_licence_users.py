"""Licences on accounts that do not use them: disabled, no sign-in, never signed in, guests, duplicates."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, Severity
from cloudwaste.report import summarize

DISABLED = "m365.license.disabled_account_licensed"
INACTIVE = "m365.license.inactive_user"
NEVER = "m365.license.never_signed_in"
GUEST = "m365.license.guest_or_external_licensed"
DUPLICATE = "m365.license.duplicate_assignment"
SKUS = (
    "SPE_E3",
    "SPE_E5",
    "ENTERPRISEPACK",
    "EXCHANGESTANDARD",
    "SPB",
    "FLOW_FREE",
    "VISIOCLIENT",
    "AAD_PREMIUM",
    "EMS",
    "Office_365_E3_(no_Teams)",
    "Microsoft_Teams_Enterprise_New",
    "POWER_BI_PRO",
    "POWER_BI_STANDARD",
    "Microsoft_365_E3_(no_Teams)",
)


@pytest.fixture
def skus(m365):
    return [m365.sku(p) for p in SKUS]


# --- shared behaviour of every per-licence finding ----------------------------------------------


def test_one_finding_per_paid_licence_priced_at_one_unit(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3", "VISIOCLIENT", "FLOW_FREE"], enabled=False, sign_in=None)
    hits = m365.run(DISABLED, users=[user], subscribed_skus=skus)
    assert sorted(h.cost.amount for h in hits) == [15.0, 39.0]  # the free Power Automate licence is left out
    assert {h.resource.id for h in hits} == {
        f"{user['id']}/licenses/{m365.sku(p)['skuId']}" for p in ("SPE_E3", "VISIOCLIENT")
    }
    for h in hits:
        assert h.cost_group == f"m365:{user['id']}:{h.evidence['sku_id']}"
        assert "Set-MgUserLicense" in (h.recommendation or "")
        assert h.resource.type == "m365_user_licence"


def test_a_licence_flagged_by_several_checks_counts_once(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], enabled=False, sign_in=m365.sign_in(successful=200))
    hits = {
        c: m365.run(
            c,
            users=[user],
            subscribed_skus=skus,
            params={"include_disabled": True} if c == INACTIVE else None,
        )
        for c in (DISABLED, INACTIVE)
    }
    findings = [f for c, h in hits.items() for f in m365.findings(c, h)]
    assert len(findings) == 2
    assert summarize(findings).monthly_cost["amount"] == 39.0


def test_two_licences_of_one_user_are_two_amounts_in_totals(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3", "VISIOCLIENT"], enabled=False, sign_in=None)
    findings = m365.findings(DISABLED, m365.run(DISABLED, users=[user], subscribed_skus=skus))
    assert summarize(findings).monthly_cost["amount"] == 54.0


def test_an_assignment_in_error_consumes_no_unit_and_is_not_charged(m365, skus):
    user = m365.user(
        "ada@contoso.com",
        [("SPE_E3", {"group": "g1", "state": "Error", "error": "CountViolation"})],
        enabled=False,
    )
    assert m365.run(DISABLED, users=[user], subscribed_skus=skus) == []


def test_excluded_users_are_left_out(m365, skus):
    users = [
        m365.user("breakglass1@contoso.com", ["SPE_E3"], enabled=False),
        m365.user("ada@contoso.com", ["SPE_E3"], enabled=False),
    ]
    hits = m365.run(DISABLED, params={"exclude_users": ["BreakGlass*"]}, users=users, subscribed_skus=skus)
    assert [h.evidence["user_principal_name"] for h in hits] == ["ada@contoso.com"]


def test_group_inherited_licences_say_to_leave_the_group(m365, skus):
    user = m365.user("ada@contoso.com", [("SPE_E3", {"group": "g-e3"})], enabled=False)
    (hit,) = m365.run(DISABLED, users=[user], subscribed_skus=skus)
    assert "group g-e3" in (hit.recommendation or "")
    assert hit.evidence["assigned_directly"] is False


def test_a_sku_the_tenant_no_longer_lists_is_named_by_its_id_with_unknown_cost(m365):
    user = m365.user("ada@contoso.com", ["SPE_E3"], enabled=False)
    (hit,) = m365.run(DISABLED, users=[user], subscribed_skus=[])
    assert hit.cost.amount is None


# --- disabled accounts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "confidence"),
    [
        (6.9, Confidence.LOW),
        (7, Confidence.MEDIUM),
        (29.9, Confidence.MEDIUM),
        (30, Confidence.HIGH),
        (None, Confidence.HIGH),
    ],
)
def test_disabled_account_confidence_bands(m365, skus, last, confidence):
    user = m365.user("ada@contoso.com", ["SPE_E3"], enabled=False, sign_in=m365.sign_in(successful=last))
    (hit,) = m365.run(DISABLED, users=[user], subscribed_skus=skus)
    assert hit.confidence is confidence


def test_enabled_accounts_are_not_disabled_findings(m365, skus):
    assert m365.run(DISABLED, users=[m365.user("ada@contoso.com", ["SPE_E3"])], subscribed_skus=skus) == []


def test_disabled_account_without_sign_in_data_is_medium(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], enabled=False, sign_in="absent")
    (hit,) = m365.run(DISABLED, users=[user], subscribed_skus=skus, caps=m365.caps(sign_in_activity=False))
    assert hit.confidence is Confidence.MEDIUM
    assert "unavailable" in hit.reason


@pytest.mark.parametrize("recipient", ["SharedMailbox", "Shared", "RoomMailbox", "EquipmentMailbox"])
def test_disabled_shared_and_resource_mailboxes_are_left_to_the_mailbox_check(m365, skus, recipient):
    # a shared mailbox over 50 GB is disabled by design and needs its licence
    user = m365.user("help@contoso.com", ["EXCHANGEENTERPRISE"], enabled=False, sign_in=None)
    rows = [m365.mailbox_row("help@contoso.com", recipient_type=recipient, storage_gb=60)]
    assert m365.run(DISABLED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows) == []


# --- inactive users -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "confidence"),
    [(89.9, None), (90, Confidence.MEDIUM), (179.9, Confidence.MEDIUM), (180, Confidence.HIGH)],
)
def test_inactive_user_boundaries(m365, skus, days, confidence):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=days, interactive=days))
    hits = m365.run(INACTIVE, users=[user], subscribed_skus=skus)
    assert (hits[0].confidence if hits else None) is confidence


def test_successful_sign_in_wins_over_recent_failed_attempts(m365, skus):
    # a password spray on a leaver's account updates lastSignInDateTime, not the successful one
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=120, interactive=1))
    (hit,) = m365.run(INACTIVE, users=[user], subscribed_skus=skus)
    assert "120 days" in hit.reason
    assert hit.evidence["last_sign_in_basis"] == "lastSuccessfulSignInDateTime"


def test_recent_non_interactive_sign_in_counts_as_activity(m365, skus):
    # no successful timestamp (pre-December 2023 data): the latest attempt of either kind is used
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(interactive=200, non_interactive=3))
    assert m365.run(INACTIVE, users=[user], subscribed_skus=skus) == []


def test_old_interactive_and_non_interactive_attempts_are_inactive(m365, skus):
    user = m365.user(
        "ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(interactive=200, non_interactive=150)
    )
    (hit,) = m365.run(INACTIVE, users=[user], subscribed_skus=skus)
    assert "150 days" in hit.reason
    assert "attempt" in hit.reason


def test_never_signed_in_users_are_left_to_never_signed_in(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in())
    assert m365.run(INACTIVE, users=[user], subscribed_skus=skus) == []


def test_disabled_accounts_are_left_to_the_disabled_check_by_default(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], enabled=False, sign_in=m365.sign_in(successful=200))
    assert m365.run(INACTIVE, users=[user], subscribed_skus=skus) == []
    assert len(m365.run(INACTIVE, params={"include_disabled": True}, users=[user], subscribed_skus=skus)) == 1


def test_room_mailboxes_never_sign_in_and_are_not_inactive_users(m365, skus):
    user = m365.user("room1@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=300))
    rows = [m365.mailbox_row("room1@contoso.com", recipient_type="RoomMailbox")]
    assert m365.run(INACTIVE, users=[user], subscribed_skus=skus, report_mailbox_usage=rows) == []


def test_graph_timestamps_with_seven_fractional_digits_parse(m365, skus):
    activity = m365.sign_in()
    activity["lastSuccessfulSignInDateTime"] = m365.ts(100, fraction=True)
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=activity)
    (hit,) = m365.run(INACTIVE, users=[user], subscribed_skus=skus)
    assert "100 days" in hit.reason


# --- fallback to the active users report when signInActivity is refused -------------------------

NO_SIGN_IN = {"sign_in_activity": False, "sign_in_activity_error": "Authorization_RequestDenied (403)"}


@pytest.mark.parametrize(("last", "confidence"), [(89, None), (95, Confidence.LOW), (200, Confidence.MEDIUM)])
def test_fallback_uses_report_activity_with_lower_confidence(m365, skus, last, confidence):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in="absent")
    rows = [m365.active_user_row("ada@contoso.com", exchange=last, teams=last + 10)]
    hits = m365.run(
        INACTIVE, caps=m365.caps(**NO_SIGN_IN), users=[user], subscribed_skus=skus, report_active_users=rows
    )
    assert (hits[0].confidence if hits else None) is confidence
    if hits:
        assert "sign-in data is unavailable" in hits[0].reason
        assert hits[0].evidence["fallback"] == "report_active_users"


def test_fallback_with_empty_dates_proves_only_the_report_period(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in="absent")
    rows = [m365.active_user_row("ada@contoso.com")]
    short = m365.run(
        INACTIVE,
        caps=m365.caps(report_period="D30", **NO_SIGN_IN),
        users=[user],
        subscribed_skus=skus,
        report_active_users=rows,
    )
    assert short == []  # 30 days without activity do not prove 90
    (hit,) = m365.run(
        INACTIVE,
        caps=m365.caps(report_period="D180", **NO_SIGN_IN),
        users=[user],
        subscribed_skus=skus,
        report_active_users=rows,
    )
    assert hit.evidence["lower_bound"] is True
    assert hit.confidence is Confidence.LOW


def test_fallback_with_concealed_names_reports_nothing(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in="absent")
    rows = [m365.active_user_row("ada@contoso.com", exchange=200)]
    hits = m365.run(
        INACTIVE,
        caps=m365.caps(reports_concealed=True, **NO_SIGN_IN),
        users=[user],
        subscribed_skus=skus,
        report_active_users=rows,
    )
    assert hits == []


def test_fallback_detects_hashed_names_even_without_the_flag(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in="absent")
    rows = [m365.active_user_row("DC8C64D6EC3A3AA17481D7E5EB5B68A6", exchange=200)]
    assert (
        m365.run(
            INACTIVE,
            caps=m365.caps(**NO_SIGN_IN),
            users=[user],
            subscribed_skus=skus,
            report_active_users=rows,
        )
        == []
    )


def test_fallback_off_reports_nothing(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in="absent")
    rows = [m365.active_user_row("ada@contoso.com", exchange=200)]
    assert (
        m365.run(
            INACTIVE,
            params={"fallback_to_reports": False},
            caps=m365.caps(**NO_SIGN_IN),
            users=[user],
            subscribed_skus=skus,
            report_active_users=rows,
        )
        == []
    )


# --- never signed in ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "confidence"),
    [(29.9, None), (30, Confidence.MEDIUM), (89.9, Confidence.MEDIUM), (90, Confidence.HIGH)],
)
def test_never_signed_in_age_boundaries(m365, skus, age, confidence):
    user = m365.user("new@contoso.com", ["SPE_E3"], created_days=age, sign_in=m365.sign_in())
    hits = m365.run(NEVER, users=[user], subscribed_skus=skus)
    assert (hits[0].confidence if hits else None) is confidence


def test_null_sign_in_activity_means_never(m365, skus):
    user = m365.user("new@contoso.com", ["SPE_E3"], created_days=100, sign_in=None)
    assert len(m365.run(NEVER, users=[user], subscribed_skus=skus)) == 1


def test_a_pre_2023_interactive_sign_in_is_not_never(m365, skus):
    # lastSuccessfulSignInDateTime is not backfilled: null with an old interactive sign-in is not "never"
    user = m365.user("old@contoso.com", ["SPE_E3"], created_days=1500, sign_in=m365.sign_in(interactive=1200))
    assert m365.run(NEVER, users=[user], subscribed_skus=skus) == []


def test_an_account_without_creation_date_is_medium(m365, skus):
    user = m365.user("old@contoso.com", ["SPE_E3"], created_days=None, sign_in=m365.sign_in())
    (hit,) = m365.run(NEVER, users=[user], subscribed_skus=skus)
    assert hit.confidence is Confidence.MEDIUM
    assert "before 2018" in hit.reason


def test_never_signed_in_needs_sign_in_data(m365, skus):
    user = m365.user("new@contoso.com", ["SPE_E3"], created_days=100, sign_in="absent")
    assert m365.run(NEVER, caps=m365.caps(**NO_SIGN_IN), users=[user], subscribed_skus=skus) == []


# --- guests -------------------------------------------------------------------------------------

GUEST_UPN = "pat_fabrikam.com#EXT#@contoso.onmicrosoft.com"


@pytest.mark.parametrize(
    ("sign_in", "state", "confidence"),
    [
        ({"successful": 10}, "Accepted", Confidence.LOW),
        ({"successful": 30}, "Accepted", Confidence.MEDIUM),
        ({}, "Accepted", Confidence.HIGH),
        ({"successful": 3}, "PendingAcceptance", Confidence.HIGH),
    ],
)
def test_guest_confidence(m365, skus, sign_in, state, confidence):
    user = m365.user(
        GUEST_UPN,
        ["ENTERPRISEPACK"],
        user_type="Guest",
        external_state=state,
        sign_in=m365.sign_in(**sign_in),
    )
    (hit,) = m365.run(GUEST, users=[user], subscribed_skus=skus)
    assert hit.confidence is confidence
    assert hit.cost.amount == 26.0


def test_ext_members_from_cross_tenant_sync_are_not_guests(m365, skus):
    user = m365.user(GUEST_UPN, ["ENTERPRISEPACK"], user_type="Member")
    assert m365.run(GUEST, users=[user], subscribed_skus=skus) == []


def test_guests_with_only_free_licences_are_left_out(m365, skus):
    user = m365.user(GUEST_UPN, ["POWER_BI_STANDARD"], user_type="Guest", sign_in=m365.sign_in())
    assert m365.run(GUEST, users=[user], subscribed_skus=skus) == []


# --- duplicate and overlapping assignments ------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "redundant"),
    [
        (["SPE_E5", "SPE_E3"], ["SPE_E3"]),
        (["SPE_E3", "ENTERPRISEPACK"], ["ENTERPRISEPACK"]),
        (["SPB", "EXCHANGESTANDARD"], ["EXCHANGESTANDARD"]),
        (["SPE_E3", "AAD_PREMIUM", "EMS"], ["AAD_PREMIUM", "EMS"]),
        (["SPE_E5", "POWER_BI_PRO"], ["POWER_BI_PRO"]),
        (["EMS", "AAD_PREMIUM"], ["AAD_PREMIUM"]),
        (["ENTERPRISEPACK", "VISIOCLIENT"], []),
    ],
)
def test_overlapping_skus(m365, skus, held, redundant):
    user = m365.user("ada@contoso.com", held)
    hits = m365.run(DUPLICATE, users=[user], subscribed_skus=skus)
    assert sorted(h.evidence["sku_part_number"] for h in hits) == sorted(redundant)
    for h in hits:
        assert h.evidence["scenario"] == "overlapping_sku"
        assert h.confidence is Confidence.HIGH  # the service plans were compared


def test_e5_with_e3_costs_the_e3(m365, skus):
    (hit,) = m365.run(
        DUPLICATE, users=[m365.user("ada@contoso.com", ["SPE_E5", "SPE_E3"])], subscribed_skus=skus
    )
    assert hit.cost.amount == 39.0
    assert hit.evidence["included_in"] == ["SPE_E5"]


def test_a_superset_with_the_plan_disabled_does_not_make_the_subset_redundant(m365, skus):
    # E3 with Exchange turned off next to Exchange Online Plan 1 for the mailbox: deliberate
    user = m365.user(
        "ada@contoso.com", [("SPE_E3", {"disabled_plans": ["EXCHANGE_S_ENTERPRISE"]}), "EXCHANGESTANDARD"]
    )
    assert m365.run(DUPLICATE, users=[user], subscribed_skus=skus) == []


def test_a_superset_with_an_unrelated_plan_disabled_still_makes_it_redundant(m365, skus):
    user = m365.user("ada@contoso.com", [("SPE_E3", {"disabled_plans": ["INTUNE_A"]}), "EXCHANGESTANDARD"])
    assert len(m365.run(DUPLICATE, users=[user], subscribed_skus=skus)) == 1


def test_no_teams_suite_with_teams_enterprise_is_not_a_duplicate(m365, skus):
    user = m365.user("ada@contoso.com", ["Office_365_E3_(no_Teams)", "Microsoft_Teams_Enterprise_New"])
    assert m365.run(DUPLICATE, users=[user], subscribed_skus=skus) == []


def test_a_no_teams_suite_next_to_its_full_twin_is_redundant(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3", "Microsoft_365_E3_(no_Teams)"])
    (hit,) = m365.run(DUPLICATE, users=[user], subscribed_skus=skus)
    assert hit.evidence["sku_part_number"] == "Microsoft_365_E3_(no_Teams)"


def test_unknown_service_plans_lower_confidence(m365):
    user = m365.user("ada@contoso.com", ["SPE_E5", "SPE_E3"])
    skus = [m365.sku("SPE_E5", plans=[]), m365.sku("SPE_E3", plans=[])]
    (hit,) = m365.run(DUPLICATE, users=[user], subscribed_skus=skus)
    assert hit.confidence is Confidence.MEDIUM


def test_a_free_sku_next_to_a_suite_is_not_reported(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E5", "POWER_BI_STANDARD"])
    assert m365.run(DUPLICATE, users=[user], subscribed_skus=skus) == []


def test_direct_and_group_assignment_of_one_sku_costs_nothing_extra(m365, skus):
    user = m365.user("ada@contoso.com", [("SPE_E3", {"group": "g-e3", "direct": True})])
    (hit,) = m365.run(DUPLICATE, users=[user], subscribed_skus=skus)
    assert hit.evidence["scenario"] == "direct_and_group"
    assert hit.cost.amount == 0.0
    assert hit.severity is Severity.LOW
    assert (
        m365.run(DUPLICATE, params={"report_direct_and_group": False}, users=[user], subscribed_skus=skus)
        == []
    )


def test_group_only_or_direct_only_is_not_a_duplicate(m365, skus):
    users = [
        m365.user("a@contoso.com", [("SPE_E3", {"group": ["g1", "g2"]})]),
        m365.user("b@contoso.com", ["SPE_E3"]),
    ]
    assert m365.run(DUPLICATE, users=users, subscribed_skus=skus) == []


def test_a_redundant_licence_assigned_twice_is_one_finding(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E5", ("SPE_E3", {"group": "g-e3", "direct": True})])
    (hit,) = m365.run(DUPLICATE, users=[user], subscribed_skus=skus)
    assert hit.evidence["scenario"] == "overlapping_sku"
    assert "directly and by group" in hit.reason


def test_fallback_never_counts_from_before_the_licence_was_assigned(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in="absent")
    rows = [m365.active_user_row("ada@contoso.com", exchange=300, assigned_days=40)]
    assert (
        m365.run(
            INACTIVE,
            caps=m365.caps(**NO_SIGN_IN),
            users=[user],
            subscribed_skus=skus,
            report_active_users=rows,
        )
        == []
    )


def test_each_licence_is_its_own_finding_in_the_tenant_unit(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3", "VISIOCLIENT"], enabled=False)
    findings = m365.findings(DISABLED, m365.run(DISABLED, users=[user], subscribed_skus=skus))
    assert len({f.fingerprint for f in findings}) == 2
    assert {f.region for f in findings} == {"global"}
    assert {f.account for f in findings} == {m365.tenant}
