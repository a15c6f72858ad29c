"""The providers' truth about keys (issue 16): which (key, model) a fault blocks, and until when.

In a world with an `[auth]` table every provider fault has a *scope* (the key for one model, the whole key, or
every key of the provider) and a *Retry-After* (chosen from the provider's `retry_after_ms`). A fault that carries
a Retry-After blocks its scope until `t + retry_after`: while it does, the provider keeps answering that fault
(a real quota), so an attempt made too early is observable in the trace. A billing-disabled key answers 402
to every request. The runtime under test never sees this truth; the trace does (`provider.fault` gains `profile`,
`scope`, `retry_after_ms`) and the checkers judge the runtime's own store against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simharness.faults.provider import ProviderPlan
from simharness.model.choice import ChoiceSource
from simharness.model.scenario import Scenario
from simharness.model.scenario_auth import default_scope
from simharness.model.store import KEY_WIDE, AuthProfile
from simharness.sim.env import duration_labels

#: Faults whose error carries the Retry-After (an HTTP 429): only these block anything. The others' truth is
#: recorded with retry_after_ms 0 (the runtime could not have known a deadline the error does not carry).
RETRY_AFTER_FAULTS = frozenset({"rate_limit", "rate_limit_nested_lock", "explicit_nested_coordination"})


@dataclass(frozen=True, slots=True)
class Block:
    """A fault the provider keeps answering for a scope until `until` (None: for ever, a disabled billing account)."""

    fault: str
    scope: str
    until: int | None


@dataclass(frozen=True, slots=True)
class Truth:
    """What the world recorded about one fault (the `provider.fault` fields of an [auth] world)."""

    profile: str
    scope: str
    retry_after_ms: int

    def fields(self) -> dict[str, object]:
        return {"profile": self.profile, "scope": self.scope, "retry_after_ms": self.retry_after_ms}


class AuthFaults:
    """The truth of one world: the keys of each provider and the blocks the faults so far have set."""

    __slots__ = ("_blocks", "_keys", "choices", "scenario")

    def __init__(self, scenario: Scenario, choices: ChoiceSource) -> None:
        assert scenario.auth is not None
        self.scenario, self.choices = scenario, choices
        self._keys: dict[str, tuple[AuthProfile, ...]] = {}
        self._blocks: dict[tuple[str, str], Block] = {}  # (profile or "provider:<p>", model or KEY_WIDE) -> block

    def keys(self, provider: str) -> tuple[AuthProfile, ...]:
        keys = self._keys.get(provider)
        if keys is None:
            assert self.scenario.auth is not None
            keys = self._keys[provider] = self.scenario.auth.keys(provider)
        return keys

    def key(self, provider: str, profile: str) -> AuthProfile:
        for k in self.keys(provider):
            if k.id == profile:
                return k
        return AuthProfile(profile, provider)  # a key the runtime named that the scenario does not list

    def blocked(self, provider: str, profile: str, model: str, now: int) -> Block | None:
        """The fault the provider answers this key and model with at `now`, or None (it may answer anything)."""
        if self.key(provider, profile).billing_disabled:
            return Block("billing", "key", None)
        found: Block | None = None
        for where in ((profile, model), (profile, KEY_WIDE), ("provider:" + provider, KEY_WIDE)):
            block = self._blocks.get(where)
            if block is None or block.until is None or block.until <= now:
                continue
            if found is None or (found.until or 0) < block.until:
                found = block
        return found

    def retry_after(self, provider: str, plan: ProviderPlan, fault: str) -> int:
        """The Retry-After (ms) of a new fault: chosen from `retry_after_ms`, else `retry_after_s` in ms.
        Uses the plan's own choice point when the scenario gives seconds, so its label stays the same."""
        if fault not in RETRY_AFTER_FAULTS:
            return 0
        spec = self.scenario.provider(provider)
        if spec.retry_after_ms:
            names = duration_labels(spec.retry_after_ms, "", "ms")
            return spec.retry_after_ms[self.choices.choose(f"provider.{provider}.retry_after_ms", names)]
        return plan.retry_after[self.choices.choose(plan.retry_label, plan.retry_names)] * 1000

    def record(self, provider: str, profile: str, model: str, fault: str, retry_after_ms: int, now: int) -> Truth:
        """A new fault on (profile, model) at `now`: its scope, and the block its Retry-After sets."""
        scope = self.scenario.provider(provider).scope or default_scope(fault)
        if retry_after_ms > 0:
            where = {"model": (profile, model), "key": (profile, KEY_WIDE)}.get(scope, ("provider:" + provider, KEY_WIDE))
            old = self._blocks.get(where)
            until = math.ceil(now) + retry_after_ms  # whole ms (a driver's fractional wait moves the clock off them)
            if old is None or old.until is None or old.until <= now or old.until < until:
                self._blocks[where] = Block(fault, scope, until)
        return Truth(profile, scope, retry_after_ms)


def retry_after_field(retry_after_ms: int) -> int | float | None:
    """The error's `retryAfter` (seconds, as the SDKs give it) for a Retry-After in ms (None when there is none)."""
    if retry_after_ms <= 0:
        return None
    return retry_after_ms // 1000 if retry_after_ms % 1000 == 0 else retry_after_ms / 1000


__all__ = ["RETRY_AFTER_FAULTS", "AuthFaults", "Block", "Truth", "retry_after_field"]
