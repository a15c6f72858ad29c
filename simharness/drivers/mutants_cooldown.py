"""The state-between-calls mutants (issue 16): the reference driver with one realistic cooldown bug each.

Registered at the end of `mutants.py`. A mutant is either the reference driver with a faulty store policy (the
arithmetic the world's runner applies for it: `SIMHARNESS_STORE_POLICY` on the driver, which the `mutant:` target
hands to the world as `store_policy`) or the reference driver given a different view of its call (a context
whose throttle, store or skip record is wrong, or a `run` that always asks for a probe). Each names the
invariant that must kill it and the `[auth]` scenario that exposes it; all hold the reference's own loop.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import simpy

from simharness.drivers import (
    KEY_WIDE,
    CallContext,
    Candidate,
    DriverFn,
    Entries,
    OnErrorFn,
    ReferencePolicy,
    RunFn,
    StorePolicy,
    StoreView,
    UsageStats,
    reference,
)
from simharness.drivers.store_policy import MODEL_SCOPED, active_for

M = TypeVar("M")
Gen = Generator[simpy.Event, Any, Any]


# --- faulty store arithmetic ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WidenSecondScope(ReferencePolicy):
    """A second model-scoped failure on another model, while the first one's window runs, cools the whole key
    (openclaw 5.18-9.6's own rule, #141255)."""

    def scope(self, entries: Entries, now: int, reason: str, model: str) -> str:
        if reason not in MODEL_SCOPED:
            return KEY_WIDE
        others = (s for scope, s in entries.items() if scope not in (model, KEY_WIDE) and active_for(s, now, scope))
        return KEY_WIDE if any(others) else model


@dataclass(frozen=True, slots=True)
class OverloadKeyWide(ReferencePolicy):
    """An overloaded model cools the whole key (openclaw 5.18-7.35, #56112)."""

    def scope(self, entries: Entries, now: int, reason: str, model: str) -> str:
        return KEY_WIDE if reason == "overloaded" else ReferencePolicy.scope(self, entries, now, reason, model)


@dataclass(frozen=True, slots=True)
class GoodAfterFailure(ReferencePolicy):
    """The runner marks the attempt's key good right after marking it failed (openclaw 5.18-7.35's unguarded
    "done" branch, #84457): the world's runner honours `marks_good_after_failure`."""

    @property
    def marks_good_after_failure(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class IgnoreRetryAfter(ReferencePolicy):
    """The deadline is the runtime's own backoff only (openclaw 5.18-9.6, #24810 / #111072)."""

    def retry_after(self, retry_after_ms: int | None) -> int:
        return 0


@dataclass(frozen=True, slots=True)
class KeepFirstDeadline(ReferencePolicy):
    """Re-cooling keeps the active window, even when the new failure asks for a longer one (LiteLLM #40130;
    openclaw's `keepActiveWindowOrRecompute`)."""

    def deadline(self, active: int | None, now: int, backoff_ms: int, retry_after_ms: int) -> int:
        return active if active is not None and active > now else now + max(backoff_ms, retry_after_ms)


@dataclass(frozen=True, slots=True)
class KeepCountsOnSuccess(ReferencePolicy):
    """A success resets errorCount and the window but keeps the per-reason failure counts."""

    def mark_success(self, entries: Entries, now: int, model: str) -> Entries:
        out = dict(entries)
        for scope in (model, KEY_WIDE):
            old = entries.get(scope, UsageStats())
            out[scope] = UsageStats(failure_counts=old.failure_counts, last_used=now)
        return out


@dataclass(frozen=True, slots=True)
class ForgetRateLimits(ReferencePolicy):
    """Records no rate limit or overload on the key: every Retry-After is lost, so the key is retried at once."""

    def records(self, reason: str) -> str | None:
        return None if reason in ("rate_limit", "overloaded") else ReferencePolicy.records(self, reason)


# --- faulty views of the call ---------------------------------------------------------------------------------


class _LastCooling:
    """A store view that says the chain's last model is rate-limited on every key (a stale cache, a wrong key)."""

    def __init__(self, view: StoreView, model: str) -> None:
        self._view, self._model = view, model

    def __getattr__(self, name: str) -> Any:
        return getattr(self._view, name)

    def in_cooldown(self, profile: str, model: str) -> bool:
        return model == self._model or bool(self._view.in_cooldown(profile, model))

    def unavailable_reason(self, profile: str, model: str) -> str | None:
        return "rate_limit" if model == self._model else self._view.unavailable_reason(profile, model)


class _Never:
    """A store view in which no key ever cools down (the driver never skips)."""

    def __init__(self, view: StoreView) -> None:
        self._view = view

    def __getattr__(self, name: str) -> Any:
        return getattr(self._view, name)

    def in_cooldown(self, profile: str, model: str) -> bool:
        return False


class _Ctx:
    """The call's context with one thing changed; everything else is the world's."""

    def __init__(self, ctx: CallContext, run_state: dict[str, Any] | None = None, *, silent: bool = False, blind: bool = False) -> None:
        self._ctx, self._run_state, self._silent, self._blind = ctx, run_state, silent, blind
        self.view: Any = None  # a store view to show instead of the world's

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    @property
    def store(self) -> Any:
        view = self._ctx.store if self.view is None else self.view
        return _Never(view) if self._blind and view is not None else view

    @property
    def run_state(self) -> dict[str, Any]:
        return self._ctx.run_state if self._run_state is None else self._run_state

    def skip(self, provider: str, model: str, reason: str, message: str = "") -> None:
        if not self._silent:
            self._ctx.skip(provider, model, reason, message)


#: The `module-global-throttle` mutant's probe log, a module global (the bug): {"env": the run it last saw (a weak
#: reference to its simpy environment), "now": {provider: probe times} of that run, "before": those of the run
#: before it}. Nothing resets it between runs, so a run's probes throttle the next run, and a replay is not a replay.
_LEAK: dict[str, Any] = {"env": None, "now": {}, "before": {}}


class _LeakyThrottle(dict[str, int]):
    """The reference's `{provider: last probe}` throttle read from the module global: the latest probe at or before
    `now` of this run or of the run before it."""

    def __init__(self, now: int) -> None:
        super().__init__()
        self._now = now

    def get(self, provider: str, default: Any = None) -> Any:
        logged = (*_LEAK["before"].get(provider, ()), *_LEAK["now"].get(provider, ()))
        times = [t for t in logged if t <= self._now]
        return max(times) if times else default

    def __setitem__(self, provider: str, t: int) -> None:
        _LEAK["now"].setdefault(provider, []).append(t)


def _leaky_run_state(ctx: CallContext) -> dict[str, Any]:
    seen = _LEAK["env"]
    if seen is None or seen() is not ctx.env:  # a new run: this module never forgets the last one
        _LEAK.update(env=weakref.ref(ctx.env), before=_LEAK["now"], now={})
    return {reference._THROTTLE: _LeakyThrottle(ctx.now)}


def _driver(how: str) -> DriverFn:
    def run_with_model_fallback(ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn) -> Gen:
        if getattr(ctx, "store", None) is None:  # no [auth] table: the reference itself
            return (yield from reference.run_with_model_fallback(ctx, candidates, run, on_error))
        view: Any
        if how == "no-throttle":
            view = _Ctx(ctx, {})  # a fresh throttle every call: the primary is probed on every call
        elif how == "module-global-throttle":
            view = _Ctx(ctx, _leaky_run_state(ctx))  # outlives the run: the next run (and the replay) sees its probes
        elif how == "silent-skip":
            view = _Ctx(ctx, silent=True)
        elif how == "skip-healthy-fallback":
            shown = ctx.store
            assert shown is not None  # checked above
            view = _Ctx(ctx)
            view.view = _LastCooling(shown, candidates[-1][1]) if len(candidates) > 1 else None
        elif how == "probe-while-a-key-is-free":
            seen = ctx.store
            assert seen is not None  # checked above
            keys: StoreView = seen

            def eager(provider: str, model: str, **options: Any) -> Gen:
                cooling = any(keys.in_cooldown(k, model) for k in keys.profiles(provider))  # any, not every
                return (yield from run(provider, model, **({"probe": True} if cooling else options)))

            return (yield from reference.run_with_model_fallback(ctx, candidates, eager, on_error))
        else:  # ignore-cooldown: never skips, and asks the runner for a probe whenever a key cools down
            view = _Ctx(ctx, blind=True)
            store = ctx.store
            assert store is not None  # checked above

            def probing(provider: str, model: str, **_: Any) -> Gen:
                keys = store.profiles(provider)
                cooling = bool(keys) and all(store.in_cooldown(k, model) for k in keys)
                return (yield from (run(provider, model, probe=True) if cooling else run(provider, model)))

            return (yield from reference.run_with_model_fallback(view, candidates, probing, on_error))
        return (yield from reference.run_with_model_fallback(view, candidates, run, on_error))

    return run_with_model_fallback


def _with_policy(policy: StorePolicy) -> DriverFn:
    def run_with_model_fallback(ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn) -> Gen:
        return (yield from reference.run_with_model_fallback(ctx, candidates, run, on_error))

    setattr(run_with_model_fallback, "SIMHARNESS_STORE_POLICY", policy)  # noqa: B010 — read by the mutant: target
    return run_with_model_fallback


def store_policy_of(driver: DriverFn) -> StorePolicy | None:
    """The faulty store policy a cooldown mutant's driver carries (None: the world's default)."""
    policy: StorePolicy | None = getattr(driver, "SIMHARNESS_STORE_POLICY", None)
    return policy


#: (name, description, invariant that kills it, the [auth] scenario that exposes it, driver).
SPECS: tuple[tuple[str, str, str, str, Callable[[], DriverFn]], ...] = (
    (
        "widen-second-scope",
        "a second model-scoped failure on another model cools the whole key (openclaw's own rule, #141255): a healthy third model is refused",
        "sibling-not-blocked",
        "mixed-scope",
        lambda: _with_policy(WidenSecondScope()),
    ),
    (
        "overload-key-wide",
        "records an overloaded model on the whole key (#56112): a healthy sibling model is refused",
        "sibling-not-blocked",
        "mixed-scope",
        lambda: _with_policy(OverloadKeyWide()),
    ),
    (
        "good-after-failure",
        'the runner marks the key good right after marking it failed (the unguarded "done" branch, #84457): the cooldown just set is wiped',
        "cooldown-survives-failure",
        "storm-429",
        lambda: _with_policy(GoodAfterFailure()),
    ),
    (
        "no-throttle",
        "probes a cooling primary on every call instead of once per 30 s",
        "no-attempt-before-deadline",
        "storm-429",
        lambda: _driver("no-throttle"),
    ),
    (
        "ignore-cooldown",
        "never skips a cooling candidate: runs every one, asking the runner for a probe whenever its keys cool down",
        "no-attempt-before-deadline",
        "storm-429",
        lambda: _driver("ignore-cooldown"),
    ),
    (
        "silent-skip",
        "skips a cooling candidate without recording the skip",
        "chain-accounted",
        "storm-429",
        lambda: _driver("silent-skip"),
    ),
    (
        "ignore-retry-after",
        "cools a key down for its own backoff only, ignoring the provider's Retry-After (#24810, #111072)",
        "retry-after-kept",
        "storm-429",
        lambda: _with_policy(IgnoreRetryAfter()),
    ),
    (
        "keep-first-deadline",
        "re-cooling keeps the active, shorter window when a new failure asks for a longer one (LiteLLM #40130)",
        "retry-after-kept",
        "storm-429",
        lambda: _with_policy(KeepFirstDeadline()),
    ),
    (
        "keep-counts-on-success",
        "a success resets errorCount but keeps the per-reason failure counts",
        "success-resets-errors",
        "storm-429",
        lambda: _with_policy(KeepCountsOnSuccess()),
    ),
    (
        "forget-rate-limits",
        "records no rate limit or overload on the key, so every Retry-After is lost and the key is retried at once",
        "retry-after-kept",
        "storm-429",
        lambda: _with_policy(ForgetRateLimits()),
    ),
    (
        "skip-healthy-fallback",
        "believes the chain's last model is rate-limited (a stale view) and skips it, recorded and summarized, though nothing blocks it",
        "chain-accounted",
        "storm-429",
        lambda: _driver("skip-healthy-fallback"),
    ),
    (
        "probe-while-a-key-is-free",
        "asks for a probe when any key of the provider cools down, not every key: the probe is spent on a cooling key",
        "no-attempt-before-deadline",
        "storm-429",
        lambda: _driver("probe-while-a-key-is-free"),
    ),
    (
        "module-global-throttle",
        "keeps its probe throttle in a module global instead of ctx.run_state: one run's probes throttle the next run",
        "deterministic",
        "storm-429",
        lambda: _driver("module-global-throttle"),
    ),
)


def registered(make: Callable[[str, str, str, str, DriverFn], M]) -> dict[str, M]:
    """The mutants above, built with `mutants.Mutant` (passed in: this module must not import `mutants`)."""
    return {name: make(name, description, invariant, scenario, build()) for name, description, invariant, scenario, build in SPECS}


__all__ = [
    "SPECS",
    "ForgetRateLimits",
    "GoodAfterFailure",
    "IgnoreRetryAfter",
    "KeepCountsOnSuccess",
    "KeepFirstDeadline",
    "OverloadKeyWide",
    "WidenSecondScope",
    "registered",
    "store_policy_of",
]
