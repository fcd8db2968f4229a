"""Read-only proof: every request the provider sends is a Describe/List/Get, seen by moto itself,
and the least-privilege policy in examples/ lists exactly the actions used."""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from cloudwaste.checks.context import MetricQuery
from cloudwaste.providers.aws.collectors import COLLECTORS
from cloudwaste.providers.aws.permissions import ACTIONS, iam_action, is_read_only, policy_document
from tests.providers.aws.helpers import build_estate, provider

POLICY_FILE = Path(__file__).parents[3] / "examples" / "iam-policy.json"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
# SigV4 signing name -> IAM prefix
_SIGNING_PREFIX = {"monitoring": "cloudwatch", "elasticloadbalancing": "elasticloadbalancing"}


def _moto(url: str, path: str, method: str = "POST") -> bytes:
    with urllib.request.urlopen(
        urllib.request.Request(f"{url}/moto-api/recorder/{path}", method=method)
    ) as r:
        return bytes(r.read())


def recorded_actions(entries: list[dict[str, Any]]) -> list[str]:
    """IAM-style ``prefix:Action`` of each raw request moto recorded."""
    out = []
    for entry in entries:
        headers = {k.lower(): v for k, v in entry["headers"].items()}
        scope = _SCOPE.search(headers.get("authorization", ""))
        service = scope.group(1) if scope else "?"
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode(errors="replace")
        if "x-amz-target" in headers:
            action = headers["x-amz-target"].rpartition(".")[2]
        elif "/operation/" in entry["url"]:
            action = entry["url"].rpartition("/operation/")[2]
        else:
            action = (parse_qs(body).get("Action") or ["?"])[0]
        out.append(f"{_SIGNING_PREFIX.get(service, service)}:{action}")
    return out


def full_run(url: str) -> tuple[list[str], Any]:
    """plan() + every collector of every unit + metrics, while moto records the raw requests."""
    build_estate()
    query = MetricQuery(
        "AWS/NATGateway", "BytesOutToDestination", "NatGatewayId", "ec2:nat_gateways", "NatGatewayId"
    )
    _moto(url, "reset-recording")
    _moto(url, "start-recording")
    try:
        prov = provider(["us-east-1", "eu-west-1"])
        for unit in prov.plan().units:
            session = prov.open_unit(unit, [query])
            for name in COLLECTORS:
                session.collect(name)
            for nat in session.collect("ec2:nat_gateways"):
                session.metric(query.key(nat["NatGatewayId"]))
    finally:
        _moto(url, "stop-recording")
    lines = _moto(url, "download-recording", "GET").decode().splitlines()
    return recorded_actions([json.loads(line) for line in lines if line.strip()]), prov


def test_every_request_moto_saw_is_a_read_and_allowed_by_the_policy(aws: str) -> None:
    actions, prov = full_run(aws)
    assert len(actions) >= 2 * len(COLLECTORS) + 3
    writes = sorted({a for a in actions if not is_read_only(a.partition(":")[2])})
    assert writes == []
    # exactly the actions the policy grants: nothing missing, nothing granted and never used
    assert set(actions) == set(ACTIONS)
    # our own bookkeeping agrees with what the server saw
    assert sorted(iam_action(op.service, op.operation) for op in prov.operations) == sorted(actions)


def test_the_example_policy_file_is_the_permissions_list() -> None:
    assert json.loads(POLICY_FILE.read_text()) == policy_document()
    assert list(ACTIONS) == sorted(set(ACTIONS))
    assert all(is_read_only(a.partition(":")[2]) for a in ACTIONS)
