"""The ignore file and the cloudwaste:ignore tag: parsing, line-numbered errors, matching, expiry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cloudwaste.errors import UsageError
from cloudwaste.model import Finding, Money, Resource, Severity, Status
from cloudwaste.suppress import DEFAULT_FILE, Rule, Suppressions, load, parse

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def finding(
    *,
    check: str = "aws.ebs.unattached_volume",
    rid: str = "vol-0abc",
    account: str = "123456789012",
    region: str = "eu-west-1",
    tags: dict[str, str] | None = None,
    status: Status = Status.OPEN,
) -> Finding:
    return Finding(
        fingerprint=f"fp-{check}-{rid}",
        check_id=check,
        title="t",
        severity=Severity.MEDIUM,
        provider="aws",
        account=account,
        region=region,
        resource=Resource(id=rid, name=f"name-{rid}", type="ebs_volume", tags=tags or {}),
        reason="r",
        monthly_cost=Money(amount=10.0),
        status=status,
    )


FILE = """\
version: 1
rules:
  - reason: sandbox account
    account: "999999999999"
  - reason: DR copies for the audit
    check: "aws.ebs.*"
    resource: "vol-0a*"
    region: "eu-*"
    tags: {purpose: "^(dr|audit)$"}
  - reason: old exception
    check: "*"
    expires: 2026-11-30
"""


class TestParse:
    def test_rules_keep_their_line_numbers(self):
        sup = parse(FILE)
        assert [r.line for r in sup.rules] == [3, 5, 10]
        assert sup.rules[1].tags == {"purpose": "^(dr|audit)$"}

    def test_missing_reason_names_the_line_of_the_rule(self):
        text = "rules:\n  - check: aws.*\n  - reason: ''\n"
        with pytest.raises(UsageError, match=r"ignore file:2: reason: Field required"):
            parse(text)

    def test_empty_reason_is_refused(self):
        with pytest.raises(UsageError, match=r":2: reason"):
            parse("rules:\n  - reason: ''\n")

    def test_a_misspelt_key_is_an_error_not_a_rule_that_never_matches(self):
        with pytest.raises(UsageError, match=r":3: regoin: Extra inputs are not permitted"):
            parse("rules:\n  - reason: x\n  - reason: y\n    regoin: eu-west-1\n")

    def test_invalid_yaml_reports_its_line(self):
        with pytest.raises(
            UsageError, match=r"x.yaml:4: not valid YAML \(while parsing a flow sequence started on line 3"
        ):
            parse("rules:\n  - reason: a\n  - reason: [b\n", Path("x.yaml"))

    def test_bad_regex_and_bad_date_are_errors(self):
        with pytest.raises(UsageError, match=r":2: resource_regex"):
            parse("rules:\n  - reason: a\n    resource_regex: '('\n")
        with pytest.raises(UsageError, match=r":2: expires"):
            parse("rules:\n  - reason: a\n    expires: tomorrow\n")

    def test_unknown_version_and_non_mapping(self):
        with pytest.raises(UsageError, match="unsupported version 2"):
            parse("version: 2\nrules: []\n")
        with pytest.raises(UsageError, match="expected a mapping"):
            parse("- reason: a\n")

    def test_an_empty_file_has_no_rules(self):
        assert parse("").rules == []


class TestMatching:
    def test_rules_are_ored_and_conditions_anded(self):
        sup = parse(FILE)
        assert sup.reason_for(finding(account="999999999999"), NOW) == "line 3: sandbox account"
        dr = finding(rid="vol-0a1", tags={"purpose": "dr"})
        assert sup.reason_for(dr, NOW) == "line 5: DR copies for the audit"
        assert sup.reason_for(finding(rid="vol-0a1", tags={"purpose": "prod"}), NOW) is None
        assert sup.reason_for(finding(rid="vol-0a1", tags={"purpose": "dr"}, region="us-east-1"), NOW) is None
        assert sup.reason_for(finding(rid="vol-0b1", tags={"purpose": "dr"}), NOW) is None

    def test_resource_glob_matches_name_and_arn_too(self):
        rule = Rule(reason="x", resource="name-vol-9*")
        assert rule.matches(finding(rid="vol-9"))

    def test_resource_regex(self):
        rule = Rule(reason="x", resource_regex=r"^vol-0a[0-9]$")
        assert rule.matches(finding(rid="vol-0a1"))
        assert not rule.matches(finding(rid="vol-0ab"))

    def test_an_expired_rule_stops_applying_the_day_after(self):
        sup = parse(FILE)
        last_day = datetime(2026, 11, 30, 23, 59, tzinfo=UTC)
        assert sup.reason_for(finding(), last_day) == "line 10: old exception"
        assert sup.reason_for(finding(), NOW) is None
        assert [r.line for r in sup.expired(NOW)] == [10]

    def test_apply_marks_muted_open_findings_ignored_with_the_reason(self):
        sup = parse(FILE)
        muted, kept, marked = sup.apply(
            [
                finding(account="999999999999"),
                finding(rid="vol-x"),
                finding(account="999999999999", rid="vol-y", status=Status.MARKED_FOR_DELETION),
            ],
            NOW,
        )
        assert muted.status is Status.IGNORED and muted.evidence["suppressed_by"] == "line 3: sandbox account"
        assert kept.status is Status.OPEN and "suppressed_by" not in kept.evidence
        assert marked.status is Status.MARKED_FOR_DELETION  # a human decision wins over a rule


class TestTag:
    def test_the_ignore_tag_mutes(self):
        sup = Suppressions()
        assert (
            sup.reason_for(finding(tags={"cloudwaste:ignore": "true"}), NOW) == "tag cloudwaste:ignore=true"
        )
        assert sup.reason_for(finding(tags={"cloudwaste:ignore": "false"}), NOW) is None

    def test_ignore_until_is_inclusive_and_then_lapses(self):
        tags = {"cloudwaste:ignore": "yes", "cloudwaste:ignore-until": "2026-12-01"}
        assert Suppressions().reason_for(finding(tags=tags), NOW) == (
            "tag cloudwaste:ignore=yes until 2026-12-01"
        )
        tags["cloudwaste:ignore-until"] = "2026-11-30"
        assert Suppressions().reason_for(finding(tags=tags), NOW) is None

    def test_an_unreadable_until_date_mutes_nothing(self):
        tags = {"cloudwaste:ignore": "yes", "cloudwaste:ignore-until": "soon"}
        assert Suppressions().reason_for(finding(tags=tags), NOW) is None


class TestLoad:
    def test_the_file_in_the_working_directory_is_found(self, tmp_path):
        (tmp_path / DEFAULT_FILE).write_text(FILE)
        sup = load(cwd=tmp_path)
        assert sup.path == tmp_path / DEFAULT_FILE and len(sup.rules) == 3
        assert sup.reason_for(finding(account="999999999999"), NOW) == (
            ".cloudwaste-ignore.yaml line 3: sandbox account"
        )

    def test_no_file_means_only_the_tag(self, tmp_path):
        sup = load(cwd=tmp_path)
        assert sup.rules == [] and sup.use_tags

    def test_no_ignore_turns_off_file_and_tag(self, tmp_path):
        (tmp_path / DEFAULT_FILE).write_text(FILE)
        sup = load(cwd=tmp_path, enabled=False)
        assert sup.rules == [] and sup.reason_for(finding(tags={"cloudwaste:ignore": "1"}), NOW) is None

    def test_an_explicit_missing_file_is_a_usage_error(self, tmp_path):
        with pytest.raises(UsageError, match="does not exist"):
            load(tmp_path / "nope.yaml")
