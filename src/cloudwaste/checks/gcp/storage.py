"""Cloud Storage checks: buckets without lifecycle rules, multi-region buckets that could be regional,
versioned buckets that never drop old versions, log buckets kept for a long time, and empty buckets.

Items are Cloud Asset Inventory ``storage.googleapis.com/Bucket`` assets: the JSON API bucket resource
(``name``, ``location`` such as ``US``, ``EU``, ``NAM4`` or ``US-CENTRAL1``, ``locationType`` multi-region
/ dual-region / region, ``storageClass``, ``lifecycle.rule[]``, ``versioning.enabled``,
``retentionPolicy{retentionPeriod (seconds), isLocked}``, ``autoclass.enabled``, ``rpo``, ``timeCreated``,
``labels``). Cloud Logging log buckets (``logging.googleapis.com/LogBucket``: ``name``, ``retentionDays``,
``locked``) are read from ``gcp:log_buckets`` when the provider collects them.

Prices (``gcp.storage.<class>.<region|dual_region|multi_region>.gb_month``): a dual-region bucket is
billed the dual-region rate in each of its two regions. Log retention beyond 30 days is
``gcp.logging.retention.gib_month``.

Metrics: ``storage.googleapis.com/storage/total_bytes`` and ``object_count`` on resource type
``gcs_bucket``, label ``bucket_name`` = the bucket's ``name``. Both come as one series per storage class,
measured once a day; a Maximum query keeps the largest class per day, which is the bucket's total when
its objects share one class and a lower bound otherwise: savings computed from it are never overstated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery, MetricSeries
from cloudwaste.checks.gcp._common import (
    GIB,
    as_int,
    days_since,
    labels,
    last_segment,
    metric_days,
    name_tokens,
    nonprod_label,
    parse_time,
    whole_days,
)
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity

BUCKETS = "gcp:buckets"
LOG_BUCKETS = "gcp:log_buckets"
TOTAL_BYTES = "storage.googleapis.com/storage/total_bytes"
OBJECT_COUNT = "storage.googleapis.com/storage/object_count"
CLASSES = {"MULTI_REGIONAL": "standard", "REGIONAL": "standard", "DURABLE_REDUCED_AVAILABILITY": "standard"}
# where a multi-region's or predefined dual-region's data would go when made regional
TARGET_REGION = {
    "us": "us-central1",
    "eu": "europe-west1",
    "asia": "asia-east1",
    "nam4": "us-central1",
    "eur4": "europe-west4",
    "eur5": "europe-west1",
    "eur7": "europe-west2",
    "eur8": "europe-west3",
    "asia1": "asia-northeast1",
}
LOG_WORDS = frozenset({"log", "logs", "logging", "auditlogs", "accesslogs", "logsink", "sink", "audit"})
# buckets Google services create and use for themselves
MANAGED_PREFIXES = (
    "gcf-sources-",
    "gcf-v2-sources-",
    "gcf-v2-uploads-",
    "staging.",
    "artifacts.",
    "us.artifacts.",
    "eu.artifacts.",
    "asia.artifacts.",
    "dataproc-staging-",
    "dataproc-temp-",
    "run-sources-",
    "cloud-ai-platform-",
    "gcs-staging-",
)
MANAGED_SUFFIXES = ("_cloudbuild", ".appspot.com", "-cloudbuild-logs")


def bucket_name(bucket: Mapping[str, Any]) -> str:
    return str(bucket.get("name") or bucket.get("id") or "")


def location(bucket: Mapping[str, Any]) -> str:
    return str(bucket.get("location") or bucket.get("_location") or "us").lower()


def location_type(bucket: Mapping[str, Any]) -> str:
    """``region``, ``dual-region`` or ``multi-region`` (from ``locationType``, else from the name)."""
    value = str(bucket.get("locationType") or "").lower()
    if value in ("region", "dual-region", "multi-region"):
        return value
    where = location(bucket)
    return (
        "multi-region" if where in ("us", "eu", "asia") else ("dual-region" if "-" not in where else "region")
    )


def storage_class(bucket: Mapping[str, Any]) -> str:
    value = str(bucket.get("storageClass") or "STANDARD").upper()
    return CLASSES.get(value, value.lower())


def managed(bucket: Mapping[str, Any]) -> bool:
    """A bucket a Google service created for itself (Cloud Functions sources, App Engine staging ...)."""
    name = bucket_name(bucket)
    return name.startswith(MANAGED_PREFIXES) or name.endswith(MANAGED_SUFFIXES)


def bucket_resource(bucket: Mapping[str, Any]) -> Resource:
    return Resource(
        id=bucket_name(bucket),
        arn=str(bucket.get("selfLink") or bucket.get("_asset_name") or "") or None,
        name=bucket_name(bucket),
        type="gcs_bucket",
        tags=labels(bucket),
        created_at=parse_time(bucket.get("timeCreated")),
    )


def rules(bucket: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    lifecycle = bucket.get("lifecycle")
    found = lifecycle.get("rule") if isinstance(lifecycle, Mapping) else None
    return [r for r in found or [] if isinstance(r, Mapping)]


def action(rule: Mapping[str, Any]) -> str:
    return str((rule.get("action") or {}).get("type") or "")


def condition(rule: Mapping[str, Any]) -> Mapping[str, Any]:
    value = rule.get("condition")
    return value if isinstance(value, Mapping) else {}


def autoclass(bucket: Mapping[str, Any]) -> bool:
    value = bucket.get("autoclass")
    return isinstance(value, Mapping) and bool(value.get("enabled"))


def versioned(bucket: Mapping[str, Any]) -> bool:
    value = bucket.get("versioning")
    return isinstance(value, Mapping) and bool(value.get("enabled"))


def retention_days(bucket: Mapping[str, Any]) -> tuple[float | None, bool]:
    """The bucket retention policy's period in days (None without one) and whether it is locked."""
    policy = bucket.get("retentionPolicy")
    if not isinstance(policy, Mapping):
        return None, False
    seconds = as_int(policy.get("retentionPeriod"))
    return (None if seconds is None else seconds / 86400.0), bool(policy.get("isLocked"))


