"""Driver calls as the per-call checkers see them: gathered from the trace in the judge's single pass.

Most invariants are about one call: its attempts (`run`), its `onError` reports and how it ended. `CallLog`
subscribes to those event kinds and assembles one `Call` per `call.start`; the checkers then judge each call
on its own. `stop` answers the question several of them share: which attempt had to end the call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from simharness.check.verdicts import Verdicts
from simharness.model.kinds import EventKind
from simharness.model.target import Profile
from simharness.model.trace import Event

#: What a subscriber of the judge's pass does with each event kind it wants: `handler(subscriber, index, event)`.
#: A table per class, not an if-chain per event: the pass is the hot path of every run.
Handlers = Mapping[str, Callable[[Any, int, Event], None]]

#: How a call ends: its driver returned, threw, or crashed (an exception or exit of the driver's own).
ENDS = frozenset({EventKind.CALL_RETURN, EventKind.CALL_RAISE, EventKind.CALL_CRASH})


@dataclass(slots=True)
class Call:
    """One driver call and what happened inside it, in trace order."""

    call: int
    session: str
    start: Event
    runs: list[tuple[Event, Event | None]] = field(default_factory=list)  # (run.start, run.ok|run.raise)
    on_errors: list[Event] = field(default_factory=list)
    on_error_runs: list[int] = field(default_factory=list)  # how many runs had started when each onError came
    faults: dict[int, Event] = field(default_factory=dict)  # run position -> its provider.fault or runner.refused
    skips: list[Event] = field(default_factory=list)  # candidate.skip events ([auth] worlds), as recorded
    end: Event | None = None
    end_index: int | None = None
    misuse: tuple[int, Event] | None = None  # the first contract breach the world recorded (index, event)
    #: The call ended by returning or throwing: its attempts can be judged (a crash's verdict is the contract's).
    has_outcome: bool = False  # settled with `halt` by `CallLog.finish`
    halt: Stop | None = None  # `stop(call)`, worked out once when the pass is done (`CallLog.finish`): six checkers ask

    def runs_before_halt(self) -> list[tuple[Event, Event | None]]:
        """The attempts a fallback decided: every run before the one that must end the call (all, without one)."""
        return self.runs if self.halt is None else self.runs[: self.halt.position]


class Stop(NamedTuple):
    """The attempt whose outcome must end the call: a success, a coordination error or a terminal error."""

    position: int  # among the call's runs
    start: Event  # its run.start
    outcome: Event  # its run.ok or run.raise
    category: str  # "ok" for a success, else the run.raise's category ("coordination" or "terminal")


def stop(c: Call) -> Stop | None:
    """The first attempt that must end the call, or None when every finished attempt may fall back.

    The attempts before it are the ones a fallback decided (only `explicit` ones are judged); the ones after
    it should not exist (`success-stops`, `coordination-single-run`, `terminal-stops` judge that)."""
    for i, (start, outcome) in enumerate(c.runs):
        if outcome is None:
            continue
        if outcome.kind == EventKind.RUN_OK:
            return Stop(i, start, outcome, "ok")
        category = outcome.data["category"]
        if category == "coordination" or category == "terminal":
            return Stop(i, start, outcome, category)
    return None


def known_to(profile: Profile, outcome: Event) -> bool:
    """The target's profile knows every coordination kind in this error: else the coordination invariants do
    not apply to it (a runtime cannot be faulted for not recognising an error class it never defines)."""
    return set(outcome.data["coord"]) <= profile.kinds


def coordination_halt(c: Call, profile: Profile, v: Verdicts, invariant: str) -> Stop | None:
    """The coordination error that had to end a call that returned or threw, counted as one check of
    `invariant`; None when there is none, or (counted not applicable) when the profile lacks one of its kinds."""
    halt = c.halt if c.has_outcome else None
    if halt is None or halt.category != "coordination":
        return None
    if not known_to(profile, halt.outcome):
        v.not_applicable[invariant] += 1
        return None
    v.checked[invariant] += 1
    return halt


class CallLog:
    """Gathers every call's runs, onError reports, end and first contract breach, keyed by call id in start order."""

    def __init__(self) -> None:
        self.calls: dict[int, Call] = {}

    def _call(self, e: Event) -> Call | None:
        call_id = e.data.get("call")
        return None if call_id is None else self.calls.get(call_id)

    def _start(self, index: int, e: Event) -> None:
        call_id = e.data.get("call")
        if call_id is not None:
            self.calls[call_id] = Call(call_id, e.actor, e)

    def _run_start(self, index: int, e: Event) -> None:
        if (c := self._call(e)) is not None:
            c.runs.append((e, None))

    def _run_end(self, index: int, e: Event) -> None:
        if (c := self._call(e)) is not None and c.runs:
            c.runs[-1] = (c.runs[-1][0], e)

    def _fault(self, index: int, e: Event) -> None:
        if (c := self._call(e)) is not None and c.runs:
            c.faults[len(c.runs) - 1] = e

    def _skip(self, index: int, e: Event) -> None:
        if (c := self._call(e)) is not None:
            c.skips.append(e)

    def _on_error(self, index: int, e: Event) -> None:
        if (c := self._call(e)) is not None:
            c.on_errors.append(e)
            c.on_error_runs.append(len(c.runs))

    def _end(self, index: int, e: Event) -> None:
        if (c := self._call(e)) is not None:
            c.end, c.end_index = e, index

    def _misuse(self, index: int, e: Event) -> None:
        if (c := self._call(e)) is not None and c.misuse is None:
            c.misuse = (index, e)

    HANDLERS: ClassVar[Handlers] = {
        EventKind.CALL_START: _start,
        EventKind.RUN_START: _run_start,
        EventKind.RUN_OK: _run_end,
        EventKind.RUN_RAISE: _run_end,
        EventKind.PROVIDER_FAULT: _fault,
        EventKind.RUNNER_REFUSED: _fault,
        EventKind.CANDIDATE_SKIP: _skip,
        EventKind.ON_ERROR: _on_error,
        **dict.fromkeys(ENDS, _end),
        EventKind.DRIVER_MISUSE: _misuse,
    }

    def finish(self) -> None:
        """Settle what the checkers share about each gathered call: the attempt that had to end it."""
        for c in self.calls.values():
            c.has_outcome = c.end is not None and c.end.kind != EventKind.CALL_CRASH
            c.halt = stop(c)


