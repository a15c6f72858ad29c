"""What a target is: a model-fallback driver plus the profile of fault kinds its runtime knows.

The driver protocol (users write their own drivers against it, see README):

    def run_with_model_fallback(ctx, candidates, run, on_error):
        # a simpy generator; `candidates` is a list of (provider, model) in chain order
        result = yield from run(provider, model)   # one simulated attempt; raises a JSError on failure
        # run(provider, model, probe=True): openclaw's allowTransientCooldownProbe (the runner uses the
        # first key even while it cools down); worlds with an [auth] table only
        on_error({"provider": p, "model": m, "error": err, "attempt": i, "total": n})
        return result                              # or raise

`ctx` is a `CallContext`. A driver must take every decision from its arguments: no wall clock, no `random`.
State a driver keeps between calls belongs in `ctx.run_state` (fresh per run, shared by the run's sessions):
a module global leaks from one run into the next, and the `deterministic` invariant's replay catches it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import simpy

from simharness.model.kinds import COORDINATION_KINDS, PROVIDER_KINDS, PROVIDER_RULE_KINDS
from simharness.model.store import Entries

Candidate = tuple[str, str]
#: `run(provider, model, *, probe=False)`: `probe` is optional, so a driver written before it still works
#: (the world's own `run` also takes `profile=`, for targets whose runtime picks the key itself: `owns_store`).
RunFn = Callable[..., Generator[simpy.Event, Any, Any]]
OnErrorFn = Callable[[dict[str, Any]], None]
DriverFn = Callable[["CallContext", Sequence[Candidate], RunFn, OnErrorFn], Generator[simpy.Event, Any, Any]]


@dataclass(frozen=True, slots=True)
class Profile:
    """Which fault kinds a target's runtime can throw, detected from the target itself (never a version table)."""

    name: str
    kinds: frozenset[str]
    generation: str = ""

    def knows(self, kind: str) -> bool:
        return kind in self.kinds


#: The 2026.5.x - 2026.7.x runtimes: embedded takeover and session write lock.
EMBEDDED_LOCK_PROFILE = Profile("embedded-lock", PROVIDER_KINDS | PROVIDER_RULE_KINDS | {"takeover", "lock_timeout"}, "2026.5.x-2026.7.x")
#: The simulated world itself: every kind it can build. The reference contract and Python drivers that
#: declare nothing narrower are judged on all of them (a driver that never met a kind is not excused from it).
ALL_KINDS_PROFILE = Profile("all-kinds", PROVIDER_KINDS | PROVIDER_RULE_KINDS | COORDINATION_KINDS, "every kind the world builds")


class CallContext(Protocol):
    """What a driver may see of the world for one `runWithModelFallback` call."""

    @property
    def env(self) -> simpy.Environment: ...
    @property
    def session(self) -> str: ...
    @property
    def call_id(self) -> int: ...
    def break_lock(self) -> None:
        """Forcibly remove the session's write lock (what a careless driver might do on a lock timeout)."""

    # state between calls (issue 16)
    @property
    def now(self) -> int:
        """Virtual milliseconds (the only clock a driver may read)."""

    @property
    def store(self) -> StoreView | None:
        """The auth-profile store as it was when this call started (None: the world has no [auth] table)."""

    @property
    def run_state(self) -> dict[str, Any]:
        """A dict fresh per run, shared by the run's sessions: the home for a probe throttle."""

    def skip(self, provider: str, model: str, reason: str, message: str = "") -> None:
        """Say that the driver skipped a candidate without running it (recorded as `candidate.skip`)."""


class StoreView(Protocol):
    """A read-only snapshot of the auth-profile store, judged with the target's `StorePolicy` at its `now`."""

    @property
    def now(self) -> int: ...
    def profiles(self, provider: str) -> list[str]:
        """The provider's keys (profile ids), in order."""

    def entries(self, profile: str) -> Entries:
        """The key's entries ({scope: UsageStats}; empty when it has none)."""

    def in_cooldown(self, profile: str, model: str) -> bool: ...
    def unavailable_reason(self, profile: str, model: str) -> str | None: ...
    def soonest_expiry(self, provider: str, model: str) -> int | None:
        """When the first of the provider's keys cooling down for `model` becomes usable again (None: none is)."""


class Target(Protocol):
    """A driver under test. `spec` is how the user named it (`reference`, `py:FILE:ATTR`, `openclaw@V`)."""

    spec: str
    profile: Profile

    @property
    def driver(self) -> DriverFn: ...

    def close(self) -> None: ...
