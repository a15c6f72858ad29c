"""`switch-goes-to-target`: a live model switch runs its target next when the target lies ahead in the chain
(else the next candidate), reports no onError, and never reaches the caller itself.

openclaw's driver (2026.5.x, #58466) treats a `LiveSessionModelSwitchError` from `run` as a redirect: it jumps
to the first later candidate with the requested provider/model without recording an attempt or calling
`onError`; with no such candidate it records an `unknown` failure (still without `onError`) and moves on; on the
last candidate the call ends with a FailoverError, never the switch itself (an outer loop that catches the
switch restarts the whole run on the model that just failed, indefinitely).

Decided per call that returned or threw, for each attempt up to the one that had to end the call (`calls.stop`)
that failed with a switch (`run.raise` carries the world's `switch` target): the next attempt ran the target (or
the next candidate), no onError came between the two, and, when nothing was left to run, the caller did not
get the switch error itself.
"""

from __future__ import annotations

from simharness.check.calls import Call, chain_positions, switch_jump
from simharness.check.verdicts import Verdicts, departure_shape, fail
from simharness.model.kinds import EventKind
from simharness.model.target import Profile

INVARIANT = "switch-goes-to-target"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    if not c.has_outcome:
        return
    switches = [i for i, (_, o) in enumerate(c.runs) if o is not None and o.kind == EventKind.RUN_RAISE and "switch" in o.data]
    if not switches:
        return
    assert c.end is not None
    chain: list[str] = c.start.data["chain"]
    positions = chain_positions(c)
    last = len(c.runs) - 1 if c.halt is None else c.halt.position
    for i in switches:
        if i > last:
            break  # runs after the one that had to end the call are other invariants' verdicts
        v.checked[INVARIANT] += 1
        start, outcome = c.runs[i]
        assert outcome is not None
        target = outcome.data["switch"]
        jump = switch_jump(chain, positions[i], target)
        want = positions[i] + 1 if jump is None else jump
        reported = [e for e, runs in zip(c.on_errors, c.on_error_runs) if runs == i + 1]
        shape = departure_shape(outcome)
        what = f"a live switch to {target} from {start.data['candidate']}"
        nxt = c.runs[i + 1][0] if i + 1 < len(c.runs) else None
        if reported:
            fail(v, INVARIANT, f"call {c.call}: onError was called for {what}", reported[0], c.call, shape)
        elif want < len(chain) and nxt is None:
            fail(v, INVARIANT, f"call {c.call}: {what} ended the call; {chain[want]} should have run next", c.end, c.call, shape)
        elif want < len(chain) and nxt is not None and nxt.data["candidate"] != chain[want]:
            fail(v, INVARIANT, f"call {c.call}: after {what} the driver ran {nxt.data['candidate']}, not {chain[want]}", nxt, c.call, shape)
        elif nxt is None and c.end.kind == EventKind.CALL_RAISE and c.end.data.get("err") == outcome.data["err"]:
            fail(v, INVARIANT, f"call {c.call}: {what} on the last candidate reached the caller as it is", c.end, c.call, shape)
