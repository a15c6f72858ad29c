"""The benchmark suite behind `simharness bench`: throughput, overhead, scaling and memory, with baselines.

Every figure is measured in the same invocation as the baseline it is compared with, on the same machine:

- **floor**: bare simpy running a minimal process model of the same size as a scenario's runs (as many
  processes, and exactly as many simpy events per run: each process does its share of plain timeouts);
- **target**: runs/s of `--target` (default the reference model) on each shipped scenario through the full run
  path (world, driver, invariants), the simpy events/s that implies, the overhead ratio against the floor,
  and how much virtual time a wall second simulates;
- **node**: the Node bridge against the reference on the same seeded schedules, when a release is installed;
- **kills**: per strategy, runs and wall seconds to the first kill of every mutant (median over seeds);
- **xdist**: wall time of one fixed budget through the pytest plugin at `-n 0` and `-n 2`;
- **memory**: peak RSS of a fresh process after N and 10·N runs (passing runs must not be retained);
- **growth**: runs/s against concurrent sessions and chain length, as a table and an SVG plot.

Nothing here is asserted: numbers go to `bench.json`, `bench.md` and `bench.svg`; tests only check that the
command runs and writes well-formed output. Wall-clock reads happen between runs, never inside one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simpy

from simharness.engine.runner import RunResult, run_seed
from simharness.engine.world import World
from simharness.model.choice import RandomChoices, derive_seed
from simharness.model.exceptions import LivenessError
from simharness.model.io import write_atomic
from simharness.model.scenario import Scenario, collect_scenarios, parse_scenario
from simharness.model.target import Target
from simharness.model.version import VERSION as __version__
from simharness.targets import resolve_target

Log = Callable[[str], None]

#: The scenario the speed goals are stated for (the PR's race), and the goals themselves.
GOAL_SCENARIO = "takeover-race"
GOAL_RUNS_PER_S = 5_000.0
GOAL_OVERHEAD = 3.0
GOAL_RSS_GROWTH_MB = 2.0  # "flat": 10x the runs may cost at most this much more peak RSS (or 5 %)
NODE_SPEC = "openclaw@2026.5.20"
GROWTH_SESSIONS = (2, 8, 32, 128)
GROWTH_CHAINS = (1, 3, 10)


@dataclass(frozen=True, slots=True)
class Budget:
    """How long each measurement runs. `FULL` is what the README quotes; `QUICK` checks the machinery."""

    seconds: float  # time box of one throughput measurement
    min_runs: int  # ... but at least this many runs
    stats_runs: int  # runs replayed untimed to count simpy events, trace events and virtual time
    memory_runs: int  # memory: N and 10·N runs
    xdist_budget: int  # runs per scenario item for the pytest-xdist timing
    kill_seeds: int  # seeds per (mutant, strategy); the median is reported
    kill_budget: int  # runs per scenario a strategy gets to kill a mutant
    node_runs: int
    growth_seconds: float


FULL = Budget(seconds=2.0, min_runs=200, stats_runs=1000, memory_runs=10_000, xdist_budget=1000, kill_seeds=3, kill_budget=200, node_runs=500, growth_seconds=0.8)  # fmt: skip
QUICK = Budget(seconds=0.1, min_runs=10, stats_runs=50, memory_runs=300, xdist_budget=5, kill_seeds=1, kill_budget=20, node_runs=10, growth_seconds=0.02)  # fmt: skip


def not_measured(reason: str) -> dict[str, Any]:
    return {"measured": False, "reason": reason}


# --- throughput ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shape:
    """What one run of a scenario costs in the simulation: averages over `runs` seeded runs."""

    runs: int
    processes: int  # simpy processes a run spawns (sessions and other writers)
    sim_events: float  # simpy events processed per run (env steps)
    trace_events: float  # trace events recorded per run
    virtual_ms: float  # virtual time at the end of a run


def shape_of(scenario: Scenario, target: Target, seeds: Sequence[int]) -> Shape:
    steps = events = virtual = 0
    for seed in seeds:
        world = World(scenario, target, RandomChoices(seed))
        try:
            world.run()
        except (LivenessError, RecursionError):
            pass
        steps += world.env.steps
        events += len(world.trace)
        virtual += world.env.now
    n = max(len(seeds), 1)
    processes = scenario.sessions + sum(w.count for w in scenario.writers)
    return Shape(len(seeds), processes, steps / n, events / n, virtual / n)


def timed_runs(scenario: Scenario, target: Target, seconds: float, min_runs: int) -> tuple[int, float, float]:
    """(runs, wall seconds, CPU seconds): seeded runs through the full path (world, driver, invariants).

    Rates are per CPU second of this process (per core): on a shared machine, wall-clock rates measure the
    neighbours as much as the code. The time box itself is wall time.
    """
    n = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while True:
        run_seed(scenario, target, derive_seed(0, scenario.name, n))
        n += 1
        wall = time.perf_counter() - started
        if n >= min_runs and wall >= seconds:
            return n, wall, max(time.process_time() - cpu_started, 1e-9)


def sliced_rates(scenario: Scenario, target: Target, seconds: float, min_runs: int, slices: int = 5) -> list[float]:
    """Runs per CPU second in `slices` consecutive time boxes (continuing the seed sequence): their spread
    shows how much the neighbours disturbed the measurement."""
    rates = []
    n = 0
    for _ in range(slices):
        started, cpu_started = time.perf_counter(), time.process_time()
        k = 0
        while k < max(min_runs // slices, 1) or time.perf_counter() - started < seconds / slices:
            run_seed(scenario, target, derive_seed(0, scenario.name, n))
            n += 1
            k += 1
        rates.append(k / max(time.process_time() - cpu_started, 1e-9))
    return rates


def _bare_process(env: simpy.Environment, timeouts: int, delay: int) -> Generator[simpy.Event, Any, None]:
    for _ in range(timeouts):
        yield env.timeout(delay)


def floor_model(shape: Shape) -> tuple[int, list[int]]:
    """(events per run, timeouts per process) of a bare simpy model as big as `shape`.

    Each process costs two simpy events besides its timeouts (its start and its end), so the timeouts are
    what is left of the measured events, spread over the processes.
    """
    processes = max(shape.processes, 1)
    total = max(round(shape.sim_events), 2 * processes)
    timeouts = total - 2 * processes
    per = [timeouts // processes + (1 if i < timeouts % processes else 0) for i in range(processes)]
    return total, per


def bare_simpy(shape: Shape, seconds: float, min_runs: int) -> dict[str, Any]:
    """The floor: plain simpy running `shape`'s number of processes and events per run, nothing else."""
    events, per = floor_model(shape)
    n = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while True:
        env = simpy.Environment()
        for i, timeouts in enumerate(per):
            env.process(_bare_process(env, timeouts, 100 + i))
        env.run()
        n += 1
        wall = time.perf_counter() - started
        if n >= min_runs and wall >= seconds:
            break
    cpu = max(time.process_time() - cpu_started, 1e-9)
    return {
        "model": f"{len(per)} processes, {sum(per)} timeouts, {events} events per run",
        "runs_per_s": n / cpu,
        "events_per_s": n * events / cpu,
        "wall_events_per_s": n * events / wall,
    }


