"""The run command's loop: each scenario's suite judged into a report.json document, until done or stopped.

One loop for `simharness run -j 1` (in its own process) and for each `--jobs` worker (`run_jobs`), so a worker
judges its shard exactly as one process judges the whole run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simharness.engine.runner import RunResult
    from simharness.explore import Strategy
    from simharness.model.scenario import Scenario
    from simharness.model.target import Target

#: What judging calls when a driver cannot be stopped: (exit code, reason, the documents judged so far).
GiveUp = Callable[[int, str, list[dict[str, Any]]], None]


class TargetFailed(Exception):
    """The target itself broke mid-run (a real target's Node bridge died): `docs` are the documents judged so
    far (the last, the scenario in flight, marked incomplete), `line` the one line saying so (the bridge's
    message, the scenario, the failed run's saved schedule), `failure` the bridge's own message."""

    def __init__(self, docs: list[dict[str, Any]], line: str, failure: str, scenario: str) -> None:
        super().__init__(line)
        self.docs, self.line, self.failure, self.scenario = docs, line, failure, scenario


def judge(
    args: argparse.Namespace,
    scenarios: Sequence[Scenario],
    target: Target,
    strategy: Strategy,
    out: Path,
    *,
    shard: tuple[int, int],
    stop: Any,
    on_run: Callable[[RunResult], None],
    give_up: GiveUp,
    every_shape: bool = False,
) -> list[dict[str, Any]]:
    """Each scenario's suite (its runs of `shard`), judged into one report.json document per scenario, until
    the end or a stop request (the last document is then marked incomplete). The run command's loop, in one
    process (`-j 1`) and in each `--jobs` worker alike. While it runs, and until the caller resets
    `Guards.last_resort`, a driver that cannot be stopped makes the watchdog call `give_up` with what was
    judged, the stuck run included. `every_shape`: list every violating error shape, not the first
    `MAX_SHAPES` (a `--jobs` worker's documents are merged, and merging keeps the top ones of the sum). A
    target that breaks mid-run raises `TargetFailed` with the documents judged so far, its run's schedule saved."""
    from simharness.engine.schedule import save_failed_run
    from simharness.engine.shrink import shrink
    from simharness.explore.suite import SuiteResult, run_suite, tally
    from simharness.guard.settings import Guards
    from simharness.model.exceptions import TargetRunFailure
    from simharness.report.document import report_json

    docs: list[dict[str, Any]] = []
    current: list[SuiteResult] = []  # the suite in flight, for the last resort

    def last_resort(code: int, reason: str, stuck: Callable[[], RunResult] | None) -> None:
        part = list(docs)
        if current:
            suite = current[-1]
            if stuck is not None and suite.scenarios:
                tally(suite, suite.scenarios[-1], stuck())
            suite.complete = False
            part.append(report_json(suite, out))
        give_up(code, reason, part)

    def document(suite: SuiteResult) -> None:
        docs.append(report_json(suite, out))
        if every_shape:  # a worker's part: merging ranks and cuts the shapes, so none may be cut here
            for inv in docs[-1]["invariants"]:
                shapes = suite.invariants[inv["id"]].shapes
                if shapes:
                    inv["shapes"] = [{"shape": shape, "runs": runs} for shape, runs in sorted(shapes.items())]

    Guards.last_resort = last_resort
    shrinker = None if args.no_shrink else partial(shrink, max_seconds=args.shrink_seconds)
    for scenario in scenarios:
        began = time.perf_counter()
        try:
            with stop.interruptible():
                suite = run_suite(
                    [scenario],
                    target,
                    seed=args.seed,
                    budget=args.budget,
                    shard=shard,
                    check_determinism=args.check_determinism,
                    shrink=shrinker,
                    strategy=strategy,
                    on_run=stop.after(on_run),
                    started=current.append,
                )
        except TargetRunFailure as exc:  # the target broke: what was judged is kept, the failed run's schedule saved
            line = str(save_failed_run(exc, out))
            if current:  # the scenario in flight: its runs judged before the failure
                current[-1].complete = False
                current[-1].wall_seconds = time.perf_counter() - began
                document(current[-1])
            raise TargetFailed(docs, line, str(exc), scenario.name) from None
        suite.wall_seconds = time.perf_counter() - began
        document(suite)
        current.clear()
        if not suite.complete or stop.requested:
            docs[-1]["complete"] = False
            break
    return docs


def stopped_by(signum: int | None) -> str:
    """The message of an interrupted report: which signal stopped the run."""
    if not signum:
        return "stopped before every run was made"
    name = {2: "Ctrl-C (SIGINT)", 15: "SIGTERM"}.get(int(signum), f"signal {int(signum)}")
    return f"stopped by {name} before every run was made"


def target_failed(line: str, doc: dict[str, Any], out: Path) -> int:
    """The one line on stderr for a target that broke mid-run (its report written); exit code 2, as for a
    target that cannot start."""
    print(
        f"simharness: error: {line}; the report ({out / 'report.html'}) holds the {doc['runs']} runs judged before it, "
        "marked incomplete",
        file=sys.stderr,
    )
    return 2
