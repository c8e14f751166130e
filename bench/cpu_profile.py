"""Run a module under cProfile with the main thread's CPU time as its clock (not wall time: on a shared machine a
wall-clock profile charges the time the process waited for a core to whatever function it was in), written to
``OUT`` when the process exits normally (a worker stopped by SIGTERM does).

    python bench/cpu_profile.py OUT -m roamstream worker
"""

from __future__ import annotations

import atexit
import cProfile
import runpy
import sys
import time


def main() -> None:
    out, flag, module, *args = sys.argv[1:]
    if flag != "-m":
        raise SystemExit(__doc__)
    profile = cProfile.Profile(time.thread_time)
    atexit.register(lambda: (profile.disable(), profile.dump_stats(out)))
    sys.argv = [module, *args]
    profile.enable()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
