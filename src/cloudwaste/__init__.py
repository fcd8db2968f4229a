"""cloudwaste: find the money burned on forgotten cloud resources."""

__version__ = "0.1.0"
