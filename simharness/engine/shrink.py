"""Shrinking: make a failing run's choice sequence as simple as possible while it still fails.

Works for every strategy because every run is a choice sequence and index 0 is always the simplest option.
Named passes (`PASSES`), repeated in order while any of them helps (the Hypothesis approach, on our own
sequences), bounded by `max_runs` replays, each change kept only if the run still violates the same invariant.

First the world (`shrink_world`: delta debugging on the scenario's structure, the choices carried over):
`fewer_sessions` (the violating call's session alone, or those on its file, then halves, quarters, ...),
`fewer_turns`, `fewer_writers`, `fewer_files` (and locks), `shorter_chain`. Then the choices:

1. `drop_tails`: drop tails (past its end a replay takes the simplest option everywhere);
2. `lower_choices`: zero, halve or decrement single choices, last first, positionally;
3. `zero_aligned`: zero single choices *aligned by label*: the other choices keep the values they had at their
   own labels (the k-th `provider.openai.fault` keeps its value) instead of their positions. Simplifying an
   early choice often changes how many choices follow (one fault fewer is one retry-after fewer), which shifts
   a positional sequence out of step; aligned by label, the rest of the schedule stays what it was;
4. `delete_pairs`, then `delete_singles`: delete adjacent pairs of choices (a fault and its latency), then
   single choices, which realigns what follows.

Each pass keeps statistics (`ShrinkStats`, per pass: replays tried and kept), as Hypothesis's shrinker does.

Size is what a reader has to take in: the world (`world_size`: sessions × turns, writes, files, chain), then
the number of choices that are not the simplest option, then the length, then the values. The result is a
run like any other: its scenario (shrunk or not) and its recorded values replay it positionally.

Shrinking also has a wall-clock budget (`max_seconds`, the CLI's `--shrink-seconds`): a counterexample whose
every replay runs to the step budget (an endless `timeout(0)` loop) would otherwise shrink for many minutes.
The budget is checked between replays, so the result is always the smallest run found so far — a valid,
replaying schedule — and `RunResult.shrink_stopped` says that shrinking stopped early.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from simharness.engine.runner import RunResult, run_once
from simharness.engine.shrink_world import (
    Attributing,
    LabelAligned,
    SmallerWorld,
    carry,
    fewer_writes,
    gist,
    sessions_of_file,
    some_instances,
    violating_session,
    with_files,
    with_turns,
    without_candidate,
    without_sessions,
    without_writers,
    world_size,
    writer_count,
    writer_writes,
)
from simharness.model.choice import Choice, ChoiceSource, ReplayChoices
from simharness.model.scenario import Scenario
from simharness.model.target import Target

#: Wall-clock seconds one counterexample may spend shrinking (the CLI's `--shrink-seconds` default).
DEFAULT_SHRINK_SECONDS = 30.0


def size(result: RunResult) -> int:
    """What a reader has to take in: the choices that are not the simplest option."""
    return sum(1 for c in result.choices if c.value)


def _order(r: RunResult) -> tuple[int, int, int, list[int]]:
    """The world first (kept even at the price of a few more choices, which the choice passes take away)."""
    return world_size(r.scenario), size(r), len(r.choices), [c.value for c in r.choices]


def _simpler(a: RunResult, b: RunResult) -> bool:
    return _order(a) < _order(b)


@dataclass(slots=True)
class PassStats:
    """One pass's record: replays it tried, and how many of them were kept (a simpler run, still failing)."""

    attempts: int = 0
    successes: int = 0


@dataclass(slots=True)
class ShrinkStats:
    """What shrinking one counterexample did: per pass (in `PASSES` order), and rounds over the whole table."""

    passes: dict[str, PassStats] = field(default_factory=dict)
    rounds: int = 0
    out_of_time: bool = False

    @property
    def attempts(self) -> int:
        return sum(p.attempts for p in self.passes.values())

    @property
    def successes(self) -> int:
        return sum(p.successes for p in self.passes.values())


