"""The mutant kill matrix: every shipped mutant driver × every exploration strategy.

A mutant is *killed* by a strategy when some shipped scenario, explored with that strategy within the budget
(runs per scenario), yields a run that violates the invariant the mutant targets (every run is also replayed, so a driver
that decides outside the choice source is caught as `deterministic`); a violation of another invariant alone is
not a kill. Scenarios are tried in a sensible order per
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
from simharness.explore.stopping import GracefulStop
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
    stop: GracefulStop | None = None,
    shrink_kill: bool = True,
) -> Cell:
    """Explore until the first violation of the mutant's own invariant; shrink it (unless `shrink_kill` is off:
    the benchmark times the first kill only); save its schedule under `out_dir/schedules/`. Once `stop` is
    requested, the next run that kills nothing raises KeyboardInterrupt."""
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
        violated = {v.invariant for v in result.verdicts.violations}
        # A kill counts only through the invariant the mutant targets: its shared loop may also trip an invariant
        # on a shape it was never written for, which says nothing about the bug it stands for.
        if violated and (not expected or expected in violated):
            found.append(result)
            return True
        if stop is not None and stop.requested:
            raise KeyboardInterrupt  # a Ctrl-C: the entry in flight is left unfinished (the matrix lists it as missing)
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
            shrunk = start if stalled(original) or not shrink_kill else shrink(start, target, inv)
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
    missing: list[tuple[str, str]] = field(default_factory=list)  # (mutant, strategy) entries not finished: a stop
    signum: int | None = None  # the signal that stopped it (None: not stopped)

    def mutants(self) -> list[str]:
        """Mutants with an entry, finished or missing, in the order they were asked for (`descriptions`)."""
        present = {c.mutant for c in self.cells} | {m for m, _ in self.missing}
        named = [*self.descriptions, *(c.mutant for c in self.cells), *(m for m, _ in self.missing)]
        return [m for m in dict.fromkeys(named) if m in present]

    def cell(self, mutant: str, strategy: str) -> Cell | None:
        return next((c for c in self.cells if c.mutant == mutant and c.strategy == strategy), None)

    def survivors(self) -> list[str]:
        """Mutants no strategy killed (an entry still missing may yet kill one: not a survivor)."""
        unfinished = {m for m, _ in self.missing}
        return [m for m in self.mutants() if m not in unfinished and not any(c.killed for c in self.cells if c.mutant == m)]

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
            "complete": not self.missing,
            "missing": [{"mutant": m, "strategy": s} for m, s in self.missing],
            "ok": not self.survivors() and not self.missing,
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
    jobs: int = 1,
    stop: GracefulStop | None = None,
) -> Matrix:
    """Every (mutant, strategy) cell. With `jobs` > 1 the cells are dealt round-robin to that many worker
    processes (`explore.parallel`); a cell is a pure function of its arguments (wall seconds aside: every cell
    resolves its own target, its driver module loaded anew), so the matrix is the one a single process makes.
    Workers say each cell as it ends (`cell_line`, on stderr) instead of calling `on_cell`.

    A stop (`stop`, installed by the caller, at -j 1; the workers' own at -j N) ends the cell in flight after its
    run in flight, at once on a second Ctrl-C: the matrix holds the cells finished so far, lists the others in
    `missing` and names the signal in `signum`. A worker that dies raises `MatrixIncomplete`."""
    from simharness.drivers.mutants import MUTANTS

    names = list(mutants) if mutants else list(MUTANTS)
    matrix = Matrix(tuple(strategies), budget, seed, tuple(s.name for s in scenarios))
    pairs = [(name, strategy) for name in names for strategy in strategies]
    for name in names:
        matrix.descriptions[name] = str(getattr(MUTANTS[name], "description", ""))
    if jobs > 1 and len(pairs) > 1:
        done, matrix.signum = _in_workers(pairs, scenarios, seed, budget, out_dir, min(jobs, len(pairs)))
    else:
        stop = stop if stop is not None else GracefulStop(quiet=True)  # not installed: never requested
        done = dict(enumerate(_kill_until_stopped(pairs, scenarios, seed, budget, out_dir, stop, on_cell)))
        matrix.signum = stop.signum if stop.requested else None
    matrix.cells = [done[i] for i in sorted(done)]
    matrix.missing = [pair for i, pair in enumerate(pairs) if i not in done]
    return matrix


class MatrixIncomplete(Exception):
    """`--jobs`: a worker died, so some cells were not made. `code`: the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def cell_line(cell: Cell) -> str:
    state = f"killed in {cell.runs} runs by {cell.scenario}" if cell.killed else f"SURVIVED {cell.runs} runs"
    return f"  {cell.mutant:<30} {cell.strategy:<11} {state}"


def _kill_until_stopped(
    pairs: Sequence[tuple[str, str]],
    scenarios: Sequence[Scenario],
    seed: int,
    budget: int,
    out_dir: Path | None,
    stop: GracefulStop,
    on_cell: Callable[[Cell], None] | None,
) -> list[Cell]:
    """The cells of `pairs`, in order, until `stop` is requested: the cells finished by then."""
    cells = []
    for name, strategy in pairs:
        try:
            with stop.interruptible():  # raises KeyboardInterrupt once a stop was requested; a second Ctrl-C at once
                cell = kill(name, strategy, scenarios, seed=seed, budget=budget, out_dir=out_dir, stop=stop)
        except KeyboardInterrupt:
            if not stop.requested:  # not a stop this process handles (no handler installed): the caller's
                raise
            break
        cells.append(cell)
        if on_cell is not None:
            on_cell(cell)
    return cells


def _kill_share(
    pairs: Sequence[tuple[str, str]], scenarios: Sequence[Scenario], seed: int, budget: int, out_dir: Path | None
) -> list[Cell]:
    """In a worker process: its share of the cells, in order, until a stop: the cells finished by then."""
    import sys

    from simharness.explore.parallel import worker_stop

    def said(cell: Cell) -> None:
        print(cell_line(cell), file=sys.stderr, flush=True)

    return _kill_until_stopped(pairs, scenarios, seed, budget, out_dir, worker_stop(), said)


def _in_workers(
    pairs: Sequence[tuple[str, str]], scenarios: Sequence[Scenario], seed: int, budget: int, out_dir: Path | None, jobs: int
) -> tuple[dict[int, Cell], int | None]:
    """The cells the workers finished, by index in `pairs`, and the signal that stopped them (None: none)."""
    from simharness.explore.parallel import Workers

    shares = [list(range(j, len(pairs), jobs)) for j in range(jobs)]
    tasks = [([pairs[i] for i in share], list(scenarios), seed, budget, out_dir) for share in shares]
    with Workers() as workers:
        outcomes = workers.run(_kill_share, tasks)
    for o in outcomes:
        if o.error is not None and not isinstance(o.error, KeyboardInterrupt):
            raise o.error
    died = next((o for o in outcomes if o.died is not None), None)
    if died is not None and workers.signum is None:
        raise MatrixIncomplete(
            f"worker {died.worker} of {jobs}: {died.died}; its cells are missing, so no kill matrix was written", died.code or 1
        )
    cells: dict[int, Cell] = {}
    for share, o in zip(shares, outcomes):
        cells.update(zip(share, o.value or ()))
    return cells, None if workers.signum is None else int(workers.signum)


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def matrix_markdown(doc: dict[str, Any]) -> str:
    strategies = doc["strategies"]
    cells = {(c["mutant"], c["strategy"]): c for c in doc["cells"]}
    missing = [(m["mutant"], m["strategy"]) for m in doc.get("missing") or ()]
    out = ["# simharness mutant kill matrix", ""]
    if missing:
        out += [f"**INCOMPLETE** (interrupted): entries not finished: {len(missing)}, shown as *not run*.", ""]
    out += [
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
                row.append("*not run*" if (m["name"], s) in missing else "")
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
    elif missing:
        out += ["No survivor among the mutants whose every entry finished.", ""]
    else:
        out += ["Every mutant was killed.", ""]
    out += ["| mutant | what it breaks |", "|---|---|"] + [f"| `{_md(m['name'])}` | {_md(m['description'])} |" for m in doc["mutants"]]
    return "\n".join(out) + "\n"


def write_matrix(doc: dict[str, Any], out_dir: Path) -> None:
    write_atomic(out_dir / "kill-matrix.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    write_atomic(out_dir / "kill-matrix.md", matrix_markdown(doc))