def rate_key(cls: str, kind: str) -> str:
    return f"gcp.storage.{cls}.{kind.replace('-', '_')}.gb_month"


def gb_monthly(
    ctx: CheckContext, cls: str, kind: str, where: str, gib: float, *, what: str, k: CostKind = CostKind.COST
) -> Money:
    """``gib`` GiB of class ``cls`` in a ``kind`` location; dual-regions bill both regions."""
    factor = 2 if kind == "dual-region" else 1
    return ctx.prices.monthly(rate_key(cls, kind), where, round(gib * factor, 3), kind=k, what=what)


def estimate(amount: float, detail: str) -> Money:
    """A saving that rests on an assumption: basis ``estimate``."""
    return Money(amount=round(amount, 2), basis=CostBasis.ESTIMATE, kind=CostKind.SAVING, detail=detail)


def rate(money: Money) -> float | None:
    return None if money.amount is None else money.amount


def gcs_query(metric: str, days: int) -> MetricQuery:
    return MetricQuery(
        namespace="gcs_bucket",
        metric=metric,
        dimension="bucket_name",
        collection=BUCKETS,
        id_field="name",
        stat="Maximum",
        period_s=86400,
        days=days,
    )


def series(ctx: CheckContext, query: MetricQuery, bucket: Mapping[str, Any]) -> MetricSeries | None:
    return ctx.metric(query, bucket_name(bucket))


def latest_gib(found: MetricSeries | None) -> float | None:
    """The most recent daily size in GiB (None when not measured)."""
    return None if found is None or not found.values else found.values[-1] / GIB


def _basics(bucket: Mapping[str, Any], ctx: CheckContext, gib: float | None) -> dict[str, Any]:
    age = days_since(bucket.get("timeCreated"), ctx)
    return {
        "location": bucket.get("location"),
        "location_type": location_type(bucket),
        "storage_class": bucket.get("storageClass"),
        "lifecycle_rules": len(rules(bucket)),
        "autoclass": autoclass(bucket),
        "versioning": versioned(bucket),
        "size_gib": None if gib is None else round(gib, 3),
        "size_measure": "largest storage-class series of storage/total_bytes (lower bound)",
        "created_at": bucket.get("timeCreated"),
        "age_days": None if age is None else round(age, 1),
    }


