"""`cooldown-survives-failure`: a cooldown that a failed attempt sets survives that attempt (no "mark good" after
a failure).

Decided for each attempt with a key whose provider request failed (or that the runtime marked failed), in a
world with a store: no success may be written on that key for that attempt (openclaw #84457: the embedded
runner's unguarded "done" branch marks the failed key good and wipes the cooldown it just set).

Only the world's own runner is judged (`store.write` by "runner": a Python target's marks, made with its own
store policy). When the marks come from a real release (by "release", the bridge's runner stand-in calling the
release's markAuthProfileFailure/Success), the decision to mark is the harness's, not the release's: those
attempts count as not applicable, never as held. A success on a sibling model that wipes the failed model's
entry is not this invariant's business (`no-attempt-before-deadline` catches what follows).
"""

from __future__ import annotations

from collections.abc import Mapping

from simharness.check.calls import Call
from simharness.check.cooldown_ledger import CooldownLedger, ms
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.target import Profile

INVARIANT = "cooldown-survives-failure"


def judge(ledger: CooldownLedger, calls: Mapping[int, Call], profile: Profile, v: Verdicts) -> None:
    release = ledger.by_release
    for a in ledger.attempts:
        if a.profile is None:
            continue
        failures = [w for _, w in a.writes if w.data.get("cause") == "failure"]
        if not (a.provider_failed or failures):
            continue
        if release:
            v.not_applicable[INVARIANT] += 1
            continue
        v.checked[INVARIANT] += 1
        for index, w in a.writes:
            if w.data.get("cause") != "success":
                continue
            how = f"marked failed ({failures[0].data.get('reason')})" if failures else "failed at the provider"
            message = (
                f"call {a.call}: the attempt of {a.candidate} on key {a.profile} {how}, then the key was marked good "
                f"at {ms(w.t)}, wiping the cooldown"
            )
            v.violations.append(Violation(INVARIANT, message, w.t, a.call, index))
            break
