"""The two shapes a checker takes. The judge (`check.judge`) walks the trace once and feeds both.

- A `CallChecker` judges one call, once the pass has gathered it (`check.calls.Call`). Most invariants are
  about one call, and judging call by call keeps the verdict order fixed: per call, the checkers in order.
- An `EventChecker` follows state that spans calls (who holds a lock, which release windows are open). It
  subscribes to the event kinds it needs (its `HANDLERS` table), sees each of them in trace order, then gives its verdict.

Every checker adds to one `Verdicts`: for its invariant, how many situations it checked, how many it found not
applicable (the target's profile does not know the fault kind involved) and the violations.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from simharness.check.calls import Call, Handlers
from simharness.check.verdicts import Verdicts
from simharness.model.target import Profile


class CallChecker(Protocol):
    """`judge(call, profile, verdicts)`: one invariant's verdict on one gathered call."""

    def __call__(self, c: Call, profile: Profile, v: Verdicts, /) -> None: ...


class Subscriber(Protocol):
    """Something fed during the pass: each event whose kind its `HANDLERS` table names goes to that handler, with
    its index in the trace."""

    HANDLERS: ClassVar[Handlers]


class EventChecker(Subscriber, Protocol):
    """An invariant judged as the events stream past; `verdict` adds its counts and violations once the pass is done."""

    def verdict(self, v: Verdicts, /) -> None: ...