# --- gcp.storage.no_lifecycle ---------------------------------------------------------------------------


class LifecycleParams(BaseModel):
    """Parameters of ``gcp.storage.no_lifecycle``."""

    min_age_days: int = Field(30, ge=0, description="Only flag buckets created at least this many days ago.")
    min_size_gb: float = Field(
        10.0,
        ge=0,
        description=(
            "With a measured size, only flag buckets holding at least this many GiB (the original's 10)."
        ),
    )
    movable_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of a Standard bucket's data assumed to be read less than once a month, which a "
        "rule would move to Nearline (an assumption: the saving is an estimate).",
    )
    window_days: int = Field(7, ge=1, le=30, description="Days of daily storage/total_bytes read.")


def lifecycle_queries(params: LifecycleParams) -> list[MetricQuery]:
    return [gcs_query(TOTAL_BYTES, params.window_days)]


@check(
    id="gcp.storage.no_lifecycle",
    title="Cloud Storage bucket without lifecycle rules or Autoclass",
    resource_type="gcs_bucket",
    severity=Severity.LOW,
    needs=[BUCKETS],
    params=LifecycleParams,
    klass="policy",
    metrics=lifecycle_queries,
    rationale="""
        A bucket at least `min_age_days` old with no lifecycle rule and Autoclass off keeps every object in
        its storage class forever: nothing moves cold data to Nearline/Coldline or deletes what has expired.
        That is a policy finding: without knowing which objects are read, nobody can say what it wastes. When
        `storage/total_bytes` is reported, buckets under `min_size_gb` are skipped, and for Standard-class
        buckets the saving is estimated as `movable_share` of the data moved to Nearline at the same
        location (Nearline adds $0.01/GB retrieval and a 30-day minimum, not counted), with medium
        confidence; without a size the cost is unknown and confidence low. Autoclass buckets (which move data
        themselves), Archive-class buckets (nothing colder), buckets Google services manage and log buckets
        (their own check) are skipped. The original's `wrong_class` reads access logs we do not collect; this
        is the collectable part: Standard data with no rule to move it.
    """,
    recommendation=(
        "Let Cloud Storage move cold objects itself (gcloud storage buckets update gs://<id>"
        " --enable-autoclass) or add rules: gcloud storage buckets update gs://<id>"
        " --lifecycle-file=lifecycle.json"
    ),
    covers_original=["gcp:gcp_cloud_storage_no_lifecycle", "gcp:gcp_cloud_storage_wrong_class"],
    covers_peers=["gcp.storage.no_lifecycle"],
)
def no_lifecycle(ctx: CheckContext, params: LifecycleParams) -> Iterator[Hit]:
    """Buckets with no lifecycle rule and no Autoclass."""
    (query,) = lifecycle_queries(params)
    for bucket in ctx.get(BUCKETS):
        age = days_since(bucket.get("timeCreated"), ctx)
        cls = storage_class(bucket)
        if rules(bucket) or autoclass(bucket) or cls == "archive" or managed(bucket) or is_log_bucket(bucket):
            continue
        if age is None or age < params.min_age_days:
            continue
        gib = latest_gib(series(ctx, query, bucket))
        if gib is not None and gib < params.min_size_gb:
            continue
        kind, where = location_type(bucket), location(bucket)
        cost: Money
        if gib is None:
            cost = Money.unknown(CostKind.SAVING, detail="bucket size not reported by storage/total_bytes")
        elif cls != "standard":
            cost = Money.unknown(
                CostKind.SAVING, detail=f"{cls} data: what a rule would save depends on access"
            )
        else:
            now = gb_monthly(ctx, cls, kind, where, gib, what="GiB Standard")
            cold = gb_monthly(ctx, "nearline", kind, where, gib, what="GiB Nearline")
            if now.amount is None or cold.amount is None:
                cost = Money.unknown(CostKind.SAVING, detail=f"no price: {now.detail}; {cold.detail}")
            else:
                cost = estimate(
                    (now.amount - cold.amount) * params.movable_share,
                    f"assumes {params.movable_share:.0%} of {gib:.1f} GiB is read less than once a month and"
                    f" moves to Nearline: ({now.detail}) - ({cold.detail}), x {params.movable_share:g};"
                    " retrieval fees and the 30-day minimum not counted",
                )
        name = bucket_name(bucket)
        size = "" if gib is None else f" ({gib:.1f} GiB)"
        yield Hit(
            resource=bucket_resource(bucket),
            reason=(
                f"Bucket {name}{size} has no lifecycle rule and Autoclass is off: its {cls} objects never"
                " move to a colder class or expire."
            ),
            cost=cost,
            evidence=_basics(bucket, ctx, gib)
            | {"movable_share": params.movable_share, "scenario": "no_lifecycle"},
            confidence=Confidence.MEDIUM if gib is not None else Confidence.LOW,
            recommendation=(
                f"Let Cloud Storage move cold objects itself (gcloud storage buckets update gs://{name}"
                f" --enable-autoclass) or add rules (gcloud storage buckets update gs://{name}"
                " --lifecycle-file=lifecycle.json)"
            ),
            region=where,
        )


