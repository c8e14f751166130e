"""``/healthz`` (the process serves) and ``/metrics`` (Prometheus text); no auth, outside ``/ocpi``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from ingest_api.deps import MetricsDep
from ingest_api.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(counters: MetricsDep) -> PlainTextResponse:
    return PlainTextResponse(counters.render(), media_type=CONTENT_TYPE)
