"""Builders of ARM REST-shaped Azure items and a runner for the Azure checks.

Items look like what the ARM REST API (and ``model.serialize(keep_readonly=True)``) returns: ``id``,
``name``, ``type``, ``location``, ``tags``, ``sku``, ``zones``, ``managedBy`` and camelCase
``properties`` (the disk's ``LastOwnershipUpdateTime`` is PascalCase in the REST spec); timestamps are
ISO 8601 strings with seven fractional digits and an offset. VMs carry their instance view as the
``statusOnly=true`` list returns it; Activity Log events have ``{value, localizedValue}`` fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
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
SUB = "6f1c2a8e-0b7d-4c1e-9a3f-2d5e8b7c4a10"
COLLECTIONS = (
    "azure:disks",
    "azure:snapshots",
    "azure:virtual_machines",
    "azure:vm_power_events",
    "azure:availability_sets",
    "azure:network_interfaces",
    "azure:public_ip_addresses",
    "azure:load_balancers",
    "azure:application_gateways",
    "azure:nat_gateways",
    "azure:virtual_networks",
    "azure:network_security_groups",
    "azure:route_tables",
    "azure:private_endpoints",
    "azure:private_dns_zones",
    "azure:ddos_protection_plans",
    "azure:virtual_network_gateways",
    "azure:connections",
    "azure:express_route_circuits",
    "azure:ip_groups",
    "azure:frontdoor_waf_policies",
    "azure:traffic_manager_profiles",
    "azure:resource_groups",
    "azure:resources",
    "azure:web_certificates",
    "azure:api_connections",
    "azure:logic_workflows",
    "azure:sql_elastic_pools",
    "azure:sql_databases",
    "azure:app_service_plans",
)
OP = "Microsoft.Compute/virtualMachines/"
OPERATIONS = {
    "deallocate": (OP + "deallocate/action", "Deallocate Virtual Machine"),
    "powerOff": (OP + "powerOff/action", "Power Off Virtual Machine"),
    "start": (OP + "start/action", "Start Virtual Machine"),
    "restart": (OP + "restart/action", "Restart Virtual Machine"),
    "write": (OP + "write", "Create or Update Virtual Machine"),
}
POWER_TEXT = {
    "running": "VM running",
    "stopped": "VM stopped",
    "deallocated": "VM deallocated",
    "starting": "VM starting",
    "stopping": "VM stopping",
    "deallocating": "VM deallocating",
}


def stamp(when: datetime) -> str:
    """ARM's timestamp form: ``2026-11-30T10:11:12.1234567+00:00``."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"


def _guid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


