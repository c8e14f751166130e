"""What every charge point connection does, whatever its version: read frames, validate, dispatch to the
``@on`` handlers of the version's ``ocpp`` ChargePoint subclass, answer, and record every frame.

The ``ocpp`` package's own routing validates with jsonschema in a thread and renames keys with regular
expressions on every message; the fast path here uses compiled validators and cached key names, and it
tolerates schema problems in transaction messages (published with flags, copied to the dead-letter topic)
where the package would refuse them. ``package_validation`` keeps the package's path (the bench baseline).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from ocpp.exceptions import OCPPError
from ocpp.messages import Call

from connectors.ocpp import actions, frames, kept, keys, validation
from connectors.ocpp.exceptions import CallRejected, FrameError, PublishFailed, UninterpretableMessage
from connectors.ocpp.metrics import action_label
from connectors.ocpp.model import Received, TransactionEvent
from connectors.ocpp.publisher import Publisher
from roamstream.ocpi.token import uid_key
from roamstream.partners.tokens.authorizer import TokenAuthorizer
from roamstream.partners.tokens.decide import Decision, for_transaction

log = logging.getLogger(__name__)

#: Authorize answers remembered per connection until a transaction of the same id tag starts
_AUTHORIZED_KEPT = 32


@dataclass(frozen=True, slots=True)
class ConnectionOptions:
    heartbeat_interval_s: int = 300
    response_timeout_s: float = 30.0
    #: the ``ocpp`` package's own validation and key renaming (slower; strict on transaction messages)
    package_validation: bool = False


class ConnectorChargePoint:
    """Mixin placed before ``ocpp.v16.ChargePoint`` / ``ocpp.v201.ChargePoint`` in a version's handler."""

    _ocpp_version: ClassVar[str]
    transaction_actions: ClassVar[frozenset[str]]
    #: answers idTags (set by the server for each connection)
    authorizer: TokenAuthorizer

    def __init__(self, identity: str, connection: Any, publisher: Publisher, options: ConnectionOptions) -> None:
        super().__init__(identity, connection, response_timeout=options.response_timeout_s, logger=log)
        self.publisher = publisher
        self.metrics = publisher.metrics
        self.options = options
        self.rx: Received | None = None
        self._frame: str | bytes = ""
        #: id tag (``uid_key``) -> the answer of its latest Authorize, until a transaction of it starts
        self._authorized: dict[bytes, Decision] = {}

    # -- reading --

    async def route_message(self, raw: str | bytes) -> None:
        received_at = self.publisher.clock()
        self.publisher.raw(self.id, self._ocpp_version, "IN", raw)
        try:
            msg = frames.parse(raw, self._ocpp_version)
        except FrameError as exc:
            await self._reject(exc.message_id, exc.code, exc.description, raw, None)
            return
        if not isinstance(msg, Call):
            if self._call_lock.locked():  # an answer to our CALL in flight
                self._response_queue.put_nowait(msg)
            else:
                log.warning("%s: answer %s to no CALL of ours dropped", self.id, msg.unique_id)
            return
        self.metrics.messages.labels(self._ocpp_version, action_label(self._ocpp_version, msg.action)).inc()
        self.rx = Received(self.id, msg.unique_id, msg.action, received_at)
        self._frame = raw
        try:
            handlers = self.route_map.get(msg.action)
            if handlers is None or "_on_action" not in handlers:
                raise actions.unhandled(self._ocpp_version, msg.action)
            if self.options.package_validation:
                await super()._handle_call(msg)
            else:
                await self._dispatch(msg)
        except CallRejected as exc:
            await self._reject(msg.unique_id, frames.wire_code(exc.code, self._ocpp_version), exc.description, raw,
                               msg.action)
        except OCPPError as exc:
            await self._reject(msg.unique_id, exc.code, str(exc.description), raw, msg.action)

    async def _dispatch(self, msg: Call) -> None:
        handlers = self.route_map[msg.action]
        problems = validation.violations(self._ocpp_version, msg.action, msg.payload)
        if problems:
            if msg.action not in self.transaction_actions:
                raise CallRejected(problems[0].code, "; ".join(map(str, problems)))
            self.rx.flags.extend(f"schema:{p}" for p in problems)
        try:
            response = await handlers["_on_action"](**keys.to_snake(msg.payload))
        except UninterpretableMessage as exc:
            code = problems[0].code if problems else exc.code
            detail = "; ".join([str(exc), *map(str, problems)])
            raise CallRejected(code, detail) from exc
        except PublishFailed as exc:
            log.warning("%s: %s not acknowledged, Kafka did not take it: %s", self.id, msg.action, exc)
            raise CallRejected("InternalError", "the message could not be stored; retry later") from exc
        except Exception as exc:  # a bug of ours: answer without leaking internals, keep the connection
            log.exception("%s: %s failed", self.id, msg.action)
            raise CallRejected("InternalError", "an unexpected error occurred") from exc
        payload = keys.to_camel(_response_dict(response))
        await self._send(msg.create_call_result(payload).to_json())

    async def _reject(self, message_id: str, code: str, description: str, raw: str | bytes,
                      action: str | None) -> None:
        """Answer a CALLERROR (``action``: None when the frame could not be read) and dead-letter the frame."""
        self.metrics.callerrors.labels(self._ocpp_version, action_label(self._ocpp_version, action), code).inc()
        try:
            await self.publisher.dead_letter(self.id, f"{code}: {description}", raw)
        except PublishFailed as exc:
            log.error("%s: dead letter not stored (%s): %s", self.id, exc, description)
        await self._send(frames.call_error(message_id, code, description))

    async def _send(self, message: str) -> None:
        self.publisher.raw(self.id, self._ocpp_version, "OUT", message)
        await super()._send(message)

    # -- helpers for the handlers --

    def interpret(self, normaliser, payload: dict[str, Any]):
        """Run a pure normaliser; a payload too broken to read is an UninterpretableMessage."""
        try:
            return normaliser(payload, self.rx)
        except UninterpretableMessage:
            raise
        except (TypeError, AttributeError, KeyError, IndexError, ValueError, ArithmeticError) as exc:
            raise UninterpretableMessage(f"{self.rx.action} cannot be read: {exc}") from exc

    async def keep_message(self, payload: dict[str, Any]) -> None:
        """Publish a message that changes no session as a MESSAGE station event, with its frame as received."""
        frame = self._frame if isinstance(self._frame, str) else self._frame.decode("utf-8", "replace")
        normaliser = lambda p, rx: kept.message_event(p, rx, self._ocpp_version, frame)  # noqa: E731
        await self.publisher.station(self.interpret(normaliser, payload))

    async def authorize(self, id_tag: str) -> Decision:
        """An Authorize: the answer for ``id_tag``, remembered for the transaction it may start."""
        decision = await self.authorizer.authorize(id_tag)
        key = uid_key(id_tag)
        self._authorized.pop(key, None)
        self._authorized[key] = decision
        while len(self._authorized) > _AUTHORIZED_KEPT:
            del self._authorized[next(iter(self._authorized))]
        return decision

    async def authorize_transaction(self, event: TransactionEvent) -> tuple[TransactionEvent, Decision]:
        """The answer for a transaction event's id tag, and the event carrying it (auth_method and
        authorization_reference, ``decide.for_transaction``), decided before it is published."""
        decision = await self.authorizer.authorize(event.id_tag)
        carried = for_transaction(decision, self._authorized.pop(uid_key(event.id_tag), None))
        event = replace(event, auth_method=carried.auth_method,
                        authorization_reference=carried.authorization_reference)
        return event, decision

    async def publish_transaction(self, event: TransactionEvent) -> None:
        """Publish, and copy the frame to the dead-letter topic when it needed tolerance (flags)."""
        if not event.flags:
            await self.publisher.transaction(event)
            return
        reason = f"{event.action} accepted with flags: " + "; ".join(event.flags)
        await asyncio.gather(
            self.publisher.transaction(event),
            self.publisher.dead_letter(self.id, reason, self._frame, event.timestamp),
        )


def _response_dict(response: Any) -> dict[str, Any]:
    """A handler's answer (a flat ``call_result`` dataclass whose nested values are dicts) without Nones."""
    return {name: value for name in response.__dataclass_fields__ if (value := getattr(response, name)) is not None}
