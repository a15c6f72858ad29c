"""What a target is: a model-fallback driver plus the profile of fault kinds its runtime knows.

The driver protocol (users write their own drivers against it, see README):

    def run_with_model_fallback(ctx, candidates, run, on_error):
        # a simpy generator; `candidates` is a list of (provider, model) in chain order
        result = yield from run(provider, model)   # one simulated attempt; raises a JSError on failure
        on_error({"provider": p, "model": m, "error": err, "attempt": i, "total": n})
        return result                              # or raise

`ctx` is a `CallContext`. A driver must take every decision from its arguments: no wall clock, no `random`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import simpy

from simharness.model.kinds import COORDINATION_KINDS, PROVIDER_KINDS, PROVIDER_RULE_KINDS

Candidate = tuple[str, str]
RunFn = Callable[[str, str], Generator[simpy.Event, Any, Any]]
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


class Target(Protocol):
    """A driver under test. `spec` is how the user named it (`reference`, `py:FILE:ATTR`, `openclaw@V`)."""

    spec: str
    profile: Profile

    @property
    def driver(self) -> DriverFn: ...

    def close(self) -> None: ...
