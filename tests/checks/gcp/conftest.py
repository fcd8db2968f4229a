"""Builders of Google REST-shaped GCP items and a runner for the GCP checks.

Items look like what the Compute Engine v1 REST API returns (and what ``type(item).to_dict(item)`` /
``MessageToDict`` of the google-cloud-compute protos gives back in REST form): camelCase fields, int64
values as **strings** (``"sizeGb": "100"``, ``"id": "7355813454227834291"``), RFC 3339 timestamps with
milliseconds and an offset (``"2026-11-01T03:04:05.123-07:00"``), references as full URLs
(``https://www.googleapis.com/compute/v1/projects/p/zones/z/disks/d``). Aggregated lists are flattened:
each item keeps its ``zone`` or ``region`` URL.

Shared by GC (Compute family), GD and GK: append builders at the end, keep the runner as is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from typing import Any

import pytest

from cloudwaste.checks.context import CheckContext, Hit, MetricKey, MetricSeries
from cloudwaste.checks.registry import get_check
from cloudwaste.engine.plan import SelectedCheck
from cloudwaste.engine.run import make_finding
from cloudwaste.model import Finding
from cloudwaste.pricing.book import PriceBook
from cloudwaste.providers.base import ScopeUnit

NOW = datetime(2026, 11, 30, tzinfo=UTC)
PROJECT = "acme-prod"
PROJECT_NUMBER = "482910375511"
ZONE = "us-central1-a"
REGION = "us-central1"
API = "https://www.googleapis.com/compute/v1"
PACIFIC = timezone(timedelta(hours=-7))
COLLECTIONS = (
    "gcp:instances",
    "gcp:disks",
    "gcp:snapshots",
    "gcp:images",
    "gcp:machine_images",
    "gcp:instance_templates",
    "gcp:instance_group_managers",
    "gcp:addresses",
    "gcp:global_addresses",
    "gcp:forwarding_rules",
    "gcp:backend_services",
    "gcp:target_pools",
    "gcp:url_maps",
    "gcp:target_proxies",
    "gcp:instance_groups",
    "gcp:routers",
    "gcp:vpn_gateways",
    "gcp:vpn_tunnels",
    "gcp:networks",
    "gcp:sql_instances",
    "gcp:spanner_instances",
    "gcp:spanner_databases",
    "gcp:firestore_databases",
    "gcp:bigtable_instances",
    "gcp:bigtable_clusters",
    "gcp:redis_instances",
    "gcp:buckets",
    "gcp:filestore_instances",
    "gcp:bigquery_datasets",
    "gcp:bigquery_tables",
    "gcp:gke_clusters",
    "gcp:run_services",
    "gcp:functions",
    "gcp:dataproc_clusters",
    "gcp:dataflow_jobs",
    "gcp:vertex_endpoints",
    "gcp:workbench_instances",
    "gcp:recommendations",
)


def price_book() -> PriceBook:
    """The bundled GCP book; until GP's ``gcp.json`` shell exists, the ``gcp_*.json`` fragments alone."""
    book = PriceBook.load("gcp")
    if book.prices:
        return book
    data = resources.files("cloudwaste.pricing.data")
    prices: dict[str, dict[str, Any]] = {}
    for fragment in sorted(data.iterdir(), key=lambda f: f.name):
        if fragment.name.startswith("gcp_") and fragment.name.endswith(".json"):
            prices.update(json.loads(fragment.read_text())["prices"])
    return PriceBook("gcp", "USD", "gcp fragments", "2026-12-01", 730.0, prices)


def stamp(when: datetime) -> str:
    """Compute Engine's timestamp form: ``2026-11-01T03:04:05.123-07:00`` (Pacific offset, ms)."""
    local = when.astimezone(PACIFIC)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + "-07:00"


def numeric_id(seed: str) -> str:
    """A stable uint64 resource id as the API returns it (a decimal string)."""
    return str(int(hashlib.sha256(seed.encode()).hexdigest()[:15], 16))


