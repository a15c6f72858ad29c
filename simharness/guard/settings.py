"""The guards' process-wide settings, in one place: the CLI (`--no-tripwires`, `--no-virtual-clock`, `--stall-seconds`) and tests
change them, the watchdog and the live window read them at the moment they act."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

#: Wall-clock seconds a live world may go without a simpy step before the watchdog stops it.
DEFAULT_STALL_SECONDS = 10.0
#: Wall-clock seconds a driver has to let go after the watchdog's interrupt or the user's, before the last resort.
DEFAULT_GRACE_SECONDS = 2.0


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
    #: With the tripwires on: a driver's clock reads (time.time, datetime.now, ...) answer with the world's
    #: virtual clock (`guard.clock`) instead of being refused. Off: `--no-virtual-clock`, refuse everything.
    virtual_clock: bool = True
    stall_seconds: float = _env_seconds("SIMHARNESS_STALL_SECONDS", DEFAULT_STALL_SECONDS)
    grace_seconds: float = _env_seconds("SIMHARNESS_GRACE_SECONDS", DEFAULT_GRACE_SECONDS)
    last_resort: Callable[[int, str, Callable[[], Any] | None], None] | None = None
