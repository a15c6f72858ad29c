"""`success-resets-errors`: a success resets the key's error counts and the cooldown that covered the succeeding
model.

Decided in a world with a store, on two things:
- every success write (`store.write` cause "success") on key k for model m: the entries it leaves that cover m
  (m's own, and the key-wide one unless openclaw's `cooldownModel` narrows it to another model) have
  `errorCount` 0, no `failureCounts`, and declare no deadline still running for m (openclaw #17853: counts that
  never reset escalate cooldowns from 1 to 60 minutes);
- every attempt that succeeded through a key (`run.ok` after a `run.start` with `profile`) caused a success
  write on that key before its call ended.
"""

from __future__ import annotations

from collections.abc import Mapping

from simharness.check.calls import Call
from simharness.check.cooldown_ledger import KEY, CooldownLedger, ms, until_for
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.kinds import EventKind
from simharness.model.target import Profile

INVARIANT = "success-resets-errors"


def judge(ledger: CooldownLedger, calls: Mapping[int, Call], profile: Profile, v: Verdicts) -> None:
    found: list[Violation] = []
    for index, w in ledger.writes:
        d = w.data
        if d.get("cause") != "success" or d.get("model") is None:
            continue
        v.checked[INVARIANT] += 1
        model, key = str(d["model"]), d.get("profile")
        after = d.get("after", {})
        head = f"call {d.get('call')}: after a success of {d.get('provider')}/{model} on key {key} at {ms(w.t)}"
        problem = None
        for scope, stats in sorted(after.items()):
            if scope != model and not (scope == KEY and stats.get("cooldownModel") in (None, model)):
                continue
            counts = stats.get("failureCounts") or {}
            if stats.get("errorCount") or any(counts.values()):
                errors = ", ".join(f"{r}: {n}" for r, n in sorted(counts.items())) or "none"
                problem = f"the entry {scope!r} keeps its error counts (errorCount {stats.get('errorCount', 0)}, failureCounts {errors})"
                break
        until = until_for(after, model)
        if problem is None and until is not None and until > w.t:
            problem = f"the key is still cooling down for {model} until {ms(until)}"
        if problem is not None:
            found.append(Violation(INVARIANT, f"{head} {problem}", w.t, d.get("call"), index))
    outcomes = {id(start): outcome for c in calls.values() for start, outcome in c.runs}
    for a in ledger.attempts:
        outcome = outcomes.get(id(a.start))
        if a.profile is None or outcome is None or outcome.kind != EventKind.RUN_OK:
            continue
        c = calls.get(a.call)
        if c is None or c.end_index is None:
            continue  # the call never ended: nothing owed yet
        v.checked[INVARIANT] += 1
        if any(w.data.get("cause") == "success" and i < c.end_index for i, w in a.writes):
            continue
        message = f"call {a.call}: {a.candidate} succeeded on key {a.profile} at {ms(outcome.t)} but no success was written on the key before the call ended"
        found.append(Violation(INVARIANT, message, outcome.t, a.call, a.index))
    v.violations.extend(sorted(found, key=lambda x: x.event or 0))  # in trace order
