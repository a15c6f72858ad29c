"""Strategies against mutants: how many runs and wall seconds each exploration strategy needs to first kill
each shipped mutant (median over seeds). A strategy that fails is a "not measured" cell, not a crash.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from simharness.bench.budget import Budget, Log, not_measured
from simharness.engine.runner import RunResult, run_seed
from simharness.model.choice import derive_seed
from simharness.model.scenario import Scenario
from simharness.model.target import Target
from simharness.targets import resolve_target


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
