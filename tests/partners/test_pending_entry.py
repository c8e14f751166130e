"""An object's one record in ``push_ledger``: its pending state beside what the partner acknowledged (pure)."""

from __future__ import annotations

import json

import pytest

from roamstream.partners.delivery.pending import (
    PENDING_MARK,
    Pending,
    ledger_entry,
    ledger_key,
    ledger_key_of,
    split_entry,
)
from roamstream.partners.exceptions import PendingStateError


def item(kind: str = "cdr", object_id: str = "CDR-1", body: str = '{"id": "CDR-1"}') -> Pending:
    return Pending(kind, "NL-EMS", object_id, "S-1", body, "2026-11-02T09:00:00+00:00", 3, "CP-1", 1.5)


@pytest.mark.parametrize("acknowledged", [None, b'{"id":"S-1","status":"ACTIVE","last_updated":"x"}'])
def test_a_pending_state_and_its_ledger_value_come_back_from_one_record(acknowledged):
    pending = item("session", "S-1", '{"id":"S-1","status":"COMPLETED"}')
    raw = ledger_entry(pending, acknowledged)
    assert raw.startswith(PENDING_MARK)
    assert split_entry(raw) == (pending, acknowledged)


def test_the_ledger_value_alone_is_stored_as_it_always_was():
    cdr_ack = json.dumps({"acknowledged": True, "how": "created", "location": None}).encode()
    assert ledger_entry(None, cdr_ack) == cdr_ack
    assert split_entry(cdr_ack) == (None, cdr_ack)
    # an acknowledged Session, Tariff or Location is the OCPI object itself: never taken for a pending state
    session = b'{"country_code":"NL","party_id":"RST","id":"S-1","pending":true}'
    assert split_entry(session) == (None, session)


def test_an_object_with_neither_is_a_tombstone():
    assert ledger_entry(None, None) is None
    assert split_entry(None) == (None, None)


def test_an_unreadable_pending_record_is_a_typed_error():
    with pytest.raises(PendingStateError):
        split_entry(PENDING_MARK + b"{broken")
    with pytest.raises(PendingStateError):
        split_entry(b'{"pending":{"kind":"cdr"},"acknowledged":null}')


@pytest.mark.parametrize("kind", ["cdr", "session", "tariff", "location", "evse"])
def test_the_ledger_key_of_a_pending_key(kind):
    pending = item(kind, "ID|with|bars")
    assert ledger_key_of(pending.key) == pending.ledger_key == ledger_key("NL-EMS", kind, "ID|with|bars")
