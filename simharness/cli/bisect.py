"""`simharness bisect`: the published release where one invariant's verdict on one schedule changed — the
release that introduced a departure, or the one that fixed it.

    simharness bisect SCHEDULE openclaw@A..B                  # the verdicts at the two ends decide the direction
    simharness bisect SCHEDULE --good openclaw@A --bad openclaw@B
    simharness bisect --scenario FILE --seed S openclaw@A..B  # the run of that seed on each release

The releases between the ends come from the npm registry (`targets.registry`, cached; prereleases only with
`--prereleases`); each tested release is installed into the cache on demand. The search and the verdicts
are `explore.bisect`'s (n/a is never good; an uninstallable release is skipped and named). Writes
`--report-dir`: bisect.json, bisect.md, and the four reports of the replay on the violating release next to
the change. Exit 0: one exact boundary; 1: none (both ends agree, the history flips more than once, an
undecided release sits at the change, an end is n/a, or --good/--bad do not hold as claimed); 2: bad input.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from typing import Any

from simharness.cli.args import directory, seed


def add_parser(sub: Any) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "bisect",
        help="find the published release that introduced or fixed a violation on a schedule",
        description="Replay one schedule (or one seeded run of a scenario) on the published releases between two ends "
        "and binary-search for the release where the invariant's verdict changes. Writes bisect.md, bisect.json and the "
        "replay's four reports to --report-dir. Exit 0: one exact boundary; 1: no single boundary; 2: bad input.",
    )
    cmd.add_argument(
        "inputs",
        nargs="*",
        metavar="SCHEDULE|RANGE",
        help="a schedule file (from a report's schedules/ or `simharness schedules`) and/or a range openclaw@A..B",
    )
    cmd.add_argument("--scenario", metavar="FILE", help="instead of a schedule: a scenario file, run with --seed on each release")
    cmd.add_argument("--seed", type=seed, default=None, help="the seed of the --scenario run ('random': a new one, printed)")
    cmd.add_argument("--good", metavar="openclaw@A", help="the end where the invariant holds (with --bad, instead of a range)")
    cmd.add_argument("--bad", metavar="openclaw@B", help="the end where the invariant is violated (older or newer than --good)")
    cmd.add_argument("--invariant", metavar="ID", help="the invariant to bisect (default: the schedule's first violated one)")
    cmd.add_argument("--all", action="store_true", help="test every release in the range, not a binary search (shows double flips)")
    cmd.add_argument("--prereleases", action="store_true", help="include prereleases between the ends")
    cmd.add_argument("--refresh", action="store_true", help="ask the npm registry for the version list even if the cached one is fresh")
    cmd.add_argument("--report-dir", type=directory, default="simharness-bisect", help="where the reports go (default: simharness-bisect)")
    return cmd  # type: ignore[no-any-return]


def _version(spec: str, what: str, package: str) -> str:
    from simharness.model.exceptions import TargetError

    prefix = f"{package}@"
    if not spec.startswith(prefix) or len(spec) == len(prefix):
        raise TargetError(f"{what} {spec!r}: expected {package}@VERSION (bisect searches {package}'s published releases)")
    return spec[len(prefix) :]


def _inputs(args: argparse.Namespace, package: str) -> tuple[str | None, tuple[str, str] | None]:
    """(schedule path, (A, B) of a positional range) from the positional arguments."""
    from simharness.model.exceptions import ScheduleError

    schedule: str | None = None
    ends: tuple[str, str] | None = None
    for item in args.inputs:
        if ".." in item and item.startswith(f"{package}@"):
            if ends is not None:
                raise ScheduleError(f"{item}: a second range (give one {package}@A..B)")
            low, _, high = item.partition("..")
            ends = (
                _version(low, "range", package),
                _version(high if high.startswith(f"{package}@") else f"{package}@{high}", "range", package),
            )
        elif schedule is None:
            schedule = item
        else:
            raise ScheduleError(f"{item}: a second schedule file (bisect replays one; ranges look like {package}@A..B)")
    return schedule, ends


def main(args: argparse.Namespace) -> int:
    from simharness.engine.schedule import load_schedule
    from simharness.explore.bisect import Subject, Tester, bisect, check_invariant, default_invariant
    from simharness.model.exceptions import ScheduleError
    from simharness.model.io import ensure_writable_dir, write_atomic_many
    from simharness.model.scenario import load_scenario
    from simharness.report.bisect import bisect_files, bisect_json, replay_document, table
    from simharness.report.write import write_docs
    from simharness.targets import registry

    package = registry.PACKAGE
    path, ends = _inputs(args, package)
    good: str | None = None
    bad: str | None = None
    if (args.good is None) != (args.bad is None):
        raise ScheduleError("--good and --bad go together (or give a range openclaw@A..B)")
    if args.good is not None:
        if ends is not None:
            raise ScheduleError("give either a range openclaw@A..B or --good/--bad, not both")
        good, bad = _version(args.good, "--good", package), _version(args.bad, "--bad", package)
        if good == bad:
            raise ScheduleError(f"--good and --bad are the same release ({args.good})")
        ends = (good, bad)
    elif ends is None:
        raise ScheduleError("no range: give openclaw@A..B, or --good openclaw@A --bad openclaw@B")
    if ends[0] == ends[1]:
        raise ScheduleError(f"the range {package}@{ends[0]}..{ends[1]} holds one release: nothing to bisect")
    if (path is None) == (args.scenario is None):
        raise ScheduleError("give one schedule file, or --scenario FILE with --seed S")
    if args.scenario is not None and args.seed is None:
        raise ScheduleError("--scenario needs --seed S (the run to bisect)")
    if path is not None and args.seed is not None:
        raise ScheduleError("--seed goes with --scenario; a schedule file carries its own choices")
    invariant = check_invariant(args.invariant) if args.invariant else None

    if path is not None:
        subject = Subject.from_schedule(load_schedule(path), path)
    else:
        subject = Subject.from_seed(load_scenario(args.scenario), args.seed, args.scenario)
    published = registry.published(refresh=args.refresh, progress=_progress)
    versions = registry.between(ends[0], ends[1], published.versions, prereleases=args.prereleases)
    out = ensure_writable_dir(args.report_dir)  # before the long part

    tester = Tester(subject, package=package, progress=_progress)
    if invariant is None:
        order = (bad, good) if bad is not None and good is not None else (versions[0], versions[-1])
        invariant = default_invariant(subject, tester, order)
    result = bisect(versions, tester, invariant, good=good, bad=bad, exhaustive=args.all)

    shown = result.shown_bad() or next((t.version for t in reversed(result.in_order()) if t.result is not None), None)
    report_of = None
    if shown is not None:
        got = tester.outcomes[shown]
        assert not isinstance(got, str)
        run, profile, kinds = got
        write_docs(replay_document(run, out, seed=subject.seed, profile=profile, kinds=kinds), out)
        report_of = f"{package}@{shown}"
    doc = bisect_json(
        result,
        command=_command(args),
        subject=subject.source,
        registry={
            "package": package,
            "published": len(published.versions),
            "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(published.fetched_at)),
            "stale": published.stale,
        },
        report_of=report_of,
    )
    write_atomic_many(bisect_files(doc, out))
    print(f"bisect {invariant} on {subject.source}: {len(result.tested)} of {len(versions)} releases tested")
    print("\n".join(table(doc)))
    print()
    print("\n".join(doc["conclusion"]))
    shown_text = f"; the replay on {report_of}: report.html, report.json, summary.md, junit.xml" if report_of else ""
    print(f"\nreports: {out / 'bisect.md'} (also bisect.json{shown_text})")
    return result.exit_code


def _progress(text: str) -> None:
    print(f"simharness bisect: {text}", file=sys.stderr, flush=True)


def _command(args: argparse.Namespace) -> str:
    parts = ["simharness", "bisect", *args.inputs]
    for flag in ("scenario", "seed", "good", "bad", "invariant"):
        if getattr(args, flag) is not None:
            parts += [f"--{flag}", str(getattr(args, flag))]
    parts += [f"--{flag}" for flag in ("all", "prereleases") if getattr(args, flag)]
    return shlex.join([*parts, "--report-dir", args.report_dir])
