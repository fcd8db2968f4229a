"""``--format json`` is exactly the versioned contract."""

from __future__ import annotations

import json

from cloudwaste.report import Report
from cloudwaste.reports import render
from tests.builders import MALICIOUS_NAME, MALICIOUS_TAG, make_report

FINDING_KEYS = {
    "fingerprint", "check_id", "title", "severity", "provider", "account", "region", "resource", "reason",
    "evidence", "monthly_cost", "confidence", "recommendation", "status", "first_seen", "last_seen",
}  # fmt: skip


def test_json_is_exactly_the_report_contract(report: Report) -> None:
    text = render(report, "json")
    assert text.endswith("}\n")
    assert json.loads(text) == report.to_json_dict()
    assert text.startswith('{\n  "schema_version": "1",')


def test_json_has_the_contract_keys(report: Report) -> None:
    data = json.loads(render(report, "json"))
    assert {"schema_version", "tool", "scan", "summary", "gate", "findings"} <= set(data)
    assert data["tool"]["name"] == "cloudwaste"
    assert {"id", "started_at", "finished_at", "status", "providers", "coverage"} <= set(data["scan"])
    assert {"provider", "scope", "region", "status", "error", "api_calls", "duration_s"} <= set(
        data["scan"]["coverage"][0]
    )
    assert {"findings", "ignored", "monthly_cost", "unknown_cost_findings", "by_check", "by_region"} <= set(
        data["summary"]
    )
    assert {"configured", "breached", "rules"} <= set(data["gate"])
    for finding in data["findings"]:
        assert FINDING_KEYS <= set(finding)
        assert {"id", "arn", "name", "type", "tags", "created_at"} <= set(finding["resource"])
        assert {"amount", "currency", "basis", "kind"} <= set(finding["monthly_cost"])


def test_json_keeps_unknown_cost_null_saving_kind_and_ignored_status(report: Report) -> None:
    data = json.loads(render(report, "json"))
    by_id = {f["resource"]["id"]: f for f in data["findings"]}
    assert by_id["vol-00000000000unknown"]["monthly_cost"]["amount"] is None
    assert by_id["vol-000000000000saving"]["monthly_cost"]["kind"] == "saving"
    assert by_id["vol-000000000000ignored"]["status"] == "ignored"
    assert data["summary"]["findings"] == 5
    assert data["summary"]["ignored"] == 1
    assert data["summary"]["monthly_cost"] == {"amount": 15.75, "currency": "USD"}  # the ignored $50 is out
    assert data["summary"]["unknown_cost_findings"] == 1


def test_json_keeps_untrusted_and_unicode_strings_verbatim(report: Report) -> None:
    text = render(report, "json")
    assert "Données-€-日本語-🚀" in text  # ensure_ascii=False
    by_id = {f["resource"]["id"]: f for f in json.loads(text)["findings"]}
    evil = by_id["vol-0000000000000evil"]
    assert evil["resource"]["name"] == MALICIOUS_NAME
    assert evil["resource"]["tags"]["=cmd"] == MALICIOUS_TAG


def test_json_of_an_empty_report_has_no_findings() -> None:
    data = json.loads(render(make_report([]), "json"))
    assert data["findings"] == []
    assert data["summary"]["findings"] == 0
