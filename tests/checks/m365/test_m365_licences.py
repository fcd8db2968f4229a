"""Tenant-level licence checks: spare units, renewals with spare units, SKU states, assignment errors."""

from __future__ import annotations

import pytest

from cloudwaste.model import Confidence, CostBasis, CostKind, Severity
from cloudwaste.pricing.book import PriceBook

UNASSIGNED = "m365.license.unassigned_units"
EXPIRING = "m365.license.expiring_subscription"
STATUS = "m365.license.sku_warning_or_suspended"
ERRORS = "m365.license.assignment_errors"


# --- unassigned units ---------------------------------------------------------------------------


def test_spare_units_are_priced_per_unit_from_the_book(m365):
    (hit,) = m365.run(UNASSIGNED, subscribed_skus=[m365.sku("SPE_E3", enabled=100, consumed=80)])
    assert hit.cost.amount == 20 * 39.0
    assert hit.cost.kind is CostKind.COST
    assert hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.confidence is Confidence.HIGH
    assert "20 of 100 enabled licences are not assigned" in hit.reason
    assert hit.evidence["unassigned_paid_units"] == 20
    assert hit.resource.type == "m365_sku"
    assert hit.cost_group == f"m365:sku:{m365.sku('SPE_E3')['skuId']}:unassigned"


def test_every_unit_assigned_is_no_finding(m365):
    assert m365.run(UNASSIGNED, subscribed_skus=[m365.sku("SPE_E3", enabled=50, consumed=50)]) == []


def test_more_consumed_than_enabled_is_no_finding(m365):
    # users can sit on units in warning (an expired subscription's grace period)
    sku = m365.sku("SPE_E3", enabled=50, consumed=55, warning=10)
    assert m365.run(UNASSIGNED, subscribed_skus=[sku]) == []


@pytest.mark.parametrize(
    ("spare", "confidence"),
    [(1, Confidence.LOW), (5, Confidence.LOW), (6, Confidence.HIGH)],  # buffer = max(2, 5% of 100) = 5
)
def test_a_joiner_buffer_is_a_low_confidence_review_item(m365, spare, confidence):
    (hit,) = m365.run(
        UNASSIGNED, subscribed_skus=[m365.sku("ENTERPRISEPACK", enabled=100, consumed=100 - spare)]
    )
    assert hit.confidence is confidence
    assert (hit.evidence["scenario"] == "joiner_buffer") is (confidence is Confidence.LOW)
    assert hit.cost.amount == spare * 26.0


@pytest.mark.parametrize(("spare", "found"), [(2, False), (3, True), (4, True)])
def test_min_units_boundary(m365, spare, found):
    hits = m365.run(
        UNASSIGNED,
        params={"min_units": 3},
        subscribed_skus=[m365.sku("SPB", enabled=10, consumed=10 - spare)],
    )
    assert bool(hits) is found


@pytest.mark.parametrize(
    "part", ["FLOW_FREE", "POWER_BI_STANDARD", "TEAMS_EXPLORATORY", "WINDOWS_STORE", "STREAM"]
)
def test_free_and_viral_skus_in_the_book_are_left_out(m365, part):
    assert m365.run(UNASSIGNED, subscribed_skus=[m365.sku(part, enabled=10000, consumed=12)]) == []


@pytest.mark.parametrize(
    "part",
    [
        "ENTERPRISEPREMIUM_TRIAL",
        "POWERAPPS_VIRAL",
        "DEVELOPERPACK_E5",
        "FLOW_P2_VIRAL",
        "Power_Pages_vTrial_X",
    ],
)
def test_trial_viral_and_developer_names_are_left_out(m365, part):
    assert m365.run(UNASSIGNED, subscribed_skus=[m365.sku(part, enabled=25, consumed=1)]) == []