class Azure:
    """What the Azure check tests build their estates with."""

    now = NOW
    sub = SUB

    def ago(self, days: float = 0, **delta: float) -> datetime:
        """``now`` minus ``days`` (and any other timedelta fields)."""
        return NOW - timedelta(days=days, **delta)

    def ts(self, days: float) -> str:
        """The ARM timestamp ``days`` before ``now``."""
        return stamp(self.ago(days))

    def rid(self, rg: str, rtype: str, name: str) -> str:
        """``/subscriptions/<sub>/resourceGroups/<rg>/providers/<rtype>/<name>``."""
        return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/{rtype}/{name}"

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
        """Run one registered check over the given collections (``disks=[...]`` is ``azure:disks``)."""
        spec = get_check(check_id)
        data: dict[str, list[Mapping[str, Any]]] = {name: [] for name in COLLECTIONS}
        for key, items in collections.items():
            name = f"azure:{key}"
            assert name in data, f"unknown collection {name}"
            data[name] = list(items)
        ctx = CheckContext.static(
            data, now=NOW, metrics=metrics, provider="azure", account=SUB, region="global", prices=prices
        )
        return list(spec.run(ctx, spec.params(**(params or {}))))

    def findings(self, check_id: str, hits: Iterable[Hit]) -> list[Finding]:
        """The engine's findings for ``hits`` (what the report totals)."""
        spec = get_check(check_id)
        selected = SelectedCheck(spec=spec, params=spec.params())
        unit = ScopeUnit(provider="azure", scope=SUB, region="global")
        return [make_finding(selected, unit, hit) for hit in hits]

    def metrics(
        self,
        check_id: str,
        item: Mapping[str, Any],
        values: Mapping[str, Iterable[float] | Mapping[str, Iterable[float]] | None],
        *,
        params: Mapping[str, Any] | None = None,
    ) -> dict[MetricKey, MetricSeries]:
        """Series keyed as the check's declared queries key them, for one resource.

        ``values`` maps a metric name to its datapoints (oldest first; used for every aggregation of
        that metric) or to ``{aggregation: datapoints}``; a metric left out or None has no series.
        """
        spec = get_check(check_id)
        assert spec.metrics is not None
        out: dict[MetricKey, MetricSeries] = {}
        for query in spec.metrics(spec.params(**(params or {}))):
            given = values.get(query.metric)
            if isinstance(given, Mapping):
                given = given.get(query.stat)
            if given is None:
                continue
            points = [float(v) for v in given]
            step = timedelta(seconds=query.period_s)
            stamps = tuple(NOW - step * (len(points) - n) for n in range(len(points)))
            out[query.key(str(item["id"]))] = MetricSeries(
                timestamps=stamps,
                values=tuple(points),
                stat=query.stat,
                period_s=query.period_s,
                days=query.days,
            )
        return out

    # --- Microsoft.Compute ------------------------------------------------------------------------

    def disk(
        self,
        name: str,
        *,
        rg: str = "rg-app",
        sku: str = "Premium_LRS",
        size: int = 128,
        state: str = "Unattached",
        vm: Mapping[str, Any] | str | None = None,
        age: float = 120,
        ownership_age: float | None = 60,
        tier: str | None = None,
        iops: int | None = None,
        mbps: int | None = None,
        tags: Mapping[str, str] | None = None,
        zones: Iterable[str] | None = None,
        location: str = "eastus",
        encryption: str = "EncryptionAtRestWithPlatformKey",
        bursting: bool | None = None,
        bursting_age: float | None = None,
        max_shares: int | None = None,
        os_type: str | None = None,
        source: str | None = None,
    ) -> dict[str, Any]:
        """A Disks - List item. ``vm`` (a VM item or id) makes it ``Attached`` unless ``state`` says
        ``Reserved``; ``ownership_age`` None leaves out ``LastOwnershipUpdateTime`` (never attached)."""
        disk_id = self.rid(rg, "Microsoft.Compute/disks", name)
        vm_id = vm if isinstance(vm, str) or vm is None else str(vm["id"])
        if vm_id and state == "Unattached":
            state = "Attached"
        tier_name = tier
        if tier_name is None and sku.startswith("Premium_"):
            tier_name = _premium_tier(size)
        default_iops, default_mbps = _default_perf(sku, size)
        props: dict[str, Any] = {
            "creationData": {"createOption": "Copy", "sourceResourceId": source}
            if source
            else {"createOption": "Empty"},
            "diskSizeGB": size,
            "diskSizeBytes": size * 1024**3,
            "uniqueId": _guid(disk_id),
            "encryption": {"type": encryption},
            "networkAccessPolicy": "AllowAll",
            "publicNetworkAccess": "Enabled",
            "timeCreated": self.ts(age),
            "provisioningState": "Succeeded",
            "diskState": state,
            "diskIOPSReadWrite": iops if iops is not None else default_iops,
            "diskMBpsReadWrite": mbps if mbps is not None else default_mbps,
        }
        if tier_name:
            props["tier"] = tier_name
        if ownership_age is not None:
            props["LastOwnershipUpdateTime"] = self.ts(ownership_age)
        if encryption != "EncryptionAtRestWithPlatformKey":
            props["encryption"]["diskEncryptionSetId"] = self.rid(
                rg, "Microsoft.Compute/diskEncryptionSets", "des-cmk"
            )
        if bursting is not None:
            props["burstingEnabled"] = bursting
            if bursting and bursting_age is not None:
                props["burstingEnabledTime"] = self.ts(bursting_age)
        if max_shares is not None:
            props["maxShares"] = max_shares
        if os_type:
            props["osType"] = os_type
            props["hyperVGeneration"] = "V2"
        item: dict[str, Any] = {
            "id": disk_id,
            "name": name,
            "type": "Microsoft.Compute/disks",
            "location": location,
            "tags": dict(tags or {}),
            "sku": {"name": sku, "tier": "Premium" if sku.startswith("Premium") else "Standard"},
            "properties": props,
        }
        if vm_id:
            item["managedBy"] = vm_id
        if zones:
            item["zones"] = list(zones)
        return item

    def vm(
        self,
        name: str,
        *,
        rg: str = "rg-app",
        size: str = "Standard_D4s_v5",
        state: str | None = "running",
        age: float = 200,
        os_disk: Mapping[str, Any] | str | None = None,
        data_disks: Iterable[Mapping[str, Any] | str] = (),
        nics: Iterable[Mapping[str, Any] | str] = (),
        priority: str | None = None,
        tags: Mapping[str, str] | None = None,
        os_type: str = "Linux",
        location: str = "eastus",
        license_type: str | None = None,
        availability_set: str | None = None,
    ) -> dict[str, Any]:
        """A Virtual Machines - List All item with ``statusOnly=true`` (instance view statuses)."""
        vm_id = self.rid(rg, "Microsoft.Compute/virtualMachines", name)

        def ref(item: Mapping[str, Any] | str) -> str:
            return item if isinstance(item, str) else str(item["id"])

        os_ref = (
            ref(os_disk)
            if os_disk is not None
            else self.rid(rg, "Microsoft.Compute/disks", f"{name}_OsDisk_1")
        )
        statuses: list[dict[str, Any]] = [
            {
                "code": "ProvisioningState/succeeded",
                "level": "Info",
                "displayStatus": "Provisioning succeeded",
                "time": self.ts(min(age, 3)),
            }
        ]
        if state:
            statuses.append(
                {"code": f"PowerState/{state}", "level": "Info", "displayStatus": POWER_TEXT[state]}
            )
        props: dict[str, Any] = {
            "vmId": _guid(vm_id),
            "hardwareProfile": {"vmSize": size},
            "storageProfile": {
                "imageReference": {
                    "publisher": "Canonical",
                    "offer": "0001-com-ubuntu-server-jammy",
                    "sku": "22_04-lts-gen2",
                    "version": "latest",
                },
                "osDisk": {
                    "osType": os_type,
                    "name": os_ref.rsplit("/", 1)[-1],
                    "createOption": "FromImage",
                    "caching": "ReadWrite",
                    "managedDisk": {"storageAccountType": "Premium_LRS", "id": os_ref},
                    "deleteOption": "Detach",
                    "diskSizeGB": 30,
                },
                "dataDisks": [
                    {
                        "lun": n,
                        "name": ref(d).rsplit("/", 1)[-1],
                        "createOption": "Attach",
                        "caching": "None",
                        "managedDisk": {"storageAccountType": "Premium_LRS", "id": ref(d)},
                        "deleteOption": "Detach",
                        "toBeDetached": False,
                    }
                    for n, d in enumerate(data_disks)
                ],
            },
            "osProfile": {"computerName": name, "adminUsername": "azureuser"},
            "networkProfile": {
                "networkInterfaces": [
                    {"id": ref(n), "properties": {"primary": i == 0}} for i, n in enumerate(nics)
                ]
            },
            "provisioningState": "Succeeded",
            "timeCreated": self.ts(age),
            "instanceView": {"statuses": statuses},
        }
        if priority:
            props["priority"] = priority
            if priority == "Spot":
                props["evictionPolicy"] = "Deallocate"
                props["billingProfile"] = {"maxPrice": -1}
        if license_type:
            props["licenseType"] = license_type
        if availability_set:
            props["availabilitySet"] = {"id": availability_set}
        return {
            "id": vm_id,
            "name": name,
            "type": "Microsoft.Compute/virtualMachines",
            "location": location,
            "tags": dict(tags or {}),
            "properties": props,
        }

    def snapshot(
        self,
        name: str,
        *,
        source: Mapping[str, Any] | str | None = None,
        rg: str = "rg-app",
        sku: str = "Standard_LRS",
        size: int = 128,
        age: float = 100,
        incremental: bool = True,
        tags: Mapping[str, str] | None = None,
        source_unique_id: str | None = None,
        location: str = "eastus",
        create_option: str | None = None,
    ) -> dict[str, Any]:
        """A Snapshots - List item taken from ``source`` (a disk item or an id)."""
        snap_id = self.rid(rg, "Microsoft.Compute/snapshots", name)
        creation: dict[str, Any] = {"createOption": create_option or ("Copy" if source else "Import")}
        if source is not None:
            source_id = source if isinstance(source, str) else str(source["id"])
            creation["sourceResourceId"] = source_id
            unique = source_unique_id or (
                _guid(source_id) if isinstance(source, str) else source["properties"]["uniqueId"]
            )
            creation["sourceUniqueId"] = unique
        else:
            creation["sourceUri"] = "https://exportstore.blob.core.windows.net/vhds/imported.vhd"
            creation["storageAccountId"] = self.rid(rg, "Microsoft.Storage/storageAccounts", "exportstore")
        props: dict[str, Any] = {
            "osType": "Linux",
            "hyperVGeneration": "V2",
            "creationData": creation,
            "diskSizeGB": size,
            "diskSizeBytes": size * 1024**3,
            "uniqueId": _guid(snap_id),
            "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
            "incremental": incremental,
            "timeCreated": self.ts(age),
            "provisioningState": "Succeeded",
            "diskState": "Unattached",
            "networkAccessPolicy": "AllowAll",
            "publicNetworkAccess": "Enabled",
            "dataAccessAuthMode": "None",
        }
        if incremental and source is not None:
            props["incrementalSnapshotFamilyId"] = _guid("family:" + str(creation["sourceUniqueId"]))
        return {
            "id": snap_id,
            "name": name,
            "type": "Microsoft.Compute/snapshots",
            "location": location,
            "tags": dict(tags or {}),
            "sku": {"name": sku, "tier": "Premium" if sku.startswith("Premium") else "Standard"},
            "properties": props,
        }

    def event(
        self,
        vm: Mapping[str, Any] | str,
        operation: str,
        days_ago: float,
        *,
        status: str = "Succeeded",
        correlation: str | None = None,
    ) -> dict[str, Any]:
        """An Activity Log event (Microsoft.Insights eventtypes/management/values item)."""
        vm_id = vm if isinstance(vm, str) else str(vm["id"])
        value, text = OPERATIONS[operation]
        rg = vm_id.split("/")[4]
        correlation = correlation or _guid(f"{vm_id}:{operation}:{days_ago}")
        return {
            "authorization": {"action": value, "scope": vm_id},
            "caller": "alice@contoso.com",
            "channels": "Operation",
            "claims": {},
            "correlationId": correlation,
            "description": "",
            "eventDataId": _guid(f"{correlation}:{status}"),
            "eventName": {
                "value": "EndRequest" if status != "Started" else "BeginRequest",
                "localizedValue": "",
            },
            "category": {"value": "Administrative", "localizedValue": "Administrative"},
            "eventTimestamp": self.ts(days_ago),
            "id": f"{vm_id}/events/{_guid(correlation + status)}/ticks/638000000000000000",
            "level": "Informational",
            "operationId": correlation,
            "operationName": {"value": value, "localizedValue": text},
            "resourceGroupName": rg,
            "resourceProviderName": {"value": "Microsoft.Compute", "localizedValue": "Microsoft.Compute"},
            "resourceType": {"value": "Microsoft.Compute/virtualMachines", "localizedValue": ""},
            "resourceId": vm_id,
            "status": {"value": status, "localizedValue": status},
            "subStatus": {"value": "", "localizedValue": ""},
            "submissionTimestamp": self.ts(days_ago - 0.001),
            "subscriptionId": SUB,
        }

    def availability_set(
        self, name: str, *, rg: str = "rg-app", vms: Iterable[Mapping[str, Any] | str] = ()
    ) -> dict[str, Any]:
        """An Availability Sets - List item."""
        return {
            "id": self.rid(rg, "Microsoft.Compute/availabilitySets", name),
            "name": name,
            "type": "Microsoft.Compute/availabilitySets",
            "location": "eastus",
            "tags": {},
            "sku": {"name": "Aligned"},
            "properties": {
                "platformUpdateDomainCount": 5,
                "platformFaultDomainCount": 2,
                "virtualMachines": [{"id": v if isinstance(v, str) else v["id"]} for v in vms],
            },
        }

    # --- Microsoft.Network (what the compute checks read) -----------------------------------------

    def nic(
        self,
        name: str,
        *,
        rg: str = "rg-app",
        vm: Mapping[str, Any] | str | None = None,
        public_ip: Mapping[str, Any] | str | None = None,
    ) -> dict[str, Any]:
        """A Network Interfaces - List item with one IP configuration."""
        nic_id = self.rid(rg, "Microsoft.Network/networkInterfaces", name)
        config: dict[str, Any] = {
            "privateIPAddress": "10.0.0.4",
            "privateIPAllocationMethod": "Dynamic",
            "privateIPAddressVersion": "IPv4",
            "subnet": {
                "id": self.rid(rg, "Microsoft.Network/virtualNetworks", "vnet-app") + "/subnets/default"
            },
            "primary": True,
            "provisioningState": "Succeeded",
        }
        if public_ip is not None:
            config["publicIPAddress"] = {"id": public_ip if isinstance(public_ip, str) else public_ip["id"]}
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "ipConfigurations": [
                {"id": f"{nic_id}/ipConfigurations/ipconfig1", "name": "ipconfig1", "properties": config}
            ],
            "enableAcceleratedNetworking": True,
            "primary": True,
            "nicType": "Standard",
        }
        if vm is not None:
            props["virtualMachine"] = {"id": vm if isinstance(vm, str) else vm["id"]}
        return {
            "id": nic_id,
            "name": name,
            "type": "Microsoft.Network/networkInterfaces",
            "location": "eastus",
            "tags": {},
            "properties": props,
        }

    def public_ip(
        self,
        name: str,
        *,
        rg: str = "rg-app",
        sku: str = "Standard",
        allocation: str = "Static",
        address: str | None = "20.62.10.4",
        ip_config: str | None = None,
    ) -> dict[str, Any]:
        """A Public IP Addresses - List item."""
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "publicIPAddressVersion": "IPv4",
            "publicIPAllocationMethod": allocation,
            "idleTimeoutInMinutes": 4,
        }
        if address:
            props["ipAddress"] = address
        if ip_config:
            props["ipConfiguration"] = {"id": ip_config}
        return {
            "id": self.rid(rg, "Microsoft.Network/publicIPAddresses", name),
            "name": name,
            "type": "Microsoft.Network/publicIPAddresses",
            "location": "eastus",
            "tags": {},
            "sku": {"name": sku, "tier": "Regional"},
            "properties": props,
        }


