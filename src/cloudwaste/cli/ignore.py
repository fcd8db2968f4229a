"""``cloudwaste ignore add|list|validate``: the ``.cloudwaste-ignore.yaml`` suppression file.

``add`` edits the file as text (PyYAML cannot round-trip comments): the new rule is rendered with
``yaml.safe_dump`` and inserted after the last rule, at the list's own indentation; the result is
parsed again and must hold every old rule plus the new one, or nothing is written.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cloudwaste.cli import console
from cloudwaste.cli.options import Db

if TYPE_CHECKING:
    from cloudwaste.model import Finding
    from cloudwaste.suppress import Rule, Suppressions

EPILOG = """\
Examples:

\b
  cloudwaste ignore add --check 'aws.ebs.*snapshot*' --tag purpose='^dr$' \\
      --reason 'DR copies for the audit' --expires 2027-03-31
  cloudwaste ignore list
  cloudwaste ignore validate .cloudwaste-ignore.yaml
"""

app = typer.Typer(
    help="Manage the .cloudwaste-ignore.yaml suppression rules.", no_args_is_help=True, epilog=EPILOG
)

HEADER = """\
# cloudwaste suppression rules: a finding matching ANY rule is ignored (listed, never counted or gated).
# Inside one rule every condition must match. `reason` is required; after `expires` a rule stops
# applying and cloudwaste warns. Check with: cloudwaste ignore validate
version: 1
rules:
"""

File = Annotated[
    Path | None,
    typer.Option(
        "--file",
        metavar="FILE",
        envvar="CLOUDWASTE_IGNORE_FILE",
        show_envvar=True,
        dir_okay=False,
        help="The ignore file. [default: ./.cloudwaste-ignore.yaml]",
    ),
]


def _default_path(path: Path | None) -> Path:
    from cloudwaste.suppress import DEFAULT_FILE

    return path.expanduser() if path is not None else Path.cwd() / DEFAULT_FILE


def _conditions(rule: Rule) -> str:
    parts = [
        f"{name}={value}"
        for name in ("provider", "account", "region", "check", "resource", "resource_regex")
        if (value := getattr(rule, name)) is not None
    ]
    parts += [f"tag {k}~{v}" for k, v in rule.tags.items()]
    return ", ".join(parts) or "(everything)"


def rule_data(
    *,
    reason: str,
    check: str | None = None,
    resource: str | None = None,
    resource_regex: str | None = None,
    provider: str | None = None,
    account: str | None = None,
    region: str | None = None,
    tags: dict[str, str] | None = None,
    expires: date | None = None,
) -> dict[str, Any]:
    """The mapping of a new rule, validated like the file is; UsageError when it is not a valid rule."""
    from pydantic import ValidationError

    from cloudwaste.errors import UsageError
    from cloudwaste.suppress import Rule

    data: dict[str, Any] = {"reason": reason.strip()}
    optional = {
        "check": check,
        "resource": resource,
        "resource_regex": resource_regex,
        "provider": provider,
        "account": account,
        "region": region,
    }
    data |= {k: v for k, v in optional.items() if v is not None}
    if tags:
        data["tags"] = dict(tags)
    if expires is not None:
        data["expires"] = expires
    if len(data) - ("expires" in data) == 1:
        raise UsageError(
            "a rule needs at least one condition, or it would mute every finding",
            hint="add --check, --resource, --resource-regex, --account, --region, --provider or --tag",
        )
    try:
        Rule.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "rule"
        raise UsageError(f"--{field.replace('_', '-')}: {err['msg']}") from None
    return data


def _item_text(data: dict[str, Any], indent: int) -> list[str]:
    import yaml

    text = yaml.safe_dump([data], sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)
    return [" " * indent + line for line in text.splitlines()]


def append_rule(text: str, data: dict[str, Any], path: Path | None = None) -> tuple[str, int]:
    """``text`` with the rule ``data`` appended to its ``rules`` list, and the new rule's 1-based line.

    Comments and formatting of the rest of the file are kept. Raises UsageError when ``text`` is not a
    valid ignore file, or when the rules are a non-empty flow list (``rules: [{...}]``).
    """
    import yaml

    from cloudwaste.errors import UsageError
    from cloudwaste.suppress import parse

    before = parse(text, path)  # a malformed file is reported, never edited
    where = str(path) if path else "ignore file"
    if not text.strip() or yaml.compose(text, Loader=yaml.SafeLoader) is None:
        lines = text.splitlines()
        head = HEADER.splitlines()
        new_lines = [*lines, *head, *_item_text(data, 2)]
        line = len(lines) + len(head) + 1
    else:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        assert isinstance(root, yaml.MappingNode)  # parse() accepted it
        pair = next(((k, v) for k, v in root.value if getattr(k, "value", None) == "rules"), None)
        lines = text.splitlines()
        if pair is None:
            new_lines = [*lines, "rules:", *_item_text(data, 2)]
            line = len(lines) + 2
        else:
            key, value = pair
            if isinstance(value, yaml.SequenceNode) and value.value and not value.flow_style:
                indent = value.start_mark.column
                last = value.value[-1]
                end = value.end_mark.line if value.end_mark.column == 0 else value.end_mark.line + 1
                insert = last.start_mark.line + 1
                for i in range(last.start_mark.line, min(end, len(lines))):
                    stripped = lines[i].strip()
                    if stripped and not stripped.startswith("#"):
                        insert = i + 1
                new_lines = [*lines[:insert], *_item_text(data, indent), *lines[insert:]]
                line = insert + 1
            elif isinstance(value, yaml.SequenceNode) and value.value:
                raise UsageError(
                    f"{where}:{value.start_mark.line + 1}: the rules are a flow list ([...]);"
                    " write them as a block list (one '- reason: ...' per rule) to add rules"
                )
            else:  # `rules:`, `rules: null` or `rules: []`: drop the empty value, list the rule below
                row = key.start_mark.line
                current = lines[row]
                if value.start_mark.line == row and value.end_mark.index > value.start_mark.index:
                    cut_from = value.start_mark.column
                    cut_to = value.end_mark.column if value.end_mark.line == row else len(current)
                    current = (current[:cut_from] + current[cut_to:]).rstrip()
                new_lines = [
                    *lines[:row],
                    current,
                    *_item_text(data, key.start_mark.column + 2),
                    *lines[row + 1 :],
                ]
                line = row + 2
    new_text = "\n".join(new_lines) + "\n"
    after = parse(new_text, path)
    expected = [r.model_dump() for r in before.rules]
    if [r.model_dump() for r in after.rules[:-1]] != expected or len(after.rules) != len(expected) + 1:
        raise UsageError(f"{where}: cannot append a rule without changing the others; edit the file by hand")
    return new_text, after.rules[-1].line or line


def _write(path: Path, text: str) -> None:
    from cloudwaste.errors import CloudwasteError

    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, mode)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CloudwasteError(f"cannot write {path}: {exc.strerror}") from None


def _tags(values: list[str] | None) -> dict[str, str]:
    from cloudwaste.errors import UsageError

    out: dict[str, str] = {}
    for raw in values or []:
        key, sep, pattern = raw.partition("=")
        if not sep or not key:
            raise UsageError(f"--tag {raw!r} is not KEY=REGEX", hint="e.g. --tag purpose='^(dr|audit)$'")
        out[key] = pattern
    return out


@app.command("add", epilog=EPILOG)
def add(
    reason: Annotated[str, typer.Option("--reason", help="Why these findings are accepted (required).")],
    check: Annotated[
        str | None, typer.Option("--check", metavar="GLOB", help="Glob on the check id.")
    ] = None,
    resource: Annotated[
        str | None, typer.Option("--resource", metavar="GLOB", help="Glob on the resource id, name or ARN.")
    ] = None,
    resource_regex: Annotated[
        str | None,
        typer.Option("--resource-regex", metavar="REGEX", help="Regex on the resource id, name or ARN."),
    ] = None,
    provider: Annotated[str | None, typer.Option("--provider", help="aws, azure, gcp or m365.")] = None,
    account: Annotated[
        str | None, typer.Option("--account", metavar="GLOB", help="Glob on the account / subscription id.")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", metavar="GLOB", help="Glob on the region.")
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="KEY=REGEX", help="Tag whose value matches REGEX. Repeatable."),
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", metavar="DATE", help="Last day the rule applies (2027-03-31).")
    ] = None,
    file: File = None,
) -> None:
    """Append a rule to the ignore file (created if missing), keeping its comments."""
    with console.handled():
        from cloudwaste.errors import UsageError

        day = None
        if expires is not None:
            try:
                day = date.fromisoformat(expires.strip())
            except ValueError:
                raise UsageError(f"--expires {expires!r} is not a date (e.g. 2027-03-31)") from None
        data = rule_data(
            reason=reason,
            check=check,
            resource=resource,
            resource_regex=resource_regex,
            provider=provider,
            account=account,
            region=region,
            tags=_tags(tag),
            expires=day,
        )
        path = _default_path(file)
        try:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read ignore file {path}: {exc}") from None
        new_text, line = append_rule(text, data, path)
        _write(path, new_text)
        console.say(f"{path}:{line}: rule added")
        if day is not None and day < datetime.now(UTC).date():
            console.warn(f"{path}:{line}: the rule expired on {day}: it mutes nothing")


def _latest_open(db: Path | None) -> tuple[str, list[Finding]] | None:
    """The latest stored scan's id and its findings not already ignored by state, or None."""
    from cloudwaste.cli.common import db_path, open_store
    from cloudwaste.errors import UsageError
    from cloudwaste.model import Status

    if not db_path(db).is_file():
        return None
    with open_store(db) as store:
        try:
            scan = store.get_scan("latest")
        except UsageError:
            return None
        return scan.id, [f for f in store.findings(scan.id) if f.status == Status.OPEN]


