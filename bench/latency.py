"""moto with network latency: its WSGI app behind a server that sleeps before every request.

Against an in-process moto every call costs ~1-10 ms, so concurrency hardly matters; real AWS
answers in 30-150 ms. This server adds ``latency_ms`` before each request so a benchmark shows what
parallel regions and memoized collectors save. It shares moto's in-process state, so an estate
built through its URL (or a plain ThreadedMotoServer of the same process) is visible through it.

    server = LatencyServer(latency_ms=50).start(); ...; server.stop()
    python bench/latency.py --latency-ms 50      # prints the URL, serves until Ctrl-C
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any


class LatencyServer:
    """A threaded WSGI server on 127.0.0.1 running moto after a fixed delay per request."""

    def __init__(self, latency_ms: float = 50.0, port: int = 0) -> None:
        self.latency_s = max(0.0, latency_ms) / 1000.0
        self.port = port
        self.url = ""
        self.requests = 0
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def _app(self, inner: Any) -> Callable[..., Iterable[bytes]]:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            with self._lock:
                self.requests += 1
            if self.latency_s:
                time.sleep(self.latency_s)
            result: Iterable[bytes] = inner(environ, start_response)
            return result

        return app

    def start(self) -> LatencyServer:
        """Serve in a daemon thread; returns self (``url`` is set)."""
        os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        inner = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            "127.0.0.1", self.port, self._app(inner), threaded=True, request_handler=MotoRequestHandler
        )
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)


def start(latency_ms: float = 50.0, port: int = 0) -> tuple[LatencyServer, str]:
    """Start a latency server; returns ``(server, url)``."""
    server = LatencyServer(latency_ms, port).start()
    return server, server.url


def main(argv: list[str] | None = None) -> None:
    """``python bench/latency.py [--latency-ms 50] [--port 0]``: print the URL and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description="moto behind a fixed per-request delay")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="delay before each request")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    args = parser.parse_args(argv)
    server, url = start(args.latency_ms, args.port)
    print(f"READY {url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
