"""`success-stops`: the first success is returned and no later candidate runs.

Decided per call that returned or threw, when the attempt that had to end it (`calls.stop`) is a success: no
attempt ran after it, and the call returned exactly the value that attempt produced.
"""

from __future__ import annotations

from simharness.check.calls import Call
from simharness.check.verdicts import Verdicts, fail
from simharness.model.kinds import EventKind
from simharness.model.target import Profile

INVARIANT = "success-stops"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    halt = c.halt if c.has_outcome else None
    if halt is None or halt.category != "ok":
        return
    assert c.end is not None
    end = c.end
    v.checked[INVARIANT] += 1
    later = c.runs[halt.position + 1 :]
    if later:
        fail(
            v,
            INVARIANT,
            f"call {c.call}: {later[0][0].data['candidate']} ran after {halt.start.data['candidate']} succeeded",
            later[0][0],
            c.call,
        )
    elif end.kind != EventKind.CALL_RETURN or end.data.get("value") != halt.outcome.data.get("value"):
        fail(v, INVARIANT, f"call {c.call}: success of {halt.start.data['candidate']} was not returned", end, c.call)