def test_a_sku_whose_subscriptions_are_all_trials_is_left_out(m365):
    sku = m365.sku("SPE_E5", enabled=25, consumed=3)
    subs = [m365.subscription("SPE_E5", total=25, trial=True)]
    assert m365.run(UNASSIGNED, subscribed_skus=[sku], directory_subscriptions=subs) == []


def test_trial_units_pooled_with_paid_units_are_not_charged(m365):
    sku = m365.sku("SPE_E5", enabled=35, consumed=8)  # 10 paid + 25 trial
    subs = [
        m365.subscription("SPE_E5", total=10, seed="paid"),
        m365.subscription("SPE_E5", total=25, trial=True, seed="trial"),
    ]
    (hit,) = m365.run(UNASSIGNED, subscribed_skus=[sku], directory_subscriptions=subs)
    assert hit.evidence["unassigned_units"] == 27
    assert hit.evidence["unassigned_paid_units"] == 10
    assert hit.cost.amount == 10 * 60.0
    assert "Trial units (25)" in hit.reason


def test_include_skus_overrides_the_free_list(m365):
    hits = m365.run(
        UNASSIGNED,
        params={"include_skus": ["POWER_BI_STANDARD"]},
        subscribed_skus=[m365.sku("POWER_BI_STANDARD", enabled=10, consumed=2)],
    )
    assert len(hits) == 1
    assert hits[0].cost.amount == 0.0


def test_exclude_skus_adds_to_the_free_list(m365):
    skus = [m365.sku("VISIOCLIENT", enabled=10, consumed=2), m365.sku("SPE_E3", enabled=10, consumed=2)]
    hits = m365.run(UNASSIGNED, params={"exclude_skus": ["visio*"]}, subscribed_skus=skus)
    assert [h.evidence["sku_part_number"] for h in hits] == ["SPE_E3"]


def test_an_unpriced_sku_with_a_viral_block_of_units_is_treated_as_free(m365):
    assert (
        m365.run(UNASSIGNED, subscribed_skus=[m365.sku("CONTOSO_NEW_FREEBIE", enabled=10000, consumed=4)])
        == []
    )


def test_an_unpriced_paid_sku_is_reported_with_an_unknown_cost(m365):
    (hit,) = m365.run(
        UNASSIGNED, subscribed_skus=[m365.sku("DYN365_ENTERPRISE_SALES", enabled=20, consumed=4)]
    )
    assert hit.cost.amount is None  # unknown, never 0
    assert "no price" in (hit.cost.detail or "")


def test_company_level_skus_are_not_seats(m365):
    sku = m365.sku(
        "SHAREPOINTSTORAGE", enabled=500, consumed=0, applies_to="Company", plans=["SHAREPOINTSTORAGE"]
    )
    assert m365.run(UNASSIGNED, subscribed_skus=[sku]) == []


@pytest.mark.parametrize("status", ["Warning", "Suspended", "LockedOut", "Deleted"])
def test_skus_not_enabled_are_left_to_the_status_check(m365, status):
    sku = m365.sku("SPE_E3", enabled=0, consumed=3, warning=10, status=status)
    assert m365.run(UNASSIGNED, subscribed_skus=[sku]) == []


@pytest.mark.parametrize(("created", "confidence"), [(13, Confidence.LOW), (14, Confidence.HIGH)])
def test_a_new_subscription_lowers_confidence(m365, created, confidence):
    sku = m365.sku("SPE_E3", enabled=100, consumed=50)
    subs = [m365.subscription("SPE_E3", total=100, created_days=created)]
    (hit,) = m365.run(UNASSIGNED, subscribed_skus=[sku], directory_subscriptions=subs)
    assert hit.confidence is confidence


def test_a_configured_price_wins_over_the_list_price(m365):
    book = PriceBook.load("m365").with_live(
        [{"key": "m365.sku.SPE_E3.month", "region": "global", "amount": 30.0, "source": "[pricing.m365]"}],
        basis=CostBasis.CONFIGURED,
    )
    (hit,) = m365.run(UNASSIGNED, prices=book, subscribed_skus=[m365.sku("SPE_E3", enabled=10, consumed=6)])
    assert hit.cost.amount == 120.0
    assert hit.cost.basis is CostBasis.CONFIGURED


