"""``cloudwaste pricing refresh gcp``: list prices from the Cloud Billing Catalog API.

Each price book key whose entry carries a ``billing`` block is mapped to Catalog SKUs::

    "billing": {"service": "Compute Engine", "skuDescription": "Balanced PD Capacity"}

- ``service``: the service's display name (``Compute Engine``) or id (``6F81-5844-456A``); the names are
  looked up once with ``GET /v1/services``;
- ``skuDescription``: the SKU's ``description``. The Catalog names one SKU per location, with the
  location in the description (``Balanced PD Capacity in Belgium``, ``E2 Instance Core running in
  EMEA``), so a SKU matches when its description equals ``skuDescription`` or when both are equal once a
  trailing `` in <Place>`` / `` running in <Place>`` is removed; an exact match wins in its regions;
- optional ``usageType`` (default ``OnDemand``: no commitments, Spot or preemptible rates),
  ``resourceGroup`` (``category.resourceGroup``), ``skuId`` (one SKU, exactly), ``tier`` (index into
  ``tieredRates``; default the first rate, or the first paid one after a free allowance) and
  ``multiplier`` (the book's unit is that many Catalog units).

Every SKU of a service is read once (``GET /v1/services/{id}/skus?currencyCode=USD``, paged) whatever
the number of keys. A SKU's price goes to each of its ``serviceRegions`` (GCP region names, ``global``,
multi-regions such as ``us``), its ``usageUnit`` (``GiBy.mo``, ``h``, ``GiBy.h``, ``GiBy``, ``mo``, ``s``)
converted to the book entry's unit (``GB-month``, ``hour``, ``vCPU-hour``, ...): Google bills storage
per GiB and labels those prices "GB" on its pricing pages, so GB and GiB are the same unit here; a
unit that cannot be converted is left out rather than guessed.

Credentials: ``CLOUDWASTE_GCP_API_KEY`` (the Catalog accepts an API key; sent in the ``x-goog-api-key``
header), else Application Default
Credentials. The REST API is called through google-auth's ``AuthorizedSession`` (with an API key, a
plain ``requests`` session): google-cloud-billing is not a dependency, and this one GET API does not
need it. ``CLOUDWASTE_GCP_ENDPOINT`` replaces ``https://cloudbilling.googleapis.com`` (tests, private
endpoints).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from cloudwaste.errors import CredentialsError, ProviderError
from cloudwaste.pricing.book import PriceBook

SOURCE = "Cloud Billing Catalog API"
ENV_API_KEY = "CLOUDWASTE_GCP_API_KEY"
PAGE_SIZE = 5000
HOURS = {"s": 1 / 3600, "min": 1 / 60, "h": 1.0, "d": 24.0, "mo": 730.0, "yr": 8760.0}
BOOK_HOURS = {"second": 1 / 3600, "minute": 1 / 60, "hour": 1.0, "day": 24.0, "month": 730.0, "year": 8760.0}
DATA_GIB = {
    "By": 1 / 2**30,
    "KiBy": 1 / 2**20,
    "MiBy": 1 / 2**10,
    "GiBy": 1.0,
    "TiBy": 2**10,
    "PiBy": 2**20,
    "kBy": 1 / 2**20,
    "MBy": 1 / 2**10,
    "GBy": 1.0,
    "TBy": 2**10,
}
BOOK_GIB = {
    "byte": 1 / 2**30,
    "mb": 1 / 2**10,
    "mib": 1 / 2**10,
    "gb": 1.0,
    "gib": 1.0,
    "tb": 2**10,
    "tib": 2**10,
}
_PLACE = re.compile(r"\s+(?:running\s+)?in\s+[A-Z][^()]*$")
_SERVICE_ID = re.compile(r"^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$")


def base_description(text: str) -> str:
    """A SKU description without its trailing location (``... in Belgium``, ``... running in EMEA``)."""
    return _PLACE.sub("", " ".join(text.split())).strip().lower()


def _catalog_unit(unit: str) -> tuple[float, float] | None:
    """(GiB, hours) of one Catalog usage unit (0 for an absent dimension); None when unknown."""
    data, hours = 0.0, 0.0
    for part in unit.split("."):
        if part in DATA_GIB:
            data = DATA_GIB[part]
        elif part in HOURS:
            hours = HOURS[part]
        elif part in ("", "count", "1", "{count}", "requests"):
            continue
        else:
            return None
    return data, hours


def _book_unit(unit: str) -> tuple[float, float]:
    """(GiB, hours) of a book unit: ``GB-month`` -> (1, 730); counted things (vCPU, node, IOPS) are
    implicit in the SKU."""
    data, hours = 0.0, 0.0
    for part in re.split(r"[-/ ]+", unit.strip().lower()):
        if part in BOOK_GIB:
            data = BOOK_GIB[part]
        elif part in BOOK_HOURS:
            hours = BOOK_HOURS[part]
    return data, hours


def convert(amount: float, usage_unit: str, book_unit: str) -> float | None:
    """``amount`` per Catalog ``usage_unit`` expressed per ``book_unit`` (None when they do not match)."""
    have = _catalog_unit(usage_unit)
    if have is None:
        return None
    want = _book_unit(book_unit)
    if (have[0] == 0) != (want[0] == 0) or (have[1] == 0) != (want[1] == 0):
        return None
    factor = 1.0
    if have[0]:
        factor *= want[0] / have[0]
    if have[1]:
        factor *= want[1] / have[1]
    return amount * factor


def _money(price: Mapping[str, Any]) -> float:
    return float(price.get("units") or 0) + float(price.get("nanos") or 0) / 1e9


def unit_price(sku: Mapping[str, Any], tier: int | None = None) -> tuple[float, str] | None:
    """(USD per usage unit, usage unit) of a SKU's current pricing (None without a USD rate)."""
    infos = sku.get("pricingInfo") or []
    if not infos:
        return None
    expr = infos[-1].get("pricingExpression") or {}
    rates = sorted(expr.get("tieredRates") or [], key=lambda r: float(r.get("startUsageAmount") or 0))
    rates = [r for r in rates if str((r.get("unitPrice") or {}).get("currencyCode") or "USD") == "USD"]
    if not rates:
        return None
    if tier is not None:
        try:
            chosen = rates[tier]
        except IndexError:
            return None
    else:
        paid = [r for r in rates if _money(r.get("unitPrice") or {}) > 0]
        free_first = _money(rates[0].get("unitPrice") or {}) == 0
        chosen = paid[0] if paid and free_first else rates[0]
    return _money(chosen.get("unitPrice") or {}), str(expr.get("usageUnit") or "")


