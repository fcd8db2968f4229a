"""Microsoft 365: app-only Graph credentials, directory and usage-report collectors, bounded drive walks.

Importing this package does not import msgraph-sdk or azure-identity; they load when a provider plans.
"""

from cloudwaste.providers.m365.options import M365Options
from cloudwaste.providers.m365.provider import M365Provider, M365UnitSession

__all__ = ["M365Options", "M365Provider", "M365UnitSession"]
