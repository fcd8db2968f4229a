"""Finding filters: ``--resource-group``, ``--tag KEY[=VALUE]`` and ``--exclude-tag KEY[=VALUE]``.

They apply to findings, never to collections: a NIC excluded by tag still makes its public IP "in use".

- ``--resource-group`` names or globs (case-insensitive, as ARM names are) keep Azure findings whose
  resource id is in one of those resource groups; other providers' findings are not affected.
- ``--tag`` keeps findings whose resource has the tag: repeated values of one key are alternatives
  (``--tag env=dev --tag env=test``), different keys must all match; ``KEY`` alone means the key is set.
- ``--exclude-tag`` drops findings whose resource has any of the tags.

Tag keys compare case-insensitively (Azure treats them so), values exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from cloudwaste.errors import UsageError
from cloudwaste.model import Finding


def parse_tags(values: Iterable[str], flag: str) -> list[tuple[str, str | None]]:
    """``KEY=VALUE`` / ``KEY`` values as (lower-case key, value or None)."""
    out: list[tuple[str, str | None]] = []
    for raw in values:
        key, sep, value = raw.partition("=")
        if not key.strip():
            raise UsageError(f"{flag} {raw!r} has no tag key", hint=f"use {flag} KEY=VALUE or {flag} KEY")
        out.append((key.strip().lower(), value if sep else None))
    return out


def _resource_group(arm_id: str) -> str:
    parts = arm_id.split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[i + 1].lower()
    return ""


def _has(tags: dict[str, str], key: str, value: str | None) -> bool:
    for k, v in tags.items():
        if k.lower() == key and (value is None or v == value):
            return True
    return False


@dataclass(frozen=True)
class FindingFilter:
    """The filters of one scan; call it on a finding to know whether to keep it."""

    resource_groups: tuple[str, ...] = ()
    tags: tuple[tuple[str, str | None], ...] = ()
    exclude_tags: tuple[tuple[str, str | None], ...] = ()
    _by_key: dict[str, list[str | None]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for key, value in self.tags:
            self._by_key.setdefault(key, []).append(value)

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return bool(self.resource_groups or self.tags or self.exclude_tags)

    def __call__(self, finding: Finding) -> bool:
        if self.resource_groups and finding.provider == "azure":
            rg = _resource_group(finding.resource.id)
            if not any(fnmatchcase(rg, pattern.lower()) for pattern in self.resource_groups):
                return False
        tags = finding.resource.tags
        for key, values in self._by_key.items():
            if not any(_has(tags, key, value) for value in values):
                return False
        return not any(_has(tags, key, value) for key, value in self.exclude_tags)


def finding_filter(
    resource_groups: Iterable[str] = (), tags: Iterable[str] = (), exclude_tags: Iterable[str] = ()
) -> Callable[[Finding], bool] | None:
    """The filter for these flag values, or None when none is set."""
    flt = FindingFilter(
        tuple(rg.strip() for rg in resource_groups if rg.strip()),
        tuple(parse_tags(tags, "--tag")),
        tuple(parse_tags(exclude_tags, "--exclude-tag")),
    )
    return flt if flt.active else None
