"""Run the ingest API in the current event loop (demo, ``roamstream up``, integration tests)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from ingest_api.app import create_app
from ingest_api.publisher import Producer
from roamstream.avro import AvroSerde
from roamstream.config import Settings


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

    async def stop(self) -> None:
        self._server.should_exit = True
        await self._task


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


async def serve(settings: Settings, producer: Producer, serde: AvroSerde) -> ServerHandle:
    """Start serving on ``settings.api.host``/``port`` (0: a free port) and return once it accepts requests.

    The producer stays the caller's: ``stop()`` does not close it.
    """
    app = create_app(settings, producer, serde)
    sock = _bind(settings.api.host, settings.api.port)
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            sock.close()
            task.result()
            raise RuntimeError("the ingest API server stopped while starting")
        await asyncio.sleep(0.01)
    host, port = sock.getsockname()[:2]
    url_host = f"[{host}]" if ":" in host else host
    return ServerHandle(f"http://{url_host}:{port}", server, task)
