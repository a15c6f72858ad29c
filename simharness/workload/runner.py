"""The embedded runner's auth loop (issue 16): the half of openclaw that *writes* the auth-profile store.

In openclaw, `runWithModelFallback` only reads the store (skip, probe or attempt per candidate); its `run`
callback, the embedded runner, picks a key of the provider that is not cooling down for the model (the first
one when the driver granted a probe), refuses with a FailoverError when there is none, makes the attempt with
that key and marks the key afterwards: a recorded failure (`markAuthProfileFailure`) or a success
(`markAuthProfileSuccess`). The world plays that runner for Python targets, with the target's `StorePolicy`
for the arithmetic (`store.write` by "runner": the target is judged on its marks). A target whose runtime keeps
its own store (`owns_store`, a Node release) picks, refuses and marks itself; it reports through `NodeAuth`
(`ctx.auth`) and the world mirrors the release's numbers (`store.write` by "release").

Only in worlds whose scenario has an `[auth]` table; without one nothing here runs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any, Protocol

from simharness.check.oracle import EXPECTED_REASON, category_of, root_kind
from simharness.drivers.classifier import failover_status
from simharness.drivers.openclaw_2026_5_20 import PROBE_REASONS  # the runner honours a granted probe for these (5.20)
from simharness.drivers.store_policy import ReferencePolicy
from simharness.faults.auth import AuthFaults, Truth
from simharness.model.choice import ChoiceSource
from simharness.model.errors import JSError
from simharness.model.kinds import EventKind
from simharness.model.scenario import Scenario
from simharness.model.store import AuthProfile, Entries, StorePolicy, StoreWrite
from simharness.model.target import Target
from simharness.model.trace import Trace
from simharness.sim.store import SharedStore

#: Which run of this process a world is (the bridge re-seeds its store and shifts its epoch when it changes).
#: Never recorded in a trace.
_RUNS = itertools.count(1)

#: The reason the runner classifies a failure as, by the kind the world built (beyond the summary reasons).
_REASONS = {
    **EXPECTED_REASON,
    "server_error": "server_error",
    "context_overflow": "context_overflow",
    "model_not_found": "model_not_found",
    "abort_timeout": "timeout",
    "network": "timeout",
}

class AuthWorld:
    """The auth half of one world: the providers' truth, the shared store and the target's policy."""

    __slots__ = ("owns_store", "policy", "providers", "run_index", "store", "truth")

    def __init__(self, scenario: Scenario, target: Target, choices: ChoiceSource, trace: Trace) -> None:
        auth = scenario.auth
        assert auth is not None
        self.truth = AuthFaults(scenario, choices)
        policy: StorePolicy | None = getattr(target, "store_policy", None)
        self.policy: StorePolicy = policy if policy is not None else ReferencePolicy()
        self.owns_store = bool(getattr(target, "owns_store", False))
        self.store = SharedStore(self.truth.keys, self.policy, trace)
        self.run_index = next(_RUNS)
        self.providers = tuple(dict.fromkeys([p for p, _ in scenario.chain] + [p for p, _ in auth.profiles]))
        by = "release" if self.owns_store else "runner"
        for profile, entries in sorted(self.seed_entries().items()):
            provider = profile.split(":", 1)[0]
            seed = StoreWrite(profile, provider, "seed", None, None, {}, entries)
            self.store.write(0, "store", 0, seed, by)

    def seed_entries(self) -> dict[str, Entries]:
        """{profile: Entries} at t=0: the scenario's seeds and its billing-disabled keys."""
        assert self.truth.scenario.auth is not None
        return self.truth.scenario.auth.seed_entries(self.providers)

    def pick(self, provider: str, model: str, now: int, probe: bool) -> AuthProfile | None:
        """The key the runner uses: the first not cooling down for `model`; when every key is, the first key if
        the driver granted a probe and the keys' reason allows one (openclaw's runner), else None (refuse)."""
        keys = self.truth.keys(provider)
        order = getattr(self.policy, "order", None)  # a policy may order the keys, as openclaw's runner does
        if order is not None:
            by_id = {k.id: k for k in keys}
            keys = tuple(by_id[i] for i in order([(k.id, self.store.entries(k.id)) for k in keys], now))
        for key in keys:
            if not self.policy.in_cooldown(self.store.entries(key.id), now, model):
                return key
        if probe and keys and self.unavailable_reason(provider, model, now) in PROBE_REASONS:
            return keys[0]
        return None

    def unavailable_reason(self, provider: str, model: str, now: int) -> str:
        whole = getattr(self.policy, "refusal_reason", None)  # a policy may judge all keys at once, as openclaw does
        if whole is not None:
            return str(whole([self.store.entries(k.id) for k in self.truth.keys(provider)], now, model) or "unknown")
        for key in self.truth.keys(provider):
            reason = self.policy.unavailable_reason(self.store.entries(key.id), now, model)
            if reason:
                return reason
        return "unknown"


