"""`same-failure-same-decision`: within one world, the same provider failure presented in different shapes gets
the same fallback decision — a metamorphic relation (Chen et al.; what Hypothesis users write as "f(x) and
f(transform(x)) agree"): no oracle says what the decision must be, only that the shape must not change it.

The world's `shaped` fault (`faults.vocabulary`) presents one failure per world (a 429, a 529, a 503, a 500, a
401, a 402 or a timeout) in a form chosen per attempt: a top-level status, behind a `cause`, only in
`response.status`, a status-less JSON body, an error event after HTTP 200, `finish_reason: error`, openclaw's
friendly text, `statusCode`, a string status, a thrown plain object; a timeout as a TimeoutError, a provider
abort with a string reason, the run's own deadline (an AbortError whose reason is a TimeoutError), ... The
world records the failure and the form on `provider.fault` — ground truth a driver never sees.

A shaped attempt's decision: `advance` (another candidate ran after it in the call), `stop` (the call ended
there with candidates left), and on the chain's last candidate `rethrow` (the caller got this very error) or
`summarize` (the caller got the driver's own error: openclaw's summary or FailoverError). Attempts are compared
within (failure, last candidate or not); a group that saw two or more forms and more than one decision is a
violation, naming the first attempt of each decision. Calls that crashed are the contract's business, not this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from simharness.check.calls import Handlers
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.kinds import EventKind
from simharness.model.trace import Event

INVARIANT = "same-failure-same-decision"

_WORDS = {
    "advance": "advanced",
    "stop": "stopped the chain",
    "rethrow": "rethrew it raw",
    "summarize": "summarized",
    "return": "returned a value",
}


@dataclass(slots=True)
class _Attempt:
    candidate: str
    failure: str | None = None
    form: str | None = None
    err: int | None = None


@dataclass(slots=True)
class _Call:
    chain: list[str]
    attempts: list[_Attempt] = field(default_factory=list)
    end: Event | None = None


class SameFailureSameDecision:
    """Gathers each call's attempts and the shaped failure behind each; compares decisions once the pass is done."""

    def __init__(self) -> None:
        self.calls: dict[int, _Call] = {}

    def _start(self, index: int, e: Event) -> None:
        self.calls[e.data["call"]] = _Call(list(e.data.get("chain", ())))

    def _run_start(self, index: int, e: Event) -> None:
        if (c := self.calls.get(e.data.get("call", -1))) is not None:
            c.attempts.append(_Attempt(str(e.data.get("candidate"))))

    def _fault(self, index: int, e: Event) -> None:
        if e.data.get("fault") == "shaped" and (c := self.calls.get(e.data.get("call", -1))) is not None and c.attempts:
            c.attempts[-1].failure, c.attempts[-1].form = e.data.get("failure"), e.data.get("form")

    def _run_raise(self, index: int, e: Event) -> None:
        if (c := self.calls.get(e.data.get("call", -1))) is not None and c.attempts:
            c.attempts[-1].err = e.data.get("err")

    def _end(self, index: int, e: Event) -> None:
        if (c := self.calls.get(e.data.get("call", -1))) is not None:
            c.end = e

    HANDLERS: ClassVar[Handlers] = {
        EventKind.CALL_START: _start,
        EventKind.RUN_START: _run_start,
        EventKind.PROVIDER_FAULT: _fault,
        EventKind.RUN_RAISE: _run_raise,
        EventKind.CALL_RETURN: _end,
        EventKind.CALL_RAISE: _end,
        EventKind.CALL_CRASH: _end,
    }

    def verdict(self, v: Verdicts) -> None:
        # (failure, on the last candidate?) -> [(decision, form, call id, candidate, end event)] in call order
        groups: dict[tuple[str, bool], list[tuple[str, str, int, str, Event]]] = {}
        for call_id, c in self.calls.items():
            if c.end is None or c.end.kind == EventKind.CALL_CRASH:
                continue
            for i, a in enumerate(c.attempts):
                if a.failure is None or a.form is None or a.err is None or a.candidate not in c.chain:
                    continue
                last = c.chain.index(a.candidate) == len(c.chain) - 1
                groups.setdefault((a.failure, last), []).append((decision(c, i, last), a.form, call_id, a.candidate, c.end))
        for (failure, last), seen in groups.items():
            if len({form for _, form, *_ in seen}) < 2:
                continue  # one form only: nothing to compare
            v.checked[INVARIANT] += len(seen)
            first: dict[str, tuple[str, str, int, str, Event]] = {}
            for entry in seen:
                first.setdefault(entry[0], entry)
            if len(first) > 1:
                (d1, f1, c1, p1, _), (d2, f2, c2, p2, end2) = list(first.values())[:2]
                where = "on the last candidate" if last else "with candidates left"
                message = (
                    f"call {c2}: the same {failure} failure got two decisions {where}: as `{f1}` (call {c1}, {p1}) the driver "
                    f"{_WORDS[d1]}; as `{f2}` (call {c2}, {p2}) it {_WORDS[d2]}"
                )
                v.violations.append(Violation(INVARIANT, message, end2.t, c2, shape=f"{failure}: {f1} vs {f2}"))


def decision(c: _Call, i: int, last: bool) -> str:
    """What the driver did after attempt `i` of call `c`: advance, stop, rethrow, summarize (or return)."""
    if i + 1 < len(c.attempts):
        return "advance"
    assert c.end is not None
    if c.end.kind == EventKind.CALL_RETURN:
        return "return"
    if not last:
        return "stop"
    return "rethrow" if c.end.data.get("err") == c.attempts[i].err else "summarize"
