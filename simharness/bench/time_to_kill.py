"""Strategies against mutants: how many runs and wall seconds each exploration strategy needs to first kill
each shipped mutant (median over seeds), by the kill matrix's own rule (`explore.killmatrix.kill`: every run
replayed, so a driver that decides outside the choice source dies as `deterministic`; only the mutant's own
invariant kills it). Counterexamples are not shrunk here: only the time to the first kill is measured. A
strategy that fails is a "not measured" cell, not a crash.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from simharness.bench.budget import Budget, Log, not_measured
from simharness.model.scenario import Scenario


def kills(scenarios: Sequence[Scenario], budget: Budget, log: Log) -> dict[str, Any]:
    """Runs and wall seconds until each strategy first kills each mutant (median over seeds)."""
    try:
        from simharness.drivers.mutants import MUTANTS
        from simharness.explore import STRATEGIES
        from simharness.explore.killmatrix import kill
    except ImportError as exc:
        return not_measured(f"no mutants or strategies in this build ({exc})")
    rows = []
    for strategy in STRATEGIES:
        log(f"kills: strategy {strategy}")
        for name in MUTANTS:
            try:
                cells = [
                    kill(name, strategy, scenarios, seed=k, budget=budget.kill_budget, shrink_kill=False) for k in range(budget.kill_seeds)
                ]
            except Exception as exc:  # noqa: BLE001 — a strategy still being written must not sink the benchmark
                rows.append({"strategy": strategy, "mutant": name, **not_measured(f"{type(exc).__name__}: {exc}")})
                continue
            killed = [c for c in cells if c.killed]
            rows.append(
                {
                    "strategy": strategy,
                    "mutant": name,
                    "measured": True,
                    "seeds": len(cells),
                    "killed": len(killed),
                    "runs_to_kill": statistics.median(c.runs for c in killed) if killed else None,
                    "seconds_to_kill": statistics.median(c.seconds for c in killed) if killed else None,
                }
            )
    return {"measured": True, "strategies": list(STRATEGIES), "budget": budget.kill_budget, "seeds": budget.kill_seeds, "rows": rows}
