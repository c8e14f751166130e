"""What a simulated session was, as the station saw it: enough for tests to assert sessions and CDRs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connectors.ocpp.simulator.plan import SessionPlan


@dataclass(frozen=True, slots=True)
class SimulatedSession:
    charge_point_id: str
    connector_id: int
    id_tag: str
    transaction_id: str
    meter_start_wh: int
    meter_stop_wh: int
    started_at: datetime
    stopped_at: datetime
    ocpp_version: str
    meter_values_sent: int

    @property
    def energy_wh(self) -> int:
        return self.meter_stop_wh - self.meter_start_wh

    @classmethod
    def of(cls, plan: SessionPlan, transaction_id: str, version: str) -> SimulatedSession:
        return cls(
            charge_point_id=plan.charge_point_id,
            connector_id=plan.connector_id,
            id_tag=plan.id_tag,
            transaction_id=transaction_id,
            meter_start_wh=plan.meter_start_wh,
            meter_stop_wh=plan.meter_stop_wh,
            started_at=plan.started_at,
            stopped_at=plan.stopped_at,
            ocpp_version=version,
            meter_values_sent=len(plan.readings),
        )
