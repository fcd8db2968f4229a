"""Microsoft 365 objects shaped like Graph v1.0 REST JSON, to load into the fake Graph.

Builders for subscribedSku, companySubscription, user, organization, site, drive and driveItem,
plus :func:`tenant` (a realistic tenant, any number of users) and :func:`small_tenant` (a handful of
users with the cases the licence and storage checks look for).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.entra import TENANT
from tests.fakes.graph import FakeGraph

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
DOMAIN = "contoso.onmicrosoft.com"

# skuPartNumber -> skuId (Microsoft's published GUIDs)
SKU_IDS = {
    "ENTERPRISEPACK": "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "SPE_E3": "05e9a617-0261-4cee-bb44-138d3ef5d965",
    "SPE_E5": "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
    "EXCHANGESTANDARD": "4b9405b0-7788-4568-add1-99614e613b69",
    "FLOW_FREE": "f30db892-07e9-47e9-837c-80727f46fd3d",
    "POWER_BI_STANDARD": "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235",
    "Microsoft_365_Copilot": "639dec6b-bb19-468b-871c-c5c441c4b0cb",
}
PLANS = {
    "EXCHANGE_S_ENTERPRISE": "efb87545-963c-4e0d-99df-69c6916d9eb0",
    "SHAREPOINTENTERPRISE": "5dbe027f-2339-4123-9542-606e4d348a72",
    "TEAMS1": "57ff2da0-773e-42df-b2af-ffb7a2317929",
}


def iso(when: datetime) -> str:
    """Graph's date-time format: ISO 8601, UTC, ``Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def days_ago(days: float, now: datetime = NOW) -> str:
    """``iso(now - days)``."""
    return iso(now - timedelta(days=days))


def organization(name: str = "Contoso", tenant: str = TENANT) -> dict[str, Any]:
    """GET /organization's one item."""
    return {
        "id": tenant,
        "displayName": name,
        "countryLetterCode": "US",
        "tenantType": "AAD",
        "createdDateTime": "2019-03-01T10:00:00Z",
        "verifiedDomains": [
            {
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": True,
                "isInitial": True,
                "name": DOMAIN,
                "type": "Managed",
            }
        ],
    }


def sku(
    part: str,
    enabled: int,
    consumed: int,
    *,
    status: str = "Enabled",
    suspended: int = 0,
    warning: int = 0,
    applies_to: str = "User",
    tenant: str = TENANT,
) -> dict[str, Any]:
    """A subscribedSku."""
    sku_id = SKU_IDS.get(part) or str(uuid.uuid5(uuid.NAMESPACE_DNS, part))
    return {
        "accountId": tenant,
        "accountName": "contoso",
        "appliesTo": applies_to,
        "capabilityStatus": status,
        "consumedUnits": consumed,
        "id": f"{tenant}_{sku_id}",
        "prepaidUnits": {"enabled": enabled, "lockedOut": 0, "suspended": suspended, "warning": warning},
        "servicePlans": [
            {
                "servicePlanId": pid,
                "servicePlanName": name,
                "provisioningStatus": "Success",
                "appliesTo": "User",
            }
            for name, pid in PLANS.items()
        ],
        "skuId": sku_id,
        "skuPartNumber": part,
        "subscriptionIds": [str(uuid.uuid5(uuid.NAMESPACE_URL, part))],
    }


