"""`terminal-stops`: a terminal error (a user abort, a context overflow, the command lane's timeout) ends the call
at once and reaches the caller as openclaw hands it on: no later candidate runs, no `onError` for it, and the
caller gets that error itself — or, for a context overflow, the driver's own error carrying it.

Decided per call that returned or threw, when the attempt that had to end it (`calls.stop`) failed with an
error the oracle classed `terminal`. The first departure is the verdict, in this order:
1. no attempt ran after it;
2. the call threw (it did not return);
3. what the caller got, per kind (`CALLER_GETS`, from the root kind the world recorded on `run.raise`):
   - `same`: the very error `run` threw (`call.raise` names its uid). A user abort and the command lane's
     timeout: every release 2026.5.18 - 2026.9.6 rethrows the object itself (probes/terminal, all positions
     in the chain), and openclaw's own test of the lane timeout says `rejects.toBe(timeoutError)`.
   - `carried`: that error, or an error of the driver's own that carries it through its links (`call.raise`'s
     `wraps`: the first world error reached from it). A context overflow: 5.18 - 6.35 rethrow it as it is,
     7.1 - 9.6 as their coerced `FailoverError` (reason `context_overflow`) whose `cause` is it; an
     overflow behind a cause: every release rethrows its `FailoverError` (reason `format`) whose `cause` is
     the error `run` threw. A copy (same name and message, another object) or a made-up error carries
     nothing and fails either rule.
4. no `onError` came for it: every release reports the failures before it and never the terminal one.
A missing harness is terminal too, but what its caller gets and the `onError` rule are `harness-fails-closed`'s
verdict (the same promise, its own invariant): here it is judged on (1) only.
"""

from __future__ import annotations

from simharness.check.calls import Call, Stop
from simharness.check.verdicts import Verdicts, departure_shape, fail
from simharness.model.kinds import EventKind
from simharness.model.target import Profile
from simharness.model.trace import Event

INVARIANT = "terminal-stops"

#: What the caller must get, per root kind of the terminal error (`run.raise`'s `root`); any other terminal
#: root is judged `carried`. Evidence: probes/terminal/results (6 releases x 3 chain positions).
CALLER_GETS: dict[str, str] = {
    "abort": "same",  # a user abort (the caller's signal fired): the object itself, every release
    "command_lane_timeout": "same",  # rethrown before it is classified, every release; openclaw's test: toBe
    "context_overflow": "carried",  # itself (5.18 - 6.35) or a FailoverError whose cause it is (7.1+)
    "overflow_cause": "carried",  # a FailoverError (reason format) whose cause it is, every release
}
#: Terminal roots another invariant judges past "no later attempt" (what the caller gets, onError).
ELSEWHERE = frozenset({"missing_harness"})  # harness-fails-closed


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    halt = c.halt if c.has_outcome else None
    if halt is None or halt.category != "terminal":
        return
    assert c.end is not None
    v.checked[INVARIANT] += 1
    outcome = halt.outcome
    what = f"{outcome.data['shape']} from {halt.start.data['candidate']}"
    shape = departure_shape(outcome)
    later = c.runs[halt.position + 1 :]
    if later:
        nxt = later[0][0]
        fail(v, INVARIANT, f"call {c.call}: {what} did not end the call: {nxt.data['candidate']} ran next", nxt, c.call, shape)
        return
    root = outcome.data.get("root")
    if root in ELSEWHERE:
        return
    end = c.end
    if end.kind != EventKind.CALL_RAISE:
        fail(v, INVARIANT, f"call {c.call}: {what} was swallowed (the call returned)", end, c.call, shape)
        return
    problem = caller_problem(end, outcome, CALLER_GETS.get(str(root), "carried"))
    if problem is not None:
        fail(
            v,
            INVARIANT,
            f"call {c.call}: {what} {problem}; the caller got {end.data.get('name')}: {end.data.get('message')!r}",
            end,
            c.call,
            shape,
        )
        return
    reported = reports_of(c, halt)
    if reported:
        fail(v, INVARIANT, f"call {c.call}: onError was called for {what}, which ended the call", reported[0], c.call, shape)


def caller_problem(end: Event, outcome: Event, rule: str) -> str | None:
    """What is wrong with the error the caller got (`end`, a call.raise) for the terminal `outcome`, or None."""
    err = outcome.data.get("err")
    if err is None or end.data.get("err") == err:
        return None  # the very same object (or a terminal error the world could not name: nothing to compare)
    if rule == "same":
        return "was not rethrown as it is"
    if end.data.get("err") is None and end.data.get("wraps") == err:
        return None  # the driver's own error carrying it (openclaw's FailoverError with it as `cause`)
    return "was neither rethrown nor carried by the driver's error"


def reports_of(c: Call, halt: Stop) -> list[Event]:
    """The onError reports naming the terminal attempt's candidate that came after that attempt started."""
    candidate = halt.start.data["candidate"]
    return [e for e, runs in zip(c.on_errors, c.on_error_runs) if runs > halt.position and e.data.get("candidate") == candidate]
