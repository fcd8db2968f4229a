"""GCP checks: pure functions of Google REST-shaped collections of one project."""
