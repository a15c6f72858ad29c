"""The plugin's command-line and ini options, checked once at configure time into one `Settings` per session.

A bad value is a `pytest.UsageError` (one line, exit 4) before any item runs, never a failure in every item.
The session seed is `--sim-seed` or a fresh random one; an xdist worker takes the controller's instead
(`pytest_configure_node`, the pytest-randomly pattern), so every process of a session agrees on it.
Only pytest and the standard library are imported here (plus the strategy names, a cheap import).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from simharness.explore import DEPTHS
from simharness.explore import STRATEGIES as _STRATEGY_NAMES

if TYPE_CHECKING:
    from simharness.targets import Target

#: Where an xdist worker finds the controller's session seed (`workerinput`), and hands back its documents.
SEED_KEY = "simharness_seed"
DOCS_KEY = "simharness_docs"
DEFAULT_BUDGET = 200
DEFAULT_STRATEGY = "random"
DEFAULT_REPORT_DIR = "simharness-report"

#: `--sim-strategy` names: the modules of `simharness.explore` (a cheap import: no simulation loaded).
STRATEGIES: tuple[str, ...] = _STRATEGY_NAMES


@dataclass(frozen=True, slots=True)
class Settings:
    seed: int
    target: str
    strategy: str
    budget: int
    split: int
    report_dir: Path  # as shown in commands: relative to the invocation directory when under it
    roots: tuple[Path, ...]
    named: tuple[Path, ...] = ()  # directories named on the command line (not testpaths): walked for scenarios
    depth: int | None = None  # pct's bug depth / exhaustive's deviation bound (None: the strategy's default)


#: What a session keeps on its `config.stash`: the settings, the documents of judged items, the resolved
#: targets (closed at the session's end), when it started, and why no report could be merged.
settings_key = pytest.StashKey[Settings]()
docs_key = pytest.StashKey[list[dict[str, Any]]]()
targets_key = pytest.StashKey[dict[str, "Target"]]()
started_key = pytest.StashKey[float]()
merge_error_key = pytest.StashKey[str]()
#: Whether this process ran a scenario or gave a test the `sim` fixture: then the summary shows the seed.
used_key = pytest.StashKey[bool]()
#: Where an xdist worker tells the controller it used simharness (`workeroutput`).
USED_KEY = "simharness_used"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("simharness", "simharness: seeded races against model-fallback drivers")
    group.addoption(
        "--sim-scenarios", action="append", default=[], metavar="DIR", help="collect the *.toml scenario files under DIR (repeatable)"
    )
    group.addoption(
        "--sim-target", default="reference", metavar="SPEC", help="target for scenarios and the sim fixture (default: reference)"
    )
    group.addoption("--sim-strategy", default=DEFAULT_STRATEGY, metavar="NAME", help=f"exploration strategy (default: {DEFAULT_STRATEGY})")
    group.addoption(
        "--sim-depth",
        default=None,
        metavar="D",
        help="; ".join(f"{name}: {low}-{high} (default {default})" for name, (low, high, default) in DEPTHS.items())
        + " (as `simharness run --depth`)",
    )
    group.addoption("--sim-budget", default=None, metavar="N", help=f"runs per scenario (default: {DEFAULT_BUDGET})")
    group.addoption(
        "--sim-split",
        default=None,
        metavar="N",
        help="run each scenario as N items, each a shard of its runs, for xdist to spread (default: 1)",
    )
    group.addoption("--sim-seed", default=None, metavar="SEED", help="session seed (default: random, printed in the header)")
    group.addoption("--sim-report-dir", default=None, metavar="DIR", help=f"where reports and schedules go (default: {DEFAULT_REPORT_DIR})")
    group.addoption(
        "--sim-no-virtual-clock",
        action="store_true",
        help="refuse a driver's clock reads like random (as `simharness run --no-virtual-clock`); default: they read the world's virtual clock",
    )
    parser.addini("simharness_scenarios", type="paths", default=[], help="directories whose *.toml files are collected as scenarios")


def settings_from(config: pytest.Config) -> Settings:
    """The session's settings from its options; raises `pytest.UsageError` on a bad value."""
    from simharness.guard.settings import Guards  # stdlib only: cheap

    Guards.virtual_clock = not config.getoption("sim_no_virtual_clock")  # process-wide, like `simharness run`'s flag
    workerinput: Mapping[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is not None and SEED_KEY in workerinput:
        seed = int(workerinput[SEED_KEY])  # an xdist worker: the controller's seed, whatever it was
    else:
        seed = (
            _parse_int("--sim-seed", config.getoption("sim_seed"), 0, (1 << 63) - 1)
            if config.getoption("sim_seed")
            else random.SystemRandom().randrange(1 << 32)
        )
    budget_text = config.getoption("sim_budget")
    budget = _parse_int("--sim-budget", budget_text, 1, 100_000_000) if budget_text else DEFAULT_BUDGET
    split_text = config.getoption("sim_split")
    split = _parse_int("--sim-split", split_text, 1, 10_000) if split_text else 1
    strategy = config.getoption("sim_strategy")
    if strategy not in STRATEGIES:  # a usage error now, not a failure in every item
        raise pytest.UsageError(f"--sim-strategy {strategy}: unknown strategy (available: {', '.join(STRATEGIES)})")
    depth_text = config.getoption("sim_depth")
    depth = None
    if depth_text:  # the same ranges as `simharness run --depth`, checked against the chosen strategy
        low, high, _ = DEPTHS.get(strategy, (min(d[0] for d in DEPTHS.values()), max(d[1] for d in DEPTHS.values()), 0))
        depth = _parse_int("--sim-depth", depth_text, low, high)
    here = config.invocation_params.dir
    report_dir = Path(config.getoption("sim_report_dir") or DEFAULT_REPORT_DIR)
    report_dir = report_dir if report_dir.is_absolute() or Path.cwd() == here else here / report_dir
    option_roots = [here / p for p in config.getoption("sim_scenarios")]
    roots = tuple(p.resolve() for p in (option_roots or config.getini("simharness_scenarios")))
    return Settings(seed, config.getoption("sim_target"), strategy, budget, split, report_dir, roots, named_dirs(config), depth)


def named_dirs(config: pytest.Config) -> tuple[Path, ...]:
    """The directories the user named on the command line: `pytest scenarios/` walks them for scenarios.

    Only real arguments count: the directories `testpaths` or a bare `pytest` supply were not named, so a
    project's own `pytest` run does not start collecting its scenario directory. An xdist worker decides from
    the controller's own arguments, so both collect the same items.
    """
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return ()
    here = config.invocation_params.dir
    paths = (here / arg.split("::")[0] for arg in config.args if not arg.startswith("-"))
    return tuple(p.resolve() for p in paths if p.is_dir())


def _parse_int(option: str, text: str, lo: int, hi: int) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise pytest.UsageError(f"{option}: expected an integer, got {text!r}") from None
    if not lo <= value <= hi:
        raise pytest.UsageError(f"{option}: expected an integer from {lo} to {hi}, got {value}")
    return value
