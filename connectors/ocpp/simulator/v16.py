"""One simulated OCPP 1.6 station running its planned sessions."""

from __future__ import annotations

from datetime import timedelta

from ocpp.v16 import call

from connectors.ocpp.simulator.client import Station
from connectors.ocpp.simulator.faults import Faults
from connectors.ocpp.simulator.plan import PHASES, Reading, SessionPlan
from connectors.ocpp.simulator.result import SimulatedSession
from connectors.ocpp.timestamps import format_timestamp as ts


def sampled_values(r: Reading, context: str = "Sample.Periodic") -> list[dict]:
    """Nine sampled values: the register, power, current and voltage per phase, state of charge."""
    values = [
        {
            "value": str(r.register_wh),
            "context": context,
            "measurand": "Energy.Active.Import.Register",
            "location": "Outlet",
            "unit": "Wh",
        },
        {"value": str(r.power_w), "context": context, "measurand": "Power.Active.Import", "unit": "W"},
    ]
    values += [
        {
            "value": str(r.current_a),
            "context": context,
            "measurand": "Current.Import",
            "phase": p,
            "unit": "A",
        }
        for p in PHASES
    ]
    values += [
        {
            "value": str(r.voltage_v),
            "context": context,
            "measurand": "Voltage",
            "phase": f"{p}-N",
            "unit": "V",
        }
        for p in PHASES
    ]
    values.append({"value": str(r.soc), "context": context, "measurand": "SoC", "location": "EV", "unit": "Percent"})
    return values


def register(at, wh: int, context: str) -> dict:
    return {
        "timestamp": ts(at),
        "sampled_value": [
            {"value": str(wh), "context": context, "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
        ],
    }


async def boot(station: Station, connectors: int, at) -> None:
    await station.call(call.BootNotification(charge_point_model="RS-Sim", charge_point_vendor="roamstream"))
    await station.call(call.Heartbeat())
    for c in range(1, connectors + 1):
        await station.call(call.StatusNotification(c, "NoError", "Available", timestamp=ts(at)))


async def run_session(station: Station, s: SessionPlan, faults: Faults) -> SimulatedSession:
    await station.call(call.Authorize(id_tag=s.id_tag))
    started = await station.call(call.StartTransaction(s.connector_id, s.id_tag, s.meter_start_wh, ts(s.started_at)))
    tx = started.transaction_id
    await station.call(call.StatusNotification(s.connector_id, "NoError", "Charging", timestamp=ts(s.started_at)))
    periodic = [
        call.MeterValues(s.connector_id, [{"timestamp": ts(r.at), "sampled_value": sampled_values(r)}], tx)
        for r in s.readings
    ]
    if not faults.offline_queue:
        for mv in periodic:
            await station.call(mv)
    stop = call.StopTransaction(
        s.meter_stop_wh,
        ts(s.stopped_at),
        tx,
        reason="EVDisconnected",
        id_tag=s.id_tag,
        transaction_data=[
            register(s.started_at, s.meter_start_wh, "Transaction.Begin"),
            register(s.stopped_at, s.meter_stop_wh, "Transaction.End"),
        ],
    )
    await station.call(stop)
    if faults.duplicate_stop:
        await station.call(stop)
    if faults.end_meter_values_after_stop:
        await station.call(
            call.MeterValues(s.connector_id, [register(s.stopped_at, s.meter_stop_wh, "Transaction.End")], tx)
        )
    if faults.offline_queue:
        for mv in reversed(periodic):
            await station.call(mv)
    await station.call(call.StatusNotification(s.connector_id, "NoError", "Available", timestamp=ts(s.stopped_at)))
    return SimulatedSession.of(s, str(tx), "1.6")


async def clock_tail(station: Station, last: SessionPlan, minutes: int) -> None:
    """Clock-aligned data on connector 0 ``minutes`` after the last stop, as chargers configured with a
    ClockAlignedDataInterval send: it moves the charge point's event time on, so its last session settles."""
    at = last.stopped_at + timedelta(minutes=minutes)
    await station.call(call.MeterValues(0, [register(at, last.meter_stop_wh, "Sample.Clock")]))
