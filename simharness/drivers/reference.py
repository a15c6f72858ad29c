"""The reference target: the contract of PR #83550 as a correct driver, and the quick start's default.

It is openclaw 2026.5.20's `runWithModelFallback` (`openclaw_2026_5_20.py`, a faithful port) with the one
decision every real release gets wrong somewhere made as DESIGN.md states it: *is this a local coordination
error?* A coordination error — the embedded takeover, the session write-lock timeout, or any 2026.8+ runtime
coordination error (`ActiveTurnClaimError`, `GatewayDrainingError`, ...) — reached through any link an SDK
or runtime uses (`cause`, `error`, `reason`, `errors[]`, `suppressed`, within openclaw's depth limit of 25),
and with no explicit provider metadata anywhere in the graph, is rethrown at once: the same object, before
the error is coerced, recorded or reported. Explicit metadata (an HTTP status, a provider code such as
`RESOURCE_EXHAUSTED`) wins, even over a coordination error nested inside: the driver advances. Everything
else is 2026.5.20's own loop: coercion, user-abort and context-overflow rethrows, attempts, `onError`, and
the `All models failed (N): ...` summary.

It recognizes errors the way a real driver can — by name, code and status — and never reads the world's
`kind` labels (the recognizers are in `recognize.py`, public as `simharness.drivers`). This file is also a
template for your own driver: any Python file exposing a callable with this signature is a target
(`--target py:path/to/file.py:run_with_model_fallback`).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import simpy

from simharness.drivers import CallContext, Candidate, JSError, OnErrorFn, RunFn, is_coordination_error
from simharness.drivers import classifier as C
from simharness.drivers.openclaw_2026_5_20 import summary_error


def run_with_model_fallback(
    ctx: CallContext,
    candidates: Sequence[Candidate],
    run: RunFn,
    on_error: OnErrorFn,
) -> Generator[simpy.Event, Any, Any]:
    attempts: list[tuple[str, str, str, str]] = []  # (provider, model, error text, reason)
    last_error: JSError | None = None
    total = len(candidates)
    for i, (provider, model) in enumerate(candidates):
        try:
            result = yield from run(provider, model)
        except JSError as raw:
            if is_coordination_error(raw):
                raise  # a local coordination error: the same object, before coercion and any bookkeeping
            coerced = C.coerce_to_failover_error(raw, provider, model)
            if C.should_rethrow_abort(raw) and coerced is None:
                raise  # a user abort ends the call as it is
            err = coerced if coerced is not None else raw
        else:
            return result
        if C.is_likely_context_overflow(err.message):
            raise err
        if not C.is_failover_error(err) and i == total - 1:
            raise err
        last_error = err
        text, reason = C.describe_failover(err)
        attempts.append((provider, model, text, reason))
        on_error({"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": total})
    raise summary_error(attempts, last_error, total)
