"""GCP collections through the real google-cloud-* REST clients against the fake: paging, REST fidelity,
Cloud Asset Inventory, the Recommender passthrough and Cloud Monitoring series."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cloudwaste.checks.context import MetricQuery
from cloudwaste.providers.base import ScopeUnit
from cloudwaste.providers.gcp import collectors
from cloudwaste.providers.gcp.collectors import ASSET_TYPES, COMPUTE, to_rest
from cloudwaste.providers.gcp.metrics import aligner
from tests.fakes import gcp_estate as E
from tests.fakes.gcp import FakeGcp, days
from tests.providers.gcp.helpers import CPU, DISK_IDLE, NOW, READ_OPS, build_estate, provider

P = "proj-alpha"


def _unit(project: str = P) -> ScopeUnit:
    return ScopeUnit("gcp", project, "global", project)


def _session(gcp: FakeGcp, queries: list[MetricQuery] | None = None, **options: Any) -> Any:
    prov = provider(projects=[P], **options)
    prov.plan()
    return prov.open_unit(_unit(), queries or [])


def _many(gcp: FakeGcp, n: int = 7) -> list[dict[str, Any]]:
    """``n`` disks spread over zones and a region (more than three pages of two)."""
    zones = ("us-central1-a", "us-central1-b", "europe-west1-b")
    disks = [E.disk(P, f"d{i}", zone=zones[i % 3], created=NOW - timedelta(days=i)) for i in range(n - 1)]
    disks.append(E.disk(P, "rd", zone=None, region="us-central1", created=NOW))
    gcp.add_compute(P, "disks", *disks)
    return disks


def test_aggregated_list_follows_every_page_and_keeps_each_scope(gcp: FakeGcp) -> None:
    gcp.add_project(P)
    disks = _many(gcp)
    got = _session(gcp).collect("gcp:disks")
    assert sorted(d["name"] for d in got) == sorted(d["name"] for d in disks)
    calls = gcp.calls(f"/compute/v1/projects/{P}/aggregated/disks")
    assert len(calls) == 4  # 7 disks, 2 a page
    assert [c.param("pageToken") for c in calls] == [None, "2", "4", "6"]
    assert {c.param("maxResults") for c in calls} == {"500"}
    regional = next(d for d in got if d["name"] == "rd")
    assert regional["region"].endswith("/regions/us-central1") and "zone" not in regional


def test_items_come_back_exactly_as_the_rest_api_sent_them(gcp: FakeGcp) -> None:
    ids = build_estate(gcp, P)
    session = _session(gcp)
    for name in ("vm-web", "vm-stopped"):
        [got] = [i for i in session.collect("gcp:instances") if i["name"] == name]
        assert got == ids[name]
    disk = next(d for d in session.collect("gcp:disks") if d["name"] == "disk-orphan")
    assert disk == ids["disk-orphan"]
    assert disk["sizeGb"] == "500" and isinstance(disk["id"], str)  # int64 stay strings, as in REST
    assert disk["creationTimestamp"].endswith("-07:00")  # timestamps untouched
    rule = session.collect("gcp:forwarding_rules")[0]
    assert rule["IPAddress"] == "34.10.0.10"  # json_name, not the proto field name (i_p_address)
    [snap] = [s for s in session.collect("gcp:snapshots") if s["name"] == "snap-of-deleted"]
    assert snap == ids["snap-of-deleted"] and snap["storageBytes"] == "12345678901"


def test_every_compute_collection_is_listed_with_its_calls(gcp: FakeGcp) -> None:
    build_estate(gcp, P)
    session = _session(gcp)
    for listing in COMPUTE:
        session.collect(listing.collection)
    paths = {c.path for c in gcp.calls("/compute/v1/")}
    expected = {f"/compute/v1/projects/{P}/{s.path}" for s in collectors.sources()}
    assert paths == expected
    assert len(expected) == 24 and all(p.count("/aggregated/") + p.count("/global/") == 1 for p in expected)
    assert {r["name"] for r in session.collect("gcp:global_addresses")} == {"gip-unused", "peering-range"}
    assert session.warnings == []  # NO_RESULTS_ON_PAGE scopes are normal


def test_merged_collections_hold_regional_and_global_items(gcp: FakeGcp) -> None:
    gcp.add_project(P)
    regional = E.forwarding_rule(P, "fr-r", ip="34.1.1.1", created=NOW)
    glob = E.forwarding_rule(P, "fr-g", region=None, ip="35.1.1.1", created=NOW)
    gcp.add_compute(P, "forwardingRules", regional)
    gcp.add_compute(P, "globalForwardingRules", glob)
    got = {r["name"]: r for r in _session(gcp).collect("gcp:forwarding_rules")}
    assert set(got) == {"fr-r", "fr-g"} and "region" not in got["fr-g"] and got["fr-r"]["region"]


def test_an_unreachable_scope_is_a_unit_warning(gcp: FakeGcp) -> None:
    gcp.add_project(P)
    _many(gcp, 3)
    gcp.unreachable.add("zones/asia-east1-a")
    session = _session(gcp)
    assert len(session.collect("gcp:disks")) == 3
    [warning] = session.warnings
    assert "UNREACHABLE" in warning and "zones/asia-east1-a" in warning and "aggregated/disks" in warning


def test_one_list_assets_call_fills_every_asset_collection(gcp: FakeGcp) -> None:
    ids = build_estate(gcp, P)
    spanner = {"name": f"projects/{P}/instances/sp1", "config": "x", "nodeCount": 1, "processingUnits": 1000}
    gcp.add_asset(P, "spanner.googleapis.com/Instance", spanner, "us-central1", f"projects/{P}/instances/sp1")
    gcp.add_asset(
        P, "pubsub.googleapis.com/Topic", {"name": "t"}, "global", f"projects/{P}/topics/t"
    )  # ignored
    session = _session(gcp)
    [sql] = session.collect("gcp:sql_instances")
    [bucket] = session.collect("gcp:buckets")
    [cluster] = session.collect("gcp:gke_clusters")
    [sp] = session.collect("gcp:spanner_instances")
    assert session.collect("gcp:redis_instances") == []
    calls = gcp.calls(f"/v1/projects/{P}/assets")
    assert len(calls) == 2  # 4 assets of the asked types, 2 a page: one paged call for all types
    assert set(calls[0].query["assetTypes"]) == set(ASSET_TYPES) and calls[0].param("pageSize") == "1000"
    assert calls[0].param("contentType") in ("RESOURCE", "1")
    assert {k: v for k, v in sql.items() if not k.startswith("_")} == ids["db-stopped"]
    assert sql["settings"]["dataDiskSizeGb"] == "100"  # int64 strings inside resource.data stay strings
    assert sql["_asset_type"] == "sqladmin.googleapis.com/Instance" and sql["_location"] == "us-central1"
    assert sql["_update_time"] == "2024-06-01T12:00:00.123456Z"
    assert sql["_asset_name"] == f"//sqladmin.googleapis.com/projects/{P}/instances/db-stopped"
    assert sql["_metric_id"] == f"{P}:db-stopped"  # the database_id label of cloudsql_database
    assert sp["nodeCount"] == 1 and isinstance(sp["nodeCount"], int) and sp["_metric_id"] == "sp1"
    assert bucket["_location"] == "us" and bucket["locationType"] == "multi-region"
    assert cluster["nodePools"][0]["initialNodeCount"] == 3 and cluster["_metric_id"] == "gke-prod"


@pytest.mark.parametrize(
    ("asset_type", "data", "name", "expected"),
    [
        (
            "dataflow.googleapis.com/Job",
            {"id": "2024-01-01_abc", "name": "etl"},
            "projects/p/jobs/x",
            "2024-01-01_abc",
        ),
        ("dataproc.googleapis.com/Cluster", {"clusterName": "c1"}, "projects/p/regions/r/clusters/c1", "c1"),
        (
            "redis.googleapis.com/Instance",
            {"name": "projects/p/locations/r/instances/r1"},
            "x",
            "projects/p/locations/r/instances/r1",
        ),
        (
            "run.googleapis.com/Service",
            {"metadata": {"name": "svc"}},
            "projects/p/locations/r/services/svc",
            "svc",
        ),
        (
            "logging.googleapis.com/LogBucket",
            {"name": "projects/p/locations/global/buckets/_Default"},
            "x",
            "_Default",
        ),
    ],
)
def test_metric_id_is_the_label_the_service_metrics_carry(
    asset_type: str, data: dict[str, Any], name: str, expected: str
) -> None:
    assert collectors.metric_id(asset_type, data, f"//svc/{name}") == expected


def test_recommendations_are_read_only_where_resources_are(gcp: FakeGcp) -> None:
    build_estate(gcp, P)
    session = _session(gcp)
    recs = session.collect("gcp:recommendations")
    assert [r["_recommender"] for r in recs] == [DISK_IDLE]
    assert recs[0]["content"]["operationGroups"][0]["operations"][0]["resource"].endswith(
        "/disks/disk-orphan"
    )
    assert recs[0]["primaryImpact"]["costProjection"]["cost"]["units"] == "-12"
    assert recs[0]["stateInfo"]["state"] == "ACTIVE"
    asked = {
        (c.path.split("/locations/")[1].split("/")[0], c.path.split("/recommenders/")[1].split("/")[0])
        for c in gcp.calls("/recommenders/")
    }
    assert asked == {
        ("us-central1-a", "google.compute.instance.IdleResourceRecommender"),
        ("europe-west1-b", "google.compute.instance.IdleResourceRecommender"),
        ("us-central1-a", DISK_IDLE),
        ("europe-west1-b", DISK_IDLE),
        ("us-central1", DISK_IDLE),  # the regional disk
        ("us-central1", "google.compute.address.IdleResourceRecommender"),
        ("global", "google.compute.address.IdleResourceRecommender"),
        ("global", "google.compute.image.IdleResourceRecommender"),
        ("us-central1", "google.cloudsql.instance.IdleRecommender"),
    }


def test_recommendations_can_be_turned_off(gcp: FakeGcp) -> None:
    build_estate(gcp, P)
    assert _session(gcp, recommendations=False).collect("gcp:recommendations") == []
    assert gcp.calls("/recommenders/") == []


def test_metrics_one_paged_call_per_query_mapped_by_label(gcp: FakeGcp) -> None:
    ids = build_estate(gcp, P)
    for n in range(3):  # more series than a page holds, for other instances
        gcp.add_series(P, CPU.metric, "gce_instance", {"instance_id": f"99{n}"}, list(days(NOW, 14, 0.5)))
    gcp.add_series(
        "other-proj", CPU.metric, "gce_instance", {"instance_id": ids["vm-web"]["id"]}, [(NOW, 9.0)]
    )
    session = _session(gcp, [CPU])
    web = session.metric(CPU.key(ids["vm-web"]["id"]))
    idle = session.metric(CPU.key(ids["vm-idle"]["id"]))
    assert web is not None and idle is not None
    assert len(web.values) == 14 and set(web.values) == {0.35} and max(idle.values) == pytest.approx(0.004)
    assert list(web.timestamps) == sorted(web.timestamps)  # the API answers newest first
    assert session.metric(CPU.key(ids["vm-stopped"]["id"])) is None  # no datapoints: unknown, not idle
    calls = gcp.calls(f"/v3/projects/{P}/timeSeries")
    assert len(calls) == 3  # 5 series, 2 a page: one query, every page
    call = calls[0]
    assert call.param("aggregation.perSeriesAligner") == "ALIGN_MEAN"
    assert call.param("aggregation.alignmentPeriod") == "86400s"
    assert f'project = "{P}"' in str(call.param("filter"))
    assert f'metric.type = "{CPU.metric}"' in str(call.param("filter"))
    start, end = str(call.param("interval.startTime")), str(call.param("interval.endTime"))
    assert start.endswith("Z") and end.endswith("Z") and start < end


def test_series_of_resource_container_resource_types_are_found(gcp: FakeGcp) -> None:
    """``aiplatform.googleapis.com/Endpoint`` (like ``firestore.googleapis.com/Database``) has no
    ``project_id`` label, only ``resource_container`` (the project number), ``location`` and
    ``endpoint_id`` (https://cloud.google.com/monitoring/api/resources): the filter must select the
    project with the ``project`` selector (https://cloud.google.com/monitoring/api/v3/filters)."""
    gcp.add_project(P)
    query = MetricQuery(
        namespace="aiplatform.googleapis.com/Endpoint",
        metric="aiplatform.googleapis.com/prediction/online/prediction_count",
        dimension="endpoint_id",
        collection="gcp:vertex_endpoints",
        id_field="_metric_id",
        stat="Sum",
        period_s=86400,
        days=14,
    )
    name = f"projects/{gcp._number(P)}/locations/us-central1/endpoints/4815162342"
    gcp.add_asset(P, "aiplatform.googleapis.com/Endpoint", {"name": name}, "us-central1", name)
    labels = {"resource_container": gcp._number(P), "location": "us-central1", "endpoint_id": "4815162342"}
    gcp.add_series(P, query.metric, query.namespace, labels, list(days(NOW, 3, 7.0)), metric_kind="DELTA")
    got = _session(gcp, [query]).metric(query.key("4815162342"))
    assert got is not None and sum(got.values) == pytest.approx(21.0)
    [call] = gcp.calls(f"/v3/projects/{P}/timeSeries")
    assert "resource.labels.project_id" not in str(call.param("filter"))


def test_series_of_one_label_value_are_combined_and_int64_points_read(gcp: FakeGcp) -> None:
    gcp.add_project(P)
    disk = E.disk(P, "data-1", created=NOW - timedelta(days=30))
    gcp.add_compute(P, "disks", disk)
    for instance, value in (("111", 10.0), ("222", 5.0)):  # one series per instance for the device
        gcp.add_series(
            P,
            READ_OPS.metric,
            "gce_instance",
            {"instance_id": instance},
            list(days(NOW, 3, value)),
            metric_labels={"device_name": "data-1", "storage_type": "pd-balanced"},
            value_type="INT64",
            metric_kind="DELTA",
        )
    series = _session(gcp, [READ_OPS]).metric(READ_OPS.key("data-1"))
    assert series is not None and series.values == (15.0, 15.0, 15.0) and series.stat == "Sum"
    [call] = gcp.calls("/timeSeries")
    assert call.param("aggregation.perSeriesAligner") == "ALIGN_SUM"


@pytest.mark.parametrize(
    ("stat", "expected"),
    [
        ("Average", "ALIGN_MEAN"),
        ("Sum", "ALIGN_SUM"),
        ("Maximum", "ALIGN_MAX"),
        ("Rate", "ALIGN_RATE"),
        ("ALIGN_PERCENTILE_99", "ALIGN_PERCENTILE_99"),
    ],
)
def test_aligner_of_each_stat(stat: str, expected: str) -> None:
    assert aligner(stat) == expected


def test_to_rest_drops_defaults_and_keeps_enum_names() -> None:
    from google.cloud import compute_v1, recommender_v1

    disk = compute_v1.Disk(name="d", size_gb=10, users=[])
    assert to_rest(disk) == {"name": "d", "sizeGb": "10"}
    rec = recommender_v1.Recommendation(
        state_info={"state": recommender_v1.RecommendationStateInfo.State.CLAIMED}
    )
    assert to_rest(rec) == {"stateInfo": {"state": "CLAIMED"}}
