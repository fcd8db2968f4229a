"""``--format sarif``: valid SARIF 2.1.0 (OASIS schema), stable fingerprints, cloud:// URIs, experimental."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from cloudwaste.model import ScanStatus, Status, UnitStatus
from cloudwaste.report import Report
from cloudwaste.reports import render
from cloudwaste.reports.sarif import location_uri
from tests.builders import make_finding, make_report, make_scan, make_unit

SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
HOSTILE = (
    "<script>alert(1)</script>",
    "=cmd|'/c calc'!A1",
    "[bold]x[/bold]",
    '"><img src=x onerror=alert(1)>',
)


def sarif(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "sarif"))
    return data


def validate(doc: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_the_vendored_schema_is_the_oasis_sarif_2_1_0_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    readme = (SCHEMA.parent / "README.md").read_text(encoding="utf-8")  # where it came from, its licence
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() in readme


def test_sample_report_validates_against_the_sarif_2_1_0_schema(report: Report) -> None:
    validate(sarif(report))


def test_hostile_and_empty_reports_validate_too() -> None:
    findings = [
        make_finding(f"vol-{i}", name=v, tags={v: v}, reason=v, status_reason=v, region=v)
        for i, v in enumerate(HOSTILE)
    ]
    findings[0] = findings[0].model_copy(update={"status": Status.IGNORED})
    scan = make_scan(
        status=ScanStatus.FAILED, coverage=[make_unit(status=UnitStatus.ERROR, error=HOSTILE[0])]
    )
    validate(sarif(make_report(findings, scan=scan)))
    validate(sarif(make_report([])))


def test_log_has_version_schema_and_one_experimental_run(report: Report) -> None:
    doc = sarif(report)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-schema-2.1.0.json")
    [run] = doc["runs"]
    driver = run["tool"]["driver"]
    assert (
        driver["name"] == "cloudwaste"
        and driver["version"]
        and driver["informationUri"].startswith("https://")
    )
    assert run["properties"]["experimental"] is True
    assert "experimental" in run["properties"]["note"]
    assert run["automationDetails"]["id"] == f"cloudwaste/{report.scan.id}"


def test_rules_come_from_the_check_registry(report: Report) -> None:
    from cloudwaste.checks.registry import get_check

    rules = {r["id"]: r for r in sarif(report)["runs"][0]["tool"]["driver"]["rules"]}
    spec = get_check("aws.ebs.unattached_volume")
    rule = rules["aws.ebs.unattached_volume"]
    assert rule["shortDescription"]["text"] == spec.title
    assert rule["fullDescription"]["text"] == spec.rationale
    assert rule["help"]["text"] == spec.recommendation
    assert {"cloudwaste", "aws", spec.klass, spec.resource_type} <= set(rule["properties"]["tags"])
    # a check id no longer registered still gets a rule, from its finding
    assert (
        rules["aws.ebs.gp2_to_gp3"]["shortDescription"]["text"] == "gp2 volume that would be cheaper as gp3"
    )


def test_one_result_per_finding_with_level_fingerprint_and_cost(report: Report) -> None:
    run = sarif(report)["runs"][0]
    results = run["results"]
    assert len(results) == len(report.findings)
    rules = run["tool"]["driver"]["rules"]
    by_fp = {r["partialFingerprints"]["cloudwaste/v1"]: r for r in results}
    assert set(by_fp) == {f.fingerprint for f in report.findings}
    for f in report.findings:
        result = by_fp[f.fingerprint]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == f.check_id
        assert result["properties"]["monthlyCost"] == f.monthly_cost.amount
        assert result["properties"]["status"] == f.status.value
        assert f.reason in result["message"]["text"]
    levels = {r["properties"]["resourceId"]: r["level"] for r in results}
    assert levels["vol-0000000000000normal"] == "warning"  # medium
    assert levels["vol-000000000000saving"] == "note"  # low
    assert levels["vol-000000000000ignored"] == "error"  # high


def test_fingerprints_are_stable_across_scans_and_costs() -> None:
    first = sarif(make_report([make_finding("vol-1", amount=8.0)]))
    later = sarif(
        make_report([make_finding("vol-1", amount=80.0)], scan=make_scan(started_at=datetime(2027, 1, 1)))
    )
    fp = [d["runs"][0]["results"][0]["partialFingerprints"] for d in (first, later)]
    assert fp[0] == fp[1]


def test_ignored_findings_are_suppressed_with_their_reason(report: Report) -> None:
    results = sarif(report)["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert [r["properties"]["resourceId"] for r in suppressed] == ["vol-000000000000ignored"]
    assert suppressed[0]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "DR cold standby"}
    ]
    assert len(results) - len(suppressed) == report.summary.findings


def test_locations_are_cloud_uris_with_each_part_percent_encoded() -> None:
    azure_id = "/subscriptions/0000/resourceGroups/rg 1/providers/Microsoft.Compute/disks/d?1#x"
    f = make_finding(azure_id, region="westeurope", resource_type="managed_disk")
    uri = location_uri(f)
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("cloud", "aws")
    segments = parts.path.split("/")[1:]
    assert len(segments) == 4
    assert [unquote(s) for s in segments] == [f.account, "westeurope", "managed_disk", azure_id]
    assert " " not in uri and "?" not in uri and "#" not in uri
    result = sarif(make_report([f]))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == f.resource.arn


def test_sample_location(report: Report) -> None:
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif(report)["runs"][0]["results"]
    }
    assert "cloud://aws/123456789012/us-east-1/ebs_volume/vol-0000000000000normal" in uris


def test_coverage_errors_are_tool_notifications(report: Report) -> None:
    [invocation] = sarif(report)["runs"][0]["invocations"]
    notes = invocation["toolExecutionNotifications"]
    assert [(n["level"], n["properties"]["region"]) for n in notes] == [
        ("error", "ap-south-2"),
        ("note", "me-central-1"),
    ]
    assert "AccessDenied" in notes[0]["message"]["text"]
    assert invocation["executionSuccessful"] is True  # partial
    assert invocation["startTimeUtc"] == "2026-12-01T07:24:55Z"


def test_hostile_strings_stay_verbatim_json_strings() -> None:
    f = make_finding("vol-1", name=HOSTILE[3], tags={"=cmd": HOSTILE[1]}, reason=HOSTILE[0])
    result = sarif(make_report([f]))["runs"][0]["results"][0]
    assert result["properties"]["resourceTags"] == {"=cmd": HOSTILE[1]}
    assert result["locations"][0]["logicalLocations"][0]["name"] == HOSTILE[3]
    assert result["message"]["text"].startswith(HOSTILE[0])
