"""simharness as a pytest plugin (registered through the `pytest11` entry point `simharness`).

**Scenario files become tests.** A `*.toml` file is collected as a scenario when it lies under a directory
named by `--sim-scenarios DIR` (repeatable) or the ini option `simharness_scenarios`, or when it is named on
the command line itself (`pytest scenarios/takeover-race.toml`, as pytest does for test files). Nothing else
is collected, so the plugin never turns an unrelated TOML file (pyproject.toml, a fixture) into a test, and a
project's own `pytest` run — whose `testpaths` do not walk the scenario directory — does not collect
scenarios at all, let alone twice: `pytest scenarios/` (or adding the directory to `testpaths`) runs them.

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
one-command rerun and the `simharness replay` of its schedule file.

**The `sim` fixture** runs scenarios from a test, against any target::

    def test_takeover_is_rethrown(sim):
        result = sim.run("scenarios/takeover-race.toml", seed=3)   # one run
        assert result.ok, result.narrative()

    def test_the_83510_bug_is_caught(sim):
        found = sim.explore("scenarios/takeover-race.toml", target="openclaw@2026.5.18", budget=200)
        assert "coordination-single-run" in found.violated   # shrunk: found.counterexamples[...]

Cheap when unused: only pytest and the standard library are imported here at start-up; the simulation,
targets and reports are imported when a scenario or the fixture first runs.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from simharness.explore import STRATEGIES as _STRATEGY_NAMES

if TYPE_CHECKING:
    from simharness.check.invariants import Violation
    from simharness.engine.runner import RunResult
    from simharness.explore.suite import SuiteResult
    from simharness.model.scenario import Scenario
    from simharness.model.trace import Trace
    from simharness.targets import Target

    Explorer = Callable[..., SuiteResult]

_SEED_KEY = "simharness_seed"
_DOCS_KEY = "simharness_docs"
DEFAULT_BUDGET = 200
DEFAULT_REPORT_DIR = "simharness-report"


@dataclass(frozen=True, slots=True)
class Settings:
    seed: int
    target: str
    strategy: str
    budget: int
    split: int
    report_dir: Path  # as shown in commands: relative to the invocation directory when under it
    roots: tuple[Path, ...]


_settings_key = pytest.StashKey[Settings]()
_docs_key = pytest.StashKey[list[dict[str, Any]]]()
_targets_key = pytest.StashKey[dict[str, "Target"]]()
_started_key = pytest.StashKey[float]()
_merge_error_key = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("simharness", "simharness: seeded races against model-fallback drivers")
    group.addoption(
        "--sim-scenarios", action="append", default=[], metavar="DIR", help="collect the *.toml scenario files under DIR (repeatable)"
    )
    group.addoption(
        "--sim-target", default="reference", metavar="SPEC", help="target for scenarios and the sim fixture (default: reference)"
    )
    group.addoption("--sim-strategy", default="random", metavar="NAME", help="exploration strategy (default: random)")
    group.addoption("--sim-budget", default=None, metavar="N", help=f"runs per scenario (default: {DEFAULT_BUDGET})")
    group.addoption(
        "--sim-split",
        default=None,
        metavar="N",
        help="run each scenario as N items, each a shard of its runs, for xdist to spread (default: 1)",
    )
    group.addoption("--sim-seed", default=None, metavar="SEED", help="session seed (default: random, printed in the header)")
    group.addoption("--sim-report-dir", default=None, metavar="DIR", help=f"where reports and schedules go (default: {DEFAULT_REPORT_DIR})")
    parser.addini("simharness_scenarios", type="paths", default=[], help="directories whose *.toml files are collected as scenarios")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "simharness: a simharness scenario (collected from a *.toml file)")
    workerinput: Mapping[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is not None and _SEED_KEY in workerinput:
        seed = int(workerinput[_SEED_KEY])  # an xdist worker: the controller's seed, whatever it was
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
    here = config.invocation_params.dir
    report_dir = Path(config.getoption("sim_report_dir") or DEFAULT_REPORT_DIR)
    report_dir = report_dir if report_dir.is_absolute() or Path.cwd() == here else here / report_dir
    option_roots = [here / p for p in config.getoption("sim_scenarios")]
    roots = tuple(p.resolve() for p in (option_roots or config.getini("simharness_scenarios")))
    config.stash[_settings_key] = Settings(seed, config.getoption("sim_target"), strategy, budget, split, report_dir, roots)
    config.stash[_docs_key] = []
    config.stash[_targets_key] = {}


def _parse_int(option: str, text: str, lo: int, hi: int) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise pytest.UsageError(f"{option}: expected an integer, got {text!r}") from None
    if not lo <= value <= hi:
        raise pytest.UsageError(f"{option}: expected an integer from {lo} to {hi}, got {value}")
    return value


#: `--sim-strategy` names: the modules of `simharness.strategies` (a cheap import: no simulation loaded).
STRATEGIES: tuple[str, ...] = _STRATEGY_NAMES


def _explorer(strategy: str, database: Path | None = None) -> Explorer:
    """The function behind `--sim-strategy`: `run_suite` with that strategy (Hypothesis's database: `database`)."""
    from functools import partial

    from simharness.explore import resolve_strategy
    from simharness.explore.suite import run_suite
    from simharness.model.exceptions import StrategyError

    try:
        return partial(run_suite, strategy=resolve_strategy(strategy, database=database))
    except StrategyError as exc:
        raise pytest.UsageError(f"--sim-strategy {exc}") from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: every worker gets the session seed (pytest-randomly's pattern)."""
    node.workerinput[_SEED_KEY] = node.config.stash[_settings_key].seed


def pytest_report_header(config: pytest.Config) -> str:
    s = config.stash[_settings_key]
    split = f", every scenario split in {s.split} items" if s.split > 1 else ""
    return f"simharness: session seed {s.seed} (rerun with --sim-seed={s.seed}), target {s.target}, strategy {s.strategy}, budget {s.budget}{split}"


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_started_key] = time.perf_counter()


# --- collection: one item per scenario file -----------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".toml":
        return None
    roots = parent.config.stash[_settings_key].roots
    path = file_path.resolve()
    if parent.session.isinitpath(file_path) or any(path.is_relative_to(root) for root in roots):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from simharness.model.exceptions import ScenarioError
        from simharness.model.scenario import load_scenario

        try:
            scenario = load_scenario(self.path)
        except ScenarioError as exc:
            raise self.CollectError(str(exc)) from None
        split = self.config.stash[_settings_key].split
        if split == 1:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)
            return
        for i in range(1, split + 1):
            yield ScenarioItem.from_parent(self, name=f"{scenario.name}[{i}/{split}]", scenario=scenario, shard=(i, split))


