"""Partners in their own processes (tests/partners/receiver.py, and the extrawest-ocpi eMSP), a TCP switch that can
refuse connections in front of one, and reading a receiver's state: what the tests here and their conftest share.

A module of its own, not the conftest: ``from conftest import ...`` takes whichever ``conftest`` was imported first,
so these tests failed to collect beside another directory's conftest (``pytest tests/partners tests/e2e``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from roamstream.config import Partner

RECEIVER = Path(__file__).with_name("receiver.py")


@dataclass
class Receiver:
    url: str
    token: str
    process: asyncio.subprocess.Process

    async def control(self, **change) -> None:
        async with httpx.AsyncClient() as client:
            (await client.post(f"{self.url}/_control", json=change)).raise_for_status()

    async def state(self) -> dict:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{self.url}/_state", timeout=30)
            response.raise_for_status()
            return response.json()

    def partner(self, party: tuple[str, str], base: str | None = None) -> Partner:
        base = base or self.url
        return Partner(country_code=party[0], party_id=party[1], token=self.token,
                       cdrs_url=f"{base}/ocpi/emsp/2.2.1/cdrs", sessions_url=f"{base}/ocpi/emsp/2.2.1/sessions")


@contextlib.asynccontextmanager
async def receiver_process(token: str, *extra: str) -> AsyncIterator[Receiver]:
    """``extra``: more arguments of receiver.py (``--token-a A --party CC-PID`` to be registered at)."""
    proc = await asyncio.create_subprocess_exec(sys.executable, str(RECEIVER), "--token", token, *extra,
                                                stdout=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(30):
            line = (await proc.stdout.readline()).decode()
        assert line.startswith("listening "), line
        yield Receiver(line.split()[1], token, proc)
    finally:
        proc.terminate()
        await proc.wait()


class Switch:
    """A TCP forwarder on 127.0.0.1: ``close()`` stops listening (connections are refused), ``open()`` listens
    again on the same port."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._server: asyncio.Server | None = None
        self.port = 0
        self._conns: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def open(self) -> Switch:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._conns):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        except OSError:
            writer.close()
            return
        self._conns.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()
                self._conns.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def sessions_at(state: dict) -> dict[str, dict]:
    return {k: json.loads(v) for k, v in state["sessions"].items()}


INTEROP = Path(__file__).resolve().parents[2] / ".venv-interop"


@contextlib.asynccontextmanager
async def extrawest_emsp(token: str) -> AsyncIterator[Receiver]:
    """The extrawest-ocpi eMSP in its own process and venv (built by ``make interop`` when missing)."""
    if not (INTEROP / ".installed").exists():
        build = await asyncio.create_subprocess_exec("make", "-C", str(INTEROP.parent), "interop")
        assert await build.wait() == 0, "make interop failed"
    proc = await asyncio.create_subprocess_exec(
        str(INTEROP / "bin" / "python"), str(Path(__file__).with_name("interop") / "extrawest_emsp.py"),
        "--token", token, stdout=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(60):
            line = (await proc.stdout.readline()).decode()
        assert line.startswith("listening "), line
        url = line.split()[1]
        async with httpx.AsyncClient() as client:  # up once it answers
            for _ in range(100):
                try:
                    await client.get(f"{url}/_state")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        yield Receiver(url, token, proc)
    finally:
        proc.terminate()
        await proc.wait()
