"""``pipelines.worker.tune_gc``: the worker command's garbage-collector setting (process-wide, so the test
puts the collector back as it found it)."""

from __future__ import annotations

import gc
import weakref

import pytest

from pipelines.worker import tune_gc


@pytest.fixture
def collector():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


class StartUpState:
    """Stands for what start-up builds (app, tables): instances are tracked by the collector."""


def tracked_ids() -> set[int]:
    """The objects the collector scans (frozen ones are in the permanent generation: not listed)."""
    return {id(o) for o in gc.get_objects()}


def test_a_threshold_freezes_start_up_objects_and_sets_the_young_generation(collector):
    gc.unfreeze()
    held = [StartUpState() for _ in range(10)]
    assert {id(o) for o in held} <= tracked_ids()
    garbage = StartUpState()
    garbage.cycle = garbage  # unreachable once dropped: collected before the freeze, not frozen with it
    collected = weakref.ref(garbage)
    del garbage
    tune_gc(50_000)
    assert gc.get_threshold() == (50_000, 50, 100)
    scanned = tracked_ids()
    assert not {id(o) for o in held} & scanned  # out of the collector's scans
    assert collected() is None
    later = StartUpState()
    assert id(later) in tracked_ids()  # what the worker builds afterwards is still collected
    gc.unfreeze()
    assert {id(o) for o in held} <= tracked_ids()


def test_zero_leaves_the_collector_as_it_is(collector):
    gc.unfreeze()
    before = gc.get_threshold()
    held = [StartUpState() for _ in range(10)]
    tune_gc(0)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert {id(o) for o in held} <= tracked_ids()
