"""Run an ASGI app with uvicorn inside the current event loop (demo, tests, ``roamstream up``)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn


class ServedApp:
    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning") -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        # log_config=None: uvicorn leaves the process's logging as the command set it up (its dictConfig would
        # close every handler, e.g. the demo's log file)
        self._server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level=log_level, lifespan="off"))
        self._server.install_signal_handlers = lambda: None  # the owner of the loop handles signals
        self._task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> ServedApp:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises the start-up error
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._sock.close()

    async def __aenter__(self) -> ServedApp:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
