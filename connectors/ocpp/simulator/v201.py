"""One simulated OCPP 2.0.1 charging station running its planned sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from ocpp.v201 import call

from connectors.ocpp.simulator.client import Station
from connectors.ocpp.simulator.faults import Faults
from connectors.ocpp.simulator.plan import PHASES, Reading, SessionPlan
from connectors.ocpp.simulator.result import SimulatedSession
from connectors.ocpp.timestamps import format_timestamp as ts

REGISTER = "Energy.Active.Import.Register"


def sampled_values(r: Reading, context: str = "Sample.Periodic") -> list[dict]:
    """Nine sampled values; power in kW through the multiplier, to exercise normalisation."""
    values = [
        {
            "value": r.register_wh,
            "context": context,
            "measurand": REGISTER,
            "location": "Outlet",
            "unit_of_measure": {"unit": "Wh"},
        },
        {
            "value": r.power_w // 1000,
            "context": context,
            "measurand": "Power.Active.Import",
            "unit_of_measure": {"unit": "W", "multiplier": 3},
        },
    ]
    values += [
        {
            "value": float(r.current_a),
            "context": context,
            "measurand": "Current.Import",
            "phase": p,
            "unit_of_measure": {"unit": "A"},
        }
        for p in PHASES
    ]
    values += [
        {
            "value": float(r.voltage_v),
            "context": context,
            "measurand": "Voltage",
            "phase": f"{p}-N",
            "unit_of_measure": {"unit": "V"},
        }
        for p in PHASES
    ]
    values.append(
        {
            "value": r.soc,
            "context": context,
            "measurand": "SoC",
            "location": "EV",
            "unit_of_measure": {"unit": "Percent"},
        }
    )
    return values


def register(at: datetime, wh: int, context: str) -> list[dict]:
    return [
        {
            "timestamp": ts(at),
            "sampled_value": [
                {"value": wh, "context": context, "measurand": REGISTER, "unit_of_measure": {"unit": "Wh"}}
            ],
        }
    ]


def transaction_id(s: SessionPlan) -> str:
    return f"{s.charge_point_id}-T{s.index + 1:04d}"


async def boot(station: Station, connectors: int, at: datetime) -> None:
    await station.call(
        call.BootNotification(charging_station={"model": "RS-Sim", "vendor_name": "roamstream"}, reason="PowerUp")
    )
    await station.call(call.Heartbeat())
    for c in range(1, connectors + 1):
        await station.call(call.StatusNotification(ts(at), "Available", evse_id=c, connector_id=1))


async def run_session(station: Station, s: SessionPlan, faults: Faults) -> SimulatedSession:
    tx = transaction_id(s)
    token = {"id_token": s.id_tag, "type": "ISO14443"}
    evse = {"id": s.connector_id, "connector_id": 1}
    seq = iter(range(1_000_000))
    await station.call(call.Authorize(id_token=token))
    await station.call(
        call.TransactionEvent(
            "Started",
            ts(s.started_at),
            "Authorized",
            next(seq),
            {"transaction_id": tx, "charging_state": "Charging"},
            meter_value=register(s.started_at, s.meter_start_wh, "Transaction.Begin"),
            evse=evse,
            id_token=token,
        )
    )
    await station.call(call.StatusNotification(ts(s.started_at), "Occupied", evse_id=s.connector_id, connector_id=1))
    periodic = [
        call.TransactionEvent(
            "Updated",
            ts(r.at),
            "MeterValuePeriodic",
            next(seq),
            {"transaction_id": tx},
            meter_value=[{"timestamp": ts(r.at), "sampled_value": sampled_values(r)}],
            offline=True if faults.offline_queue else None,
        )
        for r in s.readings
    ]
    if not faults.offline_queue:
        for event in periodic:
            await station.call(event)
    ended = {"transaction_id": tx, "charging_state": "Idle", "stopped_reason": "EVDisconnected"}
    end_values = register(s.stopped_at, s.meter_stop_wh, "Transaction.End")
    await station.call(
        call.TransactionEvent(
            "Ended",
            ts(s.stopped_at),
            "EVCommunicationLost",
            next(seq),
            ended,
            meter_value=end_values,
            id_token=token,
        )
    )
    if faults.duplicate_ended:
        await station.call(
            call.TransactionEvent(
                "Ended",
                ts(s.stopped_at),
                "EVCommunicationLost",
                next(seq),
                ended,
                meter_value=end_values,
                id_token=token,
            )
        )
    if faults.end_meter_values_after_stop:
        await station.call(call.MeterValues(s.connector_id, end_values))
    if faults.offline_queue:
        for event in reversed(periodic):
            await station.call(event)
    await station.call(call.StatusNotification(ts(s.stopped_at), "Available", evse_id=s.connector_id, connector_id=1))
    return SimulatedSession.of(s, tx, "2.0.1")


async def clock_tail(station: Station, last: SessionPlan, minutes: int) -> None:
    """Clock-aligned meter values of the main meter (evseId 0) ``minutes`` after the last stop, as stations
    with AlignedDataInterval send: they move the charge point's event time on, so its last session settles."""
    at = last.stopped_at + timedelta(minutes=minutes)
    await station.call(call.MeterValues(0, register(at, last.meter_stop_wh, "Sample.Clock")))
