"""Resource groups, App Service plans and certificates, API connections and SQL elastic pools."""

from __future__ import annotations

import pytest

from cloudwaste.model import CostBasis, CostKind


def _free(hit):
    assert hit.cost.amount == 0.0 and hit.cost.kind is CostKind.COST
    assert "no direct charge" in hit.cost.detail


# --- azure.resources.empty_resource_group ----------------------------------------------------------


def _rg(net, name, **extra):
    return {
        "id": f"/subscriptions/{net.sub}/resourceGroups/{name}",
        "name": name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": "eastus",
        "tags": {},
        "properties": {"provisioningState": extra.pop("state", "Succeeded")},
        **extra,
    }


def _generic(net, rg, rtype, name):
    return {"id": net.rid(rg, rtype, name), "name": name, "type": rtype, "location": "eastus", "tags": {}}


def test_empty_resource_group(net, hit_ok):
    groups = [_rg(net, "rg-empty"), _rg(net, "rg-app")]
    resources = [_generic(net, "rg-app", "Microsoft.Storage/storageAccounts", "stapp")]
    (hit,) = net.run("azure.resources.empty_resource_group", resource_groups=groups, resources=resources)
    hit_ok(hit)
    _free(hit)
    assert hit.resource.name == "rg-empty"


def test_trap_resource_ids_spell_the_group_in_another_case(net):
    resources = [
        {
            "id": net.rid("RG-APP", "microsoft.insights/actiongroups", "ag"),
            "type": "microsoft.insights/actiongroups",
        }
    ]
    assert (
        net.run(
            "azure.resources.empty_resource_group", resource_groups=[_rg(net, "rg-app")], resources=resources
        )
        == []
    )


def test_trap_managed_and_deleting_groups(net):
    aks = _rg(
        net,
        "MC_rg-aks_aks1_eastus",
        managedBy=net.rid("rg-aks", "Microsoft.ContainerService/managedClusters", "aks1"),
    )
    going = _rg(net, "rg-going", state="Deleting")
    assert net.run("azure.resources.empty_resource_group", resource_groups=[aks, going]) == []


# --- azure.web.empty_app_service_plan --------------------------------------------------------------


def _plan(net, sku, tier, *, sites=0, capacity=1, linux=False, kind=None):
    return net.simple(
        "Microsoft.Web/serverfarms",
        f"asp-{sku.lower()}",
        {"numberOfSites": sites, "reserved": linux, "status": "Ready", "maximumNumberOfWorkers": 30},
        rg="rg-web",
        sku={"name": sku, "tier": tier, "size": sku, "family": sku[0], "capacity": capacity},
        extra={"kind": kind or ("linux" if linux else "app")},
    )


@pytest.mark.parametrize(
    ("sku", "tier", "linux", "capacity", "monthly"),
    [
        ("S1", "Standard", False, 1, 73.00),
        ("P1v3", "PremiumV3", True, 2, 2 * 113.15),
        ("B1", "Basic", True, 1, 12.41),
    ],
)
def test_empty_plan_bills_its_instances_for_its_os(net, hit_ok, sku, tier, linux, capacity, monthly):
    plan = _plan(net, sku, tier, linux=linux, capacity=capacity)
    (hit,) = net.run("azure.web.empty_app_service_plan", app_service_plans=[plan])
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(monthly, abs=0.02)
    assert hit.cost.basis is CostBasis.BUNDLED_PRICE
    assert hit.evidence["os"] == ("linux" if linux else "windows")


@pytest.mark.parametrize(
    ("sku", "tier"),
    [("Y1", "Dynamic"), ("FC1", "FlexConsumption"), ("F1", "Free"), ("D1", "Shared")],
)
def test_trap_consumption_free_and_shared_plans_are_not_empty_plans_to_bill(net, sku, tier):
    plan = _plan(net, sku, tier, kind="functionapp")
    assert net.run("azure.web.empty_app_service_plan", app_service_plans=[plan]) == []


def test_plan_hosting_an_app_or_of_unknown_site_count(net):
    used = _plan(net, "S1", "Standard", sites=1)
    unknown = _plan(net, "S2", "Standard")
    del unknown["properties"]["numberOfSites"]
    assert net.run("azure.web.empty_app_service_plan", app_service_plans=[used, unknown]) == []


def test_elastic_premium_plan_without_a_bundled_price_is_unknown(net):
    plan = _plan(net, "EP1", "ElasticPremium", kind="elastic")
    (hit,) = net.run("azure.web.empty_app_service_plan", app_service_plans=[plan])
    assert hit.cost.amount is None


# --- azure.web.expired_certificate ----------------------------------------------------------------