class ScenarioFailed(Exception):
    """A scenario violated invariants; `str()` is the readable failure."""


class ScenarioItem(pytest.Item):
    """A scenario's runs (with `--sim-split N`: shard i/N of them, the parts sharing the scenario's seed)."""

    def __init__(self, *, scenario: Scenario, shard: tuple[int, int] = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.shard = shard
        self.judged = False  # its document reached the session's report; if it fails without one, it crashed
        self.add_marker("simharness")

    @property
    def scenario_id(self) -> str:
        """The node id of the whole scenario: what its seed derives from, whatever the split."""
        return f"{self.parent.nodeid}::{self.scenario.name}" if self.parent else self.nodeid

    def runtest(self) -> None:
        from simharness.report.document import report_json

        s = self.config.stash[_settings_key]
        target = _target(self.config, s.target)
        suite = _explore(s, [self.scenario], target, item_seed(self.config, self.scenario_id), shard=self.shard)
        doc = report_json(suite, s.report_dir)
        doc["scenarios"][0]["nodeid"] = self.scenario_id
        self.config.stash[_docs_key].append(doc)
        self.judged = True
        if not doc["ok"]:
            raise ScenarioFailed(failure_text(doc, self, s))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from simharness.model.exceptions import TargetError
        from simharness.report.document import visible

        if isinstance(excinfo.value, ScenarioFailed | TargetError):
            return visible(str(excinfo.value))
        return visible(str(super().repr_failure(excinfo, style=style)))

    def crashed(self, message: str) -> None:
        """Record that this item raised instead of being judged: a document with no runs and the error."""
        from simharness.explore.suite import ScenarioResult, SuiteResult
        from simharness.report.document import report_json, unicode_safe

        s = self.config.stash[_settings_key]
        target = self.config.stash[_targets_key].get(s.target)
        profile = target.profile.name if target is not None else "unknown"
        suite = SuiteResult(s.target, profile, s.seed, s.budget, self.shard, strategy=s.strategy)
        suite.scenarios.append(ScenarioResult(self.scenario))
        doc = report_json(suite, s.report_dir)
        doc["scenarios"][0]["nodeid"] = self.scenario_id
        doc["errors"] = [{"scenario": self.scenario.name, "nodeid": self.nodeid, "message": unicode_safe(message[:4000])}]
        self.config.stash[_docs_key].append(doc)
        self.judged = True

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario {self.name}"


def item_seed(config: pytest.Config, nodeid: str) -> int:
    """The seed of one test: the session seed and the test's node id, nothing else."""
    from simharness.model.choice import derive_seed

    return derive_seed(config.stash[_settings_key].seed, nodeid)


def _explore(
    s: Settings,
    scenarios: Sequence[Scenario],
    target: Target,
    seed: int,
    budget: int | None = None,
    shrink: bool = True,
    shard: tuple[int, int] = (1, 1),
) -> SuiteResult:
    from simharness.engine.shrink import shrink as shrinker

    explore = _explorer(s.strategy, s.report_dir / "hypothesis-db")
    return explore(scenarios, target, seed=seed, budget=budget or s.budget, shard=shard, shrink=shrinker if shrink else None)


def _target(config: pytest.Config, spec: str) -> Target:
    """Targets are resolved once per session (a Node target is a process) and closed at its end."""
    from simharness.targets import resolve_target

    targets = config.stash[_targets_key]
    if spec not in targets:
        targets[spec] = resolve_target(spec)
    return targets[spec]


def failure_text(doc: dict[str, Any], item: ScenarioItem, s: Settings) -> str:
    """A failed scenario item: every violated invariant with its shrunk schedule narrated, and how to rerun it."""
    scenario = doc["scenarios"][0]
    violated = [i for i in doc["invariants"] if i["violated"]]
    part = f" (shard {doc['shard']} of its runs)" if item.shard != (1, 1) else ""
    out = [
        (
            f"scenario {scenario['name']}{part}: {len(violated)} invariant{'s' if len(violated) > 1 else ''} violated "
            f"in {scenario['failed_runs']} of {scenario['runs']} runs against {doc['target']} (seed {doc['seed']})"
        )
    ]
    for inv in violated:
        ce = inv["counterexample"]
        out += ["", f"✗ {inv['id']}: {inv['violated']} violating runs — {inv['description']}"]
        if ce is None:
            continue
        out += [
            f"  {ce['message']}",
            f"  shrunk from {ce['size']['original']} to {ce['size']['shrunk']} non-trivial choices; what happened:",
            "",
            *("  " + line for line in ce["narrative"]),
            "",
            f"  replay:  {ce['replay']}",
        ]
    split = f" --sim-split={s.split}" if s.split > 1 else ""
    shard = f" --shard {doc['shard']}" if item.shard != (1, 1) else ""
    out += [
        "",
        f"rerun this test:  pytest '{item.nodeid}' --sim-seed={s.seed} --sim-target={doc['target']} --sim-budget={doc['budget']}{split}",
        f"the same runs:    simharness run {item.path} --target {doc['target']} --seed {doc['seed']} --budget {doc['budget']}{shard}",
    ]
    from simharness.report.document import visible

    return visible("\n".join(out))


# --- the session's report -------------------------------------------------------------------------------


def pytest_unconfigure(config: pytest.Config) -> None:
    """A driver's atexit hook must not rewrite pytest's exit code (`os._exit(0)` after the failures)."""
    from simharness.guard.tripwire import guard_exits_at_shutdown

    guard_exits_at_shutdown()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: collect the documents a worker's scenarios produced."""
    output = getattr(node, "workeroutput", None) or {}
    node.config.stash[_docs_key].extend(json.loads(output.get(_DOCS_KEY, "[]")))


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    for target in config.stash[_targets_key].values():
        target.close()
    config.stash[_targets_key].clear()
    docs = config.stash[_docs_key]
    workeroutput: dict[str, Any] | None = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker hands its documents to the controller
        workeroutput[_DOCS_KEY] = json.dumps(docs)
        return
    if not docs:
        return
    from simharness.model.exceptions import MergeError
    from simharness.report.document import timing, write_docs
    from simharness.report.merge import combine

    s = config.stash[_settings_key]
    # in node-id order, whichever worker ran what: the report does not depend on -n
    try:
        doc = combine(sorted(docs, key=lambda d: (str(d["scenarios"][0]["nodeid"]), d["shard"])))
    except MergeError as exc:  # two scenario files share a name but not their contents
        config.stash[_docs_key] = []
        config.stash[_merge_error_key] = str(exc)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    doc["seed"], doc["shard"] = s.seed, "1/1"
    doc["timing"] = timing(doc["runs"], time.perf_counter() - config.stash.get(_started_key, time.perf_counter()))
    # every failed item's message points at its own counterexample schedule: those stay, older ones go
    shown = [i["counterexample"]["schedule"] for d in docs for i in d["invariants"] if i["counterexample"]]
    write_docs(doc, s.report_dir, keep_schedules=shown)
    config.stash[_docs_key] = [doc]  # the terminal summary reports on it


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    merge_error = config.stash.get(_merge_error_key, None)
    if merge_error:
        terminalreporter.write_sep("-", "simharness")
        terminalreporter.write_line(f"error: no report written: {merge_error}", red=True)
        return
    docs = config.stash.get(_docs_key, [])
    if len(docs) != 1:
        return
    from simharness.report.document import headline, visible

    doc = docs[0]
    head = headline(doc)
    terminalreporter.write_sep("-", "simharness")
    terminalreporter.write_line(
        visible(f"{len(doc['scenarios'])} scenarios, {doc['runs']} runs against {doc['target']}: {head.icon} {head.text}"),
        **{"ok": {"green": True}, "caveat": {"yellow": True}, "unexercised": {"yellow": True}, "bad": {"red": True}}[head.level],
    )
    for error in doc.get("errors") or []:
        terminalreporter.write_line(visible(f"crashed: {error['nodeid']}: {str(error['message']).splitlines()[0][:300]}"), red=True)
    for u in doc["unreached"]:
        terminalreporter.write_line(
            visible(f"warning: {u['scenario']}: expected situation {u['situation']!r} was never reached"), yellow=True
        )
    terminalreporter.write_line(
        f"report: {config.stash[_settings_key].report_dir / 'report.html'} (also junit.xml, summary.md, report.json)"
    )


# --- the sim fixture --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimRun:
    """One run: did every invariant hold, and if not, what happened."""

    result: RunResult

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def seed(self) -> int | None:
        return self.result.seed

    @property
    def violations(self) -> list[Violation]:
        return list(self.result.verdicts.violations)

    @property
    def violated(self) -> set[str]:
        """Ids of the invariants this run violated."""
        return {v.invariant for v in self.result.verdicts.violations}

    @property
    def situations(self) -> set[str]:
        """The `sometimes` situations this run reached."""
        return set(self.result.verdicts.situations)

    @property
    def trace(self) -> Trace:
        return self.result.trace

    def narrative(self, limit: int = 80) -> str:
        from simharness.report.document import narrate, violating_event

        first = self.result.verdicts.violations[0] if self.result.verdicts.violations else None
        focus = violating_event(self.result.trace.events, first) if first else None
        lines = narrate(self.result.trace, limit=limit, focus=focus, mark=f"violates {first.invariant}" if first else "")
        lines += [f"VIOLATED {v.invariant}: {v.message}" for v in self.result.verdicts.violations]
        return "\n".join(lines)

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else "violates " + ", ".join(sorted(self.violated))
        return f"<SimRun {self.result.scenario.name} seed={self.seed} target={self.result.target}: {verdict}>"


@dataclass(frozen=True, slots=True)
class SimExploration:
    """Many runs of one scenario: verdict counts, and a shrunk counterexample per violated invariant."""

    suite: SuiteResult

    @property
    def ok(self) -> bool:
        return self.suite.ok

    @property
    def runs(self) -> int:
        return self.suite.runs

    @property
    def violated(self) -> dict[str, int]:
        """Invariant id -> how many runs violated it."""
        return {inv: t.violated for inv, t in self.suite.invariants.items() if t.violated}

    @property
    def counterexamples(self) -> dict[str, SimRun]:
        """Invariant id -> its (shrunk) counterexample."""
        return {inv: SimRun(t.shrunk or t.counterexample) for inv, t in self.suite.invariants.items() if t.counterexample}

    @property
    def unreached(self) -> list[str]:
        """Situations the scenario promised (`expect.sometimes`) that no run reached."""
        return [situation for _, situation in self.suite.unreached()]

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else "violates " + ", ".join(f"{k} ({n} runs)" for k, n in self.violated.items())
        return f"<SimExploration {', '.join(s.scenario.name for s in self.suite.scenarios)}: {self.runs} runs against {self.suite.target}: {verdict}>"


class Sim:
    """What the `sim` fixture gives a test: seeded runs of scenarios against a target.

    `scenario` is a path to a TOML file (relative to the working directory or the rootdir), a `Scenario`, or
    a dict of scenario data. `target` defaults to `--sim-target`; `seed` to this test's own seed (derived
    from the session seed and the test's node id, so it is stable and differs between tests).
    """

    def __init__(self, config: pytest.Config, nodeid: str) -> None:
        self._config = config
        s = config.stash[_settings_key]
        self.target: str = s.target
        self.budget: int = s.budget
        self.seed: int = item_seed(config, nodeid)
        self.failing: list[SimRun] = []  # shown (and their schedules saved) if the test fails

    def scenario(self, scenario: str | os.PathLike[str] | Scenario | Mapping[str, Any]) -> Scenario:
        from simharness.model.scenario import Scenario, load_scenario, parse_scenario

        if isinstance(scenario, Scenario):
            return scenario
        if isinstance(scenario, Mapping):
            return parse_scenario(scenario)
        path = Path(scenario)
        if not path.is_absolute() and not path.exists():
            path = self._config.rootpath / path
        return load_scenario(path)

    def run(
        self, scenario: str | os.PathLike[str] | Scenario | Mapping[str, Any], *, seed: int | None = None, target: str | None = None
    ) -> SimRun:
        """One run with `seed` (default: this test's seed)."""
        from simharness.engine.runner import run_seed

        result = SimRun(
            run_seed(self.scenario(scenario), _target(self._config, target or self.target), self.seed if seed is None else seed)
        )
        if not result.ok:
            self.failing.append(result)
        return result

    def replay(self, schedule: str | os.PathLike[str], *, target: str | None = None) -> SimRun:
        """Re-execute a schedule file exactly (on its own target unless `target` is given)."""
        from simharness.engine.runner import replay
        from simharness.engine.schedule import load_schedule, replay_target

        sched = load_schedule(Path(schedule))
        spec = replay_target(sched, target, Path(schedule))  # a schedule never picks a code-loading target itself
        result = SimRun(replay(sched.scenario, _target(self._config, spec), sched.values, sched.seed))
        if not result.ok:
            self.failing.append(result)
        return result

    def explore(
        self,
        scenario: str | os.PathLike[str] | Scenario | Mapping[str, Any],
        *,
        budget: int | None = None,
        seed: int | None = None,
        target: str | None = None,
        shrink: bool = True,
    ) -> SimExploration:
        """`budget` runs (default `--sim-budget`) with the `--sim-strategy`, counterexamples shrunk."""
        s = self._config.stash[_settings_key]
        suite = _explore(
            s, [self.scenario(scenario)], _target(self._config, target or self.target), self.seed if seed is None else seed, budget, shrink
        )
        found = SimExploration(suite)
        self.failing += found.counterexamples.values()
        return found


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Sim:
    """Seeded runs of simharness scenarios against a target: `sim.run(...)`, `sim.explore(...)`, `sim.replay(...)`."""
    return Sim(request.config, request.node.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if isinstance(item, ScenarioItem) and report.failed and not item.judged:  # raised instead of being judged
        excinfo = call.excinfo
        item.crashed(excinfo.exconly() if excinfo is not None else str(report.longrepr))
    sim_ = getattr(item, "funcargs", {}).get("sim")
    if isinstance(sim_, Sim) and report.failed and call.when == "call" and sim_.failing:
        report.sections.append(("simharness", _sim_failure(item, sim_)))
    return report


def _sim_failure(item: pytest.Item, sim_: Sim) -> str:
    """The violating runs a failed test made: narrated, with their schedules saved for `simharness replay`."""
    from simharness.engine.schedule import replay_command, save_schedule
    from simharness.report.document import safe_name

    report_dir = item.config.stash[_settings_key].report_dir
    out = []
    for run in sim_.failing[:3]:
        first = run.violations[0].invariant
        path = report_dir / "schedules" / f"test-{safe_name(item.name)}--{safe_name(run.result.scenario.name)}--{run.seed}.json"
        save_schedule(path, run.result, invariant=first)
        out += [repr(run), run.narrative(), f"replay:  {replay_command(path.as_posix(), run.result.target)}", ""]
    if len(sim_.failing) > 3:
        out.append(f"({len(sim_.failing) - 3} more violating runs not shown)")
    return "\n".join(out)
