"""``cloudwaste pricing``: the prices scans use (bundled book + cached live prices) and their refresh.

``pricing refresh PROVIDER`` calls ``cloudwaste.pricing.<provider>_refresh.fetch_prices(book, regions,
...)``; it returns rows for :meth:`Store.cache_prices` (provider, key, region, amount, unit, currency,
source, fetched_at). A row whose ``amount`` is None is a key the provider's price API could not price
(its ``skipped`` field says why): it is reported, never cached. A failed refresh caches nothing, so the
prices already cached stay as they were.
"""

from __future__ import annotations

import inspect
import re
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db, split_csv

if TYPE_CHECKING:
    from cloudwaste.pricing.book import PriceBook

EPILOG = """\
Examples:

\b
  cloudwaste pricing show aws --region eu-west-1 --key 'ebs.*'
  cloudwaste pricing refresh aws -r eu-west-1 -r us-east-1 -p finops   # Price List API -> local cache
  cloudwaste pricing show aws -f json | jq '.prices[] | select(.basis == "live_price")'
"""

app = typer.Typer(
    help="Show the prices scans use and refresh them from the providers' price APIs.",
    epilog=EPILOG,
    no_args_is_help=True,
)

_PROVIDER = re.compile(r"^[a-z0-9]+$")
PricingRegions = Annotated[
    list[str] | None,
    typer.Option(
        "--region",
        "-r",
        metavar="REGION",
        envvar="CLOUDWASTE_PRICING_REGIONS",
        show_envvar=True,
        help="Region (repeatable or comma-separated). show: the price each key has there; refresh: "
        "default every region the bundled book lists.",
    ),
]
PricingFormat = Annotated[
    str,
    typer.Option("--format", "-f", metavar="FORMAT", help="table or json (stdout)."),
]


def _check_provider(provider: str) -> str:
    from cloudwaste.errors import UsageError

    name = provider.strip().lower()
    if not _PROVIDER.match(name):
        raise UsageError(f"{provider!r} is not a provider name", hint="e.g. aws or azure")
    return name


def _bundled_providers() -> list[str]:
    from importlib import resources

    data = resources.files("cloudwaste.pricing.data")
    return sorted(f.name[:-5] for f in data.iterdir() if f.name.endswith(".json") and "_" not in f.name)


def _cached(db: Path | None, provider: str) -> list[dict[str, Any]]:
    """Cached rows of ``provider``; an absent store is not created just to be read."""
    from cloudwaste.cli.common import db_path, open_store

    if not db_path(db).exists():
        return []
    with open_store(db) as store:
        return store.cached_prices(provider)


def _source(book: PriceBook, price: Any, live: tuple[float, str, str, Any] | None) -> str:
    if live:
        return live[2]
    if price is None:
        return ""
    if price.basis.value == "estimate":
        return f"bundled default for unlisted regions, as of {book.as_of}"
    return f"bundled book, as of {book.as_of}"


def price_rows(book: PriceBook, regions: list[str], key_glob: str | None) -> list[dict[str, Any]]:
    """What ``pricing show`` lists for one book (with its live prices already laid over it)."""
    rows: list[dict[str, Any]] = []
    keys = sorted({*book.prices, *(k for k, _ in book.live)})
    for key in keys:
        if key_glob and not fnmatchcase(key, key_glob):
            continue
        entry = book.prices.get(key, {})
        if regions:
            places = regions
        else:
            places = sorted({*entry.get("regions", {}), *(r for k, r in book.live if k == key)})
        for region in places:
            price = book.get(key, region)
            live = book.live.get((key, region))
            rows.append(
                {
                    "provider": book.provider,
                    "key": key,
                    "region": region,
                    "amount": price.amount if price else None,
                    "unit": price.unit if price else entry.get("unit"),
                    "currency": book.currency,
                    "basis": price.basis.value if price else "unknown",
                    "source": _source(book, price, live),
                }
            )
        if not regions and "default" in entry:
            rows.append(
                {
                    "provider": book.provider,
                    "key": key,
                    "region": "*",
                    "amount": float(entry["default"]),
                    "unit": entry.get("unit"),
                    "currency": book.currency,
                    "basis": "estimate",
                    "source": f"bundled default for unlisted regions, as of {book.as_of}",
                }
            )
    return rows


