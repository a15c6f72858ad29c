"""`sometimes` reachability: which of the situations a suite promises to reach (`model.kinds.SITUATIONS`) this
run reached. A passing verdict means little if the run never met the case it is about.

Counted in the judge's single pass, from the same events the checkers see; two situations need whole calls
(`success_after_fallback`, `coordination_rethrown`) and are settled once the pass has gathered them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from simharness.check.calls import Call, Handlers
from simharness.check.verdicts import Verdicts
from simharness.model.kinds import VOCABULARY_SITUATIONS, EventKind
from simharness.model.store import KEY_WIDE
from simharness.model.trace import Event

#: The runtime's first backoff step (openclaw's 30 s): a Retry-After or a cooldown past it is "long".
FIRST_STEP_MS = 30_000

#: Situations one event marks by its kind alone.
_BY_KIND: dict[str, str] = {
    EventKind.LOCK_STALE_TAKEOVER: "stale_lock_takeover",
    EventKind.TAKEOVER_DETECTED: "takeover_detected",
    EventKind.WRITER_GAVE_UP: "writer_gave_up",
    EventKind.RUNTIME_REFUSED: "runtime_coordination",
}


class SituationTally:
    """Marks the situations the events show; `verdict` adds the ones that need the gathered calls."""

    def __init__(self) -> None:
        self.situations: set[str] = set()
        self.in_flight = 0
        self.shaped: set[tuple[str, str]] = set()  # (failure, form) of the `shaped` faults seen
        self.successes: list[Event] = []  # run.ok events with a value: `success_after_fallback` once calls are complete
        # [auth] worlds: each key's entries as the last store.write left them, and when it last wrote (t, actor)
        self.store: dict[str, dict[str, dict[str, Any]]] = {}
        self.last_write: dict[str, tuple[int, str]] = {}

    def _by_kind(self, index: int, e: Event) -> None:
        self.situations.add(_BY_KIND[e.kind])

    def _lock_timeout(self, index: int, e: Event) -> None:
        if e.data["owner"].startswith("session-"):
            self.situations.add("lock_timeout")

    def _request(self, index: int, e: Event) -> None:
        if e.data["fault"] == "hang":
            self.situations.add("provider_hang")

    def _fault(self, index: int, e: Event) -> None:
        fault = e.data["fault"]
        if (e.data.get("retry_after_ms") or 0) > FIRST_STEP_MS:
            self.situations.add("retry_after_long")
        if fault == "rate_limit_nested_lock":
            self.situations.add("rate_limit_nested_lock")
        elif fault in VOCABULARY_SITUATIONS:
            self.situations.add(VOCABULARY_SITUATIONS[fault])
        elif fault == "model_switch":
            if e.data.get("last"):
                self.situations.add("model_switch_on_last")
            elif e.data["switch"] in ("later", "current"):
                self.situations.add(f"model_switch_{e.data['switch']}")
        elif fault == "shaped":
            self.shaped.add((e.data["failure"], e.data["form"]))
            if len({form for _, form in self.shaped}) > 1:
                self.situations.add("shapes_compared")

    # --- state between calls ([auth] worlds only: these events exist nowhere else) ---

    def _skip_or_refusal(self, index: int, e: Event) -> None:
        self.situations.add("cooldown_skip" if e.kind == EventKind.CANDIDATE_SKIP else "runner_refused")
        if e.data.get("reason") == "billing":
            self.situations.add("billing_disabled_skip")

    def _run_start(self, index: int, e: Event) -> None:
        data = e.data
        if data.get("probe"):
            self.situations.add("cooldown_probe")
        profile = data.get("profile")
        if profile is None:
            return
        model, reached = data["candidate"].split("/", 1)[1], self.situations
        provider = profile.split(":", 1)[0]
        for scope, stats in self.store.get(profile, {}).items():
            until = _until(stats)
            if until is not None and until <= e.t:
                reached.add("cooldown_expired_retry")
            elif until is not None and _scoped_to(scope, stats) not in (None, model):
                reached.add("sibling_after_scoped_failure")
        for other, entries in self.store.items():
            disabled = any((stats.get("disabledUntil") or 0) > e.t for stats in entries.values())
            if disabled and other != profile and other.split(":", 1)[0] == provider:
                reached.add("billing_disabled_skip")  # the runner passed over a disabled key of the provider

    def _store_write(self, index: int, e: Event) -> None:
        data, reached, t = e.data, self.situations, e.t
        profile = data["profile"]
        if data["cause"] in ("failure", "success"):
            last = self.last_write.get(profile)
            if last is not None and last[0] == t and last[1] != e.actor:
                reached.add("store_concurrent_write")
            self.last_write[profile] = (t, e.actor)
        if data["cause"] == "failure":
            model = data.get("model")
            for scope, stats in data["before"].items():
                until = _until(stats)
                if until is not None and until > t and _scoped_to(scope, stats) not in (None, model):
                    reached.add("second_scoped_failure")
            before = data["before"]
            for scope, stats in data["after"].items():
                until = stats.get("cooldownUntil")
                if until is None or until == (before.get(scope) or {}).get("cooldownUntil"):
                    continue
                if until - t > FIRST_STEP_MS and until - t > (data.get("retry_after_ms") or 0):
                    reached.add("escalated_backoff")
        self.store[profile] = data["after"]

    def _run_raise(self, index: int, e: Event) -> None:
        data, reached = e.data, self.situations
        if data["category"] == "coordination" and "-->" in data["shape"]:
            reached.add("nested_coordination")
            if data["shape"].startswith("AbortError"):
                reached.add("abort_wrapped_coordination")
            if set(data["coord"]) - {"takeover", "lock_timeout"}:
                reached.add("runtime_coordination_wrapped")
        elif data["category"] == "explicit" and data["coord"]:
            reached.add("explicit_nested_coordination")

    def _run_ok(self, index: int, e: Event) -> None:
        if e.data.get("value"):
            self.successes.append(e)

    def _call_start(self, index: int, e: Event) -> None:
        self.in_flight += 1
        if self.in_flight > 1:
            self.situations.add("concurrent_calls")

    def _call_end(self, index: int, e: Event) -> None:
        self.in_flight -= 1
        if e.kind == EventKind.CALL_RAISE and e.data.get("message", "").startswith("All models failed"):
            self.situations.add("chain_exhausted")

    HANDLERS: ClassVar[Handlers] = {
        **dict.fromkeys(_BY_KIND, _by_kind),
        EventKind.LOCK_TIMEOUT: _lock_timeout,
        EventKind.PROVIDER_REQUEST: _request,
        EventKind.PROVIDER_FAULT: _fault,
        EventKind.RUN_RAISE: _run_raise,
        EventKind.RUN_OK: _run_ok,
        EventKind.CALL_START: _call_start,
        EventKind.RUN_START: _run_start,
        EventKind.STORE_WRITE: _store_write,
        EventKind.CANDIDATE_SKIP: _skip_or_refusal,
        EventKind.RUNNER_REFUSED: _skip_or_refusal,
        **dict.fromkeys((EventKind.CALL_RETURN, EventKind.CALL_RAISE, EventKind.CALL_CRASH), _call_end),
    }

    def verdict(self, calls: Iterable[Call], v: Verdicts) -> None:
        call_list = list(calls)
        v.situations |= self.situations
        if any(_nth_run(call_list, e) > 1 for e in self.successes):
            v.situations.add("success_after_fallback")
        for c in call_list:
            if c.end is not None and c.end.kind == EventKind.CALL_RAISE:
                uids = {
                    o.data["err"]
                    for _, o in c.runs
                    if o is not None and o.kind == EventKind.RUN_RAISE and o.data["category"] == "coordination"
                }
                if c.end.data.get("err") in uids:
                    v.situations.add("coordination_rethrown")


def _until(stats: dict[str, Any]) -> int | None:
    """An entry's latest deadline (openclaw's JSON shape), or None."""
    deadlines = [stats.get(k) for k in ("cooldownUntil", "disabledUntil", "blockedUntil")]
    return max((d for d in deadlines if isinstance(d, int)), default=None)


def _scoped_to(scope: str, stats: dict[str, Any]) -> str | None:
    """The one model an entry holds for (its scope, or openclaw's `cooldownModel`), None when it is key-wide."""
    if scope != KEY_WIDE:
        return scope
    if stats.get("disabledUntil"):
        return None
    return stats.get("cooldownModel") or stats.get("blockedModel")


def _nth_run(calls: Iterable[Call], event: Event) -> int:
    """Which attempt of its call `event` (a run's outcome) ended: 1 for the first, 0 when no call holds it."""
    for c in calls:
        if c.call == event.data["call"]:
            for n, (_, outcome) in enumerate(c.runs, 1):
                if outcome is event:
                    return n
    return 0
