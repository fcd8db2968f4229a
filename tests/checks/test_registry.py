"""Meta-tests over every registered AWS check: ids, metadata, parameters and what they cover."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_core import PydanticUndefined

from cloudwaste.checks.registry import CHECK_ID_RE, CLASSES, CheckSpec, get_check, load_checks

REFERENCE = Path(__file__).parents[2].parent / "shared/reference"
INVENTORY = REFERENCE / "original-inventory.md"
PEERS = REFERENCE / "peer-checks.md"

# The AWS collections contract shared with the provider (brief "The AWS collections contract").
AWS_COLLECTIONS = {
    "ec2:volumes",
    "ec2:instances",
    "ec2:snapshots",
    "ec2:images",
    "ec2:launch_template_versions",
    "ec2:addresses",
    "ec2:network_interfaces",
    "ec2:nat_gateways",
    "ec2:route_tables",
    "elbv2:load_balancers",
    "elbv2:target_groups",
    "elb:load_balancers",
    "ec2:security_groups",
    "ec2:subnets",
    "ec2:internet_gateways",
    "ec2:vpc_endpoints",
    "elbv2:listeners",
    "elbv2:load_balancer_attributes",
    "rds:db_instances",
}
FIRST_AWS_CHECKS = {
    "aws.ebs.unattached_volume",
    "aws.ebs.volume_on_stopped_instance",
    "aws.ebs.old_snapshot",
    "aws.ebs.orphan_snapshot",
    "aws.ebs.gp2_volume",
    "aws.ec2.unassociated_eip",
    "aws.ec2.stopped_instance",
    "aws.ami.unused",
    "aws.elb.alb_no_targets",
    "aws.elb.nlb_no_targets",
    "aws.elb.clb_no_instances",
    "aws.vpc.idle_nat_gateway",
}
ORIGINAL_CODE = re.compile(r"^aws:([a-z0-9_]+)/([a-z0-9_]+)$")

SPECS = load_checks("aws")


def by_id(spec: CheckSpec) -> str:
    return spec.id


def _section(path: Path, start: str, stop: str) -> list[str]:
    """The lines of ``path`` from the heading starting ``start`` to the next heading starting ``stop``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(start))
    end = next((i for i in range(begin + 1, len(lines)) if lines[i].startswith(stop)), len(lines))
    return lines[begin:end]


def _table_rows(lines: list[str]) -> list[tuple[str, str]]:
    """(header, data row) for every data row of every Markdown table in ``lines``; the header is the
    table's header row after the heading above it (the RDS table names its resource type there)."""
    rows: list[tuple[str, str]] = []
    header = heading = ""
    in_table = False
    for line in lines:
        if line.startswith("#"):
            heading = line
        if not line.startswith("|"):
            in_table = False
            continue
        if not in_table:
            header, in_table = f"{heading}\n{line}", True
        elif not re.match(r"^\|[\s|:-]+\|$", line):
            rows.append((header, line))
    return rows


def _on_one_row(rows: list[tuple[str, str]], code: str) -> bool:
    """Whether the code's orphan type is on a row whose text or table header names its resource type."""
    match = ORIGINAL_CODE.match(code)
    assert match, code
    resource_type, orphan_type = match.groups()
    return any(
        f"`{orphan_type}`" in row and (f"`{resource_type}`" in row or f"`{resource_type}`" in header)
        for header, row in rows
    )


def test_inventory_matcher_needs_both_parts_on_one_row_or_its_header():
    text = [
        "| # | `resource_type` / `orphan_type` | Rule |",
        "|---|---|---|",
        "| 1 | `ebs_volume_unattached` / `unattached` | x |",
        "| 2 | `elastic_ip_idle` / `idle_eip` | y |",
        "",
        "| # | `orphan_type` (resource_type `nat_gateway`) | Rule |",
        "|---|---|---|",
        "| 60 | `no_routes` | z |",
        "",
        "### 1.1.6 RDS instances (`rds_instance`; L6250)",
        "| # | `orphan_type` | Rule |",
        "|---|---|---|",
        "| 50 | `stopped` | w |",
    ]
    rows = _table_rows(text)
    assert _on_one_row(rows, "aws:ebs_volume_unattached/unattached")
    assert _on_one_row(rows, "aws:nat_gateway/no_routes")
    assert _on_one_row(rows, "aws:rds_instance/stopped")
    assert not _on_one_row(rows, "aws:nat_gateway/stopped")
    assert not _on_one_row(rows, "aws:elastic_ip_idle/unattached")
    assert not _on_one_row(rows, "aws:ebs_volume_unattached/no_routes")


def test_the_first_twelve_aws_checks_are_registered():
    assert FIRST_AWS_CHECKS <= {s.id for s in SPECS}


def test_ids_are_unique_and_lookups_work():
    ids = [s.id for s in SPECS]
    assert len(ids) == len(set(ids))
    for check_id in ids:
        assert get_check(check_id).id == check_id


@pytest.mark.parametrize("spec", SPECS, ids=by_id)
class TestEveryAwsCheck:
    def test_id_is_provider_service_name(self, spec):
        assert CHECK_ID_RE.match(spec.id)
        assert spec.provider == "aws"

    def test_title_is_short_and_not_an_instruction(self, spec):
        assert 0 < len(spec.title) < 150
        assert not spec.title.startswith("Ensure")
        assert not spec.title.endswith(".")

    def test_rationale_and_recommendation_are_written(self, spec):
        assert len(spec.rationale) > 80
        assert spec.recommendation.strip()
        assert "aws " in spec.recommendation  # a ready-to-run CLI line

    def test_resource_type_and_class(self, spec):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.resource_type)
        assert spec.klass in CLASSES

    def test_needs_only_contract_collections(self, spec):
        assert spec.needs
        assert set(spec.needs) <= AWS_COLLECTIONS

    def test_every_param_has_a_default_and_a_description(self, spec):
        for name, field in spec.params.model_fields.items():
            assert field.default is not PydanticUndefined or field.default_factory is not None, name
            assert field.description and field.description.strip(), name
        spec.params()  # the defaults validate

    def test_metric_queries_read_a_needed_collection(self, spec):
        if spec.metrics is None:
            return
        queries = spec.metrics(spec.params())
        assert queries
        for query in queries:
            assert query.collection in spec.needs

    def test_covers_something(self, spec):
        assert spec.covers_original or spec.covers_peers
        for code in spec.covers_original:
            assert ORIGINAL_CODE.match(code), code
        for peer in spec.covers_peers:
            assert CHECK_ID_RE.match(peer) and peer.startswith("aws."), peer

    def test_covered_original_scenarios_exist_in_the_inventory(self, spec):
        if not INVENTORY.exists():
            pytest.skip(f"{INVENTORY} not present")
        rows = _table_rows(_section(INVENTORY, "## 1.1 AWS", "## 1.2"))
        for code in spec.covers_original:
            assert _on_one_row(rows, code), f"{code} is on no row of {INVENTORY.name} section 1.1"

    def test_covered_peer_checks_exist_in_the_catalog(self, spec):
        if not PEERS.exists():
            pytest.skip(f"{PEERS} not present")
        first_cells = [row.split("|")[1] for _, row in _table_rows(_section(PEERS, "## 1. AWS", "## 2."))]
        for peer in spec.covers_peers:
            assert any(f"`{peer}`" in cell for cell in first_cells), (
                f"{peer} is not an id of {PEERS.name} section 1"
            )
