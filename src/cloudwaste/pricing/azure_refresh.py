"""``cloudwaste pricing refresh azure``: live list prices from the public Azure Retail Prices API.

Each price book key whose entry carries a ``retail`` block (the Retail Prices fields that identify
its meter, e.g. ``{"serviceName": "Storage", "productName": "Premium SSD Managed Disks",
"skuName": "P10 LRS", "meterName": "P10 LRS Disk"}``) becomes one filtered query::

    GET https://prices.azure.com/api/retail/prices?api-version=2023-01-01-preview&meterRegion='primary'
        &$filter=serviceName eq 'Storage' and ... and priceType eq 'Consumption'

followed through ``NextPageLink``. Filter values are case-sensitive in this API version, so the
``retail`` values must be spelled as the API spells them. Per region the pay-as-you-go row is kept
(``type`` Consumption, USD, the primary meter, the first tier that is not a free allowance) and its
``unitOfMeasure`` (``1 Hour``, ``1/Month``, ``1 GB/Month``, ``100 Hours``, ...) converted to the book
entry's unit (an hourly meter for a monthly key is multiplied by 730, and so on); a row whose unit
cannot be converted is left out rather than guessed.

The API is anonymous JSON over HTTPS, so the standard library's ``urllib.request`` is enough: the
refresh works without the ``azure`` extra (requests comes only with azure-core) and honours
``HTTPS_PROXY``. ``CLOUDWASTE_AZURE_PRICES_URL`` replaces the base URL (tests, mirrors) and
``CLOUDWASTE_CA_BUNDLE`` the CA bundle.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from cloudwaste import __version__
from cloudwaste.errors import ProviderError
from cloudwaste.pricing.book import PriceBook

BASE_URL = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"
SOURCE = "Azure Retail Prices API"
HOURS_PER_MONTH = 730.0
WORKERS = 4  # queries in flight (one per price book key)
# fields of a ``retail`` block that the API's $filter accepts
FILTER_FIELDS = (
    "serviceName",
    "serviceFamily",
    "productName",
    "skuName",
    "armSkuName",
    "meterName",
    "meterId",
    "productId",
    "skuId",
)
_QTY = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([KkMm]?)\b\s*(.*)$")
_PER = {"hour": "hour", "hours": "hour", "hrs": "hour", "day": "day", "days": "day", "month": "month"}
_HOURS = {"hour": 1.0, "day": 24.0, "month": HOURS_PER_MONTH}
DATA_UNITS = frozenset({"gb", "gib", "tb", "tib", "mb", "mib"})


class BadQueryError(ProviderError):
    """The API rejected one key's query (4xx): that key is skipped, the refresh goes on."""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def build_filter(retail: Mapping[str, Any], region: str | None = None) -> str:
    """The OData ``$filter`` for one ``retail`` block (and one ARM region, if given)."""
    parts = [f"{name} eq {_quote(str(retail[name]))}" for name in FILTER_FIELDS if retail.get(name)]
    if region:
        parts.append(f"armRegionName eq {_quote(region)}")
    parts.append(f"priceType eq {_quote(str(retail.get('type') or 'Consumption'))}")
    return " and ".join(parts)


def canonical_unit(unit: str) -> tuple[float, str]:
    """``(quantity, unit)`` of a unit of measure: ``"100 Hours"`` -> ``(100, "hour")``,
    ``"1 GB/Month"`` -> ``(1, "gb/month")``; book units too (``"GB-month"`` -> ``(1, "gb/month")``)."""
    text = unit.strip()
    qty = 1.0
    match = _QTY.match(text)
    if match:
        qty = float(match.group(1)) * {"k": 1e3, "m": 1e6}.get(match.group(2).lower(), 1.0)
        text = match.group(3)
    text = text.lower().replace(" ", "").replace("-", "/").lstrip("/")
    pieces = [_PER.get(p, p) for p in text.split("/") if p]
    return qty, "/".join(pieces)


def _parts(unit: str) -> tuple[float, str, str]:
    """``(quantity, data unit or "", time unit or "")``: what a price is per. Counted things (capacity
    units, instances, IPs, rules, queries) are implicit in the meter, so only data sizes and time count."""
    qty, text = canonical_unit(unit)
    pieces = text.split("/") if text else []
    data = next((p for p in pieces if p in DATA_UNITS), "")
    period = next((p for p in pieces if p in _HOURS), "")
    return qty, data, period


def convert(amount: float, retail_unit: str, book_unit: str) -> float | None:
    """``amount`` per ``retail_unit`` expressed per ``book_unit``; None when they do not match (per GB
    against per thing, or a time-based price against a one-off one)."""
    have_qty, have_data, have_period = _parts(retail_unit)
    want_qty, want_data, want_period = _parts(book_unit)
    if have_data != want_data:
        return None
    per = amount / have_qty * want_qty if have_qty else amount
    if have_period == want_period:
        return per
    if have_period and want_period:
        return per * _HOURS[want_period] / _HOURS[have_period]
    return None


def _context() -> ssl.SSLContext | None:
    ca = os.environ.get("CLOUDWASTE_CA_BUNDLE")
    return ssl.create_default_context(cafile=ca) if ca else None


