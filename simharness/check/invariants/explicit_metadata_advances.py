"""`explicit-metadata-advances`: an error with explicit provider metadata advances through the chain in order,
each candidate once, even when a coordination error is nested inside.

Decided per call that returned or threw, for each attempt before the one that had to end the call
(`calls.stop`) whose error the oracle classed `explicit`: that attempt ran the chain's candidate at its
position, and the next attempt (which must exist while the chain has candidates left) ran the next candidate. (A
live model switch to a later candidate moves the positions of the attempts after it: `calls.chain_positions`; in
worlds with [auth], a candidate the driver skipped with a recorded reason, `candidate.skip`, is passed over.)
"""

from __future__ import annotations

from simharness.check.calls import Call, chain_positions, next_unrecorded
from simharness.check.verdicts import Verdicts, departure_shape, fail
from simharness.model.target import Profile

INVARIANT = "explicit-metadata-advances"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    if not c.has_outcome:
        return
    assert c.end is not None
    end = c.end
    chain: list[str] = c.start.data["chain"]
    positions = None  # each attempt's chain position, worked out only if needed: i, unless a live switch jumped
    for i, (start, outcome) in enumerate(c.runs_before_halt()):
        if outcome is None or outcome.data["category"] != "explicit":
            continue
        v.checked[INVARIANT] += 1
        positions = chain_positions(c) if positions is None else positions
        p = positions[i]
        ran = start.data["candidate"]
        shape = departure_shape(outcome)
        if p >= len(chain) or ran != chain[p]:
            expected = chain[p] if p < len(chain) else "nothing"
            fail(v, INVARIANT, f"call {c.call}: attempt {i + 1} ran {ran}, not {expected}", start, c.call, shape)
            continue
        q = next_unrecorded(c, p + 1)  # the next candidate not skipped with a record
        if q < len(chain) and i + 1 >= len(c.runs):
            fail(v, INVARIANT, f"call {c.call}: {outcome.data['shape']} from {ran} did not advance to {chain[q]}", end, c.call, shape)
        elif q < len(chain) and c.runs[i + 1][0].data["candidate"] != chain[q]:
            nxt = c.runs[i + 1][0]
            message = f"call {c.call}: after {ran} the driver ran {nxt.data['candidate']}, not {chain[q]}"
            fail(v, INVARIANT, message, nxt, c.call, shape)
