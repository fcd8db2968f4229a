"""``cloudwaste rules``: the checks, their defaults and current values, and what they cover."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from cloudwaste.cli import console

app = typer.Typer(help="List and explain the waste checks.", no_args_is_help=True)

Provider = Annotated[str | None, typer.Option("--provider", help="Only this provider's checks (aws, ...).")]


def _params(check_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, str], bool]:
    """(defaults, current values, descriptions, enabled) with config overrides applied."""
    from cloudwaste.checks.registry import get_check
    from cloudwaste.config import load_config
    from cloudwaste.engine.plan import resolve_params

    spec = get_check(check_id)
    overrides = load_config().data.checks.get(spec.id, {})
    current = resolve_params(spec, overrides).model_dump(mode="json")
    defaults = spec.params().model_dump(mode="json")
    docs = {name: field.description or "" for name, field in spec.params.model_fields.items()}
    return defaults, current, docs, overrides.get("enabled", True) is not False


def rule_json(check_id: str) -> dict[str, Any]:
    """One rule as in `rules list --format json`."""
    from cloudwaste.checks.registry import get_check

    spec = get_check(check_id)
    defaults, current, docs, enabled = _params(check_id)
    return {
        "id": spec.id,
        "provider": spec.provider,
        "title": spec.title,
        "severity": spec.severity.value,
        "resource_type": spec.resource_type,
        "class": spec.klass,
        "enabled": enabled,
        "params": current,
        "defaults": defaults,
        "covers": {"original": list(spec.covers_original), "peers": list(spec.covers_peers)},
    }


@app.command(
    "list", epilog="Examples:\n\n\b\n  cloudwaste rules list\n  cloudwaste rules list --format json | jq ."
)
def list_rules(
    provider: Provider = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List every check with its parameters (current values) and coverage."""
    with console.handled():
        from cloudwaste.checks.registry import load_checks
        from cloudwaste.cli.tables import print_json, print_table
        from cloudwaste.errors import UsageError

        if fmt not in ("table", "json"):
            raise UsageError(f"--format {fmt!r}: rules list supports table or json")
        rules = [rule_json(s.id) for s in load_checks(provider)]
        if fmt == "json":
            print_json({"rules": rules})
            return
        rows = [
            [
                r["id"],
                r["severity"],
                r["title"] + ("" if r["enabled"] else " (disabled)"),
                ", ".join(f"{k}={v}" for k, v in r["params"].items()),
                "\n".join(r["covers"]["original"] + r["covers"]["peers"]),
            ]
            for r in rules
        ]
        print_table(None, ["check", "severity", "title", "params", "covers (original / peers)"], rows)


@app.command("show", epilog="Example:\n\n\b\n  cloudwaste rules show aws.ebs.unattached_volume")
def show_rule(
    check_id: Annotated[str, typer.Argument(help="Check id, e.g. aws.ebs.unattached_volume.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Explain one check: rationale, parameters (default, current, meaning), recommendation, coverage."""
    with console.handled():
        from cloudwaste.checks.registry import get_check
        from cloudwaste.cli.tables import print_json, print_pairs, print_table
        from cloudwaste.errors import UsageError

        try:
            spec = get_check(check_id)
        except KeyError:
            raise UsageError(f"unknown check {check_id!r}", hint="see `cloudwaste rules list`") from None
        if json_out:
            print_json(
                rule_json(spec.id) | {"rationale": spec.rationale, "recommendation": spec.recommendation}
            )
            return
        defaults, current, docs, enabled = _params(spec.id)
        print_pairs(
            [
                ("id", spec.id),
                ("title", spec.title),
                ("severity", spec.severity.value),
                ("resource type", spec.resource_type),
                ("class", spec.klass),
                ("enabled", "yes" if enabled else "no (config)"),
                ("needs", ", ".join(spec.needs)),
                ("rationale", spec.rationale),
                ("recommendation", spec.recommendation),
                ("covers (original)", ", ".join(spec.covers_original)),
                ("covers (peers)", ", ".join(spec.covers_peers)),
            ]
        )
        if defaults:
            print_table(
                "parameters",
                ["name", "default", "current", "description"],
                [[k, defaults[k], current[k], docs.get(k, "")] for k in defaults],
            )
            example = f'[checks."{spec.id}"]\n' + "\n".join(f"{k} = {_toml(v)}" for k, v in defaults.items())
            sys.stdout.write(f"\n# override in cloudwaste.toml:\n{example}\n")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
