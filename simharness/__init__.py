"""simharness: deterministic simulation and fault injection for LLM model-fallback drivers.

Public API: what this module re-exports, `simharness.drivers` (writing a driver), `simharness.strategies`
(Hypothesis strategies for your own tests), the `simharness` command and the pytest plugin. Everything else
is internal and may change.

Layout: one package per layer. A layer imports only the layers listed below it (imports inside functions
count); import-linter holds this (pyproject.toml, `lint-imports`, run by the test suite). Read top down for
the user's view, bottom up for the machine's.

    cli/            `simharness run | replay | schedules | mutants | matrix | bisect | target | report | bench | fidelity`: one each
    pytest_plugin/  the pytest11 plugin: options, scenario files as tests, the `sim` fixture
    bench/          throughput, against baselines measured in the same run (bare simpy; the bridge against the reference)
    strategies.py   public Hypothesis strategies (worlds, faults, error graphs) and profiles
    report/         report.json, summary.md, junit.xml, report.html (swimlanes), merging shards, progress
    explore/        which runs to make: one module per strategy (random, pct, exhaustive, hypothesis) behind
                    one protocol; the suite that drives a strategy; differential runs; the mutant kill matrix;
                    bisecting a verdict across published releases; openclaw's own tests as a fidelity check
    targets/        resolving `--target`: Python drivers, real openclaw releases (npm install, dist scanning,
                    the Node bridge)
    engine/         one run: the world composed (world.py), run and judged into verdicts (runner.py), replayed
                    from a schedule file, shrunk by named passes
    workload/       the sessions that call the driver, their attempts, and the other writers
    faults/         what goes wrong: provider faults, every wrapping shape, runtime coordination refusals, swarm,
                    openclaw's whole vocabulary (aborts, switches, plain objects, one failure in many shapes)
    sim/            the simulated machine: a simpy environment whose same-instant ties are choices; files, locks
    check/          the oracle (ground truth about what the world built) and one checker per invariant
    guard/          around code under test: tripwires (clock, randomness), the stall watchdog, exit guards, the
                    driver contract
    drivers/        the public driver API; the reference (the contract), ports of real releases, mutants
    model/          the vocabulary, imports nothing: kinds (EventKind, every kind set, invariant ids), exceptions,
                    JS-like errors, choices, the trace, scenarios, the target protocol, bounded I/O

Determinism is the product: a run is a pure function of (scenario, target, choice sequence), and every
decision that could go two ways is a call on one `model.choice.ChoiceSource`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from simharness.model.version import VERSION as __version__

if TYPE_CHECKING:
    from simharness.check.verdicts import Verdicts, Violation
    from simharness.engine.runner import RunResult, replay, run_once, run_seed
    from simharness.engine.schedule import load_schedule, save_schedule
    from simharness.explore.suite import SuiteResult, run_suite
    from simharness.model.choice import Choice, ChoiceSource, RandomChoices, ReplayChoices, derive_seed
    from simharness.model.errors import JSError
    from simharness.model.exceptions import ScenarioError, ScheduleError, StrategyError, TargetError
    from simharness.model.kinds import INVARIANTS, SITUATIONS
    from simharness.model.scenario import Scenario, load_scenario, parse_scenario
    from simharness.targets import Profile, Target, resolve_target

# Imported on first use, so `import simharness` (the pytest plugin's entry point) stays cheap when unused.
_WHERE = {
    **dict.fromkeys(("Choice", "ChoiceSource", "RandomChoices", "ReplayChoices", "derive_seed"), "simharness.model.choice"),
    "JSError": "simharness.model.errors",
    **dict.fromkeys(("ScenarioError", "ScheduleError", "TargetError", "StrategyError"), "simharness.model.exceptions"),
    **dict.fromkeys(("INVARIANTS", "SITUATIONS"), "simharness.model.kinds"),
    **dict.fromkeys(("Verdicts", "Violation"), "simharness.check.verdicts"),
    **dict.fromkeys(("RunResult", "replay", "run_once", "run_seed"), "simharness.engine.runner"),
    **dict.fromkeys(("SuiteResult", "run_suite"), "simharness.explore.suite"),
    **dict.fromkeys(("Scenario", "load_scenario", "parse_scenario"), "simharness.model.scenario"),
    **dict.fromkeys(("load_schedule", "save_schedule"), "simharness.engine.schedule"),
    **dict.fromkeys(("Profile", "Target", "resolve_target"), "simharness.targets"),
}


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simharness' has no attribute {name!r}")


__all__ = [
    "INVARIANTS",
    "SITUATIONS",
    "Choice",
    "ChoiceSource",
    "JSError",
    "Profile",
    "RandomChoices",
    "ReplayChoices",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "ScheduleError",
    "StrategyError",
    "SuiteResult",
    "Target",
    "TargetError",
    "Verdicts",
    "Violation",
    "__version__",
    "derive_seed",
    "load_scenario",
    "load_schedule",
    "parse_scenario",
    "replay",
    "resolve_target",
    "run_once",
    "run_seed",
    "run_suite",
    "save_schedule",
]
