"""simharness: deterministic simulation and fault injection for LLM model-fallback drivers.

The public API is what this module re-exports; everything in `_private` modules may change.
"""

from __future__ import annotations

__version__ = "0.1.0"

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simharness._choice import Choice, ChoiceSource, RandomChoices, ReplayChoices, derive_seed
    from simharness._errors import JSError
    from simharness._invariants import INVARIANTS, SITUATIONS, Verdicts, Violation
    from simharness._runner import RunResult, SuiteResult, replay, run_once, run_seed, run_suite
    from simharness._scenario import Scenario, ScenarioError, load_scenario, parse_scenario
    from simharness._schedule import ScheduleError, load_schedule, save_schedule
    from simharness.targets import Profile, Target, TargetError, resolve_target

# Imported on first use, so `import simharness` (the pytest plugin's entry point) stays cheap when unused.
_WHERE = {
    **dict.fromkeys(("Choice", "ChoiceSource", "RandomChoices", "ReplayChoices", "derive_seed"), "simharness._choice"),
    "JSError": "simharness._errors",
    **dict.fromkeys(("INVARIANTS", "SITUATIONS", "Verdicts", "Violation"), "simharness._invariants"),
    **dict.fromkeys(("RunResult", "SuiteResult", "replay", "run_once", "run_seed", "run_suite"), "simharness._runner"),
    **dict.fromkeys(("Scenario", "ScenarioError", "load_scenario", "parse_scenario"), "simharness._scenario"),
    **dict.fromkeys(("ScheduleError", "load_schedule", "save_schedule"), "simharness._schedule"),
    **dict.fromkeys(("Profile", "Target", "TargetError", "resolve_target"), "simharness.targets"),
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
