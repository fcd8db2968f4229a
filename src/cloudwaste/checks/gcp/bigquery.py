"""BigQuery checks: tables nobody has modified for months, temporary tables without an expiration, and
empty datasets.

Items are Cloud Asset Inventory ``bigquery.googleapis.com/Dataset`` / ``Table`` assets: the BigQuery v2
dataset and table resources in REST form (int64 values and ms-since-epoch times as strings). Dataset:
``datasetReference``, ``location``, ``defaultTableExpirationMs``, ``storageBillingModel`` (LOGICAL when
absent, or PHYSICAL), ``creationTime``. Table: ``tableReference``, ``type`` (TABLE, VIEW, EXTERNAL,
MATERIALIZED_VIEW, SNAPSHOT), ``numBytes``, ``numLongTermBytes``, ``numActivePhysicalBytes``,
``numLongTermPhysicalBytes``, ``numTimeTravelPhysicalBytes``, ``creationTime``, ``lastModifiedTime``,
``expirationTime``.

Prices (``gcp.bigquery.storage.*.gib_month``): active and long-term storage, logical or physical per the
dataset's billing model. Data unmodified for 90 days moves to the long-term rate by itself, so no check
claims a saving for "moving it to long-term storage"; the first 10 GiB a month per billing account are
free (not deducted).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.gcp._common import GIB, as_int, days_since, labels, name_tokens, parse_time, whole_days
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import add, with_note

DATASETS = "gcp:bigquery_datasets"
TABLES = "gcp:bigquery_tables"
TEMP_WORDS = frozenset({"tmp", "temp", "scratch", "staging", "stg", "test", "sandbox", "temporary"})
FREE_TIER = "the first 10 GiB a month per billing account are free (not deducted)"
AUTO_LONG_TERM = "long-term pricing already applies by itself after 90 days without modification"


def dataset_key(item: Mapping[str, Any]) -> tuple[str, str]:
    """(project, dataset) of a dataset's ``datasetReference`` or a table's ``tableReference``."""
    ref = item.get("datasetReference") or item.get("tableReference") or {}
    return str(ref.get("projectId") or ""), str(ref.get("datasetId") or "")


def table_id(table: Mapping[str, Any]) -> str:
    return str((table.get("tableReference") or {}).get("tableId") or "")


def full_name(table: Mapping[str, Any]) -> str:
    project, dataset = dataset_key(table)
    return f"{project}:{dataset}.{table_id(table)}"


def location(item: Mapping[str, Any], dataset: Mapping[str, Any] | None = None) -> str:
    return str(
        item.get("location") or (dataset or {}).get("location") or item.get("_location") or "us"
    ).lower()


def table_resource(table: Mapping[str, Any]) -> Resource:
    project, dataset = dataset_key(table)
    return Resource(
        id=f"projects/{project}/datasets/{dataset}/tables/{table_id(table)}",
        arn=str(table.get("_asset_name") or "") or None,
        name=f"{dataset}.{table_id(table)}",
        type="bigquery_table",
        tags=labels(table),
        created_at=parse_time(table.get("creationTime")),
    )


def table_monthly(ctx: CheckContext, table: Mapping[str, Any], dataset: Mapping[str, Any] | None) -> Money:
    """What a table's storage costs a month: active + long-term bytes, logical or physical."""
    where = location(table, dataset)
    kind = str(table.get("type") or "TABLE")
    if kind in ("VIEW", "EXTERNAL"):
        return Money(amount=0.0, basis=CostBasis.BUNDLED_PRICE, detail=f"a {kind.lower()} stores nothing")
    if kind == "SNAPSHOT" or table.get("cloneDefinition"):
        return Money.unknown(detail="snapshots and clones bill only the bytes that differ from their base")
    physical = str((dataset or {}).get("storageBillingModel") or "LOGICAL") == "PHYSICAL"
    if physical:
        active = as_int(table.get("numActivePhysicalBytes"))
        long_term = as_int(table.get("numLongTermPhysicalBytes"))
        travel = as_int(table.get("numTimeTravelPhysicalBytes"), 0) or 0
        if active is None or long_term is None:
            return Money.unknown(detail="physical byte counts not reported")
        active += travel
        suffix = "physical"
    else:
        total = as_int(table.get("numBytes"))
        long_term = as_int(table.get("numLongTermBytes"), 0) or 0
        if total is None:
            return Money.unknown(detail="numBytes not reported")
        active = max(0, total - long_term)
        suffix = "logical"
    money = add(
        [
            ctx.prices.monthly(
                f"gcp.bigquery.storage.active_{suffix}.gib_month",
                where,
                round(active / GIB, 3),
                what="GiB active",
            ),
            ctx.prices.monthly(
                f"gcp.bigquery.storage.long_term_{suffix}.gib_month",
                where,
                round(long_term / GIB, 3),
                what="GiB long-term",
            ),
        ]
    )
    return with_note(money, FREE_TIER)


