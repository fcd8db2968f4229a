"""SharePoint and OneDrive collectors: ranked sites, drives, bounded delta walks, recycle bins, versions."""

from __future__ import annotations

from cloudwaste.providers.m365 import storage as S
from cloudwaste.providers.m365.provider import SITES
from tests.fakes import m365_estate as E
from tests.fakes.graph import FakeGraph
from tests.providers.m365.helpers import provider, session


def test_drives_of_the_largest_sites(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    drives = session().collect(S.DRIVES)
    assert [d["driveType"] for d in drives] == ["documentLibrary", "business"]  # 60 GB site first
    assert drives[1]["owner"]["user"]["email"] == f"bob@{E.DOMAIN}" and drives[1]["quota"]["used"] > 0
    assert drives[0]["_site_id"] == env_credential.sites[0]["id"]
    [listing] = env_credential.calls("/sites/getAllSites")
    assert set(listing.query["$select"].split(",")) == set(S.SITE_SELECT)
    assert all(
        set(c.query["$select"].split(",")) == set(S.DRIVE_SELECT) for c in env_credential.calls("/drives")
    )


def test_max_drives_bounds_the_sites_read(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session(provider(max_drives=1))
    assert [x["name"] for x in s.collect(SITES)] == ["finance"]
    assert len(s.collect(S.DRIVES)) == 1 and len(env_credential.calls("/drives")) == 1


def test_rank_sites_by_reported_storage_then_last_change() -> None:
    big, small, old, new = (
        E.site(n, modified_days=d) for n, d in (("big", 5), ("small", 5), ("old", 900), ("new", 1))
    )
    rows = [
        {"Site Id": big["id"].split(",")[1].upper(), "Storage Used (Byte)": "900", "Is Deleted": "False"},
        {"Site Id": small["id"].split(",")[1], "Storage Used (Byte)": "10", "Is Deleted": "False"},
        {"Site Id": old["id"].split(",")[1], "Storage Used (Byte)": "99999", "Is Deleted": "True"},
    ]
    assert [s["name"] for s in S.rank_sites([old, small, new, big], rows)] == ["big", "small", "new", "old"]


def test_drive_items_come_from_delta_with_select(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session()
    items = s.collect(S.DRIVE_ITEMS)
    assert len(items) == 7 and s.collect("m365:capabilities")["items_bound_hit"] is False
    first = items[1]
    assert first["name"] == "budget-2019.pptx" and first["file"]["hashes"]["sha1Hash"]
    assert first["_drive_id"] == first["parentReference"]["driveId"] and first["_owner_upn"] is None
    assert items[-1]["_owner_upn"] == f"bob@{E.DOMAIN}" and items[-1]["shared"] == {"scope": "anonymous"}
    deltas = env_credential.calls("/delta")
    assert len(deltas) == 3 + 1  # 5 items at 2 a page, then 2 items in one page
    assert (
        set(deltas[0].query["$select"].split(",")) == set(S.ITEM_SELECT) and deltas[0].query["$top"] == "999"
    )
    assert s.warnings == []


def test_max_items_stops_the_walk_and_says_so(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session(provider(max_items=3))
    items = s.collect(S.DRIVE_ITEMS)
    assert len(items) == 3
    caps = s.collect("m365:capabilities")
    assert caps["items_bound_hit"] is True and caps["max_items"] == 3
    assert len(env_credential.calls("/delta")) == 2  # stopped inside the first drive
    [warning] = s.warnings
    assert "stopped at 3 items (--max-items 3) after 1 of 2 drive(s)" in warning


def test_max_items_reached_exactly_at_the_end_is_no_bound_hit(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session(provider(max_items=7))
    assert len(s.collect(S.DRIVE_ITEMS)) == 7
    assert s.collect("m365:capabilities")["items_bound_hit"] is False


def test_zero_max_items_reads_no_drive(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session(provider(max_items=0))
    assert s.collect(S.DRIVE_ITEMS) == []
    assert s.collect("m365:capabilities")["items_bound_hit"] is True and env_credential.calls("/delta") == []


def test_recycle_bin_items_from_the_beta_api(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session()
    [item] = s.collect(S.RECYCLE_BIN_ITEMS)
    assert item["name"] == "old-report.docx" and item["deletedDateTime"].endswith("Z")
    assert item["_site_id"] == env_credential.sites[0]["id"]
    assert s.collect("m365:capabilities")["recycle_bin_available"] is True
    assert {c.version for c in env_credential.calls("/recycleBin/items")} == {"beta"}


def test_recycle_bin_unavailable_is_a_flag_not_an_error(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    env_credential.recycle_bin_status = 400
    s = session()
    assert s.collect(S.RECYCLE_BIN_ITEMS) == []
    assert s.collect("m365:capabilities")["recycle_bin_available"] is False
    assert any("recycle bins not read" in w for w in s.warnings)
    assert len(env_credential.calls("/recycleBin/items")) == 1  # the first refusal stops the loop


def test_versions_of_the_largest_files_only(env_credential: FakeGraph) -> None:
    E.small_tenant(env_credential)
    s = session(provider(max_version_files=1))
    [entry] = s.collect(S.ITEM_VERSIONS)
    assert entry["_item_id"] == s.collect(S.DRIVE_ITEMS)[1]["id"] and len(entry["versions"]) == 5
    assert set(entry["versions"][0]) == {"id", "lastModifiedDateTime", "size"}
    assert len(env_credential.calls("/versions")) == 1
