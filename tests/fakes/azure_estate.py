"""ARM resources in REST form (shapes from the ARM REST reference), for the fake ARM and check tests.

Each builder returns one resource as a subscription-wide list returns it: ``id``, ``name``, ``type``,
``location``, ``tags``, ``sku``, ``zones``, ``managedBy`` and camelCase ``properties`` with ISO 8601
timestamps carrying 7 fractional digits and ``+00:00``, as ARM writes them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

COMPUTE = "Microsoft.Compute"
NETWORK = "Microsoft.Network"


def ts(when: datetime) -> str:
    """An ARM timestamp: ``2024-05-01T10:11:12.1234567+00:00``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"


def rid(sub: str, rg: str, rtype: str, name: str) -> str:
    """``/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}``."""
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{rtype}/{name}"


def resource(
    sub: str,
    rg: str,
    rtype: str,
    name: str,
    properties: dict[str, Any] | None = None,
    *,
    location: str = "westeurope",
    tags: dict[str, str] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A generic ARM resource; ``top`` adds top-level fields (sku, kind, zones, managedBy, etc)."""
    item: dict[str, Any] = {
        "id": rid(sub, rg, rtype, name),
        "name": name.split("/")[-1],
        "type": rtype,
        "location": location,
        "tags": tags or {},
    }
    item.update({k: v for k, v in top.items() if v is not None})
    item["properties"] = {"provisioningState": "Succeeded", **(properties or {})}
    return item


def disk(
    sub: str,
    rg: str,
    name: str,
    *,
    created: datetime,
    state: str = "Unattached",
    size_gb: int = 128,
    sku: str = "Premium_LRS",
    tier: str | None = "P10",
    managed_by: str | None = None,
    last_ownership: datetime | None = None,
    location: str = "westeurope",
    tags: dict[str, str] | None = None,
    zones: list[str] | None = None,
) -> dict[str, Any]:
    """A managed disk (``Microsoft.Compute/disks``)."""
    props: dict[str, Any] = {
        "creationData": {"createOption": "Empty"},
        "diskSizeGB": size_gb,
        "diskSizeBytes": size_gb * 1024**3,
        "diskIOPSReadWrite": 500,
        "diskMBpsReadWrite": 100,
        "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
        "networkAccessPolicy": "AllowAll",
        "publicNetworkAccess": "Enabled",
        "timeCreated": ts(created),
        "diskState": state,
        "uniqueId": str(uuid.uuid4()),
    }
    if tier:
        props["tier"] = tier
    if last_ownership:
        props["lastOwnershipUpdateTime"] = ts(last_ownership)
    return resource(
        sub,
        rg,
        f"{COMPUTE}/disks",
        name,
        props,
        location=location,
        tags=tags,
        managedBy=managed_by,
        sku={"name": sku, "tier": sku.split("_")[0].replace("SSD", "")},
        zones=zones,
    )


def snapshot(
    sub: str,
    rg: str,
    name: str,
    *,
    created: datetime,
    source_id: str,
    size_gb: int = 128,
    incremental: bool = True,
    sku: str = "Standard_LRS",
    location: str = "westeurope",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A disk snapshot (``Microsoft.Compute/snapshots``)."""
    props = {
        "creationData": {
            "createOption": "Copy",
            "sourceResourceId": source_id,
            "sourceUniqueId": str(uuid.uuid4()),
        },
        "diskSizeGB": size_gb,
        "diskSizeBytes": size_gb * 1024**3,
        "incremental": incremental,
        "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
        "timeCreated": ts(created),
        "diskState": "Unattached",
        "uniqueId": str(uuid.uuid4()),
    }
    return resource(
        sub,
        rg,
        f"{COMPUTE}/snapshots",
        name,
        props,
        location=location,
        tags=tags,
        sku={"name": sku, "tier": "Standard"},
    )


def vm(
    sub: str,
    rg: str,
    name: str,
    *,
    created: datetime,
    power: str = "running",
    size: str = "Standard_D2s_v3",
    os_disk_id: str | None = None,
    data_disk_ids: tuple[str, ...] = (),
    nic_ids: tuple[str, ...] = (),
    priority: str | None = None,
    location: str = "westeurope",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A virtual machine with its instance view statuses (served only with ``statusOnly=true``)."""
    os_disk: dict[str, Any] = {
        "osType": "Linux",
        "name": f"{name}_OsDisk",
        "createOption": "FromImage",
        "caching": "ReadWrite",
        "diskSizeGB": 30,
        "deleteOption": "Delete",
        "managedDisk": {"storageAccountType": "Premium_LRS"},
    }
    if os_disk_id:
        os_disk["managedDisk"]["id"] = os_disk_id
        os_disk["name"] = os_disk_id.rsplit("/", 1)[-1]
    display = {"running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated"}
    props: dict[str, Any] = {
        "vmId": str(uuid.uuid4()),
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {
            "imageReference": {
                "publisher": "Canonical",
                "offer": "ubuntu-24_04-lts",
                "sku": "server",
                "version": "latest",
            },
            "osDisk": os_disk,
            "dataDisks": [
                {
                    "lun": i,
                    "name": d.rsplit("/", 1)[-1],
                    "createOption": "Attach",
                    "caching": "None",
                    "diskSizeGB": 128,
                    "managedDisk": {"storageAccountType": "Premium_LRS", "id": d},
                    "deleteOption": "Detach",
                }
                for i, d in enumerate(data_disk_ids)
            ],
        },
        "osProfile": {"computerName": name, "adminUsername": "azureuser", "linuxConfiguration": {}},
        "networkProfile": {
            "networkInterfaces": [
                {"id": nic, "properties": {"primary": i == 0, "deleteOption": "Detach"}}
                for i, nic in enumerate(nic_ids)
            ]
        },
        "timeCreated": ts(created),
        "instanceView": {
            "statuses": [
                {
                    "code": "ProvisioningState/succeeded",
                    "level": "Info",
                    "displayStatus": "Provisioning succeeded",
                    "time": ts(created),
                },
                {"code": f"PowerState/{power}", "level": "Info", "displayStatus": display.get(power, power)},
            ]
        },
    }
    if priority:
        props["priority"] = priority
    return resource(sub, rg, f"{COMPUTE}/virtualMachines", name, props, location=location, tags=tags)


def nic(
    sub: str,
    rg: str,
    name: str,
    *,
    vm_id: str | None = None,
    public_ip_id: str | None = None,
    subnet_id: str | None = None,
    private_endpoint_id: str | None = None,
    nsg_id: str | None = None,
    location: str = "westeurope",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A network interface with one IP configuration."""
    nic_id = rid(sub, rg, f"{NETWORK}/networkInterfaces", name)
    ipconf: dict[str, Any] = {
        "provisioningState": "Succeeded",
        "privateIPAddress": "10.0.0.4",
        "privateIPAllocationMethod": "Dynamic",
        "primary": True,
        "privateIPAddressVersion": "IPv4",
    }
    if subnet_id:
        ipconf["subnet"] = {"id": subnet_id}
    if public_ip_id:
        ipconf["publicIPAddress"] = {"id": public_ip_id}
    props: dict[str, Any] = {
        "resourceGuid": str(uuid.uuid4()),
        "ipConfigurations": [
            {
                "name": "ipconfig1",
                "id": f"{nic_id}/ipConfigurations/ipconfig1",
                "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                "properties": ipconf,
            }
        ],
        "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
        "enableAcceleratedNetworking": False,
        "enableIPForwarding": False,
        "nicType": "Standard",
        "hostedWorkloads": [],
        "tapConfigurations": [],
    }
    if vm_id:
        props["virtualMachine"] = {"id": vm_id}
        props["macAddress"] = "00-0D-3A-2B-4C-5D"
        props["primary"] = True
    if private_endpoint_id:
        props["privateEndpoint"] = {"id": private_endpoint_id}
    if nsg_id:
        props["networkSecurityGroup"] = {"id": nsg_id}
    return resource(sub, rg, f"{NETWORK}/networkInterfaces", name, props, location=location, tags=tags)


def public_ip(
    sub: str,
    rg: str,
    name: str,
    *,
    sku: str = "Standard",
    allocation: str = "Static",
    address: str | None = "20.61.1.10",
    ip_configuration_id: str | None = None,
    nat_gateway_id: str | None = None,
    location: str = "westeurope",
    tags: dict[str, str] | None = None,
    zones: list[str] | None = None,
) -> dict[str, Any]:
    """A public IP address."""
    props: dict[str, Any] = {
        "resourceGuid": str(uuid.uuid4()),
        "publicIPAddressVersion": "IPv4",
        "publicIPAllocationMethod": allocation,
        "idleTimeoutInMinutes": 4,
        "ipTags": [],
        "ddosSettings": {"protectionMode": "VirtualNetworkInherited"},
    }
    if address:
        props["ipAddress"] = address
    if ip_configuration_id:
        props["ipConfiguration"] = {"id": ip_configuration_id}
    if nat_gateway_id:
        props["natGateway"] = {"id": nat_gateway_id}
    return resource(
        sub,
        rg,
        f"{NETWORK}/publicIPAddresses",
        name,
        props,
        location=location,
        tags=tags,
        sku={"name": sku, "tier": "Regional"},
        zones=zones,
    )


def load_balancer(
    sub: str,
    rg: str,
    name: str,
    *,
    sku: str = "Standard",
    backend_ip_configs: tuple[str, ...] = (),
    rules: int = 0,
    location: str = "westeurope",
) -> dict[str, Any]:
    """A load balancer with one frontend and one backend pool."""
    lb_id = rid(sub, rg, f"{NETWORK}/loadBalancers", name)
    props = {
        "frontendIPConfigurations": [
            {
                "name": "fe",
                "id": f"{lb_id}/frontendIPConfigurations/fe",
                "properties": {"privateIPAllocationMethod": "Dynamic"},
            }
        ],
        "backendAddressPools": [
            {
                "name": "be",
                "id": f"{lb_id}/backendAddressPools/be",
                "properties": {
                    "backendIPConfigurations": [{"id": c} for c in backend_ip_configs],
                    "loadBalancerBackendAddresses": [],
                },
            }
        ],
        "loadBalancingRules": [
            {
                "name": f"r{i}",
                "id": f"{lb_id}/loadBalancingRules/r{i}",
                "properties": {"protocol": "Tcp", "frontendPort": 80},
            }
            for i in range(rules)
        ],
        "probes": [],
        "inboundNatRules": [],
        "inboundNatPools": [],
        "outboundRules": [],
    }
    return resource(
        sub,
        rg,
        f"{NETWORK}/loadBalancers",
        name,
        props,
        location=location,
        sku={"name": sku, "tier": "Regional"},
    )


def nat_gateway(
    sub: str,
    rg: str,
    name: str,
    *,
    subnets: tuple[str, ...] = (),
    public_ips: tuple[str, ...] = (),
    location: str = "westeurope",
) -> dict[str, Any]:
    """A NAT gateway."""
    props = {
        "idleTimeoutInMinutes": 4,
        "resourceGuid": str(uuid.uuid4()),
        "subnets": [{"id": s} for s in subnets],
        "publicIpAddresses": [{"id": p} for p in public_ips],
    }
    return resource(
        sub, rg, f"{NETWORK}/natGateways", name, props, location=location, sku={"name": "Standard"}
    )


def virtual_network(
    sub: str,
    rg: str,
    name: str,
    *,
    subnets: dict[str, tuple[str, ...]] | None = None,
    location: str = "westeurope",
) -> dict[str, Any]:
    """A virtual network; ``subnets`` maps a subnet name to the ids of its ipConfigurations."""
    vnet_id = rid(sub, rg, f"{NETWORK}/virtualNetworks", name)
    props = {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "resourceGuid": str(uuid.uuid4()),
        "subnets": [
            {
                "name": sname,
                "id": f"{vnet_id}/subnets/{sname}",
                "type": "Microsoft.Network/virtualNetworks/subnets",
                "properties": {
                    "provisioningState": "Succeeded",
                    "addressPrefix": f"10.0.{i}.0/24",
                    "ipConfigurations": [{"id": c} for c in configs],
                    "delegations": [],
                    "privateEndpointNetworkPolicies": "Disabled",
                },
            }
            for i, (sname, configs) in enumerate((subnets or {}).items())
        ],
        "virtualNetworkPeerings": [],
        "enableDdosProtection": False,
    }
    return resource(sub, rg, f"{NETWORK}/virtualNetworks", name, props, location=location)


def network_security_group(
    sub: str, rg: str, name: str, *, nics: tuple[str, ...] = (), subnets: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A network security group and what it is associated with."""
    props = {
        "resourceGuid": str(uuid.uuid4()),
        "securityRules": [],
        "defaultSecurityRules": [],
        "networkInterfaces": [{"id": n} for n in nics],
        "subnets": [{"id": s} for s in subnets],
    }
    return resource(sub, rg, f"{NETWORK}/networkSecurityGroups", name, props)


def route_table(sub: str, rg: str, name: str, *, subnets: tuple[str, ...] = ()) -> dict[str, Any]:
    """A route table."""
    props = {"disableBgpRoutePropagation": False, "routes": [], "subnets": [{"id": s} for s in subnets]}
    return resource(sub, rg, f"{NETWORK}/routeTables", name, props)


def availability_set(sub: str, rg: str, name: str, *, vms: tuple[str, ...] = ()) -> dict[str, Any]:
    """An availability set."""
    props = {
        "platformUpdateDomainCount": 5,
        "platformFaultDomainCount": 2,
        "virtualMachines": [{"id": v} for v in vms],
    }
    return resource(sub, rg, f"{COMPUTE}/availabilitySets", name, props, sku={"name": "Aligned"})


def private_dns_zone(sub: str, rg: str, name: str, *, links: int = 0, records: int = 1) -> dict[str, Any]:
    """A private DNS zone (global)."""
    props = {
        "maxNumberOfRecordSets": 25000,
        "numberOfRecordSets": records,
        "maxNumberOfVirtualNetworkLinks": 1000,
        "numberOfVirtualNetworkLinks": links,
        "maxNumberOfVirtualNetworkLinksWithRegistration": 100,
        "numberOfVirtualNetworkLinksWithRegistration": 0,
        "internalId": "SW1wb3J0YW50",
    }
    return resource(sub, rg, f"{NETWORK}/privateDnsZones", name, props, location="global")


def app_service_plan(
    sub: str, rg: str, name: str, *, sku: str = "P1v3", tier: str = "PremiumV3", sites: int = 0
) -> dict[str, Any]:
    """An App Service plan (``Microsoft.Web/serverfarms``)."""
    props = {"numberOfSites": sites, "status": "Ready", "maximumNumberOfWorkers": 30, "reserved": True}
    return resource(
        sub,
        rg,
        "Microsoft.Web/serverfarms",
        name,
        props,
        kind="linux",
        sku={"name": sku, "tier": tier, "capacity": 1},
    )
