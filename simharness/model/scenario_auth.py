"""A scenario's `[auth]` table: the auth-profile store of the world (issue 16, state between calls).

    [auth]
    profiles = { openai = ["k1", "k2"] }       # keys per provider, in order: profile ids "openai:k1", "openai:k2"
    billing_disabled = ["openai:k2"]            # seeded disabled (billing); the provider answers it with 402
    seed = { "openai:k1" = { errorCount = 2, cooldownUntil = 30000, cooldownReason = "rate_limit" } }

A provider the table does not list has one key, "<provider>:default". A world without `[auth]` has no store at
all (today's traces, byte for byte). Provider tables gain, in `[auth]` scenarios only, `scope` (which keys a fault
blocks: model, key or provider; default by kind) and `retry_after_ms` (the Retry-After of each fault, chosen).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simharness.model.exceptions import ScenarioError
from simharness.model.scenario_read import Reader, show
from simharness.model.store import KEY_WIDE, AuthProfile, Entries, UsageStats

#: Which keys a provider fault blocks while its Retry-After runs: the key for one model, the whole key, or
#: every key of the provider.
SCOPES = ("model", "key", "provider")
#: A fault's scope when its provider table names none: a failure of the key itself is key-wide, the rest
#: (quota, capacity, a missing model, transient failures) belong to the one model.
KEY_SCOPED_FAULTS = frozenset({"auth", "billing", "auth_permanent"})
#: Provider names openclaw's runtime treats specially (cooldowns bypassed, a network probe, the AWS SDK's auth):
#: an [auth] world must not use them, or the real driver's store logic would not be what runs.
RUNTIME_SPECIAL = ("openrouter", "kilocode", "openai-codex", "amazon-bedrock")
#: Fields a seed entry may hold (openclaw's JSON names).
SEED_FIELDS = (
    "errorCount", "failureCounts", "cooldownUntil", "cooldownReason", "cooldownModel", "disabledUntil",
    "disabledReason", "blockedUntil", "blockedReason", "blockedModel", "lastFailureAt", "lastUsed",
)  # fmt: skip
_TEXT_FIELDS = frozenset({"cooldownReason", "cooldownModel", "disabledReason", "blockedReason", "blockedModel"})
#: How long a seeded billing-disabled key stays disabled in its store entry (openclaw's first billing step).
BILLING_DISABLED_MS = 5 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class AuthSpec:
    """The validated `[auth]` table."""

    profiles: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (provider, profile ids in order)
    billing_disabled: tuple[str, ...] = ()
    seed: tuple[tuple[str, UsageStats], ...] = ()  # (profile id, its key-wide entry at t=0)

    def keys(self, provider: str) -> tuple[AuthProfile, ...]:
        """The provider's keys in order (one "<provider>:default" when the table lists none)."""
        ids = dict(self.profiles).get(provider, (f"{provider}:default",))
        return tuple(AuthProfile(i, provider, i in self.billing_disabled) for i in ids)

    def seed_entries(self, providers: tuple[str, ...]) -> dict[str, Entries]:
        """{profile: Entries} at t=0: the seeds, and every billing-disabled key disabled (openclaw's shape)."""
        seeds = dict(self.seed)
        out: dict[str, Entries] = {}
        for provider in providers:
            for key in self.keys(provider):
                stats = seeds.get(key.id)
                if key.billing_disabled:
                    base = stats or UsageStats()
                    stats = UsageStats.from_json(
                        {
                            **base.to_json(),
                            "errorCount": max(1, base.error_count),
                            "failureCounts": {**dict(base.failure_counts), "billing": max(1, base.count("billing"))},
                            "disabledUntil": BILLING_DISABLED_MS,
                            "disabledReason": "billing",
                        }
                    )
                if stats is not None:
                    out[key.id] = {KEY_WIDE: stats}
        return out


def default_scope(fault: str) -> str:
    return "key" if fault in KEY_SCOPED_FAULTS else "model"


