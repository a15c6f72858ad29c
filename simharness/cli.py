"""The `simharness` command line.

Exit codes: 0 every invariant held; 1 a violation was found (its schedule is written); 2 bad input (one
line on stderr, nothing already written is lost).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from simharness._io import OutputError
from simharness._scenario import ScenarioError
from simharness._schedule import ScheduleError
from simharness.targets._protocol import TargetError

USER_ERRORS = (ScenarioError, ScheduleError, TargetError, OutputError)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if not 1 <= value <= 100_000_000:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to 100000000, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < 1 << 63:
        raise argparse.ArgumentTypeError("expected a seed from 0 to 2**63-1")
    return value


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N (e.g. 2/4), got {text!r}") from None
    if not 1 <= index <= count <= 10_000:
        raise argparse.ArgumentTypeError(f"expected 1 <= I <= N, got {text!r}")
    return index, count


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"simharness: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="simharness", description="Deterministic simulation and fault injection for model-fallback drivers.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="run scenario files against a target and check every invariant")
    run.add_argument("paths", nargs="+", help="scenario files or directories of *.toml")
    run.add_argument("--target", default="reference", help="reference | py:FILE.py:FUNC | mutant:NAME | openclaw@VERSION | node-dist:PATH")
    run.add_argument("--seed", type=_seed, default=0, help="master seed; each run's seed derives from it (default 0)")
    run.add_argument("--budget", type=_positive, default=200, help="runs per scenario (default 200)")
    run.add_argument("--report-dir", default="simharness-report", help="where report.json, summary.md and schedules go")
    run.add_argument("--shard", type=_shard, default=(1, 1), help="run only shard I of N of every scenario's runs")
    run.add_argument("--check-determinism", action="store_true", help="replay every run and compare trace hashes")
    run.add_argument("--no-shrink", action="store_true", help="report counterexamples as found, unshrunk")

    rep = sub.add_parser("replay", help="re-execute a schedule file exactly and judge it")
    rep.add_argument("schedule")
    rep.add_argument("--target", default=None, help="replay on another target (differential use)")
    rep.add_argument("--trace", action="store_true", help="print the full trace")
    return parser


def _print_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(row, widths))))


def cmd_run(args: argparse.Namespace) -> int:
    from simharness._report import write_reports
    from simharness._runner import run_suite
    from simharness._scenario import collect_scenarios
    from simharness._shrink import shrink
    from simharness.targets import resolve_target

    scenarios = collect_scenarios(args.paths)
    target = resolve_target(args.target)
    try:
        started = time.perf_counter()  # wall time for the report's timing section only, never inside a run
        suite = run_suite(
            scenarios,
            target,
            seed=args.seed,
            budget=args.budget,
            shard=args.shard,
            check_determinism=args.check_determinism,
            shrink=None if args.no_shrink else shrink,
        )
        suite.wall_seconds = time.perf_counter() - started
    finally:
        target.close()
    doc = write_reports(suite, args.report_dir)

    print(f"target {doc['target']} (profile {doc['profile']}), seed {doc['seed']}, {doc['runs']} runs in {suite.wall_seconds:.2f}s")
    _print_table(
        [(s["name"], s["runs"], s["failed_runs"], len(s["situations"])) for s in doc["scenarios"]],
        ("scenario", "runs", "failed", "situations"),
    )
    print()
    _print_table(
        [(("✗ " if i["violated"] else "  ") + i["id"], i["checked"], i["violated"], i["not_applicable"]) for i in doc["invariants"]],
        ("invariant", "checked", "violated", "n/a"),
    )
    for inv in doc["invariants"]:
        ce = inv["counterexample"]
        if ce:
            print(f"\n{inv['id']} violated in {ce['scenario']}: {ce['message']}")
            print(f"  shrunk {ce['size']['original']} → {ce['size']['shrunk']} non-trivial choices; reproduce: {ce['replay']}")
    for u in doc["unreached"]:
        print(f"warning: {u['scenario']}: expected situation {u['situation']!r} was never reached")
    if not doc["complete"]:
        print("interrupted: the report holds the runs completed so far and is marked incomplete", file=sys.stderr)
    print(f"\nreport: {Path(args.report_dir) / 'report.json'}")
    if not doc["complete"]:
        return 130
    return 0 if doc["ok"] else 1


def cmd_replay(args: argparse.Namespace) -> int:
    from simharness._report import narrate
    from simharness._runner import replay
    from simharness._schedule import load_schedule
    from simharness.targets import resolve_target

    schedule = load_schedule(args.schedule)
    target = resolve_target(args.target or schedule.target)
    try:
        result = replay(schedule.scenario, target, schedule.values, schedule.seed)
    finally:
        target.close()
    print(f"replaying {args.schedule}: scenario {schedule.scenario.name}, target {target.spec}, {len(schedule.values)} choices")
    print("\n".join(narrate(result.trace, limit=10_000 if args.trace else 80, locks=args.trace)))
    same_target = target.spec == schedule.target
    if schedule.trace_sha256 and same_target:
        identical = result.trace_sha256 == schedule.trace_sha256
        print(f"trace {'identical to' if identical else 'DIFFERS from'} the recorded one ({result.trace_sha256[:16]})")
    if result.ok:
        print("every invariant held")
        return 0
    for v in result.verdicts.violations:
        print(f"VIOLATED {v.invariant}: {v.message}")
    return 1


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"run": cmd_run, "replay": cmd_replay}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from simharness import __version__

        print(f"simharness {__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except USER_ERRORS as exc:
        print(f"simharness: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("simharness: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
