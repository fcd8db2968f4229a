"""Reading metric series: daily roll-ups of hourly data, percentiles, and business-hours profiles.

Series come from :meth:`CheckContext.metric`: periods without data are absent, and ``None`` (no
datapoints at all) is *unknown*. Business hours are local to ``utc_offset_hours`` (whole hours; a
zone with DST is off by one hour half the year, which a weekly profile tolerates).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.context import MetricSeries

WEEKDAYS = (0, 1, 2, 3, 4)  # Monday..Friday


def daily(series: MetricSeries, how: str = "sum") -> dict[date, float]:
    """Datapoints rolled up per UTC day (``sum``, ``mean`` or ``max``)."""
    days: dict[date, list[float]] = {}
    for stamp, value in zip(series.timestamps, series.values, strict=False):
        days.setdefault(stamp.date(), []).append(value)
    if how == "sum":
        return {d: float(sum(v)) for d, v in days.items()}
    if how == "max":
        return {d: max(v) for d, v in days.items()}
    return {d: sum(v) / len(v) for d, v in days.items()}


def percentile(values: Iterable[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``; 0.0 when empty."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def last_nonzero(series: Iterable[MetricSeries | None]) -> datetime | None:
    """The latest period in which any of the series was above zero."""
    stamps = [
        t for s in series if s is not None for t, v in zip(s.timestamps, s.values, strict=False) if v > 0
    ]
    return max(stamps, default=None)


class HoursParams(BaseModel):
    """The working week of the off-hours checks."""

    business_hours_start: int = Field(8, ge=0, le=23, description="First hour (local) of the working day.")
    business_hours_end: int = Field(
        19, ge=1, le=24, description="Hour (local) the working day ends; hours from it on are off-hours."
    )
    utc_offset_hours: int = Field(
        0, ge=-12, le=14, description="Local time of the working week, as hours from UTC."
    )


def is_business_hour(stamp: datetime, params: HoursParams) -> bool:
    """Whether the hour starting at ``stamp`` (UTC) is inside the working week."""
    local = stamp + timedelta(hours=params.utc_offset_hours)
    return (
        local.weekday() in WEEKDAYS and params.business_hours_start <= local.hour < params.business_hours_end
    )


def off_hours_share(params: HoursParams) -> float:
    """Share of a week's 168 hours outside the working week."""
    per_day = max(0, params.business_hours_end - params.business_hours_start)
    return 1 - per_day * len(WEEKDAYS) / 168


@dataclass
class HourlyProfile:
    """An hourly series split into working hours and off-hours."""

    business: list[float] = field(default_factory=list)
    off: list[float] = field(default_factory=list)
    expected_off_hours: int = 0

    @property
    def business_mean(self) -> float:
        """Mean value in working hours (0.0 without data)."""
        return sum(self.business) / len(self.business) if self.business else 0.0

    @property
    def off_mean(self) -> float:
        """Mean value off-hours (0.0 without data)."""
        return sum(self.off) / len(self.off) if self.off else 0.0

    @property
    def business_share(self) -> float:
        """Share of the series' total that falls in working hours (0.0 when the total is 0)."""
        total = sum(self.business) + sum(self.off)
        return sum(self.business) / total if total else 0.0

    @property
    def off_coverage(self) -> float:
        """Share of the window's off-hours that have a datapoint (an instance emits none when stopped)."""
        return len(self.off) / self.expected_off_hours if self.expected_off_hours else 0.0

    def evidence(self) -> dict[str, Any]:
        """Compact numbers for a finding."""
        return {
            "business_hours_mean": round(self.business_mean, 3),
            "off_hours_mean": round(self.off_mean, 3),
            "business_hours_share_of_total": round(self.business_share, 3),
            "business_hours_datapoints": len(self.business),
            "off_hours_datapoints": len(self.off),
            "off_hours_in_window": self.expected_off_hours,
        }


def profile(series: MetricSeries, params: HoursParams, now: datetime) -> HourlyProfile:
    """Split an hourly series by the working week; count the off-hours of its whole window."""
    result = HourlyProfile()
    for stamp, value in zip(series.timestamps, series.values, strict=False):
        (result.business if is_business_hour(stamp, params) else result.off).append(value)
    start = (now - timedelta(days=series.days)).replace(minute=0, second=0, microsecond=0)
    hours = series.days * 24
    result.expected_off_hours = sum(
        1 for h in range(hours) if not is_business_hour(start + timedelta(hours=h), params)
    )
    return result


def working_week(params: HoursParams) -> str:
    """``Mon-Fri 08:00-19:00 UTC`` (or ``UTC+2``)."""
    offset = "UTC" if params.utc_offset_hours == 0 else f"UTC{params.utc_offset_hours:+d}"
    return f"Mon-Fri {params.business_hours_start:02d}:00-{params.business_hours_end:02d}:00 {offset}"
