"""Meta-tests over every registered GCP check (GC's, GD's and GK's): ids, metadata, parameters, the
collections and metrics they read, what they cover, and how many there are per family."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_core import PydanticUndefined
from tests.checks.gcp.conftest import COLLECTIONS

from cloudwaste.checks.registry import CHECK_ID_RE, CLASSES, CheckSpec, get_check, load_checks

REFERENCE = Path(__file__).parents[3].parent / "shared/reference"
INVENTORY = REFERENCE / "original-inventory.md"
PEERS = REFERENCE / "peer-checks.md"
# a scenario code names one detector row of inventory section 1.3 by its resource_type (first column)
ORIGINAL_CODE = re.compile(r"^gcp:([a-z0-9_]+)$")
# Cloud Monitoring monitored resource types: gce_instance, nat_gateway, cloudsql_database, and the
# service-named ones such as firestore.googleapis.com/Database
MONITORED_RESOURCE = re.compile(r"^([a-z][a-z0-9_]*|[a-z0-9.]+\.googleapis\.com/[A-Za-z]+)$")
# issue 5 asks for these, but neither the inventory nor the peer catalog has a row for them
BEYOND_CATALOGS = {"gcp.compute.unused_instance_template", "gcp.compute.unused_machine_image"}
STATS = {"Average", "Sum", "Maximum", "Minimum", "Rate", "Count", "Delta"}
PERIODS = (60, 300, 900, 1800, 3600, 21600, 43200, 86400)
# the 21 families of inventory section 1.3, and how a check is told to belong to one
FAMILIES: dict[str, tuple[str, ...]] = {
    "Compute Engine instances": ("rt:gce_instance",),
    "Persistent Disks": ("rt:gce_disk",),
    "Disk snapshots": ("rt:gce_snapshot",),
    "Static external IPs": ("rt:gce_address", "rt:gce_global_address"),
    "Load Balancers": ("rt:gce_forwarding_rule", "rt:gce_backend_service"),
    "Cloud NAT": ("rt:cloud_nat", "rt:cloud_router"),
    "Cloud SQL": ("svc:sql", "svc:cloudsql"),
    "Cloud Spanner": ("svc:spanner",),
    "Firestore": ("svc:firestore",),
    "Bigtable": ("svc:bigtable",),
    "Memorystore (Redis)": ("svc:memorystore", "svc:redis"),
    "GKE clusters": ("svc:gke",),
    "Cloud Run": ("svc:run", "svc:cloudrun"),
    "Cloud Functions": ("svc:functions",),
    "Cloud Storage buckets": ("svc:storage", "svc:gcs"),
    "Filestore": ("svc:filestore",),
    "BigQuery": ("svc:bigquery",),
    "Dataproc": ("svc:dataproc",),
    "Dataflow": ("svc:dataflow",),
    "Vertex AI endpoints": ("svc:vertex", "svc:vertex_ai", "svc:aiplatform"),
    "Vertex AI Workbench notebooks": ("svc:workbench", "svc:notebooks"),
}

SPECS = load_checks("gcp")


def by_id(spec: CheckSpec) -> str:
    return spec.id


def _section(lines: list[str], start: str, stop: str) -> list[str]:
    begin = next(i for i, line in enumerate(lines) if line.startswith(start))
    end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith(stop)), len(lines))
    return lines[begin:end]


def detectors(lines: list[str]) -> set[str]:
    """The resource_type of every numbered detector row of section 1.3: the backticked name that opens
    the row's second column (``| 11 | `persistent_disk_unattached` (scan_unattached_disks) | ...``)."""
    found: set[str] = set()
    for line in _section(lines, "## 1.3 GCP", "## 1.4"):
        match = re.match(r"^\|\s*\d+\s*\|\s*`([a-z0-9_]+)`", line)
        if match:
            found.add(match.group(1))
    return found


def _peer_ids() -> set[str]:
    lines = PEERS.read_text(encoding="utf-8").splitlines()
    found: set[str] = set()
    for line in _section(lines, "## 3. GCP", "## 4."):
        if line.startswith("| `"):
            found |= set(re.findall(r"`(gcp\.[a-z0-9_.]+)`", line.split("|")[1]))
    return found


def family_of(spec: CheckSpec) -> str | None:
    """The inventory family a check belongs to, from its resource type or its id's service part."""
    service = spec.id.split(".")[1]
    for family, marks in FAMILIES.items():
        for mark in marks:
            kind, value = mark.split(":", 1)
            if (kind == "rt" and spec.resource_type == value) or (kind == "svc" and service == value):
                return family
    return None


def test_detector_matcher_reads_the_first_column_of_section_1_3_rows_only():
    text = [
        "## 1.2 Azure",
        "| 1 | `managed_disk_unattached` (scan_x) | rule | api | d | high |",
        "## 1.3 GCP — 207 detectors",
        "#### GCP — Persistent Disks",
        "| # | resource_type (method) | Rule | Metrics / API | Code defaults | Confidence |",
        "|---|---|---|---|---|---|",
        "| 11 | `persistent_disk_unattached` (scan_unattached_disks) | unattached >7 days | disks | x | y |",
        "| 12 | `persistent_disk_attached_stopped` (scan_y) | uses `compute_client` | a | b | c |",
        "## 1.4 Microsoft 365",
        "| 1 | `m365_license_unassigned` (scan_z) | r | a | d | c |",
    ]
    found = detectors(text)
    assert found == {"persistent_disk_unattached", "persistent_disk_attached_stopped"}
    assert "compute_client" not in found and "managed_disk_unattached" not in found


