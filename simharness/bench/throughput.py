"""The target's own rows: runs per CPU second of each shipped scenario through the full run path (world,
driver, invariants), next to the bare-simpy floor; the reference's `takeover-race` through `run_suite` next to
the same race written by hand on simpy (`bench.race`); and how the cost grows with concurrent sessions and chain
length. Wall-clock reads happen between runs, never inside one.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from simharness.bench.baselines import bare_simpy, shape_of
from simharness.bench.budget import GROWTH_CHAINS, GROWTH_SESSIONS, Budget, Log
from simharness.bench.race import MODEL as RACE_MODEL
from simharness.bench.race import pure_race
from simharness.check.judge import check
from simharness.engine.runner import run_seed
from simharness.engine.world import World
from simharness.explore.suite import run_suite
from simharness.guard.live_run import live
from simharness.model.choice import RandomChoices, derive_seed
from simharness.model.scenario import Scenario, parse_scenario
from simharness.model.target import Target


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


def suite_rate(scenario: Scenario, target: Target, seconds: float, min_runs: int, seed: int) -> float:
    """Runs per CPU second through `run_suite`, the path `simharness run` takes (judging, tallying), in chunks
    of 500 runs (master seeds `seed`, `seed + 500`, ...) until the time box is spent (each chunk replays its
    first run once, as `simharness run` does per scenario)."""
    runs = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while runs < min_runs or time.perf_counter() - started < seconds:
        run_suite([scenario], target, seed=seed + runs, budget=500)
        runs += 500
    return runs / max(time.process_time() - cpu_started, 1e-9)


def race_row(scenario: Scenario, target: Target, budget: Budget) -> dict[str, Any]:
    """The reference target's `takeover-race` against the same race written by hand on simpy (`bench.race`),
    in alternating time boxes of one process: the ratio of each pair, and their median."""
    pairs = []
    for box in range(5):
        race = pure_race(budget.seconds / 5, max(budget.min_runs // 5, 1))["runs_per_s"]
        pairs.append((suite_rate(scenario, target, budget.seconds / 5, max(budget.min_runs // 5, 1), 1000 * box), race))
    shares = sorted(ref / race for ref, race in pairs)
    return {
        "phases_us": phases(scenario, target, max(budget.min_runs * 5, 50)),
        "measured": True,
        "scenario": scenario.name,
        "model": RACE_MODEL,
        "reference_runs_per_s": statistics.median(ref for ref, _ in pairs),
        "race_runs_per_s": statistics.median(race for _, race in pairs),
        "shares": shares,
        "share": statistics.median(shares),  # reference runs/s ÷ race runs/s
    }


#: The parts of one run, in the order `engine.runner.run_once` goes through them.
PHASES = ("seed", "world set-up", "guards on", "world", "judging", "guards off")


def phases(scenario: Scenario, target: Target, runs: int) -> dict[str, float]:
    """µs of CPU per run spent in each of `PHASES`, the run composed as `run_once` composes it (CPU clock reads
    between the parts: a few hundred ns each, counted in the parts they follow)."""
    spent = dict.fromkeys(PHASES, 0)
    clock = time.process_time_ns
    for i in range(runs):
        t0 = clock()
        seed = derive_seed(0, scenario.name, i)
        t1 = clock()
        world = World(scenario, target, RandomChoices(seed))
        t2 = clock()
        window = live(world.env)
        window.__enter__()
        t3 = clock()
        try:
            trace = world.run()
            t4 = clock()
            check(trace, target.profile)
            t5 = clock()
        finally:
            window.__exit__(None, None, None)
        t6 = clock()
        for name, took in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            spent[name] += took
    return {name: ns / runs / 1000 for name, ns in spent.items()}
