"""The licence checks' shared helpers and the SKU price book."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloudwaste.checks.context import CheckContext
from cloudwaste.checks.m365._common import (
    concealed,
    is_free_sku,
    parse_time,
    sku_label,
    sku_monthly,
    user_label,
)
from cloudwaste.checks.m365._licensing import includes, plan_family, recipient_type, row_value
from cloudwaste.model import CostBasis
from cloudwaste.pricing.book import PriceBook

BOOK = PriceBook.load("m365")
PAID = [
    "ENTERPRISEPACK",
    "ENTERPRISEPREMIUM",
    "SPE_E3",
    "SPE_E5",
    "SPE_F1",
    "M365_F1",
    "SPB",
    "O365_BUSINESS_PREMIUM",
    "O365_BUSINESS_ESSENTIALS",
    "STANDARDPACK",
    "DESKLESSPACK",
    "EXCHANGESTANDARD",
    "EXCHANGEENTERPRISE",
    "EMS",
    "EMSPREMIUM",
    "AAD_PREMIUM",
    "AAD_PREMIUM_P2",
    "POWER_BI_PRO",
    "PBI_PREMIUM_PER_USER",
    "PROJECTPROFESSIONAL",
    "VISIOCLIENT",
    "Microsoft_365_Copilot",
    "Microsoft_Teams_Premium",
    "MCOEV",
    "INTUNE_A",
    "ATP_ENTERPRISE",
]
FREE = [
    "FLOW_FREE",
    "POWER_BI_STANDARD",
    "TEAMS_EXPLORATORY",
    "WINDOWS_STORE",
    "STREAM",
    "POWERAPPS_VIRAL",
    "DEVELOPERPACK",
    "DEVELOPERPACK_E5",
]


def ctx(prices: PriceBook = BOOK) -> CheckContext:
    return CheckContext.static(
        {"m365:capabilities": {}}, provider="m365", account="t", region="global", prices=prices
    )


# --- price book ---------------------------------------------------------------------------------


@pytest.mark.parametrize("part", PAID)
def test_common_paid_skus_have_a_monthly_list_price_name_and_commitment(part):
    entry = BOOK.prices[f"m365.sku.{part}.month"]
    assert entry["default"] > 0
    assert entry["name"] and entry["commitment"] in ("annual", "monthly")
    assert not entry.get("free")
    money = sku_monthly(ctx(), part, 3)
    assert money.basis is CostBasis.BUNDLED_PRICE
    assert money.amount == round(3 * entry["default"], 2)


@pytest.mark.parametrize("part", FREE)
def test_free_skus_are_priced_zero_and_marked_free(part):
    entry = BOOK.prices[f"m365.sku.{part}.month"]
    assert entry["default"] == 0 and entry["free"] is True
    assert is_free_sku(ctx(), part)


def test_the_book_names_its_source_date_and_the_override():
    assert BOOK.as_of == "2026-07-01"
    assert "negotiated" in BOOK.source and "[pricing.m365]" in BOOK.source
    assert BOOK.prices["m365.storage.sharepoint_extra.gb_month"]["default"] == 0.20


def test_list_prices_rank_as_the_products_do():
    price = {p: BOOK.prices[f"m365.sku.{p}.month"]["default"] for p in PAID}
    assert price["SPE_E5"] > price["SPE_E3"] > price["ENTERPRISEPACK"] > price["STANDARDPACK"]
    assert price["SPB"] > price["O365_BUSINESS_PREMIUM"] > price["O365_BUSINESS_ESSENTIALS"]
    assert price["EXCHANGEENTERPRISE"] > price["EXCHANGESTANDARD"]


def test_an_unknown_sku_has_an_unknown_price_not_zero():
    assert sku_monthly(ctx(), "CONTOSO_SKU").amount is None


@pytest.mark.parametrize(
    ("part", "free"),
    [
        ("ENTERPRISEPREMIUM_TRIAL", True),
        ("Power_Pages_vTrial_for_Makers", True),
        ("FLOW_P2_VIRAL", True),
        ("POWERAPPS_DEV", True),
        ("DYN365_ENTERPRISE_P1_IW", True),
        ("SPE_E3", False),
        ("FREEDOM_SKU", False),
    ],
)
def test_free_name_patterns(part, free):
    assert is_free_sku(ctx(), part) is free


def test_sku_labels_use_the_product_name():
    assert sku_label(ctx(), "SPE_E3") == "Microsoft 365 E3 (SPE_E3)"
    assert sku_label(ctx(), "CONTOSO_SKU") == "CONTOSO_SKU"


# --- Graph values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-30T12:00:00Z", datetime(2026, 11, 30, 12, tzinfo=UTC)),
        ("2026-11-30T12:00:00.1234567Z", datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-30", datetime(2026, 11, 30, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("", None),
        (None, None),
        ("not a date", None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_user_label():
    assert (
        user_label({"displayName": "Ada", "userPrincipalName": "ada@contoso.com"}) == "Ada (ada@contoso.com)"
    )
    assert user_label({"userPrincipalName": "ada@contoso.com"}) == "ada@contoso.com"
    assert user_label({"id": "x"}) == "x"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("UserMailbox", "user"),
        ("User", "user"),
        ("SharedMailbox", "shared"),
        ("Shared", "shared"),
        ("RoomMailbox", "room"),
        ("EquipmentMailbox", "equipment"),
        ("", "user"),
    ],
)
def test_recipient_types_in_both_spellings(value, kind):
    assert recipient_type({"Recipient Type": value}) == kind


def test_row_values_from_csv_headers_or_json():
    assert row_value({"Last Activity Date": "2026-01-01"}, "Last Activity Date") == "2026-01-01"
    assert row_value({"lastActivityDate": "2026-01-02"}, "Last Activity Date") == "2026-01-02"


def test_concealed_names_are_detected_from_hashes():
    c = ctx()
    assert concealed(c, [{"User Principal Name": "DC8C64D6EC3A3AA17481D7E5EB5B68A6"}])
    assert not concealed(c, [{"User Principal Name": "ada@contoso.com"}])
    assert not concealed(c, [])


# --- SKU supersets and plan families ------------------------------------------------------------


@pytest.mark.parametrize(
    ("big", "small", "expected"),
    [
        ("SPE_E5", "SPE_E3", True),
        ("SPE_E5", "ENTERPRISEPACK", True),
        ("SPE_E5", "AAD_PREMIUM", True),
        ("SPE_E3", "SPE_E5", False),
        ("SPB", "EXCHANGESTANDARD", True),
        ("SPB", "EXCHANGEENTERPRISE", False),
        ("ENTERPRISEPACK", "EMS", False),
        ("Office_365_E3_(no_Teams)", "Microsoft_Teams_Enterprise_New", False),
        ("SPE_E3", "SPE_E3", False),
        ("EXCHANGEENTERPRISE", "EXCHANGESTANDARD", True),
    ],
)
def test_supersets(big, small, expected):
    assert includes(big, small) is expected


@pytest.mark.parametrize(
    ("plan", "family"),
    [
        ("EXCHANGE_S_ENTERPRISE", "exchange"),
        ("EXCHANGE_S_STANDARD", "exchange"),
        ("EXCHANGE_S_FOUNDATION", None),
        ("SHAREPOINTENTERPRISE", "sharepoint"),
        ("SHAREPOINTWAC", None),
        ("TEAMS1", "teams"),
        ("MCOEV", "teams_phone"),
    ],
)
def test_plan_families(plan, family):
    assert plan_family(plan) == family
