"""`simharness replay FILE`: re-execute a schedule exactly and say whether every invariant held."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any


def add_parser(sub: Any) -> argparse.ArgumentParser:
    rep = sub.add_parser("replay", help="re-execute a schedule file exactly and judge it")
    rep.add_argument(
        "schedule",
        metavar="SCHEDULE",
        help="a schedule file (*.json): a counterexample under REPORT_DIR/schedules/, or one `simharness schedules` wrote",
    )
    rep.add_argument("--target", default=None, help="replay on another target (differential use)")
    rep.add_argument(
        "--virtual-clock",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a driver's clock reads get the world's virtual clock (default); --no-virtual-clock: refused, as `run --no-virtual-clock`",
    )
    rep.add_argument("--trace", action="store_true", help="print the full trace, lock events included; ✗ … ◀ marks the violating step")
    return rep  # type: ignore[no-any-return]


def differential(recorded_on: str, digest: str, labels: tuple[str, ...], result: Any) -> list[str]:
    """How a replay on another target compares with the run recorded on `recorded_on`."""
    if result.trace_sha256 == digest:
        return [f"trace identical to the one recorded on {recorded_on}: no observable difference"]
    out = [f"trace DIFFERS from the one recorded on {recorded_on} (a differential finding unless the targets' profiles differ)"]
    replayed = [c.label for c in result.choices]
    diverged = next((i for i, (a, b) in enumerate(zip(labels, replayed)) if a != b), None)
    if diverged is not None:
        out.append(f"  the choices diverge at #{diverged + 1}: recorded {labels[diverged]!r}, replayed {replayed[diverged]!r}")
    return out


def main(args: argparse.Namespace) -> int:
    from simharness.engine.runner import replay
    from simharness.engine.schedule import load_schedule, replay_target
    from simharness.guard.settings import Guards
    from simharness.report.narrate import narrate, violating_event
    from simharness.targets import resolve_target

    schedule = load_schedule(args.schedule)
    target = resolve_target(replay_target(schedule, args.target, args.schedule))  # a schedule never picks code to load

    def last_resort(code: int, reason: str, stuck: Callable[[], Any] | None) -> None:
        """A driver that swallows the watchdog's interrupt: say the verdict before the process is ended."""
        for v in stuck().verdicts.violations if stuck is not None else ():
            print(f"VIOLATED {v.invariant}: {v.message}")
        print(f"simharness: {reason}; exiting with code {code}", file=sys.stderr)

    Guards.last_resort = last_resort
    Guards.virtual_clock = args.virtual_clock
    try:
        result = replay(schedule.scenario, target, schedule.values, schedule.seed)
    finally:
        Guards.last_resort = None
        target.close()
    print(f"replaying {args.schedule}: scenario {schedule.scenario.name}, target {target.spec}, {len(schedule.values)} choices")
    first = result.verdicts.violations[0] if result.verdicts.violations else None
    focus = violating_event(result.trace.events, first) if first is not None else None
    mark = f"violates {first.invariant}" if first is not None else ""
    print("\n".join(narrate(result.trace, limit=10_000 if args.trace else 80, locks=args.trace, focus=focus, mark=mark)))
    if schedule.trace_sha256 and target.spec == schedule.target:
        identical = result.trace_sha256 == schedule.trace_sha256
        print(f"trace {'identical to' if identical else 'DIFFERS from'} the recorded one (sha256 {result.trace_sha256[:16]})")
    elif schedule.trace_sha256:  # differential use: the same schedule on another target
        print("\n".join(differential(schedule.target, schedule.trace_sha256, schedule.labels, result)))
    if result.ok:
        print("every invariant held")
        return 0
    for v in result.verdicts.violations:
        print(f"VIOLATED {v.invariant}: {v.message}")
    return 1
