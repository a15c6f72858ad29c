"""The mutant kill matrix: every shipped mutant driver × every exploration strategy.

A mutant is *killed* by a strategy when some shipped scenario, explored with that strategy within the budget
(runs per scenario), yields a run that violates any invariant (every run is also replayed, so a driver that
decides outside the choice source is caught as `deterministic`). Scenarios are tried in a sensible order per
mutant — the scenario the mutant declares as exposing it first, then the others by name — and the first kill
ends the cell. A cell records the runs and wall seconds to that first kill, which scenario and invariant
killed it, and the counterexample's size before and after shrinking (non-trivial choices). Wall seconds are
measured for the report only; nothing is judged by them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simharness.check.verdicts import Violation
from simharness.engine.runner import RunResult, replay, stalled
from simharness.engine.schedule import save_schedule
from simharness.engine.shrink import shrink, size
from simharness.explore import STRATEGIES, resolve_strategy
from simharness.model.io import write_atomic
from simharness.model.scenario import Scenario
from simharness.targets import resolve_target

DEFAULT_BUDGET = 500  # runs per scenario and strategy; every mutant must die within it under pct and hypothesis (see README)


@dataclass(slots=True)
class Cell:
    mutant: str
    strategy: str
    killed: bool = False
    runs: int = 0  # runs until the first kill (all runs spent, if it survived)
    seconds: float = 0.0
    scenario: str | None = None
    violated: list[str] = field(default_factory=list)
    expected: str = ""
    original_size: int | None = None
    shrunk_size: int | None = None
    original_choices: int | None = None
    shrunk_choices: int | None = None
    schedule: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "mutant": self.mutant,
            "strategy": self.strategy,
            "killed": self.killed,
            "runs_to_kill": self.runs if self.killed else None,
            "runs": self.runs,
            "seconds_to_kill": round(self.seconds, 3) if self.killed else None,
            "scenario": self.scenario,
            "violated": self.violated,
            "expected_invariant": self.expected,
            "size": {"original": self.original_size, "shrunk": self.shrunk_size} if self.killed else None,
            "choices": {"original": self.original_choices, "shrunk": self.shrunk_choices} if self.killed else None,
            "schedule": self.schedule,
        }


def scenario_order(declared: str | None, scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The mutant's own scenario first (if shipped), then the others by name."""
    return sorted(scenarios, key=lambda s: (s.name != declared, s.name))


def kill(
    mutant: str,
    strategy_name: str,
    scenarios: Sequence[Scenario],
    *,
    seed: int = 0,
    budget: int = DEFAULT_BUDGET,
    out_dir: Path | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Cell:
    """Explore until the first violation; shrink it; save its schedule under `out_dir/schedules/`."""
    from simharness.drivers.mutants import MUTANTS

    spec = MUTANTS[mutant]
    expected = str(getattr(spec, "invariant", ""))
    cell = Cell(mutant, strategy_name, expected=expected)
    target = resolve_target(f"mutant:{mutant}")
    strategy = resolve_strategy(strategy_name)
    found: list[RunResult] = []

    def visit(result: RunResult) -> bool:
        cell.runs += 1
        if not result.verdicts.violations and not stalled(result):
            again = replay(result.scenario, target, [c.value for c in result.choices], result.seed)
            if again.trace_sha256 != result.trace_sha256:
                result.verdicts.violations.append(Violation("deterministic", "replaying the run gave a different trace", 0))
        if result.verdicts.violations:
            found.append(result)
            return True
        return False

    started = clock()
    try:
        for scenario in scenario_order(getattr(spec, "scenario", None), scenarios):
            info = strategy.explore(scenario, target, seed=seed, budget=budget, shard=(1, 1), visit=visit)
            if not found:
                continue
            cell.seconds = clock() - started
            original = found[0]
            violated = sorted({v.invariant for v in original.verdicts.violations})
            inv = expected if expected in violated else original.verdicts.violations[0].invariant
            start = info.shrunk.get(inv, original)
            shrunk = start if stalled(original) else shrink(start, target, inv)
            if not any(v.invariant == inv for v in shrunk.verdicts.violations):  # e.g. nondeterminism seen by replay only
                shrunk = start if any(v.invariant == inv for v in start.verdicts.violations) else original
            cell.killed, cell.scenario, cell.violated = True, scenario.name, violated
            cell.original_size, cell.shrunk_size = size(original), size(shrunk)
            cell.original_choices, cell.shrunk_choices = len(original.choices), len(shrunk.choices)
            if out_dir is not None:
                name = f"schedules/{mutant}--{strategy_name}.json"
                save_schedule(out_dir / name, shrunk, invariant=inv, original=original if shrunk is not original else None)
                cell.schedule = name
            break
        else:
            cell.seconds = clock() - started
    finally:
        target.close()
    return cell


@dataclass(slots=True)
class Matrix:
    strategies: tuple[str, ...]
    budget: int
    seed: int
    scenarios: tuple[str, ...]
    cells: list[Cell] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)

    def mutants(self) -> list[str]:
        return list(dict.fromkeys(c.mutant for c in self.cells))

    def cell(self, mutant: str, strategy: str) -> Cell | None:
        return next((c for c in self.cells if c.mutant == mutant and c.strategy == strategy), None)

    def survivors(self) -> list[str]:
        """Mutants no strategy killed."""
        return [m for m in self.mutants() if not any(c.killed for c in self.cells if c.mutant == m)]

    def to_json(self) -> dict[str, Any]:
        from simharness.model.version import VERSION as __version__

        per_strategy = {
            s: {
                "killed": sum(1 for c in self.cells if c.strategy == s and c.killed),
                "mutants": sum(1 for c in self.cells if c.strategy == s),
                "runs_to_kill_total": sum(c.runs for c in self.cells if c.strategy == s and c.killed),
                "seconds_total": round(sum(c.seconds for c in self.cells if c.strategy == s), 3),
                "shrunk_size_total": sum(c.shrunk_size or 0 for c in self.cells if c.strategy == s and c.killed),
            }
            for s in self.strategies
        }
        return {
            "tool": "simharness",
            "version": __version__,
            "kind": "kill-matrix",
            "seed": self.seed,
            "budget": self.budget,
            "strategies": list(self.strategies),
            "scenarios": list(self.scenarios),
            "mutants": [{"name": m, "description": self.descriptions.get(m, "")} for m in self.mutants()],
            "cells": [c.to_json() for c in self.cells],
            "totals": per_strategy,
            "survivors": self.survivors(),
            "ok": not self.survivors(),
        }


