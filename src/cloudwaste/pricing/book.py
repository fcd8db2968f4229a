"""The bundled price book: list prices per provider, per region where they differ.

Data lives in ``pricing/data/<provider>.json``::

    {"provider": "aws", "currency": "USD", "source": "...", "as_of": "YYYY-MM-DD",
     "hours_per_month": 730,
     "prices": {"ebs.gp3.gb_month": {"unit": "GB-month", "default": 0.08, "regions": {"eu-west-1": 0.088}}}}

A provider's book may be split into fragments ``<provider>_<topic>.json`` (``aws_rds.json``) holding
``{"source", "as_of", "prices"}``; they are merged into the main file's prices (a key defined twice
is an error), so each service's prices live next to each other and are reviewed together.

Prices refreshed from a provider's price API are kept in the store's ``price_cache`` and laid over
the bundled book with :meth:`PriceBook.with_live`: a cached (key, region) wins and its basis is
``live_price``.

``default`` is the price used for regions the book does not list (its basis is then ``estimate``,
not ``bundled_price``); a key with no ``default`` is unknown outside its listed regions. Regions that
start with one of ``no_default_prefixes`` (other partitions: China bills in CNY, GovCloud and the
European Sovereign Cloud have their own prices) never get the default: unknown, not a wrong figure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
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
    # (key, region) -> (amount, unit, source, basis) from the price cache or the user's config;
    # wins over the bundled prices
    live: Mapping[tuple[str, str], tuple[float, str, str, CostBasis]] = field(default_factory=dict)

    @classmethod
    def load(cls, provider: str) -> PriceBook:
        """The bundled book of ``provider`` (an empty book if none is bundled)."""
        return _load(provider)

    def with_live(
        self, rows: Iterable[Mapping[str, Any]], *, basis: CostBasis = CostBasis.LIVE_PRICE
    ) -> PriceBook:
        """This book with cached live prices laid over it (rows of ``Store.cached_prices``).

        ``basis=CostBasis.CONFIGURED`` lays the user's own prices from config over it instead
        (rows ``{key, region, amount, source}``; region "global" for region-less providers).
        """
        live = dict(self.live)
        for r in rows:
            if r.get("provider", self.provider) != self.provider or r.get("amount") is None:
                continue
            unit = str(r.get("unit") or self.prices.get(str(r["key"]), {}).get("unit", ""))
            fetched = r.get("fetched_at")
            when = fetched.date().isoformat() if isinstance(fetched, datetime) else str(fetched or "")[:10]
            source = f"{r.get('source') or 'price API'}, fetched {when}".strip(", ")
            if basis is not CostBasis.LIVE_PRICE:
                source = str(r.get("source") or "your configuration")
            live[(str(r["key"]), str(r["region"]))] = (float(r["amount"]), unit, source, basis)
        return replace(self, live=live)

    def get(self, key: str, region: str) -> Price | None:
        """The unit price of ``key`` in ``region``, or None when unknown."""
        cached = self.live.get((key, region))
        if cached is not None:
            amount, unit, _source, basis = cached
            return Price(key, amount, unit, region, basis, self.currency)
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
        origin = f"{key}, {region}"
        if (key, region) in self.live and price.basis in (CostBasis.LIVE_PRICE, CostBasis.CONFIGURED):
            origin += f"; {self.live[(key, region)][2]}"
        detail = f"{qty}${price.amount:g}/{price.unit}{per} ({origin})"
        return Money(amount=amount, currency=price.currency, basis=price.basis, kind=kind, detail=detail)


@cache
def _load(provider: str) -> PriceBook:
    data = resources.files("cloudwaste.pricing.data")
    try:
        text = data.joinpath(f"{provider}.json").read_text()
    except FileNotFoundError:
        return PriceBook(provider, "USD", "none", "", 730.0, {})
    raw = json.loads(text)
    prices: dict[str, dict[str, Any]] = dict(raw["prices"])
    sources = [raw["source"]]
    fragments = sorted(
        (f for f in data.iterdir() if f.name.startswith(f"{provider}_") and f.name.endswith(".json")),
        key=lambda f: f.name,
    )
    for fragment in fragments:
        part = json.loads(fragment.read_text())
        twice = sorted(set(prices) & set(part["prices"]))
        if twice:
            raise ValueError(f"price keys defined twice ({fragment.name}): {', '.join(twice)}")
        prices.update(part["prices"])
        if part.get("source") and part["source"] not in sources:
            sources.append(f"{fragment.name}: {part['source']} (as of {part.get('as_of', raw['as_of'])})")
    return PriceBook(
        provider=raw["provider"],
        currency=raw.get("currency", "USD"),
        source=" | ".join(sources),
        as_of=raw["as_of"],
        hours_per_month=float(raw.get("hours_per_month", 730)),
        prices=prices,
        no_default_prefixes=tuple(raw.get("no_default_prefixes", ())),
    )
