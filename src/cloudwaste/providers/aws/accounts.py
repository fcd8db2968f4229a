"""The accounts of a multi-account scan: the ``--accounts-file`` model and ``--account-tag`` filters.

An accounts file is a YAML list (or a mapping with an ``accounts`` list)::

    - id: "111122223333"          # 12 digits (quoted or not)
      name: prod                  # label in reports (default: the id)
      role: CloudwasteReadOnly    # role name, path/name or ARN (default: --role-name)
      regions: [eu-west-1, "us-*"] # this account's regions (default: -r / [aws] regions)
      tags: {env: prod, team: web} # matched by --account-tag

Plain scalars are read as strings (``id: 012345670123`` keeps its leading zero instead of becoming an
octal number). A malformed file is a usage error (exit 2) naming the line and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cloudwaste.errors import UsageError


class AccountEntry(BaseModel):
    """One account of an accounts file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^\d{12}$", description="the 12-digit AWS account id")
    name: str | None = Field(default=None, min_length=1, description="label in reports")
    role: str | None = Field(default=None, min_length=1, description="role name or ARN to assume")
    regions: list[str] = Field(default_factory=list, description="regions of this account")
    tags: dict[str, str] = Field(default_factory=dict, description="tags matched by --account-tag")

    @field_validator("regions", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


@dataclass
class Target:
    """An account to scan: where it came from, how to get in, what to cover."""

    id: str
    name: str = ""
    role: str | None = None  # role name or ARN; None = the caller's own credentials
    regions: list[str] = field(default_factory=list)  # empty = the scan's region selection
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The name shown in reports (the id when there is no name)."""
        return self.name or self.id


def parse_account_tags(values: Iterable[str]) -> list[tuple[str, str]]:
    """``--account-tag KEY=VALUE`` values as pairs; a value without ``=`` is a UsageError."""
    pairs: list[tuple[str, str]] = []
    for raw in values:
        key, sep, value = raw.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--account-tag {raw!r} is not KEY=VALUE", hint="e.g. --account-tag env=prod (repeatable)"
            )
        pairs.append((key.strip(), value.strip()))
    return pairs


def tags_match(tags: Mapping[str, str], wanted: Iterable[tuple[str, str]]) -> bool:
    """True when ``tags`` has, for every wanted key, one of the wanted values of that key."""
    by_key: dict[str, set[str]] = {}
    for key, value in wanted:
        by_key.setdefault(key, set()).add(value)
    return all(tags.get(key) in values for key, values in by_key.items())


def _loader() -> Any:
    import yaml

    class StringLoader(yaml.SafeLoader):
        """SafeLoader without implicit int/float: ids, tag values and names stay strings."""

    drop = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
    StringLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in drop]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return StringLoader


def _line(node: Any, loc: Iterable[Any]) -> int:
    """The 1-based line of the YAML node at ``loc`` (as deep as the path can be followed)."""
    import yaml

    for step in loc:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        elif isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == str(step)), None)
            if hit is None:
                break
            node = hit[1]
        else:
            break
    return int(node.start_mark.line) + 1


def load_accounts_file(path: Path) -> list[Target]:
    """Read and validate an accounts file; every problem is a UsageError with the line and field."""
    import yaml

    try:
        text = path.read_text()
    except OSError as exc:
        raise UsageError(f"cannot read accounts file {path}: {exc.strerror or exc}") from None
    try:
        root = yaml.compose(text, Loader=_loader())
        data = yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise UsageError(f"accounts file {path}{where}: malformed YAML: {problem}") from None
    prefix: list[Any] = []
    if isinstance(data, dict) and "accounts" in data:
        data, prefix = data["accounts"], ["accounts"]
    if not isinstance(data, list) or not data:
        raise UsageError(
            f"accounts file {path}: expected a list of accounts (id, name, role, regions, tags)",
            hint="see examples/accounts.yaml",
        )
    targets: list[Target] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data):
        loc = [*prefix, index]
        if not isinstance(raw, dict):
            raise UsageError(
                f"accounts file {path} line {_line(root, loc)}: entry {index + 1} is not a mapping"
            )
        try:
            entry = AccountEntry.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            fields = [str(p) for p in err["loc"]]
            line = _line(root, [*loc, *err["loc"]])
            what = ".".join(fields) or "entry"
            raise UsageError(
                f"accounts file {path} line {line}: account {index + 1}, field {what!r}: {err['msg']}"
            ) from None
        if entry.id in seen:
            raise UsageError(
                f"accounts file {path} line {_line(root, [*loc, 'id'])}: account {entry.id} is listed twice "
                f"(first at entry {seen[entry.id] + 1})"
            )
        seen[entry.id] = index
        targets.append(
            Target(
                id=entry.id, name=entry.name or "", role=entry.role, regions=entry.regions, tags=entry.tags
            )
        )
    return targets
