"""`simharness bench`: the benchmark suite (throughput vs bare simpy, Node bridge, kills, xdist, memory, growth)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simharness.cli.args import directory, jobs, print_table

#: Not the repository's committed reports/: a casual `simharness bench` must not overwrite published figures.
DEFAULT_OUT = "simharness-bench"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    bench = sub.add_parser(
        "bench",
        help="benchmark a target: runs/s vs bare simpy, Node bridge, kills per strategy, xdist, memory, cost growth",
        description="Measure throughput and overhead (every figure next to its baseline, in one invocation) and write "
        "bench.json, bench.md and bench.svg to --out. Takes a few minutes; --quick checks the machinery in seconds.",
    )
    bench.add_argument("--quick", action="store_true", help="tiny budgets: checks that everything runs, figures are not meaningful")
    bench.add_argument("--target", default="reference", help="the target to benchmark (default: reference)")
    bench.add_argument(
        "--out",
        type=directory,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"where bench.json, bench.md and bench.svg go (default: {DEFAULT_OUT}; the repository's reports/ only when named)",
    )
    bench.add_argument("--scenarios", default="scenarios", metavar="DIR", help="the scenarios to measure (default: scenarios)")
    bench.add_argument(
        "-j",
        "--jobs",
        type=jobs,
        default=2,
        metavar="N",
        help="the scaling rows compare `simharness run -j 1` with -j N (default 2; 'auto': one worker per CPU)",
    )
    return bench  # type: ignore[no-any-return]


def main(args: argparse.Namespace) -> int:
    from simharness.bench.budget import FULL, QUICK
    from simharness.bench.render import write_bench
    from simharness.bench.run import run_bench
    from simharness.bench.tables import tables
    from simharness.model.exceptions import ScenarioError

    scenario_dir = Path(args.scenarios)
    if not scenario_dir.is_dir():
        raise ScenarioError(f"{scenario_dir}: no such directory (pass --scenarios DIR)")

    def log(text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    doc = run_bench(scenario_dir, args.target, QUICK if args.quick else FULL, quick=args.quick, log=log, jobs=max(2, args.jobs))
    for title, header, rows, notes in tables(doc):
        print(f"\n{title}")
        print_table(rows, header)
        for note in notes:
            print(f"  {note}")
    paths = write_bench(doc, Path(args.out))
    print(f"\nwritten: {', '.join(str(p) for p in paths)} ({doc['seconds']:.0f} s)")
    return 0
