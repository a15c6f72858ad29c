"""Real targets in the benchmark: the Node bridge against the reference target on the same seeded schedules.

`node_row` is the `simharness bench` section (it never installs anything: a release that is not installed is
a reason, not a number); `measure_throughput` is the same comparison for one spec and scenario, callable on
its own. Bridge start-up (importing a release's chunks) is timed apart from the runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from simharness.bench.budget import GOAL_SCENARIO, NODE_SPEC, Budget, not_measured
from simharness.engine.runner import run_seed, seeds_for
from simharness.model.choice import derive_seed
from simharness.model.kinds import EventKind
from simharness.model.scenario import Scenario, load_scenario
from simharness.model.target import Target
from simharness.targets import resolve_target
from simharness.targets.install import installed


def node_row(scenarios: Sequence[Scenario], budget: Budget, reference: Target) -> dict[str, Any]:
    """Node bridge vs reference on the same seeded schedules; never installs anything."""
    version = NODE_SPEC.split("@", 1)[1]
    try:
        if installed(version) is None:
            return not_measured(f"{NODE_SPEC} is not installed (run: simharness target install {NODE_SPEC})")
        scenario = next((s for s in scenarios if s.name == GOAL_SCENARIO), scenarios[0])
        seeds = [derive_seed(0, scenario.name, i) for i in range(budget.node_runs)]
        target = resolve_target(NODE_SPEC)
    except Exception as exc:  # noqa: BLE001 — a broken install is a reason, not a crash of the benchmark
        return not_measured(f"{NODE_SPEC} could not be started: {type(exc).__name__}: {exc}")
    try:
        rows = {}
        same = 0
        for label, t in (("reference", reference), ("node", target)):
            for seed in seeds[:10]:  # warm up (V8's JIT, the bridge's first imports) outside the timing
                run_seed(scenario, t, seed)
            started = time.perf_counter()
            for seed in seeds:
                run_seed(scenario, t, seed)
            rows[label] = len(seeds) / (time.perf_counter() - started)
        for seed in seeds[: min(len(seeds), 50)]:  # how often the two traces agree (differential mode's question)
            same += run_seed(scenario, reference, seed).trace_sha256 == run_seed(scenario, target, seed).trace_sha256
    except Exception as exc:  # noqa: BLE001
        return not_measured(f"{NODE_SPEC} failed during the benchmark: {type(exc).__name__}: {exc}")
    finally:
        target.close()
    return {
        "measured": True,
        "target": NODE_SPEC,
        "scenario": scenario.name,
        "runs": len(seeds),
        "reference_runs_per_s": rows["reference"],
        "node_runs_per_s": rows["node"],
        "slowdown": rows["reference"] / rows["node"] if rows["node"] else None,
        "identical_traces": f"{same}/{min(len(seeds), 50)}",
    }


def measure_throughput(spec: str, scenario_path: str, runs: int = 200, *, seed: int = 0) -> dict[str, Any]:
    """Runs per second of `spec` and of the reference target on the same scenario and seeds, in this process.

    For example: `measure_throughput("openclaw@2026.5.20", "scenarios/takeover-race.toml")`.
    Bridge start-up (importing the release's chunks) is timed separately from the runs.
    """
    scenario = load_scenario(scenario_path)
    seeds = list(seeds_for(scenario, seed, runs))
    out: dict[str, Any] = {"scenario": scenario.name, "runs": runs}
    for label, name in (("reference", "reference"), ("target", spec)):
        began = time.perf_counter()  # outside every run: timing only
        target = resolve_target(name)
        started = time.perf_counter() - began
        calls = 0
        try:
            began = time.perf_counter()
            for s in seeds:
                calls += sum(1 for e in run_seed(scenario, target, s).trace.events if e.kind == EventKind.CALL_START)
            seconds = time.perf_counter() - began
        finally:
            target.close()
        out[label] = {
            "spec": name,
            "startup_seconds": round(started, 3),
            "seconds": round(seconds, 3),
            "runs_per_second": round(runs / seconds, 1),
            "driver_calls_per_second": round(calls / seconds, 1),
        }
    return out
