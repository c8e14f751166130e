"""Dead-letter identities: derived ones are the same for a redone letter and differ in anything it says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roamstream.deadletter import derived_letter_id, fresh_letter_id

AT = datetime(2026, 3, 2, 10, 45, tzinfo=UTC)
BASE = {"stage": "pricing", "reason": "unknown token 'X'", "source": ("sessions.completed.v1", 2, 41),
        "key": b"CP-1", "payload": b"\x00\x01", "event_time": AT}


def test_a_redone_letter_has_the_same_derived_id():
    assert derived_letter_id(**BASE) == derived_letter_id(**dict(BASE))


@pytest.mark.parametrize(("field", "other"), [
    ("stage", "push"), ("reason", "unknown token 'Y'"), ("source", ("sessions.completed.v1", 2, 42)),
    ("source", (None, None, None)), ("key", b"CP-2"), ("key", None), ("payload", b"\x00\x02"),
    ("event_time", None),
])
def test_anything_the_letter_says_changes_its_derived_id(field, other):
    assert derived_letter_id(**BASE | {field: other}) != derived_letter_id(**BASE)


def test_fresh_ids_are_never_the_same():
    assert len({fresh_letter_id() for _ in range(1000)}) == 1000
