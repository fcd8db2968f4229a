"""Comparing two reports: new, resolved and changed findings, and the change in monthly waste.

Both ends are a :class:`Side`: a stored scan or a JSON report written by ``-f json`` (or
``baseline save``). Findings are matched by fingerprint, which never includes cost or time.

A finding of the older side that the newer one lacks is *resolved* only when the newer scan covered
its scope unit (provider, account, region) and that unit finished ok; otherwise it is *unscanned*:
absent because nobody looked, not because it is gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudwaste.errors import UsageError
from cloudwaste.model import CoverageUnit, Finding, Scan, UnitStatus
from cloudwaste.report import COUNTED, BaselineInfo, Report, finding_json, summarize

# A unit whose findings carry their own location (an Azure subscription) covers every region.
WHOLE_SCOPE_REGIONS = ("global", "*")


@dataclass(frozen=True)
class Side:
    """One end of a comparison."""

    label: str  # what the user named: a scan id, 'latest', a file
    scan: Scan
    findings: list[Finding]

    @property
    def waste(self) -> float:
        """The monthly total over counted findings (each resource charged once)."""
        return float(summarize(self.findings).monthly_cost["amount"])


@dataclass(frozen=True)
class Change:
    """A finding in both sides whose cost or status differs."""

    before: Finding
    after: Finding
    fields: tuple[str, ...]  # "cost", "status"

    @property
    def cost_delta(self) -> float | None:
        """After minus before, None when either amount is unknown."""
        a, b = self.after.monthly_cost.amount, self.before.monthly_cost.amount
        return None if a is None or b is None else round(a - b, 2)


@dataclass
class Diff:
    """What changed from ``before`` to ``after``."""

    before: Side
    after: Side
    new: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    unscanned: list[Finding] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def waste_before(self) -> float:
        """Monthly waste of the older side."""
        return self.before.waste

    @property
    def waste_after(self) -> float:
        """Monthly waste of the newer side."""
        return self.after.waste

    @property
    def waste_change(self) -> float:
        """After minus before (positive: more waste)."""
        return round(self.waste_after - self.waste_before, 2)

    def to_json_dict(self) -> dict[str, Any]:
        """The diff as JSON (``cloudwaste diff -f json``)."""

        def side(s: Side) -> dict[str, Any]:
            return {
                "ref": s.label,
                "scan_id": s.scan.id,
                "started_at": s.scan.started_at.isoformat(),
                "status": s.scan.status.value,
                "findings": len(s.findings),
                "monthly_cost": {"amount": s.waste, "currency": "USD"},
            }

        return {
            "from": side(self.before),
            "to": side(self.after),
            "monthly_cost_change": {"amount": self.waste_change, "currency": "USD"},
            "counts": {
                "new": len(self.new),
                "resolved": len(self.resolved),
                "unscanned": len(self.unscanned),
                "changed": len(self.changed),
                "unchanged": self.unchanged,
            },
            "new": [finding_json(f) for f in self.new],
            "resolved": [finding_json(f) for f in self.resolved],
            "unscanned": [finding_json(f) for f in self.unscanned],
            "changed": [
                {
                    "fingerprint": c.after.fingerprint,
                    "fields": list(c.fields),
                    "before": {"status": c.before.status.value, "monthly_cost": c.before.monthly_cost.amount},
                    "after": {"status": c.after.status.value, "monthly_cost": c.after.monthly_cost.amount},
                    "cost_change": c.cost_delta,
                    "finding": finding_json(c.after),
                }
                for c in self.changed
            ],
        }


def covers(units: list[CoverageUnit], finding: Finding) -> bool:
    """Whether a scan with coverage ``units`` looked at the finding's scope unit and finished it ok.

    A scan without coverage rows (an old or hand-made report) is taken to cover everything.
    """
    if not units:
        return True
    return any(
        u.status == UnitStatus.OK
        and u.provider == finding.provider
        and u.scope == finding.account
        and (u.region == finding.region or u.region in WHOLE_SCOPE_REGIONS)
        for u in units
    )


def _changed_fields(before: Finding, after: Finding) -> tuple[str, ...]:
    fields: list[str] = []
    a, b = before.monthly_cost.amount, after.monthly_cost.amount
    if (a is None) != (b is None) or (a is not None and b is not None and abs(a - b) >= 0.005):
        fields.append("cost")
    if before.status != after.status:
        fields.append("status")
    return tuple(fields)


def _by_cost(findings: list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (
            f.monthly_cost.amount is None,
            -(f.monthly_cost.amount or 0.0),
            f.check_id,
            f.resource.id,
        ),
    )


def compare(before: Side, after: Side) -> Diff:
    """The diff from ``before`` to ``after`` (lists sorted by monthly cost, largest first)."""
    old = {f.fingerprint: f for f in before.findings}
    now = {f.fingerprint: f for f in after.findings}
    diff = Diff(before, after)
    for fp, f in now.items():
        prev = old.get(fp)
        if prev is None:
            diff.new.append(f)
            continue
        fields = _changed_fields(prev, f)
        if fields:
            diff.changed.append(Change(prev, f, fields))
        else:
            diff.unchanged += 1
    for fp, f in old.items():
        if fp not in now:
            (diff.resolved if covers(after.scan.coverage, f) else diff.unscanned).append(f)
    diff.new, diff.resolved, diff.unscanned = (
        _by_cost(diff.new),
        _by_cost(diff.resolved),
        _by_cost(diff.unscanned),
    )
    diff.changed.sort(key=lambda c: (-(abs(c.cost_delta or 0.0)), c.after.check_id, c.after.resource.id))
    return diff


def annotate(report: Report, baseline: Side) -> None:
    """Mark each finding of ``report`` new or existing against ``baseline`` and add the baseline block.

    ``baseline`` must have had the same --min-cost and suppressions applied as the report.
    """
    known = {f.fingerprint for f in baseline.findings}
    report.baseline_status = {
        f.fingerprint: "existing" if f.fingerprint in known else "new" for f in report.findings
    }
    current = {f.fingerprint for f in report.findings}
    counted = [f for f in report.findings if f.status in COUNTED]
    new = sum(1 for f in counted if f.fingerprint not in known)
    before = baseline.waste
    after = float(report.summary.monthly_cost["amount"])
    report.baseline = BaselineInfo(
        ref=baseline.label,
        scan_id=baseline.scan.id,
        started_at=baseline.scan.started_at,
        monthly_cost={"amount": before, "currency": report.summary.monthly_cost.get("currency", "USD")},
        change=round(after - before, 2),
        new=new,
        existing=len(counted) - new,
        resolved=sum(1 for fp in known if fp not in current),
    )


def looks_like_file(ref: str) -> bool:
    """Whether a FROM/TO/--baseline reference names a JSON report file rather than a stored scan."""
    return ref.lower().endswith(".json") or "/" in ref or Path(ref).is_file()


def finding_from_json(data: dict[str, Any]) -> Finding:
    """A Finding from its JSON-contract form (:func:`cloudwaste.report.finding_json`)."""
    item = dict(data)
    item.pop("baseline", None)
    cost = dict(item.get("monthly_cost") or {})
    cost.pop("in_total", None)
    cost["detail"] = cost.pop("basis_detail", None)
    item["monthly_cost"] = cost
    return Finding.model_validate(item)


def load_report_file(path: Path, label: str | None = None) -> Side:
    """A side from a JSON report written by ``-f json`` or ``baseline save``; UsageError when unreadable."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"report file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read report file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not a JSON report ({exc.msg})") from None
    if not isinstance(raw, dict) or "findings" not in raw or "scan" not in raw:
        raise UsageError(
            f"{path} is not a cloudwaste JSON report (no 'scan' and 'findings')",
            hint="write one with `cloudwaste report -f json -o FILE` or `cloudwaste baseline save`",
        )
    if str(raw.get("schema_version")) != "1":
        raise UsageError(
            f"{path}: unsupported report schema_version {raw.get('schema_version')!r} (this reads 1)"
        )
    from pydantic import ValidationError

    try:
        scan_data = {k: v for k, v in dict(raw["scan"]).items() if k != "demo"}
        scan = Scan.model_validate(scan_data)
        findings = [finding_from_json(f) for f in raw["findings"]]
    except (ValidationError, TypeError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(f"{path} is not a valid cloudwaste JSON report ({first})") from None
    return Side(label or str(path), scan, findings)