def subscription(
    part: str, total: int, *, status: str = "Enabled", next_lifecycle_days: float = 200, trial: bool = False
) -> dict[str, Any]:
    """A companySubscription (GET /directory/subscriptions)."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, part)),
        "commerceSubscriptionId": str(uuid.uuid5(uuid.NAMESPACE_OID, part)),
        "createdDateTime": days_ago(400),
        "isTrial": trial,
        "nextLifecycleDateTime": iso(NOW + timedelta(days=next_lifecycle_days)),
        "ownerId": None,
        "ownerTenantId": None,
        "ownerType": None,
        "serviceStatus": [],
        "skuId": SKU_IDS.get(part) or str(uuid.uuid5(uuid.NAMESPACE_DNS, part)),
        "skuPartNumber": part,
        "status": status,
        "totalLicenses": total,
    }


def user(
    upn: str,
    skus: tuple[str, ...] = (),
    *,
    enabled: bool = True,
    user_type: str = "Member",
    created_days: float = 400,
    last_sign_in_days: float | None = 3,
    by_group: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A user with every property cloudwaste selects (the fake strips what is not selected)."""
    groups = by_group or {}
    licences = [{"disabledPlans": [], "skuId": SKU_IDS[s]} for s in skus]
    states = [
        {
            "assignedByGroup": groups.get(s),
            "disabledPlans": [],
            "error": "None",
            "lastUpdatedDateTime": days_ago(90),
            "skuId": SKU_IDS[s],
            "state": "Active",
        }
        for s in skus
    ]
    sign_in: dict[str, Any] = {
        "lastSignInDateTime": None,
        "lastSignInRequestId": None,
        "lastNonInteractiveSignInDateTime": None,
        "lastNonInteractiveSignInRequestId": None,
        "lastSuccessfulSignInDateTime": None,
        "lastSuccessfulSignInRequestId": None,
    }
    if last_sign_in_days is not None:
        when = days_ago(last_sign_in_days)
        rid = str(uuid.uuid5(uuid.NAMESPACE_URL, upn))
        sign_in |= {
            "lastSignInDateTime": when,
            "lastSignInRequestId": rid,
            "lastNonInteractiveSignInDateTime": when,
            "lastNonInteractiveSignInRequestId": rid,
            "lastSuccessfulSignInDateTime": when,
            "lastSuccessfulSignInRequestId": rid,
        }
    name = upn.split("@")[0].replace(".", " ").title()
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, upn)),
        "businessPhones": [],
        "displayName": name,
        "givenName": name.split(" ")[0],
        "surname": name.split(" ")[-1],
        "jobTitle": None,
        "mail": upn if user_type == "Member" else None,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "userPrincipalName": upn,
        "accountEnabled": enabled,
        "userType": user_type,
        "createdDateTime": days_ago(created_days),
        "assignedLicenses": licences,
        "licenseAssignmentStates": states,
        "signInActivity": sign_in,
        "onPremisesSyncEnabled": None,
        "externalUserState": "Accepted" if user_type == "Guest" else None,
    }


def site(name: str, *, personal: bool = False, modified_days: float = 10) -> dict[str, Any]:
    """A site as GET /sites/getAllSites lists it."""
    collection = str(uuid.uuid5(uuid.NAMESPACE_URL, f"site:{name}"))
    web = str(uuid.uuid5(uuid.NAMESPACE_URL, f"web:{name}"))
    host = "contoso-my.sharepoint.com" if personal else "contoso.sharepoint.com"
    path = f"personal/{name}" if personal else f"sites/{name}"
    return {
        "id": f"{host},{collection},{web}",
        "name": name,
        "displayName": name,
        "webUrl": f"https://{host}/{path}",
        "createdDateTime": days_ago(500),
        "lastModifiedDateTime": days_ago(modified_days),
        "isPersonalSite": personal,
        "siteCollection": {"hostname": host},
    }


def drive(
    site_item: dict[str, Any], *, used: int, total: int = 1024**4, owner_upn: str | None = None
) -> dict[str, Any]:
    """A drive (a document library, or a OneDrive when ``owner_upn`` is given)."""
    personal = owner_upn is not None
    owner: dict[str, Any] = (
        {
            "user": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, owner_upn)),
                "email": owner_upn,
                "displayName": owner_upn.split("@")[0],
            }
        }
        if owner_upn
        else {
            "group": {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, site_item["name"])),
                "displayName": site_item["name"],
            }
        }
    )
    return {
        "id": "b!" + uuid.uuid5(uuid.NAMESPACE_URL, f"drive:{site_item['id']}").hex,
        "name": "OneDrive" if personal else "Documents",
        "driveType": "business" if personal else "documentLibrary",
        "owner": owner,
        "quota": {"used": used, "total": total, "deleted": 0, "remaining": total - used, "state": "normal"},
        "webUrl": f"{site_item['webUrl']}/Documents"
        if personal
        else f"{site_item['webUrl']}/Shared Documents",
        "createdDateTime": site_item["createdDateTime"],
        "lastModifiedDateTime": site_item["lastModifiedDateTime"],
    }


