from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roamstream.lake import write_batch

Land = Callable[..., list[str]]


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def land(lake: Path) -> Land:
    """Write records to a table of ``lake`` through the real writer, each call at new offsets."""
    next_offset: dict[tuple[str, int], int] = {}

    def write(table: str, records: list[dict[str, Any]], partition: int = 0) -> list[str]:
        first = next_offset.get((table, partition), 0)
        last = first + max(len(records), 1) - 1
        next_offset[(table, partition)] = last + 1
        return write_batch(str(lake), table, partition, first, last, records)

    return write
