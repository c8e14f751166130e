"""Waiting for the pipeline in tests: one liveness bound for every test that waits on the pipeline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


async def eventually(condition: Callable[[], T], what: str, limit_s: float = 90.0, *, in_thread: bool = False) -> T:
    """Wait until ``condition()`` is truthy and return it; fail naming ``what`` if it never is within ``limit_s``
    (a liveness bound, not a speed check). ``in_thread``: run ``condition`` in a thread (it may block, e.g. read
    Kafka)."""
    deadline = time.monotonic() + limit_s
    while not (found := await asyncio.to_thread(condition) if in_thread else condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.05)
    return found
