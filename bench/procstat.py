"""CPU seconds from Linux ``/proc``, for the benchmarks (a process's, or one of its threads')."""

from __future__ import annotations

import os


def stat_cpu_s(path: str) -> float:
    """User + system CPU seconds in the ``stat`` file at ``path`` (a process's or a thread's); ``OSError`` if it is
    gone."""
    with open(path) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float | None:
    """CPU seconds process ``pid`` has used so far (None: no such process, or no ``/proc``)."""
    try:
        return stat_cpu_s(f"/proc/{pid}/stat")
    except OSError:
        return None
