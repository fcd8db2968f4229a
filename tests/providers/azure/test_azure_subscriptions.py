"""Subscription selection: states, names, globs, exclusions, ids the credential cannot see."""

from __future__ import annotations

import pytest

from cloudwaste.errors import CredentialsError, UsageError
from cloudwaste.model import UnitStatus
from cloudwaste.providers.azure.subscriptions import (
    NOT_VISIBLE,
    Subscription,
    from_rest,
    select_subscriptions,
)
from tests.fakes.azure_arm import FakeArm
from tests.providers.azure.conftest import SUB_A, SUB_B, SUB_C
from tests.providers.azure.helpers import provider

LISTED = [
    Subscription(SUB_A, "prod-app", "Enabled"),
    Subscription(SUB_B, "dev-app", "PastDue"),
    Subscription(SUB_C, "legacy", "Warned"),
    Subscription("11111111-2222-4333-8444-555555555555", "gone", "Disabled"),
]


def test_default_scans_enabled_and_past_due_and_skips_the_rest() -> None:
    sel = select_subscriptions(LISTED)
    assert [s.id for s in sel.scan] == [SUB_B, SUB_A]  # by name
    assert {s.name: why for s, why in sel.skipped} == {
        "legacy": "subscription state Warned: not scanned",
        "gone": "subscription state Disabled: not scanned",
    }


def test_names_ids_and_globs_case_insensitively() -> None:
    assert [s.id for s in select_subscriptions(LISTED, ["PROD-APP"]).scan] == [SUB_A]
    assert [s.id for s in select_subscriptions(LISTED, [SUB_B.upper()]).scan] == [SUB_B]
    assert {s.id for s in select_subscriptions(LISTED, ["*-app"]).scan} == {SUB_A, SUB_B}


def test_exclusions_and_typos() -> None:
    sel = select_subscriptions(LISTED, [], ["dev-*", "nope"])
    assert [s.id for s in sel.scan] == [SUB_A]
    assert sel.warnings == ["--exclude-subscription 'nope' matches no subscription"]
    sel = select_subscriptions(LISTED, ["prdo-app"])
    assert sel.scan == [] and sel.warnings == ["--subscription 'prdo-app' matches no subscription id or name"]


def test_an_id_the_credential_cannot_see_is_missing() -> None:
    other = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
    sel = select_subscriptions(LISTED, [SUB_A, other])
    assert [s.id for s in sel.scan] == [SUB_A] and sel.missing == [other]


def test_rest_items() -> None:
    items = [
        {"id": f"/subscriptions/{SUB_A}", "subscriptionId": SUB_A, "displayName": "p", "state": "Enabled"}
    ]
    assert from_rest(items) == [Subscription(SUB_A, "p", "Enabled")]


def test_plan_records_skipped_and_missing_subscriptions_in_coverage(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    env_credential.add_subscription(SUB_C, "old", state="Disabled")
    missing = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
    plan = provider(subscriptions=["prod", "old", missing]).plan()
    assert [(u.scope, u.label, u.region) for u in plan.units] == [(SUB_A, "prod", "global")]
    status = {c.scope: (c.status, c.error) for c in plan.skipped}
    assert status[SUB_C] == (UnitStatus.SKIPPED, "subscription state Disabled: not scanned")
    assert status[missing] == (UnitStatus.ERROR, NOT_VISIBLE)


def test_a_credential_that_sees_no_subscription(env_credential: FakeArm) -> None:
    with pytest.raises(CredentialsError, match="sees no Azure subscription") as err:
        provider().plan()
    assert err.value.hint and "Reader" in err.value.hint


def test_nothing_left_after_exclusions_is_a_usage_error(env_credential: FakeArm) -> None:
    env_credential.add_subscription(SUB_A, "prod")
    with pytest.raises(UsageError, match="no Azure subscription left"):
        provider(exclude_subscriptions=["prod"]).plan()
