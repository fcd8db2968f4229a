"""Cloud providers: credentials, scope discovery and memoized collectors (the only SDK users)."""
