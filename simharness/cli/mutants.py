"""`simharness mutants`: the kill matrix — every shipped mutant driver × every exploration strategy.

Prints the matrix and writes it (kill-matrix.json, kill-matrix.md, and the shrunk counterexample of every
kill under schedules/) to `--out`, atomically. Exit code 1 if some mutant survived every strategy run. Interrupted (Ctrl-C, SIGTERM), it
writes the entries finished so far, marked incomplete with the missing ones listed, and exits 128 + the signal.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simharness.cli.args import add_jobs_argument, directory, positive, seed


def add_parser(sub: Any) -> argparse.ArgumentParser:
    from simharness.explore import STRATEGIES

    cmd = sub.add_parser(
        "mutants",
        help="run every strategy against the shipped mutant drivers and print the kill matrix",
        description="A mutant is killed by a strategy when some shipped scenario, explored with it within the budget, "
        "violates an invariant. Exit code 1 if a mutant survives every strategy.",
    )
    cmd.add_argument("--strategy", action="append", choices=STRATEGIES, default=None, help="only this strategy (repeatable; default: all)")
    cmd.add_argument("--mutant", action="append", default=None, metavar="NAME", help="only this mutant (repeatable; default: all)")
    cmd.add_argument("--budget", type=positive, default=None, help="runs per scenario and strategy (default 500)")
    cmd.add_argument("--seed", type=seed, default=0, help="master seed (default 0: the same runs every time; 'random': a new one, printed)")
    cmd.add_argument("--scenarios", default="scenarios", metavar="DIR", help="the shipped scenarios (default: ./scenarios)")
    cmd.add_argument("--out", type=directory, default="simharness-report/mutants", metavar="DIR", help="where the matrix goes")
    from simharness.cli.run import add_swarm_argument

    add_swarm_argument(cmd)
    add_jobs_argument(cmd, "the (mutant, strategy) cells dealt round-robin, the same matrix as -j 1's")
    return cmd  # type: ignore[no-any-return]


def main(args: argparse.Namespace) -> int:
    from pathlib import Path

    from simharness.drivers.mutants import MUTANTS
    from simharness.explore import STRATEGIES
    from simharness.explore.killmatrix import DEFAULT_BUDGET, MatrixIncomplete, cell_line, matrix_markdown, run_matrix, write_matrix
    from simharness.explore.stopping import GracefulStop
    from simharness.model.exceptions import OutputError, ScenarioError, TargetError
    from simharness.model.scenario import collect_scenarios

    unknown = [m for m in args.mutant or () if m not in MUTANTS]
    if unknown:
        raise TargetError(f"--mutant {unknown[0]}: unknown mutant (known: {', '.join(MUTANTS)})")
    if not Path(args.scenarios).is_dir():
        raise ScenarioError(f"{args.scenarios}: no such directory of shipped scenarios (use --scenarios DIR)")
    scenarios = collect_scenarios([args.scenarios], swarm=args.swarm)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output directory: {exc.strerror or exc}") from None
    strategies = tuple(dict.fromkeys(args.strategy)) if args.strategy else STRATEGIES
    budget = args.budget or DEFAULT_BUDGET

    def progress(cell: Any) -> None:
        print(cell_line(cell), file=sys.stderr, flush=True)

    with GracefulStop() as stop:  # Ctrl-C: the entries finished so far make the matrix, written whole, marked incomplete
        try:
            matrix = run_matrix(
                scenarios,
                mutants=args.mutant,
                strategies=strategies,
                seed=args.seed,
                budget=budget,
                out_dir=out,
                on_cell=progress,
                jobs=args.jobs,
                stop=stop,
            )
        except MatrixIncomplete as exc:
            print(f"simharness: {exc}", file=sys.stderr)
            return exc.code
        doc = matrix.to_json()
        write_matrix(doc, out)
    print(matrix_markdown(doc))
    print(f"kill matrix: {out / 'kill-matrix.md'} (also kill-matrix.json, schedules/)")
    if matrix.missing:  # one line, the same whatever -j
        print(
            f"simharness: interrupted: the kill matrix holds the entries finished so far ({len(matrix.cells)} of "
            f"{len(matrix.cells) + len(matrix.missing)}) and is marked incomplete; kill-matrix.json lists the missing ones",
            file=sys.stderr,
        )
        return 128 + int(matrix.signum or 2)
    if doc["survivors"]:
        print(f"simharness: {len(doc['survivors'])} mutant(s) survived every strategy: {', '.join(doc['survivors'])}", file=sys.stderr)
        return 1
    return 0