def datasets_by_key(ctx: CheckContext) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {dataset_key(d): d for d in ctx.get(DATASETS)}


def hidden(dataset: str) -> bool:
    """Hidden datasets (``_script...``, anonymous query-result datasets) are BigQuery's own."""
    return dataset.startswith("_")


def _basics(table: Mapping[str, Any], ctx: CheckContext, dataset: Mapping[str, Any] | None) -> dict[str, Any]:
    created = days_since(table.get("creationTime"), ctx)
    modified = days_since(table.get("lastModifiedTime"), ctx)
    size = as_int(table.get("numBytes"))
    return {
        "table": full_name(table),
        "type": table.get("type"),
        "location": location(table, dataset),
        "size_gib": None if size is None else round(size / GIB, 3),
        "long_term_gib": None
        if as_int(table.get("numLongTermBytes")) is None
        else round((as_int(table.get("numLongTermBytes")) or 0) / GIB, 3),
        "rows": as_int(table.get("numRows")),
        "created_days_ago": None if created is None else round(created, 1),
        "modified_days_ago": None if modified is None else round(modified, 1),
        "storage_billing_model": (dataset or {}).get("storageBillingModel") or "LOGICAL",
    }


# --- gcp.bigquery.stale_table --------------------------------------------------------------------------


class StaleParams(BaseModel):
    """Parameters of ``gcp.bigquery.stale_table``."""

    min_days: int = Field(
        90, ge=1, description="Days since the last modification to flag a table (Thrifty's 90)."
    )
    medium_confidence_days: int = Field(
        365, ge=1, description="Days since the last modification for medium confidence."
    )
    min_size_gb: float = Field(
        1.0, ge=0, description="Only flag tables holding at least this many GiB (the original's 1)."
    )


