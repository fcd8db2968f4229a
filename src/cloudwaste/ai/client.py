"""The Anthropic Messages API: API key resolution, streaming and one-shot calls, error mapping.

The only module that imports the ``anthropic`` SDK, and only inside functions (``import anthropic``
costs more than a second, and the ``ai`` extra is optional). The client is built with the API key
and nothing else about the endpoint, so the SDK's own ``ANTHROPIC_BASE_URL`` handling applies. The
SDK retries 429, 5xx and 529 ``MAX_RETRIES`` times, honouring ``retry-after``; what still fails is
mapped to one :class:`~cloudwaste.errors.CloudwasteError` with its own exit code:

======================================  =====================================  ====
failure                                 error                                  exit
======================================  =====================================  ====
no API key                              CredentialsError                       5
401 authentication / 403 permission     CredentialsError                       5
404 (unknown model)                     UsageError                             2
network failure, timeout                AiNetworkError                         6
429 rate_limit_error                    AiRateLimitError                       7
529 overloaded_error                    AiOverloadedError                      8
400 "prompt is too long", 413           AiContextTooLargeError                 9
anything else                           AiError                                1
======================================  =====================================  ====
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudwaste.ai.redact import scrub_secrets
from cloudwaste.errors import (
    AiContextTooLargeError,
    AiError,
    AiNetworkError,
    AiOverloadedError,
    AiRateLimitError,
    CloudwasteError,
    CredentialsError,
    KeyringUnavailableError,
    MissingExtraError,
    UsageError,
)

API_KEY_ENV = "ANTHROPIC_API_KEY"
KEYRING_NAME = "anthropic:default"  # `cloudwaste auth add anthropic` stores the key here
MAX_RETRIES = 2
TIMEOUT_S = 120.0  # per read: the longest silence accepted between two streamed events
CONNECT_TIMEOUT_S = 10.0
NON_STREAMING_MAX_TOKENS = 16_000
_MAX_MESSAGE = 300


@dataclass
class Answer:
    """What the model answered (text as sent by the model: placeholders not mapped back)."""

    text: str
    model: str
    usage: dict[str, int] = field(default_factory=dict)
    stop_reason: str | None = None


def missing_key_error(reason: str | None = None) -> CredentialsError:
    """The one error for "no API key", naming both ways to give one."""
    hint = "get a key at https://console.anthropic.com/settings/keys"
    if reason:
        hint = f"the OS keyring could not be read ({reason}); {hint}"
    return CredentialsError(
        f"no Anthropic API key: set {API_KEY_ENV}, or save the key in the OS keyring with "
        "`cloudwaste auth add anthropic`",
        hint=hint,
    )


def resolve_api_key() -> str:
    """``ANTHROPIC_API_KEY``, else the keyring secret of ``auth add anthropic`` (exit 5 if none)."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    if key:
        return key
    from cloudwaste import secrets

    try:
        stored = secrets.get_secret(KEYRING_NAME)
    except KeyringUnavailableError as exc:
        raise missing_key_error(exc.message) from None
    if stored and stored.strip():
        return stored.strip()
    raise missing_key_error()


def _sdk() -> Any:
    try:
        import anthropic
    except ImportError:
        raise MissingExtraError("ai", "anthropic") from None
    return anthropic


def _client(api_key: str) -> Any:
    anthropic = _sdk()
    return anthropic.Anthropic(
        api_key=api_key,
        max_retries=MAX_RETRIES,
        timeout=anthropic.Timeout(TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
    )


def _usage(message: Any) -> dict[str, int]:
    usage = getattr(message, "usage", None)
    out: dict[str, int] = {}
    for name in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        value = getattr(usage, name, None)
        if isinstance(value, int):
            out[name] = value
    return out


def _text(message: Any) -> str:
    return "".join(
        getattr(block, "text", "") for block in message.content if getattr(block, "type", "") == "text"
    )


def stream(body: dict[str, Any], api_key: str, on_text: Callable[[str], None]) -> Answer:
    """Stream an answer, calling ``on_text`` with each text delta; errors become CloudwasteErrors."""
    anthropic = _sdk()
    params = {k: v for k, v in body.items() if k != "stream"}
    base_url = ""
    try:
        with _client(api_key) as client:
            base_url = str(client.base_url)
            with client.messages.stream(**params) as events:
                for text in events.text_stream:
                    on_text(text)
                final = events.get_final_message()
    except anthropic.APIError as exc:
        raise map_error(exc, base_url) from None
    return Answer(_text(final), final.model, _usage(final), final.stop_reason)


def complete(body: dict[str, Any], api_key: str) -> Answer:
    """One non-streaming call (``--format json``); a very long answer is streamed, then returned whole.

    The SDK refuses a non-streaming request that may take more than 10 minutes (a large
    ``max_tokens``), so above :data:`NON_STREAMING_MAX_TOKENS` the answer is collected from a stream.
    """
    if int(body.get("max_tokens", 0)) > NON_STREAMING_MAX_TOKENS:
        return stream(body, api_key, lambda _text: None)
    anthropic = _sdk()
    params = {k: v for k, v in body.items() if k != "stream"}
    base_url = ""
    try:
        with _client(api_key) as client:
            base_url = str(client.base_url)
            message = client.messages.create(**params)
    except anthropic.APIError as exc:
        raise map_error(exc, base_url) from None
    return Answer(_text(message), message.model, _usage(message), message.stop_reason)


def _one_line(text: str) -> str:
    flat = scrub_secrets(" ".join(str(text).split()))
    return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 3] + "..."


