"""Which regions an AWS scan covers: ``-r`` names, ``all`` and globs against DescribeRegions.

The provider calls ``DescribeRegions(AllRegions=True)`` once per account and hands the result here as
``{region: OptInStatus}``. Selection rules:

- ``all`` or no ``-r`` at all: every region whose status is ``opt-in-not-required`` or ``opted-in``;
- a glob (``eu-*``) is matched against every known region; matches that are not enabled are skipped;
- a named region that is known but not enabled is skipped (not an error);
- a named region unknown to DescribeRegions (a typo, or a region newer than the account's view) is
  kept with a warning, so its failure shows up in coverage rather than silently vanishing;
- ``--exclude-region`` names or globs remove regions from both lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from cloudwaste.errors import ProviderError, UsageError

ENABLED_STATUSES = frozenset({"opt-in-not-required", "opted-in"})
NOT_ENABLED = "region not enabled (opt-in)"
_TOKEN = re.compile(r"^[a-z0-9*?\[\]!-]+$")
_GLOB_CHARS = frozenset("*?[")


@dataclass
class RegionSelection:
    """The regions to scan, the regions skipped because they are not enabled, and warnings."""

    regions: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _tokens(values: Iterable[str], flag: str) -> list[str]:
    out: list[str] = []
    for value in values:
        for raw in value.split(","):
            token = raw.strip().lower()
            if not token:
                continue
            if not _TOKEN.match(token):
                raise UsageError(
                    f"invalid {flag} value {raw.strip()!r}",
                    hint="use region names like eu-west-1, globs like 'eu-*', or 'all'",
                )
            out.append(token)
    return out


def is_glob(token: str) -> bool:
    """True when ``token`` is a pattern rather than a region name."""
    return bool(_GLOB_CHARS & set(token))


def select_regions(
    known: Mapping[str, str] | None,
    requested: Iterable[str],
    exclude: Iterable[str] = (),
    listing_error: str | None = None,
) -> RegionSelection:
    """Resolve ``-r``/``--exclude-region`` values against ``known`` (region -> OptInStatus).

    ``known`` is None when DescribeRegions could not be called (``listing_error`` says why): explicit
    names are then used as given (with a warning), while ``all`` and globs cannot be resolved and
    raise :class:`ProviderError`.
    """
    why = f"ec2:DescribeRegions failed: {listing_error}" if listing_error else "ec2:DescribeRegions failed"
    wanted = _tokens(requested, "--region")
    excluded = _tokens(exclude, "--exclude-region")
    sel = RegionSelection()
    chosen: set[str] = set()
    skipped: set[str] = set()
    if known is None:
        vague = [t for t in wanted if t == "all" or is_glob(t)] or (["all"] if not wanted else [])
        if vague:
            raise ProviderError(
                f"cannot resolve region {vague[0]!r}: the enabled regions could not be listed ({why})",
                hint="grant ec2:DescribeRegions, or name the regions to scan with -r REGION",
            )
        sel.warnings.append(
            f"could not list the account's regions ({why}); scanning the named regions without "
            "checking that they are enabled"
        )
        chosen.update(wanted)
    else:
        enabled = {r for r, status in known.items() if status in ENABLED_STATUSES}
        for token in wanted or ["all"]:
            if token == "all":
                chosen |= enabled
            elif is_glob(token):
                matches = {r for r in known if fnmatchcase(r, token)}
                if not matches:
                    sel.warnings.append(f"region pattern {token!r} matches no known AWS region")
                chosen |= matches & enabled
                skipped |= matches - enabled
            elif token in enabled:
                chosen.add(token)
            elif token in known:
                skipped.add(token)
            else:
                sel.warnings.append(
                    f"region {token!r} is not among the account's known regions (a typo?); scanning it anyway"
                )
                chosen.add(token)
    for pattern in excluded:
        hit = {r for r in chosen | skipped if fnmatchcase(r, pattern)}
        if not hit and not (known is not None and any(fnmatchcase(r, pattern) for r in known)):
            sel.warnings.append(f"--exclude-region {pattern!r} matches no region")
        chosen -= hit
        skipped -= hit
    sel.regions = sorted(chosen)
    sel.skipped = sorted(skipped - chosen)
    return sel
