"""The ten state-between-calls mutants (issue 16, drivers/mutants_cooldown.py): each is the reference with one
cooldown bug, each bug is what its description says (unit level), and the harness kills each one on its `[auth]`
scenario by the invariant it names, while the reference holds the six cooldown invariants on those scenarios.
(tests/test_mutants.py runs every mutant again with the suite's full budget.)"""

from __future__ import annotations

import tomllib

import pytest

from simharness.drivers import KEY_WIDE, ReferencePolicy
from simharness.drivers.mutants import MUTANTS
from simharness.drivers.mutants_cooldown import (
    SPECS,
    GoodAfterFailure,
    IgnoreRetryAfter,
    KeepCountsOnSuccess,
    KeepFirstDeadline,
    OverloadKeyWide,
    WidenSecondScope,
    store_policy_of,
)
from simharness.explore.suite import run_suite
from simharness.model.kinds import INVARIANTS
from simharness.model.scenario import collect_scenarios
from simharness.targets import resolve_target

NAMES = [spec[0] for spec in SPECS]
COOLDOWN_INVARIANTS = (
    "sibling-not-blocked",
    "cooldown-survives-failure",
    "no-attempt-before-deadline",
    "chain-accounted",
    "retry-after-kept",
    "success-resets-errors",
)
BUDGET = 20
S = 1_000
REF = ReferencePolicy()


def test_the_thirteen_are_registered_each_with_an_invariant_and_an_auth_scenario(scenarios_dir):
    assert len(NAMES) == 13 and set(NAMES) <= set(MUTANTS)  # the design's ten, and three from the red-team
    assert {MUTANTS[n].invariant for n in NAMES} == {*COOLDOWN_INVARIANTS, "deterministic"}
    for name in NAMES:
        m = MUTANTS[name]
        assert m.invariant in INVARIANTS
        assert "auth" in tomllib.loads((scenarios_dir / f"{m.scenario}.toml").read_text()), name  # a world with a store


def test_policy_mutants_reach_the_world_through_the_mutant_target():
    for name in NAMES:
        policy = store_policy_of(MUTANTS[name].driver)
        made = resolve_target(f"mutant:{name}").store_policy  # type: ignore[attr-defined]
        assert type(made).__name__ == type(policy).__name__ and repr(made) == repr(policy)  # anew, with its driver's module
    assert store_policy_of(MUTANTS["no-throttle"].driver) is None  # a driver mutant: the world's default policy
    assert resolve_target("reference").store_policy is None  # type: ignore[attr-defined]


# --- each bug, at unit level, against the contract ---------------------------------------------------------------


def test_widen_second_scope_cools_the_whole_key_on_a_second_models_failure():
    p = WidenSecondScope()
    e = p.mark_failure({}, 0, "rate_limit", "m1", None)
    assert set(e) == {"m1"}  # the first failure is scoped, as in the contract
    e = p.mark_failure(e, 5 * S, "rate_limit", "m2", None)
    assert KEY_WIDE in e and p.in_cooldown(e, 6 * S, "m3")
    ref = REF.mark_failure(REF.mark_failure({}, 0, "rate_limit", "m1", None), 5 * S, "rate_limit", "m2", None)
    assert not REF.in_cooldown(ref, 6 * S, "m3")


def test_overload_key_wide_blocks_a_sibling():
    e = OverloadKeyWide().mark_failure({}, 0, "overloaded", "m1", None)
    assert set(e) == {KEY_WIDE} and OverloadKeyWide().in_cooldown(e, 1, "m2")
    assert OverloadKeyWide().mark_failure({}, 0, "rate_limit", "m1", None).keys() == {"m1"}  # only overload is wrong


def test_good_after_failure_asks_the_runner_for_a_mark_good():
    assert GoodAfterFailure().marks_good_after_failure
    assert not getattr(REF, "marks_good_after_failure", False)


def test_ignore_retry_after_and_keep_first_deadline_shorten_what_the_provider_asked_for():
    assert IgnoreRetryAfter().mark_failure({}, 0, "rate_limit", "m1", 600 * S)["m1"].cooldown_until == 30 * S
    assert REF.mark_failure({}, 0, "rate_limit", "m1", 600 * S)["m1"].cooldown_until == 600 * S
    k = KeepFirstDeadline()
    first = k.mark_failure({}, 0, "rate_limit", "m1", None)
    assert k.mark_failure(first, 10 * S, "rate_limit", "m1", 600 * S)["m1"].cooldown_until == 30 * S
    assert REF.mark_failure(first, 10 * S, "rate_limit", "m1", 600 * S)["m1"].cooldown_until == 610 * S


def test_keep_counts_on_success_keeps_the_failure_counts():
    e = REF.mark_failure({}, 0, "rate_limit", "m1", None)
    kept = KeepCountsOnSuccess().mark_success(e, 1 * S, "m1")
    assert kept["m1"].error_count == 0 and kept["m1"].count("rate_limit") == 1 and kept["m1"].until() is None
    assert "m1" not in REF.mark_success(e, 1 * S, "m1")


# --- killed in the world ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_each_cooldown_mutant_is_killed_on_its_scenario(name, scenarios_dir):
    m = MUTANTS[name]
    scenario = collect_scenarios([scenarios_dir / f"{m.scenario}.toml"])[0]
    suite = run_suite([scenario], resolve_target(f"mutant:{name}"), seed=0, budget=BUDGET)
    assert suite.invariants[m.invariant].violated > 0, f"{name} survived {BUDGET} runs of {m.scenario}"


@pytest.mark.parametrize("scenario_name", sorted({MUTANTS[n].scenario for n in NAMES} | {"retry-after-caps", "long-run-expiry"}))
def test_the_reference_holds_the_cooldown_invariants_and_reaches_its_situations(scenario_name, scenarios_dir):
    scenario = collect_scenarios([scenarios_dir / f"{scenario_name}.toml"])[0]
    suite = run_suite([scenario], resolve_target("reference"), seed=0, budget=BUDGET)
    for invariant in (*COOLDOWN_INVARIANTS, "deterministic"):
        assert suite.invariants[invariant].violated == 0, invariant
    assert all(suite.invariants[i].checked > 0 for i in COOLDOWN_INVARIANTS)
    assert not suite.unreached(), suite.unreached()
