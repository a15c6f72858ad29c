"""Tripwires: inside a run, the wall clock and every source of randomness raise, naming the caller's file:line.

While a run is live (`guard.live_run.live`, entered by the runner around one world), the wall clock
(`time.time`, `time.monotonic`, `time.perf_counter` and their `_ns` twins, `datetime.datetime.now`/`utcnow`/
`today`, `datetime.date.today`), the `random` module's functions, `random.SystemRandom`, `secrets`,
`uuid.uuid1`/`uuid4` and `os.urandom` raise `TripwireError` naming the caller's file:line. They are swapped into their modules
when a run starts and the originals are put back when it ends, so nothing outside a run — the progress bar,
the report's timing, pytest itself — pays for them or sees them; other threads pass through. A call made
directly by the standard library (say `logging` stamping a record) passes: it is the caller's business, not
a decision. Limit: a reference bound before the run (`from time import monotonic`) is not swapped; the
static test in `tests/test_reliability.py` keeps the harness itself free of those
(`modules_with_early_bound_sources`).
"""

from __future__ import annotations

import datetime as _dt
import os
import random
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any

from simharness.guard.frames import from_stdlib
from simharness.guard.live_thread import LiveThread
from simharness.model.exceptions import TripwireError


def _tripwire(source: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def tripwire(*args: Any, **kwargs: Any) -> Any:
        if LiveThread.ident and LiveThread.ident == threading.get_ident():
            frame = sys._getframe(1)
            if not from_stdlib(frame):
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


def arm() -> None:
    """Swap the tripwires in and make the calling thread the live one."""
    global _SWAPS
    if _SWAPS is None:
        _SWAPS = _swaps()
    for owner, name, _, wire in _SWAPS:
        setattr(owner, name, wire)
    LiveThread.ident = threading.get_ident()


def disarm() -> None:
    """No thread is live any more; the originals go back."""
    LiveThread.ident = 0
    for owner, name, original, _ in _SWAPS or ():
        setattr(owner, name, original)


def modules_with_early_bound_sources(modules: dict[str, ModuleType]) -> list[str]:
    """Names of modules holding a module-level reference to a guarded source (a tripwire cannot see those)."""
    originals = {id(original) for _, _, original, _ in (_SWAPS or _swaps()) if callable(original) and not isinstance(original, type)}
    found = []
    for name, module in sorted(modules.items()):
        for attr, value in list(vars(module).items()):
            if id(value) in originals and not attr.startswith("__"):
                found.append(f"{name}.{attr}")
    return found
