"""The reference target: the contract of PR #83550 as a correct driver, and the quick start's default.

It is openclaw 2026.5.20's `runWithModelFallback` (`openclaw_2026_5_20.py`, a faithful port) with the one
decision every real release gets wrong somewhere made as DESIGN.md states it: *is this a local coordination
error?* A coordination error — the embedded takeover, the session write-lock timeout, or any 2026.8+ runtime
coordination error (`ActiveTurnClaimError`, `GatewayDrainingError`, ...) — reached through any link an SDK
or runtime uses (`cause`, `error`, `reason`, `errors[]`, `suppressed`, within openclaw's depth limit of 25),
and with no explicit provider metadata anywhere in the graph, is rethrown at once: the same object, before
the error is coerced, recorded or reported. Explicit metadata (an HTTP status, a provider code such as
`RESOURCE_EXHAUSTED`) wins, even over a coordination error nested inside: the driver advances. Everything
else is 2026.5.20's own loop (`openclaw_2026_5_20.py`): the command-lane timeout and user-abort rethrows,
coercion, the context-overflow rethrow (the message joined with its causes), a missing harness failing closed,
a live model switch jumping to its target without `onError` (and never reaching the caller itself), attempts,
`onError`, and the `All models failed (N): ...` summary.

A second decision follows from the same contract (one provider failure, one decision: the
`same-failure-same-decision` invariant): where 2026.5.20's classifier leaves an error unclassified although its
shape names a provider failure — an HTTP status only in axios's `response.status` or in a thrown plain body's
numeric `code`, or Anthropic's own "invalid x-api-key" text — the reference classifies it as that status would
be (`recognize.contract_failover`), instead of rethrowing it raw on the last candidate. Real releases that do
not are findings, not the contract.

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
from simharness.drivers.openclaw_2026_5_20 import Attempt, candidate_error, describe, summary_error, switch_failover
from simharness.drivers.recognize import contract_failover, format_error_message, is_missing_harness, live_switch_target, switch_index


def run_with_model_fallback(
    ctx: CallContext,
    candidates: Sequence[Candidate],
    run: RunFn,
    on_error: OnErrorFn,
) -> Generator[simpy.Event, Any, Any]:
    attempts: list[Attempt] = []
    last_error: JSError | None = None
    total = len(candidates)
    i = 0
    while i < total:
        provider, model = candidates[i]
        try:
            result = yield from run(provider, model)
        except JSError as raw:
            if is_coordination_error(raw):
                raise  # a local coordination error: the same object, before coercion and any bookkeeping
            err = candidate_error(raw, provider, model)  # a command-lane timeout or a user abort: rethrown as it is
            if not C.is_failover_error(err):
                err = contract_failover(err, provider, model) or err  # the shape hid the status from 5.20
        else:
            return result
        if C.is_likely_context_overflow(format_error_message(err)):
            raise err  # in the message or anywhere in its cause chain
        if is_missing_harness(err):
            raise err  # fails closed
        normalized = C.coerce_to_failover_error(err, provider, model) or err
        target = live_switch_target(err)
        if target is not None:
            jump = switch_index(target, candidates, i)
            if jump is not None:
                i = jump  # straight to the requested selection: no attempt, no onError
                continue
            last_error = switch_failover(err, provider, model)  # never the switch itself (#58466)
            attempts.append(describe(provider, model, last_error))
            i += 1
            continue
        if not C.is_failover_error(normalized) and i == total - 1:
            raise err
        last_error = normalized if C.is_failover_error(normalized) else err
        attempts.append(describe(provider, model, normalized))
        on_error({"provider": provider, "model": model, "error": last_error, "attempt": i + 1, "total": total})
        i += 1
    raise summary_error(attempts, last_error, total)
