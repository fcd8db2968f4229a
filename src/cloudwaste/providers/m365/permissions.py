"""The Microsoft Graph application permissions cloudwaste needs: read-only, one list per collection.

``examples/m365-app-permissions.json`` is :func:`manifest` written out (the ``requiredResourceAccess``
fragment of an app registration's manifest, plus which collections need each permission); a test
keeps the two equal, and another proves that a full scan only sends GET requests these permissions
allow (:func:`permission_of`).
"""

from __future__ import annotations

import re
from typing import Any

from cloudwaste.providers.m365 import collectors as C
from cloudwaste.providers.m365 import storage as S

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"  # Microsoft Graph's appId in every tenant
# Graph's application permission (app role) ids, as published in the permissions reference
ROLE_IDS = {
    "AuditLog.Read.All": "b0afded3-3588-46d8-8b3d-9842eff778da",
    "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    "Files.Read.All": "01d4889c-1287-42c6-ac1f-5d1e02578ef6",
    "Organization.Read.All": "498476ce-e0fe-48b0-b801-37ba7e2685c6",
    "Reports.Read.All": "230c1aed-a721-4c5d-9cb4-a90514e508ef",
    "Sites.Read.All": "332a536c-c7ef-4017-ab91-336970924f0d",
    "User.Read.All": "df021288-bdef-4463-88db-98f22de89214",
}
# collection -> the permissions its requests need
NEEDS: dict[str, tuple[str, ...]] = {
    C.ORGANIZATION: ("Organization.Read.All",),
    C.SUBSCRIBED_SKUS: ("Organization.Read.All",),
    C.DIRECTORY_SUBSCRIPTIONS: ("Directory.Read.All",),
    C.USERS: ("User.Read.All", "AuditLog.Read.All"),  # AuditLog.Read.All: signInActivity
    C.CAPABILITIES: (),
    **{r.collection: ("Reports.Read.All",) for r in C.REPORTS},
    S.DRIVES: ("Sites.Read.All",),
    S.DRIVE_ITEMS: ("Files.Read.All",),
    S.RECYCLE_BIN_ITEMS: ("Sites.Read.All",),
    S.ITEM_VERSIONS: ("Files.Read.All",),
}
PERMISSIONS: tuple[str, ...] = tuple(sorted({p for needs in NEEDS.values() for p in needs}))
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), permission)
    for pattern, permission in (
        (r"^/(v1\.0|beta)/organization$", "Organization.Read.All"),
        (r"^/(v1\.0|beta)/subscribedSkus$", "Organization.Read.All"),
        (r"^/(v1\.0|beta)/directory/subscriptions$", "Directory.Read.All"),
        (r"^/(v1\.0|beta)/users$", "User.Read.All"),
        (r"^/(v1\.0|beta)/reports/get\w+\(period='D\d+'\)$", "Reports.Read.All"),
        (r"^/(v1\.0|beta)/sites/getAllSites(\(\))?$", "Sites.Read.All"),
        (r"^/(v1\.0|beta)/sites/[^/]+/drives$", "Sites.Read.All"),
        (r"^/beta/sites/[^/]+/recycleBin/items$", "Sites.Read.All"),
        (r"^/(v1\.0|beta)/drives/[^/]+/items/root/delta(\(\))?$", "Files.Read.All"),
        (r"^/(v1\.0|beta)/drives/[^/]+/items/[^/]+/versions$", "Files.Read.All"),
    )
)


def permission_of(method: str, path: str) -> str:
    """The application permission a Graph request needs (``path`` with its ``/v1.0`` prefix,
    percent-decoded); anything else (a write, an unknown path) is returned as ``"METHOD path"``,
    which fails every comparison with :data:`PERMISSIONS`."""
    if method.upper() == "GET":
        for pattern, permission in _RULES:
            if pattern.match(path):
                return permission
    return f"{method.upper()} {path}"


def manifest() -> dict[str, Any]:
    """The app registration's required Graph application permissions, and what each is for."""
    used_by = {p: sorted(c for c, needs in NEEDS.items() if p in needs) for p in PERMISSIONS}
    return {
        "description": "Microsoft Graph application permissions for cloudwaste scans (all read-only). "
        "Add them to the app registration (API permissions > Microsoft Graph > Application permissions) "
        "and grant admin consent.",
        "requiredResourceAccess": [
            {
                "resourceAppId": GRAPH_APP_ID,
                "resourceAccess": [{"id": ROLE_IDS[p], "type": "Role"} for p in PERMISSIONS],
            }
        ],
        "permissions": [{"name": p, "id": ROLE_IDS[p], "collections": used_by[p]} for p in PERMISSIONS],
    }
