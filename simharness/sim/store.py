"""The world's auth-profile store (issue 16): per key, the entries openclaw keeps (`model.store`), shared by
every session of a run and outliving each call.

Written only through `write`, at the current virtual instant: one write is one atomic step of the simulation,
so two sessions writing one key at one instant are ordered by the environment's tie choice (recorded, replayed).
Each write is a `store.write` trace event. Drivers never see the store itself: a call gets a `snapshot()` taken
when it starts (openclaw's driver loads the store once per call), judged with the target's `StorePolicy` at
the snapshot's `now`. For targets whose runtime keeps its own store (a Node release), this is the mirror of
what the bridge reports after each of the release's writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from simharness.model.kinds import EventKind
from simharness.model.store import AuthProfile, Entries, StorePolicy, StoreWrite, UsageStats
from simharness.model.trace import Trace


class SharedStore:
    """{profile: Entries}: the store of one run."""

    __slots__ = ("_entries", "keys", "policy", "trace")

    def __init__(self, keys: Callable[[str], tuple[AuthProfile, ...]], policy: StorePolicy, trace: Trace) -> None:
        self.keys, self.policy, self.trace = keys, policy, trace
        self._entries: dict[str, Entries] = {}

    def entries(self, profile: str) -> Entries:
        """The key's entries now (a copy: the store changes only through `write`)."""
        return dict(self._entries.get(profile, {}))

    def write(self, t: int, actor: str, call: int, w: StoreWrite, by: str) -> None:
        """Replace `w.profile`'s entries with `w.after` and record the write (`store.write`)."""
        after = {scope: stats for scope, stats in w.after.items()}
        if after:
            self._entries[w.profile] = after
        else:
            self._entries.pop(w.profile, None)
        self.trace.add(t, actor, EventKind.STORE_WRITE, call=call, **w.data(), by=by)

    def snapshot(self, now: int) -> StoreSnapshot:
        return StoreSnapshot(now, {p: dict(e) for p, e in self._entries.items()}, self.keys, self.policy)


class StoreSnapshot:
    """The `StoreView` a call gets: the store as it was at `now`, read only, judged with the target's policy."""

    __slots__ = ("_entries", "_keys", "_policy", "now")

    def __init__(
        self, now: int, entries: Mapping[str, Entries], keys: Callable[[str], tuple[AuthProfile, ...]], policy: StorePolicy
    ) -> None:
        self.now = now
        self._entries, self._keys, self._policy = entries, keys, policy

    def profiles(self, provider: str) -> list[str]:
        return [k.id for k in self._keys(provider)]

    def entries(self, profile: str) -> Entries:
        return dict(self._entries.get(profile, {}))

    def in_cooldown(self, profile: str, model: str) -> bool:
        return self._policy.in_cooldown(self.entries(profile), self.now, model)

    def unavailable_reason(self, profile: str, model: str) -> str | None:
        return self._policy.unavailable_reason(self.entries(profile), self.now, model)

    def soonest_expiry(self, provider: str, model: str) -> int | None:
        """The earliest deadline after `now` among the provider's keys cooling down for `model` (None: none is)."""
        soonest: int | None = None
        for profile in self.profiles(provider):
            entries = self._entries.get(profile, {})
            if not self._policy.in_cooldown(entries, self.now, model):
                continue
            deadlines = sorted({u for stats in entries.values() for u in _deadlines(stats) if u > self.now})
            free = next((d for d in deadlines if not self._policy.in_cooldown(entries, d, model)), None)
            if free is not None and (soonest is None or free < soonest):
                soonest = free
        return soonest

    def __repr__(self) -> str:
        return f"<StoreView at {self.now} ms: {sorted(self._entries)}>"


def _deadlines(stats: UsageStats) -> tuple[int, ...]:
    return tuple(t for t in (stats.cooldown_until, stats.disabled_until, stats.blocked_until) if t is not None)


__all__ = ["SharedStore", "StoreSnapshot"]