def measure_scenario(scenario: Scenario, target: Target, budget: Budget) -> dict[str, Any]:
    runs, wall, cpu = timed_runs(scenario, target, budget.seconds, budget.min_runs)
    slices = sliced_rates(scenario, target, budget.seconds, budget.min_runs)
    shape = shape_of(scenario, target, [derive_seed(0, scenario.name, i) for i in range(min(runs, budget.stats_runs))])
    floor = bare_simpy(shape, budget.seconds / 2, budget.min_runs)
    rate = runs / cpu
    sim_rate = rate * shape.sim_events
    return {
        "scenario": scenario.name,
        "runs": runs,
        "seconds": wall,
        "cpu_seconds": cpu,
        "runs_per_s": rate,
        "wall_runs_per_s": runs / wall,
        "slice_runs_per_s": slices,  # a second measurement in five time boxes: median and best are reported
        "median_runs_per_s": statistics.median(slices),
        "best_runs_per_s": max(slices),
        "sim_events_per_run": shape.sim_events,
        "sim_events_per_s": sim_rate,
        "trace_events_per_run": shape.trace_events,
        "virtual_ms_per_run": shape.virtual_ms,
        "virtual_to_wall": runs / wall * shape.virtual_ms / 1000.0,  # virtual seconds per wall second
        "processes": shape.processes,
        "floor": floor,
        "overhead": floor["events_per_s"] / sim_rate if sim_rate else None,
    }


