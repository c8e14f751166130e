"""The charging periods of a COMPLETED Session record, handed over to its CDR (``ParsedReferences.handover``).

The sessions stage cuts a completed session's periods for its COMPLETED Session record (``session_periods``) from
the completed record's timeline, with the tariff the CDR will have: the periods and prices ``assemble.build_cdr``
would make from that record again. The CDR takes them when everything they were made from is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from roamstream.memo import WeightedLru
from roamstream.tariffs.model import CompiledTariff
from roamstream.tariffs.periods import ChargingPeriod
from roamstream.tariffs.result import PricedSession


@dataclass(slots=True)
class _Final:
    tariff: CompiledTariff
    tz: tzinfo
    start: datetime
    end: datetime
    samples: list[dict[str, Any]]  # the completed session's timeline, as its COMPLETED snapshot carried it
    periods: list[ChargingPeriod]
    priced: PricedSession


class Handover:
    """The charging periods (and their prices) of the COMPLETED Session records made with it, by session
    id, until the session's CDR takes them: derived data, in memory only, bounded (the least recently used go
    once more than ``max_samples`` timeline points are held). ``take`` gives them only to a completed record of
    the same session with the same start, end and timeline, for the same tariff (compiled from the same data)
    and time zone: the periods ``build_charging_periods`` would cut from it. A CDR that finds none cuts its own,
    so the CDR never depends on what is held."""

    def __init__(self, max_samples: int = 50_000) -> None:
        self._held: WeightedLru[str, _Final] = WeightedLru(max_samples, lambda held: len(held.samples))
        self.taken = self.missed = 0

    def put(self, snapshot: dict[str, Any], tz: tzinfo, tariff: CompiledTariff, periods: list[ChargingPeriod],
            priced: PricedSession) -> None:
        self._held.put(snapshot["session_id"], _Final(tariff, tz, snapshot["start"], snapshot["end"],
                                                      snapshot["samples"], periods, priced))

    def take(self, completed: dict[str, Any], tz: tzinfo, tariff: CompiledTariff
             ) -> tuple[list[ChargingPeriod], PricedSession] | None:
        """(periods, priced) of ``completed`` if they are held for exactly its inputs (and let go); else None."""
        held = self._held.pop(completed["session_id"])
        if (held is None or held.tz != tz or held.start != completed["start"] or held.end != completed["end"]
                or not (held.tariff is tariff or held.tariff == tariff) or held.samples != completed["samples"]):
            self.missed += 1
            return None
        self.taken += 1
        return list(held.periods), held.priced