def classify(err: JSError) -> str | None:
    """What the runner makes of a failed attempt: openclaw's failover reason, None for a coordination error
    (the runtime's own, not the key's)."""
    if category_of(err) == "coordination":
        return None
    kind = root_kind(err)
    if kind == "failover":
        for node in (err, err.cause):
            if isinstance(node, JSError):
                reason = node.reason if isinstance(node.reason, str) else node.fields.get("reason")
                if isinstance(reason, str):
                    return reason
    return _REASONS.get(kind, "unknown")


def refusal_error(provider: str, model: str, reason: str) -> JSError:
    """openclaw's `FailoverError("No available auth profile for <p> (all in cooldown or unavailable).")`."""
    status = failover_status(reason)  # openclaw's `resolveFailoverStatus`: what its refusal's FailoverError carries
    kind = reason if reason in EXPECTED_REASON else "failover"
    return JSError(
        f"No available auth profile for {provider} (all in cooldown or unavailable).",
        name="FailoverError",
        status=status,
        kind=kind,
        fields={"reason": reason, "provider": provider, "model": model},
    )


class Recorder(Protocol):
    """What the loop needs of the sessions: their trace, clock and error registry (a `SessionWorld`)."""

    trace: Trace
    auth: AuthWorld | None

    @property
    def env(self) -> Any: ...
    def register(self, err: JSError) -> JSError: ...


def mark(
    world: Recorder, actor: str, call: int, provider: str, model: str, profile: str, failure: JSError | None, truth: Truth | None
) -> None:
    """The runner's mark after an attempt with `profile`: a recorded failure or a success (by the target's policy)."""
    auth = world.auth
    assert auth is not None
    # whole ms, rounded up: a driver that waits a fractional timeout moves the clock off the integers, and a
    # deadline computed from a truncated `now` would end before the Retry-After it honours
    now, policy = math.ceil(world.env.now), auth.policy
    before = auth.store.entries(profile)
    if failure is None:
        after = policy.mark_success(before, now, model)
        auth.store.write(now, actor, call, StoreWrite(profile, provider, "success", None, model, before, after), "runner")
        return
    reason = classify(failure)
    recorded = policy.records(reason) if reason is not None else None
    if recorded is None:
        return  # not the key's fault (openclaw's runner does not call markAuthProfileFailure)
    retry_after = truth.retry_after_ms if truth is not None and truth.retry_after_ms > 0 else None
    after = policy.mark_failure(before, now, recorded, model, retry_after)
    write = StoreWrite(profile, provider, "failure", recorded, model, before, after, retry_after)
    auth.store.write(now, actor, call, write, "runner")
    if getattr(policy, "marks_good_after_failure", False):  # the good-after-failure mutant: 5.x's unguarded "done" branch (#84457)
        good = StoreWrite(profile, provider, "success", None, model, after, policy.mark_success(after, now, model))
        auth.store.write(now, actor, call, good, "runner")


def refuse(world: Recorder, actor: str, call: int, provider: str, model: str, reason: str) -> JSError:
    """Record the runner's refusal (`runner.refused`) and return its FailoverError, registered."""
    world.trace.add(world.env.now, actor, EventKind.RUNNER_REFUSED, call=call, candidate=f"{provider}/{model}", reason=reason)
    return world.register(refusal_error(provider, model, reason))


class NodeAuth:
    """`ctx.auth`: how a target that keeps its own store (`owns_store`) reports to the world.

    `write` mirrors one of the release's writes (`store.write` by "release": before = the mirror, retry_after_ms =
    this call's last fault truth on that key); `refused` records the release's refusal of an attempt: its
    run.start, `runner.refused` and the run.raise of the FailoverError it returns (already raised in Node)."""

    __slots__ = ("_actor", "_call", "_refuse", "_truths", "_world")

    def __init__(
        self, world: Recorder, actor: str, call: int, truths: dict[str, Truth], refuse_run: Callable[[str, str, str, bool], JSError]
    ) -> None:
        self._world, self._actor, self._call, self._truths, self._refuse = world, actor, call, truths, refuse_run

    @property
    def _auth(self) -> AuthWorld:
        auth = self._world.auth
        assert auth is not None
        return auth

    @property
    def profiles(self) -> tuple[AuthProfile, ...]:
        return tuple(k for p in self._auth.providers for k in self._auth.truth.keys(p))

    @property
    def run_index(self) -> int:
        return self._auth.run_index

    def seed_entries(self) -> dict[str, Entries]:
        return self._auth.seed_entries()

    def write(self, profile: str, provider: str, cause: str, reason: str | None, model: str | None, after: Entries) -> None:
        store = self._auth.store
        truth = self._truths.get(profile) if cause == "failure" else None
        retry_after = truth.retry_after_ms if truth is not None and truth.retry_after_ms > 0 else None
        write = StoreWrite(profile, provider, cause, reason, model, store.entries(profile), dict(after), retry_after)
        store.write(self._world.env.now, self._actor, self._call, write, "release")

    def refused(self, provider: str, model: str, reason: str, probe: bool = False) -> JSError:
        return self._refuse(provider, model, reason, probe)


__all__ = ["PROBE_REASONS", "AuthWorld", "NodeAuth", "classify", "mark", "refusal_error", "refuse"]
