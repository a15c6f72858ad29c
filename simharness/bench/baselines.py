"""The floor every throughput figure is compared with: bare simpy running a minimal process model exactly as
big as a scenario's runs (as many processes, and exactly as many simpy events per run: each process does its
share of plain timeouts). Measured in the same invocation as the figure it is compared with.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from simharness.engine.world import World
from simharness.model.choice import RandomChoices
from simharness.model.exceptions import LivenessError
from simharness.model.scenario import Scenario
from simharness.model.target import Target


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


def bare_process(env: simpy.Environment, timeouts: int, delay: int) -> Generator[simpy.Event, Any, None]:
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
            env.process(bare_process(env, timeouts, 100 + i))
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
