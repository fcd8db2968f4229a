"""Builders of Google Cloud resources in their REST (JSON) form, for the fake and the provider tests.

Shapes follow the Compute Engine v1 REST reference (ids and sizes as int64 *strings*, RFC 3339 times
with offsets, full resource URLs) and, for Cloud Asset Inventory items, each service's own REST
representation (Cloud SQL Admin v1beta4 DatabaseInstance, Cloud Storage JSON API bucket, GKE v1
Cluster).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

COMPUTE = "https://www.googleapis.com/compute/v1"
_IDS = itertools.count(4_000_000_000_000_000_000)


def next_id() -> str:
    """A fresh uint64 id as the API spells it (a string)."""
    return str(next(_IDS))


def ts(when: datetime) -> str:
    """A Compute timestamp: RFC 3339 with milliseconds and an offset (``-07:00``, as the API sends)."""
    local = when.astimezone(UTC) - timedelta(hours=7)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}-07:00"


def zone_url(project: str, zone: str) -> str:
    return f"{COMPUTE}/projects/{project}/zones/{zone}"


def region_url(project: str, region: str) -> str:
    return f"{COMPUTE}/projects/{project}/regions/{region}"


def link(project: str, where: str, kind: str, name: str) -> str:
    """``where``: ``zones/z``, ``regions/r`` or ``global``."""
    return f"{COMPUTE}/projects/{project}/{where}/{kind}/{name}"


def instance(
    project: str,
    zone: str,
    name: str,
    *,
    status: str = "RUNNING",
    machine_type: str = "e2-standard-4",
    created: datetime,
    disks: tuple[str, ...] = (),
    nat_ip: str | None = None,
    last_start: datetime | None = None,
    last_stop: datetime | None = None,
    labels: dict[str, str] | None = None,
    provisioning: str = "STANDARD",
) -> dict[str, Any]:
    """A VM (instances.aggregatedList item); ``disks`` are disk URLs, the first is the boot disk."""
    network = f"{COMPUTE}/projects/{project}/global/networks/default"
    nic: dict[str, Any] = {
        "kind": "compute#networkInterface",
        "network": network,
        "subnetwork": f"{region_url(project, zone.rsplit('-', 1)[0])}/subnetworks/default",
        "networkIP": "10.128.0.2",
        "name": "nic0",
        "fingerprint": "abcdefgh123=",
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
    item: dict[str, Any] = {
        "kind": "compute#instance",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "tags": {"fingerprint": "42WmSpB8rSM="},
        "machineType": f"{zone_url(project, zone)}/machineTypes/{machine_type}",
        "status": status,
        "zone": zone_url(project, zone),
        "canIpForward": False,
        "networkInterfaces": [nic],
        "disks": [
            {
                "kind": "compute#attachedDisk",
                "type": "PERSISTENT",
                "mode": "READ_WRITE",
                "source": url,
                "deviceName": url.rsplit("/", 1)[-1],
                "index": i,
                "boot": i == 0,
                "autoDelete": i == 0,
                "interface": "SCSI",
                "diskSizeGb": "20",
            }
            for i, url in enumerate(disks)
        ],
        "scheduling": {
            "onHostMaintenance": "MIGRATE" if provisioning == "STANDARD" else "TERMINATE",
            "automaticRestart": provisioning == "STANDARD",
            "preemptible": False,
            "provisioningModel": provisioning,
        },
        "selfLink": link(project, f"zones/{zone}", "instances", name),
        "labelFingerprint": "42WmSpB8rSM=",
        "startRestricted": False,
        "deletionProtection": False,
        "fingerprint": "abc=",
        "lastStartTimestamp": ts(last_start or created),
        "satisfiesPzi": True,
    }
    if labels:
        item["labels"] = labels
    if last_stop:
        item["lastStopTimestamp"] = ts(last_stop)
    return item


def disk(
    project: str,
    name: str,
    *,
    zone: str | None = "us-central1-a",
    region: str | None = None,
    size_gb: int = 100,
    disk_type: str = "pd-balanced",
    users: tuple[str, ...] = (),
    created: datetime,
    last_attach: datetime | None = None,
    last_detach: datetime | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A persistent disk (zonal, or regional with ``region``)."""
    where = f"regions/{region}" if region else f"zones/{zone}"
    item: dict[str, Any] = {
        "kind": "compute#disk",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "sizeGb": str(size_gb),
        "status": "READY",
        "selfLink": link(project, where, "disks", name),
        "type": f"{COMPUTE}/projects/{project}/{where}/diskTypes/{disk_type}",
        "labelFingerprint": "42WmSpB8rSM=",
        "physicalBlockSizeBytes": "4096",
        "architecture": "X86_64",
        "satisfiesPzi": True,
    }
    if labels:
        item["labels"] = labels
    if region:
        item["region"] = region_url(project, region)
        item["replicaZones"] = [zone_url(project, f"{region}-b"), zone_url(project, f"{region}-c")]
    else:
        item["zone"] = zone_url(project, str(zone))
    if users:
        item["users"] = list(users)
    if last_attach:
        item["lastAttachTimestamp"] = ts(last_attach)
    if last_detach:
        item["lastDetachTimestamp"] = ts(last_detach)
    return item


