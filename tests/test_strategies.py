"""Exploration strategies: determinism, replayability, PCT's priorities and bound, exhaustive enumeration,
Hypothesis-backed choices and the public Hypothesis strategies, and the shrinker."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from simharness.engine.runner import RunResult, run_once, run_seed
from simharness.engine.shrink import shrink, size
from simharness.explore import STRATEGIES, Exploration, resolve_strategy
from simharness.explore.exhaustive import ExhaustiveStrategy
from simharness.explore.pct import PCTChoices, PCTStrategy, detection_bound
from simharness.explore.suite import run_suite
from simharness.model import errors as E
from simharness.model.choice import ReplayChoices
from simharness.model.exceptions import StrategyError
from simharness.model.scenario import Scenario, load_scenario, parse_scenario
from simharness.strategies import error_graphs, faults, worlds
from simharness.targets import Target, resolve_target

ROOT = Path(__file__).resolve().parent.parent
TAKEOVER = load_scenario(ROOT / "scenarios" / "takeover-race.toml")
REFERENCE = resolve_target("reference")

#: Two choice points only: provider fault (success | rate_limit) and latency (100 | 200 ms): 4 schedules.
TINY = parse_scenario(
    {"name": "tiny", "world": {"chain": ["openai/gpt-a"]}, "providers": {"*": {"latency_ms": [100, 200], "faults": {"rate_limit": 0.5}}}}
)


def explore(
    strategy: str, scenario: Scenario = TAKEOVER, *, seed: int = 7, budget: int = 30, **opts: int
) -> tuple[list[RunResult], Exploration]:
    runs: list[RunResult] = []

    def visit(result: RunResult) -> bool:
        runs.append(result)
        return False

    info = resolve_strategy(strategy, **opts).explore(scenario, REFERENCE, seed=seed, budget=budget, shard=(1, 1), visit=visit)
    return runs, info


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_is_a_function_of_its_seed_and_every_run_replays_exactly(strategy: str) -> None:
    first, info = explore(strategy)
    again, _ = explore(strategy)
    assert first, strategy
    assert [r.trace_sha256 for r in first] == [r.trace_sha256 for r in again]
    assert [[c.value for c in r.choices] for r in first] == [[c.value for c in r.choices] for r in again]
    for r in first:
        replayed = run_once(r.scenario, REFERENCE, ReplayChoices([c.value for c in r.choices]), r.seed)
        assert replayed.trace_sha256 == r.trace_sha256
    counted = None if strategy == "random" else len({r.trace_sha256 for r in first})  # random does not count them
    assert info.runs == len(first) and info.distinct == counted


@pytest.mark.parametrize("strategy", ["pct", "hypothesis"])
def test_another_seed_explores_other_schedules(strategy: str) -> None:
    a, _ = explore(strategy, seed=1)
    b, _ = explore(strategy, seed=2)
    assert [r.trace_sha256 for r in a] != [r.trace_sha256 for r in b]


def test_unknown_strategy_and_bad_options_are_one_line_errors() -> None:
    with pytest.raises(StrategyError, match="bogus: unknown strategy"):
        resolve_strategy("bogus")
    with pytest.raises(StrategyError, match="pct depth"):
        PCTStrategy(0)
    with pytest.raises(StrategyError, match="exhaustive bound"):
        ExhaustiveStrategy(9)


# --- pct ------------------------------------------------------------------------------------------------


def _preferences(result: RunResult) -> dict[frozenset[str], set[str]]:
    """For every pair of actors that raced, which of them won."""
    won: dict[frozenset[str], set[str]] = {}
    for c in result.choices:
        if c.label.startswith("tie:"):
            for other in c.options:
                if other != c.taken:
                    won.setdefault(frozenset((c.taken, other)), set()).add(c.taken)
    return won


def test_pct_without_change_points_always_runs_the_highest_priority_actor() -> None:
    runs, _ = explore("pct", budget=40, depth=1)
    raced = [r for r in runs if any(c.label.startswith("tie:") for c in r.choices)]
    assert raced
    for r in raced:  # a fixed priority order: the same actor wins every race of a pair within a run
        assert all(len(winners) == 1 for winners in _preferences(r).values()), [c for c in r.choices if c.label.startswith("tie:")]
    winners = {next(iter(w)) for r in raced for w in _preferences(r).values()}
    assert len(winners) > 1  # ... and the priorities are random across runs


def test_pct_change_point_demotes_the_running_actor() -> None:
    choices = PCTChoices(seed=5, depth=2, races=1)  # the only change point is the first race
    actors = ["session-1", "session-2"]
    top = max(actors, key=lambda a: (choices._priority(a), a))
    assert actors[choices.pick_tie(actors)] != top  # demoted at the change point
    assert actors[choices.pick_tie(actors)] != top  # and it stays below the other actor
    assert [c.label for c in choices.record] == ["tie:session-1/session-2"] * 2


def test_pct_states_its_detection_bound() -> None:
    assert detection_bound(2, 4, 3) == 1 / 32
    _, info = explore("pct", budget=5, depth=3)
    n, k, d = info.params["actors"], info.params["races_per_run"], info.params["depth"]
    assert (n, d) == (2, 3) and k >= 1
    assert info.bound == 1 / (n * k ** (d - 1))
    assert info.bound_text is not None and "1/(n·k^(d−1))" in info.bound_text
    assert info.to_json()["detection_bound"] == info.bound


# --- exhaustive ---------------------------------------------------------------------------------------


def test_exhaustive_runs_every_schedule_within_the_bound_once() -> None:
    runs, info = explore("exhaustive", TINY, budget=100, depth=2)
    values = sorted(tuple(c.value for c in r.choices) for r in runs)
    assert values == sorted(itertools.product((0, 1), (0, 1)))  # all four, no repeats
    assert info.exhausted is True and info.complete is True and info.distinct == 4

    runs, info = explore("exhaustive", TINY, budget=100, depth=1)
    assert sorted(tuple(c.value for c in r.choices) for r in runs) == [(0, 0), (0, 1), (1, 0)]
    assert info.exhausted is True and info.complete is False

    runs, info = explore("exhaustive", TINY, budget=2, depth=2)
    assert len(runs) == 2 and info.exhausted is False


def test_exhaustive_never_takes_an_option_the_scenario_gives_no_weight() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "success-after-rate-limit.toml")  # openai always answers 429
    runs, info = explore("exhaustive", scenario, budget=100, depth=3)
    assert info.exhausted
    for r in runs:
        assert [c.taken for c in r.choices if c.label == "provider.openai.fault"] == ["rate_limit"]


def test_exhaustive_shards_partition_the_judged_schedules() -> None:
    whole, _ = explore("exhaustive", TINY, budget=100, depth=2)
    parts: list[RunResult] = []

    def visit(result: RunResult) -> bool:
        parts.append(result)
        return False

    for i in (1, 2):
        ExhaustiveStrategy(2).explore(TINY, REFERENCE, seed=7, budget=100, shard=(i, 2), visit=visit)
    assert sorted(r.trace_sha256 for r in parts) == sorted(r.trace_sha256 for r in whole)


# --- hypothesis -----------------------------------------------------------------------------------------


def test_hypothesis_shrinks_a_failure_and_saves_it_in_its_database(tmp_path: Path) -> None:
    target = resolve_target("mutant:summary-miscount")
    scenario = load_scenario(ROOT / "scenarios" / "rate-limit-storm.toml")
    found: list[RunResult] = []
    strategy = resolve_strategy("hypothesis", database=tmp_path / "db")
    info = strategy.explore(scenario, target, seed=3, budget=200, shard=(1, 1), visit=lambda r: bool(found.append(r) or not r.ok))
    assert info.stopped and not found[-1].ok
    shrunk = info.shrunk["summary-honest"]
    assert any(v.invariant == "summary-honest" for v in shrunk.verdicts.violations)
    assert size(shrunk) <= size(found[-1])
    assert any(p.is_file() for p in (tmp_path / "db").rglob("*"))  # remembered for the next exploration

    again: list[RunResult] = []  # the database replays the saved failure first
    strategy.explore(scenario, target, seed=99, budget=200, shard=(1, 1), visit=lambda r: bool(again.append(r) or not r.ok))
    assert len(again) == 1 and not again[0].ok


@settings(max_examples=30, deadline=None)
@given(error_graphs())
def test_error_graphs_are_finite_graphs_with_a_leaf(err: E.JSError) -> None:
    nodes = list(E.walk(err))
    assert 1 <= len(nodes) <= 40
    assert any(n.kind not in ("wrapper", "abort") for n in nodes)
    E.describe(err)  # renders cycles without looping


@settings(max_examples=8, deadline=None)
@given(worlds(max_sessions=3))
def test_generated_worlds_run_and_replay_exactly(scenario: Scenario) -> None:
    result = run_seed(scenario, REFERENCE, 1)
    replayed = run_once(scenario, REFERENCE, ReplayChoices([c.value for c in result.choices]), 1)
    assert replayed.trace_sha256 == result.trace_sha256


@settings(max_examples=30, deadline=None)
@given(faults())
def test_fault_mixes_are_valid_scenario_tables(mix: dict[str, float]) -> None:
    assert sum(mix.values()) <= 1.0 + 1e-9
    parse_scenario({"providers": {"*": {"faults": mix}}})


def test_the_package_registers_the_hypothesis_profiles() -> None:
    for name in ("dev", "ci", "nightly"):
        settings.get_profile(name)
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None and ci.deadline is None


# --- shrinking and the suite ----------------------------------------------------------------------------


def test_shrinking_reaches_the_minimal_schedule_of_a_miscounted_summary() -> None:
    """A rate limit on each candidate of a chain shrunk to two is the least that shows `All models failed (N-1)`."""
    target = resolve_target("mutant:summary-miscount")
    scenario = load_scenario(ROOT / "scenarios" / "rate-limit-storm.toml")
    failing = next(r for r in (run_seed(scenario, target, s) for s in range(50)) if not r.ok)
    shrunk = shrink(failing, target, "summary-honest")
    assert size(shrunk) == 2 < size(failing) and len(shrunk.scenario.chain) == 2
    assert [c.taken for c in shrunk.choices if c.value] == ["rate_limit"] * 2


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_suite_reports_the_strategy_and_shrinks_what_it_finds(strategy: str) -> None:
    target = resolve_target("mutant:legacy")
    suite = run_suite([TAKEOVER], target, seed=0, budget=40, shrink=shrink, strategy=resolve_strategy(strategy))
    assert suite.strategy == strategy
    totals = suite.invariants["coordination-single-run"]
    assert totals.violated and totals.counterexample is not None and totals.shrunk is not None
    assert size(totals.shrunk) <= size(totals.counterexample)
    exploration = suite.scenarios[0].exploration
    assert exploration is not None and exploration.strategy == strategy


def test_hypothesis_runs_past_its_draw_cap_take_the_simplest_options(monkeypatch: pytest.MonkeyPatch) -> None:
    from simharness.explore import hypothesis as hypothesis_strategy

    monkeypatch.setattr(hypothesis_strategy, "MAX_DRAWS", 3)
    runs, info = explore("hypothesis", budget=15)
    assert info.runs == len(runs) > 1
    for r in runs:  # drawn choices first, then only simplest options (a huge world never overruns Hypothesis)
        drawn = [c.value for c in r.choices if len(c.options) > 1]
        assert all(v == 0 for v in drawn[3:]), drawn
        replayed = run_once(r.scenario, REFERENCE, ReplayChoices([c.value for c in r.choices]), r.seed)
        assert replayed.trace_sha256 == r.trace_sha256


# --- pct on an ordering bug of depth 2 -------------------------------------------------------------------

LOCKSTEP_TURNS = 8
LOCKSTEP = parse_scenario(
    {
        "name": "lockstep",
        "world": {"sessions": 2, "files": 2, "turns": LOCKSTEP_TURNS, "chain": ["openai/gpt-a", "anthropic/claude-b"]},
        "providers": {"*": {"latency_ms": [100]}},
    }
)


def _ordering_bug_target() -> Target:
    """The reference driver, except that it forgets to stop on success when session-1 called first in every
    turn but the last and session-2 called first in the last: an ordering bug of depth 2 (one preemption at
    the right race). Two sessions in lockstep race at every turn: k = 9 races per run."""
    from weakref import WeakKeyDictionary

    from simharness.drivers.reference import run_with_model_fallback as reference
    from simharness.targets import PythonTarget

    calls: WeakKeyDictionary[object, list[str]] = WeakKeyDictionary()

    def driver(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
        order = calls.setdefault(ctx.env, [])
        order.append(ctx.session)
        leaders = order[0::2]
        bug = len(order) == 2 * LOCKSTEP_TURNS - 1 and leaders == ["session-1"] * (LOCKSTEP_TURNS - 1) + ["session-2"]
        result = yield from reference(ctx, candidates, run, on_error)
        if bug:
            yield from run(*candidates[1])
        return result

    return PythonTarget("py:ordering-bug", driver)


def test_pct_finds_a_depth_2_ordering_bug_as_often_as_its_bound_promises_and_random_does_not() -> None:
    target = _ordering_bug_target()
    hits = {"random": 0, "pct": 0}
    for name in ("random", "pct"):

        def visit(result: RunResult, name: str = name) -> bool:
            hits[name] += any(v.invariant == "success-stops" for v in result.verdicts.violations)
            return False

        info = resolve_strategy(name, depth=2).explore(LOCKSTEP, target, seed=0, budget=1000, shard=(1, 1), visit=visit)
        if name == "pct":
            assert info.params["races_per_run"] == 9 and info.bound == 1 / (2 * 9)
            assert hits[name] >= info.bound * 1000 * 0.8  # the bound holds (measured: 5.8 % against 5.6 %)
    assert hits["random"] * 5 < hits["pct"]  # random needs the right coin at all 8 turns: (1/2)^8
