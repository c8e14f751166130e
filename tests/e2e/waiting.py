"""Waiting for the pipeline in end-to-end tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest


async def eventually(condition: Callable[[], bool], what: str, limit_s: float = 90.0) -> None:
    """Wait for ``condition``; fail naming ``what`` if it never holds (a liveness bound, not a speed check)."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await asyncio.sleep(0.1)
