"""Directory and report collectors through the real GraphServiceClient against the fake Graph."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import pytest

from cloudwaste.engine.run import run_scan
from cloudwaste.providers.m365 import collectors as C
from cloudwaste.providers.m365.permissions import PERMISSIONS, permission_of
from tests.fakes import m365_estate as E
from tests.fakes.graph import FakeGraph, conceal
from tests.providers.m365.helpers import make_check, provider, session


def test_users_are_paged_with_next_links_and_select(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    users = session().collect(C.USERS)
    assert [u["userPrincipalName"] for u in users] == [u["userPrincipalName"] for u in env_credential.users]
    calls = env_credential.calls("/users")
    assert len(calls) == math.ceil(len(env_credential.users) / 2)  # the fake's page size is 2
    first = calls[0].query
    assert first["$top"] == "999"
    assert set(first["$select"].split(",")) == {*C.USER_SELECT, "signInActivity"}
    assert all("$skiptoken" in c.query for c in calls[1:])  # the absolute nextLink was followed
    # only what was selected came back: no default properties, no mailboxSettings
    assert set(users[0]) == {*C.USER_SELECT, "signInActivity"}
    assert "givenName" not in users[0] and "mailboxSettings" not in users[0]
    assert users[0]["signInActivity"]["lastSuccessfulSignInDateTime"].endswith("Z")


def test_skus_subscriptions_and_organization(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session()
    skus = s.collect(C.SUBSCRIBED_SKUS)
    assert {k["skuPartNumber"] for k in skus} == {"ENTERPRISEPACK", "FLOW_FREE", "EXCHANGESTANDARD"}
    assert skus[0]["prepaidUnits"]["enabled"] == 25 and skus[0]["servicePlans"]
    assert set(env_credential.calls("/subscribedSkus")[0].query["$select"].split(",")) == set(C.SKU_SELECT)
    subs = s.collect(C.DIRECTORY_SUBSCRIPTIONS)
    assert {x["status"] for x in subs} == {"Enabled", "Warning"} and "nextLifecycleDateTime" in subs[0]
    assert s.collect(C.ORGANIZATION)[0]["displayName"] == "Contoso"
    assert len(env_credential.calls("/organization")) == 1  # the plan's answer is reused


def test_sign_in_activity_refused_falls_back_and_says_so(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.sign_in_forbidden = True
    prov = provider()
    check = make_check(
        "m365.test.users", [C.USERS, C.CAPABILITIES], lambda ctx: [(u["id"], "x") for u in ctx.get(C.USERS)]
    )
    result = run_scan([prov], [check])
    [unit] = result.scan.coverage
    assert unit.status.value == "ok" and unit.error is None
    assert len(result.findings) == len(env_credential.users)
    [warning] = unit.warnings
    assert "signInActivity refused (403 Authentication_RequestFromNonPremiumTenantOrB2CTenant" in warning
    assert "fall back to the usage reports" in warning
    selects = [c.query["$select"] for c in env_credential.calls("/users")]
    assert "signInActivity" in selects[0] and all("signInActivity" not in s for s in selects[1:])


def test_capabilities_say_what_the_tenant_allows(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.sign_in_forbidden = True
    caps = session().collect(C.CAPABILITIES)
    assert caps["sign_in_activity"] is False and "Neither tenant is B2C" in caps["sign_in_activity_error"]
    assert caps["reports_concealed"] is False and caps["reports_available"] is True
    assert caps["report_period"] == "D30" and caps["report_refresh_date"] == "2026-11-28"
    assert caps["max_items"] == 20_000
    assert env_credential.calls("/drives") == []  # storage facts are resolved only when read
    assert caps["items_bound_hit"] is False and env_credential.calls("/delta")


def test_reports_follow_the_redirect_and_parse_the_csv(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    rows = session().collect(C.REPORT_ACTIVE_USERS)
    assert rows[0]["User Principal Name"] == f"alice@{E.DOMAIN}"  # the BOM is not part of the first header
    assert (
        rows[0]["Report Refresh Date"] == "2026-11-28" and rows[0]["Teams Last Activity Date"] == "2026-11-26"
    )
    assert rows[1]["Exchange Last Activity Date"] == ""
    [api] = env_credential.calls("getOffice365ActiveUserDetail", version="v1.0")
    assert api.path == "/reports/getOffice365ActiveUserDetail(period='D30')" and api.authorized
    [download] = env_credential.calls("/reports/getOffice365ActiveUserDetail.csv", version="download")
    assert "authorization" not in download.headers  # the token stays with Graph


def test_every_report_collection(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session(provider(period="D90"))
    assert {r["Recipient Type"] for r in s.collect(C.REPORT_MAILBOX_USAGE)} == {"User", "Shared"}
    assert s.collect(C.REPORT_ONEDRIVE_USAGE)[0]["Owner Principal Name"] == f"bob@{E.DOMAIN}"
    assert s.collect(C.REPORT_SHAREPOINT_SITES)[0]["Root Web Template"] == "Team Site"
    assert s.collect(C.REPORT_TEAMS_ACTIVITY)[0]["Is Licensed"] == "Yes"
    assert s.collect(C.REPORT_COPILOT_USAGE) == []  # no Copilot seats: headers only
    [copilot] = env_credential.calls("getMicrosoft365CopilotUsageUserDetail", version="beta")
    assert copilot.query["$format"] == "text/csv"
    api = [r for r in env_credential.calls("/reports/") if r.version != "download"]
    assert api and all("(period='D90')" in r.path for r in api)


def test_mailbox_report_comes_from_beta_for_its_recipient_type(env_credential: FakeGraph) -> None:
    # learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail lists no Recipient Type for v1.0;
    # only beta returns it (msgraph-sdk-powershell#1581), so shared mailboxes are told apart from beta.
    E.small_tenant(env_credential)
    rows = session().collect(C.REPORT_MAILBOX_USAGE)
    assert {r["Recipient Type"] for r in rows} == {"User", "Shared"}
    [call] = [c for c in env_credential.calls("getMailboxUsageDetail") if c.version != "download"]
    assert call.version == "beta" and call.query["$format"] == "text/csv"


def test_mailbox_report_falls_back_to_v1_when_beta_refuses(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.beta_reports_status = True
    rows = session().collect(C.REPORT_MAILBOX_USAGE)
    assert rows and all("Recipient Type" not in r for r in rows)
    versions = [c.version for c in env_credential.calls("getMailboxUsageDetail") if c.version != "download"]
    assert versions == ["beta", "v1.0"]


def test_concealed_report_names_are_detected(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.concealed = True
    s = session()
    rows = s.collect(C.REPORT_ACTIVE_USERS)
    assert rows[0]["User Principal Name"] == conceal(f"alice@{E.DOMAIN}")
    caps = s.collect(C.CAPABILITIES)
    assert caps["reports_concealed"] is True
    assert any("conceal user, group and site names" in w for w in s.warnings)


def test_names_concealed_needs_most_names_hashed() -> None:
    upn = "User Principal Name"
    assert C.names_concealed([]) is None
    assert C.names_concealed([{upn: "a@b.com"}, {upn: "1F3870BE274F6C49B3E31A0C6728957F"}]) is False
    assert C.names_concealed([{upn: "x"}, {upn: "y"}, {upn: "a@b.com"}]) is True


def test_a_missing_report_permission_leaves_the_unit_ok(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.forbidden.append("/reports/")
    s = session()
    assert s.collect(C.REPORT_MAILBOX_USAGE) == []
    assert s.collect(C.CAPABILITIES)["reports_available"] is False
    assert any("403 Authorization_RequestDenied" in w for w in s.warnings)


def test_throttling_is_retried_after_retry_after(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.throttle("/subscribedSkus", count=1, retry_after="1")
    s = session(provider(max_attempts=3))
    started = time.monotonic()
    assert len(s.collect(C.SUBSCRIBED_SKUS)) == 3
    assert time.monotonic() - started >= 0.9  # Retry-After: 1 was honoured
    assert len(env_credential.calls("/subscribedSkus")) == 2
    assert s.api_calls == 3  # /organization in the plan, the throttled call and its retry


def test_throttling_beyond_the_attempts_fails_the_collection(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.throttle("/directory/subscriptions", count=5, retry_after="0")
    s = session(provider(max_attempts=2))
    with pytest.raises(C.GraphCallError, match="429 TooManyRequests"):
        s.collect(C.DIRECTORY_SUBSCRIPTIONS)
    assert len(env_credential.calls("/directory/subscriptions")) == 2


def test_a_tenant_of_5000_users_takes_a_bounded_number_of_calls(env_credential: FakeGraph) -> None:
    env_credential.page_size = None  # Graph's own page sizes
    E.tenant(env_credential, 5000)
    s = session()
    assert len(s.collect(C.USERS)) == 5000
    assert len(s.collect(C.SUBSCRIBED_SKUS)) == 2
    # with signInActivity selected Graph pages 500 users at most, whatever $top asks
    assert len(env_credential.calls("/users")) == math.ceil(5000 / 500) == 10
    env_credential.requests.clear()
    env_credential.sign_in_forbidden = True
    s = session()
    assert len(s.collect(C.USERS)) == 5000
    assert len(env_credential.calls("/users")) == 1 + math.ceil(5000 / 999) == 7  # refused, then 999 a page


def test_collections_can_be_read_from_many_threads_at_once(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session()
    names = [C.USERS, C.SUBSCRIBED_SKUS, C.DIRECTORY_SUBSCRIPTIONS, *(r.collection for r in C.REPORTS)]
    out: dict[str, Any] = {}
    threads = [threading.Thread(target=lambda n=n: out.__setitem__(n, s.collect(n))) for n in names * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert set(out) == set(names)
    assert len(env_credential.calls("/subscribedSkus")) == 1  # memoized once, on one event loop
    loop_thread = s.loop._thread
    assert loop_thread is not None and loop_thread.is_alive()
    s.close()
    assert not loop_thread.is_alive()


def test_a_full_scan_only_reads(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    prov = provider()
    names = [
        *(r.collection for r in C.REPORTS),
        C.USERS,
        C.SUBSCRIBED_SKUS,
        C.DIRECTORY_SUBSCRIPTIONS,
        C.ORGANIZATION,
        C.CAPABILITIES,
        "m365:drives",
        "m365:drive_items",
        "m365:recycle_bin_items",
        "m365:item_versions",
    ]
    checks = [
        make_check(f"m365.test.c{i}", [n], lambda ctx, n=n: [(n, str(ctx.get(n))[:10])])
        for i, n in enumerate(names)
    ]
    result = run_scan([prov], checks)
    assert result.scan.coverage[0].status.value == "ok"
    assert {r.method for r in env_credential.requests} == {"GET"}
    graph_ops = [
        op for op in prov.operations if op.host == "127.0.0.1" and op.path.startswith(("/v1.0", "/beta"))
    ]
    assert {permission_of(op.method, op.path) for op in graph_ops} <= set(PERMISSIONS)
    assert result.scan.coverage[0].api_calls == len(prov.operations)
