"""The stall watchdog: stops a driver that loops forever without yielding to simpy, and the last resort.

**Watchdog.** A driver that loops forever *without yielding to simpy* (a cause cycle walked with no seen-set)
never reaches the step and virtual-time budget. One daemon thread per process watches the live world's step
counter; if it has not moved for `stall_seconds` of wall time, the thread raises `RunStalled` inside the
running thread (`PyThreadState_SetAsyncExc`), which the runner reports as a `terminates` violation with its
schedule and the loop's file:line (`culprit`). Only a stall can trip it — never a long but progressing run —
so a verdict depends on the wall clock only when the driver never yields at all (and such a driver stalls on
every machine).

**Last resort.** A driver can swallow any exception (`except BaseException` in a busy loop), the watchdog's
and Ctrl-C's alike. If the world has not moved `Guards.grace_seconds` after the watchdog fired, or after the
user's interrupt (`expect_stop`), the watchdog thread calls `Guards.last_resort` (the run command writes its
report, marked incomplete) and ends the process with `os._exit`: `EXIT_UNSTOPPABLE` for a stall, 128 + the
signal for an interrupt.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from simharness.guard.exits import EXIT_UNSTOPPABLE, flush_and_exit
from simharness.guard.frames import driver_frame
from simharness.guard.live_thread import LiveThread, suspended
from simharness.guard.settings import Guards
from simharness.model.exceptions import RunStalled
from simharness.model.exceptions import short_path as _short


def culprit(exc: BaseException) -> str:
    """file:line of the innermost frame of `exc`'s traceback that is code under test (else the innermost):
    where a stalled driver was looping, not the virtual clock or library it was calling."""
    tb = exc.__traceback__
    where = own = "?"
    while tb is not None:
        where = f"{_short(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
        if driver_frame(tb.tb_frame) is tb.tb_frame:
            own = where
        tb = tb.tb_next
    where = own if own != "?" else where
    return where


class _Watch:
    __slots__ = ("env", "fired", "seconds", "stuck", "thread", "token")

    def __init__(self, env: Any, seconds: float, thread: int, token: int, stuck: Callable[[], Any] | None) -> None:
        self.env, self.seconds, self.thread, self.token = env, seconds, thread, token
        self.fired = False
        self.stuck = stuck  # builds the stuck run's result for the last resort's report


_lock = threading.RLock()  # re-entrant: a signal handler on the live thread may take it (expect_stop)
_watched: _Watch | None = None
_tokens = 0
_watchdog: threading.Thread | None = None
_sleep = time.sleep  # bound now: the watchdog thread never goes through a tripwire


_window = 0  # counts live windows: an interrupt's deadline holds only for the window it was raised in
_stop_deadline: tuple[int, float, int, str] | None = None  # (window, monotonic deadline, exit code, reason)


def _watch_loop() -> None:
    global _stop_deadline
    last: tuple[int, int] | None = None
    idle = 0.0
    while True:
        watch = _watched
        tick = 0.05 if watch is None else min(0.25, max(watch.seconds / 8, 0.01))
        _sleep(tick)
        give_up: tuple[int, str, Callable[[], Any] | None] | None = None
        with _lock:
            deadline = _stop_deadline
            if deadline is not None:  # the user's interrupt: the window it hit must close within the grace
                window, due, code, reason = deadline
                if window != _window or not LiveThread.ident:
                    _stop_deadline = None
                elif time.monotonic() >= due:  # this thread is never the live one: no tripwire here
                    _stop_deadline = None
                    give_up = (code, reason, None)
            watch = _watched
            if watch is None:
                last, idle = None, 0.0
            else:
                key = (watch.token, int(getattr(watch.env, "steps", 0)))
                if key != last:
                    last, idle = key, 0.0
                else:
                    idle += tick
                    if idle >= watch.seconds and not watch.fired:
                        watch.fired = True
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(watch.thread), ctypes.py_object(RunStalled))
                    elif watch.fired and idle >= watch.seconds + Guards.grace_seconds and give_up is None:
                        reason = "the driver could not be stopped: it swallowed the watchdog's interrupt and never yielded again"
                        give_up = (EXIT_UNSTOPPABLE, reason, watch.stuck)
        if give_up is not None:
            _last_resort(*give_up)


def _last_resort(code: int, reason: str, stuck: Callable[[], Any] | None) -> None:
    """The thread running the world will never return: write what can be written, then end the process."""
    try:
        hook = Guards.last_resort
        if hook is not None:
            hook(code, reason, stuck)
        else:
            print(f"simharness: {reason}; exiting (code {code})", file=sys.stderr)
    except BaseException as exc:  # noqa: BLE001 — the exit below must happen whatever the hook did
        print(
            f"simharness: {reason}; the report could not be written ({type(exc).__name__}: {exc}); exiting (code {code})", file=sys.stderr
        )
    finally:
        flush_and_exit(code)


def expect_stop(code: int, reason: str) -> None:
    """The user's interrupt is being raised into a live run: if that run does not end within the grace
    period (a driver that swallows it), the last resort ends the process with `code`."""
    global _stop_deadline
    if not LiveThread.ident:
        return
    _ensure_watchdog()
    with suspended():  # the harness's own clock read (from a signal handler on the live thread), not a decision
        due = time.monotonic() + Guards.grace_seconds
    with _lock:
        _stop_deadline = (_window, due, code, reason)


def _ensure_watchdog() -> None:
    global _watchdog
    if _watchdog is None or not _watchdog.is_alive():
        _watchdog = threading.Thread(target=_watch_loop, name="simharness-watchdog", daemon=True)
        _watchdog.start()


def open_window() -> None:
    """A new outermost live window: an interrupt's deadline from an earlier one no longer holds."""
    global _window
    with _lock:
        _window += 1


def watch(env: Any, seconds: float, stuck: Callable[[], Any] | None) -> None:
    """Watch `env`'s steps on behalf of the calling thread (the one running the world)."""
    global _tokens, _watched
    _ensure_watchdog()
    with _lock:
        _tokens += 1
        _watched = _Watch(env, seconds, threading.get_ident(), _tokens, stuck)


def unwatch() -> None:
    """Stop watching; a stall that was injected but not yet raised must not escape the window."""
    global _watched
    with _lock:
        fired = _watched is not None and _watched.fired
        _watched = None
    if fired:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()), ctypes.c_void_p(0))
