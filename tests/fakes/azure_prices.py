"""A fake of the public Azure Retail Prices API (``GET /api/retail/prices``) on 127.0.0.1 over HTTP.

It understands what the real API does with a query: ``$filter`` as ``field eq 'value'`` conditions
joined by ``and`` (case-sensitive values, ``priceType`` matches the row's ``type``), ``meterRegion='primary'``
(primary meters only), and pages of ``page_size`` rows linked by an absolute ``NextPageLink`` with
``$skip``. Rows are shaped like the API's ``Items``. It can answer 429 with ``Retry-After`` first.

    with FakePrices() as prices:
        prices.items.append(prices.item(...))
        monkeypatch.setenv("CLOUDWASTE_AZURE_PRICES_URL", prices.url)
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

_COND = re.compile(r"([A-Za-z]+) eq '((?:[^']|'')*)'")


@dataclass
class FakePrices:
    """Rows served, requests seen, scripted throttling."""

    page_size: int = 2
    items: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    throttle_first: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def item(
        *,
        service: str,
        product: str,
        sku: str,
        meter: str,
        price: float,
        unit: str,
        region: str = "westeurope",
        arm_sku: str = "",
        type: str = "Consumption",
        tier: float = 0.0,
        primary: bool = True,
    ) -> dict[str, Any]:
        """One ``Items`` row as the API returns it."""
        return {
            "currencyCode": "USD",
            "tierMinimumUnits": tier,
            "retailPrice": price,
            "unitPrice": price,
            "armRegionName": region,
            "location": region,
            "effectiveStartDate": "2024-06-01T00:00:00Z",
            "meterId": str(uuid.uuid4()),
            "meterName": meter,
            "productId": "DZH318Z0BP04",
            "skuId": "DZH318Z0BP04/00Q3",
            "productName": product,
            "skuName": sku,
            "serviceName": service,
            "serviceId": "DZH317F1HKN0",
            "serviceFamily": "Storage" if service == "Storage" else "Networking",
            "unitOfMeasure": unit,
            "type": type,
            "isPrimaryMeterRegion": primary,
            "armSkuName": arm_sku,
        }

    def start(self) -> FakePrices:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            wbufsize = -1

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                query = dict(parse_qsl(split.query, keep_blank_values=True))
                fake.requests.append(query)
                if fake.throttle_first > 0:
                    fake.throttle_first -= 1
                    return self._send(429, {"Error": "TooManyRequests"}, {"Retry-After": "0"})
                if split.path != "/api/retail/prices":
                    return self._send(404, {"Error": {"Code": "NotFound"}})
                status, body = fake.answer(query)
                self._send(status, body)

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}/api/retail/prices"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakePrices:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        conditions: list[tuple[str, str]] = []
        flt = query.get("$filter", "")
        matches = list(_COND.finditer(flt))
        rest = _COND.sub("", flt).replace(" and ", "").strip()
        if rest:  # anything but `field eq 'value'` joined by `and`
            return 400, {"Error": {"Code": "InvalidFilter", "Message": f"cannot parse {rest!r}"}}
        for match in matches:
            name, value = match.group(1), match.group(2).replace("''", "'")
            conditions.append(("type" if name == "priceType" else name, value))
        rows = [r for r in self.items if all(str(r.get(k)) == v for k, v in conditions)]
        if query.get("meterRegion") == "'primary'":
            rows = [r for r in rows if r.get("isPrimaryMeterRegion")]
        skip = int(query.get("$skip") or 0)
        chunk = rows[skip : skip + self.page_size]
        body: dict[str, Any] = {
            "BillingCurrency": "USD",
            "CustomerEntityId": "Default",
            "CustomerEntityType": "Retail",
            "Items": chunk,
            "NextPageLink": None,
            "Count": len(chunk),
        }
        if skip + self.page_size < len(rows):
            rest = {k: v for k, v in query.items() if k != "$skip"}
            body["NextPageLink"] = f"{self.url}?{urlencode({**rest, '$skip': skip + self.page_size})}"
        return 200, body
