"""AWS: credentials, regions, memoized collectors and batched CloudWatch metrics (boto3, imported lazily).

Importing this package does not import boto3; the SDK is loaded when a provider first plans.
"""

from cloudwaste.providers.aws.options import AwsOptions
from cloudwaste.providers.aws.provider import AwsProvider, AwsUnitSession

__all__ = ["AwsOptions", "AwsProvider", "AwsUnitSession"]
