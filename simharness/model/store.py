"""State between calls: the auth-profile store openclaw keeps per agent (issue 16), as vocabulary.

openclaw keeps one usage entry per key ("auth profile"): error counts and cooldown deadlines, written by the
embedded runner after each attempt and read by `runWithModelFallback` at the start of a call (a snapshot: a
write during the call is seen at the next call). The world keeps the same shape here, in virtual milliseconds.

A profile's state is a small dict of entries, `Entries = {scope: UsageStats}`: openclaw's own store has one
entry per key, under `KEY_WIDE` ("*"), whose `cooldown_model` narrows it to one model; a policy that keeps finer
state (the reference contract: one entry per model a model-scoped failure hit) adds entries under model names.
A `StorePolicy` is the arithmetic (backoff, scoping, resets); the world's runner applies it, a Node release
applies its own and the bridge reports the entries back.

Field names on the wire and in traces are openclaw's (camelCase), so a trace reads like the real store.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol

#: The entry that holds a key's key-wide state (and, in openclaw's shape, its only entry).
KEY_WIDE = "*"

_WIRE = {
    "error_count": "errorCount",
    "failure_counts": "failureCounts",
    "cooldown_until": "cooldownUntil",
    "cooldown_reason": "cooldownReason",
    "cooldown_model": "cooldownModel",
    "disabled_until": "disabledUntil",
    "disabled_reason": "disabledReason",
    "blocked_until": "blockedUntil",
    "blocked_reason": "blockedReason",
    "blocked_model": "blockedModel",
    "last_failure_at": "lastFailureAt",
    "last_used": "lastUsed",
}
_FROM_WIRE = {v: k for k, v in _WIRE.items()}


@dataclass(frozen=True, slots=True)
class UsageStats:
    """One usage entry (openclaw's `ProfileUsageStats`); times are virtual ms, None when unset."""

    error_count: int = 0
    failure_counts: tuple[tuple[str, int], ...] = ()  # (reason, n), sorted by reason
    cooldown_until: int | None = None
    cooldown_reason: str | None = None
    cooldown_model: str | None = None  # the cooldown holds only for this model (openclaw's model scope)
    disabled_until: int | None = None  # billing / auth_permanent
    disabled_reason: str | None = None
    blocked_until: int | None = None  # a provider's own block (Codex's Retry-After); never written by 5.x-9.x runners
    blocked_reason: str | None = None
    blocked_model: str | None = None
    last_failure_at: int | None = None
    last_used: int | None = None

    def until(self) -> int | None:
        """The latest deadline this entry declares (cooldown, disabled or blocked), or None."""
        deadlines = [t for t in (self.cooldown_until, self.disabled_until, self.blocked_until) if t is not None]
        return max(deadlines) if deadlines else None

    def count(self, reason: str) -> int:
        return dict(self.failure_counts).get(reason, 0)

    def counted(self, reason: str) -> UsageStats:
        """This entry with one more failure of `reason` (both counters)."""
        counts = dict(self.failure_counts)
        counts[reason] = counts.get(reason, 0) + 1
        return replace(self, error_count=self.error_count + 1, failure_counts=tuple(sorted(counts.items())))

    def to_json(self) -> dict[str, Any]:
        """openclaw's JSON shape, unset fields left out (what traces and the bridge carry)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == () or (f.name == "error_count" and value == 0):
                continue
            out[_WIRE[f.name]] = dict(value) if f.name == "failure_counts" else value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UsageStats:
        """From openclaw's JSON shape; unknown keys are ignored, numbers are rounded to whole ms."""
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            name = _FROM_WIRE.get(key)
            if name is None or value is None:
                continue
            if name == "failure_counts":
                kwargs[name] = tuple(sorted((str(r), int(n)) for r, n in dict(value).items()))
            elif name in ("cooldown_reason", "cooldown_model", "disabled_reason", "blocked_reason", "blocked_model"):
                kwargs[name] = str(value)
            else:
                kwargs[name] = round(float(value))
        return cls(**kwargs)


#: A profile's state: scope (`KEY_WIDE` or a model name) -> entry.
Entries = dict[str, UsageStats]


@dataclass(frozen=True, slots=True)
class AuthProfile:
    """One key of a provider. `billing_disabled`: the key answers 402 (a disabled billing account)."""

    id: str  # "openai:k1"
    provider: str
    billing_disabled: bool = False


@dataclass(frozen=True, slots=True)
class StoreWrite:
    """One write to the store, as the trace records it (`store.write`)."""

    profile: str
    provider: str
    cause: str  # "failure" | "success" | "seed"
    reason: str | None  # the failure reason recorded (None for success, or a failure the runtime does not record)
    model: str | None  # the model of the attempt that caused it
    before: Entries = field(default_factory=dict)
    after: Entries = field(default_factory=dict)
    retry_after_ms: int | None = None  # the Retry-After the provider gave with this failure (world truth)

    def data(self) -> dict[str, Any]:
        """The trace event's fields (`store.write`)."""
        return {
            "profile": self.profile,
            "provider": self.provider,
            "cause": self.cause,
            "reason": self.reason,
            "model": self.model,
            "before": {scope: s.to_json() for scope, s in sorted(self.before.items())},
            "after": {scope: s.to_json() for scope, s in sorted(self.after.items())},
            **({"retry_after_ms": self.retry_after_ms} if self.retry_after_ms is not None else {}),
        }


class StorePolicy(Protocol):
    """The store arithmetic of a runtime: which failures it records, how long it cools a key down, what a
    success resets, and what "cooling down for this model" means. Pure functions of their arguments."""

    def records(self, reason: str) -> str | None:
        """The reason the runner records for a failure classified `reason`, or None (not recorded)."""

    def mark_failure(self, entries: Entries, now: int, reason: str, model: str, retry_after_ms: int | None) -> Entries:
        """The profile's entries after a recorded failure of `model` at `now`."""

    def mark_success(self, entries: Entries, now: int, model: str) -> Entries:
        """The profile's entries after a success of `model` at `now`."""

    def in_cooldown(self, entries: Entries, now: int, model: str) -> bool:
        """Whether the key may not be used for `model` at `now`."""

    def unavailable_reason(self, entries: Entries, now: int, model: str) -> str | None:
        """Why the key is unusable for `model` at `now` (rate_limit, billing, ...), or None when usable.

        A policy may also define `refusal_reason(keys: list[Entries], now, model) -> str | None`: the reason the
        runner refuses with when no key of the provider is usable, judged over all of them (openclaw 5.20 scores
        every key); without it the runner takes the first unusable key's reason. And `order(keys: list[tuple[str,
        Entries]], now) -> list[str]`: the order the runner tries the keys in (openclaw: least recently used first,
        cooling keys last); without it, the scenario's order."""


__all__ = ["KEY_WIDE", "AuthProfile", "Entries", "StorePolicy", "StoreWrite", "UsageStats"]