# --- gcp.storage.multi_region_bucket ---------------------------------------------------------------------


class MultiRegionParams(BaseModel):
    """Parameters of ``gcp.storage.multi_region_bucket``."""

    min_age_days: int = Field(30, ge=0, description="Only flag buckets created at least this many days ago.")
    min_size_gb: float = Field(
        10.0, ge=0, description="With a measured size, only flag buckets holding at least this many GiB."
    )
    window_days: int = Field(7, ge=1, le=30, description="Days of daily storage/total_bytes read.")


def multi_region_queries(params: MultiRegionParams) -> list[MetricQuery]:
    return [gcs_query(TOTAL_BYTES, params.window_days)]


def target_region(bucket: Mapping[str, Any]) -> str:
    """The region its data would move to: the first of a configurable dual-region's data locations, else
    the usual region of its multi-region or predefined dual-region."""
    placement = bucket.get("customPlacementConfig")
    places = placement.get("dataLocations") if isinstance(placement, Mapping) else None
    if places:
        return str(places[0]).lower()
    return TARGET_REGION.get(location(bucket), "us-central1")


@check(
    id="gcp.storage.multi_region_bucket",
    title="Multi-region or dual-region bucket that a regional bucket could replace",
    resource_type="gcs_bucket",
    severity=Severity.LOW,
    needs=[BUCKETS],
    params=MultiRegionParams,
    klass="oversized",
    metrics=multi_region_queries,
    rationale="""
        Multi-region storage costs more per GB than regional storage, and a dual-region bucket is billed in
        both of its regions. A multi- or dual-region bucket at least `min_age_days` old is reported with the
        saving of a regional bucket in its usual region (us -> us-central1, eu -> europe-west1, asia ->
        asia-east1, a dual-region's first region): the price difference per GB from the book x its size from
        `storage/total_bytes` (unknown without it; skipped under `min_size_gb`). It is an estimate, and the
        change is not free of consequences: a regional bucket is unavailable when its region is, and the
        location cannot be changed in place (a new bucket and a Storage Transfer Service copy, with its
        operations and egress, are needed). Confidence is medium when the labels mark it non-production,
        else low; turbo replication (`rpo` ASYNC_TURBO) is paid for on purpose and skipped.
    """,
    recommendation=(
        "Create a regional bucket (gcloud storage buckets create gs://<id>-regional --location=<region>), "
        "copy the data with Storage Transfer Service (gcloud transfer jobs create gs://<id> "
        "gs://<id>-regional), switch the clients, then delete gs://<id>"
    ),
    covers_original=["gcp:gcp_cloud_storage_excessive_redundancy"],
    covers_peers=["gcp.storage.multi_regional"],
)
def multi_region_bucket(ctx: CheckContext, params: MultiRegionParams) -> Iterator[Hit]:
    """Multi-region and dual-region buckets, priced as regional ones."""
    (query,) = multi_region_queries(params)
    for bucket in ctx.get(BUCKETS):
        kind = location_type(bucket)
        age = days_since(bucket.get("timeCreated"), ctx)
        if kind == "region" or bucket.get("rpo") == "ASYNC_TURBO" or managed(bucket):
            continue
        if age is None or age < params.min_age_days:
            continue
        gib = latest_gib(series(ctx, query, bucket))
        if gib is not None and gib < params.min_size_gb:
            continue
        cls, where, target = storage_class(bucket), location(bucket), target_region(bucket)
        if gib is None:
            cost = Money.unknown(CostKind.SAVING, detail="bucket size not reported by storage/total_bytes")
        else:
            now = gb_monthly(ctx, cls, kind, where, gib, what=f"GiB {cls} {kind}", k=CostKind.SAVING)
            after = gb_monthly(
                ctx, cls, "region", target, gib, what=f"GiB {cls} in {target}", k=CostKind.SAVING
            )
            if now.amount is None or after.amount is None:
                cost = Money.unknown(CostKind.SAVING, detail=f"no price: {now.detail}; {after.detail}")
            else:
                cost = estimate(
                    now.amount - after.amount,
                    f"estimate: ({now.detail}) - ({after.detail}); replication, transfer and operations"
                    " charges not counted",
                )
        label = nonprod_label(bucket)
        name = bucket_name(bucket)
        size = "" if gib is None else f" ({gib:.1f} GiB)"
        yield Hit(
            resource=bucket_resource(bucket),
            reason=(
                f"Bucket {name}{size} is {kind} ({bucket.get('location')}); a regional bucket in {target}"
                " would cost less per GB, at the price of single-region availability."
            ),
            cost=cost,
            evidence=_basics(bucket, ctx, gib)
            | {
                "target_region": target,
                "nonprod_label": None if label is None else {label[0]: label[1]},
                "rpo": bucket.get("rpo"),
                "scenario": "excessive_redundancy",
            },
            confidence=Confidence.MEDIUM if label is not None else Confidence.LOW,
            recommendation=(
                f"If single-region availability is enough: create gs://{name}-regional (gcloud storage"
                f" buckets create gs://{name}-regional --location={target}), copy the data with Storage"
                " Transfer"
                f" Service (gcloud transfer jobs create gs://{name} gs://{name}-regional), switch the"
                " clients,"
                f" then delete gs://{name}"
            ),
            region=where,
        )


