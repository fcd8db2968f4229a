"""Managed disk snapshot checks: orphaned, old, Premium, too many per disk, full instead of incremental."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, Field

from cloudwaste.checks.azure._common import (
    norm,
    parse_time,
    prop,
    region_of,
    resource,
    resource_group,
    tag_words,
    whole_days,
)
from cloudwaste.checks.azure._compute import (
    by_id,
    excluded,
    size_gib,
    sku,
    snapshot_cost,
    snapshot_family,
    snapshot_source,
)
from cloudwaste.checks.context import CheckContext, Hit
from cloudwaste.checks.registry import check
from cloudwaste.model import Confidence, CostBasis, CostKind, Money, Resource, Severity
from cloudwaste.pricing.aws import with_note

SNAPSHOTS = "azure:snapshots"
DISKS = "azure:disks"
DISK_TYPE = "/providers/microsoft.compute/disks/"
KEEP_WORDS = ("keep", "permanent", "archive", "compliance", "dr", "legal", "hold", "retain", "retention")


def _snapshot_resource(snap: Mapping[str, Any]) -> Resource:
    return resource(snap, "disk_snapshot")


def _age(snap: Mapping[str, Any], ctx: CheckContext) -> float | None:
    created = parse_time(prop(snap, "timeCreated"))
    return None if created is None else (ctx.now - created).total_seconds() / 86400.0


def _label(snap: Mapping[str, Any]) -> str:
    kind = "incremental" if prop(snap, "incremental") else "full"
    return f"{snap.get('name')} ({size_gib(snap):g} GiB {kind}, {sku(snap) or 'Standard_LRS'})"


def _facts(snap: Mapping[str, Any], age: float) -> dict[str, Any]:
    creation = prop(snap, "creationData") or {}
    return {
        "sku": sku(snap) or None,
        "size_gb": size_gib(snap),
        "incremental": bool(prop(snap, "incremental")),
        "age_days": round(age, 1),
        "created_at": prop(snap, "timeCreated"),
        "create_option": creation.get("createOption"),
        "source_resource_id": creation.get("sourceResourceId"),
        "source_unique_id": creation.get("sourceUniqueId"),
        "resource_group": resource_group(snap.get("id")),
        "cost_bound": "upper bound: Azure bills the data a snapshot holds, which ARM does not report",
    }


def _owned(snap: Mapping[str, Any]) -> str | None:
    """Why a snapshot's retention belongs to a service or a person (ASR, Backup, keep tags), or None."""
    return excluded(snap)


