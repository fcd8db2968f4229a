"""A fake Anthropic Messages API on 127.0.0.1, speaking the real wire format.

``POST /v1/messages`` answers, in order, the replies scripted with :meth:`FakeAnthropic.answer`,
:meth:`FakeAnthropic.error` and :meth:`FakeAnthropic.midstream_error`, then the default answer.
A streaming request (``"stream": true``) gets ``text/event-stream`` with the real event sequence
(message_start, content_block_start, ping, content_block_delta text_delta..., content_block_stop,
message_delta with usage, message_stop); a non-streaming one gets the JSON message. Errors use the
API's shape ``{"type": "error", "error": {"type", "message"}, "request_id"}`` with a ``request-id``
header (and e.g. ``retry-after`` when scripted). Every request is recorded (headers and JSON body)::

    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        fake.error(429, "rate_limit_error", "slow down", headers={"retry-after": "1", "retry-after-ms": "20"})
        fake.answer("Hello <ACCOUNT_1>", chunks=["Hel", "lo <ACC", "OUNT_1>"])
        ...
        assert len(fake.requests) == 2
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ids = itertools.count(1)


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any]

    @property
    def api_key(self) -> str | None:
        """The key sent as ``x-api-key`` or ``Authorization: Bearer``."""
        if "x-api-key" in self.headers:
            return self.headers["x-api-key"]
        auth = self.headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None


@dataclass
class Reply:
    """A scripted reply: a text answer (status 200), an HTTP error, or an error event mid-stream."""

    text: str = ""
    chunks: list[str] | None = None
    status: int = 200
    error_type: str | None = None
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    midstream_error: bool = False
    stop_reason: str = "end_turn"
    output_tokens: int | None = None
    delay: float = 0.0  # seconds between two streamed deltas

    def parts(self) -> list[str]:
        if self.chunks is not None:
            return self.chunks
        return [self.text[i : i + 5] for i in range(0, len(self.text), 5)] or [""]


class FakeAnthropic:
    """The fake server; a context manager that starts and stops it."""

    def __init__(self, default_text: str = "The scan data says so.") -> None:
        self.requests: list[Recorded] = []
        self.default = Reply(text=default_text)
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-anthropic",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """Base URL for ``ANTHROPIC_BASE_URL``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ------------------------------------------------------------------------------

    def answer(self, text: str, chunks: list[str] | None = None, **kwargs: Any) -> None:
        """Queue a successful answer (streamed in ``chunks`` when the request streams)."""
        self._push(Reply(text=text if chunks is None else "".join(chunks), chunks=chunks, **kwargs))

    def error(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Queue ``times`` HTTP error replies."""
        for _ in range(times):
            self._push(Reply(status=status, error_type=error_type, message=message, headers=headers or {}))

    def midstream_error(self, error_type: str = "overloaded_error", message: str = "Overloaded") -> None:
        """Queue a stream that starts, sends one delta, then an ``event: error``."""
        self._push(Reply(text="Partial", error_type=error_type, message=message, midstream_error=True))

    def _push(self, reply: Reply) -> None:
        with self._lock:
            self._script.append(reply)

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    owner: FakeAnthropic
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        self.owner.record(Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if self.path.split("?")[0] != "/v1/messages":
            self._error(Reply(status=404, error_type="not_found_error", message=f"no route {self.path}"))
            return
        reply = self.owner.next_reply()
        if reply.status != 200:
            self._error(reply)
        elif body.get("stream"):
            self._stream(body, reply, len(raw))
        else:
            self._json(body, reply, len(raw))

    def _send(self, status: int, content_type: str, payload: bytes | None, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("request-id", f"req_fake{next(_ids):06d}")
        for name, value in extra.items():
            self.send_header(name, value)
        if payload is not None:
            self.send_header("content-length", str(len(payload)))
        self.send_header("connection", "close")
        self.end_headers()
        if payload is not None:
            self.wfile.write(payload)
        self.close_connection = True

    def _error(self, reply: Reply) -> None:
        payload = {
            "type": "error",
            "error": {"type": reply.error_type, "message": reply.message},
            "request_id": f"req_fake{next(_ids):06d}",
        }
        self._send(reply.status, "application/json", json.dumps(payload).encode(), reply.headers)

    def _message(self, body: dict[str, Any], text: str | None, reply: Reply, size: int) -> dict[str, Any]:
        output = reply.output_tokens if reply.output_tokens is not None else max(1, len(reply.text) // 4)
        return {
            "id": f"msg_fake{next(_ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "unknown"),
            "content": [] if text is None else [{"type": "text", "text": text}],
            "stop_reason": None if text is None else reply.stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": max(1, size // 4), "output_tokens": 1 if text is None else output},
        }

    def _json(self, body: dict[str, Any], reply: Reply, size: int) -> None:
        payload = json.dumps(self._message(body, reply.text, reply, size)).encode()
        self._send(200, "application/json", payload, reply.headers)

    def _stream(self, body: dict[str, Any], reply: Reply, size: int) -> None:
        self._send(
            200, "text/event-stream; charset=utf-8", None, {"cache-control": "no-cache", **reply.headers}
        )
        write = self.wfile.write
        try:
            write(
                _event(
                    "message_start",
                    {"type": "message_start", "message": self._message(body, None, reply, size)},
                )
            )
            write(
                _event(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
            )
            write(_event("ping", {"type": "ping"}))
            parts = reply.parts()
            if reply.midstream_error:
                parts = parts[:1]
            for i, part in enumerate(parts):
                if i and reply.delay:
                    time.sleep(reply.delay)
                delta = {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": part},
                }
                write(_event("content_block_delta", delta))
                self.wfile.flush()
            if reply.midstream_error:
                error = {"type": "error", "error": {"type": reply.error_type, "message": reply.message}}
                write(_event("error", error))
                return
            write(_event("content_block_stop", {"type": "content_block_stop", "index": 0}))
            output = reply.output_tokens if reply.output_tokens is not None else max(1, len(reply.text) // 4)
            write(
                _event(
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                        "usage": {"output_tokens": output},
                    },
                )
            )
            write(_event("message_stop", {"type": "message_stop"}))
        except (BrokenPipeError, ConnectionResetError):  # the client went away (Ctrl-C)
            pass
