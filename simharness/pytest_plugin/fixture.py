"""The `sim` fixture's public API: seeded runs of scenarios from a test, against any target::

    def test_takeover_is_rethrown(sim):
        result = sim.run("scenarios/takeover-race.toml", seed=3)   # one run
        assert result.ok, result.narrative()

    def test_the_83510_bug_is_caught(sim):
        found = sim.explore("scenarios/takeover-race.toml", target="openclaw@2026.5.18", budget=200)
        assert "coordination-single-run" in found.violated   # shrunk: found.counterexamples[...]

`Sim` is what the fixture gives a test; `SimRun` is one run, `SimExploration` many. When a test that made
violating runs fails, `sim_failure` narrates them and saves their schedules for `simharness replay`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from simharness.pytest_plugin.options import settings_key
from simharness.pytest_plugin.runs import explore_scenarios, item_seed, rerun_command, session_target

if TYPE_CHECKING:
    from simharness.check.verdicts import Violation
    from simharness.engine.runner import RunResult
    from simharness.explore.suite import SuiteResult
    from simharness.model.scenario import Scenario
    from simharness.model.trace import Trace


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
        from simharness.report.narrate import narrate, violating_event

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
        s = config.stash[settings_key]
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
            run_seed(self.scenario(scenario), session_target(self._config, target or self.target), self.seed if seed is None else seed)
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
        result = SimRun(replay(sched.scenario, session_target(self._config, spec), sched.values, sched.seed))
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
        s = self._config.stash[settings_key]
        suite = explore_scenarios(
            s,
            [self.scenario(scenario)],
            session_target(self._config, target or self.target),
            self.seed if seed is None else seed,
            budget,
            shrink,
        )
        found = SimExploration(suite)
        self.failing += found.counterexamples.values()
        return found


def sim_failure(item: pytest.Item, sim_: Sim) -> str:
    """A failed test that used `sim`: the seeds and the rerun command, then the violating runs it made — one
    narrative per distinct run (an exploration's counterexamples for two invariants are often the same run),
    with their schedules saved for `simharness replay`."""
    from simharness.engine.schedule import replay_command, save_schedule
    from simharness.report.safe_text import safe_name

    s = item.config.stash[settings_key]
    out = [
        f"simharness: session seed {s.seed}, this test's seed {sim_.seed} (derived from the session seed and the node id)",
        f"rerun this test:  {rerun_command(item.nodeid, s)}",
    ]
    distinct: dict[str, SimRun] = {}
    for run in sim_.failing:
        distinct.setdefault(run.result.trace_sha256, run)
    runs = list(distinct.values())
    for run in runs[:3]:
        first = run.violations[0].invariant
        path = s.report_dir / "schedules" / f"test-{safe_name(item.name)}--{safe_name(run.result.scenario.name)}--{run.seed}.json"
        save_schedule(path, run.result, invariant=first)
        out += ["", repr(run), run.narrative(), f"replay:  {replay_command(path.as_posix(), run.result.target)}"]
    if len(runs) > 3:
        out += ["", f"({len(runs) - 3} more violating runs not shown)"]
    return "\n".join(out)
