"""`simharness schedules SCENARIO --strategy S --count N --out DIR`: write N distinct race schedules.

Each file is one run's choice sequence in the versioned schedule schema (`simharness/schedule/v1`), with
human-readable choices (`{"label": "tie:session-1/session-2", "value": 1, "taken": "session-2"}`), the
scenario embedded and the trace hash recorded: `simharness replay FILE [--target T]` re-executes it exactly,
on the target it was made on or any other (differential use). Schedules are distinct by trace: two choice
sequences that play out identically count once.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simharness.cli.args import directory, positive, seed
from simharness.cli.strategy_args import add_strategy_arguments

#: Runs tried per schedule wanted before giving up on finding more distinct ones.
ATTEMPTS_PER_SCHEDULE = 20


def add_parser(sub: Any) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "schedules",
        help="write N distinct schedule files of a scenario (replay them with `simharness replay`)",
        description="Explore a scenario with a strategy and write the first N runs with distinct traces as schedule files.",
    )
    cmd.add_argument("scenario", help="a scenario file (*.toml)")
    cmd.add_argument("--count", type=positive, default=10, help="how many distinct schedules (default 10)")
    cmd.add_argument("--out", required=True, type=directory, metavar="DIR", help="where the schedule files go")
    cmd.add_argument("--target", default="reference", help="target to run them on (default: reference)")
    cmd.add_argument("--seed", type=seed, default=0, help="master seed (default 0: the same schedules every time; 'random': a new one, printed)")
    add_strategy_arguments(cmd, database=False)
    return cmd  # type: ignore[no-any-return]


def main(args: argparse.Namespace) -> int:
    from pathlib import Path

    from simharness.engine.runner import RunResult
    from simharness.engine.schedule import save_schedule
    from simharness.explore import resolve_strategy
    from simharness.model.exceptions import OutputError
    from simharness.model.scenario import load_scenario
    from simharness.report.safe_text import safe_name
    from simharness.targets import resolve_target

    scenario = load_scenario(args.scenario)
    out = Path(args.out)
    try:  # before exploring: a bad --out is bad input, found before any work
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output directory: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise OutputError(f"{out}: not a directory")
    strategy = resolve_strategy(args.strategy, depth=args.depth, database=None)
    target = resolve_target(args.target)
    count: int = args.count
    seen: set[str] = set()
    written: list[tuple[Path, RunResult]] = []
    # the name says what made it, so schedules of other strategies, seeds or targets in one directory never collide
    stem = f"{safe_name(scenario.name)}--{args.strategy}--s{args.seed}" + (
        "" if target.spec == "reference" else f"--{safe_name(target.spec)}"
    )

    def visit(result: RunResult) -> bool:
        digest = result.trace_sha256
        if digest not in seen:
            seen.add(digest)
            path = out / f"{stem}--{len(written) + 1:04d}.json"
            first = result.verdicts.violations[0].invariant if result.verdicts.violations else None
            save_schedule(path, result, invariant=first, strategy=args.strategy)
            written.append((path, result))
        return len(written) >= count

    try:
        info = strategy.explore(scenario, target, seed=args.seed, budget=args.count * ATTEMPTS_PER_SCHEDULE, shard=(1, 1), visit=visit)
    finally:
        target.close()
    failing = sum(1 for _, r in written if not r.ok)
    print(
        f"{len(written)} distinct schedules of {scenario.name} ({args.strategy}, target {target.spec}, seed {args.seed}) "
        f"from {info.runs} runs in {out}/" + (f"; {failing} violate an invariant" if failing else "")
    )
    for path, result in written[:3]:
        print(f"  {path.name}: {len(result.choices)} choices, trace {result.trace_sha256[:16]}")
    if written:
        print(f"replay one:  simharness replay {written[0][0].as_posix()} [--target T]")
    if len(written) < args.count:
        why = "the space within the bound holds no more" if info.exhausted else f"none new in {info.runs} runs"
        if info.stopped and failing:
            why = "hypothesis stops at the first violation"
        print(f"simharness: only {len(written)} of {args.count} distinct schedules ({why})", file=sys.stderr)
    return 0
