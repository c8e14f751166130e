"""The OCPP 2.0.1 charging station as the CSMS sees it: ``@on`` handlers that publish, then answer."""

from __future__ import annotations

from ocpp.routing import on
from ocpp.v201 import ChargePoint, call_result
from ocpp.v201.enums import (
    Action,
    DataTransferStatusEnumType,
    GenericStatusEnumType,
    GetCertificateStatusEnumType,
    Iso15118EVCertificateStatusEnumType,
    NotifyEVChargingNeedsStatusEnumType,
)

from connectors.ocpp.connection import ConnectorChargePoint
from connectors.ocpp.kept import keeping
from connectors.ocpp.station_handlers import StationHandlers
from connectors.ocpp.v201 import normalise

#: why a request is refused: this CSMS has no certificate service, no smart charging, no vendor extension
NO_SERVICE = {"reason_code": "NotSupported", "additional_info": "not offered by this CSMS"}

#: every other message a station sends, kept on ``ocpp.events.v1``, and its answer: notifications are
#: confirmed; vendor data is UnknownVendorId; certificate and charging-schedule requests are refused
KEPT = {
    Action.data_transfer: call_result.DataTransfer(status=DataTransferStatusEnumType.unknown_vendor_id),
    Action.notify_event: call_result.NotifyEvent(),
    Action.security_event_notification: call_result.SecurityEventNotification(),
    Action.firmware_status_notification: call_result.FirmwareStatusNotification(),
    Action.publish_firmware_status_notification: call_result.PublishFirmwareStatusNotification(),
    Action.log_status_notification: call_result.LogStatusNotification(),
    Action.notify_report: call_result.NotifyReport(),
    Action.notify_monitoring_report: call_result.NotifyMonitoringReport(),
    Action.notify_customer_information: call_result.NotifyCustomerInformation(),
    Action.notify_display_messages: call_result.NotifyDisplayMessages(),
    Action.notify_charging_limit: call_result.NotifyChargingLimit(),
    Action.cleared_charging_limit: call_result.ClearedChargingLimit(),
    Action.report_charging_profiles: call_result.ReportChargingProfiles(),
    Action.reservation_status_update: call_result.ReservationStatusUpdate(),
    Action.notify_ev_charging_needs: call_result.NotifyEVChargingNeeds(
        status=NotifyEVChargingNeedsStatusEnumType.rejected, status_info=NO_SERVICE),
    Action.notify_ev_charging_schedule: call_result.NotifyEVChargingSchedule(
        status=GenericStatusEnumType.rejected, status_info=NO_SERVICE),
    Action.get_15118_ev_certificate: call_result.Get15118EVCertificate(
        status=Iso15118EVCertificateStatusEnumType.failed, exi_response="", status_info=NO_SERVICE),
    Action.get_certificate_status: call_result.GetCertificateStatus(
        status=GetCertificateStatusEnumType.failed, status_info=NO_SERVICE),
    Action.sign_certificate: call_result.SignCertificate(status=GenericStatusEnumType.rejected, status_info=NO_SERVICE),
}


@keeping(KEPT)
class V201ChargePoint(StationHandlers, ConnectorChargePoint, ChargePoint):
    transaction_actions = frozenset({"TransactionEvent", "MeterValues"})
    call_result = call_result
    normalise = normalise

    @on(Action.authorize)
    async def on_authorize(self, **payload):
        decision = await self.authorize(str((payload.get("id_token") or {}).get("id_token", "")))
        return call_result.Authorize(id_token_info={"status": decision.status.value})

    @on(Action.transaction_event)
    async def on_transaction_event(self, **payload):
        event = self.interpret(normalise.transaction_event, payload)
        if not event.id_tag:
            await self.publish_transaction(event)
            return call_result.TransactionEvent()
        event, decision = await self.authorize_transaction(event)
        await self.publish_transaction(event)
        return call_result.TransactionEvent(id_token_info={"status": decision.status.value})

    @on(Action.meter_values)
    async def on_meter_values(self, **payload):
        await self.publish_transaction(self.interpret(normalise.meter_values, payload))
        return call_result.MeterValues()
