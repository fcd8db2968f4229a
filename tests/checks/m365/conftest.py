"""Builders of Microsoft Graph v1.0 shaped items and a runner for the Microsoft 365 checks.

Items look like what Graph returns (camelCase, ISO 8601 UTC timestamps ending in ``Z``):
``subscribedSkus`` (``skuId``, ``skuPartNumber``, ``capabilityStatus``, ``consumedUnits``,
``prepaidUnits{enabled,suspended,warning,lockedOut}``, ``appliesTo``, ``servicePlans``),
``directory/subscriptions`` (companySubscription), ``users`` with ``assignedLicenses``,
``licenseAssignmentStates`` (``assignedByGroup`` null = direct; ``error`` is the string "None" when
healthy) and ``signInActivity``; usage-report rows are keyed by the CSV header exactly as Microsoft
writes it ("User Principal Name", "Exchange Last Activity Date", dates ``YYYY-MM-DD``, empty = none,
booleans "True"/"False"). Real skuIds and service plan ids are used for the common SKUs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.registry import get_check
from cloudwaste.engine.plan import SelectedCheck
from cloudwaste.engine.run import make_finding
from cloudwaste.model import Finding
from cloudwaste.pricing.book import PriceBook
from cloudwaste.providers.base import ScopeUnit

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TENANT = "4f6c1b2e-8a3d-4e5f-9b7c-1d2e3f4a5b6c"
COLLECTIONS = (
    "m365:organization",
    "m365:subscribed_skus",
    "m365:directory_subscriptions",
    "m365:users",
    "m365:report_active_users",
    "m365:report_mailbox_usage",
    "m365:report_onedrive_usage",
    "m365:report_sharepoint_sites",
    "m365:report_teams_activity",
    "m365:report_copilot_usage",
    "m365:drives",
    "m365:drive_items",
    "m365:recycle_bin_items",
    "m365:item_versions",
)
CONTRACT = {*COLLECTIONS, "m365:capabilities"}

SKU_IDS = {
    "ENTERPRISEPACK": "6fd2c87f-b296-42f0-b197-1e91e994b900",
    "ENTERPRISEPREMIUM": "c7df2760-2c81-4ef7-b578-5b5392b571df",
    "SPE_E3": "05e9a617-0261-4cee-bb44-138d3ef5d965",
    "SPE_E5": "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
    "SPB": "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
    "O365_BUSINESS_PREMIUM": "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
    "O365_BUSINESS_ESSENTIALS": "3b555118-da6a-4418-894f-7df1e2096870",
    "STANDARDPACK": "18181a46-0d4e-45cd-891e-60aabd171b4e",
    "DESKLESSPACK": "4b585984-651b-448a-9e53-3b10f069cf7f",
    "EXCHANGESTANDARD": "4b9405b0-7788-4568-add1-99614e613b69",
    "EXCHANGEENTERPRISE": "19ec0d23-8335-4cbd-94ac-6050e30712fa",
    "EMS": "efccb6f7-5641-4e0e-bd10-b4976e1bf68e",
    "EMSPREMIUM": "b05e124f-c7cc-45a0-a6aa-8cf78c946968",
    "AAD_PREMIUM": "078d2b04-f1bd-4111-bbd4-b4b1b354cef4",
    "AAD_PREMIUM_P2": "84a661c4-e949-4bd2-a560-ed7766fcaf2b",
    "POWER_BI_PRO": "f8a1db68-be16-40ed-86d5-cb42ce701560",
    "POWER_BI_STANDARD": "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235",
    "FLOW_FREE": "f30db892-07e9-47e9-837c-80727f46fd3d",
    "TEAMS_EXPLORATORY": "710779e8-3d4a-4c88-adb9-386c958d1fdf",
    "WINDOWS_STORE": "6470687e-a428-4b7a-bef2-8a291ad947c9",
    "VISIOCLIENT": "c5928f49-12ba-48f7-ada3-0d743a3601d5",
    "PROJECTPROFESSIONAL": "53818b1b-4a27-454b-8896-0dba576410e6",
    "Microsoft_365_Copilot": "639dec6b-bb19-468b-871c-c5c441c4b0cb",
    "MCOEV": "e43b5b99-8dfb-405f-9987-dc307f34bcbd",
    "MCOMEETADV": "0c266dff-15dd-4b49-8397-2bb16070ed52",
    "Office_365_E3_(no_Teams)": "46c3a859-c90d-40b3-9551-6178a48d5c18",
    "Microsoft_365_E3_(no_Teams)": "dcf0408c-aaec-446c-afd4-43e3683943ea",
    "Microsoft_Teams_Enterprise_New": "7e31c0d9-9551-471d-836f-32ee72be4a01",
}
PLAN_IDS = {
    "EXCHANGE_S_ENTERPRISE": "efb87545-963c-4e0d-99df-69c6916d9eb0",
    "EXCHANGE_S_STANDARD": "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
    "EXCHANGE_S_FOUNDATION": "113feb6c-3fe4-4440-bddc-54d774bf0318",
    "SHAREPOINTENTERPRISE": "5dbe027f-2339-4123-9542-606e4d348a72",
    "TEAMS1": "57ff2da0-773e-42df-b2af-ffb7a2317929",
    "OFFICESUBSCRIPTION": "43de0ff5-c92c-492b-9116-175376d08c38",
    "AAD_PREMIUM": "41781fb2-bc02-4b7c-bd55-b576c07bb09d",
    "AAD_PREMIUM_P2": "eec0eb4f-6444-4f95-aba0-50c24d67f998",
    "INTUNE_A": "c1ec4a95-1f05-45b3-a911-aa3fa01094f5",
    "MCOEV": "4828c8ec-dc2e-4779-b502-87ac9ce28ab7",
    "MCOMEETADV": "3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40",
    "M365_COPILOT_APPS": "a62f8878-de10-42f3-b68f-6149a25ceb97",
    "M365_COPILOT_TEAMS": "b95945de-b3bd-46db-8437-f2beb6ea2347",
    "M365_COPILOT_BUSINESS_CHAT": "3f30311c-6b1e-48a4-ab79-725b469da960",
}
_SUITE = [
    "EXCHANGE_S_ENTERPRISE",
    "SHAREPOINTENTERPRISE",
    "SHAREPOINTWAC",
    "TEAMS1",
    "OFFICESUBSCRIPTION",
    "MCOSTANDARD",
]
_BUSINESS = ["EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD", "SHAREPOINTWAC", "TEAMS1", "MCOSTANDARD"]
PLANS: dict[str, list[str]] = {
    "ENTERPRISEPACK": _SUITE,
    "ENTERPRISEPREMIUM": [
        *_SUITE,
        "MCOEV",
        "MCOMEETADV",
        "BI_AZURE_P2",
        "ATP_ENTERPRISE",
        "THREAT_INTELLIGENCE",
    ],
    "SPE_E3": [*_SUITE, "AAD_PREMIUM", "MFA_PREMIUM", "INTUNE_A", "WIN10_PRO_ENT_SUB"],
    "SPE_E5": [*_SUITE, "AAD_PREMIUM", "AAD_PREMIUM_P2", "INTUNE_A", "MCOEV", "MCOMEETADV", "BI_AZURE_P2"],
    "SPB": [*_BUSINESS, "OFFICE_BUSINESS", "AAD_PREMIUM", "INTUNE_A", "ATP_ENTERPRISE"],
    "O365_BUSINESS_PREMIUM": [*_BUSINESS, "OFFICE_BUSINESS"],
    "O365_BUSINESS_ESSENTIALS": _BUSINESS,
    "STANDARDPACK": ["EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD", "SHAREPOINTWAC", "TEAMS1"],
    "EXCHANGESTANDARD": ["EXCHANGE_S_STANDARD"],
    "EXCHANGEENTERPRISE": ["EXCHANGE_S_ENTERPRISE"],
    "AAD_PREMIUM": ["AAD_PREMIUM", "MFA_PREMIUM", "ADALLOM_S_DISCOVERY", "EXCHANGE_S_FOUNDATION"],
    "EMS": ["AAD_PREMIUM", "MFA_PREMIUM", "INTUNE_A", "RMS_S_PREMIUM"],
    "POWER_BI_PRO": ["BI_AZURE_P2", "EXCHANGE_S_FOUNDATION"],
    "POWER_BI_STANDARD": ["BI_AZURE_P0", "EXCHANGE_S_FOUNDATION"],
    "FLOW_FREE": ["FLOW_P2_VIRAL", "EXCHANGE_S_FOUNDATION"],
    "VISIOCLIENT": ["VISIO_CLIENT_SUBSCRIPTION", "VISIOONLINE", "EXCHANGE_S_FOUNDATION"],
    "Microsoft_365_Copilot": ["M365_COPILOT_APPS", "M365_COPILOT_TEAMS", "M365_COPILOT_BUSINESS_CHAT"],
    "MCOEV": ["MCOEV"],
    "MCOMEETADV": ["MCOMEETADV"],
    "Microsoft_Teams_Premium": ["TEAMSPRO_MGMT", "TEAMSPRO_CUST", "TEAMSPRO_PROTECTION"],
    "Office_365_E3_(no_Teams)": [
        "EXCHANGE_S_ENTERPRISE",
        "SHAREPOINTENTERPRISE",
        "SHAREPOINTWAC",
        "OFFICESUBSCRIPTION",
    ],
    "Microsoft_Teams_Enterprise_New": ["TEAMS1", "MCOSTANDARD"],
    "Microsoft_Teams_Rooms_Pro": ["MCOEV", "MCOMEETADV", "TEAMS1", "INTUNE_A"],
}
GIB = 1024**3


def guid(seed: str) -> str:
    """A stable GUID for ``seed``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def sku_id(part: str) -> str:
    """The real skuId of a common SKU, else a stable made-up one."""
    return SKU_IDS.get(part) or guid(f"sku:{part}")


