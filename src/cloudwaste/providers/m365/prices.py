"""Your own Microsoft 365 licence prices over the bundled book (tenants pay negotiated prices).

Two sources, both keyed by ``skuPartNumber`` in USD per licence per month: the config file's
``[pricing.m365]`` table (``ENTERPRISEPACK = 23.0``) and a CSV given with ``--prices FILE`` whose
columns are ``skuPartNumber,price`` (a file wins over the config for the same SKU). :func:`override_rows`
turns them into price rows for :meth:`~cloudwaste.pricing.book.PriceBook.with_live` with
``basis=CostBasis.CONFIGURED``.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cloudwaste.errors import UsageError

SKU = re.compile(r"^[A-Za-z0-9_.+-]{1,80}$")


def price_key(sku: str) -> str:
    """The price-book key of a SKU's monthly licence price."""
    return f"m365.sku.{sku}.month"


def _amount(value: Any, where: str) -> float:
    try:
        amount = float(str(value).strip().lstrip("$"))
    except ValueError:
        raise UsageError(f"{where}: price {value!r} is not a number") from None
    if not math.isfinite(amount) or amount < 0:
        raise UsageError(f"{where}: price {value!r} must be a number of USD, 0 or more")
    return amount


def _check_sku(sku: str, where: str) -> str:
    sku = sku.strip()
    if not SKU.match(sku):
        raise UsageError(f"{where}: {sku!r} is not a skuPartNumber", hint="e.g. ENTERPRISEPACK, SPE_E5")
    return sku


def read_prices_csv(path: Path) -> dict[str, float]:
    """``skuPartNumber,price`` rows of a CSV file (header required; a BOM and blank lines are fine)."""
    try:
        text = path.expanduser().read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read --prices file {path}: {exc.strerror or exc}") from None
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip() for f in reader.fieldnames or []]
    if "skuPartNumber" not in fields or "price" not in fields:
        raise UsageError(
            f"--prices file {path} needs the columns skuPartNumber,price "
            f"(found: {', '.join(fields) or 'none'})",
            hint="first line: skuPartNumber,price; then e.g. ENTERPRISEPACK,23.00",
        )
    out: dict[str, float] = {}
    for line, row in enumerate(reader, start=2):
        clean = {str(k).strip(): (v or "") for k, v in row.items() if k is not None}
        if not any(v.strip() for v in clean.values()):
            continue
        where = f"{path}:{line}"
        out[_check_sku(clean.get("skuPartNumber", ""), where)] = _amount(clean.get("price", ""), where)
    return out


def override_rows(config: Mapping[str, float], prices_file: Path | None = None) -> list[dict[str, Any]]:
    """Price rows (``key``, ``region`` "global", ``amount``, ``source``) from the config and the file."""
    rows: dict[str, dict[str, Any]] = {}
    for sku, amount in config.items():
        name = _check_sku(sku, "config [pricing.m365]")
        rows[name] = {
            "key": price_key(name),
            "region": "global",
            "amount": _amount(amount, f"config [pricing.m365] {name}"),
            "source": "config [pricing.m365]",
        }
    if prices_file is not None:
        for name, amount in read_prices_csv(prices_file).items():
            rows[name] = {
                "key": price_key(name),
                "region": "global",
                "amount": amount,
                "source": f"--prices {prices_file}",
            }
    return list(rows.values())