# --- gcp.storage.versioning_without_cleanup ----------------------------------------------------------------


class VersioningParams(BaseModel):
    """Parameters of ``gcp.storage.versioning_without_cleanup``."""

    min_age_days: int = Field(7, ge=0, description="Only flag buckets created at least this many days ago.")


def cleans_noncurrent(rule: Mapping[str, Any]) -> bool:
    """A Delete rule that can remove noncurrent versions (any Delete not limited to live objects)."""
    return action(rule) == "Delete" and condition(rule).get("isLive") is not True


@check(
    id="gcp.storage.versioning_without_cleanup",
    title="Versioned bucket that never deletes noncurrent object versions",
    resource_type="gcs_bucket",
    severity=Severity.LOW,
    needs=[BUCKETS],
    params=VersioningParams,
    klass="policy",
    rationale="""
        With Object Versioning on, every overwrite or delete keeps the old version, billed like live data.
        A versioned bucket at least `min_age_days` old whose lifecycle has no Delete rule that reaches
        noncurrent versions (`daysSinceNoncurrentTime`, `numNewerVersions`, `isLive: false`, or an `age` rule
        not limited to live objects) keeps them forever. The noncurrent bytes are not in the collected
        metrics, so the cost is unknown; confidence is medium (some buckets keep history on purpose).
    """,
    recommendation=(
        "Delete old versions after a while: gcloud storage buckets update gs://<id> "
        "--lifecycle-file=noncurrent.json (a Delete rule with daysSinceNoncurrentTime: 30)"
    ),
    covers_original=["gcp:gcp_cloud_storage_versioning_waste"],
)
def versioning_without_cleanup(ctx: CheckContext, params: VersioningParams) -> Iterator[Hit]:
    """Versioned buckets without a rule that deletes noncurrent versions."""
    for bucket in ctx.get(BUCKETS):
        age = days_since(bucket.get("timeCreated"), ctx)
        if not versioned(bucket) or any(cleans_noncurrent(r) for r in rules(bucket)):
            continue
        if age is None or age < params.min_age_days:
            continue
        name = bucket_name(bucket)
        yield Hit(
            resource=bucket_resource(bucket),
            reason=(
                f"Bucket {name} keeps every noncurrent object version forever: versioning is on and no"
                " lifecycle rule deletes old versions."
            ),
            cost=Money.unknown(detail="noncurrent bytes are not in the collected metrics"),
            evidence=_basics(bucket, ctx, None) | {"scenario": "versioning_waste"},
            confidence=Confidence.MEDIUM,
            recommendation=(
                f"Delete old versions after a while: gcloud storage buckets update gs://{name}"
                ' --lifecycle-file=noncurrent.json ({"rule": [{"action": {"type": "Delete"},'
                ' "condition": {"daysSinceNoncurrentTime": 30}}]})'
            ),
            region=location(bucket),
        )


