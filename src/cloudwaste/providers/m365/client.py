"""msgraph-sdk on an event loop of its own: one ``GraphServiceClient`` per unit, run from worker threads.

msgraph-sdk is async (httpx). The engine runs checks in a thread pool, so a unit's session owns one
event loop in one daemon thread (:class:`GraphLoop`): a collector, in whichever worker thread a check
called it, submits its coroutine with :func:`asyncio.run_coroutine_threadsafe` and waits for the result.
The worker blocks as it would on a synchronous SDK call, other providers' units keep running in the
other workers, the unit's concurrent collections share the loop (and the client's connection pool),
and the httpx client is only ever used on the loop it was created on. :meth:`GraphLoop.close` closes
the client and stops the loop when the unit is done.

The client is built with cloudwaste's settings (:func:`make_client`):

- kiota's default middleware, with the ``RetryHandler`` bounded by ``--max-attempts`` (429, 503 and 504
  are retried; a ``Retry-After`` header is honoured, else exponential back-off) and a
  :class:`_Recorder` last in the chain, so every HTTP request that leaves (retries, report download
  redirects) is recorded with its method and path and counted on the unit;
- tokens only for the Graph host (``allowed_hosts``), from the credential :mod:`.auth` resolved;
- the CA bundle and the connect/read timeouts on the httpx client.

Responses are read as raw JSON (``send_primitive_async(..., "bytes")``) rather than deserialized into
SDK models: the collections are Graph's REST JSON as documented, and model deserialization costs more
than the call (~15 ms a page, mostly function-local imports in ``get_field_deserializers``).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from cloudwaste import __version__

if TYPE_CHECKING:
    from cloudwaste.providers.m365.auth import Identity

T = TypeVar("T")
OnCall = Callable[[str, str, str], None]  # (HTTP method, host, URL path)
WAIT_S = 900.0  # a whole collection (every page of it) must finish within this


def _recorder(on_call: OnCall) -> Any:
    from kiota_http.middleware import BaseMiddleware

    class Recorder(BaseMiddleware):
        """Reports every request that goes out (each page, retry and redirect)."""

        async def send(self, request: Any, transport: Any) -> Any:
            url = request.url
            on_call(str(request.method).upper(), str(url.host), str(url.path))
            return await super().send(request, transport)

    return Recorder()


@dataclass
class Graph:
    """A unit's Graph client and the raw-JSON helpers collectors use (call only on its loop)."""

    client: Any  # msgraph.GraphServiceClient
    adapter: Any  # msgraph.GraphRequestAdapter
    graph_url: str
    beta_url: str
    http: Any  # httpx.AsyncClient

    def request(self, url: str) -> Any:
        """A GET RequestInformation for an absolute URL (a nextLink, a beta path)."""
        from kiota_abstractions.method import Method
        from kiota_abstractions.request_information import RequestInformation

        info = RequestInformation()
        info.http_method = Method.GET
        info.url = url
        info.headers.try_add("Accept", "application/json")
        return info

    async def get_bytes(self, info: Any) -> bytes:
        """The body of a GET (following a report's 302 to its download URL); ODataError on failure."""
        from msgraph.generated.models.o_data_errors.o_data_error import ODataError

        body = await self.adapter.send_primitive_async(info, "bytes", {"XXX": ODataError})
        return body or b""

    async def get_json(self, info: Any) -> dict[str, Any]:
        """A GET's JSON body."""
        raw = await self.get_bytes(info)
        data = json.loads(raw) if raw else {}
        return data if isinstance(data, dict) else {"value": data}

    async def pages(self, info: Any) -> AsyncIterator[list[dict[str, Any]]]:
        """Each page's ``value``, following ``@odata.nextLink`` (absolute, carries the query)."""
        while True:
            body = await self.get_json(info)
            yield list(body.get("value") or [])
            link = body.get("@odata.nextLink")
            if not link:
                return
            info = self.request(str(link))

    async def list_all(self, info: Any) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        out: list[dict[str, Any]] = []
        async for page in self.pages(info):
            out.extend(page)
        return out


def make_client(
    identity: Identity, max_attempts: int, connect_s: float, read_s: float, on_call: OnCall
) -> Graph:
    """A GraphServiceClient for ``identity`` with cloudwaste's middleware (call on the loop that uses it)."""
    import httpx
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from kiota_http.middleware.options import RetryHandlerOption, UserAgentHandlerOption
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph.graph_service_client import GraphServiceClient
    from msgraph_core import GraphClientFactory  # type: ignore[import-untyped]
    from msgraph_core.middleware import GraphTelemetryHandler  # type: ignore[import-untyped]

    ep = identity.endpoints
    options: dict[str, Any] = {
        RetryHandlerOption.get_key(): RetryHandlerOption(
            delay=0.0, max_retries=max(0, min(10, max_attempts - 1)), should_retry=max_attempts > 1
        ),
        UserAgentHandlerOption.get_key(): UserAgentHandlerOption(
            product_name="cloudwaste", product_version=__version__
        ),
    }
    middleware = [
        *KiotaClientFactory.get_default_middleware(options),
        GraphTelemetryHandler(),
        _recorder(on_call),
    ]
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ep.ca_bundle) if ep.ca_bundle else True
    http = httpx.AsyncClient(
        timeout=httpx.Timeout(read_s, connect=connect_s), verify=verify, follow_redirects=False
    )
    http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)
    auth = AzureIdentityAuthenticationProvider(
        identity.credential, scopes=[ep.scope], allowed_hosts=[ep.host]
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = ep.graph_url
    return Graph(GraphServiceClient(request_adapter=adapter), adapter, ep.graph_url, ep.beta_url, http)


class GraphLoop:
    """One event loop in one daemon thread, and the Graph client that lives on it."""

    def __init__(self, factory: Callable[[], Graph], name: str = "cloudwaste-graph") -> None:
        self._factory = factory
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._graph: Graph | None = None

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=serve, name=self._name, daemon=True)
                self._thread.start()
                ready.wait(10)
                self._loop = loop
            return self._loop

    async def _client(self) -> Graph:
        if self._graph is None:  # only ever touched on the loop's thread
            self._graph = self._factory()
        return self._graph

    def run(self, work: Callable[[Graph], Awaitable[T]], timeout: float = WAIT_S) -> T:
        """Run ``work(graph)`` on the loop from any thread other than the loop's; wait for its result."""
        loop = self._start()
        if threading.current_thread() is self._thread:
            raise RuntimeError("GraphLoop.run called from its own loop (a collector inside a coroutine?)")

        async def call() -> T:
            return await work(await self._client())

        future: Future[T] = asyncio.run_coroutine_threadsafe(call(), loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        """Close the client's connections and stop the loop (idempotent)."""
        with self._lock:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None:
            return
        graph = self._graph
        self._graph = None

        async def shutdown() -> None:
            if graph is not None:
                await graph.http.aclose()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        except Exception:  # closing is best effort: the scan's data is already collected
            pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)
        loop.close()
