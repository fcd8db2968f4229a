"""Azure checks: pure functions of ARM REST-shaped collections of one subscription."""
