"""Argument types and table printing shared by the subcommands (each bad value: one line, exit 2)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any


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


def seed(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < 1 << 63:
        raise argparse.ArgumentTypeError("expected a seed from 0 to 2**63-1")
    return value


def shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N (e.g. 2/4), got {text!r}") from None
    if not 1 <= index <= count <= 10_000:
        raise argparse.ArgumentTypeError(f"expected 1 <= I <= N, got {text!r}")
    return index, count


def print_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(row, widths))))
