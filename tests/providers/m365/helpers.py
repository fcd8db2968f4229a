"""Helpers for the Microsoft 365 provider tests: providers and sessions on the fake, ad-hoc checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.registry import CheckSpec, NoParams
from cloudwaste.engine.plan import SelectedCheck
from cloudwaste.model import Money, Resource, Severity
from cloudwaste.providers.m365 import M365Options, M365Provider, M365UnitSession


def provider(**options: Any) -> M365Provider:
    """A provider on the fake with one attempt per call (unless the test says otherwise)."""
    options.setdefault("max_attempts", 1)
    return M365Provider(M365Options(**options))


def session(prov: M365Provider | None = None) -> M365UnitSession:
    """The one unit's session of a planned provider."""
    prov = prov or provider()
    [unit] = prov.plan().units
    return prov.open_unit(unit, [])


def make_check(
    check_id: str, needs: Iterable[str], func: Callable[[CheckContext], Iterable[tuple[str, str]]]
) -> SelectedCheck:
    """An ad-hoc check (not registered) yielding an unpriced hit per ``(id, reason)`` of ``func``."""

    def run(ctx: CheckContext, params: Any) -> Iterator[Hit]:
        for rid, reason in func(ctx):
            yield Hit(resource=Resource(id=rid, type="thing"), reason=reason, cost=Money.unknown())

    spec = CheckSpec(
        id=check_id,
        title=check_id,
        resource_type="thing",
        severity=Severity.LOW,
        needs=tuple(needs),
        params=NoParams,
        rationale="test",
        recommendation="look at <id>",
        func=run,
    )
    return SelectedCheck(spec, NoParams())
