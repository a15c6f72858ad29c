"""`simharness report merge DIR... --out DIR`: merge shard reports into the report of the whole run."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simharness.cli.args import directory
from simharness.cli.strategy_args import add_coverage_argument


def add_parser(sub: Any) -> argparse.ArgumentParser:
    report = sub.add_parser("report", help="work with report directories (merge shards)")
    actions = report.add_subparsers(dest="report_command", required=True, parser_class=type(report))
    merge = actions.add_parser(
        "merge",
        help="merge the report directories of `run --shard i/n` (every shard once) into one",
        description="Merge shard reports of one run into one whose verdicts equal an unsharded run's. "
        "The shards must share target, seed and budget, and cover every shard exactly once.",
    )
    merge.add_argument("dirs", nargs="+", metavar="DIR", help="report directories of the shards")
    merge.add_argument("--out", required=True, type=directory, metavar="DIR", help="where the merged reports go")
    add_coverage_argument(merge)
    return report  # type: ignore[no-any-return]


def main(args: argparse.Namespace) -> int:
    from simharness.model.exceptions import MergeError
    from simharness.report.merge import merge_dirs

    try:
        doc = merge_dirs(args.dirs, args.out)
    except MergeError as exc:
        print(f"simharness: error: {exc}", file=sys.stderr)
        return 2
    from simharness.report.safe_text import visible
    from simharness.report.status import headline

    head = headline(doc)
    print(visible(f"merged {len(args.dirs)} shards: {doc['runs']} runs: {head.icon} {head.text}"))
    level = "error" if args.strict_coverage else "warning"
    for u in doc["unreached"]:
        print(visible(f"{level}: {u['scenario']}: expected situation {u['situation']!r} was never reached"))
    if not doc["exercised"]:
        print(f"simharness: {level}: no run checked an invariant of the fallback contract: this is not a pass", file=sys.stderr)
    print(f"report: {args.out}/report.html")
    if not doc["complete"]:
        return 130
    uncovered = doc["unreached"] or not doc["exercised"]  # like `run --strict-coverage`
    return 0 if doc["ok"] and not (args.strict_coverage and uncovered) else 1
