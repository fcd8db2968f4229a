"""Cloud Storage checks: no lifecycle, multi-region, versioning, log retention, empty buckets."""

from __future__ import annotations

from typing import Any

import pytest
from tests.checks.gcp.conftest import (
    GIB,
    PROJECT,
    Gcp,
    bucket,
    class_rule,
    daily_series,
    delete_rule,
    log_bucket,
    run_check,
)

from cloudwaste.model import Confidence, CostBasis, CostKind

LIFECYCLE = "gcp.storage.no_lifecycle"
MULTI = "gcp.storage.multi_region_bucket"
VERSIONS = "gcp.storage.versioning_without_cleanup"
LOGS = "gcp.storage.log_bucket_long_retention"
EMPTY = "gcp.storage.empty_bucket"
BYTES = "storage.googleapis.com/storage/total_bytes"
OBJECTS = "storage.googleapis.com/storage/object_count"


def sized(gcp: Gcp, check_id: str, item: dict[str, Any], gib: float | None, **collections: Any) -> list[Any]:
    metrics = gcp.metrics(check_id, item, {BYTES: None if gib is None else [gib * GIB] * 7})
    return gcp.run(check_id, buckets=[item], metrics=metrics, **collections)


# --- no lifecycle ----------------------------------------------------------------------------------------


