"""Runs-to-first-kill with and without swarm testing (the measurement behind the `swarm` default).

    python docs/measure/swarm_measure.py mutants SEEDS BUDGET      # every mutant, `simharness mutants --strategy random`
    python docs/measure/swarm_measure.py release VERSION SEEDS BUDGET   # a real release, every shipped scenario

Mutants: `explore.killmatrix.kill` (exactly what `simharness mutants --strategy random --seed S --budget B --swarm on|off`
does per cell: the mutant's own scenario first, then the others by name; runs counted across scenarios).
The variants in the tables (swarm-to-rest, half the runs all-on, p(off) = 1/4) were selected by temporary
environment switches in simharness/faults/swarm.py (SIMHARNESS_SWARM_FREED / _ALL / _OFF), removed once measured: the
code keeps the "share" variant only, so today this script measures "off" vs "swarm" (TAG names the output).

Releases: per shipped scenario, the index (1-based) of the first violating run of `simharness run` (random strategy,
the run seeds `simharness run --seed S` uses), or None within BUDGET runs.
"""

import json
import os
import sys
import time
from pathlib import Path

from simharness.engine.runner import run_seed, seeds_for
from simharness.model.scenario import collect_scenarios

mode = sys.argv[1]
out = {}
if mode == "mutants":
    from simharness.drivers.mutants import MUTANTS
    from simharness.explore.killmatrix import kill

    seeds, budget = int(sys.argv[2]), int(sys.argv[3])
    modes = [m == "on" for m in (sys.argv[4].split(",") if len(sys.argv) > 4 else ["off", "on"])]
    skip = set(filter(None, os.environ.get("SKIP", "").split(",")))  # mutants no random run kills (yet)
    for swarm in modes:
        only = os.environ.get("ONLY")  # one scenario file: how a single general scenario fares
        scenarios = collect_scenarios([only or "scenarios"], swarm=swarm)
        for m in [m for m in MUTANTS if m not in skip]:
            for s in range(seeds):
                t0 = time.perf_counter()
                cell = kill(m, "random", scenarios, seed=s, budget=budget)
                out.setdefault(m, {}).setdefault("on" if swarm else "off", []).append(
                    {
                        "seed": s,
                        "runs": cell.runs,
                        "killed": cell.killed,
                        "scenario": cell.scenario,
                        "s": round(time.perf_counter() - t0, 2),
                    }
                )
                print(m, swarm, s, cell.runs, cell.killed, cell.scenario, file=sys.stderr, flush=True)
    Path(f"swarm-mutants{os.environ.get('TAG', '')}-{seeds}x{budget}.json").write_text(json.dumps(out, indent=1))
else:
    from simharness.targets import resolve_target

    version, seeds, budget = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    modes = [m == "on" for m in (sys.argv[5].split(",") if len(sys.argv) > 5 else ["off", "on"])]
    target = resolve_target(f"openclaw@{version}")
    try:
        for swarm in modes:
            for sc in collect_scenarios(["scenarios"], swarm=swarm):
                for s in range(seeds):
                    first = None
                    for i, rs in enumerate(seeds_for(sc, s, budget)):
                        if not run_seed(sc, target, rs).ok:
                            first = i + 1
                            break
                    out.setdefault(sc.name, {}).setdefault("on" if swarm else "off", []).append(first)
                    print(version, sc.name, swarm, s, first, file=sys.stderr, flush=True)
    finally:
        target.close()
    Path(f"swarm-{version}{os.environ.get('TAG', '')}-{seeds}x{budget}.json").write_text(json.dumps(out, indent=1))
