"""`pct`: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).

Every actor (session, writer) gets a random priority; whenever several actors are due at the same virtual
instant (a race: `ChoiceSource.pick_tie`), the highest-priority one runs. At d−1 random *change points*
among the k races of a run, the actor that would run is demoted below every initial priority (the i-th
change point gives it priority d−i), and the race is decided again. Choices that are not races (faults,
latencies, jitter, start times) stay seeded random draws, as in the `random` strategy.

Detection bound: for a bug of depth d (d ordering constraints between actors must hold for it to show), one
run finds it with probability at least **1/(n·k^(d−1))**, n = actors, k = races per run — per outcome of
the non-race choices. k counts only races: a step where one actor is runnable cannot be reordered, so
counting it would only weaken the bound. k and n are measured before exploring by a few seeded calibration
runs (`PROBES`), identically in every shard, so run i depends on (seed, scenario, i) alone.

Good at: ordering bugs between few actors — it reaches the d−1 "wrong moment" preemptions far more often than
independent coin flips at every race do. Weak at: bugs that need a rare *non-race* choice (it is random there).
"""

from __future__ import annotations

from collections.abc import Sequence

from simharness.engine.runner import RunResult, run_once, run_seed, seeds_for
from simharness.explore.base import DEPTHS, Exploration, Visit, walk_seeds
from simharness.model.choice import RandomChoices, derive_seed
from simharness.model.exceptions import StrategyError
from simharness.model.scenario import Scenario
from simharness.model.target import Target

LOWEST_DEPTH, HIGHEST_DEPTH, DEFAULT_DEPTH = DEPTHS["pct"]
PROBES = 4  # calibration runs that measure k (races per run) and n (racing actors)


class PCTChoices(RandomChoices):
    """Seeded random choices, except that races follow PCT priorities."""

    def __init__(self, seed: int, depth: int, races: int) -> None:
        super().__init__(seed)
        self.depth = depth
        # d−1 change points, uniform over 1..k (a separate stream: the non-race draws stay those of `random`)
        self.change_points = {derive_seed(seed, "pct.change", j) % max(races, 1) + 1: j for j in range(depth - 1, 0, -1)}
        self.priority: dict[str, float] = {}
        self.races = 0
        self._forced: int | None = None

    def _priority(self, actor: str) -> float:
        p = self.priority.get(actor)
        if p is None:  # a random permutation of the actors above every change-point priority (lazy: actors appear as they race)
            p = self.priority[actor] = self.depth + derive_seed(self.seed, "pct.priority", actor) / float(1 << 63)
        return p

    def _highest(self, actors: Sequence[str]) -> int:
        return max(range(len(actors)), key=lambda i: (self._priority(actors[i]), actors[i]))

    def pick_tie(self, actors: Sequence[str]) -> int:
        self.races += 1
        best = self._highest(actors)
        j = self.change_points.get(self.races)
        if j is not None:
            self.priority[actors[best]] = float(self.depth - j)
            best = self._highest(actors)
        self._forced = best
        return super().pick_tie(actors)

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        if self._forced is not None:
            value, self._forced = self._forced, None
            return value
        return super()._pick(label, n, weights)


def calibrate(scenario: Scenario, target: Target, seed: int) -> tuple[int, int]:
    """(n, k): the scenario's actors (sessions and writers) and races per run, the max over `PROBES` seeded
    random runs (at least 1)."""
    races = 1
    for j in range(PROBES):
        result = run_seed(scenario, target, derive_seed(seed, scenario.name, "pct-probe", j))
        races = max(races, sum(1 for c in result.choices if c.label.startswith("tie:")))
    return scenario.sessions + sum(w.count for w in scenario.writers), races


def detection_bound(n: int, k: int, d: int) -> float:
    return 1.0 / float(n * k ** (d - 1))


class PCTStrategy:
    name = "pct"

    def __init__(self, depth: int = DEFAULT_DEPTH) -> None:
        if not LOWEST_DEPTH <= depth <= HIGHEST_DEPTH:
            raise StrategyError(f"pct depth: expected {LOWEST_DEPTH} to {HIGHEST_DEPTH}, got {depth}")
        self.depth = depth

    def explore(self, scenario: Scenario, target: Target, *, seed: int, budget: int, shard: tuple[int, int], visit: Visit) -> Exploration:
        n, k = calibrate(scenario, target, seed)
        d = self.depth
        bound = detection_bound(n, k, d)
        info = Exploration(
            self.name,
            params={"depth": d, "actors": n, "races_per_run": k},
            bound=bound,
            bound_text=f"1/(n·k^(d−1)) = 1/({n}·{k}^{d - 1}) = {bound:.3g} per run",
        )
        info.executed = PROBES

        def run(run_seed_value: int) -> RunResult:
            return run_once(scenario, target, PCTChoices(run_seed_value, d, k), run_seed_value)

        return walk_seeds(info, seeds_for(scenario, seed, budget, shard), run, visit)
