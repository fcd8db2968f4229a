"""Least privilege: a full scan (every check, demo estate) only reads, and only what the policy allows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cloudwaste.checks.registry import load_checks
from cloudwaste.engine.plan import select_checks
from cloudwaste.engine.run import run_scan
from cloudwaste.providers.aws.options import AwsOptions
from cloudwaste.providers.aws.provider import AwsProvider

READ = re.compile(r"^(Describe|List|Get)[A-Z]")


def test_full_scan_makes_only_read_calls_allowed_by_the_policy(aws: str) -> None:
    from cloudwaste.demo.estate import DEMO_NOW, DEMO_REGIONS, build_estate

    build_estate(aws)
    provider = AwsProvider(AwsOptions(regions=list(DEMO_REGIONS), max_attempts=1))
    result = run_scan([provider], select_checks(load_checks("aws")), now=DEMO_NOW)
    assert result.scan.status.value == "complete", [c.error for c in result.scan.coverage]
    assert len(result.findings) > 10

    ops = {(op.service, op.operation) for op in provider.operations}
    assert ops, "no API call was recorded"
    writes = sorted(f"{s}:{o}" for s, o in ops if not READ.match(o))
    assert writes == []

    policy = json.loads((Path(__file__).parents[1] / "examples/iam-policy.json").read_text())
    allowed = {a for stmt in policy["Statement"] for a in stmt["Action"]}
    prefix = {
        "ec2": "ec2",
        "elbv2": "elasticloadbalancing",
        "elb": "elasticloadbalancing",
        "cloudwatch": "cloudwatch",
        "sts": "sts",
        "iam": "iam",
        "rds": "rds",
    }
    used = {f"{prefix[s]}:{o}" for s, o in ops}
    assert used <= allowed, sorted(used - allowed)
    # one identity call for the whole account, however many regions
    assert sum(1 for op in provider.operations if op.operation == "GetCallerIdentity") == 1
