"""Failures: a 403 on one subscription, 429 throttling, the fake's ARM behaviours the SDK depends on."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from cloudwaste.engine.run import run_scan
from cloudwaste.model import ScanStatus, UnitStatus
from tests.fakes import azure_estate as E
from tests.fakes.azure_arm import FakeArm
from tests.providers.azure.conftest import SUB_A, SUB_B
from tests.providers.azure.helpers import NOW, every, provider

CHECKS = [every("azure:disks"), every("azure:virtual_machines"), every("azure:public_ip_addresses")]


def _two_subscriptions(arm: FakeArm) -> None:
    for sub, name in ((SUB_A, "prod"), (SUB_B, "dev")):
        arm.add_subscription(sub, name)
        arm.add(
            E.disk(sub, "rg", "d1", created=NOW - timedelta(days=9)),
            E.vm(sub, "rg", "vm1", created=NOW - timedelta(days=9)),
            E.public_ip(sub, "rg", "pip1"),
        )


@pytest.mark.parametrize("discovery", ["graph", "arm"])
def test_403_on_one_subscription_is_recorded_and_the_others_complete(
    env_credential: FakeArm, discovery: str
) -> None:
    _two_subscriptions(env_credential)
    env_credential.forbidden.add(SUB_B)
    result = run_scan([provider(discovery)], CHECKS, concurrency=4)
    assert result.scan.status == ScanStatus.PARTIAL
    by_sub = {c.scope: c for c in result.scan.coverage}
    assert by_sub[SUB_A].status == UnitStatus.OK and by_sub[SUB_A].findings == 3
    denied = by_sub[SUB_B]
    assert denied.status == UnitStatus.ERROR
    assert denied.error and denied.error.startswith("AuthorizationFailed: The client ")
    assert f"(GET /subscriptions/{SUB_B}/providers/Microsoft.Compute/virtualMachines)" in denied.error
    assert "Traceback" not in denied.error and "\n" not in denied.error
    assert {f.account for f in result.findings} == {SUB_A}


def test_429_with_retry_after_is_retried_after_the_delay(env_credential: FakeArm) -> None:
    _two_subscriptions(env_credential)
    env_credential.throttle(f"/subscriptions/{SUB_A}/providers/microsoft.compute/disks", 1, retry_after="1")
    prov = provider("arm", max_attempts=3)
    session = prov.open_unit(next(u for u in prov.plan().units if u.scope == SUB_A), [])
    started = time.monotonic()
    assert len(session.collect("azure:disks")) == 1
    assert time.monotonic() - started >= 0.9  # Retry-After: 1 was honoured
    assert len(env_credential.calls(f"/subscriptions/{SUB_A}/providers/Microsoft.Compute/disks")) == 2
    assert session.api_calls == 1  # a retried request is one API call


def test_resource_graph_query_is_retried_on_429(env_credential: FakeArm) -> None:
    _two_subscriptions(env_credential)
    env_credential.graph_page_size = 100
    env_credential.throttle("/providers/microsoft.resourcegraph/resources", 1, retry_after="0")
    prov = provider("graph", max_attempts=2)
    session = prov.open_unit(prov.plan().units[0], [])
    assert len(session.collect("azure:disks")) == 1
    assert len(env_credential.calls("/providers/Microsoft.ResourceGraph/resources", "POST")) == 2


def test_throttling_beyond_max_attempts_fails_the_unit_cleanly(env_credential: FakeArm) -> None:
    _two_subscriptions(env_credential)
    env_credential.throttle(f"/subscriptions/{SUB_A}/providers/microsoft.compute/virtualmachines", 10, "0")
    result = run_scan([provider("graph", max_attempts=2)], [every("azure:virtual_machines")])
    by_sub = {c.scope: c for c in result.scan.coverage}
    assert by_sub[SUB_B].status == UnitStatus.OK
    assert by_sub[SUB_A].status == UnitStatus.ERROR
    assert by_sub[SUB_A].error and by_sub[SUB_A].error.startswith("TooManyRequests: ")
    assert (
        len(env_credential.calls(f"/subscriptions/{SUB_A}/providers/Microsoft.Compute/virtualMachines")) == 2
    )


def _raw(arm: FakeArm, path: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    ctx = ssl.create_default_context(cafile=arm.ca_path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(
            urllib.request.Request(arm.url + path, headers=headers), context=ctx
        ) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_fake_answers_like_arm_without_a_token_or_an_api_version(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    status, body = _raw(env_credential, "/subscriptions?api-version=2022-12-01")
    assert status == 401 and body["error"]["code"] == "AuthenticationFailed"  # type: ignore[index]
    provider().plan()  # a real token from the fake's Entra ID
    token = next(iter(env_credential.tokens))
    status, body = _raw(env_credential, "/subscriptions", token)
    assert status == 400 and body["error"]["code"] == "MissingApiVersionParameter"  # type: ignore[index]
    status, body = _raw(env_credential, "/subscriptions?api-version=2022-12-01", token)
    assert status == 200 and body["value"][0]["subscriptionId"] == SUB_A  # type: ignore[index]