@check(
    id="gcp.bigquery.stale_table",
    title="BigQuery table not modified for months",
    resource_type="bigquery_table",
    severity=Severity.LOW,
    needs=[DATASETS, TABLES],
    params=StaleParams,
    klass="hygiene",
    rationale="""
        A table of at least `min_size_gb` GiB whose `lastModifiedTime` is at least `min_days` days old (any
        write to any partition updates it) holds data nobody has changed in months; it may still be read, so
        confidence is low, medium from `medium_confidence_days`, never high: check INFORMATION_SCHEMA.JOBS
        before deleting. The cost is what its storage bills now, which deleting it saves. The original's
        `bigquery_active_storage_waste` claims a saving for moving such data to long-term storage, but
        BigQuery does that by itself after 90 days without modification: no saving is claimed for it.
        Views and external tables (no storage), materialized views (refreshed by BigQuery), tables that will
        expire anyway and hidden datasets are skipped; snapshots and clones are priced unknown (they bill
        only their differences).
    """,
    recommendation=(
        "If INFORMATION_SCHEMA.JOBS shows no reads, delete it (bq rm -f -t <project>:<dataset>.<table>) or "
        "let it expire: bq update --expiration=<seconds> <project>:<dataset>.<table>"
    ),
    covers_original=["gcp:bigquery_active_storage_waste"],
    covers_peers=["gcp.bigquery.stale_table"],
)
def stale_table(ctx: CheckContext, params: StaleParams) -> Iterator[Hit]:
    """Tables unmodified for ``min_days`` and holding at least ``min_size_gb``."""
    datasets = datasets_by_key(ctx)
    for table in ctx.get(TABLES):
        kind = str(table.get("type") or "TABLE")
        modified = days_since(table.get("lastModifiedTime"), ctx)
        size = as_int(table.get("numBytes"))
        project, dataset_id = dataset_key(table)
        if (
            kind in ("VIEW", "EXTERNAL", "MATERIALIZED_VIEW")
            or hidden(dataset_id)
            or table.get("expirationTime")
        ):
            continue
        if modified is None or modified < params.min_days or size is None or size < params.min_size_gb * GIB:
            continue
        dataset = datasets.get((project, dataset_id))
        cost = with_note(table_monthly(ctx, table, dataset), AUTO_LONG_TERM)
        name = full_name(table)
        yield Hit(
            resource=table_resource(table),
            reason=(
                f"BigQuery table {name} ({size / GIB:.1f} GiB) has not been modified for"
                f" {whole_days(modified)};"
                f" it is already billed at the long-term rate, so only deleting it saves money."
            ),
            cost=cost,
            evidence=_basics(table, ctx, dataset) | {"scenario": "stale"},
            confidence=Confidence.MEDIUM if modified >= params.medium_confidence_days else Confidence.LOW,
            recommendation=(
                f"If INFORMATION_SCHEMA.JOBS shows no reads, delete it (bq rm -f -t {name}) or let it expire:"
                f" bq update --expiration=2592000 {name}"
            ),
            region=location(table, dataset),
        )


# --- gcp.bigquery.temp_table_without_expiration ------------------------------------------------------------


class TempParams(BaseModel):
    """Parameters of ``gcp.bigquery.temp_table_without_expiration``."""

    min_age_days: int = Field(
        7, ge=0, description="Only flag tables created at least this many days ago (the original's 7)."
    )
    intended_lifetime_days: int = Field(
        30,
        ge=1,
        description="Age from which a table whose own name says temporary gets medium confidence "
        "(the original's 30).",
    )


@check(
    id="gcp.bigquery.temp_table_without_expiration",
    title="Temporary BigQuery table without an expiration",
    resource_type="bigquery_table",
    severity=Severity.LOW,
    needs=[DATASETS, TABLES],
    params=TempParams,
    klass="policy",
    rationale="""
        A table whose name or dataset says it is temporary (a word such as tmp, temp, scratch, staging, stg,
        test or sandbox) and that neither has an `expirationTime` nor sits in a dataset with a
        `defaultTableExpirationMs` stays, and bills, until someone remembers it. Tables at least
        `min_age_days` old are reported: medium confidence when the table's own name says so and it is at
        least `intended_lifetime_days` old, else low. "backup" is not a temporary word (backups are kept on
        purpose). The cost is its storage, which an expiration ends; views and external tables store nothing
        and are skipped.
    """,
    recommendation=(
        "Give it an expiration (bq update --expiration=<seconds> <project>:<dataset>.<table>) or set a "
        "default on the dataset: bq update --default_table_expiration=<seconds> <project>:<dataset>"
    ),
    covers_original=["gcp:bigquery_no_expiration"],
)
def temp_table_without_expiration(ctx: CheckContext, params: TempParams) -> Iterator[Hit]:
    """Temporary-named tables without their own or their dataset's expiration."""
    datasets = datasets_by_key(ctx)
    for table in ctx.get(TABLES):
        project, dataset_id = dataset_key(table)
        dataset = datasets.get((project, dataset_id))
        age = days_since(table.get("creationTime"), ctx)
        own = name_tokens(table_id(table)) & TEMP_WORDS
        inherited = name_tokens(dataset_id) & TEMP_WORDS
        if not (own or inherited) or table.get("expirationTime") or hidden(dataset_id):
            continue
        if (dataset or {}).get("defaultTableExpirationMs") or str(table.get("type") or "TABLE") in (
            "VIEW",
            "EXTERNAL",
        ):
            continue
        if age is None or age < params.min_age_days:
            continue
        name = full_name(table)
        medium = bool(own) and age >= params.intended_lifetime_days
        yield Hit(
            resource=table_resource(table),
            reason=(
                f"BigQuery table {name} looks temporary ({', '.join(sorted(own or inherited))} in its"
                f" {'name' if own else 'dataset name'}) but has no expiration, {whole_days(age)} after it was"
                " created."
            ),
            cost=table_monthly(ctx, table, dataset),
            evidence=_basics(table, ctx, dataset)
            | {
                "temporary_words": sorted(own | inherited),
                "dataset_default_expiration_ms": None,
                "scenario": "no_expiration",
            },
            confidence=Confidence.MEDIUM if medium else Confidence.LOW,
            recommendation=(
                f"Give it an expiration (bq update --expiration=604800 {name}) or set a default on the"
                " dataset:"
                f" bq update --default_table_expiration=604800 {project}:{dataset_id}"
            ),
            region=location(table, dataset),
        )


