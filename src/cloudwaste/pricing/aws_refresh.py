"""Live AWS list prices from the Price List Query API (``pricing:GetProducts``) for the price cache.

Each priced key of the AWS book maps, by key prefix (:data:`MAPPERS`), to a :class:`Query`: the
service code, ``TERM_MATCH`` filters (plus ``regionCode`` and ``locationType = AWS Region`` per region)
and the product's usage type. A usage type carries a region prefix (``EUW1-EBS:VolumeUsage.gp3``; most
EC2 usage types have none in us-east-1), so products are matched on the part after it. Keys that share
service and filters share one paginated query per region. The price is the On-Demand dimension's
``pricePerUnit.USD``, converted to the book's unit (``GiBps-mo`` -> ``MiBps-month`` divides by 1,024).

Nothing is guessed: a key without a mapping, a region without a matching product, several products
with different prices, or a unit the book's unit cannot be converted from is returned as a *skipped*
row (``amount`` None and a ``skipped`` reason), which the CLI reports and never caches.

The API is served from us-east-1 (also eu-central-1 and ap-south-1; China regions have their own
endpoint and prices in CNY, which the book leaves unknown). ``AWS_ENDPOINT_URL_PRICING`` and
``AWS_ENDPOINT_URL`` are honoured by botocore. Throttling is retried (adaptive mode); a call that still
fails raises :class:`~cloudwaste.errors.ProviderError` before anything is returned, so the cache is
never half-refreshed and nothing already cached is lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cloudwaste.errors import CredentialsError, ProviderError
from cloudwaste.pricing.book import PriceBook

API_REGION = "us-east-1"
SOURCE = "AWS Price List API"
PAGE_SIZE = 100  # GetProducts MaxResults: 1-100
REGION_WORKERS = 4
Filters = tuple[tuple[str, str], ...]

# book unit -> {Price List unit: factor to the book unit}
UNITS: dict[str, dict[str, float]] = {
    "GB-month": {"GB-Mo": 1.0, "GB-month": 1.0},
    "IOPS-month": {"IOPS-Mo": 1.0, "IOPS-month": 1.0},
    "MiBps-month": {"MiBps-Mo": 1.0, "MiBps-mo": 1.0, "GiBps-mo": 1 / 1024, "GiBps-Mo": 1 / 1024},
    "hour": {"Hrs": 1.0, "Hours": 1.0, "hour": 1.0},
    "LCU-hour": {"LCU-Hrs": 1.0},
    "GB": {"GB": 1.0},
}


@dataclass(frozen=True)
class Query:
    """Where one price key is in the Price List."""

    service: str  # ServiceCode: AmazonEC2, AmazonVPC, AWSELB, AmazonRDS
    filters: Filters  # TERM_MATCH (field, value) pairs; regionCode and locationType are added
    usagetype: str  # the product's usage type after its region prefix
    # attributes a matching product may carry only with one of these values (absent is fine)
    where: tuple[tuple[str, frozenset[str]], ...] = ()

    def accepts(self, attrs: dict[str, str]) -> bool:
        """True when a product's attributes fit this query's usage type and ``where``."""
        if not usagetype_matches(str(attrs.get("usagetype", "")), self.usagetype):
            return False
        return all(attrs.get(name) is None or attrs[name] in values for name, values in self.where)


def _ec2(family: str, usagetype: str) -> Query:
    return Query("AmazonEC2", (("productFamily", family),), usagetype)


EBS_STORAGE = {
    "gp2": "EBS:VolumeUsage.gp2",
    "gp3": "EBS:VolumeUsage.gp3",
    "io1": "EBS:VolumeUsage.piops",
    "io2": "EBS:VolumeUsage.io2",
    "st1": "EBS:VolumeUsage.st1",
    "sc1": "EBS:VolumeUsage.sc1",
    "standard": "EBS:VolumeUsage",
}
EBS_OTHER = {
    "ebs.gp3.iops_month": _ec2("System Operation", "EBS:VolumeP-IOPS.gp3"),
    "ebs.io1.iops_month": _ec2("System Operation", "EBS:VolumeP-IOPS.piops"),
    "ebs.io2.iops_month": _ec2("System Operation", "EBS:VolumeP-IOPS.io2"),
    "ebs.io2.iops_month.tier2": _ec2("System Operation", "EBS:VolumeP-IOPS.io2.tier2"),
    "ebs.io2.iops_month.tier3": _ec2("System Operation", "EBS:VolumeP-IOPS.io2.tier3"),
    "ebs.gp3.throughput_month": _ec2("Provisioned Throughput", "EBS:VolumeP-Throughput.gp3"),
    "ebs.snapshot.standard.gb_month": _ec2("Storage Snapshot", "EBS:SnapshotUsage"),
    "ebs.snapshot.archive.gb_month": _ec2("Storage Snapshot", "EBS:SnapshotArchiveStorage"),
}
_EBS_VOLUME = re.compile(r"^ebs\.([a-z0-9]+)\.gb_month$")


def _ebs(key: str) -> Query | None:
    if key in EBS_OTHER:
        return EBS_OTHER[key]
    match = _EBS_VOLUME.match(key)
    if match and match.group(1) in EBS_STORAGE:
        return _ec2("Storage", EBS_STORAGE[match.group(1)])
    return None


ELB = {
    "elb.application.hour": Query(
        "AWSELB", (("productFamily", "Load Balancer-Application"),), "LoadBalancerUsage"
    ),
    "elb.network.hour": Query("AWSELB", (("productFamily", "Load Balancer-Network"),), "LoadBalancerUsage"),
    "elb.gateway.hour": Query("AWSELB", (("productFamily", "Load Balancer-Gateway"),), "LoadBalancerUsage"),
    "elb.classic.hour": Query("AWSELB", (("productFamily", "Load Balancer"),), "LoadBalancerUsage"),
}
ELB_USAGE = {
    "elb.application.lcu_hour": Query(
        "AWSELB", (("productFamily", "Load Balancer-Application"),), "LCUUsage"
    ),
    "elb.network.nlcu_hour": Query("AWSELB", (("productFamily", "Load Balancer-Network"),), "LCUUsage"),
    "elb.classic.gb": Query("AWSELB", (("productFamily", "Load Balancer"),), "DataProcessing-Bytes"),
}
VPC = {
    # in-use and idle addresses cost the same; the in-use product is the one every region has
    "ec2.public_ipv4.hour": Query("AmazonVPC", (), "PublicIPv4:InUseAddress"),
    "vpc.nat_gateway.hour": _ec2("NAT Gateway", "NatGateway-Hours"),
    "vpc.nat_gateway.gb": _ec2("NAT Gateway", "NatGateway-Bytes"),
}
# Linux, shared tenancy, no pre-installed software, on-demand capacity: the book's instance prices.
# One query per region serves every instance type (matched on BoxUsage:<type>).
EC2_LINUX = (
    ("productFamily", "Compute Instance"),
    ("operatingSystem", "Linux"),
    ("tenancy", "Shared"),
    ("preInstalledSw", "NA"),
    ("capacitystatus", "Used"),
    ("licenseModel", "No License required"),
)
_EC2_INSTANCE = re.compile(r"^ec2\.instance\.([a-z0-9-]+\.[a-z0-9-]+)\.hour$")


def _ec2_instance(key: str) -> Query | None:
    match = _EC2_INSTANCE.match(key)
    return Query("AmazonEC2", EC2_LINUX, f"BoxUsage:{match.group(1)}") if match else None


# RDS: single-AZ, the book's license-free engines. Aurora MySQL and Aurora PostgreSQL list the same
# standard (not I/O-Optimized) instance prices; the book has one Aurora key, priced from Aurora MySQL.
RDS_ENGINES = {"mysql": "MySQL", "postgres": "PostgreSQL", "aurora": "Aurora MySQL"}
_RDS_INSTANCE = re.compile(r"^rds\.([a-z]+)\.(db\.[a-z0-9-]+\.[a-z0-9-]+)\.hour$")
_STORAGE_ENGINES = frozenset({"Any", "MySQL", "MariaDB", "PostgreSQL"})
_SINGLE_AZ = ("deploymentOption", "Single-AZ")
RDS_STORAGE = {
    "rds.storage.gp2.gb_month": ("Database Storage", "RDS:GP2-Storage"),
    "rds.storage.gp3.gb_month": ("Database Storage", "RDS:GP3-Storage"),
    "rds.storage.io1.gb_month": ("Database Storage", "RDS:PIOPS-Storage"),
    "rds.storage.io2.gb_month": ("Database Storage", "RDS:PIOPS-Storage-IO2"),
    "rds.storage.standard.gb_month": ("Database Storage", "RDS:StorageUsage"),
    "rds.storage.gp3.iops_month": ("Provisioned IOPS", "RDS:GP3-PIOPS"),
    "rds.storage.io1.iops_month": ("Provisioned IOPS", "RDS:PIOPS"),
    "rds.storage.io2.iops_month": ("Provisioned IOPS", "RDS:IO2-PIOPS"),
    "rds.storage.gp3.throughput_month": ("Provisioned Throughput", "RDS:GP3-Throughput"),
}


def _rds(key: str) -> Query | None:
    if key in RDS_STORAGE:
        family, usage = RDS_STORAGE[key]
        filters: Filters = (("productFamily", family), _SINGLE_AZ)
        return Query("AmazonRDS", filters, usage, (("databaseEngine", _STORAGE_ENGINES),))
    match = _RDS_INSTANCE.match(key)
    if not match or match.group(1) not in RDS_ENGINES:
        return None
    filters = (
        ("productFamily", "Database Instance"),
        ("databaseEngine", RDS_ENGINES[match.group(1)]),
        _SINGLE_AZ,
    )
    return Query("AmazonRDS", filters, f"InstanceUsage:{match.group(2)}")


def _first(*tables: dict[str, Query]) -> Callable[[str], Query | None]:
    def find(key: str) -> Query | None:
        return next((t[key] for t in tables if key in t), None)

    return find


# key prefix -> mapper; the longest matching prefix wins. A key no mapper answers is skipped.
# Not mapped, so skipped: ec2.data_transfer.* (the Price List files data transfer under AWSDataTransfer
# by fromRegionCode/toRegionCode, not by regionCode).
MAPPERS: dict[str, Callable[[str], Query | None]] = {
    "ebs.": _ebs,
    "elb.": _first(ELB, ELB_USAGE),
    "ec2.public_ipv4.": VPC.get,
    "vpc.nat_gateway.": VPC.get,
    "ec2.instance.": _ec2_instance,
    "rds.": _rds,
}


def query_for(key: str) -> Query | None:
    """The Price List query of a book key, or None when the key has no mapping."""
    for prefix in sorted(MAPPERS, key=len, reverse=True):
        if key.startswith(prefix):
            return MAPPERS[prefix](key)
    return None


_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}[0-9]{0,2}$")  # USE1, EUW1, APN1, UGW1, EU, CAN1, ...


def usagetype_matches(actual: str, wanted: str) -> bool:
    """``EUW1-EBS:VolumeUsage.gp3`` and ``EBS:VolumeUsage.gp3`` both match ``EBS:VolumeUsage.gp3``;
    ``EUW1-TS-LoadBalancerUsage`` does not match ``LoadBalancerUsage``."""
    if actual == wanted:
        return True
    prefix, sep, rest = actual.partition("-")
    return bool(sep) and rest == wanted and bool(_REGION_PREFIX.match(prefix))


@dataclass(frozen=True)
class Offer:
    """The On-Demand price of one product."""

    attrs: dict[str, str]
    amount: float
    unit: str
    sku: str
    effective: str


def on_demand(product: dict[str, Any]) -> list[Offer]:
    """The On-Demand USD price dimensions of a product (the first tier where there are tiers)."""
    attrs = product.get("product", {}).get("attributes", {})
    sku = str(product.get("product", {}).get("sku", ""))
    offers: list[Offer] = []
    for term in (product.get("terms", {}).get("OnDemand") or {}).values():
        dims = list((term.get("priceDimensions") or {}).values())
        if len(dims) > 1:
            dims = [d for d in dims if str(d.get("beginRange", "0")) == "0"]
        for dim in dims:
            usd = (dim.get("pricePerUnit") or {}).get("USD")
            if usd is None:
                continue
            offers.append(
                Offer(
                    attrs={str(k): str(v) for k, v in attrs.items()},
                    amount=float(usd),
                    unit=str(dim.get("unit", "")),
                    sku=sku,
                    effective=str(term.get("effectiveDate", ""))[:10],
                )
            )
    return offers


def _row(key: str, region: str, **fields: Any) -> dict[str, Any]:
    return {"provider": "aws", "key": key, "region": region, "currency": "USD", **fields}


def price_row(
    book: PriceBook, key: str, region: str, query: Query, offers: list[Offer], fetched_at: datetime
) -> dict[str, Any]:
    """The cache row of ``key`` in ``region`` from the offers of its query, or a skipped row."""
    unit = str(book.prices[key].get("unit", ""))
    matched = [o for o in offers if query.accepts(o.attrs)]
    if not matched:
        return _row(
            key, region, amount=None, skipped=f"no {query.service} product with usage type {query.usagetype}"
        )
    factors = UNITS.get(unit, {unit: 1.0})
    convertible = [o for o in matched if o.unit in factors]
    if not convertible:
        units = ", ".join(sorted({o.unit for o in matched}))
        return _row(key, region, amount=None, skipped=f"price unit {units} does not convert to {unit}")
    amounts = {round(o.amount * factors[o.unit], 10) for o in convertible}
    if len(amounts) > 1:
        listed = ", ".join(f"{a:g}" for a in sorted(amounts))
        return _row(key, region, amount=None, skipped=f"{len(amounts)} different prices match ({listed})")
    offer = convertible[0]
    return _row(
        key,
        region,
        amount=amounts.pop(),
        unit=unit,
        source=f"{SOURCE} ({query.service} SKU {offer.sku}, effective {offer.effective})",
        fetched_at=fetched_at,
    )


def default_regions(book: PriceBook) -> list[str]:
    """Every region the bundled book lists a price for."""
    return sorted({r for entry in book.prices.values() for r in entry.get("regions", {})})


def _api_error(exc: Exception) -> ProviderError | CredentialsError:
    from botocore.exceptions import ClientError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return CredentialsError(
            "no AWS credentials for the Price List API",
            hint="pricing:GetProducts needs any AWS identity: set AWS_PROFILE or pass --profile",
        )
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, message = str(err.get("Code", "error")), " ".join(str(err.get("Message", "")).split())
        hint = {
            "ThrottlingException": "the Price List API is rate limited: retry later, or with fewer --region",
            "AccessDeniedException": "grant pricing:GetProducts (examples/iam-policy-management.json)",
        }.get(code)
        return ProviderError(
            f"pricing:GetProducts failed: {code}: {message}; nothing was cached".replace(": ;", ";"),
            hint=hint,
        )
    return ProviderError(
        f"cannot reach the AWS Price List API: {' '.join(str(exc).split())}; nothing was cached",
        hint="check the network, or AWS_ENDPOINT_URL_PRICING / AWS_ENDPOINT_URL if you set them",
    )


def _products(client: Any, service: str, filters: list[dict[str, str]]) -> list[dict[str, Any]]:
    pages = client.get_paginator("get_products").paginate(
        ServiceCode=service,
        Filters=filters,
        FormatVersion="aws_v1",
        PaginationConfig={"PageSize": PAGE_SIZE},
    )
    return [json.loads(item) for page in pages for item in page.get("PriceList") or []]


def fetch_prices(
    book: PriceBook,
    regions: list[str] | None,
    *,
    profile: str | None = None,
    session: Any = None,
    max_attempts: int = 5,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Price rows for ``Store.cache_prices`` for every priced key of ``book`` in ``regions`` (default:
    the regions the book lists), plus skipped rows (``amount`` None, ``skipped`` reason).

    ``session`` (a boto3 session) or ``profile`` chooses the credentials; any identity may call the
    Price List API. Raises ProviderError (or CredentialsError) when a call fails after its retries.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from cloudwaste.providers.aws import auth
    from cloudwaste.providers.aws.options import AwsOptions

    fetched_at = now or datetime.now(UTC)
    wanted = list(dict.fromkeys(regions or default_regions(book)))
    rows: list[dict[str, Any]] = []
    queries: dict[str, Query] = {}
    for key in sorted(book.prices):
        query = query_for(key)
        if query is None:
            rows.append(_row(key, "*", amount=None, skipped="no Price List mapping for this key"))
        else:
            queries[key] = query
    if not queries or not wanted:
        return rows
    groups: dict[tuple[str, Filters], list[str]] = {}
    for key, query in queries.items():
        groups.setdefault((query.service, query.filters), []).append(key)
    config = auth.botocore_config(AwsOptions(max_attempts=max_attempts))
    if session is None:
        from botocore.exceptions import ProfileNotFound

        try:
            session = auth.new_session(profile_name=profile) if profile else auth.new_session()
        except ProfileNotFound:
            raise CredentialsError(
                f"AWS profile {profile!r} is not in the AWS config",
                hint="list profiles with `aws configure list-profiles`",
            ) from None
    client = session.client("pricing", region_name=API_REGION, config=config)

    def region_rows(region: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for (service, filters), keys in groups.items():
            terms = [("regionCode", region), ("locationType", "AWS Region"), *filters]
            found = _products(
                client, service, [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in terms]
            )
            offers = [o for product in found for o in on_demand(product)]
            out.extend(price_row(book, key, region, queries[key], offers, fetched_at) for key in keys)
        return out

    try:
        with ThreadPoolExecutor(max_workers=min(REGION_WORKERS, len(wanted))) as pool:
            for part in pool.map(region_rows, wanted):
                rows.extend(part)
    except (ClientError, BotoCoreError) as exc:
        raise _api_error(exc) from None
    return rows
