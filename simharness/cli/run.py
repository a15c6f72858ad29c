"""`simharness run PATHS...`: run scenarios against a target and check every invariant."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from simharness.cli.args import EXIT_CODES, add_jobs_argument, directory, number_in, positive, print_table, seed, shard
from simharness.cli.strategy_args import (
    add_coverage_argument,
    add_strategy_arguments,
    describe_strategy,
    report_coverage,
    strategy_from_args,
)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    run = sub.add_parser(
        "run",
        help="run scenario files against a target and check every invariant",
        description="Run scenario files against a target and check every invariant. The default seed 0 explores the "
        "same schedules on every run (reproducible); --seed random explores new ones and prints the seed it chose.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("paths", nargs="+", help="scenario files or directories of *.toml")
    run.add_argument("--target", default="reference", help="reference | py:FILE.py:FUNC | mutant:NAME | openclaw@VERSION | node-dist:PATH")
    run.add_argument(
        "--seed",
        type=seed,
        default=0,
        help="master seed; each run's seed derives from it (default 0: the same schedules every run; 'random': a new seed, printed)",
    )
    run.add_argument("--budget", type=positive, default=200, help="runs per scenario (default 200)")
    run.add_argument(
        "--report-dir",
        type=directory,
        default="simharness-report",
        help="where report.json, summary.md, junit.xml, report.html and schedules go",
    )
    run.add_argument("--shard", type=shard, default=(1, 1), help="run only shard I of N of every scenario's runs")
    run.add_argument("--check-determinism", action="store_true", help="replay every run and compare trace hashes")
    run.add_argument("--no-shrink", action="store_true", help="report counterexamples as found, unshrunk")
    run.add_argument(
        "--shrink-seconds",
        type=number_in(0, 86_400, float, "a number of seconds"),
        default=30.0,
        help="wall-clock budget for shrinking one counterexample; the smallest schedule found by then is reported (default 30)",
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on stderr (default: on when stderr is a terminal, off in CI logs and pipes)",
    )
    run.add_argument(
        "--differential", metavar="TARGET", help="also replay every run's schedule on TARGET; any observable difference is a finding"
    )
    add_strategy_arguments(run)
    add_swarm_argument(run)
    add_coverage_argument(run)
    add_jobs_argument(run, "runs split as --shard splits them (hypothesis: whole scenarios), one report, the same as -j 1's")
    run.add_argument(
        "--tripwires",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fail a run that reads the wall clock, random, uuid4 or os.urandom (default: on; costs a few %%)",
    )
    run.add_argument(
        "--virtual-clock",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a driver's time.time()/monotonic()/datetime.now() read the world's virtual clock "
        "(2026-06-01T00:00:00Z + virtual ms, as the Node bridge's Date); --no-virtual-clock refuses them like random (default: on)",
    )
    run.add_argument(
        "--stall-seconds",
        type=stall,
        default=None,
        help="stop a run whose driver takes no simulation step for this many wall seconds (default 10; 0: off)",
    )
    return run  # type: ignore[no-any-return]


stall = number_in(0, 86_400, float, "a number of seconds")


def add_swarm_argument(parser: argparse.ArgumentParser) -> None:
    """`--swarm on|off`: swarm testing (each run first chooses which fault kinds and wrappers are on)."""
    parser.add_argument(
        "--swarm",
        type=on_off,
        metavar="on|off",
        default=None,
        help="swarm testing: each run first switches fault kinds and wrappers on or off (default: each scenario's `swarm`, off)",
    )


def on_off(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"expected on or off, got {text!r}")
    return text == "on"


def main(args: argparse.Namespace) -> int:
    from simharness.cli.judging import TargetFailed, judge, stopped_by, target_failed
    from simharness.explore.parallel import jobs_for
    from simharness.explore.stopping import GracefulStop
    from simharness.guard.settings import Guards
    from simharness.model.io import ensure_writable_dir
    from simharness.model.scenario import collect_scenarios
    from simharness.report.document import timing
    from simharness.report.merge import combine
    from simharness.report.progress import Progress
    from simharness.report.status import mark_incomplete
    from simharness.report.write import write_docs
    from simharness.targets import resolve_target

    scenarios = collect_scenarios(args.paths, swarm=args.swarm)
    out = ensure_writable_dir(args.report_dir)  # before a long run, not after it
    Guards.tripwires = args.tripwires
    Guards.virtual_clock = args.virtual_clock
    if args.stall_seconds is not None:
        Guards.stall_seconds = args.stall_seconds
    strategy = strategy_from_args(args, Path(args.report_dir))  # a bad strategy option is bad input, before any target starts
    index, count = args.shard
    # hypothesis: a shard is its own Hypothesis search (seeded per shard, its own example database), so its runs
    # cannot be split like the others'; its scenarios can (each scenario's search is the same in any process)
    by_scenario = args.strategy == "hypothesis"
    work = len(scenarios) if by_scenario else len(range(index - 1, args.budget, count))
    workers = jobs_for(getattr(args, "jobs", 1), work)
    if workers > 1:
        from simharness.cli.run_jobs import run_parallel

        return run_parallel(args, scenarios, out, workers, by_scenario=by_scenario, finish=finish, differential=run_differential)
    planned = len(scenarios) * len(range(index - 1, args.budget, count))  # what an incomplete report says it lacks
    # Wall time for the report's timing section only, never inside a run; from before the target starts (a Node
    # bridge's start-up included), as `-j N` counts its workers' start-up, so the two can be compared.
    started = time.perf_counter()
    target = resolve_target(args.target)
    # One suite per scenario, combined like shards and pytest items are: the same aggregation everywhere,
    # and every scenario's own verdict counts (junit.xml reports scenario × invariant).

    def give_up(code: int, reason: str, part: list[dict[str, Any]]) -> None:
        """On the watchdog thread, while a driver that cannot be stopped holds the main one: write what was
        judged (the stuck run included, as the `terminates` violation it is), marked incomplete."""
        if part:
            doc = combine(part)
            mark_incomplete(doc, "unstoppable", reason, planned)
            doc["timing"] = timing(doc["runs"], time.perf_counter() - started)
            write_docs(doc, out)
            said = f"the report ({out / 'report.html'}) holds what was judged and is marked incomplete"
        else:
            said = "nothing was judged yet, so no report was written"
        print(f"simharness: {reason}; {said}; exiting with code {code}", file=sys.stderr)

    failed: TargetFailed | None = None
    differential_report: list[str] = []
    with GracefulStop() as stop:  # Ctrl-C: finish with what was judged, write it whole
        try:
            with Progress(planned, enabled=args.progress) as progress:
                docs = judge(args, scenarios, target, strategy, out, shard=args.shard, stop=stop, on_run=progress, give_up=give_up)
            differential_report = run_differential(args, scenarios, target, out)
        except TargetFailed as exc:  # a real target's bridge died mid-run: what was judged is reported, incomplete
            failed, docs = exc, exc.docs
        finally:
            Guards.last_resort = None
            target.close()
        doc = combine(docs)
        if failed is not None:
            mark_incomplete(doc, "target-failed", failed.line, planned, scenario=failed.scenario)
        elif not doc["complete"]:
            mark_incomplete(doc, "interrupted", stopped_by(stop.signum), planned)
        wall_seconds = time.perf_counter() - started
        doc["timing"] = timing(doc["runs"], wall_seconds)
        write_docs(doc, out)
    code = finish(args, doc, out, wall_seconds, differential_report, stop.signum)
    if failed is not None:
        return target_failed(failed.line, doc, out)
    return code


def finish(
    args: argparse.Namespace, doc: dict[str, Any], out: Path, wall_seconds: float, differential_report: list[str], signum: int
) -> int:
    """Print the results of a written report and return the exit code."""
    print_results(doc, out, wall_seconds, differential_report, strict=args.strict_coverage)
    print_liveness_notes(doc)
    if not doc["complete"]:
        return 128 + int(signum)  # 130 for Ctrl-C, 143 for SIGTERM
    differs = len(differential_report) > 1
    uncovered = doc["unreached"] or not doc["exercised"]  # --strict-coverage: a suite that tested nothing fails too
    return 0 if doc["ok"] and not differs and not (args.strict_coverage and uncovered) else 1


def print_results(doc: dict[str, Any], out: Path, wall_seconds: float, differential_report: list[str], *, strict: bool) -> None:
    """The run's results on stdout: scenarios, every invariant with its status, counterexamples, the headline.

    The headline is the reports' (`report.status.headline`): never "all invariants held" for invariants no run
    checked. Text from the code under test goes through `visible`: no escape sequence reaches the terminal."""
    from simharness.report.progress import GREEN, RED, YELLOW, paint
    from simharness.report.safe_text import visible
    from simharness.report.status import headline, incompleteness, runs_text, status

    same = " (the default: the same schedules on every run; --seed random explores new ones)" if doc["seed"] == 0 else ""
    lines = [f"target {doc['target']} (profile {doc['profile']}), seed {doc['seed']}{same}, {runs_text(doc)} in {wall_seconds:.2f}s"]
    lines += describe_strategy(doc)
    print(visible("\n".join(lines)))
    print_table(
        [(visible(s["name"]), s["runs"], s["failed_runs"], len(s["situations"])) for s in doc["scenarios"]],
        ("scenario", "runs", "failed", "situations"),
    )
    print()
    print_table(
        [
            (("✗ " if i["violated"] else "  ") + i["id"], status(i), i["checked"], i["violated"], i["not_applicable"])
            for i in doc["invariants"]
        ],
        ("invariant", "status", "checked", "violated", "n/a"),
    )
    for error in doc.get("errors") or []:
        print(visible(f"\n✗ {error.get('scenario')} crashed: {error.get('message')}"))
    for inv in sorted((i for i in doc["invariants"] if i["counterexample"]), key=_smallest_first):
        ce = inv["counterexample"]
        if ce:
            print(visible(f"\n{inv['id']} violated in {ce['scenario']}: {ce['message']}"))
            print(visible(f"  shrunk {ce['size']['original']} → {ce['size']['shrunk']} non-trivial choices; reproduce: {ce['replay']}"))
    if differential_report:
        print(visible("\n".join(differential_report)))
    head = headline(doc)
    colour = {"ok": GREEN, "bad": RED}.get(head.level, YELLOW)
    print("\n" + paint(visible(f"{head.icon} {head.text}"), colour, sys.stdout))
    quiet = not doc["complete"] and incompleteness(doc)[0] != "interrupted"  # cut short: its one line says why
    if head.level == "unexercised" and not quiet:
        level = "error" if strict else "WARNING"
        print(
            f"simharness: {level}: no run checked an invariant of the fallback contract: this is not a pass"
            + ("" if strict else " (--strict-coverage makes this fail)"),
            file=sys.stderr,
        )
    report_coverage({**doc, "unreached": []} if quiet else doc, strict=strict)
    if not doc["complete"] and incompleteness(doc)[0] == "interrupted":  # other causes are the caller's one line
        print("interrupted: the report holds the runs completed so far and is marked incomplete", file=sys.stderr)
    print(visible(f"\nreport: {out / 'report.html'} (also report.json, summary.md, junit.xml)"))


def _smallest_first(inv: dict[str, Any]) -> tuple[int, int]:
    """Counterexamples in reading order: the fewest non-trivial choices first, then the smallest world."""
    ce = inv["counterexample"]
    return (int((ce.get("size") or {}).get("shrunk") or 0), int(ce.get("world") or 0))


def print_liveness_notes(doc: dict[str, Any]) -> None:
    """What the engine cut short to stay fast: runs skipped after a stall, shrinking stopped on its budget."""
    for s in doc["scenarios"]:
        if s.get("skipped_after_stall"):
            print(
                f"simharness: {s['name']}: the driver stalled (stopped by the watchdog); its other "
                f"{s['skipped_after_stall']} runs were skipped, each would have waited out the watchdog again",
                file=sys.stderr,
            )
    for inv in doc["invariants"]:
        ce = inv.get("counterexample") or {}
        if ce.get("shrink_stopped"):
            print(f"simharness: shrinking the {inv['id']} counterexample {ce['shrink_stopped']} (the schedule replays)", file=sys.stderr)


def run_differential(args: argparse.Namespace, scenarios: Any, target: Any, out: Path) -> list[str]:
    """`--differential OTHER`: the lines to print (a header, then one per finding); [] without the flag."""
    if not args.differential:
        return []
    from simharness.explore.differential import differential, write_findings
    from simharness.targets import resolve_target

    other = resolve_target(args.differential)
    try:
        runs, findings = differential(scenarios, target, other, seed=args.seed, budget=args.budget, report_dir=out)
    finally:
        other.close()
    path = write_findings(out, target.spec, other.spec, runs, findings)
    lines = [f"\ndifferential {target.spec} vs {other.spec}: {runs} schedules, {len(findings)} with an observable difference ({path})"]
    for f in findings[:20]:
        lines.append("  " + f.line(target.spec, other.spec) + (f"\n    schedule: {f.schedule}" if f.schedule else ""))
    return lines
