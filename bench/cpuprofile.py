"""Run a module under cProfile timed by process CPU, not wall time (for `soak.py --profile`).

On a loaded machine, wall-clock profiles blame whatever call was running when the process was
descheduled (a socket send, epoll); CPU time shows what the process itself spends.

    python bench/cpuprofile.py OUT.prof -m bot.cli web --port 8080
"""

from __future__ import annotations

import cProfile
import runpy
import sys
import time


def main() -> None:
    out, flag, module, *rest = sys.argv[1:]
    if flag != "-m":
        raise SystemExit(__doc__)
    sys.argv = [module, *rest]
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
