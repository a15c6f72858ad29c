"""The state between calls as the six store invariants see it (issue 16): one ledger, built in the judge's pass.

Only worlds with an auth-profile store (a scenario's `[auth]` table) have these events; a run without any
`store.write` is not judged by the store invariants at all (`active` is False), so old scenarios' verdicts and
a Node target whose world never wrote the store are neither checked nor "not applicable".

What the ledger keeps, each with its index in the trace (order matters: two events at one virtual instant are
ordered by the trace):
- `writes`: every `store.write` (seed, failure, success), with the entries after it (openclaw's JSON shape);
- `faults`: the world's truth about each provider fault (`provider.fault` with profile, scope, retry_after_ms);
- `attempts`: every `run.start` (per call and in trace order), with the key it used, whether it was a probe,
  whether its provider request failed, the store writes it caused and the deadline the runtime itself had
  declared for that key and model when it started (`Declared`);
- `decisions`: the candidates the driver skipped (`candidate.skip`) or the runner refused (`runner.refused`);
- `keys`: every key seen per provider, with the index where it was first seen.

Deadlines the runtime declared: the ledger reads each write's `after` as openclaw would (a key-wide entry's
`cooldownModel` / `blockedModel` narrows it to one model; an entry under a model's name, the reference shape,
holds for that model). The latest deadline written for (key, scope) stands until a success covers it: a success
of model m covers m's scope and the key-wide one, never another model's (so a success on a sibling that wipes
a scoped entry does not erase the deadline the runtime had declared for the other model).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, Protocol

from simharness.check.calls import Call, Handlers
from simharness.check.verdicts import Verdicts
from simharness.model.kinds import EventKind
from simharness.model.store import KEY_WIDE
from simharness.model.target import Profile
from simharness.model.trace import Event

#: The stated probe interval (openclaw's `MIN_PROBE_INTERVAL_MS = 3e4` in the model-fallback chunk, 5.18-9.6,
#: keyed by agent dir and provider). One world run is one agent, so a probe of a cooling *primary* is allowed at
#: most once per provider per 30 s per run; a cooling fallback candidate gets openclaw's "transient probe slot"
#: once per provider per call, without the time throttle (`no-attempt-before-deadline`). The one place this
#: number lives.
PROBE_INTERVAL_MS = 30_000

#: The scope name of a key-wide deadline (openclaw's own store keeps only this one entry per key).
KEY = KEY_WIDE


class Declared(NamedTuple):
    """A deadline the runtime wrote: (key, scope) is unusable until `until`."""

    until: int
    scope: str  # a model name, or KEY ("*")
    reason: str  # cooldownReason / disabledReason / blockedReason, "" when the entry names none
    write: int  # index of the store.write that declared it


@dataclass(slots=True)
class Attempt:
    """One `run.start` of a call, and what the store saw of it."""

    index: int
    start: Event
    call: int
    candidate: str
    provider: str
    model: str
    profile: str | None  # the key the runner used; None when it refused
    probe: bool
    declared: Declared | None = None  # the runtime's own latest deadline for (profile, model) when it started
    provider_failed: bool = False  # its provider request answered something other than success
    refused: Event | None = None  # the runner's refusal (no key usable)
    writes: list[tuple[int, Event]] = field(default_factory=list)  # the store writes it caused


@dataclass(frozen=True, slots=True)
class TruthFault:
    """The world's truth about one provider fault in an [auth] world."""

    index: int
    t: int
    call: int | None
    provider: str
    profile: str
    model: str
    fault: str
    scope: str  # "model" | "key" | "provider"
    retry_after_ms: int

    @property
    def until(self) -> int:
        return self.t + max(0, self.retry_after_ms)


def split(candidate: str) -> tuple[str, str]:
    provider, _, model = candidate.partition("/")
    return provider, model


def declarations(after: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, int, str]]:
    """(scope, until, reason) for every deadline the entries declare, read the way openclaw reads its entry: a
    key-wide entry's `cooldownModel` / `blockedModel` narrows that deadline to one model, `disabledUntil` is
    key-wide; an entry under a model's name holds only for that model."""
    for scope, stats in after.items():
        if scope != KEY:
            deadlines = [stats.get(f) for f in ("cooldownUntil", "disabledUntil", "blockedUntil")]
            present = [int(d) for d in deadlines if d is not None]
            if present:
                reason = stats.get("cooldownReason") or stats.get("disabledReason") or stats.get("blockedReason") or ""
                yield scope, max(present), str(reason)
            continue
        if stats.get("cooldownUntil") is not None:
            yield str(stats.get("cooldownModel") or KEY), int(stats["cooldownUntil"]), str(stats.get("cooldownReason") or "")
        if stats.get("disabledUntil") is not None:
            yield KEY, int(stats["disabledUntil"]), str(stats.get("disabledReason") or "")
        if stats.get("blockedUntil") is not None:
            yield str(stats.get("blockedModel") or KEY), int(stats["blockedUntil"]), str(stats.get("blockedReason") or "")


def until_for(after: Mapping[str, Mapping[str, Any]], model: str) -> int | None:
    """The latest deadline the entries declare that holds for `model` (its own scope or key-wide), or None."""
    found = [until for scope, until, _ in declarations(after) if scope in (model, KEY)]
    return max(found) if found else None


