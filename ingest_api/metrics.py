"""The ingest API's metrics (prometheus-client, the app's own registry): requests, rejections, records
published, dead letters (``roamstream.metrics``)."""

from __future__ import annotations

from prometheus_client import Counter

from roamstream.metrics import CONTENT_TYPE, ServiceMetrics

__all__ = ["CONTENT_TYPE", "Metrics"]


class Metrics(ServiceMetrics):
    def __init__(self) -> None:
        super().__init__()
        r = self.registry
        self.requests = Counter("roamstream_api_requests", "HTTP requests served",
                                ["method", "endpoint", "status"], registry=r)
        self.rejected = Counter("roamstream_api_rejected", "requests refused with an OCPI error",
                                ["endpoint", "ocpi_status"], registry=r)
        self.published = Counter("roamstream_api_published", "records the broker took", ["topic"], registry=r)
