"""Conversions between the pydantic models and table rows, and how stored state applies to a finding."""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
)

# States a user sets that carry over from scan to scan (until they expire).
STICKY = (Status.IGNORED, Status.MARKED_FOR_DELETION)


def ts(value: datetime | None) -> str | None:
    """A fixed-width UTC timestamp, so SQL MIN/MAX and ORDER BY compare instants (naive = UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(value: str | None) -> datetime | None:
    """The tz-aware datetime of a stored timestamp."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dumps(value: Any) -> str:
    """Compact JSON for a column."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def scan_row(scan: Scan) -> dict[str, Any]:
    """The ``scans`` row of a scan that starts now."""
    return {
        "id": scan.id,
        "started_at": ts(scan.started_at),
        "finished_at": ts(scan.finished_at),
        "status": ScanStatus.RUNNING.value,
        "providers": dumps(scan.providers),
        "args": dumps(scan.model_dump(mode="json")["args"]),
        "totals": dumps({}),
    }


def scan_from_row(row: dict[str, Any], coverage: list[CoverageUnit]) -> Scan:
    """A Scan from its row and its coverage units."""
    started = parse_ts(row["started_at"])
    assert started is not None  # NOT NULL column
    return Scan(
        id=row["id"],
        started_at=started,
        finished_at=parse_ts(row["finished_at"]),
        status=ScanStatus(row["status"]),
        providers=json.loads(row["providers"] or "[]"),
        args=json.loads(row["args"] or "{}"),
        coverage=coverage,
    )


def coverage_row(scan_id: str, unit: CoverageUnit) -> dict[str, Any]:
    """The ``coverage`` row of one scope unit."""
    data = unit.model_dump(mode="json")
    data["warnings"] = json.dumps(data.get("warnings") or [])
    return {"scan_id": scan_id, **data}


def coverage_from_row(row: dict[str, Any]) -> CoverageUnit:
    """A CoverageUnit from its row."""
    data = {k: v for k, v in row.items() if k != "scan_id"}
    data["warnings"] = json.loads(data.get("warnings") or "[]")
    return CoverageUnit.model_validate(data)


def finding_row(scan_id: str, finding: Finding) -> dict[str, Any]:
    """The ``findings`` row of one finding (raises if evidence is not JSON-serializable)."""
    data = finding.model_dump(mode="json")
    cost = data["monthly_cost"]
    return {
        "scan_id": scan_id,
        "fingerprint": finding.fingerprint,
        "check_id": finding.check_id,
        "title": finding.title,
        "severity": finding.severity.value,
        "provider": finding.provider,
        "account": finding.account,
        "region": finding.region,
        "resource_id": finding.resource.id,
        "resource_name": finding.resource.name,
        "resource_type": finding.resource.type,
        "resource": dumps(data["resource"]),
        "reason": finding.reason,
        "evidence": dumps(data["evidence"]),
        "cost_amount": cost["amount"],
        "cost_currency": cost["currency"],
        "cost_basis": cost["basis"],
        "cost_kind": cost["kind"],
        "cost_detail": cost["detail"],
        "confidence": data["confidence"],
        "recommendation": finding.recommendation,
        "status": finding.status.value,
        "status_reason": finding.status_reason,
    }


def finding_from_row(row: dict[str, Any]) -> Finding:
    """A Finding as stored at scan time (state not applied yet)."""
    return Finding(
        fingerprint=row["fingerprint"],
        check_id=row["check_id"],
        title=row["title"] or "",
        severity=Severity(row["severity"]),
        provider=row["provider"],
        account=row["account"],
        region=row["region"],
        resource=Resource.model_validate_json(row["resource"]),
        reason=row["reason"] or "",
        evidence=json.loads(row["evidence"] or "{}"),
        monthly_cost=Money(
            amount=row["cost_amount"],
            currency=row["cost_currency"] or "USD",
            basis=CostBasis(row["cost_basis"]) if row["cost_basis"] else None,
            kind=CostKind(row["cost_kind"] or CostKind.COST.value),
            detail=row["cost_detail"],
        ),
        confidence=Confidence(row["confidence"] or Confidence.MEDIUM.value),
        recommendation=row["recommendation"] or "",
        status=Status(row["status"] or Status.OPEN.value),
        status_reason=row["status_reason"],
    )


def apply_state(finding: Finding, state: dict[str, Any] | None, now: datetime) -> Finding:
    """The finding with its stored state applied.

    A user-set ``ignored`` / ``marked_for_deletion`` state wins while it has not expired; otherwise the
    status the finding had at scan time (e.g. ignored by the suppression file) stands; anything else
    is ``open`` (a finding seen in a scan is never ``resolved``).
    """
    status, reason = finding.status, finding.status_reason
    if status not in STICKY:
        status, reason = Status.OPEN, None
    first_seen, last_seen = finding.first_seen, finding.last_seen
    if state is not None:
        first_seen = parse_ts(state["first_seen"]) or first_seen
        last_seen = parse_ts(state["last_seen"]) or last_seen
        expires = parse_ts(state["expires"])
        stored = Status(state["status"])
        if stored in STICKY and (expires is None or expires > now):
            status, reason = stored, state["reason"]
    return finding.model_copy(
        update={"status": status, "status_reason": reason, "first_seen": first_seen, "last_seen": last_seen}
    )
