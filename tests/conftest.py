"""Shared fixtures: one embedded broker per test session; unique topic names per test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from roamstream.broker import EmbeddedBroker
from roamstream.config import Settings
from roamstream.kafka import create_topics


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as b:
        yield b


@pytest.fixture
def settings(broker: EmbeddedBroker, tmp_path) -> Settings:
    """Settings for the embedded broker, with every topic (and group) prefixed uniquely for this test."""
    base = Settings().for_embedded(broker.bootstrap_servers)
    prefix = f"t{uuid.uuid4().hex[:10]}."
    # tansu holds a group join for about half the session timeout (DESIGN.md): 3 s instead of the embedded
    # profile's 6 s makes every worker start in the suite a second sooner (heartbeats stay at 1 s)
    kafka = base.kafka.model_copy(update={"topic_prefix": prefix, "session_timeout_s": 3.0})
    lake = base.lake.model_copy(update={"uri": str(tmp_path / "lake")})
    pipeline = base.pipeline.model_copy(update={"app_id": f"{prefix}roamstream", "datadir": tmp_path / "faust"})
    return base.model_copy(update={"kafka": kafka, "lake": lake, "pipeline": pipeline})


@pytest.fixture
def topics(settings: Settings) -> Settings:
    """``settings`` with every catalog topic created."""
    create_topics(settings)
    return settings


@pytest.fixture
def cli_service(tmp_path):
    """Run ``roamstream <args>`` as a child process, as a user would: ``async with cli_service(args, env,
    pattern) as url`` waits for the first output line matching ``pattern`` and gives its first group; leaving
    the block sends Ctrl-C (SIGINT) and expects exit status 0."""

    @contextlib.asynccontextmanager
    async def start(args: list[str], env: dict[str, str], pattern: str) -> AsyncIterator[str]:
        stderr = tmp_path / f"{args[0]}.stderr"
        log = stderr.open("wb")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "roamstream", *args, env={**os.environ, **env},
            stdout=asyncio.subprocess.PIPE, stderr=log,
        )
        try:
            found = None
            while found is None:
                line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
                assert line, f"roamstream {args[0]} exited early: {stderr.read_text()}"
                found = re.search(pattern, line)
            yield found.group(1)
            proc.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(proc.wait(), 30) == 0, stderr.read_text()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            log.close()

    return start


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A test CA (``trustme``) and a server certificate it signed for 127.0.0.1 and localhost, as PEM files:
    ``.ca`` (to verify with), ``.cert`` (the chain), ``.key``."""
    import types

    import trustme

    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    where = tmp_path_factory.mktemp("tls")
    files = types.SimpleNamespace(ca=where / "ca.pem", cert=where / "cert.pem", key=where / "key.pem")
    ca.cert_pem.write_to_path(str(files.ca))
    server.private_key_pem.write_to_path(str(files.key))
    for i, blob in enumerate(server.cert_chain_pems):
        blob.write_to_path(str(files.cert), append=i > 0)
    return files
