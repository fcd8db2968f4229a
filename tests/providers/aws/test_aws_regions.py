"""Region selection: names, all, globs, exclusions, opt-in regions and unknown names."""

from __future__ import annotations

import pytest

from cloudwaste.errors import ProviderError, UsageError
from cloudwaste.model import UnitStatus
from cloudwaste.providers.aws.regions import NOT_ENABLED, select_regions
from tests.fakes.aws_faults import FaultServer, deny_action
from tests.providers.aws.helpers import ACCOUNT, calls, provider

KNOWN = {
    "us-east-1": "opt-in-not-required",
    "us-west-2": "opt-in-not-required",
    "eu-west-1": "opt-in-not-required",
    "eu-central-1": "opt-in-not-required",
    "eu-south-2": "not-opted-in",
    "ap-east-1": "opted-in",
    "me-south-1": "not-opted-in",
}


def test_all_and_no_flag_mean_every_enabled_region() -> None:
    expected = ["ap-east-1", "eu-central-1", "eu-west-1", "us-east-1", "us-west-2"]
    assert select_regions(KNOWN, []).regions == expected
    assert select_regions(KNOWN, ["all"]).regions == expected
    assert select_regions(KNOWN, []).skipped == []  # not-enabled regions are not listed when nobody asked


def test_explicit_names_are_kept_as_given() -> None:
    sel = select_regions(KNOWN, ["eu-west-1", "us-east-1", "eu-west-1"])
    assert sel.regions == ["eu-west-1", "us-east-1"] and sel.skipped == [] and sel.warnings == []


def test_comma_separated_and_upper_case_values_are_accepted() -> None:
    assert select_regions(KNOWN, ["EU-WEST-1, us-east-1"]).regions == ["eu-west-1", "us-east-1"]


def test_glob_matches_enabled_regions_and_skips_opt_in_ones() -> None:
    sel = select_regions(KNOWN, ["eu-*"])
    assert sel.regions == ["eu-central-1", "eu-west-1"]
    assert sel.skipped == ["eu-south-2"]


def test_named_region_not_enabled_is_skipped() -> None:
    sel = select_regions(KNOWN, ["me-south-1", "us-east-1"])
    assert sel.regions == ["us-east-1"] and sel.skipped == ["me-south-1"]


def test_unknown_region_warns_and_passes_through() -> None:
    sel = select_regions(KNOWN, ["eu-wset-1"])
    assert sel.regions == ["eu-wset-1"]
    assert len(sel.warnings) == 1 and "eu-wset-1" in sel.warnings[0]


def test_glob_matching_nothing_warns() -> None:
    sel = select_regions(KNOWN, ["sa-*", "us-east-1"])
    assert sel.regions == ["us-east-1"]
    assert any("sa-*" in w for w in sel.warnings)


def test_exclude_removes_names_and_globs_from_scanned_and_skipped() -> None:
    sel = select_regions(KNOWN, ["all", "eu-*"], exclude=["eu-*", "us-west-2"])
    assert sel.regions == ["ap-east-1", "us-east-1"]
    assert sel.skipped == []


def test_exclude_matching_nothing_warns() -> None:
    sel = select_regions(KNOWN, ["us-east-1"], exclude=["us-esat-1"])
    assert sel.regions == ["us-east-1"]
    assert any("us-esat-1" in w for w in sel.warnings)


def test_malformed_region_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="invalid --region value 'us east 1'"):
        select_regions(KNOWN, ["us east 1"])


def test_without_describe_regions_named_regions_pass_with_a_warning() -> None:
    sel = select_regions(None, ["eu-west-1"])
    assert sel.regions == ["eu-west-1"] and sel.warnings


@pytest.mark.parametrize("requested", [[], ["all"], ["eu-*"]])
def test_without_describe_regions_all_or_globs_is_a_clear_error(requested: list[str]) -> None:
    with pytest.raises(ProviderError, match="enabled regions could not be listed") as info:
        select_regions(None, requested)
    assert "-r" in (info.value.hint or "")


# -- end to end: what moto's DescribeRegions(AllRegions=True) says ---------------------------


def test_plan_all_scans_enabled_regions_only(aws: str) -> None:
    prov = provider(["all"])
    plan = prov.plan()
    regions = {u.region for u in plan.units}
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= regions
    # moto reports the opt-in regions (ap-east-1, me-south-1, ...) as not-opted-in
    assert "ap-east-1" not in regions and "me-south-1" not in regions
    assert plan.skipped == []
    assert all(u.scope == ACCOUNT and u.provider == "aws" for u in plan.units)
    assert calls(prov, "DescribeRegions") == 1


def test_plan_records_not_enabled_regions_as_skipped_coverage(aws: str) -> None:
    plan = provider(["us-east-1", "ap-east-1", "me-*"]).plan()
    assert [u.region for u in plan.units] == ["us-east-1"]
    skipped = {c.region: c for c in plan.skipped}
    assert {"ap-east-1", "me-south-1"} <= set(skipped)
    assert all(
        c.status == UnitStatus.SKIPPED and c.error == NOT_ENABLED and c.scope == ACCOUNT for c in plan.skipped
    )


def test_plan_warns_about_an_unknown_region_and_keeps_it(aws: str) -> None:
    plan = provider(["eu-wset-1", "eu-west-1"]).plan()
    assert [u.region for u in plan.units] == ["eu-west-1", "eu-wset-1"]
    assert any("eu-wset-1" in w for w in plan.warnings)


def test_plan_with_everything_excluded_is_a_usage_error(aws: str) -> None:
    with pytest.raises(UsageError, match="no AWS region left"):
        provider(["us-east-1"], exclude_regions=["us-*"]).plan()


def test_describe_regions_denied_falls_back_to_named_regions(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FaultServer(deny_action("DescribeRegions")) as fs:
        monkeypatch.setenv("AWS_ENDPOINT_URL", fs.url)
        plan = provider(["eu-west-1", "us-east-1"]).plan()
        assert [u.region for u in plan.units] == ["eu-west-1", "us-east-1"]
        assert any("UnauthorizedOperation" in w for w in plan.warnings)
        with pytest.raises(ProviderError, match="could not be listed"):
            provider(["all"]).plan()
