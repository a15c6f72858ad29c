"""The live window: the span in which one world runs, with every guard on.

`live(...)` composes the guards: the tripwires armed (`tripwire`; with the virtual clock on, the default, the
driver's clock reads answer with `env`'s virtual clock, `clock`), the exit guards installed and their record
cleared (`exits`), the user's Ctrl-C told apart (`interrupts`), and, given the world's environment, the
watchdog watching its steps (`watchdog`). The runner enters it around each world.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from simharness.guard import watchdog
from simharness.guard.exits import forget_exit_attempts, install_exit_guards
from simharness.guard.interrupts import forget_user_interrupt, mark_default_sigint
from simharness.guard.live_thread import LiveThread
from simharness.guard.settings import Guards
from simharness.guard.tripwire import arm, disarm


@contextmanager
def live(env: Any = None, *, watch: bool = True, stuck: Callable[[], Any] | None = None) -> Iterator[None]:
    """The window in which a world runs: tripwires armed (clocks read `env.now`, unless `Guards.virtual_clock` is
    off); with `env`, the watchdog watches its steps.
    `stuck` builds the run's result if the driver cannot be stopped (for the last resort's report).

    Re-entrant (a nested window, e.g. a driver replaying a world, is part of the outer one).
    """
    outer = LiveThread.ident != 0
    if not outer:
        forget_user_interrupt()
        install_exit_guards()
        forget_exit_attempts()
        mark_default_sigint()
        watchdog.open_window()
        if Guards.tripwires:
            arm(env, virtual_clock=Guards.virtual_clock)
        else:
            LiveThread.ident = threading.get_ident()
    watching = env is not None and watch and Guards.stall_seconds > 0 and not outer
    if watching:
        watchdog.watch(env, Guards.stall_seconds, stuck)
    try:
        yield
    finally:
        if watching:
            watchdog.unwatch()
        if not outer:
            if Guards.tripwires:
                disarm()
            else:
                LiveThread.ident = 0
