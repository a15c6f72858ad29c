"""`chain-accounted`: every candidate up to where the call ended was attempted, or skipped or refused with a
recorded reason.

Decided per call that returned or threw, in a world with a store. Where the call ended decides how much of the
chain it owes an account of:
- a return: up to the candidate whose success was returned (`calls.stop`);
- a throw of openclaw's summary ("All models failed (N): …", the form `summary-honest` reads): the whole chain;
- any other throw (a coordination or terminal error, a refusal or a raw error rethrown): up to the attempt that
  ended it (`calls.stop`, else the last attempt); a throw with no attempt at all is not judged here.
Each candidate up to there needs one of: a `run.start` in this call (a runner's refusal comes with its own, so
it counts as attempted), or a `candidate.skip` with a non-empty reason; a candidate both skipped and attempted
breaks it too. A skip must also be true: where the world recorded what the driver's store snapshot said of the
provider's keys (`cooling`, on a Python target's skip: the world's runner keeps that store), every key must have
been unusable for the model at the call's start, and the skip's reason one the store gave (a release's skips
are not judged this way: its own view of its store is its own). Candidates a live model switch jumped over are exempt (`switch-goes-to-target`). Catches a chain
that stops early (openclaw #25926: 2 of 17) and 8.1+'s silent drop of a provider after a `tls_certificate`.
"""

from __future__ import annotations

from collections.abc import Mapping

from simharness.check.calls import Call, jumped, same_model, switch_jump
from simharness.check.cooldown_ledger import CooldownLedger
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.kinds import EventKind
from simharness.model.target import Profile
from simharness.model.trace import Event

INVARIANT = "chain-accounted"

#: openclaw's summary of a whole chain (the form `summary-honest` reads).
SUMMARY_PREFIX = "All models failed ("


def judge(ledger: CooldownLedger, calls: Mapping[int, Call], profile: Profile, v: Verdicts) -> None:
    for c in calls.values():
        if not c.has_outcome:
            continue
        assert c.end is not None and c.end_index is not None
        chain = [str(x) for x in c.start.data.get("chain", [])]
        last = _owed(c, chain)
        if last is None:
            continue
        v.checked[INVARIANT] += 1
        skips = ledger.skips.get(c.call, [])
        problem = _problem(c, chain, last, skips) or _untrue(skips)
        if problem is not None:
            ended = "returned" if c.end.kind == EventKind.CALL_RETURN else "threw"
            message = f"call {c.call}: {problem} before the call {ended} ({last + 1} of {len(chain)} candidates owed an account)"
            v.violations.append(Violation(INVARIANT, message, c.end.t, c.call, c.end_index))


def _position(chain: list[str], candidate: str) -> int | None:
    return next((i for i, x in enumerate(chain) if same_model(x, candidate)), None)


def _owed(c: Call, chain: list[str]) -> int | None:
    """The last chain position the call owes an account of, or None when it is not judged."""
    assert c.end is not None
    if c.end.kind == EventKind.CALL_RETURN:
        halt = c.halt
        if halt is None or halt.category != "ok":
            return None  # a result no success produced: driver-contract's verdict
        return _position(chain, str(halt.start.data.get("candidate")))
    if str(c.end.data.get("message", "")).startswith(SUMMARY_PREFIX):
        return len(chain) - 1 if chain else None
    if c.halt is not None:
        return _position(chain, str(c.halt.start.data.get("candidate")))
    if c.runs:
        return _position(chain, str(c.runs[-1][0].data.get("candidate")))
    return None


def _untrue(skips: list[Event]) -> str | None:
    """The first skip the store did not justify, described (only skips that carry the snapshot's `cooling`)."""
    for e in skips:
        cooling = e.data.get("cooling")
        if not isinstance(cooling, dict):
            continue
        candidate, reason = e.data.get("candidate"), e.data.get("reason")
        usable = sorted(k for k, why in cooling.items() if not why)
        if usable or not cooling:
            return f"{candidate} was skipped ({reason}) although key {usable[0] if usable else '(none)'} was usable for it at the call's start"
        if reason not in set(cooling.values()):
            said = ", ".join(f"{k}: {why}" for k, why in sorted(cooling.items()))
            return f"{candidate} was skipped as {reason}, but the store said {said}"
    return None


def _problem(c: Call, chain: list[str], last: int, skips: list[Event]) -> str | None:
    """The first candidate up to `last` that has no account (or two), described; None when all have one."""
    exempt: set[int] = set()
    for i in jumped(c):
        start, outcome = c.runs[i]
        at = _position(chain, str(start.data.get("candidate")))
        target = None if outcome is None else outcome.data.get("switch")
        jump = None if at is None or target is None else switch_jump(chain, at, str(target))
        if at is not None and jump is not None:
            exempt.update(range(at + 1, jump))
    runs = [str(start.data.get("candidate")) for start, _ in c.runs]
    skipped = [(str(e.data.get("candidate")), str(e.data.get("reason") or "")) for e in skips]
    for i in range(last + 1):
        if i in exempt:
            continue
        candidate = chain[i]
        ran = next((k for k, r in enumerate(runs) if same_model(r, candidate)), None)
        told = next((k for k, (s, reason) in enumerate(skipped) if same_model(s, candidate) and reason), None)
        if ran is not None and told is not None:
            if not any(same_model(x, candidate) for x in chain[i + 1 : last + 1]):
                return f"{candidate} was both skipped ({skipped[told][1]}) and attempted"
            skipped.pop(told)  # the same candidate again later in the chain: this position was the skip
            continue
        if ran is not None:
            runs.pop(ran)
            continue
        if told is not None:
            skipped.pop(told)
            continue
        if any(same_model(s, candidate) for s, _ in skipped):
            return f"{candidate} was skipped without a recorded reason"
        return f"{candidate} was neither attempted nor skipped with a reason"
    return None
