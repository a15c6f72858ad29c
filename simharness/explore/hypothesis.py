"""`hypothesis`: choices drawn from Hypothesis data, so Hypothesis generates, shrinks and remembers schedules.

Every choice point draws `data.draw(st.integers(0, m - 1))` over its m allowed options (index 0, the simplest
option, is what Hypothesis shrinks towards — the same convention the harness's own shrinker relies on). When a
run violates an invariant, Hypothesis shrinks its choice sequence to a minimal one that still violates *that*
invariant, and saves it in its example database (when one is configured), so the next exploration of the same
scenario and target tries it first. Each (scenario content, target, shard) has its own directory in the
database, so their examples never mix.

Draws are uniform over the allowed options rather than weighted like the scenario's probabilities: a fault
the scenario makes rare (2 %) is as likely as success here, and Hypothesis's own heuristics (it favours
boundary values, repeats and mutations of what it has seen) steer the rest. A run is still an ordinary
choice sequence: `simharness replay` re-executes it without Hypothesis.

Deterministic for a seed (`@seed`), with the database off. With a database, saved failures are replayed
first (that is what it is for); runs then depend on its contents. Shards run separate Hypothesis searches
with seeds derived from the shard, each with its share of the budget. Exploration stops at the first
violation (Hypothesis's model: one failure, shrunk): verdict counts cover the runs up to it.

Good at: small, readable counterexamples (Hypothesis's shrinker) and rare choices (uniform draws); a failure
is remembered across runs. Weak at: counting — it stops at the first failure — and its per-draw overhead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.errors import Flaky, Unsatisfiable

from simharness.engine.runner import RunResult, replay, run_once
from simharness.explore.base import Distinct, Exploration, Visit, allowed
from simharness.explore.data import register_profiles
from simharness.guard.live_thread import suspended
from simharness.model.choice import ChoiceSource, derive_seed
from simharness.model.scenario import Scenario
from simharness.model.target import Target

register_profiles()


@cache
def _indices(m: int) -> st.SearchStrategy[int]:
    return st.integers(0, m - 1)


#: Draws per run. Hypothesis caps a test case's choice sequence (8 Ki); a run that asked for more would be
#: thrown away as an overrun, again and again. Past this many draws a run takes the simplest allowed option
#: at every further point — as a replayed sequence does past its end — so huge worlds still run.
MAX_DRAWS = 2048


class HypothesisChoices(ChoiceSource):
    """A choice source backed by Hypothesis's choice sequence (`st.data()`)."""

    def __init__(self, data: st.DataObject) -> None:
        super().__init__()
        self._data = data
        self._draws = 0

    def _pick(self, label: str, n: int, weights: Sequence[float] | None) -> int:
        options = allowed(n, weights)
        if len(options) == 1 or self._draws >= MAX_DRAWS:
            return options[0]
        self._draws += 1
        with suspended():  # Hypothesis times its draws (time.perf_counter): its business, not the run's
            return options[self._data.draw(_indices(len(options)))]


class _Found(Exception):
    """A run violated the invariant being shrunk (carries the run out of Hypothesis)."""

    def __init__(self, result: RunResult) -> None:
        super().__init__(f"violates {[v.invariant for v in result.verdicts.violations]}")
        self.result = result


class _Stop(BaseException):
    """`visit` asked to stop without a violation: leave Hypothesis without it shrinking anything."""


@dataclass(slots=True)
class _State:
    found: RunResult | None = None
    invariant: str | None = None
    best: RunResult | None = None
    started: int = 0  # test calls begun (a call Hypothesis abandons mid-run, an overrun, never completes)


def _violates(result: RunResult, invariant: str, scenario: Scenario, target: Target) -> bool:
    if invariant == "deterministic":  # needs a second run: the harness checks it by replay
        return replay(scenario, target, [c.value for c in result.choices], result.seed).trace_sha256 != result.trace_sha256
    return any(v.invariant == invariant for v in result.verdicts.violations)


class HypothesisStrategy:
    name = "hypothesis"

    def __init__(self, database: str | Path | None = None) -> None:
        self.database = database

    def _database(self, key: str) -> ExampleDatabase | None:
        """The example database of one (scenario content, target, shard): its own directory under `database`.

        Hypothesis keys a test's examples by the test function's source, which is the same `test` for every
        scenario and target; a directory per key keeps their examples apart with public API only."""
        if self.database is None:
            return None
        return DirectoryBasedExampleDatabase(str(Path(self.database) / hashlib.sha256(key.encode()).hexdigest()[:16]))

    def explore(self, scenario: Scenario, target: Target, *, seed: int, budget: int, shard: tuple[int, int], visit: Visit) -> Exploration:
        index, count = shard
        share = len(range(index - 1, budget, count))
        info = Exploration(self.name, params={"database": None if self.database is None else str(self.database)})
        distinct = Distinct()
        state = _State()

        def test(data: st.DataObject) -> None:
            generating = state.found is None
            state.started += 1
            run_id = derive_seed(seed, scenario.name, index - 1 + info.runs * count) if generating else state.found.seed  # type: ignore[union-attr]
            result = run_once(scenario, target, HypothesisChoices(data), run_id)
            info.executed += 1
            if generating:
                info.runs += 1
                distinct.add(result)
                stop = visit(result)  # the harness may add a `deterministic` violation here
                if result.verdicts.violations:
                    state.found = state.best = result
                    state.invariant = result.verdicts.violations[0].invariant
                    raise _Found(result)
                if stop:
                    raise _Stop
                return
            assert state.invariant is not None
            if _violates(result, state.invariant, scenario, target):
                state.best = result
                raise _Found(result)

        search = settings(
            max_examples=max(share, 1),
            database=self._database(f"{scenario.digest}|{target.spec}|{index}/{count}"),
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(hypothesis_seed(derive_seed(seed, scenario.name, "hypothesis", index, count))(given(st.data())(test)))
        try:
            search()
        except _Found as exc:
            info.stopped = True
            self._keep(info, state, exc.result)
        except _Stop:
            info.stopped = True
        except Flaky:  # the target is not deterministic (or the violation is not): keep the smallest failure seen
            info.stopped = True
            if state.best is not None:
                self._keep(info, state, state.best)
        except Unsatisfiable:  # Hypothesis could not complete a single run (never expected with MAX_DRAWS)
            info.params["unsatisfiable"] = True
        # Hypothesis ends generation early only when it has tried every choice sequence it can reach (or gave
        # up on too many overruns, which would show as calls that never completed)
        if not info.stopped and info.runs < share and state.started == info.executed:
            info.exhausted = True
        info.distinct = len(distinct)
        info.params["seed"] = derive_seed(seed, scenario.name, "hypothesis", index, count)
        return info

    @staticmethod
    def _keep(info: Exploration, state: _State, shrunk: RunResult) -> None:
        if state.invariant is not None and state.found is not None and shrunk is not state.found:
            info.shrunk[state.invariant] = shrunk