@dataclass(frozen=True)
class SkuMatch:
    """A key's ``billing`` block, parsed."""

    service: str
    description: str
    usage_type: str = "OnDemand"
    resource_group: str | None = None
    sku_id: str | None = None
    tier: int | None = None
    multiplier: float = 1.0

    @classmethod
    def of(cls, block: Mapping[str, Any]) -> SkuMatch | None:
        service = str(block.get("service") or "").strip()
        description = str(block.get("skuDescription") or "").strip()
        if not service or not (description or block.get("skuId")):
            return None
        tier = block.get("tier")
        return cls(
            service=service,
            description=description,
            usage_type=str(block.get("usageType") or "OnDemand"),
            resource_group=str(block["resourceGroup"]) if block.get("resourceGroup") else None,
            sku_id=str(block["skuId"]) if block.get("skuId") else None,
            tier=int(tier)
            if isinstance(tier, int | float | str) and str(tier).lstrip("-").isdigit()
            else None,
            multiplier=float(block.get("multiplier") or 1.0),
        )

    def rank(self, sku: Mapping[str, Any]) -> int | None:
        """2 for an exact match, 1 for a match without the location, None for no match."""
        if self.sku_id:
            return 2 if str(sku.get("skuId") or "") == self.sku_id else None
        category = sku.get("category") or {}
        if self.usage_type and str(category.get("usageType") or "OnDemand") != self.usage_type:
            return None
        if self.resource_group and str(category.get("resourceGroup") or "") != self.resource_group:
            return None
        desc = " ".join(str(sku.get("description") or "").split())
        if desc.lower() == " ".join(self.description.split()).lower():
            return 2
        if base_description(desc) == base_description(self.description):
            return 1
        return None


