"""What checking one run produces: per-invariant counts, the violations found and the situations reached.

Every checker writes into one `Verdicts`; reports, shrinking and the kill matrix read it. The helpers here
build a violation the same way for every checker, so messages, fields and shapes stay uniform.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from simharness.model.kinds import INVARIANTS
from simharness.model.trace import Event


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: str
    message: str
    at: int  # virtual ms of the offending event
    call: int | None = None
    event: int | None = None  # index into the trace
    shape: str = ""  # the error graph it is about ("AbortError --reason--> ActiveTurnClaimError"): the departure's class


@dataclass(slots=True)
class Verdicts:
    """Outcome of checking one run: per-invariant counts, violations and situations reached."""

    checked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INVARIANTS, 0))
    not_applicable: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INVARIANTS, 0))
    violations: list[Violation] = field(default_factory=list)
    situations: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.violations


def fail(v: Verdicts, invariant: str, message: str, event: Event, call: int | None, shape: str = "") -> None:
    """Record a violation stamped with the time of `event` (no trace index: the event is one of a call's runs)."""
    v.violations.append(Violation(invariant, message, event.t, call, shape=shape))


def fail_at(v: Verdicts, invariant: str, message: str, at: tuple[int, Event], call: int | None) -> None:
    """Record a violation that points at one trace event: `at` is (index into the trace, event)."""
    v.violations.append(Violation(invariant, message, at[1].t, call, at[0]))


def departure_shape(outcome: Event) -> str:
    """The class of a departure (a `run.raise`): the error graph as `describe` draws it (which stops after a few
    links) and the kinds it holds, so a 25-deep wrapper of a takeover and of a lock are told apart."""
    data = outcome.data
    kinds = [data["root"], *(k for k in data["coord"] if k != data["root"])]
    return f"{data['shape']} [{' > '.join(kinds)}]"


def describe_violations(violations: Iterable[Violation]) -> list[dict[str, Any]]:
    """Violations as plain dicts (schedule files and reports)."""
    return [{"invariant": x.invariant, "message": x.message, "at_ms": x.at, "call": x.call} for x in violations]
