"""`lock-exclusive`: at no virtual instant do two non-stale holders own one session lock.

Decided as the lock events stream past, per lock lane (`lock:<file>`): the owners that believe they hold the
lock. An acquire while another owner still believes it holds the lock is a violation. Staleness is judged by
the world and recorded as `lock.stale_takeover`, which drops the previous holder; releases (fenced or not)
drop the releasing owner.
"""

from __future__ import annotations

from typing import ClassVar

from simharness.check.calls import Handlers
from simharness.check.verdicts import Verdicts, Violation
from simharness.model.kinds import EventKind
from simharness.model.trace import Event

INVARIANT = "lock-exclusive"


class LockExclusive:
    def __init__(self) -> None:
        self.believed: dict[str, set[str]] = {}  # lock lane -> owners that believe they hold it
        self.checked = 0
        self.violations: list[Violation] = []

    def _acquire(self, index: int, e: Event) -> None:
        holders = self.believed.get(e.actor)
        if holders is None:
            holders = self.believed[e.actor] = set()
        owner = str(e.data.get("owner"))
        self.checked += 1
        if holders and holders != {owner}:
            others = sorted(holders - {owner})
            message = f"{e.actor[5:]}: {owner} acquired the lock while {others[0]} still held it"
            self.violations.append(Violation(INVARIANT, message, e.t, None))
        holders.add(owner)

    def _stale_takeover(self, index: int, e: Event) -> None:
        if holders := self.believed.get(e.actor):
            holders.discard(e.data["previous"])

    def _release(self, index: int, e: Event) -> None:  # fenced or not
        if holders := self.believed.get(e.actor):
            holders.discard(str(e.data.get("owner")))

    HANDLERS: ClassVar[Handlers] = {
        EventKind.LOCK_ACQUIRE: _acquire,
        EventKind.LOCK_STALE_TAKEOVER: _stale_takeover,
        EventKind.LOCK_RELEASE: _release,
        EventKind.LOCK_RELEASE_FENCED: _release,
    }

    def verdict(self, v: Verdicts) -> None:
        v.checked[INVARIANT] += self.checked
        v.violations.extend(self.violations)