def _error_fields(exc: Any) -> tuple[str | None, str]:
    """``(error.type, error.message)`` of an API error body."""
    etype = getattr(exc, "type", None)
    message = getattr(exc, "api_message", None)
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            etype = etype or err.get("type")
            message = message or err.get("message")
    return (etype if isinstance(etype, str) else None), str(message or getattr(exc, "message", "") or exc)


def _retry_after(exc: Any) -> str:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return ""
    value = headers.get("retry-after")
    return f"; the API asks to retry after {value} s" if value else ""


def map_error(exc: Exception, base_url: str = "") -> CloudwasteError:
    """The cloudwaste error (one line, its own exit code) for an SDK exception."""
    anthropic = _sdk()
    where = f" at {base_url.rstrip('/')}" if base_url else ""
    if isinstance(exc, anthropic.APITimeoutError):
        return AiNetworkError(
            f"the Anthropic API{where} did not answer in time (timeout {TIMEOUT_S:g} s)",
            hint="try again; check the network, a proxy (HTTPS_PROXY) or ANTHROPIC_BASE_URL",
        )
    if isinstance(exc, anthropic.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = _one_line(str(cause)) if cause and str(cause) else _one_line(str(exc))
        return AiNetworkError(
            f"cannot reach the Anthropic API{where}: {detail}",
            hint="check the network, a proxy (HTTPS_PROXY) or ANTHROPIC_BASE_URL",
        )
    if not isinstance(exc, anthropic.APIStatusError):
        return AiError(f"the Anthropic SDK failed: {_one_line(str(exc))}")
    status = exc.status_code
    etype, raw = _error_fields(exc)
    message = _one_line(raw)
    request_id = getattr(exc, "request_id", None)
    rid = f" (request id {request_id})" if request_id else ""
    label = f"{status} {etype}" if etype else str(status)
    retried = f" after {MAX_RETRIES} retries"
    if status == 200:  # an `error` event in the middle of a streamed answer (never retried)
        label, retried = f"{etype or 'error'} during the answer", ""
    if etype == "overloaded_error" or status == 529:
        return AiOverloadedError(
            f"the Anthropic API is overloaded ({label}){retried}{rid}",
            hint="try again in a minute",
        )
    if etype == "rate_limit_error" or status == 429:
        return AiRateLimitError(
            f"the Anthropic API rate limit was hit ({label}){retried}{_retry_after(exc)}{rid}",
            hint="wait and try again, or ask with a smaller --top",
        )
    if status == 413 or etype == "request_too_large" or "prompt is too long" in raw.lower():
        return AiContextTooLargeError(
            f"the prompt is too large for the model ({label}: {message}){rid}",
            hint="send fewer findings (--top, --provider or --finding) or a model with a larger context",
        )
    if etype == "authentication_error" or status == 401:
        return CredentialsError(
            f"the Anthropic API rejected the API key ({label}: {message}){rid}",
            hint=f"check {API_KEY_ENV}, or save a new key with `cloudwaste auth add anthropic`",
        )
    if etype == "permission_error" or status == 403:
        return CredentialsError(
            f"the API key may not use this ({label}: {message}){rid}",
            hint="check the key's workspace and its model access in the Anthropic console",
        )
    if etype == "not_found_error" or status == 404:
        return UsageError(
            f"the Anthropic API does not know this request ({label}: {message}){rid}",
            hint="check --model (or [ai] model in the config)",
        )
    return AiError(f"the Anthropic API failed ({label}: {message}){rid}")