class SnapshotIndex:
    """Disks and snapshots of the unit, computed once per check run."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.snapshots = list(ctx.get(SNAPSHOTS))
        self.disks = by_id(ctx.get(DISKS))
        self.restored: dict[str, list[str]] = {}
        for disk in self.disks.values():
            source = norm((prop(disk, "creationData") or {}).get("sourceResourceId"))
            if source:
                self.restored.setdefault(source, []).append(str(disk.get("id")))

    def source_state(self, snap: Mapping[str, Any]) -> str:
        """``live`` / ``gone`` / ``recreated`` (a disk of that id with another uniqueId) / ``not_a_disk``
        (imported, uploaded, copied from a snapshot) / ``other_subscription`` (cannot be seen)."""
        source = snapshot_source(snap)
        if DISK_TYPE not in source:
            return "not_a_disk"
        if not source.startswith(f"/subscriptions/{self.ctx.account.lower()}/"):
            return "other_subscription"
        disk = self.disks.get(source)
        if disk is None:
            return "gone"
        want = (prop(snap, "creationData") or {}).get("sourceUniqueId")
        have = prop(disk, "uniqueId")
        if want and have and str(want).lower() != str(have).lower():
            return "recreated"
        return "live"

    def is_orphan(self, snap: Mapping[str, Any]) -> bool:
        """Source disk deleted (or deleted and recreated under the same name)."""
        return self.source_state(snap) in ("gone", "recreated")

    def restored_to(self, snap: Mapping[str, Any]) -> list[str]:
        """Ids of listed disks created from this snapshot."""
        return self.restored.get(norm(snap.get("id")), [])


def _cost(ctx: CheckContext, snap: Mapping[str, Any]) -> tuple[Money, str | None]:
    """(upper-bound cost, cost group): incremental snapshots of one family are charged once in totals."""
    group = snapshot_family(snap)
    money = snapshot_cost(ctx, snap)
    if group:
        money = with_note(money, "incremental snapshots of one disk share data: charged once in totals")
    return money, group


# --- azure.compute.orphan_snapshot ---------------------------------------------------------------


class OrphanParams(BaseModel):
    """Parameters of ``azure.compute.orphan_snapshot``."""

    min_age_days: int = Field(30, ge=0, description="Only flag snapshots at least this many days old.")
    high_confidence_days: int = Field(
        90, ge=0, description="Snapshots at least this many days old are reported with high confidence."
    )


@check(
    id="azure.compute.orphan_snapshot",
    title="Disk snapshot whose source disk no longer exists",
    resource_type="disk_snapshot",
    severity=Severity.MEDIUM,
    needs=[SNAPSHOTS, DISKS],
    params=OrphanParams,
    klass="orphan",
    rationale="""
        A snapshot whose source disk (`creationData.sourceResourceId`) is gone is usually left over
        from a cleanup that stopped halfway. A disk deleted and recreated under the same name is caught
        too: its `uniqueId` differs from the snapshot's `sourceUniqueId`. Snapshots of disks in another
        subscription (which this scan cannot see), imports and uploads (no source disk) and copies of
        other snapshots are not judged. Azure Site Recovery and Azure Backup snapshots are skipped, as
        the workbook skips their disks. The cost is an upper bound (the snapshot's provisioned size;
        Azure bills the data it holds) with basis estimate; incremental snapshots of one disk are
        charged once in totals. Medium confidence from `min_age_days` (the original waits 90 days),
        high from `high_confidence_days`.
    """,
    recommendation="Check nobody needs it to restore, then delete it: az snapshot delete --ids <id>",
    covers_original=["azure:disk_snapshot_orphaned"],
    covers_peers=["azure.compute.orphan_snapshot"],
)
def orphan_snapshot(ctx: CheckContext, params: OrphanParams) -> Iterator[Hit]:
    """Snapshots at least ``min_age_days`` old whose source disk was deleted (or recreated)."""
    index = SnapshotIndex(ctx)
    for snap in index.snapshots:
        state = index.source_state(snap)
        if state not in ("gone", "recreated") or _owned(snap):
            continue
        age = _age(snap, ctx)
        if age is None or age < params.min_age_days:
            continue
        cost, group = _cost(ctx, snap)
        source = (prop(snap, "creationData") or {}).get("sourceResourceId")
        how = "was deleted and recreated (another uniqueId)" if state == "recreated" else "no longer exists"
        yield Hit(
            resource=_snapshot_resource(snap),
            reason=f"Disk snapshot {_label(snap)} is {whole_days(age)} old and its source disk "
            f"{str(source).rsplit('/', 1)[-1]} {how}.",
            cost=cost,
            evidence=_facts(snap, age)
            | {
                "source_state": state,
                "restored_to": index.restored_to(snap),
                "scenario": "disk_snapshot_orphaned",
            },
            confidence=Confidence.HIGH if age >= params.high_confidence_days else Confidence.MEDIUM,
            cost_group=group,
            region=region_of(snap, ctx),
        )


# --- azure.compute.old_snapshot ------------------------------------------------------------------


class OldParams(BaseModel):
    """Parameters of ``azure.compute.old_snapshot``."""

    max_age_days: int = Field(90, ge=1, description="Flag snapshots at least this many days old.")
    very_old_days: int = Field(
        365, ge=1, description="Snapshots at least this old are named `very_old` and get medium confidence."
    )
    large_snapshot_gb: int = Field(
        1000,
        ge=1,
        description="Snapshots this large or larger that no disk was restored from are `large_unused`.",
    )
    keep_words: list[str] = Field(
        default_factory=lambda: list(KEEP_WORDS),
        description="Whole words in a tag key or value that mark a snapshot kept on purpose (skipped).",
    )


@check(
    id="azure.compute.old_snapshot",
    title="Disk snapshot older than the retention limit",
    resource_type="disk_snapshot",
    severity=Severity.LOW,
    needs=[SNAPSHOTS, DISKS],
    params=OldParams,
    klass="hygiene",
    rationale="""
        Snapshots outlive their purpose and are billed per GiB-month of the data they hold. A snapshot
        at least `max_age_days` old is flagged unless a tag marks it as kept (`keep_words`, whole words,
        so an `address` tag is not `dr`), or a service owns it (Site Recovery, Azure Backup). Snapshots
        whose source disk is gone are `azure.compute.orphan_snapshot`'s. Named variants: `very_old`
        from `very_old_days` (the original's 365-day rule), `large_unused` for snapshots of at least
        `large_snapshot_gb` that no listed disk was created from, `never_restored` for the others no
        disk was created from (a restore that was later deleted cannot be seen). The cost is an upper
        bound (provisioned size) with basis estimate; incremental snapshots of one disk are charged once
        in totals. Confidence is low, medium from `very_old_days`: an old snapshot of a live disk is
        often someone's deliberate backup.
    """,
    recommendation="Check nobody relies on it, then delete it: az snapshot delete --ids <id>",
    covers_original=[
        "azure:disk_snapshot_very_old",
        "azure:disk_snapshot_large_unused",
        "azure:disk_snapshot_never_restored",
    ],
    covers_peers=["azure.compute.old_snapshot"],
)
def old_snapshot(ctx: CheckContext, params: OldParams) -> Iterator[Hit]:
    """Snapshots at least ``max_age_days`` old, not kept on purpose, whose source is not gone."""
    index = SnapshotIndex(ctx)
    keep = {w.lower() for w in params.keep_words}
    for snap in index.snapshots:
        age = _age(snap, ctx)
        if age is None or age < params.max_age_days or index.is_orphan(snap) or _owned(snap):
            continue
        if tag_words(snap) & keep:
            continue
        restored = index.restored_to(snap)
        scenarios = []
        if not restored and size_gib(snap) >= params.large_snapshot_gb:
            scenarios.append("disk_snapshot_large_unused")
        if age >= params.very_old_days:
            scenarios.append("disk_snapshot_very_old")
        if not restored:
            scenarios.append("disk_snapshot_never_restored")
        scenarios.append("disk_snapshot_old")
        cost, group = _cost(ctx, snap)
        restore_note = (
            f"disks were created from it: {len(restored)}"
            if restored
            else "no listed disk was created from it"
        )
        yield Hit(
            resource=_snapshot_resource(snap),
            reason=f"Disk snapshot {_label(snap)} is {whole_days(age)} old (limit {params.max_age_days}); "
            f"{restore_note}.",
            cost=cost,
            evidence=_facts(snap, age)
            | {
                "max_age_days": params.max_age_days,
                "restored_to": restored,
                "source_state": index.source_state(snap),
                "scenario": scenarios[0],
                "scenarios": scenarios,
            },
            confidence=Confidence.MEDIUM if age >= params.very_old_days else Confidence.LOW,
            cost_group=group,
            region=region_of(snap, ctx),
        )


# --- azure.compute.premium_snapshot --------------------------------------------------------------


class PremiumParams(BaseModel):
    """Parameters of ``azure.compute.premium_snapshot``."""

    min_age_days: int = Field(7, ge=0, description="Only flag snapshots at least this many days old.")
    min_size_gb: int = Field(
        0,
        ge=0,
        description="Only flag snapshots at least this large (the original used 1000 GB; 0 = every size).",
    )


@check(
    id="azure.compute.premium_snapshot",
    title="Full disk snapshot stored on Premium storage",
    resource_type="disk_snapshot",
    severity=Severity.LOW,
    needs=[SNAPSHOTS],
    params=PremiumParams,
    klass="oversized",
    rationale="""
        A full snapshot can be stored on Premium SSD storage (`sku.name` `Premium_LRS`), which costs
        more than twice Standard HDD storage per GiB and restores no faster for a snapshot kept as a
        backup. Incremental snapshots are always stored on Standard HDD, whatever the SKU of their disk,
        so only full ones are flagged. The saving is the snapshot's provisioned size times the
        difference between the book's Premium and Standard LRS snapshot prices (an upper bound, basis
        estimate, as Azure bills the data held). The original only looks at snapshots of 1000 GB or
        more (`min_size_gb` restores that); every Premium snapshot pays the difference.
    """,
    recommendation="Move it to Standard storage: az snapshot update --ids <id> --sku Standard_LRS",
    covers_original=["azure:disk_snapshot_premium_source"],
    covers_peers=["azure.compute.premium_snapshot"],
)
def premium_snapshot(ctx: CheckContext, params: PremiumParams) -> Iterator[Hit]:
    """Full snapshots on Premium storage, at least ``min_age_days`` old and ``min_size_gb`` large."""
    for snap in ctx.get(SNAPSHOTS):
        if not sku(snap).lower().startswith("premium") or prop(snap, "incremental") or _owned(snap):
            continue
        age = _age(snap, ctx)
        if age is None or age < params.min_age_days or size_gib(snap) < params.min_size_gb:
            continue
        region = region_of(snap, ctx)
        gib = size_gib(snap)
        premium = ctx.prices.monthly("azure.snapshot.premium_lrs.gb_month", region, gib, what="GiB Premium")
        standard = ctx.prices.monthly(
            "azure.snapshot.standard_lrs.gb_month", region, gib, what="GiB Standard"
        )
        if premium.amount is None or standard.amount is None:
            saving = Money.unknown(CostKind.SAVING, detail=f"{premium.detail} - {standard.detail}")
        else:
            saving = Money(
                amount=round(premium.amount - standard.amount, 2),
                basis=CostBasis.ESTIMATE,
                kind=CostKind.SAVING,
                detail=f"{premium.detail} - {standard.detail}; upper bound: billed on the data held",
            )
        yield Hit(
            resource=_snapshot_resource(snap),
            reason=f"Full disk snapshot {_label(snap)} is stored on Premium storage; Standard storage "
            "costs less.",
            cost=saving,
            evidence=_facts(snap, age) | {"scenario": "disk_snapshot_premium_source"},
            confidence=Confidence.HIGH,
            region=region,
        )


# --- azure.compute.snapshot_sprawl ---------------------------------------------------------------


class SprawlParams(BaseModel):
    """Parameters of ``azure.compute.snapshot_sprawl``."""

    keep_newest: int = Field(3, ge=1, description="Snapshots kept per source disk; older ones are flagged.")
    excessive_count: int = Field(
        50, ge=1, description="More snapshots than this for one disk is `excessive_retention`."
    )
    manual_count: int = Field(
        10,
        ge=1,
        description="More manual (non-Backup) snapshots than this for one disk is `manual_without_policy`.",
    )
    manual_min_age_days: int = Field(30, ge=0, description="Manual snapshots are flagged once this old.")
    frequent_count: int = Field(
        28,
        ge=1,
        description="This many snapshots of one disk in `frequent_window_days` is `frequent_creation`.",
    )
    frequent_window_days: int = Field(30, ge=1, description="Window of `frequent_count`.")


@check(
    id="azure.compute.snapshot_sprawl",
    title="More snapshots of one disk than any restore needs",
    resource_type="disk_snapshot",
    severity=Severity.LOW,
    needs=[SNAPSHOTS],
    params=SprawlParams,
    klass="hygiene",
    rationale="""
        Snapshots taken by hand or by a script without retention pile up. Snapshots are grouped by their
        source disk and every one older than the newest `keep_newest` is flagged (the original's
        redundant-snapshot rule, which is dead code there: a stub of the same name shadows it). Named
        variants for the group: `excessive_retention` above `excessive_count` snapshots,
        `frequent_creation` for at least `frequent_count` created in `frequent_window_days`,
        `manual_without_policy` for more than `manual_count` snapshots not made by Azure Backup (flagged
        once `manual_min_age_days` old), else `redundant`. Snapshots owned by Azure Backup or Site
        Recovery are left to their policy. Each cost is an upper bound; incremental snapshots of one disk
        share data and are charged once in totals, full ones are each a separate copy.
    """,
    recommendation="Delete the snapshots you will not restore from: az snapshot delete --ids <id>",
    covers_original=[
        "azure:disk_snapshot_redundant",
        "azure:disk_snapshot_excessive_retention",
        "azure:disk_snapshot_manual_without_policy",
        "azure:disk_snapshot_frequent_creation",
    ],
)
def snapshot_sprawl(ctx: CheckContext, params: SprawlParams) -> Iterator[Hit]:
    """Snapshots of one source disk beyond the newest ``keep_newest``."""
    groups: dict[str, list[tuple[float, Mapping[str, Any]]]] = {}
    for snap in ctx.get(SNAPSHOTS):
        source = snapshot_source(snap) or norm((prop(snap, "creationData") or {}).get("sourceUniqueId"))
        age = _age(snap, ctx)
        if not source or age is None or _owned(snap):
            continue
        groups.setdefault(source, []).append((age, snap))
    for source, members in groups.items():
        if len(members) <= params.keep_newest:
            continue
        members.sort(key=lambda m: m[0])  # newest first
        recent = sum(1 for age, _ in members if age <= params.frequent_window_days)
        variants = []
        if len(members) > params.excessive_count:
            variants.append("disk_snapshot_excessive_retention")
        if recent >= params.frequent_count:
            variants.append("disk_snapshot_frequent_creation")
        manual = len(members) > params.manual_count
        disk_name = source.rsplit("/", 1)[-1]
        for rank, (age, snap) in enumerate(members[params.keep_newest :], start=params.keep_newest + 1):
            scenarios = list(variants)
            if manual and age >= params.manual_min_age_days:
                scenarios.append("disk_snapshot_manual_without_policy")
            scenarios.append("disk_snapshot_redundant")
            cost, group = _cost(ctx, snap)
            yield Hit(
                resource=_snapshot_resource(snap),
                reason=f"Disk snapshot {_label(snap)} is number {rank} of {len(members)} snapshots of disk "
                f"{disk_name} ({recent} taken in the last {params.frequent_window_days} days; "
                f"{params.keep_newest} kept).",
                cost=cost,
                evidence=_facts(snap, age)
                | {
                    "source_disk": source,
                    "snapshots_of_disk": len(members),
                    "created_in_window": recent,
                    "rank_newest_first": rank,
                    "scenario": scenarios[0],
                    "scenarios": scenarios,
                },
                confidence=Confidence.MEDIUM if variants else Confidence.LOW,
                cost_group=group,
                region=region_of(snap, ctx),
            )


# --- azure.compute.full_snapshots ----------------------------------------------------------------


class FullParams(BaseModel):
    """Parameters of ``azure.compute.full_snapshots``."""

    change_rate: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Assumed share of a disk's data that changes between two snapshots (an estimate).",
    )
    min_saving: float = Field(
        10.0, ge=0, description="Only report a disk's full snapshots saving this much a month."
    )


@check(
    id="azure.compute.full_snapshots",
    title="Several full snapshots of one disk where incremental ones would do",
    resource_type="disk_snapshot",
    severity=Severity.LOW,
    needs=[SNAPSHOTS],
    params=FullParams,
    klass="legacy",
    rationale="""
        Each full snapshot is a complete copy of the disk's data; an incremental snapshot stores only
        what changed since the previous one, on Standard storage. When a disk has two or more full
        snapshots, every one but the newest could be an increment. The saving per snapshot is its
        full-copy price minus an increment of `change_rate` of its size at the Standard snapshot price:
        the change rate is an assumption (basis estimate), and sizes are provisioned GiB (an upper bound
        of the data held). A disk's snapshots are reported when they save at least `min_saving` together.
    """,
    recommendation=(
        "Take incremental snapshots from now on (az snapshot create --incremental true --source <disk>) "
        "and delete the older full ones: az snapshot delete --ids <id>"
    ),
    covers_original=["azure:disk_snapshot_full_instead_incremental"],
)
def full_snapshots(ctx: CheckContext, params: FullParams) -> Iterator[Hit]:
    """Full snapshots of a disk that has at least two, all but the newest."""
    groups: dict[str, list[tuple[float, Mapping[str, Any]]]] = {}
    for snap in ctx.get(SNAPSHOTS):
        source = snapshot_source(snap)
        age = _age(snap, ctx)
        if prop(snap, "incremental") or not source or age is None or _owned(snap):
            continue
        groups.setdefault(source, []).append((age, snap))
    for source, members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda m: m[0])
        savings = [(age, snap, _full_saving(ctx, snap, params.change_rate)) for age, snap in members[1:]]
        amounts = [s.amount for _, _, s in savings]
        if all(a is not None for a in amounts) and sum(a or 0.0 for a in amounts) < params.min_saving:
            continue
        for age, snap, saving in savings:
            yield Hit(
                resource=_snapshot_resource(snap),
                reason=f"Disk snapshot {_label(snap)} is one of {len(members)} full snapshots of disk "
                f"{source.rsplit('/', 1)[-1]}; as an increment it would store about "
                f"{params.change_rate:.0%} of its size.",
                cost=saving,
                evidence=_facts(snap, age)
                | {
                    "full_snapshots_of_disk": len(members),
                    "assumed_change_rate": params.change_rate,
                    "scenario": "disk_snapshot_full_instead_incremental",
                },
                confidence=Confidence.MEDIUM,
                region=region_of(snap, ctx),
            )


def _full_saving(ctx: CheckContext, snap: Mapping[str, Any], change_rate: float) -> Money:
    """Full-copy price minus an increment of ``change_rate`` of the size on Standard storage (estimate)."""
    region = region_of(snap, ctx)
    gib = size_gib(snap)
    name = sku(snap).lower() or "standard_lrs"
    full = ctx.prices.monthly(f"azure.snapshot.{name}.gb_month", region, gib, what=f"GiB {name}")
    inc_sku = "standard_zrs" if name.endswith("zrs") else "standard_lrs"
    inc = ctx.prices.monthly(
        f"azure.snapshot.{inc_sku}.gb_month", region, gib * change_rate, what="GiB changed"
    )
    if full.amount is None or inc.amount is None:
        return Money.unknown(CostKind.SAVING, detail=f"{full.detail} - {inc.detail}")
    return Money(
        amount=round(full.amount - inc.amount, 2),
        basis=CostBasis.ESTIMATE,
        kind=CostKind.SAVING,
        detail=f"{full.detail} - {inc.detail} (assumed change rate {change_rate:.0%})",
    )
