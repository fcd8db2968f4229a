"""The check registry: a name-to-check map that rejects duplicates, plus the `@check` decorator.

A check declares in one place its id (``provider.service.name``), title, resource type, severity,
the collections it ``needs``, its ``Params`` model (every field with a default and a description),
a rationale with the recommended action, and what it ``covers`` (scenario codes of the original
product and peer-check ids). Its function takes a :class:`~cloudwaste.checks.context.CheckContext`
and the resolved params, and yields :class:`~cloudwaste.checks.context.Hit` objects; the engine
turns each hit into a :class:`~cloudwaste.model.Finding`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from cloudwaste.checks.context import CheckContext, Hit, MetricQuery
from cloudwaste.model import Severity

CHECK_ID_RE = re.compile(r"^(aws|azure|gcp|m365)\.[a-z0-9_]+\.[a-z0-9_]+$")
CLASSES = frozenset({"orphan", "idle", "oversized", "legacy", "policy", "commitment", "hygiene"})

CheckFunc = Callable[[CheckContext, Any], Iterable[Hit]]
MetricsFunc = Callable[[Any], list[MetricQuery]]


class NoParams(BaseModel):
    """For checks without tunable parameters."""


@dataclass(frozen=True)
class CheckSpec:
    """Everything the engine, `rules list` and the docs need to know about a check."""

    id: str
    title: str
    resource_type: str
    severity: Severity
    needs: tuple[str, ...]
    params: type[BaseModel]
    rationale: str
    recommendation: str
    func: CheckFunc
    covers_original: tuple[str, ...] = ()
    covers_peers: tuple[str, ...] = ()
    klass: str = "orphan"
    metrics: MetricsFunc | None = None
    aliases: tuple[str, ...] = ()
    permissions: tuple[str, ...] = field(default=())

    @property
    def provider(self) -> str:
        """The provider part of the id (``aws`` for ``aws.ebs.unattached_volume``)."""
        return self.id.split(".", 1)[0]

    def run(self, ctx: CheckContext, params: BaseModel) -> Iterator[Hit]:
        """Evaluate the check for one scope unit."""
        yield from self.func(ctx, params)


REGISTRY: dict[str, CheckSpec] = {}


def check(
    *,
    id: str,
    title: str,
    resource_type: str,
    severity: Severity,
    needs: Iterable[str],
    rationale: str,
    recommendation: str,
    params: type[BaseModel] = NoParams,
    covers_original: Iterable[str] = (),
    covers_peers: Iterable[str] = (),
    klass: str = "orphan",
    metrics: MetricsFunc | None = None,
    aliases: Iterable[str] = (),
) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check function under ``id`` with its metadata."""

    def register(func: CheckFunc) -> CheckFunc:
        if not CHECK_ID_RE.match(id):
            raise ValueError(f"check id {id!r} is not provider.service.name")
        if id in REGISTRY:
            raise ValueError(f"duplicate check id {id!r}")
        if klass not in CLASSES:
            raise ValueError(f"check {id!r}: class {klass!r} not in {sorted(CLASSES)}")
        REGISTRY[id] = CheckSpec(
            id=id,
            title=title,
            resource_type=resource_type,
            severity=severity,
            needs=tuple(needs),
            params=params,
            rationale=" ".join(rationale.split()),
            recommendation=" ".join(recommendation.split()),
            func=func,
            covers_original=tuple(covers_original),
            covers_peers=tuple(covers_peers),
            klass=klass,
            metrics=metrics,
            aliases=tuple(aliases),
        )
        return func

    return register


def load_checks(provider: str | None = None) -> list[CheckSpec]:
    """Import the check modules of ``provider`` (or all providers) and return their specs by id."""
    import cloudwaste.checks as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.ispkg or (provider and info.name != provider):
            continue
        sub = importlib.import_module(f"cloudwaste.checks.{info.name}")
        for mod in pkgutil.iter_modules(sub.__path__):
            importlib.import_module(f"cloudwaste.checks.{info.name}.{mod.name}")
    specs = [s for s in REGISTRY.values() if provider is None or s.provider == provider]
    return sorted(specs, key=lambda s: s.id)


def get_check(check_id: str) -> CheckSpec:
    """Look a check up by id or alias; raise KeyError if unknown."""
    load_checks(check_id.split(".", 1)[0] if "." in check_id else None)
    if check_id in REGISTRY:
        return REGISTRY[check_id]
    for spec in REGISTRY.values():
        if check_id in spec.aliases:
            return spec
    raise KeyError(check_id)
