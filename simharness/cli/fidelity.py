"""`simharness fidelity`: openclaw's own unit tests (model-fallback.test.ts, failover-error.test.ts, ported as
data) run against a real release — directly in Node and through the bridge — and against the Python ports,
case by case.

    simharness fidelity openclaw@2026.5.20                   # the shipped 5.20 port and the reference
    simharness fidelity openclaw@2026.5.20 --port py:my.py:run_with_model_fallback --differences
    simharness fidelity openclaw@2026.5.20 --report-dir out --json

Prints a table (case, source test, expected, real(direct), real(bridge), one column per port; `=` agrees) and
one summary line per port. Exit 0: every port and the bridge agree with the release on every in-scope case
(the reference may differ where the contract decides coordination differently); 1: a port or the bridge
disagrees; 2: bad input. `--report-dir` writes fidelity.json and fidelity.md atomically.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from simharness.cli.args import directory, print_table


def add_parser(sub: Any) -> argparse.ArgumentParser:
    cmd = sub.add_parser(
        "fidelity",
        help="run openclaw's own unit tests against a release and the Python ports, case by case",
        description="Run the cases ported from openclaw's model-fallback.test.ts and failover-error.test.ts against a real "
        "release (directly in Node, and through the bridge) and against each Python port; print agreement case by case. "
        "Exit 0: all agree; 1: a port or the bridge disagrees with the release; 2: bad input.",
    )
    cmd.add_argument("target", metavar="openclaw@VERSION", help="the real release (or node-dist:PATH)")
    cmd.add_argument(
        "--port",
        action="append",
        default=None,
        metavar="SPEC",
        help="a Python port to compare (py:FILE.py:FUNC, mutant:NAME; repeatable; default: the shipped port of that release)",
    )
    cmd.add_argument("--no-reference", action="store_true", help="leave the reference (the contract) out")
    cmd.add_argument("--no-bridge", action="store_true", help="do not run the cases through the bridge")
    cmd.add_argument(
        "--versions",
        metavar="SPECS",
        default=None,
        help="for the tests the release fails: which other releases pass them (comma-separated openclaw@V, or 'installed')",
    )
    cmd.add_argument("--case", metavar="TEXT", default=None, help="only the cases whose id or test name contains TEXT")
    cmd.add_argument("--differences", action="store_true", help="print only the cases where something differs")
    cmd.add_argument("--report-dir", type=directory, default=None, help="write fidelity.json and fidelity.md here")
    cmd.add_argument("--json", action="store_true", help="print fidelity.json to stdout instead of the table")
    return cmd  # type: ignore[no-any-return]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _versions(text: str) -> list[str]:
    from simharness.model.exceptions import TargetError

    if text.strip() == "installed":
        from simharness.targets.install import list_installed

        return [str(row["spec"]) for row in list_installed() if str(row.get("spec", "")).startswith("openclaw@")]
    specs = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in specs if not s.startswith(("openclaw@", "node-dist:"))]
    if bad or not specs:
        raise TargetError(f"--versions {text!r}: expected comma-separated openclaw@VERSION (or 'installed')")
    return specs


def main(args: argparse.Namespace) -> int:
    from simharness.explore.fidelity import run_fidelity, which_versions
    from simharness.model.exceptions import TargetError
    from simharness.model.io import ensure_writable_dir, write_atomic_many
    from simharness.report.fidelity import fidelity_json, fidelity_markdown, rows, summaries

    if not args.target.startswith(("openclaw@", "node-dist:")):
        raise TargetError(f"{args.target}: fidelity runs against a real release (openclaw@VERSION or node-dist:PATH)")
    if args.target.startswith("openclaw@"):
        from simharness.targets.install import check_version

        check_version(args.target[len("openclaw@") :])
    versions = _versions(args.versions) if args.versions else []
    out = ensure_writable_dir(args.report_dir) if args.report_dir else None  # before the long part
    result = run_fidelity(
        args.target, args.port, bridge=not args.no_bridge, reference=not args.no_reference, only=args.case, progress=_progress
    )
    if versions:
        which_versions(result, versions, progress=_progress)
    doc = fidelity_json(result)
    if out is not None:
        write_atomic_many(
            {
                out / "fidelity.json": json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                out / "fidelity.md": fidelity_markdown(result),
            }
        )
    if args.json:
        print(json.dumps(doc, indent=1, ensure_ascii=False))
    else:
        header, body = rows(result, differences_only=args.differences)
        if body:
            print_table(body, header)
            print()
        for line in summaries(result):
            print(line)
        if out is not None:
            print(f"report: {out / 'fidelity.md'}")
    return 1 if result.failed else 0
