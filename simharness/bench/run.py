"""`run_bench`: every section of the benchmark measured in one invocation, for one target, into one document
(with the environment it ran in and the goals it met). `simharness bench` calls it; `render` writes it.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import simpy

from simharness.bench.budget import (
    GOAL_FLOOR_SHARE,
    GOAL_OVERHEAD,
    GOAL_RACE_SHARE,
    GOAL_RSS_GROWTH_MB,
    GOAL_RUNS_PER_S,
    GOAL_SCENARIO,
    Budget,
    Log,
)
from simharness.bench.floor import floor_rows
from simharness.bench.jobs import scaling
from simharness.bench.node import node_row
from simharness.bench.processes import memory, xdist
from simharness.bench.throughput import growth, measure_scenario, race_row
from simharness.bench.time_to_kill import kills
from simharness.model.scenario import collect_scenarios
from simharness.model.version import VERSION
from simharness.targets import resolve_target


def run_bench(
    scenario_dir: Path, target_spec: str, budget: Budget, *, quick: bool, log: Log = lambda _: None, jobs: int = 2
) -> dict[str, Any]:
    """Measure every section for `target_spec` on the scenarios in `scenario_dir`: the benchmark document."""
    scenarios = collect_scenarios([scenario_dir])
    target = resolve_target(target_spec)
    reference = target if target_spec == "reference" else resolve_target("reference")
    started = time.perf_counter()
    doc: dict[str, Any] = {
        "tool": "simharness",
        "kind": "bench",
        "version": VERSION,
        "quick": quick,
        "target": target_spec,
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "simpy": getattr(simpy, "__version__", "?"),
            "machine": platform.machine(),
            "system": platform.system(),
            "cpus": os.cpu_count(),
            "load_average_at_start": _load(),
            "processor": platform.processor() or None,
        },
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        rows = []
        for scenario in scenarios:
            log(f"throughput: {scenario.name}")
            rows.append(measure_scenario(scenario, target, budget))
        doc["scenarios"] = rows
        goal = next((s for s in scenarios if s.name == GOAL_SCENARIO), scenarios[0])
        log("reference vs the hand-written simpy race")
        doc["race"] = race_row(goal, reference, budget)
        log("node bridge")
        doc["node"] = node_row(scenarios, budget, reference)
        log("node bridge vs the pure-Node floor")
        doc["floor"] = floor_rows(scenarios, budget)
        log("kills")
        doc["kills"] = kills(scenarios, budget, log)
        log("xdist")
        # --quick: one scenario (pytest and worker start-up dominate anyway); full: every shipped scenario
        doc["xdist"] = xdist([Path(s.path) for s in ([goal] if quick else scenarios)], budget, target_spec)
        log("memory")
        doc["memory"] = memory(goal, budget, target_spec)
        log("growth")
        doc["growth"] = growth(target, budget, log)
        doc["jobs"] = scaling(scenario_dir, jobs, quick=quick, log=log)  # -j 1 vs -j N (bench/jobs.py)
    finally:
        target.close()
        if reference is not target:
            reference.close()
    doc["seconds"] = time.perf_counter() - started
    doc["environment"]["load_average_at_end"] = _load()
    doc["goals"] = goals(doc)
    return doc


def _load() -> list[float] | None:
    """1/5/15-minute load averages: other processes competing for the cores while the benchmark ran."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def goals(doc: dict[str, Any]) -> list[dict[str, Any]]:
    row = next((r for r in doc["scenarios"] if r["scenario"] == GOAL_SCENARIO), None)
    out = []
    if row is not None:
        out.append(
            {
                "goal": f"{GOAL_SCENARIO}: runs/s on one core",
                "wanted": f">= {GOAL_RUNS_PER_S:,.0f}",
                "measured": f"{row['runs_per_s']:,.0f} (5 boxes: median {row['median_runs_per_s']:,.0f}, best {row['best_runs_per_s']:,.0f})",
                "met": row["runs_per_s"] >= GOAL_RUNS_PER_S,
            }
        )
        out.append(
            {
                "goal": f"{GOAL_SCENARIO}: overhead vs bare simpy events/s",
                "wanted": f"<= {GOAL_OVERHEAD:g}x",
                "measured": f"{row['overhead']:.1f}x",
                "met": row["overhead"] is not None and row["overhead"] <= GOAL_OVERHEAD,
            }
        )
    race = doc.get("race", {})
    if race.get("measured"):
        out.append(
            {
                "goal": f"{race['scenario']}: reference runs/s vs the hand-written simpy race",
                "wanted": f">= {GOAL_RACE_SHARE:.2f}",
                "measured": f"{race['share']:.2f} ({race['reference_runs_per_s']:,.0f} vs {race['race_runs_per_s']:,.0f})",
                "met": race["share"] >= GOAL_RACE_SHARE,
            }
        )
    for f in doc.get("floor", {}).get("rows", []):
        if f.get("measured"):
            out.append(
                {
                    "goal": f"{f['target']}: bridge calls/s vs the pure-Node floor",
                    "wanted": f">= {GOAL_FLOOR_SHARE:.2f}",
                    "measured": f"{f['bridge_vs_floor']:.2f} ({f['bridge_calls_per_s']:,.0f} vs {f['floor_calls_per_s']:,.0f}/s; "
                    f"with the world: {f['harness_vs_floor']:.2f})",
                    "met": f["bridge_vs_floor"] >= GOAL_FLOOR_SHARE,
                }
            )
    mem = doc.get("memory", {})
    if mem.get("measured"):
        a, b = mem["rows"]
        out.append(
            {
                "goal": f"peak RSS flat from {a['runs']:,} to {b['runs']:,} runs",
                "wanted": f"growth <= {GOAL_RSS_GROWTH_MB:g} MB (or 5 %)",
                "measured": f"{a['peak_rss_mb']:.1f} -> {b['peak_rss_mb']:.1f} MB",
                "met": bool(mem["flat"]),
            }
        )
    return out
