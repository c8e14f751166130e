"""Input models of the non-OCPI endpoints (statements, transaction batches) and the responses' data."""
