"""The virtual clock: inside a live run, a Python driver that reads the time reads the world's clock.

Real fallback drivers read clocks (cooldown windows, Retry-After deadlines, probe intervals). Refusing them
(the tripwire) made such drivers untestable; handing them the wall clock would make runs irreproducible. So
inside a live run, on the thread running the world, `time.time`/`time_ns`, `time.monotonic`/`_ns`,
`time.perf_counter`/`_ns`, `datetime.datetime.now`/`utcnow`/`today` and `datetime.date.today` read

    EPOCH (2026-06-01T00:00:00Z) + env.now virtual milliseconds

the same instant the Node bridge's virtual `Date` shows openclaw (`targets/bridge.mjs`, `EPOCH`). `monotonic`
and `perf_counter` read that same instant in seconds (freezegun's choice), so their differences are virtual
elapsed time. `datetime.now()` is naive UTC (no machine time zone leaks into a run).

The values come from freezegun (`freezegun.api`'s fakes and `FakeDatetime`/`FakeDate`), driven by a time
factory that reads `env.now` on every call, so the clock moves with the world and is never "ticked".
freezegun's own `start()` costs milliseconds (it scans every loaded module) against a run's ~0.2 ms, so it is
never called: `push(env)` puts this factory on freezegun's stacks when the outermost live window opens and
`pop()` takes it off when it closes (a few list operations), and the tripwire's gates (`guard.tripwire`),
swapped in for the window as before, send the live thread's reads here. Outside a window, on any other thread
(the watchdog's wall-clock reads), and for calls made directly by the standard library, the real clock
answers; the harness's own code reading the clock on the live thread still trips (a harness bug, loud).

Limits: a reference bound before the run is not swapped and would read the real clock; a `py:` driver module
that holds one (`from time import monotonic`, `from datetime import datetime`) is refused at load
(`targets/python.py`), but a module the driver imports is not inspected; `time.localtime`/`strftime` with no
argument are not virtualized (they depend on the machine's time zone). `time.sleep` really sleeps: a driver
waits with `yield ctx.env.timeout(ms)`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from freezegun import api as _fg

#: Virtual millisecond 0 of every world, in Unix milliseconds: 2026-06-01T00:00:00Z, the Node bridge's EPOCH.
EPOCH_MS = 1_780_272_000_000
_EPOCH = _dt.datetime(1970, 1, 1) + _dt.timedelta(milliseconds=EPOCH_MS)  # naive UTC, as freezegun's factories give


class _WorldClock:
    """A freezegun time factory that reads the live world's clock on every call (never ticked or moved)."""

    __slots__ = ("env",)

    def __init__(self) -> None:
        self.env: Any = None

    def __call__(self) -> _dt.datetime:
        now = 0 if self.env is None else self.env.now
        return _EPOCH + _dt.timedelta(milliseconds=float(now))


_CLOCK = _WorldClock()
_ZERO = _dt.timedelta(0)


def push(env: Any) -> None:
    """The outermost live window opens: freezegun's fakes now read `env`'s clock. A few list appends."""
    _CLOCK.env = env
    _fg.freeze_factories.append(_CLOCK)  # type: ignore[arg-type]  # any callable giving a naive UTC datetime
    _fg.tz_offsets.append(_ZERO)
    _fg.ignore_lists.append(())  # no ignore list: freezegun never walks the stack (the gates decided already)
    _fg.tick_flags.append(False)


def pop() -> None:
    """The window closes: take this clock off freezegun's stacks (a test's own freeze_time below it stays)."""
    stacks: tuple[list[Any], ...] = (_fg.freeze_factories, _fg.tz_offsets, _fg.ignore_lists, _fg.tick_flags)
    factories: list[Any] = _fg.freeze_factories
    if factories and factories[-1] is _CLOCK:
        for stack in stacks:
            stack.pop()
    _CLOCK.env = None


def now_ms() -> float:
    """Unix milliseconds of the virtual clock (for tests and messages)."""
    return EPOCH_MS + float(0 if _CLOCK.env is None else _CLOCK.env.now)


def _as_datetime(fake: Callable[..., Any]) -> Callable[..., _dt.datetime]:
    def virtual(*args: Any, **kwargs: Any) -> _dt.datetime:
        r = fake(*args, **kwargs)  # a FakeDatetime: hand the driver a plain datetime (its repr is in traces)
        return _fg.real_datetime(r.year, r.month, r.day, r.hour, r.minute, r.second, r.microsecond, r.tzinfo, fold=r.fold)

    return virtual


def _today() -> _dt.date:
    r = _fg.FakeDate.today()
    return _fg.real_date(r.year, r.month, r.day)  # freezegun's own names: never patched by a test's freeze


def virtual_sources() -> dict[str, Callable[..., Any]]:
    """The virtual stand-in of every clock the tripwire guards, by its tripwire label."""
    out: dict[str, Callable[..., Any]] = {
        "time.time": _fg.fake_time,
        "time.time_ns": _fg.fake_time_ns,
        "time.monotonic": _fg.fake_monotonic,
        "time.monotonic_ns": _fg.fake_monotonic_ns,
        "time.perf_counter": _fg.fake_perf_counter,
        "time.perf_counter_ns": _fg.fake_perf_counter_ns,
        "datetime.date.today": _today,
    }
    for name in ("now", "utcnow", "today"):
        out[f"datetime.datetime.{name}"] = _as_datetime(getattr(_fg.FakeDatetime, name))
    return out
