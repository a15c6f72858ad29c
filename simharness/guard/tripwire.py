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

**Virtual clock** (the default, `Guards.virtual_clock`; `--no-virtual-clock` turns it off): the clock sources
above do not raise for the code under test but answer with the world's virtual clock (`guard.clock`); the
randomness sources still raise, and so does the harness's own code reading a clock on the live thread.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import random
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any, ClassVar

from simharness.guard.frames import from_stdlib
from simharness.guard.live_thread import LiveThread
from simharness.model.exceptions import TripwireError, harness_file

_harness_file = functools.lru_cache(maxsize=1024)(harness_file)  # asked on every virtual clock read: abspath is not free


def _tripwire(source: str, original: Callable[..., Any], virtual: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """`original` stand-in: on the live thread, code under test gets `virtual` (the virtual clock) or a refusal."""

    def tripwire(*args: Any, **kwargs: Any) -> Any:
        if LiveThread.ident and LiveThread.ident == threading.get_ident():
            frame = sys._getframe(1)
            if not from_stdlib(frame):
                if virtual is None or _harness_file(frame.f_code.co_filename):
                    raise TripwireError(source, frame.f_code.co_filename, frame.f_lineno)
                return virtual(*args, **kwargs)
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


def _tripping_class(original: type, meta: type, names: tuple[str, ...], virtual: dict[str, Callable[..., Any]]) -> type:
    """A stand-in for `datetime.datetime`/`date` whose clock-reading class methods trip or read the virtual
    clock (isinstance still works)."""
    namespace: dict[str, Any] = {"__module__": "datetime", "__qualname__": original.__qualname__}
    for name in names:
        bound = getattr(original, name)
        label = f"datetime.{original.__name__}.{name}"
        namespace[name] = staticmethod(_tripwire(label, bound, virtual.get(label)))
    return meta(original.__name__, (original,), namespace)  # type: ignore[no-any-return]


def _swaps(virtual_clock: bool = False) -> list[tuple[Any, str, Any, Any]]:
    """(owner, attribute, original, tripwire) for every guarded source; with `virtual_clock`, the clocks'
    stand-ins read the virtual clock instead of refusing."""
    out: list[tuple[Any, str, Any, Any]] = []
    virtual: dict[str, Callable[..., Any]] = {}
    if virtual_clock:
        from simharness.guard.clock import virtual_sources  # imports freezegun: only when a virtual clock is used

        virtual = virtual_sources()

    def guard(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is not None:
            out.append((owner, name, original, _tripwire(label, original, virtual.get(label))))

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
    dt_class = _tripping_class(_ORIGINAL_DATETIME, _DatetimeMeta, ("now", "utcnow", "today"), virtual)
    out.append((_dt, "datetime", _ORIGINAL_DATETIME, dt_class))
    out.append((_dt, "date", _ORIGINAL_DATE, _tripping_class(_ORIGINAL_DATE, _DateMeta, ("today",), virtual)))
    return out


_SWAP_SETS: dict[bool, list[tuple[Any, str, Any, Any]]] = {}  # built once per process and mode


class _Armed:
    """What the armed window changed: its swaps; what it found in their place when a test's own freezegun
    was running (put back as found, not as the originals); its virtual clock's push/pop (once imported)."""

    swaps: ClassVar[list[tuple[Any, str, Any, Any]]] = []
    found: ClassVar[list[tuple[Any, str, Any]] | None] = None
    clock: ClassVar[tuple[Callable[[Any], None], Callable[[], None]] | None] = None
    virtual: ClassVar[bool] = False


def arm(env: Any = None, *, virtual_clock: bool = False) -> None:
    """Swap the tripwires in and make the calling thread the live one; with `virtual_clock`, clocks read `env`'s."""
    swaps = _SWAP_SETS.get(virtual_clock)
    if swaps is None:
        swaps = _SWAP_SETS[virtual_clock] = _swaps(virtual_clock)
    freezegun = sys.modules.get("freezegun.api")
    frozen = freezegun is not None and bool(freezegun.freeze_factories)  # a test froze time around this run
    _Armed.found = [(owner, name, getattr(owner, name)) for owner, name, _, _ in swaps] if frozen else None
    if virtual_clock:
        if _Armed.clock is None:
            from simharness.guard.clock import pop, push

            _Armed.clock = (push, pop)
        _Armed.clock[0](env)
    _Armed.swaps, _Armed.virtual = swaps, virtual_clock
    for owner, name, _, wire in swaps:
        setattr(owner, name, wire)
    LiveThread.ident = threading.get_ident()


def disarm() -> None:
    """No thread is live any more; the originals go back (and the virtual clock comes off freezegun's stacks)."""
    LiveThread.ident = 0
    if _Armed.found is not None:
        for owner, name, found in _Armed.found:
            setattr(owner, name, found)
    else:
        for owner, name, original, _ in _Armed.swaps:
            setattr(owner, name, original)
    _Armed.swaps, _Armed.found = [], None
    if _Armed.virtual and _Armed.clock is not None:
        _Armed.clock[1]()
        _Armed.virtual = False


def modules_with_early_bound_sources(modules: dict[str, ModuleType]) -> list[str]:
    """Names of modules holding a module-level reference to a guarded source (a tripwire cannot see those),
    the `datetime` and `date` classes included (`from datetime import datetime`: their `now()` is not swapped)."""
    originals = {id(original) for _, _, original, _ in (next(iter(_SWAP_SETS.values()), None) or _swaps()) if callable(original)}
    found = []
    for name, module in sorted(modules.items()):
        if module is sys.modules[__name__]:
            continue  # this module keeps the originals to put them back
        for attr, value in list(vars(module).items()):
            if id(value) in originals and not attr.startswith("__"):
                found.append(f"{name}.{attr}")
    return found