# --- gcp.storage.log_bucket_long_retention -----------------------------------------------------------------


class LogParams(BaseModel):
    """Parameters of ``gcp.storage.log_bucket_long_retention``."""

    max_log_bucket_days: int = Field(
        30, ge=1, description="Retention of a Cloud Logging bucket above which it is flagged (Thrifty's 30)."
    )
    max_storage_days: int = Field(
        365, ge=1, description="Retention of a Cloud Storage bucket holding logs above which it is flagged."
    )
    window_days: int = Field(7, ge=1, le=30, description="Days of daily storage/total_bytes read.")


def log_queries(params: LogParams) -> list[MetricQuery]:
    return [gcs_query(TOTAL_BYTES, params.window_days)]


def is_log_bucket(bucket: Mapping[str, Any]) -> bool:
    """A Cloud Storage bucket that holds logs: a word such as logs, logging or audit in its name, or a
    label key or value saying so (``purpose: logs``)."""
    if name_tokens(bucket_name(bucket)) & LOG_WORDS:
        return True
    return any(name_tokens(k) & LOG_WORDS or name_tokens(v) & LOG_WORDS for k, v in labels(bucket).items())


def delete_age(bucket: Mapping[str, Any]) -> int | None:
    """The smallest ``age`` of a Delete rule that applies to every object (no prefix, suffix or class
    filter): how long objects live at most; None when nothing deletes them."""
    ages = []
    for rule in rules(bucket):
        cond = condition(rule)
        narrowed = any(cond.get(k) for k in ("matchesPrefix", "matchesSuffix", "matchesStorageClass"))
        age = as_int(cond.get("age"))
        if action(rule) == "Delete" and age is not None and not narrowed:
            ages.append(age)
    return min(ages) if ages else None


def _log_bucket_hits(ctx: CheckContext, params: LogParams) -> Iterator[Hit]:
    """Cloud Logging log buckets kept longer than ``max_log_bucket_days``."""
    try:
        items = list(ctx.get(LOG_BUCKETS))
    except KeyError:  # a provider that does not collect log buckets
        return
    target = max(30, params.max_log_bucket_days)
    for bucket in items:
        bucket_id = last_segment(bucket.get("name"))
        days = as_int(bucket.get("retentionDays"))
        if (
            bucket_id == "_Required"
            or bucket.get("locked")
            or days is None
            or days <= params.max_log_bucket_days
        ):
            continue
        if bucket.get("lifecycleState") not in (None, "ACTIVE"):
            continue
        bits = str(bucket.get("name") or "").split("/")
        where = bits[3] if len(bits) > 3 else "global"
        project = bits[1] if len(bits) > 1 else ctx.account
        yield Hit(
            resource=Resource(
                id=str(bucket.get("name") or ""),
                arn=str(bucket.get("_asset_name") or "") or None,
                name=bucket_id,
                type="logging_bucket",
                created_at=parse_time(bucket.get("createTime")),
            ),
            reason=(
                f"Log bucket {bucket_id} keeps logs for {days} days; Cloud Logging bills every GiB kept"
                " beyond 30 days."
            ),
            cost=Money.unknown(
                CostKind.SAVING,
                detail=(
                    "$0.01/GiB-month for logs kept beyond 30 days; this bucket's volume is not measured"
                    f" here (retained GiB beyond {target} days x gcp.logging.retention.gib_month)"
                ),
            ),
            evidence={
                "kind": "cloud_logging_bucket",
                "retention_days": days,
                "max_days": params.max_log_bucket_days,
                "location": where,
                "analytics_enabled": bucket.get("analyticsEnabled"),
                "scenario": "long_retention",
            },
            confidence=Confidence.HIGH if days > 3 * target else Confidence.MEDIUM,
            recommendation=(
                "Shorten it if nothing requires the longer retention: gcloud logging buckets update"
                f" {bucket_id}"
                f" --location={where} --retention-days={params.max_log_bucket_days} --project={project}"
            ),
            region=where,
        )


