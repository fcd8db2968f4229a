"""End to end: every registered m365 check (licences and storage) over the provider and the fake Graph."""

from __future__ import annotations

from collections import defaultdict

from cloudwaste.checks.registry import load_checks
from cloudwaste.engine.plan import select_checks
from cloudwaste.engine.run import run_scan
from cloudwaste.model import CostBasis
from cloudwaste.pricing.book import PriceBook
from cloudwaste.providers.m365.prices import override_rows
from tests.fakes import m365_estate as E
from tests.fakes.entra import TENANT
from tests.fakes.graph import FakeGraph
from tests.providers.m365.helpers import provider


def test_every_m365_check_runs_and_the_tenant_s_waste_is_found(env_credential: FakeGraph) -> None:
    people = E.small_tenant(env_credential)
    specs = load_checks("m365")
    assert {s.id.split(".")[1] for s in specs} >= {"license", "storage"}  # ML's and MS's checks
    book = PriceBook.load("m365").with_live(
        override_rows({"ENTERPRISEPACK": 23.0}), basis=CostBasis.CONFIGURED
    )
    prov = provider()
    result = run_scan([prov], select_checks(specs), now=E.NOW, prices={"m365": book})
    [unit] = result.scan.coverage
    assert (unit.scope, unit.status.value, unit.error) == (TENANT, "ok", None)  # no check failed
    assert unit.warnings == []
    found: dict[str, list[str]] = defaultdict(list)
    for f in result.findings:
        found[f.check_id].append(f"{f.resource.id} {f.reason}")
        assert f.region == "global" and f.account == TENANT
    bob = people["bob"]["userPrincipalName"]
    # licences (ML): disabled, guest, stale and never-used accounts, spare E3 units, a SKU in warning
    assert any(bob in r for r in found["m365.license.disabled_account_licensed"])
    assert any(people["carol"]["userPrincipalName"] in r for r in found["m365.license.inactive_user"])
    assert any(people["dave"]["userPrincipalName"] in r for r in found["m365.license.never_signed_in"])
    assert found["m365.license.guest_or_external_licensed"]
    assert any("ENTERPRISEPACK" in r for r in found["m365.license.unassigned_units"])
    assert any("EXCHANGESTANDARD" in r for r in found["m365.license.sku_warning_or_suspended"])
    # storage (MS): the abandoned site, Bob's OneDrive, the duplicate ISOs, the old deck, the recycle bin
    assert any("sites/finance" in r for r in found["m365.storage.abandoned_site"])
    assert any(bob in r for r in found["m365.storage.disabled_user_drive"])
    assert any("copy-1.iso" in r or "copy-2.iso" in r for r in found["m365.storage.duplicate_files"])
    assert any("budget-2019.pptx" in r for r in found["m365.storage.large_file_unused"])
    assert found["m365.storage.recycle_bin_old"]
    # the configured price reached the licence findings
    disabled = next(f for f in result.findings if f.check_id == "m365.license.disabled_account_licensed")
    assert disabled.monthly_cost.basis == CostBasis.CONFIGURED
    # read-only, and every request was counted on the unit
    assert {op.method for op in prov.operations} == {"GET"}
    assert unit.api_calls == len(prov.operations)


def test_without_sign_in_activity_the_checks_still_run(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.sign_in_forbidden = True
    env_credential.concealed = True
    result = run_scan([provider()], select_checks(load_checks("m365")), now=E.NOW)
    [unit] = result.scan.coverage
    assert unit.status.value == "ok" and unit.error is None
    assert any("signInActivity refused" in w for w in unit.warnings)
    assert any("conceal" in w for w in unit.warnings)


def test_a_scan_without_the_storage_checks_reads_no_drive(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    checks = select_checks(load_checks("m365"), exclude=["m365.storage.*"])
    result = run_scan([provider()], checks, now=E.NOW)
    assert result.findings and result.scan.coverage[0].status.value == "ok"
    assert env_credential.calls("/sites") == [] and env_credential.calls("/drives") == []
