"""The Microsoft 365 storage checks: every threshold boundary, every trap, and honest storage costs.

Tenants are built with ``storage.pool(licences)`` (1 TB + 10 GB per licence) and one large "bulk" site
in the usage report, so a test decides whether the tenant is over its pooled quota.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic_core import PydanticUndefined

from cloudwaste.checks.registry import load_checks
from cloudwaste.model import Confidence, CostBasis, Severity
from cloudwaste.pricing.book import PriceBook
from cloudwaste.report import charged

INVENTORY = Path(__file__).parents[3].parent / "shared/reference/original-inventory.md"
PEERS = Path(__file__).parents[3].parent / "shared/reference/peer-checks.md"
STORAGE_CHECKS = [s for s in load_checks("m365") if s.id.startswith("m365.storage.")]
ORIGINAL = {
    "m365:sharepoint_large_files_unused",
    "m365:sharepoint_duplicate_files",
    "m365:sharepoint_sites_abandoned",
    "m365:sharepoint_excessive_versions",
    "m365:sharepoint_recycle_bin_old",
    "m365:onedrive_large_files_unused",
    "m365:onedrive_disabled_users",
    "m365:onedrive_temp_files_accumulated",
    "m365:onedrive_excessive_sharing",
    "m365:onedrive_duplicate_attachments",
}
UNLICENSED = "m365.storage.onedrive_unlicensed.gb_month"
GIB = 1024**3


def over(storage, by_gb: float = 500.0, licences: int = 10) -> dict[str, Any]:
    """Collections of a tenant over its pooled quota (1,124 GB for 10 licences) by ``by_gb``."""
    quota = 1024 + 10 * licences
    return {
        "subscribed_skus": storage.pool(licences),
        "report_sharepoint_sites": [storage.site_row("bulk", last=1, active=50, storage_gb=quota + by_gb)],
    }


def within(storage) -> dict[str, Any]:
    """Collections of a tenant well within its pooled quota."""
    return {
        "subscribed_skus": storage.pool(10),
        "report_sharepoint_sites": [storage.site_row("bulk", last=1, active=50, storage_gb=100)],
    }


# --- registry -----------------------------------------------------------------------------------


def test_the_ten_original_storage_detectors_are_covered():
    codes = {c for s in STORAGE_CHECKS for c in s.covers_original}
    assert codes == ORIGINAL


@pytest.mark.skipif(not INVENTORY.exists(), reason="inventory not present")
def test_every_code_is_a_row_of_inventory_section_1_4():
    text = INVENTORY.read_text(encoding="utf-8").split("## 1.4", 1)[1].split("## 2.", 1)[0]
    for code in ORIGINAL:
        assert f"`{code.removeprefix('m365:')}`" in text, code


@pytest.mark.skipif(not PEERS.exists(), reason="peer catalog not present")
def test_covered_peers_are_catalog_ids():
    text = PEERS.read_text(encoding="utf-8").split("## 4.", 1)[1].split("## 5.", 1)[0]
    for spec in STORAGE_CHECKS:
        for peer in spec.covers_peers:
            assert f"| `{peer}` |" in text, peer


@pytest.mark.parametrize("spec", STORAGE_CHECKS, ids=lambda s: s.id)
def test_metadata(spec):
    assert re.fullmatch(r"m365\.storage\.[a-z_]+", spec.id)
    assert len(spec.rationale) > 200 and "original" in spec.rationale
    for name, field in spec.params.model_fields.items():
        assert field.default is not PydanticUndefined or field.default_factory is not None, name
        assert field.description, name
    spec.params()


# --- the pooled quota and the cost ---------------------------------------------------------------


def test_quota_is_1tb_plus_10gb_per_licence_plus_extra_storage(m365, storage):
    lib = storage.library("a")
    big = storage.file(lib, "big.iso", size_mb=200, modified_days=400)
    hits = m365.run(
        "m365.storage.large_file_unused",
        subscribed_skus=storage.pool(50, extra_gb=100),
        report_sharepoint_sites=[storage.site_row("bulk", last=1, active=3, storage_gb=1600)],
        drives=[lib],
        drive_items=[storage.root(lib), big],
    )
    quota = hits[0].evidence["tenant_storage"]
    assert quota["included_gb"] == 1024 + 500
    assert quota["sharepoint_licences"] == 50
    assert quota["extra_storage_purchased_gb"] == 100
    assert quota["over_quota"] is True and quota["over_by_gb"] == pytest.approx(76.0)
    assert hits[0].cost.amount == pytest.approx(round(200 / 1024 * 0.2, 2))
    assert "over its pooled quota" in hits[0].reason


def test_only_the_part_above_the_quota_is_priced(m365, storage):
    lib = storage.library("a")
    big = storage.file(lib, "big.iso", size_mb=10 * 1024, modified_days=400)
    hits = m365.run(
        "m365.storage.large_file_unused",
        **over(storage, by_gb=4),
        drives=[lib],
        drive_items=[storage.root(lib), big],
    )
    assert hits[0].cost.amount == pytest.approx(4 * 0.2)  # 10 GB freed, 4 GB above the quota
    assert "4.0 GB of the freed storage is above it" in (hits[0].cost.detail or "")


def test_within_the_quota_the_cost_is_zero_and_says_why(m365, storage):
    lib = storage.library("a")
    hits = m365.run(
        "m365.storage.large_file_unused",
        **within(storage),
        drives=[lib],
        drive_items=[storage.root(lib), storage.file(lib, "big.iso", size_mb=500, modified_days=400)],
    )
    assert hits[0].cost.amount == 0.0
    assert hits[0].evidence["tenant_storage"]["over_quota"] is False
    assert "within its pooled quota" in (hits[0].cost.detail or "")


def test_price_storage_within_quota_prices_all_of_it(m365, storage):
    lib = storage.library("a")
    hits = m365.run(
        "m365.storage.large_file_unused",
        params={"price_storage_within_quota": True},
        **within(storage),
        drives=[lib],
        drive_items=[storage.root(lib), storage.file(lib, "big.iso", size_mb=1024 * 5, modified_days=400)],
    )
    assert hits[0].cost.amount == pytest.approx(1.0)


def test_without_skus_the_quota_and_the_cost_are_unknown(m365, storage):
    lib = storage.library("a")
    hits = m365.run(
        "m365.storage.large_file_unused",
        report_sharepoint_sites=[storage.site_row("bulk", storage_gb=5000)],
        drives=[lib],
        drive_items=[storage.root(lib), storage.file(lib, "big.iso", size_mb=500, modified_days=400)],
    )
    assert hits[0].cost.amount is None
    assert hits[0].evidence["tenant_storage"]["over_quota"] is None
    assert "unknown" in hits[0].reason


def test_suspended_skus_add_no_storage(m365, storage):
    lib = storage.library("a")
    skus = [*storage.pool(10), m365.sku("SPE_E3", enabled=1000, status="Suspended")]
    hits = m365.run(
        "m365.storage.large_file_unused",
        subscribed_skus=skus,
        report_sharepoint_sites=[storage.site_row("bulk", last=1, active=2, storage_gb=2000)],
        drives=[lib],
        drive_items=[storage.root(lib), storage.file(lib, "big.iso", size_mb=500, modified_days=400)],
    )
    assert hits[0].evidence["tenant_storage"]["sharepoint_licences"] == 10


def test_without_the_site_report_usage_comes_from_the_libraries_once_per_site(m365, storage):
    lib = storage.library("a", used_gb=1200)
    second = {**storage.library("a", used_gb=1200), "id": "b!a-second", "name": "Archive"}
    hits = m365.run(
        "m365.storage.large_file_unused",
        subscribed_skus=storage.pool(10),
        drives=[lib, second],
        drive_items=[storage.root(lib), storage.file(lib, "big.iso", size_mb=500, modified_days=400)],
    )
    quota = hits[0].evidence["tenant_storage"]
    assert quota["used_gb"] == pytest.approx(1200.0)  # two libraries of one site count once
    assert quota["over_quota"] is True
    assert "lower bound" in quota["used_source"]


# --- m365.storage.large_file_unused -------------------------------------------------------------


@pytest.mark.parametrize(
    ("size_mb", "days", "found"),
    [(99.9, 400, False), (100, 400, True), (100, 179.9, False), (100, 180, True)],
)
def test_large_file_boundaries(m365, storage, size_mb: float, days: float, found: bool):
    lib = storage.library("a")
    hits = m365.run(
        "m365.storage.large_file_unused",
        **over(storage),
        drives=[lib],
        drive_items=[storage.root(lib), storage.file(lib, "v.mp4", size_mb=size_mb, modified_days=days)],
    )
    assert bool(hits) is found


def test_large_file_confidence_bands(m365, storage):
    lib = storage.library("team")
    items = [
        storage.root(lib),
        storage.file(lib, "a.mp4", size_mb=200, modified_days=200),
        storage.file(lib, "b.mp4", size_mb=200, modified_days=400),
    ]
    active = storage.site_row("team", last=3, active=5)
    hits = m365.run(
        "m365.storage.large_file_unused",
        subscribed_skus=storage.pool(10),
        report_sharepoint_sites=[active],
        drives=[lib],
        drive_items=items,
    )
    assert {h.evidence["path"]: h.confidence for h in hits} == {
        "/a.mp4": Confidence.LOW,  # the site is in use: reads of this file are possible
        "/b.mp4": Confidence.MEDIUM,
    }
    idle = storage.site_row("team", last=300, active=0, views=0)
    hits = m365.run(
        "m365.storage.large_file_unused",
        subscribed_skus=storage.pool(10),
        report_sharepoint_sites=[idle],
        drives=[lib],
        drive_items=items,
    )
    assert {h.confidence for h in hits} == {Confidence.HIGH}
    assert "no file activity in the usage report" in hits[0].reason


def test_large_file_in_an_active_site_with_page_views_is_not_high(m365, storage):
    lib = storage.library("intranet")
    hits = m365.run(
        "m365.storage.large_file_unused",
        subscribed_skus=storage.pool(10),
        report_sharepoint_sites=[storage.site_row("intranet", last=300, active=0, views=40)],
        drives=[lib],
        drive_items=[storage.root(lib), storage.file(lib, "a.mp4", size_mb=200, modified_days=200)],
    )
    assert hits[0].confidence is Confidence.LOW


def test_large_file_onedrive_costs_nothing_by_itself(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    hits = m365.run(
        "m365.storage.large_file_unused",
        **over(storage),
        drives=[od],
        drive_items=[storage.root(od), storage.file(od, "backup.zip", size_mb=4000, modified_days=400)],
    )
    assert hits[0].evidence["scenario"] == "onedrive_large_files_unused"
    assert hits[0].resource.type == "onedrive_file"
    assert hits[0].cost.amount == 0.0
    assert "OneDrive is the users' own allowance" in (hits[0].cost.detail or "")


def test_large_file_path_is_rebuilt_from_parent_ids(m365, storage):
    lib = storage.library("a")
    projects = storage.folder(lib, "Projects")
    y2024 = storage.folder(lib, "2024", projects)
    hits = m365.run(
        "m365.storage.large_file_unused",
        **over(storage),
        drives=[lib],
        drive_items=[
            storage.root(lib),
            projects,
            y2024,
            storage.file(lib, "v.mp4", size_mb=300, modified_days=400, parent=y2024),
        ],
    )
    assert hits[0].evidence["path"] == "/Projects/2024/v.mp4"
    assert hits[0].resource.id.startswith(f"drives/{lib['id']}/items/")


def test_large_file_traps_deleted_folders_and_preservation_hold(m365, storage):
    lib = storage.library("a")
    hold = {**storage.library("a", name="Preservation Hold Library"), "id": "b!a-hold"}
    hold["webUrl"] = "https://contoso.sharepoint.com/sites/a/PreservationHoldLibrary"
    big_folder = {
        **storage.folder(lib, "Videos"),
        "size": 900 * 1024**2,
        "lastModifiedDateTime": m365.ts(500),
    }
    items = [
        storage.root(lib),
        big_folder,
        storage.file(lib, "gone.mp4", size_mb=500, modified_days=400, deleted=True),
        storage.root(hold),
        storage.file(hold, "kept.mp4", size_mb=500, modified_days=400),
    ]
    assert (
        m365.run("m365.storage.large_file_unused", **over(storage), drives=[lib, hold], drive_items=items)
        == []
    )


def test_large_file_last_delta_occurrence_wins(m365, storage):
    lib = storage.library("a")
    old = storage.file(lib, "v.mp4", size_mb=500, modified_days=400, item_id="item-1")
    edited = storage.file(lib, "v.mp4", size_mb=500, modified_days=2, item_id="item-1")
    args: dict[str, Any] = {**over(storage), "drives": [lib]}
    assert (
        m365.run("m365.storage.large_file_unused", drive_items=[storage.root(lib), old, edited], **args) == []
    )
    assert (
        len(m365.run("m365.storage.large_file_unused", drive_items=[storage.root(lib), edited, old], **args))
        == 1
    )


def test_a_bounded_walk_says_its_results_are_a_lower_bound(m365, storage):
    lib = storage.library("a")
    hits = m365.run(
        "m365.storage.large_file_unused",
        caps=m365.caps(items_bound_hit=True, max_items=1000),
        **over(storage),
        drives=[lib],
        drive_items=[storage.root(lib), storage.file(lib, "v.mp4", size_mb=500, modified_days=400)],
    )
    walk = hits[0].evidence["walk"]
    assert walk["bounded"] is True and walk["max_items"] == 1000
    assert "lower bound" in walk["note"]


# --- m365.storage.duplicate_files ---------------------------------------------------------------


def test_duplicates_by_hash_and_size_one_finding_per_content(m365, storage):
    a, b = storage.library("a"), storage.library("b")
    items = [
        storage.root(a),
        storage.root(b),
        storage.file(a, "deck.pptx", size_mb=50, qxh="QXH1+/abc=", created_days=300),
        storage.file(b, "deck (1).pptx", size_mb=50, qxh="QXH1+/abc=", created_days=100),
        storage.file(b, "deck copy.pptx", size_mb=50, qxh="QXH1+/abc=", created_days=50),
    ]
    hits = m365.run("m365.storage.duplicate_files", **over(storage), drives=[a, b], drive_items=items)
    assert len(hits) == 1
    hit = hits[0]
    assert hit.evidence["copies"] == 3 and len(hit.evidence["extra_copies"]) == 2
    assert hit.evidence["keep"]["path"] == "/deck.pptx"  # the oldest
    assert hit.evidence["extra_bytes"] == 2 * 50 * 1024**2
    assert hit.cost.amount == pytest.approx(round(100 / 1024 * 0.2, 2))
    assert hit.cost_group == "m365:duplicates:quickXorHash:QXH1+/abc=:52428800"
    assert set(hit.cost_includes) == {f"drives/{b['id']}/items/{i['id']}" for i in items[3:]}
    assert hit.confidence is Confidence.MEDIUM  # copies in different libraries may be deliberate


def test_duplicates_in_one_drive_are_high_confidence(m365, storage):
    a = storage.library("a")
    items = [storage.file(a, n, size_mb=5, qxh="SAME=") for n in ("x.pdf", "y.pdf")]
    hits = m365.run("m365.storage.duplicate_files", **over(storage), drives=[a], drive_items=items)
    assert hits[0].confidence is Confidence.HIGH


def test_duplicates_never_by_name_alone_nor_with_another_size(m365, storage):
    a, b = storage.library("a"), storage.library("b")
    items = [
        storage.file(a, "report.docx", size_mb=5, qxh="ONE="),
        storage.file(b, "report.docx", size_mb=5, qxh="TWO="),  # same name, other content
        storage.file(a, "x.bin", size_mb=5, qxh="THREE="),
        storage.file(b, "x.bin", size_mb=6, qxh="THREE="),  # same hash, other size
        storage.file(a, "nohash.bin", size_mb=5, qxh=None),
        storage.file(b, "nohash.bin", size_mb=5, qxh=None),
    ]
    assert m365.run("m365.storage.duplicate_files", **over(storage), drives=[a, b], drive_items=items) == []


def test_duplicates_skip_empty_small_and_deleted_files(m365, storage):
    a = storage.library("a")
    items = [
        storage.file(a, "e1.txt", size_mb=0, qxh="AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        storage.file(a, "e2.txt", size_mb=0, qxh="AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        storage.file(a, "s1.txt", size_mb=0.99, qxh="SMALL="),
        storage.file(a, "s2.txt", size_mb=0.99, qxh="SMALL="),
        storage.file(a, "d1.bin", size_mb=5, qxh="DEL="),
        storage.file(a, "d2.bin", size_mb=5, qxh="DEL=", deleted=True),
    ]
    assert m365.run("m365.storage.duplicate_files", **over(storage), drives=[a], drive_items=items) == []
    items[2:4] = [
        storage.file(a, "s1.txt", size_mb=1, qxh="SMALL="),
        storage.file(a, "s2.txt", size_mb=1, qxh="SMALL="),
    ]
    assert len(m365.run("m365.storage.duplicate_files", **over(storage), drives=[a], drive_items=items)) == 1


def test_duplicates_keep_the_shared_library_copy_and_onedrive_extras_cost_nothing(m365, storage):
    lib, od = storage.library("a"), storage.onedrive("ada@contoso.com")
    items = [
        storage.file(od, "plan.xlsx", size_mb=20, qxh="P=", created_days=900),
        storage.file(lib, "plan.xlsx", size_mb=20, qxh="P=", created_days=10),
    ]
    hit = m365.run("m365.storage.duplicate_files", **over(storage), drives=[lib, od], drive_items=items)[0]
    assert hit.evidence["keep"]["drive_kind"] == "sharepoint"
    assert hit.cost.amount == 0.0


def test_duplicates_on_a_consumer_drive_use_sha1(m365, storage):
    od = {**storage.onedrive("ada@contoso.com"), "driveType": "personal"}
    items = [storage.file(od, n, size_mb=5, qxh=None, sha1="ab12" * 10) for n in ("a.jpg", "b.jpg")]
    hits = m365.run("m365.storage.duplicate_files", **over(storage), drives=[od], drive_items=items)
    assert hits[0].evidence["hash_type"] == "sha1Hash"


# --- m365.storage.duplicate_attachments ---------------------------------------------------------


def test_attachments_saved_twice_keep_one(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    att = storage.folder(od, "Attachments")
    items = [
        storage.root(od),
        att,
        storage.file(od, "invoice.pdf", size_mb=2, qxh="INV=", parent=att, created_days=30),
        storage.file(od, "invoice (2).pdf", size_mb=2, qxh="INV=", parent=att, created_days=3),
    ]
    hits = m365.run("m365.storage.duplicate_attachments", **over(storage), drives=[od], drive_items=items)
    assert len(hits) == 1
    assert len(hits[0].evidence["extra_copies"]) == 1
    assert hits[0].evidence["keep"]["path"] == "/Attachments/invoice.pdf"
    assert hits[0].cost.amount == 0.0  # OneDrive allowance


def test_attachments_also_filed_elsewhere_are_all_extra(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    email = storage.folder(od, "Email attachments")
    docs = storage.folder(od, "Documents")
    items = [
        storage.root(od),
        email,
        docs,
        storage.file(od, "contract.pdf", size_mb=3, qxh="C=", parent=docs),
        storage.file(od, "contract.pdf", size_mb=3, qxh="C=", parent=email, item_id="e1"),
    ]
    hits = m365.run("m365.storage.duplicate_attachments", **over(storage), drives=[od], drive_items=items)
    assert hits[0].evidence["keep"]["path"] == "/Documents/contract.pdf"
    assert [c["path"] for c in hits[0].evidence["extra_copies"]] == ["/Email attachments/contract.pdf"]


def test_duplicates_outside_attachment_folders_are_not_attachments(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    items = [storage.root(od), *(storage.file(od, n, size_mb=3, qxh="C=") for n in ("a.pdf", "b.pdf"))]
    assert (
        m365.run("m365.storage.duplicate_attachments", **over(storage), drives=[od], drive_items=items) == []
    )


def test_attachment_and_duplicate_findings_of_one_content_are_charged_once(m365, storage):
    lib = storage.library("a")
    att = storage.folder(lib, "Attachments")
    items = [
        storage.root(lib),
        att,
        storage.file(lib, "big.pdf", size_mb=2048, qxh="B=", parent=att, created_days=30),
        storage.file(lib, "big (1).pdf", size_mb=2048, qxh="B=", parent=att, created_days=3),
    ]
    args: dict[str, Any] = {**over(storage), "drives": [lib], "drive_items": items}
    dup = m365.findings("m365.storage.duplicate_files", m365.run("m365.storage.duplicate_files", **args))
    att_f = m365.findings(
        "m365.storage.duplicate_attachments", m365.run("m365.storage.duplicate_attachments", **args)
    )
    assert dup[0].monthly_cost.amount == pytest.approx(0.4)
    assert len(charged([*dup, *att_f])) == 1


# --- m365.storage.abandoned_site ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "confidence"),
    [(89, None), (90, Confidence.MEDIUM), (179, Confidence.MEDIUM), (180, Confidence.HIGH)],
)
def test_abandoned_site_bands(m365, storage, last: float, confidence: Confidence | None):
    rows = [over(storage)["report_sharepoint_sites"][0], storage.site_row("old", last=last, storage_gb=50)]
    hits = m365.run(
        "m365.storage.abandoned_site", subscribed_skus=storage.pool(10), report_sharepoint_sites=rows
    )
    assert [h.confidence for h in hits] == ([confidence] if confidence else [])


def test_abandoned_site_cost_is_its_storage_above_the_quota(m365, storage):
    rows = [
        over(storage, by_gb=20)["report_sharepoint_sites"][0],
        storage.site_row("old", last=200, storage_gb=50),
    ]
    hit = m365.run(
        "m365.storage.abandoned_site", subscribed_skus=storage.pool(10), report_sharepoint_sites=rows
    )[0]
    # the old site's 50 GB count in the 1,194 GB used: 70 GB over, all 50 above the quota
    assert hit.cost.amount == pytest.approx(50 * 0.2)
    assert hit.resource.id == f"sites/{storage.site_guid('old')}"
    assert "2026-" in hit.reason and "50.0 GB" in hit.reason


def test_abandoned_site_with_no_activity_date_is_a_low_confidence_lower_bound(m365, storage):
    rows = [storage.site_row("never", last=None, storage_gb=1)]
    hits = m365.run(
        "m365.storage.abandoned_site", subscribed_skus=storage.pool(10), report_sharepoint_sites=rows
    )
    assert hits[0].confidence is Confidence.LOW
    assert hits[0].evidence["inactive_is_lower_bound"] is True
    short = m365.run(
        "m365.storage.abandoned_site",
        caps=m365.caps(report_period="D30"),
        subscribed_skus=storage.pool(10),
        report_sharepoint_sites=rows,
    )
    assert short == []  # 30 days without activity says nothing about 90


@pytest.mark.parametrize(
    "row",
    [
        {"views": 12},  # a news or intranet site people read
        {"active": 1},
        {"deleted": True},
        {"template": "APPCATALOG#0"},
        {"template": "SRCHCEN#0"},
        {"url": "https://contoso.sharepoint.com/"},  # the root site
        {"storage_gb": 0.009},  # under 10 MB
    ],
)
def test_abandoned_site_traps(m365, storage, row: dict[str, Any]):
    rows = [storage.site_row("old", last=300, **{"storage_gb": 5, **row})]
    assert (
        m365.run(
            "m365.storage.abandoned_site", subscribed_skus=storage.pool(10), report_sharepoint_sites=rows
        )
        == []
    )


def test_abandoned_site_includes_its_files_in_its_cost(m365, storage):
    lib = storage.library("old")
    big = storage.file(lib, "v.mp4", size_mb=2048, modified_days=400)
    args: dict[str, Any] = {
        "subscribed_skus": storage.pool(10),
        "report_sharepoint_sites": [
            over(storage)["report_sharepoint_sites"][0],
            storage.site_row("old", last=300, storage_gb=40),
        ],
        "drives": [lib],
        "drive_items": [storage.root(lib), big],
    }
    site = m365.findings("m365.storage.abandoned_site", m365.run("m365.storage.abandoned_site", **args))
    files = m365.findings(
        "m365.storage.large_file_unused", m365.run("m365.storage.large_file_unused", **args)
    )
    assert f"drives/{lib['id']}/items/{big['id']}" in site[0].evidence["cost_includes"]
    assert charged([*site, *files]) == {site[0].fingerprint}


def test_abandoned_site_with_concealed_names(m365, storage):
    row = {**storage.site_row("old", last=300), "Site URL": "7A1F3C0D9E2B"}
    hits = m365.run(
        "m365.storage.abandoned_site",
        caps=m365.caps(reports_concealed=True),
        subscribed_skus=storage.pool(10),
        report_sharepoint_sites=[row],
    )
    assert "concealed" in (hits[0].resource.name or "")


# --- m365.storage.excessive_versions ------------------------------------------------------------


@pytest.mark.parametrize(("count", "found"), [(50, False), (51, True)])
def test_versions_boundary(m365, storage, count: int, found: bool):
    lib = storage.library("a")
    doc = storage.file(lib, "model.xlsx", size_mb=10)
    hits = m365.run(
        "m365.storage.excessive_versions",
        **over(storage),
        drives=[lib],
        drive_items=[storage.root(lib), doc],
        item_versions=[storage.versions(lib, doc, count, size_mb=10)],
    )
    assert bool(hits) is found


def test_versions_storage_is_the_sum_beyond_the_newest_n(m365, storage):
    lib = storage.library("a")
    doc = storage.file(lib, "model.xlsx", size_mb=20)
    entry = storage.versions(lib, doc, 60, size_mb=20)
    entry["versions"].reverse()  # Graph's order is not relied on: versions are sorted by date
    hit = m365.run(
        "m365.storage.excessive_versions",
        **over(storage),
        drives=[lib],
        drive_items=[storage.root(lib), doc],
        item_versions=[entry],
    )[0]
    assert hit.evidence["versions_beyond_limit"] == 10
    assert hit.evidence["reclaimable_bytes"] == 10 * 20 * 1024**2
    assert hit.evidence["oldest_version"] == m365.ago(59).isoformat()
    assert hit.confidence is Confidence.MEDIUM
    assert hit.cost.amount == pytest.approx(round(200 / 1024 * 0.2, 2))
    assert hit.resource.id == f"drives/{lib['id']}/items/{doc['id']}/versions"


def test_versions_high_confidence_above_100(m365, storage):
    lib = storage.library("a")
    doc = storage.file(lib, "model.xlsx")
    hit = m365.run(
        "m365.storage.excessive_versions",
        **over(storage),
        drives=[lib],
        drive_items=[doc],
        item_versions=[storage.versions(lib, doc, 101)],
    )[0]
    assert hit.confidence is Confidence.HIGH


def test_versions_traps_duplicates_sizes_and_minimum(m365, storage):
    lib = storage.library("a")
    doc = storage.file(lib, "model.xlsx")
    entry = storage.versions(lib, doc, 50)
    entry["versions"].append(dict(entry["versions"][-1]))  # the same version listed twice
    args: dict[str, Any] = {**over(storage), "drives": [lib], "drive_items": [doc]}
    assert m365.run("m365.storage.excessive_versions", item_versions=[entry], **args) == []
    unsized = storage.versions(lib, doc, 70)
    for v in unsized["versions"]:
        v.pop("size")
    assert m365.run("m365.storage.excessive_versions", item_versions=[unsized], **args) == []
    small = storage.versions(lib, doc, 51, size_mb=9.99)  # 1 version beyond: under 10 MB
    assert m365.run("m365.storage.excessive_versions", item_versions=[small], **args) == []
    partly = storage.versions(lib, doc, 60, size_mb=10)
    partly["versions"][-1].pop("size")
    hit = m365.run("m365.storage.excessive_versions", item_versions=[partly], **args)[0]
    assert hit.evidence["versions_without_size"] == 1 and "lower bound" in hit.reason


def test_versions_in_onedrive_cost_nothing(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    doc = storage.file(od, "notes.docx", size_mb=30)
    hit = m365.run(
        "m365.storage.excessive_versions",
        **over(storage),
        drives=[od],
        drive_items=[doc],
        item_versions=[storage.versions(od, doc, 80, size_mb=30)],
    )[0]
    assert hit.cost.amount == 0.0


# --- m365.storage.recycle_bin_old ---------------------------------------------------------------


def test_recycle_bin_counts_items_from_30_days_one_finding_per_site(m365, storage):
    items = [
        storage.recycled("a", "young.zip", size_mb=500, deleted_days=29.9),
        storage.recycled("a", "old.zip", size_mb=500, deleted_days=30),
        storage.recycled("a", "older.zip", size_mb=500, deleted_days=40),
        storage.recycled("b", "young.zip", size_mb=500, deleted_days=10),
    ]
    hits = m365.run("m365.storage.recycle_bin_old", **over(storage), recycle_bin_items=items)
    assert len(hits) == 1
    assert hits[0].evidence["items"] == 2 and hits[0].evidence["total_bytes"] == 1000 * 1024**2
    assert hits[0].resource.id == f"sites/{storage.site_guid('a')}/recycleBin"
    assert hits[0].confidence is Confidence.MEDIUM


def test_recycle_bin_cost_is_only_until_the_93_day_purge(m365, storage):
    items = [storage.recycled("a", "x.iso", size_mb=30 * 1024, deleted_days=83)]  # 10 days left
    hit = m365.run("m365.storage.recycle_bin_old", **over(storage), recycle_bin_items=items)[0]
    assert hit.cost.amount == pytest.approx(round(30 * 10 / 30 * 0.2, 2))
    assert "93 days" in (hit.cost.detail or "")
    assert hit.confidence is Confidence.HIGH
    past = [storage.recycled("a", "x.iso", size_mb=30 * 1024, deleted_days=95)]
    hit = m365.run("m365.storage.recycle_bin_old", **over(storage), recycle_bin_items=past)[0]
    assert hit.cost.amount == 0.0 and hit.evidence["past_93_days"] == 1


def test_recycle_bin_minimum_and_onedrive_bins(m365, storage):
    small = [storage.recycled("a", "x.txt", size_mb=9.99, deleted_days=50)]
    assert m365.run("m365.storage.recycle_bin_old", **over(storage), recycle_bin_items=small) == []
    od = [storage.recycled("ada@contoso.com", "x.iso", size_mb=2048, deleted_days=50, onedrive=True)]
    hit = m365.run(
        "m365.storage.recycle_bin_old",
        **over(storage),
        report_onedrive_usage=[storage.onedrive_row("ada@contoso.com")],
        recycle_bin_items=od,
    )[0]
    assert hit.evidence["drive_kind"] == "onedrive" and hit.cost.amount == 0.0


# --- m365.storage.disabled_user_drive -----------------------------------------------------------


def _departed(m365, *, days: float | None, licensed: bool = True, **kw: Any) -> dict[str, Any]:
    sign_in = m365.sign_in(successful=days, interactive=days) if days is not None else None
    return m365.user(
        "bob@contoso.com", ["ENTERPRISEPACK"] if licensed else [], enabled=False, sign_in=sign_in, **kw
    )


@pytest.mark.parametrize(
    ("days", "confidence"),
    [(92.9, None), (93, Confidence.MEDIUM), (180, Confidence.HIGH)],
)
def test_disabled_user_drive_bands(m365, storage, days: float, confidence: Confidence | None):
    hits = m365.run(
        "m365.storage.disabled_user_drive",
        **within(storage),
        users=[_departed(m365, days=days)],
        report_onedrive_usage=[storage.onedrive_row("bob@contoso.com", last=days, storage_gb=5)],
    )
    assert [h.confidence for h in hits] == ([confidence] if confidence else [])


def test_disabled_licensed_owner_costs_nothing_extra(m365, storage):
    hit = m365.run(
        "m365.storage.disabled_user_drive",
        **within(storage),
        users=[_departed(m365, days=120)],
        report_onedrive_usage=[storage.onedrive_row("bob@contoso.com", last=120, storage_gb=5)],
    )[0]
    assert hit.cost.amount == 0.0
    assert "m365.license.disabled_account_licensed" in (hit.cost.detail or "")
    assert hit.evidence["scenario"] == "disabled_owner" and "5.0 GB" in hit.reason


def test_unlicensed_drive_is_priced_at_the_archive_rate_when_known(m365, storage):
    args: dict[str, Any] = {
        **within(storage),
        "users": [_departed(m365, days=120, licensed=False)],
        "report_onedrive_usage": [storage.onedrive_row("bob@contoso.com", last=120, storage_gb=10)],
    }
    hit = m365.run("m365.storage.disabled_user_drive", **args)[0]
    book = PriceBook.load("m365")
    if UNLICENSED not in book.prices:
        assert hit.cost.amount is None  # unknown price: never 0
    priced = book.with_live(
        [{"key": UNLICENSED, "region": "global", "amount": 0.05, "unit": "GB-month"}],
        basis=CostBasis.CONFIGURED,
    )
    hit = m365.run("m365.storage.disabled_user_drive", prices=priced, **args)[0]
    assert hit.cost.amount == pytest.approx(0.5)
    assert "billing for unlicensed OneDrive" in (hit.cost.detail or "")


@pytest.mark.parametrize(
    ("user_kw", "row_kw"),
    [
        ({"enabled": True}, {}),
        ({"user_type": "Guest"}, {}),
        ({}, {"last": 10}),  # someone is working on the files: a handover
        ({}, {"deleted": True}),
        ({}, {"storage_gb": 0.0009}),
    ],
)
def test_disabled_user_drive_traps(m365, storage, user_kw: dict[str, Any], row_kw: dict[str, Any]):
    user = _departed(m365, days=200)
    user.update(
        {"accountEnabled": user_kw.get("enabled", False), "userType": user_kw.get("user_type", "Member")}
    )
    row = storage.onedrive_row("bob@contoso.com", **{"last": 200, **row_kw})
    hits = m365.run(
        "m365.storage.disabled_user_drive", **within(storage), users=[user], report_onedrive_usage=[row]
    )
    assert hits == []


def test_deleted_owner_drive_is_flagged_and_a_renamed_owner_is_not(m365, storage):
    renamed = m365.user("robert@contoso.com", ["ENTERPRISEPACK"])
    renamed["mail"] = "bob@contoso.com"  # the report still shows the old UPN
    rows = [
        storage.onedrive_row("gone@contoso.com", last=150, storage_gb=3),
        storage.onedrive_row("bob@contoso.com", last=150, storage_gb=3),
    ]
    hits = m365.run(
        "m365.storage.disabled_user_drive", **within(storage), users=[renamed], report_onedrive_usage=rows
    )
    assert [h.evidence["scenario"] for h in hits] == ["owner_deleted"]
    assert "gone@contoso.com" in hits[0].reason and hits[0].evidence["licensed"] is False
    concealed = m365.run(
        "m365.storage.disabled_user_drive",
        caps=m365.caps(reports_concealed=True),
        **within(storage),
        users=[renamed],
        report_onedrive_usage=rows,
    )
    assert concealed == []


def test_disabled_user_drive_falls_back_to_the_report_when_sign_in_is_refused(m365, storage):
    user = m365.user("bob@contoso.com", ["ENTERPRISEPACK"], enabled=False, sign_in="absent")
    hits = m365.run(
        "m365.storage.disabled_user_drive",
        caps=m365.caps(sign_in_activity=False),
        **within(storage),
        users=[user],
        report_onedrive_usage=[storage.onedrive_row("bob@contoso.com", last=100)],
    )
    assert "sign-in data refused" in hits[0].reason
    assert hits[0].confidence is Confidence.MEDIUM


def test_disabled_user_drive_without_any_activity_data_is_low(m365, storage):
    user = m365.user("bob@contoso.com", ["ENTERPRISEPACK"], enabled=False, sign_in="absent")
    hits = m365.run(
        "m365.storage.disabled_user_drive",
        **within(storage),
        users=[user],
        report_onedrive_usage=[storage.onedrive_row("bob@contoso.com", last=None)],
    )
    assert hits[0].confidence is Confidence.LOW


def test_disabled_user_drive_matched_by_owner_id_when_names_are_concealed(m365, storage):
    od = storage.onedrive("bob@contoso.com", used_gb=7)
    hits = m365.run(
        "m365.storage.disabled_user_drive",
        caps=m365.caps(reports_concealed=True),
        **within(storage),
        users=[_departed(m365, days=200)],
        drives=[od],
    )
    assert hits[0].resource.id == f"drives/{od['id']}"
    assert hits[0].evidence["storage_used_bytes"] == 7 * GIB


# --- m365.storage.temp_files --------------------------------------------------------------------


def _temps(storage, drive: dict[str, Any], days: float, n: int = 5) -> list[dict[str, Any]]:
    names = ["~$budget.xlsx", "a.tmp", "~WRL0001.tmp", ".~lock.report.odt#", "THUMBS.DB", ".DS_Store"]
    return [
        storage.file(drive, names[i % len(names)], size_mb=0.01, modified_days=days, item_id=f"t{i}")
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("n", "days", "found"), [(4, 40, False), (5, 40, True), (5, 6.9, False), (5, 7, True)]
)
def test_temp_files_boundaries(m365, storage, n: int, days: float, found: bool):
    od = storage.onedrive("ada@contoso.com")
    hits = m365.run(
        "m365.storage.temp_files", **over(storage), drives=[od], drive_items=_temps(storage, od, days, n)
    )
    assert bool(hits) is found


def test_temp_files_confidence_and_cost(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    hit = m365.run(
        "m365.storage.temp_files", **over(storage), drives=[od], drive_items=_temps(storage, od, 40)
    )[0]
    assert hit.confidence is Confidence.HIGH and hit.evidence["files"] == 5
    assert hit.resource.id == f"drives/{od['id']}" and hit.cost.amount == 0.0
    hit = m365.run(
        "m365.storage.temp_files", **over(storage), drives=[od], drive_items=_temps(storage, od, 10)
    )[0]
    assert hit.confidence is Confidence.MEDIUM


def test_temp_files_match_whole_names_files_only(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    items = [
        *(
            storage.file(od, "report.tmp.docx", size_mb=1, modified_days=40, item_id=f"r{i}")
            for i in range(3)
        ),
        *(
            storage.file(od, f"db{i}.bak", size_mb=1, modified_days=40) for i in range(3)
        ),  # backups kept on purpose
        {**storage.folder(od, "cache.tmp"), "lastModifiedDateTime": m365.ts(40)},
        *_temps(storage, od, 40, 4),
    ]
    assert m365.run("m365.storage.temp_files", **over(storage), drives=[od], drive_items=items) == []


# --- m365.storage.excessive_sharing -------------------------------------------------------------


def _links(
    storage, drive: dict[str, Any], n: int, scope: str = "organization", days: float = 120
) -> list[dict[str, Any]]:
    return [
        storage.file(drive, f"f{i}.docx", shared=scope, shared_days=days, item_id=f"s{scope}{i}")
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("n", "days", "found"), [(9, 120, False), (10, 120, True), (10, 89.9, False), (10, 90, True)]
)
def test_sharing_boundaries(m365, storage, n: int, days: float, found: bool):
    od = storage.onedrive("ada@contoso.com")
    hits = m365.run(
        "m365.storage.excessive_sharing", drives=[od], drive_items=_links(storage, od, n, days=days)
    )
    assert bool(hits) is found


def test_sharing_is_a_risk_not_a_saving(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    items = [*_links(storage, od, 8), *_links(storage, od, 2, scope="anonymous")]
    hit = m365.run("m365.storage.excessive_sharing", drives=[od], drive_items=items)[0]
    assert hit.cost.amount == 0.0 and "not a saving" in (hit.cost.detail or "")
    assert "not a saving" in hit.reason
    assert hit.evidence["links_by_scope"] == {"anonymous": 2, "organization": 8}
    assert hit.severity is Severity.HIGH  # anyone links
    org_only = m365.run("m365.storage.excessive_sharing", drives=[od], drive_items=_links(storage, od, 10))[0]
    assert org_only.severity is None


def test_sharing_traps_user_links_unknown_scope_and_inherited_items(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    shared_folder = {
        **storage.folder(od, "Team"),
        "shared": {"scope": "organization", "sharedDateTime": m365.ts(300)},
    }
    inside = [
        storage.file(od, f"in{i}.docx", parent=shared_folder, shared="organization", shared_days=300)
        for i in range(9)
    ]
    no_scope = storage.file(od, "x.docx", shared="organization", shared_days=300)
    no_scope["shared"].pop("scope")
    items = [storage.root(od), shared_folder, *inside, *_links(storage, od, 5, scope="users"), no_scope]
    assert m365.run("m365.storage.excessive_sharing", drives=[od], drive_items=items) == []
    hit = m365.run("m365.storage.excessive_sharing", params={"min_links": 1}, drives=[od], drive_items=items)[
        0
    ]
    assert hit.evidence["inherited_not_counted"] == 9 and hit.evidence["scope_unknown"] == 1
    assert hit.evidence["links_by_scope"] == {"anonymous": 0, "organization": 1}


def test_a_given_parent_path_is_used_when_present(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    items = []
    for n in ("a.pdf", "b.pdf"):
        item = storage.file(od, n, size_mb=3, qxh="P=")
        item["parentReference"] = {
            **item["parentReference"],
            "path": f"/drives/{od['id']}/root:/Email attachments",
        }
        item["parentReference"].pop("id", None)
        items.append(item)
    hits = m365.run("m365.storage.duplicate_attachments", **over(storage), drives=[od], drive_items=items)
    assert hits[0].evidence["keep"]["path"] == "/Email attachments/a.pdf"


def test_an_item_repeated_by_delta_is_not_its_own_duplicate(m365, storage):
    lib = storage.library("a")
    item = storage.file(lib, "x.bin", size_mb=5, qxh="X=")
    hits = m365.run(
        "m365.storage.duplicate_files", **over(storage), drives=[lib], drive_items=[item, dict(item)]
    )
    assert hits == []


def test_large_file_in_an_idle_onedrive_is_high_confidence(m365, storage):
    od = storage.onedrive("ada@contoso.com")
    hits = m365.run(
        "m365.storage.large_file_unused",
        **over(storage),
        report_onedrive_usage=[storage.onedrive_row("ada@contoso.com", last=400, active=0)],
        drives=[od],
        drive_items=[storage.root(od), storage.file(od, "old.zip", size_mb=300, modified_days=400)],
    )
    assert hits[0].confidence is Confidence.HIGH
    assert hits[0].evidence["container_activity"]["last_activity_date"] == m365.day(400)