@check(
    id="gcp.storage.log_bucket_long_retention",
    title="Log bucket that keeps logs for a long time",
    resource_type="gcs_bucket",
    severity=Severity.LOW,
    needs=[BUCKETS],
    params=LogParams,
    klass="policy",
    metrics=log_queries,
    rationale="""
        Two kinds of bucket hold logs. A Cloud Logging log bucket (when the provider collects
        `logging.googleapis.com/LogBucket`) with `retentionDays` above `max_log_bucket_days` (Thrifty's 30)
        pays $0.01/GiB-month for every GiB kept beyond the free 30 days; `_Required` (400 days, free, fixed)
        and locked buckets (retention cannot be lowered) are skipped, and the cost is unknown because the
        bucket's volume is not measured. A Cloud Storage bucket holding logs (a word such as logs, logging or
        audit in its name or labels) whose objects live longer than `max_storage_days` (its smallest Delete
        age, its retention policy if longer, or forever without a Delete rule) is reported with low
        confidence, medium when nothing ever deletes them; with `storage/total_bytes` the saving is
        estimated as the share of the data older than `max_storage_days`, assuming a steady flow of logs
        since the bucket was created. A locked retention policy longer than the limit cannot be shortened:
        skipped.
    """,
    recommendation=(
        "Shorten the retention: gcloud logging buckets update <id> --location=<region> --retention-days=30, "
        "or for a Cloud Storage bucket add a Delete rule: gcloud storage buckets update gs://<id> "
        "--lifecycle-file=delete-after.json"
    ),
    covers_peers=["gcp.logging.long_retention"],
)
def log_bucket_long_retention(ctx: CheckContext, params: LogParams) -> Iterator[Hit]:
    """Cloud Logging buckets and log-holding Cloud Storage buckets with a long retention."""
    yield from _log_bucket_hits(ctx, params)
    (query,) = log_queries(params)
    for bucket in ctx.get(BUCKETS):
        if not is_log_bucket(bucket) or managed(bucket):
            continue
        age = days_since(bucket.get("timeCreated"), ctx) or 0.0
        deleted_at = delete_age(bucket)
        kept, locked = retention_days(bucket)
        if locked and kept is not None and kept > params.max_storage_days:
            continue  # a locked retention policy cannot be shortened
        forever = deleted_at is None
        effective = None if forever else max(float(deleted_at or 0), kept or 0.0)
        if effective is not None and effective <= params.max_storage_days:
            continue
        gib = latest_gib(series(ctx, query, bucket))
        span = age if effective is None else min(effective, age)
        name = bucket_name(bucket)
        cost: Money
        if gib is None:
            cost = Money.unknown(CostKind.SAVING, detail="bucket size not reported by storage/total_bytes")
        elif span <= params.max_storage_days:
            cost = Money(
                amount=0.0,
                basis=CostBasis.ESTIMATE,
                kind=CostKind.SAVING,
                detail=(
                    f"the bucket is {whole_days(age)} old: nothing is older than {params.max_storage_days}"
                    " days yet"
                ),
            )
        else:
            share = 1 - params.max_storage_days / span
            money = gb_monthly(
                ctx,
                storage_class(bucket),
                location_type(bucket),
                location(bucket),
                gib * share,
                what="GiB older",
            )
            cost = (
                Money.unknown(CostKind.SAVING, detail=money.detail)
                if money.amount is None
                else estimate(
                    money.amount,
                    f"estimate assuming a steady flow of logs: {share:.0%} of {gib:.1f} GiB is older than"
                    f" {params.max_storage_days} days: {money.detail}",
                )
            )
        kept_text = "forever (no Delete rule)" if forever else f"{effective:g} days"
        yield Hit(
            resource=bucket_resource(bucket),
            reason=(
                f"Bucket {name} holds logs and keeps them {kept_text}, over the"
                f" {params.max_storage_days}-day limit."
            ),
            cost=cost,
            evidence=_basics(bucket, ctx, gib)
            | {
                "kind": "cloud_storage_bucket",
                "delete_age_days": deleted_at,
                "retention_policy_days": kept,
                "retention_locked": locked,
                "effective_retention_days": effective,
                "max_days": params.max_storage_days,
                "scenario": "long_retention",
            },
            confidence=Confidence.MEDIUM if forever else Confidence.LOW,
            recommendation=(
                f"Delete logs older than {params.max_storage_days} days: gcloud storage buckets update"
                f" gs://{name}"
                f' --lifecycle-file=delete-after.json ({{"rule": [{{"action": {{"type": "Delete"}},'
                f' "condition": {{"age": {params.max_storage_days}}}}}]}})'
            ),
            region=location(bucket),
        )


