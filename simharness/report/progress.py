"""A one-line progress bar on stderr for long runs: runs done, runs/s, violating runs so far, time left.

On by default when stderr is a terminal; off in pipes, in CI logs (`CI` set) and with `--no-progress`, so
no control character reaches a log. Colour (the bar green, red once a run violated an invariant; the CLI's
verdict line too) follows the same terminal test and is off with `NO_COLOR` (https://no-color.org) or
`TERM=dumb`.

Plain ANSI (carriage return + erase-to-end-of-line + SGR colour), not rich: everything drawn here is one
line, which takes ~40 lines of code; rich would add a dependency (and its import time to every CLI start)
for no line the user sees differently. It reads the wall clock to show speed, which is fine: it watches
runs from outside, after each one has ended, and never influences one.

The ETA is steady: the speed is measured over the last `WINDOW` seconds, from the end of the first run on
(start-up, a slow bridge spawn or import, is not taken for the speed of every later run), and the time shown
moves towards a new estimate gradually, so it counts down rather than jumping with each slow run.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Self, TextIO

from simharness.engine.runner import RunResult

#: Seconds of recent history the speed is measured over.
WINDOW = 10.0
#: How far the shown ETA moves towards a new estimate per second (the rest is its own countdown).
PULL_PER_SECOND = 0.5

GREEN, RED, YELLOW, RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[0m"


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def in_ci() -> bool:
    """A CI job's log (GitHub Actions, GitLab, most others set CI): no bar there, even on a pseudo-terminal."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def colour_enabled(stream: TextIO) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (to anything) or TERM is dumb."""
    return is_tty(stream) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def paint(text: str, colour: str, stream: TextIO) -> str:
    return f"{colour}{text}{RESET}" if colour_enabled(stream) else text


class Progress:
    """`on_run` callback for `run_suite`. Use as a context manager (or call `close()`) to clear the line.

    `enabled`: True draws whenever the stream is a terminal (`--progress`); None (the CLI's default) also
    stays off in CI; False never draws."""

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = True,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        wanted = not in_ci() if enabled is None else enabled
        self.enabled = wanted and is_tty(self.stream)
        self.colour = self.enabled and colour_enabled(self.stream)
        self.total = max(total, 1)
        self.done = 0
        self.violating = 0
        self.invariants: set[str] = set()
        self.interval = interval
        self.clock = clock
        self._started = clock()
        self._drawn = 0.0
        self._samples: deque[tuple[float, int]] = deque()  # from the first run's end: start-up is not speed
        self._eta: float | None = None
        self._eta_at = self._started

    def __call__(self, result: RunResult) -> None:
        violations = result.verdicts.violations
        self.advance(1, 1 if violations else 0, [v.invariant for v in violations], result.scenario.name)

    def advance(self, runs: int, violating: int, invariants: Iterable[str], scenario: str) -> None:
        """`runs` more runs judged, `violating` of them violating `invariants` (`--jobs` workers report in batches)."""
        self.done += runs
        self.violating += violating
        self.invariants.update(invariants)
        if self.enabled:
            now = self.clock()
            if now - self._drawn >= self.interval or self.done >= self.total:
                self._drawn = now
                line = self.line(now - self._started, shutil.get_terminal_size((100, 20)).columns, scenario, now=now)
                self.stream.write("\r" + (self._coloured(line) if self.colour else line) + "\x1b[K")
                self.stream.flush()

    def eta(self, now: float) -> float | None:
        """Seconds left: the recent speed's estimate, approached gradually (see the module docstring)."""
        self._samples.append((now, self.done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= WINDOW:
            self._samples.popleft()
        t0, d0 = self._samples[0]
        if self.done >= self.total:
            self._eta = 0.0
        elif now > t0 and self.done > d0:
            raw = (self.total - self.done) * (now - t0) / (self.done - d0)
            if self._eta is None:
                self._eta = raw
            else:
                counted = max(0.0, self._eta - (now - self._eta_at))
                pull = min(1.0, PULL_PER_SECOND * (now - self._eta_at))
                self._eta = counted + pull * (raw - counted)
        self._eta_at = now
        return self._eta  # None until two runs have ended: the first one's time is start-up, not speed

    def line(self, elapsed: float, columns: int, scenario: str = "", *, now: float | None = None) -> str:
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = self.eta(self._started + elapsed if now is None else now)
        bad = (
            f"{self.violating} violating ({len(self.invariants)} invariant{'s' if len(self.invariants) != 1 else ''})"
            if self.violating
            else "0 violating"
        )
        text = f" {self.done}/{self.total} runs  {rate:,.0f} runs/s  {bad}  {'?' if left is None else _duration(left)} left  {scenario}"
        width = 24 if columns >= 80 else 10  # a bar that does not change size as the numbers grow
        filled = min(width, round(width * self.done / self.total))
        return ("[" + "█" * filled + "·" * (width - filled) + "]" + text)[: max(columns - 1, 1)]

    def _coloured(self, line: str) -> str:
        """The bar inside its brackets green, or red once a run violated an invariant."""
        end = line.find("]")
        if not line.startswith("[") or end < 0:
            return line
        return "[" + (RED if self.violating else GREEN) + line[1:end] + RESET + line[end:]

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m{seconds % 60:02d}s"
