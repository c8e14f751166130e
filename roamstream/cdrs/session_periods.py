"""The ``charging_periods`` and running ``total_cost`` of a Session from its fold snapshot (pure).

The periods are cut by the tariff engine's own builder (``build_charging_periods``) from the snapshot's meter
timeline, with the tariff the session's CDR will be priced with, exactly as ``assemble.build_cdr`` cuts the
CDR's. A partner appends the periods of every PATCH (mod_sessions), so a period once sent must never change:

- an ACTIVE Session carries its *closed* periods only: every period but the last, which is still growing (its
  end is where the next tariff-relevant boundary or change of charging will be, not known yet). The timeline
  of an active snapshot ends at the session's latest energy register reading (``samples_so_far``).
- the COMPLETED Session carries every period, computed from the completed record's timeline: the CDR's.

``total_cost`` is the price of every period so far, the open one included (COMPLETED: the CDR's total_cost).

Closed periods never change, so a ``PeriodsMemo`` keeps each session's ``PeriodBuilder`` between its snapshots:
the next snapshot's timeline, which begins with the same samples, is cut only from where the last one ended.

The COMPLETED Session's periods and their prices are the CDR's, so they are handed over (``cdrs.handover``) to
the CDR of that session built with the same ``ParsedReferences``, which takes them only for the same tariff, time
zone, start, end and timeline (compared in full) and else cuts them from the completed record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from roamstream.cdrs.assemble import meter_samples
from roamstream.cdrs.handover import Handover
from roamstream.memo import WeightedLru
from roamstream.ocpi.location import Location
from roamstream.tariffs import price_periods
from roamstream.tariffs.build import MeterSample, PeriodBuilder
from roamstream.tariffs.model import CompiledTariff

COMPLETED = "COMPLETED"


def session_periods(snapshot: dict[str, Any], location: Location, tariff: CompiledTariff,
                    memo: PeriodsMemo | None = None, handover: Handover | None = None
                    ) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """(``charging_periods`` as OCPI data, ``total_cost``) of a snapshot that has a ``samples`` timeline; None
    while it has no period yet (nothing after its start). With a ``memo``, the same, made from what the
    session's previous snapshot left there; a COMPLETED snapshot's periods and prices are left in ``handover``
    for the session's CDR."""
    start: datetime = snapshot["start"]
    final = snapshot["status"] == COMPLETED
    tz = ZoneInfo(location.time_zone)
    builder = _whole(snapshot, tz, tariff) if memo is None else memo.builder(snapshot, tz, tariff, keep=not final)
    periods = builder.periods(snapshot["end"] if final else None)
    if not periods:
        return None
    priced = price_periods(tariff, periods, start=start, tz=tz)
    if final and handover is not None:
        handover.put(snapshot, tz, tariff, periods, priced)
    sent = periods if final else periods[:-1]
    return [p.to_ocpi(tariff.id) for p in sent], priced.total_cost.to_ocpi()


@dataclass(slots=True)
class _Held:
    tariff: CompiledTariff
    tz: tzinfo
    start: datetime
    samples: list[dict[str, Any]]  # the timeline the builder has taken, as the snapshot carried it
    builder: PeriodBuilder


class PeriodsMemo:
    """The ``PeriodBuilder`` of each session's latest snapshot, by session id: derived data, in memory only,
    bounded (the least recently used sessions go once more than ``max_samples`` samples are held).

    A builder is taken up again only by a snapshot with the same tariff (the same compiled object), time zone
    and start, whose timeline begins with exactly the samples it took (compared in full); it is given the
    samples after them. Anything else is built from the whole timeline. So the periods never depend on what is
    held: a worker with an empty memo makes the same ones."""

    def __init__(self, max_samples: int = 100_000) -> None:
        self.max_samples = max_samples
        self._held: WeightedLru[str, _Held] = WeightedLru(max_samples, lambda held: len(held.samples))
        self.built = self.resumed = 0  # builders made from a whole timeline; taken up again

    def builder(self, snapshot: dict[str, Any], tz: tzinfo, tariff: CompiledTariff, keep: bool = True
                ) -> PeriodBuilder:
        """A builder that has taken ``snapshot``'s whole timeline; held for the session's next snapshot if
        ``keep`` (a completed session's is let go)."""
        key: str = snapshot["session_id"]
        samples: list[dict[str, Any]] = snapshot["samples"]
        held = self._held.pop(key)
        rest = _rest(held, snapshot, tz, tariff) if held is not None else None
        if rest is not None:
            builder = held.builder
            builder.extend(rest)
            self.resumed += 1
        else:
            builder = _whole(snapshot, tz, tariff)
            self.built += 1
        if keep:
            self._held.put(key, _Held(tariff, tz, snapshot["start"], list(samples), builder))
        return builder


def _whole(snapshot: dict[str, Any], tz: tzinfo, tariff: CompiledTariff) -> PeriodBuilder:
    """A builder that has taken ``snapshot``'s whole timeline."""
    builder = PeriodBuilder(tariff, tz, snapshot["start"])
    builder.extend(meter_samples(snapshot))
    return builder


def _rest(held: _Held, snapshot: dict[str, Any], tz: tzinfo, tariff: CompiledTariff) -> list[MeterSample] | None:
    """The samples of ``snapshot``'s timeline after those ``held`` took, as engine input; None if ``held`` cannot
    take them: another tariff, zone or start, or a timeline that does not begin with the samples it took, the last
    of which may have been revised where it is still open (``PeriodBuilder.revise_last``)."""
    samples: list[dict[str, Any]] = snapshot["samples"]
    taken = len(held.samples)
    if held.tariff is not tariff or held.tz is not tz or held.start != snapshot["start"] or len(samples) < taken:
        return None
    if not taken:
        return meter_samples(snapshot)
    # the samples before the last one compared once (mostly by identity, as lists compare their items); then the
    # last one, which a growing timeline may have revised: converted with the new ones, and taken out again
    last = samples[taken - 1]
    if not samples[:taken - 1] == held.samples[:-1]:
        return None
    if last is held.samples[-1] or last == held.samples[-1]:
        return meter_samples(snapshot, taken)
    revised = meter_samples(snapshot, taken - 1)
    return revised[1:] if held.builder.revise_last(revised[0]) else None