def run_matrix(
    scenarios: Sequence[Scenario],
    *,
    mutants: Sequence[str] | None = None,
    strategies: Sequence[str] = STRATEGIES,
    seed: int = 0,
    budget: int = DEFAULT_BUDGET,
    out_dir: Path | None = None,
    on_cell: Callable[[Cell], None] | None = None,
) -> Matrix:
    from simharness.drivers.mutants import MUTANTS

    names = list(mutants) if mutants else list(MUTANTS)
    matrix = Matrix(tuple(strategies), budget, seed, tuple(s.name for s in scenarios))
    for name in names:
        matrix.descriptions[name] = str(getattr(MUTANTS[name], "description", ""))
        for strategy in strategies:
            cell = kill(name, strategy, scenarios, seed=seed, budget=budget, out_dir=out_dir)
            matrix.cells.append(cell)
            if on_cell is not None:
                on_cell(cell)
    return matrix


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def matrix_markdown(doc: dict[str, Any]) -> str:
    strategies = doc["strategies"]
    cells = {(c["mutant"], c["strategy"]): c for c in doc["cells"]}
    out = [
        "# simharness mutant kill matrix",
        "",
        f"Seed {doc['seed']} · budget {doc['budget']} runs per scenario and strategy · scenarios: {', '.join(doc['scenarios'])}",
        "",
        "Each cell: runs to the first kill · wall seconds · counterexample size original → shrunk (non-trivial choices); "
        + "✗ = survived the budget.",
        "",
        "| mutant | violates | " + " | ".join(strategies) + " |",
        "|---|---|" + "---|" * len(strategies),
    ]
    for m in doc["mutants"]:
        row = [f"`{_md(m['name'])}`"]
        expected = next((c["expected_invariant"] for c in doc["cells"] if c["mutant"] == m["name"]), "")
        row.append(_md(expected))
        for s in strategies:
            c = cells.get((m["name"], s))
            if c is None:
                row.append("")
            elif c["killed"]:
                row.append(f"{c['runs_to_kill']} · {c['seconds_to_kill']:.2f}s · {c['size']['original']}→{c['size']['shrunk']}")
            else:
                row.append(f"✗ ({c['runs']} runs)")
        out.append("| " + " | ".join(row) + " |")
    totals = doc["totals"]
    out += [
        "| **killed** | | " + " | ".join(f"**{totals[s]['killed']}/{totals[s]['mutants']}**" for s in strategies) + " |",
        "| runs to kill (sum) | | " + " | ".join(str(totals[s]["runs_to_kill_total"]) for s in strategies) + " |",
        "| wall seconds (sum, survivors included) | | " + " | ".join(f"{totals[s]['seconds_total']:.2f}" for s in strategies) + " |",
        "| shrunk size (sum) | | " + " | ".join(str(totals[s]["shrunk_size_total"]) for s in strategies) + " |",
        "",
    ]
    off = [c for c in doc["cells"] if c["killed"] and c["expected_invariant"] and c["expected_invariant"] not in c["violated"]]
    if off:
        out += ["Killed through another invariant than the one the mutant targets:", ""]
        out += [f"- `{_md(c['mutant'])}` × {c['strategy']}: {', '.join(c['violated'])} (scenario {_md(c['scenario'])})" for c in off]
        out.append("")
    if doc["survivors"]:
        out += [f"**Survivors** (no strategy killed them): {', '.join(doc['survivors'])}", ""]
    else:
        out += ["Every mutant was killed.", ""]
    out += ["| mutant | what it breaks |", "|---|---|"] + [f"| `{_md(m['name'])}` | {_md(m['description'])} |" for m in doc["mutants"]]
    return "\n".join(out) + "\n"


def write_matrix(doc: dict[str, Any], out_dir: Path) -> None:
    write_atomic(out_dir / "kill-matrix.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    write_atomic(out_dir / "kill-matrix.md", matrix_markdown(doc))
