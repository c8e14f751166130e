"""Stopping a long-running command: SIGINT (Ctrl-C) and SIGTERM (``docker stop``, systemd) alike."""

from __future__ import annotations

import asyncio
import signal


def stop_on_signals() -> asyncio.Event:
    """An event set by the first SIGINT or SIGTERM the running loop receives (call it inside that loop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
