"""The contract's store arithmetic (`ReferencePolicy`): the default `StorePolicy` of every Python target.

What the world's runner asks of a target's policy after each attempt (see `simharness.model.store`):

- **what is recorded on the key**: `rate_limit`, `overloaded`, `model_not_found` (a fault of one model), `auth`,
  `auth_permanent`, `billing` (a fault of the key). Not recorded: `timeout`, `server_error`, `format`,
  `empty_response`, `context_overflow`, ... (a transient or request-shaped failure says nothing about the key);
- **where**: a model-scoped reason writes an entry under the model's name (so a sibling model stays usable, and a
  second model's failure never widens the first one's), a key-scoped reason the key-wide entry (`KEY_WIDE`);
- **how long**: deadline = max(the entry's active deadline, now + max(backoff(n), Retry-After)), backoff 30 s, 60 s,
  then 5 min by the entry's failure count n; billing / auth_permanent set `disabled_until` (5 h doubling to 24 h,
  10 min doubling to 60 min: openclaw's defaults). A deadline is never shortened and a Retry-After never ignored;
- **resets**: the counts start again when the entry's window has expired; a success of model m clears m's entry
  and the key-wide one, nothing else (another model's scoped cooldown survives it);
- **usable**: a key is cooling down for model m when its key-wide entry or m's entry is active.

An entry in openclaw's own shape (key-wide, e.g. a scenario's seed or a release's mirrored store) holds for every
model unless its `cooldown_model` / `blocked_model` narrows it to one. Pure functions of their arguments: entries
are never mutated, new dicts are returned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from simharness.model.store import KEY_WIDE, Entries, UsageStats

SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

#: Failures of one model (the provider's quota or capacity for it, or the model missing): one entry per model.
MODEL_SCOPED = frozenset({"rate_limit", "overloaded", "model_not_found"})
#: Failures of the key itself: the key-wide entry.
KEY_SCOPED = frozenset({"auth", "auth_permanent", "billing"})
#: Key-scoped failures that disable the key (openclaw's `disabledUntil` lane) rather than cool it down.
DISABLING = frozenset({"billing", "auth_permanent"})
#: Reasons a failover may carry that say nothing about the key: never recorded.
NOT_RECORDED = frozenset({"timeout", "server_error", "format", "empty_response", "context_overflow", "unknown", "unclassified"})


def cooldown_backoff_ms(count: int) -> int:
    """openclaw's stepped cooldown (`calculateAuthProfileCooldownMs`): 30 s, 60 s, then 5 min."""
    if count <= 1:
        return 30 * SECOND
    if count == 2:
        return MINUTE
    return 5 * MINUTE


def disabled_backoff_ms(reason: str, count: int) -> int:
    """openclaw's disabled lane with its default config: billing 5 h doubling to 24 h, auth_permanent 10 min to 60 min."""
    base, cap = (5 * HOUR, 24 * HOUR) if reason == "billing" else (10 * MINUTE, HOUR)
    return int(min(cap, base * 2 ** min(max(1, count) - 1, 10)))


def _active(until: int | None, now: int) -> bool:
    return until is not None and until > now


def active_for(stats: UsageStats, now: int, model: str) -> bool:
    """Whether this one entry makes the key unusable for `model` at `now` (a `cooldown_model` / `blocked_model`
    narrows its cooldown / block to that model; a disabled key is disabled for every model)."""
    if _active(stats.disabled_until, now):
        return True
    if _active(stats.blocked_until, now) and stats.blocked_model in (None, model):
        return True
    return _active(stats.cooldown_until, now) and stats.cooldown_model in (None, model)


def entry_reason(stats: UsageStats, now: int) -> str:
    """Why an active entry holds: its disabled reason, block, cooldown reason, else its most counted failure."""
    if _active(stats.disabled_until, now) and stats.disabled_reason:
        return stats.disabled_reason
    if _active(stats.blocked_until, now) and not _active(stats.cooldown_until, now):
        return "rate_limit"
    if stats.cooldown_reason:
        return stats.cooldown_reason
    counts = sorted(stats.failure_counts, key=lambda rc: (-rc[1], rc[0]))
    return counts[0][0] if counts else "unknown"


