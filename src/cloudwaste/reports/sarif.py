"""``--format sarif`` (experimental): the findings as a SARIF 2.1.0 log, for code-scanning dashboards.

SARIF describes results in files; a cloud resource has no file, so each result's location is a
synthetic ``cloud://PROVIDER/ACCOUNT/REGION/TYPE/ID`` URI (each part percent-encoded, so an Azure
resource id's slashes stay inside its part) plus a logical location naming the resource. The finding's
fingerprint is the result's ``partialFingerprints["cloudwaste/v1"]``: it never includes cost or time,
so a dashboard tracks one result across scans. Ignored findings are kept with an ``external``
suppression (their reason as the justification); coverage errors are tool execution notifications.
Rules come from the check registry (title, rationale, recommendation); a check no longer registered
gets a rule from its finding's title.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from cloudwaste import __version__
from cloudwaste.model import Finding, Severity, UnitStatus
from cloudwaste.report import COUNTED, Report

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/cloudwaste/cloudwaste"
FINGERPRINT_KEY = "cloudwaste/v1"
LEVELS = {
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}


def location_uri(f: Finding) -> str:
    """``cloud://provider/account/region/type/id`` with every part percent-encoded (empty parts as ``-``)."""
    parts = (f.provider, f.account, f.region, f.resource.type, f.resource.id)
    return "cloud://" + "/".join(quote(p, safe="") if p else "-" for p in parts)


def _rule(check_id: str, example: Finding) -> dict[str, Any]:
    from cloudwaste.checks.registry import get_check

    try:
        spec = get_check(check_id)
    except KeyError:
        spec = None
    if spec is None:
        return {
            "id": check_id,
            "shortDescription": {"text": example.title},
            "defaultConfiguration": {"level": LEVELS[example.severity]},
            "properties": {"tags": ["cloudwaste", example.provider, example.resource.type]},
        }
    rule: dict[str, Any] = {
        "id": check_id,
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.rationale or spec.title},
        "defaultConfiguration": {"level": LEVELS[spec.severity]},
        "properties": {
            "tags": ["cloudwaste", spec.provider, spec.klass, spec.resource_type],
            "severity": spec.severity.value,
            "resourceType": spec.resource_type,
        },
    }
    if spec.recommendation:
        rule["help"] = {"text": spec.recommendation}
    return rule


def _message(f: Finding) -> str:
    money = f.monthly_cost
    if money.amount is None:
        cost = "monthly cost unknown"
    else:
        word = "saving" if money.kind.value == "saving" else "cost"
        cost = f"monthly {word} {money.amount:.2f} {money.currency}"
    return f"{f.reason} ({cost})"


def _result(f: Finding, rule_index: int, in_total: bool) -> dict[str, Any]:
    money = f.monthly_cost
    result: dict[str, Any] = {
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": _message(f)},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": location_uri(f)}},
                "logicalLocations": [
                    {
                        "name": f.resource.name or f.resource.id,
                        "fullyQualifiedName": f.resource.arn or f.resource.id,
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "monthlyCost": money.amount,
            "currency": money.currency,
            "costKind": money.kind.value,
            "costBasis": money.basis.value if money.basis else None,
            "inTotal": in_total,
            "status": f.status.value,
            "severity": f.severity.value,
            "confidence": f.confidence.value,
            "provider": f.provider,
            "account": f.account,
            "region": f.region,
            "resourceId": f.resource.id,
            "resourceType": f.resource.type,
            "resourceTags": dict(f.resource.tags),
        },
    }
    if f.recommendation:  # not a SARIF "fix": that needs changes to files
        result["properties"]["recommendation"] = f.recommendation
    if f.status not in COUNTED:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": f.status_reason or f.status.value}
        ]
    return result


def sarif_log(report: Report) -> dict[str, Any]:
    """The SARIF 2.1.0 log object (one run) for ``report``."""
    scan = report.scan
    rule_ids = sorted({f.check_id for f in report.findings})
    examples = {f.check_id: f for f in report.findings}
    rules = [_rule(check_id, examples[check_id]) for check_id in rule_ids]
    index = {check_id: i for i, check_id in enumerate(rule_ids)}
    results = [_result(f, index[f.check_id], f.fingerprint in report.in_total) for f in report.findings]
    notifications = [
        {
            "level": "error" if u.status == UnitStatus.ERROR else "note",
            "message": {
                "text": f"{u.provider} {u.scope}/{u.region} {u.status.value}: {u.error or ''}".strip()
            },
            "descriptor": {"id": f"coverage/{u.status.value}"},
            "properties": {"provider": u.provider, "scope": u.scope, "region": u.region},
        }
        for u in scan.coverage
        if u.status != UnitStatus.OK
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": scan.status.value in ("complete", "partial"),
        "startTimeUtc": _utc(scan.started_at),
        "toolExecutionNotifications": notifications,
    }
    if scan.finished_at is not None:
        invocation["endTimeUtc"] = _utc(scan.finished_at)
    summary = report.summary.model_dump(mode="json")
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "cloudwaste",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"cloudwaste/{scan.id}"},
        "invocations": [invocation],
        "results": results,
        "properties": {
            "experimental": True,
            "note": "cloudwaste's SARIF output is experimental: locations are synthetic cloud:// URIs, "
            "not files in a repository.",
            "scanId": scan.id,
            "scanStatus": scan.status.value,
            "providers": list(scan.providers),
            "findings": summary["findings"],
            "ignored": summary["ignored"],
            "monthlyCost": summary["monthly_cost"],
            "unknownCostFindings": summary["unknown_cost_findings"],
            "gate": report.gate.model_dump(mode="json"),
            "demo": bool(scan.args.get("demo")),
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _utc(t: datetime) -> str:
    at = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def render_sarif(report: Report) -> str:
    """The report as an indented SARIF 2.1.0 JSON document (trailing newline)."""
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"