# --- gcp.storage.empty_bucket ---------------------------------------------------------------------------


class EmptyParams(BaseModel):
    """Parameters of ``gcp.storage.empty_bucket``."""

    min_age_days: int = Field(
        30, ge=0, description="Only flag buckets created at least this many days ago (the original's 30)."
    )
    window_days: int = Field(14, ge=1, le=60, description="Days of daily object counts read.")
    min_days_of_data: int = Field(7, ge=1, description="Days with object counts needed before judging.")


def empty_queries(params: EmptyParams) -> list[MetricQuery]:
    return [gcs_query(OBJECT_COUNT, params.window_days)]


@check(
    id="gcp.storage.empty_bucket",
    title="Cloud Storage bucket that has held no object for weeks",
    resource_type="gcs_bucket",
    severity=Severity.LOW,
    needs=[BUCKETS],
    params=EmptyParams,
    klass="hygiene",
    metrics=empty_queries,
    rationale="""
        A bucket at least `min_age_days` old whose `storage/object_count` was 0 on every day of `window_days`
        (at least `min_days_of_data` days of data) stores nothing. It bills nothing either: a $0 hygiene
        finding (clutter, and a name someone may still write to). Buckets Google services create for
        themselves (Cloud Functions sources, Cloud Build, App Engine staging, Dataproc) get low confidence:
        deleting them can break the service; others medium. Missing data is unknown, never empty.
    """,
    recommendation="Delete it: gcloud storage buckets delete gs://<id>",
    covers_original=["gcp:gcp_cloud_storage_empty"],
)
def empty_bucket(ctx: CheckContext, params: EmptyParams) -> Iterator[Hit]:
    """Buckets with zero objects on every day of the window."""
    (query,) = empty_queries(params)
    for bucket in ctx.get(BUCKETS):
        age = days_since(bucket.get("timeCreated"), ctx)
        if age is None or age < params.min_age_days:
            continue
        counts = series(ctx, query, bucket)
        days = metric_days(counts)
        if counts is None or days < params.min_days_of_data or counts.maximum > 0:
            continue
        name = bucket_name(bucket)
        yield Hit(
            resource=bucket_resource(bucket),
            reason=(
                f"Bucket {name} has held no object for {days} days ({whole_days(age)} after it was created)."
            ),
            cost=Money(
                amount=0.0, basis=CostBasis.BUNDLED_PRICE, detail="an empty bucket bills nothing: hygiene"
            ),
            evidence=_basics(bucket, ctx, 0.0)
            | {
                "object_count_max": counts.maximum,
                "days_with_data": days,
                "managed_by_google_service": managed(bucket),
                "metrics": {OBJECT_COUNT: counts.evidence()},
                "scenario": "empty",
            },
            confidence=Confidence.LOW if managed(bucket) else Confidence.MEDIUM,
            recommendation=f"Delete it: gcloud storage buckets delete gs://{name}",
            region=location(bucket),
        )
