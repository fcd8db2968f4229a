"""AWS cost helpers over the price book: EBS volumes, snapshots, public IPv4, gp2 -> gp3 savings.

Every helper returns :class:`~cloudwaste.model.Money`; an unknown unit price makes the whole amount
unknown (None), never 0. The keys are those of ``pricing/data/aws.json``.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloudwaste.model import CostBasis, CostKind, Money
from cloudwaste.pricing.book import PriceBook

GP3_FREE_IOPS = 3000
GP3_FREE_THROUGHPUT = 125  # MiB/s
GP3_MAX_IOPS_PER_GIB = 500  # provisioned IOPS above the 3,000 baseline: at most 500 per GiB
GP3_MIBPS_PER_IOPS = 0.25  # gp3 throughput: at most 0.25 MiB/s per provisioned IOPS
IO_MIBPS_PER_IOPS = 0.25  # io1/io2 throughput scales at about 256 KiB/s per provisioned IOPS
IO_MIN_IOPS = 100
IO2_TIERS = (
    (32_000, "ebs.io2.iops_month"),
    (64_000, "ebs.io2.iops_month.tier2"),
    (None, "ebs.io2.iops_month.tier3"),
)
VOLUME_TYPES = frozenset({"gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"})
PUBLIC_IPV4_KEY = "ec2.public_ipv4.hour"

_BASIS_RANK = {CostBasis.LIVE_PRICE: 0, CostBasis.BUNDLED_PRICE: 1, CostBasis.ESTIMATE: 2}


def add(
    parts: Sequence[Money], *, kind: CostKind = CostKind.COST, empty_detail: str = "nothing billed"
) -> Money:
    """The sum of ``parts``: unknown if any part is unknown, the weakest basis of the parts."""
    if not parts:
        return Money(amount=0.0, basis=CostBasis.BUNDLED_PRICE, kind=kind, detail=empty_detail)
    detail = " + ".join(p.detail for p in parts if p.detail)
    if any(p.amount is None for p in parts):
        return Money.unknown(kind, detail=detail)
    bases = [p.basis for p in parts if p.basis is not None]
    basis = max(bases, key=_BASIS_RANK.__getitem__) if bases else None
    amount = round(sum(p.amount or 0.0 for p in parts), 2)
    return Money(amount=amount, currency=parts[0].currency, basis=basis, kind=kind, detail=detail)


def with_note(money: Money, note: str) -> Money:
    """``money`` with ``note`` appended to its detail (e.g. what the figure leaves out)."""
    detail = f"{money.detail}; {note}" if money.detail else note
    return money.model_copy(update={"detail": detail})


def ebs_volume_monthly(
    prices: PriceBook,
    region: str,
    volume_type: str,
    size_gb: float,
    iops: int | None = None,
    throughput: int | None = None,
) -> Money:
    """Monthly cost of one EBS volume: storage + provisioned IOPS (io1/io2, gp3 above 3,000)
    + gp3 throughput above 125 MiB/s. io2 IOPS are priced in AWS's three tiers."""
    if volume_type not in VOLUME_TYPES:
        return Money.unknown(detail=f"no price for EBS volume type {volume_type!r}")
    parts = [prices.monthly(f"ebs.{volume_type}.gb_month", region, size_gb, what=f"GiB {volume_type}")]
    iops = int(iops or 0)
    if volume_type == "io1" and iops:
        parts.append(prices.monthly("ebs.io1.iops_month", region, iops, what="IOPS"))
    elif volume_type == "io2" and iops:
        low = 0
        for high, key in IO2_TIERS:
            band = (min(iops, high) if high is not None else iops) - low
            if band <= 0:
                break
            parts.append(prices.monthly(key, region, band, what="IOPS"))
            if high is None:
                break
            low = high
    elif volume_type == "gp3":
        if iops > GP3_FREE_IOPS:
            parts.append(
                prices.monthly("ebs.gp3.iops_month", region, iops - GP3_FREE_IOPS, what="IOPS above 3000")
            )
        if throughput and throughput > GP3_FREE_THROUGHPUT:
            extra = throughput - GP3_FREE_THROUGHPUT
            parts.append(prices.monthly("ebs.gp3.throughput_month", region, extra, what="MiB/s above 125"))
    total = add(parts)
    if volume_type == "standard":
        total = with_note(total, "I/O request charges not included")
    return total


