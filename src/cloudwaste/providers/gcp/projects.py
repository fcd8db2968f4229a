"""Which projects a GCP scan covers: discovery through Resource Manager, then the selection flags.

Discovery (Resource Manager v3, REST):

- ``--project`` with exact ids only: one ``projects.get`` per id (no organization-wide search); an id
  the identity cannot read (403, which Google also answers for ids that do not exist) is an ``error``
  unit, so a typo or a missing grant shows in coverage instead of vanishing;
- otherwise one paged ``projects.search`` (every project the identity has
  ``resourcemanager.projects.get`` on), then ``--project`` globs on ids and display names;
- ``--organization`` / ``--folder``: the folder tree under them (``folders.list``, breadth first) keeps
  the projects whose parent is in it.

Selection: projects whose ``state`` is not ``ACTIVE`` (``DELETE_REQUESTED``: in the 30-day deletion
grace period, its resources are shut down) are ``skipped`` with the state; ``--exclude-project`` ids or
globs remove projects; ``--label KEY=VALUE`` keeps projects with those labels (values of one key are
alternatives, different keys must all match; ``KEY`` alone: the label is set).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

PROJECT_ID = re.compile(r"^[a-z][-a-z0-9.:]{4,62}[a-z0-9]$")
GLOB = re.compile(r"[*?\[]")
NOT_VISIBLE = (
    "project not visible to this identity (projects.get was denied; Google answers the same for ids "
    "that do not exist): check the id and grant roles/viewer or resourcemanager.projects.get"
)


@dataclass(frozen=True)
class Project:
    """One project from Resource Manager."""

    id: str
    name: str  # display name
    number: str = ""
    state: str = "ACTIVE"
    parent: str = ""  # "folders/123" or "organizations/456"
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ProjectSelection:
    """Projects to scan, skipped (with the reason), and requested but unreadable (with the reason)."""

    scan: list[Project] = field(default_factory=list)
    skipped: list[tuple[Project, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def from_rest(item: Mapping[str, Any]) -> Project:
    """A project from its REST (or proto ``to_dict``) form."""
    number = str(item.get("name") or "").removeprefix("projects/")
    pid = str(item.get("projectId") or item.get("project_id") or number)
    state = item.get("state") or "ACTIVE"
    return Project(
        id=pid,
        name=str(item.get("displayName") or item.get("display_name") or pid),
        number=number if number != pid else "",
        state=str(getattr(state, "name", state)),
        parent=str(item.get("parent") or ""),
        labels={str(k): str(v) for k, v in (item.get("labels") or {}).items()},
    )


def from_proto(message: Any) -> Project:
    """A project from a ``resourcemanager_v3.Project`` message."""
    return from_rest(
        {
            "name": message.name,
            "projectId": message.project_id,
            "displayName": message.display_name,
            "state": message.state.name if hasattr(message.state, "name") else str(message.state),
            "parent": message.parent,
            "labels": dict(message.labels),
        }
    )


def is_glob(token: str) -> bool:
    """True for ``--project`` values with wildcards."""
    return bool(GLOB.search(token))


def normalize_parent(value: str, kind: str) -> str:
    """``123`` or ``organizations/123`` -> ``organizations/123`` (``kind``: organizations or folders)."""
    text = value.strip()
    return text if text.startswith(f"{kind}/") else f"{kind}/{text}"


def _label_filter(labels: Iterable[str]) -> Callable[[Project], bool] | None:
    from cloudwaste.engine.filters import parse_tags

    wanted: dict[str, list[str | None]] = {}
    for key, value in parse_tags(labels, "--label"):
        wanted.setdefault(key, []).append(value)
    if not wanted:
        return None

    def keep(project: Project) -> bool:
        have = {k.lower(): v for k, v in project.labels.items()}
        return all(
            any(key in have and (v is None or have[key] == v) for v in vs) for key, vs in wanted.items()
        )

    return keep


def _matches(project: Project, token: str) -> bool:
    token = token.lower()
    return fnmatchcase(project.id.lower(), token) or fnmatchcase(project.name.lower(), token)


def select_projects(
    listed: list[Project],
    requested: Iterable[str] = (),
    exclude: Iterable[str] = (),
    labels: Iterable[str] = (),
    parents: set[str] | None = None,
    missing: Iterable[tuple[str, str]] = (),
) -> ProjectSelection:
    """Resolve ``--project`` / ``--exclude-project`` / ``--label`` / the folder tree against ``listed``.

    ``parents``: the organization, folders and sub-folders a project's parent must be in (None: any).
    ``missing``: requested ids that discovery could not read, with why.
    """
    wanted = [t.strip() for t in requested if t.strip()]
    excluded = [t.strip().lower() for t in exclude if t.strip()]
    sel = ProjectSelection(missing=list(missing))
    chosen: dict[str, Project] = {}
    if not wanted:
        chosen = {p.id: p for p in listed}
    for token in wanted:
        hits = [p for p in listed if _matches(p, token)]
        chosen.update({p.id: p for p in hits})
        if not hits and not any(m == token for m, _ in sel.missing):
            sel.warnings.append(f"--project {token!r} matches no project id or name")
    for token in excluded:
        hit = [k for k, p in chosen.items() if _matches(p, token)]
        gone = [m for m, _ in sel.missing if fnmatchcase(m.lower(), token)]
        if not hit and not gone:
            sel.warnings.append(f"--exclude-project {token!r} matches no project")
        for key in hit:
            del chosen[key]
        sel.missing = [(m, why) for m, why in sel.missing if m not in gone]
    if parents is not None:
        outside = [p for p in chosen.values() if p.parent not in parents]
        for p in outside:
            del chosen[p.id]
    keep = _label_filter(labels)
    if keep is not None:
        chosen = {k: p for k, p in chosen.items() if keep(p)}
    for project in sorted(chosen.values(), key=lambda p: p.id):
        if project.state.upper() == "ACTIVE":
            sel.scan.append(project)
        else:
            sel.skipped.append((project, f"project state {project.state or 'unknown'}: not scanned"))
    return sel


# -- Resource Manager calls ----------------------------------------------------------------------------


def search(client: Any, *, timeout: float, retry: Any) -> list[Project]:
    """Every project the identity can see (``projects.search``, every page)."""
    pager = client.search_projects(request={"page_size": 500}, retry=retry, timeout=timeout)
    return [from_proto(p) for p in pager]


def get(client: Any, project_id: str, *, timeout: float, retry: Any) -> Project:
    """One project (``projects.get``)."""
    return from_proto(
        client.get_project(request={"name": f"projects/{project_id}"}, retry=retry, timeout=timeout)
    )


def folder_tree(client: Any, roots: Iterable[str], *, timeout: float, retry: Any) -> set[str]:
    """``roots`` and every folder under them (``folders.list``, breadth first)."""
    seen = set(roots)
    queue = list(seen)
    while queue:
        parent = queue.pop(0)
        for folder in client.list_folders(
            request={"parent": parent, "page_size": 1000}, retry=retry, timeout=timeout
        ):
            name = str(folder.name)
            if name and name not in seen:
                seen.add(name)
                queue.append(name)
    return seen
