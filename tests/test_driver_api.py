"""The public API for driver authors: `simharness.drivers` alone is enough to write a driver, and the drivers
simharness ships are written against it (so it cannot rot without the shipped drivers noticing)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import simharness.drivers as api
from simharness.model.kinds import COORDINATION_KINDS

DRIVERS = Path(api.__file__).parent
#: The API's own implementation may use the vocabulary directly; a driver may not.
IMPLEMENTATION = {"__init__.py", "recognize.py", "store_policy.py", "classifier.py", "classifier_patterns.py", "classifier_signal.py", "classifier_tables_2026_5_20.py"}


@pytest.mark.parametrize("module", sorted(p.name for p in DRIVERS.glob("*.py") if p.name not in IMPLEMENTATION))
def test_shipped_drivers_import_only_the_public_driver_api(module: str) -> None:
    tree = ast.parse((DRIVERS / module).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("simharness")}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names if a.name.startswith("simharness")}
    assert imported and all(m == "simharness.drivers" or m.startswith("simharness.drivers.") for m in imported), imported


def test_every_public_name_is_there_and_every_coordination_kind_has_a_name() -> None:
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    assert set(api.ERROR_NAMES) == set(api.ERROR_CODES) == COORDINATION_KINDS
    assert api.ERROR_NAMES["takeover"] == "EmbeddedAttemptSessionTakeoverError"
    assert api.ERROR_CODES["lock_timeout"] == "OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT"


def test_the_recognizers_judge_the_constructors_as_the_contract_says() -> None:
    takeover = api.session_takeover("s.jsonl")
    assert api.is_coordination_error(takeover)
    assert api.is_coordination_error(api.wrap(api.wrap(takeover, link="reason"), link="cause"))
    assert not api.is_coordination_error(api.explicit_wrapping("rate_limit", takeover, "cause"))  # explicit metadata wins
    assert api.failover_reason(api.rate_limit()) == "rate_limit"
    assert api.ends_the_call(api.context_overflow()) and not api.ends_the_call(api.overloaded())


def _misuses_a_recognizer(ctx, candidates, run, on_error):  # type: ignore[no-untyped-def]
    for provider, model in candidates:
        try:
            return (yield from run(provider, model))
        except api.JSError as err:
            api.is_coordination_error(err, links=None)  # a driver's own mistake, made inside the public API
    raise api.JSError("All models failed")


def test_a_crash_inside_the_public_api_is_blamed_on_the_drivers_line(scenarios_dir: Path) -> None:
    """The recognizers are support code like the classifier: a driver that misuses one is named at its own line."""
    from simharness.explore.suite import run_suite
    from simharness.model.scenario import load_scenario
    from simharness.targets import PythonTarget

    suite = run_suite([load_scenario(scenarios_dir / "rate-limit-storm.toml")], PythonTarget("py:misuse", _misuses_a_recognizer), seed=0, budget=5)
    found = suite.invariants["driver-contract"].counterexample
    assert found is not None
    message = next(v.message for v in found.verdicts.violations if v.invariant == "driver-contract")
    assert "test_driver_api.py:" in message and "recognize.py" not in message, message
