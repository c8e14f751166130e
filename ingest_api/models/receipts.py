"""The ``data`` of successful responses: what was published where."""

from __future__ import annotations

from pydantic import BaseModel


class ObjectReceipt(BaseModel):
    topic: str
    key: str
    partition: int
    offset: int
    deleted: bool = False


class BatchReceipt(BaseModel):
    topic: str
    records: int
    keys: list[str]
