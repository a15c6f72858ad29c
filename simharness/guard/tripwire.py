"""Tripwires and the stall watchdog: the harness's own guards for determinism and liveness.

**Tripwires.** While a run is live (`live(...)`, entered by the runner around one world), the wall clock
(`time.time`, `time.monotonic`, `time.perf_counter` and their `_ns` twins, `datetime.datetime.now`/`utcnow`/
`today`, `datetime.date.today`), the `random` module's functions, `random.SystemRandom`, `secrets`,
`uuid.uuid1`/`uuid4` and `os.urandom` raise `TripwireError` naming the caller's file:line. They are swapped into their modules
when a run starts and the originals are put back when it ends, so nothing outside a run — the progress bar,
the report's timing, pytest itself — pays for them or sees them; other threads pass through. A call made
directly by the standard library (say `logging` stamping a record) passes: it is the caller's business, not
a decision. Limit: a reference bound before the run (`from time import monotonic`) is not swapped; the
static test in `tests/test_reliability.py` keeps the harness itself free of those.

**Watchdog.** A driver that loops forever *without yielding to simpy* (a cause cycle walked with no seen-set)
never reaches the step and virtual-time budget. One daemon thread per process watches the live world's step
counter; if it has not moved for `stall_seconds` of wall time, the thread raises `RunStalled` inside the
running thread (`PyThreadState_SetAsyncExc`), which the runner reports as a `terminates` violation with its
schedule. Only a stall can trip it — never a long but progressing run — so a verdict depends on the wall
clock only when the driver never yields at all (and such a driver stalls on every machine).

**Last resort.** A driver can swallow any exception (`except BaseException` in a busy loop), the watchdog's
and Ctrl-C's alike. If the world has not moved `Guards.grace_seconds` after the watchdog fired, or after the
user's interrupt (`expect_stop`), the watchdog thread calls `Guards.last_resort` (the run command writes its
report, marked incomplete) and ends the process with `os._exit`: `EXIT_UNSTOPPABLE` for a stall, 128 + the
signal for an interrupt.

**Exit guards.** A driver is code in the harness's own process: `os._exit`, `os.abort` or a signal to its
own process (`os.kill`, `os.killpg`, `signal.raise_signal`, `signal.pthread_kill`; signal 0 and other
processes pass) would end the harness with no report and an exit code of the driver's choosing. From the
first live window (or the first `py:` driver import, so `from os import _exit` binds the guard) those names
are guards for the rest of the process. While a run is live, any call from this process raises
`ProcessExit` on the live thread (the call's `driver-contract` crash, at the driver's line) or ends the
calling thread quietly; either way it is recorded (`exit_attempts`), so the runner judges a run whose exit
was swallowed or made from a thread. Outside a run they pass through, except during the interpreter's
shutdown after `guard_exits_at_shutdown` (the pytest plugin), where code under test may not end the process
(a driver's `atexit` hook). The CLI ends its own process with `hard_exit` right after the reports.

**Whose Ctrl-C.** A `KeyboardInterrupt` a driver raises itself is a verdict; the user's is not. Every SIGINT
handler the harness installs marks the interrupt it raises (`mark_user_interrupt`), so `user_interrupted()`
tells them apart; a live window also swaps Python's default SIGINT handler for one that marks.
"""

from __future__ import annotations

import atexit
import ctypes
import datetime as _dt
import os
import random
import secrets
import signal
import sys
import sysconfig
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, ModuleType
from typing import Any, NoReturn

from simharness.model.exceptions import ProcessExit, RunStalled, TripwireError
from simharness.model.exceptions import short_path as _short

