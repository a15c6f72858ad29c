"""`simharness target install openclaw@VERSION...` and `simharness target list`: the cache of real targets."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> argparse.ArgumentParser:
    target = sub.add_parser("target", help="install published openclaw releases for --target openclaw@VERSION; list them")
    actions = target.add_subparsers(dest="target_command", required=True, parser_class=type(target))
    inst = actions.add_parser(
        "install",
        help="install openclaw@VERSION from npm into the cache ($SIMHARNESS_CACHE, default ~/.cache/simharness/targets)",
        description="Install published openclaw releases into the cache. A light install (the package plus the few "
        "dependencies its fallback driver imports) is tried first and verified by one call through the Node bridge.",
    )
    inst.add_argument("specs", nargs="+", metavar="openclaw@VERSION")
    inst.add_argument("--full", action="store_true", help="install every dependency (npm install --omit=optional --omit=peer)")
    inst.add_argument("--force", action="store_true", help="reinstall even if a complete install exists")
    actions.add_parser("list", help="list the installed targets and their detected profiles")
    return target  # type: ignore[no-any-return]


def main(args: argparse.Namespace) -> int:
    from simharness.cli.args import print_table
    from simharness.model.exceptions import TargetError
    from simharness.targets.cache import cache_root
    from simharness.targets.install import install, list_installed

    if args.target_command == "list":
        rows = list_installed()
        if not rows:
            print(f"no targets installed in {cache_root()} (simharness target install openclaw@VERSION)")
            return 0
        print_table(
            [(r["spec"], r["status"], r.get("mode") or "-", r.get("node") or "-", r.get("profile") or "-") for r in rows],
            ("target", "status", "install", "node", "profile (detected from dist)"),
        )
        print(f"cache: {cache_root()}")
        return 0
    for spec in args.specs:
        if not spec.startswith("openclaw@"):
            raise TargetError(f"{spec}: expected openclaw@VERSION (node-dist:PATH targets need no install)")
    for spec in args.specs:
        done = install(spec[len("openclaw@") :], full=args.full, force=args.force)
        profile = done.located.profile()
        print(
            f"{done.spec}: {done.mode} install at {done.directory}; Node {done.node.version}; profile {profile.name} ({profile.generation})"
        )
    return 0
