"""Running one world (`engine/runner.py`): a run is a pure function of its scenario, target and choices; a
recorded run replays exactly; whatever the driver does ends in a verdict, never in an exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simharness.engine.runner import RunResult, replay, run_once, run_seed, seeds_for
from simharness.model.choice import RandomChoices, ReplayChoices
from simharness.model.scenario import load_scenario, parse_scenario
from simharness.targets import PythonTarget, resolve_target

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = resolve_target("reference")
TAKEOVER = load_scenario(ROOT / "scenarios" / "takeover-race.toml")
MIXED = load_scenario(ROOT / "scenarios" / "mixed-faults.toml")

#: One session, one provider that fails half the time: small, and every run makes choices.
SMALL = parse_scenario(
    {
        "name": "small",
        "world": {"chain": ["openai/gpt-a", "anthropic/claude-b"]},
        "providers": {"*": {"latency_ms": [10, 20], "faults": {"rate_limit": 0.5}}},
    }
)


def _values(result: RunResult) -> list[int]:
    return [c.value for c in result.choices]


@pytest.mark.parametrize("scenario", [TAKEOVER, MIXED, SMALL], ids=lambda s: s.name)
def test_the_same_seed_gives_the_same_trace(scenario: Any) -> None:
    first = run_seed(scenario, REFERENCE, 11)
    again = run_seed(scenario, REFERENCE, 11)
    assert first.choices and first.trace_sha256 == again.trace_sha256
    assert first.trace.events == again.trace.events and _values(first) == _values(again)
    assert [v.message for v in first.verdicts.violations] == [v.message for v in again.verdicts.violations]
    assert first.seed == 11 and first.target == REFERENCE.spec


def test_different_seeds_explore_different_schedules() -> None:
    hashes = {run_seed(MIXED, REFERENCE, seed).trace_sha256 for seed in range(8)}
    assert len(hashes) > 1


def test_run_seed_is_run_once_with_the_seeded_random_walk() -> None:
    assert run_seed(SMALL, REFERENCE, 5).trace_sha256 == run_once(SMALL, REFERENCE, RandomChoices(5), 5).trace_sha256


@pytest.mark.parametrize("seed", range(5))
def test_replaying_the_recorded_choices_reproduces_the_run(seed: int) -> None:
    original = run_seed(MIXED, REFERENCE, seed)
    replayed = replay(MIXED, REFERENCE, _values(original), seed)
    assert replayed.trace_sha256 == original.trace_sha256
    assert replayed.choices == original.choices
    assert replayed.verdicts.violations == original.verdicts.violations


def test_a_replay_past_its_end_takes_the_simplest_option_everywhere() -> None:
    empty = replay(SMALL, REFERENCE, [])
    assert all(c.value == 0 for c in empty.choices)
    assert empty.trace_sha256 == run_once(SMALL, REFERENCE, ReplayChoices([0] * len(empty.choices))).trace_sha256


def test_a_failing_run_replays_to_the_same_violation() -> None:
    target = resolve_target("mutant:legacy")
    failing = next(r for r in (run_seed(TAKEOVER, target, s) for s in range(50)) if not r.ok)
    again = replay(TAKEOVER, target, _values(failing), failing.seed)
    assert again.trace_sha256 == failing.trace_sha256
    assert [(v.invariant, v.message) for v in again.verdicts.violations] == [(v.invariant, v.message) for v in failing.verdicts.violations]


def _crashing(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
    yield ctx.env.timeout(10)
    raise ValueError("boom")


def test_a_driver_crash_is_a_driver_contract_verdict_naming_its_line() -> None:
    result = run_seed(SMALL, PythonTarget("py:crash", _crashing), 0)
    assert not result.ok
    assert {v.invariant for v in result.verdicts.violations} == {"driver-contract"}
    line = _crashing.__code__.co_firstlineno + 2
    assert all(f"the driver raised ValueError: boom at test_runner.py:{line}" in v.message for v in result.verdicts.violations)
    assert replay(SMALL, PythonTarget("py:crash", _crashing), _values(result), 0).trace_sha256 == result.trace_sha256


def _spinning(ctx: Any, candidates: Any, run: Any, on_error: Any) -> Any:
    while True:  # yields to simpy, but never ends
        yield ctx.env.timeout(0)


def test_a_run_past_its_step_budget_is_a_terminates_verdict() -> None:
    bounded = parse_scenario({"name": "bounded", "world": {"chain": ["openai/gpt-a"], "max_steps": 100}})
    result = run_seed(bounded, PythonTarget("py:spin", _spinning), 0)
    assert [v.invariant for v in result.verdicts.violations] == ["terminates"]
    assert result.trace.events[-1].kind == "liveness.exceeded"
    again = run_seed(bounded, PythonTarget("py:spin", _spinning), 0)
    assert again.trace_sha256 == result.trace_sha256  # stopped at the same step every time


def test_a_correct_driver_on_a_fault_free_world_holds_every_invariant() -> None:
    calm = parse_scenario({"name": "calm", "world": {"chain": ["openai/gpt-a"]}})
    result = run_seed(calm, REFERENCE, 0)
    assert result.ok and not result.verdicts.violations


def test_seeds_for_shards_partition_the_runs() -> None:
    whole = list(seeds_for(SMALL, 3, 10))
    shards = [list(seeds_for(SMALL, 3, 10, (i, 3))) for i in (1, 2, 3)]
    assert sorted(s for shard in shards for s in shard) == sorted(whole) and len(set(whole)) == 10
