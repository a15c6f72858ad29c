"""A faithful port of openclaw 2026.5.20's `runWithModelFallback`, as a simpy generator: the release's own
behaviour, its departures included (a takeover behind an AbortError's `reason` walks the chain; it knows no
2026.8+ coordination error). Differential runs judge the real 2026.5.20 against this port; the embedded
`reference` target is the contract instead (`reference.py`).

Ported from the published dist (`dist/model-fallback-BoGT_OvT.js`), keeping its order of checks exactly:

- `runFallbackCandidate`: a `CommandLaneTaskTimeoutError` is rethrown before anything is classified; the error
  is coerced to a FailoverError when it classifies (with the candidate's provider as the classifier's hint); a
  user abort (an AbortError that is not a timeout and does not classify) is rethrown as it is;
- the loop, on the (coerced) error: the coordination check (before any bookkeeping); a context overflow in the
  message joined with its causes (`formatErrorMessage`) is rethrown; a `MissingAgentHarnessError` fails closed;
  a `LiveSessionModelSwitchError` jumps to its target when the target is a later candidate (no attempt, no
  `onError`), else it is recorded as an `unknown` FailoverError and the loop goes on, still without `onError`;
  an unclassified error on the last candidate is rethrown raw; otherwise the attempt is recorded, `onError` is
  called, and the next candidate runs;
- `throwFallbackFailureSummary`: the last error when at most one attempt was recorded, else
  `All models failed (N): p/m: <error> (<reason>) | ...` with its attempts (status and code only where the
  error had them).
- state between calls (worlds with an `[auth]` table only: `ctx.store` is None otherwise and none of this runs):
  before each candidate, when no key of its provider is usable for its model (5.20's store arithmetic,
  `openclaw_2026_5_20_store.py`, judged at `ctx.now`), `resolveCooldownDecision`: auth / auth_permanent skip
  ("has <reason> issue (skipping all models)"); billing probes only a primary; otherwise the primary is probed
  when the throttle is open (one probe per provider per 30 s, `lastProbeAttempt`, kept in `ctx.run_state` as the
  bridge's per-run agentDir keeps it) and its soonest key frees within 2 min, a fallback is probed for a
  transient reason (rate_limit, overloaded, unknown, ...) once per provider per call, and everything else is
  skipped ("is in cooldown (suspending lanes)"). A skip is an attempt of the summary with its reason.
  `SIMHARNESS_STORE_POLICY` gives the world 5.20's store arithmetic for this port.

Run it: `--target py:simharness/drivers/openclaw_2026_5_20.py:run_with_model_fallback`.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import simpy

from simharness.drivers import PROVIDER_KINDS, PROVIDER_RULE_KINDS, CallContext, Candidate, JSError, OnErrorFn, Profile, RunFn
from simharness.drivers import classifier as C
from simharness.drivers.openclaw_2026_5_20_store import Openclaw520Policy, profiles_unavailable_reason, soonest_cooldown_expiry
from simharness.drivers.recognize import (
    format_error_message,
    is_command_lane_timeout,
    is_missing_harness,
    js_string,
    live_switch_target,
    switch_index,
)

#: The kinds 2026.5.x's runtime can throw, as its dist defines them (what `simharness target list` detects
#: for the real 2026.5.18 and 2026.5.20): the embedded takeover, the session write lock, GatewayDrainingError.
SIMHARNESS_PROFILE = Profile(
    "embedded-lock+runtime-coordination",
    PROVIDER_KINDS | PROVIDER_RULE_KINDS | {"takeover", "lock_timeout", "gateway_draining"},
    "openclaw 2026.5.x (a faithful port)",
)

#: 5.20's store arithmetic: the world's runner applies it for this port ([auth] worlds).
SIMHARNESS_STORE_POLICY = Openclaw520Policy()
#: `MIN_PROBE_INTERVAL_MS`, `PROBE_MARGIN_MS` (model-fallback-*.js).
MIN_PROBE_INTERVAL_MS = 30_000
PROBE_MARGIN_MS = 120_000
#: `shouldAllowCooldownProbeForReason`, `shouldUseTransientCooldownProbeSlot`, `shouldPreserveTransientCooldownProbeSlot`.
PROBE_REASONS = frozenset(
    {"rate_limit", "overloaded", "billing", "unknown", "empty_response", "no_error_details", "unclassified", "timeout"}
)
TRANSIENT_PROBE_REASONS = PROBE_REASONS - {"billing"}
PRESERVE_PROBE_SLOT = frozenset({"model_not_found", "format", "auth", "auth_permanent", "session_expired"})
_THROTTLE = "openclaw-2026.5.20.lastProbeAttempt"  # ctx.run_state key: {provider: virtual ms of its last probe}

#: One recorded attempt: (provider, model, error text, reason, status, code), as `describeFailoverError` gives them.
Attempt = tuple[str, str, str, str, Any, Any]


def run_with_model_fallback(
    ctx: CallContext,
    candidates: Sequence[Candidate],
    run: RunFn,
    on_error: OnErrorFn,
    *,
    coordination_check: bool = True,
) -> Generator[simpy.Event, Any, Any]:
    attempts: list[Attempt] = []
    last_error: JSError | None = None
    total = len(candidates)
    store = getattr(ctx, "store", None)  # None: no [auth] table
    probe_used: set[str] = set()  # `cooldownProbeUsedProviders`
    i = 0
    while i < total:
        provider, model = candidates[i]
        probe, probe_slot = False, False
        if store is not None:
            decided = cooldown_decision(ctx, candidates, i, probe_used)
            if decided is not None and decided[0] == "skip":
                _, text, reason = decided
                ctx.skip(provider, model, reason, text)
                attempts.append((provider, model, text, reason, None, None))
                i += 1
                continue
            probe, probe_slot = decided is not None and decided[0] != "attempt", decided is not None and decided[0] == "transient"
        try:
            result = yield from (run(provider, model, probe=True) if probe else run(provider, model))
        except JSError as raw:
            err = candidate_error(raw, provider, model)  # may re-raise `raw` (command-lane timeout, user abort)
        else:
            return result
        if coordination_check and C.is_coordination_error(err):
            raise err  # a local coordination error: the same object, before any bookkeeping
        if probe_slot and describe(provider, model, err)[3] not in PRESERVE_PROBE_SLOT:
            probe_used.add(provider)  # one transient probe of a provider per call
        if C.is_likely_context_overflow(format_error_message(err)):
            raise err
        if is_missing_harness(err):
            raise err  # fails closed: no other model can run without the harness
        normalized = C.coerce_to_failover_error(err, provider, model) or err
        target = live_switch_target(err)
        if target is not None:
            jump = switch_index(target, candidates, i)
            if jump is not None:
                i = jump  # straight to the requested selection: no attempt recorded, no onError
                continue
            last_error = switch_failover(err, provider, model)
            attempts.append(describe(provider, model, last_error))
            i += 1  # recorded as an unknown failover, still without onError
            continue
        known = C.is_failover_error(normalized)
        if not known and i == total - 1:
            raise err
        last_error = normalized if known else err
        attempts.append(describe(provider, model, normalized))
        on_error({"provider": provider, "model": model, "error": last_error, "attempt": i + 1, "total": total})
        i += 1
    raise summary_error(attempts, last_error, total)


def candidate_error(raw: JSError, provider: str, model: str) -> JSError:
    """`runFallbackCandidate`'s catch: the error the loop sees (coerced when it classifies), or `raw` re-raised."""
    if is_command_lane_timeout(raw):
        raise raw  # the caller's own lane timeout: rethrown before it is classified
    coerced = C.coerce_to_failover_error(raw, provider, model)
    if C.should_rethrow_abort(raw) and coerced is None:
        raise raw  # a user abort ends the call as it is
    return coerced if coerced is not None else raw


