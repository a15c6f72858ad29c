"""`driver-contract`: the driver ran the chain it was given: no exception or exit of its own, no result that
`run` did not produce, no candidate outside the chain.

Decided per call, one verdict per call (the first breach): a breach the world recorded as `driver.misuse`
(also for a call that never ended, since the breach may be what left it stuck); a crash (an exception,
`SystemExit` or `KeyboardInterrupt` of the driver's own); an end without running any candidate; an end while a
`run` was unfinished (an abandoned attempt); a returned value no run produced (`fabricated`). A crash by
unbounded recursion is checked here but is `terminates`'s violation.
"""

from __future__ import annotations

from simharness.check.calls import Call
from simharness.check.verdicts import Verdicts, fail_at
from simharness.model.kinds import EventKind
from simharness.model.target import Profile
from simharness.model.trace import Event

INVARIANT = "driver-contract"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    end = c.end
    if end is None:  # `terminates` says the call never ended; a breach the world saw is a verdict of its own
        if c.misuse is not None:
            v.checked[INVARIANT] += 1
            fail_at(v, INVARIANT, _misuse_message(c, c.misuse[1]), c.misuse, c.call)
        return
    v.checked[INVARIANT] += 1
    assert c.end_index is not None
    message = _breach(c, end)
    if message is not None:
        fail_at(v, INVARIANT, message, c.misuse or (c.end_index, end), c.call)


def _misuse_message(c: Call, e: Event) -> str:
    where = e.data.get("where")
    return f"call {c.call}: {e.data.get('message')}" + (f" at {where}" if where else "")


def _breach(c: Call, end: Event) -> str | None:
    """What the driver did against the contract in this ended call (the first breach), or None when it held."""
    if c.misuse is not None:
        return _misuse_message(c, c.misuse[1])
    data = end.data
    where = f" at {data.get('where')}" if data.get("where") else ""
    if end.kind == EventKind.CALL_CRASH:
        if data.get("recursion"):  # the cycle case: a walk with no end, which is what `terminates` is about
            return None
        kind, text = data.get("type"), data.get("message")
        if kind == "SystemExit":
            what = f"exited (SystemExit: {text})"
        elif kind == "KeyboardInterrupt":
            what = f"raised a KeyboardInterrupt of its own: {text!r}"
        else:
            what = f"raised {kind}: {text}" if text else f"raised {kind}"
        return f"call {c.call}: the driver {what}{where}"
    if not c.runs and not c.skips:  # ([auth] worlds) every candidate skipped with a reason accounts for the chain
        outcome = (
            f"returned {data.get('value')!r}" if end.kind == EventKind.CALL_RETURN else f"threw {data.get('name')}: {data.get('message')!r}"
        )
        return f"call {c.call}: the driver{where} {outcome} without running any candidate"
    unfinished = next((start for start, outcome in c.runs if outcome is None), None)
    if unfinished is not None:
        return f"call {c.call}: the driver ended the call while run({unfinished.data['candidate']}) was unfinished (an abandoned attempt)"
    if data.get("fabricated"):
        made = [o.data.get("value") for _, o in c.runs if o is not None and o.kind == EventKind.RUN_OK]
        produced = " or ".join(repr(x) for x in made) if made else "nothing (every attempt failed)"
        return f"call {c.call}: the driver{where} returned {data.get('value')!r}, which no run produced (run returned {produced})"
    return None
