"""`failover-advances`: a timeout, a Node network code without a status, or an HTTP 400/422 with no body never
ends the call while the chain has candidates left: the next candidate runs. On the last candidate a network
code ends as a failover (a FailoverError or the summary, never the raw error).

The contract, measured (probes/network/: 2026.5.18, 5.20, 6.35, 7.35, 8.2 and 9.6 alike; openclaw's own tests
"falls back on ECONNREFUSED / ENETUNREACH / EHOSTUNREACH / EAI_AGAIN"): every network code (ECONNRESET,
ECONNREFUSED, ETIMEDOUT, ENOTFOUND, EAI_AGAIN, ENETUNREACH, EHOSTUNREACH) is classified `timeout`, reported to
`onError` and falls back; with the chain exhausted the caller gets `All models failed (N): ... (timeout)`, or
with one attempt the FailoverError the code was coerced to. A request or idle timeout (a TimeoutError, "LLM idle
timeout") does the same, bare, behind a cause or 25 causes deep. A bodiless 400/422 is unclassified: it falls
back while candidates remain (reported to `onError`, reason `unknown`) and on the last candidate the very
object `run` threw is rethrown, unreported.
These are plain provider errors, no class of any runtime's, and every release handles them alike, so no
profile makes them not applicable.

Decided per call that returned or threw, for each attempt before the one that had to end the call
(`calls.stop`) whose failure the oracle classed `timeout` (a request or idle timeout, a provider's or the run's
own abort, a network code) or whose root is the world's `no_body`:
- with candidates left after its chain position: the next attempt exists and runs the next candidate (a live
  model switch earlier in the call moves the positions: `calls.chain_positions`);
- when it is the call's last attempt, on the chain's last candidate, its root a network code or a bodiless
  400/422, and the error `run` threw itself (not behind a wrapper): a network code must not reach the caller
  raw. (Whether a summary lists the attempts honestly is
  `summary-honest`'s call; an explicit-metadata failure is `explicit-metadata-advances`'.)

Not judged: what the caller gets for a bodiless 400/422 on the last candidate. Every probed release rethrows
the very object `run` threw, but that is openclaw's choice, not a promise a driver breaks by summarizing the
attempts instead (the summary's honesty is `summary-honest`'s call).
Not judged here: a failure the oracle classes `unknown` in general (message-only, plain objects, shaped
failures): the oracle labels a context overflow behind an SDK's wrapper `unknown` although it ends the call.
"""

from __future__ import annotations

from simharness.check.calls import Call, chain_positions, next_unrecorded
from simharness.check.verdicts import Verdicts, departure_shape, fail
from simharness.model.kinds import EventKind
from simharness.model.target import Profile
from simharness.model.trace import Event

INVARIANT = "failover-advances"
#: The oracle's categories that must advance while candidates remain (besides `explicit`, judged elsewhere).
CATEGORIES = frozenset({"timeout"})
#: The world's roots judged whatever their category: the bodiless 400/422 (`unknown`) and the network code.
ROOTS = frozenset({"network", "no_body"})
#: Roots judged on the last candidate too, when thrown bare: the driver must classify them, so they end as its own
#: error (a FailoverError or the summary), never raw. (A bare request or idle timeout also ends there as a
#: failover on every probed release, but is left out: a world whose only candidate hangs must stay one that
#: exercises no contract invariant, tests/test_no_vacuous_pass.py.)
LAST = frozenset({"network"})


def _judged(outcome: Event) -> bool:
    return outcome.data.get("category") in CATEGORIES or outcome.data.get("root") in ROOTS


def judge(c: Call, profile: Profile, v: Verdicts) -> None:
    if not c.has_outcome:
        return
    assert c.end is not None
    end = c.end
    chain: list[str] = c.start.data["chain"]
    before = c.runs_before_halt()
    if not any(outcome is not None and outcome.kind == EventKind.RUN_RAISE and _judged(outcome) for _, outcome in before):
        return  # the common case, on the judge's hot path
    positions = chain_positions(c)
    for i, (start, outcome) in enumerate(before):
        if outcome is None or outcome.kind != EventKind.RUN_RAISE or not _judged(outcome):
            continue
        p = positions[i]
        ran = start.data["candidate"]
        shape = departure_shape(outcome)
        what = f"{outcome.data['shape']} from {ran}"
        q = next_unrecorded(c, p + 1)  # the next candidate not skipped with a record ([auth] worlds)
        if q < len(chain):
            v.checked[INVARIANT] += 1
            if i + 1 >= len(c.runs):
                fail(v, INVARIANT, f"call {c.call}: {what} ended the call; {chain[q]} never ran", end, c.call, shape)
            elif c.runs[i + 1][0].data["candidate"] != chain[q]:
                nxt = c.runs[i + 1][0]
                message = f"call {c.call}: after {what} the driver ran {nxt.data['candidate']}, not {chain[q]}"
                fail(v, INVARIANT, message, nxt, c.call, shape)
        elif outcome.data.get("root") in LAST and i + 1 == len(c.runs) and p == len(chain) - 1 and outcome.data.get("depth") == 0:
            _judge_last(c, end, outcome.data, what, shape, v)


def _judge_last(c: Call, end: Event, data: dict[str, object], what: str, shape: str, v: Verdicts) -> None:
    """The chain's last candidate failed with one of `LAST`, thrown bare: how the call ended."""
    if end.kind != EventKind.CALL_RAISE:
        return  # a returned value after a failure is driver-contract's verdict
    v.checked[INVARIANT] += 1
    if end.data.get("err") == data["err"]:
        message = f"call {c.call}: {what} on the last candidate reached the caller raw, not as a timeout failover"
        fail(v, INVARIANT, message, end, c.call, shape)
