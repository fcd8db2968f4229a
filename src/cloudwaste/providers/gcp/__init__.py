"""GCP: credentials, projects, Compute / Cloud Asset / Recommender collectors and Cloud Monitoring metrics.

Importing this package does not import the Google libraries; they are loaded when a provider first plans.
"""

from cloudwaste.providers.gcp.options import GcpOptions
from cloudwaste.providers.gcp.provider import GcpProvider, GcpUnitSession

__all__ = ["GcpOptions", "GcpProvider", "GcpUnitSession"]
