"""Argument types and table printing shared by the subcommands (each bad value: one line, exit 2)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

#: The exit codes, as `--help` (top level and `run`) prints them (the cli package's docstring says the same).
EXIT_CODES = """exit codes:
  0    every invariant held (a suite that checked nothing says so; --strict-coverage makes that 1)
  1    a violation was found (its schedule is written under REPORT_DIR/schedules/)
  2    bad input: one line on stderr, nothing already written is lost; also a target that broke mid-run
       (its Node bridge died): the report of what was judged is written, marked incomplete
  3    a driver could not be stopped (it swallowed the watchdog's interrupt); the report is marked incomplete
  130  interrupted (Ctrl-C; 143 for SIGTERM): the report holds what was judged and is marked incomplete;
       with --jobs, a worker killed by a signal ends the run with 128 + that signal (137 for SIGKILL), the same way"""


def number_in(low: float, high: float, kind: Callable[[str], Any] = int, what: str = "an integer") -> Callable[[str], Any]:
    """An argparse `type=` that accepts `kind` values from `low` to `high`: one clear line otherwise (exit 2)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {what} from {_plain(low)} to {_plain(high)}, got {text}")
        return value

    return parse


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


positive = number_in(1, 100_000_000, what="a positive integer")


class RandomSeed(int):
    """A seed `--seed random` chose: printed once parsing is done (`announce_random_seed`), so the run repeats."""


def seed(text: str) -> int:
    if text.strip().lower() == "random":  # a fresh seed for new schedules; printed, so the run can be repeated
        import secrets

        return RandomSeed(secrets.randbelow(1 << 63))
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed or 'random', got {text!r}") from None
    if not 0 <= value < 1 << 63:
        raise argparse.ArgumentTypeError("expected a seed from 0 to 2**63-1")
    return value


def announce_random_seed(args: argparse.Namespace) -> None:
    """Say which seed `--seed random` chose (stderr, before any work), with the flag that repeats the run."""
    chosen = getattr(args, "seed", None)
    if isinstance(chosen, RandomSeed):
        print(f"simharness: --seed random chose seed {int(chosen)} (repeat this run with --seed {int(chosen)})", file=sys.stderr)


def directory(text: str) -> str:
    """An output directory: an empty name is refused (it would quietly mean the current directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a directory, got an empty name (use . for the current directory)")
    return text


def jobs(text: str) -> int:
    """`--jobs N` / `-j auto`: worker processes (auto: one per CPU)."""
    if text.strip().lower() == "auto":
        import os

        return max(1, os.cpu_count() or 1)
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of worker processes or 'auto', got {text!r}") from None
    if not 1 <= value <= 512:
        raise argparse.ArgumentTypeError(f"expected 1 to 512 worker processes (or 'auto'), got {text}")
    import os
    import sys

    cpus = os.cpu_count() or 1
    if value > cpus:  # allowed (a user may know better), but said: more workers than CPUs is slower, not faster
        print(f"simharness: note: -j {value} starts more workers than this machine's {cpus} CPUs; they will share them (-j auto: {cpus})", file=sys.stderr)
    return value


def add_jobs_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """`-j/--jobs N|auto`, the same on every command that takes it."""
    parser.add_argument(
        "-j",
        "--jobs",
        type=jobs,
        default=1,
        metavar="N",
        help=f"worker processes, each with its own target (its own Node bridge): {what} ('auto': one per CPU; default 1)",
    )


def shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N (e.g. 2/4), got {text!r}") from None
    if not 1 <= index <= count <= 10_000:
        raise argparse.ArgumentTypeError(f"expected 1 <= I <= N, got {text!r}")
    return index, count


def print_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> None:
    """Columns of numbers right-aligned, every other column left-aligned (text right-aligned reads ragged)."""
    for line in table_lines(rows, header):
        print(line)


#: A figure as the tables print it: 12, 3.5, 1,204, 41 s, 1.6×, 12 %, or "-" for none.
_FIGURE = re.compile(r"[-+]?\d[\d,.]*(?: ?[a-zA-Z%×/]{1,5})?|-")


def _numeric(x: object) -> bool:
    return (isinstance(x, int | float) and not isinstance(x, bool)) or (isinstance(x, str) and _FIGURE.fullmatch(x) is not None)


def table_lines(rows: Sequence[Sequence[object]], header: Sequence[str]) -> list[str]:
    columns = list(zip(header, *rows))
    widths = [max(len(str(x)) for x in col) for col in columns]
    numeric = [bool(rows) and all(_numeric(x) for x in col[1:]) for col in columns]
    return [
        "  ".join(str(x).rjust(w) if num else str(x).ljust(w) for x, w, num in zip(row, widths, numeric)).rstrip()
        for row in (header, *rows)
    ]