@dataclass(frozen=True, slots=True)
class Shrunk:
    """The simplest run found, and what each pass did to find it."""

    result: RunResult
    stats: ShrinkStats


#: Runs the failing run's world again with a given choice source (`run_once` on its scenario, target and seed);
#: `ExecuteWorld` runs a given world (the failing run's, or a smaller one), on the same target and seed.
Execute = Callable[[ChoiceSource], RunResult]
ExecuteWorld = Callable[[Scenario, ChoiceSource], RunResult]


class Shrinker:
    """The state the passes share: the best run so far, the replay budget, and the statistics.

    `execute` runs the world once from a choice source; the passes only ever see runs it returned, so a test
    can drive them with a synthetic world. `execute_world`, if given, runs any world (the best run's, which
    the world passes change); without it the world passes try nothing."""

    def __init__(
        self,
        result: RunResult,
        invariant: str,
        execute: Execute,
        *,
        max_runs: int,
        max_seconds: float,
        execute_world: ExecuteWorld | None = None,
    ) -> None:
        self.invariant, self.execute_world = invariant, execute_world
        first = next((v for v in result.verdicts.violations if v.invariant == invariant), None)
        self.gist = gist(first.message) if first is not None else ""  # what a smaller world must still show
        self.execute: Execute = execute if execute_world is None else (lambda source: execute_world(self.best.scenario, source))
        self.best = result
        self.budget, self.max_seconds = max_runs, max_seconds
        self.deadline = time.monotonic() + max_seconds  # read between replays, never inside a run
        self.stats = ShrinkStats({shrink_pass.__name__: PassStats() for shrink_pass in PASSES})
        self._current = PassStats()  # the stats of the pass running now (`run_pass`)
        self._attributed: tuple[RunResult | None, list[str | None]] = (None, [])  # `_owners`, for this run

    def values(self) -> list[int]:
        """The best run's choices, positionally."""
        return [c.value for c in self.best.choices]

    def spent(self) -> bool:
        if not self.stats.out_of_time and time.monotonic() >= self.deadline:
            self.stats.out_of_time = True
            self.budget = 0
        return self.budget <= 0

    def attempt(self, values: list[int]) -> bool:
        """Replay `values` positionally; keep the run if it is simpler and still violates the invariant."""
        if not self._may_replay():
            return False
        return self._keep(self.execute(ReplayChoices(values)))

    def attempt_aligned(self, choices: list[Choice]) -> bool:
        """Replay `choices` matched by label (`LabelAligned`); keep the run as `attempt` does."""
        if not self._may_replay():
            return False
        return self._keep(self.execute(LabelAligned(choices)))

    def attempt_world(self, smaller: SmallerWorld | None) -> bool:
        """Run `smaller` with the best run's choices carried over (`carry`) and replayed aligned by label; keep
        it as `attempt` does (a smaller world is simpler whatever its choices, `_order`)."""
        if smaller is None or self.execute_world is None:
            return False
        owners = self._owners() if any(v is None for v in smaller.actors.values()) else ()
        if not self._may_replay():
            return False
        candidate = self.execute_world(smaller.scenario, LabelAligned(carry(self.best.choices, smaller.actors, owners)))
        # the same invariant violated the same way: a smaller world can break a driver somewhere else (a chain
        # too short for it to index), which is another failure, not this one made smaller
        first = next((v for v in candidate.verdicts.violations if v.invariant == self.invariant), None)
        return first is not None and gist(first.message) == self.gist and self._keep(candidate)

    def _owners(self) -> list[str | None]:
        """Which actor made each of the best run's choices (one replay per best run, `Attributing`)."""
        if self._attributed[0] is not self.best and self.execute_world is not None and self._may_replay():
            source = Attributing(self.values())
            self.execute_world(self.best.scenario, source)
            self._attributed = (self.best, source.owners)
        return self._attributed[1] if self._attributed[0] is self.best else []

    def _may_replay(self) -> bool:
        """Count one replay against the budget and the running pass, if time and budget are left."""
        if self.spent():
            return False
        self.budget -= 1
        self._current.attempts += 1
        return True

    def _keep(self, candidate: RunResult) -> bool:
        if any(v.invariant == self.invariant for v in candidate.verdicts.violations) and _simpler(candidate, self.best):
            self.best = candidate
            self._current.successes += 1
            return True
        return False

    def run_pass(self, shrink_pass: Callable[[Shrinker], bool]) -> bool:
        """One pass over the best run so far, its replays counted under its name."""
        self._current = self.stats.passes[shrink_pass.__name__]
        return shrink_pass(self)

    def run(self) -> RunResult:
        """Every pass in order, again while any of them helped and replays are left."""
        improved = True
        while improved and self.budget > 0:
            improved = False
            self.stats.rounds += 1
            for shrink_pass in PASSES:
                if self.run_pass(shrink_pass):
                    improved = True
        if self.stats.out_of_time:
            return dataclasses.replace(self.best, shrink_stopped=f"stopped at its wall-clock budget of {self.max_seconds:g} s")
        return self.best