def test_no_lifecycle_estimates_the_share_a_rule_would_move(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = sized(gcp, LIFECYCLE, bucket("acme-exports"), 100)
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.cost.kind is CostKind.SAVING
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert hit.cost.amount == pytest.approx((100 * 0.02 - 100 * 0.01) * 0.5)
    assert "assumes 50%" in (hit.cost.detail or "")
    assert hit.region == "us-central1"
    assert "gs://acme-exports --enable-autoclass" in (hit.recommendation or "")


def test_no_lifecycle_series_keyed_by_bucket_name(gcp: Gcp) -> None:
    (key,) = gcp.metrics(LIFECYCLE, bucket("acme-exports"), {BYTES: [1.0]})
    assert (key.namespace, key.dimension, key.value, key.stat) == (
        "gcs_bucket",
        "bucket_name",
        "acme-exports",
        "Maximum",
    )


def test_no_lifecycle_without_size_is_unknown_and_low(gcp: Gcp) -> None:
    (hit,) = sized(gcp, LIFECYCLE, bucket("acme-exports"), None)
    assert hit.cost.amount is None
    assert hit.confidence is Confidence.LOW


@pytest.mark.parametrize(("gib", "flagged"), [(9.99, False), (10.0, True)])
def test_no_lifecycle_min_size(gcp: Gcp, gib: float, flagged: bool) -> None:
    assert bool(sized(gcp, LIFECYCLE, bucket("acme-exports"), gib)) is flagged


def test_no_lifecycle_multi_region_rates(gcp: Gcp) -> None:
    (hit,) = sized(gcp, LIFECYCLE, bucket("acme-media", location="US", location_type="multi-region"), 100)
    assert hit.cost.amount == pytest.approx((100 * 0.026 - 100 * 0.015) * 0.5)


def test_no_lifecycle_colder_class_saving_is_unknown(gcp: Gcp) -> None:
    (hit,) = sized(gcp, LIFECYCLE, bucket("acme-cold", storage_class="NEARLINE"), 100)
    assert hit.cost.amount is None


@pytest.mark.parametrize(
    "item",
    [
        bucket("with-rules", lifecycle=[class_rule("NEARLINE", 30)]),
        bucket("auto", autoclass=True),
        bucket("vault", storage_class="ARCHIVE"),
        bucket("gcf-sources-482910375511-us-central1"),
        bucket(f"{PROJECT}_cloudbuild"),
        bucket("acme-audit-logs"),
        bucket("fresh", created=29),
    ],
)
def test_no_lifecycle_traps(gcp: Gcp, item: dict[str, Any]) -> None:
    assert sized(gcp, LIFECYCLE, item, 100) == []


# --- multi-region --------------------------------------------------------------------------------------


def test_multi_region_bucket_priced_as_regional(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = sized(gcp, MULTI, bucket("acme-media", location="US", location_type="multi-region"), 1000)
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(1000 * (0.026 - 0.02))
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert hit.confidence is Confidence.LOW
    assert hit.evidence["target_region"] == "us-central1"
    assert "single-region availability" in hit.reason
    assert hit.region == "us"


def test_multi_region_nonprod_label_is_medium(gcp: Gcp) -> None:
    item = bucket("acme-media-dev", location="EU", location_type="multi-region", labels={"env": "dev"})
    (hit,) = sized(gcp, MULTI, item, 1000)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["target_region"] == "europe-west1"


def test_dual_region_is_billed_in_both_regions(gcp: Gcp) -> None:
    (hit,) = sized(gcp, MULTI, bucket("acme-dr", location="NAM4", location_type="dual-region"), 1000)
    assert hit.cost.amount == pytest.approx(2 * 1000 * 0.022 - 1000 * 0.02)


def test_configurable_dual_region_targets_its_first_region(gcp: Gcp) -> None:
    item = bucket(
        "acme-cdr",
        location="US",
        location_type="dual-region",
        customPlacementConfig={"dataLocations": ["US-EAST1", "US-WEST1"]},
    )
    (hit,) = sized(gcp, MULTI, item, 100)
    assert hit.evidence["target_region"] == "us-east1"


def test_multi_region_without_size_is_unknown(gcp: Gcp) -> None:
    (hit,) = sized(gcp, MULTI, bucket("acme-media", location="US", location_type="multi-region"), None)
    assert hit.cost.amount is None


@pytest.mark.parametrize(
    ("item", "gib"),
    [
        (bucket("regional"), 1000),
        (bucket("turbo", location="NAM4", location_type="dual-region", rpo="ASYNC_TURBO"), 1000),
        (bucket("tiny", location="US", location_type="multi-region"), 9),
        (bucket("young", location="US", location_type="multi-region", created=10), 1000),
    ],
)
def test_multi_region_traps(gcp: Gcp, item: dict[str, Any], gib: float) -> None:
    assert sized(gcp, MULTI, item, gib) == []


# --- versioning -----------------------------------------------------------------------------------------


def test_versioning_without_cleanup(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = gcp.run(VERSIONS, buckets=[bucket("acme-docs", versioning=True)])
    hit_ok(hit)
    assert hit.cost.amount is None
    assert "daysSinceNoncurrentTime" in (hit.recommendation or "")


def test_versioning_live_only_delete_rule_is_no_cleanup(gcp: Gcp) -> None:
    item = bucket("acme-docs", versioning=True, lifecycle=[delete_rule(30, isLive=True)])
    assert len(gcp.run(VERSIONS, buckets=[item])) == 1


@pytest.mark.parametrize(
    "item",
    [
        bucket("a", versioning=True, lifecycle=[delete_rule(daysSinceNoncurrentTime=30)]),
        bucket("b", versioning=True, lifecycle=[delete_rule(numNewerVersions=3)]),
        bucket("c", versioning=True, lifecycle=[delete_rule(isLive=False)]),
        bucket("d", versioning=True, lifecycle=[delete_rule(365)]),
        bucket("e"),
        bucket("f", versioning=True, created=3),
    ],
)
def test_versioning_traps(gcp: Gcp, item: dict[str, Any]) -> None:
    assert gcp.run(VERSIONS, buckets=[item]) == []


# --- log buckets ----------------------------------------------------------------------------------------


def test_storage_log_bucket_kept_forever(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = sized(gcp, LOGS, bucket("acme-access-logs", created=400), 100)
    hit_ok(hit)
    assert hit.confidence is Confidence.MEDIUM
    assert hit.evidence["effective_retention_days"] is None
    # steady flow over 400 days: 1 - 365/400 = 8.75 % is older than 365 days
    assert hit.cost.amount == pytest.approx(100 * 0.0875 * 0.02, abs=0.01)
    assert hit.cost.basis is CostBasis.ESTIMATE
    assert '"age": 365' in (hit.recommendation or "")


@pytest.mark.parametrize(("age", "expected"), [(365, None), (366, Confidence.LOW)])
def test_storage_log_bucket_delete_age_boundary(gcp: Gcp, age: int, expected: Confidence | None) -> None:
    hits = sized(gcp, LOGS, bucket("acme-logs", lifecycle=[delete_rule(age)]), 100)
    assert [h.confidence for h in hits] == ([expected] if expected else [])


def test_storage_log_bucket_hints_and_retention_policy(gcp: Gcp) -> None:
    by_label = bucket("acme-archive", labels={"purpose": "logs"}, lifecycle=[delete_rule(730)])
    assert len(sized(gcp, LOGS, by_label, None)) == 1
    longer_policy = bucket("acme-logs", lifecycle=[delete_rule(30)], retention_days=400)
    (hit,) = sized(gcp, LOGS, longer_policy, None)
    assert hit.evidence["effective_retention_days"] == pytest.approx(400)
    assert hit.cost.amount is None


def test_storage_log_bucket_traps(gcp: Gcp) -> None:
    locked = bucket("acme-audit-logs", retention_days=3650, retention_locked=True)
    assert sized(gcp, LOGS, locked, 100) == []  # a locked policy cannot be shortened
    assert sized(gcp, LOGS, bucket("acme-exports"), 100) == []  # not a log bucket
    assert sized(gcp, LOGS, bucket("dataproc-temp-us-central1-logs"), 100) == []  # Google-managed


def test_storage_log_bucket_younger_than_the_limit_saves_nothing_yet(gcp: Gcp) -> None:
    (hit,) = sized(gcp, LOGS, bucket("acme-logs", created=100), 100)
    assert hit.cost.amount == 0.0


def test_cloud_logging_buckets(hit_ok: Any) -> None:
    buckets = [
        log_bucket("app-logs", retention_days=90),
        log_bucket("audit-archive", location="europe-west1", retention_days=3650),
        log_bucket("_Required", retention_days=400),
        log_bucket("_Default", retention_days=30),
        log_bucket("locked", retention_days=365, locked=True),
    ]
    hits = {h.resource.name: h for h in run_check(LOGS, {"gcp:log_buckets": buckets})}
    assert set(hits) == {"app-logs", "audit-archive"}
    hit_ok(hits["app-logs"])
    assert hits["app-logs"].confidence is Confidence.MEDIUM
    assert hits["audit-archive"].confidence is Confidence.HIGH
    assert hits["app-logs"].cost.amount is None
    assert "--location=europe-west1 --retention-days=30" in (hits["audit-archive"].recommendation or "")


def test_log_buckets_not_collected_are_no_error(gcp: Gcp) -> None:
    assert gcp.run(LOGS, buckets=[]) == []  # the shared runner has no gcp:log_buckets


# --- empty buckets --------------------------------------------------------------------------------------


def empty(gcp: Gcp, item: dict[str, Any], counts: list[float] | None) -> list[Any]:
    metrics = daily_series(EMPTY, item, {OBJECTS: counts})
    return gcp.run(EMPTY, buckets=[item], metrics=metrics)


def test_empty_bucket(gcp: Gcp, hit_ok: Any) -> None:
    (hit,) = empty(gcp, bucket("acme-old"), [0.0] * 14)
    hit_ok(hit)
    assert hit.cost.amount == 0.0
    assert hit.confidence is Confidence.MEDIUM
    assert hit.recommendation == "Delete it: gcloud storage buckets delete gs://acme-old"


@pytest.mark.parametrize(
    ("counts", "flagged"), [([0.0] * 6, False), ([0.0] * 7, True), ([0.0] * 13 + [1.0], False)]
)
def test_empty_bucket_boundaries(gcp: Gcp, counts: list[float], flagged: bool) -> None:
    assert bool(empty(gcp, bucket("acme-old"), counts)) is flagged


def test_empty_bucket_traps(gcp: Gcp) -> None:
    assert empty(gcp, bucket("acme-old"), None) == []
    assert empty(gcp, bucket("acme-new", created=29), [0.0] * 14) == []
    (hit,) = empty(gcp, bucket(f"staging.{PROJECT}.appspot.com"), [0.0] * 14)
    assert hit.confidence is Confidence.LOW
