"""The IAM actions cloudwaste calls: every one is a read (Describe*, List*, Get*).

``examples/iam-policy.json`` is :func:`policy_document` written out; a test keeps the two equal and
another proves that a full scan calls exactly these actions.
"""

from __future__ import annotations

from typing import Any

# boto3 service name -> IAM action prefix, where they differ.
_IAM_PREFIX = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing"}

ACTIONS: tuple[str, ...] = (
    "cloudwatch:GetMetricData",
    "ec2:DescribeAddresses",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribeNatGateways",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRegions",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSnapshots",
    "ec2:DescribeSubnets",
    "ec2:DescribeVolumes",
    "ec2:DescribeVpcEndpoints",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "iam:ListAccountAliases",
    "rds:DescribeDBInstances",
    "sts:GetCallerIdentity",
)

READ_PREFIXES = ("Describe", "List", "Get")


def iam_action(service: str, operation: str) -> str:
    """The IAM action of a boto3 call, e.g. ``("elbv2", "DescribeTargetHealth")`` ->
    ``elasticloadbalancing:DescribeTargetHealth``."""
    return f"{_IAM_PREFIX.get(service, service)}:{operation}"


def is_read_only(operation: str) -> bool:
    """True for the read operations cloudwaste is allowed to call."""
    return operation.startswith(READ_PREFIXES)


def policy_document() -> dict[str, Any]:
    """A least-privilege IAM policy granting exactly :data:`ACTIONS`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudwasteReadOnly",
                "Effect": "Allow",
                "Action": list(ACTIONS),
                "Resource": "*",
            }
        ],
    }


# The calls a multi-account scan and `pricing refresh aws` make with the caller's own credentials (the
# management account or a delegated administrator); each scanned account's role needs ACTIONS.
DEFAULT_ROLE_NAME = "CloudwasteReadOnly"
ORG_ACTIONS: tuple[str, ...] = ("organizations:ListAccounts", "organizations:ListTagsForResource")
PRICING_ACTIONS: tuple[str, ...] = ("pricing:GetProducts",)


def management_policy_document(role_name: str = DEFAULT_ROLE_NAME) -> dict[str, Any]:
    """The caller's policy for ``--org``/``--accounts-file`` and ``pricing refresh aws``: list the
    accounts and their tags, assume ``role_name`` in any account, read the Price List."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CloudwasteListAccounts",
                "Effect": "Allow",
                "Action": list(ORG_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "CloudwasteAssumeScanRole",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Resource": f"arn:aws:iam::*:role/{role_name}",
            },
            {
                "Sid": "CloudwastePriceList",
                "Effect": "Allow",
                "Action": list(PRICING_ACTIONS),
                "Resource": "*",
            },
        ],
    }