def pick(mapping: SkuMatch, skus: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The SKU that prices ``mapping`` in each region (an exact description beats a location variant)."""
    best: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for sku in skus:
        rank = mapping.rank(sku)
        if rank is None:
            continue
        for region in sku.get("serviceRegions") or ["global"]:
            region = str(region).lower()
            if region not in best or rank > best[region][0]:
                best[region] = (rank, sku)
    return {region: sku for region, (_, sku) in best.items()}


class Catalog:
    """Pages of the Catalog API through one session (services and SKUs read once each)."""

    def __init__(self, rest: Any) -> None:
        self.rest = rest
        self._services: dict[str, str] | None = None
        self._skus: dict[str, list[dict[str, Any]]] = {}

    def service_id(self, service: str) -> str | None:
        """The service id for a display name or id (None when the Catalog has no such service)."""
        if _SERVICE_ID.match(service.removeprefix("services/")):
            return service.removeprefix("services/")
        if self._services is None:
            found: dict[str, str] = {}
            for page in self.rest.pages("/v1/services", {"pageSize": PAGE_SIZE}):
                for item in page.get("services") or []:
                    found[str(item.get("displayName") or "").lower()] = str(item.get("serviceId") or "")
            self._services = found
        return self._services.get(service.lower()) or None

    def skus(self, service_id: str) -> list[dict[str, Any]]:
        """Every SKU of a service, in USD."""
        if service_id not in self._skus:
            out: list[dict[str, Any]] = []
            path = f"/v1/services/{quote(service_id, safe='')}/skus"
            for page in self.rest.pages(path, {"currencyCode": "USD", "pageSize": PAGE_SIZE}):
                out.extend(s for s in page.get("skus") or [] if isinstance(s, dict))
            self._skus[service_id] = out
        return self._skus[service_id]


def _session() -> Any:
    """A requests session for the Catalog: API key, else Application Default Credentials."""
    key = (os.environ.get(ENV_API_KEY) or "").strip()
    if key:
        import requests

        session = requests.Session()
        session.headers["x-goog-api-key"] = key  # a header, so the key is in no URL or log line
        return session
    import google.auth
    from google.auth import exceptions

    from cloudwaste.providers.gcp import http
    from cloudwaste.providers.gcp.options import SCOPES

    try:
        creds, _ = google.auth.default(scopes=list(SCOPES))
    except exceptions.DefaultCredentialsError:
        raise CredentialsError(
            "no Google credentials for the Cloud Billing Catalog API",
            hint=f"set {ENV_API_KEY} to an API key, run `gcloud auth application-default login`, or set "
            "GOOGLE_APPLICATION_CREDENTIALS to a service-account key file",
        ) from None
    return http.authorized_session(creds)


def fetch_prices(
    book: PriceBook, regions: list[str] | None, *, max_attempts: int = 4, rest: Any = None
) -> list[dict[str, Any]]:
    """Live prices for every book key with a ``billing`` block, as rows for ``Store.cache_prices``.

    ``regions`` limits the rows (default: every region a SKU lists). Keys without a ``billing`` block,
    or whose SKU has no price (or no convertible unit) in the asked regions, come back as skipped rows:
    ``amount`` None and a ``skipped`` reason (never cached). ``rest`` replaces the HTTP client (library
    use).
    """
    from cloudwaste.providers.gcp import http

    wanted = {r.strip().lower() for r in regions or [] if r.strip()} or None
    if rest is None:
        rest = http.Rest(
            _session(), http.base_url("cloudbilling"), deadline=60.0 if max_attempts > 1 else 0.0, initial=1.0
        )
    catalog = Catalog(rest)
    fetched_at = datetime.now(UTC)
    rows: list[dict[str, Any]] = []

    def skip(key: str, reason: str) -> None:
        rows.append({"provider": "gcp", "key": key, "region": "*", "amount": None, "skipped": reason})

    for key, entry in sorted(book.prices.items()):
        block = entry.get("billing")
        mapping = SkuMatch.of(block) if isinstance(block, Mapping) else None
        if mapping is None:
            skip(key, "no Cloud Billing Catalog fields (billing) in the price book")
            continue
        try:
            service_id = catalog.service_id(mapping.service)
            skus = catalog.skus(service_id) if service_id else []
        except Exception as exc:
            if http.status_code(exc) in (400, 404):
                skip(key, f"the Catalog refused the service: {http.describe(exc)}")
                continue
            raise _error(exc) from None
        if not service_id:
            skip(key, f"no service named {mapping.service!r} in the Cloud Billing Catalog")
            continue
        found, units = 0, set()
        for region, sku in sorted(pick(mapping, skus).items()):
            if wanted and region not in wanted and region != "global":
                continue
            priced = unit_price(sku, mapping.tier)
            if priced is None:
                continue
            amount = convert(priced[0], priced[1], str(entry.get("unit") or ""))
            if amount is None:
                units.add(priced[1])
                continue
            found += 1
            rows.append(
                {
                    "provider": "gcp",
                    "key": key,
                    "region": region,
                    "amount": round(amount * mapping.multiplier, 6),
                    "unit": entry.get("unit"),
                    "currency": "USD",
                    "source": SOURCE,
                    "fetched_at": fetched_at,
                }
            )
        if not found:
            why = (
                f"usage unit {', '.join(sorted(units))} is not {entry.get('unit')}"
                if units
                else "no matching SKU"
            )
            skip(key, f"{why} in the Cloud Billing Catalog")
    return rows


def _error(exc: Exception) -> Exception:
    from google.auth import exceptions as auth_exceptions

    from cloudwaste.providers.gcp import http

    if isinstance(exc, auth_exceptions.GoogleAuthError) or http.status_code(exc) == 401:
        return CredentialsError(
            f"the Cloud Billing Catalog API refused the credentials: {http.describe(exc)}",
            hint=f"set {ENV_API_KEY} to an API key, or fix Application Default Credentials",
        )
    if http.service_disabled(exc):
        return ProviderError(
            "the Cloud Billing API (cloudbilling.googleapis.com) is not enabled for the credential's project",
            hint="enable it: gcloud services enable cloudbilling.googleapis.com",
        )
    return ProviderError(
        f"cannot read the Cloud Billing Catalog: {http.describe(exc)}",
        hint=f"check the network, or {http.ENV_ENDPOINT} if you set it",
    )
