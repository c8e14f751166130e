"""The worker's ``/metrics`` and ``/ready`` over HTTP (aiohttp, on the worker's event loop: the metrics read
faust's state on each scrape, where it is not changing under them)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from roamstream.metrics import CONTENT_TYPE, ServiceMetrics


class OpsServer:
    """``await start()`` binds ``host``/``port`` (0: a free port; ``url`` tells which); ``await stop()``."""

    def __init__(self, metrics: ServiceMetrics, ready: Callable[[], bool], host: str, port: int) -> None:
        self._metrics = metrics
        self._ready = ready
        self._host, self._port = host, port
        app = web.Application()
        app.router.add_get("/metrics", self._serve_metrics)
        app.router.add_get("/ready", self._serve_ready)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        self.url = ""

    def _check(self) -> bool:
        ready = self._ready()
        self._metrics.ready.set(int(ready))
        return ready

    async def _serve_metrics(self, request: web.Request) -> web.Response:
        self._check()
        response = web.Response(body=self._metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    async def _serve_ready(self, request: web.Request) -> web.Response:
        if self._check():
            return web.Response(text="ready\n")
        return web.Response(status=503, text="not ready: partitions not assigned, or recovery not done\n")

    async def start(self) -> OpsServer:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()
