"""Run a scan: every (unit, check) task under one concurrency bound, errors captured per unit.

Tasks are queued unit by unit, so early units finish (and are stored) first. Each task evaluates one
check against the unit's shared session (collections are fetched once per unit). When the last task
of a unit ends, the unit's findings and coverage are written in one transaction. A failing check or
collector marks its unit ``error`` with the reason; every other unit and check still runs. Ctrl-C
cancels queued tasks, keeps completed units and stores the scan as ``interrupted``.
"""

from __future__ import annotations

import contextlib
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.engine.plan import SelectedCheck
from cloudwaste.errors import CredentialsError
from cloudwaste.model import CoverageUnit, Finding, Scan, ScanStatus, UnitStatus, fingerprint
from cloudwaste.pricing.book import PriceBook
from cloudwaste.providers.base import Plan, Provider, ScopeUnit, UnitSession
from cloudwaste.report import summarize

DEFAULT_CONCURRENCY = 8  # AWS: ~8 concurrent Describe calls per account stay well inside EC2's API limits


class ScanSink(Protocol):
    """Where a scan is persisted (the SQLite store)."""

    def begin_scan(self, scan: Scan) -> None:
        """Record a scan that started."""

    def write_unit(self, scan_id: str, unit: CoverageUnit, findings: list[Finding]) -> list[Finding]:
        """Write one unit's coverage and findings atomically; return findings with state applied."""
        ...

    def finish_scan(
        self, scan_id: str, status: ScanStatus, finished_at: datetime, totals: dict[str, Any]
    ) -> None:
        """Record how the scan ended."""


class Progress(Protocol):
    """Receives progress events (rendered on stderr by the CLI)."""

    def planned(self, plan: Plan) -> None:
        """A provider's plan is known."""

    def started(self, units: int, tasks: int) -> None:
        """Scanning starts."""

    def task_done(self, unit: ScopeUnit, check_id: str, findings: list[Finding]) -> None:
        """One check finished for one unit."""

    def unit_done(self, coverage: CoverageUnit) -> None:
        """A unit finished."""


@dataclass
class ScanResult:
    """What a scan produced."""

    scan: Scan
    findings: list[Finding]
    plans: list[Plan] = field(default_factory=list)

    @property
    def interrupted(self) -> bool:
        """True when Ctrl-C stopped the scan."""
        return self.scan.status == ScanStatus.INTERRUPTED


def new_scan_id(now: datetime) -> str:
    """A sortable, unique scan id: ``20261201-072455-3fa9c1``."""
    return now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def describe_error(exc: BaseException) -> str:
    """One line for coverage: the error code and message, never a traceback."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        err = response["Error"]
        op = getattr(exc, "operation_name", "")
        text = f"{err.get('Code', type(exc).__name__)}: {err.get('Message', '')}".strip()
        return f"{text} ({op})" if op else text
    error = getattr(exc, "error", None)  # azure-core HttpResponseError: ARM's {"error": {code, message}}
    code = getattr(error, "code", None)
    if isinstance(code, str) and code:
        message = " ".join(str(getattr(error, "message", "") or "").split())
        request = getattr(response, "request", None)
        op = getattr(exc, "operation_name", "") or (
            f"{request.method} {urlsplit(str(request.url)).path}" if request is not None else ""
        )
        text = f"{code}: {message}".rstrip(": ")
        return (f"{text} ({op})" if op else text)[:600]
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg[:400]


def make_finding(sel: SelectedCheck, unit: ScopeUnit, hit: Hit) -> Finding:
    """Turn a check's hit into a Finding with identity and metadata."""
    spec = sel.spec
    evidence = dict(hit.evidence)
    if hit.cost_includes:
        evidence["cost_includes"] = list(hit.cost_includes)
    if hit.cost_group:
        evidence["cost_group"] = hit.cost_group
    recommendation = (hit.recommendation or spec.recommendation).replace("<id>", hit.resource.id)
    region = hit.region or unit.region
    recommendation = recommendation.replace("<region>", region)
    return Finding(
        fingerprint=fingerprint(unit.provider, unit.scope, region, hit.resource.id, spec.id),
        check_id=spec.id,
        title=spec.title,
        severity=hit.severity or spec.severity,
        provider=unit.provider,
        account=unit.scope,
        region=region,
        resource=hit.resource,
        reason=hit.reason,
        evidence=evidence,
        monthly_cost=hit.cost,
        confidence=hit.confidence,
        recommendation=recommendation,
    )


@dataclass
class _UnitRun:
    unit: ScopeUnit
    session: UnitSession
    pending: int
    started: float
    findings: list[Finding] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # error line -> check ids it failed


