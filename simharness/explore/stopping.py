"""Ctrl-C and SIGTERM during a suite: stop with what was judged, in the run command and in each `--jobs` worker.

It lives here, below the command line, because a `--jobs` worker process (`explore.parallel`) installs the
same handler the single-process run uses: the parent relays the signals it receives, and every worker stops
exactly as `simharness run -j 1` does.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from simharness.engine.runner import RunResult


class GracefulStop:
    """Ctrl-C (SIGINT) during a run: the first stops after the run in flight, so every verdict already
    judged reaches the report (marked incomplete); a second one interrupts at once. SIGTERM (a CI job being
    cancelled) interrupts at once. Either way the report is written whole, atomically, and the exit code is
    128 + the signal (130, 143).

    `quiet`: say nothing on the first Ctrl-C (a `--jobs` worker: its parent says it once for all)."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.requested = False
        self.signum = signal.SIGINT
        self.quiet = quiet
        self._hard = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if (self.requested or signum == signal.SIGTERM) and self._hard:
            from simharness.guard.interrupts import mark_user_interrupt
            from simharness.guard.watchdog import expect_stop

            self.requested, self.signum = True, signal.Signals(signum)
            mark_user_interrupt()  # the user's interrupt, not the driver's own: it passes through the driver call
            said = "told to stop at once" if self.quiet else f"{self.signum.name} received"  # a worker: its parent relays both as SIGTERM
            expect_stop(128 + signum, f"{said}, but the driver would not let go of the interrupt")
            raise KeyboardInterrupt
        if not self.requested:
            self.requested, self.signum = True, signal.Signals(signum)
            if not self.quiet:
                print("simharness: stopping after the run in flight (Ctrl-C again to stop at once)", file=sys.stderr)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """While runs are in flight a second Ctrl-C interrupts at once; elsewhere (writing reports) it waits."""
        self._hard = True
        try:
            if self.requested:
                raise KeyboardInterrupt
            yield
        finally:
            self._hard = False

    def after(self, callback: Callable[[RunResult], None]) -> Callable[[RunResult], None]:
        def on_run(result: RunResult) -> None:
            callback(result)
            if self.requested:
                raise KeyboardInterrupt  # run_suite keeps what it judged and marks the suite incomplete

        return on_run

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
