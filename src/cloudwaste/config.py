"""Settings: flag > env ``CLOUDWASTE_*`` > ``./cloudwaste.toml`` > user config > defaults.

Flags and env vars are resolved by Typer (every option declares its env var); this module loads the
two TOML files, validates them (an unknown key or a malformed file is a usage error, exit 2) and
answers "what is the value of X and where did it come from".

Example ``cloudwaste.toml``::

    db = "~/finops/cloudwaste.db"
    concurrency = 8

    [aws]
    regions = ["eu-*", "us-east-1"]
    exclude_regions = ["eu-south-2"]
    profile = "finops-readonly"

    [gate]
    fail_over = 500

    [checks."aws.ebs.unattached_volume"]
    min_age_days = 14

    [checks."aws.ebs.gp2_volume"]
    enabled = false
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cloudwaste.errors import UsageError

APP = "cloudwaste"
PROJECT_FILES = ("cloudwaste.toml", ".cloudwaste.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AwsSection(_Strict):
    """``[aws]``: defaults for ``scan aws``."""

    regions: list[str] = Field(default_factory=list)
    exclude_regions: list[str] = Field(default_factory=list)
    profile: str | None = None
    account: str | None = None
    org: bool = False  # scan the organization's ACTIVE accounts (needs role_name)
    role_name: str | None = Field(default=None, min_length=1)
    external_id: str | None = Field(default=None, min_length=2)
    accounts_file: str | None = Field(default=None, min_length=1)


class AzureSection(_Strict):
    """``[azure]``: defaults for ``scan azure``."""

    subscriptions: list[str] = Field(default_factory=list)
    exclude_subscriptions: list[str] = Field(default_factory=list)
    resource_groups: list[str] = Field(default_factory=list)
    account: str | None = None
    auth: Literal["default", "cli", "env", "managed-identity"] | None = None
    cloud: Literal["public", "usgov", "china"] | None = None
    discovery: Literal["graph", "arm"] | None = None


class GcpSection(_Strict):
    """``[gcp]``: defaults for ``scan gcp``."""

    projects: list[str] = Field(default_factory=list)
    exclude_projects: list[str] = Field(default_factory=list)
    organization: str | None = Field(default=None, min_length=1)
    folders: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    account: str | None = None
    credentials_file: str | None = Field(default=None, min_length=1)
    impersonate_service_account: str | None = Field(default=None, min_length=3)
    quota_project: str | None = Field(default=None, min_length=1)


class M365Section(_Strict):
    """``[m365]``: defaults for ``scan m365``."""

    tenant: str | None = Field(default=None, min_length=1)
    account: str | None = None
    auth: Literal["env", "cli"] | None = None
    period: Literal["D30", "D90", "D180"] | None = None
    max_items: int | None = Field(default=None, ge=0)


class PricingSection(_Strict):
    """``[pricing]``: your own prices over the bundled book, e.g. ``[pricing.m365] ENTERPRISEPACK = 23.0``
    (negotiated USD per licence per month, keyed by skuPartNumber)."""

    m365: dict[str, float] = Field(default_factory=dict)


class GateSection(_Strict):
    """``[gate]``: default CI gates."""

    fail_over: float | None = Field(default=None, ge=0)
    fail_on_count: int | None = Field(default=None, ge=0)
    fail_on_severity: Literal["low", "medium", "high", "critical"] | None = None
    soft_fail: bool = False


class AiSection(_Strict):
    """``[ai]``: defaults for ``cloudwaste ask`` (the API key is never read from a file)."""

    model: str | None = Field(default=None, min_length=1)
    max_tokens: int | None = Field(default=None, ge=1, le=64_000)
    top: int | None = Field(default=None, ge=0, le=1_000)
    redact: bool | None = None


class ConfigFile(_Strict):
    """The whole file."""

    db: str | None = None
    concurrency: int | None = Field(default=None, ge=1, le=64)
    min_cost: float | None = Field(default=None, ge=0)
    aws: AwsSection = Field(default_factory=AwsSection)
    azure: AzureSection = Field(default_factory=AzureSection)
    gcp: GcpSection = Field(default_factory=GcpSection)
    gate: GateSection = Field(default_factory=GateSection)
    ai: AiSection = Field(default_factory=AiSection)
    m365: M365Section = Field(default_factory=M365Section)
    pricing: PricingSection = Field(default_factory=PricingSection)
    checks: dict[str, dict[str, Any]] = Field(default_factory=dict)


@dataclass
class Config:
    """The merged config files and which file set what."""

    files: list[Path] = field(default_factory=list)
    data: ConfigFile = field(default_factory=ConfigFile)
    origins: dict[str, str] = field(default_factory=dict)  # "aws.regions" -> file path


def user_config_path() -> Path:
    """``CLOUDWASTE_CONFIG`` or the platform's user config file."""
    explicit = os.environ.get("CLOUDWASTE_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False)) / "config.toml"


def default_db_path() -> Path:
    """The default store location (platformdirs user data dir)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False)) / "cloudwaste.db"


def find_project_file(start: Path | None = None) -> Path | None:
    """``cloudwaste.toml`` or ``.cloudwaste.toml`` here or in a parent, up to the repo root."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in PROJECT_FILES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        if (folder / ".git").exists():
            break
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"malformed config file {path}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key != "checks" and prefix != "checks.":
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(project_file: Path | None = None, *, use_project: bool = True) -> Config:
    """Load the user file then the project file (which wins), validating both."""
    files: list[Path] = []
    user = user_config_path()
    if user.is_file() or os.environ.get("CLOUDWASTE_CONFIG"):
        if not user.is_file():
            raise UsageError(f"config file {user} (CLOUDWASTE_CONFIG) does not exist")
        files.append(user)
    project = project_file or (find_project_file() if use_project else None)
    if project and project not in files:
        files.append(project)
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for path in files:
        raw = _read(path)
        try:
            ConfigFile.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise UsageError(f"invalid config file {path}: {loc}: {err['msg']}") from None
        merged = _merge(merged, raw)
        origins.update({key: str(path) for key in _flatten(raw)})
    return Config(files=files, data=ConfigFile.model_validate(merged), origins=origins)
