"""`no-idle-burn`: a coordination error costs no more virtual time than the attempt that raised it.

Decided per call that returned or threw, when the attempt that had to end it (`calls.stop`) failed with an
error the oracle classed `coordination` (not applicable when the target's profile does not know one of its
kinds): the call ended at the very virtual instant that attempt failed (no retry, backoff or sleep after it).
"""

from __future__ import annotations

from simharness.check.calls import Call, coordination_halt
from simharness.check.verdicts import Verdicts, departure_shape, fail
from simharness.model.target import Profile

INVARIANT = "no-idle-burn"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    halt = coordination_halt(c, profile, v, INVARIANT)
    if halt is None:
        return
    assert c.end is not None
    end, outcome = c.end, halt.outcome
    if end.t != outcome.t:
        what = f"{outcome.data['shape']} from {halt.start.data['candidate']}"
        message = f"call {c.call}: {what} at {outcome.t} ms, but the call ended at {end.t} ms"
        fail(v, INVARIANT, message, end, c.call, departure_shape(outcome))
