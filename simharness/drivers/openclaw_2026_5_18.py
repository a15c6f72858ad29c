"""A faithful port of openclaw up to 2026.5.18: the same driver without the coordination check (the #83510 bug).

A takeover or a session write-lock timeout is an ordinary unclassified candidate failure: the driver walks the
whole chain, calls `onError` for each, and rethrows the raw error from the last candidate.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import simpy

from simharness.drivers import CallContext, Candidate, OnErrorFn, RunFn, openclaw_2026_5_20

SIMHARNESS_PROFILE = openclaw_2026_5_20.SIMHARNESS_PROFILE  # the same runtime kinds: only the driver differs
SIMHARNESS_STORE_POLICY = openclaw_2026_5_20.SIMHARNESS_STORE_POLICY  # the same store arithmetic (probes/cooldown: 5.18 = 5.20)


def run_with_model_fallback(
    ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn
) -> Generator[simpy.Event, Any, Any]:
    return openclaw_2026_5_20.run_with_model_fallback(ctx, candidates, run, on_error, coordination_check=False)
