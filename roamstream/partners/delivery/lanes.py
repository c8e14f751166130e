"""One delivery lane per partner: its own groups, its own bound on requests in flight, its own backoff.

A lane never waits for another: a partner that is down, slow or refusing only fills its own lane. Within a
lane each group (a session id; a Location; a Tariff) is driven by one task, so requests for one object keep
their order — the Session's PUT, its PATCHes, its COMPLETED state acknowledged, then its CDRs; a Location's
PUT, then the status PATCHes of its EVSEs — while groups run in parallel up to ``max_in_flight`` requests.
The pending state lives in ``DeliveryState`` (a changelogged table in the worker); a lane reads it afresh
before every request, so a Session snapshot that arrived meanwhile is sent as one change from the
acknowledged state (coalescing). Every attempt is announced to ``DeliveryLog`` before it is sent (intent)
and recorded after; transient failures wait (backoff with jitter, capped; ``Retry-After`` honoured; cut
short when the partner answers again) and are tried again for as long as it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from roamstream.partners.backoff import backoff_s
from roamstream.partners.delivery.objects import acknowledged_value, module_of, reference_change
from roamstream.partners.delivery.pending import HEAD_KINDS, Pending, ledger_key
from roamstream.partners.delivery.requests import session_change, session_status
from roamstream.partners.directory import PartnerDirectory, PartnerEndpoint
from roamstream.partners.outcome import Outcome
from roamstream.partners.sender import Attempt, OcpiSender, Request, new_request

log = logging.getLogger(__name__)


class DeliveryState(Protocol):
    def pending(self, key: bytes) -> Pending | None: ...

    def ledger(self, key: bytes) -> bytes | None: ...

    def acknowledge(self, item: Pending, ledger_value: bytes) -> None:
        """Write the ledger and drop ``item`` from the pending state unless a newer state replaced it."""

    def drop(self, item: Pending) -> None:
        """Drop ``item`` from the pending state unless a newer state replaced it."""


class DeliveryLog(Protocol):
    async def intent(self, item: Pending, request: Request, attempt: int) -> None:
        """Record that ``request`` is about to go out; return once the record is durable."""

    async def result(self, item: Pending, attempt: Attempt, delivered: bool) -> None: ...

    async def final(self, item: Pending, attempt: Attempt) -> None:
        """A final refusal: the dead-letter topic, with the request and the response."""


@dataclass(frozen=True, slots=True)
class LaneSettings:
    max_in_flight: int = 16
    backoff_s: float = 0.5
    backoff_cap_s: float = 300.0
    #: a CDR waits at most this long (wall clock) for its Session's COMPLETED state to be acknowledged
    cdr_session_wait_s: float = 30.0


@dataclass
class _Group:
    key: str
    partition: int
    #: the group's one object sent first (a Session, a Location, a Tariff), then the others in order (a
    #: Session's CDRs, a Location's EVSE statuses)
    head: bytes | None = None
    rest: list[bytes] = field(default_factory=list)
    #: objects whose last attempt's outcome is unknown (or loaded after a restart: maybe sent)
    maybe_sent: set[bytes] = field(default_factory=set)
    #: sessions the partner must get whole (404 to a PATCH, or maybe half-applied)
    put_whole: set[bytes] = field(default_factory=set)
    attempts: dict[bytes, int] = field(default_factory=dict)
    correlation: dict[bytes, str] = field(default_factory=dict)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None


class Lane:
    """One partner's deliveries. With a ``directory`` its endpoint (URLs, token) is looked up again before each
    request: a partner that changed its endpoints or token (a new credentials handshake) gets the next request
    at the new ones; one that is gone (unregistered) gets nothing more, and what was pending for it stays in
    ``push_pending`` (``roamstream push status`` shows it, ``push redrive`` sends it once it is back)."""

    def __init__(self, endpoint: PartnerEndpoint, sender: OcpiSender, state: DeliveryState, journal: DeliveryLog,
                 settings: LaneSettings, rng: random.Random | None = None,
                 directory: PartnerDirectory | None = None) -> None:
        self.key = endpoint.key
        self.endpoint = endpoint
        self._directory = directory
        self._sender = sender
        self._state = state
        self._log = journal
        self._settings = settings
        self._rng = rng or random.Random()
        self._slots = asyncio.Semaphore(settings.max_in_flight)
        self._groups: dict[str, _Group] = {}
        self._answering = asyncio.Event()
        self._failing = False
        self.delivered = 0

    @property
    def busy(self) -> int:
        return len(self._groups)

    def refresh(self) -> PartnerEndpoint | None:
        """The partner's endpoint as the directory has it now (None: it is gone); kept as ``endpoint``."""
        if self._directory is None:
            return self.endpoint
        current = self._directory.get(self.key)
        if current is not None:
            self.endpoint = current
        return current

    def add(self, item: Pending, *, maybe_sent: bool = False) -> None:
        group = self._groups.get(item.group)
        if group is None:
            group = self._groups[item.group] = _Group(item.group, item.partition)
        key = item.key
        if item.kind in HEAD_KINDS:
            group.head = key
        elif key not in group.rest:
            group.rest.append(key)
        if maybe_sent:
            group.maybe_sent.add(key)
            if item.kind == "session":
                group.put_whole.add(key)
        if item.force:  # an operator's resend: the partner may have it, or a part of it
            group.maybe_sent.add(key)
            if item.kind == "session":
                group.put_whole.add(key)
        if group.task is None or group.task.done():
            group.task = asyncio.get_running_loop().create_task(self._drive(group), name=f"lane {item.group}")
        else:
            group.wake.set()

    def revoke(self, partitions: set[int]) -> None:
        for name, group in list(self._groups.items()):
            if group.partition in partitions:
                if group.task is not None:
                    group.task.cancel()
                del self._groups[name]

    async def stop(self) -> None:
        tasks = [g.task for g in self._groups.values() if g.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._groups.clear()

    # -- one group -------------------------------------------------------------------------------------

    def _next(self, group: _Group) -> tuple[Pending | None, float | None]:
        """The next object of ``group`` to send, or (None, seconds to wait for a CDR's Session; None: done)."""
        if group.head is not None:
            item = self._state.pending(group.head)
            if item is not None:
                return item, None
            group.head = None
        while group.rest:
            item = self._state.pending(group.rest[0])
            if item is None:
                group.rest.pop(0)
                continue
            if item.kind != "cdr" or item.force or self.endpoint.url("sessions") is None:
                return item, None
            acknowledged = self._state.ledger(ledger_key(item.partner, "session", item.group))
            if session_status(_text(acknowledged)) == "COMPLETED":
                return item, None
            waited = time.time() - item.since
            if waited >= self._settings.cdr_session_wait_s:
                return item, None
            return None, self._settings.cdr_session_wait_s - waited
        return None, None

    def _request(self, group: _Group, item: Pending) -> Request | None:
        key = item.key
        correlation = group.correlation.setdefault(key, str(uuid.uuid4()))
        if item.kind == "cdr":
            return new_request("cdrs", item.object_id, "POST", self.endpoint.url("cdrs"), item.body.encode(),
                               correlation)
        if item.kind != "session":
            module = module_of(item.kind)
            base_url = self.endpoint.url(module) or ""
            acknowledged = _text(self._state.ledger(item.ledger_key))
            change = reference_change(item.kind, item.object_id, item.body, acknowledged, base_url,
                                      whole=key in group.put_whole)
            if change is None:
                return None
            method, url, body = change
            return new_request(module, item.object_id, method, url, body, correlation)
        base = self.endpoint.url("sessions").rstrip("/")
        cc, pid = self._sender.cpo
        url = f"{base}/{cc}/{pid}/{item.object_id}"
        acknowledged = None if key in group.put_whole else _text(self._state.ledger(item.ledger_key))
        change = session_change(acknowledged if _is_json(acknowledged) else None, item.body)
        if change is None:
            return None
        method, body = change
        return new_request("sessions", item.object_id, method, url, body, correlation)

    async def _drive(self, group: _Group) -> None:
        failures = 0
        try:
            while True:
                group.wake.clear()
                if self.refresh() is None:
                    log.warning("delivery lane %s: the partner is gone; group %s stays pending", self.key, group.key)
                    break
                item, wait = self._next(group)
                if item is None:
                    if wait is None:
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(group.wake.wait(), wait)
                    continue
                if self.endpoint.url(module_of(item.kind)) is None:  # the partner no longer publishes that Receiver
                    if item.kind == "cdr":
                        log.warning("delivery lane %s: no CDRs Receiver; %s stays pending", self.key, item.object_id)
                        break
                    self._state.drop(item)  # a Session, Tariff, Location or status it no longer takes
                    self._forget(group, item.key)
                    continue
                request = self._request(group, item)
                if request is None:  # the partner has this state already
                    self._state.acknowledge(item, self._state.ledger(item.ledger_key) or self._value(item))
                    continue
                key = item.key
                n = group.attempts[key] = group.attempts.get(key, 0) + 1
                async with self._slots:
                    await self._log.intent(item, request, n)
                    attempt = await self._sender.send(self.endpoint, request, n)
                outcome = attempt.outcome
                if outcome is Outcome.ALREADY_EXISTS:
                    outcome = Outcome.OK if key in group.maybe_sent else Outcome.FINAL
                await self._log.result(item, attempt, outcome is Outcome.OK)
                if outcome is Outcome.OK:
                    self._acknowledged(group, item, attempt)
                    failures = 0
                elif outcome is Outcome.NOT_FOUND:
                    group.put_whole.add(key)
                elif outcome is Outcome.FINAL:
                    await self._log.final(item, attempt)
                    self._state.drop(item)
                    self._forget(group, key)
                else:
                    if attempt.unknown:
                        group.maybe_sent.add(key)
                        if item.kind == "session":
                            group.put_whole.add(key)
                    failures += 1
                    await self._back_off(failures, attempt.retry_after_s)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug must not silently stop a partner's deliveries: log it and let it be seen
            log.exception("delivery lane %s, group %s failed", self.endpoint.key, group.key)
            raise
        finally:
            # no await between the last look at the pending state and here: an ``add`` after this makes a
            # new group and task
            if self._groups.get(group.key) is group:
                del self._groups[group.key]

    def _acknowledged(self, group: _Group, item: Pending, attempt: Attempt) -> None:
        if item.kind == "cdr":
            how = "created" if attempt.outcome is Outcome.OK else "existed after an unknown outcome"
            value = json.dumps({"acknowledged": True, "how": how, "location": attempt.location}).encode()
        else:
            value = self._value(item)
        self._state.acknowledge(item, value)
        self._forget(group, item.key)
        self.delivered += 1
        if self._failing:
            self._failing = False
            self._answering.set()
            self._answering = asyncio.Event()

    @staticmethod
    def _value(item: Pending) -> bytes:
        """The ledger's value for a delivered Session, Tariff, Location or EVSE status."""
        return acknowledged_value(item.kind, item.object_id, item.body).encode()

    def _forget(self, group: _Group, key: bytes) -> None:
        group.maybe_sent.discard(key)
        group.put_whole.discard(key)
        group.attempts.pop(key, None)
        group.correlation.pop(key, None)

    async def _back_off(self, failures: int, retry_after: float | None) -> None:
        self._failing = True
        wait = backoff_s(failures, self._settings.backoff_s, self._settings.backoff_cap_s, self._rng, retry_after)
        answering = self._answering
        with contextlib.suppress(TimeoutError):
            if retry_after is not None:  # the partner said when: keep to it
                await asyncio.sleep(wait)
            else:  # another request of this lane got through: the partner is back, try now
                await asyncio.wait_for(answering.wait(), wait)


def _text(raw: bytes | None) -> str | None:
    return raw.decode() if raw is not None else None


def _is_json(text: str | None) -> bool:
    return text is not None and text.startswith("{")


class Lanes:
    """Every partner's lane; a lane is made when its partner first has something pending."""

    def __init__(self, directory: PartnerDirectory, sender: OcpiSender, state: DeliveryState,
                 journal: DeliveryLog, settings: LaneSettings) -> None:
        self._directory = directory
        self._sender = sender
        self._state = state
        self._log = journal
        self._settings = settings
        self._lanes: dict[str, Lane] = {}

    def lane(self, partner: str) -> Lane | None:
        """The partner's lane; None while the directory does not know the partner (not, or no longer)."""
        lane = self._lanes.get(partner)
        if lane is None:
            endpoint = self._directory.get(partner)
            if endpoint is None:
                return None
            lane = self._lanes[partner] = Lane(endpoint, self._sender, self._state, self._log, self._settings,
                                               directory=self._directory)
        elif lane.refresh() is None:
            return None
        return lane

    def add(self, item: Pending, *, maybe_sent: bool = False) -> bool:
        lane = self.lane(item.partner)
        if lane is None:
            return False
        lane.add(item, maybe_sent=maybe_sent)
        return True

    def load(self, items: Iterable[Pending]) -> int:
        """Take up what a previous owner left pending: each may have been sent already (outcome unknown)."""
        ordered = sorted(items, key=lambda i: (i.kind not in HEAD_KINDS, i.last_updated, i.object_id))
        return sum(self.add(item, maybe_sent=True) for item in ordered)

    def revoke(self, partitions: set[int]) -> None:
        for lane in self._lanes.values():
            lane.revoke(partitions)

    @property
    def busy(self) -> int:
        return sum(lane.busy for lane in self._lanes.values())

    async def stop(self) -> None:
        for lane in self._lanes.values():
            await lane.stop()
