"""What a benchmark run may spend and what it aims for: the budgets (`FULL`, `QUICK`), the speed and memory
goals, the growth grid, and how a figure that could not be measured is recorded (never a made-up number).

Every other bench module reads this one, and it imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Where a section reports what it is measuring (`simharness bench` prints it to stderr).
Log = Callable[[str], None]

#: The scenario the speed goals are stated for (the PR's race), and the goals themselves.
GOAL_SCENARIO = "takeover-race"
GOAL_RUNS_PER_S = 5_000.0
GOAL_OVERHEAD = 3.0
GOAL_RSS_GROWTH_MB = 2.0  # "flat": 10x the runs may cost at most this much more peak RSS (or 5 %)
NODE_SPEC = "openclaw@2026.5.20"
#: The releases the bridge is measured against its pure-Node floor on (the oldest and newest CI installs).
FLOOR_SPECS = ("openclaw@2026.5.20", "openclaw@2026.9.6")
#: The reference target against the hand-written simpy race: wanted, at least this share of its runs per CPU second.
GOAL_RACE_SHARE = 1 / 3
#: The bridge against the pure-Node floor: wanted, at least this share of its calls per second.
GOAL_FLOOR_SHARE = 1 / 2
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
