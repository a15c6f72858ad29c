"""The program a fresh interpreter runs for the benchmark's memory figure (`bench/processes.py` starts it):
`python -m simharness.bench.memory_probe SCENARIO.toml TARGET RUNS`.

It runs `run_suite` (the path `simharness run` takes) for RUNS runs and prints one JSON line: its peak RSS
after the imports and after the runs, its RSS at the end and the live objects left. A fresh process, so the
figures are this suite's own and not those of whatever the benchmark allocated before.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time

from simharness.explore.suite import run_suite
from simharness.model.scenario import load_scenario
from simharness.targets import resolve_target


def status_kb(key: str) -> int | None:
    """Linux: VmHWM is this process image's own peak, VmRSS the resident set now."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(key + ":"))
    except (OSError, StopIteration, ValueError):
        return None


def peak_kb() -> int:
    """ru_maxrss survives exec on Linux (it would report the parent's size): prefer VmHWM."""
    hwm = status_kb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == "darwin" else 1)


def main(argv: list[str]) -> None:
    scenario, target = load_scenario(argv[0]), resolve_target(argv[1])
    before = peak_kb()
    started = time.perf_counter()
    suite = run_suite([scenario], target, seed=0, budget=int(argv[2]))
    seconds = time.perf_counter() - started
    peak = peak_kb()
    gc.collect()
    doc = {
        "runs": suite.runs,
        "failed": sum(s.failed_runs for s in suite.scenarios),
        "seconds": seconds,
        "rss_before_kb": before,
        "peak_rss_kb": peak,
        "rss_end_kb": status_kb("VmRSS"),
        "objects": len(gc.get_objects()),
    }
    print(json.dumps(doc))


if __name__ == "__main__":
    main(sys.argv[1:])