# --- the Node bridge ---------------------------------------------------------------------------------------


def node_row(scenarios: Sequence[Scenario], budget: Budget, reference: Target) -> dict[str, Any]:
    """Node bridge vs reference on the same seeded schedules; never installs anything."""
    from simharness.targets import install as _install

    version = NODE_SPEC.split("@", 1)[1]
    try:
        if _install.installed(version) is None:
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


# --- strategies x mutants ------------------------------------------------------------------------------


def kills(scenarios: Sequence[Scenario], budget: Budget, log: Log) -> dict[str, Any]:
    """Runs and wall seconds until each strategy first kills each mutant (median over seeds)."""
    try:
        from simharness.drivers.mutants import MUTANTS
    except ImportError as exc:
        return not_measured(f"no mutants in this build ({exc})")
    strategies: tuple[str, ...] = ("random",)  # the seeded random walk exists even without the strategies module
    resolve: Callable[[str], Any] | None = None
    try:
        from simharness.explore import STRATEGIES, resolve_strategy

        strategies, resolve = tuple(STRATEGIES), resolve_strategy
    except ImportError:
        pass
    rows = []
    for strategy in strategies:
        log(f"kills: strategy {strategy}")
        for name, mutant in MUTANTS.items():
            target = resolve_target(f"mutant:{name}")
            order = sorted(scenarios, key=lambda s: (s.name != getattr(mutant, "scenario", None), s.name))
            tries: list[tuple[bool, int, float]] = []
            try:
                for k in range(budget.kill_seeds):
                    tries.append(_first_kill(strategy, resolve, order, target, seed=k, budget=budget.kill_budget))
            except Exception as exc:  # noqa: BLE001 — a strategy still being written must not sink the benchmark
                rows.append({"strategy": strategy, "mutant": name, **not_measured(f"{type(exc).__name__}: {exc}")})
                continue
            finally:
                target.close()
            killed = [t for t in tries if t[0]]
            rows.append(
                {
                    "strategy": strategy,
                    "mutant": name,
                    "measured": True,
                    "seeds": len(tries),
                    "killed": len(killed),
                    "runs_to_kill": statistics.median(t[1] for t in killed) if killed else None,
                    "seconds_to_kill": statistics.median(t[2] for t in killed) if killed else None,
                }
            )
    return {"measured": True, "strategies": list(strategies), "budget": budget.kill_budget, "seeds": budget.kill_seeds, "rows": rows}


def _first_kill(
    strategy: str, resolve: Callable[[str], Any] | None, order: Sequence[Scenario], target: Target, *, seed: int, budget: int
) -> tuple[bool, int, float]:
    runs = 0
    found = False

    def visit(result: RunResult) -> bool:
        nonlocal runs, found
        runs += 1
        found = bool(result.verdicts.violations)
        return found

    started = time.perf_counter()
    for scenario in order:
        if resolve is None:
            for i in range(budget):
                if visit(run_seed(scenario, target, derive_seed(seed, scenario.name, i))):
                    break
        else:
            resolve(strategy).explore(scenario, target, seed=seed, budget=budget, shard=(1, 1), visit=visit)
        if found:
            break
    return found, runs, time.perf_counter() - started


