"""Exit guards: a driver may not end the harness's process; the harness's own hard exits bypass them.

A driver is code in the harness's own process: `os._exit`, `os.abort` or a signal to its own process
(`os.kill`, `os.killpg`, `signal.raise_signal`, `signal.pthread_kill`; signal 0 and other processes pass)
would end the harness with no report and an exit code of the driver's choosing. From the first live window
(or the first `py:` driver import, so `from os import _exit` binds the guard) those names are guards for the
rest of the process. While a run is live, any call from this process raises `ProcessExit` on the live thread
(the call's `driver-contract` crash, at the driver's line) or ends the calling thread quietly; either way it
is recorded (`exit_attempts`), so the runner judges a run whose exit was swallowed or made from a thread.
Outside a run they pass through, except during the interpreter's shutdown after `guard_exits_at_shutdown`
(the pytest plugin), where code under test may not end the process (a driver's `atexit` hook). The CLI ends
its own process with `flush_and_exit` right after the reports.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, NoReturn

from simharness.guard.frames import driver_frame
from simharness.guard.live_thread import LiveThread
from simharness.model.exceptions import ProcessExit

#: Exit code when a driver could not be stopped at all: the report is written, marked incomplete, and the
#: process ends hard (`os._exit`), since the thread running the driver will never return.
EXIT_UNSTOPPABLE = 3

#: The real process-ending calls, bound before any guard: the harness's own hard exits (the watchdog's last
#: resort, the CLI's final exit) go through these, never through a guard.
hard_exit = os._exit
_ORIGINAL_EXITS: dict[str, Any] = {
    name: getattr(owner, attr)
    for name, owner, attr in (
        ("os._exit", os, "_exit"),
        ("os.abort", os, "abort"),
        ("os.kill", os, "kill"),
        ("os.killpg", os, "killpg"),
        ("signal.raise_signal", signal, "raise_signal"),
        ("signal.pthread_kill", signal, "pthread_kill"),
    )
    if hasattr(owner, attr)
}


class ExitAttempt:
    """One refused exit during a live window; `judged` once a driver call's outcome recorded it (`call.crash`)."""

    __slots__ = ("judged", "source", "where")

    def __init__(self, source: str, where: str | None) -> None:
        self.source, self.where, self.judged = source, where, False


_exit_attempts: list[ExitAttempt] = []  # refused during the current outermost live window
_guard_pid = 0  # the process the guards protect (a forked child exits as it likes)
_closing = False  # the harness is done but the process is not: a driver's atexit hook must not change the exit code


#: Other processes of the same harness run: a `--jobs` worker's parent (`guard_also`). Signalling them ends the run too.
_also: set[int] = set()


def guard_also(pid: int) -> None:
    """Count `pid` (and its process group) as the harness's own process: a `--jobs` worker guards its parent."""
    _also.add(pid)


def _ends_us(source: str, args: tuple[Any, ...]) -> bool:
    """Would this call end (or signal) this process? A signal to another process, or signal 0 (a liveness probe), passes."""
    if source == "os.kill":
        pid, sig = args[0], args[1]
        return bool(sig) and (pid in (os.getpid(), 0, -1, -os.getpgrp()) or abs(pid) in _also)
    if source == "os.killpg":
        return bool(args[1]) and (args[0] in (0, os.getpgrp()) or args[0] in _also)
    if source == "signal.pthread_kill":
        return bool(args[1])  # a thread id is this process's own
    return True


def _exit_guard(source: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guard(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() == _guard_pid and (LiveThread.ident or _closing) and _ends_us(source, args):
            frame = driver_frame(sys._getframe(1))
            where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}" if frame is not None else None
            if LiveThread.ident:
                attempt = ExitAttempt(f"{source}({', '.join(map(repr, args))})", where)
                _exit_attempts.append(attempt)
                if threading.get_ident() != LiveThread.ident:
                    raise SystemExit  # recorded for the run's verdict; the thread ends quietly (as `sys.exit` would end it)
                raise ProcessExit(attempt.source, where)
            if frame is not None:  # after the reports: only code under test is refused (not, say, execnet's)
                raise ProcessExit(f"{source}({', '.join(map(repr, args))})", where)
        return original(*args, **kwargs)

    guard.__wrapped__ = original  # type: ignore[attr-defined]
    guard.__name__ = getattr(original, "__name__", source)
    return guard


def install_exit_guards() -> None:
    """Put the exit guards in place for the rest of the process (idempotent). Called before a driver module is
    imported, so a driver's `from os import _exit` binds the guard too. Outside a live run they pass through."""
    global _guard_pid
    if _guard_pid == os.getpid():
        return
    _guard_pid = os.getpid()
    for source, original in _ORIGINAL_EXITS.items():
        owner, attr = source.split(".")
        setattr(os if owner == "os" else signal, attr, _exit_guard(source, original))


def exit_attempts() -> list[ExitAttempt]:
    """The exits refused in the current live window (the runner turns unjudged ones into a verdict)."""
    return list(_exit_attempts)


def forget_exit_attempts() -> None:
    """A new outermost live window starts with no refused exits."""
    _exit_attempts.clear()


def guard_exits_at_shutdown() -> None:
    """For a process the harness does not end itself (pytest): when the interpreter shuts down, code under
    test may not end it either, so a driver's atexit hook cannot turn the exit code into its own. An atexit
    hook of ours, (re-)registered now so it runs before every hook registered earlier (atexit runs last in,
    first out), turns the guards on for the rest of shutdown."""
    if _guard_pid != os.getpid():
        return  # no driver was loaded or run in this process
    atexit.unregister(_closing_time)
    atexit.register(_closing_time)


def _closing_time() -> None:
    global _closing
    _closing = True


def flush_and_exit(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with `code` through the real `os._exit` (no guard, no
    interpreter shutdown: nothing a driver left behind runs after this)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001, S110 — a closed pipe must not keep the process alive or change its code
            pass
    hard_exit(code)
