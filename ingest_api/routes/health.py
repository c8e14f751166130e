"""``/healthz`` (the process serves), ``/ready`` (the broker answers its producer: publishing works) and
``/metrics`` (Prometheus text); no auth, outside ``/ocpi``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ingest_api.deps import MetricsDep
from ingest_api.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])


async def _ready(request: Request) -> bool:
    ready = await asyncio.to_thread(request.app.state.producer.connected)
    request.app.state.metrics.ready.set(int(ready))
    return ready


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "the broker does not answer"}})
async def ready(request: Request) -> JSONResponse:
    if await _ready(request):
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not ready", "reason": "the broker does not answer"}, status_code=503)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, counters: MetricsDep) -> Response:
    await _ready(request)
    return Response(counters.render(), media_type=CONTENT_TYPE)
