"""Management SDK clients with cloudwaste's pipeline: bounded retries, short timeouts, call recording.

Every client gets the SDK's default ARM policy list with two changes:

- a :class:`CallRecorder` before the retry policy, so each logical HTTP request (each page) is
  recorded once with its method and path, and counted on its unit, however often it is retried;
- no ``ARMAutoResourceProviderRegistrationPolicy``: on a 409 ``MissingSubscriptionRegistration`` that
  policy POSTs ``/providers/<namespace>/register``, a write. cloudwaste only reads; a list call on an
  unregistered namespace means the subscription has no such resources (see the collectors).

Retries use azure-core's :class:`~azure.core.pipeline.policies.RetryPolicy` (exponential back-off,
``Retry-After`` / ``retry-after-ms`` honoured on 429 and 503) bounded by ``--max-attempts``; POST is
retried too because every POST cloudwaste sends is a read (a Resource Graph query, an Azure Monitor
``metrics:getBatch``). :func:`make_data_pipeline` builds the same pipeline for a data-plane audience
(Azure Monitor's metrics hosts), with a plain bearer-token policy for that scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cloudwaste import __version__

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from cloudwaste.providers.azure.auth import Endpoints

OnCall = Callable[[str, str], None]  # (HTTP method, URL path)
READ_METHODS = frozenset({"HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST"})


def _recorder(on_call: OnCall) -> Any:
    from azure.core.pipeline.policies import SansIOHTTPPolicy

    class CallRecorder(SansIOHTTPPolicy):  # type: ignore[type-arg]
        """Reports every request (each page) once, before retries."""

        def on_request(self, request: Any) -> None:
            http = request.http_request
            on_call(str(http.method).upper(), urlsplit(str(http.url)).path)

    return CallRecorder()


def retry_policy(max_attempts: int) -> Any:
    """azure-core's retry policy bounded by ``max_attempts`` (POST included: ours are reads)."""
    from azure.core.pipeline.policies import RetryPolicy

    retries = max(0, max_attempts - 1)
    policy = RetryPolicy(
        retry_total=retries,
        retry_connect=min(retries, 2),
        retry_read=min(retries, 2),
        retry_status=retries,
        retry_backoff_factor=0.8,
        retry_backoff_max=30,
    )
    policy._method_whitelist = READ_METHODS  # the documented knob (retry_on_methods) is per call only
    return policy


def pipeline(
    credential: TokenCredential,
    ep: Endpoints,
    max_attempts: int,
    on_call: OnCall,
    *,
    data_scope: str | None = None,
) -> list[Any]:
    """The ARM policy list of a management client, without resource-provider auto-registration;
    with ``data_scope`` the same list for a data-plane API whose tokens have that audience."""
    from azure.core.pipeline import policies
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy

    auth: Any = (
        policies.BearerTokenCredentialPolicy(credential, data_scope)
        if data_scope
        else ARMChallengeAuthenticationPolicy(credential, ep.scope)
    )
    return [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy(),
        policies.UserAgentPolicy(user_agent=f"cloudwaste/{__version__}"),
        policies.ProxyPolicy(),
        policies.ContentDecodePolicy(),
        _recorder(on_call),
        policies.RedirectPolicy(),
        retry_policy(max_attempts),
        auth,
        policies.CustomHookPolicy(),
        policies.NetworkTraceLoggingPolicy(),
        policies.DistributedTracingPolicy(),
        policies.SensitiveHeaderCleanupPolicy(),
        policies.HttpLoggingPolicy() if data_scope else ARMHttpLoggingPolicy(),
    ]


def make_client(
    cls: Any,
    credential: TokenCredential,
    ep: Endpoints,
    *,
    subscription_id: str | None = None,
    max_attempts: int = 5,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    on_call: OnCall,
) -> Any:
    """An instance of management client ``cls`` (ComputeManagementClient, ...) for our endpoints."""
    kwargs: dict[str, Any] = {
        "base_url": ep.arm_url,
        "credential_scopes": [ep.scope],
        "policies": pipeline(credential, ep, max_attempts, on_call),
        "connection_timeout": connect_timeout,
        "read_timeout": read_timeout,
        **ep.connection(),
    }
    if subscription_id is None:
        return cls(credential, **kwargs)
    return cls(credential, subscription_id, **kwargs)


def make_arm_pipeline(
    credential: TokenCredential,
    ep: Endpoints,
    *,
    max_attempts: int = 5,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    on_call: OnCall,
) -> Any:
    """A bare ARM pipeline client (azure-mgmt-core) with the same policies, for REST calls whose SDK
    model deserialization costs more than the call (Azure Monitor series: ~0.1 ms per datapoint)."""
    from azure.mgmt.core import ARMPipelineClient

    return ARMPipelineClient(
        base_url=ep.arm_url,
        policies=pipeline(credential, ep, max_attempts, on_call),
        connection_timeout=connect_timeout,
        read_timeout=read_timeout,
        **ep.connection(),
    )


def make_data_pipeline(
    credential: TokenCredential,
    ep: Endpoints,
    scope: str,
    *,
    max_attempts: int = 5,
    connect_timeout: float = 5.0,
    read_timeout: float = 30.0,
    on_call: OnCall,
) -> Any:
    """A bare pipeline client for a data-plane API (requests carry absolute URLs) whose tokens are for
    ``scope`` (e.g. ``https://metrics.monitor.azure.com/.default``), same retries and recording."""
    from azure.core import PipelineClient

    return PipelineClient(
        base_url=ep.arm_url,
        policies=pipeline(credential, ep, max_attempts, on_call, data_scope=scope),
        connection_timeout=connect_timeout,
        read_timeout=read_timeout,
        **ep.connection(),
    )
