"""MemoSession: one fetch per collection, failures remembered, metrics batched once and filtered."""

from __future__ import annotations

from typing import Any

import pytest

from cloudwaste.checks.context import MetricKey, MetricQuery, MetricSeries
from cloudwaste.providers.base import MemoSession

QUERY = MetricQuery(
    "AWS/NATGateway",
    "BytesOutToDestination",
    "NatGatewayId",
    "ec2:nat_gateways",
    "NatGatewayId",
    skip_states=("deleted",),
)


class Recording(MemoSession):
    def __init__(self) -> None:
        super().__init__([QUERY, QUERY])
        self.fetched: list[list[MetricKey]] = []
        self.calls = 0
        self.collectors["ec2:nat_gateways"] = self._nats
        self.collectors["broken"] = self._broken

    def _nats(self) -> list[dict[str, Any]]:
        self.calls += 1
        return [
            {"NatGatewayId": "nat-1", "State": "available"},
            {"NatGatewayId": "nat-2", "State": "deleted"},
        ]

    def _broken(self) -> list[dict[str, Any]]:
        self.calls += 1
        raise RuntimeError("AccessDenied")

    def fetch_metrics(self, keys: list[MetricKey]) -> dict[MetricKey, MetricSeries]:
        self.fetched.append(keys)
        return {k: MetricSeries((), (0.0,), k.stat, k.period_s, k.days) for k in keys}


def test_metrics_are_fetched_once_for_live_resources_only() -> None:
    s = Recording()
    assert s.metric(QUERY.key("nat-1")) is not None
    assert s.metric(QUERY.key("nat-2")) is None  # deleted: never queried
    assert s.fetched == [[QUERY.key("nat-1")]]
    assert s.calls == 1


def test_a_failed_collection_is_remembered() -> None:
    s = Recording()
    for _ in range(3):
        with pytest.raises(RuntimeError, match="AccessDenied"):
            s.collect("broken")
    assert s.calls == 1
    with pytest.raises(KeyError):
        s.collect("nope")