# --- xdist and memory: fresh processes ----------------------------------------------------------------------


def xdist(paths: Sequence[Path], budget: Budget, target_spec: str) -> dict[str, Any]:
    """Wall time of one fixed budget through the pytest plugin, in-process (-n 0) and on two workers (-n 2)."""
    if importlib.util.find_spec("xdist") is None:
        return not_measured("pytest-xdist is not installed")
    split = 2
    rows = {}
    with tempfile.TemporaryDirectory(prefix="simharness-bench-") as tmp:
        ini = Path(tmp) / "pytest.ini"  # an empty config: no project conftest, addopts or testpaths interfere
        ini.write_text("[pytest]\n", encoding="utf-8")
        for workers in (0, 2):
            cmd = [
                sys.executable, "-m", "pytest", "-q", "-c", str(ini), "-p", "no:cacheprovider", "-n", str(workers),
                *[str(p.resolve()) for p in paths],
                f"--sim-budget={budget.xdist_budget}", "--sim-seed=0", f"--sim-split={split}", f"--sim-target={target_spec}",
                f"--sim-report-dir={Path(tmp) / f'n{workers}'}",
            ]  # fmt: skip
            started = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
            if proc.returncode not in (0, 1):  # 1: some invariant failed, which is a verdict, not a broken run
                last = (proc.stdout.strip().splitlines() or proc.stderr.strip().splitlines() or ["?"])[-1]
                return not_measured(f"pytest -n {workers} exited {proc.returncode}: {last}")
            rows[workers] = wall
    return {
        "measured": True,
        "items": f"{len(paths)} scenario file(s) x {split} splits",
        "runs": len(paths) * budget.xdist_budget,
        "n0_seconds": rows[0],
        "n2_seconds": rows[2],
        "speedup": rows[0] / rows[2] if rows[2] else None,
    }


_MEMORY_SCRIPT = """
import gc, json, resource, sys, time
from simharness.explore.suite import run_suite
from simharness.model.scenario import load_scenario
from simharness.targets import resolve_target

def status_kb(key):  # Linux: VmHWM is this process image's own peak, VmRSS the resident set now
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith(key + ":"))
    except (OSError, StopIteration, ValueError):
        return None

def peak_kb():  # ru_maxrss survives exec on Linux (it would report the parent's size): prefer VmHWM
    hwm = status_kb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == "darwin" else 1)

scenario, target = load_scenario(sys.argv[1]), resolve_target(sys.argv[2])
before = peak_kb()
started = time.perf_counter()
suite = run_suite([scenario], target, seed=0, budget=int(sys.argv[3]))
seconds = time.perf_counter() - started
peak = peak_kb()
gc.collect()
print(json.dumps({"runs": suite.runs, "failed": sum(s.failed_runs for s in suite.scenarios), "seconds": seconds,
                  "rss_before_kb": before, "peak_rss_kb": peak, "rss_end_kb": status_kb("VmRSS"), "objects": len(gc.get_objects())}))
"""


