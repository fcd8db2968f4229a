"""Which checks run, with which parameters: globs from the CLI plus per-check config overrides."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ValidationError

from cloudwaste.checks.context import MetricQuery
from cloudwaste.checks.registry import CheckSpec
from cloudwaste.errors import UsageError


@dataclass(frozen=True)
class SelectedCheck:
    """A check with its resolved parameters."""

    spec: CheckSpec
    params: BaseModel

    def metric_queries(self) -> list[MetricQuery]:
        """The metric series this check needs, for its parameters."""
        return list(self.spec.metrics(self.params)) if self.spec.metrics else []


def _matches(spec: CheckSpec, pattern: str) -> bool:
    return any(fnmatchcase(name, pattern) for name in (spec.id, *spec.aliases))


def resolve_params(spec: CheckSpec, overrides: dict[str, Any]) -> BaseModel:
    """Validate config overrides for one check; unknown keys and bad values are usage errors."""
    values = {k: v for k, v in overrides.items() if k != "enabled"}
    known = set(spec.params.model_fields)
    unknown = sorted(set(values) - known)
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise UsageError(
            f"unknown parameter {unknown[0]!r} for check {spec.id}",
            hint=f"parameters of {spec.id}: {allowed} (see `cloudwaste rules show {spec.id}`)",
        )
    try:
        return spec.params(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise UsageError(f"bad value for {spec.id} parameter {loc}: {err['msg']}") from None


def select_checks(
    specs: list[CheckSpec],
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> list[SelectedCheck]:
    """Filter ``specs`` by ``--check``/``--exclude-check`` globs and config, resolving parameters."""
    overrides = overrides or {}
    by_id = {s.id: s for s in specs}
    for check_id in overrides:
        if check_id not in by_id and not any(check_id in s.aliases for s in specs):
            if check_id.split(".", 1)[0] in {s.provider for s in specs}:
                raise UsageError(
                    f"config names an unknown check {check_id!r}", hint="see `cloudwaste rules list`"
                )
    for pattern in include or []:
        if not any(_matches(s, pattern) for s in specs):
            raise UsageError(f"--check {pattern!r} matches no check", hint="see `cloudwaste rules list`")
    selected: list[SelectedCheck] = []
    for spec in specs:
        if include and not any(_matches(spec, p) for p in include):
            continue
        if exclude and any(_matches(spec, p) for p in exclude):
            continue
        conf = dict(overrides.get(spec.id, {}))
        for alias in spec.aliases:
            conf = {**overrides.get(alias, {}), **conf}
        if conf.get("enabled", True) is False and not include:
            continue
        selected.append(SelectedCheck(spec, resolve_params(spec, conf)))
    return selected
