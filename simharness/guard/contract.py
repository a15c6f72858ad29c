"""The driver contract, enforced where a session calls the driver (`workload/sessions.py`).

A driver is judged, never trusted: whatever it does ends in a trace event that `check()` turns into a
`driver-contract` verdict, and the world goes on with its other sessions. `drive` runs the driver's
generator the way `yield from` would, but

- checks that every value it yields is an event of this world's simpy environment;
- turns any exception of the driver's own (anything but a `JSError`, which is the call's thrown error) into
  an outcome naming its type, message and the driver's file:line;
- lets the harness's own control exceptions through untouched: the watchdog's `RunStalled`, a tripwire, a
  broken target, the user's Ctrl-C (`guard.interrupts.user_interrupted`).

Everything recorded is deterministic: file names without directories, messages without memory addresses.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import FrameType, TracebackType
from typing import Any, Protocol

import simpy

from simharness.guard.exits import exit_attempts
from simharness.guard.frames import in_stdlib
from simharness.guard.interrupts import user_interrupted
from simharness.model.errors import JSError
from simharness.model.exceptions import DriverContractError, ProcessExit, RunStalled, TargetError, TripwireError


def _package_dir(name: str) -> str | None:
    spec = importlib.util.find_spec(name)  # located, not imported
    return os.path.dirname(spec.origin) if spec is not None and spec.origin else None


#: Frames a culprit is never blamed on, besides the standard library (`in_stdlib`): simpy, and Hypothesis (the
#: hypothesis strategy's choice source). Other installed packages a driver calls into count as the driver's own code.
_LIBRARY = tuple(os.path.normcase(os.path.abspath(p)) + os.sep for p in {os.path.dirname(simpy.__file__), _package_dir("hypothesis")} if p)
_PACKAGE = os.path.normcase(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep  # simharness/
#: Driver code that ships inside the package: the reference, the ports of releases and the mutants.
_DRIVER_CODE = os.path.join(_PACKAGE, "drivers") + os.sep
#: What drivers call into (the public driver API: error classes, recognizers, the classifier): never blamed, never a
#: harness bug by itself.
_SUPPORT_CODE = tuple(
    os.path.join(_PACKAGE, *f.split("/"))
    for f in ("drivers/__init__.py", "drivers/recognize.py", "drivers/classifier.py", "drivers/classifier_patterns.py", "drivers/classifier_signal.py", "model/errors.py")
)
#: The world's own code (the rest of the package is the harness): an exception whose innermost frame is in
#: either is the harness's own — a bug, or the choice source ending a run (Hypothesis's StopTest) — never the driver's.
#: Whole layers end in a separator; the other entries are single files.
_WORLD_CODE = tuple(
    os.path.join(_PACKAGE, *f.split("/"))
    for f in (
        "sim/",
        "faults/",
        "workload/",
        "engine/world.py",
        "model/trace.py",
        "model/choice.py",
        "check/oracle.py",
        "guard/contract.py",
    )
)

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
MAX_TEXT = 300


def text(value: object) -> str:
    """`str(value)` for a trace: never raises, bounded, and free of memory addresses (traces are hashed)."""
    try:
        out = value if isinstance(value, str) else str(value)
    except BaseException:  # noqa: BLE001 — a driver's object whose __str__ breaks is still reported
        out = f"<unprintable {type(value).__name__}>"
    out = _ADDRESS.sub(" at 0x…", out)
    return out if len(out) <= MAX_TEXT else out[: MAX_TEXT - 1] + "…"


def plain(value: object) -> str:
    """A string as it is (messages are judged word for word); anything else through `text`."""
    return value if type(value) is str else text(value)


def read_attempt(attempt: object) -> tuple[str, Any] | str:
    """(candidate, error) of an `on_error` record, or what is wrong with it (a contract breach, not a crash)."""
    if not isinstance(attempt, Mapping):
        return f"the driver called on_error with {shown(attempt)}, not an attempt record (a mapping)"
    try:
        return f"{text(attempt.get('provider'))}/{text(attempt.get('model'))}", attempt.get("error")
    except Exception as exc:  # noqa: BLE001 — a mapping of the driver's own whose get() fails
        return f"the driver called on_error with a mapping that cannot be read ({type(exc).__name__}: {text(exc)})"


def shown(value: object) -> str:
    """A yielded or returned value as a reader wants it: repr for plain data, the type name otherwise."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return text(repr(value))
    return f"a {type(value).__name__}"


