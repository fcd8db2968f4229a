"""Instance classes and their prices, shared by the EC2 and RDS checks.

EC2 types and RDS classes are priced from the ``aws_compute_db.json`` fragment of the price book
(``ec2.instance.<type>.hour``, ``rds.<engine group>.<class>.hour``); each entry also gives ``vcpu``
and ``memory_gib``, which is how a family's sizes are ordered. A saving is always the difference of
two book prices (``kind=saving``), never a percentage of a guessed price.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cloudwaste.checks.context import CheckContext, aws_tags
from cloudwaste.model import CostBasis, CostKind, Money
from cloudwaste.pricing.book import Price, PriceBook

_BASIS_RANK = {CostBasis.LIVE_PRICE: 0, CostBasis.BUNDLED_PRICE: 1, CostBasis.ESTIMATE: 2}
_TYPE = re.compile(r"^(?:db\.)?([a-z][a-z0-9-]*?)\.([a-z0-9]+)$")
LINUX = "Linux/UNIX"

# Tags that mark a resource as non-production (keys compared lowercased, values lowercased).
NONPROD_KEYS = ("environment", "env", "stage", "tier")
NONPROD_VALUES = frozenset(
    {
        "dev",
        "development",
        "test",
        "testing",
        "qa",
        "staging",
        "stage",
        "sandbox",
        "nonprod",
        "non-prod",
        "non-production",
        "uat",
        "demo",
    }
)
# AWS Instance Scheduler and similar tools: a resource with such a tag is already scheduled.
SCHEDULE_TAGS = ("schedule", "instance-scheduler", "scheduler", "auto-stop", "autostop")


def weakest(*bases: CostBasis | None) -> CostBasis | None:
    """The least certain of several bases (estimate < bundled < live)."""
    known = [b for b in bases if b is not None]
    return max(known, key=_BASIS_RANK.__getitem__) if known else None


def nonprod_tag(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """The ``(key, value)`` tag that marks a resource as non-production, if any."""
    for key, value in tags.items():
        if key.lower() in NONPROD_KEYS and value.strip().lower() in NONPROD_VALUES:
            return key, value
    return None


def schedule_tag(tags: Mapping[str, str]) -> str | None:
    """The key of a tag that says a scheduler already starts and stops the resource."""
    return next((k for k in tags if k.lower() in SCHEDULE_TAGS), None)


def split_type(name: str) -> tuple[str, str] | None:
    """``("m5", "large")`` for ``m5.large`` or ``db.m5.large``; None for ``db.serverless`` and the like."""
    match = _TYPE.match(name or "")
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class Size:
    """One priced instance type or DB class."""

    name: str  # m5.large / db.m5.large
    key: str  # its price key
    vcpu: float
    memory_gib: float
    price: Price

    @property
    def hourly(self) -> float:
        """USD per hour."""
        return self.price.amount


def size_of(prices: PriceBook, key: str, name: str, region: str) -> Size | None:
    """The priced size behind ``key`` in ``region`` (None when the book has no price there)."""
    entry = prices.prices.get(key)
    price = prices.get(key, region)
    if entry is None or price is None:
        return None
    return Size(name, key, float(entry.get("vcpu") or 0), float(entry.get("memory_gib") or 0), price)


def ec2_key(instance_type: str) -> str:
    """Price key of an EC2 instance type."""
    return f"ec2.instance.{instance_type}.hour"


def ec2_size(ctx: CheckContext, instance_type: str) -> Size | None:
    """An EC2 type's price and shape in the unit's region."""
    return size_of(ctx.prices, ec2_key(instance_type), instance_type, ctx.region)


def family_sizes(ctx: CheckContext, prefix: str, family: str) -> list[Size]:
    """Every priced size of ``family`` (``m5``, or ``db.m5`` under an RDS prefix) whose keys start with
    ``prefix`` (``ec2.instance``, ``rds.mysql``), smallest first (by vCPUs, then memory)."""
    start = f"{prefix}.{family}."
    sizes = []
    for key in ctx.prices.prices:
        rest = key[len(start) : -len(".hour")] if key.startswith(start) and key.endswith(".hour") else ""
        if rest and "." not in rest:
            found = size_of(ctx.prices, key, f"{family}.{rest}", ctx.region)
            if found is not None:
                sizes.append(found)
    return sorted(sizes, key=lambda s: (s.vcpu, s.memory_gib, s.hourly))


def next_smaller(sizes: list[Size], current: Size, *, fewer_vcpus: bool) -> Size | None:
    """The largest size below ``current`` that costs less (with fewer vCPUs when ``fewer_vcpus``)."""
    below = [
        s
        for s in sizes
        if s.hourly < current.hourly
        and (
            s.vcpu < current.vcpu
            if fewer_vcpus
            else (s.vcpu, s.memory_gib) < (current.vcpu, current.memory_gib)
        )
    ]
    return below[-1] if below else None


def saving(current: Size, target: Size, hours: float, *, factor: float = 1.0, note: str = "") -> Money:
    """Monthly saving of running ``target`` instead of ``current`` (``factor`` x, e.g. 2 for Multi-AZ)."""
    amount = round((current.hourly - target.hourly) * hours * factor, 2)
    times = f" x {factor:g}" if factor != 1 else ""
    detail = (
        f"(${current.hourly:g}/h {current.name} - ${target.hourly:g}/h {target.name}) x {hours:g} h{times} "
        f"({current.key}, {target.key}, {current.price.region})"
    )
    if note:
        detail += f"; {note}"
    return Money(
        amount=amount,
        currency=current.price.currency,
        basis=weakest(current.price.basis, target.price.basis),
        kind=CostKind.SAVING,
        detail=detail,
    )


def hourly_money(
    size: Size, hours: float, *, factor: float = 1.0, kind: CostKind = CostKind.COST, note: str = ""
) -> Money:
    """``factor`` x ``hours`` of ``size`` (e.g. the off-hours of a month, or a whole month)."""
    amount = round(size.hourly * hours * factor, 2)
    times = f" x {factor:g}" if factor != 1 else ""
    detail = f"${size.hourly:g}/h {size.name} x {hours:g} h{times} ({size.key}, {size.price.region})"
    if note:
        detail += f"; {note}"
    return Money(
        amount=amount, currency=size.price.currency, basis=size.price.basis, kind=kind, detail=detail
    )


# --- EC2 --------------------------------------------------------------------------------------------


def instance_pricing_gap(inst: Mapping[str, Any]) -> str | None:
    """Why the book's Linux on-demand price does not apply to an instance, or None when it does."""
    platform = inst.get("PlatformDetails") or ("Windows" if inst.get("Platform") == "windows" else LINUX)
    if platform != LINUX:
        return f"{platform} instance: its license is billed on top of the Linux price the book holds"
    # InstanceLifecycleType (botocore ec2 service-2.json): spot, scheduled, capacity-block,
    # interruptible-capacity-reservation; absent for on-demand. Any value is billed another way.
    if inst.get("InstanceLifecycle"):
        return f"{inst['InstanceLifecycle']} instance: not billed at the on-demand price"
    tenancy = (inst.get("Placement") or {}).get("Tenancy", "default")
    if tenancy != "default":
        return f"{tenancy} tenancy: priced apart from shared instances"
    if inst.get("OutpostArn"):
        return "Outposts instance: its capacity is bought with the Outpost"
    return None


def instance_size(ctx: CheckContext, inst: Mapping[str, Any]) -> tuple[Size | None, str | None]:
    """(priced size, None) or (None, why it is not priced) for a DescribeInstances item."""
    gap = instance_pricing_gap(inst)
    if gap:
        return None, gap
    itype = str(inst.get("InstanceType") or "")
    size = ec2_size(ctx, itype)
    if size is None:
        return None, f"no price for {ec2_key(itype)} in {ctx.region}"
    return size, None


def instance_monthly(ctx: CheckContext, inst: Mapping[str, Any]) -> Money:
    """A running instance's on-demand compute per month (EBS and public IPv4 excluded)."""
    size, gap = instance_size(ctx, inst)
    if size is None:
        return Money.unknown(detail=gap)
    return hourly_money(
        size,
        ctx.prices.hours_per_month,
        note="on-demand compute only (EBS, public IPv4 and data transfer excluded; Reserved Instances "
        "and Savings Plans lower it)",
    )


def instance_tags(inst: Mapping[str, Any]) -> dict[str, str]:
    """An instance's tags as a dict."""
    return aws_tags(inst)
