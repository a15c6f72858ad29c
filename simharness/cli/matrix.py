"""`simharness matrix [TARGET...] [--latest K | --since VERSION] [--scenarios PATHS] [--budget N] [--bisect DIR...]`:
the scenarios against several targets, one combined report (`report.html`, `matrix.md`, `matrix.json`) plus each
target's full report in its own directory.

`--latest K` / `--since VERSION` choose published openclaw releases from the npm registry (`targets.registry`,
cached), so a scheduled CI job watches new releases without a hand-kept list. Every target is judged by its own
profile (see `report.matrix`). A target that cannot be installed, loaded or run is a row of the matrix saying
why, and the other targets still run. This module only chooses the targets and runs them; the document and its
renderings are `simharness.report.matrix`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simharness.cli.args import add_jobs_argument, directory, positive, print_table, seed

if TYPE_CHECKING:
    from simharness.explore.stopping import GracefulStop
    from simharness.model.scenario import Scenario

USAGE = "name at least one TARGET, or choose releases with --latest K or --since VERSION"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    matrix = sub.add_parser(
        "matrix",
        help="run the scenarios against several targets (e.g. the newest openclaw releases) and write one combined report",
        description="Run the same scenarios and seeds against each target; write DIR/report.html (the index page), "
        "DIR/matrix.md, DIR/matrix.json and each target's own report under DIR/<target>/. Exit 0 when every target held "
        "every applicable invariant, 1 when any target violated one, 2 on bad input or when a target could not be "
        "installed, loaded or run (its row in the matrix says why; the other targets still run).",
    )
    matrix.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="openclaw@VERSION | node-dist:PATH | reference | py:... | mutant:... (optional with --latest/--since)",
    )
    chosen = matrix.add_mutually_exclusive_group()
    chosen.add_argument("--latest", type=positive, metavar="K", help="add the newest K stable openclaw releases published on npm")
    chosen.add_argument("--since", metavar="VERSION", help="add every stable openclaw release from VERSION on (inclusive)")
    matrix.add_argument(
        "--scenarios", nargs="+", default=["scenarios"], metavar="PATH", help="scenario files or directories (default: scenarios)"
    )
    matrix.add_argument("--seed", type=seed, default=0, help="master seed (default 0; 'random': a new one, printed)")
    matrix.add_argument("--budget", type=positive, default=100, help="runs per scenario and target (default 100)")
    matrix.add_argument("--report-dir", type=directory, default="simharness-matrix", help="where the combined and per-target reports go")
    matrix.add_argument(
        "--bisect",
        nargs="+",
        default=[],
        metavar="PATH",
        help="bisect results (bisect.json, or a directory holding one) whose first bad/good releases annotate the findings; "
        "DIR/bisect.json and DIR/*/bisect.json are read too",
    )
    add_jobs_argument(matrix, "the targets dealt round-robin, each column the same as -j 1's")
    return matrix  # type: ignore[no-any-return]


def _check_spec(spec: str) -> None:
    """Refuse bad input before the long run (a typo must not cost a matrix): an unknown spec, a release that is
    not a version, a Python driver that does not load. Only a release (or dist) that then fails to install, load
    or run becomes a row of the matrix, since that is news about the release, not a typo."""
    from simharness.model.exceptions import TargetError
    from simharness.targets.registry import version_key

    if not spec.startswith(("openclaw@", "node-dist:", "py:", "mutant:")) and spec != "reference":
        raise TargetError(f"{spec}: unknown target (expected reference, py:FILE.py:FUNC, mutant:NAME, openclaw@VERSION or node-dist:PATH)")
    if spec.startswith("openclaw@"):
        try:
            version_key(spec.partition("@")[2])
        except ValueError:
            raise TargetError(f"{spec}: not a release version (expected openclaw@YYYY.M.N)") from None
    elif not spec.startswith("node-dist:"):  # a Python driver loads in milliseconds: a bad one is bad input, now
        from simharness.targets import resolve_target

        resolve_target(spec).close()


def choose_releases(latest_k: int | None, since_v: str | None) -> tuple[list[str], dict[str, Any] | None]:
    """The releases `--latest` / `--since` name, oldest first, and what to record about the choice."""
    from datetime import UTC, datetime

    from simharness.model.exceptions import TargetError
    from simharness.targets import registry

    if latest_k is None and since_v is None:
        return [], None
    if since_v is not None:
        since_v = since_v.removeprefix(f"{registry.PACKAGE}@")
        try:
            registry.version_key(since_v)
        except ValueError:
            raise TargetError(f"--since {since_v}: not a release version (expected YYYY.M.N)") from None
    listed = registry.published(progress=lambda msg: print(msg, file=sys.stderr))
    if latest_k is not None:
        versions, how = registry.latest(latest_k, listed.versions), "the newest stable releases,"
    else:
        versions, how = registry.since(str(since_v), listed.versions), f"every stable release from {since_v} on,"
    if not versions:
        raise TargetError(
            f"no stable {registry.PACKAGE} release {'since ' + str(since_v) if since_v else ''} among {len(listed.versions)} published"
        )
    when = datetime.fromtimestamp(listed.fetched_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = f"the npm registry could not be reached: its list cached at {when}" if listed.stale else f"npm registry, listed {when}"
    text = f"{how} {len(versions)} of {len(listed.versions)} published ({source}): {', '.join(versions)}"
    return [f"{registry.PACKAGE}@{v}" for v in versions], {
        "latest": latest_k,
        "since": since_v,
        "chosen": list(versions),
        "published": len(listed.versions),
        "listed_at": when,
        "stale": listed.stale,
        "text": text,
    }


def _unnamed(spec: str, message: str) -> str:
    return message.removeprefix(f"{spec}: ")


def main(args: argparse.Namespace) -> int:
    import json

    from simharness.model.exceptions import TargetError
    from simharness.model.io import ensure_writable_dir, write_atomic_many
    from simharness.model.scenario import collect_scenarios
    from simharness.report.matrix import MARK, SCHEMA, invariant_ids, load_bisects, matrix_html, matrix_md
    from simharness.report.safe_text import safe_name

    if not args.targets and args.latest is None and args.since is None:
        raise TargetError(USAGE)
    for spec in args.targets:
        _check_spec(spec)
    scenarios = collect_scenarios(args.scenarios)
    out = ensure_writable_dir(args.report_dir)
    found = [*out.glob("bisect.json"), *out.glob("*/bisect.json")]
    bisects = load_bisects([*args.bisect, *found])
    releases, selection = choose_releases(args.latest, args.since)
    if selection:
        print(f"matrix: releases chosen: {selection['text']}")
    specs = list(dict.fromkeys([*args.targets, *releases]))

    items: list[tuple[str, str]] = []
    used: set[str] = set()
    for spec in specs:
        name = safe_name(spec)
        while name in used:  # two specs that make one directory name must not share a report
            name += "-2"
        used.add(name)
        items.append((spec, name))
    if args.jobs > 1 and len(items) > 1:
        columns, stopped = _in_workers(items, scenarios, args.seed, args.budget, out, min(args.jobs, len(items)))
        if stopped is not None:
            print("simharness: interrupted: no matrix was written", file=sys.stderr)
            return 128 + int(stopped)
    else:
        columns = [judge_target(spec, name, scenarios, args.seed, args.budget, out) for spec, name in items]

    matrix: dict[str, Any] = {
        "schema": SCHEMA,
        # the exact targets, so the matrix regenerates even after newer releases are published
        "command": shlex.join(
            ["simharness", "matrix", *specs, "--scenarios", *args.scenarios, "--seed", str(args.seed), "--budget", str(args.budget)]
            + ["--report-dir", str(args.report_dir)]
        ),
        "scenarios": [s.name for s in scenarios],
        "seed": args.seed,
        "budget": args.budget,
        **({"selection": selection} if selection else {}),
        "targets": columns,
    }
    write_atomic_many(
        {
            out / "matrix.json": json.dumps(matrix, indent=1) + "\n",
            out / "matrix.md": matrix_md(matrix, bisects),
            out / "report.html": matrix_html(matrix, bisects),
        }
    )
    print_table(
        [
            (inv, *(MARK[c["invariants"][inv]["status"]] if inv in c["invariants"] else "—" for c in columns))
            for inv in invariant_ids(matrix)
        ],
        ("invariant", *(c["target"] for c in columns)),
    )
    failed = [c for c in columns if "error" in c]
    for c in failed:
        print(f"could not run {c['target']}: {_unnamed(c['target'], c['error'])}")
    print(f"\nmatrix: {out / 'report.html'} (also matrix.md, matrix.json; each target's report under {out}/<target>/)")
    if any(not c["ok"] for c in columns if "error" not in c):
        return 1
    return 2 if failed else 0


def judge_target(
    spec: str, name: str, scenarios: Sequence[Scenario], seed: int, budget: int, out: Path, stop: GracefulStop | None = None
) -> dict[str, Any]:
    """One target's column: its suite run, its report written under `out/name`, one line on stderr. A target that
    cannot be loaded or run is a column that says why. `stop` (a `--jobs` worker's): stop between runs on request."""
    from simharness.engine.schedule import save_failed_run
    from simharness.engine.shrink import shrink
    from simharness.explore.suite import run_suite
    from simharness.model.exceptions import TargetError, TargetRunFailure
    from simharness.report.document import report_json, timing
    from simharness.report.matrix import NotApplicableBehaviour, column, failed_column
    from simharness.report.merge import combine
    from simharness.report.safe_text import visible
    from simharness.report.write import write_docs
    from simharness.targets import resolve_target

    directory = out / name
    try:
        target = resolve_target(spec)
    except TargetError as exc:
        print(f"{spec}: could not be loaded — {_unnamed(spec, str(exc))}", file=sys.stderr)
        return failed_column(spec, visible(_unnamed(spec, str(exc))))
    behaviour = NotApplicableBehaviour(target.profile.kinds)
    docs = []
    started = time.perf_counter()  # report timing only
    try:
        for scenario in scenarios:
            began = time.perf_counter()
            if stop is None:
                suite = run_suite([scenario], target, seed=seed, budget=budget, shrink=shrink, on_run=behaviour)
            else:
                with stop.interruptible():
                    suite = run_suite([scenario], target, seed=seed, budget=budget, shrink=shrink, on_run=stop.after(behaviour))
                if not suite.complete:
                    raise KeyboardInterrupt  # stopped: this target's column would be judged on part of its runs
            suite.wall_seconds = time.perf_counter() - began
            docs.append(report_json(suite, directory))
    except TargetError as exc:  # the bridge crashed, hung or spoke garbage mid-run: that run's schedule is kept
        error = save_failed_run(exc, directory) if isinstance(exc, TargetRunFailure) else exc
        print(f"{spec}: could not be run — {_unnamed(spec, str(error))}", file=sys.stderr)
        return failed_column(spec, visible(_unnamed(spec, str(error))))
    finally:
        target.close()
    doc = combine(docs)
    doc["timing"] = timing(doc["runs"], time.perf_counter() - started)
    write_docs(doc, directory)
    verdict = "every applicable invariant held" if doc["ok"] else "VIOLATIONS"
    print(f"{spec}: {doc['runs']} runs, profile {target.profile.name} — {verdict}", file=sys.stderr, flush=True)
    return column(spec, target.profile, doc, f"{name}/report.html", behaviour.describe())


def _judge_share(
    items: Sequence[tuple[str, str]], scenarios: Sequence[Scenario], seed: int, budget: int, out: Path
) -> list[dict[str, Any]]:
    """In a `--jobs` worker: its share of the targets, in order."""
    from simharness.explore.parallel import worker_stop

    stop = worker_stop()
    columns = []
    for spec, name in items:
        if stop.requested:
            raise KeyboardInterrupt
        columns.append(judge_target(spec, name, scenarios, seed, budget, out, stop))
    return columns


def _in_workers(
    items: Sequence[tuple[str, str]], scenarios: Sequence[Scenario], seed: int, budget: int, out: Path, jobs: int
) -> tuple[list[dict[str, Any]], int | None]:
    """`--jobs`: the targets dealt round-robin to `jobs` workers, each target with its own bridge in its worker.
    Each column is what one process makes of it. A worker that dies leaves each of its targets a column saying
    so (the matrix fails: exit 2). Also the signal that stopped the run (a Ctrl-C, SIGTERM), or None."""
    from simharness.explore.parallel import Workers
    from simharness.report.matrix import failed_column

    shares = [list(range(j, len(items), jobs)) for j in range(jobs)]
    with Workers() as workers:
        outcomes = workers.run(_judge_share, [([items[i] for i in share], list(scenarios), seed, budget, out) for share in shares])
    for o in outcomes:
        if o.error is not None and not isinstance(o.error, KeyboardInterrupt):
            raise o.error
    if workers.signum is not None:
        return [], workers.signum
    columns: dict[int, dict[str, Any]] = {}
    for share, o in zip(shares, outcomes):
        if o.died is not None:
            print(f"simharness: worker {o.worker} of {jobs} ({', '.join(items[i][0] for i in share)}): {o.died}", file=sys.stderr)
            columns.update((i, failed_column(items[i][0], f"not judged: the worker running it was {o.died}")) for i in share)
        else:
            columns.update(zip(share, o.value))
    return [columns[i] for i in range(len(items))], None
