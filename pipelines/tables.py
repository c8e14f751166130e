"""The faust tables: per-charge-point session state, the push ledger, and the reference data.

Changelog topics are named ``<app_id>-<table>-changelog`` by faust; ``changelog_specs`` lists them so that
they are created with the catalog at start-up (the embedded broker must not auto-create them).
"""

from __future__ import annotations

from dataclasses import dataclass

import faust

from roamstream.config import Settings
from roamstream.topics import PARTITIONS, TopicSpec

#: name -> (partitions, global)
TABLES: dict[str, tuple[int, bool]] = {
    "session_state": (PARTITIONS, False),
    "push_ledger": (PARTITIONS, False),
    "push_pending": (PARTITIONS, False),
    "issued_cdrs": (PARTITIONS, False),
    "pending": (PARTITIONS, False),
    "waiting_snapshots": (PARTITIONS, False),
    "tariffs": (1, True),
    "locations": (1, True),
    "tokens": (1, True),
    "evse_index": (1, True),
    "evse_status": (1, True),
}


@dataclass(frozen=True)
class Tables:
    session_state: faust.Table
    #: ledger key -> what a partner acknowledged of an object and what is pending for it, one record
    #: (roamstream.partners.delivery.pending.ledger_entry; pipelines.push_state)
    push_ledger: faust.Table
    #: ``<partner>|<kind>|<id>`` -> what still had to reach that partner, as the previous version kept it: only
    #: read, and moved into ``push_ledger`` (pipelines.push_state.TableState.migrate)
    push_pending: faust.Table
    #: ``<cp>|<tx>`` -> the last CDR issued for that session (pricing: corrections)
    issued_cdrs: faust.Table
    #: ``<cp>|<tx>`` -> a completed session waiting for reference data (pricing)
    pending: faust.Table
    #: session id -> its snapshots waiting for reference data (sessions: pipelines.waiting_snapshots)
    waiting_snapshots: faust.Table
    tariffs: faust.GlobalTable
    locations: faust.GlobalTable
    tokens: faust.GlobalTable
    #: EVSE uid -> the key of the location that has it
    evse_index: faust.GlobalTable
    #: EVSE uid -> its latest OCPP status (roamstream.partners.locations.status.EvseStatus), for partners
    evse_status: faust.GlobalTable


def changelog_specs(settings: Settings) -> list[TopicSpec]:
    """Changelog topics as catalog entries (full names: the app id already carries the test prefix)."""
    return [
        TopicSpec(f"{settings.pipeline.app_id}-{name}-changelog", partitions, None, compacted=True)
        for name, (partitions, _) in TABLES.items()
    ]


def declare_tables(app: faust.App) -> Tables:
    made = {}
    for name, (partitions, is_global) in TABLES.items():
        factory = app.GlobalTable if is_global else app.Table
        table = factory(name, partitions=partitions, key_type=bytes, value_type=bytes)
        # faust derives "json" from bytes types; keys and values here are bytes we encode ourselves
        table.key_serializer = table.value_serializer = "raw"
        made[name] = table
    return Tables(**made)