def snapshot(
    project: str,
    name: str,
    *,
    source_disk: str,
    created: datetime,
    size_gb: int = 100,
    storage_bytes: int = 12_345_678_901,
    auto_created: bool = False,
) -> dict[str, Any]:
    """A disk snapshot (snapshots.list item)."""
    return {
        "kind": "compute#snapshot",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "status": "READY",
        "sourceDisk": source_disk,
        "sourceDiskId": next_id(),
        "diskSizeGb": str(size_gb),
        "storageBytes": str(storage_bytes),
        "storageBytesStatus": "UP_TO_DATE",
        "selfLink": link(project, "global", "snapshots", name),
        "labelFingerprint": "42WmSpB8rSM=",
        "storageLocations": ["us"],
        "downloadBytes": "1234",
        "snapshotType": "STANDARD",
        "autoCreated": auto_created,
        "architecture": "X86_64",
    }


def image(
    project: str, name: str, *, created: datetime, size_gb: int = 10, family: str = ""
) -> dict[str, Any]:
    """A custom image (images.list item)."""
    item: dict[str, Any] = {
        "kind": "compute#image",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "sourceType": "RAW",
        "status": "READY",
        "archiveSizeBytes": "1234567890",
        "diskSizeGb": str(size_gb),
        "selfLink": link(project, "global", "images", name),
        "labelFingerprint": "42WmSpB8rSM=",
        "storageLocations": ["us"],
        "architecture": "X86_64",
    }
    if family:
        item["family"] = family
    return item


def machine_image(project: str, name: str, *, created: datetime, source_instance: str) -> dict[str, Any]:
    """A machine image (machineImages.list item)."""
    return {
        "kind": "compute#machineImage",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "selfLink": link(project, "global", "machineImages", name),
        "sourceInstance": source_instance,
        "status": "READY",
        "totalStorageBytes": "21474836480",
        "storageLocations": ["us"],
    }


def instance_template(
    project: str, name: str, *, created: datetime, source_image: str, machine_type: str = "e2-medium"
) -> dict[str, Any]:
    """A global instance template."""
    return {
        "kind": "compute#instanceTemplate",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "properties": {
            "machineType": machine_type,
            "disks": [
                {
                    "type": "PERSISTENT",
                    "boot": True,
                    "autoDelete": True,
                    "initializeParams": {"sourceImage": source_image, "diskSizeGb": "20"},
                }
            ],
            "networkInterfaces": [{"network": f"{COMPUTE}/projects/{project}/global/networks/default"}],
        },
        "selfLink": link(project, "global", "instanceTemplates", name),
    }


def address(
    project: str,
    name: str,
    *,
    region: str | None = "us-central1",
    ip: str = "34.1.2.3",
    status: str = "RESERVED",
    users: tuple[str, ...] = (),
    created: datetime,
    address_type: str = "EXTERNAL",
    purpose: str | None = None,
) -> dict[str, Any]:
    """A static address: regional (addresses.aggregatedList) or global (``region=None``)."""
    where = f"regions/{region}" if region else "global"
    item: dict[str, Any] = {
        "kind": "compute#address",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "address": ip,
        "status": status,
        "selfLink": link(project, where, "addresses", name),
        "networkTier": "PREMIUM",
        "labelFingerprint": "42WmSpB8rSM=",
        "addressType": address_type,
        "ipVersion": "IPV4",
    }
    if region:
        item["region"] = region_url(project, region)
    if users:
        item["users"] = list(users)
    if purpose:
        item["purpose"] = purpose
    return item