def memory(scenario: Scenario, budget: Budget, target_spec: str) -> dict[str, Any]:
    """Peak RSS of a fresh process after N and 10·N runs of `run_suite` (the path `simharness run` takes)."""
    if sys.platform == "win32":
        return not_measured("peak RSS is read with resource.getrusage, which Windows lacks")
    rows = []
    for runs in (budget.memory_runs, budget.memory_runs * 10):
        cmd = [sys.executable, "-c", _MEMORY_SCRIPT, str(Path(scenario.path).resolve()), target_spec, str(runs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return not_measured(f"the memory probe failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
        doc = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(
            {
                "runs": doc["runs"],
                "seconds": doc["seconds"],
                "peak_rss_mb": doc["peak_rss_kb"] / 1024,
                "rss_after_import_mb": doc["rss_before_kb"] / 1024,
                "rss_end_mb": doc["rss_end_kb"] / 1024 if doc["rss_end_kb"] is not None else None,
                "live_objects": doc["objects"],
            }
        )
    growth = rows[1]["peak_rss_mb"] - rows[0]["peak_rss_mb"]
    ends = [r["rss_end_mb"] for r in rows]
    end_growth = ends[1] - ends[0] if None not in ends else None
    worst = max(growth, end_growth or 0.0)
    flat = worst <= max(GOAL_RSS_GROWTH_MB, 0.05 * rows[0]["peak_rss_mb"])
    return {"measured": True, "scenario": scenario.name, "rows": rows, "growth_mb": growth, "end_growth_mb": end_growth, "flat": flat}


# --- cost growth ----------------------------------------------------------------------------------------------


def growth_scenario(sessions: int, chain: int) -> Scenario:
    """The takeover race scaled: `sessions` sessions, two per session file, and a chain of `chain` candidates.

    Providers fail often (30 % rate limit, 20 % overload) so that long chains are actually walked.
    """
    doc = {
        "name": f"growth-s{sessions}-c{chain}",
        "world": {
            "sessions": sessions,
            "files": max(1, sessions // 2),
            "chain": [f"p{i}/m{i}" for i in range(chain)],
            "session_start_ms": [0, 100, 350, 900],
        },
        "providers": {"*": {"latency_ms": [300, 800, 2500], "faults": {"rate_limit": 0.3, "overloaded": 0.2}}},
    }
    return parse_scenario(doc, f"<bench:{doc['name']}>")


def growth(target: Target, budget: Budget, log: Log) -> dict[str, Any]:
    cells = []
    for chain in GROWTH_CHAINS:
        for sessions in GROWTH_SESSIONS:
            scenario = growth_scenario(sessions, chain)
            runs, _, cpu = timed_runs(scenario, target, budget.growth_seconds, 3)
            shape = shape_of(scenario, target, [derive_seed(0, scenario.name, i) for i in range(min(runs, 20))])
            rate = runs / cpu
            cells.append(
                {
                    "sessions": sessions,
                    "chain": chain,
                    "runs": runs,
                    "runs_per_s": rate,
                    "sim_events_per_run": shape.sim_events,
                    "sim_events_per_s": rate * shape.sim_events,
                    "us_per_session": 1e6 / (rate * sessions),
                }
            )
        log(f"growth: chain {chain} done")
    return {"measured": True, "sessions": list(GROWTH_SESSIONS), "chains": list(GROWTH_CHAINS), "cells": cells}


# --- the whole suite ----------------------------------------------------------------------------------------


def run_bench(scenario_dir: Path, target_spec: str, budget: Budget, *, quick: bool, log: Log = lambda _: None) -> dict[str, Any]:
    scenarios = collect_scenarios([scenario_dir])
    target = resolve_target(target_spec)
    reference = target if target_spec == "reference" else resolve_target("reference")
    started = time.perf_counter()
    doc: dict[str, Any] = {
        "tool": "simharness",
        "kind": "bench",
        "version": __version__,
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
        log("node bridge")
        doc["node"] = node_row(scenarios, budget, reference)
        log("kills")
        doc["kills"] = kills(scenarios, budget, log)
        log("xdist")
        goal = next((s for s in scenarios if s.name == GOAL_SCENARIO), scenarios[0])
        # --quick: one scenario (pytest and worker start-up dominate anyway); full: every shipped scenario
        doc["xdist"] = xdist([Path(s.path) for s in ([goal] if quick else scenarios)], budget, target_spec)
        log("memory")
        doc["memory"] = memory(goal, budget, target_spec)
        log("growth")
        doc["growth"] = growth(target, budget, log)
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


# --- output -----------------------------------------------------------------------------------------------


def _f(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def tables(doc: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]], list[str]]]:
    """(title, header, rows, notes) for each section: the same content for the terminal and bench.md."""
    out: list[tuple[str, list[str], list[list[str]], list[str]]] = []
    out.append(
        (
            f"Throughput: target {doc['target']} vs bare simpy (rates per CPU second of one process: per core)",
            [
                "scenario",
                "runs/s",
                "5 boxes: median / best",
                "wall runs/s",
                "simpy events/run",
                "simpy events/s",
                "floor events/s",
                "overhead",
                "trace events/run",
                "virtual s/wall s",
            ],
            [
                [
                    r["scenario"],
                    _f(r["runs_per_s"]),
                    f"{_f(r['median_runs_per_s'])} / {_f(r['best_runs_per_s'])}",
                    _f(r["wall_runs_per_s"]),
                    _f(r["sim_events_per_run"], 1),
                    _f(r["sim_events_per_s"]),
                    _f(r["floor"]["events_per_s"]),
                    f"{r['overhead']:.1f}x" if r["overhead"] else "–",
                    _f(r["trace_events_per_run"], 1),
                    _f(r["virtual_to_wall"]),
                ]
                for r in doc["scenarios"]
            ],
            [
                (
                    "floor: bare simpy running, per run, as many processes and exactly as many simpy events as the scenario "
                    "(plain timeouts); overhead = floor events/s ÷ target simpy events/s."
                ),
                (
                    "runs/s and events/s are per CPU second of the measuring process (per core); wall runs/s also "
                    "counts time lost to other processes on a shared machine (see the load average above)."
                ),
                "virtual s/wall s: seconds of simulated time per wall-clock second.",
            ],
        )
    )
    node = doc["node"]
    if node.get("measured"):
        out.append(
            (
                f"Node bridge: {node['target']} vs reference on the same {node['runs']} schedules of {node['scenario']}",
                ["target", "wall runs/s", "slowdown", "identical traces"],
                [
                    ["reference", _f(node["reference_runs_per_s"]), "1.0x", ""],
                    [node["target"], _f(node["node_runs_per_s"]), f"{node['slowdown']:.1f}x", node["identical_traces"]],
                ],
                [
                    (
                        "Wall time for both (the Node process's CPU time is not this process's); identical traces: the "
                        "same schedule gave byte-identical traces on both targets (first 50 schedules)."
                    )
                ],
            )
        )
    else:
        out.append(("Node bridge", ["result"], [[f"not measured: {node['reason']}"]], []))
    k = doc["kills"]
    if k.get("measured"):
        by_mutant: dict[str, dict[str, dict[str, Any]]] = {}
        for r in k["rows"]:
            by_mutant.setdefault(r["mutant"], {})[r["strategy"]] = r

        def cell(r: dict[str, Any] | None) -> str:
            if r is None:
                return "–"
            if not r.get("measured"):
                return f"not measured: {r['reason']}"
            if not r["killed"]:
                return f"survived {r['seeds']} seeds"
            return f"{_runs(r['runs_to_kill'])}, {_duration(r['seconds_to_kill'])}" + (
                f" ({r['killed']}/{r['seeds']} seeds)" if r["killed"] < r["seeds"] else ""
            )

        out.append(
            (
                f"Runs and wall seconds to first kill (median over {k['seeds']} seeds, budget {k['budget']} runs per scenario)",
                ["mutant", *k["strategies"]],
                [[m, *[cell(by.get(s)) for s in k["strategies"]]] for m, by in by_mutant.items()],
                ["Scenarios are tried with the mutant's own scenario first, then the others by name; runs count across them."],
            )
        )
    else:
        out.append(("Runs to first kill", ["result"], [[f"not measured: {k['reason']}"]], []))
    x = doc["xdist"]
    if x.get("measured"):
        out.append(
            (
                f"pytest-xdist: {x['runs']:,} runs ({x['items']}) through the pytest plugin",
                ["workers", "wall s", "speed-up"],
                [["-n 0", _f(x["n0_seconds"], 2), "1.0x"], ["-n 2", _f(x["n2_seconds"], 2), f"{x['speedup']:.2f}x"]],
                ["Wall time includes pytest start-up and, at -n 2, starting the workers."],
            )
        )
    else:
        out.append(("pytest-xdist", ["result"], [[f"not measured: {x['reason']}"]], []))
    m = doc["memory"]
    if m.get("measured"):
        out.append(
            (
                f"Memory: peak RSS of a fresh process running {m['scenario']} through run_suite",
                ["runs", "wall s", "peak RSS after imports MB", "peak RSS MB", "RSS at end MB", "live objects at end"],
                [
                    [
                        _f(r["runs"]),
                        _f(r["seconds"], 1),
                        _f(r["rss_after_import_mb"], 1),
                        _f(r["peak_rss_mb"], 1),
                        _f(r.get("rss_end_mb"), 1),
                        _f(r.get("live_objects")),
                    ]
                    for r in m["rows"]
                ],
                [
                    f"growth: peak {m['growth_mb']:+.1f} MB, at end "
                    + (f"{m['end_growth_mb']:+.1f} MB" if m.get("end_growth_mb") is not None else "unknown")
                    + (": flat" if m["flat"] else ": GROWS with the run count"),
                    "Passing runs are dropped once judged; a retained trace per run would show as live objects growing 10x.",
                ],
            )
        )
    else:
        out.append(("Memory", ["result"], [[f"not measured: {m['reason']}"]], []))
    g = doc["growth"]
    out.append(
        (
            "Cost growth: runs/s by concurrent sessions (columns) and chain length (rows)",
            ["chain \\ sessions", *[str(s) for s in g["sessions"]]],
            [
                [
                    str(c),
                    *[f"{_f(x['runs_per_s'])} ({_f(x['sim_events_per_run'])} ev)" for x in g["cells"] if x["chain"] == c],
                ]
                for c in g["chains"]
            ],
            [
                (
                    "The takeover race scaled: two sessions per session file, providers fail 50 % of the time (rate limit, "
                    "overload) so long chains are walked; (N ev) = simpy events per run."
                )
            ],
        )
    )
    out.append(
        (
            "Goals",
            ["goal", "wanted", "measured", "met"],
            [[x["goal"], x["wanted"], x["measured"], "yes" if x["met"] else "NO"] for x in doc["goals"]],
            [],
        )
    )
    return out


def _runs(n: float) -> str:
    return f"{n:g} run" if n == 1 else f"{n:,g} runs"


def _duration(seconds: float) -> str:
    if seconds < 0.001:
        return "<1 ms"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def bench_md(doc: dict[str, Any]) -> str:
    env = doc["environment"]
    lines = [
        "# simharness benchmark",
        "",
        f"simharness {doc['version']} · Python {env['python']} ({env['implementation']}) · simpy {env['simpy']} · "
        f"{env['system']} {env['machine']}, {env['cpus']} CPUs, load average {_loads(env)} · {doc['date']} · "
        + ("**--quick** (machinery check: figures are not meaningful)" if doc["quick"] else "full budget")
        + f" · {doc['seconds']:.0f} s",
        "",
        (
            "Every figure was measured in this one invocation, next to its baseline. Regenerate with "
            "`simharness bench` (`--quick` for a fast smoke run)."
        ),
    ]
    for title, header, rows, notes in tables(doc):
        lines += ["", f"## {title}", ""]
        lines.append("| " + " | ".join(_md(h) for h in header) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
        if notes:
            lines.append("")
            lines += notes
        if title.startswith("Cost growth"):
            lines += ["", "![runs/s and simpy events/s against concurrent sessions, per chain length](bench.svg)"]
    return "\n".join(lines) + "\n"


def _loads(env: dict[str, Any]) -> str:
    a, b = env.get("load_average_at_start"), env.get("load_average_at_end")
    return f"{a[0]:g} at start, {b[0]:g} at end" if a and b else "unknown"


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# --- the SVG plot ---------------------------------------------------------------------------------------------


def bench_svg(doc: dict[str, Any]) -> str:
    """Two log-log panels: runs/s and simpy events/s against sessions, one line per chain length."""
    import math
    from html import escape

    g = doc["growth"]
    colors = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
    width, height, pad_l, pad_r, pad_t, pad_b = 360, 260, 64, 16, 34, 44
    panels = (("runs_per_s", "runs/s"), ("sim_events_per_s", "simpy events/s"))
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * 2}" height="{height + 24}" '
            f'viewBox="0 0 {width * 2} {height + 24}" font-family="sans-serif" font-size="11">'
        ),
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    xs = g["sessions"]
    lx0, lx1 = math.log10(min(xs)), math.log10(max(xs))
    for p, (key, label) in enumerate(panels):
        ox = p * width
        values = [c[key] for c in g["cells"] if c[key] > 0]
        lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
        if hi == lo:
            hi += 1
        plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b

        def px(x: float, ox: int = ox, plot_w: int = plot_w) -> float:
            return ox + pad_l + (math.log10(x) - lx0) / ((lx1 - lx0) or 1) * plot_w

        def py(y: float, lo: int = lo, hi: int = hi, plot_h: int = plot_h) -> float:
            return pad_t + plot_h - (math.log10(y) - lo) / (hi - lo) * plot_h

        parts.append(f'<text x="{ox + width / 2}" y="18" text-anchor="middle" font-size="13">{escape(label)} vs concurrent sessions</text>')
        parts.append(f'<rect x="{ox + pad_l}" y="{pad_t}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>')
        for e in range(lo, hi + 1):
            y = py(10.0**e)
            parts.append(f'<line x1="{ox + pad_l}" y1="{y:.1f}" x2="{ox + pad_l + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
            parts.append(f'<text x="{ox + pad_l - 6}" y="{y + 4:.1f}" text-anchor="end">{_si(10.0**e)}</text>')
        for s in xs:
            x = px(s)
            parts.append(f'<line x1="{x:.1f}" y1="{pad_t}" x2="{x:.1f}" y2="{pad_t + plot_h}" stroke="#eee"/>')
            parts.append(f'<text x="{x:.1f}" y="{pad_t + plot_h + 16}" text-anchor="middle">{s}</text>')
        parts.append(f'<text x="{ox + pad_l + plot_w / 2}" y="{pad_t + plot_h + 32}" text-anchor="middle">sessions (log)</text>')
        for i, chain in enumerate(g["chains"]):
            pts = [(c["sessions"], c[key]) for c in g["cells"] if c["chain"] == chain and c[key] > 0]
            color = colors[i % len(colors)]
            path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            parts += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>' for x, y in pts]
            ly = pad_t + 12 + 14 * i
            lx = ox + pad_l + plot_w - 90
            parts.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 16}" y2="{ly - 4}" stroke="{color}" stroke-width="2"/>')
            parts.append(f'<text x="{lx + 20}" y="{ly}">chain {chain}</text>')
    parts.append(
        f'<text x="{width}" y="{height + 16}" text-anchor="middle" fill="#555">target {escape(doc["target"])}'
        + (" (--quick: not meaningful)" if doc["quick"] else "")
        + "</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _si(value: float) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:g}{unit}"
    return f"{value:g}"


def write_bench(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    return [
        write_atomic(out_dir / "bench.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n"),
        write_atomic(out_dir / "bench.md", bench_md(doc)),
        write_atomic(out_dir / "bench.svg", bench_svg(doc)),
    ]
