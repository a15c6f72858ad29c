"""`simharness run PATHS...`: run scenarios against a target and check every invariant."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from simharness.cli import positive, print_table, seed, shard


def add_parser(sub: Any) -> argparse.ArgumentParser:
    run = sub.add_parser("run", help="run scenario files against a target and check every invariant")
    run.add_argument("paths", nargs="+", help="scenario files or directories of *.toml")
    run.add_argument("--target", default="reference", help="reference | py:FILE.py:FUNC | mutant:NAME | openclaw@VERSION | node-dist:PATH")
    run.add_argument("--seed", type=seed, default=0, help="master seed; each run's seed derives from it (default 0)")
    run.add_argument("--budget", type=positive, default=200, help="runs per scenario (default 200)")
    run.add_argument(
        "--report-dir", default="simharness-report", help="where report.json, summary.md, junit.xml, report.html and schedules go"
    )
    run.add_argument("--shard", type=shard, default=(1, 1), help="run only shard I of N of every scenario's runs")
    run.add_argument("--check-determinism", action="store_true", help="replay every run and compare trace hashes")
    run.add_argument("--no-shrink", action="store_true", help="report counterexamples as found, unshrunk")
    run.add_argument("--progress", action="store_true", help="show a progress bar on stderr (only when it is a terminal)")
    return run  # type: ignore[no-any-return]


def main(args: argparse.Namespace) -> int:
    from simharness._merge import combine
    from simharness._progress import Progress
    from simharness._report import report_json, timing, write_docs
    from simharness._runner import run_suite
    from simharness._scenario import collect_scenarios
    from simharness._shrink import shrink
    from simharness.targets import resolve_target

    scenarios = collect_scenarios(args.paths)
    target = resolve_target(args.target)
    out = Path(args.report_dir)
    index, count = args.shard
    docs = []
    # One suite per scenario, combined like shards and pytest items are: the same aggregation everywhere,
    # and every scenario's own verdict counts (junit.xml reports scenario × invariant).
    started = time.perf_counter()  # wall time for the report's timing section only, never inside a run
    try:
        with Progress(len(scenarios) * len(range(index - 1, args.budget, count)), enabled=args.progress) as progress:
            for scenario in scenarios:
                began = time.perf_counter()
                suite = run_suite(
                    [scenario],
                    target,
                    seed=args.seed,
                    budget=args.budget,
                    shard=args.shard,
                    check_determinism=args.check_determinism,
                    shrink=None if args.no_shrink else shrink,
                    on_run=progress,
                )
                suite.wall_seconds = time.perf_counter() - began
                docs.append(report_json(suite, out))
                if not suite.complete:
                    break
    finally:
        target.close()
    doc = combine(docs)
    wall_seconds = time.perf_counter() - started
    doc["timing"] = timing(doc["runs"], wall_seconds)
    write_docs(doc, out)

    print(f"target {doc['target']} (profile {doc['profile']}), seed {doc['seed']}, {doc['runs']} runs in {wall_seconds:.2f}s")
    print_table(
        [(s["name"], s["runs"], s["failed_runs"], len(s["situations"])) for s in doc["scenarios"]],
        ("scenario", "runs", "failed", "situations"),
    )
    print()
    print_table(
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
    print(f"\nreport: {out / 'report.html'} (also report.json, summary.md, junit.xml)")
    if not doc["complete"]:
        return 130
    return 0 if doc["ok"] else 1
