"""`coordination-single-run`: a pure coordination error runs `run` once and rethrows the very same error; no
onError, no summary.

Decided per call that returned or threw, when the attempt that had to end it (`calls.stop`) failed with an
error the oracle classed `coordination` (not applicable when the target's profile does not know one of its
kinds): no attempt ran after it, the call threw, what it threw is that very error object (same uid), and no
onError came once that attempt had run. The first of these that fails is the verdict.
"""

from __future__ import annotations

from simharness.check.calls import Call, coordination_halt
from simharness.check.verdicts import Verdicts, departure_shape, fail
from simharness.model.kinds import EventKind
from simharness.model.target import Profile

INVARIANT = "coordination-single-run"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    halt = coordination_halt(c, profile, v, INVARIANT)
    if halt is None:
        return
    assert c.end is not None
    end, outcome = c.end, halt.outcome
    later = c.runs[halt.position + 1 :]
    # any onError once the coordination attempt ran, whatever it carries (a copy, None, a string)
    reported = [e for e, runs in zip(c.on_errors, c.on_error_runs) if runs > halt.position]
    shape = departure_shape(outcome)
    what = f"{outcome.data['shape']} from {halt.start.data['candidate']}"
    if later:
        fail(v, INVARIANT, f"call {c.call}: {what} did not stop the chain: run executed {len(c.runs)} times", later[0][0], c.call, shape)
    elif end.kind != EventKind.CALL_RAISE:
        fail(v, INVARIANT, f"call {c.call}: {what} was swallowed (the call returned)", end, c.call, shape)
    elif end.data.get("err") != outcome.data["err"]:
        caller_got = f"{end.data.get('name')}: {end.data.get('message')}"
        fail(v, INVARIANT, f"call {c.call}: {what} was not rethrown as the same object; caller got {caller_got}", end, c.call, shape)
    elif reported:
        fail(v, INVARIANT, f"call {c.call}: onError was called for {what}", reported[0], c.call, shape)