def rule_rows(rules: Suppressions, findings: list[Finding] | None, now: datetime) -> list[dict[str, Any]]:
    """One row per rule: line, state, expiry, how many of ``findings`` it matches and mutes."""
    from cloudwaste.suppress import Suppressions

    tag_only = Suppressions([], None, use_tags=True)
    rows: list[dict[str, Any]] = []
    for rule in rules.rules:
        expired = rule.expired(now)
        matches = None if findings is None else sum(1 for f in findings if rule.matches(f))
        rows.append(
            {
                "line": rule.line,
                "state": "expired" if expired else "active",
                "expires": rule.expires.isoformat() if rule.expires else None,
                "matches": matches,
                "mutes": None if matches is None else (0 if expired else matches),
                "conditions": _conditions(rule),
                "reason": rule.reason,
            }
        )
    if rules.use_tags:
        tagged = None if findings is None else sum(1 for f in findings if tag_only.reason_for(f, now))
        rows.append(
            {
                "line": None,
                "state": "active",
                "expires": None,
                "matches": tagged,
                "mutes": tagged,
                "conditions": "tag cloudwaste:ignore (until cloudwaste:ignore-until)",
                "reason": "resource tag",
            }
        )
    return rows


@app.command("list", epilog=EPILOG)
def list_rules(
    file: File = None,
    db: Db = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the rules with their line, expiry, state and how many findings of the latest scan each mutes."""
    with console.handled():
        from cloudwaste import suppress
        from cloudwaste.cli.tables import print_json, print_table

        path = _default_path(file)
        rules = suppress.load(path) if path.exists() or file is not None else suppress.Suppressions([])
        latest = _latest_open(db)
        now = datetime.now(UTC)
        rows = rule_rows(rules, latest[1] if latest else None, now)
        if json_out:
            print_json(
                {
                    "file": str(path) if rules.path else None,
                    "scan": latest[0] if latest else None,
                    "rules": rows,
                }
            )
            return
        if not rules.rules:
            console.say(f"no rules in {path}" if path.exists() else f"no ignore file at {path}")
        if latest is None:
            console.say("no stored scan: the mutes column is empty (run a scan first)")
        else:
            console.say(f"mutes: open findings of scan {latest[0]} each rule matches")

        def count(row: dict[str, Any]) -> str:
            if row["mutes"] is None:
                return "-"
            if row["state"] == "expired":
                return f"0 (would match {row['matches']})"
            return str(row["mutes"])

        print_table(
            None,
            ["line", "state", "expires", "mutes", "conditions", "reason"],
            [
                [r["line"] or "", r["state"], r["expires"] or "", count(r), r["conditions"], r["reason"]]
                for r in rows
            ],
        )


@app.command("validate", epilog=EPILOG)
def validate(
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[FILE]", help="The ignore file. [default: ./.cloudwaste-ignore.yaml]", dir_okay=False
        ),
    ] = None,
) -> None:
    """Check an ignore file: exit 0 when valid, 2 with ``file:line: message`` when not."""
    with console.handled():
        from cloudwaste import suppress

        path = _default_path(file)
        rules = suppress.load(path)
        now = datetime.now(UTC)
        for rule in rules.expired(now):
            console.warn(f"{path}:{rule.line}: rule expired on {rule.expires} ({rule.reason})")
        expired = len(rules.expired(now))
        console.say(
            f"{path}: {len(rules.rules)} valid rule{'s' if len(rules.rules) != 1 else ''}"
            + (f" ({expired} expired)" if expired else "")
        )
