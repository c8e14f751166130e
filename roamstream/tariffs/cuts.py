"""The instants at which a tariff's restrictions can change their answer, for the charging-period builder.

Clock boundaries (``time_cuts``): a local time of day of a ``start_time``/``end_time`` (both occurrences on
the day clocks go back, and the transition itself on the day they go forward), local midnight for date and
weekday restrictions, and the instants at which the session reaches a ``min_/max_duration``. Energy
boundaries are the ``min_/max_kwh`` thresholds (``kwh_thresholds``), placed by the builder between samples.

Each boundary is a fixed instant of the session, whatever part of it is looked at: the cuts in a window are
those of the whole session that lie in it, so a session can be cut one stretch of samples at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from decimal import Decimal

from roamstream.tariffs.model import CompiledTariff

_SECOND = timedelta(seconds=1)
#: offset changes are looked for in chunks of this length from the session start: shorter than any gap
#: between two offset changes, so a chunk holds at most one
_CHUNK = timedelta(hours=6)
_CHUNK_SECONDS = 6 * 3600


def time_cuts(tariff: CompiledTariff, tz: tzinfo, start: datetime, lo: datetime, hi: datetime) -> set[datetime]:
    """The clock boundaries strictly between ``lo`` and ``hi`` of a session that started at ``start`` (all UTC,
    ``start <= lo``): times of day, midnights, DST jumps, durations."""
    cuts: set[datetime] = set()
    for element in tariff.elements:
        for threshold in element.duration_thresholds:
            cuts.add(start + threshold)
    minutes = {m for e in tariff.elements for m in e.times_of_day}
    if any(e.needs_midnight for e in tariff.elements):
        minutes.add(0)
    if minutes:
        day = lo.astimezone(tz).date() - timedelta(days=1)
        last_day = hi.astimezone(tz).date() + timedelta(days=1)
        while day <= last_day:
            for minute in minutes:
                wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
                for fold in (0, 1):
                    cuts.add(wall.replace(fold=fold).astimezone(UTC))
            day += timedelta(days=1)
        cuts.update(_offset_changes(tz, start, lo, hi))
    return {t for t in cuts if lo < t < hi}


def _offset_changes(tz: tzinfo, start: datetime, lo: datetime, hi: datetime) -> list[datetime]:
    """The instants at which ``tz`` changes its UTC offset (DST), to the second, in the chunks from the session
    start that cover ``[lo, hi]`` (whole chunks, so that a chunk's answer does not depend on the window)."""
    changes = []
    first = start.replace(microsecond=0)
    a = first + (lo - first) // _CHUNK * _CHUNK
    while a < hi:
        b = a + _CHUNK
        before, after = a.astimezone(tz).utcoffset(), b.astimezone(tz).utcoffset()
        if before != after:
            low, high = 0, _CHUNK_SECONDS
            while high - low > 1:
                mid = (low + high) // 2
                if (a + mid * _SECOND).astimezone(tz).utcoffset() == before:
                    low = mid
                else:
                    high = mid
            changes.append(a + high * _SECOND)
        a = b
    return changes


def kwh_thresholds(tariff: CompiledTariff) -> set[Decimal]:
    return {k for e in tariff.elements for k in e.kwh_thresholds}
