"""simharness as a pytest plugin (registered through the `pytest11` entry point `simharness`): the hooks pytest calls.

This module holds only the hooks and the `sim` fixture; each hook hands its work to the module whose job it is:

- `options.py`  the `--sim-*` options and the ini option, checked once into the session's `Settings`;
- `collect.py`  scenario files as test items, and how an item fails or crashes;
- `runs.py`     seeds, targets and the strategy, shared by items and the fixture;
- `fixture.py`  the `sim` fixture's public API (`Sim`, `SimRun`, `SimExploration`);
- `session.py`  the session's reports: documents merged (across xdist workers too) and written at its end.

**Scenario files become tests.** `pytest scenarios/` (any directory named on the command line) collects the
scenario files under it: the `*.toml` files that open one of a scenario's tables (`[world]`, `[providers.*]`,
...), never pyproject.toml or another tool's TOML. So do a file named on the command line and every `*.toml`
under `--sim-scenarios DIR` or the ini option `simharness_scenarios`. Directories that `testpaths` supply were
not named: a project's own `pytest` run does not start collecting its scenario directory (collect.py).
docs/pytest.md documents the plugin, with examples a test runs.

**One item per scenario**, not per scenario × invariant. A run is judged by every invariant at once; items
per invariant would either replay the same runs once per invariant or need a cache that xdist, which sends
items to different processes, defeats. A failing item names every invariant it violated, each with its own
shrunk counterexample; junit.xml in `--sim-report-dir` still has one testcase per scenario × invariant.
One heavy scenario would leave xdist workers idle, so `--sim-split N` makes each scenario N items, each a
shard of its runs (`simharness run --shard i/N`); the session report merges them like shard reports.

**A crashed item is a failure in every report.** An item that raises instead of being judged (a target that
cannot start, an error inside the harness) fails in pytest, and its document — no runs, listed under
`errors` — goes into the session's report like any other: `ok: false`, a `<failure type="crash">` in
junit.xml, a "crashed" section in summary.md and report.html, and the terminal summary says so.

**Seeds.** The session seed is `--sim-seed` or a fresh random one; it is printed in the header. The
controller hands it to xdist workers (`pytest_configure_node`, the pytest-randomly pattern), and each
scenario's seed is `derive_seed(session seed, node id)`, so a verdict depends on neither the worker count
nor the order items run in: `-n 0` and `-n 2` find the same counterexamples. A failure prints the
one-command rerun and the `simharness replay` of its schedule file; a failed test that used `sim` prints the
seeds and its rerun command, and the terminal summary names the session seed and the command that reruns the
session whenever a scenario ran or `sim` was used, `-q` or not (it hides the header).

Cheap when unused: only pytest and the standard library are imported at start-up; the simulation,
targets and reports are imported when a scenario or the fixture first runs.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from simharness.pytest_plugin.collect import ScenarioItem, collect_file
from simharness.pytest_plugin.fixture import Sim, SimExploration, SimRun, sim_failure
from simharness.pytest_plugin.options import (
    SEED_KEY,
    add_options,
    docs_key,
    settings_from,
    settings_key,
    started_key,
    targets_key,
    used_key,
)
from simharness.pytest_plugin.session import collect_worker_docs, finish, terminal_summary

#: The `sim` fixture's types, for annotations in users' tests (`def test_x(sim: Sim)`).
__all__ = ["Sim", "SimExploration", "SimRun"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "simharness: a simharness scenario (collected from a *.toml file)")
    config.stash[settings_key] = settings_from(config)
    config.stash[docs_key] = []
    config.stash[targets_key] = {}


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: every worker gets the session seed (pytest-randomly's pattern)."""
    node.workerinput[SEED_KEY] = node.config.stash[settings_key].seed


def pytest_report_header(config: pytest.Config) -> str:
    s = config.stash[settings_key]
    split = f", every scenario split in {s.split} items" if s.split > 1 else ""
    return f"simharness: session seed {s.seed} (rerun with --sim-seed={s.seed}), target {s.target}, strategy {s.strategy}, budget {s.budget}{split}"


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[started_key] = time.perf_counter()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    return collect_file(file_path, parent)


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Sim:
    """Seeded runs of simharness scenarios against a target: `sim.run(...)`, `sim.explore(...)`, `sim.replay(...)`."""
    request.config.stash[used_key] = True  # the terminal summary shows the session seed
    return Sim(request.config, request.node.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if isinstance(item, ScenarioItem) and report.failed and not item.judged:  # raised instead of being judged
        excinfo = call.excinfo
        item.crashed(excinfo.exconly() if excinfo is not None else str(report.longrepr))
    sim_ = getattr(item, "funcargs", {}).get("sim")
    if isinstance(sim_, Sim) and report.failed and call.when == "call":  # the seed and rerun line, whatever failed
        report.sections.append(("simharness", sim_failure(item, sim_)))
    return report


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect the documents a worker's scenarios produced."""
    collect_worker_docs(node)


def pytest_sessionfinish(session: pytest.Session) -> None:
    finish(session)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    terminal_summary(terminalreporter, config)


def pytest_unconfigure(config: pytest.Config) -> None:
    """A driver's atexit hook must not rewrite pytest's exit code (`os._exit(0)` after the failures)."""
    from simharness.guard.exits import guard_exits_at_shutdown

    guard_exits_at_shutdown()
