"""Shrinking: make a failing run's choice sequence as simple as possible while it still fails.

Works for every strategy because every run is a choice sequence and index 0 is always the simplest option.
Named passes (`PASSES`), repeated in order while any of them helps (the Hypothesis approach, on our own
sequences), bounded by `max_runs` replays, each change kept only if the run still violates the same invariant:

1. `drop_tails`: drop tails (past its end a replay takes the simplest option everywhere);
2. `lower_choices`: zero, halve or decrement single choices, last first, positionally;
3. `zero_aligned`: zero single choices *aligned by label*: the other choices keep the values they had at their
   own labels (the k-th `provider.openai.fault` keeps its value) instead of their positions. Simplifying an
   early choice often changes how many choices follow (one fault fewer is one retry-after fewer), which shifts
   a positional sequence out of step; aligned by label, the rest of the schedule stays what it was;
4. `delete_pairs`, then `delete_singles`: delete adjacent pairs of choices (a fault and its latency), then
   single choices, which realigns what follows.

Like Hypothesis's shrinker, each pass keeps statistics (`ShrinkStats`: replays tried and kept per pass, and
the rounds over the table), returned by `shrink_with_stats`; `shrink` returns the run alone.

Size is what a reader has to take in: the number of choices that are not the simplest option, then the
length, then the values. The result is a run like any other: its recorded values replay it positionally.

Shrinking also has a wall-clock budget (`max_seconds`, the CLI's `--shrink-seconds`): a counterexample whose
every replay runs to the step budget (an endless `timeout(0)` loop) would otherwise shrink for many minutes.
The budget is checked between replays, so the result is always the smallest run found so far — a valid,
replaying schedule — and `RunResult.shrink_stopped` says that shrinking stopped early.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simharness.engine.runner import RunResult, run_once
from simharness.model.choice import Choice, ChoiceSource, ReplayChoices
from simharness.model.target import Target

#: Wall-clock seconds one counterexample may spend shrinking (the CLI's `--shrink-seconds` default).
DEFAULT_SHRINK_SECONDS = 30.0


def size(result: RunResult) -> int:
    """What a reader has to take in: the choices that are not the simplest option."""
    return sum(1 for c in result.choices if c.value)


def _simpler(a: RunResult, b: RunResult) -> bool:
    return (size(a), len(a.choices), [c.value for c in a.choices]) < (size(b), len(b.choices), [c.value for c in b.choices])


class LabelAligned(ChoiceSource):
    """Replays recorded choices matched by (label, occurrence) rather than by position; unmatched: 0."""

    def __init__(self, choices: Sequence[Choice]) -> None:
        super().__init__()
        self._by_label: dict[tuple[str, int], int] = {}
        seen: dict[str, int] = {}
        for c in choices:
            k = seen.get(c.label, 0)
            seen[c.label] = k + 1
            self._by_label[(c.label, k)] = c.value
        self._asked: dict[str, int] = {}

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        k = self._asked.get(label, 0)
        self._asked[label] = k + 1
        return self._by_label.get((label, k), 0)


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


#: Runs the failing run's world again with a given choice source (`run_once` on its scenario, target and seed).
Execute = Callable[[ChoiceSource], RunResult]


class Shrinker:
    """The state the passes share: the best run so far, the replay budget, and the statistics.

    `execute` runs the world once from a choice source; the passes only ever see runs it returned, so a test
    can drive them with a synthetic world."""

    def __init__(self, result: RunResult, invariant: str, execute: Execute, *, max_runs: int, max_seconds: float) -> None:
        self.invariant, self.execute = invariant, execute
        self.best = result
        self.budget = max_runs
        self.max_seconds = max_seconds
        self.deadline = time.monotonic() + max_seconds  # read between replays, never inside a run
        self.stats = ShrinkStats({shrink_pass.__name__: PassStats() for shrink_pass in PASSES})
        self._current = PassStats()  # the stats of the pass running now (`run_pass`)

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
PASSES: tuple[Callable[[Shrinker], bool], ...] = (drop_tails, lower_choices, zero_aligned, delete_pairs, delete_singles)


def shrink_with_stats(
    result: RunResult, target: Target, invariant: str, *, max_runs: int = 400, max_seconds: float = DEFAULT_SHRINK_SECONDS
) -> Shrunk:
    """Shrink `result` (which violates `invariant`) and say what each pass did."""

    def execute(source: ChoiceSource) -> RunResult:
        return run_once(result.scenario, target, source, result.seed)

    shrinker = Shrinker(result, invariant, execute, max_runs=max_runs, max_seconds=max_seconds)
    return Shrunk(shrinker.run(), shrinker.stats)


def shrink(
    result: RunResult, target: Target, invariant: str, *, max_runs: int = 400, max_seconds: float = DEFAULT_SHRINK_SECONDS
) -> RunResult:
    """Shrink `result` (which violates `invariant`): the simplest run found that still violates it."""
    return shrink_with_stats(result, target, invariant, max_runs=max_runs, max_seconds=max_seconds).result