def _get(url: str, attempts: int = 4, timeout: float = 30.0) -> dict[str, Any]:
    """One page as JSON; 429 and 5xx are retried (Retry-After honoured, at most 30 s)."""
    request = urllib.request.Request(url, headers={"User-Agent": f"cloudwaste/{__version__}"})
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=_context()) as response:
                data: dict[str, Any] = json.loads(response.read().decode("utf-8"))
                return data
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code != 429:
                raise BadQueryError(f"the Azure Retail Prices API answered {exc.code} {exc.reason}") from None
            if exc.code not in (429, 500, 502, 503, 504) or attempt == attempts:
                raise ProviderError(
                    f"the Azure Retail Prices API answered {exc.code} {exc.reason}",
                    hint="check the retail fields of the price book entry, or try again later",
                ) from None
            wait = exc.headers.get("Retry-After") if exc.headers else None
            delay = float(wait) if wait and wait.strip().isdigit() else 0.5 * 2 ** (attempt - 1)
            time.sleep(min(30.0, delay))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            if attempt >= min(2, attempts):  # a refused or unresolvable host rarely heals in seconds
                reason = getattr(exc, "reason", exc)
                raise ProviderError(
                    f"cannot reach the Azure Retail Prices API: {reason}",
                    hint="check the network or HTTPS_PROXY (or CLOUDWASTE_AZURE_PRICES_URL if you set it)",
                ) from None
            time.sleep(0.5 * 2 ** (attempt - 1))
        except ValueError:
            raise ProviderError("the Azure Retail Prices API returned something that is not JSON") from None
    raise AssertionError("unreachable")  # pragma: no cover


def query_items(
    retail: Mapping[str, Any], region: str | None = None, attempts: int = 4
) -> Iterator[dict[str, Any]]:
    """Every ``Items`` row of one filtered query, following ``NextPageLink``."""
    base = (os.environ.get("CLOUDWASTE_AZURE_PRICES_URL") or BASE_URL).rstrip("?")
    params = {"api-version": API_VERSION, "meterRegion": "'primary'", "$filter": build_filter(retail, region)}
    url: str | None = f"{base}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"
    seen = 0
    while url:
        page = _get(url, attempts=max(1, attempts))
        for item in page.get("Items") or []:
            if isinstance(item, dict):
                yield item
        url = page.get("NextPageLink") or None
        seen += 1
        if seen > 200:  # a filter this loose is a mistake in the book, not a price
            raise ProviderError(
                "the Azure Retail Prices query matched more than 200 pages; narrow its retail fields"
            )


def pick(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The pay-as-you-go row per ARM region ("global" for meters without one)."""
    by_region: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if str(item.get("type") or "Consumption") != "Consumption":
            continue
        if str(item.get("currencyCode") or "USD") != "USD" or item.get("isPrimaryMeterRegion") is False:
            continue
        region = str(item.get("armRegionName") or "global").lower()
        by_region.setdefault(region, []).append(item)
    chosen: dict[str, dict[str, Any]] = {}
    for region, rows in by_region.items():
        rows.sort(
            key=lambda r: (float(r.get("tierMinimumUnits") or 0), str(r.get("effectiveStartDate") or ""))
        )
        paid = [r for r in rows if float(r.get("retailPrice") or 0) > 0]
        # a free allowance (tier 0 at $0, then a paid tier) is not what one more unit costs
        first = rows[0]
        chosen[region] = paid[0] if paid and float(first.get("retailPrice") or 0) == 0 else first
    return chosen


def _answer(retail: Mapping[str, Any], attempts: int) -> dict[str, dict[str, Any]] | str:
    """The picked rows of one key's query, or why the API refused the query."""
    try:
        return pick(list(query_items(retail, attempts=attempts)))
    except BadQueryError as exc:
        return f"{exc.message} (check its retail fields)"


def fetch_prices(
    book: PriceBook, regions: list[str] | None, *, max_attempts: int = 4
) -> list[dict[str, Any]]:
    """Live prices for every book key with a ``retail`` block, as rows for ``Store.cache_prices``.

    ``regions`` (ARM names) limits the rows; default: every region the API prices. Keys without a
    ``retail`` block, or whose meter has no row (or no convertible unit) in the asked regions, come back
    as skipped rows: ``amount`` None and a ``skipped`` reason (never cached).
    """
    wanted = {r.strip().lower() for r in regions or [] if r.strip()} or None
    fetched_at = datetime.now(UTC)
    rows: list[dict[str, Any]] = []

    def skip(key: str, reason: str) -> None:
        rows.append({"provider": "azure", "key": key, "region": "*", "amount": None, "skipped": reason})

    mapped = {
        key: entry["retail"]
        for key, entry in book.prices.items()
        if isinstance(entry.get("retail"), dict) and any(entry["retail"].get(f) for f in FILTER_FIELDS)
    }
    # no armRegionName in the filter: a meter billed globally has no region and must still be found
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="cw-prices") as pool:
        found_rows = pool.map(lambda r: _answer(r, max_attempts), mapped.values())
        answers = dict(zip(mapped, found_rows, strict=True))
    for key, entry in sorted(book.prices.items()):
        if key not in answers:
            skip(key, "no Retail Prices fields (retail) in the price book")
            continue
        answer = answers[key]
        if isinstance(answer, str):
            skip(key, answer)
            continue
        found = 0
        units: set[str] = set()
        for region, item in sorted(answer.items()):
            if wanted and region not in wanted and region != "global":
                continue
            unit = str(item.get("unitOfMeasure") or "")
            amount = convert(float(item.get("retailPrice") or 0.0), unit, entry["unit"])
            if amount is None:
                units.add(unit)
                continue
            found += 1
            rows.append(
                {
                    "provider": "azure",
                    "key": key,
                    "region": region,
                    "amount": round(amount, 6),
                    "unit": entry["unit"],
                    "currency": "USD",
                    "source": SOURCE,
                    "fetched_at": fetched_at,
                }
            )
        if not found:
            why = f"unit {', '.join(sorted(units))} is not {entry['unit']}" if units else "no matching meter"
            skip(key, f"{why} in the Retail Prices API")
    return rows
