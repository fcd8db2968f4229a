"""The scan context sent to the model: a compact, deterministic text built from the store's data only.

Layout (the data block of the user message)::

    # scan            id, status, times, providers
    # totals          counted/ignored/unknown-cost findings, monthly total, by provider/check/region
    # coverage        units ok/error/skipped, then one JSON line per gap (error or skipped unit)
    # rules           one JSON line per check that has a finding below (from the check registry)
    # focus finding   with --finding: that finding, in full
    # findings        one JSON line per finding, highest monthly cost first
    # left out        how many findings were not included, and why

Findings are ranked like the reports (known cost high to low, unknown last), counted ones before
ignored ones. ``top`` caps how many go in; the token budget (estimated at 4 characters a token) drops
the lowest-cost ones first. Every string from a cloud API goes through the :class:`Redactor`, and all
findings are rendered in rank order before any is dropped, so placeholder numbers do not depend on
``top`` or the budget. No clock, no randomness: the same input gives the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudwaste.ai.redact import Redactor
from cloudwaste.model import Finding, Scan, Status, UnitStatus
from cloudwaste.report import build_report, summarize

CHARS_PER_TOKEN = 4
MAX_GAPS = 40


def estimate_tokens(text: str) -> int:
    """A rough token count: about 4 characters a token."""
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


@dataclass
class Context:
    """The data block text and what went into it."""

    text: str
    findings_used: list[str] = field(default_factory=list)
    findings_total: int = 0
    left_out_top: int = 0
    left_out_budget: int = 0

    @property
    def left_out(self) -> int:
        """Findings not included (beyond ``top`` or over the budget)."""
        return self.left_out_top + self.left_out_budget

    @property
    def tokens(self) -> int:
        """Estimated tokens of the text."""
        return estimate_tokens(self.text)


def _line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def _when(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: float) -> str:
    return f"{amount:.2f}"


def _deep(value: Any, red: Redactor) -> Any:
    """Redact every string (keys too) of a JSON-like value, keeping its shape."""
    if isinstance(value, str):
        return red.text(value)
    if isinstance(value, dict):
        return {red.text(str(k)): _deep(v, red) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_deep(v, red) for v in value]
    return value


def rank(findings: list[Finding]) -> list[Finding]:
    """Counted findings by monthly cost (unknown last), then ignored ones the same way."""
    ordered = build_report_order(findings)
    counted = [f for f in ordered if f.status != Status.IGNORED]
    return counted + [f for f in ordered if f.status == Status.IGNORED]


def build_report_order(findings: list[Finding]) -> list[Finding]:
    """The reports' order: known cost high to low, unknown last, then check id and resource id."""
    return sorted(
        findings,
        key=lambda f: (
            f.monthly_cost.amount is None,
            -(f.monthly_cost.amount or 0.0),
            f.check_id,
            f.resource.id,
            f.fingerprint,
        ),
    )


def _finding(f: Finding, red: Redactor, in_total: bool) -> dict[str, Any]:
    r = f.resource
    cost = f.monthly_cost
    return {
        "fingerprint": f.fingerprint,
        "check": f.check_id,
        "title": f.title,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "status": f.status.value,
        "status_reason": red.text(f.status_reason) if f.status_reason else None,
        "provider": f.provider,
        "account": red.text(f.account),
        "region": f.region,
        "resource": {
            "id": red.text(r.id),
            "arn": red.text(r.arn) if r.arn else None,
            "name": red.text(r.name) if r.name else None,
            "type": r.type,
            "created_at": _when(r.created_at),
            "tags": {red.text(k): red.tag_value(v) for k, v in sorted(r.tags.items())},
        },
        "monthly_cost": {
            "amount": cost.amount,
            "currency": cost.currency,
            "kind": cost.kind.value,
            "basis": cost.basis.value if cost.basis else None,
            "detail": red.text(cost.detail) if cost.detail else None,
            "in_total": in_total,
        },
        "reason": red.text(f.reason),
        "evidence": _deep(dict(sorted(f.evidence.items())), red),
        "recommendation": red.text(f.recommendation),
        "first_seen": _when(f.first_seen),
        "last_seen": _when(f.last_seen),
    }


def _rule(check_id: str) -> dict[str, Any]:
    from cloudwaste.checks.registry import get_check

    try:
        spec = get_check(check_id)
    except KeyError:
        return {"id": check_id, "known": False}
    params = {
        name: info.default
        for name, info in sorted(spec.params.model_fields.items())
        if not info.is_required()
    }
    return {
        "id": spec.id,
        "title": spec.title,
        "severity": spec.severity.value,
        "rationale": spec.rationale,
        "recommendation": spec.recommendation,
        "default_params": params,
    }


