"""Parity with the original product: every numbered scenario of the core families is covered by a check.

The scenario tables of ``../shared/reference/original-inventory.md`` number each scenario (``| 12 |``);
a check covers it when one of its ``covers_original`` codes names that row: for AWS
``aws:<resource_type>/<orphan_type>`` (the resource type may be in the row, the table header or the
section heading), for Azure ``azure:<resource_type>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from cloudwaste.checks.registry import load_checks

INVENTORY = Path(__file__).parents[2].parent / "shared/reference/original-inventory.md"
NUMBERED = re.compile(r"^\|\s*(\d+)\s*\|")


@dataclass(frozen=True)
class Scenario:
    number: int
    row: str
    context: str  # the section heading and the table header


def scenarios(section: str, stop: str) -> dict[int, Scenario]:
    """Numbered scenario rows between the headings starting ``section`` and ``stop``."""
    lines = INVENTORY.read_text(encoding="utf-8").splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith(section))
    end = next(i for i in range(begin + 1, len(lines)) if lines[i].startswith(stop))
    found: dict[int, Scenario] = {}
    heading = header = ""
    for line in lines[begin:end]:
        if line.startswith("#"):
            heading, header = line, ""
        elif not line.startswith("|"):
            header = ""
        elif not header:
            header = line
        elif match := NUMBERED.match(line):
            found[int(match.group(1))] = Scenario(int(match.group(1)), line, heading + " " + header)
    return found


def aws_covers(scenario: Scenario, code: str) -> bool:
    resource_type, _, orphan_type = code.removeprefix("aws:").partition("/")
    return f"`{orphan_type}`" in scenario.row and (
        f"`{resource_type}`" in scenario.row or f"`{resource_type}`" in scenario.context
    )


def azure_covers(scenario: Scenario, code: str) -> bool:
    return f"`{code.removeprefix('azure:')}`" in scenario.row


pytestmark = pytest.mark.skipif(not INVENTORY.exists(), reason=f"{INVENTORY} not present")


def test_aws_scenarios_1_to_69_are_each_covered_by_a_check() -> None:
    rows = scenarios("### 1.1.1", "### 1.1.8")
    assert sorted(rows) == list(range(1, 70))
    codes = [code for spec in load_checks("aws") for code in spec.covers_original]
    missing = [n for n, s in rows.items() if not any(aws_covers(s, c) for c in codes)]
    assert not missing, f"AWS scenarios without a check: {missing}"


def test_azure_scenarios_1_to_58_are_each_covered_by_a_check() -> None:
    rows = scenarios("### 1.2.1", "### 1.2.7")
    assert sorted(rows) == list(range(1, 59))
    codes = [code for spec in load_checks("azure") for code in spec.covers_original]
    missing = [n for n, s in rows.items() if not any(azure_covers(s, c) for c in codes)]
    assert not missing, f"Azure scenarios without a check: {missing}"


def test_the_matchers_need_the_right_row() -> None:
    rows = scenarios("### 1.1.1", "### 1.1.8")
    assert aws_covers(rows[1], "aws:ebs_volume_unattached/unattached")
    assert not aws_covers(rows[2], "aws:ebs_volume_unattached/unattached")
    assert aws_covers(rows[41], "aws:load_balancer/no_listeners")  # resource type in the header
    assert aws_covers(rows[50], "aws:rds_instance/stopped")  # resource type in the section heading
    assert not aws_covers(rows[50], "aws:nat_gateway/stopped")
    azure = scenarios("### 1.2.1", "### 1.2.7")
    assert azure_covers(azure[19], "azure:public_ip_unassociated")
    assert not azure_covers(azure[20], "azure:public_ip_unassociated")
