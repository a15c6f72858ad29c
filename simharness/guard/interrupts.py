"""Whose Ctrl-C: the user's interrupt stops the harness, a driver's own `KeyboardInterrupt` is a verdict.

Every SIGINT handler the harness installs marks the interrupt it raises (`mark_user_interrupt`), so
`user_interrupted()` tells them apart; a live window also swaps Python's default SIGINT handler for one that
marks, and gives the run a deadline to let go of it (`watchdog.expect_stop`).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from simharness.guard.watchdog import expect_stop

_user_interrupt = False


def mark_user_interrupt() -> None:
    """Called by a SIGINT/SIGTERM handler just before it raises KeyboardInterrupt on the user's behalf."""
    global _user_interrupt
    _user_interrupt = True


def user_interrupted() -> bool:
    """Whether a KeyboardInterrupt in flight is the user's (a driver raising its own is a verdict)."""
    return _user_interrupt


def forget_user_interrupt() -> None:
    """A new run: no interrupt of the user's is in flight."""
    global _user_interrupt
    _user_interrupt = False


def _marking_int_handler(signum: int, frame: FrameType | None) -> None:
    mark_user_interrupt()
    expect_stop(128 + signum, "interrupted, but the driver would not let go of the interrupt")
    signal.default_int_handler(signum, frame)


def mark_default_sigint() -> None:
    """Swap Python's default SIGINT handler (which raises KeyboardInterrupt unmarked) for one that marks."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _marking_int_handler)
