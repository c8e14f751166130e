"""The identity of a dead letter (``letter_id`` in ``deadletter.v1``), given where the letter is written.

Two kinds of writers, two kinds of identity:

- a pipeline stage's letter is a function of its input: the same source record, processed again after a
  restart, gives the same letter, which is a copy (``derived_letter_id`` over everything the letter says);
- an edge (the OCPP connector, the ingest API) writes a letter once per thing it was sent: two identical
  bad frames, even from the same station, are two letters (``fresh_letter_id``), and a copy can only come
  from the producer resending the same bytes, id included.

The lake's ``deadletter`` view deduplicates on this id only.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

#: the namespace of every derived letter id
LETTER_NAMESPACE = uuid.UUID("0b7d6f4e-2a51-5c1e-8f3d-6a2e9c4b7d10")


def derived_letter_id(
    stage: str,
    reason: str,
    source: tuple[str | None, int | None, int | None],
    key: bytes | None,
    payload: bytes | None,
    event_time: datetime | None,
) -> str:
    """A deterministic id over the stage, the reason, the source coordinates, key, payload and event time."""
    parts = [stage, reason, *("" if s is None else str(s) for s in source),
             "" if key is None else key.hex(), "" if payload is None else hashlib.sha256(payload).hexdigest(),
             "" if event_time is None else event_time.isoformat()]
    return str(uuid.uuid5(LETTER_NAMESPACE, "\x1f".join(parts)))


def fresh_letter_id() -> str:
    """A new id for a letter about something an edge was sent (never derived: the input is not replayable)."""
    return str(uuid.uuid4())