# --- gcp.bigquery.empty_dataset ---------------------------------------------------------------------------


class EmptyParams(BaseModel):
    """Parameters of ``gcp.bigquery.empty_dataset``."""

    min_age_days: int = Field(
        30, ge=0, description="Only flag datasets created at least this many days ago (the original's 30)."
    )
    medium_confidence_days: int = Field(90, ge=0, description="Datasets this old get medium confidence.")


@check(
    id="gcp.bigquery.empty_dataset",
    title="BigQuery dataset without any table",
    resource_type="bigquery_dataset",
    severity=Severity.LOW,
    needs=[DATASETS, TABLES],
    params=EmptyParams,
    klass="hygiene",
    rationale="""
        A dataset at least `min_age_days` old with no table, view or snapshot in Cloud Asset Inventory is
        clutter (and a place where forgotten tables will land). It bills nothing itself: the cost is $0, a
        hygiene finding. Medium confidence from `medium_confidence_days`, else low: the collected inventory
        does not include models or routines, which a dataset can hold alone. Hidden datasets are skipped.
    """,
    recommendation="Delete it: bq rm -d <project>:<dataset>",
    covers_original=["gcp:bigquery_empty_datasets"],
)
def empty_dataset(ctx: CheckContext, params: EmptyParams) -> Iterator[Hit]:
    """Datasets that no table belongs to."""
    used = {dataset_key(t) for t in ctx.get(TABLES)}
    for dataset in ctx.get(DATASETS):
        key = dataset_key(dataset)
        age = days_since(dataset.get("creationTime"), ctx)
        if key in used or hidden(key[1]) or age is None or age < params.min_age_days:
            continue
        project, dataset_id = key
        yield Hit(
            resource=Resource(
                id=f"projects/{project}/datasets/{dataset_id}",
                arn=str(dataset.get("_asset_name") or "") or None,
                name=dataset_id,
                type="bigquery_dataset",
                tags=labels(dataset),
                created_at=parse_time(dataset.get("creationTime")),
            ),
            reason=(
                f"BigQuery dataset {project}:{dataset_id} holds no table, {whole_days(age)} after it was"
                " created."
            ),
            cost=Money(
                amount=0.0,
                basis=CostBasis.BUNDLED_PRICE,
                kind=CostKind.COST,
                detail="an empty dataset bills nothing: hygiene",
            ),
            evidence={
                "location": location(dataset),
                "created_days_ago": round(age, 1),
                "default_table_expiration_ms": dataset.get("defaultTableExpirationMs"),
                "tables": 0,
                "not_collected": "models and routines",
                "scenario": "empty",
            },
            confidence=Confidence.MEDIUM if age >= params.medium_confidence_days else Confidence.LOW,
            recommendation=(
                f"Check it holds no model or routine (bq ls --models {project}:{dataset_id}), then delete"
                f" it: bq rm -d {project}:{dataset_id}"
            ),
            region=location(dataset),
        )
