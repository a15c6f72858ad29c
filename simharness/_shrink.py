"""Shrinking: make a failing run's choice sequence as simple as possible while it still fails.

Works for every strategy because every run is a choice sequence and index 0 is always the simplest option:
drop the tail, then zero and lower single choices, keeping each change that still violates the same
invariant (the Hypothesis approach, on our own sequences). Bounded by `max_runs` replays.
"""

from __future__ import annotations

from simharness._runner import RunResult, replay
from simharness.targets._protocol import Target


def size(result: RunResult) -> int:
    """What a reader has to take in: the choices that are not the simplest option."""
    return sum(1 for c in result.choices if c.value)


def shrink(result: RunResult, target: Target, invariant: str, *, max_runs: int = 400) -> RunResult:
    best = result
    budget = [max_runs]

    def attempt(values: list[int]) -> bool:
        nonlocal best
        if budget[0] <= 0:
            return False
        budget[0] -= 1
        candidate = replay(result.scenario, target, values, result.seed)
        if any(v.invariant == invariant for v in candidate.verdicts.violations) and _simpler(candidate, best):
            best = candidate
            return True
        return False

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
    return best


def _simpler(a: RunResult, b: RunResult) -> bool:
    return (size(a), len(a.choices), [c.value for c in a.choices]) < (size(b), len(b.choices), [c.value for c in b.choices])
