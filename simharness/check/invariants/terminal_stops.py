"""`terminal-stops`: a context overflow or a user abort ends the call at once: no later candidate runs.

Decided per call that returned or threw, when the attempt that had to end it (`calls.stop`) failed with an
error the oracle classed `terminal`: no attempt ran after it. (What the caller got is `summary-honest`'s call.)
"""

from __future__ import annotations

from simharness.check.calls import Call
from simharness.check.verdicts import Verdicts, departure_shape, fail
from simharness.model.target import Profile

INVARIANT = "terminal-stops"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    halt = c.halt if c.has_outcome else None
    if halt is None or halt.category != "terminal":
        return
    v.checked[INVARIANT] += 1
    later = c.runs[halt.position + 1 :]
    if later:
        nxt = later[0][0]
        what = f"{halt.outcome.data['shape']} from {halt.start.data['candidate']}"
        message = f"call {c.call}: {what} did not end the call: {nxt.data['candidate']} ran next"
        fail(v, INVARIANT, message, nxt, c.call, departure_shape(halt.outcome))
