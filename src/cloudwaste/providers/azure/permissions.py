"""The Azure RBAC actions cloudwaste needs: reads only (``*/read``; Resource Graph queries are reads too).

The built-in ``Reader`` role (``*/read``) covers all of them, metrics and the Activity Log included;
``examples/azure-readonly-role.json`` is :func:`role_definition` written out for those who prefer a
custom role naming each action. A test keeps the two equal and another proves that a full scan only
sends requests these actions allow.
"""

from __future__ import annotations

import re
from typing import Any

from cloudwaste.providers.azure.collectors import LISTINGS

BASE_ACTIONS: tuple[str, ...] = (
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Resources/subscriptions/resources/read",
    "Microsoft.ResourceGraph/resources/read",
    "Microsoft.Insights/metrics/read",
    "Microsoft.Insights/eventtypes/values/read",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/instanceView/read",
)
ACTIONS: tuple[str, ...] = tuple(
    sorted({*BASE_ACTIONS, *(f"{listing.arm_type}/read" for listing in LISTINGS)}, key=str.lower)
)
_TYPE_LIST = re.compile(
    r"^/subscriptions/[^/]+(?:/resourcegroups/[^/]+)?/providers/([^/]+/[^/]+)$", re.IGNORECASE
)


def action_of(method: str, path: str) -> str | None:
    """The RBAC action an ARM request needs (None for Entra ID token requests)."""
    low = path.lower().rstrip("/")
    if low.endswith("/oauth2/v2.0/token") or "/.well-known/" in low:
        return None
    if method == "POST" and low == "/providers/microsoft.resourcegraph/resources":
        return "Microsoft.ResourceGraph/resources/read"
    if method != "GET":
        return f"{method} {path}"  # never a read action: fails any read-only comparison
    if low == "/subscriptions":
        return "Microsoft.Resources/subscriptions/read"
    if low.endswith("/providers/microsoft.insights/metrics"):
        return "Microsoft.Insights/metrics/read"
    if low.endswith("/providers/microsoft.insights/eventtypes/management/values"):
        return "Microsoft.Insights/eventtypes/values/read"
    if re.fullmatch(r"/subscriptions/[^/]+/resourcegroups", low):
        return "Microsoft.Resources/subscriptions/resourceGroups/read"
    if re.fullmatch(r"/subscriptions/[^/]+/resources", low):
        return "Microsoft.Resources/subscriptions/resources/read"
    match = _TYPE_LIST.match(path.rstrip("/"))
    if match:
        return f"{match.group(1)}/read"
    return f"GET {path}"


def role_definition() -> dict[str, Any]:
    """A custom role granting exactly :data:`ACTIONS` (replace the assignable scope with yours)."""
    return {
        "Name": "cloudwaste reader",
        "IsCustom": True,
        "Description": "Read-only access for cloudwaste scans: lists, Resource Graph, metrics, Activity Log.",
        "Actions": list(ACTIONS),
        "NotActions": [],
        "DataActions": [],
        "NotDataActions": [],
        "AssignableScopes": ["/subscriptions/00000000-0000-0000-0000-000000000000"],
    }
