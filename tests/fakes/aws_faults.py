"""A fault-injecting server in front of moto: throttling, 5xx and AccessDenied, shaped like real AWS.

It runs moto's own WSGI app in-process (so it shares the session's moto state) behind a wrapper that
asks each rule, in order, whether to answer a request itself. Rules see the SigV4 credential scope
(region, service) and the API action, and answer with the documented error shapes: EC2's
``<Response><Errors><Error>`` XML, the query protocol's ``<ErrorResponse>`` (elbv2, elb, sts, iam),
and CloudWatch's JSON (or rpc-v2-cbor) ``__type`` body. Every request is logged.

    with FaultServer(throttle_first(2, service="ec2")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
"""

from __future__ import annotations

import io
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_CBOR_OP = re.compile(r"/operation/([A-Za-z]+)")


@dataclass(frozen=True)
class Request:
    """What a rule sees of one request."""

    service: str  # SigV4 signing name: ec2, elasticloadbalancing, monitoring, sts, iam
    region: str
    action: str
    attempt: int  # 1-based count of requests so far (all services)
    protocol: str = "query"  # query (XML, also EC2), json or cbor


@dataclass(frozen=True)
class Fault:
    """An error response."""

    status: int
    code: str
    message: str


Rule = Callable[[Request], Fault | None]


def _cbor_text(text: str) -> bytes:
    raw = text.encode()
    n = len(raw)
    head = (
        bytes([0x60 + n]) if n < 24 else bytes([0x78, n]) if n < 256 else bytes([0x79]) + n.to_bytes(2, "big")
    )
    return head + raw


def _cbor_map(values: dict[str, str]) -> bytes:
    return bytes([0xA0 + len(values)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in values.items())


def error_response(req: Request, fault: Fault) -> tuple[str, list[tuple[str, str]], bytes]:
    """The status line, headers and body real AWS sends for ``fault`` on ``req``'s protocol."""
    rid = str(uuid.uuid4())
    status = f"{fault.status} {'Forbidden' if fault.status == 403 else 'Error'}"
    ids = [("x-amzn-RequestId", rid)]
    if req.protocol == "json":  # CloudWatch's awsJson1_0
        body = json.dumps({"__type": fault.code, "message": fault.message}).encode()
        return status, [("Content-Type", "application/x-amz-json-1.0"), *ids], body
    if req.protocol == "cbor":  # CloudWatch's rpc-v2-cbor
        body = _cbor_map({"__type": fault.code, "message": fault.message})
        return status, [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"), *ids], body
    if req.service == "ec2":
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{fault.code}</Code><Message>{fault.message}</Message></Error></Errors>"
            f"<RequestID>{rid}</RequestID></Response>"
        )
    else:
        xml = (
            '<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error>'
            f"<Type>Sender</Type><Code>{fault.code}</Code><Message>{fault.message}</Message></Error>"
            f"<RequestId>{rid}</RequestId></ErrorResponse>"
        )
    return status, [("Content-Type", "text/xml"), *ids], xml.encode()


def throttle_first(n: int, service: str | None = "ec2", code: str | None = None) -> Rule:
    """Throttle the first ``n`` requests to ``service`` (None: any service)."""
    seen = 0
    lock = threading.Lock()

    def rule(req: Request) -> Fault | None:
        nonlocal seen
        if service is not None and req.service != service:
            return None
        with lock:
            seen += 1
            if seen > n:
                return None
        if req.service == "ec2":
            return Fault(400, code or "RequestLimitExceeded", "Request limit exceeded.")
        return Fault(400, code or "Throttling", "Rate exceeded")

    return rule


def unavailable_first(n: int, service: str | None = None, code: str = "SlowDown") -> Rule:
    """Answer the first ``n`` requests (to ``service``, or any) with HTTP 503 ``code``.

    botocore treats ``SlowDown`` as throttling (backoff base 1 s) and ``ServiceUnavailable`` as a
    transient error (base 50 ms)."""
    seen = 0
    lock = threading.Lock()

    def rule(req: Request) -> Fault | None:
        nonlocal seen
        if service is not None and req.service != service:
            return None
        with lock:
            seen += 1
            return Fault(503, code, "Please reduce your request rate.") if seen <= n else None

    return rule


def deny_region(region: str, service: str | None = None) -> Rule:
    """Deny every request signed for ``region``: EC2 ``UnauthorizedOperation``, others ``AccessDenied``."""

    def rule(req: Request) -> Fault | None:
        if req.region != region or (service is not None and req.service != service):
            return None
        if req.service == "ec2":
            return Fault(403, "UnauthorizedOperation", "You are not authorized to perform this operation.")
        return Fault(403, "AccessDenied", f"User is not authorized to perform: {req.action}")

    return rule


def deny_action(action: str) -> Rule:
    """Deny one API action everywhere (e.g. ``DescribeRegions``)."""

    def rule(req: Request) -> Fault | None:
        if req.action != action:
            return None
        if req.service == "ec2":
            return Fault(403, "UnauthorizedOperation", "You are not authorized to perform this operation.")
        return Fault(403, "AccessDenied", f"User is not authorized to perform: {action}")

    return rule


def reject_credentials(code: str = "InvalidClientTokenId") -> Rule:
    """STS rejects the caller's credentials (an unknown or revoked key, an expired session token)."""
    messages = {
        "InvalidClientTokenId": "The security token included in the request is invalid.",
        "ExpiredToken": "The security token included in the request is expired",
    }

    def rule(req: Request) -> Fault | None:
        if req.service != "sts":
            return None
        return Fault(403, code, messages.get(code, "Access denied"))

    return rule


class FaultServer:
    """moto behind fault rules, on 127.0.0.1 (port chosen by the OS)."""

    def __init__(self, *rules: Rule) -> None:
        self.rules = list(rules)
        self.url = ""
        self.log: list[tuple[Request, int]] = []  # (request, status sent)
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def _describe(self, environ: dict[str, Any], body: bytes) -> Request:
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region, service = scope.groups() if scope else ("?", "?")
        action, protocol = "?", "query"
        op = _CBOR_OP.search(environ.get("PATH_INFO", ""))
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            action, protocol = target.rpartition(".")[2], "json"
        elif op:
            action, protocol = op.group(1), "cbor"
        elif body:
            action = (parse_qs(body.decode(errors="replace")).get("Action") or ["?"])[0]
        with self._lock:
            attempt = len(self.log) + 1
        return Request(service=service, region=region, action=action, attempt=attempt, protocol=protocol)

    def _app(self, inner: Any) -> Callable[..., Iterable[bytes]]:
        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            req = self._describe(environ, body)
            for rule in self.rules:
                fault = rule(req)
                if fault is not None:
                    status, headers, payload = error_response(req, fault)
                    with self._lock:
                        self.log.append((req, fault.status))
                    start_response(status, [*headers, ("Content-Length", str(len(payload)))])
                    return [payload]
            with self._lock:
                self.log.append((req, 200))
            return inner(environ, start_response)  # type: ignore[no-any-return]

        return app

    def start(self) -> FaultServer:
        """Serve in a daemon thread."""
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        inner = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(
            "127.0.0.1", 0, self._app(inner), threaded=True, request_handler=MotoRequestHandler
        )
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def actions(self, status: int | None = None) -> list[str]:
        """Actions requested so far (only those answered with ``status`` when given)."""
        with self._lock:
            return [r.action for r, s in self.log if status is None or s == status]
