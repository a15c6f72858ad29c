"""Exploration strategies: which choice sequences a scenario is run with. One module per strategy behind the
`Strategy` protocol (`base.py`), in the layout of pytest-xdist's schedulers:

- `random`      seeded random walk following the scenario's probabilities (`random.py`)
- `pct`         probabilistic concurrency testing: random actor priorities, d−1 change points (`pct.py`)
- `exhaustive`  every schedule with at most `bound` deviations from the simplest one (`exhaustive.py`)
- `hypothesis`  choices drawn from Hypothesis data: shrunk by Hypothesis, saved in its database (`hypothesis.py`)

The Hypothesis strategies for users' own tests live in `data.py` and are public as `simharness.strategies`.
"""

from __future__ import annotations

from pathlib import Path

from simharness.explore.base import DEPTHS, Exploration, Strategy, Visit
from simharness.model.exceptions import StrategyError

#: Strategy names, in the order reports and the kill matrix list them.
STRATEGIES = ("random", "pct", "exhaustive", "hypothesis")
DEFAULT_STRATEGY = "random"

__all__ = [
    "DEFAULT_STRATEGY",
    "DEPTHS",
    "STRATEGIES",
    "Exploration",
    "Strategy",
    "StrategyError",
    "Visit",
    "resolve_strategy",
]


def resolve_strategy(name: str, *, depth: int | None = None, database: str | Path | None = None) -> Strategy:
    """The strategy called `name`. `depth`: pct's bug depth d, or exhaustive's deviation bound.
    `database`: Hypothesis's example database directory (None: off)."""
    if name == "random":
        from simharness.explore.random import RandomStrategy

        return RandomStrategy()
    if name == "pct":
        from simharness.explore.pct import DEFAULT_DEPTH, PCTStrategy

        return PCTStrategy(DEFAULT_DEPTH if depth is None else depth)
    if name == "exhaustive":
        from simharness.explore.exhaustive import DEFAULT_BOUND, ExhaustiveStrategy

        return ExhaustiveStrategy(DEFAULT_BOUND if depth is None else depth)
    if name == "hypothesis":
        from simharness.explore.hypothesis import HypothesisStrategy

        return HypothesisStrategy(database)
    raise StrategyError(f"{name}: unknown strategy (available: {', '.join(STRATEGIES)})")

