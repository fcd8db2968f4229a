"""Your own licence prices: [pricing.m365] and a --prices CSV laid over the bundled book."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudwaste.errors import UsageError
from cloudwaste.model import CostBasis
from cloudwaste.pricing.book import PriceBook
from cloudwaste.providers.m365.prices import override_rows, read_prices_csv


def test_config_and_file_rows_file_wins(tmp_path: Path) -> None:
    csv_file = tmp_path / "prices.csv"
    csv_file.write_text(
        "\ufeffskuPartNumber,price\r\nENTERPRISEPACK,20.50\r\n\r\nSPE_E5,$52\r\n", encoding="utf-8"
    )
    rows = override_rows({"ENTERPRISEPACK": 23.0, "EXCHANGESTANDARD": 3.5}, csv_file)
    by_key = {r["key"]: r for r in rows}
    assert by_key["m365.sku.ENTERPRISEPACK.month"]["amount"] == 20.5
    assert by_key["m365.sku.ENTERPRISEPACK.month"]["source"] == f"--prices {csv_file}"
    assert by_key["m365.sku.EXCHANGESTANDARD.month"] == {
        "key": "m365.sku.EXCHANGESTANDARD.month",
        "region": "global",
        "amount": 3.5,
        "source": "config [pricing.m365]",
    }
    assert by_key["m365.sku.SPE_E5.month"]["amount"] == 52.0


def test_overrides_win_over_the_book_with_the_configured_basis() -> None:
    book = PriceBook.load("m365").with_live(
        override_rows({"ENTERPRISEPACK": 23.0}), basis=CostBasis.CONFIGURED
    )
    money = book.monthly("m365.sku.ENTERPRISEPACK.month", "global", 4)
    assert money.amount == 92.0 and money.basis == CostBasis.CONFIGURED
    assert money.detail and "config [pricing.m365]" in money.detail


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sku,cost\nX,1\n", "needs the columns skuPartNumber,price"),
        ("skuPartNumber,price\nENTERPRISEPACK,cheap\n", ":2: price 'cheap' is not a number"),
        ("skuPartNumber,price\nENTERPRISEPACK,-1\n", "must be a number of USD, 0 or more"),
        ("skuPartNumber,price\nE 3,1\n", "is not a skuPartNumber"),
    ],
)
def test_bad_price_files_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(UsageError, match=message):
        read_prices_csv(path)


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read --prices file"):
        read_prices_csv(tmp_path / "nope.csv")
