"""The COMPLETED Session record's charging periods handed over to the session's CDR (``cdrs.handover``): the CDR
is the same, byte for byte, whether it takes them or cuts its own, and it takes them only when everything they
were made from is the same as its own inputs."""

from __future__ import annotations

import copy
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from roamstream.cdrs.assemble import build_cdr
from roamstream.cdrs.handover import Handover
from roamstream.cdrs.session_periods import session_periods
from roamstream.tariffs import TariffCache
from tests.cdrs.cdr_fixtures import CPO, tariff, token_model
from tests.cdrs.test_session_periods import COMPILED, EVERY_15, LOCATION, TARIFF, _session
from tests.sessions.fixtures import run_stepwise


@pytest.fixture
def held() -> Handover:
    return Handover()


def _completed_and_final() -> tuple[dict, dict]:
    _, [completed], snapshots = run_stepwise(_session("CP-7"), EVERY_15, cp="CP-7")
    assert snapshots[-1]["status"] == "COMPLETED"
    return completed, snapshots[-1]


def _cdr(completed: dict, held: Handover | None, compiled=COMPILED) -> str:
    return build_cdr(completed, token_model(), LOCATION, TARIFF, compiled, CPO, held).json


def test_the_cdr_takes_the_completed_sessions_periods_and_is_the_same(held):
    completed, final = _completed_and_final()
    cut = _cdr(completed, None)  # nothing handed over: the periods cut from the completed record
    session_periods(final, LOCATION, COMPILED, handover=held)  # the COMPLETED Session record's periods
    assert '"charging_periods": [{' in cut and cut.count('"start_date_time"') >= 4  # the peak cut and the pause
    assert _cdr(copy.deepcopy(completed), held) == cut  # a completed record as the pricing stage decodes it
    assert (held.taken, held.missed) == (1, 0)
    assert _cdr(completed, held) == cut  # taken once: the next CDR of the session cuts its own
    assert (held.taken, held.missed) == (1, 1)


@pytest.mark.parametrize("change", ["later end", "other sample", "one sample less", "other start", "other tariff",
                                    "other zone"])
def test_they_are_not_taken_for_other_inputs(held, change):
    completed, final = _completed_and_final()
    session_periods(final, LOCATION, COMPILED, handover=held)
    other = copy.deepcopy(completed)
    compiled, zone = COMPILED, ZoneInfo(LOCATION.time_zone)
    if change == "later end":
        other["end"] += timedelta(minutes=1)
    elif change == "other sample":
        other["samples"][3] = {**other["samples"][3], "energy_wh": str(int(other["samples"][3]["energy_wh"]) + 1)}
    elif change == "one sample less":
        del other["samples"][3]
    elif change == "other start":
        other["start"] -= timedelta(minutes=1)
    elif change == "other tariff":
        compiled = TariffCache().get(tariff(peak="0.99"))
    else:
        zone = ZoneInfo("Europe/Lisbon")
    assert held.take(other, zone, compiled) is None
    assert held.take(completed, ZoneInfo(LOCATION.time_zone), COMPILED) is None  # a miss lets them go too


def test_what_is_held_is_bounded_by_timeline_points():
    small = Handover(max_samples=30)
    completed, final = _completed_and_final()
    assert len(final["samples"]) > 15
    session_periods(final, LOCATION, COMPILED, handover=small)
    # the first goes: 2 x 19 > 30
    session_periods({**final, "session_id": "another"}, LOCATION, COMPILED, handover=small)
    assert small.take(completed, ZoneInfo(LOCATION.time_zone), COMPILED) is None
    assert small.take({**completed, "session_id": "another"}, ZoneInfo(LOCATION.time_zone), COMPILED) is not None


def test_the_cdr_is_made_of_what_was_handed_over(held):
    """The wiring: what ``take`` gives is what the CDR carries (here a single period put in by hand)."""
    completed, final = _completed_and_final()
    periods, priced = handover_of(final)
    held.put(final, ZoneInfo(LOCATION.time_zone), COMPILED, periods[:1], priced)
    cdr = _cdr(completed, held)
    assert cdr.count('"start_date_time"') == 2  # the CDR's own and its one period's


def handover_of(final: dict) -> tuple[list, object]:
    """(periods, priced) that ``session_periods`` hands over for ``final``."""
    memo = Handover()
    session_periods(final, LOCATION, COMPILED, handover=memo)
    return memo.take(final, ZoneInfo(LOCATION.time_zone), COMPILED)
