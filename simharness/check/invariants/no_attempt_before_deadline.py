"""`no-attempt-before-deadline`: no candidate is attempted before the cooldown deadline the runtime itself wrote,
except the runtime's stated probe.

Decided for each attempt that used a key (`run.start` with `profile`), in a world with a store: when the
runtime's own latest deadline for (key, model) or (key, key-wide) was still running (`CooldownLedger`: the
`until` its writes declared, not cleared by a success covering it), the attempt must be a probe (`probe: true`,
openclaw's allowTransientCooldownProbe), and that probe must be the runtime's stated one (openclaw's rule, read
from its model-fallback chunk, 5.18-9.6): a probe of the chain's primary at most once per provider per
`PROBE_INTERVAL_MS` (30 s) in the run, and a probe of any candidate at most once per provider per call (the
"transient probe slot" a cooling fallback gets, with no time throttle), and only when every key of the provider
was cooling (judged where the world recorded the driver's snapshot: a Python target's probe). The ledger keeps a model's deadline when a success on a sibling model wipes the key's entry (openclaw
resets the whole entry on any success), so the next ordinary attempt of that model inside its window is caught.
"""

from __future__ import annotations

from collections.abc import Mapping

from simharness.check.calls import Call
from simharness.check.cooldown_ledger import PROBE_INTERVAL_MS, CooldownLedger, ms
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.target import Profile

INVARIANT = "no-attempt-before-deadline"


def judge(ledger: CooldownLedger, calls: Mapping[int, Call], profile: Profile, v: Verdicts) -> None:
    last_probe: dict[str, tuple[int, int]] = {}  # provider -> (virtual time, call) of its latest primary probe in this run
    probed: set[tuple[int, str]] = set()  # (call, provider) that already probed
    for a in ledger.attempts:
        t = a.start.t
        call = calls.get(a.call)
        primary = call is not None and call.start.data["chain"][:1] == [a.candidate]
        earlier = last_probe.get(a.provider) if primary else None  # only the primary's probes are throttled by time
        twice = (a.call, a.provider) in probed
        if a.probe:
            if primary:
                last_probe[a.provider] = (t, a.call)
            probed.add((a.call, a.provider))
        if a.profile is None:
            continue  # refused: it reached no provider (`sibling-not-blocked` judges refusals)
        v.checked[INVARIANT] += 1
        cooling = a.start.data.get("cooling")  # a Python target's probe: what its store snapshot said of each key
        usable = sorted(k for k, why in cooling.items() if not why) if isinstance(cooling, dict) and a.probe else []
        if usable:  # openclaw grants a probe only when every key is cooling; the runner spends it on the first key
            message = f"call {a.call}: {a.candidate} was probed at {ms(t)} although key {usable[0]} was usable for it at the call's start"
            v.violations.append(Violation(INVARIANT, message, t, a.call, a.index))
            continue
        d = a.declared
        if d is None:
            continue
        why = f"before the deadline the runtime wrote for it (until {ms(d.until)}{', ' + d.reason if d.reason else ''})"
        head = f"call {a.call}: {a.candidate} ran on key {a.profile} at {ms(t)}, {why}"
        if not a.probe:
            message = f"{head}, and not as a probe"
        elif twice:
            message = f"{head}: a second probe of {a.provider} in one call"
        elif earlier is not None and t - earlier[0] < PROBE_INTERVAL_MS:
            gap = t - earlier[0]
            message = (
                f"{head}: a probe of the primary only {gap} ms after call {earlier[1]}'s (at most one per {PROBE_INTERVAL_MS} ms)"
            )
        else:
            continue
        v.violations.append(Violation(INVARIANT, message, t, a.call, a.index))
