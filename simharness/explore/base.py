"""What every exploration strategy shares: the `Strategy` protocol, its result record, small helpers.

A strategy decides *which* choice sequences a scenario is run with; everything else (the world, the
invariants, recording, replay) is shared. Each run a strategy makes is an ordinary `RunResult` whose
recorded choice values replay it byte for byte (`ReplayChoices`), whatever strategy produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # cheap to import: the pytest plugin reads the strategy names at start-up
    from simharness.engine.runner import RunResult
    from simharness.model.scenario import Scenario
    from simharness.model.target import Target

#: Called with every run a strategy makes (in order). Return True to stop exploring (e.g. first kill).
Visit = Callable[["RunResult"], bool]

#: `--depth` for the strategies that take one: (lowest, highest, default). pct: bug depth d; exhaustive: deviations.
DEPTHS = {"pct": (1, 10, 3), "exhaustive": (0, 8, 2)}


@dataclass(slots=True)
class Exploration:
    """What a strategy did for one scenario, beyond the runs it handed to `visit`."""

    strategy: str
    params: dict[str, Any] = field(default_factory=dict)
    runs: int = 0  # runs handed to `visit`
    executed: int = 0  # runs executed in all (probes, shrinking and other shards' enumeration included)
    distinct: int | None = 0  # distinct traces among the visited runs; None: not counted (random's report never shows it)
    exhausted: bool | None = None  # exhaustive: every schedule within the bound was run
    complete: bool | None = None  # exhaustive: no schedule exists beyond the bound either
    bound: float | None = None  # pct: the detection-probability lower bound 1/(n·k^(d−1))
    bound_text: str | None = None
    stopped: bool = False  # `visit` asked to stop
    shrunk: dict[str, RunResult] = field(default_factory=dict)  # invariant -> minimized by the strategy itself

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"strategy": self.strategy, "params": dict(self.params), "runs": self.runs, "distinct_traces": self.distinct}
        if self.exhausted is not None:
            doc["exhausted"] = self.exhausted
        if self.complete is not None:
            doc["complete"] = self.complete
        if self.bound is not None:
            doc["detection_bound"] = self.bound
            doc["bound"] = self.bound_text
        return doc


class Strategy(Protocol):
    """An exploration strategy: one module per strategy in `simharness.explore`.

    `explore` runs `scenario` against `target` at most `budget` times (its share of them when `shard` is
    i/n), hands every run to `visit` in order and stops early when `visit` returns True. It is a pure
    function of its arguments: the same seed gives the same runs, on any machine and `PYTHONHASHSEED`.
    """

    name: str

    def explore(
        self, scenario: Scenario, target: Target, *, seed: int, budget: int, shard: tuple[int, int], visit: Visit
    ) -> Exploration: ...


def allowed(n: int, weights: Sequence[float] | None) -> tuple[int, ...]:
    """The options a choice point can take: those with positive weight (all when unweighted).

    A scenario that gives an option weight 0 (`faults = { rate_limit = 1.0 }` leaves success no weight) says
    it never happens; systematic strategies must not enumerate it. Index order is kept, so the first allowed
    option is the simplest one.
    """
    if weights is None:
        return tuple(range(n))
    kept = tuple(i for i in range(n) if i < len(weights) and weights[i] > 0)
    return kept or (0,)


def walk_seeds(
    info: Exploration, seeds: Iterable[int], run: Callable[[int], RunResult], visit: Visit, *, count_distinct: bool = True
) -> Exploration:
    """The loop of the seeded strategies: one run per seed until `visit` says stop.

    `count_distinct=False` leaves `info.distinct` None (not counted): hashing every trace is a quarter of a cheap
    run, so a strategy whose report never shows the count (random) does not pay for it."""
    distinct = Distinct()
    for run_seed_value in seeds:
        result = run(run_seed_value)
        info.runs += 1
        info.executed += 1
        if count_distinct:
            distinct.add(result)
        if visit(result):
            info.stopped = True
            break
    info.distinct = len(distinct) if count_distinct else None
    return info


class Distinct:
    """Counts distinct trace hashes."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def add(self, result: RunResult) -> bool:
        digest = result.trace_sha256
        if digest in self._seen:
            return False
        self._seen.add(digest)
        return True

    def __len__(self) -> int:
        return len(self._seen)