@pytest.mark.parametrize(("days_ago", "flagged"), [(1, True), (0, True), (-1, False)])
def test_certificate_expiry_boundary(net, days_ago, flagged):
    cert = net.simple(
        "Microsoft.Web/certificates",
        "cert-www",
        {"expirationDate": net.ts(days_ago), "thumbprint": "A1B2C3", "hostNames": ["www.contoso.com"]},
        rg="rg-web",
    )
    hits = net.run("azure.web.expired_certificate", web_certificates=[cert])
    assert bool(hits) is flagged
    if flagged:
        _free(hits[0])
        assert hits[0].evidence["host_names"] == ["www.contoso.com"]


# --- azure.web.orphan_api_connection -------------------------------------------------------------


def _connection(net, name):
    api = f"/subscriptions/{net.sub}/providers/Microsoft.Web/locations/eastus/managedApis/office365"
    return net.simple(
        "Microsoft.Web/connections",
        name,
        {"displayName": name, "api": {"id": api, "name": "office365"}, "statuses": [{"status": "Connected"}]},
        rg="rg-logic",
    )


def _workflow(net, connection_ids):
    value = {
        f"c{n}": {
            "connectionId": cid,
            "connectionName": cid.rsplit("/", 1)[-1],
            "id": "/managedApis/office365",
        }
        for n, cid in enumerate(connection_ids)
    }
    return net.simple(
        "Microsoft.Logic/workflows",
        "la-mail",
        {"state": "Enabled", "definition": {}, "parameters": {"$connections": {"value": value}}},
        rg="rg-logic",
    )


def test_connection_no_workflow_uses(net, hit_ok):
    used, unused = _connection(net, "office365-1"), _connection(net, "office365-2")
    flow = _workflow(net, [used["id"].lower()])  # workflows often lower-case the id
    (hit,) = net.run(
        "azure.web.orphan_api_connection", api_connections=[used, unused], logic_workflows=[flow]
    )
    hit_ok(hit)
    _free(hit)
    assert hit.resource.name == "office365-2"
    assert hit.confidence.value == "medium"


def test_trap_workflow_without_connections_parameter(net):
    flow = net.simple(
        "Microsoft.Logic/workflows", "la-empty", {"state": "Enabled", "parameters": {}}, rg="rg-logic"
    )
    (hit,) = net.run(
        "azure.web.orphan_api_connection", api_connections=[_connection(net, "c")], logic_workflows=[flow]
    )
    assert hit.resource.name == "c"


# --- azure.sql.empty_elastic_pool ------------------------------------------------------------------


def _pool(net, name, sku, *, license_type=None, state="Ready"):
    props = {"state": state, "creationDate": net.ts(200), "maxSizeBytes": 5 * 1024**3, "zoneRedundant": False}
    if license_type:
        props["licenseType"] = license_type
    item = net.simple(
        "Microsoft.Sql/servers/elasticPools", name, props, rg="rg-data", location="westeurope", sku=sku
    )
    item["id"] = net.rid("rg-data", "Microsoft.Sql/servers", "sql1") + f"/elasticPools/{name}"
    return item


def _db(net, pool):
    return net.simple(
        "Microsoft.Sql/servers/databases",
        "db1",
        {"elasticPoolId": pool["id"].replace("rg-data", "RG-DATA"), "status": "Online"},
        rg="rg-data",
    )


def test_empty_standard_edtu_pool(net, hit_ok):
    pool = _pool(net, "pool-std", {"name": "StandardPool", "tier": "Standard", "capacity": 200})
    (hit,) = net.run("azure.sql.empty_elastic_pool", sql_elastic_pools=[pool])
    hit_ok(hit)
    assert hit.cost.amount == pytest.approx(441.04, abs=0.05)
    assert hit.resource.created_at is not None


@pytest.mark.parametrize(
    ("license_type", "monthly"), [("LicenseIncluded", 488.92 + 291.90), ("BasePrice", 488.92)]
)
def test_empty_vcore_pool_with_and_without_the_sql_license(net, license_type, monthly):
    sku = {"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 4}
    (hit,) = net.run(
        "azure.sql.empty_elastic_pool",
        sql_elastic_pools=[_pool(net, "pool-gp", sku, license_type=license_type)],
    )
    assert hit.cost.amount == pytest.approx(monthly, abs=0.05)


def test_business_critical_pool_has_no_bundled_price(net):
    sku = {"name": "BC_Gen5", "tier": "BusinessCritical", "family": "Gen5", "capacity": 4}
    (hit,) = net.run("azure.sql.empty_elastic_pool", sql_elastic_pools=[_pool(net, "pool-bc", sku)])
    assert hit.cost.amount is None


def test_trap_pool_with_a_database_in_another_case_or_not_ready(net):
    pool = _pool(net, "pool-std", {"name": "StandardPool", "tier": "Standard", "capacity": 100})
    creating = _pool(
        net, "pool-new", {"name": "BasicPool", "tier": "Basic", "capacity": 50}, state="Creating"
    )
    assert (
        net.run(
            "azure.sql.empty_elastic_pool", sql_elastic_pools=[pool, creating], sql_databases=[_db(net, pool)]
        )
        == []
    )
