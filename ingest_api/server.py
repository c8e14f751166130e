"""Run an ASGI app with uvicorn in the current event loop, on a socket bound before it starts."""

from __future__ import annotations

import asyncio
import inspect
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from roamstream.config import ServesTls


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: whoever runs the loop owns SIGINT/SIGTERM."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ServerHandle:
    """A running API: ``url`` (``http://host:port``), ``await stop()``."""

    def __init__(self, url: str, server: uvicorn.Server, task: asyncio.Task[None]) -> None:
        self.url = url
        self._server = server
        self._task = task
        self._on_stop: list[Callable[[], object]] = []

    def on_stop(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` (awaited if it returns an awaitable) once the server has stopped."""
        self._on_stop.append(callback)

    async def stop(self) -> None:
        self._server.should_exit = True
        await self._task
        for callback in reversed(self._on_stop):
            result = callback()
            if inspect.isawaitable(result):
                await result


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


async def serve_app(app: ASGIApp, host: str, port: int, tls: ServesTls | None = None) -> ServerHandle:
    """Start serving ``app`` on ``host``/``port`` (0: a free port); return once it accepts requests. With a
    certificate and key in ``tls`` (``API_TLS_CERTFILE``, ``API_TLS_KEYFILE``): HTTPS only."""
    https = tls is not None and tls.uses_tls
    sock = _bind(host, port)
    files = {"ssl_certfile": str(tls.tls_certfile), "ssl_keyfile": str(tls.tls_keyfile)} if https else {}
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", **files)
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            sock.close()
            task.result()
            raise RuntimeError("the server stopped while starting")
        await asyncio.sleep(0.01)
    bound_host, bound_port = sock.getsockname()[:2]
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    return ServerHandle(f"{'https' if https else 'http'}://{url_host}:{bound_port}", server, task)
