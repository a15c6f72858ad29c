"""`random`: the seeded random walk. Every choice is a weighted draw from SplitMix64, seeded per run.

Good at: breadth — many cheap, independent runs that follow the scenario's own probabilities, so frequent
situations are hit often and verdict counts mean something. Weak at: rare combinations (a fault at 2 % inside
a same-instant race) and it never knows when it has seen everything.
"""

from __future__ import annotations

from simharness.engine.runner import run_seed, seeds_for
from simharness.explore.base import Exploration, Visit, walk_seeds
from simharness.model.scenario import Scenario
from simharness.model.target import Target


class RandomStrategy:
    name = "random"

    def explore(self, scenario: Scenario, target: Target, *, seed: int, budget: int, shard: tuple[int, int], visit: Visit) -> Exploration:
        # random's report shows no distinct-trace count (report.document leaves its exploration out): not counted
        runs = seeds_for(scenario, seed, budget, shard)
        return walk_seeds(Exploration(self.name), runs, lambda s: run_seed(scenario, target, s), visit, count_distinct=False)
