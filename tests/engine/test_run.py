"""The engine with an in-memory provider: memoization, error capture, concurrency bound, Ctrl-C."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.registry import CheckSpec, NoParams
from cloudwaste.engine.plan import SelectedCheck
from cloudwaste.engine.run import run_scan
from cloudwaste.errors import CredentialsError
from cloudwaste.model import (
    CostBasis,
    CoverageUnit,
    Finding,
    Money,
    Resource,
    Scan,
    ScanStatus,
    Severity,
    UnitStatus,
)
from cloudwaste.providers.base import MemoSession, Plan, ScopeUnit

NOW = datetime(2026, 11, 30, tzinfo=UTC)


class FakeSession(MemoSession):
    """A provider session over in-memory data that counts calls per collection."""

    def __init__(self, provider: FakeProvider, unit: ScopeUnit) -> None:
        super().__init__()
        for name in ("things", "others"):
            self.collectors[name] = lambda name=name: provider.fetch(unit, name, self)


class FakeProvider:
    name = "aws"

    def __init__(self, regions: list[str], fail: set[str] | None = None, delay: float = 0.0) -> None:
        self.regions = regions
        self.fail = fail or set()
        self.delay = delay
        self.calls: Counter[tuple[str, str]] = Counter()
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def plan(self) -> Plan:
        units = [ScopeUnit("aws", "111111111111", r) for r in self.regions]
        return Plan("aws", units, banner="fake credentials")

    def open_unit(self, unit: ScopeUnit, metric_queries: list[Any]) -> FakeSession:
        return FakeSession(self, unit)

    def fetch(self, unit: ScopeUnit, name: str, session: MemoSession) -> list[dict[str, Any]]:
        with self.lock:
            self.calls[(unit.region, name)] += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            time.sleep(self.delay)
            session.count_call()
            if unit.region in self.fail:
                raise PermissionError("AccessDenied: not authorized")
            return [{"id": f"{name}-{unit.region}-{i}"} for i in range(2)]
        finally:
            with self.lock:
                self.active -= 1


def make_check(check_id: str, needs: str) -> SelectedCheck:
    def func(ctx: CheckContext, params: Any) -> Iterator[Hit]:
        for item in ctx.get(needs):
            yield Hit(
                resource=Resource(id=item["id"], type="thing"),
                reason=f"{item['id']} is waste.",
                cost=Money(amount=1.5, basis=CostBasis.BUNDLED_PRICE),
            )

    spec = CheckSpec(
        id=check_id,
        title="t",
        resource_type="thing",
        severity=Severity.LOW,
        needs=(needs,),
        params=NoParams,
        rationale="r",
        recommendation="delete <id> in <region>",
        func=func,
    )
    return SelectedCheck(spec, NoParams())


class MemorySink:
    def __init__(self) -> None:
        self.units: list[tuple[CoverageUnit, list[Finding]]] = []
        self.finished: ScanStatus | None = None
        self.begun: Scan | None = None

    def begin_scan(self, scan: Scan) -> None:
        self.begun = scan

    def write_unit(self, scan_id: str, unit: CoverageUnit, findings: list[Finding]) -> list[Finding]:
        self.units.append((unit, findings))
        return findings

    def finish_scan(
        self, scan_id: str, status: ScanStatus, finished_at: datetime, totals: dict[str, Any]
    ) -> None:
        self.finished = status


CHECKS = [
    make_check("aws.fake.one", "things"),
    make_check("aws.fake.two", "things"),
    make_check("aws.fake.three", "others"),
]


def test_two_checks_needing_one_collection_cause_one_call_per_unit() -> None:
    provider = FakeProvider(["us-east-1", "eu-west-1"])
    result = run_scan([provider], CHECKS, concurrency=4, now=NOW)
    assert provider.calls == {
        ("us-east-1", "things"): 1,
        ("us-east-1", "others"): 1,
        ("eu-west-1", "things"): 1,
        ("eu-west-1", "others"): 1,
    }
    assert result.scan.status == ScanStatus.COMPLETE
    assert len(result.findings) == 2 * 3 * 2
    assert {c.api_calls for c in result.scan.coverage} == {2}


def test_failing_region_is_recorded_and_others_complete() -> None:
    provider = FakeProvider(["us-east-1", "eu-west-1"], fail={"eu-west-1"})
    sink = MemorySink()
    result = run_scan([provider], CHECKS, concurrency=2, now=NOW, sink=sink)
    by_region = {c.region: c for c in result.scan.coverage}
    assert by_region["us-east-1"].status == UnitStatus.OK
    assert by_region["eu-west-1"].status == UnitStatus.ERROR
    assert "AccessDenied" in (by_region["eu-west-1"].error or "")
    assert "aws.fake.one" in (by_region["eu-west-1"].error or "")
    assert result.scan.status == ScanStatus.PARTIAL
    assert sink.finished == ScanStatus.PARTIAL
    assert {f.region for f in result.findings} == {"us-east-1"}
    # the failed collection was fetched once, not once per check
    assert provider.calls[("eu-west-1", "things")] == 1


def test_every_unit_failing_makes_the_scan_failed() -> None:
    provider = FakeProvider(["us-east-1"], fail={"us-east-1"})
    assert run_scan([provider], CHECKS, now=NOW).scan.status == ScanStatus.FAILED


def test_concurrency_bound_is_respected() -> None:
    provider = FakeProvider([f"r-{i}" for i in range(6)], delay=0.02)
    run_scan([provider], CHECKS, concurrency=3, now=NOW)
    assert 1 < provider.max_active <= 3


def test_finding_identity_and_recommendation_placeholders() -> None:
    provider = FakeProvider(["us-east-1"])
    first = run_scan([provider], CHECKS[:1], now=NOW).findings
    again = run_scan([FakeProvider(["us-east-1"])], CHECKS[:1], now=NOW).findings
    assert sorted(f.fingerprint for f in first) == sorted(f.fingerprint for f in again)
    assert first[0].recommendation == f"delete {first[0].resource.id} in us-east-1"
    assert first[0].account == "111111111111" and first[0].check_id == "aws.fake.one"


def test_interrupt_keeps_completed_units_and_marks_scan_interrupted() -> None:
    provider = FakeProvider([f"r-{i}" for i in range(5)], delay=0.01)
    sink = MemorySink()

    class Interrupting:
        def planned(self, plan: Plan) -> None: ...
        def started(self, units: int, tasks: int) -> None: ...
        def task_done(self, unit: ScopeUnit, check_id: str, findings: list[Finding]) -> None: ...

        def unit_done(self, coverage: CoverageUnit) -> None:
            raise KeyboardInterrupt

    result = run_scan([provider], CHECKS, concurrency=1, now=NOW, sink=sink, progress=Interrupting())
    assert result.interrupted
    assert sink.finished == ScanStatus.INTERRUPTED
    assert len(sink.units) == 1 and sink.units[0][0].status == UnitStatus.OK
    assert len(sink.units[0][1]) == 6


def test_no_credentials_for_any_provider_raises() -> None:
    class NoCreds(FakeProvider):
        def plan(self) -> Plan:
            raise CredentialsError("no credentials", hint="set AWS_PROFILE")

    with pytest.raises(CredentialsError):
        run_scan([NoCreds(["us-east-1"])], CHECKS, now=NOW)


def test_sigint_stops_between_units_and_restores_the_handler() -> None:
    import os
    import signal

    provider = FakeProvider([f"r-{i}" for i in range(5)], delay=0.01)
    sink = MemorySink()
    before = signal.getsignal(signal.SIGINT)

    class SendsSigint:
        def planned(self, plan: Plan) -> None: ...
        def started(self, units: int, tasks: int) -> None: ...
        def task_done(self, unit: ScopeUnit, check_id: str, findings: list[Finding]) -> None: ...

        def unit_done(self, coverage: CoverageUnit) -> None:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right after the first unit is written

    result = run_scan([provider], CHECKS, concurrency=1, now=NOW, sink=sink, progress=SendsSigint())
    assert result.interrupted and sink.finished == ScanStatus.INTERRUPTED
    assert 1 <= len(sink.units) < 5
    assert [c.region for c in result.scan.coverage] == [u.region for u, _ in sink.units]
    assert signal.getsignal(signal.SIGINT) is before


def test_a_sessions_warnings_reach_the_units_coverage_and_survive_the_store(tmp_path: Any) -> None:
    """A unit that read something only partly (an API refused, a bound hit) stays ok and says so."""
    from cloudwaste.store import Store

    class WarningProvider(FakeProvider):
        def open_unit(self, unit: ScopeUnit, metric_queries: list[Any]) -> FakeSession:
            session = FakeSession(self, unit)
            session.warnings = [f"signInActivity refused in {unit.region} (403): usage reports used"]  # type: ignore[attr-defined]
            return session

    with Store.open(tmp_path / "w.db") as store:
        result = run_scan([WarningProvider(["eu-west-1"])], CHECKS, now=NOW, sink=store)
        [unit] = result.scan.coverage
        assert unit.status == UnitStatus.OK
        assert unit.warnings == ["signInActivity refused in eu-west-1 (403): usage reports used"]
        [stored] = store.get_scan(result.scan.id).coverage
        assert stored.warnings == unit.warnings
