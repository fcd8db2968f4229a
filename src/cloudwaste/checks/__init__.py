"""Waste checks: pure functions of collected data, registered with metadata."""
