"""The data model shared by checks, engine, store and reports (pydantic)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Severity(StrEnum):
    """How much a finding matters, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Order of the level: low=0 ... critical=3."""
        return list(Severity).index(self)


class Confidence(StrEnum):
    """How sure the check is that the resource is waste."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class CostBasis(StrEnum):
    """Where a monthly cost figure came from."""

    LIVE_PRICE = "live_price"
    BUNDLED_PRICE = "bundled_price"
    ESTIMATE = "estimate"
    CONFIGURED = "configured_price"  # the user's own (negotiated) price from config


class CostKind(StrEnum):
    """`cost`: what the resource costs each month (saved by deleting it); `saving`: what a change saves."""

    COST = "cost"
    SAVING = "saving"


class Status(StrEnum):
    """Lifecycle status of a finding (per fingerprint)."""

    OPEN = "open"
    IGNORED = "ignored"
    MARKED_FOR_DELETION = "marked_for_deletion"
    RESOLVED = "resolved"


class Money(BaseModel):
    """A monthly amount. `amount` is None when unknown: never 0 for unknown."""

    amount: float | None
    currency: str = "USD"
    basis: CostBasis | None = None
    kind: CostKind = CostKind.COST
    detail: str | None = None  # the price basis in words, e.g. "100 GiB x $0.08/GiB-month (gp3, us-east-1)"

    @classmethod
    def unknown(cls, kind: CostKind = CostKind.COST, detail: str | None = None) -> Money:
        """A cost we could not price."""
        return cls(amount=None, basis=None, kind=kind, detail=detail)


class Resource(BaseModel):
    """The cloud resource a finding is about."""

    id: str
    arn: str | None = None
    name: str | None = None
    type: str
    tags: dict[str, str] = Field(default_factory=dict)
    created_at: datetime | None = None


class Finding(BaseModel):
    """One check's verdict on one resource in one scope unit."""

    fingerprint: str
    check_id: str
    title: str
    severity: Severity
    provider: str
    account: str
    region: str
    resource: Resource
    reason: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    monthly_cost: Money
    confidence: Confidence = Confidence.MEDIUM
    recommendation: str = ""
    status: Status = Status.OPEN
    status_reason: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None


def fingerprint(provider: str, account: str, region: str, resource_id: str, check_id: str) -> str:
    """Stable identity of a finding: never includes cost or time."""
    raw = "\x1f".join((provider, account, region, resource_id, check_id))
    return "cw1:" + hashlib.sha256(raw.encode()).hexdigest()[:24]


class UnitStatus(StrEnum):
    """Outcome of one scope unit."""

    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"


class CoverageUnit(BaseModel):
    """What happened in one scope unit (AWS account x region, Azure subscription, ...)."""

    provider: str
    scope: str
    region: str
    status: UnitStatus
    error: str | None = None
    api_calls: int = 0
    duration_s: float = 0.0
    findings: int = 0
    # what the unit read only partly, without failing: an API refused (no Entra ID P1/P2 for
    # signInActivity), a bound reached, a fallback taken
    warnings: list[str] = Field(default_factory=list)


class ScanStatus(StrEnum):
    """Outcome of a whole scan."""

    RUNNING = "running"
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class Scan(BaseModel):
    """A scan: when, what it covered, how it ended."""

    id: str
    started_at: datetime
    finished_at: datetime | None = None
    status: ScanStatus = ScanStatus.RUNNING
    providers: list[str] = Field(default_factory=list)
    args: dict[str, Any] = Field(default_factory=dict)
    coverage: list[CoverageUnit] = Field(default_factory=list)
