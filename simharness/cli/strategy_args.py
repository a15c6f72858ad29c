"""Command-line glue shared by `simharness run`, `schedules` and `mutants`: strategy options and what a run
prints about its strategy and its coverage (kept here so the commands' own modules stay small)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simharness.cli.args import number_in
from simharness.explore import DEFAULT_STRATEGY, DEPTHS, STRATEGIES, Strategy, resolve_strategy

# Any depth some strategy accepts; the chosen strategy checks its own range (a StrategyError: one line, exit 2).
depth = number_in(min(low for low, _, _ in DEPTHS.values()), max(high for _, high, _ in DEPTHS.values()))
_DEPTH_HELP = "; ".join(
    f"{name}: {'bug depth d' if name == 'pct' else 'max deviations'} {low}-{high} (default {default})" for name, (low, high, default) in DEPTHS.items()
)


def add_strategy_arguments(parser: argparse.ArgumentParser, *, database: bool = True) -> None:
    parser.add_argument(
        "--strategy", choices=STRATEGIES, default=DEFAULT_STRATEGY, help=f"how choices are explored (default: {DEFAULT_STRATEGY})"
    )
    parser.add_argument(
        "--depth", type=depth, default=None, metavar="D", help=_DEPTH_HELP
    )
    if database:
        parser.add_argument(
            "--hypothesis-db",
            default=None,
            metavar="DIR",
            help="hypothesis: example database (default: REPORT_DIR/hypothesis-db; 'none': off)",
        )


def strategy_from_args(args: argparse.Namespace, report_dir: Path | None = None) -> Strategy:
    db: str | Path | None = getattr(args, "hypothesis_db", None)
    if db is None and report_dir is not None:
        db = report_dir / "hypothesis-db"
    if isinstance(db, str) and db.lower() == "none":
        db = None
    return resolve_strategy(args.strategy, depth=args.depth, database=db)


def describe_strategy(doc: dict[str, Any]) -> list[str]:
    """Lines about the strategy of a report document: PCT's bound, what exhaustive covered."""
    out = []
    for s in doc["scenarios"]:
        ex = s.get("exploration")
        if not ex or ex.get("strategy") == "random":
            continue
        bits = [
            f"{ex['runs']} distinct schedules, {ex['distinct_traces']} distinct traces"
            if "exhausted" in ex
            else f"{ex['distinct_traces']} distinct traces"
        ]
        if ex.get("bound"):
            bits.append(f"detection bound {ex['bound']}")
        if "exhausted" in ex:
            bits.append(
                ("space exhausted" + (" (complete: no schedule needs more deviations)" if ex.get("complete") else " within the bound"))
                if ex["exhausted"]
                else "budget ran out before the space was exhausted"
            )
        out.append(f"  {s['name']}: {', '.join(bits)}")
    if out:
        out.insert(0, f"strategy {doc.get('strategy', DEFAULT_STRATEGY)}:")
    return out


def report_coverage(doc: dict[str, Any], *, strict: bool) -> None:
    """Print every `sometimes` situation with its hits, and the expected-but-unreached ones on stderr."""
    hits = [(s["id"], s["hits"]) for s in doc["sometimes"]]
    print("\ncoverage (sometimes): " + ", ".join(f"{k} {n}" if n else f"{k} 0 ⚠" for k, n in hits))
    unreached = doc["unreached"]
    if unreached:
        level = "error" if strict else "WARNING"
        print(
            f"\nsimharness: {level}: {len(unreached)} expected situation{'s were' if len(unreached) > 1 else ' was'} never reached — "
            "a passing verdict there proves less than it seems" + ("" if strict else " (--strict-coverage makes this fail)"),
            file=sys.stderr,
        )
        for u in unreached:
            print(f"  {u['scenario']}: {u['situation']}", file=sys.stderr)


def add_coverage_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict-coverage",
        action="store_true",
        help="exit 1 when a scenario's expected situation ([expect] sometimes) was never reached",
    )


__all__ = [
    "add_coverage_argument",
    "add_strategy_arguments",
    "describe_strategy",
    "report_coverage",
    "strategy_from_args",
]
