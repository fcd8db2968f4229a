"""Microsoft 365 checks: pure functions of Graph v1.0 REST-shaped collections of one tenant."""