def forwarding_rule(
    project: str,
    name: str,
    *,
    region: str | None = "us-central1",
    ip: str,
    target: str | None = None,
    backend_service: str | None = None,
    created: datetime,
    scheme: str = "EXTERNAL",
) -> dict[str, Any]:
    """A forwarding rule: regional or global (``region=None``)."""
    where = f"regions/{region}" if region else "global"
    item: dict[str, Any] = {
        "kind": "compute#forwardingRule",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "IPAddress": ip,
        "IPProtocol": "TCP",
        "portRange": "80-80",
        "selfLink": link(project, where, "forwardingRules", name),
        "loadBalancingScheme": scheme,
        "networkTier": "PREMIUM",
        "labelFingerprint": "42WmSpB8rSM=",
    }
    if region:
        item["region"] = region_url(project, region)
    if target:
        item["target"] = target
    if backend_service:
        item["backendService"] = backend_service
    return item


def backend_service(
    project: str, name: str, *, created: datetime, groups: tuple[str, ...] = (), region: str | None = None
) -> dict[str, Any]:
    """A backend service (global, or regional with ``region``)."""
    where = f"regions/{region}" if region else "global"
    item: dict[str, Any] = {
        "kind": "compute#backendService",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "selfLink": link(project, where, "backendServices", name),
        "backends": [{"group": g, "balancingMode": "UTILIZATION", "capacityScaler": 1} for g in groups],
        "protocol": "HTTP",
        "loadBalancingScheme": "EXTERNAL_MANAGED",
        "timeoutSec": 30,
        "port": 80,
        "portName": "http",
        "fingerprint": "abc=",
    }
    if region:
        item["region"] = region_url(project, region)
    return item


