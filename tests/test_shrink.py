"""The shrinker's named passes, each on a small synthetic failure, their statistics, and shrinking real runs:
a shrunk run still violates the same invariant, replays byte for byte and is never bigger than what it shrank."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from simharness.engine.runner import RunResult, replay, run_seed
from simharness.engine.shrink import (
    PASSES,
    Shrinker,
    delete_pairs,
    delete_singles,
    drop_tails,
    lower_choices,
    shrink,
    shrink_with_stats,
    size,
    zero_aligned,
)
from simharness.engine.shrink_world import world_size, world_summary
from simharness.model.choice import ChoiceSource, ReplayChoices
from simharness.model.scenario import load_scenario
from simharness.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
STORM = load_scenario(ROOT / "scenarios" / "rate-limit-storm.toml")
MISCOUNT = resolve_target("mutant:summary-miscount")


def _first_failure(scenario_name: str, target_spec: str) -> RunResult:
    scenario = load_scenario(ROOT / "scenarios" / f"{scenario_name}.toml")
    target = resolve_target(target_spec)
    return next(r for r in (run_seed(scenario, target, s) for s in range(100)) if not r.ok)


#: A real failing run lends its verdicts and its shape to the synthetic ones (its world is never run here).
REAL = _first_failure("rate-limit-storm", "mutant:summary-miscount")
INVARIANT = REAL.verdicts.violations[0].invariant
FAILS = REAL.verdicts
HOLDS = dataclasses.replace(REAL.verdicts, violations=[])

#: A synthetic world: asks its choice source whatever it likes and says whether the run fails.
Program = Callable[[ChoiceSource], bool]


def _execute(program: Program) -> Callable[[ChoiceSource], RunResult]:
    def execute(source: ChoiceSource) -> RunResult:
        failed = program(source)
        return dataclasses.replace(REAL, choices=tuple(source.record), verdicts=FAILS if failed else HOLDS)

    return execute


def _shrinker(program: Program, values: list[int], *, max_runs: int = 400, max_seconds: float = 60.0) -> Shrinker:
    """A shrinker over the synthetic world, starting from the run that `values` replays (which must fail)."""
    execute = _execute(program)
    start = execute(ReplayChoices(values))
    assert start.verdicts is FAILS, "the synthetic start must fail"
    return Shrinker(start, INVARIANT, execute, max_runs=max_runs, max_seconds=max_seconds)


def _values(s: Shrinker) -> list[int]:
    return [c.value for c in s.best.choices]


# --- synthetic worlds -----------------------------------------------------------------------------------


def first_is_one(source: ChoiceSource) -> bool:
    """Eight yes/no points; fails when the first is yes (the rest is noise)."""
    asked = [source.choose("p", ("no", "yes")) for _ in range(8)]
    return asked[0] == 1


def at_least_three(source: ChoiceSource) -> bool:
    """One point with ten options; fails from option 3 up."""
    return source.choose("x", tuple("0123456789")) >= 3


def retry_then_win(source: ChoiceSource) -> bool:
    """A fault asks for a retry delay; the run fails when `win` says yes, whatever came before."""
    if source.choose("fault", ("ok", "fail")):
        source.choose("retry", ("0", "1", "2"))
    return source.choose("win", ("no", "yes")) == 1


def any_two(source: ChoiceSource) -> bool:
    """Four points with three options; fails when any of them took option 2."""
    return 2 in [source.choose("p", ("0", "1", "2")) for _ in range(4)]


def lower_is_longer(source: ChoiceSource) -> bool:
    """Option 1 asks four more points: a lower first choice that fails, but makes a longer run."""
    first = source.choose("a", ("0", "1", "2"))
    if first == 1:
        for _ in range(4):
            source.choose("b", ("no", "yes"))
    return first >= 1


# --- each pass does its job -----------------------------------------------------------------------------


def test_the_passes_run_in_a_fixed_named_order() -> None:
    assert [p.__name__ for p in PASSES] == [
        "fewer_sessions",
        "fewer_turns",
        "fewer_writers",
        "fewer_files",
        "shorter_chain",
        "drop_tails",
        "lower_choices",
        "zero_aligned",
        "delete_pairs",
        "delete_singles",
    ]


def test_drop_tails_cuts_what_the_failure_does_not_need() -> None:
    s = _shrinker(first_is_one, [1] * 8)
    assert s.run_pass(drop_tails)
    assert _values(s) == [1, 1, 1, 1, 0, 0, 0, 0]  # the last half replays as the simplest options
    stats = s.stats.passes["drop_tails"]
    assert (stats.attempts, stats.successes) == (4, 1)  # the half kept; half, quarter, eighth again gain nothing
    assert all(p.attempts == 0 for name, p in s.stats.passes.items() if name != "drop_tails")


def test_lower_choices_zeroes_halves_and_decrements_one_choice() -> None:
    s = _shrinker(at_least_three, [9])
    assert s.run_pass(lower_choices)
    assert _values(s) == [4]  # zero does not fail, half (4) does: the pass stops at the first simpler failure
    assert (s.stats.passes["lower_choices"].attempts, s.stats.passes["lower_choices"].successes) == (2, 1)
    assert s.run_pass(lower_choices) and _values(s) == [3]  # 0 and 2 hold, 3 fails
    assert not s.run_pass(lower_choices) and _values(s) == [3]  # minimal: nothing simpler fails


def test_zero_aligned_keeps_the_rest_at_its_labels_where_positional_zeroing_cannot() -> None:
    positional = _shrinker(retry_then_win, [1, 2, 1])
    positional.run_pass(lower_choices)
    assert _values(positional) == [1, 0, 1]  # zeroing the fault shifts `win` onto the retry's slot

    aligned = _shrinker(retry_then_win, [1, 2, 1])
    assert aligned.run_pass(zero_aligned)
    assert _values(aligned) == [0, 1]  # no fault, no retry, and `win` keeps its own value
    assert aligned.stats.passes["zero_aligned"].successes == 1


def test_delete_pairs_and_singles_remove_choices_and_realign_what_follows() -> None:
    s = _shrinker(any_two, [1, 1, 1, 2])
    assert s.run_pass(delete_pairs)
    assert _values(s) == [1, 2, 0, 0]  # the middle pair gone: the 2 moves up, the end replays as 0
    assert s.run_pass(delete_singles)
    assert _values(s) == [2, 0, 0, 0]
    assert s.stats.passes["delete_pairs"].successes == 1 and s.stats.passes["delete_singles"].successes == 1


def test_a_pass_that_finds_nothing_says_so_and_keeps_the_run() -> None:
    s = _shrinker(at_least_three, [3])
    before = s.best
    assert not s.run_pass(drop_tails) and not s.run_pass(delete_singles)
    assert s.best is before


def test_a_failing_candidate_that_is_not_simpler_is_not_kept() -> None:
    s = _shrinker(lower_is_longer, [2])
    result = s.run()
    assert [c.value for c in result.choices] == [2]  # [1, 0, 0, 0, 0] fails too, but it is longer
    assert s.stats.attempts > 0 and s.stats.successes == 0


# --- statistics and budgets -----------------------------------------------------------------------------


def test_statistics_count_every_replay_and_every_kept_run() -> None:
    kept: list[int] = []
    replays: list[int] = []

    def counting(source: ChoiceSource) -> bool:
        replays.append(1)
        failed = any_two(source)
        return failed

    s = _shrinker(counting, [1, 1, 1, 2])
    replays.clear()  # the start run is not the shrinker's
    original_keep = s._keep

    def keep(candidate: RunResult) -> bool:
        ok = original_keep(candidate)
        kept.extend([1] if ok else [])
        return ok

    s._keep = keep  # type: ignore[method-assign]
    s.run()
    assert s.stats.attempts == len(replays) > 0
    assert s.stats.successes == len(kept) > 0
    assert list(s.stats.passes) == [p.__name__ for p in PASSES]
    assert s.stats.rounds >= 2  # the last round is the one in which nothing helped
    assert size(s.best) == 1


def test_the_replay_budget_bounds_the_attempts() -> None:
    s = _shrinker(any_two, [1, 1, 1, 2], max_runs=3)
    s.run()
    assert s.stats.attempts == 3 and s.stats.rounds == 1 and not s.stats.out_of_time


def test_out_of_time_stops_before_any_replay_and_says_so() -> None:
    s = _shrinker(any_two, [1, 1, 1, 2], max_seconds=0.0)
    result = s.run()
    assert s.stats.out_of_time and s.stats.attempts == 0
    assert result.shrink_stopped == "stopped at its wall-clock budget of 0 s"
    assert [c.value for c in result.choices] == [1, 1, 1, 2]


# --- real runs ------------------------------------------------------------------------------------------


def _key(r: RunResult) -> tuple[int, int, int, list[int]]:
    """The world first, then the choices (`shrink._order`)."""
    return world_size(r.scenario), size(r), len(r.choices), [c.value for c in r.choices]


@pytest.mark.parametrize(
    ("scenario", "target"),
    [("rate-limit-storm", "mutant:summary-miscount"), ("takeover-race", "mutant:legacy"), ("lock-contention", "mutant:idle-burn")],
)
def test_a_shrunk_run_still_violates_the_invariant_replays_exactly_and_never_grows(scenario: str, target: str) -> None:
    failing = _first_failure(scenario, target)
    invariant = failing.verdicts.violations[0].invariant
    resolved = resolve_target(target)
    shrunk = shrink_with_stats(failing, resolved, invariant)
    result = shrunk.result
    assert any(v.invariant == invariant for v in result.verdicts.violations)
    assert _key(result) <= _key(failing)
    again = replay(result.scenario, resolved, [c.value for c in result.choices], result.seed)
    assert again.trace_sha256 == result.trace_sha256 and again.trace.events == result.trace.events
    assert shrunk.stats.attempts <= 400 and (shrunk.stats.successes > 0) == (result is not failing)
    assert shrink(failing, resolved, invariant).trace_sha256 == result.trace_sha256  # the same passes, the same result


def test_the_storm_shrinks_to_one_session_and_two_rate_limits() -> None:
    """Pins what the passes do on one real failure: a change of order or acceptance shows here first. Before
    the world passes: 3 sessions, 3 files, a chain of 4, four rate limits, 105 replays; now 43."""
    failing = _first_failure("rate-limit-storm", "mutant:summary-miscount")
    shrunk = shrink_with_stats(failing, MISCOUNT, "summary-honest")
    assert [c.taken for c in shrunk.result.choices if c.value] == ["rate_limit"] * 2
    assert world_summary(shrunk.result.scenario) == {"sessions": 1, "turns": 1, "writers": 0, "files": 1, "chain": 2}
    counts = {name: (p.attempts, p.successes) for name, p in shrunk.stats.passes.items()}
    assert counts == PINNED_STORM_COUNTS, counts


#: (replays tried, runs kept) per pass; 43 replays in all (fewer_sessions' first is the attributing replay).
PINNED_STORM_COUNTS = {
    "fewer_sessions": (2, 1),
    "fewer_turns": (0, 0),
    "fewer_writers": (0, 0),
    "fewer_files": (1, 1),
    "shorter_chain": (6, 2),
    "drop_tails": (5, 1),
    "lower_choices": (13, 1),
    "zero_aligned": (4, 0),
    "delete_pairs": (8, 0),
    "delete_singles": (4, 0),
}