def plan_id(name: str) -> str:
    """The real servicePlanId of a common plan, else a stable made-up one."""
    return PLAN_IDS.get(name) or guid(f"plan:{name}")


class M365:
    """What the Microsoft 365 check tests build their tenants with."""

    now = NOW
    tenant = TENANT

    def ago(self, days: float) -> datetime:
        """``now`` minus ``days``."""
        return NOW - timedelta(days=days)

    def ts(self, days: float | None, *, fraction: bool = False) -> str | None:
        """A Graph timestamp ``days`` before now (``2026-11-30T12:00:00Z``); None stays None."""
        if days is None:
            return None
        when = self.ago(days)
        if fraction:  # Graph sometimes writes 7 fractional digits
            return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "1Z"
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def day(self, days: float | None) -> str:
        """A report date ``days`` before now (``2026-11-28``); None gives the empty cell."""
        return "" if days is None else self.ago(days).strftime("%Y-%m-%d")

    # --- directory --------------------------------------------------------------------------------

    def sku(
        self,
        part: str,
        *,
        enabled: int = 10,
        consumed: int = 10,
        status: str = "Enabled",
        warning: int = 0,
        suspended: int = 0,
        locked_out: int = 0,
        applies_to: str = "User",
        plans: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """A ``subscribedSku`` as ``GET /subscribedSkus`` returns it."""
        sid = sku_id(part)
        names = list(PLANS.get(part, []) if plans is None else plans)
        return {
            "accountId": TENANT,
            "accountName": "Contoso",
            "appliesTo": applies_to,
            "capabilityStatus": status,
            "consumedUnits": consumed,
            "id": f"{TENANT}_{sid}",
            "skuId": sid,
            "skuPartNumber": part,
            "subscriptionIds": [guid(f"sub:{part}")],
            "prepaidUnits": {
                "enabled": enabled,
                "suspended": suspended,
                "warning": warning,
                "lockedOut": locked_out,
            },
            "servicePlans": [
                {
                    "servicePlanId": plan_id(n),
                    "servicePlanName": n,
                    "provisioningStatus": "Success",
                    "appliesTo": "Company" if n == "SHAREPOINTSTORAGE" else "User",
                }
                for n in names
            ],
        }

    def subscription(
        self,
        part: str,
        *,
        total: int = 10,
        status: str = "Enabled",
        trial: bool = False,
        created_days: float = 400,
        next_days: float | None = 200,
        seed: str = "",
    ) -> dict[str, Any]:
        """A ``companySubscription`` as ``GET /directory/subscriptions`` returns it; ``next_days`` is days
        from now to ``nextLifecycleDateTime`` (negative: in the past)."""
        nxt = None if next_days is None else (NOW + timedelta(days=next_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "id": guid(f"csub:{part}:{seed}"),
            "commerceSubscriptionId": guid(f"commerce:{part}:{seed}"),
            "createdDateTime": self.ts(created_days),
            "isTrial": trial,
            "nextLifecycleDateTime": nxt,
            "ownerId": None,
            "ownerTenantId": None,
            "ownerType": None,
            "serviceStatus": [],
            "skuId": sku_id(part),
            "skuPartNumber": part,
            "status": status,
            "totalLicenses": total,
        }

    def sign_in(
        self,
        successful: float | None = None,
        interactive: float | None = None,
        non_interactive: float | None = None,
    ) -> dict[str, Any]:
        """A ``signInActivity`` with each field ``days`` ago (None = null)."""
        return {
            "lastSignInDateTime": self.ts(interactive),
            "lastSignInRequestId": guid(f"req:{interactive}") if interactive is not None else None,
            "lastNonInteractiveSignInDateTime": self.ts(non_interactive, fraction=True),
            "lastNonInteractiveSignInRequestId": guid(f"nreq:{non_interactive}") if non_interactive else None,
            "lastSuccessfulSignInDateTime": self.ts(successful),
            "lastSuccessfulSignInRequestId": guid(f"sreq:{successful}") if successful is not None else None,
        }

    def user(
        self,
        upn: str,
        licences: Iterable[str | tuple[str, Mapping[str, Any]]] = (),
        *,
        enabled: bool = True,
        user_type: str = "Member",
        created_days: float | None = 400,
        sign_in: Mapping[str, Any] | None | str = "default",
        external_state: str | None = None,
        display_name: str | None = None,
    ) -> dict[str, Any]:
        """A user as ``GET /users?$select=...`` returns it.

        ``licences`` are part numbers or ``(part, options)`` with options ``group`` (a group id, or a list
        of them), ``direct`` (default: True unless a group is given), ``state`` ("Active"),
        ``error`` ("None"), ``disabled_plans`` (plan names) and ``updated_days``. ``sign_in`` is a
        ``signInActivity`` dict, None for null, ``"absent"`` to leave the property out (refused), or
        ``"default"`` (a successful sign-in 2 days ago).
        """
        assigned: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        for item in licences:
            part, opts = (item, {}) if isinstance(item, str) else item
            sid = sku_id(part)
            groups = opts.get("group") or []
            groups = [groups] if isinstance(groups, str) else list(groups)
            direct = opts.get("direct", not groups)
            disabled = [plan_id(n) for n in opts.get("disabled_plans", [])]
            state = opts.get("state", "Active")
            if state != "Error":
                assigned.append({"disabledPlans": disabled, "skuId": sid})
            for group in ([None] if direct else []) + groups:
                states.append(
                    {
                        "assignedByGroup": group,
                        "disabledPlans": disabled,
                        "error": opts.get("error", "None"),
                        "lastUpdatedDateTime": self.ts(opts.get("updated_days", 300)),
                        "skuId": sid,
                        "state": state,
                    }
                )
        user: dict[str, Any] = {
            "id": guid(f"user:{upn}"),
            "userPrincipalName": upn,
            "displayName": display_name or upn.split("@")[0].replace(".", " ").title(),
            "mail": upn if "#EXT#" not in upn else None,
            "accountEnabled": enabled,
            "userType": user_type,
            "createdDateTime": self.ts(created_days),
            "assignedLicenses": assigned,
            "licenseAssignmentStates": states,
            "onPremisesSyncEnabled": None,
            "externalUserState": external_state,
        }
        if sign_in == "default":
            user["signInActivity"] = self.sign_in(successful=2, interactive=2, non_interactive=1)
        elif sign_in != "absent":
            user["signInActivity"] = sign_in
        return user

    def caps(self, **over: Any) -> dict[str, Any]:
        """``m365:capabilities`` with everything available (override any fact)."""
        caps: dict[str, Any] = {
            "sign_in_activity": True,
            "sign_in_activity_error": None,
            "reports_concealed": False,
            "reports_available": True,
            "report_period": "D180",
            "report_refresh_date": self.day(2),
            "max_items": 5000,
            "items_bound_hit": False,
        }
        caps.update(over)
        return caps

    # --- usage reports ----------------------------------------------------------------------------

    def active_user_row(
        self,
        upn: str,
        *,
        exchange: float | None = None,
        onedrive: float | None = None,
        sharepoint: float | None = None,
        teams: float | None = None,
        licensed: Iterable[str] = ("Exchange", "OneDrive", "SharePoint", "Teams"),
        assigned_days: float | None = 400,
        products: str = "MICROSOFT 365 E3",
        deleted: bool = False,
    ) -> dict[str, str]:
        """A ``getOffice365ActiveUserDetail`` CSV row (workload last activity ``days`` ago, None = empty)."""
        has = set(licensed)
        row = {
            "Report Refresh Date": self.day(2),
            "User Principal Name": upn,
            "Display Name": upn.split("@")[0],
            "Is Deleted": "True" if deleted else "False",
            "Deleted Date": "",
            "Assigned Products": products,
        }
        dates = {"Exchange": exchange, "OneDrive": onedrive, "SharePoint": sharepoint, "Teams": teams}
        for workload in ("Exchange", "OneDrive", "SharePoint", "Skype For Business", "Yammer", "Teams"):
            row[f"Has {workload} License"] = "True" if workload in has else "False"
            row[f"{workload} Last Activity Date"] = self.day(dates.get(workload))
            row[f"{workload} License Assign Date"] = self.day(assigned_days) if workload in has else ""
        return row

    def mailbox_row(
        self,
        upn: str,
        *,
        recipient_type: str = "UserMailbox",
        storage_gb: float | None = 2.0,
        has_archive: bool = False,
        last: float | None = 1,
        created_days: float = 400,
        deleted: bool = False,
    ) -> dict[str, str]:
        """A ``getMailboxUsageDetail`` CSV row."""
        return {
            "Report Refresh Date": self.day(2),
            "User Principal Name": upn,
            "Display Name": upn.split("@")[0],
            "Is Deleted": "True" if deleted else "False",
            "Deleted Date": "",
            "Created Date": self.day(created_days),
            "Last Activity Date": self.day(last),
            "Item Count": "1234",
            "Storage Used (Byte)": "" if storage_gb is None else str(int(storage_gb * GIB)),
            "Issue Warning Quota (Byte)": str(49 * GIB),
            "Prohibit Send Quota (Byte)": str(int(49.5 * GIB)),
            "Prohibit Send/Receive Quota (Byte)": str(50 * GIB),
            "Deleted Item Count": "10",
            "Deleted Item Size (Byte)": "2048",
            "Deleted Item Quota (Byte)": str(30 * GIB),
            "Has Archive": "True" if has_archive else "False",
            "Recipient Type": recipient_type,
            "Report Period": "180",
        }

    def teams_row(self, upn: str, *, last: float | None = 1, licensed: bool = True) -> dict[str, str]:
        """A ``getTeamsUserActivityUserDetail`` CSV row."""
        return {
            "Report Refresh Date": self.day(2),
            "User Id": guid(f"user:{upn}"),
            "User Principal Name": upn,
            "Last Activity Date": self.day(last),
            "Is Deleted": "False",
            "Deleted Date": "",
            "Assigned Products": "MICROSOFT TEAMS PHONE STANDARD",
            "Team Chat Message Count": "0" if last is None else "12",
            "Private Chat Message Count": "0" if last is None else "40",
            "Call Count": "0" if last is None else "3",
            "Meeting Count": "0" if last is None else "5",
            "Is Licensed": "Yes" if licensed else "No",
            "Report Period": "180",
        }

    def copilot_row(self, upn: str, *, last: float | None = 1, **apps: float | None) -> dict[str, str]:
        """A ``getMicrosoft365CopilotUsageUserDetail`` CSV row; ``apps`` are ``teams``, ``word``, ``excel``,
        ``powerpoint``, ``outlook``, ``onenote``, ``loop``, ``chat`` (days ago)."""
        names = {
            "teams": "Microsoft Teams",
            "word": "Word",
            "excel": "Excel",
            "powerpoint": "PowerPoint",
            "outlook": "Outlook",
            "onenote": "OneNote",
            "loop": "Loop",
            "chat": "Copilot Chat",
        }
        row = {
            "Report Refresh Date": self.day(2),
            "Report Period": "180",
            "User Principal Name": upn,
            "Display Name": upn.split("@")[0],
            "Last Activity Date": self.day(last),
        }
        for key, name in names.items():
            label = (
                f"{name} Copilot Last Activity Date" if key != "chat" else "Copilot Chat Last Activity Date"
            )
            row[label] = self.day(apps.get(key))
        return row

    # --- running checks ---------------------------------------------------------------------------

    def run(
        self,
        check_id: str,
        *,
        params: Mapping[str, Any] | None = None,
        caps: Mapping[str, Any] | None = None,
        prices: PriceBook | None = None,
        **collections: Iterable[Mapping[str, Any]],
    ) -> list[Hit]:
        """Run one registered check over the given collections (``users=[...]`` is ``m365:users``)."""
        spec = get_check(check_id)
        data: dict[str, Any] = {name: [] for name in COLLECTIONS}
        data["m365:capabilities"] = dict(caps) if caps is not None else self.caps()
        for key, items in collections.items():
            name = f"m365:{key}"
            assert name in data, f"unknown collection {name}"
            data[name] = list(items)
        ctx = CheckContext.static(
            data, now=NOW, provider="m365", account=TENANT, region="global", prices=prices
        )
        return list(spec.run(ctx, spec.params(**(params or {}))))

    def findings(self, check_id: str, hits: Iterable[Hit]) -> list[Finding]:
        """The engine's findings for ``hits`` (what the report totals)."""
        spec = get_check(check_id)
        selected = SelectedCheck(spec=spec, params=spec.params())
        unit = ScopeUnit(provider="m365", scope=TENANT, region="global", label="Contoso")
        return [make_finding(selected, unit, hit) for hit in hits]


@pytest.fixture
def m365() -> M365:
    """The Microsoft 365 tenant builder and check runner."""
    return M365()


# --- builders appended by the storage checks (MS) -----------------------------------------------

HOST = "contoso.sharepoint.com"
MY_HOST = "contoso-my.sharepoint.com"
MIB = 1024**2


def personal_path(upn: str) -> str:
    """OneDrive's site path for a user: ``ada.lovelace@contoso.com`` -> ``ada_lovelace_contoso_com``."""
    return upn.lower().replace(".", "_").replace("@", "_")


class Storage:
    """SharePoint and OneDrive shapes for the storage checks: drives (``GET /sites/{id}/drives``, with the
    provider's ``_site_id``), driveItems as the delta feed returns them (no ``parentReference.path``,
    ``deleted`` facet, ``_drive_id`` and ``_owner_upn`` added by the provider), versions, recycle-bin
    items and usage-report rows."""

    def __init__(self, m365: M365) -> None:
        self.m = m365

    # --- ids and quota

    def site_guid(self, site: str) -> str:
        """The site-collection GUID of a site (or of ``upn``'s OneDrive)."""
        return guid(f"site:{site}")

    def site_id(self, site: str, *, onedrive: bool = False) -> str:
        """Graph's composite site id ``host,siteCollectionId,webId``."""
        return f"{MY_HOST if onedrive else HOST},{self.site_guid(site)},{guid(f'web:{site}')}"

    def pool(self, licences: int = 10, *, extra_gb: int = 0) -> list[dict[str, Any]]:
        """subscribedSkus giving a pooled quota of 1 TB + 10 GB x ``licences`` (Office 365 E3), plus
        ``extra_gb`` units of Office 365 Extra File Storage."""
        skus = [self.m.sku("ENTERPRISEPACK", enabled=licences, consumed=licences)]
        if extra_gb:
            skus.append(
                self.m.sku("SHAREPOINTSTORAGE", enabled=extra_gb, consumed=0, plans=["SHAREPOINTSTORAGE"])
            )
        return skus

    # --- drives and items

    def library(
        self, site: str, *, used_gb: float = 1.0, created_days: float = 800, name: str = "Documents"
    ) -> dict[str, Any]:
        """A site's default document library (``driveType`` documentLibrary)."""
        return {
            "id": f"b!{site}-library",
            "name": name,
            "driveType": "documentLibrary",
            "createdDateTime": self.m.ts(created_days),
            "lastModifiedDateTime": self.m.ts(1),
            "webUrl": f"https://{HOST}/sites/{site}/Shared%20Documents",
            "owner": {"group": {"id": guid(f"group:{site}"), "displayName": f"{site} Owners"}},
            "quota": {
                "used": int(used_gb * GIB),
                "total": 25 * 1024 * GIB,
                "deleted": 0,
                "remaining": 25 * 1024 * GIB - int(used_gb * GIB),
                "state": "normal",
            },
            "_site_id": self.site_id(site),
        }

    def onedrive(self, upn: str, *, used_gb: float = 1.0, created_days: float = 800) -> dict[str, Any]:
        """A user's OneDrive (``driveType`` business) with its owner."""
        return {
            "id": f"b!{personal_path(upn)}",
            "name": "OneDrive",
            "driveType": "business",
            "createdDateTime": self.m.ts(created_days),
            "lastModifiedDateTime": self.m.ts(1),
            "webUrl": f"https://{MY_HOST}/personal/{personal_path(upn)}/Documents",
            "owner": {"user": {"id": guid(f"user:{upn}"), "email": upn, "displayName": upn.split("@")[0]}},
            "quota": {
                "used": int(used_gb * GIB),
                "total": 1024 * GIB,
                "deleted": 0,
                "remaining": 1024 * GIB - int(used_gb * GIB),
                "state": "normal",
            },
            "_site_id": self.site_id(upn, onedrive=True),
        }

    def _ref(self, drive: Mapping[str, Any], parent: Mapping[str, Any] | None) -> dict[str, Any]:
        ref: dict[str, Any] = {
            "driveId": drive["id"],
            "driveType": drive["driveType"],
            "siteId": drive["_site_id"],
        }
        if parent is not None:
            ref["id"] = parent["id"]
        return ref

    def _extra(self, drive: Mapping[str, Any]) -> dict[str, Any]:
        owner = (drive.get("owner") or {}).get("user") or {}
        return {"_drive_id": drive["id"], "_owner_upn": owner.get("email")}

    def root(self, drive: Mapping[str, Any]) -> dict[str, Any]:
        """The drive's root folder as delta returns it first."""
        return {
            "id": f"{drive['id']}-root",
            "name": "root",
            "root": {},
            "folder": {"childCount": 1},
            "size": 0,
            "createdDateTime": drive["createdDateTime"],
            "lastModifiedDateTime": drive["lastModifiedDateTime"],
            "parentReference": {k: v for k, v in self._ref(drive, None).items() if k != "id"},
            **self._extra(drive),
        }

    def folder(
        self, drive: Mapping[str, Any], name: str, parent: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A folder (``parent`` None: under the root)."""
        parent = parent or self.root(drive)
        return {
            "id": f"{parent['id']}/{name}",
            "name": name,
            "folder": {"childCount": 1},
            "size": 0,
            "createdDateTime": self.m.ts(700),
            "lastModifiedDateTime": self.m.ts(700),
            "parentReference": self._ref(drive, parent),
            **self._extra(drive),
        }

    def file(
        self,
        drive: Mapping[str, Any],
        name: str,
        *,
        size_mb: float = 1.0,
        parent: Mapping[str, Any] | None = None,
        modified_days: float = 10,
        created_days: float | None = None,
        qxh: str | None = "default",
        sha1: str | None = None,
        shared: str | None = None,
        shared_days: float | None = None,
        deleted: bool = False,
        item_id: str | None = None,
    ) -> dict[str, Any]:
        """A file as delta returns it with ``$select=id,name,size,file,folder,createdDateTime,
        lastModifiedDateTime,parentReference,shared,deleted``; ``qxh`` "default" derives a quickXorHash
        from the name, None leaves hashes out; ``shared`` is a link scope."""
        parent = parent or self.root(drive)
        hashes: dict[str, str] = {}
        if qxh == "default":
            hashes["quickXorHash"] = guid(f"content:{name}")[:27].replace("-", "+") + "="
        elif qxh:
            hashes["quickXorHash"] = qxh
        if sha1:
            hashes["sha1Hash"] = sha1
        item: dict[str, Any] = {
            "id": item_id or f"{parent['id']}/{name}",
            "name": name,
            "size": int(size_mb * MIB),
            "file": {"mimeType": "application/octet-stream", "hashes": hashes},
            "createdDateTime": self.m.ts(created_days if created_days is not None else modified_days + 5),
            "lastModifiedDateTime": self.m.ts(modified_days),
            "parentReference": self._ref(drive, parent),
            **self._extra(drive),
        }
        if shared:
            item["shared"] = {"scope": shared}
            if shared_days is not None:
                item["shared"]["sharedDateTime"] = self.m.ts(shared_days)
        if deleted:  # delta's shape for a removed item: no name, a deleted facet
            item = {
                "id": item["id"],
                "deleted": {"state": "deleted"},
                "parentReference": item["parentReference"],
                **self._extra(drive),
            }
        return item

    def versions(
        self, drive: Mapping[str, Any], item: Mapping[str, Any], count: int, *, size_mb: float = 10.0
    ) -> dict[str, Any]:
        """``GET /drives/{d}/items/{i}/versions`` of one file: ``count`` versions, newest first (the first
        is the current one), one a day."""
        return {
            "_item_id": item["id"],
            "_drive_id": drive["id"],
            "versions": [
                {
                    "id": f"{count - n}.0",
                    "lastModifiedDateTime": self.m.ts(n),
                    "size": int(size_mb * MIB),
                }
                for n in range(count)
            ],
        }

    def recycled(
        self,
        site: str,
        name: str,
        *,
        size_mb: float = 100.0,
        deleted_days: float = 40,
        onedrive: bool = False,
    ) -> dict[str, Any]:
        """A ``recycleBinItem`` of a site's recycle bin (``GET /sites/{id}/recycleBin/items``)."""
        return {
            "id": guid(f"recycled:{site}:{name}"),
            "name": name,
            "size": int(size_mb * MIB),
            "deletedDateTime": self.m.ts(deleted_days),
            "deletedFromLocation": f"sites/{site}/Shared Documents",
            "_site_id": self.site_id(site, onedrive=onedrive),
        }

    # --- usage reports

    def site_row(
        self,
        site: str,
        *,
        last: float | None = 200,
        storage_gb: float = 5.0,
        files: int = 100,
        active: int = 0,
        views: int = 0,
        template: str = "GROUP#0",
        deleted: bool = False,
        url: str | None = None,
    ) -> dict[str, str]:
        """A ``getSharePointSiteUsageDetail`` CSV row (last activity ``days`` ago, None = empty)."""
        return {
            "Report Refresh Date": self.m.day(2),
            "Site Id": self.site_guid(site),
            "Site URL": url if url is not None else f"https://{HOST}/sites/{site}",
            "Owner Display Name": f"{site} Owners",
            "Is Deleted": "True" if deleted else "False",
            "Last Activity Date": self.m.day(last),
            "File Count": str(files),
            "Active File Count": str(active),
            "Page View Count": str(views),
            "Visited Page Count": str(min(views, 5)),
            "Storage Used (Byte)": str(int(storage_gb * GIB)),
            "Storage Allocated (Byte)": str(25 * 1024 * GIB),
            "Root Web Template": template,
            "Owner Principal Name": f"owner@{HOST}",
            "Report Period": "180",
        }

    def onedrive_row(
        self,
        upn: str,
        *,
        last: float | None = 200,
        storage_gb: float = 5.0,
        files: int = 100,
        active: int = 0,
        deleted: bool = False,
    ) -> dict[str, str]:
        """A ``getOneDriveUsageAccountDetail`` CSV row."""
        return {
            "Report Refresh Date": self.m.day(2),
            "Site Id": self.site_guid(upn),
            "Site URL": f"https://{MY_HOST}/personal/{personal_path(upn)}",
            "Owner Display Name": upn.split("@")[0],
            "Is Deleted": "True" if deleted else "False",
            "Last Activity Date": self.m.day(last),
            "File Count": str(files),
            "Active File Count": str(active),
            "Storage Used (Byte)": str(int(storage_gb * GIB)),
            "Storage Allocated (Byte)": str(1024 * GIB),
            "Owner Principal Name": upn,
            "Report Period": "180",
        }


@pytest.fixture
def storage(m365: M365) -> Storage:
    """The SharePoint / OneDrive builders of the storage checks."""
    return Storage(m365)