# --- live model switches: the one failure that moves the chain somewhere other than the next candidate -------------


def same_model(candidate: str, target: str) -> bool:
    """openclaw's `modelKey` equality for `provider/model` strings (a model id may already carry its provider)."""

    def key(ref: str) -> str:
        provider, _, model = ref.partition("/")
        p, m = provider.strip(), model.strip()
        if not p or not m:
            return p or m
        return m if m.lower().startswith(f"{p.lower()}/") else f"{p}/{m}"

    return key(candidate) == key(target)


def switch_jump(chain: list[str], position: int, target: str) -> int | None:
    """Where a live model switch thrown at chain `position` must go: the first later candidate that is its target."""
    for j in range(position + 1, len(chain)):
        if same_model(chain[j], target):
            return j
    return None


def chain_positions(c: Call) -> list[int]:
    """The chain position each attempt should have run at: the first candidate after the previous attempt's that the
    driver did not skip with a record (`next_unrecorded`), except after a live model switch whose target lies ahead
    (`run.raise`'s `switch`), which jumps there. Without switches or skips: 0, 1, 2... Skips count by chain
    position, not trace order: a Node target's skips reach the trace after its runs."""
    chain: list[str] = c.start.data["chain"]
    out: list[int] = []
    position = 0
    for _, outcome in c.runs:
        position = next_unrecorded(c, position)
        out.append(position)
        target = None if outcome is None else outcome.data.get("switch")
        jump = None if target is None else switch_jump(chain, position, target)
        position = position + 1 if jump is None else jump
    return out


def next_unrecorded(c: Call, position: int) -> int:
    """The first chain position at or after `position` whose candidate the driver did not skip in this call."""
    if not c.skips:
        return position  # the common case: no [auth] store, nothing skipped
    chain: list[str] = c.start.data["chain"]
    skipped = {e.data.get("candidate") for e in c.skips}
    while position < len(chain) and chain[position] in skipped:
        position += 1
    return position


def jumped(c: Call) -> frozenset[int]:
    """The attempts that were live model switches to a later candidate: no attempt is recorded for them."""
    if not any(outcome is not None and "switch" in outcome.data for _, outcome in c.runs):
        return frozenset()  # the common case, on the judge's hot path
    chain: list[str] = c.start.data["chain"]
    positions = chain_positions(c)
    return frozenset(
        i
        for i, (_, outcome) in enumerate(c.runs)
        if outcome is not None
        and outcome.data.get("switch") is not None
        and switch_jump(chain, positions[i], outcome.data["switch"]) is not None
    )
