"""The mutant with a clock-based cooldown (`wall-clock-cooldown`), kept out of mutants.py to keep it short.

Registered at the end of `mutants.py`. It reads the clock through the module (`time.time()`), which inside a
run is the world's virtual clock (`simharness.guard.clock`): the mutant is deterministic and replayable, and
its bug is caught by an invariant instead of being refused wholesale as a clock read.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Generator, Sequence
from functools import partial
from typing import Any

from simharness.drivers import CallContext, Candidate, JSError, OnErrorFn, RunFn, reference

WALL_CLOCK_COOLDOWN = (
    "after a 429, skips the candidate in later calls until its Retry-After has passed by time.time() (and reads "
    "Retry-After as milliseconds: 1000x too long): a later call skips a candidate its chain says to try"
)

#: Per world (its simpy env), the time.time() until which each candidate "cools down": no run leaks into the next.
_COOLDOWNS: weakref.WeakKeyDictionary[Any, dict[Candidate, float]] = weakref.WeakKeyDictionary()


def _remember_429(run: RunFn, cooling: dict[Candidate, float], provider: str, model: str) -> Generator[Any, Any, Any]:
    try:
        return (yield from run(provider, model))
    except JSError as err:
        retry_after = err.fields.get("retryAfter") if err.status == 429 else None
        if isinstance(retry_after, int | float):
            cooling[(provider, model)] = time.time() + retry_after * 1000  # the bug: "Retry-After is in ms" (it is in s)
        raise


def wall_clock_cooldown(ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn) -> Generator[Any, Any, Any]:
    cooling = _COOLDOWNS.setdefault(ctx.env, {})
    now = time.time()
    ready = [c for c in candidates if cooling.get(c, 0.0) <= now] or list(candidates[-1:])  # the bug: skip what "cools"
    return (yield from reference.run_with_model_fallback(ctx, ready, partial(_remember_429, run, cooling), on_error))