def _kind_of(path: str) -> str:
    """library | support | world | harness | driver: who a frame in `path` belongs to."""
    path = os.path.normcase(os.path.abspath(path)) if not path.startswith("<") else path
    if path.startswith(_LIBRARY) or in_stdlib(path):
        return "library"
    if path in _SUPPORT_CODE:
        return "support"
    if path.startswith(_PACKAGE) and not path.startswith(_DRIVER_CODE):
        return "world" if path.startswith(_WORLD_CODE) else "harness"
    return "driver"


def where(filename: str, line: int) -> str:
    return f"{os.path.basename(filename)}:{line}"


def culprit(tb: TracebackType | None) -> tuple[str | None, str]:
    """(file:line of the innermost driver frame or None, who the innermost frame of the driver, the world or the
    harness belongs to: `driver` blames the driver, anything else is the harness's own exception)."""
    found: str | None = None
    innermost = "driver"
    while tb is not None:
        kind = _kind_of(tb.tb_frame.f_code.co_filename)
        if kind == "driver":
            found = where(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        if kind not in ("library", "support"):
            innermost = kind
        tb = tb.tb_next
    return found, innermost


def caller(frame: FrameType | None) -> str | None:
    """file:line of the nearest driver frame at or above `frame` (who called `run` or `on_error`)."""
    while frame is not None:
        if _kind_of(frame.f_code.co_filename) == "driver":
            return where(frame.f_code.co_filename, frame.f_lineno)
        frame = frame.f_back
    return None


def recursed(tb: TracebackType | None) -> str | None:
    """For a RecursionError: file:line of the driver's recursive call, if the driver recursed without bound (one
    function of its own on a third or more of a deep stack); None for a RecursionError raised by hand."""
    counts: dict[Any, int] = {}
    first: dict[Any, str] = {}
    depth = 0
    while tb is not None:
        code = tb.tb_frame.f_code
        depth += 1
        if _kind_of(code.co_filename) == "driver":
            counts[code] = counts.get(code, 0) + 1
            first.setdefault(code, where(code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    if depth < 100 or not counts:
        return None
    code, n = max(counts.items(), key=lambda item: item[1])
    return first[code] if n * 3 >= depth else None


def harness_control(exc: BaseException) -> bool:
    """Exceptions that belong to the harness, not the driver: they pass through a driver call untouched."""
    if isinstance(exc, (RunStalled, TripwireError, TargetError)):
        return True
    return isinstance(exc, KeyboardInterrupt) and user_interrupted()


@dataclass(frozen=True, slots=True)
class Crash:
    """How a call ended when the driver broke: `kind` is an exception type name, or `contract` when the world
    stopped the call after a breach it recorded."""

    kind: str
    message: str
    where: str | None
    recursion: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a driver call ended: exactly one of `returned` (with `value`), `raised` or `crash`."""

    returned: bool = False
    value: Any = None
    raised: JSError | None = None
    crash: Crash | None = None


def _crash_of(exc: BaseException, home: str) -> Crash:
    if isinstance(exc, ProcessExit):  # raised by the exit guard, not the driver's code: the guard knows where
        for attempt in exit_attempts():
            if attempt.source == exc.source and attempt.where == exc.where:
                attempt.judged = True
        return Crash("ProcessExit", f"{text(exc.source)} would have ended the harness's process", exc.where or home)
    if isinstance(exc, RecursionError):  # wherever the stack ran out, the driver's recursion filled it
        looped = recursed(exc.__traceback__)
        if looped is not None:
            return Crash("RecursionError", text(exc), looped, recursion=True)
    found, innermost = culprit(exc.__traceback__)
    if isinstance(exc, RuntimeError) and isinstance(exc.__cause__, StopIteration):
        # PEP 479: a StopIteration leaking out of a driver's generator (`next()` on an empty iterator) comes back
        # as a RuntimeError the interpreter raises without the generator's frame: the cause has the driver's line
        cause_found, cause_innermost = culprit(exc.__cause__.__traceback__)
        if cause_innermost == "driver":
            found, innermost = cause_found, cause_innermost
    if innermost != "driver":
        raise exc  # the world's or the harness's own exception (a bug, the choice source's StopTest): as it is
    return Crash(type(exc).__name__, text(exc), found or home)


def home_of(driver: Any, spec: str) -> str:
    """Where a driver lives (file:line of its definition), or the target's spec when it is not Python code."""
    code = getattr(driver, "__code__", None) or getattr(getattr(driver, "__func__", None), "__code__", None)
    if code is None:
        return spec
    return _home(code.co_filename, code.co_firstlineno, spec)


@lru_cache(maxsize=256)
def _home(filename: str, line: int, spec: str) -> str:
    return where(filename, line) if _kind_of(filename) == "driver" else spec


class CallFlags(Protocol):
    breached: bool  # the world recorded a contract breach in this call: it ends at the driver's next step


def drive(
    driver: Callable[..., Any],
    args: tuple[Any, ...],
    env: simpy.Environment,
    call: CallFlags,
    breach: Callable[[str, str | None], None],
    home: str,
) -> Generator[simpy.Event, Any, Outcome]:
    """Run one driver call as `yield from driver(*args)` would, and say how it ended.

    `call.breached` tells whether the world already recorded a contract breach in this call (then the call ends
    at the driver's next step); `breach(message, where)` records one found here (a non-event yield)."""
    try:
        gen = driver(*args)
    except JSError as err:
        return Outcome(raised=err)
    except BaseException as exc:
        if harness_control(exc):
            raise
        return Outcome(crash=_crash_of(exc, home))
    if not (hasattr(gen, "send") and hasattr(gen, "throw") and hasattr(gen, "close")):
        breach(f"the driver is not a simpy generator function: calling it returned {shown(gen)}", home)
        return Outcome(crash=Crash("contract", "not a generator", home))
    event_type, own_env = simpy.Event, env
    sending: Any = None
    throwing: BaseException | None = None
    while True:
        try:
            event = gen.send(sending) if throwing is None else gen.throw(throwing)
        except StopIteration as stop:
            if call.breached:
                return _stopped(home)
            return Outcome(returned=True, value=stop.value)
        except JSError as err:
            if call.breached:
                return _stopped(home)
            return Outcome(raised=err)
        except BaseException as exc:
            if harness_control(exc):
                raise
            if call.breached or isinstance(exc, DriverContractError):
                return _stopped(home)
            return Outcome(crash=_crash_of(exc, home))
        if call.breached:
            _close(gen)
            return _stopped(home)
        if not isinstance(event, event_type) or event.env is not own_env:
            what = "an event of another simpy environment" if isinstance(event, event_type) else f"{shown(event)}, not a simpy event"
            breach(f"the driver yielded {what}", _suspended_at(gen) or home)
            _close(gen)
            return _stopped(home)
        try:
            sending, throwing = (yield event), None
        except GeneratorExit:  # the world is being torn down: close the driver as `yield from` would
            _close(gen)
            raise
        except BaseException as exc:  # noqa: BLE001 — a failed event simpy throws in: the driver's to handle
            sending, throwing = None, exc


def _stopped(home: str) -> Outcome:
    return Outcome(crash=Crash("contract", "stopped after a contract breach", home))


def _close(gen: Any) -> None:
    """Close a driver generator; what it does on the way out (yield again, raise) is already judged."""
    try:
        gen.close()
    except BaseException as exc:
        if harness_control(exc):
            raise


def _suspended_at(gen: Any) -> str | None:
    """file:line where a driver generator (or the innermost generator it delegates to) is suspended."""
    g = gen
    while getattr(g, "gi_yieldfrom", None) is not None and hasattr(g.gi_yieldfrom, "gi_frame"):
        g = g.gi_yieldfrom
    frame = getattr(g, "gi_frame", None)
    return caller(frame) if frame is not None else None


def current_frame(depth: int) -> FrameType:
    return sys._getframe(depth + 1)


__all__ = [
    "Crash",
    "DriverContractError",
    "Outcome",
    "caller",
    "current_frame",
    "drive",
    "harness_control",
    "home_of",
    "plain",
    "read_attempt",
    "shown",
    "text",
]
