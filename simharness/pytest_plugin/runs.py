"""How the plugin runs scenarios, shared by scenario items and the `sim` fixture: seeds, targets, the strategy.

A test's seed is `derive_seed(session seed, node id)`, so a verdict depends on neither the xdist worker count
nor the order items run in. Targets are resolved once per session (a Node target is a process) and closed at
its end. The simulation, targets and strategies are imported here on first use, never at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from simharness.pytest_plugin.options import DEFAULT_STRATEGY, Settings, settings_key, targets_key

if TYPE_CHECKING:
    from simharness.explore.suite import SuiteResult
    from simharness.model.scenario import Scenario
    from simharness.targets import Target

    Explorer = Callable[..., SuiteResult]


def rerun_command(nodeid: str, s: Settings, target: str | None = None, budget: int | None = None) -> str:
    """The one command that reruns a test exactly: its node id and every setting its seed and runs depend on."""
    import shlex

    parts = ["pytest", nodeid, f"--sim-seed={s.seed}", f"--sim-target={target or s.target}", f"--sim-budget={budget or s.budget}"]
    if s.strategy != DEFAULT_STRATEGY:
        parts.append(f"--sim-strategy={s.strategy}")
    if s.depth is not None:
        parts.append(f"--sim-depth={s.depth}")
    if s.split > 1:
        parts.append(f"--sim-split={s.split}")
    from simharness.guard.settings import Guards

    if not Guards.virtual_clock:
        parts.append("--sim-no-virtual-clock")
    return shlex.join(parts)


def item_seed(config: pytest.Config, nodeid: str) -> int:
    """The seed of one test: the session seed and the test's node id, nothing else."""
    from simharness.model.choice import derive_seed

    return derive_seed(config.stash[settings_key].seed, nodeid)


def explorer(strategy: str, database: Path | None = None, depth: int | None = None) -> Explorer:
    """The function behind `--sim-strategy`: `run_suite` with that strategy (Hypothesis's database: `database`)."""
    from functools import partial

    from simharness.explore import resolve_strategy
    from simharness.explore.suite import run_suite
    from simharness.model.exceptions import StrategyError

    try:
        return partial(run_suite, strategy=resolve_strategy(strategy, depth=depth, database=database))
    except StrategyError as exc:
        raise pytest.UsageError(f"--sim-strategy {exc}") from None


def explore_scenarios(
    s: Settings,
    scenarios: Sequence[Scenario],
    target: Target,
    seed: int,
    budget: int | None = None,
    shrink: bool = True,
    shard: tuple[int, int] = (1, 1),
) -> SuiteResult:
    """`budget` runs (default `--sim-budget`) of `scenarios` with the session's strategy, counterexamples shrunk."""
    from simharness.engine.shrink import shrink as shrinker

    explore = explorer(s.strategy, s.report_dir / "hypothesis-db", s.depth)
    return explore(scenarios, target, seed=seed, budget=budget or s.budget, shard=shard, shrink=shrinker if shrink else None)


def session_target(config: pytest.Config, spec: str) -> Target:
    """Targets are resolved once per session (a Node target is a process) and closed at its end."""
    from simharness.targets import resolve_target

    targets = config.stash[targets_key]
    if spec not in targets:
        targets[spec] = resolve_target(spec)
    return targets[spec]