def run_scan(
    providers: list[Provider],
    checks: list[SelectedCheck],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    now: datetime | None = None,
    sink: ScanSink | None = None,
    progress: Progress | None = None,
    args: dict[str, Any] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    prices: Mapping[str, PriceBook] | None = None,
    keep: Callable[[Finding], bool] | None = None,
) -> ScanResult:
    """Plan every provider, run every (unit, check), persist units as they finish.

    ``now`` is the instant age rules are evaluated at (``--now``); it defaults to the real clock.
    ``prices`` maps a provider to its price book (bundled book with cached live prices laid over it);
    a provider without one uses its bundled book.
    Each unit runs the checks of its own provider. ``keep`` filters findings before they are stored
    (``--resource-group``, ``--tag``): collections are never filtered, so a filtered-out resource
    still counts as a user of another one.
    Raises CredentialsError when no provider has usable credentials.
    """
    started = clock()
    eval_now = now or started
    scan = Scan(
        id=new_scan_id(started),
        started_at=started,
        providers=[p.name for p in providers],
        args=args or {},
    )
    plans: list[Plan] = []
    cred_errors: list[CredentialsError] = []
    for provider in providers:
        try:
            plans.append(provider.plan())
        except CredentialsError as exc:
            cred_errors.append(exc)
    if not plans:
        raise cred_errors[0]

    if sink:
        sink.begin_scan(scan)
    findings: list[Finding] = []
    for plan in plans:
        if progress:
            progress.planned(plan)
        for skipped in plan.skipped:
            scan.coverage.append(skipped)
            if sink:
                sink.write_unit(scan.id, skipped, [])
    by_provider = {p.name: p for p in providers}
    units = [(by_provider[plan.provider], u) for plan in plans for u in plan.units]
    queries = [q for c in checks for q in c.metric_queries()]
    given = prices or {}
    books = {plan.provider: given.get(plan.provider) or PriceBook.load(plan.provider) for plan in plans}

    cancel = threading.Event()

    def task(run: _UnitRun, sel: SelectedCheck) -> tuple[_UnitRun, SelectedCheck, list[Finding], str | None]:
        if cancel.is_set():
            return run, sel, [], "cancelled"
        ctx = CheckContext(
            provider=run.unit.provider,
            account=run.unit.scope,
            region=run.unit.region,
            now=eval_now,
            source=run.session,
            prices=books[run.unit.provider],
        )
        try:
            found = [make_finding(sel, run.unit, hit) for hit in sel.spec.run(ctx, sel.params)]
            if keep is not None:
                found = [f for f in found if keep(f)]
        except Exception as exc:  # one failing check or API never stops the scan
            return run, sel, [], describe_error(exc)
        return run, sel, found, None

    status = ScanStatus.COMPLETE
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="cloudwaste")
    futures: set[Future[tuple[_UnitRun, SelectedCheck, list[Finding], str | None]]] = set()
    if progress:
        tasks = sum(1 for _, u in units for c in checks if c.spec.provider == u.provider)
        progress.started(len(units), tasks)
    try:
        with _sigint_sets(cancel):
            for provider, unit in units:
                own = [c for c in checks if c.spec.provider == unit.provider]
                run = _UnitRun(unit, provider.open_unit(unit, queries), len(own), time.monotonic())
                if not own:
                    _finish_unit(run, scan, findings, sink, progress)
                for sel in own:
                    futures.add(pool.submit(task, run, sel))
            while futures and not cancel.is_set():
                done, futures = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in done:
                    run, sel, found, error = fut.result()
                    run.findings.extend(found)
                    if error:
                        run.errors.setdefault(error, []).append(sel.spec.id)
                    run.pending -= 1
                    if progress:
                        progress.task_done(run.unit, sel.spec.id, found)
                    if run.pending == 0:
                        _finish_unit(run, scan, findings, sink, progress)
        if cancel.is_set():
            status = ScanStatus.INTERRUPTED
    except KeyboardInterrupt:
        cancel.set()
        status = ScanStatus.INTERRUPTED
    finally:
        pool.shutdown(wait=False, cancel_futures=True)

    if status != ScanStatus.INTERRUPTED:
        ran = [c for c in scan.coverage if c.status != UnitStatus.SKIPPED]
        errors = [c for c in ran if c.status == UnitStatus.ERROR]
        if ran and len(errors) == len(ran):
            status = ScanStatus.FAILED
        elif errors or cred_errors:
            status = ScanStatus.PARTIAL
    scan.status = status
    scan.finished_at = clock()
    if sink:
        summary = summarize(findings)
        totals = {
            "findings": summary.findings,
            "ignored": summary.ignored,
            "units": len(scan.coverage),
            "monthly_cost": summary.monthly_cost["amount"],
            "unknown_cost_findings": summary.unknown_cost_findings,
        }
        sink.finish_scan(scan.id, status, scan.finished_at, totals)
    return ScanResult(scan=scan, findings=findings, plans=plans)


@contextlib.contextmanager
def _sigint_sets(cancel: threading.Event) -> Iterator[None]:
    """While scanning, Ctrl-C sets ``cancel`` instead of raising mid-write: the loop stops between units.

    Only the main thread can install signal handlers; elsewhere KeyboardInterrupt handling applies.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        cancel.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _finish_unit(
    run: _UnitRun, scan: Scan, findings: list[Finding], sink: ScanSink | None, progress: Progress | None
) -> None:
    errors = [f"{msg} [{', '.join(sorted(ids))}]" for msg, ids in run.errors.items()]
    coverage = CoverageUnit(
        provider=run.unit.provider,
        scope=run.unit.scope,
        region=run.unit.region,
        status=UnitStatus.ERROR if errors else UnitStatus.OK,
        error="; ".join(errors)[:2000] if errors else None,
        api_calls=run.session.api_calls,
        duration_s=round(time.monotonic() - run.started, 3),
        findings=len(run.findings),
        warnings=[str(w) for w in getattr(run.session, "warnings", None) or []],
    )
    close = getattr(run.session, "close", None)  # e.g. the M365 session's event loop and HTTP client
    if callable(close):
        close()
    stored = sink.write_unit(scan.id, coverage, run.findings) if sink else run.findings
    scan.coverage.append(coverage)
    findings.extend(stored)
    if progress:
        progress.unit_done(coverage)
