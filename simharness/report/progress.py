"""A one-line progress bar on stderr for long runs: runs done, runs/s, violating runs so far, time left.

Plain ANSI (carriage return + erase-to-end-of-line), so no dependency. It draws nothing unless its stream
is a terminal: CI logs and pipes never see control characters. It reads the wall clock to show speed, which
is fine: it watches runs from outside, after each one has ended, and never influences one.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import Self, TextIO

from simharness.engine.runner import RunResult


class Progress:
    """`on_run` callback for `run_suite`. Use as a context manager (or call `close()`) to clear the line."""

    def __init__(self, total: int, *, stream: TextIO | None = None, enabled: bool = True, interval: float = 0.1) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and _is_tty(self.stream)
        self.total = max(total, 1)
        self.done = 0
        self.violating = 0
        self.invariants: set[str] = set()
        self.interval = interval
        self._started = time.monotonic()
        self._drawn = 0.0

    def __call__(self, result: RunResult) -> None:
        self.done += 1
        if result.verdicts.violations:
            self.violating += 1
            self.invariants.update(v.invariant for v in result.verdicts.violations)
        if self.enabled:
            now = time.monotonic()
            if now - self._drawn >= self.interval or self.done >= self.total:
                self._drawn = now
                self.stream.write(
                    "\r" + self.line(now - self._started, shutil.get_terminal_size((100, 20)).columns, result.scenario.name) + "\x1b[K"
                )
                self.stream.flush()

    def line(self, elapsed: float, columns: int, scenario: str = "") -> str:
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate and self.done < self.total else 0.0
        bad = (
            f"{self.violating} violating ({len(self.invariants)} invariant{'s' if len(self.invariants) != 1 else ''})"
            if self.violating
            else "0 violating"
        )
        text = f" {self.done}/{self.total} runs  {rate:,.0f} runs/s  {bad}  {_duration(left)} left  {scenario}"
        width = 24 if columns >= 80 else 10  # a bar that does not change size as the numbers grow
        filled = min(width, round(width * self.done / self.total))
        return ("[" + "█" * filled + "·" * (width - filled) + "]" + text)[: max(columns - 1, 1)]

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m{seconds % 60:02d}s"