def change_saving(current: Money, target: Money, change: str) -> Money:
    """The monthly saving of a change: ``current`` cost minus ``target`` cost (unknown if either is).

    Never the resource's full cost: a volume that changes type keeps costing its target price.
    """
    if current.amount is None or target.amount is None:
        missing = current if current.amount is None else target
        return Money.unknown(CostKind.SAVING, detail=f"{change}: {missing.detail or 'price unknown'}")
    bases = [b for b in (current.basis, target.basis) if b is not None]
    basis = max(bases, key=_BASIS_RANK.__getitem__) if bases else None
    return Money(
        amount=round(current.amount - target.amount, 2),
        currency=current.currency,
        basis=basis,
        kind=CostKind.SAVING,
        detail=f"{change}: now ${current.amount:.2f} [{current.detail}] - after ${target.amount:.2f} "
        f"[{target.detail}]",
    )


def snapshot_monthly(prices: PriceBook, region: str, size_gb: float, tier: str | None = "standard") -> Money:
    """Upper bound of a snapshot's monthly storage: full ``size_gb`` at the tier's $/GB-month."""
    tier = "archive" if tier == "archive" else "standard"
    money = prices.monthly(
        f"ebs.snapshot.{tier}.gb_month", region, size_gb, what=f"GiB snapshot ({tier} tier)"
    )
    return with_note(money, "upper bound: snapshots are billed on the blocks they store")


def public_ipv4_monthly(prices: PriceBook, region: str, count: int = 1) -> Money:
    """Monthly charge of ``count`` public IPv4 addresses ($0.005/hour each since Feb 2024)."""
    return prices.monthly(PUBLIC_IPV4_KEY, region, count, what="public IPv4")


def gp2_baseline_iops(size_gb: int) -> int:
    """gp2 baseline IOPS: 3 per GiB, at least 100, at most 16,000."""
    return max(100, min(16_000, 3 * size_gb))


def gp2_sustained_throughput(size_gb: int) -> int:
    """gp2 throughput (MiB/s) a gp3 must match: 250 from 334 GiB (sustained there); below, gp2 reaches
    128 MiB/s, or 250 only while burst credits last, which the gp3 125 MiB/s baseline is taken to cover."""
    return 250 if size_gb >= 334 else GP3_FREE_THROUGHPUT


def gp2_to_gp3_saving(prices: PriceBook, region: str, size_gb: int, match_throughput: bool = True) -> Money:
    """Monthly saving of converting a gp2 volume to a gp3 with at least the same performance.

    gp3 includes 3,000 IOPS and 125 MiB/s; a gp2 above 1,000 GiB has more baseline IOPS (3/GiB), and
    with ``match_throughput`` a gp2 of 334 GiB or more (250 MiB/s sustained) gets the extra gp3 throughput.
    The figure can be zero or negative; callers decide what to do with that.
    """
    keys = {
        "gp2": "ebs.gp2.gb_month",
        "gp3": "ebs.gp3.gb_month",
        "iops": "ebs.gp3.iops_month",
        "tput": "ebs.gp3.throughput_month",
    }
    extra_iops = max(0, gp2_baseline_iops(size_gb) - GP3_FREE_IOPS)
    extra_tput = max(0, gp2_sustained_throughput(size_gb) - GP3_FREE_THROUGHPUT) if match_throughput else 0
    unit = {k: prices.get(v, region) for k, v in keys.items()}
    needed = ["gp2", "gp3"] + (["iops"] if extra_iops else []) + (["tput"] if extra_tput else [])
    missing = [keys[k] for k in needed if unit[k] is None]
    if missing:
        return Money.unknown(CostKind.SAVING, detail=f"no price for {', '.join(missing)} in {region}")
    gp2, gp3 = unit["gp2"], unit["gp3"]
    assert gp2 is not None and gp3 is not None
    amount = size_gb * (gp2.amount - gp3.amount)
    detail = f"{size_gb} GiB x (${gp2.amount:g} gp2 - ${gp3.amount:g} gp3)/GB-month"
    bases = [gp2.basis, gp3.basis]
    for name, extra, what in (
        ("iops", extra_iops, "IOPS above 3000"),
        ("tput", extra_tput, "MiB/s above 125"),
    ):
        price = unit[name]
        if extra and price is not None:
            amount -= extra * price.amount
            detail += f" - {extra} gp3 {what} x ${price.amount:g}/{price.unit}"
            bases.append(price.basis)
    basis = max(bases, key=_BASIS_RANK.__getitem__)
    return Money(
        amount=round(amount, 2),
        currency=gp2.currency,
        basis=basis,
        kind=CostKind.SAVING,
        detail=f"{detail} ({region})",
    )
