"""The AWS collections checks read by name: one paginated, read-only listing each.

Each collection is declared once as data (like Cloud Custodian's ``resource_type``): the service, the
API operation, the result key, fixed parameters and the largest page the API accepts. Items are
returned exactly as boto3 parses them (tz-aware datetimes), every page fetched. Some collections
need a second call per item (instances are flattened out of reservations; launch template versions,
target health, listeners and load balancer attributes are fetched per template / target group / load
balancer). elbv2 load balancers also carry ``LoadBalancerFullName`` (``app/<name>/<id>``, the
CloudWatch ``LoadBalancer`` dimension, as CloudFormation names it), which metric queries key on.

A collector is ``fn(client_for, page_size) -> list[dict]``, where ``client_for(service)`` returns the
unit's (instrumented) client and ``page_size`` overrides each API's maximum page (tests, tuning).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ClientFor = Callable[[str], Any]
Items = list[dict[str, Any]]
Collector = Callable[[ClientFor, int | None], Items]


@dataclass(frozen=True)
class Listing:
    """One paginated Describe/List call and where its items are in the response."""

    service: str
    operation: str  # API name, e.g. "DescribeVolumes"
    result_key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    max_page: int | None = None  # None: the API has no page size
    min_page: int = 1
    # sent only when the installed botocore knows them (newer API members; older SDKs stay usable)
    optional: Mapping[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        """The boto3 method name (``describe_volumes``)."""
        from botocore import xform_name

        return str(xform_name(self.operation))


# An account can hide resources that AWS services manage ("managed resource visibility"); they stay
# billable and in use, so a scan must see them: a hidden volume's snapshots are not orphans.
MANAGED = {"IncludeManagedResources": True}
VOLUMES = Listing("ec2", "DescribeVolumes", "Volumes", max_page=500, min_page=5, optional=MANAGED)
INSTANCES = Listing("ec2", "DescribeInstances", "Reservations", max_page=1000, min_page=5, optional=MANAGED)
SNAPSHOTS = Listing("ec2", "DescribeSnapshots", "Snapshots", {"OwnerIds": ["self"]}, 1000, 5)
# Disabled and deprecated AMIs still hold their snapshots (which cannot be deleted while registered).
IMAGES = Listing(
    "ec2",
    "DescribeImages",
    "Images",
    {"Owners": ["self"], "IncludeDisabled": True, "IncludeDeprecated": True},
    1000,
)
LAUNCH_TEMPLATES = Listing(
    "ec2", "DescribeLaunchTemplates", "LaunchTemplates", max_page=200, optional=MANAGED
)
# ResolveAlias: a `resolve:ssm:` ImageId comes back as the AMI id it points to
LAUNCH_TEMPLATE_VERSIONS = Listing(
    "ec2",
    "DescribeLaunchTemplateVersions",
    "LaunchTemplateVersions",
    max_page=200,
    optional={**MANAGED, "ResolveAlias": True},
)
ADDRESSES = Listing("ec2", "DescribeAddresses", "Addresses")
NETWORK_INTERFACES = Listing(
    "ec2", "DescribeNetworkInterfaces", "NetworkInterfaces", max_page=1000, min_page=5, optional=MANAGED
)
NAT_GATEWAYS = Listing("ec2", "DescribeNatGateways", "NatGateways", max_page=1000, min_page=5)
ROUTE_TABLES = Listing("ec2", "DescribeRouteTables", "RouteTables", max_page=100, min_page=5)
ELBV2_LOAD_BALANCERS = Listing("elbv2", "DescribeLoadBalancers", "LoadBalancers", max_page=400)
TARGET_GROUPS = Listing("elbv2", "DescribeTargetGroups", "TargetGroups", max_page=400)
TARGET_HEALTH = Listing("elbv2", "DescribeTargetHealth", "TargetHealthDescriptions")
ELB_LOAD_BALANCERS = Listing("elb", "DescribeLoadBalancers", "LoadBalancerDescriptions", max_page=400)
LISTENERS = Listing("elbv2", "DescribeListeners", "Listeners", max_page=400)
LB_ATTRIBUTES = Listing("elbv2", "DescribeLoadBalancerAttributes", "Attributes")
SECURITY_GROUPS = Listing("ec2", "DescribeSecurityGroups", "SecurityGroups", max_page=1000, min_page=5)
SUBNETS = Listing("ec2", "DescribeSubnets", "Subnets", max_page=1000, min_page=5)
INTERNET_GATEWAYS = Listing("ec2", "DescribeInternetGateways", "InternetGateways", max_page=1000, min_page=5)
VPC_ENDPOINTS = Listing("ec2", "DescribeVpcEndpoints", "VpcEndpoints", max_page=1000, min_page=5)
# DescribeDBInstances returns each instance's TagList: no ListTagsForResource call per instance
DB_INSTANCES = Listing("rds", "DescribeDBInstances", "DBInstances", max_page=100, min_page=20)
# only these types are billed for cross-zone traffic; an ALB's cross-zone balancing is free
CROSS_ZONE_BILLED = ("network", "gateway")


def list_all(client: Any, listing: Listing, page_size: int | None = None, **params: Any) -> Items:
    """Every item of ``listing``, following the paginator where botocore has one."""
    members = client.meta.service_model.operation_model(listing.operation).input_shape.members
    known = {k: v for k, v in listing.optional.items() if k in members}
    args = {**listing.params, **known, **params}
    if listing.max_page is not None and client.can_paginate(listing.method):
        size = listing.max_page if page_size is None else max(listing.min_page, page_size)
        pages = client.get_paginator(listing.method).paginate(
            **args, PaginationConfig={"PageSize": min(size, listing.max_page)}
        )
        return [item for page in pages for item in page.get(listing.result_key) or []]
    return list(getattr(client, listing.method)(**args).get(listing.result_key) or [])


def _simple(listing: Listing) -> Collector:
    def collect(client_for: ClientFor, page_size: int | None) -> Items:
        return list_all(client_for(listing.service), listing, page_size)

    collect.__doc__ = f"{listing.service}:{listing.operation} -> {listing.result_key}[]"
    return collect


def collect_instances(client_for: ClientFor, page_size: int | None) -> Items:
    """Every instance of every reservation, all states, flattened."""
    reservations = list_all(client_for("ec2"), INSTANCES, page_size)
    return [inst for res in reservations for inst in res.get("Instances") or []]


def collect_launch_template_versions(client_for: ClientFor, page_size: int | None) -> Items:
    """Every version of every launch template."""
    ec2 = client_for("ec2")
    versions: Items = []
    for template in list_all(ec2, LAUNCH_TEMPLATES, page_size):
        versions.extend(
            list_all(ec2, LAUNCH_TEMPLATE_VERSIONS, page_size, LaunchTemplateId=template["LaunchTemplateId"])
        )
    return versions


def collect_target_groups(client_for: ClientFor, page_size: int | None) -> Items:
    """Target groups; those attached to a load balancer carry the ``TargetHealthDescriptions`` that
    DescribeTargetHealth returns for them (one call per attached group)."""
    from botocore.exceptions import ClientError

    elbv2 = client_for("elbv2")
    groups = list_all(elbv2, TARGET_GROUPS, page_size)
    out: Items = []
    for group in groups:
        if not group.get("LoadBalancerArns"):
            out.append(group)  # serves no load balancer: no check reads its health, so skip the call
            continue
        try:
            health = list_all(elbv2, TARGET_HEALTH, page_size, TargetGroupArn=group["TargetGroupArn"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TargetGroupNotFound":
                continue  # deleted between the two calls
            raise
        out.append({**group, "TargetHealthDescriptions": health})
    return out


_LB_CACHE: weakref.WeakKeyDictionary[Any, Items] = weakref.WeakKeyDictionary()
_LB_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _load_balancers(elbv2: Any, page_size: int | None) -> Items:
    """The unit's elbv2 load balancers, listed once per client: the listener and attribute collectors
    need the same list, so they do not call DescribeLoadBalancers again (one lock per client, so units
    scanned in parallel do not wait for each other)."""
    with _LOCKS_GUARD:
        lock = _LB_LOCKS.setdefault(elbv2, threading.Lock())
    with lock:
        cached = _LB_CACHE.get(elbv2)
        if cached is None:
            cached = [
                {**lb, "LoadBalancerFullName": str(lb["LoadBalancerArn"]).split(":loadbalancer/", 1)[-1]}
                for lb in list_all(elbv2, ELBV2_LOAD_BALANCERS, page_size)
            ]
            _LB_CACHE[elbv2] = cached
        return cached


def collect_load_balancers(client_for: ClientFor, page_size: int | None) -> Items:
    """elbv2 load balancers (ALB, NLB, Gateway), each with its ``LoadBalancerFullName``."""
    return _load_balancers(client_for("elbv2"), page_size)


def _per_load_balancer(
    elbv2: Any, lb: dict[str, Any], listing: Listing, page_size: int | None
) -> Items | None:
    """``listing`` for one load balancer; None when it was deleted after it was listed."""
    from botocore.exceptions import ClientError

    try:
        return list_all(elbv2, listing, page_size, LoadBalancerArn=lb["LoadBalancerArn"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "LoadBalancerNotFound":
            return None
        raise


def collect_listeners(client_for: ClientFor, page_size: int | None) -> Items:
    """Every listener of every elbv2 load balancer (one DescribeListeners per load balancer)."""
    elbv2 = client_for("elbv2")
    out: Items = []
    for lb in _load_balancers(elbv2, page_size):
        out.extend(_per_load_balancer(elbv2, lb, LISTENERS, page_size) or [])
    return out


def collect_lb_attributes(client_for: ClientFor, page_size: int | None) -> Items:
    """``{LoadBalancerArn, Attributes}`` of each NLB and Gateway Load Balancer (the types whose cross-zone
    traffic is billed); ALBs are not asked."""
    elbv2 = client_for("elbv2")
    out: Items = []
    for lb in _load_balancers(elbv2, page_size):
        if lb.get("Type") not in CROSS_ZONE_BILLED:
            continue
        attributes = _per_load_balancer(elbv2, lb, LB_ATTRIBUTES, page_size)
        if attributes is not None:
            out.append({"LoadBalancerArn": lb["LoadBalancerArn"], "Attributes": attributes})
    return out


COLLECTORS: dict[str, Collector] = {
    "ec2:volumes": _simple(VOLUMES),
    "ec2:instances": collect_instances,
    "ec2:snapshots": _simple(SNAPSHOTS),
    "ec2:images": _simple(IMAGES),
    "ec2:launch_template_versions": collect_launch_template_versions,
    "ec2:addresses": _simple(ADDRESSES),
    "ec2:network_interfaces": _simple(NETWORK_INTERFACES),
    "ec2:nat_gateways": _simple(NAT_GATEWAYS),
    "ec2:route_tables": _simple(ROUTE_TABLES),
    "ec2:security_groups": _simple(SECURITY_GROUPS),
    "ec2:subnets": _simple(SUBNETS),
    "ec2:internet_gateways": _simple(INTERNET_GATEWAYS),
    "ec2:vpc_endpoints": _simple(VPC_ENDPOINTS),
    "elbv2:load_balancers": collect_load_balancers,
    "elbv2:target_groups": collect_target_groups,
    "elbv2:listeners": collect_listeners,
    "elbv2:load_balancer_attributes": collect_lb_attributes,
    "elb:load_balancers": _simple(ELB_LOAD_BALANCERS),
    "rds:db_instances": _simple(DB_INSTANCES),
}
