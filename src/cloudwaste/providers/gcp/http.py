"""HTTP plumbing shared by every Google API call: endpoint, request recording, retries, errors.

**Endpoint.** ``CLOUDWASTE_GCP_ENDPOINT`` is one base URL for every Google API cloudwaste calls
(Compute, Cloud Asset, Monitoring, Recommender, Resource Manager, Cloud Billing, IAM Credentials):
private endpoints, emulators and the tests' fake. It must be ``https://``, except on a loopback host
(``http://127.0.0.1:PORT``). Unset, each API uses its public host. There is no native Google setting
that expresses this (``GOOGLE_CLOUD_UNIVERSE_DOMAIN`` is a domain, not a URL).

**Transport.** Every GAPIC client is built with ``transport="rest"`` so one HTTP fake serves them
all. google-cloud-monitoring ships no REST transport (gRPC only), so Cloud Monitoring's
``timeSeries.list`` is read through its REST API with google-auth's ``AuthorizedSession``
(:class:`Rest`), as is the Cloud Billing Catalog (google-cloud-billing is not a dependency).

**Recording.** A ``requests`` response hook on each client's session reports every HTTP request
(method and path) once per attempt: :attr:`GcpProvider.operations` and the unit's ``api_calls``.

**Retries.** google.api_core's :class:`~google.api_core.retry.Retry`: 429, 500, 502, 503 and 504
are retried with truncated exponential back-off and full jitter until the deadline (the API's
``Retry-After`` is not read by api_core); connection failures are not retried (a refused or
unresolvable host rarely heals in seconds). Each HTTP request has a short timeout.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from cloudwaste.errors import UsageError

ENV_ENDPOINT = "CLOUDWASTE_GCP_ENDPOINT"
OnCall = Callable[[str, str], None]  # (HTTP method, URL path)
PUBLIC_HOSTS = {
    "monitoring": "https://monitoring.googleapis.com",
    "cloudbilling": "https://cloudbilling.googleapis.com",
    "iamcredentials": "https://iamcredentials.googleapis.com",
}
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
DISABLED_REASONS = frozenset({"SERVICE_DISABLED", "accessNotConfigured", "API_DISABLED"})


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint() -> str | None:
    """The ``CLOUDWASTE_GCP_ENDPOINT`` base URL without a trailing slash (None when unset)."""
    raw = (os.environ.get(ENV_ENDPOINT) or "").strip().rstrip("/")
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{ENV_ENDPOINT} must be an http(s):// URL, not {raw!r}")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise UsageError(
            f"{ENV_ENDPOINT} must be an https:// URL, not {raw!r}",
            hint="Google tokens are only sent over TLS (http:// is accepted for 127.0.0.1 and localhost)",
        )
    return raw


def base_url(api: str) -> str:
    """The base URL of a REST API we call without a GAPIC client (``monitoring``, ``cloudbilling``)."""
    return endpoint() or PUBLIC_HOSTS[api]


def client_options() -> Any:
    """``ClientOptions`` for GAPIC clients: the endpoint override, or None for the public hosts."""
    url = endpoint()
    if url is None:
        return None
    from google.api_core.client_options import ClientOptions

    return ClientOptions(api_endpoint=url)


def record_session(session: Any, on_call: OnCall) -> None:
    """Report every response ``session`` (a ``requests.Session``) gets: one per HTTP request sent."""

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        request = response.request
        on_call(str(request.method).upper(), urlsplit(str(request.url)).path)

    session.hooks.setdefault("response", []).append(hook)


def record_client(client: Any, on_call: OnCall) -> Any:
    """Record the HTTP requests of a GAPIC client built with ``transport="rest"`` (returns it).

    The REST transport keeps its ``AuthorizedSession`` in ``_session``; there is no public hook.
    """
    session = getattr(getattr(client, "_transport", None), "_session", None)
    if session is None:  # pragma: no cover - a transport layout we do not know
        raise RuntimeError(f"cannot record the requests of {type(client).__name__}: no REST session")
    record_session(session, on_call)
    return client


def _retryable(exc: BaseException) -> bool:
    code = getattr(exc, "code", None)
    return isinstance(code, int) and code in RETRY_STATUS


def retry(deadline: float, initial: float = 1.0) -> Any:
    """api_core's Retry for our calls (None when ``deadline`` is 0: one attempt)."""
    if deadline <= 0:
        return None
    from google.api_core import exceptions
    from google.api_core.retry import Retry

    def predicate(exc: BaseException) -> bool:
        return isinstance(exc, exceptions.GoogleAPICallError) and _retryable(exc)

    return Retry(
        predicate=predicate,
        initial=max(0.01, initial),
        maximum=30.0,
        multiplier=2.0,
        timeout=deadline,
    )


# -- errors -----------------------------------------------------------------------------------------


