"""`simharness run -j N`: the runs split over N worker processes exactly as `--shard` splits them, one report.

Worker j of N runs shard `parallel.shard_of(--shard, j, N)` of every scenario with its own target (its own
Node bridge), through the very loop `-j 1` runs (`run.judge`), and writes its counterexamples' schedules into
the report directory (their names carry the run's seed, so workers never collide). The parent merges the
workers' documents as `report merge` merges shards (`report.merge.merge_workers`), so report.json is the one
`-j 1` writes, timing apart: the same verdicts, counts, counterexamples (the earliest run's, shrunk the same
way) and schedule files. It counts distinct traces exactly (from every worker's trace hashes) rather than
adding the workers' counts.

Bad input is refused in the parent before any worker starts: scenarios, the report directory, strategy
options, the target (a Python driver is loaded; a release is installed, once, here). Ctrl-C and SIGTERM are
relayed to the workers, which stop as `-j 1` stops; the report written is marked incomplete and the exit code
is 130/143. A worker that dies (killed, or ended hard by its last resort) is one line on stderr; the others'
runs are reported, marked incomplete (report.json's `incomplete` names the dead worker, its shard and how it
died), never green. A worker whose target breaks mid-run returns what it judged; the others stop, and the run
ends as `-j 1` does: the report written, marked incomplete, one line, exit 2.

The hypothesis strategy is split by scenario instead (worker j runs every N-th scenario whole): a shard of it
is a Hypothesis search of its own, seeded per shard with its own example database, so splitting a scenario's
runs would change them; a whole scenario's search is the same in any process (so one scenario: one worker).

Where `-j N` differs from `-j 1`: a driver that stalls stops each worker at that worker's own first stall, so
the run counts differ (the earliest stall is the counterexample either way); `--differential` replays in the
parent, after the workers.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from simharness.model.scenario import Scenario

#: `run.finish`: print the results of a written report, return the exit code.
Finish = Callable[[argparse.Namespace, dict[str, Any], Path, float, list[str], int], int]
#: `run.run_differential`: `--differential`'s lines to print.
Differential = Callable[[argparse.Namespace, Any, Any, Path], list[str]]


def preflight(spec: str) -> None:
    """Refuse a bad target before any worker starts, without starting a Node bridge here: a Python driver is
    loaded (an import error is bad input), a release is installed (once, not by N workers at the same time),
    a dist directory is located. The workers start their own bridges."""
    if spec.startswith(("openclaw@", "node-dist:")):
        from simharness.targets.install import node_release

        node_release(spec)
    else:
        from simharness.targets import resolve_target

        resolve_target(spec).close()


def shard_worker(args: argparse.Namespace, scenarios: Sequence[Scenario], shard: tuple[int, int], out_dir: str) -> dict[str, Any]:
    """In a worker process: judge `shard` of every scenario; the documents, or the one line of a user error."""
    from simharness.cli.judging import TargetFailed, judge
    from simharness.cli.strategy_args import strategy_from_args
    from simharness.explore.parallel import flush, save_partial, tick, worker_stop
    from simharness.guard.settings import Guards
    from simharness.model.exceptions import USER_ERRORS
    from simharness.targets import resolve_target

    out = Path(out_dir)
    Guards.tripwires = args.tripwires
    Guards.virtual_clock = args.virtual_clock
    if args.stall_seconds is not None:
        Guards.stall_seconds = args.stall_seconds
    collect = args.strategy != "random"  # only strategies that report distinct traces need them
    traces: dict[str, set[str]] = {}

    def observe(result: Any) -> None:
        if collect:
            traces.setdefault(result.scenario.name, set()).add(result.trace_sha256)
        tick(result)

    def give_up(code: int, reason: str, part: list[dict[str, Any]]) -> None:
        save_partial({"docs": part, "reason": reason, "code": code})  # the parent reports it; the watchdog then exits

    target = None
    failed: dict[str, str] = {}
    try:
        target = resolve_target(args.target)
        strategy = strategy_from_args(args, out)
        docs = judge(
            args, scenarios, target, strategy, out, shard=shard, stop=worker_stop(), on_run=observe, give_up=give_up, every_shape=True
        )
    except TargetFailed as exc:  # the bridge died mid-run: what was judged goes back, with the one line
        docs, failed = exc.docs, {"line": exc.line, "scenario": exc.scenario}
    except USER_ERRORS as exc:
        return {"error": [type(exc).__name__, str(exc)]}
    finally:
        Guards.last_resort = None
        flush(last=True)
        if target is not None:
            target.close()
    found = {"docs": docs, "traces": {name: sorted(hashes) for name, hashes in traces.items()}}
    return {**found, "target_failed": failed} if failed else found


def _share(task: tuple[Any, ...], by_scenario: bool) -> str:
    """What a worker was given: its scenarios (hypothesis), else its shard."""
    return ", ".join(s.name for s in task[1]) if by_scenario else "shard " + "/".join(map(str, task[2]))


def _user_error(name: str, message: str) -> Exception:
    from simharness.model.exceptions import USER_ERRORS, TargetError

    cls = next((c for c in USER_ERRORS if c.__name__ == name), TargetError)
    return cls(message)


def run_parallel(
    args: argparse.Namespace,
    scenarios: Sequence[Scenario],
    out: Path,
    jobs: int,
    *,
    by_scenario: bool = False,
    finish: Finish,
    differential: Differential,
) -> int:
    """`simharness run` with `jobs` workers: the same report and exit code as one process. `by_scenario`: deal
    the scenarios round-robin instead of splitting every scenario's runs (the hypothesis strategy, whose shards
    are separate searches). `finish` and `differential` are the run command's own (the results; `--differential`)."""
    from simharness.cli.judging import stopped_by, target_failed
    from simharness.explore.parallel import Workers, shard_of
    from simharness.report.document import timing
    from simharness.report.merge import combine, merge_workers
    from simharness.report.progress import Progress
    from simharness.report.status import mark_incomplete
    from simharness.report.write import write_docs

    preflight(args.target)
    index, count = args.shard
    if by_scenario:
        shares = [list(range(j, len(scenarios), jobs)) for j in range(jobs)]
        tasks = [(args, [scenarios[i] for i in share], args.shard, str(out)) for share in shares]
    else:
        tasks = [(args, list(scenarios), shard_of(args.shard, j, jobs), str(out)) for j in range(1, jobs + 1)]
    started = time.perf_counter()  # report timing only
    planned = len(scenarios) * len(range(index - 1, args.budget, count))  # what an incomplete report says it lacks
    progress = Progress(planned, enabled=args.progress)
    with progress, Workers(on_progress=progress.advance if progress.enabled else None) as workers:
        outcomes = workers.run(shard_worker, tasks, abort_on=lambda value: "error" in value or "target_failed" in value)
    stopped = workers.signum
    errors = [o for o in outcomes if o.value is not None and "error" in o.value]
    if errors:  # a user error in a worker (a bridge that cannot start): one line, exit 2
        raise _user_error(*errors[0].value["error"])
    failed = next((o for o in outcomes if o.value is not None and o.value.get("target_failed")), None)
    died = [o for o in outcomes if o.died is not None]
    aborted = stopped is not None or failed is not None or bool(died)  # the workers were asked to stop
    for o in outcomes:
        if o.error is not None and not (isinstance(o.error, KeyboardInterrupt) and aborted):
            raise o.error  # a harness bug in a worker: its traceback (the worker's own is attached as the cause)
    parts: list[list[dict[str, Any]]] = []
    traces: dict[str, list[str]] = {}
    for o in outcomes:
        source = o.value if o.value is not None else o.partial
        parts.append(list((source or {}).get("docs") or []))
        for name, hashes in ((o.value or {}).get("traces") or {}).items():
            traces.setdefault(name, []).extend(hashes)
    lines = []  # one per dead worker, on stderr and as the report's reason
    for o in died:
        lost = "what it judged is in the report" if o.partial else "its runs are missing from the report"
        lines.append(f"worker {o.worker} of {jobs} ({_share(tasks[o.worker - 1], by_scenario)}): {o.died}; {lost}")
        if failed is None:
            print(f"simharness: {lines[-1]}, which is marked incomplete", file=sys.stderr)
    if not any(parts):
        if failed is not None:
            raise _user_error("TargetError", failed.value["target_failed"]["line"])
        print(f"simharness: nothing was judged, so no report was written ({out})", file=sys.stderr)
        return 128 + int(stopped) if stopped is not None else (died[0].code or 1) if died else 1
    if by_scenario:  # one document per scenario, in the order one process makes them, combined as it combines them
        placed = sorted(((i, d) for share, docs in zip(shares, parts) for i, d in zip(share, docs)), key=lambda x: x[0])
        doc = combine([combine([d]) for _, d in placed])  # each alone first: its every error shape cut to the top ones
    else:
        doc = merge_workers(parts, args.shard, traces)
    if failed is not None:
        why = failed.value["target_failed"]
        share = _share(tasks[failed.worker - 1], by_scenario)
        mark_incomplete(doc, "target-failed", why["line"], planned, scenario=why["scenario"], worker=failed.worker, share=share)
    elif died:
        dead = [
            {
                "worker": o.worker,
                "of": jobs,
                "share": _share(tasks[o.worker - 1], by_scenario),
                "died": o.died,
                **({"signal": str(o.died).removeprefix("killed by ")} if str(o.died).startswith("killed by ") else {}),
                "exit_code": o.code,
                "runs_kept": o.partial is not None,
            }
            for o in died
        ]
        reason = "unstoppable" if all(o.partial for o in died) else "worker-died"
        mark_incomplete(doc, reason, "; ".join(lines), planned, workers=dead)
    elif stopped is not None or not doc["complete"]:
        mark_incomplete(doc, "interrupted", stopped_by(stopped), planned)
    wall_seconds = time.perf_counter() - started
    doc["timing"] = timing(doc["runs"], wall_seconds)
    write_docs(doc, out)
    differential_report: list[str] = []
    if args.differential and doc["complete"]:
        from simharness.targets import resolve_target

        target = resolve_target(args.target)
        try:
            differential_report = differential(args, scenarios, target, out)
        finally:
            target.close()
    code = finish(args, doc, out, wall_seconds, differential_report, stopped or 0)
    if failed is not None:
        return target_failed(f"worker {failed.worker} of {jobs}: " + failed.value["target_failed"]["line"], doc, out)
    if stopped is None and died:
        return died[0].code or 1  # a worker's own end (3: a driver that could not be stopped; 137: SIGKILL)
    return code


__all__ = ["preflight", "run_parallel", "shard_worker"]