#: Wall-clock seconds a live world may go without a simpy step before the watchdog stops it.
DEFAULT_STALL_SECONDS = 10.0
#: Wall-clock seconds a driver has to let go after the watchdog's interrupt or the user's, before the last resort.
DEFAULT_GRACE_SECONDS = 2.0
#: Exit code when a driver could not be stopped at all: the report is written, marked incomplete, and the
#: process ends hard (`os._exit`), since the thread running the driver will never return.
EXIT_UNSTOPPABLE = 3

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # simharness/, from simharness/guard/
_DRIVERS = os.path.join(_PACKAGE, "drivers")
STDLIB_DIRS = tuple(os.path.normcase(os.path.abspath(p)) + os.sep for p in {sysconfig.get_paths()["stdlib"], os.path.dirname(os.__file__)})


def culprit(exc: BaseException) -> str:
    """file:line of the innermost frame of `exc`'s traceback: where a stalled driver was looping."""
    tb = exc.__traceback__
    where = "?"
    while tb is not None:
        where = f"{_short(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def in_stdlib(filename: str) -> bool:
    """Is `filename` the standard library's own (frozen modules included, installed packages not)?"""
    if filename.startswith("<frozen"):
        return True
    path = os.path.normcase(filename)
    return path.startswith(STDLIB_DIRS) and "-packages" + os.sep not in path


def _from_stdlib(frame: FrameType) -> bool:
    return in_stdlib(frame.f_code.co_filename)


# --- tripwires ------------------------------------------------------------------------------------------

_live_thread = 0  # ident of the thread running a live world; 0 when none


def _tripwire(source: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def tripwire(*args: Any, **kwargs: Any) -> Any:
        if _live_thread and _live_thread == threading.get_ident():
            frame = sys._getframe(1)
            if not _from_stdlib(frame):
                raise TripwireError(source, frame.f_code.co_filename, frame.f_lineno)
        return original(*args, **kwargs)

    tripwire.__wrapped__ = original  # type: ignore[attr-defined]
    tripwire.__name__ = getattr(original, "__name__", source)
    return tripwire


class _DatetimeMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _ORIGINAL_DATETIME)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _ORIGINAL_DATETIME)


class _DateMeta(type):
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _ORIGINAL_DATE)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _ORIGINAL_DATE)


_ORIGINAL_DATETIME = _dt.datetime
_ORIGINAL_DATE = _dt.date


def _tripping_class(original: type, meta: type, names: tuple[str, ...]) -> type:
    """A stand-in for `datetime.datetime`/`date` whose clock-reading class methods trip (isinstance still works)."""
    namespace: dict[str, Any] = {"__module__": "datetime", "__qualname__": original.__qualname__}
    for name in names:
        bound = getattr(original, name)
        namespace[name] = staticmethod(_tripwire(f"datetime.{original.__name__}.{name}", bound))
    return meta(original.__name__, (original,), namespace)  # type: ignore[no-any-return]


