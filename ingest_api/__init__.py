"""The ingest API: OCPI-style HTTPS JSON in, validated Avro records on Kafka out.

``app.create_app(settings, producer, serde)`` builds the FastAPI app; ``server.serve(...)`` runs it in the
current event loop. Routes are thin: parse and validate (``validation``), build the record (``records``),
publish and wait for delivery (``publisher``); every error becomes an OCPI envelope (``handlers``).
"""
