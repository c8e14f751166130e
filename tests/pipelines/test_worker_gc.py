"""``pipelines.worker.tune_gc``: the worker command's garbage-collector setting (process-wide, so the test
puts the collector back as it found it)."""

from __future__ import annotations

import gc

import pytest

from pipelines.worker import tune_gc


@pytest.fixture
def collector():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_a_threshold_freezes_start_up_objects_and_sets_the_young_generation(collector):
    held = [object() for _ in range(10)]
    tune_gc(50_000)
    assert gc.get_threshold() == (50_000, 50, 100)
    assert gc.get_freeze_count() >= len(held)


def test_zero_leaves_the_collector_as_it_is(collector):
    before = gc.get_threshold()
    tune_gc(0)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
