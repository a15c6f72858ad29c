"""openclaw 2026.5.20's auth-profile store arithmetic, ported as data (`Openclaw520Policy`), departures included.

Read from the 5.20 dist (`usage-*.js` `computeNextProfileUsageStats`, `resolveProfilesUnavailableReason`,
`calculateAuthProfileCooldownMs`, `calculateDisabledLaneBackoffMs`; `order-*.js` `isProfileInCooldown`,
`getSoonestCooldownExpiry`, `clearExpiredCooldowns`; `profiles-*.js` `resetSuccessfulUsageStats`; the runner's
`resolveAuthProfileFailureReason` in `pi-embedded-*.js`) with the default config (`cfg: {}`) and no failure policy,
as the runner calls them for a provider failure. The release keeps ONE entry per key (`KEY_WIDE`):

- not recorded on the key: `timeout`, `server_error`, `empty_response`, `format` (everything else is, even
  `overloaded` and `model_not_found`, key-wide);
- counts (errorCount, failureCounts) reset when the last failure is older than 24 h or the entry's latest deadline
  has passed; backoff 30 s, 60 s, 5 min by errorCount; billing / auth_permanent: `disabledUntil`, 5 h doubling to
  24 h / 10 min doubling to 60 min by that reason's count;
- an active window is never moved (`keepActiveWindowOrRecompute`): neither shortened nor extended;
- only `rate_limit` is model-scoped (`cooldownModel`), and a second failure on another model while the window runs
  clears `cooldownModel` (the whole key cools down: #141255), as does any non-rate-limit failure;
- Retry-After never reaches the store (no release's `markAuthProfileFailure` reads it: #24810, #111072);
- a success on any model resets the whole entry (keeping `lastFailureAt`, setting `lastUsed`).

The tests (tests/test_store_policy.py) hold cases computed by the real 5.20 dist with node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from simharness.drivers import KEY_WIDE, Entries, UsageStats
from simharness.drivers.store_policy import HOUR, cooldown_backoff_ms, disabled_backoff_ms

#: `resolveAuthProfileFailureReason` (5.18-5.20): failover reasons the runner does not record on the key.
NOT_RECORDED = frozenset({"timeout", "server_error", "empty_response", "format"})
#: `FAILURE_REASON_PRIORITY`: ties in `resolveProfilesUnavailableReason` go to the earlier reason.
FAILURE_REASON_PRIORITY = (
    "auth_permanent",
    "auth",
    "billing",
    "format",
    "model_not_found",
    "overloaded",
    "timeout",
    "rate_limit",
    "empty_response",
    "no_error_details",
    "unclassified",
    "unknown",
)
#: `AUTH_FAILURE_REASONS` (store-*.js): the reasons a stored entry keeps; others are dropped when the store is
#: written and read back (`normalizeUsageStatsEntry`), so a recorded `context_overflow` leaves only its window.
STORED_REASONS = frozenset(
    {"auth", "auth_permanent", "format", "overloaded", "rate_limit", "billing", "timeout", "model_not_found"}
    | {"session_expired", "empty_response", "no_error_details", "unclassified", "unknown"}
)
#: `resolveAuthCooldownConfig` default `failureWindowHours`.
FAILURE_WINDOW_MS = 24 * HOUR


def _positive(t: int | None) -> bool:
    return t is not None and t > 0


def unusable_until(stats: UsageStats) -> int | None:
    """`resolveProfileUnusableUntil`: the latest of blockedUntil, cooldownUntil, disabledUntil (positive ones)."""
    values = [t for t in (stats.blocked_until, stats.cooldown_until, stats.disabled_until) if t is not None and t > 0]
    return max(values) if values else None


def is_active(until: int | None, now: int) -> bool:
    """`isActiveUnusableWindow`."""
    return until is not None and until > 0 and now < until


def _bypasses_model_scope(stats: UsageStats, now: int, model: str | None) -> bool:
    """`shouldBypassModelScopedCooldown`: a rate-limit cooldown scoped to another model does not hold."""
    return bool(
        model
        and stats.cooldown_reason == "rate_limit"
        and stats.cooldown_model
        and stats.cooldown_model != model
        and not is_active(stats.disabled_until, now)
    )


def stored(stats: UsageStats) -> UsageStats:
    """The entry as the store reads it back (`normalizeUsageStatsEntry`): unknown reasons dropped."""
    return replace(
        stats,
        failure_counts=tuple((r, n) for r, n in stats.failure_counts if r in STORED_REASONS and n > 0),
        cooldown_reason=stats.cooldown_reason if stats.cooldown_reason in STORED_REASONS else None,
        disabled_reason=stats.disabled_reason if stats.disabled_reason in STORED_REASONS else None,
    )


def _keep_active(existing: int | None, now: int, recomputed: int) -> int:
    """`keepActiveWindowOrRecompute`."""
    return existing if existing is not None and existing > now else recomputed


@dataclass(frozen=True, slots=True)
class Openclaw520Policy:
    """openclaw 2026.5.20's store, as a `StorePolicy` (see the module's docstring)."""

    def records(self, reason: str) -> str | None:
        return None if not reason or reason in NOT_RECORDED else reason

    def mark_failure(self, entries: Entries, now: int, reason: str, model: str, retry_after_ms: int | None) -> Entries:
        # retry_after_ms is ignored: 5.20 never stores a provider's Retry-After
        return {**entries, KEY_WIDE: stored(self.next_stats(entries.get(KEY_WIDE, UsageStats()), now, reason, model))}

    def next_stats(self, existing: UsageStats, now: int, reason: str, model: str | None) -> UsageStats:
        """`computeNextProfileUsageStats` with the default config."""
        window_expired = _positive(existing.last_failure_at) and now - (existing.last_failure_at or 0) > FAILURE_WINDOW_MS
        until = unusable_until(existing)
        reset = window_expired or (until is not None and now >= until)
        error_count = (0 if reset else existing.error_count) + 1
        counts = {} if reset else dict(existing.failure_counts)
        counts[reason] = counts.get(reason, 0) + 1
        updated = replace(existing, error_count=error_count, failure_counts=tuple(sorted(counts.items())), last_failure_at=now)
        if reason in ("billing", "auth_permanent"):
            backoff = disabled_backoff_ms(reason, counts[reason])
            return replace(updated, disabled_until=_keep_active(existing.disabled_until, now, now + backoff), disabled_reason=reason)
        cooldown_until = _keep_active(existing.cooldown_until, now, now + cooldown_backoff_ms(error_count))
        if existing.cooldown_until is not None and existing.cooldown_until > now:
            other_model = bool(existing.cooldown_model and model and existing.cooldown_model != model)  # #141255
            unscoped = reason != "rate_limit" or (not model and bool(existing.cooldown_model))
            scoped = None if other_model or unscoped else existing.cooldown_model
        else:
            scoped = model if reason == "rate_limit" else None
        return replace(updated, cooldown_until=cooldown_until, cooldown_reason=reason, cooldown_model=scoped)

    def mark_success(self, entries: Entries, now: int, model: str) -> Entries:
        """`markAuthProfileSuccess` -> `resetSuccessfulUsageStats`: the whole entry, whatever the model."""
        existing = entries.get(KEY_WIDE, UsageStats())
        reset = replace(
            existing,
            error_count=0,
            failure_counts=(),
            blocked_until=None,
            blocked_reason=None,
            blocked_model=None,
            cooldown_until=None,
            cooldown_reason=None,
            cooldown_model=None,
            disabled_until=None,
            disabled_reason=None,
            last_used=now,
        )
        return {**entries, KEY_WIDE: stored(reset)}

    def in_cooldown(self, entries: Entries, now: int, model: str) -> bool:
        """`isProfileInCooldown(store, id, now, model)`."""
        stats = entries.get(KEY_WIDE)
        if stats is None or _bypasses_model_scope(stats, now, model):
            return False
        until = unusable_until(stats)
        return until is not None and now < until

    def unavailable_reason(self, entries: Entries, now: int, model: str) -> str | None:
        """`resolveProfilesUnavailableReason` for this one key (None when the key is usable for `model`)."""
        if not self.in_cooldown(entries, now, model):
            return None
        return profiles_unavailable_reason([entries], now) or "unknown"

    def order(self, keys: list[tuple[str, Entries]], now: int) -> list[str]:
        """`resolveAuthProfileOrder` without an explicit order (`orderProfilesByMode`, api keys only): the keys not
        cooling down (for any model) least recently used first, then the cooling ones soonest free first."""
        available: list[tuple[int, str]] = []
        cooling: list[tuple[int, str]] = []
        for profile, entries in keys:
            stats = entries.get(KEY_WIDE)
            until = None if stats is None or _bypasses_model_scope(stats, now, None) else unusable_until(stats)
            if stats is not None and until is not None and now < until:
                cooling.append((until, profile))
            else:
                available.append(((stats.last_used or 0) if stats is not None else 0, profile))
        by_time = sorted(available, key=lambda x: x[0]) + sorted(cooling, key=lambda x: x[0])  # stable, as toSorted
        return [profile for _, profile in by_time]

    def refusal_reason(self, keys: list[Entries], now: int, model: str) -> str | None:
        """The reason the runner refuses with when no key is usable: 5.20 scores every key of the provider
        (`resolveProfilesUnavailableReason`: a disabled billing key outweighs a cooling one)."""
        return profiles_unavailable_reason(keys, now)

    # --- the rest of 5.20's store reads, for the world's view and the 5.20 port's cooldown decision ---------

    def clear_expired(self, entries: Entries, now: int) -> Entries:
        """`clearExpiredCooldowns`: expired windows removed; the counts too when nothing is left active."""
        stats = entries.get(KEY_WIDE)
        if stats is None:
            return entries
        cooldown = _positive(stats.cooldown_until) and now >= (stats.cooldown_until or 0)
        blocked = _positive(stats.blocked_until) and now >= (stats.blocked_until or 0)
        disabled = _positive(stats.disabled_until) and now >= (stats.disabled_until or 0)
        if not (cooldown or blocked or disabled):
            return entries
        if cooldown:
            stats = replace(stats, cooldown_until=None, cooldown_reason=None, cooldown_model=None)
        if blocked:
            stats = replace(stats, blocked_until=None, blocked_reason=None, blocked_model=None)
        if disabled:
            stats = replace(stats, disabled_until=None, disabled_reason=None)
        if unusable_until(stats) is None:
            stats = replace(stats, error_count=0, failure_counts=())
        return {**entries, KEY_WIDE: stats}

    def until(self, entries: Entries, now: int, model: str) -> int | None:
        """When the key becomes usable for `model` (`getSoonestCooldownExpiry` for one key), or None."""
        return soonest_cooldown_expiry([entries], now, model)


def soonest_cooldown_expiry(keys: Iterable[Entries], now: int, model: str | None) -> int | None:
    """`getSoonestCooldownExpiry(store, profileIds, {now, forModel})` (may be in the past, as in 5.20)."""
    soonest: int | None = None
    latest_matching: int | None = None
    for entries in keys:
        stats = entries.get(KEY_WIDE)
        if stats is None or _bypasses_model_scope(stats, now, model):
            continue
        until = unusable_until(stats)
        if until is None:
            continue
        if model and stats.cooldown_reason == "rate_limit" and stats.cooldown_model == model and not is_active(stats.disabled_until, now):
            latest_matching = until if latest_matching is None else max(latest_matching, until)
            continue
        soonest = until if soonest is None else min(soonest, until)
    if soonest is None:
        return latest_matching
    return soonest if latest_matching is None else min(soonest, latest_matching)


def profiles_unavailable_reason(keys: Iterable[Entries], now: int) -> str | None:
    """`resolveProfilesUnavailableReason({store, profileIds, now})` over several keys' entries."""
    scores: dict[str, int] = {}

    def add(reason: str, value: int) -> None:
        if reason in FAILURE_REASON_PRIORITY and value > 0:
            scores[reason] = scores.get(reason, 0) + value

    for entries in keys:
        stats = entries.get(KEY_WIDE)
        if stats is None:
            continue
        if is_active(stats.disabled_until, now) and stats.disabled_reason in FAILURE_REASON_PRIORITY:
            add(stats.disabled_reason or "", 1000)
            continue
        if is_active(stats.blocked_until, now):
            add("rate_limit", 1000)
            continue
        if not is_active(stats.cooldown_until, now):
            continue
        recorded = False
        for reason, count in stats.failure_counts:
            if reason in FAILURE_REASON_PRIORITY and count > 0:
                add(reason, count)
                recorded = True
        if not recorded:
            add("unknown", 1)
    best: str | None = None
    best_score = -1
    for reason in FAILURE_REASON_PRIORITY:  # in priority order: a strictly higher score wins, a tie keeps the earlier
        score = scores.get(reason)
        if score is not None and score > best_score:
            best, best_score = reason, score
    return best


__all__ = [
    "FAILURE_REASON_PRIORITY",
    "NOT_RECORDED",
    "STORED_REASONS",
    "Openclaw520Policy",
    "profiles_unavailable_reason",
    "soonest_cooldown_expiry",
    "stored",
    "unusable_until",
]
