"""Shared fixtures: one embedded broker per test session; unique topic names per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

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
    kafka = base.kafka.model_copy(update={"topic_prefix": prefix})
    lake = base.lake.model_copy(update={"uri": str(tmp_path / "lake")})
    pipeline = base.pipeline.model_copy(update={"app_id": f"{prefix}roamstream"})
    return base.model_copy(update={"kafka": kafka, "lake": lake, "pipeline": pipeline})


@pytest.fixture
def topics(settings: Settings) -> Settings:
    """``settings`` with every catalog topic created."""
    create_topics(settings)
    return settings
