"""The bundled price book: list prices per provider, per region where they differ.

Data lives in ``pricing/data/<provider>.json``::

    {"provider": "aws", "currency": "USD", "source": "...", "as_of": "YYYY-MM-DD",
     "hours_per_month": 730,
     "prices": {"ebs.gp3.gb_month": {"unit": "GB-month", "default": 0.08, "regions": {"eu-west-1": 0.088}}}}

``default`` is the price used for regions the book does not list (its basis is then ``estimate``,
not ``bundled_price``); a key with no ``default`` is unknown outside its listed regions. Regions that
start with one of ``no_default_prefixes`` (other partitions: China bills in CNY, GovCloud and the
European Sovereign Cloud have their own prices) never get the default: unknown, not a wrong figure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from cloudwaste.model import CostBasis, CostKind, Money


@dataclass(frozen=True)
class Price:
    """One unit price and how sure we are of it."""

    key: str
    amount: float
    unit: str
    region: str
    basis: CostBasis
    currency: str = "USD"


@dataclass(frozen=True)
class PriceBook:
    """Unit prices of one provider."""

    provider: str
    currency: str
    source: str
    as_of: str
    hours_per_month: float
    prices: dict[str, dict[str, Any]]
    no_default_prefixes: tuple[str, ...] = ()

    @classmethod
    def load(cls, provider: str) -> PriceBook:
        """The bundled book of ``provider`` (an empty book if none is bundled)."""
        return _load(provider)

    def get(self, key: str, region: str) -> Price | None:
        """The unit price of ``key`` in ``region``, or None when unknown."""
        entry = self.prices.get(key)
        if entry is None:
            return None
        regional = entry.get("regions", {})
        if region in regional:
            return Price(
                key, float(regional[region]), entry["unit"], region, CostBasis.BUNDLED_PRICE, self.currency
            )
        if "default" in entry and not region.startswith(self.no_default_prefixes):
            return Price(
                key, float(entry["default"]), entry["unit"], region, CostBasis.ESTIMATE, self.currency
            )
        return None

    def monthly(
        self,
        key: str,
        region: str,
        quantity: float = 1.0,
        *,
        kind: CostKind = CostKind.COST,
        what: str = "",
    ) -> Money:
        """``quantity`` units of ``key`` per month; an hourly price is multiplied by hours_per_month.

        Unknown prices give ``Money.unknown`` (amount None), never 0.
        """
        price = self.get(key, region)
        if price is None:
            return Money.unknown(kind, detail=f"no price for {key} in {region}")
        hours = self.hours_per_month if price.unit.endswith("hour") else 1.0
        amount = round(quantity * price.amount * hours, 2)
        qty = f"{quantity:g} {what} x " if what else (f"{quantity:g} x " if quantity != 1 else "")
        per = f" x {hours:g} h" if hours != 1.0 else ""
        detail = f"{qty}${price.amount:g}/{price.unit}{per} ({key}, {region})"
        return Money(amount=amount, currency=price.currency, basis=price.basis, kind=kind, detail=detail)


@cache
def _load(provider: str) -> PriceBook:
    try:
        text = resources.files("cloudwaste.pricing.data").joinpath(f"{provider}.json").read_text()
    except FileNotFoundError:
        return PriceBook(provider, "USD", "none", "", 730.0, {})
    raw = json.loads(text)
    return PriceBook(
        provider=raw["provider"],
        currency=raw.get("currency", "USD"),
        source=raw["source"],
        as_of=raw["as_of"],
        hours_per_month=float(raw.get("hours_per_month", 730)),
        prices=raw["prices"],
        no_default_prefixes=tuple(raw.get("no_default_prefixes", ())),
    )
