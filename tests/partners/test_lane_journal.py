"""A lane whose journal cannot record an intent (the broker refused it) sends nothing for that attempt and tries
again later, instead of stopping the object's deliveries: the CDR reaches the partner once, after its intent was
recorded. The lane runs over its state in memory (the worker's tables are tested in test_delivery.py) against a
real receiver in its own process."""

from __future__ import annotations

import asyncio
import time

from objects import PARTNER_A, cdr_record
from test_delivery import until

from roamstream.kafka import DeliveryError
from roamstream.partners.delivery.lanes import Lanes, LaneSettings
from roamstream.partners.delivery.memory import MemoryState
from roamstream.partners.delivery.pending import Pending
from roamstream.partners.directory import PartnerEndpoint, StaticDirectory
from roamstream.partners.sender import OcpiSender


class RefusingOnce:
    """A journal whose first intent fails as the broker's refusal would; it keeps what it recorded."""

    def __init__(self) -> None:
        self.refused = 0
        self.intents: list[tuple[str, int]] = []
        self.results: list[tuple[str, int, bool]] = []

    async def intent(self, item, request, attempt) -> None:
        if not self.refused:
            self.refused += 1
            raise DeliveryError("push.results.v1: Broker: Not enough in-sync replicas")
        self.intents.append((request.request_id, attempt))

    async def result(self, item, attempt, delivered) -> None:
        self.results.append((attempt.request.request_id, attempt.attempt, delivered))

    async def final(self, item, attempt) -> None:
        raise AssertionError(attempt.error)


async def test_an_intent_the_journal_could_not_record_is_tried_again_and_nothing_goes_out_without_one(receivers):
    cdr = cdr_record("J-1", PARTNER_A, "CP-1")
    async with receivers("tok-a") as a:
        partner = a.partner(PARTNER_A)
        endpoint = PartnerEndpoint(PARTNER_A[0], PARTNER_A[1], "tok-a", {"cdrs": partner.cdrs_url})
        state, journal = MemoryState(), RefusingOnce()
        sender = OcpiSender("NL", "RST")
        lanes = Lanes(StaticDirectory([endpoint]), sender, state, journal, LaneSettings(backoff_s=0.05))
        item = Pending("cdr", endpoint.key, "J-1", "J-1", cdr["ocpi_json"], cdr["last_updated"].isoformat(), 0,
                       "CP-1", time.time())
        state.pending_items[item.key] = item
        try:
            assert lanes.add(item)

            async def acknowledged() -> bool:
                return not state.pending_items
            await until(acknowledged, "the CDR acknowledged after the refused intent")
            await asyncio.sleep(0.2)  # nothing more goes out
        finally:
            await lanes.stop()
            await sender.aclose()
        log = (await a.state())["log"]
    assert journal.refused == 1
    assert [e["id"] for e in log if e["method"] == "POST"] == ["J-1"]
    # the one request that went out had its intent recorded first, as attempt 1, and its result after it
    assert [attempt for _, attempt in journal.intents] == [1]
    assert journal.results == [(journal.intents[0][0], 1, True)]
    assert state.ledger_items.keys() == {item.ledger_key}