# --- the world passes: a smaller scenario, kept if the same invariant is still violated (`shrink_world`) ----


def _remove_chunks(s: Shrinker, count: Callable[[Scenario], int], smaller: Callable[[Scenario, list[int]], SmallerWorld | None]) -> bool:
    """Delta debugging over a world's parts: remove halves, then quarters, ... then single parts, last first."""
    improved = False
    chunk = count(s.best.scenario) // 2
    while chunk >= 1:
        end = count(s.best.scenario)
        while end > 0:
            start = max(0, end - chunk)
            if s.attempt_world(smaller(s.best.scenario, list(range(start, end)))):
                improved = True
            end = start
        chunk //= 2
    return improved


def fewer_sessions(s: Shrinker) -> bool:
    """Only the session whose call violated the invariant (else those on its file), then fewer sessions by
    delta debugging."""
    improved = False
    keep, n = violating_session(s.best, s.invariant), s.best.scenario.sessions
    if keep is not None and n > 1:
        improved = s.attempt_world(without_sessions(s.best.scenario, [i for i in range(n) if i != keep]))
        if not improved:  # else the sessions that shared its file, on that file alone
            improved = s.attempt_world(sessions_of_file(s.best.scenario, keep))
    return _remove_chunks(s, lambda sc: sc.sessions, without_sessions) or improved


