"""Exploration strategies: which choice sequences a scenario is run with. One module per strategy behind the
`Strategy` protocol (`_base.py`), in the layout of pytest-xdist's schedulers:

- `random`      seeded random walk following the scenario's probabilities (`random.py`)
- `pct`         probabilistic concurrency testing: random actor priorities, d−1 change points (`pct.py`)
- `exhaustive`  every schedule with at most `bound` deviations from the simplest one (`exhaustive.py`)
- `hypothesis`  choices drawn from Hypothesis data: shrunk by Hypothesis, saved in its database (`hypothesis.py`)

Also public, from `data.py` (imported lazily: Hypothesis is loaded only when used): the Hypothesis
strategies `worlds()`, `faults()`, `error_graphs()` and `register_profiles()` (`dev`, `ci`, `nightly`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from simharness.strategies._base import Exploration, Strategy, StrategyError, Visit

if TYPE_CHECKING:
    from simharness.strategies.data import error_graphs, faults, register_profiles, worlds

#: Strategy names, in the order reports and the kill matrix list them.
STRATEGIES = ("random", "pct", "exhaustive", "hypothesis")
DEFAULT_STRATEGY = "random"

__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "Exploration",
    "Strategy",
    "StrategyError",
    "Visit",
    "error_graphs",
    "faults",
    "register_profiles",
    "resolve_strategy",
    "worlds",
]


def resolve_strategy(name: str, *, depth: int | None = None, database: str | Path | None = None) -> Strategy:
    """The strategy called `name`. `depth`: pct's bug depth d, or exhaustive's deviation bound.
    `database`: Hypothesis's example database directory (None: off)."""
    if name == "random":
        from simharness.strategies.random import RandomStrategy

        return RandomStrategy()
    if name == "pct":
        from simharness.strategies.pct import DEFAULT_DEPTH, PCTStrategy

        return PCTStrategy(DEFAULT_DEPTH if depth is None else depth)
    if name == "exhaustive":
        from simharness.strategies.exhaustive import DEFAULT_BOUND, ExhaustiveStrategy

        return ExhaustiveStrategy(DEFAULT_BOUND if depth is None else depth)
    if name == "hypothesis":
        from simharness.strategies.hypothesis import HypothesisStrategy

        return HypothesisStrategy(database)
    raise StrategyError(f"{name}: unknown strategy (available: {', '.join(STRATEGIES)})")


def __getattr__(name: str) -> Any:
    if name in ("worlds", "faults", "error_graphs", "register_profiles"):
        from simharness.strategies import data

        return getattr(data, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