def switch_failover(err: JSError, provider: str, model: str) -> JSError:
    """The `unknown` FailoverError a live switch with no later target becomes: its message, no status, no code."""
    return JSError(err.message, name="FailoverError", kind="failover", fields={"reason": "unknown", "provider": provider, "model": model})


def describe(provider: str, model: str, err: Any) -> Attempt:
    """`describeFailoverError` as an attempt records it: error text (`rawError ?? message`), reason, status, code."""
    if C.is_failover_error(err):
        raw = err.fields.get("rawError")  # `rawError ?? message`: an empty rawError is kept
        reason = err.reason if isinstance(err.reason, str) else err.fields.get("reason")  # a JS graph's own `reason`
        return (provider, model, err.message if raw is None else str(raw), reason, err.status, err.code)
    signal = C.signal_of(err)
    return (provider, model, signal.message or js_string(err), C.failover_reason(err) or "unknown", signal.status, signal.code)


def summary_error(attempts: Sequence[tuple[Any, ...]], last_error: JSError | None, total: int) -> JSError:
    """`throwFallbackFailureSummary`: the raw last error for at most one attempt, else `All models failed`.

    An attempt is `(provider, model, error text, reason[, status, code])`."""
    if len(attempts) <= 1 and last_error is not None:
        return last_error
    parts = " | ".join(f"{a[0]}/{a[1]}: {a[2]}" + (f" ({a[3]})" if a[3] else "") for a in attempts) or "unknown"
    records = []
    for a in attempts:
        record = {"provider": a[0], "model": a[1], "error": a[2], "reason": a[3]}
        status, code = (a[4], a[5]) if len(a) > 5 else (None, None)
        record |= {k: v for k, v in (("status", status), ("code", code)) if v is not None}
        records.append(record)
    cause = last_error if isinstance(last_error, JSError) and not last_error.plain else None  # `instanceof Error` only
    return JSError(
        f"All models failed ({len(attempts) or total}): {parts}",
        name="FallbackSummaryError",
        cause=cause,
        kind="summary",
        fields={"attempts": records},
    )


