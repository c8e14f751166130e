"""Every service's /metrics and /ready scraped over HTTP after real traffic through the whole stack (embedded
broker, worker, ingest API, OCPP endpoint, a demo eMSP over HTTP): the counters moved by the right amounts,
and the example alerting rules and dashboard of ``deploy/`` use only metrics the services export."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from ocpp.v16 import call
from ops_files import SCRAPE_SERIES, dashboard_exprs, metric_names, used_names
from scraped import Scraped, scrape, scraped_when

from connectors.ocpp.simulator.client import connect
from roamstream.asgi import ServedApp
from roamstream.config import Partner, Settings
from roamstream.demo import seed
from roamstream.demo.emsp import EmspStore, create_emsp_app
from roamstream.demo.run import seed_reference
from roamstream.kafka import AsyncProducer
from roamstream.lake import TABLES
from roamstream.stack import running_stack

pytestmark = pytest.mark.integration

EMSP_TOKEN = "token-b-NL-EMA"
CP = "MET-CP-1"
T0 = "2026-11-02T09:00:00Z"


def partner(url: str) -> Partner:
    return Partner(country_code="NL", party_id="EMA", token=EMSP_TOKEN, cdrs_url=f"{url}/ocpi/emsp/2.2.1/cdrs",
                   sessions_url=f"{url}/ocpi/emsp/2.2.1/sessions")


@pytest.fixture
async def emsp() -> AsyncIterator[tuple[EmspStore, str]]:
    store = EmspStore()
    async with ServedApp(create_emsp_app(EMSP_TOKEN, store, flaky_every=1)) as served:  # every CDR: 503 first
        yield store, served.url


def stack_settings(settings: Settings, emsp_url: str, lake_flush_s: float) -> Settings:
    return settings.model_copy(update={
        "partners": settings.partners.model_copy(update={"emsps": [partner(emsp_url)], "backoff_s": 0.05}),
        "api": settings.api.model_copy(update={"port": 0}),
        "ocpp": settings.ocpp.model_copy(update={"port": 0}),
        "lake": settings.lake.model_copy(update={"flush_interval_s": lake_flush_s}),
    })


async def ready(url: str) -> int:
    async with httpx.AsyncClient(timeout=10) as http:
        return (await http.get(f"{url}/ready")).status_code


def meter(minutes: int, wh: int, context: str = "Sample.Periodic") -> dict:
    return {"timestamp": f"2026-11-02T{9 + minutes // 60:02d}:{minutes % 60:02d}:00Z", "sampled_value": [
        {"value": str(wh), "context": context, "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}


def lag(scraped: Scraped, settings: Settings, stage: str, topic: str) -> float:
    return scraped.value("roamstream_consumer_lag", stage=stage, topic=settings.topic(topic))


def check_ops_files(exported: set[str]) -> None:
    unknown = {(where, name) for where, name in used_names() if name not in exported | SCRAPE_SERIES}
    assert not unknown, f"not exported by any service: {sorted(unknown)}"
    on_dashboard = set().union(*map(metric_names, dashboard_exprs()))
    missing = {n for n in exported if n.startswith("roamstream_") and not n.endswith("_created")} - on_dashboard
    assert not missing, f"exported but on no dashboard panel: {sorted(missing)}"


async def test_one_session_priced_and_pushed_moves_every_service_counters(settings, emsp):
    store, emsp_url = emsp
    # the lake holds what it read for an hour: the group's committed offsets stay behind, a known lag
    async with running_stack(stack_settings(settings, emsp_url, lake_flush_s=3600.0)) as stack:
        api, ocpp, worker = stack.api_url, stack.ocpp_http_url, stack.worker.ops.url
        assert [await ready(url) for url in (api, ocpp, worker)] == [200, 200, 200]
        token = seed.token(("NL", "EMA"), 1)
        await seed_reference(api, stack.settings.api.tokens[0].get_secret_value(), [CP], 1)

        async with connect(stack.ocpp_url, CP, "1.6") as station:
            await station.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            tx = (await station.call(call.StartTransaction(1, token["uid"], 1000, T0))).transaction_id
            await scraped_when(worker, lambda m: m.value("roamstream_sessions_open") == 1, "one session open")
            await station.call(call.MeterValues(1, [meter(30, 7500)], tx))
            await station.call(call.StopTransaction(11000, "2026-11-02T09:45:00Z", tx, reason="EVDisconnected",
                                                    id_tag=token["uid"]))
            await station.call(call.MeterValues(0, [meter(60, 11000, "Sample.Clock")]))  # past the settle time

        def pushed(m: Scraped) -> bool:
            return m.value("roamstream_pushes_total", partner="NL-EMA", kind="cdr", outcome="delivered") == 1

        w = await scraped_when(worker, pushed, "the CDR delivered")
        assert len(store.cdrs) == 1
        assert w.value("roamstream_cdrs_priced_total", kind="cdr") == 1
        assert w.value("roamstream_cdrs_priced_total") == 1
        # the eMSP answered the CDR's first POST 503: one transient attempt, then delivered
        assert w.value("roamstream_pushes_total", partner="NL-EMA", kind="cdr", outcome="transient") == 1
        assert w.value("roamstream_pushes_total", partner="NL-EMA", kind="cdr") == 2
        assert w.value("roamstream_sessions_open") == 0
        # CONNECTED, BOOT, STARTED, UPDATED, ENDED, the clock-aligned sample, DISCONNECTED; the completed
        # session is read by pricing alone, which has acknowledged it: its offset is committed
        w = await scraped_when(worker, lambda m: m.value("roamstream_events_folded_total") == 7 and m.value(
            "roamstream_consumer_lag", stage="pricing") == 0, "seven events folded, the completed session committed")
        assert lag(w, settings, "pricing", "sessions.completed.v1") == 0
        assert len([d for d in w.labelled("roamstream_consumer_lag") if d["stage"] == "pricing"]) == 4
        # the lake holds every record it read: the group has committed none of those
        assert lag(w, settings, "sessions", "ocpp.events.v1") == 7
        assert lag(w, settings, "lake", "ocpp.events.v1") == 7
        assert lag(w, settings, "push", "ocpi.cdrs.v1") == lag(w, settings, "lake", "ocpi.cdrs.v1") == 1
        assert {d["partition"] for d in w.labelled("roamstream_consumer_lag") if d["stage"] == "sessions"} == \
            {"0", "1", "2", "3"}
        assert w.value("roamstream_pending_deliveries") == 0
        assert w.value("roamstream_dead_letters_total") == 0
        assert w.value("roamstream_ready") == 1

        o = await asyncio.to_thread(scrape, ocpp)
        for action, count in [("BootNotification", 1), ("StartTransaction", 1), ("MeterValues", 2),
                              ("StopTransaction", 1)]:
            assert o.value("roamstream_ocpp_messages_total", version="1.6", action=action) == count, action
        assert o.value("roamstream_ocpp_callerrors_total") == 0

        a = await asyncio.to_thread(scrape, api)
        puts = 2 + len(seed.tokens(1))  # the tariff, the location, every token
        assert a.value("roamstream_api_requests_total", method="PUT", status="200") == puts
        assert a.value("roamstream_api_rejected_total") == 0

        check_ops_files(a.names | o.names | w.names)


async def test_a_partner_that_does_not_answer_leaves_deliveries_pending_and_bad_input_is_dead_lettered(settings):
    closed = "http://127.0.0.1:9"  # discard port: nothing listens, every request is refused (transient)
    async with running_stack(stack_settings(settings, closed, lake_flush_s=0.2)) as stack:
        worker = stack.worker.ops.url
        token = seed.token(("NL", "EMA"), 1)
        await seed_reference(stack.api_url, stack.settings.api.tokens[0].get_secret_value(), [CP], 1)
        async with connect(stack.ocpp_url, CP, "1.6") as station:
            tx = (await station.call(call.StartTransaction(1, token["uid"], 1000, T0))).transaction_id
            await station.call(call.MeterValues(1, [meter(30, 7500)], tx))
            await station.call(call.StopTransaction(11000, "2026-11-02T09:45:00Z", tx, id_tag=token["uid"]))
            await station.call(call.MeterValues(0, [meter(60, 11000, "Sample.Clock")]))
        producer = AsyncProducer(stack.settings)
        try:
            await producer.send("ocpp.events.v1", b"not avro", key=CP)
        finally:
            producer.close()

        def stuck(m: Scraped) -> bool:  # the Session (its latest state) and the CDR, tried at least once
            # A delivery counts as pending as soon as it is queued, before its first attempt has been refused.
            return (m.value("roamstream_pending_deliveries", partner="NL-EMA") == 2
                    and m.value("roamstream_pushes_total", partner="NL-EMA", kind="session", outcome="transient") >= 1
                    and m.value("roamstream_dead_letters_total", stage="lake") == readers_of_events)

        readers_of_events = sum(1 for table in TABLES.values() if table.topic == "ocpp.events.v1")
        w = await scraped_when(worker, stuck, "the session and the CDR pending and tried, the bad record dead-lettered")
        assert w.value("roamstream_pending_oldest_age_seconds", partner="NL-EMA") > 0
        assert w.value("roamstream_pushes_total", outcome="delivered") == 0
        assert w.value("roamstream_cdrs_priced_total", kind="cdr") == 1
        assert w.value("roamstream_dead_letters_total", stage="sessions") == 1
        assert w.value("roamstream_dead_letters_total") == 1 + readers_of_events
