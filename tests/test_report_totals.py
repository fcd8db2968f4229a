"""Monthly totals charge each resource once, across checks and across zone/region spellings."""

from __future__ import annotations

from cloudwaste.report import charged, summarize
from tests.builders import make_finding

IP = "https://www.googleapis.com/compute/v1/projects/p/regions/europe-west1/addresses/web-ip"


def test_a_resource_included_in_a_larger_finding_of_another_zone_is_not_charged_twice() -> None:
    # a stopped zonal instance that includes its regional static IP's charge, and the IP's own finding
    instance = make_finding(
        "vm-1",
        check_id="gcp.compute.stopped_instance",
        region="europe-west1-b",
        amount=12.0,
        evidence={"cost_includes": [IP]},
    )
    address = make_finding(IP, check_id="gcp.compute.unused_address", region="europe-west1", amount=7.3)
    assert charged([instance, address]) == {instance.fingerprint}
    assert summarize([instance, address]).monthly_cost["amount"] == 12.0


def test_the_same_id_in_two_accounts_is_two_resources() -> None:
    a = make_finding("vol-1", account="111111111111", amount=5.0)
    b = make_finding("vol-1", account="222222222222", amount=5.0)
    assert charged([a, b]) == {a.fingerprint, b.fingerprint}