def _swaps() -> list[tuple[Any, str, Any, Any]]:
    """(owner, attribute, original, tripwire) for every guarded source."""
    out: list[tuple[Any, str, Any, Any]] = []

    def guard(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is not None:
            out.append((owner, name, original, _tripwire(label, original)))

    for name in ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns"):
        guard(time, name, f"time.{name}")
    for name in random.__all__:
        if getattr(getattr(random, name, None), "__self__", None) is random._inst:
            guard(random, name, f"random.{name}")
    for name in ("random", "getrandbits", "randbytes"):
        guard(random.SystemRandom, name, f"random.SystemRandom.{name}")
    for name in ("token_bytes", "token_hex", "token_urlsafe", "randbelow", "randbits", "choice"):
        guard(secrets, name, f"secrets.{name}")  # secrets reaches SystemRandom from the stdlib: guard its own names
    guard(uuid, "uuid1", "uuid.uuid1")
    guard(uuid, "uuid4", "uuid.uuid4")
    guard(os, "urandom", "os.urandom")
    guard(os, "getrandom", "os.getrandom")
    out.append((_dt, "datetime", _ORIGINAL_DATETIME, _tripping_class(_ORIGINAL_DATETIME, _DatetimeMeta, ("now", "utcnow", "today"))))
    out.append((_dt, "date", _ORIGINAL_DATE, _tripping_class(_ORIGINAL_DATE, _DateMeta, ("today",))))
    return out


_SWAPS: list[tuple[Any, str, Any, Any]] | None = None


def _arm() -> None:
    global _SWAPS, _live_thread
    if _SWAPS is None:
        _SWAPS = _swaps()
    for owner, name, _, wire in _SWAPS:
        setattr(owner, name, wire)
    _live_thread = threading.get_ident()


def _disarm() -> None:
    global _live_thread
    _live_thread = 0
    for owner, name, original, _ in _SWAPS or ():
        setattr(owner, name, original)


# --- exit guards -------------------------------------------------------------------------------------------

#: The real process-ending calls, bound before any guard: the harness's own hard exits (`_last_resort`, the
#: CLI's final exit) go through these, never through a guard.
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


def _driver_frame(frame: FrameType | None) -> FrameType | None:
    """The nearest frame of code under test: not the standard library, not an installed package, not the harness."""
    while frame is not None:
        name = os.path.normcase(os.path.abspath(frame.f_code.co_filename)) if not frame.f_code.co_filename.startswith("<") else ""
        harness = name.startswith(_PACKAGE + os.sep) and not name.startswith(_DRIVERS + os.sep)
        if name and not harness and not _from_stdlib(frame) and "-packages" + os.sep not in name:
            return frame
        frame = frame.f_back
    return None


def _ends_us(source: str, args: tuple[Any, ...]) -> bool:
    """Would this call end (or signal) this process? A signal to another process, or signal 0 (a liveness probe), passes."""
    if source == "os.kill":
        pid, sig = args[0], args[1]
        return bool(sig) and pid in (os.getpid(), 0, -1, -os.getpgrp())
    if source == "os.killpg":
        return bool(args[1]) and args[0] in (0, os.getpgrp())
    if source == "signal.pthread_kill":
        return bool(args[1])  # a thread id is this process's own
    return True


def _exit_guard(source: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guard(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() == _guard_pid and (_live_thread or _closing) and _ends_us(source, args):
            frame = _driver_frame(sys._getframe(1))
            where = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}" if frame is not None else None
            if _live_thread:
                attempt = ExitAttempt(f"{source}({', '.join(map(repr, args))})", where)
                _exit_attempts.append(attempt)
                if threading.get_ident() != _live_thread:
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


# --- the watchdog ----------------------------------------------------------------------------------------


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
                if window != _window or not _live_thread:
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


def flush_and_exit(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with `code` through the real `os._exit` (no guard, no
    interpreter shutdown: nothing a driver left behind runs after this)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001, S110 — a closed pipe must not keep the process alive or change its code
            pass
    hard_exit(code)


def expect_stop(code: int, reason: str) -> None:
    """The user's interrupt is being raised into a live run: if that run does not end within the grace
    period (a driver that swallows it), the last resort ends the process with `code`."""
    global _stop_deadline
    if not _live_thread:
        return
    _ensure_watchdog()
    with suspended():  # the harness's own clock read (from a signal handler on the live thread), not a decision
        due = time.monotonic() + Guards.grace_seconds
    with _lock:
        _stop_deadline = (_window, due, code, reason)


# --- whose Ctrl-C -------------------------------------------------------------------------------------------

_user_interrupt = False


def mark_user_interrupt() -> None:
    """Called by a SIGINT/SIGTERM handler just before it raises KeyboardInterrupt on the user's behalf."""
    global _user_interrupt
    _user_interrupt = True


def user_interrupted() -> bool:
    """Whether a KeyboardInterrupt in flight is the user's (a driver raising its own is a verdict)."""
    return _user_interrupt


def _marking_int_handler(signum: int, frame: FrameType | None) -> None:
    mark_user_interrupt()
    expect_stop(128 + signum, "interrupted, but the driver would not let go of the interrupt")
    signal.default_int_handler(signum, frame)


def _mark_default_sigint() -> None:
    """Swap Python's default SIGINT handler (which raises KeyboardInterrupt unmarked) for one that marks."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _marking_int_handler)


def _ensure_watchdog() -> None:
    global _watchdog
    if _watchdog is None or not _watchdog.is_alive():
        _watchdog = threading.Thread(target=_watch_loop, name="simharness-watchdog", daemon=True)
        _watchdog.start()


# --- the live window ---------------------------------------------------------------------------------------


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if 0 <= value <= 86_400 else default


class Guards:
    """Process-wide settings: the CLI (`--no-tripwires`, `--stall-seconds`) and tests change them.

    `last_resort(code, reason, stuck)` is called from the watchdog thread when a driver cannot be stopped;
    `stuck` (or None) builds the stuck run's result. The process exits with `code` right after it returns."""

    tripwires: bool = True
    stall_seconds: float = _env_seconds("SIMHARNESS_STALL_SECONDS", DEFAULT_STALL_SECONDS)
    grace_seconds: float = _env_seconds("SIMHARNESS_GRACE_SECONDS", DEFAULT_GRACE_SECONDS)
    last_resort: Callable[[int, str, Callable[[], Any] | None], None] | None = None


@contextmanager
def live(env: Any = None, *, watch: bool = True, stuck: Callable[[], Any] | None = None) -> Iterator[None]:
    """The window in which a world runs: tripwires armed; with `env`, the watchdog watches its steps.
    `stuck` builds the run's result if the driver cannot be stopped (for the last resort's report).

    Re-entrant (a nested window, e.g. a driver replaying a world, is part of the outer one).
    """
    global _watched, _tokens, _live_thread, _window, _user_interrupt
    outer = _live_thread != 0
    if not outer:
        _user_interrupt = False  # a new run: no interrupt of the user's is in flight
        install_exit_guards()
        _exit_attempts.clear()
        _mark_default_sigint()
        with _lock:
            _window += 1
        if Guards.tripwires:
            _arm()
        else:
            _live_thread = threading.get_ident()
    watching = env is not None and watch and Guards.stall_seconds > 0 and not outer
    if watching:
        _ensure_watchdog()
        with _lock:
            _tokens += 1
            _watched = _Watch(env, Guards.stall_seconds, threading.get_ident(), _tokens, stuck)
    try:
        yield
    finally:
        if watching:
            with _lock:
                fired = _watched is not None and _watched.fired
                _watched = None
            if fired:  # a stall that was injected but not yet raised must not escape the window
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()), ctypes.c_void_p(0))
        if not outer:
            if Guards.tripwires:
                _disarm()
            else:
                _live_thread = 0


@contextmanager
def suspended() -> Iterator[None]:
    """Let trusted machinery read the clock inside a live run (Hypothesis timing its own draws); the run stays
    live and the tripwires come back on leaving."""
    global _live_thread
    saved = _live_thread
    _live_thread = 0
    try:
        yield
    finally:
        _live_thread = saved


def is_live() -> bool:
    return _live_thread != 0


def modules_with_early_bound_sources(modules: dict[str, ModuleType]) -> list[str]:
    """Names of modules holding a module-level reference to a guarded source (a tripwire cannot see those)."""
    originals = {id(original) for _, _, original, _ in (_SWAPS or _swaps()) if callable(original) and not isinstance(original, type)}
    found = []
    for name, module in sorted(modules.items()):
        for attr, value in list(vars(module).items()):
            if id(value) in originals and not attr.startswith("__"):
                found.append(f"{name}.{attr}")
    return found


__all__ = [
    "DEFAULT_GRACE_SECONDS",
    "DEFAULT_STALL_SECONDS",
    "EXIT_UNSTOPPABLE",
    "ExitAttempt",
    "Guards",
    "ProcessExit",
    "RunStalled",
    "TripwireError",
    "culprit",
    "exit_attempts",
    "expect_stop",
    "guard_exits_at_shutdown",
    "hard_exit",
    "install_exit_guards",
    "is_live",
    "live",
    "mark_user_interrupt",
    "suspended",
    "user_interrupted",
]
