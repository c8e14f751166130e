"""Deterministic session ids: ``<charge point>-<transaction id>`` within OCPI CiString(36)."""

from __future__ import annotations

import hashlib
import re

MAX_LEN = 36
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_HASH_LEN = 16


def session_id(charge_point_id: str, transaction_id: str) -> str:
    """``cp-tx`` when it is short, plain ASCII; else a readable prefix and a hash of the full pair.

    The hash is taken over the unsanitised pair, so two ids never collide because sanitising made them
    equal. OCPI compares CiStrings case-insensitively: charge point ids that differ only in case collide.
    """
    raw = f"{charge_point_id}-{transaction_id}"
    if len(raw) <= MAX_LEN and not _UNSAFE.search(raw):
        return raw
    digest = hashlib.sha256(raw.encode()).hexdigest()[:_HASH_LEN]
    prefix = _UNSAFE.sub("_", charge_point_id)[: MAX_LEN - _HASH_LEN - 1]
    return f"{prefix}-{digest}"
