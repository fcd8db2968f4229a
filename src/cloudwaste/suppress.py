"""Suppression: ``.cloudwaste-ignore.yaml`` rules and the ``cloudwaste:ignore`` resource tag.

A file holds independent rules, OR'ed together; the conditions inside one rule are AND'ed::

    version: 1
    rules:
      - reason: "sandbox account, emptied every Friday"   # required
        account: "123456789012"
      - reason: "DR copies kept for the audit"
        check: "aws.ebs.*snapshot*"                       # glob on the check id
        resource: "snap-0a*"                              # glob on the resource id, name or ARN
        region: "eu-*"                                    # glob
        tags: {purpose: "^(dr|audit)$"}                   # tag key -> regex on its value
        expires: 2027-03-31                               # optional: stops applying after this day

``resource_regex`` matches the id, name or ARN with a regular expression instead of a glob. An
expired rule no longer mutes anything and is reported as a warning. A resource tagged
``cloudwaste:ignore`` (any value but ``false``) is muted too, until its optional
``cloudwaste:ignore-until`` date. Errors carry the file's line number (exit 2).

The file is YAML parsed with PyYAML's safe loader (``yaml.compose`` keeps the line of every rule); the
schema is a strict pydantic model, so a misspelt key is an error rather than a rule that never matches.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cloudwaste.errors import UsageError
from cloudwaste.model import Finding, Status

DEFAULT_FILE = ".cloudwaste-ignore.yaml"
IGNORE_TAG = "cloudwaste:ignore"
IGNORE_UNTIL_TAG = "cloudwaste:ignore-until"


class Rule(BaseModel):
    """One suppression rule: every condition given must match."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, description="Why these findings are accepted (required).")
    check: str | None = Field(None, description="Glob on the check id.")
    resource: str | None = Field(None, description="Glob on the resource id, name or ARN.")
    resource_regex: str | None = Field(None, description="Regex on the resource id, name or ARN.")
    account: str | None = Field(None, description="Glob on the account / subscription / project id.")
    region: str | None = Field(None, description="Glob on the region.")
    provider: str | None = Field(None, description="aws, azure, gcp or m365.")
    tags: dict[str, str] = Field(default_factory=dict, description="Tag key -> regex on its value.")
    expires: date | None = Field(None, description="Last day the rule applies.")
    line: int = Field(0, exclude=True, description="Line of the rule in its file.")

    @field_validator("resource_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            _compile(value)
        return value

    @field_validator("tags")
    @classmethod
    def _tag_regexes(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            _compile(pattern)
        return value

    def expired(self, now: datetime) -> bool:
        """True once the day after ``expires`` has begun (UTC)."""
        return self.expires is not None and now.astimezone(UTC).date() > self.expires

    def matches(self, finding: Finding) -> bool:
        """Whether every condition of the rule holds for ``finding``."""
        res = finding.resource
        names = [n for n in (res.id, res.name, res.arn) if n]
        return (
            _glob(self.check, [finding.check_id])
            and _glob(self.resource, names)
            and (self.resource_regex is None or any(re.search(self.resource_regex, n) for n in names))
            and _glob(self.account, [finding.account])
            and _glob(self.region, [finding.region])
            and (self.provider is None or self.provider == finding.provider)
            and all(
                key in res.tags and re.search(pattern, res.tags[key]) is not None
                for key, pattern in self.tags.items()
            )
        )

    def describe(self) -> str:
        """``line 12: reason``."""
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    rules: list[Rule] = Field(default_factory=list)


def _compile(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc})") from None


def _glob(pattern: str | None, values: Iterable[str]) -> bool:
    return pattern is None or any(fnmatch.fnmatchcase(v, pattern) for v in values)


@dataclass
class Suppressions:
    """The rules of one file (possibly none) plus the resource-tag convention."""

    rules: list[Rule] = field(default_factory=list)
    path: Path | None = None
    use_tags: bool = True

    def active(self, now: datetime) -> list[Rule]:
        """Rules that still apply at ``now``."""
        return [r for r in self.rules if not r.expired(now)]

    def expired(self, now: datetime) -> list[Rule]:
        """Rules past their ``expires`` day (they warn and mute nothing)."""
        return [r for r in self.rules if r.expired(now)]

    def reason_for(self, finding: Finding, now: datetime) -> str | None:
        """Why ``finding`` is muted, or None when it is not."""
        for rule in self.active(now):
            if rule.matches(finding):
                where = f"{self.path.name} " if self.path else ""
                return f"{where}{rule.describe()}"
        if self.use_tags:
            return _tag_reason(finding.resource.tags, now)
        return None

    def apply(self, findings: list[Finding], now: datetime) -> list[Finding]:
        """Copies of ``findings`` with muted open ones set to ``ignored`` (their reason in evidence)."""
        out: list[Finding] = []
        for f in findings:
            reason = None if f.status is not Status.OPEN else self.reason_for(f, now)
            if reason is None:
                out.append(f)
            else:
                evidence = {**f.evidence, "suppressed_by": reason}
                out.append(f.model_copy(update={"status": Status.IGNORED, "evidence": evidence}))
        return out


def _tag_reason(tags: Mapping[str, str], now: datetime) -> str | None:
    value = tags.get(IGNORE_TAG)
    if value is None or value.strip().lower() in ("false", "no", "0"):
        return None
    until = tags.get(IGNORE_UNTIL_TAG)
    if until:
        try:
            last = date.fromisoformat(until.strip()[:10])
        except ValueError:
            return None  # an unreadable date mutes nothing rather than everything forever
        if now.astimezone(UTC).date() > last:
            return None
        return f"tag {IGNORE_TAG}={value} until {last.isoformat()}"
    return f"tag {IGNORE_TAG}={value}"


def parse(text: str, path: Path | None = None) -> Suppressions:
    """Parse an ignore file; raise UsageError (exit 2) naming the file and line of the problem."""
    import yaml

    where = str(path) if path else "ignore file"
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark is not None:
            problem = f"{context} started on line {cmark.line + 1}: {problem}"
        raise UsageError(f"{where}{line}: not valid YAML ({problem})") from None
    if raw is None:
        return Suppressions([], path)
    if not isinstance(raw, dict):
        raise UsageError(f"{where}:1: expected a mapping with 'version' and 'rules'")
    lines = _rule_lines(node)
    rules_raw = raw.get("rules")
    if isinstance(rules_raw, list):
        for i, item in enumerate(rules_raw):
            if isinstance(item, dict) and i < len(lines):
                item["line"] = lines[i]
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        line_no = 1
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and loc[1] < len(lines):
            line_no = lines[loc[1]]
        field_name = ".".join(str(p) for p in loc[2:]) or ".".join(str(p) for p in loc)
        raise UsageError(f"{where}:{line_no}: {field_name}: {err['msg']}") from None
    if parsed.version != 1:
        raise UsageError(f"{where}:1: unsupported version {parsed.version} (this cloudwaste reads version 1)")
    return Suppressions(parsed.rules, path)


def _rule_lines(node: Any) -> list[int]:
    """1-based line of each item of the top-level ``rules`` sequence."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "rules" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def load(path: Path | None = None, *, enabled: bool = True, cwd: Path | None = None) -> Suppressions:
    """The suppressions in force: ``path``, else ``./.cloudwaste-ignore.yaml`` if present.

    ``enabled=False`` (``--no-ignore``) turns off both the file and the resource tag.
    """
    if not enabled:
        return Suppressions([], None, use_tags=False)
    if path is None:
        candidate = (cwd or Path.cwd()) / DEFAULT_FILE
        if not candidate.is_file():
            return Suppressions([])
        path = candidate
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"ignore file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read ignore file {path}: {exc}") from None
    return parse(text, path)
