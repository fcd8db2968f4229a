"""The GCP provider: the projects one identity can read as scope units, a memoizing session per project.

``plan()`` resolves the credential (:mod:`~cloudwaste.providers.gcp.auth`) and discovers the projects
(:mod:`~cloudwaste.providers.gcp.projects`); that first Resource Manager call proves the credential, and
an authentication failure is a CredentialsError (exit 5) with the fix. ``open_unit()`` is cheap: clients
are created on first use, one per kind and project, every one with ``transport="rest"``. Every HTTP
request any of them sends is recorded in :attr:`GcpProvider.operations` (method, path) and counted on
its unit's ``api_calls`` (discovery calls on none).

An API that is not enabled (403 ``SERVICE_DISABLED`` / ``accessNotConfigured``) gives empty collections
and one warning on the unit (:attr:`GcpUnitSession.warnings`, also logged), not a failed unit: a project
without the Compute Engine API has no VMs. Any other error (a 403 permission denied on the project, say)
fails the collections that needed the call, so their checks fail and the unit is recorded as ``error``
with the message while the other projects complete.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple

from cloudwaste.checks.context import MetricKey, MetricQuery, MetricSeries
from cloudwaste.errors import CredentialsError, ProviderError, UsageError
from cloudwaste.model import CoverageUnit, UnitStatus
from cloudwaste.providers.base import MemoSession, Plan, ScopeUnit
from cloudwaste.providers.gcp import auth, collectors, http, metrics, projects, recommender
from cloudwaste.providers.gcp.options import GcpOptions

_log = logging.getLogger(__name__)
OnCall = http.OnCall
PREFETCH_WORKERS = 6  # collections of one unit fetched at once before metrics and recommendations
API_NAMES = {
    "compute": "Compute Engine API (compute.googleapis.com)",
    "asset": "Cloud Asset API (cloudasset.googleapis.com)",
    "monitoring": "Cloud Monitoring API (monitoring.googleapis.com)",
    "recommender": "Recommender API (recommender.googleapis.com)",
    "resourcemanager": "Cloud Resource Manager API (cloudresourcemanager.googleapis.com)",
}
API_EFFECT = {
    "compute": "Compute Engine collections are empty",
    "asset": "collections read from Cloud Asset Inventory (Cloud SQL, GKE, Cloud Storage, BigQuery, "
    "Cloud Run, ...) are empty",
    "monitoring": "metric-based checks see no data (unknown, not idle)",
    "recommender": "Google's idle recommendations are not read",
}


class Operation(NamedTuple):
    """One HTTP request the provider sent."""

    method: str
    path: str


def _gapic_class(kind: str) -> Any:
    if kind == "asset":
        from google.cloud import asset_v1

        return asset_v1.AssetServiceClient
    if kind == "recommender":
        from google.cloud import recommender_v1

        return recommender_v1.RecommenderClient
    if kind == "projects":
        from google.cloud import resourcemanager_v3

        return resourcemanager_v3.ProjectsClient
    if kind == "folders":
        from google.cloud import resourcemanager_v3

        return resourcemanager_v3.FoldersClient
    from google.cloud import compute_v1

    return getattr(compute_v1, kind)  # "DisksClient", ...


class GcpProvider:
    """Scans the projects one Google identity can read (see :class:`GcpOptions`)."""

    name = "gcp"

    def __init__(self, options: GcpOptions | None = None) -> None:
        self.options = options or GcpOptions()
        self.operations: list[Operation] = []
        self._ops_lock = threading.Lock()
        self._identity_lock = threading.Lock()
        self._identity: auth.Identity | None = None
        self._retry: Any = None
        self.plan_warnings: list[str] = []

    # -- bookkeeping -------------------------------------------------------------------------

    def record(self, method: str, path: str) -> None:
        """Remember one HTTP request (thread-safe)."""
        with self._ops_lock:
            self.operations.append(Operation(method, path))

    def _called(self, on_call: OnCall | None) -> OnCall:
        def called(method: str, path: str) -> None:
            self.record(method, path)
            if on_call:
                on_call(method, path)

        return called

    def identity(self) -> auth.Identity:
        """Resolve the credential (cached; no API call)."""
        with self._identity_lock:
            if self._identity is None:
                self._identity = auth.resolve(self.options)
            return self._identity

    @property
    def retry(self) -> Any:
        """The api_core Retry every call uses (None: one attempt)."""
        if self._retry is None and self.options.retry_deadline > 0:
            self._retry = http.retry(self.options.retry_deadline, self.options.retry_initial)
        return self._retry

    def gapic(self, kind: str, on_call: OnCall | None = None) -> Any:
        """A new GAPIC client of ``kind`` (REST transport, our endpoint) whose requests are recorded."""
        cls = _gapic_class(kind)
        client = cls(
            credentials=self.identity().credentials,
            transport="rest",
            client_options=http.client_options(),
        )
        return http.record_client(client, self._called(on_call))

    def rest(self, api: str, on_call: OnCall | None = None) -> http.Rest:
        """A REST client for ``api`` (``monitoring``) with our retries, timeout and recording."""
        opts = self.options
        session = http.authorized_session(self.identity().credentials, self._called(on_call))
        return http.Rest(
            session,
            http.base_url(api),
            deadline=opts.retry_deadline,
            initial=opts.retry_initial,
            timeout=opts.timeout,
        )

    # -- planning ------------------------------------------------------------------------------

    def _fail(self, exc: Exception, what: str) -> Exception:
        identity = self.identity()
        cred = auth.credentials_error(identity, exc, what)
        if cred is not None:
            return cred
        if http.service_disabled(exc):
            service, consumer = http.disabled_service(exc)
            where = f" in {consumer}" if consumer else ""
            return ProviderError(
                f"the {API_NAMES['resourcemanager']} is not enabled{where}: cannot {what}",
                hint="enable it (`gcloud services enable cloudresourcemanager.googleapis.com`) in the "
                "project your credential bills quota to, or set --quota-project",
            )
        return ProviderError(
            f"cannot {what}: {http.describe(exc)}",
            hint=f"check the network, or {http.ENV_ENDPOINT} if you set it",
        )

    def _discover(self) -> tuple[list[projects.Project], list[tuple[str, str]], list[str]]:
        """(listed projects, requested ids that cannot be read, warnings)."""
        opts = self.options
        client = self.gapic("projects")
        wanted = [t.strip() for t in opts.projects if t.strip()]
        timeout, retry = opts.timeout, self.retry
        if wanted and not any(projects.is_glob(t) for t in wanted):
            listed: list[projects.Project] = []
            missing: list[tuple[str, str]] = []
            warnings: list[str] = []
            for pid in dict.fromkeys(wanted):
                if not projects.PROJECT_ID.match(pid):
                    raise UsageError(
                        f"--project {pid!r} is not a project id",
                        hint="project ids are 6-30 lower-case letters, digits and hyphens (e.g. my-app-prod)",
                    )
                try:
                    listed.append(projects.get(client, pid, timeout=timeout, retry=retry))
                except Exception as exc:
                    if auth.credentials_error(self.identity(), exc, "read a project") is not None:
                        raise self._fail(exc, f"read project {pid}") from None
                    if http.service_disabled(exc):  # no project metadata, but the project can be scanned
                        listed.append(projects.Project(pid, pid))
                        warnings.append(
                            f"project {pid}: the {API_NAMES['resourcemanager']} is not enabled for the "
                            "credential's project, so its name and labels are unknown"
                        )
                    elif http.status_code(exc) in (403, 404):
                        missing.append((pid, projects.NOT_VISIBLE))
                    else:
                        raise self._fail(exc, f"read project {pid}") from None
            return listed, missing, warnings
        try:
            return projects.search(client, timeout=timeout, retry=retry), [], []
        except Exception as exc:
            raise self._fail(exc, "list the Google Cloud projects") from None

    def _parents(self) -> set[str] | None:
        opts = self.options
        roots = [projects.normalize_parent(f, "folders") for f in opts.folders if f.strip()]
        if opts.organization:
            roots.append(projects.normalize_parent(opts.organization, "organizations"))
        if not roots:
            return None
        try:
            return projects.folder_tree(self.gapic("folders"), roots, timeout=opts.timeout, retry=self.retry)
        except Exception as exc:
            if http.status_code(exc) == 403 and not http.service_disabled(exc):
                raise ProviderError(
                    f"cannot list the folders under {', '.join(roots)}: {http.describe(exc)}",
                    hint="grant roles/resourcemanager.folderViewer (resourcemanager.folders.list) on them",
                ) from None
            raise self._fail(exc, f"list the folders under {', '.join(roots)}") from None

    def plan(self) -> Plan:
        """Credential, projects and their selection."""
        identity = self.identity()
        opts = self.options
        listed, missing, warnings = self._discover()
        parents = self._parents()
        if not listed and not missing:
            raise CredentialsError(
                f"the credential from {identity.describe()} sees no Google Cloud project",
                hint="grant it roles/viewer (or the custom role in examples/gcp-readonly-role.yaml) on the "
                "projects, a folder or the organization; or name them with --project",
            )
        sel = projects.select_projects(
            listed, opts.projects, opts.exclude_projects, opts.labels, parents, missing
        )
        warnings += sel.warnings
        if not sel.scan and not sel.skipped and not sel.missing:
            why = f" ({'; '.join(warnings)})" if warnings else ""
            raise UsageError(
                f"no Google Cloud project left to scan{why}",
                hint="check --project, --exclude-project, --label, --organization and --folder "
                "(`cloudwaste auth test gcp` lists the projects the credential sees)",
            )
        units = [ScopeUnit("gcp", p.id, "global", p.name) for p in sel.scan]
        skipped = [
            CoverageUnit(provider="gcp", scope=p.id, region="global", status=UnitStatus.SKIPPED, error=why)
            for p, why in sel.skipped
        ]
        skipped += [
            CoverageUnit(provider="gcp", scope=pid, region="global", status=UnitStatus.ERROR, error=why)
            for pid, why in sel.missing
        ]
        self.plan_warnings = warnings
        banner = f"gcp: {identity.describe()}; {len(units)} project(s)"
        return Plan(provider="gcp", units=units, skipped=skipped, banner=banner, warnings=warnings)

    def open_unit(self, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> GcpUnitSession:
        """A session for one project (no API call until a check asks)."""
        self.identity()
        return GcpUnitSession(self, unit, metric_queries)


class GcpUnitSession(MemoSession):
    """Collections and metrics of one project, each fetched once."""

    def __init__(self, provider: GcpProvider, unit: ScopeUnit, metric_queries: list[MetricQuery]) -> None:
        # queries over collections this provider does not have belong to other providers' checks
        super().__init__(q for q in metric_queries if q.collection in collectors.COLLECTIONS)
        self.provider = provider
        self.unit = unit
        self.project = unit.scope
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self.warnings: list[str] = []
        self._warned: set[str] = set()
        self.disabled: set[str] = set()  # APIs found not enabled: not called again
        self.collectors = self._collectors()

    # -- bookkeeping -----------------------------------------------------------------------------

    def warn(self, message: str, key: str | None = None) -> None:
        """Record a warning about this unit once (and log it)."""
        with self._guard:
            if (key or message) in self._warned:
                return
            self._warned.add(key or message)
            self.warnings.append(message)
        _log.warning("gcp:%s: %s", self.project, message)

    def _on_call(self, method: str, path: str) -> None:
        self.count_call()

    def client(self, kind: str) -> Any:
        """This unit's client of ``kind`` (a compute_v1 class name, ``asset``, ``recommender``,
        ``monitoring``), created once."""
        client = self._clients.get(kind)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(kind)
                if client is None:
                    if kind == "monitoring":
                        client = self.provider.rest("monitoring", self._on_call)
                    else:
                        client = self.provider.gapic(kind, self._on_call)
                    self._clients[kind] = client
        return client

    def _disabled(self, api: str, exc: BaseException) -> None:
        service, consumer = http.disabled_service(exc)
        self.disabled.add(api)
        where = f" for {consumer}" if consumer and consumer != f"projects/{self.project}" else ""
        self.warn(
            f"the {API_NAMES[api]} is not enabled{where}: {API_EFFECT[api]} "
            f"(enable it with `gcloud services enable {service or API_NAMES[api].split('(')[1][:-1]}`)",
            key=f"disabled:{api}",
        )

    def _guarded(self, api: str, what: str, empty: Any, call: Callable[[], Any]) -> Any:
        """``call()``; ``empty`` when ``api`` is not enabled; a ProviderError naming ``what`` otherwise."""
        if api in self.disabled:
            return empty
        try:
            return call()
        except Exception as exc:
            if http.service_disabled(exc):
                self._disabled(api, exc)
                return empty
            raise ProviderError(f"{http.describe(exc)} ({what})") from exc

    # -- collectors ------------------------------------------------------------------------------

    def _collectors(self) -> dict[str, Callable[[], Any]]:
        table: dict[str, Callable[[], Any]] = {}
        for listing in collectors.COMPUTE:
            table[listing.collection] = partial(self._compute, listing)
        table["_assets"] = self._assets
        for name in collectors.ASSETS:
            table[name] = partial(self._asset_collection, name)
        table[collectors.RECOMMENDATIONS] = self._recommendations
        return table

    def _compute(self, listing: collectors.Listing) -> collectors.Items:
        opts = self.provider.options

        def call() -> collectors.Items:
            return collectors.list_compute(
                self.client,
                self.project,
                listing,
                timeout=opts.timeout,
                retry=self.provider.retry,
                warn=self.warn,
            )

        items: collectors.Items = self._guarded("compute", listing.collection, [], call)
        return items

    def _assets(self) -> dict[str, collectors.Items]:
        opts = self.provider.options

        def call() -> dict[str, collectors.Items]:
            return collectors.list_assets(
                self.client("asset"), self.project, timeout=opts.timeout, retry=self.provider.retry
            )

        found: dict[str, collectors.Items] = self._guarded("asset", "Cloud Asset ListAssets", {}, call)
        return found

    def _asset_collection(self, name: str) -> collectors.Items:
        grouped: dict[str, collectors.Items] = self.collect("_assets")
        return list(grouped.get(name, []))

    def prefetch(self, names: Iterable[str]) -> None:
        """Fetch collections that are about to be needed at once (each still fetched once; a failure is
        remembered and raised to whoever needs it)."""
        todo = [n for n in dict.fromkeys(names) if n in self.collectors and n not in self._values]
        if len(todo) < 2:
            return
        with ThreadPoolExecutor(
            max_workers=min(PREFETCH_WORKERS, len(todo)), thread_name_prefix="cw-gcp"
        ) as pool:
            list(pool.map(self._safe_collect, todo))

    def _safe_collect(self, name: str) -> Any:
        """A collection for locating recommendations; one that failed gives no locations."""
        try:
            return self.collect(name)
        except Exception:
            return []

    def _recommendations(self) -> collectors.Items:
        opts = self.provider.options
        if not opts.recommendations:
            return []

        self.prefetch(c for rec in recommender.RECOMMENDERS for c in rec.collections)

        def call() -> collectors.Items:
            return recommender.collect(
                self.client("recommender"),
                self.project,
                self._safe_collect,
                timeout=opts.timeout,
                retry=self.provider.retry,
            )

        items: collectors.Items = self._guarded("recommender", "Recommender", [], call)
        return items

    # -- metrics ---------------------------------------------------------------------------------

    def _metric_error(self, query: metrics.Query, exc: Exception) -> None:
        if http.service_disabled(exc):
            self._disabled("monitoring", exc)
            return
        if http.status_code(exc) in (400, 404):  # a metric or resource type Monitoring does not know
            self.warn(
                f"Cloud Monitoring refused {query.metric} on {query.resource_type}: {http.describe(exc)}"
            )
            return
        raise ProviderError(f"{http.describe(exc)} (Cloud Monitoring {query.metric})") from exc

    def metric(self, key: MetricKey) -> MetricSeries | None:
        """One series; the collections the unit's queries read are fetched at once first."""
        if self._metrics is None:
            self.prefetch(q.collection for q in self.metric_queries)
        return super().metric(key)

    def fetch_metrics(self, keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
        """Every series of the unit: one paged timeSeries.list call per query, concurrently."""
        if "monitoring" in self.disabled:
            return {}
        end = datetime.now(UTC).replace(second=0, microsecond=0)
        fetch = metrics.fetcher(self.client("monitoring"), self.project, end, self._metric_error)
        return metrics.fetch_all(metrics.plan(keys), fetch, self.provider.options.metric_workers)
