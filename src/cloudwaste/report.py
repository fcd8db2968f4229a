"""The report object every renderer draws: a scan, its findings, a summary and the gate verdict."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste import __version__
from cloudwaste.model import Finding, Scan, Status

SCHEMA_VERSION = "1"
COUNTED = (Status.OPEN, Status.MARKED_FOR_DELETION)


class GateRule(BaseModel):
    """One configured gate and how the scan compared with it."""

    flag: str
    threshold: float
    actual: float
    breached: bool


class GateResult(BaseModel):
    """The CI gate verdict."""

    configured: bool = False
    breached: bool = False
    soft_fail: bool = False
    rules: list[GateRule] = Field(default_factory=list)


class Summary(BaseModel):
    """Totals over the counted (not ignored) findings."""

    findings: int
    ignored: int
    monthly_cost: dict[str, Any]
    unknown_cost_findings: int
    overlapping_findings: int = 0
    by_check: dict[str, dict[str, Any]]
    by_region: dict[str, dict[str, Any]]


class BaselineInfo(BaseModel):
    """How the report compares with ``--baseline`` (the JSON ``baseline`` block).

    ``new`` / ``existing`` count the counted findings (ignored ones never count) whose fingerprint
    the baseline lacks / holds; ``resolved`` counts baseline fingerprints this report no longer has;
    ``change`` is this report's monthly total minus the baseline's (both after the same --min-cost
    and suppressions).
    """

    ref: str
    scan_id: str
    started_at: datetime
    monthly_cost: dict[str, Any]
    change: float
    new: int
    existing: int
    resolved: int


class Report(BaseModel):
    """What `scan` and `report` render."""

    scan: Scan
    findings: list[Finding]
    summary: Summary
    gate: GateResult = Field(default_factory=GateResult)
    in_total: set[str] = Field(default_factory=set, exclude=True)  # fingerprints charged in the total
    baseline: BaselineInfo | None = None
    # fingerprint -> "new" | "existing" (only with a baseline); the JSON's per-finding "baseline"
    baseline_status: dict[str, str] = Field(default_factory=dict, exclude=True)

    def counted(self) -> list[Finding]:
        """Findings that count toward totals and gates (ignored ones never do)."""
        return [f for f in self.findings if f.status in COUNTED]

    def to_json_dict(self) -> dict[str, Any]:
        """The versioned JSON contract (schema_version "1").

        With ``--baseline`` the report has a ``baseline`` block (:class:`BaselineInfo`) and each finding a
        ``"baseline": "new" | "existing"``; without one the block is ``null`` and findings have no key.
        """
        scan = self.scan.model_dump(mode="json", exclude={"args"})
        if self.scan.args.get("demo"):
            scan["demo"] = True  # a simulated estate (`cloudwaste demo`), never a real account
        findings = [finding_json(f, f.fingerprint in self.in_total) for f in self.findings]
        if self.baseline is not None:
            for f, data in zip(self.findings, findings, strict=True):
                data["baseline"] = self.baseline_status.get(f.fingerprint, "new")
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "cloudwaste", "version": __version__},
            "scan": scan,
            "summary": self.summary.model_dump(mode="json"),
            "gate": self.gate.model_dump(mode="json"),
            "baseline": self.baseline.model_dump(mode="json") if self.baseline else None,
            "findings": findings,
        }


def finding_json(f: Finding, in_total: bool | None = None) -> dict[str, Any]:
    """One finding as in the JSON contract; ``monthly_cost.in_total`` says if the total includes it."""
    data = f.model_dump(mode="json")
    data["monthly_cost"].pop("detail", None)
    data["monthly_cost"]["basis_detail"] = f.monthly_cost.detail
    if in_total is not None:
        data["monthly_cost"]["in_total"] = in_total
    return data


def charged(findings: list[Finding]) -> set[str]:
    """Fingerprints whose amount counts in the monthly total: each resource charged once.

    Counted findings are taken by amount, largest first. One adds nothing (it *overlaps*) when its
    resource, or any resource in its evidence ``cost_includes``, is already charged by a larger one,
    or when a larger finding of the same evidence ``cost_group`` is (incremental snapshots of one
    volume share blocks). So an unattached gp2 volume's full cost and its gp2->gp3 saving, or a
    stopped instance and its volumes, are never summed twice.

    Resources are matched by provider, account and id, not region: ids are unique within an account
    (EBS/EC2 ids, ARNs, ARM ids, GCP self links), and a zonal GCP instance's regional static IP or
    regional disk, or an Azure VM's disk in its own location, must still match.
    """
    seen: set[tuple[str, str, str]] = set()
    groups: set[tuple[str, str, str]] = set()
    out: set[str] = set()
    counted = [f for f in findings if f.status in COUNTED and f.monthly_cost.amount is not None]
    for f in sorted(counted, key=lambda f: -(f.monthly_cost.amount or 0.0)):
        ids = [f.resource.id, *[str(i) for i in f.evidence.get("cost_includes", [])]]
        keys = {(f.provider, f.account, rid) for rid in ids}
        group = f.evidence.get("cost_group")
        gkey = (f.provider, f.account, str(group)) if group else None
        if keys & seen or (gkey is not None and gkey in groups):
            continue
        seen |= keys
        if gkey is not None:
            groups.add(gkey)
        out.add(f.fingerprint)
    return out


def summarize(findings: list[Finding], currency: str = "USD") -> Summary:
    """Totals over counted findings (see :func:`charged`); unknown costs are counted, never added as 0.

    ``by_check`` and ``by_region`` add only charged amounts, so they sum to the total; ``findings``
    in each bucket counts every counted finding.
    """
    counted = [f for f in findings if f.status in COUNTED]
    in_total = charged(counted)
    by_check: dict[str, dict[str, Any]] = defaultdict(lambda: {"findings": 0, "monthly_cost": 0.0})
    by_region: dict[str, dict[str, Any]] = defaultdict(lambda: {"findings": 0, "monthly_cost": 0.0})
    total = 0.0
    unknown = 0
    for f in counted:
        amount = f.monthly_cost.amount
        for bucket in (by_check[f.check_id], by_region[f.region]):
            bucket["findings"] += 1
            if amount is not None and f.fingerprint in in_total:
                bucket["monthly_cost"] = round(bucket["monthly_cost"] + amount, 2)
        if amount is None:
            unknown += 1
        elif f.fingerprint in in_total:
            total += amount
    return Summary(
        findings=len(counted),
        ignored=len(findings) - len(counted),
        monthly_cost={"amount": round(total, 2), "currency": currency},
        unknown_cost_findings=unknown,
        overlapping_findings=len(counted) - unknown - len(in_total),
        by_check=dict(sorted(by_check.items())),
        by_region=dict(sorted(by_region.items())),
    )


def build_report(scan: Scan, findings: list[Finding], gate: GateResult | None = None) -> Report:
    """Assemble a report, findings sorted by monthly cost (unknown last)."""
    ordered = sorted(
        findings,
        key=lambda f: (
            f.monthly_cost.amount is None,
            -(f.monthly_cost.amount or 0.0),
            f.check_id,
            f.resource.id,
        ),
    )
    return Report(
        scan=scan,
        findings=ordered,
        summary=summarize(ordered),
        gate=gate or GateResult(),
        in_total=charged(ordered),
    )
