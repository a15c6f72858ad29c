"""Shrinking the world (issue 14): the scenario edits of `engine.shrink_world`, the world passes of the shrinker,
and what they promise on a crowded world — the same invariant still violated, a schedule file that rebuilds the
smaller world and replays byte for byte, and a suite that still rechecks the shrunk counterexample."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from simharness.check.verdicts import Violation
from simharness.engine.runner import RunResult, replay, run_seed
from simharness.engine.schedule import load_schedule, save_schedule
from simharness.engine.shrink import Shrinker, fewer_sessions, fewer_writers, shrink, shrink_with_stats, size
from simharness.engine.shrink_world import (
    Attributing,
    carry,
    sessions_of_file,
    with_turns,
    without_candidate,
    without_sessions,
    without_writers,
    world_summary,
)
from simharness.model.choice import Choice, ChoiceSource
from simharness.model.scenario import Scenario, load_scenario, parse_scenario
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
CROWDED = load_scenario(ROOT / "tests" / "data" / "crowded.toml")


def _world(**world: object) -> Scenario:
    return parse_scenario({"world": world, "writers": [{"count": 2}, {"name": "cron"}]}, "inline.toml")


# --- the scenario edits ---------------------------------------------------------------------------------


def test_without_sessions_renumbers_the_later_ones_and_keeps_the_name_and_the_rest() -> None:
    sc = _world(sessions=5, files=2, chain=["a/x", "b/y"])
    smaller = without_sessions(sc, [1, 3])
    assert smaller is not None
    assert (smaller.scenario.sessions, smaller.scenario.files, smaller.scenario.name) == (3, 2, "inline")
    assert dict(smaller.actors) == {"session-2": None, "session-4": None, "session-3": "session-2", "session-5": "session-3"}
    assert smaller.scenario.source["writers"] == sc.source["writers"]  # the rest of the source is untouched
    assert without_sessions(sc, range(5)) is None and without_sessions(sc, []) is None  # one session stays


def test_removing_a_writer_pins_the_names_its_neighbours_had_by_position() -> None:
    sc = _world()
    assert [w.name for w in sc.writers] == ["writer1", "cron"]
    gone = without_writers(sc, 0, [0, 1])
    assert gone is not None and [w.name for w in gone.scenario.writers] == ["cron"]
    assert dict(gone.actors) == {"writer:writer1-1": None, "writer:writer1-2": None}
    one = without_writers(sc, 0, [0])
    assert one is not None and one.scenario.writers[0].count == 1 and one.actors["writer:writer1-2"] == "writer:writer1-1"
    only = without_writers(parse_scenario({"writers": [{"name": "cron"}]}, "w.toml"), 0, [0])
    assert only is not None and only.scenario.writers == () and "writers" not in only.scenario.source


def test_sessions_of_file_keeps_those_that_shared_it_on_that_file_alone() -> None:
    sc = _world(sessions=7, files=3)
    smaller = sessions_of_file(sc, 4)  # session-5 wrote file 4 mod 3 = 1, with session-2
    assert smaller is not None and (smaller.scenario.sessions, smaller.scenario.files) == (2, 1)
    assert smaller.actors["session-2"] == "session-1" and smaller.actors["session-5"] == "session-2"
    assert smaller.actors["session-1"] is None and smaller.actors["session-7"] is None


def test_edits_that_would_not_shrink_are_refused() -> None:
    sc = _world(sessions=1, turns=1, chain=["a/x"])
    assert with_turns(sc, 1) is None and without_candidate(sc, 0) is None and sessions_of_file(sc, 0) is None


def test_carry_drops_the_gone_renames_the_moved_and_decides_ties_for_the_same_actor() -> None:
    actors = {"session-1": None, "session-2": "session-1", "session-3": "session-2"}
    choices = [
        Choice("session-1.start", 1, ("0 ms", "50 ms")),
        Choice("session-2.start", 1, ("0 ms", "50 ms")),
        Choice("tie:session-1/session-3/writer:w-1", 1, ("session-1", "session-3", "writer:w-1")),
        Choice("tie:session-1/session-2", 1, ("session-1", "session-2")),  # one actor left: not a choice
        Choice("tie:session-1/session-2/session-3", 0, ("session-1", "session-2", "session-3")),  # the gone one won
        Choice("provider.openai.fault", 1, ("success", "rate_limit")),  # made by the gone session-1
        Choice("provider.openai.fault", 1, ("success", "rate_limit")),  # made by session-3
    ]
    owners = [None, None, None, None, None, "session-1", "session-3"]
    assert carry(choices, actors, owners) == [
        Choice("session-1.start", 1, ("0 ms", "50 ms")),
        Choice("tie:session-2/writer:w-1", 0, ("session-2", "writer:w-1")),
        Choice("provider.openai.fault", 1, ("success", "rate_limit")),
    ]
    assert carry(choices, {}) == choices


def test_attributing_names_the_actor_that_made_each_choice() -> None:
    target = resolve_target("mutant:summary-miscount")
    run = run_seed(CROWDED, target, 3)
    source = Attributing([c.value for c in run.choices])
    again = replay(CROWDED, target, [c.value for c in run.choices], run.seed)
    from simharness.engine.runner import run_once

    attributed = run_once(CROWDED, target, source, run.seed)
    assert attributed.trace_sha256 == run.trace_sha256 == again.trace_sha256  # it replays, it does not steer
    assert len(source.owners) == len(run.choices)
    for c, owner in zip(run.choices, source.owners, strict=True):
        if c.label.startswith(("session-", "writer:")):
            assert owner == c.label.rpartition(".")[0]
        if c.label.startswith("tie:"):
            assert owner is None  # the scheduler's own choice
    assert any(o and o.startswith("session-") for c, o in zip(run.choices, source.owners, strict=True) if c.label.startswith("provider."))


# --- the world passes ------------------------------------------------------------------------------------


def _failure(scenario: Scenario, mutant: str) -> tuple[RunResult, str]:
    target = resolve_target(f"mutant:{mutant}")
    run = next(r for r in (run_seed(scenario, target, s) for s in range(60)) if not r.ok)
    return run, run.verdicts.violations[0].invariant


def test_a_smaller_world_violating_another_invariant_or_none_is_not_kept() -> None:
    """Written to fool the world passes: every smaller world fails, but with a different invariant (or holds)."""
    start, invariant = _failure(load_scenario(ROOT / "scenarios" / "rate-limit-storm.toml"), "summary-miscount")
    other = dataclasses.replace(start.verdicts, violations=[Violation("terminates", "not the one we shrink", 0)])
    holds = dataclasses.replace(start.verdicts, violations=[])
    seen: list[int] = []

    def execute_world(scenario: Scenario, source: ChoiceSource) -> RunResult:
        seen.append(scenario.sessions)
        verdicts = start.verdicts if scenario is start.scenario else other if scenario.sessions % 2 else holds
        return dataclasses.replace(start, scenario=scenario, verdicts=verdicts)

    s = Shrinker(start, invariant, lambda src: execute_world(start.scenario, src), max_runs=50, max_seconds=60, execute_world=execute_world)
    assert not fewer_sessions(s) and not fewer_writers(s)
    assert s.best is start and len(seen) > 1 and s.stats.passes["fewer_sessions"].successes == 0


def test_without_a_world_runner_the_world_passes_try_nothing() -> None:
    start, invariant = _failure(load_scenario(ROOT / "scenarios" / "rate-limit-storm.toml"), "summary-miscount")
    s = Shrinker(start, invariant, lambda src: start, max_runs=50, max_seconds=60)
    assert not fewer_sessions(s) and s.stats.passes["fewer_sessions"].attempts == 0


@pytest.mark.parametrize(
    ("mutant", "twice"),
    # lock-by-name-only needs the attributing replay and the one-file world; it is shrunk once (3 s)
    [("size-only-fingerprint", True), ("lock-by-name-only", False), ("summary-miscount", True)],
)
def test_a_crowded_counterexample_shrinks_to_a_small_world_that_replays_from_its_schedule(mutant: str, twice: bool, tmp_path: Path) -> None:
    """16 sessions, 3 turns, 4 files, 3 writers: the violation needs one or two sessions and one file; the
    schedule file carries the smaller world, and replaying it twice gives the recorded trace."""
    failing, invariant = _failure(CROWDED, mutant)
    target = resolve_target(f"mutant:{mutant}")
    result = shrink_with_stats(failing, target, invariant).result
    world = world_summary(result.scenario)
    assert world["sessions"] <= 2 and world["files"] == 1 and world["writers"] <= 1, world
    assert size(result) <= 5 < size(failing)
    assert any(v.invariant == invariant for v in result.verdicts.violations)

    path = save_schedule(tmp_path / "ce.json", result, invariant=invariant, original=failing)
    schedule = load_schedule(path)
    assert world_summary(schedule.scenario) == world and schedule.scenario.name == "crowded"
    for _ in range(2):
        again = replay(schedule.scenario, target, list(schedule.values), schedule.seed)
        assert again.trace_sha256 == schedule.trace_sha256 == result.trace_sha256
    if twice:
        assert shrink(failing, target, invariant).trace_sha256 == result.trace_sha256  # deterministic shrinking

    from simharness.cli import main

    assert main(["replay", str(path), "--target", f"mutant:{mutant}"]) == 1  # violated, and identical (below)


def test_a_suite_rechecks_a_counterexample_whose_world_was_shrunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite replays every shown counterexample twice more under --check-determinism; a shrunk one runs a
    smaller scenario than the suite's, and must be rechecked all the same (not skipped as another's)."""
    from simharness.explore import suite as suite_module

    calls: list[Scenario] = []
    real = suite_module.replay

    def counting(scenario: Scenario, *args: object, **kwargs: object) -> RunResult:
        calls.append(scenario)
        return real(scenario, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(suite_module, "replay", counting)
    target = resolve_target("mutant:size-only-fingerprint")
    result = suite_module.run_suite([CROWDED], target, seed=0, budget=3, check_determinism=True, shrink=shrink)
    shown = result.invariants["no-silent-overwrite"].shrunk
    assert shown is not None and shown.scenario.sessions < CROWDED.sessions
    assert sum(1 for sc in calls if sc is shown.scenario) == 2
    assert result.invariants["deterministic"].violated == 0
