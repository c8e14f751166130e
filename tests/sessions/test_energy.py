"""Energy: meter stop - meter start, cross-checked by the register walk; decreases are flagged resets."""

from .fixtures import run, sample, status, tx_event


def _session(start_meter, values, stop_meter, *, version="1.6"):
    kw = {"version": version, "tx": "7", "evse": 1} if version == "2.0.1" else {"tx": "7"}
    seq = iter(range(100))

    def s(**extra):
        return {**kw, **({"seq": next(seq)} if version == "2.0.1" else {}), **extra}

    events = [tx_event("STARTED", 0, meter=start_meter, **s())]
    events += [tx_event("UPDATED", m, samples=[sample(m, v)], **s()) for m, v in values]
    events.append(tx_event("ENDED", 60, meter=stop_meter, **s()))
    return events + [status(60, "Available")]


def test_energy_is_stop_minus_start_and_decimals_stay_exact():
    _, [r], _ = run(_session("1000.5", [(30, "1500.25")], "2000.75"))
    assert (r["meter_start_wh"], r["meter_stop_wh"]) == ("1000.5", "2000.75")
    assert [p["energy_wh"] for p in r["samples"]] == ["0", "499.75", "1000.25"]
    assert "meter_reset" not in r["flags"]


def test_a_decrease_is_a_flagged_reset_and_the_register_restarts_at_zero():
    _, [r], _ = run(_session("1000", [(10, "2000"), (20, "3000"), (30, "200"), (40, "700")], "1200"))
    assert "meter_reset" in r["flags"]
    assert [p["energy_wh"] for p in r["samples"]] == ["0", "1000", "2000", "2200", "2700", "3200"]
    assert r["meter_stop_wh"] == "4200"


def test_register_rebased_to_zero_for_every_transaction():
    events = _session("0", [(30, "5000")], "9000")
    second = [{**e, "transaction_id": "8", "timestamp": e["timestamp"].replace(hour=10)} for e in events]
    _, records, _ = run(events + second)
    assert [(r["meter_start_wh"], r["meter_stop_wh"]) for r in records] == [("0", "9000"), ("0", "9000")]
    assert all(r["flags"] == [] for r in records)


def test_stop_below_start_without_samples_is_a_reset():
    _, [r], _ = run(_session("50000", [], "1500"))
    assert "meter_reset" in r["flags"]
    assert (r["meter_start_wh"], r["meter_stop_wh"]) == ("50000", "51500")


def test_201_meters_come_from_begin_and_end_samples():
    events = [
        tx_event("STARTED", 0, version="2.0.1", tx="a", evse=1, seq=0,
                 samples=[sample(0, "100", context="Transaction.Begin")]),
        tx_event("UPDATED", 30, version="2.0.1", tx="a", evse=1, seq=1, samples=[sample(30, "600")]),
        tx_event("ENDED", 60, version="2.0.1", tx="a", evse=1, seq=2,
                 samples=[sample(60, "1100", context="Transaction.End")]),
    ]
    _, [r], _ = run(events)
    assert (r["meter_start_wh"], r["meter_stop_wh"]) == ("100", "1100")
    assert r["flags"] == []


def test_201_stop_without_meter_uses_the_last_register_sample():
    events = [
        tx_event("STARTED", 0, version="2.0.1", tx="a", evse=1, seq=0, meter="100"),
        tx_event("UPDATED", 30, version="2.0.1", tx="a", evse=1, seq=1, samples=[sample(30, "600")]),
        tx_event("ENDED", 60, version="2.0.1", tx="a", evse=1, seq=2),
    ]
    _, [r], _ = run(events)
    assert r["meter_stop_wh"] == "600" and r["flags"] == []


def test_no_meter_at_all_is_flagged_zero_energy():
    events = [tx_event("STARTED", 0, version="2.0.1", tx="a", evse=1, seq=0, charging_state="Charging"),
              tx_event("ENDED", 60, version="2.0.1", tx="a", evse=1, seq=1)]
    _, [r], _ = run(events)
    assert {"no_meter_start", "no_meter_stop"} <= set(r["flags"])
    assert (r["meter_start_wh"], r["meter_stop_wh"]) == ("0", "0")
