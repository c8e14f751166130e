"""``pipelines.topics.RawTopic`` makes the event faust's own schema decoding makes, straight from the message:
the same key, value, headers and message, for every topic the pipeline declares and for null keys and values
(tombstones); a topic declared with a codec or a type other than raw decodes as faust does."""

from __future__ import annotations

import time

import faust
import pytest
from faust.types import TP, Message

from pipelines.app import create_app
from pipelines.topics import RawTopic, declare_topics
from roamstream.config import Settings


@pytest.fixture
def app() -> faust.App:
    return create_app(Settings())


def message(topic: str, key: bytes | None, value: bytes | None, headers: list | None) -> Message:
    return Message(topic=topic, partition=1, offset=7, timestamp=time.time(), timestamp_type=0, headers=headers,
                   key=key, value=value, checksum=None, tp=TP(topic, 1))


CASES = [(b"CP-A", b"\x00\x00\x00\x00\x01avro", [("roamstream-retry", b"1")]), (b"CP-A", None, None),
         (None, b"value", []), (None, None, None), (b"", b"", None)]


@pytest.mark.parametrize(("key", "value", "headers"), CASES)
async def test_every_declared_topic_makes_faust_s_event(app: faust.App, key, value, headers) -> None:
    topics = declare_topics(app, Settings())
    for name in ("events", "completed", "tokens", "deadletter"):
        ours = getattr(topics, name)
        assert isinstance(ours, RawTopic)
        theirs = app.topic(*ours.topics, key_serializer="raw", value_serializer="raw")
        assert not isinstance(theirs, RawTopic)
        m = message(ours.topics[0], key, value, headers)
        made, expected = await ours.decode(m, propagate=True), await theirs.decode(m, propagate=True)
        assert type(made) is type(expected) is app.conf.Event
        assert (made.key, made.value, made.headers, made.message) == (
            expected.key, expected.value, expected.headers, expected.message)
        assert made.message is m and made.app is app


async def test_a_clone_keeps_the_direct_decoding(app: faust.App) -> None:
    topic = declare_topics(app, Settings()).events
    clone = topic.clone(is_iterator=True)
    assert isinstance(clone, RawTopic)
    event = await clone.decode(message(topic.topics[0], b"k", b"v", None))
    assert (event.key, event.value) == (b"k", b"v")


async def test_a_topic_of_another_codec_decodes_as_faust_does(app: faust.App) -> None:
    topic = RawTopic(app, topics=["json-topic"], key_serializer="raw", value_serializer="json")
    event = await topic.decode(message("json-topic", b"k", b'{"a": 1}', None))
    assert event.value == {"a": 1}  # the raw path would have handed the bytes on
    typed = RawTopic(app, topics=["str-topic"], key_type=str, key_serializer="raw", value_serializer="raw")
    assert (await typed.decode(message("str-topic", b"k", b"v", None))).key == "k"
