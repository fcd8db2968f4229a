"""A fake Entra ID (Azure AD) token endpoint over HTTPS on 127.0.0.1, with a trustme CA.

azure-identity insists on an ``https://`` authority, so the real ``ClientSecretCredential``,
``CertificateCredential`` and ``EnvironmentCredential`` get their tokens from this server when
``authority=`` / ``AZURE_AUTHORITY_HOST`` points at :attr:`FakeEntra.url` (with MSAL instance
discovery disabled) and the CA bundle written to :attr:`FakeEntra.ca_path` is trusted.

Served, shaped like the v2.0 endpoints:

- ``GET /{tenant}/v2.0/.well-known/openid-configuration``;
- ``POST /{tenant}/oauth2/v2.0/token`` (client credentials with a secret or a certificate assertion):
  an unknown client gets AADSTS700016, a wrong secret AADSTS7000215. The access token is an unsigned
  JWT whose ``aud`` is the scope's resource (``https://graph.microsoft.com/.default`` ->
  ``https://graph.microsoft.com``); :meth:`FakeEntra.audience_of` tells a resource server (the fake
  Graph) which audience a bearer token was issued for.

The TLS and token parts are the same as the fake ARM's (``tests/fakes/azure_arm.py``), kept apart so
that other fakes can share them. Every request is recorded.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TENANT = "8f3c2b1a-7d6e-4f5a-9b8c-0d1e2f3a4b5c"
CLIENT_ID = "3a1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
CLIENT_SECRET = "fake-graph-client-secret"
OBJECT_ID = "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f"


def b64url(data: dict[str, Any]) -> str:
    """URL-safe base64 of a JSON object, unpadded (a JWT segment)."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class TokenRequest:
    """One request the token endpoint received."""

    method: str
    path: str
    form: dict[str, str]


@dataclass
class FakeEntra:
    """The token endpoint's state (clients, issued tokens) and its HTTPS server."""

    workdir: Path
    tenant: str = TENANT
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    requests: list[TokenRequest] = field(default_factory=list)
    url: str = ""
    ca_path: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}  # access token -> audience
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeEntra:
        """Serve HTTPS on 127.0.0.1 (any port) in a daemon thread; writes the CA to ``ca_path``."""
        import trustme

        ca = trustme.CA()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ca_path = str(self.workdir / "fake-entra-ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        fake = self

        class Handler(_Handler):
            entra = fake

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        host, port = self._httpd.server_address[:2]
        self.url = f"https://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeEntra:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- for tests and resource servers -----------------------------------------------------------

    def credential_env(self) -> dict[str, str]:
        """EnvironmentCredential's variables for the fake's app (client secret)."""
        return {
            "AZURE_TENANT_ID": self.tenant,
            "AZURE_CLIENT_ID": self.client_id,
            "AZURE_CLIENT_SECRET": self.client_secret,
        }

    def token_requests(self) -> list[TokenRequest]:
        """The token requests received."""
        with self.lock:
            return [r for r in self.requests if r.path.endswith("/oauth2/v2.0/token")]

    def secrets_sent(self) -> list[str]:
        """The client secrets sent (to prove which secret a credential used)."""
        return [r.form["client_secret"] for r in self.token_requests() if "client_secret" in r.form]

    def audience_of(self, authorization: str) -> str | None:
        """The audience of a ``Bearer`` header's token this fake issued, None if it issued none."""
        if not authorization.startswith("Bearer "):
            return None
        with self.lock:
            return self.tokens.get(authorization[7:])

    def token(self, form: dict[str, str], tenant: str) -> tuple[int, dict[str, Any]]:
        """Answer a client-credentials token request."""
        if form.get("client_id") != self.client_id or tenant not in (self.tenant, "organizations"):
            return 400, {
                "error": "unauthorized_client",
                "error_description": f"AADSTS700016: Application with identifier '{form.get('client_id')}' "
                "was not found in the directory.",
                "error_codes": [700016],
            }
        if form.get("client_secret") != self.client_secret and not form.get("client_assertion"):
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being "
                "sent in the request is the client secret value, not the client secret ID.",
                "error_codes": [7000215],
            }
        now = int(time.time())
        scopes = [s for s in form.get("scope", "").split() if s.endswith("/.default")]
        audience = scopes[0].removesuffix("/.default") if scopes else "00000003-0000-0000-c000-000000000000"
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{self.tenant}/",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "appid": self.client_id,
            "idtyp": "app",
            "oid": OBJECT_ID,
            "tid": self.tenant,
            "sub": OBJECT_ID,
            "roles": ["Organization.Read.All", "User.Read.All", "Reports.Read.All"],
        }
        token = f"{b64url({'typ': 'JWT', 'alg': 'RS256'})}.{b64url(claims)}.c2lnbmF0dXJl"
        with self.lock:
            self.tokens[token] = audience
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }


class _Handler(BaseHTTPRequestHandler):
    entra: FakeEntra
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in one segment: no 40 ms delayed-ACK stall
    wbufsize = -1

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        entra = self.entra
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form = dict(parse_qsl(raw.decode())) if raw else {}
        with entra.lock:
            entra.requests.append(TokenRequest(method, path, form))
        parts = path.strip("/").split("/")
        if (
            method == "GET"
            and len(parts) >= 3
            and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]
        ):
            base = f"{entra.url}/{parts[0]}"
            return self._send(
                200,
                {
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "issuer": f"{base}/v2.0",
                    "jwks_uri": f"{base}/discovery/v2.0/keys",
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                    "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                    "tenant_region_scope": "EU",
                },
            )
        if method == "POST" and len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
            status, out = entra.token(form, parts[0])
            return self._send(status, out)
        self._send(404, {"error": "not_found", "error_description": f"no such endpoint {path}"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")