def test_the_inventory_has_the_207_gcp_detectors():
    if not INVENTORY.exists():
        pytest.skip(f"{INVENTORY} not present")
    found = detectors(INVENTORY.read_text(encoding="utf-8").splitlines())
    assert len(found) == 207
    assert {"compute_instance_stopped", "persistent_disk_unattached", "gcp_static_ip_unattached"} <= found


def test_at_least_60_gcp_checks_and_2_per_family():
    per_family: dict[str, list[str]] = {family: [] for family in FAMILIES}
    for spec in SPECS:
        family = family_of(spec)
        if family:
            per_family[family].append(spec.id)
    short = {family: ids for family, ids in per_family.items() if len(ids) < 2}
    assert not short, f"families with fewer than 2 checks: {short}"
    assert len(SPECS) >= 60, f"only {len(SPECS)} gcp checks"


def test_the_compute_family_checks_of_issue_5_are_registered():
    wanted = {
        "gcp.compute.unattached_disk",
        "gcp.compute.disk_on_stopped_instance",
        "gcp.compute.idle_disk",
        "gcp.compute.old_snapshot",
        "gcp.compute.orphan_snapshot",
        "gcp.compute.stopped_instance",
        "gcp.compute.idle_vm",
        "gcp.compute.unused_address",
        "gcp.compute.unused_global_address",
        "gcp.compute.unused_image",
        "gcp.compute.unattached_router",
        "gcp.compute.forwarding_rule_no_backends",
        "gcp.compute.backend_service_no_backends",
        "gcp.compute.idle_nat",
        "gcp.compute.unused_instance_template",
        "gcp.compute.unused_machine_image",
        "gcp.recommender.idle_vm",
        "gcp.recommender.idle_disk",
        "gcp.recommender.idle_address",
        "gcp.recommender.idle_image",
    }
    assert wanted <= {s.id for s in SPECS}


def test_ids_are_unique_and_lookups_work():
    ids = [s.id for s in SPECS]
    assert len(ids) == len(set(ids))
    for check_id in ids:
        assert get_check(check_id).id == check_id


@pytest.mark.parametrize("spec", SPECS, ids=by_id)
class TestEveryGcpCheck:
    def test_id_is_provider_service_name(self, spec):
        assert CHECK_ID_RE.match(spec.id)
        assert spec.provider == "gcp"

    def test_title_is_short_and_not_an_instruction(self, spec):
        assert 0 < len(spec.title) < 150
        assert not spec.title.startswith("Ensure")
        assert not spec.title.endswith(".")

    def test_rationale_and_recommendation_are_written(self, spec):
        assert len(spec.rationale) > 80
        assert spec.recommendation.strip()
        assert (
            re.search(r"\b(gcloud|gsutil|bq|kubectl)\b", spec.recommendation) or "<id>" in spec.recommendation
        )

    def test_resource_type_and_class(self, spec):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.resource_type)
        assert spec.klass in CLASSES

    def test_needs_only_contract_collections(self, spec):
        assert spec.needs
        assert set(spec.needs) <= set(COLLECTIONS), set(spec.needs) - set(COLLECTIONS)

    def test_every_param_has_a_default_and_a_description(self, spec):
        for name, field in spec.params.model_fields.items():
            assert field.default is not PydanticUndefined or field.default_factory is not None, name
            assert field.description and field.description.strip(), name
        spec.params()

    def test_metric_queries_read_a_needed_collection(self, spec):
        if spec.metrics is None:
            return
        queries = spec.metrics(spec.params())
        assert queries
        for query in queries:
            assert query.collection in spec.needs, query
            assert query.id_field and query.dimension
            assert MONITORED_RESOURCE.match(query.namespace), query.namespace
            assert "/" in query.metric and "." in query.metric.split("/")[0], query.metric
            assert query.stat in STATS or query.stat.startswith("ALIGN_"), query.stat
            assert query.period_s in PERIODS

    def test_covers_something(self, spec):
        assert spec.covers_original or spec.covers_peers or spec.id in BEYOND_CATALOGS
        for code in spec.covers_original:
            assert ORIGINAL_CODE.match(code), code
        for peer in spec.covers_peers:
            assert CHECK_ID_RE.match(peer) and peer.startswith("gcp."), peer

    def test_covered_original_detectors_exist_in_section_1_3(self, spec):
        if not INVENTORY.exists():
            pytest.skip(f"{INVENTORY} not present")
        known = detectors(INVENTORY.read_text(encoding="utf-8").splitlines())
        for code in spec.covers_original:
            assert code.removeprefix("gcp:") in known, f"{code} is not a detector of inventory section 1.3"

    def test_covered_peer_checks_exist_in_section_3(self, spec):
        if not PEERS.exists():
            pytest.skip(f"{PEERS} not present")
        known = _peer_ids()
        for peer in spec.covers_peers:
            assert peer in known, f"{peer} is not an id of {PEERS.name} section 3"