def test_a_configured_price_of_zero_makes_a_sku_free(m365):
    book = PriceBook.load("m365").with_live(
        [{"key": "m365.sku.SPE_E3.month", "region": "global", "amount": 0.0, "source": "config"}],
        basis=CostBasis.CONFIGURED,
    )
    assert (
        m365.run(UNASSIGNED, prices=book, subscribed_skus=[m365.sku("SPE_E3", enabled=10, consumed=6)]) == []
    )


def test_findings_of_one_sku_are_counted_once_in_totals(m365):
    from cloudwaste.report import summarize

    skus = [m365.sku("SPE_E3", enabled=100, consumed=80)]
    subs = [m365.subscription("SPE_E3", total=100, next_days=10)]
    spare = m365.findings(
        UNASSIGNED, m365.run(UNASSIGNED, subscribed_skus=skus, directory_subscriptions=subs)
    )
    renew = m365.findings(EXPIRING, m365.run(EXPIRING, subscribed_skus=skus, directory_subscriptions=subs))
    assert len(spare) == len(renew) == 1
    assert summarize(spare + renew).monthly_cost["amount"] == 20 * 39.0


# --- subscriptions renewing with spare units ----------------------------------------------------


@pytest.mark.parametrize(
    ("days", "found", "confidence"),
    [
        (-1, False, None),
        (0.5, True, Confidence.HIGH),
        (7, True, Confidence.HIGH),
        (8, True, Confidence.MEDIUM),
        (30, True, Confidence.MEDIUM),
        (31, False, None),
    ],
)
def test_renewal_window_boundaries(m365, days, found, confidence):
    skus = [m365.sku("ENTERPRISEPACK", enabled=50, consumed=40)]
    subs = [m365.subscription("ENTERPRISEPACK", total=50, next_days=days)]
    hits = m365.run(EXPIRING, subscribed_skus=skus, directory_subscriptions=subs)
    assert bool(hits) is found
    if found:
        assert hits[0].confidence is confidence
        assert hits[0].cost.amount == 10 * 26.0
        assert hits[0].resource.type == "m365_subscription"


def test_renewal_without_spare_units_is_no_finding(m365):
    skus = [m365.sku("ENTERPRISEPACK", enabled=50, consumed=50)]
    subs = [m365.subscription("ENTERPRISEPACK", total=50, next_days=5)]
    assert m365.run(EXPIRING, subscribed_skus=skus, directory_subscriptions=subs) == []


def test_reducible_units_are_capped_by_the_subscription_size(m365):
    skus = [m365.sku("SPE_E3", enabled=60, consumed=40)]  # 20 spare over two subscriptions
    subs = [
        m365.subscription("SPE_E3", total=50, next_days=200, seed="big"),
        m365.subscription("SPE_E3", total=10, next_days=5, seed="small"),
    ]
    (hit,) = m365.run(EXPIRING, subscribed_skus=skus, directory_subscriptions=subs)
    assert hit.evidence["reducible_units"] == 10
    assert hit.cost.amount == 10 * 39.0


@pytest.mark.parametrize(
    ("status", "trial", "part"),
    [
        ("Warning", False, "SPE_E3"),
        ("Suspended", False, "SPE_E3"),
        ("Enabled", True, "SPE_E3"),
        ("Enabled", False, "FLOW_FREE"),
    ],
)
def test_trials_free_skus_and_expired_subscriptions_are_not_renewals(m365, status, trial, part):
    skus = [m365.sku(part, enabled=50, consumed=10)]
    subs = [m365.subscription(part, total=50, next_days=5, status=status, trial=trial)]
    assert m365.run(EXPIRING, subscribed_skus=skus, directory_subscriptions=subs) == []


