"""Azure: credentials, subscriptions, Resource Graph / ARM collectors and Azure Monitor metrics.

Importing this package does not import the Azure SDK; it is loaded when a provider first plans.
"""

from cloudwaste.providers.azure.options import AzureOptions
from cloudwaste.providers.azure.provider import AzureProvider, AzureUnitSession

__all__ = ["AzureOptions", "AzureProvider", "AzureUnitSession"]
