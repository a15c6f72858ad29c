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

State between calls (worlds with an `[auth]` table only; without one `ctx.store` is None and nothing below runs):
before each candidate the driver reads the call's store snapshot (`ctx.store`), as openclaw's does. When every
key of the candidate's provider is cooling down for its model (`cooldown_decision`), it either probes it
(`run(p, m, probe=True)`: the primary candidate only, only for a transient reason — rate_limit or overloaded —
only when the window ends within 2 min, and at most once per provider per 30 s of virtual time, the throttle kept
in `ctx.run_state`), or skips it: `ctx.skip(p, m, reason, message)`, and the skip is an entry of the summary's
attempts with its reason (as openclaw lists skipped candidates). A billing- or auth-disabled key is never probed.

It recognizes errors the way a real driver can — by name, code and status — and never reads the world's
`kind` labels (the recognizers are in `recognize.py`, public as `simharness.drivers`). This file is also a
template for your own driver: any Python file exposing a callable with this signature is a target
(`--target py:path/to/file.py:run_with_model_fallback`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Sequence
from typing import Any

import simpy

from simharness.drivers import CallContext, Candidate, JSError, OnErrorFn, RunFn, StoreView, is_coordination_error
from simharness.drivers import classifier as C
from simharness.drivers.openclaw_2026_5_20 import Attempt, candidate_error, describe, summary_error, switch_failover
from simharness.drivers.recognize import contract_failover, format_error_message, is_missing_harness, live_switch_target, switch_index

#: Reasons a cooling primary may be probed for (a transient quota or capacity fault); billing/auth never.
TRANSIENT_REASONS = frozenset({"rate_limit", "overloaded"})
#: At most one probe of a provider per this many virtual ms per run (openclaw's `MIN_PROBE_INTERVAL_MS`).
PROBE_INTERVAL_MS = 30_000
#: A probe only when the provider's soonest key becomes usable within this margin (openclaw's `PROBE_MARGIN_MS`).
PROBE_MARGIN_MS = 120_000
#: Which reason names a skip when the provider's keys cool down for different reasons (openclaw's priority).
_REASON_PRIORITY = ("auth_permanent", "auth", "billing", "format", "model_not_found", "overloaded", "timeout", "rate_limit")
_THROTTLE = "reference.last_probe"  # ctx.run_state key: {provider: virtual ms of its last probe}


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
    store: StoreView | None = getattr(ctx, "store", None)  # None: no [auth] table, no state between calls
    while i < total:
        provider, model = candidates[i]
        probe = False
        if store is not None:
            decision = cooldown_decision(store, ctx.run_state, ctx.now, provider, model, primary=i == 0)
            if decision is not None and decision[0] == "skip":
                _, reason, message = decision
                ctx.skip(provider, model, reason, message)
                attempts.append((provider, model, message, reason, None, None))  # the summary lists it, with its reason
                i += 1
                continue
            probe = decision is not None and takes_probe(run)  # a `run` wrapped by a driver written before probes: none
        try:
            result = yield from (run(provider, model, probe=True) if probe else run(provider, model))
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


def cooldown_decision(
    store: StoreView, run_state: dict[str, Any], now: int, provider: str, model: str, *, primary: bool
) -> tuple[str, str, str] | None:
    """What to do with a candidate whose provider may be cooling down: None (attempt it), ("probe", reason, "")
    or ("skip", reason, message). Reads the call's snapshot: a window that ended since the call started no longer
    holds (`soonest_expiry` has passed), as openclaw compares its snapshot's deadlines with `Date.now()`."""
    keys = store.profiles(provider)
    if not keys or not all(store.in_cooldown(key, model) for key in keys):
        return None
    soonest = store.soonest_expiry(provider, model)
    if soonest is not None and now >= soonest:
        return None  # a key's window ended during this call
    reasons = [store.unavailable_reason(key, model) or "unknown" for key in keys]
    reason = next((r for r in _REASON_PRIORITY if r in reasons), reasons[0])
    last_probes: dict[str, int] = run_state.setdefault(_THROTTLE, {})
    last = last_probes.get(provider)
    if (
        primary
        and all(r in TRANSIENT_REASONS for r in reasons)
        and (last is None or now - last >= PROBE_INTERVAL_MS)
        and (soonest is None or now >= soonest - PROBE_MARGIN_MS)
    ):
        last_probes[provider] = now
        return ("probe", reason, "")
    if reason in ("auth", "auth_permanent"):
        return ("skip", reason, f"Provider {provider} has {reason} issue (skipping all models)")
    return ("skip", reason, f"Provider {provider} is in cooldown for {model}")


def takes_probe(run: Callable[..., Any]) -> bool:
    """Whether `run` accepts `probe=` (the world's does; a driver's own wrapper around it may not)."""
    try:
        params = inspect.signature(run).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "probe" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
