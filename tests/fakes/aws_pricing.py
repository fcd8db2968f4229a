"""A loopback fake of the AWS Price List Query API (moto does not implement it).

It speaks the real wire protocol, AWS JSON 1.1: ``POST /`` with ``X-Amz-Target:
AWSPriceListService.GetProducts`` and a JSON body (``ServiceCode``, ``Filters`` of ``TERM_MATCH``
``{Type, Field, Value}``, ``FormatVersion``, ``MaxResults``, ``NextToken``); the answer is
``{"FormatVersion": "aws_v1", "PriceList": ["<product JSON>", ...], "NextToken": ...}`` where each
product is a JSON *string* shaped like the real ones (``product.attributes``, ``terms.OnDemand.<sku>.
<offer>.priceDimensions.<rate>.pricePerUnit.USD``). Errors use the JSON protocol's ``__type`` body.
Faults: ``throttle`` answers the first N requests with ``ThrottlingException``; ``deny`` answers every
request with ``AccessDeniedException``. Every request is logged with the SigV4 region it was signed for.

    with PricingServer(catalog(["us-east-1"])) as fake:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", fake.url)
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
OFFER = "JRTCKXETXF"  # the On-Demand offer term code
RATE = "6YS6EN2CT7"
# the region prefix of usage types (us-east-1 EC2 usage types traditionally have none)
PREFIX = {
    "us-east-1": "",
    "us-east-2": "USE2-",
    "us-west-2": "USW2-",
    "eu-west-1": "EUW1-",
    "eu-central-1": "EUC1-",
    "ap-southeast-2": "APS2-",
    "ap-northeast-1": "APN1-",
}
LOCATION = {
    "us-east-1": "US East (N. Virginia)",
    "eu-west-1": "EU (Ireland)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "eu-central-1": "EU (Frankfurt)",
}


def product(
    service: str,
    family: str | None,
    region: str,
    usagetype: str,
    usd: float | str,
    unit: str,
    *,
    sku: str | None = None,
    attributes: dict[str, str] | None = None,
    effective: str = "2026-11-01T00:00:00Z",
    reserved: bool = False,
) -> dict[str, Any]:
    """One Price List product (the decoded form of a ``PriceList`` item)."""
    sku = sku or uuid.uuid4().hex[:16].upper()
    attrs = {
        "servicecode": service,
        "regionCode": region,
        "location": LOCATION.get(region, region),
        "locationType": "AWS Region",
        "usagetype": usagetype,
        "operation": "",
        **(attributes or {}),
    }
    body: dict[str, Any] = {"attributes": attrs, "sku": sku}
    if family is not None:
        body = {"productFamily": family, **body}
    dimension = {
        "unit": unit,
        "endRange": "Inf",
        "description": f"${usd} per {unit} ({usagetype})",
        "appliesTo": [],
        "rateCode": f"{sku}.{OFFER}.{RATE}",
        "beginRange": "0",
        "pricePerUnit": {"USD": f"{float(usd):.10f}"},
    }
    terms: dict[str, Any] = {
        "OnDemand": {
            f"{sku}.{OFFER}": {
                "priceDimensions": {f"{sku}.{OFFER}.{RATE}": dimension},
                "sku": sku,
                "effectiveDate": effective,
                "offerTermCode": OFFER,
                "termAttributes": {},
            }
        }
    }
    if reserved:
        terms["Reserved"] = {f"{sku}.4NA7Y494T4": {"priceDimensions": {}, "sku": sku, "termAttributes": {}}}
    return {
        "product": body,
        "serviceCode": service,
        "terms": terms,
        "version": "20261101000000",
        "publicationDate": effective,
    }


def catalog(regions: Iterable[str], scale: float = 1.0) -> list[dict[str, Any]]:
    """Products for every key of the bundled AWS book in ``regions`` (prices x ``scale``), plus
    distractors a query must not pick up (I/O charges, io2 tiers, trust-store hours, Outposts)."""
    out: list[dict[str, Any]] = []
    for region in regions:
        p = PREFIX.get(region, region.upper().replace("-", "")[:4] + "-")
        ec2 = [
            ("Storage", "EBS:VolumeUsage.gp3", 0.08, "GB-Mo"),
            ("Storage", "EBS:VolumeUsage.gp2", 0.10, "GB-Mo"),
            ("Storage", "EBS:VolumeUsage.piops", 0.125, "GB-Mo"),
            ("Storage", "EBS:VolumeUsage.io2", 0.125, "GB-Mo"),
            ("Storage", "EBS:VolumeUsage.st1", 0.045, "GB-Mo"),
            ("Storage", "EBS:VolumeUsage.sc1", 0.015, "GB-Mo"),
            ("Storage", "EBS:VolumeUsage", 0.05, "GB-Mo"),
            ("System Operation", "EBS:VolumeP-IOPS.gp3", 0.005, "IOPS-Mo"),
            ("System Operation", "EBS:VolumeP-IOPS.piops", 0.065, "IOPS-Mo"),
            ("System Operation", "EBS:VolumeP-IOPS.io2", 0.065, "IOPS-Mo"),
            ("System Operation", "EBS:VolumeP-IOPS.io2.tier2", 0.0455, "IOPS-Mo"),
            ("System Operation", "EBS:VolumeP-IOPS.io2.tier3", 0.032, "IOPS-Mo"),
            ("System Operation", "EBS:VolumeIOUsage", 0.00000005, "IOs"),
            ("Provisioned Throughput", "EBS:VolumeP-Throughput.gp3", 40.96, "GiBps-mo"),
            ("Storage Snapshot", "EBS:SnapshotUsage", 0.05, "GB-Mo"),
            ("Storage Snapshot", "EBS:SnapshotArchiveStorage", 0.0125, "GB-Mo"),
            ("NAT Gateway", "NatGateway-Hours", 0.045, "Hrs"),
            ("NAT Gateway", "NatGateway-Bytes", 0.045, "GB"),
            ("Data Transfer", "DataTransfer-Regional-Bytes", 0.01, "GB"),
        ]
        for family, usage, usd, unit in ec2:
            out.append(product("AmazonEC2", family, region, p + usage, usd * scale, unit, reserved=True))
        out.append(
            product(
                "AmazonEC2",
                "Storage",
                region,
                p + "EBS:VolumeUsage.gp3",
                0.2,
                "GB-Mo",
                attributes={"locationType": "AWS Outposts"},
            )
        )
        vpc_prefix = p or "USE1-"  # VPC usage types carry USE1- in us-east-1 too
        for usage in ("PublicIPv4:InUseAddress", "PublicIPv4:IdleAddress"):
            out.append(product("AmazonVPC", None, region, vpc_prefix + usage, 0.005 * scale, "Hrs"))
        for family, usd in (
            ("Load Balancer-Application", 0.0225),
            ("Load Balancer-Network", 0.0225),
            ("Load Balancer-Gateway", 0.0125),
            ("Load Balancer", 0.025),
        ):
            out.append(
                product("AWSELB", family, region, vpc_prefix + "LoadBalancerUsage", usd * scale, "Hrs")
            )
            out.append(product("AWSELB", family, region, vpc_prefix + "LCUUsage", 0.008 * scale, "LCU-Hrs"))
        out.append(
            product(
                "AWSELB",
                "Load Balancer-Application",
                region,
                vpc_prefix + "TS-LoadBalancerUsage",
                0.0055,
                "Hrs",
            )
        )
        out.append(
            product(
                "AWSELB", "Load Balancer", region, vpc_prefix + "DataProcessing-Bytes", 0.008 * scale, "GB"
            )
        )
        out.extend(_instances(region, p, scale))
        out.extend(_rds(region, p or "", scale))
    return out


LINUX = {
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
    "licenseModel": "No License required",
    "operation": "RunInstances",
    "marketoption": "OnDemand",
}


def _instances(region: str, p: str, scale: float) -> list[dict[str, Any]]:
    """m5.large and t3.micro Linux on-demand, and the same types under other OS, tenancy and capacity."""
    out = []
    for itype, usd in (("m5.large", 0.096), ("t3.micro", 0.0104)):
        attrs = {**LINUX, "instanceType": itype, "vcpu": "2"}
        out.append(
            product(
                "AmazonEC2",
                "Compute Instance",
                region,
                f"{p}BoxUsage:{itype}",
                usd * scale,
                "Hrs",
                attributes=attrs,
                reserved=True,
            )
        )
        out.append(
            product(
                "AmazonEC2",
                "Compute Instance",
                region,
                f"{p}BoxUsage:{itype}",
                usd * 2,
                "Hrs",
                attributes={**attrs, "operatingSystem": "Windows", "operation": "RunInstances:0002"},
            )
        )
        out.append(
            product(
                "AmazonEC2",
                "Compute Instance",
                region,
                f"{p}UnusedBox:{itype}",
                usd,
                "Hrs",
                attributes={**attrs, "capacitystatus": "UnusedCapacityReservation"},
            )
        )
        out.append(
            product(
                "AmazonEC2",
                "Compute Instance",
                region,
                f"{p}DedicatedUsage:{itype}",
                usd * 1.1,
                "Hrs",
                attributes={**attrs, "tenancy": "Dedicated"},
            )
        )
    return out


def _rds(region: str, p: str, scale: float) -> list[dict[str, Any]]:
    """RDS instances (MySQL, PostgreSQL, Aurora MySQL) and storage, single- and multi-AZ."""
    out = []
    for engine, itype, usd in (
        ("MySQL", "db.t3.micro", 0.017),
        ("PostgreSQL", "db.t3.micro", 0.018),
        ("Aurora MySQL", "db.r6g.large", 0.26),
    ):
        attrs = {
            "instanceType": itype,
            "databaseEngine": engine,
            "deploymentOption": "Single-AZ",
            "licenseModel": "No license required",
        }
        out.append(
            product(
                "AmazonRDS",
                "Database Instance",
                region,
                f"{p}InstanceUsage:{itype}",
                usd * scale,
                "Hrs",
                attributes=attrs,
            )
        )
        out.append(
            product(
                "AmazonRDS",
                "Database Instance",
                region,
                f"{p}Multi-AZUsage:{itype}",
                usd * 2,
                "Hrs",
                attributes={**attrs, "deploymentOption": "Multi-AZ"},
            )
        )
    out.append(
        product(
            "AmazonRDS",
            "Database Instance",
            region,
            f"{p}InstanceUsageIOOptimized:db.r6g.large",
            0.338,
            "Hrs",
            attributes={
                "instanceType": "db.r6g.large",
                "databaseEngine": "Aurora MySQL",
                "deploymentOption": "Single-AZ",
            },
        )
    )
    storage = [
        ("Database Storage", "RDS:GP2-Storage", 0.115, "GB-Mo"),
        ("Database Storage", "RDS:GP3-Storage", 0.115, "GB-Mo"),
        ("Database Storage", "RDS:PIOPS-Storage", 0.125, "GB-Mo"),
        ("Database Storage", "RDS:PIOPS-Storage-IO2", 0.125, "GB-Mo"),
        ("Database Storage", "RDS:StorageUsage", 0.1, "GB-Mo"),
        ("Provisioned IOPS", "RDS:GP3-PIOPS", 0.02, "IOPS-Mo"),
        ("Provisioned IOPS", "RDS:PIOPS", 0.1, "IOPS-Mo"),
        ("Provisioned IOPS", "RDS:IO2-PIOPS", 0.1, "IOPS-Mo"),
        ("Provisioned Throughput", "RDS:GP3-Throughput", 0.08, "MiBps-Mo"),
    ]
    for family, usage, usd, unit in storage:
        attrs = {"deploymentOption": "Single-AZ", "databaseEngine": "Any"}
        out.append(product("AmazonRDS", family, region, p + usage, usd * scale, unit, attributes=attrs))
        out.append(
            product(
                "AmazonRDS",
                family,
                region,
                p + "Multi-AZ-" + usage.split(":", 1)[1],
                usd * 2,
                unit,
                attributes={**attrs, "deploymentOption": "Multi-AZ"},
            )
        )
    # SQL Server bills its gp2 storage at another price: not the book's license-free engines
    out.append(
        product(
            "AmazonRDS",
            "Database Storage",
            region,
            p + "RDS:GP2-Storage",
            0.23,
            "GB-Mo",
            attributes={"deploymentOption": "Single-AZ", "databaseEngine": "SQL Server"},
        )
    )
    return out


@dataclass
class Logged:
    """One request the fake answered."""

    target: str
    region: str  # SigV4 signing region
    service: str  # SigV4 signing name
    body: dict[str, Any]
    status: int


@dataclass
class PricingServer:
    """The fake, on 127.0.0.1 (port chosen by the OS)."""

    products: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 100  # the most products one page returns (MaxResults caps it too)
    throttle: int = 0  # answer this many first requests with ThrottlingException
    deny: bool = False
    log: list[Logged] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def matching(self, service: str, filters: list[dict[str, str]]) -> list[dict[str, Any]]:
        """Products of ``service`` matching every TERM_MATCH filter (productFamily or an attribute)."""
        out = []
        for prod in self.products:
            if prod["serviceCode"] != service:
                continue
            body = prod["product"]
            ok = True
            for flt in filters:
                fieldname, value = flt["Field"], flt["Value"]
                actual = (
                    body.get("productFamily")
                    if fieldname == "productFamily"
                    else body["attributes"].get(fieldname)
                )
                if fieldname == "ServiceCode":
                    actual = prod["serviceCode"]
                if actual != value:
                    ok = False
                    break
            if ok:
                out.append(prod)
        return out

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        """Status and JSON body for one request."""
        scope = _SCOPE.search(headers.get("authorization", ""))
        region, service = scope.groups() if scope else ("?", "?")
        target = headers.get("x-amz-target", "")
        body = json.loads(raw or b"{}")
        with self._lock:
            attempt = len(self.log) + 1
        status, payload = self._respond(target, body, attempt)
        with self._lock:
            self.log.append(Logged(target, region, service, body, status))
        return status, payload

    def _respond(self, target: str, body: dict[str, Any], attempt: int) -> tuple[int, dict[str, Any]]:
        if attempt <= self.throttle:
            return 400, {"__type": "ThrottlingException", "Message": "Rate exceeded"}
        if self.deny:
            return 400, {
                "__type": "AccessDeniedException",
                "Message": "User: arn:aws:iam::123456789012:user/x is not authorized to perform: "
                "pricing:GetProducts because no identity-based policy allows the pricing:GetProducts action",
            }
        if target != "AWSPriceListService.GetProducts":
            return 400, {"__type": "UnknownOperationException", "Message": f"unknown operation {target}"}
        if body.get("FormatVersion", "aws_v1") != "aws_v1":
            return 400, {"__type": "InvalidParameterException", "Message": "FormatVersion must be aws_v1"}
        filters = body.get("Filters") or []
        if any(
            f.get("Type") not in ("TERM_MATCH", "EQUALS", "CONTAINS", "ANY_OF", "NONE_OF") for f in filters
        ):
            return 400, {"__type": "InvalidParameterException", "Message": "bad filter type"}
        found = self.matching(str(body.get("ServiceCode", "")), filters)
        start = int(body.get("NextToken") or 0)
        size = min(self.page_size, int(body.get("MaxResults") or 100))
        page = found[start : start + size]
        out: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": [json.dumps(p) for p in page]}
        if start + size < len(found):
            out["NextToken"] = str(start + size)
        return 200, out

    def requests(self, status: int | None = None) -> list[Logged]:
        """Requests so far (only those answered with ``status`` when given)."""
        with self._lock:
            return [r for r in self.log if status is None or r.status == status]

    def start(self) -> PricingServer:
        """Serve in a daemon thread; sets ``url``."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = fake.answer({k.lower(): v for k, v in self.headers.items()}, raw)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> PricingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
