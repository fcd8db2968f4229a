"""Fixtures of the renderer tests: the mixed sample report (see ``tests.builders.sample_findings``)."""

from __future__ import annotations

import pytest

from cloudwaste.report import Report
from tests.builders import breached_gate, make_report


@pytest.fixture
def report() -> Report:
    """Normal, unknown-cost, saving, ignored, malicious and unicode findings; a partial scan; a gate."""
    return make_report(gate=breached_gate(15.75))