class CooldownLedger:
    """Gathers the store events of one run in the judge's pass (see the module docstring)."""

    def __init__(self) -> None:
        self.writes: list[tuple[int, Event]] = []
        self.faults: list[TruthFault] = []
        self.attempts: list[Attempt] = []
        self.by_call: dict[int, list[Attempt]] = {}
        self.decisions: list[tuple[int, Event]] = []  # candidate.skip and runner.refused, in trace order
        self.skips: dict[int, list[Event]] = {}  # call -> its candidate.skip events
        self.call_starts: dict[int, int] = {}  # call -> index of its call.start
        self.keys: dict[str, dict[str, int]] = {}  # provider -> {profile: index first seen}
        self.declared: dict[tuple[str, str], Declared] = {}  # (profile, scope) -> the latest deadline standing

    @property
    def active(self) -> bool:
        """The run's world has a store the runtime or the world wrote: only then are the store invariants judged."""
        return bool(self.writes)

    @property
    def by_release(self) -> bool:
        """The store's marks came from a real release (the bridge's runner stand-in), not from the world's runner."""
        return any(e.data.get("by") == "release" for _, e in self.writes)

    def keys_of(self, provider: str, before: int) -> list[str]:
        """The keys of `provider` seen before trace index `before`, in the order first seen."""
        seen = self.keys.get(provider, {})
        return [k for k, i in sorted(seen.items(), key=lambda kv: kv[1]) if i < before]

    def _key(self, provider: str, profile: str, index: int) -> None:
        self.keys.setdefault(provider, {}).setdefault(profile, index)

    # --- handlers --------------------------------------------------------------------------------------------

    def _call_start(self, index: int, e: Event) -> None:
        call = e.data.get("call")
        if call is not None:
            self.call_starts[call] = index

    def _run_start(self, index: int, e: Event) -> None:
        data = e.data
        call = data.get("call")
        if call is None:
            return
        profile = data.get("profile")
        if profile is None and not self.writes:
            return  # no store (yet): a world without [auth], on the judge's hot path
        provider, model = split(str(data.get("candidate", "")))
        a = Attempt(index, e, call, data["candidate"], provider, model, profile, data.get("probe") is True)
        if profile is not None:
            self._key(provider, profile, index)
            a.declared = self._standing(profile, model, e.t)
        self.attempts.append(a)
        self.by_call.setdefault(call, []).append(a)

    def _request(self, index: int, e: Event) -> None:
        if e.data.get("fault") != "success" and (a := self._latest(e.data.get("call"))) is not None:
            a.provider_failed = True

    def _fault(self, index: int, e: Event) -> None:
        data = e.data
        profile = data.get("profile")
        if profile is None or "scope" not in data:
            return  # not an [auth] world's truth
        provider = e.actor.removeprefix("provider:") if e.actor.startswith("provider:") else profile.split(":", 1)[0]
        self._key(provider, profile, index)
        self.faults.append(
            TruthFault(
                index, e.t, data.get("call"), provider, profile, str(data.get("model")), str(data.get("fault")),
                str(data["scope"]), int(data.get("retry_after_ms") or 0),
            )
        )  # fmt: skip

    def _refused(self, index: int, e: Event) -> None:
        self.decisions.append((index, e))
        if (a := self._latest(e.data.get("call"))) is not None:
            a.refused = e

    def _skip(self, index: int, e: Event) -> None:
        self.decisions.append((index, e))
        call = e.data.get("call")
        if call is not None:
            self.skips.setdefault(call, []).append(e)

    def _write(self, index: int, e: Event) -> None:
        data = e.data
        self.writes.append((index, e))
        profile, model, cause = data["profile"], data.get("model"), data.get("cause")
        self._key(str(data.get("provider")), profile, index)
        for a in reversed(self.by_call.get(data.get("call", -1), ())):  # the attempt that caused it
            if a.profile == profile and a.model == model:
                a.writes.append((index, e))
                break
        if cause == "success" and model is not None:
            self.declared.pop((profile, model), None)
            self.declared.pop((profile, KEY), None)
        latest: dict[str, Declared] = {}
        for scope, until, reason in declarations(data.get("after", {})):
            held = latest.get(scope)
            if held is None or until > held.until:
                latest[scope] = Declared(until, scope, reason, index)
        for scope, d in latest.items():
            self.declared[(profile, scope)] = d

    def _latest(self, call: Any) -> Attempt | None:
        attempts = self.by_call.get(call)
        return attempts[-1] if attempts else None

    def _standing(self, profile: str, model: str, t: int) -> Declared | None:
        """The latest deadline the runtime declared for (profile, model), when it is still running at `t`."""
        held = [d for s in (model, KEY) if (d := self.declared.get((profile, s))) is not None and d.until > t]
        return max(held, key=lambda d: d.until) if held else None

    HANDLERS: ClassVar[Handlers] = {
        EventKind.CALL_START: _call_start,
        EventKind.RUN_START: _run_start,
        EventKind.PROVIDER_REQUEST: _request,
        EventKind.PROVIDER_FAULT: _fault,
        EventKind.RUNNER_REFUSED: _refused,
        EventKind.CANDIDATE_SKIP: _skip,
        EventKind.STORE_WRITE: _write,
    }

    # --- questions the checkers share ------------------------------------------------------------------------

    def successes(self, after: int, before: int) -> Iterable[Event]:
        """The success writes with trace index in (after, before)."""
        return (e for i, e in self.writes if after < i < before and e.data.get("cause") == "success")


class LedgerChecker(Protocol):
    """`judge(ledger, calls, profile, verdicts)`: one store invariant's verdict on a whole run (only judged when
    the ledger is `active`)."""

    def __call__(self, ledger: CooldownLedger, calls: Mapping[int, Call], profile: Profile, v: Verdicts, /) -> None: ...


def ms(t: int) -> str:
    """A virtual time for a message: "35000 ms"."""
    return f"{t} ms"


__all__ = [
    "KEY",
    "PROBE_INTERVAL_MS",
    "Attempt",
    "CooldownLedger",
    "Declared",
    "LedgerChecker",
    "TruthFault",
    "declarations",
    "ms",
    "split",
    "until_for",
]
