"""The faults real chargers show, switched on one by one in the simulator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Faults:
    #: 1.6: StopTransaction sent twice, the second time with a new message id
    duplicate_stop: bool = False
    #: 2.0.1: a second Ended event with the next seqNo
    duplicate_ended: bool = False
    #: a MeterValues with context Transaction.End sent after the transaction stopped
    end_meter_values_after_stop: bool = False
    #: the energy register restarts at 0 for every transaction
    rebase_meter: bool = False
    #: the periodic meter values are queued (offline) and delivered after the stop, newest first
    offline_queue: bool = False

    @classmethod
    def parse(cls, names: list[str]) -> Faults:
        known = set(cls.__dataclass_fields__)
        unknown = [n for n in names if n.replace("-", "_") not in known]
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; known: {sorted(known)}")
        return cls(**{n.replace("-", "_"): True for n in names})
