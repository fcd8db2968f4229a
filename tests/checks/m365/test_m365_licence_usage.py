"""Licences the usage reports show unused: mailboxes, workloads, Copilot seats and Teams add-ons."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence

SHARED = "m365.license.shared_mailbox_licensed"
WORKLOAD = "m365.license.workload_unused"
MAILBOX = "m365.exchange.inactive_mailbox"
COPILOT = "m365.copilot.underused_license"
TEAMS = "m365.teams.inactive_user"
SKUS = (
    "SPE_E3",
    "ENTERPRISEPACK",
    "EXCHANGESTANDARD",
    "EXCHANGEENTERPRISE",
    "Microsoft_365_Copilot",
    "MCOEV",
    "MCOMEETADV",
    "Microsoft_Teams_Rooms_Pro",
    "VISIOCLIENT",
    "POWER_BI_PRO",
)
HASH = "DC8C64D6EC3A3AA17481D7E5EB5B68A6"


@pytest.fixture
def skus(m365):
    return [m365.sku(p) for p in SKUS]


# --- shared and resource mailboxes --------------------------------------------------------------


@pytest.mark.parametrize("recipient", ["SharedMailbox", "Shared"])
def test_a_small_shared_mailbox_needs_no_licence(m365, skus, recipient):
    user = m365.user("info@contoso.com", ["EXCHANGESTANDARD"], enabled=False, sign_in=None)
    rows = [m365.mailbox_row("info@contoso.com", recipient_type=recipient, storage_gb=3)]
    (hit,) = m365.run(SHARED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows)
    assert hit.cost.amount == 4.0
    assert hit.confidence is Confidence.MEDIUM  # litigation hold is not in the report
    assert hit.evidence["scenario"] == "shared_mailbox_licensed"
    assert "3.0 GB" in hit.reason


@pytest.mark.parametrize(
    ("size", "found", "confidence"),
    [
        (44.9, True, Confidence.MEDIUM),
        (45, True, Confidence.LOW),
        (49.9, True, Confidence.LOW),
        (50, False, None),
    ],
)
def test_shared_mailbox_size_boundaries(m365, skus, size, found, confidence):
    user = m365.user("info@contoso.com", ["EXCHANGEENTERPRISE"])
    rows = [m365.mailbox_row("info@contoso.com", recipient_type="SharedMailbox", storage_gb=size)]
    hits = m365.run(SHARED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows)
    assert bool(hits) is found
    if found:
        assert hits[0].confidence is confidence


def test_a_shared_mailbox_with_an_archive_needs_its_licence(m365, skus):
    user = m365.user("info@contoso.com", ["EXCHANGEENTERPRISE"])
    rows = [
        m365.mailbox_row("info@contoso.com", recipient_type="SharedMailbox", storage_gb=5, has_archive=True)
    ]
    assert m365.run(SHARED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows) == []


def test_a_shared_mailbox_of_unknown_size_is_low_confidence(m365, skus):
    user = m365.user("info@contoso.com", ["EXCHANGESTANDARD"])
    rows = [m365.mailbox_row("info@contoso.com", recipient_type="SharedMailbox", storage_gb=None)]
    (hit,) = m365.run(SHARED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows)
    assert hit.confidence is Confidence.LOW


@pytest.mark.parametrize("recipient", ["RoomMailbox", "EquipmentMailbox", "Room"])
def test_resource_mailboxes_need_no_licence(m365, skus, recipient):
    user = m365.user("room1@contoso.com", ["ENTERPRISEPACK"])
    rows = [m365.mailbox_row("room1@contoso.com", recipient_type=recipient)]
    (hit,) = m365.run(SHARED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows)
    assert hit.evidence["scenario"] == "resource_mailbox_licensed"
    assert hit.confidence is Confidence.HIGH
    assert hit.cost.amount == 26.0


def test_a_teams_rooms_licence_on_a_room_is_needed(m365, skus):
    user = m365.user("room1@contoso.com", ["Microsoft_Teams_Rooms_Pro"])
    rows = [m365.mailbox_row("room1@contoso.com", recipient_type="RoomMailbox")]
    assert m365.run(SHARED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows) == []


def test_user_mailboxes_and_deleted_rows_are_not_shared(m365, skus):
    users = [m365.user("ada@contoso.com", ["SPE_E3"]), m365.user("old@contoso.com", ["SPE_E3"])]
    rows = [
        m365.mailbox_row("ada@contoso.com", recipient_type="UserMailbox"),
        m365.mailbox_row("old@contoso.com", recipient_type="SharedMailbox", deleted=True),
    ]
    assert m365.run(SHARED, users=users, subscribed_skus=skus, report_mailbox_usage=rows) == []


def test_shared_mailbox_check_reports_nothing_with_concealed_names(m365, skus):
    user = m365.user("info@contoso.com", ["EXCHANGESTANDARD"])
    rows = [m365.mailbox_row(HASH, recipient_type="SharedMailbox")]
    assert m365.run(SHARED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows) == []
    rows = [m365.mailbox_row("info@contoso.com", recipient_type="SharedMailbox")]
    caps = m365.caps(reports_concealed=True)
    assert m365.run(SHARED, caps=caps, users=[user], subscribed_skus=skus, report_mailbox_usage=rows) == []


def test_report_upns_match_case_insensitively(m365, skus):
    user = m365.user("Info@Contoso.com", ["EXCHANGESTANDARD"])
    rows = [m365.mailbox_row("info@contoso.com", recipient_type="SharedMailbox")]
    assert len(m365.run(SHARED, users=[user], subscribed_skus=skus, report_mailbox_usage=rows)) == 1


# --- licensed workloads unused ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "confidence"),
    [(89, None), (90, Confidence.MEDIUM), (179, Confidence.MEDIUM), (180, Confidence.HIGH)],
)
def test_workload_unused_boundaries(m365, skus, days, confidence):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=days + 1))
    rows = [
        m365.active_user_row("ada@contoso.com", exchange=days, onedrive=days, sharepoint=days, teams=days)
    ]
    hits = m365.run(WORKLOAD, users=[user], subscribed_skus=skus, report_active_users=rows)
    assert (hits[0].confidence if hits else None) is confidence
    if hits:
        assert hits[0].cost.amount == 39.0


def test_one_active_workload_means_the_suite_is_used(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=200))
    rows = [m365.active_user_row("ada@contoso.com", exchange=200, teams=3)]
    assert m365.run(WORKLOAD, users=[user], subscribed_skus=skus, report_active_users=rows) == []


def test_a_recent_licence_assign_date_caps_the_inactivity(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=200))
    rows = [m365.active_user_row("ada@contoso.com", exchange=300, assigned_days=20)]
    assert m365.run(WORKLOAD, users=[user], subscribed_skus=skus, report_active_users=rows) == []


def test_empty_dates_prove_only_the_report_period(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=400))
    rows = [m365.active_user_row("ada@contoso.com")]
    caps30 = m365.caps(report_period="D30")
    assert m365.run(WORKLOAD, caps=caps30, users=[user], subscribed_skus=skus, report_active_users=rows) == []
    (hit,) = m365.run(WORKLOAD, users=[user], subscribed_skus=skus, report_active_users=rows)  # D180
    assert hit.confidence is Confidence.MEDIUM  # a lower bound never gives high confidence


def test_a_user_who_still_signs_in_gets_lower_confidence(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=2))
    rows = [m365.active_user_row("ada@contoso.com", exchange=200, onedrive=200, sharepoint=200, teams=200)]
    (hit,) = m365.run(WORKLOAD, users=[user], subscribed_skus=skus, report_active_users=rows)
    assert hit.confidence is Confidence.MEDIUM
    assert "still signed in" in hit.reason


def test_only_licences_carrying_the_workloads_are_reported(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3", "VISIOCLIENT"], sign_in=m365.sign_in(successful=300))
    rows = [m365.active_user_row("ada@contoso.com", exchange=200)]
    hits = m365.run(WORKLOAD, users=[user], subscribed_skus=skus, report_active_users=rows)
    assert [h.evidence["sku_part_number"] for h in hits] == ["SPE_E3"]


def test_workload_unused_reports_nothing_with_concealed_names(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"])
    rows = [m365.active_user_row(HASH, exchange=300)]
    assert m365.run(WORKLOAD, users=[user], subscribed_skus=skus, report_active_users=rows) == []


def test_a_user_missing_from_the_report_is_unknown(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"])
    rows = [m365.active_user_row("bob@contoso.com", exchange=300)]
    assert m365.run(WORKLOAD, users=[user], subscribed_skus=skus, report_active_users=rows) == []


# --- inactive mailboxes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "confidence"),
    [(89, None), (90, Confidence.MEDIUM), (180, Confidence.HIGH)],
)
def test_inactive_mailbox_boundaries(m365, skus, days, confidence):
    user = m365.user("ada@contoso.com", ["EXCHANGESTANDARD"], sign_in=m365.sign_in(successful=days + 5))
    rows = [m365.mailbox_row("ada@contoso.com", last=days)]
    hits = m365.run(MAILBOX, users=[user], subscribed_skus=skus, report_mailbox_usage=rows)
    assert (hits[0].confidence if hits else None) is confidence


def test_a_new_mailbox_is_not_inactive(m365, skus):
    user = m365.user("new@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=100))
    rows = [m365.mailbox_row("new@contoso.com", last=None, created_days=40)]
    assert m365.run(MAILBOX, users=[user], subscribed_skus=skus, report_mailbox_usage=rows) == []


def test_an_inactive_mailbox_of_a_user_who_signs_in_is_low_confidence(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3"], sign_in=m365.sign_in(successful=1))
    rows = [m365.mailbox_row("ada@contoso.com", last=200)]
    (hit,) = m365.run(MAILBOX, users=[user], subscribed_skus=skus, report_mailbox_usage=rows)
    assert hit.confidence is Confidence.LOW


def test_only_licences_with_an_exchange_plan_are_reported(m365, skus):
    user = m365.user("ada@contoso.com", ["SPE_E3", "POWER_BI_PRO"], sign_in=m365.sign_in(successful=300))
    rows = [m365.mailbox_row("ada@contoso.com", last=200)]
    hits = m365.run(MAILBOX, users=[user], subscribed_skus=skus, report_mailbox_usage=rows)
    assert [h.evidence["sku_part_number"] for h in hits] == ["SPE_E3"]


def test_shared_mailboxes_are_not_inactive_user_mailboxes(m365, skus):
    user = m365.user("info@contoso.com", ["EXCHANGESTANDARD"], sign_in=None)
    rows = [m365.mailbox_row("info@contoso.com", last=300, recipient_type="SharedMailbox")]
    assert m365.run(MAILBOX, users=[user], subscribed_skus=skus, report_mailbox_usage=rows) == []


# --- Copilot ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "confidence"),
    [(29, None), (30, Confidence.MEDIUM), (59, Confidence.MEDIUM), (60, Confidence.HIGH)],
)
def test_copilot_boundaries(m365, skus, days, confidence):
    user = m365.user("ada@contoso.com", ["SPE_E3", ("Microsoft_365_Copilot", {"updated_days": 200})])
    rows = [m365.copilot_row("ada@contoso.com", last=days, teams=days)]
    hits = m365.run(COPILOT, users=[user], subscribed_skus=skus, report_copilot_usage=rows)
    assert (hits[0].confidence if hits else None) is confidence
    if hits:
        assert hits[0].cost.amount == 30.0
        assert hits[0].evidence["sku_part_number"] == "Microsoft_365_Copilot"


def test_recent_use_in_any_app_counts(m365, skus):
    user = m365.user("ada@contoso.com", [("Microsoft_365_Copilot", {"updated_days": 200})])
    rows = [m365.copilot_row("ada@contoso.com", last=None, word=3)]
    assert m365.run(COPILOT, users=[user], subscribed_skus=skus, report_copilot_usage=rows) == []


@pytest.mark.parametrize(("assigned", "found"), [(29, False), (31, True)])
def test_a_recently_assigned_seat_is_still_being_adopted(m365, skus, assigned, found):
    user = m365.user("ada@contoso.com", [("Microsoft_365_Copilot", {"updated_days": assigned})])
    rows = [m365.copilot_row("ada@contoso.com", last=None)]
    hits = m365.run(COPILOT, users=[user], subscribed_skus=skus, report_copilot_usage=rows)
    assert bool(hits) is found


def test_an_empty_copilot_report_is_unknown_not_idle(m365, skus):
    user = m365.user("ada@contoso.com", [("Microsoft_365_Copilot", {"updated_days": 200})])
    assert m365.run(COPILOT, users=[user], subscribed_skus=skus, report_copilot_usage=[]) == []
    rows = [m365.copilot_row("bob@contoso.com", last=None)]
    assert m365.run(COPILOT, users=[user], subscribed_skus=skus, report_copilot_usage=rows) == []


def test_copilot_json_rows_with_camel_case_keys_are_read(m365, skus):
    user = m365.user("ada@contoso.com", [("Microsoft_365_Copilot", {"updated_days": 200})])
    rows = [
        {
            "reportRefreshDate": m365.day(2),
            "userPrincipalName": "ada@contoso.com",
            "lastActivityDate": m365.day(5),
            "wordCopilotLastActivityDate": None,
        }
    ]
    assert m365.run(COPILOT, users=[user], subscribed_skus=skus, report_copilot_usage=rows) == []


def test_copilot_reports_nothing_with_concealed_names(m365, skus):
    user = m365.user("ada@contoso.com", [("Microsoft_365_Copilot", {"updated_days": 200})])
    rows = [m365.copilot_row(HASH, last=None)]
    assert m365.run(COPILOT, users=[user], subscribed_skus=skus, report_copilot_usage=rows) == []


# --- Teams add-ons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "confidence"), [(89, None), (90, Confidence.MEDIUM), (180, Confidence.HIGH)]
)
def test_teams_addon_boundaries(m365, skus, days, confidence):
    user = m365.user("ada@contoso.com", ["SPE_E3", "MCOEV"])
    rows = [m365.teams_row("ada@contoso.com", last=days)]
    hits = m365.run(TEAMS, users=[user], subscribed_skus=skus, report_teams_activity=rows)
    assert (hits[0].confidence if hits else None) is confidence
    if hits:
        assert [h.evidence["sku_part_number"] for h in hits] == ["MCOEV"]  # the suite is not priced here
        assert hits[0].cost.amount == 10.0


def test_teams_falls_back_to_the_active_users_report(m365, skus):
    user = m365.user("ada@contoso.com", ["MCOMEETADV"])
    rows = [m365.active_user_row("ada@contoso.com", teams=200, exchange=1)]
    (hit,) = m365.run(TEAMS, users=[user], subscribed_skus=skus, report_active_users=rows)
    assert hit.evidence["source"] == "active users report"


def test_teams_inactivity_never_predates_the_account(m365, skus):
    user = m365.user("new@contoso.com", ["MCOEV"], created_days=20)
    rows = [m365.teams_row("new@contoso.com", last=None)]
    assert m365.run(TEAMS, users=[user], subscribed_skus=skus, report_teams_activity=rows) == []
