"""simharness: deterministic simulation and fault injection for LLM model-fallback drivers.

The public API is what this module re-exports; everything in `_private` modules may change.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from simharness.model.version import VERSION as __version__

if TYPE_CHECKING:
    from simharness.check.invariants import Verdicts, Violation
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
    **dict.fromkeys(("Verdicts", "Violation"), "simharness.check.invariants"),
    **dict.fromkeys(("RunResult", "replay", "run_once", "run_seed"), "simharness.engine.runner"),
    **dict.fromkeys(("SuiteResult", "run_suite"), "simharness.explore.suite"),
    **dict.fromkeys(("Scenario", "load_scenario", "parse_scenario"), "simharness.model.scenario"),
    **dict.fromkeys(("load_schedule", "save_schedule"), "simharness.engine.schedule"),
    **dict.fromkeys(("Profile", "Target", "resolve_target"), "simharness.targets"),
}


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
