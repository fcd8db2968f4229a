"""Config files: precedence, validation, per-check overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.registry import CheckSpec
from cloudwaste.config import find_project_file, load_config
from cloudwaste.engine.plan import select_checks
from cloudwaste.errors import UsageError
from cloudwaste.model import Severity


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CLOUDWASTE_CONFIG", raising=False)
    return tmp_path


def test_project_file_overrides_user_file(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = isolated / "user.toml"
    user.write_text('concurrency = 4\n[aws]\nregions = ["us-east-1"]\nprofile = "a"\n')
    monkeypatch.setenv("CLOUDWASTE_CONFIG", str(user))
    (isolated / "cloudwaste.toml").write_text('[aws]\nregions = ["eu-*"]\n')
    conf = load_config()
    assert conf.data.concurrency == 4
    assert conf.data.aws.regions == ["eu-*"]
    assert conf.data.aws.profile == "a"
    assert conf.origins["aws.regions"].endswith("cloudwaste.toml")


def test_project_file_is_found_upward_until_repo_root(isolated: Path) -> None:
    (isolated / ".cloudwaste.toml").write_text("concurrency = 2\n")
    sub = isolated / "a" / "b"
    sub.mkdir(parents=True)
    assert find_project_file(sub) == isolated / ".cloudwaste.toml"


def test_malformed_toml_is_a_usage_error(isolated: Path) -> None:
    (isolated / "cloudwaste.toml").write_text("concurrency = = 3\n")
    with pytest.raises(UsageError, match="malformed config file"):
        load_config()


def test_unknown_key_is_a_usage_error(isolated: Path) -> None:
    (isolated / "cloudwaste.toml").write_text("[aws]\nregion = 'eu-west-1'\n")
    with pytest.raises(UsageError, match=r"aws\.region"):
        load_config()


def test_missing_explicit_config_is_a_usage_error(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDWASTE_CONFIG", str(isolated / "nope.toml"))
    with pytest.raises(UsageError, match="does not exist"):
        load_config()


class P(BaseModel):
    min_age_days: int = Field(7, ge=0, description="age")


def _spec(check_id: str) -> CheckSpec:
    def func(ctx: CheckContext, params: P) -> list[Hit]:
        return []

    return CheckSpec(
        id=check_id,
        title="t",
        resource_type="x",
        severity=Severity.LOW,
        needs=(),
        params=P,
        rationale="r",
        recommendation="r",
        func=func,
    )


def test_check_overrides_apply_and_validate() -> None:
    specs = [_spec("aws.ebs.a"), _spec("aws.ebs.b")]
    selected = select_checks(
        specs, overrides={"aws.ebs.a": {"min_age_days": 14}, "aws.ebs.b": {"enabled": False}}
    )
    assert [(s.spec.id, s.params.model_dump()) for s in selected] == [("aws.ebs.a", {"min_age_days": 14})]
    with pytest.raises(UsageError, match="unknown parameter 'min_age'"):
        select_checks(specs, overrides={"aws.ebs.a": {"min_age": 1}})
    with pytest.raises(UsageError, match="bad value"):
        select_checks(specs, overrides={"aws.ebs.a": {"min_age_days": -1}})
    with pytest.raises(UsageError, match="unknown check"):
        select_checks(specs, overrides={"aws.ebs.zzz": {}})
    with pytest.raises(UsageError, match="matches no check"):
        select_checks(specs, include=["aws.rds.*"])
    assert [s.spec.id for s in select_checks(specs, include=["aws.ebs.*"], exclude=["*.b"])] == ["aws.ebs.a"]
