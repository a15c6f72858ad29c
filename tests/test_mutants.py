"""Tests must be able to fail: every invariant has a shipped mutant that violates it, and the harness catches
each mutant on the scenario it names — while the reference driver passes the same scenarios."""

from __future__ import annotations

import pytest

from simharness.drivers.mutants import MUTANTS
from simharness.explore.suite import run_suite
from simharness.model.kinds import INVARIANTS
from simharness.model.scenario import collect_scenarios
from simharness.targets import resolve_target

BUDGET = 150


def test_every_invariant_has_a_mutant_that_violates_it():
    assert {m.invariant for m in MUTANTS.values()} == set(INVARIANTS)


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_harness_catches_each_mutant(name, scenarios_dir):
    mutant = MUTANTS[name]
    scenario = collect_scenarios([scenarios_dir / f"{mutant.scenario}.toml"])[0]
    suite = run_suite([scenario], resolve_target(f"mutant:{name}"), seed=0, budget=BUDGET)
    assert suite.invariants[mutant.invariant].violated > 0, f"{name} survived {BUDGET} runs of {mutant.scenario}"
    assert suite.invariants[mutant.invariant].counterexample is not None


@pytest.mark.parametrize("scenario_name", sorted({m.scenario for m in MUTANTS.values()}))
def test_the_reference_passes_the_scenarios_that_kill_mutants(scenario_name, scenarios_dir):
    scenario = collect_scenarios([scenarios_dir / f"{scenario_name}.toml"])[0]
    suite = run_suite([scenario], resolve_target("reference"), seed=0, budget=BUDGET)
    assert suite.ok, {k: v.violated for k, v in suite.invariants.items() if v.violated}
