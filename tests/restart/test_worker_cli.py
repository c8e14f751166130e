"""``roamstream worker`` with the embedded profile: it attaches to a running embedded broker only when told
where it is (the restart test runs workers that way); alone it refuses, since it starts no broker."""

from __future__ import annotations

from typer.testing import CliRunner

from roamstream.cli import app


def test_an_embedded_worker_without_a_broker_address_refuses():
    env = {"ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": None}
    result = CliRunner().invoke(app, ["worker"], env=env)
    assert result.exit_code == 2
    assert "KAFKA_BOOTSTRAP_SERVERS" in result.output