def item(
    drive_item: dict[str, Any],
    name: str,
    size: int,
    *,
    modified_days: float = 30,
    sha1: str | None = None,
    folder: bool = False,
    shared: str | None = None,
) -> dict[str, Any]:
    """A driveItem as a delta page returns it (file or folder)."""
    out: dict[str, Any] = {
        "id": "01" + uuid.uuid5(uuid.NAMESPACE_URL, f"{drive_item['id']}/{name}").hex[:30].upper(),
        "name": name,
        "size": size,
        "createdDateTime": days_ago(modified_days + 10),
        "lastModifiedDateTime": days_ago(modified_days),
        "parentReference": {
            "driveId": drive_item["id"],
            "driveType": drive_item["driveType"],
            "path": "/drive/root:",
        },
    }
    if folder:
        out["folder"] = {"childCount": 0}
    else:
        digest = sha1 or uuid.uuid5(uuid.NAMESPACE_URL, name).hex.upper() + "0000000"
        out["file"] = {
            "mimeType": "application/octet-stream",
            "hashes": {"quickXorHash": digest[:27] + "=", "sha1Hash": digest[:40]},
        }
    if shared:
        out["shared"] = {"scope": shared}
    return out


def tenant(graph: FakeGraph, users: int, *, licensed: float = 0.9, now: datetime = NOW) -> None:
    """A tenant of ``users`` users: E3 for most, a few disabled, guests and stale sign-ins."""
    graph.organization = [organization()]
    e3 = int(users * licensed)
    graph.skus = [sku("ENTERPRISEPACK", e3 + 50, e3), sku("FLOW_FREE", 10000, 40)]
    graph.subscriptions = [subscription("ENTERPRISEPACK", e3 + 50), subscription("FLOW_FREE", 10000)]
    for i in range(users):
        upn = f"user{i:05d}@{DOMAIN}"
        graph.users.append(
            user(
                upn,
                ("ENTERPRISEPACK",) if i < e3 else (),
                enabled=i % 97 != 0,
                user_type="Guest" if i % 211 == 0 else "Member",
                last_sign_in_days=None if i % 53 == 0 else (i % 120),
            )
        )
        graph.add_report_row(
            "getOffice365ActiveUserDetail",
            User_Principal_Name=upn,
            Display_Name=f"User {i}",
            Is_Deleted="False",
            Has_Exchange_License="True",
            Exchange_Last_Activity_Date="2026-11-20" if i % 7 else "",
            Assigned_Products="OFFICE 365 E3",
        )


