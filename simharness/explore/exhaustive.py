"""`exhaustive`: bounded systematic enumeration of choice sequences (stateless model checking by replay).

The default schedule takes the simplest allowed option at every choice point. A *deviation* is a choice point
that takes any other allowed option (a fault, a delay, a race won by another actor). The strategy runs every
schedule with at most `bound` deviations — iterative deepening: all schedules with 0 deviations, then 1,
then 2 — re-executing each one from its prefix (the world is a pure function of the choice sequence, so no
state is saved). A schedule with deviations at positions i1 < … < im is generated exactly once, from the one
whose last deviation is i(m−1), so no schedule is run twice. This is preemption/delay bounding (CHESS)
generalised to every kind of choice, not only races.

It reports whether the bounded space was **exhausted** (every schedule within the bound ran before the budget
ran out) and whether it was **complete** (no schedule needs more deviations: the whole space was covered), and
how many distinct schedules (and distinct traces) it ran. Shards split the schedules that are judged; each
shard still executes the enumeration's inner levels to learn the shape of the tree.

Good at: bugs that need one or two specific unusual choices, found with the fewest deviations possible (so its
counterexamples are nearly minimal before shrinking) and a proof of absence within the bound. Weak at: deep
scenarios — the number of schedules grows like (choice points × options)^bound.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from simharness.engine.runner import RunResult, run_once
from simharness.explore.base import DEPTHS, Distinct, Exploration, Visit, allowed
from simharness.model.choice import ChoiceSource, derive_seed
from simharness.model.exceptions import StrategyError
from simharness.model.scenario import Scenario
from simharness.model.target import Target

LOWEST_BOUND, HIGHEST_BOUND, DEFAULT_BOUND = DEPTHS["exhaustive"]


class PrefixChoices(ChoiceSource):
    """Takes `prefix` first, then the simplest allowed option; remembers each point's allowed options."""

    def __init__(self, prefix: Sequence[int]) -> None:
        super().__init__()
        self.prefix = prefix
        self.allowed: list[tuple[int, ...]] = []

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        options = allowed(n, weights)
        pos = len(self.allowed)
        self.allowed.append(options)
        if pos < len(self.prefix):
            return self.prefix[pos]
        return options[0]


_Parent = tuple[tuple[int, ...], tuple[tuple[int, ...], ...], int]  # (values, allowed per point, first free position)


def _children(parents: Sequence[_Parent]) -> Iterator[tuple[int, ...]]:
    for values, options, start in parents:
        for i in range(start, len(values)):
            for v in options[i][1:]:
                yield values[:i] + (v,)


class ExhaustiveStrategy:
    name = "exhaustive"

    def __init__(self, bound: int = DEFAULT_BOUND) -> None:
        if not LOWEST_BOUND <= bound <= HIGHEST_BOUND:
            raise StrategyError(f"exhaustive bound: expected {LOWEST_BOUND} to {HIGHEST_BOUND} deviations, got {bound}")
        self.bound = bound

    def explore(self, scenario: Scenario, target: Target, *, seed: int, budget: int, shard: tuple[int, int], visit: Visit) -> Exploration:
        info = Exploration(self.name, params={"bound": self.bound})
        distinct = Distinct()
        index, count = shard
        level: Iterator[tuple[int, ...]] = iter([()])
        i = 0
        info.exhausted = False
        branches = False  # does some schedule of the last level have a free choice after its last deviation?
        for depth in range(self.bound + 1):
            parents: list[_Parent] = []
            children = 0
            last = depth == self.bound
            ran = 0
            for prefix in level:
                if i >= budget:
                    return self._done(info, distinct)
                ran += 1
                mine = i % count == index - 1
                if mine or not last:
                    source = PrefixChoices(prefix)
                    result: RunResult = run_once(
                        scenario, target, source, derive_seed(seed, scenario.name, i)
                    )  # run i's id, as `seeds_for` gives
                    info.executed += 1
                    values = tuple(c.value for c in result.choices)
                    if not last and children < budget - i:  # keep only as many parents as the budget can expand
                        parents.append((values, tuple(source.allowed), len(prefix)))
                        children += sum(len(o) - 1 for o in source.allowed[len(prefix) :])
                    elif any(len(o) > 1 for o in source.allowed[len(prefix) :]):
                        branches = True
                    if mine:
                        info.runs += 1
                        distinct.add(result)
                        if visit(result):
                            info.stopped = True
                            return self._done(info, distinct)
                i += 1
            if ran == 0:  # no schedule needs this many deviations: the whole space is covered
                info.exhausted = info.complete = True
                break
            level = _children(parents)
        else:
            info.exhausted = True
            # with shards, the last level's other schedules were not run here: completeness is unknown
            info.complete = None if count > 1 and branches is False else not branches
        info.params["schedules"] = i
        return self._done(info, distinct)

    @staticmethod
    def _done(info: Exploration, distinct: Distinct) -> Exploration:
        info.distinct = len(distinct)
        return info
