"""Which projects a GCP scan covers: Resource Manager discovery on the fake and the selection flags."""

from __future__ import annotations

import pytest

from cloudwaste.errors import CredentialsError, UsageError
from cloudwaste.model import UnitStatus
from cloudwaste.providers.gcp.projects import NOT_VISIBLE, Project, select_projects
from tests.fakes.gcp import FakeGcp
from tests.providers.gcp.helpers import provider

ORG = "organizations/123456789012"


def _estate(gcp: FakeGcp) -> None:
    gcp.add_folder("100", ORG, "prod")
    gcp.add_folder("101", "folders/100", "prod-eu")
    gcp.add_folder("200", ORG, "sandbox")
    gcp.add_project("app-prod", "App (prod)", parent="folders/101", labels={"env": "prod", "team": "web"})
    gcp.add_project("app-dev", "App (dev)", parent="folders/200", labels={"env": "dev", "team": "web"})
    gcp.add_project("data-prod", "Data", parent="folders/100", labels={"env": "prod", "team": "data"})
    gcp.add_project("legacy", "Legacy", parent=ORG, state="DELETE_REQUESTED")
    gcp.add_project("other-org", "Elsewhere", parent="organizations/999")


def _scopes(**options: object) -> list[str]:
    return [u.scope for u in provider(**options).plan().units]


def test_default_is_every_active_project_the_identity_can_list(gcp: FakeGcp) -> None:
    _estate(gcp)
    plan = provider().plan()
    assert [u.scope for u in plan.units] == ["app-dev", "app-prod", "data-prod", "other-org"]
    assert {u.label for u in plan.units} >= {"App (prod)", "Data"} and {u.region for u in plan.units} == {
        "global"
    }
    [skipped] = plan.skipped
    assert (skipped.scope, skipped.status) == ("legacy", UnitStatus.SKIPPED)
    assert "DELETE_REQUESTED" in str(skipped.error)
    assert len(gcp.calls("/v3/projects:search")) == 3  # 5 projects, 2 a page
    assert plan.banner.startswith("gcp: given credentials") and "4 project(s)" in plan.banner


def test_exact_project_ids_are_read_with_projects_get_not_searched(gcp: FakeGcp) -> None:
    _estate(gcp)
    plan = provider(projects=["data-prod", "app-prod", "typo-project"]).plan()
    assert [u.scope for u in plan.units] == ["app-prod", "data-prod"]
    [missing] = plan.skipped
    assert (missing.scope, missing.status, missing.error) == ("typo-project", UnitStatus.ERROR, NOT_VISIBLE)
    assert gcp.calls("/v3/projects:search") == []
    assert {c.path for c in gcp.calls("/v3/projects/")} == {
        "/v3/projects/data-prod",
        "/v3/projects/app-prod",
        "/v3/projects/typo-project",
    }


def test_globs_search_and_match_ids_and_names(gcp: FakeGcp) -> None:
    _estate(gcp)
    assert _scopes(projects=["app-*"]) == ["app-dev", "app-prod"]
    assert _scopes(projects=["data*", "App (dev)"]) == ["app-dev", "data-prod"]


def test_exclusions_and_project_labels(gcp: FakeGcp) -> None:
    _estate(gcp)
    assert _scopes(exclude_projects=["app-*", "other-org"]) == ["data-prod"]
    assert _scopes(labels=["env=prod"]) == ["app-prod", "data-prod"]
    assert _scopes(labels=["env=prod", "env=dev", "team=web"]) == ["app-dev", "app-prod"]
    assert _scopes(labels=["team"]) == ["app-dev", "app-prod", "data-prod"]


def test_organization_and_folders_follow_the_folder_tree(gcp: FakeGcp) -> None:
    _estate(gcp)
    assert _scopes(organization="123456789012") == ["app-dev", "app-prod", "data-prod"]
    assert _scopes(folders=["100"]) == ["app-prod", "data-prod"]  # 101 is under 100
    assert _scopes(folders=["folders/101", "200"]) == ["app-dev", "app-prod"]
    parents = {c.param("parent") for c in gcp.calls("/v3/folders")}
    assert {"organizations/123456789012", "folders/100", "folders/101", "folders/200"} <= parents


def test_nothing_left_is_a_usage_error_naming_the_flags(gcp: FakeGcp) -> None:
    _estate(gcp)
    with pytest.raises(UsageError) as err:
        provider(projects=["nope-*"]).plan()
    assert (
        "no Google Cloud project left to scan" in err.value.message
        and "--project 'nope-*'" in err.value.message
    )


def test_an_identity_that_sees_no_project_is_exit_5(gcp: FakeGcp) -> None:
    with pytest.raises(CredentialsError, match="sees no Google Cloud project") as err:
        provider().plan()
    assert err.value.hint and "roles/viewer" in err.value.hint


def test_resource_manager_disabled_still_scans_named_projects(gcp: FakeGcp) -> None:
    gcp.add_project("app-prod")
    gcp.disable("resourcemanager")
    plan = provider(projects=["app-prod"]).plan()
    assert [u.scope for u in plan.units] == ["app-prod"]
    assert any("Cloud Resource Manager API" in w for w in plan.warnings)


def test_resource_manager_disabled_without_projects_says_how_to_fix(gcp: FakeGcp) -> None:
    gcp.add_project("app-prod")
    gcp.disable("resourcemanager")
    with pytest.raises(Exception) as err:
        provider().plan()
    assert "Cloud Resource Manager API" in str(err.value) and "not enabled" in str(err.value)


def test_a_malformed_project_id_is_a_usage_error(gcp: FakeGcp) -> None:
    with pytest.raises(UsageError, match="is not a project id"):
        provider(projects=["Bad_Project!"]).plan()


def test_selection_rules_on_plain_data() -> None:
    listed = [
        Project("a-prod", "A", labels={"env": "prod"}, parent="folders/1"),
        Project("b-dev", "B", labels={"env": "dev"}, parent="folders/2"),
        Project("c-old", "C", state="DELETE_REQUESTED", parent="folders/1"),
    ]
    sel = select_projects(listed, ["*"], exclude=["b-*", "zzz"], parents={"folders/1"})
    assert [p.id for p in sel.scan] == ["a-prod"] and [p.id for p, _ in sel.skipped] == ["c-old"]
    assert sel.warnings == ["--exclude-project 'zzz' matches no project"]
    sel = select_projects(listed, [], exclude=["typo"], missing=[("typo", NOT_VISIBLE)])
    assert sel.missing == [] and sel.warnings == []  # excluding a missing id removes it quietly