def small_tenant(graph: FakeGraph) -> dict[str, dict[str, Any]]:
    """Five users, three SKUs, two sites with drives and files, reports for each; returns users by name."""
    graph.organization = [organization()]
    people = {
        "alice": user(f"alice@{DOMAIN}", ("ENTERPRISEPACK",)),
        "bob": user(f"bob@{DOMAIN}", ("ENTERPRISEPACK",), enabled=False, last_sign_in_days=200),
        "carol": user(f"carol@{DOMAIN}", ("ENTERPRISEPACK",), last_sign_in_days=150),
        "dave": user(f"dave@{DOMAIN}", ("ENTERPRISEPACK",), last_sign_in_days=None, created_days=120),
        "guest": user("vendor_fabrikam.com#EXT#@" + DOMAIN, ("ENTERPRISEPACK",), user_type="Guest"),
    }
    graph.users = list(people.values())
    graph.skus = [
        sku("ENTERPRISEPACK", 25, 5),
        sku("FLOW_FREE", 10000, 3),
        sku("EXCHANGESTANDARD", 10, 0, status="Warning", warning=10),
    ]
    graph.subscriptions = [
        subscription("ENTERPRISEPACK", 25),
        subscription("FLOW_FREE", 10000),
        subscription("EXCHANGESTANDARD", 10, status="Warning", next_lifecycle_days=12),
    ]
    for key, u in people.items():
        upn = u["userPrincipalName"]
        graph.add_report_row(
            "getOffice365ActiveUserDetail",
            User_Principal_Name=upn,
            Display_Name=u["displayName"],
            Is_Deleted="False",
            Has_Exchange_License="True",
            Has_OneDrive_License="True",
            Has_SharePoint_License="True",
            Has_Teams_License="True",
            Exchange_Last_Activity_Date="2026-11-25" if key == "alice" else "",
            Teams_Last_Activity_Date="2026-11-26" if key == "alice" else "",
            Assigned_Products="OFFICE 365 E3",
        )
        graph.add_report_row(
            "getMailboxUsageDetail",
            User_Principal_Name=upn,
            Display_Name=u["displayName"],
            Is_Deleted="False",
            Created_Date="2024-01-10",
            Last_Activity_Date="2026-11-25" if key == "alice" else "",
            Item_Count="1200",
            Storage_Used_Byte="524288000",
            Recipient_Type="User",
            Has_Archive="False",
            Report_Period="30",
        )
        graph.add_report_row(
            "getTeamsUserActivityUserDetail",
            User_Id=u["id"],
            User_Principal_Name=upn,
            Last_Activity_Date="2026-11-26" if key == "alice" else "",
            Is_Deleted="False",
            Is_Licensed="Yes",
            Team_Chat_Message_Count="4",
            Report_Period="30",
        )
    graph.add_report_row(
        "getMailboxUsageDetail",
        User_Principal_Name=f"reception@{DOMAIN}",
        Display_Name="Reception",
        Is_Deleted="False",
        Recipient_Type="Shared",
        Storage_Used_Byte="1048576",
        Report_Period="30",
    )
    team = site("finance", modified_days=400)
    onedrive = site("bob_contoso_onmicrosoft_com", personal=True, modified_days=300)
    graph.sites = [team, onedrive]
    team_drive = drive(team, used=60 * 1024**3)
    bob_drive = drive(onedrive, used=20 * 1024**3, owner_upn=people["bob"]["userPrincipalName"])
    graph.drives = {team["id"]: [team_drive], onedrive["id"]: [bob_drive]}
    big = item(team_drive, "budget-2019.pptx", 3 * 1024**3, modified_days=800)
    graph.items = {
        team_drive["id"]: [
            item(team_drive, "root", 0, folder=True),
            big,
            item(team_drive, "copy-1.iso", 2 * 1024**3, sha1="A" * 40),
            item(team_drive, "copy-2.iso", 2 * 1024**3, sha1="A" * 40),
            item(team_drive, "~$tmp.docx", 4096, modified_days=200),
        ],
        bob_drive["id"]: [
            item(bob_drive, "root", 0, folder=True),
            item(bob_drive, "shared.xlsx", 1024**2, shared="anonymous"),
        ],
    }
    graph.versions = {
        (team_drive["id"], big["id"]): [
            {"id": f"{n}.0", "lastModifiedDateTime": days_ago(800 + n), "size": 3 * 1024**3}
            for n in range(1, 6)
        ]
    }
    graph.recycle_bin = {
        team["id"]: [
            {
                "id": str(uuid.uuid4()),
                "name": "old-report.docx",
                "size": 10 * 1024**2,
                "deletedDateTime": days_ago(80),
                "deletedFromLocation": "sites/finance/Shared Documents",
                "title": "old-report.docx",
            }
        ]
    }
    graph.add_report_row(
        "getSharePointSiteUsageDetail",
        Site_Id=team["id"].split(",")[1],
        Site_URL=team["webUrl"],
        Owner_Display_Name="Finance",
        Is_Deleted="False",
        Last_Activity_Date="2025-09-01",
        File_Count="5",
        Active_File_Count="0",
        Page_View_Count="0",
        Storage_Used_Byte=str(60 * 1024**3),
        Storage_Allocated_Byte=str(1024**4),
        Root_Web_Template="Team Site",
        Owner_Principal_Name=f"finance@{DOMAIN}",
        Report_Period="30",
    )
    graph.add_report_row(
        "getOneDriveUsageAccountDetail",
        Site_Id=onedrive["id"].split(",")[1],
        Site_URL=onedrive["webUrl"],
        Owner_Display_Name="Bob",
        Is_Deleted="False",
        Last_Activity_Date="2026-02-01",
        File_Count="2",
        Active_File_Count="0",
        Storage_Used_Byte=str(20 * 1024**3),
        Storage_Allocated_Byte=str(1024**4),
        Owner_Principal_Name=people["bob"]["userPrincipalName"],
        Report_Period="30",
    )
    return people


def storage(graph: FakeGraph, sites: int, items_per_drive: int) -> None:
    """``sites`` team sites, one document library each with ``items_per_drive`` files, in the reports."""
    for n in range(sites):
        team = site(f"team{n:03d}", modified_days=30 + n)
        lib = drive(team, used=(sites - n) * 1024**3)
        graph.sites.append(team)
        graph.drives[team["id"]] = [lib]
        graph.items[lib["id"]] = [
            item(lib, f"file-{n:03d}-{i:05d}.docx", 1024 * (i + 1), modified_days=i % 900)
            for i in range(items_per_drive)
        ]
        graph.add_report_row(
            "getSharePointSiteUsageDetail",
            Site_Id=team["id"].split(",")[1],
            Site_URL=team["webUrl"],
            Is_Deleted="False",
            Last_Activity_Date="2026-10-01",
            File_Count=str(items_per_drive),
            Storage_Used_Byte=str(lib["quota"]["used"]),
            Storage_Allocated_Byte=str(1024**4),
            Root_Web_Template="Team Site",
            Report_Period="30",
        )
