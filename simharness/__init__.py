"""simharness: deterministic simulation and fault injection for LLM model-fallback drivers.

The public API is what this module re-exports; everything in `_private` modules may change.
"""

from __future__ import annotations

__version__ = "0.1.0"

from simharness._choice import Choice, ChoiceSource, RandomChoices, ReplayChoices, derive_seed
from simharness._errors import JSError
from simharness._invariants import INVARIANTS, SITUATIONS, Verdicts, Violation
from simharness._runner import RunResult, SuiteResult, replay, run_once, run_seed, run_suite
from simharness._scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from simharness._schedule import ScheduleError, load_schedule, save_schedule
from simharness.targets import Profile, Target, TargetError, resolve_target

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
