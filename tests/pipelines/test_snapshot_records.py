"""The sessions stage's Session records (``snapshot_record``) do not depend on the charging periods it keeps between
a session's snapshots (``ParsedReferences.periods``): the encoded records are the same, byte for byte, with the
memo kept all along, with one so small that it keeps forgetting, with none (a fresh worker at every snapshot), and
when the same sessions come again to a memo that has seen them (a replay after a restart)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from pipelines.session_batches import SessionFolder
from pipelines.snapshots import snapshot_record
from roamstream import sessions as fold
from roamstream.avro import AvroSerde
from roamstream.cdrs.references import ParsedReferences
from roamstream.cdrs.resolve import evse_uid
from roamstream.cdrs.session_periods import PeriodsMemo
from roamstream.config import PipelineSettings
from tests.cdrs.cdr_fixtures import connector, dumps, evse, location, tariff, token
from tests.pipelines.session_events import interleaved, items

#: charge point -> the minute its first session starts; the fixtures' clock starts at 08:00 UTC and the tariff's
#: peak at 10:00 UTC (11:00 in Amsterdam): most sessions are cut there
CPS = {"CP-A": 90.0, "CP-B": 97.5, "CP-C": 104.0, "CP-D": 111.0}
OFTEN = fold.Params(snapshot_every=timedelta(minutes=1), snapshot_kwh=Decimal("0.001"))


def _tables() -> SimpleNamespace:
    evses = [evse(evse_uid(cp, 1, None), f"NL*RST*E{n:04d}", [connector("1", ["T1"])]) for n, cp in enumerate(CPS)]
    return SimpleNamespace(
        tokens={b"TAG1": dumps({**token(), "uid": "TAG1"}).encode()},
        evse_index={evse_uid(cp, 1, None).encode(): b"NL-RST-LOC-1" for cp in CPS},
        locations={b"NL-RST-LOC-1": dumps(location(evses=evses)).encode()},
        tariffs={b"NL-RST-T1": dumps(tariff()).encode()},
    )


def _snapshots() -> list[dict]:
    result = SessionFolder(OFTEN, {}.get).run(items(interleaved(CPS, sessions=2)))
    assert not result.failures
    return [output.record for _, output, _ in result.outputs if output.kind == fold.SNAPSHOT]


def test_session_records_are_the_same_whatever_the_periods_memo_holds():
    snapshots, tables, p, serde = _snapshots(), _tables(), PipelineSettings(), AvroSerde()

    def records(refs: ParsedReferences | None) -> list[bytes]:
        return [serde.encode("ocpi.sessions.v1", snapshot_record(s, tables, p, refs or ParsedReferences()))
                for s in snapshots]

    cold = records(None)
    assert len(snapshots) > 50
    assert sum(b"\"charging_periods\": [{" in r for r in cold) > 10  # closed periods: the peak cut the first sessions
    warm = ParsedReferences()
    assert records(warm) == cold
    # a builder per session, taken up again by each of its later snapshots
    assert warm.periods.built == len(CPS) * 2 and warm.periods.resumed > 30
    assert records(warm) == cold  # the same sessions again
    assert records(ParsedReferences(periods=PeriodsMemo(max_samples=5))) == cold
