"""A driver with a correct clock-based cooldown: it honours Retry-After across the calls of one world.

What a real fallback driver does with a 429's `retryAfter` (seconds): remember until when that candidate is
cooling down, and before running it again — in a later call of the same world — wait out the rest of its
cooldown (at most `MAX_WAIT_S`), with `yield ctx.env.timeout(...)`, never `time.sleep`. It reads the clock
with `time.monotonic()`, which inside a run is the world's virtual clock (`simharness.guard.clock`), so it is
deterministic: the same seed gives a byte-identical trace. It still tries every candidate once, in order
(the chain itself is the reference driver's), so it passes every invariant; tests/test_virtual_clock.py
holds it to that. Its cooldowns are kept per world (keyed by `ctx.env`): nothing leaks from one run into
the next.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Generator, Sequence
from typing import Any

from simharness.drivers import CallContext, Candidate, JSError, OnErrorFn, RunFn
from simharness.drivers.reference import run_with_model_fallback as reference

MAX_WAIT_S = 30.0  # a deadline further out is not worth holding the call for

_COOLING: weakref.WeakKeyDictionary[Any, dict[Candidate, float]] = weakref.WeakKeyDictionary()


def run_with_model_fallback(ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn) -> Generator[Any, Any, Any]:
    cooling = _COOLING.setdefault(ctx.env, {})  # monotonic second until which each candidate cools down

    def run_after_cooldown(provider: str, model: str) -> Generator[Any, Any, Any]:
        wait = cooling.get((provider, model), 0.0) - time.monotonic()
        if wait > 0:
            yield ctx.env.timeout(min(wait, MAX_WAIT_S) * 1000)  # virtual ms
        try:
            return (yield from run(provider, model))
        except JSError as err:
            retry_after = err.fields.get("retryAfter") if err.status == 429 else None
            if isinstance(retry_after, int | float) and retry_after > 0:
                cooling[(provider, model)] = time.monotonic() + retry_after
            raise  # the very same error, for the reference loop to judge

    return (yield from reference(ctx, candidates, run_after_cooldown, on_error))