def unwrap(exc: BaseException) -> BaseException:
    """The API error inside an api_core ``RetryError`` (the deadline passed while retrying)."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, BaseException) and type(exc).__name__ == "RetryError" else exc


def _reasons(exc: BaseException) -> set[str]:
    reasons: set[str] = set()
    reason = getattr(exc, "reason", None)
    if reason:
        reasons.add(str(reason))
    for err in getattr(exc, "errors", None) or ():
        if isinstance(err, Mapping) and err.get("reason"):
            reasons.add(str(err["reason"]))
    return reasons


def service_disabled(exc: BaseException) -> bool:
    """True for a 403 saying the API is not enabled (``SERVICE_DISABLED`` / ``accessNotConfigured``)."""
    exc = unwrap(exc)
    if getattr(exc, "code", None) != 403:
        return False
    if _reasons(exc) & DISABLED_REASONS:
        return True
    text = str(getattr(exc, "message", "") or exc)
    return "has not been used in project" in text or "it is disabled" in text


def disabled_service(exc: BaseException) -> tuple[str, str]:
    """(service, consumer) named by a SERVICE_DISABLED error's ErrorInfo (empty strings when absent)."""
    metadata = getattr(unwrap(exc), "metadata", None) or {}
    return str(metadata.get("service") or ""), str(metadata.get("consumer") or "")


def status_code(exc: BaseException) -> int | None:
    """The HTTP status of an api_core error (None for other errors)."""
    code = getattr(unwrap(exc), "code", None)
    return code if isinstance(code, int) else None


_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_REQUEST_PREFIX = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE) \S+: ")


def _status(exc: BaseException, code: int) -> str:
    """The error's ``status`` (``PERMISSION_DENIED``) from the JSON body, else the usual one for ``code``."""
    response = getattr(exc, "response", None)
    try:
        body = response.json() if response is not None and hasattr(response, "json") else None
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    status = error.get("status") if isinstance(error, dict) else None
    return str(status) if status else _STATUS.get(code, "")


def describe(exc: BaseException, limit: int = 300) -> str:
    """One line: ``403 PERMISSION_DENIED: message`` (api_core errors, without the request URL api_core
    puts in front) or the exception text."""
    exc = unwrap(exc)
    code = getattr(exc, "code", None)
    message = " ".join(str(getattr(exc, "message", "") or exc).split())
    message = _REQUEST_PREFIX.sub("", message)
    if isinstance(code, int):
        reason = getattr(exc, "reason", None)
        head = " ".join(p for p in (str(code), _status(exc, code), f"({reason})" if reason else "") if p)
        return f"{head}: {message}"[:limit]
    return (message or type(exc).__name__)[:limit]


# -- REST calls without a GAPIC client ----------------------------------------------------------------


class Rest:
    """GET calls on one Google REST API through an ``AuthorizedSession``, retried and recorded."""

    def __init__(
        self,
        session: Any,
        base: str,
        *,
        deadline: float = 60.0,
        initial: float = 1.0,
        timeout: float = 30.0,
    ) -> None:
        self.session = session
        self.base = base.rstrip("/")
        self.retry = retry(deadline, initial)
        self.timeout = timeout

    def _get_once(self, path: str, params: list[tuple[str, str]]) -> dict[str, Any]:
        from google.api_core import exceptions

        response = self.session.get(f"{self.base}{path}", params=params, timeout=self.timeout)
        if response.status_code >= 400:
            raise exceptions.from_http_response(response)  # type: ignore[no-untyped-call]
        try:
            data = response.json()
        except ValueError:
            raise exceptions.from_http_response(response) from None  # type: ignore[no-untyped-call]
        return data if isinstance(data, dict) else {}

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One JSON document; ``params`` values may be lists (repeated query parameters)."""
        pairs: list[tuple[str, str]] = []
        for key, value in (params or {}).items():
            if value is None:
                continue
            for one in value if isinstance(value, list | tuple) else [value]:
                pairs.append((key, str(one)))
        if self.retry is None:
            return self._get_once(path, pairs)
        result: dict[str, Any] = self.retry(self._get_once)(path, pairs)
        return result

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every page of a list call (``pageToken`` / ``nextPageToken``)."""
        query = dict(params or {})
        seen: set[str] = set()
        while True:
            page = self.get(path, query)
            yield page
            token = str(page.get("nextPageToken") or "")
            if not token or token in seen:  # a repeated token would loop forever
                return
            seen.add(token)
            query["pageToken"] = token


def authorized_session(credentials: Any, on_call: OnCall | None = None) -> Any:
    """google-auth's ``AuthorizedSession`` for ``credentials``, its requests recorded.

    Service-account keys sign their own JWTs (as the GAPIC clients do), so no token request is made.
    """
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2 import service_account

    if isinstance(credentials, service_account.Credentials):
        credentials = credentials.with_always_use_jwt_access(True)  # type: ignore[no-untyped-call]
    session = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
    if on_call is not None:
        record_session(session, on_call)
    return session
