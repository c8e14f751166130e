"""The OCPP 1.6J charge point as the central system sees it: ``@on`` handlers that publish, then answer."""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, DataTransferStatus, GenericStatus

from connectors.ocpp.connection import ConnectorChargePoint
from connectors.ocpp.kept import keeping
from connectors.ocpp.station_handlers import StationHandlers
from connectors.ocpp.v16 import normalise

ACCEPTED = {"status": AuthorizationStatus.accepted.value}

#: messages kept on ``ocpp.events.v1`` and their answers (1.6 and its security extension): no vendor's data
#: is understood here, and no certificate is signed
KEPT = {
    Action.data_transfer: call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id),
    Action.firmware_status_notification: call_result.FirmwareStatusNotification(),
    Action.diagnostics_status_notification: call_result.DiagnosticsStatusNotification(),
    Action.security_event_notification: call_result.SecurityEventNotification(),
    Action.log_status_notification: call_result.LogStatusNotification(),
    Action.signed_firmware_status_notification: call_result.SignedFirmwareStatusNotification(),
    Action.sign_certificate: call_result.SignCertificate(status=GenericStatus.rejected),
}


@keeping(KEPT)
class V16ChargePoint(StationHandlers, ConnectorChargePoint, ChargePoint):
    transaction_actions = frozenset({"StartTransaction", "StopTransaction", "MeterValues"})
    call_result = call_result
    normalise = normalise

    @on(Action.authorize)
    async def on_authorize(self, **payload):
        decision = await self.authorize(str(payload.get("id_tag", "")))
        return call_result.Authorize(id_tag_info={"status": decision.status.value})

    @on(Action.start_transaction)
    async def on_start_transaction(self, **payload):
        event, decision = await self.authorize_transaction(self.interpret(normalise.start_transaction, payload))
        await self.publish_transaction(event)
        return call_result.StartTransaction(transaction_id=int(event.transaction_id),
                                            id_tag_info={"status": decision.status.value})

    @on(Action.meter_values)
    async def on_meter_values(self, **payload):
        await self.publish_transaction(self.interpret(normalise.meter_values, payload))
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop_transaction(self, **payload):
        event = self.interpret(normalise.stop_transaction, payload)
        await self.publish_transaction(event)
        return call_result.StopTransaction(id_tag_info=ACCEPTED if event.id_tag else None)
