"""The IAM permissions a GCP scan uses: reads only (``*.list``, ``*.get``, Asset and Monitoring reads).

``roles/viewer`` plus ``roles/cloudasset.viewer``, ``roles/monitoring.viewer`` and
``roles/recommender.viewer`` cover them; ``examples/gcp-readonly-role.yaml`` is :func:`role_yaml` written
out for those who prefer one custom role naming each permission (``gcloud iam roles create cloudwaste
--project P --file examples/gcp-readonly-role.yaml``, or ``--organization``). A test keeps the file
equal to the code and another maps every request of a full scan to one of these permissions.
"""

from __future__ import annotations

import re

from cloudwaste.providers.gcp.collectors import sources
from cloudwaste.providers.gcp.recommender import RECOMMENDERS

BASE_PERMISSIONS: tuple[str, ...] = (
    "resourcemanager.projects.get",  # projects.get, and projects.search lists what it allows
    "resourcemanager.folders.list",  # --organization / --folder discovery
    "cloudasset.assets.listResource",  # ListAssets with contentType RESOURCE
    "monitoring.timeSeries.list",
)
PERMISSIONS: tuple[str, ...] = tuple(
    sorted(
        {
            *BASE_PERMISSIONS,
            *(s.permission for s in sources()),
            *(r.permission for r in RECOMMENDERS),
        }
    )
)
_COMPUTE = re.compile(r"^/compute/v1/projects/[^/]+/((?:aggregated|global)/[A-Za-z]+)$")
_RECOMMENDER = re.compile(r"^/v1/projects/[^/]+/locations/[^/]+/recommenders/([^/]+)/recommendations$")
_BY_PATH = {s.path: s.permission for s in sources()}
_BY_RECOMMENDER = {r.id: r.permission for r in RECOMMENDERS}


def permission_of(method: str, path: str) -> str | None:
    """The IAM permission a request needs; None for token exchanges and the Cloud Billing Catalog
    (public prices: no permission). Anything unknown comes back as ``"METHOD path"``, which is in no
    role and so fails a read-only comparison."""
    if path in ("/token", "/oauth2/v4/token") or path.endswith(":generateAccessToken"):
        return None
    if method == "GET" and (path == "/v1/services" or re.fullmatch(r"/v1/services/[^/]+/skus", path)):
        return None
    if method != "GET":
        return f"{method} {path}"
    if path == "/v3/projects:search" or re.fullmatch(r"/v3/projects/[^/:]+", path):
        return "resourcemanager.projects.get"
    if path == "/v3/folders":
        return "resourcemanager.folders.list"
    if re.fullmatch(r"/v1/projects/[^/]+/assets", path):
        return "cloudasset.assets.listResource"
    if re.fullmatch(r"/v3/projects/[^/]+/timeSeries", path):
        return "monitoring.timeSeries.list"
    match = _COMPUTE.match(path)
    if match and match.group(1) in _BY_PATH:
        return _BY_PATH[match.group(1)]
    match = _RECOMMENDER.match(path)
    if match and match.group(1) in _BY_RECOMMENDER:
        return _BY_RECOMMENDER[match.group(1)]
    return f"{method} {path}"


def role_yaml() -> str:
    """A custom role (``gcloud iam roles create --file``) granting exactly :data:`PERMISSIONS`."""
    lines = [
        "# cloudwaste: the read-only permissions of `cloudwaste scan gcp` (generated from",
        "# src/cloudwaste/providers/gcp/permissions.py; a test keeps the two equal).",
        "#   gcloud iam roles create cloudwasteReader --project PROJECT \\",
        "#     --file examples/gcp-readonly-role.yaml",
        "#   gcloud iam roles create cloudwasteReader --organization ORG_ID \\",
        "#     --file examples/gcp-readonly-role.yaml",
        "# resourcemanager.folders.list is only used by --organization / --folder and is only valid in an",
        "# organization-level role: delete that line for a project-level role.",
        "title: cloudwaste reader",
        "description: Read-only access for cloudwaste scans (Compute lists, Cloud Asset Inventory, "
        "Cloud Monitoring, idle recommendations).",
        "stage: GA",
        "includedPermissions:",
        *(f"- {p}" for p in PERMISSIONS),
    ]
    return "\n".join(lines) + "\n"
