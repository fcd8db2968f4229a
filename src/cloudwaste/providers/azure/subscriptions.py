"""Which subscriptions an Azure scan covers: the tenant's list, ``--subscription`` and its exclusions.

The subscriptions the credential can see come from one paged ``GET /subscriptions`` (SubscriptionClient).
Selection rules:

- no ``--subscription``: every subscription listed; those whose ``state`` is not ``Enabled`` or
  ``PastDue`` (``Warned``, ``Disabled``, ``Deleted``: ARM refuses or the resources are deallocated)
  are recorded as ``skipped`` with the state, not scanned;
- ``--subscription`` takes ids, display names or globs on either (case-insensitive); an id that the
  list does not contain is recorded as an ``error`` unit ("not visible to this credential") so a typo
  or a missing role assignment shows in coverage instead of silently vanishing;
- ``--exclude-subscription`` ids, names or globs remove subscriptions from both lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

SCANNED_STATES = frozenset({"enabled", "pastdue"})
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
NOT_VISIBLE = (
    "subscription not visible to this credential (not in GET /subscriptions): "
    "check the id and the role assignment"
)


@dataclass(frozen=True)
class Subscription:
    """One subscription of the tenant list."""

    id: str
    name: str
    state: str


@dataclass
class SubscriptionSelection:
    """Subscriptions to scan, skipped (with the reason) and requested but missing."""

    scan: list[Subscription] = field(default_factory=list)
    skipped: list[tuple[Subscription, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def from_rest(items: Iterable[Mapping[str, Any]]) -> list[Subscription]:
    """Subscriptions from the REST items of ``GET /subscriptions``."""
    out: list[Subscription] = []
    for item in items:
        sub_id = str(item.get("subscriptionId") or str(item.get("id") or "").rsplit("/", 1)[-1])
        if sub_id:
            out.append(
                Subscription(sub_id, str(item.get("displayName") or sub_id), str(item.get("state") or ""))
            )
    return out


def _matches(sub: Subscription, token: str) -> bool:
    token = token.lower()
    return fnmatchcase(sub.id.lower(), token) or fnmatchcase(sub.name.lower(), token)


def select_subscriptions(
    listed: list[Subscription], requested: Iterable[str] = (), exclude: Iterable[str] = ()
) -> SubscriptionSelection:
    """Resolve ``--subscription`` / ``--exclude-subscription`` against the listed subscriptions."""
    wanted = [t.strip() for t in requested if t.strip()]
    excluded = [t.strip() for t in exclude if t.strip()]
    sel = SubscriptionSelection()
    chosen: dict[str, Subscription] = {}
    if not wanted:
        chosen = {s.id.lower(): s for s in listed}
    for token in wanted:
        hits = [s for s in listed if _matches(s, token)]
        if hits:
            chosen.update({s.id.lower(): s for s in hits})
        elif GUID.match(token):
            sel.missing.append(token.lower())
        else:
            sel.warnings.append(f"--subscription {token!r} matches no subscription id or name")
    for token in excluded:
        hit = [k for k, s in chosen.items() if _matches(s, token)]
        gone = [m for m in sel.missing if fnmatchcase(m, token.lower())]
        if not hit and not gone:
            sel.warnings.append(f"--exclude-subscription {token!r} matches no subscription")
        for key in hit:
            del chosen[key]
        sel.missing = [m for m in sel.missing if m not in gone]
    for sub in sorted(chosen.values(), key=lambda s: (s.name.lower(), s.id)):
        if sub.state.lower() in SCANNED_STATES:
            sel.scan.append(sub)
        else:
            sel.skipped.append((sub, f"subscription state {sub.state or 'unknown'}: not scanned"))
    return sel