def parse_auth(where: str, table: Mapping[str, Any], chain: tuple[tuple[str, str], ...]) -> AuthSpec:
    """Validate `[auth]` against the chain (a profile's provider is the part of its id before the colon)."""
    a = Reader(where, table, "auth.")
    for i, (provider, _) in enumerate(chain):
        if provider in RUNTIME_SPECIAL:
            raise ScenarioError(
                f"{where}: world.chain[{i}]: provider {provider!r} is special to openclaw's runtime "
                f"({', '.join(RUNTIME_SPECIAL)}); an [auth] scenario must name another provider"
            )
    raw = a.table_of("profiles")
    profiles: list[tuple[str, tuple[str, ...]]] = []
    for provider, keys in raw.items():
        if provider in RUNTIME_SPECIAL:
            raise a.fail(f"profiles.{provider}", "a provider not special to openclaw's runtime (" + ", ".join(RUNTIME_SPECIAL) + ")")
        ok = isinstance(keys, list) and 1 <= len(keys) <= 16
        if not ok or not all(isinstance(k, str) and k and ":" not in k and len(k) <= 64 for k in keys):
            raise a.fail(f"profiles.{provider}", 'a list of 1-16 key names without ":" (["k1", "k2"])', keys)
        if len(set(keys)) != len(keys):
            raise a.fail(f"profiles.{provider}", "distinct key names", keys)
        profiles.append((provider, tuple(f"{provider}:{k}" for k in keys)))
    spec = AuthSpec(tuple(profiles))
    providers = tuple(dict.fromkeys([p for p, _ in chain] + [p for p, _ in profiles]))
    known = {k.id for p in providers for k in spec.keys(p)}

    disabled = a.get("billing_disabled", [])
    if not isinstance(disabled, list) or not all(isinstance(d, str) for d in disabled):
        raise a.fail("billing_disabled", 'a list of profile ids ("openai:k2")', disabled)
    for d in disabled:
        if d not in known:
            raise a.fail("billing_disabled", "profile ids of the world (" + ", ".join(sorted(known)) + ")", d)

    seeds: list[tuple[str, UsageStats]] = []
    for profile, entry in a.table_of("seed").items():
        if profile not in known:
            raise a.fail(f"seed.{profile}", "a profile id of the world (" + ", ".join(sorted(known)) + ")")
        seeds.append((profile, _seed_entry(a, profile, entry)))
    a.reject_unknown()
    return AuthSpec(tuple(profiles), tuple(dict.fromkeys(disabled)), tuple(seeds))


def _seed_entry(a: Reader, profile: str, entry: Any) -> UsageStats:
    if not isinstance(entry, dict):
        raise a.fail(f"seed.{profile}", "a table of usage fields (errorCount, cooldownUntil, ...)", entry)
    for key, value in entry.items():
        name = f"seed.{profile}.{key}"
        if key not in SEED_FIELDS:
            raise a.fail(name, "a usage field (" + ", ".join(SEED_FIELDS) + ")")
        if key in _TEXT_FIELDS:
            if not isinstance(value, str) or not value or len(value) > 200:
                raise a.fail(name, "a non-empty string", value)
        elif key == "failureCounts":
            if not isinstance(value, dict) or not all(_count(n) for n in value.values()):
                raise a.fail(name, "a table of {reason = count}", value)
        elif not _count(value):
            raise a.fail(name, "an integer from 0 (virtual ms, or a count)", value)
    return UsageStats.from_json(entry)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10**12


def check_provider_options(where: str, name: str, table: Mapping[str, Any], has_auth: bool) -> None:
    """`scope` and `retry_after_ms` in [providers.X] mean something only with a store."""
    for key in ("scope", "retry_after_ms"):
        if key in table and not has_auth:
            raise ScenarioError(f"{where}: providers.{name}.{key}: only in a scenario with an [auth] table, got {show(table[key])}")


__all__ = ["SCOPES", "AuthSpec", "check_provider_options", "default_scope", "parse_auth"]
