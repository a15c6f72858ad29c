"""`retry-after-kept`: a provider's Retry-After is kept: the stored deadline is never shorter than the longest
Retry-After still running (nor shortened by a later, shorter one).

Decided on the store's failure writes, in a world with a store. Only a recorded failure write (a reason, not a
failure the runtime leaves off the key) with `retry_after_ms > 0` (the world's truth: what the provider said)
establishes R(key, model) = write time + Retry-After, no cap; the longest one still running stands until a
success of that model through the key. After every recorded failure write on a key, each R of that key still
running must be covered: the deadline the entries declare for that model (its own scope or key-wide) is at
least R. Catches a Retry-After ignored (openclaw #24810 / #111072: +30 s stored for Retry-After 600 s), a re-cool
that keeps the first, shorter window (LiteLLM #40130), and a later, shorter deadline overwriting a longer one.
Also: a rate limit that came with a Retry-After must leave a recorded failure write on its key (a runtime that never
records the rate limit keeps no Retry-After at all, and would otherwise leave nothing here to judge).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from simharness.check.calls import Call
from simharness.check.cooldown_ledger import CooldownLedger, ms, until_for
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.target import Profile

INVARIANT = "retry-after-kept"
#: The faults whose Retry-After a runtime must record: a rate limit, bare or holding a coordination error (every
#: release records `rate_limit`; a 503's or a timeout's Retry-After goes unrecorded on every release, by design).
RATE_LIMITS = frozenset({"rate_limit", "rate_limit_nested_lock", "explicit_nested_coordination"})


class _Kept(NamedTuple):
    until: int  # when the provider's Retry-After ends
    at: int  # the write that carried it
    retry_after_ms: int


def judge(ledger: CooldownLedger, calls: Mapping[int, Call], profile: Profile, v: Verdicts) -> None:
    _recorded(ledger, v)
    kept: dict[tuple[str, str], _Kept] = {}  # (profile, model) -> the longest Retry-After still standing
    for index, w in ledger.writes:
        d = w.data
        key, model, t = d.get("profile"), d.get("model"), w.t
        if key is None or model is None:
            continue
        if d.get("cause") == "success":
            kept.pop((key, model), None)
            continue
        if d.get("cause") != "failure" or not d.get("reason"):
            continue
        retry_after = int(d.get("retry_after_ms") or 0)
        held = kept.get((key, model))
        if retry_after > 0 and (held is None or held.until <= t or t + retry_after > held.until):
            kept[(key, model)] = _Kept(t + retry_after, t, retry_after)
        running = [(m, r) for (k, m), r in kept.items() if k == key and r.until > t]
        if not running:
            continue
        v.checked[INVARIANT] += 1
        after = d.get("after", {})
        for m, r in sorted(running):
            stored = until_for(after, m)
            if stored is not None and stored >= r.until:
                continue
            kept_to = "no deadline" if stored is None else f"a deadline of {ms(stored)}"
            message = (
                f"call {d.get('call')}: after the {d.get('reason')} of {d.get('provider')}/{model} on key {key} at {ms(t)} the store "
                f"keeps {kept_to} for {m}, but the Retry-After of {r.retry_after_ms} ms given at {ms(r.at)} runs to {ms(r.until)}"
            )
            v.violations.append(Violation(INVARIANT, message, t, d.get("call"), index))
            break


def _recorded(ledger: CooldownLedger, v: Verdicts) -> None:
    """Every provider failure with a Retry-After left a recorded failure write on its key (for its attempt)."""
    for f in ledger.faults:
        if f.retry_after_ms <= 0 or f.call is None or f.fault not in RATE_LIMITS:
            continue
        attempt = next(
            (a for a in reversed(ledger.by_call.get(f.call, [])) if a.profile == f.profile and a.model == f.model and a.start.t <= f.t),
            None,
        )
        if attempt is None:
            continue
        v.checked[INVARIANT] += 1
        if any(w.data.get("cause") == "failure" and w.data.get("reason") for _, w in attempt.writes):
            continue
        message = (
            f"call {f.call}: the {f.fault} of {f.provider}/{f.model} on key {f.profile} at {ms(f.t)} came with a Retry-After "
            f"of {f.retry_after_ms} ms, but the store recorded no failure for it: nothing keeps the key off until {ms(f.until)}"
        )
        v.violations.append(Violation(INVARIANT, message, f.t, f.call, f.index))
