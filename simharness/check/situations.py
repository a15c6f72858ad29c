"""`sometimes` reachability: which of the situations a suite promises to reach (`model.kinds.SITUATIONS`) this
run reached. A passing verdict means little if the run never met the case it is about.

Counted in the judge's single pass, from the same events the checkers see; two situations need whole calls
(`success_after_fallback`, `coordination_rethrown`) and are settled once the pass has gathered them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from simharness.check.calls import Call, Handlers
from simharness.check.verdicts import Verdicts
from simharness.model.kinds import VOCABULARY_SITUATIONS, EventKind
from simharness.model.trace import Event

#: Situations one event marks by its kind alone.
_BY_KIND: dict[str, str] = {
    EventKind.LOCK_STALE_TAKEOVER: "stale_lock_takeover",
    EventKind.TAKEOVER_DETECTED: "takeover_detected",
    EventKind.WRITER_GAVE_UP: "writer_gave_up",
    EventKind.RUNTIME_REFUSED: "runtime_coordination",
}


class SituationTally:
    """Marks the situations the events show; `verdict` adds the ones that need the gathered calls."""

    def __init__(self) -> None:
        self.situations: set[str] = set()
        self.in_flight = 0
        self.shaped: set[tuple[str, str]] = set()  # (failure, form) of the `shaped` faults seen
        self.successes: list[Event] = []  # run.ok events with a value: `success_after_fallback` once calls are complete

    def _by_kind(self, index: int, e: Event) -> None:
        self.situations.add(_BY_KIND[e.kind])

    def _lock_timeout(self, index: int, e: Event) -> None:
        if e.data["owner"].startswith("session-"):
            self.situations.add("lock_timeout")

    def _request(self, index: int, e: Event) -> None:
        if e.data["fault"] == "hang":
            self.situations.add("provider_hang")

    def _fault(self, index: int, e: Event) -> None:
        fault = e.data["fault"]
        if fault == "rate_limit_nested_lock":
            self.situations.add("rate_limit_nested_lock")
        elif fault in VOCABULARY_SITUATIONS:
            self.situations.add(VOCABULARY_SITUATIONS[fault])
        elif fault == "model_switch":
            if e.data.get("last"):
                self.situations.add("model_switch_on_last")
            elif e.data["switch"] in ("later", "current"):
                self.situations.add(f"model_switch_{e.data['switch']}")
        elif fault == "shaped":
            self.shaped.add((e.data["failure"], e.data["form"]))
            if len({form for _, form in self.shaped}) > 1:
                self.situations.add("shapes_compared")

    def _run_raise(self, index: int, e: Event) -> None:
        data, reached = e.data, self.situations
        if data["category"] == "coordination" and "-->" in data["shape"]:
            reached.add("nested_coordination")
            if data["shape"].startswith("AbortError"):
                reached.add("abort_wrapped_coordination")
            if set(data["coord"]) - {"takeover", "lock_timeout"}:
                reached.add("runtime_coordination_wrapped")
        elif data["category"] == "explicit" and data["coord"]:
            reached.add("explicit_nested_coordination")

    def _run_ok(self, index: int, e: Event) -> None:
        if e.data.get("value"):
            self.successes.append(e)

    def _call_start(self, index: int, e: Event) -> None:
        self.in_flight += 1
        if self.in_flight > 1:
            self.situations.add("concurrent_calls")

    def _call_end(self, index: int, e: Event) -> None:
        self.in_flight -= 1
        if e.kind == EventKind.CALL_RAISE and e.data.get("message", "").startswith("All models failed"):
            self.situations.add("chain_exhausted")

    HANDLERS: ClassVar[Handlers] = {
        **dict.fromkeys(_BY_KIND, _by_kind),
        EventKind.LOCK_TIMEOUT: _lock_timeout,
        EventKind.PROVIDER_REQUEST: _request,
        EventKind.PROVIDER_FAULT: _fault,
        EventKind.RUN_RAISE: _run_raise,
        EventKind.RUN_OK: _run_ok,
        EventKind.CALL_START: _call_start,
        **dict.fromkeys((EventKind.CALL_RETURN, EventKind.CALL_RAISE, EventKind.CALL_CRASH), _call_end),
    }

    def verdict(self, calls: Iterable[Call], v: Verdicts) -> None:
        call_list = list(calls)
        v.situations |= self.situations
        if any(_nth_run(call_list, e) > 1 for e in self.successes):
            v.situations.add("success_after_fallback")
        for c in call_list:
            if c.end is not None and c.end.kind == EventKind.CALL_RAISE:
                uids = {
                    o.data["err"]
                    for _, o in c.runs
                    if o is not None and o.kind == EventKind.RUN_RAISE and o.data["category"] == "coordination"
                }
                if c.end.data.get("err") in uids:
                    v.situations.add("coordination_rethrown")


def _nth_run(calls: Iterable[Call], event: Event) -> int:
    """Which attempt of its call `event` (a run's outcome) ended: 1 for the first, 0 when no call holds it."""
    for c in calls:
        if c.call == event.data["call"]:
            for n, (_, outcome) in enumerate(c.runs, 1):
                if outcome is event:
                    return n
    return 0