@dataclass(frozen=True, slots=True)
class ReferencePolicy:
    """The contract (see the module's docstring). `retry_after_cap_ms`: the longest Retry-After honoured (None: all)."""

    retry_after_cap_ms: int | None = None

    # --- the protocol (simharness.model.store.StorePolicy) ------------------------------------------------

    def records(self, reason: str) -> str | None:
        return reason if reason in MODEL_SCOPED or reason in KEY_SCOPED else None

    def mark_failure(self, entries: Entries, now: int, reason: str, model: str, retry_after_ms: int | None) -> Entries:
        scope = self.scope(entries, now, reason, model)
        old = entries.get(scope, UsageStats())
        counted = (old if self.keeps_counts(old, now) else UsageStats()).counted(reason)
        wait = self.backoff(reason, counted.count(reason) if reason in DISABLING else counted.error_count)
        retry_after = self.retry_after(retry_after_ms)
        if reason in DISABLING:
            until = self.deadline(old.disabled_until, now, wait, retry_after)
            new = replace(counted, disabled_until=until, disabled_reason=reason, last_failure_at=now)
        else:
            until = self.deadline(old.cooldown_until, now, wait, retry_after)
            narrowed = model if scope == model else None
            new = replace(counted, cooldown_until=until, cooldown_reason=reason, cooldown_model=narrowed, last_failure_at=now)
        return {**entries, scope: new}

    def mark_success(self, entries: Entries, now: int, model: str) -> Entries:
        kept = {scope: stats for scope, stats in entries.items() if scope not in (model, KEY_WIDE)}
        return {**kept, KEY_WIDE: UsageStats(last_used=now)}

    def in_cooldown(self, entries: Entries, now: int, model: str) -> bool:
        return self.blocking(entries, now, model) is not None

    def unavailable_reason(self, entries: Entries, now: int, model: str) -> str | None:
        held = self.blocking(entries, now, model)
        return None if held is None else entry_reason(held, now)

    # --- the contract's pieces (a mutant overrides one) ------------------------------------------------------

    def scope(self, entries: Entries, now: int, reason: str, model: str) -> str:
        """The entry a recorded failure of `model` writes: the model's own, or the key-wide one."""
        return model if reason in MODEL_SCOPED else KEY_WIDE

    def keeps_counts(self, old: UsageStats, now: int) -> bool:
        """Whether a new failure adds to the entry's counts (its window still runs) or starts them again."""
        until = old.until()
        return until is not None and until > now

    def backoff(self, reason: str, count: int) -> int:
        return disabled_backoff_ms(reason, count) if reason in DISABLING else cooldown_backoff_ms(count)

    def retry_after(self, retry_after_ms: int | None) -> int:
        if not retry_after_ms or retry_after_ms <= 0:
            return 0
        return retry_after_ms if self.retry_after_cap_ms is None else min(retry_after_ms, self.retry_after_cap_ms)

    def deadline(self, active: int | None, now: int, backoff_ms: int, retry_after_ms: int) -> int:
        """max(the active deadline, now + max(own backoff, Retry-After)): never shortened, never ignoring the provider."""
        fresh = now + max(backoff_ms, retry_after_ms)
        return max(active, fresh) if _active(active, now) and active is not None else fresh

    # --- helpers for the world's StoreView --------------------------------------------------------------------

    def blocking(self, entries: Entries, now: int, model: str) -> UsageStats | None:
        """The entry that makes the key unusable for `model` at `now` (key-wide first), or None."""
        for scope in (KEY_WIDE, model):
            stats = entries.get(scope)
            if stats is not None and active_for(stats, now, model):
                return stats
        return None

    def until(self, entries: Entries, now: int, model: str) -> int | None:
        """When the key becomes usable for `model` again (the latest active deadline that holds it), or None."""
        deadlines = [s.until() for scope in (KEY_WIDE, model) if (s := entries.get(scope)) is not None and active_for(s, now, model)]
        return max((d for d in deadlines if d is not None), default=None)


__all__ = [
    "DISABLING",
    "KEY_SCOPED",
    "MODEL_SCOPED",
    "NOT_RECORDED",
    "ReferencePolicy",
    "active_for",
    "cooldown_backoff_ms",
    "disabled_backoff_ms",
    "entry_reason",
]