def cooldown_decision(ctx: CallContext, candidates: Sequence[Candidate], i: int, probe_used: set[str]) -> tuple[str, str, str] | None:
    """The cooldown branch of 5.20's loop for candidate `i`: None when a key is usable (attempt as usual), else
    ("skip", error text, reason), ("probe" | "transient", "", reason) (run with `allowTransientCooldownProbe`) or
    ("attempt", "", reason) (run without: the runner refuses)."""
    assert ctx.store is not None
    provider, model = candidates[i]
    policy, now = SIMHARNESS_STORE_POLICY, ctx.now
    keys = [policy.clear_expired(ctx.store.entries(k), now) for k in ctx.store.profiles(provider)]  # resolveAuthProfileOrder
    if not keys or any(not policy.in_cooldown(e, now, model) for e in keys):
        return None
    primary, fallbacks, requested = i == 0, len(candidates) > 1, candidates[i] == candidates[0]
    throttle: dict[str, int] = ctx.run_state.setdefault(_THROTTLE, {})
    last = throttle.get(provider)
    throttle_open = last is None or now - last >= MIN_PROBE_INTERVAL_MS  # (the bridge's epoch makes a first probe open)
    soonest = soonest_cooldown_expiry(keys, now, model)
    should_probe = primary and fallbacks and throttle_open and (soonest is None or now >= soonest - PROBE_MARGIN_MS)
    reason = profiles_unavailable_reason(keys, now) or "unknown"
    if reason in ("auth", "auth_permanent"):
        return ("skip", f"Provider {provider} has {reason} issue (skipping all models)", reason)
    suspend = ("skip", f"Provider {provider} is in cooldown (suspending lanes)", reason)
    if reason == "billing":
        if not (primary and (should_probe or (not fallbacks and throttle_open))):
            return suspend
        mark = True
    elif not ((primary and (not requested or should_probe)) or (not primary and reason in TRANSIENT_PROBE_REASONS)):
        return suspend
    else:
        mark = primary and should_probe
    if mark:
        throttle[provider] = now  # markProbeAttempt
    if reason not in PROBE_REASONS:
        return ("attempt", "", reason)
    if reason in TRANSIENT_PROBE_REASONS:
        if provider in probe_used:
            return ("skip", f"Provider {provider} is in cooldown (probe already attempted this run)", reason)
        return ("transient", "", reason)
    return ("probe", "", reason)
