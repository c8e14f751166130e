"""The handlers both OCPP versions share: BootNotification, Heartbeat and StatusNotification publish the
station event their version's normaliser makes, then answer with their version's ``call_result`` class (the
two versions' answers have the same fields; the registration status is ``Accepted`` in both)."""

from __future__ import annotations

from types import ModuleType
from typing import Any, ClassVar

from ocpp.routing import on

from connectors.ocpp.timestamps import format_timestamp


class StationHandlers:
    """Mixin placed before ``ConnectorChargePoint`` in a version's handler: ``call_result`` and ``normalise``
    are that version's modules."""

    call_result: ClassVar[ModuleType]
    normalise: ClassVar[ModuleType]

    def _now(self) -> str:
        return format_timestamp(self.publisher.clock())

    @on("BootNotification")
    async def on_boot_notification(self, **payload: Any) -> Any:
        await self.publisher.station(self.interpret(self.normalise.boot, payload))
        return self.call_result.BootNotification(
            current_time=self._now(), interval=self.options.heartbeat_interval_s, status="Accepted"
        )

    @on("Heartbeat")
    async def on_heartbeat(self, **payload: Any) -> Any:
        await self.publisher.station(self.interpret(self.normalise.heartbeat, payload))
        return self.call_result.Heartbeat(current_time=self._now())

    @on("StatusNotification")
    async def on_status_notification(self, **payload: Any) -> Any:
        await self.publisher.station(self.interpret(self.normalise.status, payload))
        return self.call_result.StatusNotification()