class Gcp:
    """What the GCP check tests build their estates with."""

    now = NOW
    project = PROJECT
    zone = ZONE
    region = REGION

    def ago(self, days: float = 0, **delta: float) -> datetime:
        """``now`` minus ``days`` (and any other timedelta fields)."""
        return NOW - timedelta(days=days, **delta)

    def ts(self, days: float, **delta: float) -> str:
        """The Compute timestamp ``days`` before ``now``."""
        return stamp(self.ago(days, **delta))

    def zonal(self, kind: str, name: str, zone: str = ZONE) -> str:
        """``https://www.googleapis.com/compute/v1/projects/<p>/zones/<z>/<kind>/<name>``."""
        return f"{API}/projects/{PROJECT}/zones/{zone}/{kind}/{name}"

    def regional(self, kind: str, name: str, region: str = REGION) -> str:
        """``.../projects/<p>/regions/<r>/<kind>/<name>``."""
        return f"{API}/projects/{PROJECT}/regions/{region}/{kind}/{name}"

    def glob(self, kind: str, name: str) -> str:
        """``.../projects/<p>/global/<kind>/<name>``."""
        return f"{API}/projects/{PROJECT}/global/{kind}/{name}"

    def zone_url(self, zone: str = ZONE) -> str:
        return f"{API}/projects/{PROJECT}/zones/{zone}"

    def region_url(self, region: str = REGION) -> str:
        return f"{API}/projects/{PROJECT}/regions/{region}"

    # --- running checks ---------------------------------------------------------------------------

    def run(
        self,
        check_id: str,
        *,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[MetricKey, MetricSeries] | None = None,
        prices: PriceBook | None = None,
        **collections: Iterable[Mapping[str, Any]],
    ) -> list[Hit]:
        """Run one registered check over the given collections (``disks=[...]`` is ``gcp:disks``)."""
        spec = get_check(check_id)
        data: dict[str, list[Mapping[str, Any]]] = {name: [] for name in COLLECTIONS}
        for key, items in collections.items():
            name = f"gcp:{key}"
            assert name in data, f"unknown collection {name}"
            data[name] = list(items)
        ctx = CheckContext.static(
            data,
            now=NOW,
            metrics=metrics,
            provider="gcp",
            account=PROJECT,
            region="global",
            prices=prices or price_book(),
        )
        return list(spec.run(ctx, spec.params(**(params or {}))))

    def findings(self, check_id: str, hits: Iterable[Hit]) -> list[Finding]:
        """The engine's findings for ``hits`` (what the report totals)."""
        spec = get_check(check_id)
        selected = SelectedCheck(spec=spec, params=spec.params())
        unit = ScopeUnit(provider="gcp", scope=PROJECT, region="global")
        return [make_finding(selected, unit, hit) for hit in hits]

    def metrics(
        self,
        check_id: str,
        item: Mapping[str, Any],
        values: Mapping[str, Iterable[float] | Mapping[str, Iterable[float]] | None],
        *,
        params: Mapping[str, Any] | None = None,
        into: dict[MetricKey, MetricSeries] | None = None,
    ) -> dict[MetricKey, MetricSeries]:
        """Series keyed as the check's declared queries key them, for one resource.

        ``values`` maps a metric type (``compute.googleapis.com/instance/cpu/utilization``) to its
        datapoints (oldest first; used for every stat of that metric) or to ``{stat: datapoints}``;
        a metric left out or None has no series (no datapoints: unknown). The series key is the
        item's ``id_field`` value of each query. ``into`` accumulates several resources.
        """
        spec = get_check(check_id)
        assert spec.metrics is not None
        out: dict[MetricKey, MetricSeries] = into if into is not None else {}
        for query in spec.metrics(spec.params(**(params or {}))):
            given = values.get(query.metric)
            if isinstance(given, Mapping):
                given = given.get(query.stat)
            if given is None:
                continue
            points = [float(v) for v in given]
            step = timedelta(seconds=query.period_s)
            stamps = tuple(NOW - step * (len(points) - n) for n in range(len(points)))
            out[query.key(str(item[query.id_field]))] = MetricSeries(
                timestamps=stamps,
                values=tuple(points),
                stat=query.stat,
                period_s=query.period_s,
                days=query.days,
            )
        return out

    # --- Compute Engine: instances, disks, snapshots, images --------------------------------------

    def instance(
        self,
        name: str,
        *,
        zone: str = ZONE,
        status: str = "RUNNING",
        machine_type: str = "e2-standard-4",
        created: float = 400,
        started: float | None = 300,
        stopped: float | None = None,
        disks: Iterable[Mapping[str, Any] | str] = (),
        nat_ip: str | None = None,
        spot: bool = False,
        preemptible: bool = False,
        labels: Mapping[str, str] | None = None,
        accelerators: Iterable[Mapping[str, Any]] = (),
        **extra: Any,
    ) -> dict[str, Any]:
        """An instance as instances.aggregatedList returns it; ``disks`` are disk items or disk names
        (the first is the boot disk), ``nat_ip`` an ephemeral-or-static external IP."""
        attached = []
        for n, disk in enumerate(disks):
            if isinstance(disk, Mapping):
                source, dname = str(disk["selfLink"]), str(disk["name"])
            else:
                source, dname = self.zonal("disks", disk, zone), disk
            attached.append(
                {
                    "kind": "compute#attachedDisk",
                    "type": "PERSISTENT",
                    "mode": "READ_WRITE",
                    "source": source,
                    "deviceName": "persistent-disk-0" if n == 0 else dname,
                    "index": n,
                    "boot": n == 0,
                    "autoDelete": n == 0,
                    "interface": "SCSI",
                    "diskSizeGb": "10",
                }
            )
        nic: dict[str, Any] = {
            "kind": "compute#networkInterface",
            "network": self.glob("networks", "default"),
            "subnetwork": self.regional("subnetworks", "default", zone.rsplit("-", 1)[0]),
            "networkIP": "10.128.0.12",
            "name": "nic0",
            "stackType": "IPV4_ONLY",
        }
        if nat_ip:
            nic["accessConfigs"] = [
                {
                    "kind": "compute#accessConfig",
                    "type": "ONE_TO_ONE_NAT",
                    "name": "External NAT",
                    "natIP": nat_ip,
                    "networkTier": "PREMIUM",
                }
            ]
        scheduling: dict[str, Any] = {
            "onHostMaintenance": "TERMINATE" if spot or preemptible else "MIGRATE",
            "automaticRestart": not (spot or preemptible),
            "preemptible": preemptible,
            "provisioningModel": "SPOT" if spot else "STANDARD",
        }
        item: dict[str, Any] = {
            "kind": "compute#instance",
            "id": numeric_id(f"instance/{zone}/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "machineType": self.zonal("machineTypes", machine_type, zone),
            "status": status,
            "zone": self.zone_url(zone),
            "canIpForward": False,
            "networkInterfaces": [nic],
            "disks": attached,
            "scheduling": scheduling,
            "selfLink": self.zonal("instances", name, zone),
            "labels": dict(labels or {}),
            "cpuPlatform": "Intel Broadwell",
            "deletionProtection": False,
            "fingerprint": "c2Rq3y7k9AE=",
        }
        if started is not None:
            item["lastStartTimestamp"] = self.ts(started)
        if stopped is not None:
            item["lastStopTimestamp"] = self.ts(stopped)
        if accelerators:
            item["guestAccelerators"] = list(accelerators)
        item.update(extra)
        return item

    def disk(
        self,
        name: str,
        *,
        zone: str | None = ZONE,
        region: str | None = None,
        size_gb: int = 100,
        dtype: str = "pd-balanced",
        users: Iterable[Mapping[str, Any] | str] = (),
        created: float = 200,
        attached: float | None = None,
        detached: float | None = None,
        status: str = "READY",
        labels: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A disk as disks.aggregatedList returns it (zonal, or regional with ``region=``); ``users``
        are instance items or instance names (URLs of instances in the disk's zone)."""
        where = zone or ZONE
        item: dict[str, Any] = {
            "kind": "compute#disk",
            "id": numeric_id(f"disk/{region or where}/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "sizeGb": str(size_gb),
            "status": status,
            "physicalBlockSizeBytes": "4096",
            "labelFingerprint": "42WmSpB8rSM=",
            "labels": dict(labels or {}),
        }
        if region:
            item["region"] = self.region_url(region)
            item["replicaZones"] = [self.zone_url(f"{region}-a"), self.zone_url(f"{region}-b")]
            item["type"] = self.regional("diskTypes", dtype, region)
            item["selfLink"] = self.regional("disks", name, region)
        else:
            item["zone"] = self.zone_url(where)
            item["type"] = self.zonal("diskTypes", dtype, where)
            item["selfLink"] = self.zonal("disks", name, where)
        user_urls = [
            str(u["selfLink"]) if isinstance(u, Mapping) else self.zonal("instances", u, where) for u in users
        ]
        if user_urls:
            item["users"] = user_urls
        if attached is not None:
            item["lastAttachTimestamp"] = self.ts(attached)
        if detached is not None:
            item["lastDetachTimestamp"] = self.ts(detached)
        item.update(extra)
        return item

    def snapshot(
        self,
        name: str,
        *,
        disk: Mapping[str, Any] | str | None = None,
        disk_id: str | None = None,
        created: float = 100,
        disk_size_gb: int = 100,
        storage_bytes: int = 20 * 1024**3,
        snapshot_type: str = "STANDARD",
        auto: bool = False,
        status: str = "READY",
        labels: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A snapshot as snapshots.list returns it; ``disk`` is the source disk item or its name."""
        item: dict[str, Any] = {
            "kind": "compute#snapshot",
            "id": numeric_id(f"snapshot/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "status": status,
            "diskSizeGb": str(disk_size_gb),
            "storageBytes": str(storage_bytes),
            "storageBytesStatus": "UP_TO_DATE",
            "storageLocations": ["us"],
            "snapshotType": snapshot_type,
            "autoCreated": auto,
            "selfLink": self.glob("snapshots", name),
            "labels": dict(labels or {}),
            "architecture": "X86_64",
        }
        if isinstance(disk, Mapping):
            item["sourceDisk"] = str(disk["selfLink"])
            item["sourceDiskId"] = disk_id or str(disk["id"])
        elif disk:
            item["sourceDisk"] = self.zonal("disks", disk)
            item["sourceDiskId"] = disk_id or numeric_id(f"disk/{ZONE}/{disk}")
        if auto:
            item["sourceSnapshotSchedulePolicy"] = self.regional("resourcePolicies", "daily-backup")
            item["sourceSnapshotSchedulePolicyId"] = numeric_id("policy/daily-backup")
        item.update(extra)
        return item

    def image(
        self,
        name: str,
        *,
        created: float = 200,
        disk_size_gb: int = 20,
        archive_bytes: int = 3 * 1024**3,
        family: str | None = None,
        deprecated: str | None = None,
        status: str = "READY",
        labels: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A custom image as images.list of the own project returns it."""
        item: dict[str, Any] = {
            "kind": "compute#image",
            "id": numeric_id(f"image/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "sourceType": "RAW",
            "status": status,
            "archiveSizeBytes": str(archive_bytes),
            "diskSizeGb": str(disk_size_gb),
            "sourceDisk": self.zonal("disks", f"{name}-src"),
            "sourceDiskId": numeric_id(f"disk/{ZONE}/{name}-src"),
            "selfLink": self.glob("images", name),
            "labels": dict(labels or {}),
            "storageLocations": ["us"],
            "architecture": "X86_64",
        }
        if family:
            item["family"] = family
        if deprecated:
            item["deprecated"] = {"state": deprecated}
        item.update(extra)
        return item

    def machine_image(
        self,
        name: str,
        *,
        created: float = 200,
        total_bytes: int = 40 * 1024**3,
        source_instance: str | None = "web-1",
        status: str = "READY",
        **extra: Any,
    ) -> dict[str, Any]:
        """A machine image as machineImages.list returns it."""
        item: dict[str, Any] = {
            "kind": "compute#machineImage",
            "id": numeric_id(f"machineImage/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "status": status,
            "totalStorageBytes": str(total_bytes),
            "storageLocations": ["us"],
            "selfLink": self.glob("machineImages", name),
        }
        if source_instance:
            item["sourceInstance"] = self.zonal("instances", source_instance)
        item.update(extra)
        return item

    def template(
        self,
        name: str,
        *,
        created: float = 200,
        machine_type: str = "e2-medium",
        source_image: str | None = None,
        region: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An instance template (global, or regional with ``region=``); ``source_image`` is an image
        URL or a name of an own-project image."""
        disk: dict[str, Any] = {
            "kind": "compute#attachedDisk",
            "type": "PERSISTENT",
            "mode": "READ_WRITE",
            "deviceName": "persistent-disk-0",
            "boot": True,
            "autoDelete": True,
            "initializeParams": {"diskSizeGb": "20", "diskType": "pd-balanced"},
        }
        if source_image:
            image = source_image if "/" in source_image else self.glob("images", source_image)
            disk["initializeParams"]["sourceImage"] = image
        item: dict[str, Any] = {
            "kind": "compute#instanceTemplate",
            "id": numeric_id(f"template/{region}/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "properties": {
                "machineType": machine_type,
                "disks": [disk],
                "networkInterfaces": [{"network": self.glob("networks", "default")}],
                "scheduling": {"provisioningModel": "STANDARD"},
            },
            "selfLink": self.regional("instanceTemplates", name, region)
            if region
            else self.glob("instanceTemplates", name),
        }
        if region:
            item["region"] = self.region_url(region)
        item.update(extra)
        return item

    def igm(
        self,
        name: str,
        *,
        template: Mapping[str, Any] | str | None = None,
        versions: Iterable[Mapping[str, Any] | str] = (),
        target_size: int = 2,
        zone: str | None = ZONE,
        region: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An instance group manager; templates are items or global template names."""

        def ref(t: Mapping[str, Any] | str) -> str:
            return str(t["selfLink"]) if isinstance(t, Mapping) else self.glob("instanceTemplates", t)

        item: dict[str, Any] = {
            "kind": "compute#instanceGroupManager",
            "id": numeric_id(f"igm/{region or zone}/{name}"),
            "creationTimestamp": self.ts(100),
            "name": name,
            "targetSize": target_size,
            "baseInstanceName": name,
        }
        if template is not None:
            item["instanceTemplate"] = ref(template)
        item["versions"] = [{"instanceTemplate": ref(v)} for v in versions] or (
            [{"instanceTemplate": ref(template)}] if template is not None else []
        )
        if region:
            item["region"] = self.region_url(region)
            item["selfLink"] = self.regional("instanceGroupManagers", name, region)
            item["instanceGroup"] = self.regional("instanceGroups", name, region)
        else:
            item["zone"] = self.zone_url(zone or ZONE)
            item["selfLink"] = self.zonal("instanceGroupManagers", name, zone or ZONE)
            item["instanceGroup"] = self.zonal("instanceGroups", name, zone or ZONE)
        item.update(extra)
        return item

    # --- Compute Engine: addresses and load balancing ---------------------------------------------

    def address(
        self,
        name: str,
        ip: str,
        *,
        region: str = REGION,
        status: str = "RESERVED",
        address_type: str = "EXTERNAL",
        purpose: str | None = None,
        users: Iterable[str] = (),
        created: float = 60,
        tier: str = "PREMIUM",
        labels: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A regional address as addresses.aggregatedList returns it."""
        item: dict[str, Any] = {
            "kind": "compute#address",
            "id": numeric_id(f"address/{region}/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "address": ip,
            "status": status,
            "region": self.region_url(region),
            "selfLink": self.regional("addresses", name, region),
            "addressType": address_type,
            "labelFingerprint": "42WmSpB8rSM=",
            "labels": dict(labels or {}),
        }
        if address_type == "EXTERNAL":
            item["networkTier"] = tier
        if purpose:
            item["purpose"] = purpose
        if users:
            item["users"] = list(users)
        item.update(extra)
        return item

    def global_address(
        self,
        name: str,
        ip: str,
        *,
        status: str = "RESERVED",
        address_type: str = "EXTERNAL",
        purpose: str | None = None,
        users: Iterable[str] = (),
        created: float = 60,
        prefix_length: int | None = None,
        network: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A global address as globalAddresses.list returns it (no ``region``)."""
        item: dict[str, Any] = {
            "kind": "compute#address",
            "id": numeric_id(f"globalAddress/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "address": ip,
            "status": status,
            "selfLink": self.glob("addresses", name),
            "addressType": address_type,
            "ipVersion": "IPV4",
        }
        if address_type == "EXTERNAL":
            item["networkTier"] = "PREMIUM"
        if purpose:
            item["purpose"] = purpose
        if prefix_length is not None:
            item["prefixLength"] = prefix_length
        if network:
            item["network"] = network
        if users:
            item["users"] = list(users)
        item.update(extra)
        return item

    def forwarding_rule(
        self,
        name: str,
        ip: str,
        *,
        region: str | None = REGION,
        target: str | None = None,
        backend_service: str | None = None,
        scheme: str = "EXTERNAL",
        port_range: str | None = "80-80",
        created: float = 60,
        **extra: Any,
    ) -> dict[str, Any]:
        """A forwarding rule (regional; global with ``region=None``)."""
        item: dict[str, Any] = {
            "kind": "compute#forwardingRule",
            "id": numeric_id(f"forwardingRule/{region}/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "IPAddress": ip,
            "IPProtocol": "TCP",
            "loadBalancingScheme": scheme,
            "networkTier": "PREMIUM",
            "selfLink": self.regional("forwardingRules", name, region)
            if region
            else self.glob("forwardingRules", name),
        }
        if port_range:
            item["portRange"] = port_range
        if region:
            item["region"] = self.region_url(region)
        if target:
            item["target"] = target
        if backend_service:
            item["backendService"] = backend_service
        item.update(extra)
        return item

    def backend_service(
        self,
        name: str,
        *,
        groups: Iterable[str] = (),
        region: str | None = None,
        scheme: str = "EXTERNAL_MANAGED",
        created: float = 60,
        **extra: Any,
    ) -> dict[str, Any]:
        """A backend service (global; regional with ``region=``); ``groups``: instance group/NEG URLs."""
        item: dict[str, Any] = {
            "kind": "compute#backendService",
            "id": numeric_id(f"backendService/{region}/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "protocol": "HTTP",
            "loadBalancingScheme": scheme,
            "healthChecks": [self.glob("healthChecks", "hc-http")],
            "selfLink": self.regional("backendServices", name, region)
            if region
            else self.glob("backendServices", name),
        }
        if groups:
            item["backends"] = [
                {"group": g, "balancingMode": "UTILIZATION", "capacityScaler": 1} for g in groups
            ]
        if region:
            item["region"] = self.region_url(region)
        item.update(extra)
        return item

    def target_pool(
        self, name: str, *, instances: Iterable[str] = (), region: str = REGION, **extra: Any
    ) -> dict[str, Any]:
        """A target pool (network load balancer backend) with instance URLs."""
        item: dict[str, Any] = {
            "kind": "compute#targetPool",
            "id": numeric_id(f"targetPool/{region}/{name}"),
            "creationTimestamp": self.ts(60),
            "name": name,
            "region": self.region_url(region),
            "selfLink": self.regional("targetPools", name, region),
            "sessionAffinity": "NONE",
        }
        if instances:
            item["instances"] = list(instances)
        item.update(extra)
        return item

    def url_map(
        self,
        name: str,
        *,
        default_service: str | None = None,
        path_services: Iterable[str] = (),
        **extra: Any,
    ) -> dict[str, Any]:
        """A global URL map with a default service and path matchers."""
        item: dict[str, Any] = {
            "kind": "compute#urlMap",
            "id": numeric_id(f"urlMap/{name}"),
            "creationTimestamp": self.ts(60),
            "name": name,
            "selfLink": self.glob("urlMaps", name),
        }
        if default_service:
            item["defaultService"] = default_service
        services = list(path_services)
        if services:
            item["pathMatchers"] = [
                {
                    "name": "paths",
                    "defaultService": services[0],
                    "pathRules": [{"paths": [f"/p{n}/*"], "service": s} for n, s in enumerate(services)],
                }
            ]
        item.update(extra)
        return item

    def target_proxy(
        self,
        name: str,
        *,
        kind: str = "targetHttpProxies",
        url_map: str | None = None,
        service: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A global target proxy: HTTP(S) ones point at a URL map, TCP/SSL ones at a backend service."""
        item: dict[str, Any] = {
            "kind": f"compute#{kind[:-3]}y" if kind.endswith("ies") else f"compute#{kind}",
            "id": numeric_id(f"{kind}/{name}"),
            "creationTimestamp": self.ts(60),
            "name": name,
            "selfLink": self.glob(kind, name),
        }
        if url_map:
            item["urlMap"] = url_map
        if service:
            item["service"] = service
        item.update(extra)
        return item

    def instance_group(
        self, name: str, *, size: int = 2, zone: str | None = ZONE, region: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """An instance group (zonal, or regional with ``region=``)."""
        item: dict[str, Any] = {
            "kind": "compute#instanceGroup",
            "id": numeric_id(f"instanceGroup/{region or zone}/{name}"),
            "creationTimestamp": self.ts(60),
            "name": name,
            "size": size,
            "network": self.glob("networks", "default"),
        }
        if region:
            item["region"] = self.region_url(region)
            item["selfLink"] = self.regional("instanceGroups", name, region)
        else:
            item["zone"] = self.zone_url(zone or ZONE)
            item["selfLink"] = self.zonal("instanceGroups", name, zone or ZONE)
        item.update(extra)
        return item

    def neg(self, name: str, zone: str = ZONE) -> str:
        """A zonal network endpoint group URL."""
        return self.zonal("networkEndpointGroups", name, zone)

    # --- Compute Engine: routers, NAT, VPN, networks ----------------------------------------------

    def router(
        self,
        name: str,
        *,
        region: str = REGION,
        nats: Iterable[Mapping[str, Any]] = (),
        interfaces: Iterable[Mapping[str, Any]] = (),
        bgp_peers: Iterable[Mapping[str, Any]] = (),
        created: float = 90,
        **extra: Any,
    ) -> dict[str, Any]:
        """A Cloud Router as routers.aggregatedList returns it."""
        item: dict[str, Any] = {
            "kind": "compute#router",
            "id": numeric_id(f"router/{region}/{name}"),
            "creationTimestamp": self.ts(created),
            "name": name,
            "region": self.region_url(region),
            "network": self.glob("networks", "default"),
            "selfLink": self.regional("routers", name, region),
            "bgp": {"asn": 64514, "advertiseMode": "DEFAULT", "keepaliveInterval": 20},
        }
        if nats:
            item["nats"] = list(nats)
        if interfaces:
            item["interfaces"] = list(interfaces)
        if bgp_peers:
            item["bgpPeers"] = list(bgp_peers)
        item.update(extra)
        return item

    def nat(
        self,
        name: str,
        *,
        ranges: str = "ALL_SUBNETWORKS_ALL_IP_RANGES",
        nat_ips: Iterable[str] = (),
        subnetworks: Iterable[str] = (),
        **extra: Any,
    ) -> dict[str, Any]:
        """A Cloud NAT gateway as a router's ``nats[]`` entry; ``nat_ips`` are address URLs (MANUAL_ONLY)."""
        item: dict[str, Any] = {
            "name": name,
            "sourceSubnetworkIpRangesToNat": ranges,
            "natIpAllocateOption": "MANUAL_ONLY" if nat_ips else "AUTO_ONLY",
            "enableEndpointIndependentMapping": False,
            "endpointTypes": ["ENDPOINT_TYPE_VM"],
            "logConfig": {"enable": False, "filter": "ALL"},
        }
        ips = list(nat_ips)
        if ips:
            item["natIps"] = ips
        subnets = list(subnetworks)
        if subnets:
            item["subnetworks"] = [{"name": s, "sourceIpRangesToNat": ["ALL_IP_RANGES"]} for s in subnets]
        item.update(extra)
        return item

    def ha_vpn_gateway(
        self, name: str, ips: Iterable[str] = ("35.242.1.10", "35.220.2.10"), *, region: str = REGION
    ) -> dict[str, Any]:
        """An HA VPN gateway (vpnGateways.aggregatedList): Google-owned interface IPs."""
        return {
            "kind": "compute#vpnGateway",
            "id": numeric_id(f"vpnGateway/{region}/{name}"),
            "creationTimestamp": self.ts(60),
            "name": name,
            "region": self.region_url(region),
            "network": self.glob("networks", "default"),
            "selfLink": self.regional("vpnGateways", name, region),
            "vpnInterfaces": [{"id": n, "ipAddress": ip} for n, ip in enumerate(ips)],
            "stackType": "IPV4_ONLY",
        }

    def classic_vpn_gateway(
        self,
        name: str,
        *,
        forwarding_rules: Iterable[str] = (),
        tunnels: Iterable[str] = (),
        region: str = REGION,
    ) -> dict[str, Any]:
        """A Classic VPN target gateway (targetVpnGateways.aggregatedList): forwarding rule URLs."""
        item: dict[str, Any] = {
            "kind": "compute#targetVpnGateway",
            "id": numeric_id(f"targetVpnGateway/{region}/{name}"),
            "creationTimestamp": self.ts(60),
            "name": name,
            "region": self.region_url(region),
            "network": self.glob("networks", "default"),
            "selfLink": self.regional("targetVpnGateways", name, region),
            "status": "READY",
        }
        if forwarding_rules:
            item["forwardingRules"] = list(forwarding_rules)
        if tunnels:
            item["tunnels"] = list(tunnels)
        return item

    def network(self, name: str = "default", *, peerings: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
        """A VPC network as networks.list returns it."""
        item: dict[str, Any] = {
            "kind": "compute#network",
            "id": numeric_id(f"network/{name}"),
            "creationTimestamp": self.ts(900),
            "name": name,
            "selfLink": self.glob("networks", name),
            "autoCreateSubnetworks": True,
            "routingConfig": {"routingMode": "REGIONAL"},
        }
        if peerings:
            item["peerings"] = list(peerings)
        return item

    # --- Recommender ------------------------------------------------------------------------------

    def recommendation(
        self,
        recommender: str,
        resource_url: str,
        *,
        subtype: str,
        location: str = ZONE,
        monthly: float | None = 25.5,
        duration: str = "2592000s",
        state: str = "ACTIVE",
        action: str = "stop",
        refreshed: float = 1,
        description: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A Recommender API recommendation as JSON (plus ``_recommender``); ``resource_url`` is the
        Compute URL of the resource, written ``//compute.googleapis.com/projects/...`` like the API.
        ``monthly`` is the saving: the projection carries it as a negative cost over ``duration``."""
        path = resource_url.split("/compute/v1/", 1)[-1]
        rid = numeric_id(f"rec/{recommender}/{path}")
        item: dict[str, Any] = {
            "name": f"projects/{PROJECT_NUMBER}/locations/{location}/recommenders/{recommender}"
            f"/recommendations/{rid}",
            "description": description or f"Save cost by acting on idle resource {path.rsplit('/', 1)[-1]}.",
            "lastRefreshTime": self.ago(refreshed).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "primaryImpact": {"category": "COST"},
            "content": {
                "operationGroups": [
                    {
                        "operations": [
                            {
                                "action": action,
                                "resourceType": "compute.googleapis.com/"
                                + {"instances": "Instance", "disks": "Disk", "addresses": "Address"}.get(
                                    path.split("/")[-2], "Image"
                                ),
                                "resource": f"//compute.googleapis.com/{path}",
                                "path": "/",
                            }
                        ]
                    }
                ]
            },
            "stateInfo": {"state": state},
            "etag": '"4f1d2a7b9c0e3d5f"',
            "recommenderSubtype": subtype,
            "priority": "P4",
            "_recommender": recommender,
        }
        if monthly is not None:
            seconds = float(duration.rstrip("s"))
            total = -monthly * seconds / (30 * 86400)
            units = int(total)
            nanos = int(round((total - units) * 1e9))
            cost: dict[str, Any] = {"currencyCode": "USD", "units": str(units)}
            if nanos:
                cost["nanos"] = nanos
            item["primaryImpact"]["costProjection"] = {"cost": cost, "duration": duration}
        item.update(extra)
        return item


@pytest.fixture
def gcp() -> Gcp:
    """The GCP estate builder and check runner."""
    return Gcp()


@pytest.fixture
def hit_ok() -> Any:
    """Checks the parts every GCP hit must have: a reason sentence, a resource id and a region."""

    def check(hit: Hit) -> Hit:
        assert hit.reason and hit.reason[0].isupper(), hit.reason
        assert hit.resource.id, hit
        assert hit.region, f"hit without a region: {hit.resource.id}"
        return hit

    return check


# --- appended by GD / GK below this line -------------------------------------------------------------


# --- GD: Cloud Asset Inventory items of the data services (Cloud SQL ... Filestore) ----------------
# Each item is the asset's ``resource.data`` (the service's REST form) plus what the provider adds:
# ``_asset_type``, ``_location``, ``_update_time``, ``_asset_name`` and, for the Monitoring join,
# ``_metric_id`` (the resource label the service's metrics carry; see each builder).

GIB = 1024**3


def zulu(days: float, **delta: float) -> str:
    """An RFC 3339 UTC timestamp ``days`` before ``NOW``, as Google's newer APIs write them."""
    when = NOW - timedelta(days=days, **delta)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}Z"


def epoch_ms(days: float) -> str:
    """Milliseconds since the epoch as a string (BigQuery's ``creationTime`` / ``lastModifiedTime``)."""
    return str(int((NOW - timedelta(days=days)).timestamp() * 1000))


def _asset(item: dict[str, Any], asset_type: str, name: str, location: str, updated: float | None) -> None:
    item["_asset_type"] = asset_type
    item["_location"] = location
    item["_update_time"] = zulu(updated) if updated is not None else ""
    item["_asset_name"] = f"//{asset_type.split('/')[0]}/{name}"


def sql_instance(
    name: str,
    *,
    tier: str = "db-custom-4-16384",
    region: str = REGION,
    state: str = "RUNNABLE",
    activation: str = "ALWAYS",
    availability: str = "ZONAL",
    disk_gb: int = 100,
    disk_type: str = "PD_SSD",
    version: str = "POSTGRES_15",
    edition: str | None = "ENTERPRISE",
    created: float = 200,
    updated: float | None = 60,
    labels: Mapping[str, str] | None = None,
    instance_type: str = "CLOUD_SQL_INSTANCE",
    public_ip: bool = True,
    replicas: Iterable[str] = (),
    master: str | None = None,
    auto_resize: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A ``sqladmin.googleapis.com/Instance`` asset (SQL Admin v1beta4 ``DatabaseInstance``);
    ``_metric_id`` is ``<project>:<instance>``, the ``database_id`` label of ``cloudsql_database``."""
    settings: dict[str, Any] = {
        "kind": "sql#settings",
        "tier": tier,
        "activationPolicy": activation,
        "availabilityType": availability,
        "dataDiskSizeGb": str(disk_gb),
        "dataDiskType": disk_type,
        "storageAutoResize": auto_resize,
        "pricingPlan": "PER_USE",
        "settingsVersion": "12",
        "ipConfiguration": {"ipv4Enabled": public_ip, "requireSsl": False},
        "backupConfiguration": {"enabled": True, "startTime": "03:00", "kind": "sql#backupConfiguration"},
        "userLabels": dict(labels or {}),
    }
    if edition:
        settings["edition"] = edition
    item: dict[str, Any] = {
        "kind": "sql#instance",
        "name": name,
        "project": PROJECT,
        "connectionName": f"{PROJECT}:{region}:{name}",
        "region": region,
        "gceZone": f"{region}-a",
        "databaseVersion": version,
        "backendType": "SECOND_GEN",
        "instanceType": instance_type,
        "state": state,
        "createTime": zulu(created),
        "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{PROJECT}/instances/{name}",
        "settings": settings,
        "ipAddresses": [{"type": "PRIMARY", "ipAddress": "34.70.1.2"}] if public_ip else [],
        "_metric_id": f"{PROJECT}:{name}",
    }
    if replicas:
        item["replicaNames"] = list(replicas)
    if master:
        item["masterInstanceName"] = f"{PROJECT}:{master}"
        item["replicaConfiguration"] = {"kind": "sql#replicaConfiguration", "failoverTarget": False}
    _asset(item, "sqladmin.googleapis.com/Instance", f"projects/{PROJECT}/instances/{name}", region, updated)
    item.update(extra)
    return item


def spanner_instance(
    name: str,
    *,
    config: str = "regional-us-central1",
    nodes: int | None = None,
    processing_units: int | None = 1000,
    edition: str | None = "STANDARD",
    state: str = "READY",
    created: float = 200,
    labels: Mapping[str, str] | None = None,
    autoscaling: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``spanner.googleapis.com/Instance`` asset; ``_metric_id`` is the instance id (the ``instance_id``
    label of ``spanner_instance``). The API reports both ``nodeCount`` and ``processingUnits``."""
    full = f"projects/{PROJECT}/instances/{name}"
    pu = processing_units if processing_units is not None else (nodes or 0) * 1000
    item: dict[str, Any] = {
        "name": full,
        "config": f"projects/{PROJECT}/instanceConfigs/{config}",
        "displayName": name,
        "processingUnits": pu,
        "state": state,
        "labels": dict(labels or {}),
        "createTime": zulu(created),
        "updateTime": zulu(created),
        "_metric_id": name,
    }
    if pu >= 1000 and pu % 1000 == 0:
        item["nodeCount"] = pu // 1000
    if edition:
        item["edition"] = edition
    if autoscaling:
        item["autoscalingConfig"] = dict(autoscaling)
    _asset(item, "spanner.googleapis.com/Instance", full, config.removeprefix("regional-"), 30)
    item.update(extra)
    return item


def spanner_database(
    instance: str, name: str, *, state: str = "READY", created: float = 150
) -> dict[str, Any]:
    """A ``spanner.googleapis.com/Database`` asset."""
    full = f"projects/{PROJECT}/instances/{instance}/databases/{name}"
    item: dict[str, Any] = {
        "name": full,
        "state": state,
        "createTime": zulu(created),
        "versionRetentionPeriod": "1h",
        "databaseDialect": "GOOGLE_STANDARD_SQL",
    }
    _asset(item, "spanner.googleapis.com/Database", full, "us-central1", 30)
    return item


def firestore_database(
    name: str = "(default)",
    *,
    location: str = "nam5",
    db_type: str = "FIRESTORE_NATIVE",
    created: float = 300,
    pitr: bool = False,
    delete_protection: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A ``firestore.googleapis.com/Database`` asset; ``_metric_id`` is the database id (the
    ``database_id`` label of ``firestore.googleapis.com/Database``, ``(default)`` for the default one)."""
    full = f"projects/{PROJECT}/databases/{name}"
    item: dict[str, Any] = {
        "name": full,
        "uid": numeric_id(full),
        "locationId": location,
        "type": db_type,
        "concurrencyMode": "PESSIMISTIC",
        "createTime": zulu(created),
        "updateTime": zulu(created),
        "pointInTimeRecoveryEnablement": "POINT_IN_TIME_RECOVERY_ENABLED"
        if pitr
        else "POINT_IN_TIME_RECOVERY_DISABLED",
        "deleteProtectionState": "DELETE_PROTECTION_ENABLED"
        if delete_protection
        else "DELETE_PROTECTION_DISABLED",
        "appEngineIntegrationMode": "DISABLED",
        "etag": "IOnZyr3l3okDMNaIhMLH8YsD",
        "_metric_id": name,
    }
    if pitr:
        item["versionRetentionPeriod"] = "604800s"
        item["earliestVersionTime"] = zulu(7)
    _asset(item, "firestore.googleapis.com/Database", full, location, 10)
    item.update(extra)
    return item


def bigtable_instance(
    name: str,
    *,
    instance_type: str = "PRODUCTION",
    state: str = "READY",
    labels: Mapping[str, str] | None = None,
    created: float = 300,
) -> dict[str, Any]:
    """A ``bigtableadmin.googleapis.com/Instance`` asset."""
    full = f"projects/{PROJECT}/instances/{name}"
    item: dict[str, Any] = {
        "name": full,
        "displayName": name,
        "state": state,
        "type": instance_type,
        "labels": dict(labels or {}),
        "createTime": zulu(created),
    }
    _asset(item, "bigtableadmin.googleapis.com/Instance", full, "global", 30)
    return item


def bigtable_cluster(
    instance: str,
    name: str,
    *,
    zone: str = ZONE,
    nodes: int = 3,
    storage: str = "SSD",
    state: str = "READY",
    autoscaling: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``bigtableadmin.googleapis.com/Cluster`` asset; ``_metric_id`` is the cluster id (the ``cluster``
    label of ``bigtable_cluster`` and ``bigtable_table``)."""
    full = f"projects/{PROJECT}/instances/{instance}/clusters/{name}"
    item: dict[str, Any] = {
        "name": full,
        "location": f"projects/{PROJECT}/locations/{zone}",
        "state": state,
        "serveNodes": nodes,
        "defaultStorageType": storage,
        "_metric_id": name,
    }
    if autoscaling:
        item["clusterConfig"] = {"clusterAutoscalingConfig": dict(autoscaling)}
    _asset(item, "bigtableadmin.googleapis.com/Cluster", full, zone, 30)
    return item


def redis_instance(
    name: str,
    *,
    region: str = REGION,
    tier: str = "BASIC",
    memory_gb: int = 5,
    state: str = "READY",
    created: float = 200,
    labels: Mapping[str, str] | None = None,
    replica_count: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``redis.googleapis.com/Instance`` asset: ``name`` is the full resource name, which is also the
    ``instance_id`` label of ``redis_instance``."""
    full = f"projects/{PROJECT}/locations/{region}/instances/{name}"
    item: dict[str, Any] = {
        "name": full,
        "displayName": name,
        "locationId": f"{region}-a",
        "redisVersion": "REDIS_7_0",
        "host": "10.0.0.3",
        "port": 6379,
        "tier": tier,
        "memorySizeGb": memory_gb,
        "state": state,
        "createTime": zulu(created),
        "labels": dict(labels or {}),
        "connectMode": "DIRECT_PEERING",
        "readReplicasMode": "READ_REPLICAS_DISABLED",
    }
    if tier == "STANDARD_HA":
        item["replicaCount"] = 1 if replica_count is None else replica_count
        item["alternativeLocationId"] = f"{region}-b"
    _asset(item, "redis.googleapis.com/Instance", full, region, 30)
    item.update(extra)
    return item


def bucket(
    name: str,
    *,
    location: str = "US-CENTRAL1",
    location_type: str = "region",
    storage_class: str = "STANDARD",
    lifecycle: Iterable[Mapping[str, Any]] | None = None,
    versioning: bool = False,
    autoclass: bool = False,
    retention_days: float | None = None,
    retention_locked: bool = False,
    soft_delete_days: float | None = 7,
    created: float = 400,
    labels: Mapping[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``storage.googleapis.com/Bucket`` asset (JSON API bucket resource): ``name`` and ``id`` are the
    bucket name, which is also the ``bucket_name`` label of ``gcs_bucket``."""
    item: dict[str, Any] = {
        "kind": "storage#bucket",
        "id": name,
        "name": name,
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}",
        "projectNumber": PROJECT_NUMBER,
        "location": location,
        "locationType": location_type,
        "storageClass": storage_class,
        "timeCreated": zulu(created),
        "updated": zulu(min(created, 30)),
        "metageneration": "3",
        "etag": "CAM=",
        "iamConfiguration": {
            "uniformBucketLevelAccess": {"enabled": True},
            "publicAccessPrevention": "enforced",
        },
        "rpo": "DEFAULT",
    }
    if lifecycle is not None:
        item["lifecycle"] = {"rule": list(lifecycle)}
    if versioning:
        item["versioning"] = {"enabled": True}
    if autoclass:
        item["autoclass"] = {"enabled": True, "toggleTime": zulu(created), "terminalStorageClass": "NEARLINE"}
    if retention_days is not None:
        item["retentionPolicy"] = {
            "retentionPeriod": str(int(retention_days * 86400)),
            "effectiveTime": zulu(created),
            "isLocked": retention_locked,
        }
    if soft_delete_days is not None:
        item["softDeletePolicy"] = {
            "retentionDurationSeconds": str(int(soft_delete_days * 86400)),
            "effectiveTime": zulu(created),
        }
    if labels:
        item["labels"] = dict(labels)
    _asset(item, "storage.googleapis.com/Bucket", f"{name}", location.lower(), 30)
    item["_asset_name"] = f"//storage.googleapis.com/{name}"
    item.update(extra)
    return item


def delete_rule(age: int | None = None, **condition: Any) -> dict[str, Any]:
    """A lifecycle rule deleting objects (``age`` days, or other conditions such as ``isLive=False``)."""
    cond: dict[str, Any] = dict(condition)
    if age is not None:
        cond["age"] = age
    return {"action": {"type": "Delete"}, "condition": cond}


def class_rule(storage_class: str, age: int) -> dict[str, Any]:
    """A lifecycle rule moving objects to ``storage_class`` after ``age`` days."""
    return {
        "action": {"type": "SetStorageClass", "storageClass": storage_class},
        "condition": {"age": age, "matchesStorageClass": ["STANDARD"]},
    }


def log_bucket(
    name: str,
    *,
    location: str = "global",
    retention_days: int = 30,
    locked: bool = False,
    created: float = 300,
    **extra: Any,
) -> dict[str, Any]:
    """A ``logging.googleapis.com/LogBucket`` asset; ``_metric_id`` is the bucket id (the ``log_bucket_id``
    label of ``logging.googleapis.com/billing/log_bucket_bytes_ingested``)."""
    full = f"projects/{PROJECT}/locations/{location}/buckets/{name}"
    item: dict[str, Any] = {
        "name": full,
        "retentionDays": retention_days,
        "lifecycleState": "ACTIVE",
        "createTime": zulu(created),
        "updateTime": zulu(created),
        "_metric_id": name,
    }
    if locked:
        item["locked"] = True
    _asset(item, "logging.googleapis.com/LogBucket", full, location, 30)
    item.update(extra)
    return item


def filestore_instance(
    name: str,
    *,
    zone: str = ZONE,
    tier: str = "BASIC_HDD",
    capacity_gb: int = 1024,
    state: str = "READY",
    created: float = 200,
    labels: Mapping[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``file.googleapis.com/Instance`` asset; ``_metric_id`` is the instance id (the ``instance_name``
    label of ``filestore_instance``)."""
    full = f"projects/{PROJECT}/locations/{zone}/instances/{name}"
    item: dict[str, Any] = {
        "name": full,
        "state": state,
        "createTime": zulu(created),
        "tier": tier,
        "labels": dict(labels or {}),
        "fileShares": [{"name": "share1", "capacityGb": str(capacity_gb)}],
        "networks": [{"network": "default", "modes": ["MODE_IPV4"], "ipAddresses": ["10.0.0.2"]}],
        "_metric_id": name,
    }
    _asset(item, "file.googleapis.com/Instance", full, zone, 30)
    item.update(extra)
    return item


def bq_dataset(
    dataset: str,
    *,
    location: str = "US",
    default_expiration_days: float | None = None,
    created: float = 400,
    labels: Mapping[str, str] | None = None,
    billing_model: str | None = None,
) -> dict[str, Any]:
    """A ``bigquery.googleapis.com/Dataset`` asset (BigQuery v2 dataset resource)."""
    item: dict[str, Any] = {
        "kind": "bigquery#dataset",
        "id": f"{PROJECT}:{dataset}",
        "datasetReference": {"projectId": PROJECT, "datasetId": dataset},
        "location": location,
        "creationTime": epoch_ms(created),
        "lastModifiedTime": epoch_ms(created),
        "type": "DEFAULT",
    }
    if default_expiration_days is not None:
        item["defaultTableExpirationMs"] = str(int(default_expiration_days * 86400000))
    if labels:
        item["labels"] = dict(labels)
    if billing_model:
        item["storageBillingModel"] = billing_model
    _asset(
        item,
        "bigquery.googleapis.com/Dataset",
        f"projects/{PROJECT}/datasets/{dataset}",
        location.lower(),
        30,
    )
    return item


def bq_table(
    dataset: str,
    table: str,
    *,
    gib: float = 50,
    long_term_gib: float | None = None,
    created: float = 400,
    modified: float = 200,
    table_type: str = "TABLE",
    expires_in_days: float | None = None,
    location: str = "US",
    **extra: Any,
) -> dict[str, Any]:
    """A ``bigquery.googleapis.com/Table`` asset (tables.get form: int64 and ms timestamps as strings).
    ``long_term_gib`` defaults to all of it when unmodified for 90 days, else none."""
    size = int(gib * GIB)
    if long_term_gib is None:
        long_term = size if modified >= 90 else 0
    else:
        long_term = int(long_term_gib * GIB)
    item: dict[str, Any] = {
        "kind": "bigquery#table",
        "id": f"{PROJECT}:{dataset}.{table}",
        "tableReference": {"projectId": PROJECT, "datasetId": dataset, "tableId": table},
        "type": table_type,
        "numBytes": str(size),
        "numLongTermBytes": str(long_term),
        "numRows": str(int(gib * 1000)),
        "creationTime": epoch_ms(created),
        "lastModifiedTime": epoch_ms(modified),
        "location": location,
        "numActivePhysicalBytes": str((size - long_term) // 4),
        "numLongTermPhysicalBytes": str(long_term // 4),
        "numTimeTravelPhysicalBytes": "0",
    }
    if expires_in_days is not None:
        item["expirationTime"] = str(int((NOW + timedelta(days=expires_in_days)).timestamp() * 1000))
    _asset(
        item,
        "bigquery.googleapis.com/Table",
        f"projects/{PROJECT}/datasets/{dataset}/tables/{table}",
        location.lower(),
        min(modified, 30),
    )
    item.update(extra)
    return item


def run_check(
    check_id: str,
    collections: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    params: Mapping[str, Any] | None = None,
    metrics: Mapping[MetricKey, MetricSeries] | None = None,
    prices: PriceBook | None = None,
) -> list[Hit]:
    """Run one check over collections named in full (``{"gcp:log_buckets": [...]}``), including ones
    the shared runner does not list; every collection the check needs defaults to empty."""
    spec = get_check(check_id)
    data: dict[str, list[Mapping[str, Any]]] = {name: [] for name in (*COLLECTIONS, *spec.needs)}
    for name, items in collections.items():
        data[name] = list(items)
    ctx = CheckContext.static(
        data, now=NOW, metrics=metrics, provider="gcp", account=PROJECT, region="global", prices=prices
    )
    return list(spec.run(ctx, spec.params(**(params or {}))))


def daily_series(
    check_id: str,
    item: Mapping[str, Any],
    values: Mapping[str, Iterable[float] | Mapping[str, Iterable[float]] | None],
    *,
    params: Mapping[str, Any] | None = None,
    into: dict[MetricKey, MetricSeries] | None = None,
) -> dict[MetricKey, MetricSeries]:
    """:meth:`Gcp.metrics` as a plain function (for tests that build items with the GD builders)."""
    return Gcp().metrics(check_id, item, values, params=params, into=into)


# --- GK: GKE, Cloud Run, Cloud Functions, Dataproc, Dataflow, Vertex AI endpoints, Workbench ---------
# Cloud Asset Inventory items: the service's REST form plus what the provider adds (``_asset_type``,
# ``_location``, ``_update_time``, ``_asset_name`` and, where the Monitoring label is not a field of the
# item, ``_metric_id``: Cloud Run service name, Cloud Functions function id, Vertex AI endpoint id).
# Node pools' instance groups live in ``gcp:instance_group_managers``: :func:`gke_pool` returns them.


def gk_time(days: float, *, offset: bool = False) -> str:
    """An RFC 3339 time ``days`` before ``NOW``: ``...123456Z`` (most APIs) or ``...+00:00`` (GKE)."""
    when = NOW - timedelta(days=days)
    if offset:
        return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}Z"


def _gk_asset(
    item: dict[str, Any], asset_type: str, path: str, location: str, metric_id: str | None = None
) -> None:
    item["_asset_type"] = asset_type
    item["_location"] = location
    item["_update_time"] = gk_time(1)
    item["_asset_name"] = f"//{asset_type.split('/')[0]}/{path}"
    if metric_id is not None:
        item["_metric_id"] = metric_id


def gke_pool(
    name: str,
    *,
    cluster: str = "c1",
    size: int = 3,
    zones: Iterable[str] = (ZONE,),
    machine: str = "e2-standard-4",
    autoscaling: Mapping[str, Any] | None = None,
    spot: bool = False,
    status: str = "RUNNING",
    listed: bool = True,
    initial: int | None = None,
    **extra: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A node pool of a GKE cluster and its instance groups (one per zone, ``targetSize`` = ``size``;
    ``listed=False`` returns no groups, as when the managed instance groups are not collected).
    ``autoscaling`` None leaves the field out, as the API does for a fixed-size pool."""
    zones = list(zones)
    suffix = hashlib.sha256(f"{cluster}/{name}".encode()).hexdigest()[:8]
    groups = []
    urls = []
    for zone in zones:
        igm = f"gke-{cluster}-{name}-{suffix}-grp"
        url = f"{API}/projects/{PROJECT}/zones/{zone}/instanceGroupManagers/{igm}"
        urls.append(url)
        group: dict[str, Any] = {
            "kind": "compute#instanceGroupManager",
            "id": numeric_id(f"igm/{zone}/{igm}"),
            "name": igm,
            "zone": f"{API}/projects/{PROJECT}/zones/{zone}",
            "selfLink": url,
            "instanceGroup": f"{API}/projects/{PROJECT}/zones/{zone}/instanceGroups/{igm}",
            "baseInstanceName": f"gke-{cluster}-{name}-{suffix}",
            "creationTimestamp": stamp(NOW - timedelta(days=200)),
        }
        if size:
            group["targetSize"] = size
        groups.append(group)
    config: dict[str, Any] = {
        "machineType": machine,
        "diskSizeGb": 100,
        "diskType": "pd-balanced",
        "imageType": "COS_CONTAINERD",
        "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
        "serviceAccount": "default",
    }
    if spot:
        config["spot"] = True
    pool: dict[str, Any] = {
        "name": name,
        "config": config,
        "initialNodeCount": size if initial is None else initial,
        "locations": zones,
        "management": {"autoUpgrade": True, "autoRepair": True},
        "podIpv4CidrSize": 24,
        "selfLink": f"https://container.googleapis.com/v1/projects/{PROJECT}/locations/{REGION}/clusters/{cluster}"
        f"/nodePools/{name}",
        "version": "1.30.5-gke.1014001",
        "instanceGroupUrls": urls,
        "status": status,
        "upgradeSettings": {"maxSurge": 1, "strategy": "SURGE"},
        "etag": "a1b2c3",
    }
    if autoscaling is not None:
        pool["autoscaling"] = dict(autoscaling)
    pool.update(extra)
    return pool, groups if listed else []


def gke_cluster(
    name: str = "c1",
    *,
    location: str = ZONE,
    pools: Iterable[Mapping[str, Any]] = (),
    status: str = "RUNNING",
    autopilot: bool = False,
    created: float = 200,
    current_nodes: int | None = None,
    labels: Mapping[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``container.googleapis.com/Cluster`` asset (GKE v1 ``Cluster``); ``currentNodeCount`` defaults to
    the pools' instance-group sizes and is left out when 0, as proto JSON does."""
    pools = [dict(p) for p in pools]
    zones = sorted({z for p in pools for z in p.get("locations") or []}) or [
        location if location[-2] == "-" else f"{location}-a"
    ]
    nodes = current_nodes
    if nodes is None:
        nodes = sum((p.get("initialNodeCount") or 0) * len(p.get("locations") or [1]) for p in pools)
    item: dict[str, Any] = {
        "name": name,
        "nodePools": pools,
        "locations": zones,
        "network": "default",
        "subnetwork": "default",
        "loggingService": "logging.googleapis.com/kubernetes",
        "monitoringService": "monitoring.googleapis.com/kubernetes",
        "selfLink": f"https://container.googleapis.com/v1/projects/{PROJECT}/locations/{location}/clusters/{name}",
        "endpoint": "34.123.45.67",
        "initialClusterVersion": "1.29.4-gke.1043002",
        "currentMasterVersion": "1.30.5-gke.1014001",
        "createTime": gk_time(created, offset=True),
        "status": status,
        "location": location,
        "id": hashlib.sha256(name.encode()).hexdigest()[:32],
        "autopilot": {"enabled": True} if autopilot else {},
        "releaseChannel": {"channel": "REGULAR"},
        "resourceLabels": dict(labels or {}),
        "etag": "e1",
    }
    if location[-2] == "-":
        item["zone"] = location
    if nodes:
        item["currentNodeCount"] = nodes
    if autopilot:
        item["nodePools"] = []
    item.update(extra)
    _gk_asset(
        item,
        "container.googleapis.com/Cluster",
        f"projects/{PROJECT}/locations/{location}/clusters/{name}",
        location,
    )
    return item


def run_service(
    name: str,
    *,
    region: str = REGION,
    min_instances: int | None = 1,
    service_min: int | None = None,
    cpu: str | None = "1",
    memory: str | None = "512Mi",
    cpu_idle: bool | None = True,
    created: float = 100,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    manual: int | None = None,
    sidecars: Iterable[Mapping[str, Any]] = (),
    **extra: Any,
) -> dict[str, Any]:
    """A ``run.googleapis.com/Service`` asset in the Cloud Run Admin API v2 shape; ``_metric_id`` is the
    service name (the ``service_name`` label of ``cloud_run_revision``)."""
    limits: dict[str, Any] = {}
    if cpu is not None:
        limits["cpu"] = cpu
    if memory is not None:
        limits["memory"] = memory
    resources: dict[str, Any] = {"limits": limits, "startupCpuBoost": True}
    if cpu_idle is not None:
        resources["cpuIdle"] = cpu_idle
    template: dict[str, Any] = {
        "revision": f"{name}-00007-xiz",
        "containers": [
            {
                "name": "app",
                "image": f"us-docker.pkg.dev/{PROJECT}/app/{name}:v7",
                "ports": [{"containerPort": 8080}],
                "resources": resources,
            },
            *[dict(s) for s in sidecars],
        ],
        "serviceAccount": f"{PROJECT_NUMBER}-compute@developer.gserviceaccount.com",
        "maxInstanceRequestConcurrency": 80,
        "timeout": "300s",
        "executionEnvironment": "EXECUTION_ENVIRONMENT_GEN2",
        "scaling": {"maxInstanceCount": 100},
    }
    if min_instances:
        template["scaling"]["minInstanceCount"] = min_instances
    item: dict[str, Any] = {
        "name": f"projects/{PROJECT}/locations/{region}/services/{name}",
        "uid": hashlib.sha256(name.encode()).hexdigest()[:36],
        "generation": "7",
        "labels": dict(labels or {}),
        "annotations": dict(annotations or {}),
        "createTime": gk_time(created),
        "updateTime": gk_time(5),
        "creator": "dev@example.com",
        "lastModifier": "dev@example.com",
        "ingress": "INGRESS_TRAFFIC_ALL",
        "launchStage": "GA",
        "template": template,
        "traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}],
        "observedGeneration": "7",
        "terminalCondition": {"type": "Ready", "state": "CONDITION_SUCCEEDED"},
        "latestReadyRevision": f"projects/{PROJECT}/locations/{region}/services/{name}/revisions/"
        f"{name}-00007-xiz",
        "uri": f"https://{name}-abcdefghij-uc.a.run.app",
        "etag": '"CK2f"',
    }
    if service_min:
        item["scaling"] = {"minInstanceCount": service_min}
    if manual is not None:
        item["scaling"] = {"scalingMode": "MANUAL", "manualInstanceCount": manual}
    item.update(extra)
    _gk_asset(item, "run.googleapis.com/Service", item["name"], region, name)
    return item


def run_service_v1(
    name: str,
    *,
    region: str = REGION,
    min_scale: int | None = 1,
    service_min_scale: int | None = None,
    cpu: str | None = "1000m",
    memory: str | None = "512Mi",
    cpu_throttling: bool | None = None,
    created: float = 100,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A ``run.googleapis.com/Service`` asset in the Knative (Cloud Run Admin API v1) shape, as
    ``gcloud run services describe --format=json`` shows it."""
    template_annotations: dict[str, str] = {"autoscaling.knative.dev/maxScale": "100"}
    if min_scale is not None:
        template_annotations["autoscaling.knative.dev/minScale"] = str(min_scale)
    if cpu_throttling is not None:
        template_annotations["run.googleapis.com/cpu-throttling"] = "true" if cpu_throttling else "false"
    service_annotations = {
        "serving.knative.dev/creator": "dev@example.com",
        "run.googleapis.com/ingress": "all",
    }
    if service_min_scale is not None:
        service_annotations["run.googleapis.com/minScale"] = str(service_min_scale)
    service_annotations.update(annotations or {})
    limits: dict[str, str] = {}
    if cpu is not None:
        limits["cpu"] = cpu
    if memory is not None:
        limits["memory"] = memory
    item: dict[str, Any] = {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": PROJECT_NUMBER,
            "selfLink": f"/apis/serving.knative.dev/v1/namespaces/{PROJECT_NUMBER}/services/{name}",
            "uid": hashlib.sha256(name.encode()).hexdigest()[:36],
            "resourceVersion": "AAYk",
            "generation": 3,
            "creationTimestamp": gk_time(created),
            "labels": {"cloud.googleapis.com/location": region, **dict(labels or {})},
            "annotations": service_annotations,
        },
        "spec": {
            "template": {
                "metadata": {"annotations": template_annotations},
                "spec": {
                    "containerConcurrency": 80,
                    "timeoutSeconds": 300,
                    "serviceAccountName": f"{PROJECT_NUMBER}-compute@developer.gserviceaccount.com",
                    "containers": [
                        {
                            "image": f"gcr.io/{PROJECT}/{name}",
                            "ports": [{"name": "http1", "containerPort": 8080}],
                            "resources": {"limits": limits},
                        }
                    ],
                },
            },
            "traffic": [{"percent": 100, "latestRevision": True}],
        },
        "status": {"observedGeneration": 3, "url": f"https://{name}-abcdefghij-uc.a.run.app"},
    }
    _gk_asset(
        item,
        "run.googleapis.com/Service",
        f"projects/{PROJECT}/locations/{region}/services/{name}",
        region,
        name,
    )
    return item


def function_v2(
    name: str,
    *,
    region: str = REGION,
    state: str = "ACTIVE",
    min_instances: int | None = 1,
    memory: str | None = "256M",
    cpu: str | None = "0.1666",
    updated: float = 60,
    environment: str = "GEN_2",
    service: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``cloudfunctions.googleapis.com/Function`` asset (Cloud Functions v2 API ``Function``); its Cloud Run
    service is ``service`` (default: the name lower-cased with ``_`` -> ``-``), ``_metric_id`` its id."""
    svc = service or name.lower().replace("_", "-")
    config: dict[str, Any] = {
        "service": f"projects/{PROJECT}/locations/{region}/services/{svc}",
        "timeoutSeconds": 60,
        "maxInstanceCount": 100,
        "ingressSettings": "ALLOW_ALL",
        "uri": f"https://{svc}-abcdefghij-uc.a.run.app",
        "serviceAccountEmail": f"{PROJECT_NUMBER}-compute@developer.gserviceaccount.com",
        "allTrafficOnLatestRevision": True,
        "revision": f"{svc}-00003-zaq",
        "maxInstanceRequestConcurrency": 1,
    }
    if memory is not None:
        config["availableMemory"] = memory
    if cpu is not None:
        config["availableCpu"] = cpu
    if min_instances:
        config["minInstanceCount"] = min_instances
    item: dict[str, Any] = {
        "name": f"projects/{PROJECT}/locations/{region}/functions/{name}",
        "buildConfig": {"runtime": "python312", "entryPoint": "handler", "dockerRepository": "gcf-artifacts"},
        "serviceConfig": config,
        "state": state,
        "updateTime": gk_time(updated),
        "createTime": gk_time(updated + 30),
        "environment": environment,
        "url": f"https://{region}-{PROJECT}.cloudfunctions.net/{name}",
        "labels": {"deployment-tool": "cli-gcloud"},
    }
    if state == "FAILED":
        item["stateMessages"] = [
            {"severity": "ERROR", "type": "DeploymentFailed", "message": "Build failed: pip install error"}
        ]
    item.update(extra)
    _gk_asset(item, "cloudfunctions.googleapis.com/Function", item["name"], region, name)
    return item


def function_v1(
    name: str,
    *,
    region: str = REGION,
    status: str = "ACTIVE",
    min_instances: int | None = 1,
    memory_mb: int = 256,
    updated: float = 60,
    **extra: Any,
) -> dict[str, Any]:
    """A ``cloudfunctions.googleapis.com/CloudFunction`` asset (Cloud Functions v1 API ``CloudFunction``)."""
    item: dict[str, Any] = {
        "name": f"projects/{PROJECT}/locations/{region}/functions/{name}",
        "entryPoint": "handler",
        "runtime": "nodejs20",
        "timeout": "60s",
        "availableMemoryMb": memory_mb,
        "serviceAccountEmail": f"{PROJECT}@appspot.gserviceaccount.com",
        "updateTime": gk_time(updated),
        "versionId": "4",
        "status": status,
        "httpsTrigger": {
            "url": f"https://{region}-{PROJECT}.cloudfunctions.net/{name}",
            "securityLevel": "SECURE_ALWAYS",
        },
        "ingressSettings": "ALLOW_ALL",
        "maxInstances": 3000,
        "buildId": "0f1e2d3c",
        "dockerRegistry": "ARTIFACT_REGISTRY",
    }
    if min_instances:
        item["minInstances"] = min_instances
    item.update(extra)
    _gk_asset(item, "cloudfunctions.googleapis.com/CloudFunction", item["name"], region, name)
    return item


def dataproc_group(
    count: int,
    machine: str = "n1-standard-4",
    *,
    names: Iterable[str] = (),
    disk_gb: int = 500,
    disk_type: str = "pd-standard",
    preemptibility: str | None = None,
) -> dict[str, Any]:
    """A Dataproc ``InstanceGroupConfig`` (``machineTypeUri`` as the full URL the API returns)."""
    group: dict[str, Any] = {
        "numInstances": count,
        "instanceNames": list(names),
        "imageUri": "https://www.googleapis.com/compute/v1/projects/cloud-dataproc/global/images/dataproc-2-2-deb12",
        "machineTypeUri": f"{API}/projects/{PROJECT}/zones/{ZONE}/machineTypes/{machine}",
        "diskConfig": {"bootDiskType": disk_type, "bootDiskSizeGb": disk_gb},
        "minCpuPlatform": "AUTOMATIC",
    }
    if preemptibility:
        group["preemptibility"] = preemptibility
        group["isPreemptible"] = preemptibility in ("PREEMPTIBLE", "SPOT")
    else:
        group["preemptibility"] = "NON_PREEMPTIBLE"
    return group


def dataproc_cluster(
    name: str,
    *,
    region: str = REGION,
    state: str = "RUNNING",
    since: float = 60,
    created: float | None = None,
    workers: int = 2,
    secondary: int = 0,
    secondary_preemptibility: str = "PREEMPTIBLE",
    machine: str = "n1-standard-4",
    components: Iterable[str] = (),
    lifecycle: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``dataproc.googleapis.com/Cluster`` asset (Dataproc v1 ``Cluster``): a master and ``workers``
    primary workers (instance names ``<name>-m``, ``<name>-w-<n>``) in ``ZONE``."""
    uuid = hashlib.sha256(name.encode()).hexdigest()
    uuid = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:32]}"
    config: dict[str, Any] = {
        "configBucket": f"dataproc-staging-{REGION}-{PROJECT_NUMBER}-abcd",
        "tempBucket": f"dataproc-temp-{REGION}-{PROJECT_NUMBER}-abcd",
        "gceClusterConfig": {"zoneUri": f"{API}/projects/{PROJECT}/zones/{ZONE}", "internalIpOnly": True},
        "masterConfig": dataproc_group(1, machine, names=[f"{name}-m"]),
        "softwareConfig": {"imageVersion": "2.2.20-debian12", "optionalComponents": list(components)},
        "endpointConfig": {},
    }
    if workers:
        config["workerConfig"] = dataproc_group(
            workers, machine, names=[f"{name}-w-{n}" for n in range(workers)]
        )
    if secondary:
        config["secondaryWorkerConfig"] = dataproc_group(
            secondary,
            machine,
            names=[f"{name}-sw-{n}" for n in range(secondary)],
            preemptibility=secondary_preemptibility,
        )
    if lifecycle:
        config["lifecycleConfig"] = dict(lifecycle)
    history_start = created if created is not None else since + 1
    item: dict[str, Any] = {
        "projectId": PROJECT,
        "clusterName": name,
        "config": config,
        "labels": {
            "goog-dataproc-cluster-name": name,
            "goog-dataproc-cluster-uuid": uuid,
            "goog-dataproc-location": region,
            **dict(labels or {}),
        },
        "status": {"state": state, "stateStartTime": gk_time(since)},
        "statusHistory": [
            {"state": "CREATING", "stateStartTime": gk_time(history_start)},
        ],
        "clusterUuid": uuid,
    }
    item.update(extra)
    _gk_asset(
        item,
        "dataproc.googleapis.com/Cluster",
        f"projects/{PROJECT}/regions/{region}/clusters/{name}",
        region,
    )
    return item


def dataflow_job(
    name: str,
    *,
    job_type: str = "JOB_TYPE_STREAMING",
    state: str = "JOB_STATE_RUNNING",
    since: float = 30,
    region: str = REGION,
    **extra: Any,
) -> dict[str, Any]:
    """A ``dataflow.googleapis.com/Job`` asset (Dataflow v1b3 ``Job``); ``since`` days in ``state``."""
    when = NOW - timedelta(days=since)
    job_id = (
        when.strftime("%Y-%m-%d_%H_%M_%S-")
        + str(int(hashlib.sha256(name.encode()).hexdigest()[:12], 16))[:19]
    )
    item: dict[str, Any] = {
        "id": job_id,
        "projectId": PROJECT,
        "name": name,
        "type": job_type,
        "currentState": state,
        "currentStateTime": gk_time(since),
        "createTime": gk_time(since + 0.01),
        "startTime": gk_time(since + 0.01),
        "location": region,
        "labels": {"team": "data"},
        "jobMetadata": {
            "sdkVersion": {"version": "2.60.0", "versionDisplayName": "Apache Beam SDK for Java"}
        },
        "environment": {"workerRegion": region},
    }
    item.update(extra)
    _gk_asset(
        item, "dataflow.googleapis.com/Job", f"projects/{PROJECT}/locations/{region}/jobs/{job_id}", region
    )
    return item


def deployed_model(
    model_id: str,
    *,
    machine: str = "n1-standard-4",
    replicas: int | None = 1,
    gpu: str | None = None,
    gpus: int = 1,
    deployed: float = 60,
    shared: bool = False,
    automatic: bool = False,
) -> dict[str, Any]:
    """A Vertex AI ``DeployedModel`` on dedicated nodes (or a shared pool / automatic resources)."""
    item: dict[str, Any] = {
        "id": model_id,
        "model": f"projects/{PROJECT_NUMBER}/locations/{REGION}/models/{model_id}0",
        "displayName": f"model-{model_id}",
        "createTime": gk_time(deployed),
        "modelVersionId": "1",
    }
    if shared:
        item["sharedResources"] = (
            f"projects/{PROJECT_NUMBER}/locations/{REGION}/deploymentResourcePools/pool1"
        )
    elif automatic:
        item["automaticResources"] = {"minReplicaCount": 1, "maxReplicaCount": 1}
    else:
        spec: dict[str, Any] = {"machineType": machine}
        if gpu:
            spec["acceleratorType"] = gpu
            spec["acceleratorCount"] = gpus
        dedicated: dict[str, Any] = {"machineSpec": spec, "maxReplicaCount": max(replicas or 0, 1)}
        if replicas:
            dedicated["minReplicaCount"] = replicas
        item["dedicatedResources"] = dedicated
    return item


def vertex_endpoint(
    endpoint_id: str = "1234567890123456789",
    *,
    region: str = REGION,
    models: Iterable[Mapping[str, Any]] = (),
    split: Mapping[str, int] | None = None,
    created: float = 90,
    updated: float = 60,
    display: str = "churn-endpoint",
    **extra: Any,
) -> dict[str, Any]:
    """An ``aiplatform.googleapis.com/Endpoint`` asset (Vertex AI v1 ``Endpoint``); the traffic split
    defaults to all traffic on the first model; ``_metric_id`` is the endpoint id."""
    models = [dict(m) for m in models]
    item: dict[str, Any] = {
        "name": f"projects/{PROJECT_NUMBER}/locations/{region}/endpoints/{endpoint_id}",
        "displayName": display,
        "deployedModels": models,
        "etag": "AMEw9yP",
        "createTime": gk_time(created),
        "updateTime": gk_time(updated),
        "labels": {},
    }
    if split is not None:
        item["trafficSplit"] = dict(split)
    elif models:
        item["trafficSplit"] = {str(models[0]["id"]): 100}
    if not models:
        item.pop("deployedModels")
    item.update(extra)
    _gk_asset(item, "aiplatform.googleapis.com/Endpoint", item["name"], region, endpoint_id)
    return item


def workbench(
    name: str,
    *,
    zone: str = ZONE,
    state: str = "ACTIVE",
    machine: str = "e2-standard-4",
    gpus: Iterable[tuple[str, int]] = (),
    idle_timeout: str | None = "10800",
    metadata: Mapping[str, str] | None = None,
    created: float = 120,
    updated: float = 40,
    boot_gb: int = 150,
    data_gb: int = 100,
    **extra: Any,
) -> dict[str, Any]:
    """A ``notebooks.googleapis.com/Instance`` asset in the Notebooks v2 (Workbench instances) shape."""
    meta: dict[str, str] = {"proxy-mode": "service_account", "enable-guest-attributes": "TRUE"}
    if idle_timeout is not None:
        meta["idle-timeout-seconds"] = idle_timeout
    meta.update(metadata or {})
    setup: dict[str, Any] = {
        "machineType": machine,
        "serviceAccounts": [{"email": f"{PROJECT_NUMBER}-compute@developer.gserviceaccount.com"}],
        "vmImage": {"project": "cloud-notebooks-managed", "family": "workbench-instances"},
        "bootDisk": {"diskSizeGb": str(boot_gb), "diskType": "PD_BALANCED", "diskEncryption": "GMEK"},
        "dataDisks": [{"diskSizeGb": str(data_gb), "diskType": "PD_BALANCED", "diskEncryption": "GMEK"}],
        "networkInterfaces": [{"network": f"projects/{PROJECT}/global/networks/default", "nicType": "GVNIC"}],
        "metadata": meta,
        "disablePublicIp": False,
    }
    configs = [{"type": kind, "coreCount": str(count)} for kind, count in gpus]
    if configs:
        setup["acceleratorConfigs"] = configs
        setup["gpuDriverConfig"] = {"enableGpuDriver": True}
    item: dict[str, Any] = {
        "name": f"projects/{PROJECT}/locations/{zone}/instances/{name}",
        "proxyUri": f"{name}-dot-us-central1.notebooks.googleusercontent.com",
        "creator": "scientist@example.com",
        "state": state,
        "id": hashlib.sha256(name.encode()).hexdigest()[:36],
        "healthState": "HEALTHY",
        "createTime": gk_time(created),
        "updateTime": gk_time(updated),
        "gceSetup": setup,
        "labels": {"consumer-project-id": PROJECT},
    }
    item.update(extra)
    _gk_asset(item, "notebooks.googleapis.com/Instance", item["name"], zone)
    return item


def workbench_v1(
    name: str,
    *,
    zone: str = ZONE,
    state: str = "ACTIVE",
    machine: str = "n1-standard-4",
    metadata: Mapping[str, str] | None = None,
    created: float = 400,
    updated: float = 40,
    gpu: tuple[str, int] | None = None,
) -> dict[str, Any]:
    """A ``notebooks.googleapis.com/Instance`` asset in the Notebooks v1 (user-managed notebook) shape."""
    item: dict[str, Any] = {
        "name": f"projects/{PROJECT}/locations/{zone}/instances/{name}",
        "vmImage": {"project": "deeplearning-platform-release", "imageFamily": "common-cpu-notebooks"},
        "proxyUri": f"{name}-dot-us-central1.notebooks.googleusercontent.com",
        "serviceAccount": f"{PROJECT_NUMBER}-compute@developer.gserviceaccount.com",
        "machineType": f"{API}/projects/{PROJECT}/zones/{zone}/machineTypes/{machine}",
        "state": state,
        "installGpuDriver": False,
        "bootDiskType": "PD_STANDARD",
        "bootDiskSizeGb": "150",
        "dataDiskType": "PD_STANDARD",
        "dataDiskSizeGb": "100",
        "noRemoveDataDisk": False,
        "metadata": dict(metadata or {"proxy-mode": "service_account"}),
        "createTime": gk_time(created),
        "updateTime": gk_time(updated),
        "creator": "scientist@example.com",
    }
    if gpu:
        item["acceleratorConfig"] = {"type": gpu[0], "coreCount": str(gpu[1])}
    _gk_asset(item, "notebooks.googleapis.com/Instance", item["name"], zone)
    return item
