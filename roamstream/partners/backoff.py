"""Exponential backoff with jitter, capped (pure; the random source is passed in)."""

from __future__ import annotations

import random


def backoff_s(failures: int, base_s: float, cap_s: float, rng: random.Random | None = None,
              retry_after_s: float | None = None) -> float:
    """The wait before the next try after ``failures`` failed ones in a row: a random point in the upper half
    of ``min(cap, base * 2**(failures-1))`` (never two retries in lock step), at least ``Retry-After``."""
    ceiling = min(cap_s, base_s * 2 ** max(0, failures - 1))
    wait = ceiling * (0.5 + 0.5 * (rng or random).random())
    if retry_after_s is not None:
        wait = max(wait, min(retry_after_s, cap_s))
    return wait