def _header(scan: Scan, findings: list[Finding], provider: str | None, red: Redactor) -> list[str]:
    summary = summarize(findings)
    total = summary.monthly_cost
    lines = [
        "# scan",
        f"id: {scan.id}",
        f"status: {scan.status.value}",
        f"started_at: {_when(scan.started_at)}",
        f"finished_at: {_when(scan.finished_at)}",
        f"providers: {', '.join(scan.providers) or 'none'}",
    ]
    if provider:
        lines.append(f"only provider: {provider} (other providers' findings are not included)")
    lines += [
        "",
        "# totals (open and marked_for_deletion findings count; ignored ones never do)",
        f"findings: {summary.findings} counted, {summary.ignored} ignored, "
        f"{summary.unknown_cost_findings} with unknown cost, {summary.overlapping_findings} overlapping",
        f"monthly_cost: {_money(total['amount'])} {total['currency']} (known amounts, each resource once)",
    ]
    providers = sorted({f.provider for f in findings})
    by_provider = {}
    for name in providers:
        sub = summarize([f for f in findings if f.provider == name])
        by_provider[name] = {"findings": sub.findings, "monthly_cost": sub.monthly_cost["amount"]}
    lines.append("by_provider: " + _line(by_provider))
    lines.append("by_check: " + _line(summary.by_check))
    lines.append("by_region: " + _line(summary.by_region))

    units = [u for u in scan.coverage if provider is None or u.provider == provider]
    counts = Counter(u.status.value for u in units)
    state = ", ".join(f"{counts[s.value]} {s.value}" for s in UnitStatus)
    lines += ["", f"# coverage ({len(units)} units: {state})"]
    gaps = [u for u in units if u.status != UnitStatus.OK]
    for u in gaps[:MAX_GAPS]:
        gap = {
            "provider": u.provider,
            "scope": red.text(u.scope),
            "region": u.region,
            "status": u.status.value,
            "error": red.text(u.error) if u.error else None,
        }
        lines.append(_line(gap))
    if len(gaps) > MAX_GAPS:
        lines.append(f"... and {len(gaps) - MAX_GAPS} more units with gaps")
    if not gaps:
        lines.append("no gaps: every unit was scanned")
    return lines


def build_context(
    scan: Scan,
    findings: list[Finding],
    redactor: Redactor,
    *,
    top: int = 25,
    provider: str | None = None,
    focus: str | None = None,
    budget_tokens: int = 24_000,
) -> Context:
    """The data block for ``scan``: summary, coverage gaps, rules and the top findings under a budget.

    Args:
        scan: the stored scan (with its coverage).
        findings: its findings, state applied.
        redactor: placeholders for sensitive values (``Redactor(enabled=False)`` for none).
        top: at most this many findings (besides the focus one).
        provider: only this provider's findings and coverage.
        focus: the full fingerprint of a finding to explain in depth (always included).
        budget_tokens: the estimated size the text must stay under; the lowest-cost findings are
            left out first (the header and the focus finding are always kept).
    """
    scoped = [f for f in findings if provider is None or f.provider == provider]
    ranked = rank(scoped)
    focused = next((f for f in ranked if f.fingerprint == focus), None) if focus else None
    # tag values first: the same text in a name, a reason or the evidence then gets their placeholder
    for f in ([focused] if focused is not None else []) + ranked:
        for _, value in sorted(f.resource.tags.items()):
            redactor.tag_value(value)
    header = _header(scan, scoped, provider, redactor)
    in_total = build_report(scan, scoped).in_total
    focus_line = None
    if focused is not None:
        focus_line = _line({"focus": True, **_finding(focused, redactor, focused.fingerprint in in_total)})
    others = [f for f in ranked if f is not focused]
    # every finding is rendered (in rank order) so placeholder numbers never depend on top/budget
    rendered = [(f, _line(_finding(f, redactor, f.fingerprint in in_total))) for f in others]

    budget_chars = max(0, budget_tokens) * CHARS_PER_TOKEN
    used = len("\n".join(header)) + 400  # the section titles and the left-out note
    rules: dict[str, str] = {}

    def rule_cost(check_id: str) -> int:
        if check_id in rules:
            return 0
        return len(_line(_rule(check_id))) + 1

    if focused is not None and focus_line is not None:
        used += rule_cost(focused.check_id) + len(focus_line) + 1
        rules[focused.check_id] = _line(_rule(focused.check_id))
    chosen: list[tuple[Finding, str]] = []
    candidates = rendered[: max(0, top)]
    left_out_top = len(rendered) - len(candidates)
    left_out_budget = 0
    for i, (f, text) in enumerate(candidates):
        cost = rule_cost(f.check_id) + len(text) + 1
        if used + cost > budget_chars:
            left_out_budget = len(candidates) - i
            break
        used += cost
        rules.setdefault(f.check_id, _line(_rule(f.check_id)))
        chosen.append((f, text))

    lines = list(header)
    lines += ["", "# rules (cloudwaste's checks that produced the findings below)"]
    lines += [rules[c] for c in sorted(rules)] or ["none"]
    if focus_line is not None:
        lines += ["", "# focus finding", focus_line]
    title = "other findings" if focus_line is not None else "findings"
    lines += ["", f"# {title} ({len(chosen)} of {len(rendered)}, highest monthly cost first)"]
    lines += [text for _, text in chosen] or ["none"]
    left = left_out_top + left_out_budget
    if left:
        lines += [
            "",
            "# left out",
            f"{left} findings are not shown: {left_out_top} beyond the top {max(0, top)} by monthly cost, "
            f"{left_out_budget} over the context budget (the lowest-cost ones are left out first). "
            "The totals above are computed over every finding, shown or not.",
        ]
    used_fps = ([focused.fingerprint] if focused is not None else []) + [f.fingerprint for f, _ in chosen]
    return Context(
        text="\n".join(lines) + "\n",
        findings_used=used_fps,
        findings_total=len(scoped),
        left_out_top=left_out_top,
        left_out_budget=left_out_budget,
    )
