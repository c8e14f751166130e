"""The OCPP 2.0.1 charging station as the CSMS sees it: ``@on`` handlers that publish, then answer."""

from __future__ import annotations

import asyncio

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import Action, RegistrationStatusEnumType

from connectors.ocpp.connection import ConnectorChargePoint
from connectors.ocpp.timestamps import format_timestamp
from connectors.ocpp.v201 import normalise


class V201ChargePoint(ConnectorChargePoint, ChargePoint):
    transaction_actions = frozenset({"TransactionEvent", "MeterValues"})

    def _now(self) -> str:
        return format_timestamp(self.publisher.clock())

    @on(Action.boot_notification)
    async def on_boot_notification(self, **payload):
        await self.publisher.station(self.interpret(normalise.boot, payload))
        return call_result.BootNotification(
            current_time=self._now(),
            interval=self.options.heartbeat_interval_s,
            status=RegistrationStatusEnumType.accepted,
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **payload):
        await self.publisher.station(self.interpret(normalise.heartbeat, payload))
        return call_result.Heartbeat(current_time=self._now())

    @on(Action.status_notification)
    async def on_status_notification(self, **payload):
        await self.publisher.station(self.interpret(normalise.status, payload))
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, **payload):
        decision = await self.authorizer.authorize(str((payload.get("id_token") or {}).get("id_token", "")))
        return call_result.Authorize(id_token_info={"status": decision.status.value})

    @on(Action.transaction_event)
    async def on_transaction_event(self, **payload):
        event = self.interpret(normalise.transaction_event, payload)
        if not event.id_tag:
            await self.publish_transaction(event)
            return call_result.TransactionEvent()
        _, decision = await asyncio.gather(self.publish_transaction(event), self.authorizer.authorize(event.id_tag))
        return call_result.TransactionEvent(id_token_info={"status": decision.status.value})

    @on(Action.meter_values)
    async def on_meter_values(self, **payload):
        await self.publish_transaction(self.interpret(normalise.meter_values, payload))
        return call_result.MeterValues()
