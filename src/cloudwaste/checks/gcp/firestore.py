"""Firestore checks: databases nobody reads or writes, and point-in-time recovery kept on databases whose
name says they are not production.

Items are Cloud Asset Inventory ``firestore.googleapis.com/Database`` assets in REST form: ``name``
(``projects/p/databases/(default)``), ``type`` (FIRESTORE_NATIVE, DATASTORE_MODE), ``locationId``,
``createTime``, ``pointInTimeRecoveryEnablement``, ``deleteProtectionState``. Firestore databases carry
no labels, only tags, which the asset does not include.

Firestore bills operations and stored GiB, not capacity: an unused database costs only its storage,
which no collected field or metric gives, so the cost is unknown (never 0).

Metrics: resource type ``firestore.googleapis.com/Database``, label ``database_id`` (``(default)`` for
the default database), which the provider puts in each item's ``_metric_id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    days_since,
    last_segment,
    metric_days,
    name_tokens,
    parse_time,
    whole_days,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, Money, Resource, Severity

DATABASES = "gcp:firestore_databases"
METRIC_ID = "_metric_id"  # the database id: the database_id label of firestore.googleapis.com/Database
RESOURCE_TYPE = "firestore.googleapis.com/Database"
READS = "firestore.googleapis.com/document/read_count"
WRITES = "firestore.googleapis.com/document/write_count"
DELETES = "firestore.googleapis.com/document/delete_count"
NONPROD_WORDS = frozenset(
    {"dev", "development", "test", "testing", "qa", "staging", "stage", "stg", "sandbox", "tmp", "temp"}
    | {"scratch", "demo", "uat", "nonprod", "preview"}
)
STORAGE_UNKNOWN = (
    "Firestore bills stored GiB and operations; an unused database pays only for its storage, which no "
    "collected metric measures"
)


def db_id(db: Mapping[str, Any]) -> str:
    return last_segment(db.get("name"))


def project_of(db: Mapping[str, Any], ctx: CheckContext) -> str:
    parts = str(db.get("name") or "").split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "projects" else ctx.account


def db_resource(db: Mapping[str, Any]) -> Resource:
    return Resource(
        id=str(db.get("name") or ""),
        arn=str(db.get("_asset_name") or "") or None,
        name=db_id(db),
        type="firestore_database",
        tags={},
        created_at=parse_time(db.get("createTime")),
    )


def location(db: Mapping[str, Any]) -> str:
    return str(db.get("locationId") or db.get("_location") or "global").lower()


def fs_query(metric: str, days: int) -> MetricQuery:
    return MetricQuery(
        namespace=RESOURCE_TYPE,
        metric=metric,
        dimension="database_id",
        collection=DATABASES,
        id_field=METRIC_ID,
        stat="Sum",
        period_s=86400,
        days=days,
    )


def series(ctx: CheckContext, query: MetricQuery, db: Mapping[str, Any]) -> MetricSeries | None:
    mid = db.get(METRIC_ID)
    return None if not mid else ctx.metric(query, str(mid))


# --- gcp.firestore.unused_database ----------------------------------------------------------------------


class UnusedParams(BaseModel):
    """Parameters of ``gcp.firestore.unused_database``."""

    window_days: int = Field(
        30, ge=7, le=90, description="Days of daily document reads, writes and deletes read."
    )
    min_age_days: int = Field(
        30, ge=0, description="Only judge databases created at least this many days ago (the original's 30)."
    )


def unused_queries(params: UnusedParams) -> list[MetricQuery]:
    """Daily document reads, writes and deletes of every database."""
    return [fs_query(m, params.window_days) for m in (READS, WRITES, DELETES)]


@check(
    id="gcp.firestore.unused_database",
    title="Firestore database with no document reads or writes",
    resource_type="firestore_database",
    severity=Severity.LOW,
    needs=[DATABASES],
    params=UnusedParams,
    klass="idle",
    metrics=unused_queries,
    rationale="""
        A Firestore (Native mode) database at least `min_age_days` old whose document reads, writes and
        deletes summed to 0 over `window_days` is unused. These are delta metrics, which have no datapoint
        at all when nothing happens: a database with explicit zeros is reported with medium confidence; one
        with no datapoint while another database of the project reports them (so Monitoring works there)
        is reported with low confidence; a project where no database reports anything is unknown, never
        idle. Datastore-mode databases are skipped (their entity operations are reported under other
        metric types). The original prices "idle" databases from a made-up figure; Firestore bills stored
        GiB and operations, so the cost of an unused database is its storage, which is unknown here.
    """,
    recommendation=(
        "Export what you need (gcloud firestore export gs://BUCKET --database=<id>), then delete it: "
        "gcloud firestore databases delete --database=<id>"
    ),
    covers_original=["gcp:firestore_idle"],
)
def unused_database(ctx: CheckContext, params: UnusedParams) -> Iterator[Hit]:
    """Native-mode databases without document operations over the window."""
    queries = unused_queries(params)
    dbs = list(ctx.get(DATABASES))
    found = {str(db.get("name")): [series(ctx, q, db) for q in queries] for db in dbs}
    monitored = any(s is not None for per_db in found.values() for s in per_db)
    for db in dbs:
        age = days_since(db.get("createTime"), ctx)
        if db.get("type") == "DATASTORE_MODE" or age is None or age < params.min_age_days:
            continue
        per_metric = found[str(db.get("name"))]
        present = [s for s in per_metric if s is not None]
        if present:
            if any(s.total > 0 for s in present):
                continue
            scenario, confidence = "zero_operations", Confidence.MEDIUM
            how = f"{max(metric_days(s) for s in present)} days of zero counts"
        elif monitored:
            scenario, confidence = "no_operations_reported", Confidence.LOW
            how = "no datapoint, while other databases of the project report theirs"
        else:
            continue  # nothing reported anywhere: unknown, never idle
        name = db_id(db)
        project = project_of(db, ctx)
        yield Hit(
            resource=db_resource(db),
            reason=(
                f"Firestore database {name} had no document read, write or delete in the last"
                f" {whole_days(min(params.window_days, age))} ({how})."
            ),
            cost=Money.unknown(detail=STORAGE_UNKNOWN),
            evidence={
                "type": db.get("type"),
                "location": location(db),
                "created_at": db.get("createTime"),
                "age_days": round(age, 1),
                "window_days": params.window_days,
                "totals": {
                    q.metric: (s.total if s else None) for q, s in zip(queries, per_metric, strict=True)
                },
                "metrics": {
                    q.metric: (s.evidence() if s else None) for q, s in zip(queries, per_metric, strict=True)
                },
                "delete_protection": db.get("deleteProtectionState"),
                "scenario": scenario,
            },
            confidence=confidence,
            recommendation=(
                f"Export what you need (gcloud firestore export gs://BUCKET --database='{name}'"
                f" --project={project}), then delete it: gcloud firestore databases delete"
                f" --database='{name}' --project={project}"
            ),
            region=location(db),
        )


# --- gcp.firestore.nonprod_pitr -------------------------------------------------------------------------


class PitrParams(BaseModel):
    """Parameters of ``gcp.firestore.nonprod_pitr``."""

    min_age_days: int = Field(7, ge=0, description="Only flag databases created at least this many days ago.")


@check(
    id="gcp.firestore.nonprod_pitr",
    title="Point-in-time recovery enabled on a non-production Firestore database",
    resource_type="firestore_database",
    severity=Severity.LOW,
    needs=[DATABASES],
    params=PitrParams,
    klass="policy",
    rationale="""
        With point-in-time recovery enabled, Firestore keeps every version of every document for 7 days and
        bills that retained data as storage. On a database whose id says it is not production (a word such
        as dev, test, staging, qa, sandbox or tmp in the id: Firestore databases have no labels) that is
        rarely needed. The cost is the PITR storage, which depends on the write volume and is unknown here;
        the finding is a policy one. The `(default)` database is never assumed non-production. It is the
        collectable part of the original's `firestore_old_backups` (recovery data kept longer than needed):
        Firestore backups and backup schedules are not in the collected inventory.
    """,
    recommendation="Turn it off: gcloud firestore databases update --database=<id> --no-enable-pitr",
    covers_original=["gcp:firestore_old_backups"],
)
def nonprod_pitr(ctx: CheckContext, params: PitrParams) -> Iterator[Hit]:
    """Databases with PITR whose id names a non-production environment."""
    for db in ctx.get(DATABASES):
        age = days_since(db.get("createTime"), ctx)
        words = name_tokens(db_id(db)) & NONPROD_WORDS
        if db.get("pointInTimeRecoveryEnablement") != "POINT_IN_TIME_RECOVERY_ENABLED" or not words:
            continue
        if age is None or age < params.min_age_days:
            continue
        name = db_id(db)
        yield Hit(
            resource=db_resource(db),
            reason=(
                f"Firestore database {name} keeps 7 days of point-in-time recovery data although its id"
                f" says it is not production ({', '.join(sorted(words))})."
            ),
            cost=Money.unknown(detail="PITR storage depends on the write volume over 7 days; not measured"),
            evidence={
                "type": db.get("type"),
                "location": location(db),
                "pitr": db.get("pointInTimeRecoveryEnablement"),
                "version_retention": db.get("versionRetentionPeriod"),
                "nonprod_words": sorted(words),
                "scenario": "nonprod_pitr",
            },
            confidence=Confidence.MEDIUM,
            recommendation=(
                f"Turn it off: gcloud firestore databases update --database='{name}'"
                f" --project={project_of(db, ctx)} --no-enable-pitr"
            ),
            region=location(db),
        )