PREMIUM_TIERS = ((4, "P1"), (8, "P2"), (16, "P3"), (32, "P4"), (64, "P6"), (128, "P10"), (256, "P15"),
                 (512, "P20"), (1024, "P30"), (2048, "P40"), (4096, "P50"), (8192, "P60"), (16384, "P70"),
                 (32767, "P80"))  # fmt: skip
PREMIUM_PERF = {"P1": (120, 25), "P2": (120, 25), "P3": (120, 25), "P4": (120, 25), "P6": (240, 50),
                "P10": (500, 100), "P15": (1100, 125), "P20": (2300, 150), "P30": (5000, 200),
                "P40": (7500, 250), "P50": (7500, 250), "P60": (16000, 500), "P70": (18000, 750),
                "P80": (20000, 900)}  # fmt: skip


def _premium_tier(size: int) -> str:
    return next((t for limit, t in PREMIUM_TIERS if size <= limit), "P80")


def _default_perf(sku: str, size: int) -> tuple[int, int]:
    """The IOPS and MB/s ARM reports for a disk of ``sku`` and ``size``."""
    if sku.startswith("Premium_"):
        return PREMIUM_PERF[_premium_tier(size)]
    if sku.startswith("PremiumV2"):
        return 3000, 125
    if sku.startswith("UltraSSD"):
        return max(100, size), max(1, size // 4)
    return 500, 60


@pytest.fixture
def az() -> Azure:
    """The Azure estate builder and check runner."""
    return Azure()


@pytest.fixture
def hit_ok() -> Any:
    """Checks the parts every Azure hit must have: a reason sentence, an ARM id and a region."""

    def check(hit: Hit) -> Hit:
        assert hit.reason.endswith("."), hit.reason
        assert "\n" not in hit.reason
        assert hit.resource.id.startswith(f"/subscriptions/{SUB}/resourceGroups/")
        assert hit.resource.arn == hit.resource.id
        assert hit.region and hit.region != "global"
        return hit

    return check


# --- added by the network and resource checks (N) -------------------------------------------------


def _ref(item: Mapping[str, Any] | str) -> dict[str, str]:
    """An ARM reference ``{"id": ...}`` to an item or an id."""
    return {"id": item if isinstance(item, str) else str(item["id"])}


class Net(Azure):
    """Builders of Microsoft.Network, Microsoft.Web, Microsoft.Sql and resource-group items."""

    def _item(
        self,
        rg: str,
        rtype: str,
        name: str,
        props: dict[str, Any],
        *,
        location: str = "eastus",
        tags: Mapping[str, str] | None = None,
        sku: Mapping[str, Any] | None = None,
        zones: Iterable[str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.rid(rg, rtype, name),
            "name": name,
            "type": rtype,
            "location": location,
            "tags": dict(tags or {}),
            "etag": f'W/"{_guid(name)}"',
            "properties": {"provisioningState": "Succeeded", **props},
        }
        if sku is not None:
            item["sku"] = dict(sku)
        if zones:
            item["zones"] = list(zones)
        item.update(extra or {})
        return item

    def ip(
        self,
        name: str,
        *,
        rg: str = "rg-net",
        sku: str = "Standard",
        tier: str = "Regional",
        allocation: str = "Static",
        address: str | None = "20.62.10.4",
        config: str | None = None,
        nat: Mapping[str, Any] | str | None = None,
        prefix: str | None = None,
        ddos: str | None = None,
        zones: Iterable[str] | None = None,
        tags: Mapping[str, str] | None = None,
        state: str = "Succeeded",
        location: str = "eastus",
    ) -> dict[str, Any]:
        """A Public IP Addresses - List item; ``config`` is the IP configuration id it is bound to."""
        props: dict[str, Any] = {
            "provisioningState": state,
            "resourceGuid": _guid(name),
            "publicIPAddressVersion": "IPv4",
            "publicIPAllocationMethod": allocation,
            "idleTimeoutInMinutes": 4,
            "ipTags": [],
        }
        if address:
            props["ipAddress"] = address
        if config:
            props["ipConfiguration"] = {"id": config}
        if nat is not None:
            props["natGateway"] = _ref(nat)
        if prefix:
            props["publicIPPrefix"] = {"id": prefix}
        if ddos:
            props["ddosSettings"] = {"protectionMode": ddos}
        return self._item(
            rg,
            "Microsoft.Network/publicIPAddresses",
            name,
            props,
            location=location,
            tags=tags,
            sku={"name": sku, "tier": tier},
            zones=zones,
        )

    def subnet_id(self, vnet: str = "vnet-app", subnet: str = "default", rg: str = "rg-net") -> str:
        """A subnet id."""
        return self.rid(rg, "Microsoft.Network/virtualNetworks", vnet) + f"/subnets/{subnet}"

    def net_nic(
        self,
        name: str,
        *,
        rg: str = "rg-net",
        vm: Mapping[str, Any] | str | None = None,
        public_ip: Mapping[str, Any] | str | None = None,
        subnet: str | None = None,
        private_endpoint: str | None = None,
        private_link_service: str | None = None,
        hosted_workloads: Iterable[str] = (),
        nsg: str | None = None,
    ) -> dict[str, Any]:
        """A Network Interfaces - List item with one IP configuration in ``subnet``."""
        nic_id = self.rid(rg, "Microsoft.Network/networkInterfaces", name)
        config: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "privateIPAddress": "10.0.0.4",
            "privateIPAllocationMethod": "Dynamic",
            "privateIPAddressVersion": "IPv4",
            "subnet": {"id": subnet or self.subnet_id()},
            "primary": True,
        }
        if public_ip is not None:
            config["publicIPAddress"] = _ref(public_ip)
        props: dict[str, Any] = {
            "resourceGuid": _guid(nic_id),
            "ipConfigurations": [
                {"id": f"{nic_id}/ipConfigurations/ipconfig1", "name": "ipconfig1", "properties": config}
            ],
            "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
            "enableAcceleratedNetworking": False,
            "enableIPForwarding": False,
            "hostedWorkloads": list(hosted_workloads),
            "nicType": "Standard",
        }
        if vm is not None:
            props["virtualMachine"] = _ref(vm)
        if private_endpoint:
            props["privateEndpoint"] = {"id": private_endpoint}
        if private_link_service:
            props["privateLinkService"] = {"id": private_link_service}
        if nsg:
            props["networkSecurityGroup"] = {"id": nsg}
        return self._item(rg, "Microsoft.Network/networkInterfaces", name, props)

    @staticmethod
    def config_of(nic: Mapping[str, Any]) -> str:
        """The id of a NIC's first IP configuration."""
        return str(nic["properties"]["ipConfigurations"][0]["id"])

    def lb(
        self,
        name: str,
        *,
        rg: str = "rg-net",
        sku: str = "Standard",
        tier: str = "Regional",
        public_ips: Iterable[Mapping[str, Any] | str] = (),
        backends: Iterable[str] = (),
        backend_addresses: Iterable[str] = (),
        pools: int = 1,
        rules: int = 1,
        nat_rules: Iterable[str | None] = (),
        outbound_rules: int = 0,
        probes: int = 1,
        rule_pool: str | None = "first",
        state: str = "Succeeded",
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A Load Balancers - List item. ``backends`` are NIC IP configuration ids in the first pool;
        ``rule_pool`` is the pool its rules use: "first", "none" (no pool) or an explicit pool id."""
        lb_id = self.rid(rg, "Microsoft.Network/loadBalancers", name)
        fes = [
            {
                "id": f"{lb_id}/frontendIPConfigurations/fe{i}",
                "name": f"fe{i}",
                "properties": {
                    "provisioningState": "Succeeded",
                    "privateIPAllocationMethod": "Dynamic",
                    "publicIPAddress": _ref(ip),
                },
            }
            for i, ip in enumerate(public_ips)
        ] or [
            {
                "id": f"{lb_id}/frontendIPConfigurations/fe-internal",
                "name": "fe-internal",
                "properties": {
                    "provisioningState": "Succeeded",
                    "privateIPAddress": "10.0.1.10",
                    "privateIPAllocationMethod": "Static",
                    "subnet": {"id": self.subnet_id(subnet="lb")},
                },
            }
        ]
        pool_items = []
        for i in range(pools):
            pp: dict[str, Any] = {"provisioningState": "Succeeded", "loadBalancerBackendAddresses": []}
            if i == 0:
                pp["backendIPConfigurations"] = [{"id": b} for b in backends]
                pp["loadBalancerBackendAddresses"] = [
                    {
                        "name": f"addr{n}",
                        "properties": {
                            "ipAddress": a,
                            "virtualNetwork": {
                                "id": self.rid(rg, "Microsoft.Network/virtualNetworks", "vnet-app")
                            },
                        },
                    }
                    for n, a in enumerate(backend_addresses)
                ]
            pool_items.append(
                {"id": f"{lb_id}/backendAddressPools/pool{i}", "name": f"pool{i}", "properties": pp}
            )
        probe_items = [
            {
                "id": f"{lb_id}/probes/probe{i}",
                "name": f"probe{i}",
                "properties": {
                    "protocol": "Tcp",
                    "port": 80,
                    "intervalInSeconds": 5,
                    "numberOfProbes": 1,
                    "probeThreshold": 1,
                    "provisioningState": "Succeeded",
                },
            }
            for i in range(probes)
        ]
        rule_items = []
        for i in range(rules):
            rp: dict[str, Any] = {
                "provisioningState": "Succeeded",
                "frontendIPConfiguration": {"id": fes[0]["id"]},
                "frontendPort": 80 + i,
                "backendPort": 80 + i,
                "protocol": "Tcp",
                "enableFloatingIP": False,
                "idleTimeoutInMinutes": 4,
                "loadDistribution": "Default",
                "disableOutboundSnat": True,
            }
            if probe_items:
                rp["probe"] = {"id": probe_items[0]["id"]}
            if rule_pool == "first" and pool_items:
                rp["backendAddressPool"] = {"id": pool_items[0]["id"]}
                rp["backendAddressPools"] = [{"id": pool_items[0]["id"]}]
            elif rule_pool not in ("first", "none", None):
                rp["backendAddressPool"] = {"id": rule_pool}
            rule_items.append(
                {"id": f"{lb_id}/loadBalancingRules/rule{i}", "name": f"rule{i}", "properties": rp}
            )
        nat_items = []
        for i, target in enumerate(nat_rules):
            np_: dict[str, Any] = {
                "provisioningState": "Succeeded",
                "frontendIPConfiguration": {"id": fes[0]["id"]},
                "frontendPort": 50000 + i,
                "backendPort": 22,
                "protocol": "Tcp",
            }
            if target:
                np_["backendIPConfiguration"] = {"id": target}
            nat_items.append({"id": f"{lb_id}/inboundNatRules/nat{i}", "name": f"nat{i}", "properties": np_})
        outbound_items = [
            {
                "id": f"{lb_id}/outboundRules/out{i}",
                "name": f"out{i}",
                "properties": {
                    "provisioningState": "Succeeded",
                    "allocatedOutboundPorts": 1024,
                    "protocol": "All",
                    "frontendIPConfigurations": [{"id": fes[0]["id"]}],
                    "backendAddressPool": {"id": pool_items[0]["id"]} if pool_items else None,
                },
            }
            for i in range(outbound_rules)
        ]
        props = {
            "provisioningState": state,
            "resourceGuid": _guid(lb_id),
            "frontendIPConfigurations": fes,
            "backendAddressPools": pool_items,
            "loadBalancingRules": rule_items,
            "probes": probe_items,
            "inboundNatRules": nat_items,
            "outboundRules": outbound_items,
            "inboundNatPools": [],
        }
        return self._item(
            rg, "Microsoft.Network/loadBalancers", name, props, sku={"name": sku, "tier": tier}, tags=tags
        )

    @staticmethod
    def frontend_of(item: Mapping[str, Any], n: int = 0) -> str:
        """The id of an LB's or application gateway's ``n``-th frontend IP configuration."""
        return str(item["properties"]["frontendIPConfigurations"][n]["id"])

    def appgw(
        self,
        name: str,
        *,
        rg: str = "rg-net",
        sku: str = "Standard_v2",
        capacity: int | None = 2,
        autoscale: tuple[int, int] | None = None,
        state: str = "Running",
        public_ips: Iterable[Mapping[str, Any] | str] = (),
        addresses: Iterable[Mapping[str, str]] = (),
        backend_configs: Iterable[str] = (),
        redirect_only: bool = False,
    ) -> dict[str, Any]:
        """An Application Gateways - List item (its ``sku`` is under ``properties``, as ARM has it)."""
        gw_id = self.rid(rg, "Microsoft.Network/applicationGateways", name)
        tier = {
            "Standard_Small": "Standard",
            "Standard_Medium": "Standard",
            "Standard_Large": "Standard",
            "WAF_Medium": "WAF",
            "WAF_Large": "WAF",
        }.get(sku, sku)
        sku_obj: dict[str, Any] = {"name": sku, "tier": tier}
        if capacity is not None and autoscale is None:
            sku_obj["capacity"] = capacity
        pool = {
            "id": f"{gw_id}/backendAddressPools/pool0",
            "name": "pool0",
            "properties": {
                "provisioningState": "Succeeded",
                "backendAddresses": [dict(a) for a in addresses],
                "backendIPConfigurations": [{"id": c} for c in backend_configs],
            },
        }
        listener = {"id": f"{gw_id}/httpListeners/listener0"}
        rule_props: dict[str, Any] = {"ruleType": "Basic", "priority": 100, "httpListener": listener}
        redirects = []
        if redirect_only:
            redirect = {"id": f"{gw_id}/redirectConfigurations/to-https"}
            rule_props["redirectConfiguration"] = redirect
            redirects = [
                {
                    "id": redirect["id"],
                    "name": "to-https",
                    "properties": {"redirectType": "Permanent", "targetUrl": "https://contoso.com"},
                }
            ]
        else:
            rule_props["backendAddressPool"] = {"id": pool["id"]}
            rule_props["backendHttpSettings"] = {"id": f"{gw_id}/backendHttpSettingsCollection/http"}
        props: dict[str, Any] = {
            "resourceGuid": _guid(gw_id),
            "sku": sku_obj,
            "operationalState": state,
            "gatewayIPConfigurations": [
                {
                    "id": f"{gw_id}/gatewayIPConfigurations/gwip",
                    "name": "gwip",
                    "properties": {"subnet": {"id": self.subnet_id(subnet="appgw")}},
                }
            ],
            "frontendIPConfigurations": [
                {
                    "id": f"{gw_id}/frontendIPConfigurations/fe{i}",
                    "name": f"fe{i}",
                    "properties": {"privateIPAllocationMethod": "Dynamic", "publicIPAddress": _ref(ip)},
                }
                for i, ip in enumerate(public_ips)
            ],
            "backendAddressPools": [pool],
            "requestRoutingRules": [
                {"id": f"{gw_id}/requestRoutingRules/rule0", "name": "rule0", "properties": rule_props}
            ],
            "redirectConfigurations": redirects,
        }
        if autoscale is not None:
            props["autoscaleConfiguration"] = {"minCapacity": autoscale[0], "maxCapacity": autoscale[1]}
        return self._item(rg, "Microsoft.Network/applicationGateways", name, props)

    def nat(
        self,
        name: str,
        *,
        rg: str = "rg-net",
        subnets: Iterable[str] = (),
        public_ips: Iterable[Mapping[str, Any] | str] = (),
        prefixes: Iterable[str] = (),
        zones: Iterable[str] | None = None,
        sku: str = "Standard",
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A NAT Gateways - List item."""
        props: dict[str, Any] = {
            "resourceGuid": _guid(name),
            "idleTimeoutInMinutes": 4,
            "publicIpAddresses": [_ref(i) for i in public_ips],
            "publicIpPrefixes": [{"id": p} for p in prefixes],
            "subnets": [{"id": s} for s in subnets],
        }
        if not props["subnets"]:
            del props["subnets"]  # ARM omits an empty list
        return self._item(
            rg, "Microsoft.Network/natGateways", name, props, sku={"name": sku}, zones=zones, tags=tags
        )

    def subnet(
        self,
        name: str = "default",
        *,
        vnet: str = "vnet-app",
        rg: str = "rg-net",
        configs: Iterable[str] = (),
        nat: Mapping[str, Any] | str | None = None,
        delegations: Iterable[str] = (),
        service_endpoints: Iterable[str] = (),
        service_links: int = 0,
        private_endpoints: Iterable[str] = (),
        appgw_configs: Iterable[str] = (),
    ) -> dict[str, Any]:
        """A subnet as the VNet list returns it (``ipConfigurations`` hold ids; ARM omits empty lists)."""
        sid = self.subnet_id(vnet, name, rg)
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "addressPrefix": "10.0.0.0/24",
            "delegations": [
                {
                    "id": f"{sid}/delegations/d{n}",
                    "name": f"d{n}",
                    "properties": {"serviceName": service, "actions": []},
                }
                for n, service in enumerate(delegations)
            ],
            "privateEndpointNetworkPolicies": "Disabled",
            "privateLinkServiceNetworkPolicies": "Enabled",
        }
        if configs:
            props["ipConfigurations"] = [{"id": c} for c in configs]
        if nat is not None:
            props["natGateway"] = _ref(nat)
        if service_endpoints:
            props["serviceEndpoints"] = [
                {"service": s, "locations": ["eastus"], "provisioningState": "Succeeded"}
                for s in service_endpoints
            ]
        if service_links:
            props["serviceAssociationLinks"] = [
                {
                    "id": f"{sid}/serviceAssociationLinks/AppServiceLink",
                    "name": "AppServiceLink",
                    "properties": {"linkedResourceType": "Microsoft.Web/serverfarms"},
                }
            ]
        if private_endpoints:
            props["privateEndpoints"] = [{"id": p} for p in private_endpoints]
        if appgw_configs:
            props["applicationGatewayIPConfigurations"] = [{"id": c} for c in appgw_configs]
        return {
            "id": sid,
            "name": name,
            "type": "Microsoft.Network/virtualNetworks/subnets",
            "properties": props,
        }

    def vnet(
        self,
        name: str = "vnet-app",
        *,
        rg: str = "rg-net",
        subnets: Iterable[Mapping[str, Any]] = (),
        ddos_plan: str | None = None,
        location: str = "eastus",
    ) -> dict[str, Any]:
        """A Virtual Networks - List item."""
        props: dict[str, Any] = {
            "resourceGuid": _guid(name),
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [dict(s) for s in subnets],
            "virtualNetworkPeerings": [],
            "enableDdosProtection": bool(ddos_plan),
        }
        if ddos_plan:
            props["ddosProtectionPlan"] = {"id": ddos_plan}
        return self._item(rg, "Microsoft.Network/virtualNetworks", name, props, location=location)

    def simple(
        self, rtype: str, name: str, props: dict[str, Any], *, rg: str = "rg-net", **kw: Any
    ) -> dict[str, Any]:
        """Any ARM item of ``rtype`` with ``props`` (NSGs, route tables, private endpoints, DNS zones...)."""
        return self._item(rg, rtype, name, props, **kw)

    def vm_in_zone(self, name: str, zone: str | None, **kw: Any) -> dict[str, Any]:
        """A VM (see :meth:`Azure.vm`) pinned to ``zone``."""
        vm = self.vm(name, **kw)
        if zone:
            vm["zones"] = [zone]
        return vm


@pytest.fixture
def net() -> Net:
    """The network/resource estate builder and check runner."""
    return Net()
