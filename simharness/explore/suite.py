"""A suite: every scenario explored by one strategy, its runs judged and aggregated into verdicts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simharness.check.verdicts import Violation
from simharness.engine.runner import RunResult, replay, stalled
from simharness.explore.base import Exploration, Strategy
from simharness.explore.random import RandomStrategy
from simharness.model.kinds import INVARIANTS, SITUATIONS
from simharness.model.scenario import Scenario
from simharness.model.target import Target


@dataclass(slots=True)
class InvariantTotals:
    checked: int = 0
    violated: int = 0
    not_applicable: int = 0
    shapes: Counter[str] = field(default_factory=Counter)  # error shape -> violating runs: every departure, not just the first
    counterexample: RunResult | None = None
    shrunk: RunResult | None = None


@dataclass(slots=True)
class ScenarioResult:
    scenario: Scenario
    runs: int = 0
    failed_runs: int = 0
    skipped_after_stall: int = 0  # runs not made: the driver stalled once, and every stall costs the stall time again
    situations: Counter[str] = field(default_factory=Counter)
    determinism_checked: int = 0
    determinism_failed: int = 0
    exploration: Exploration | None = None  # what the strategy reported (bound, exhausted, distinct traces)


@dataclass(slots=True)
class SuiteResult:
    target: str
    profile: str
    seed: int
    budget: int
    shard: tuple[int, int]
    invariants: dict[str, InvariantTotals] = field(default_factory=lambda: {k: InvariantTotals() for k in INVARIANTS})
    scenarios: list[ScenarioResult] = field(default_factory=list)
    complete: bool = True
    wall_seconds: float = 0.0
    strategy: str = "random"
    profile_kinds: frozenset[str] | None = None  # the target's profile's kinds (None: not known, e.g. a crashed item)

    @property
    def runs(self) -> int:
        return sum(s.runs for s in self.scenarios)

    @property
    def ok(self) -> bool:
        return all(t.violated == 0 for t in self.invariants.values())

    def unreached(self) -> list[tuple[str, str]]:
        """(scenario, situation) pairs a scenario promised (`expect.sometimes`) but never reached."""
        return [(s.scenario.name, name) for s in self.scenarios for name in s.scenario.expect_sometimes if not s.situations[name]]

    def situation_totals(self) -> Counter[str]:
        total: Counter[str] = Counter(dict.fromkeys(SITUATIONS, 0))
        for s in self.scenarios:
            total.update(s.situations)
        return total


Shrinker = Callable[[RunResult, Target, str], RunResult]


def tally(suite: SuiteResult, sr: ScenarioResult, result: RunResult) -> None:
    """Count one judged run into its scenario and the suite; its first violation per invariant is kept."""
    verdicts = result.verdicts
    sr.runs += 1
    sr.situations.update(verdicts.situations)
    for inv, count in verdicts.checked.items():
        suite.invariants[inv].checked += count
    for inv, count in verdicts.not_applicable.items():
        suite.invariants[inv].not_applicable += count
    if verdicts.violations:
        sr.failed_runs += 1
        for inv in sorted({v.invariant for v in verdicts.violations}):
            totals = suite.invariants[inv]
            totals.violated += 1
            totals.shapes.update({v.shape for v in verdicts.violations if v.invariant == inv and v.shape})
            if totals.counterexample is None:
                totals.counterexample = result


def run_suite(
    scenarios: Sequence[Scenario],
    target: Target,
    *,
    seed: int,
    budget: int,
    shard: tuple[int, int] = (1, 1),
    check_determinism: bool = False,
    shrink: Shrinker | None = None,
    on_run: Callable[[RunResult], None] | None = None,
    strategy: Strategy | None = None,
    started: Callable[[SuiteResult], None] | None = None,
) -> SuiteResult:
    """Run each scenario `budget` times (this shard's share) with `strategy` (default: random) and aggregate
    the verdicts.

    Passing runs are dropped as soon as they are judged (memory stays flat); the first violating run per
    invariant is kept as the counterexample, and shrunk if a shrinker is given (starting from the strategy's
    own minimization, if it made one). Every scenario's first run (in shard 1 only, so merged shards check what
    an unsharded run checks) is replayed to check determinism; `check_determinism` replays every run.

    A run the watchdog had to stop ends its scenario: the remaining runs are counted as `skipped_after_stall`.
    `started` receives the suite as soon as it exists (the run command's last resort reports on it).
    """
    if strategy is None:
        strategy = RandomStrategy()
    suite = SuiteResult(target.spec, target.profile.name, seed, budget, shard, strategy=strategy.name, profile_kinds=target.profile.kinds)
    if started is not None:
        started(suite)
    try:
        for scenario in scenarios:
            sr = ScenarioResult(scenario)
            suite.scenarios.append(sr)

            def visit(result: RunResult, sr: ScenarioResult = sr, scenario: Scenario = scenario) -> bool:
                n, run_seed_value = sr.runs, result.seed
                verdicts = result.verdicts
                was_stalled = stalled(result)
                # the global first run, once per suite, not once per shard; a stall is not replayed (it costs the stall again)
                if (check_determinism or (n == 0 and shard[0] == 1)) and not was_stalled:
                    again = replay(scenario, target, [c.value for c in result.choices], run_seed_value)
                    sr.determinism_checked += 1
                    suite.invariants["deterministic"].checked += 1
                    if again.trace_sha256 != result.trace_sha256:
                        sr.determinism_failed += 1
                        verdicts.violations.append(Violation("deterministic", f"replaying seed {run_seed_value} gave a different trace", 0))
                tally(suite, sr, result)
                if on_run is not None:
                    on_run(result)
                if was_stalled:  # the driver stalls here: more runs would each wait out the watchdog again
                    sr.skipped_after_stall = max(0, len(range(shard[0] - 1, budget, shard[1])) - sr.runs)
                    return True
                return False

            sr.exploration = strategy.explore(scenario, target, seed=seed, budget=budget, shard=shard, visit=visit)
            for inv, totals in suite.invariants.items():  # shrink the counterexamples this scenario found
                found = totals.counterexample
                if shrink is not None and found is not None and found.scenario is scenario and not stalled(found):
                    totals.shrunk = shrink(sr.exploration.shrunk.get(inv, found), target, inv)
            if check_determinism:  # the schedules a report hands out must replay: each one twice more
                _recheck_counterexamples(suite, sr, target)
    except KeyboardInterrupt:
        suite.complete = False  # keep what was judged; the report says it is incomplete
    return suite


def _recheck_counterexamples(suite: SuiteResult, sr: ScenarioResult, target: Target) -> None:
    for inv, totals in list(suite.invariants.items()):
        shown = totals.shrunk or totals.counterexample
        found = totals.counterexample  # a shrunk counterexample may run a smaller world than sr.scenario
        if shown is None or found is None or found.scenario is not sr.scenario or stalled(shown):
            continue
        values = [c.value for c in shown.choices]
        hashes = [replay(shown.scenario, target, values, shown.seed).trace_sha256 for _ in range(2)]
        # not counted as checks: a shard finds other counterexamples than the whole run, and merged shards
        # must equal the unsharded report; a mismatch is counted as the violation it is
        if hashes != [shown.trace_sha256] * 2:
            sr.determinism_failed += 1
            suite.invariants["deterministic"].violated += 1
            message = f"the {inv} counterexample's schedule does not replay to the same trace twice (a flaky counterexample)"
            shown.verdicts.violations.append(Violation("deterministic", message, 0))
            if suite.invariants["deterministic"].counterexample is None:
                suite.invariants["deterministic"].counterexample = shown
