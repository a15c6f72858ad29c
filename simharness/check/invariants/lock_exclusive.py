"""`lock-exclusive`: at no virtual instant do two non-stale holders own one session lock.

Decided as the lock events stream past, per lock lane (`lock:<file>`): the owners that believe they hold the
lock. An acquire while another owner still believes it holds the lock is a violation. Staleness is judged by
the world and recorded as `lock.stale_takeover`, which drops the previous holder; releases (fenced or not)
drop the releasing owner.
"""

from __future__ import annotations

from simharness.check.verdicts import Verdicts, Violation
from simharness.model.kinds import EventKind
from simharness.model.trace import Event

INVARIANT = "lock-exclusive"


class LockExclusive:
    kinds = frozenset({EventKind.LOCK_ACQUIRE, EventKind.LOCK_RELEASE, EventKind.LOCK_RELEASE_FENCED, EventKind.LOCK_STALE_TAKEOVER})

    def __init__(self) -> None:
        self.believed: dict[str, set[str]] = {}  # lock lane -> owners that believe they hold it
        self.checked = 0
        self.violations: list[Violation] = []

    def see(self, index: int, e: Event) -> None:
        holders = self.believed.setdefault(e.actor, set())
        k = e.kind
        if k == EventKind.LOCK_ACQUIRE:
            owner = str(e.data.get("owner"))
            self.checked += 1
            others = sorted(holders - {owner})
            if others:
                message = f"{e.actor[5:]}: {owner} acquired the lock while {others[0]} still held it"
                self.violations.append(Violation(INVARIANT, message, e.t, None))
            holders.add(owner)
        elif k == EventKind.LOCK_STALE_TAKEOVER:
            holders.discard(e.data["previous"])
        else:  # a release, fenced or not
            holders.discard(str(e.data.get("owner")))

    def verdict(self, v: Verdicts) -> None:
        v.checked[INVARIANT] += self.checked
        v.violations.extend(self.violations)