@app.command("show", epilog=EPILOG)
def show(
    provider: Annotated[
        str | None, typer.Argument(help="aws, azure, ... (default: every bundled book).")
    ] = None,
    region: PricingRegions = None,
    key: Annotated[
        str | None, typer.Option("--key", metavar="GLOB", help="Only keys matching this glob ('ebs.*').")
    ] = None,
    db: Db = None,
    fmt: PricingFormat = "table",
) -> None:
    """List unit prices with their basis (bundled_price, estimate, live_price), source and date."""
    with console.handled():
        from cloudwaste.cli.tables import print_json, print_table
        from cloudwaste.errors import UsageError
        from cloudwaste.pricing.book import PriceBook

        if fmt not in ("table", "json"):
            raise UsageError(f"--format {fmt!r}: pricing show supports table or json")
        names = [_check_provider(provider)] if provider else _bundled_providers()
        regions = split_csv(region)
        rows: list[dict[str, Any]] = []
        books = []
        for name in names:
            book = PriceBook.load(name).with_live(_cached(db, name))
            if not book.prices and not book.live:
                raise UsageError(
                    f"no price book for provider {name!r}", hint=f"bundled: {', '.join(_bundled_providers())}"
                )
            books.append(
                {"provider": name, "source": book.source, "as_of": book.as_of, "currency": book.currency}
            )
            rows.extend(price_rows(book, regions, key))
        if fmt == "json":
            print_json({"books": books, "prices": rows})
            return
        if not rows:
            console.warn("no price matches" + (f" --key {key!r}" if key else ""))
        print_table(
            None,
            ["provider", "key", "region", "price", "unit", "basis", "source"],
            [
                [
                    r["provider"],
                    r["key"],
                    r["region"],
                    "unknown" if r["amount"] is None else f"{r['amount']:g} {r['currency']}",
                    r["unit"],
                    r["basis"],
                    r["source"],
                ]
                for r in rows
            ],
        )


@app.command("refresh", epilog=EPILOG)
def refresh(
    provider: Annotated[str, typer.Argument(help="The provider whose prices to refresh (aws, azure, gcp).")],
    region: PricingRegions = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="PROFILE",
            envvar="CLOUDWASTE_AWS_PROFILE",
            show_envvar=True,
            help="AWS profile for the Price List API (aws only; any identity with pricing:GetProducts).",
        ),
    ] = None,
    max_attempts: Annotated[
        int,
        typer.Option(
            "--max-attempts",
            metavar="N",
            envvar="CLOUDWASTE_AWS_MAX_ATTEMPTS",
            show_envvar=True,
            min=1,
            max=30,
            help="Attempts per price API call (throttling is retried with backoff).",
        ),
    ] = 5,
    db: Db = None,
    fmt: PricingFormat = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> None:
    """Fetch current list prices from the provider's price API into the local cache (scans use them)."""
    with console.handled():
        import importlib

        from cloudwaste.cli.common import open_store
        from cloudwaste.cli.tables import print_json
        from cloudwaste.errors import UsageError
        from cloudwaste.pricing.book import PriceBook

        name = _check_provider(provider)
        if fmt not in ("table", "json"):
            raise UsageError(f"--format {fmt!r}: pricing refresh supports table or json")
        book = PriceBook.load(name)
        if not book.prices:
            raise UsageError(
                f"no price book for provider {name!r}", hint=f"bundled: {', '.join(_bundled_providers())}"
            )
        try:
            module = importlib.import_module(f"cloudwaste.pricing.{name}_refresh")
        except ModuleNotFoundError as exc:
            if exc.name != f"cloudwaste.pricing.{name}_refresh":
                raise
            raise UsageError(f"prices of {name!r} cannot be refreshed from an API in this version") from None
        fetch = module.fetch_prices
        accepted = inspect.signature(fetch).parameters
        extra: dict[str, Any] = {"max_attempts": max_attempts} if "max_attempts" in accepted else {}
        if profile:
            if "profile" not in accepted:
                raise UsageError(f"--profile applies to aws, not {name}")
            extra["profile"] = profile
        regions = split_csv(region)
        bad = [r for r in regions if not _PROVIDER.match(r.replace("-", ""))]
        if bad:
            raise UsageError(f"{bad[0]!r} is not a region name", hint="name regions exactly: -r eu-west-1")
        rows: list[dict[str, Any]] = fetch(book, regions or None, **extra)
        priced = [r for r in rows if r.get("amount") is not None]
        skipped = [r for r in rows if r.get("amount") is None]
        if priced:
            with open_store(db) as store:
                store.cache_prices(priced)
        summary = {
            "provider": name,
            "cached": len(priced),
            "keys": len({r["key"] for r in priced}),
            "regions": sorted({r["region"] for r in priced}),
            "skipped": [
                {"key": r["key"], "region": r["region"], "reason": r.get("skipped", "")} for r in skipped
            ],
        }
        if fmt == "json":
            print_json(summary)
        if not quiet:
            _say_summary(summary)


def _say_summary(summary: dict[str, Any]) -> None:
    regions = summary["regions"]
    console.say(
        f"cached {summary['cached']} {summary['provider']} prices ({summary['keys']} keys in "
        f"{len(regions)} regions: {', '.join(regions) or '-'})"
    )
    grouped: dict[tuple[str, str], list[str]] = {}
    for s in summary["skipped"]:
        grouped.setdefault((s["key"], s["reason"]), []).append(s["region"])
    for (key, reason), where in sorted(grouped.items()):
        places = "" if where == ["*"] else f" in {', '.join(where)}"
        console.say(f"skipped {key}{places}: {reason}")
    if summary["skipped"]:
        sys.stderr.flush()