def test_a_subscription_without_a_lifecycle_date_is_no_finding(m365):
    skus = [m365.sku("SPE_E3", enabled=50, consumed=10)]
    subs = [m365.subscription("SPE_E3", total=50, next_days=None)]
    assert m365.run(EXPIRING, subscribed_skus=skus, directory_subscriptions=subs) == []


# --- SKU states ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["Warning", "Suspended", "LockedOut"])
def test_a_sku_out_of_enabled_with_users_is_medium_severity(m365, status):
    sku = m365.sku("SPE_E3", enabled=0, consumed=12, warning=12 if status == "Warning" else 0, status=status)
    (hit,) = m365.run(STATUS, subscribed_skus=[sku])
    assert hit.severity is Severity.MEDIUM
    assert hit.cost.amount == 0.0  # not billed: known, not unknown
    assert "12 licences are still assigned" in hit.reason
    assert hit.evidence["scenario"] == status.lower()


def test_an_enabled_sku_with_units_in_warning_is_reported(m365):
    (hit,) = m365.run(STATUS, subscribed_skus=[m365.sku("SPE_E3", enabled=40, consumed=45, warning=10)])
    assert "10 warning units" in hit.reason


def test_a_healthy_sku_is_no_finding(m365):
    assert m365.run(STATUS, subscribed_skus=[m365.sku("SPE_E3", enabled=40, consumed=30)]) == []


def test_an_expired_free_trial_nobody_holds_is_left_out(m365):
    sku = m365.sku("POWERAPPS_VIRAL", enabled=0, consumed=0, warning=10000, status="Warning")
    assert m365.run(STATUS, subscribed_skus=[sku]) == []


def test_a_suspended_sku_nobody_holds_is_low_severity(m365):
    (hit,) = m365.run(
        STATUS,
        subscribed_skus=[m365.sku("VISIOCLIENT", enabled=0, consumed=0, suspended=5, status="Suspended")],
    )
    assert hit.severity is Severity.LOW


# --- assignment errors --------------------------------------------------------------------------


def test_an_assignment_in_error_is_reported_with_its_error_code(m365):
    user = m365.user(
        "ada@contoso.com", [("SPE_E3", {"group": "g-lic", "state": "Error", "error": "CountViolation"})]
    )
    (hit,) = m365.run(ERRORS, users=[user], subscribed_skus=[m365.sku("SPE_E3")])
    assert "CountViolation" in hit.reason
    assert hit.cost.amount == 0.0
    assert hit.evidence["errors"] == ["CountViolation"]
    assert hit.evidence["assigned_by_groups"] == ["g-lic"]


def test_active_with_error_is_reported(m365):
    user = m365.user(
        "bob@contoso.com", [("SPE_E5", {"state": "ActiveWithError", "error": "MutuallyExclusiveViolation"})]
    )
    (hit,) = m365.run(ERRORS, users=[user], subscribed_skus=[m365.sku("SPE_E5")])
    assert "ActiveWithError" in hit.reason


def test_the_string_none_is_not_an_error(m365):
    user = m365.user("ada@contoso.com", [("SPE_E3", {"error": "None"})])
    assert m365.run(ERRORS, users=[user], subscribed_skus=[m365.sku("SPE_E3")]) == []


def test_recipient_type_is_unknown_without_the_beta_column() -> None:
    """The v1.0 mailbox usage report has no ``Recipient Type`` column (beta only): never "shared"."""
    from cloudwaste.checks.m365._licensing import recipient_type

    assert recipient_type({"User Principal Name": "a@x.com"}) == "unknown"
    assert recipient_type({"Recipient Type": ""}) == "user"
    assert recipient_type({"Recipient Type": "SharedMailbox"}) == "shared"
    assert recipient_type({"Recipient Type": "Shared"}) == "shared"
