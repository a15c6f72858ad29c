"""Shrinking: make a failing run's choice sequence as simple as possible while it still fails.

Works for every strategy because every run is a choice sequence and index 0 is always the simplest option.
Passes, repeated while any of them helps (the Hypothesis approach, on our own sequences), bounded by
`max_runs` replays, each change kept only if the run still violates the same invariant:

1. drop tails (past its end a replay takes the simplest option everywhere);
2. zero, halve or decrement single choices, last first, positionally;
3. zero single choices *aligned by label*: the other choices keep the values they had at their own labels
   (the k-th `provider.openai.fault` keeps its value) instead of their positions. Simplifying an early choice
   often changes how many choices follow (one fault fewer is one retry-after fewer), which shifts a positional
   sequence out of step; aligned by label, the rest of the schedule stays what it was;
4. delete single choices and adjacent pairs (a fault and its latency), which realigns what follows.

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
from collections.abc import Sequence

from simharness.engine.runner import RunResult, replay, run_once
from simharness.model.choice import Choice, ChoiceSource
from simharness.model.target import Target


def size(result: RunResult) -> int:
    """What a reader has to take in: the choices that are not the simplest option."""
    return sum(1 for c in result.choices if c.value)


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


#: Wall-clock seconds one counterexample may spend shrinking (the CLI's `--shrink-seconds` default).
DEFAULT_SHRINK_SECONDS = 30.0


def shrink(
    result: RunResult, target: Target, invariant: str, *, max_runs: int = 400, max_seconds: float = DEFAULT_SHRINK_SECONDS
) -> RunResult:
    best = result
    budget = [max_runs]
    deadline = time.monotonic() + max_seconds  # read between replays, never inside a run
    out_of_time = [False]

    def spent() -> bool:
        if not out_of_time[0] and time.monotonic() >= deadline:
            out_of_time[0] = True
            budget[0] = 0
        return budget[0] <= 0

    def accept(candidate: RunResult) -> bool:
        nonlocal best
        if any(v.invariant == invariant for v in candidate.verdicts.violations) and _simpler(candidate, best):
            best = candidate
            return True
        return False

    def attempt(values: list[int]) -> bool:
        if spent():
            return False
        budget[0] -= 1
        return accept(replay(result.scenario, target, values, result.seed))

    def attempt_aligned(choices: list[Choice]) -> bool:
        if spent():
            return False
        budget[0] -= 1
        return accept(run_once(result.scenario, target, LabelAligned(choices), result.seed))

    improved = True
    while improved and budget[0] > 0:
        improved = False
        values = [c.value for c in best.choices]
        # 1. drop tails (past the end every choice is the simplest one)
        cut = len(values) // 2
        while cut >= 1:
            if attempt(values[: len(values) - cut]):
                improved = True
                values = [c.value for c in best.choices]
                cut = min(cut, len(values) // 2)
            else:
                cut //= 2
        # 2. zero, then halve, each remaining choice, last first (later choices depend on earlier ones)
        for i in range(len(values) - 1, -1, -1):
            values = [c.value for c in best.choices]
            if i >= len(values) or values[i] == 0:
                continue
            for smaller in (0, values[i] // 2, values[i] - 1):
                if smaller < values[i] and attempt(values[:i] + [smaller] + values[i + 1 :]):
                    improved = True
                    break
        # 3. zero each remaining choice with the rest aligned by label, first first
        i = 0
        while i < len(best.choices):
            choices = list(best.choices)
            if choices[i].value and attempt_aligned(choices[:i] + [Choice(choices[i].label, 0, choices[i].options)] + choices[i + 1 :]):
                improved = True
            i += 1
        # 4. delete single choices and adjacent pairs (realigns what follows)
        for width in (2, 1):
            i = len(best.choices) - width
            while i >= 0:
                values = [c.value for c in best.choices]
                if any(values[i : i + width]) and attempt(values[:i] + values[i + width :]):
                    improved = True
                i = min(i - 1, len(best.choices) - width)
    if out_of_time[0]:
        return dataclasses.replace(best, shrink_stopped=f"stopped at its wall-clock budget of {max_seconds:g} s")
    return best


def _simpler(a: RunResult, b: RunResult) -> bool:
    return (size(a), len(a.choices), [c.value for c in a.choices]) < (size(b), len(b.choices), [c.value for c in b.choices])
