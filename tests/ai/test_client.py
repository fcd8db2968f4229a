"""The Anthropic client wrapper through the real SDK against the fake API: streaming, retries, errors."""

from __future__ import annotations

import socket
from typing import Any

import keyring
import pytest

from cloudwaste.ai import client
from cloudwaste.errors import (
    EXIT_AI_CONTEXT_TOO_LARGE,
    EXIT_AI_NETWORK,
    EXIT_AI_OVERLOADED,
    EXIT_AI_RATE_LIMITED,
    EXIT_NO_CREDENTIALS,
    EXIT_USAGE,
    CloudwasteError,
)
from tests.ai.conftest import TEST_KEY
from tests.fakes.anthropic_server import FakeAnthropic
from tests.memkeyring import MemoryKeyring

BODY: dict[str, Any] = {
    "model": "claude-test-model",
    "max_tokens": 256,
    "system": "system prompt",
    "messages": [{"role": "user", "content": "question"}],
}
FAST_RETRY = {"retry-after": "1", "retry-after-ms": "20"}


def _fail(call: Any) -> CloudwasteError:
    with pytest.raises(CloudwasteError) as info:
        call()
    return info.value


def test_stream_delivers_every_delta_and_the_usage(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.answer("Delete it.", chunks=["Del", "ete", " it."], output_tokens=7)
    seen: list[str] = []
    answer = client.stream({**BODY, "stream": True}, TEST_KEY, seen.append)
    assert seen == ["Del", "ete", " it."]
    assert answer.text == "Delete it." and answer.model == "claude-test-model"
    assert answer.stop_reason == "end_turn" and answer.usage["output_tokens"] == 7
    (req,) = fake_anthropic.requests
    assert req.path == "/v1/messages" and req.api_key == TEST_KEY
    assert req.body == {**BODY, "stream": True}  # exactly the body, nothing added (no tools)


def test_complete_is_one_non_streaming_call(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.answer("Fine.", output_tokens=3)
    answer = client.complete(BODY, TEST_KEY)
    assert (answer.text, answer.usage["output_tokens"]) == ("Fine.", 3)
    assert answer.usage["input_tokens"] > 0
    assert fake_anthropic.requests[0].body == BODY


def test_429_is_retried_honouring_retry_after_then_succeeds(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.error(429, "rate_limit_error", "Number of request tokens has exceeded", headers=FAST_RETRY)
    fake_anthropic.answer("After the wait.")
    assert client.stream(BODY, TEST_KEY, lambda _: None).text == "After the wait."
    assert len(fake_anthropic.requests) == 2
    assert fake_anthropic.requests[1].headers["x-stainless-retry-count"] == "1"


def test_429_after_the_retries_is_exit_7(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.error(429, "rate_limit_error", "slow down", headers=FAST_RETRY, times=3)
    err = _fail(lambda: client.complete(BODY, TEST_KEY))
    assert err.exit_code == EXIT_AI_RATE_LIMITED
    assert "rate limit" in err.message and "retry after 1 s" in err.message
    assert len(fake_anthropic.requests) == 1 + client.MAX_RETRIES


def test_529_overloaded_is_exit_8(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "10"}, times=3)
    err = _fail(lambda: client.stream(BODY, TEST_KEY, lambda _: None))
    assert err.exit_code == EXIT_AI_OVERLOADED and "overloaded (529 overloaded_error)" in err.message
    assert "request id req_fake" in err.message


def test_overloaded_error_event_in_the_middle_of_the_stream_is_exit_8(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.midstream_error()
    seen: list[str] = []
    err = _fail(lambda: client.stream(BODY, TEST_KEY, seen.append))
    assert err.exit_code == EXIT_AI_OVERLOADED and "during the answer" in err.message
    assert seen == ["Parti"]


def test_prompt_too_long_is_exit_9_and_not_retried(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.error(400, "invalid_request_error", "prompt is too long: 215000 tokens > 200000 maximum")
    err = _fail(lambda: client.stream(BODY, TEST_KEY, lambda _: None))
    assert err.exit_code == EXIT_AI_CONTEXT_TOO_LARGE and "215000 tokens" in err.message
    assert "--top" in (err.hint or "")
    assert len(fake_anthropic.requests) == 1


def test_401_is_exit_5_and_never_echoes_the_key(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.error(401, "authentication_error", f"invalid x-api-key {TEST_KEY}")
    err = _fail(lambda: client.complete(BODY, TEST_KEY))
    assert err.exit_code == EXIT_NO_CREDENTIALS and "rejected the API key" in err.message
    assert TEST_KEY not in err.message and "<SECRET>" in err.message


def test_unknown_model_is_a_usage_error(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.error(404, "not_found_error", "model: claude-nope")
    err = _fail(lambda: client.complete(BODY, TEST_KEY))
    assert err.exit_code == EXIT_USAGE and "--model" in (err.hint or "")


def test_network_failure_is_exit_6(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    err = _fail(lambda: client.complete(BODY, TEST_KEY))
    assert err.exit_code == EXIT_AI_NETWORK
    assert f"cannot reach the Anthropic API at http://127.0.0.1:{port}" in err.message
    assert "ANTHROPIC_BASE_URL" in (err.hint or "")


def test_api_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", " sk-ant-from-env ")
    assert client.resolve_api_key() == "sk-ant-from-env"


def test_api_key_from_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUDWASTE_NO_KEYRING", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    MemoryKeyring.store.clear()
    try:
        MemoryKeyring.store[("cloudwaste", "anthropic:default")] = "sk-ant-from-keyring"
        assert client.resolve_api_key() == "sk-ant-from-keyring"
    finally:
        keyring.set_keyring(previous)
        MemoryKeyring.store.clear()


def test_missing_key_names_both_ways_and_exits_5() -> None:
    err = _fail(client.resolve_api_key)
    assert err.exit_code == EXIT_NO_CREDENTIALS
    assert "ANTHROPIC_API_KEY" in err.message and "cloudwaste auth add anthropic" in err.message
    assert "CLOUDWASTE_NO_KEYRING" in (err.hint or "")  # why the keyring was not read


def test_a_very_long_json_answer_is_collected_from_a_stream(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.answer("Long.")
    body = {**BODY, "max_tokens": client.NON_STREAMING_MAX_TOKENS + 1}
    assert client.complete(body, TEST_KEY).text == "Long."  # the SDK refuses it without streaming
    assert fake_anthropic.requests[0].body["stream"] is True
