"""A faithful port of openclaw 2026.5.20's `runWithModelFallback`, as a simpy generator: the release's own
behaviour, its departures included (a takeover behind an AbortError's `reason` walks the chain; it knows no
2026.8+ coordination error). Differential runs judge the real 2026.5.20 against this port; the embedded
`reference` target is the contract instead (`reference.py`).

Ported from the published dist (`dist/model-fallback-*.js`), keeping its order of checks exactly: the error
comes back from `runFallbackCandidate` already coerced to a FailoverError when it classifies; a user abort is
rethrown from there; then the coordination check (before any bookkeeping), the context-overflow rethrow, the
unclassified-on-last-candidate rethrow, the recorded attempt, `onError`, and finally the summary.

Run it: `--target py:simharness/drivers/openclaw_2026_5_20.py:run_with_model_fallback`.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import simpy

from simharness.drivers import PROVIDER_KINDS, CallContext, Candidate, JSError, OnErrorFn, Profile, RunFn
from simharness.drivers import classifier as C

#: The kinds 2026.5.x's runtime can throw, as its dist defines them (what `simharness target list` detects
#: for the real 2026.5.18 and 2026.5.20): the embedded takeover, the session write lock, GatewayDrainingError.
SIMHARNESS_PROFILE = Profile(
    "embedded-lock+runtime-coordination",
    PROVIDER_KINDS | {"takeover", "lock_timeout", "gateway_draining"},
    "openclaw 2026.5.x (a faithful port)",
)


def run_with_model_fallback(
    ctx: CallContext,
    candidates: Sequence[Candidate],
    run: RunFn,
    on_error: OnErrorFn,
    *,
    coordination_check: bool = True,
) -> Generator[simpy.Event, Any, Any]:
    attempts: list[tuple[str, str, str, str]] = []  # (provider, model, error text, reason)
    last_error: JSError | None = None
    total = len(candidates)
    for i, (provider, model) in enumerate(candidates):
        try:
            result = yield from run(provider, model)
        except JSError as raw:
            # runFallbackCandidate: coerce first; an abort that is not a timeout ends the call as it is
            coerced = C.coerce_to_failover_error(raw, provider, model)
            if C.should_rethrow_abort(raw) and coerced is None:
                raise
            err = coerced if coerced is not None else raw
        else:
            return result
        if coordination_check and C.is_coordination_error(err):
            raise err  # a local coordination error: the same object, before any bookkeeping
        if C.is_likely_context_overflow(err.message):
            raise err
        known = C.is_failover_error(err)
        if not known and i == total - 1:
            raise err
        last_error = err
        text, reason = C.describe_failover(err)
        attempts.append((provider, model, text, reason))
        on_error({"provider": provider, "model": model, "error": err, "attempt": i + 1, "total": total})
    raise summary_error(attempts, last_error, total)


def summary_error(attempts: list[tuple[str, str, str, str]], last_error: JSError | None, total: int) -> JSError:
    """`throwFallbackFailureSummary`: the raw last error for at most one attempt, else `All models failed`."""
    if len(attempts) <= 1 and last_error is not None:
        return last_error
    parts = " | ".join(f"{p}/{m}: {text} ({reason})" for p, m, text, reason in attempts) or "unknown"
    return JSError(
        f"All models failed ({len(attempts) or total}): {parts}",
        name="FallbackSummaryError",
        cause=last_error,
        kind="summary",
        fields={"attempts": [{"provider": p, "model": m, "error": t, "reason": r} for p, m, t, r in attempts]},
    )
