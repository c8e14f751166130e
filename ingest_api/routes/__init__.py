"""One router per resource; each route parses, builds records (``ingest_api.records``) and publishes."""
