"""`sibling-not-blocked`: a model-scoped failure never blocks a sibling model: no candidate is skipped or refused
because of failures the world scoped to other models.

Decided for each candidate the driver skipped (`candidate.skip`) or the runner refused (`runner.refused`) in a
world with a store: the skip or refusal says every key of the provider was unusable for that model. It breaks
the invariant when some key of the provider had no reason of its own to be unusable for the model, yet a
failure the world scoped to another model of that key was standing (openclaw #10375 / #56112: an overload on
one model blocks another; #141255: a second scoped failure widens the cooldown to the whole key).

A key has a reason of its own for model m (generously: any of these excuses it) when, before the decision:
- a fault the world scoped to (key, m), to the key, or to the whole provider was recorded and no success
  covering it came after (a success of m through the key for a model-scoped one, any success through the key
  for a key-scoped one, any success of the provider for a provider-scoped one), or its Retry-After still runs;
- the runtime recorded a failure of m on the key (any reason) with no success of m through the key after it;
- the runtime recorded a failure on the key that no world fault explains (a timeout, a hang: the world gave it
  no scope), with no success of that model through the key after it;
- a seed (a billing-disabled key) still declares the key unusable.
A skip is judged on the driver's snapshot (the store at the call's start) as well as at the skip itself: either
excuses it. A refusal is judged on the store at the refusal.
"""

from __future__ import annotations

from collections.abc import Mapping

from simharness.check.calls import Call
from simharness.check.cooldown_ledger import CooldownLedger, TruthFault, ms, split, until_for
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.kinds import EventKind
from simharness.model.target import Profile

INVARIANT = "sibling-not-blocked"


def judge(ledger: CooldownLedger, calls: Mapping[int, Call], profile: Profile, v: Verdicts) -> None:
    for index, e in ledger.decisions:
        v.checked[INVARIANT] += 1
        candidate = str(e.data.get("candidate", ""))
        provider, model = split(candidate)
        call: int = e.data.get("call", -1)
        points = [index]
        if e.kind == EventKind.CANDIDATE_SKIP and (start := ledger.call_starts.get(call)) is not None:
            points.append(start)
        for key in ledger.keys_of(provider, index):
            if any(_excused(ledger, provider, key, model, at, e.t) for at in points):
                continue
            blame = _blamed(ledger, key, model, index)
            if blame is None:
                continue
            what = "skipped" if e.kind == EventKind.CANDIDATE_SKIP else "refused by the runner"
            message = (
                f"call {call}: {candidate} was {what} at {ms(e.t)} although key {key} was blocked for it only by a "
                f"failure of {blame.provider}/{blame.model} ({blame.fault} at {ms(blame.t)}, scoped to that model)"
            )
            v.violations.append(Violation(INVARIANT, message, e.t, call, index))
            break


def _excused(ledger: CooldownLedger, provider: str, key: str, model: str, at: int, t: int) -> bool:
    """The key had a reason of its own to be unusable for `model` at trace index `at`, time `t`."""
    explained: set[tuple[object, str, str]] = set()  # (call, profile, model) of the faults the world scoped
    for f in ledger.faults:
        if f.index >= at:
            break
        explained.add((f.call, f.profile, f.model))
        if f.scope == "model" and (f.profile != key or f.model != model):
            continue
        if f.scope == "key" and f.profile != key:
            continue
        if f.scope == "provider" and f.provider != provider:
            continue
        if f.until > t or not _cleared(ledger, f, at):
            return True
    for i, w in ledger.writes:
        if i >= at:
            break
        d = w.data
        if d.get("profile") != key:
            continue
        cause = d.get("cause")
        if cause == "seed":
            until = until_for(d.get("after", {}), model)
            if until is not None and until > t:
                return True
            continue
        if cause != "failure":
            continue
        own = d.get("model") == model
        unexplained = (d.get("call"), key, d.get("model")) not in explained
        if (own or unexplained) and not any(
            s.data.get("profile") == key and s.data.get("model") == d.get("model") for s in ledger.successes(i, at)
        ):
            return True
    return False


def _cleared(ledger: CooldownLedger, f: TruthFault, at: int) -> bool:
    """A success after the fault (before `at`) covers what it blocked."""
    for s in ledger.successes(f.index, at):
        d = s.data
        if f.scope == "provider" and d.get("provider") == f.provider:
            return True
        if f.scope == "key" and d.get("profile") == f.profile:
            return True
        if f.scope == "model" and d.get("profile") == f.profile and d.get("model") == f.model:
            return True
    return False


def _blamed(ledger: CooldownLedger, key: str, model: str, at: int) -> TruthFault | None:
    """The latest fault the world scoped to another model of `key`, still standing (no success of that model
    through the key since) at trace index `at`."""
    blame = None
    for f in ledger.faults:
        if f.index >= at:
            break
        if f.scope == "model" and f.profile == key and f.model != model and not _cleared(ledger, f, at):
            blame = f
    return blame
