"""Meta-tests over every registered Microsoft 365 check: ids, metadata, parameters and what they cover."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_core import PydanticUndefined

from cloudwaste.checks.registry import CHECK_ID_RE, CLASSES, CheckSpec, get_check, load_checks

REFERENCE = Path(__file__).parents[3].parent / "shared/reference"
INVENTORY = REFERENCE / "original-inventory.md"
PEERS = REFERENCE / "peer-checks.md"
# The collections contract (notes/m365-contract.md).
CONTRACT = {
    "m365:organization",
    "m365:subscribed_skus",
    "m365:directory_subscriptions",
    "m365:users",
    "m365:capabilities",
    "m365:report_active_users",
    "m365:report_mailbox_usage",
    "m365:report_onedrive_usage",
    "m365:report_sharepoint_sites",
    "m365:report_teams_activity",
    "m365:report_copilot_usage",
    "m365:drives",
    "m365:drive_items",
    "m365:recycle_bin_items",
    "m365:item_versions",
}
ORIGINAL_CODE = re.compile(r"^m365:([a-z0-9_]+)$")
LICENCE_CHECKS = {
    "m365.license.unassigned_units",
    "m365.license.disabled_account_licensed",
    "m365.license.inactive_user",
    "m365.license.never_signed_in",
    "m365.license.guest_or_external_licensed",
    "m365.license.shared_mailbox_licensed",
    "m365.license.duplicate_assignment",
    "m365.license.workload_unused",
    "m365.exchange.inactive_mailbox",
    "m365.copilot.underused_license",
    "m365.license.expiring_subscription",
    "m365.license.sku_warning_or_suspended",
    "m365.license.assignment_errors",
    "m365.teams.inactive_user",
}

SPECS = load_checks("m365")


def by_id(spec: CheckSpec) -> str:
    return spec.id


def _section(path: Path, start: str, stop: str) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(start))
    end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith(stop)), len(lines))
    return lines[begin:end]


def _first_cells(lines: list[str]) -> list[str]:
    """The first cell of every data row of the Markdown tables in ``lines``."""
    return [
        line.split("|")[1]
        for line in lines
        if line.startswith("|") and not re.match(r"^\|[\s|:-]+\|$", line) and line.count("|") > 2
    ]


def _second_cells(lines: list[str]) -> list[str]:
    return [line.split("|")[2] for line in lines if re.match(r"^\|\s*\d+\s*\|", line)]


def test_the_licence_checks_of_the_brief_are_registered():
    assert LICENCE_CHECKS <= {s.id for s in SPECS}
    assert len(LICENCE_CHECKS) >= 12


def test_ids_are_unique_and_lookups_work():
    ids = [s.id for s in SPECS]
    assert len(ids) == len(set(ids))
    for check_id in ids:
        assert get_check(check_id).id == check_id


def test_peer_matcher_reads_ids_not_prose():
    lines = ["| ID | Detects |", "|---|---|", "| `m365.license.unassigned_units` | seats `m365.x.y` |"]
    cells = _first_cells(lines)
    assert any("`m365.license.unassigned_units`" in c for c in cells)
    assert not any("`m365.x.y`" in c for c in cells)


@pytest.mark.parametrize("spec", SPECS, ids=by_id)
class TestEveryM365Check:
    def test_id_is_provider_service_name(self, spec):
        assert CHECK_ID_RE.match(spec.id)
        assert spec.provider == "m365"

    def test_title_is_short_and_not_an_instruction(self, spec):
        assert 0 < len(spec.title) < 150
        assert not spec.title.startswith("Ensure")
        assert not spec.title.endswith(".")

    def test_rationale_and_recommendation_are_written(self, spec):
        assert len(spec.rationale) > 80
        assert spec.recommendation.strip()

    def test_resource_type_and_class(self, spec):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.resource_type)
        assert spec.klass in CLASSES

    def test_needs_only_contract_collections(self, spec):
        assert spec.needs
        assert set(spec.needs) <= CONTRACT, set(spec.needs) - CONTRACT

    def test_report_checks_tell_how_to_turn_concealment_off(self, spec):
        reports = {n for n in spec.needs if n.startswith("m365:report_")} - {"m365:report_mailbox_usage"}
        if spec.id in LICENCE_CHECKS and reports and "m365:users" in spec.needs:
            assert "displayConcealedNames" in spec.rationale, spec.id

    def test_every_param_has_a_default_and_a_description(self, spec):
        for name, field in spec.params.model_fields.items():
            assert field.default is not PydanticUndefined or field.default_factory is not None, name
            assert field.description and field.description.strip(), name
        spec.params()  # the defaults validate

    def test_covers_something(self, spec):
        assert spec.covers_original or spec.covers_peers
        for code in spec.covers_original:
            assert ORIGINAL_CODE.match(code), code
        for peer in spec.covers_peers:
            assert CHECK_ID_RE.match(peer) and peer.startswith("m365."), peer

    def test_covered_original_scenarios_exist_in_the_inventory(self, spec):
        if not INVENTORY.exists():
            pytest.skip(f"{INVENTORY} not present")
        cells = _second_cells(_section(INVENTORY, "## 1.4 Microsoft 365", "## 2."))
        for code in spec.covers_original:
            detector = code.removeprefix("m365:")
            assert any(f"`{detector}`" in cell for cell in cells), f"{code} is not a detector of section 1.4"

    def test_covered_peer_checks_exist_in_the_catalog(self, spec):
        if not PEERS.exists():
            pytest.skip(f"{PEERS} not present")
        cells = _first_cells(_section(PEERS, "## 4. Microsoft 365", "## 5."))
        for peer in spec.covers_peers:
            assert any(f"`{peer}`" in cell for cell in cells), (
                f"{peer} is not an id of {PEERS.name} section 4"
            )


def test_every_original_m365_detector_is_covered():
    if not INVENTORY.exists():
        pytest.skip(f"{INVENTORY} not present")
    cells = _second_cells(_section(INVENTORY, "## 1.4 Microsoft 365", "## 2."))
    detectors = {m.group(1) for cell in cells for m in [re.search(r"`([a-z0-9_]+)`", cell)] if m}
    covered = {c.removeprefix("m365:") for s in SPECS for c in s.covers_original}
    assert len(detectors) == 10
    missing = detectors - covered
    if missing and not any(s.id.startswith("m365.storage.") for s in SPECS):
        pytest.skip("the storage checks are not registered yet")
    assert not missing, f"original M365 detectors without a check: {sorted(missing)}"


def test_licence_checks_cover_most_of_the_peer_catalog():
    if not PEERS.exists():
        pytest.skip(f"{PEERS} not present")
    cells = _first_cells(_section(PEERS, "## 4. Microsoft 365", "## 5."))
    ids = {m.group(1) for c in cells for m in [re.search(r"`(m365\.[a-z0-9_.]+)`", c)] if m}
    assert len(ids) == 22
    covered = {p for s in SPECS for p in s.covers_peers}
    assert covered <= ids
    assert len(covered & ids) >= 15, sorted(ids - covered)
