"""`terminates`: every driver call ends within the step and virtual-time budget.

Decided per call: a call with no `call.return`, `call.raise` or `call.crash` never ended (the driver is stuck
waiting); a crash the world marked `recursion` is a walk with no end (a cycle walked without a seen-set). Unless
the world recorded a contract breach first: then the crash is `driver-contract`'s verdict alone. Runs the
watchdog had to stop are judged by the runner, which replaces these verdicts with its own.
"""

from __future__ import annotations

from simharness.check.calls import Call
from simharness.check.verdicts import Verdicts, fail, fail_at
from simharness.model.kinds import EventKind
from simharness.model.target import Profile

INVARIANT = "terminates"


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    v.checked[INVARIANT] += 1
    end = c.end
    if end is None:
        fail(v, INVARIANT, f"call {c.call} of {c.session} never ended (the driver is stuck waiting)", c.start, c.call)
        return
    if end.kind != EventKind.CALL_CRASH or not end.data.get("recursion") or c.misuse is not None:
        return
    assert c.end_index is not None
    where = f" at {end.data.get('where')}" if end.data.get("where") else ""
    message = f"call {c.call}: the driver recursed without bound{where} (a cycle walked without a seen-set?)"
    fail_at(v, INVARIANT, message, (c.end_index, end), c.call)
