"""Summary totals (each resource charged once) and CI gates."""

from __future__ import annotations

from datetime import UTC, datetime

from cloudwaste.engine.gate import GateOptions, evaluate, exit_code
from cloudwaste.model import (
    CostBasis,
    CostKind,
    Finding,
    Money,
    Resource,
    Scan,
    ScanStatus,
    Severity,
    Status,
    fingerprint,
)
from cloudwaste.report import build_report

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def finding(
    rid: str,
    amount: float | None,
    *,
    check: str = "aws.ebs.unattached_volume",
    severity: Severity = Severity.MEDIUM,
    status: Status = Status.OPEN,
    kind: CostKind = CostKind.COST,
    includes: list[str] | None = None,
) -> Finding:
    return Finding(
        fingerprint=fingerprint("aws", "1", "us-east-1", rid, check),
        check_id=check,
        title="t",
        severity=severity,
        provider="aws",
        account="1",
        region="us-east-1",
        resource=Resource(id=rid, type="ebs_volume"),
        reason="r.",
        status=status,
        evidence={"cost_includes": includes} if includes else {},
        monthly_cost=Money(
            amount=amount, basis=CostBasis.BUNDLED_PRICE if amount is not None else None, kind=kind
        ),
    )


def scan(status: ScanStatus = ScanStatus.COMPLETE) -> Scan:
    return Scan(id="s1", started_at=NOW, status=status)


def test_total_charges_each_resource_once() -> None:
    findings = [
        finding("vol-1", 10.0),
        finding("vol-1", 2.0, check="aws.ebs.gp2_volume", kind=CostKind.SAVING),
        finding("i-1", 25.0, check="aws.ec2.stopped_instance", includes=["vol-2", "eipalloc-1"]),
        finding("vol-2", 8.0, check="aws.ebs.volume_on_stopped_instance"),
        finding("vol-3", None),
    ]
    s = build_report(scan(), findings).summary
    assert s.monthly_cost["amount"] == 35.0
    assert s.overlapping_findings == 2
    assert s.unknown_cost_findings == 1
    assert s.findings == 5
    assert s.by_check["aws.ebs.unattached_volume"] == {"findings": 2, "monthly_cost": 10.0}


def test_ignored_findings_never_count() -> None:
    report = build_report(scan(), [finding("vol-1", 600.0, status=Status.IGNORED), finding("vol-2", 10.0)])
    assert report.summary.monthly_cost["amount"] == 10.0
    assert report.summary.ignored == 1
    result = evaluate(report, GateOptions(fail_over=500, fail_on_count=1))
    assert not result.breached
    assert [r.actual for r in result.rules] == [10.0, 1]


def test_fail_over_is_strictly_greater_than() -> None:
    report = build_report(scan(), [finding("vol-1", 500.0)])
    assert not evaluate(report, GateOptions(fail_over=500)).breached
    assert evaluate(report, GateOptions(fail_over=499.99)).breached


def test_fail_on_severity_counts_at_or_above() -> None:
    report = build_report(scan(), [finding("vol-1", 1.0, severity=Severity.HIGH)])
    assert evaluate(report, GateOptions(fail_on_severity=Severity.HIGH)).breached
    assert not evaluate(report, GateOptions(fail_on_severity=Severity.CRITICAL)).breached


def test_exit_codes() -> None:
    report = build_report(scan(), [finding("vol-1", 900.0)])
    report.gate = evaluate(report, GateOptions(fail_over=500))
    assert exit_code(report) == 3
    report.gate = evaluate(report, GateOptions(fail_over=500, soft_fail=True))
    assert exit_code(report) == 0
    partial = build_report(scan(ScanStatus.PARTIAL), [])
    assert exit_code(partial) == 0
    assert exit_code(partial, strict=True) == 4
    assert exit_code(build_report(scan(ScanStatus.INTERRUPTED), [])) == 130
    assert exit_code(build_report(scan(ScanStatus.FAILED), [])) == 1
    assert not GateOptions().configured


def test_breakdowns_and_in_total_flags_add_up_to_the_total() -> None:
    findings = [
        finding("vol-1", 10.0),
        finding("vol-1", 2.0, check="aws.ebs.gp2_volume", kind=CostKind.SAVING),
        finding("snap-1", 50.0, check="aws.ebs.old_snapshot"),
        finding("snap-2", 40.0, check="aws.ebs.old_snapshot"),
        finding("snap-3", 30.0, check="aws.ebs.old_snapshot"),
    ]
    for f in findings[2:4]:
        f.evidence["cost_group"] = "snapshot-lineage:vol-9"  # two snapshots of one volume share blocks
    report = build_report(scan(), findings)
    s = report.summary
    assert s.monthly_cost["amount"] == 10.0 + 50.0 + 30.0
    assert sum(b["monthly_cost"] for b in s.by_check.values()) == s.monthly_cost["amount"]
    assert sum(b["monthly_cost"] for b in s.by_region.values()) == s.monthly_cost["amount"]
    flags = {
        (f["resource"]["id"], f["check_id"]): f["monthly_cost"]["in_total"]
        for f in report.to_json_dict()["findings"]
    }
    assert flags == {
        ("vol-1", "aws.ebs.unattached_volume"): True,
        ("vol-1", "aws.ebs.gp2_volume"): False,
        ("snap-1", "aws.ebs.old_snapshot"): True,
        ("snap-2", "aws.ebs.old_snapshot"): False,
        ("snap-3", "aws.ebs.old_snapshot"): True,
    }
    assert s.overlapping_findings == 2