def _fewer(s: Shrinker, current: Callable[[Scenario], int], smaller: Callable[[Scenario, int], SmallerWorld | None]) -> bool:
    """One, then half, then one less (of turns, files, a writer's writes)."""
    improved = False
    for target in (1, current(s.best.scenario) // 2, current(s.best.scenario) - 1):
        if 1 <= target < current(s.best.scenario) and s.attempt_world(smaller(s.best.scenario, target)):
            improved = True
    return improved


def fewer_turns(s: Shrinker) -> bool:
    """Fewer turns per session."""
    return _fewer(s, lambda sc: sc.turns, with_turns)


def fewer_writers(s: Shrinker) -> bool:
    """Each writer (last first) gone, else fewer of its instances by delta debugging, then fewer writes."""
    improved = False
    for spec in range(len(s.best.scenario.writers) - 1, -1, -1):
        writers = s.best.scenario.writers
        if spec >= len(writers):
            continue
        if s.attempt_world(without_writers(s.best.scenario, spec, list(range(writers[spec].count)))):
            improved = True
            continue
        if _remove_chunks(s, writer_count(spec), some_instances(spec)):
            improved = True
        if _fewer(s, writer_writes(spec), fewer_writes(spec)):
            improved = True
    return improved


def fewer_files(s: Shrinker) -> bool:
    """Fewer session files, and with them fewer locks."""
    return _fewer(s, lambda sc: sc.files, with_files)


def shorter_chain(s: Shrinker) -> bool:
    """Each fallback candidate (last first) gone from the chain."""
    improved = False
    for index in range(len(s.best.scenario.chain) - 1, -1, -1):
        if s.attempt_world(without_candidate(s.best.scenario, index)):
            improved = True
    return improved


# --- the passes: each takes the shrinker and says whether it kept a simpler run -----------------------------


def drop_tails(s: Shrinker) -> bool:
    """Drop the last half, quarter, ... of the choices (past the end every choice is the simplest one)."""
    improved = False
    values = s.values()
    cut = len(values) // 2
    while cut >= 1:
        if s.attempt(values[: len(values) - cut]):
            improved = True
            values = s.values()
            cut = min(cut, len(values) // 2)
        else:
            cut //= 2
    return improved


def lower_choices(s: Shrinker) -> bool:
    """Zero, then halve, then decrement each choice, last first (later choices depend on earlier ones)."""
    improved = False
    for i in range(len(s.best.choices) - 1, -1, -1):
        values = s.values()
        if i >= len(values) or values[i] == 0:
            continue
        for smaller in (0, values[i] // 2, values[i] - 1):
            if smaller < values[i] and s.attempt(values[:i] + [smaller] + values[i + 1 :]):
                improved = True
                break
    return improved


def zero_aligned(s: Shrinker) -> bool:
    """Zero each choice, first first, with the rest replayed aligned by label (`LabelAligned`)."""
    improved = False
    i = 0
    while i < len(s.best.choices):
        choices = list(s.best.choices)
        if choices[i].value and s.attempt_aligned(choices[:i] + [Choice(choices[i].label, 0, choices[i].options)] + choices[i + 1 :]):
            improved = True
        i += 1
    return improved


def _delete(s: Shrinker, width: int) -> bool:
    """Delete `width` adjacent choices (not all simplest already), last first; what follows realigns."""
    improved = False
    i = len(s.best.choices) - width
    while i >= 0:
        values = s.values()
        if any(values[i : i + width]) and s.attempt(values[:i] + values[i + width :]):
            improved = True
        i = min(i - 1, len(s.best.choices) - width)
    return improved


def delete_pairs(s: Shrinker) -> bool:
    """Delete adjacent pairs of choices (a fault and its latency)."""
    return _delete(s, 2)


def delete_singles(s: Shrinker) -> bool:
    """Delete single choices."""
    return _delete(s, 1)


#: The passes, in the order every round runs them.
PASSES: tuple[Callable[[Shrinker], bool], ...] = (
    fewer_sessions,
    fewer_turns,
    fewer_writers,
    fewer_files,
    shorter_chain,
    drop_tails,
    lower_choices,
    zero_aligned,
    delete_pairs,
    delete_singles,
)


def shrink_with_stats(
    result: RunResult, target: Target, invariant: str, *, max_runs: int = 400, max_seconds: float = DEFAULT_SHRINK_SECONDS
) -> Shrunk:
    """Shrink `result` (which violates `invariant`) and say what each pass did."""

    def execute_world(scenario: Scenario, source: ChoiceSource) -> RunResult:
        return run_once(scenario, target, source, result.seed)

    first_world = partial(execute_world, result.scenario)
    shrinker = Shrinker(result, invariant, first_world, max_runs=max_runs, max_seconds=max_seconds, execute_world=execute_world)
    return Shrunk(shrinker.run(), shrinker.stats)


def shrink(
    result: RunResult, target: Target, invariant: str, *, max_runs: int = 400, max_seconds: float = DEFAULT_SHRINK_SECONDS
) -> RunResult:
    """Shrink `result` (which violates `invariant`): the simplest run found that still violates it."""
    return shrink_with_stats(result, target, invariant, max_runs=max_runs, max_seconds=max_seconds).result