def router(
    project: str, name: str, *, region: str = "us-central1", created: datetime, nats: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A Cloud Router, with Cloud NAT gateways named ``nats``."""
    return {
        "kind": "compute#router",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "region": region_url(project, region),
        "network": f"{COMPUTE}/projects/{project}/global/networks/default",
        "selfLink": link(project, f"regions/{region}", "routers", name),
        "nats": [
            {
                "name": nat,
                "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
                "natIpAllocateOption": "AUTO_ONLY",
                "enableEndpointIndependentMapping": False,
                "logConfig": {"enable": False, "filter": "ALL"},
                "type": "PUBLIC",
                "endpointTypes": ["ENDPOINT_TYPE_VM"],
            }
            for nat in nats
        ],
        "encryptedInterconnectRouter": False,
    }


def network(project: str, name: str = "default", *, created: datetime) -> dict[str, Any]:
    """A VPC network (networks.list item)."""
    return {
        "kind": "compute#network",
        "id": next_id(),
        "creationTimestamp": ts(created),
        "name": name,
        "selfLink": link(project, "global", "networks", name),
        "autoCreateSubnetworks": True,
        "subnetworks": [f"{region_url(project, 'us-central1')}/subnetworks/{name}"],
        "routingConfig": {"routingMode": "REGIONAL"},
        "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL",
    }


def sql_instance(
    project: str,
    name: str,
    *,
    region: str = "us-central1",
    tier: str = "db-custom-2-7680",
    activation: str = "ALWAYS",
    state: str = "RUNNABLE",
    created: datetime,
    disk_gb: int = 100,
) -> dict[str, Any]:
    """A Cloud SQL instance (sqladmin v1beta4 DatabaseInstance, as Cloud Asset Inventory returns it)."""
    return {
        "kind": "sql#instance",
        "state": state,
        "databaseVersion": "POSTGRES_15",
        "settings": {
            "authorizedGaeApplications": [],
            "tier": tier,
            "kind": "sql#settings",
            "availabilityType": "ZONAL",
            "pricingPlan": "PER_USE",
            "replicationType": "SYNCHRONOUS",
            "activationPolicy": activation,
            "ipConfiguration": {"ipv4Enabled": True},
            "locationPreference": {"zone": f"{region}-a", "kind": "sql#locationPreference"},
            "dataDiskType": "PD_SSD",
            "backupConfiguration": {"enabled": True, "kind": "sql#backupConfiguration"},
            "settingsVersion": "3",
            "storageAutoResizeLimit": "0",
            "storageAutoResize": True,
            "dataDiskSizeGb": str(disk_gb),
            "edition": "ENTERPRISE",
        },
        "project": project,
        "serviceAccountEmailAddress": "p123-abc@gcp-sa-cloud-sql.iam.gserviceaccount.com",
        "backendType": "SECOND_GEN",
        "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{project}/instances/{name}",
        "connectionName": f"{project}:{region}:{name}",
        "name": name,
        "region": region,
        "gceZone": f"{region}-a",
        "instanceType": "CLOUD_SQL_INSTANCE",
        "createTime": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    }


def bucket(
    project_number: str,
    name: str,
    *,
    location: str = "US",
    location_type: str = "multi-region",
    created: datetime,
    lifecycle: bool = False,
) -> dict[str, Any]:
    """A Cloud Storage bucket (JSON API Bucket resource)."""
    stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    item: dict[str, Any] = {
        "kind": "storage#bucket",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}",
        "id": name,
        "name": name,
        "projectNumber": project_number,
        "metageneration": "1",
        "location": location,
        "storageClass": "STANDARD",
        "etag": "CAE=",
        "timeCreated": stamp,
        "updated": stamp,
        "softDeletePolicy": {"retentionDurationSeconds": "604800", "effectiveTime": stamp},
        "iamConfiguration": {
            "uniformBucketLevelAccess": {"enabled": True},
            "publicAccessPrevention": "enforced",
        },
        "locationType": location_type,
        "rpo": "DEFAULT",
    }
    if lifecycle:
        item["lifecycle"] = {"rule": [{"action": {"type": "Delete"}, "condition": {"age": 365}}]}
    return item


def gke_cluster(
    project: str, name: str, *, location: str = "us-central1", created: datetime
) -> dict[str, Any]:
    """A GKE Standard cluster with one node pool without autoscaling (container v1 Cluster)."""
    return {
        "name": name,
        "nodePools": [
            {
                "name": "default-pool",
                "config": {"machineType": "e2-standard-4", "diskSizeGb": 100, "diskType": "pd-balanced"},
                "initialNodeCount": 3,
                "autoscaling": {},
                "management": {"autoUpgrade": True, "autoRepair": True},
                "status": "RUNNING",
                "selfLink": f"https://container.googleapis.com/v1/projects/{project}/locations/{location}"
                f"/clusters/{name}/nodePools/default-pool",
            }
        ],
        "location": location,
        "status": "RUNNING",
        "currentNodeCount": 3,
        "createTime": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "selfLink": f"https://container.googleapis.com/v1/projects/{project}/locations/{location}/clusters/{name}",
        "autopilot": {},
        "resourceLabels": {"env": "prod"},
    }


def recommendation(
    project: str,
    location: str,
    recommender: str,
    resource: str,
    *,
    units: int = -12,
    nanos: int = -500_000_000,
    subtype: str = "DELETE_DISK",
    refreshed: datetime,
) -> dict[str, Any]:
    """An idle-resource recommendation about ``resource`` (a ``//compute.googleapis.com/...`` name)."""
    rid = next_id()
    return {
        "name": f"projects/{project}/locations/{location}/recommenders/{recommender}/recommendations/{rid}",
        "description": f"Save cost by deleting idle resource '{resource.rsplit('/', 1)[-1]}'.",
        "recommenderSubtype": subtype,
        "lastRefreshTime": refreshed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "primaryImpact": {
            "category": "COST",
            "costProjection": {
                "cost": {"currencyCode": "USD", "units": str(units), "nanos": nanos},
                "duration": "2592000s",
            },
        },
        "content": {
            "operationGroups": [
                {
                    "operations": [
                        {
                            "action": "remove",
                            "resourceType": "compute.googleapis.com/Disk",
                            "resource": resource,
                        }
                    ]
                }
            ],
            "overview": {"resource": resource, "resourceName": resource.rsplit("/", 1)[-1]},
        },
        "stateInfo": {"state": "ACTIVE"},
        "etag": '"4f7c3bd8"',
        "priority": "P4",
    }
