"""``scan ... --dry-run``: plan the scan, print the plan, scan nothing and store nothing.

Planning is what a scan does first: credentials, accounts and regions (identity, account and region
discovery calls only; for ``--org`` that includes assuming each account's role, which proves the role
works). The report says which accounts and regions would be scanned, which checks run, and how many API
calls the scan would make at least (see :mod:`cloudwaste.providers.aws.estimate`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cloudwaste.errors import UsageError

if TYPE_CHECKING:
    from cloudwaste.engine.plan import SelectedCheck
    from cloudwaste.providers.base import Plan, Provider


def _estimate(provider: str, checks: list[SelectedCheck]) -> dict[str, Any] | None:
    if provider != "aws":
        return None
    from cloudwaste.providers.aws.estimate import METHOD, estimate_unit

    needs = [n for c in checks for n in c.spec.needs]
    queries = [q for c in checks for q in c.metric_queries()]
    return {**estimate_unit(needs, queries).to_dict(), "method": METHOD}


def _accounts(plan: Plan) -> list[dict[str, Any]]:
    accounts: dict[str, dict[str, Any]] = {}
    for unit in plan.units:
        entry = accounts.setdefault(
            unit.scope, {"id": unit.scope, "name": unit.label, "status": "ok", "regions": [], "skipped": []}
        )
        entry["regions"].append(unit.region)
    for cov in plan.skipped:
        entry = accounts.setdefault(
            cov.scope, {"id": cov.scope, "name": "", "status": "ok", "regions": [], "skipped": []}
        )
        if cov.status.value == "error":
            entry["status"], entry["error"] = "error", cov.error
        else:
            entry["skipped"].append(cov.region)
    return list(accounts.values())


def plan_report(plans: list[tuple[Plan, int | None]], checks: list[SelectedCheck]) -> dict[str, Any]:
    """The dry-run report: per provider its plan and estimate, and the checks selected."""
    providers = []
    for plan, discovery_calls in plans:
        estimate = _estimate(plan.provider, [c for c in checks if c.spec.provider == plan.provider])
        per_unit = estimate["min_calls"] if estimate else None
        providers.append(
            {
                "provider": plan.provider,
                "banner": plan.banner,
                "warnings": list(plan.warnings),
                "accounts": _accounts(plan),
                "units": [
                    {"scope": u.scope, "name": u.label, "region": u.region, "estimated_api_calls": per_unit}
                    for u in plan.units
                ],
                "skipped": [
                    c.model_dump(mode="json", include={"scope", "region", "status", "error"})
                    for c in plan.skipped
                ],
                "discovery_api_calls": discovery_calls,
                "estimate": {
                    **(estimate or {}),
                    "units": len(plan.units),
                    "total_min_calls": per_unit * len(plan.units) if per_unit is not None else None,
                },
            }
        )
    return {
        "dry_run": True,
        "providers": providers,
        "checks": [
            {"id": c.spec.id, "needs": list(c.spec.needs), "metrics": len(c.metric_queries())} for c in checks
        ],
    }


def _page(size: int | None) -> str:
    return f"+1 per further {size} items" if size else "one call, no paging"


def render_text(report: dict[str, Any]) -> str:
    """The plan as plain text (stdout)."""
    lines = ["dry run: nothing was scanned and nothing was stored", ""]
    for prov in report["providers"]:
        lines.append(prov["banner"] or prov["provider"])
        lines.extend(f"warning: {w}" for w in prov["warnings"])
        lines.append("")
        scope = "ACCOUNT" if prov["provider"] == "aws" else "SCOPE"
        lines.append(f"{scope:<14} {'NAME':<24} {'STATUS':<7} REGIONS")
        for acc in prov["accounts"]:
            regions = ", ".join(acc["regions"]) or "-"
            if acc["skipped"]:
                regions += f" (not enabled, skipped: {', '.join(acc['skipped'])})"
            if acc["status"] == "error":
                regions = acc.get("error") or "error"
            lines.append(f"{acc['id']:<14} {(acc['name'] or '-')[:24]:<24} {acc['status']:<7} {regions}")
        est = prov["estimate"]
        lines.append("")
        units = est["units"]
        if "min_calls" not in est:
            lines.append(f"{units} units; no API call estimate for {prov['provider']}")
            continue
        lines.append(f"per unit (account x region), at least {est['min_calls']} API calls:")
        for col in est["collections"]:
            extra = _page(col["page_size"])
            if col.get("shared_with"):
                extra = f"reuses the {col['shared_with']} listing"
            if col["per_item"]:
                extra += "; +1 per item: " + ", ".join(col["per_item"])
            n = 0 if col.get("shared_with") else 1
            lines.append(f"  {n}  {col['name']:<30} {col['operation']:<40} ({extra})")
        for win in est["metric_windows"]:
            what = f"cloudwatch:GetMetricData {win['days']} d / {win['period_s']} s"
            lines.append(
                f"  1  {'metrics ' + ', '.join(win['collections']):<30} {what:<40} "
                f"(+1 per {win['series_per_call']} more series)"
            )
        discovery = prov["discovery_api_calls"]
        made = f" (+ {discovery} discovery calls already made)" if discovery is not None else ""
        lines.append(
            f"total: {units} units x {est['min_calls']} = {est['total_min_calls']} API calls at least{made}"
        )
        lines.append(f"estimate: {est['method']}")
        lines.append("")
    checks = report["checks"]
    lines.append(f"checks ({len(checks)}): " + ", ".join(c["id"] for c in checks))
    return "\n".join(lines).rstrip() + "\n"


def print_plan(
    providers: list[Provider],
    provider_names: list[str],
    include: list[str],
    exclude: list[str],
    fmt: str,
    output: str | None,
) -> None:
    """Plan every provider and print the plan (table or JSON) to stdout or ``output``."""
    from cloudwaste.checks.registry import load_checks
    from cloudwaste.config import load_config
    from cloudwaste.engine.plan import select_checks

    if fmt not in ("table", "json"):
        raise UsageError(f"--dry-run prints a table or JSON, not {fmt!r}", hint="use -f table or -f json")
    conf = load_config().data
    specs = [s for name in provider_names for s in load_checks(name)]
    checks = select_checks(specs, include, exclude, conf.checks)
    if not checks:
        raise UsageError("no checks selected", hint="see `cloudwaste rules list`")
    plans = []
    for provider in providers:
        plan = provider.plan()
        ops = getattr(provider, "operations", None)
        plans.append((plan, len(ops) if isinstance(ops, list) else None))
    report = plan_report(plans, checks)
    text = json.dumps(report, indent=2) + "\n" if fmt == "json" else render_text(report)
    if output and output != "-":
        Path(output).expanduser().write_text(text)
    else:
        typer.echo(text, nl=False)
