"""`harness-fails-closed`: a missing agent harness ends the call at once: no later candidate runs, no onError,
and the very same error reaches the caller.

openclaw's driver rethrows a `MissingAgentHarnessError` as it is (2026.5.x: `if (isMissingAgentHarnessError(err))
throw err`): without the requested harness no candidate can run as asked, and trying the next one would run the
prompt under a runtime the user did not choose. Decided per call that returned or threw, when the attempt that
had to end it (`calls.stop`) failed with an error the oracle classed `terminal` whose root is the world's
`missing_harness`. The first departure is the verdict.
"""

from __future__ import annotations

from simharness.check.calls import Call
from simharness.check.verdicts import Verdicts, departure_shape, fail
from simharness.model.kinds import EventKind
from simharness.model.target import Profile

INVARIANT = "harness-fails-closed"
ROOT = "missing_harness"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    halt = c.halt if c.has_outcome else None
    if halt is None or halt.category != "terminal" or halt.outcome.data.get("root") != ROOT:
        return
    assert c.end is not None
    v.checked[INVARIANT] += 1
    end, outcome = c.end, halt.outcome
    later = c.runs[halt.position + 1 :]
    reported = [e for e, runs in zip(c.on_errors, c.on_error_runs) if runs > halt.position]
    shape = departure_shape(outcome)
    what = f"{outcome.data['shape']} from {halt.start.data['candidate']}"
    if later:
        fail(
            v, INVARIANT, f"call {c.call}: {what} did not fail closed: {later[0][0].data['candidate']} ran next", later[0][0], c.call, shape
        )
    elif end.kind != EventKind.CALL_RAISE:
        fail(v, INVARIANT, f"call {c.call}: {what} was swallowed (the call returned)", end, c.call, shape)
    elif end.data.get("err") != outcome.data["err"]:
        caller_got = f"{end.data.get('name')}: {end.data.get('message')}"
        fail(v, INVARIANT, f"call {c.call}: {what} was not rethrown as it is; caller got {caller_got}", end, c.call, shape)
    elif reported:
        fail(v, INVARIANT, f"call {c.call}: onError was called for {what}", reported[0], c.call, shape)
