"""Real targets: a published openclaw release (`openclaw@VERSION`, installed on first use) or a dist
directory (`node-dist:PATH`), whose real `runWithModelFallback` runs in a Node bridge (`bridge.py`).

The Python side of the driver is a simpy generator: it starts the real `runWithModelFallback` in Node, and
for every `run(provider, model)` the real driver makes, it plays the attempt in the simulated world
(`yield from run(...)`) and sends the outcome back.

In a world with an `[auth]` table (`ctx.auth` is set) the release keeps its own auth-profile store (`owns_store`):
the bridge gives it a real store (re-seeded at each run's first call, `begin_run`) and plays the embedded
runner's auth loop with the release's own functions (key pick, refusal, marks); this side reports what it did to
the world (`ctx.auth.write` / `ctx.auth.refused`), runs each attempt with the key picked, and turns the driver's
own `attempts` entries that made no run into `candidate.skip` events. Without `[auth]` nothing of that runs.

Identity crosses the boundary by reference: when Node reports that the error it rethrew (or passed to
`onError`) is the very object `run` threw at attempt k, the Python side raises *its own* object of attempt
k — the world's uid matches and `coordination-single-run` can judge identity. Anything else is rebuilt from
its graph as a new object. Returned values likewise: the very value a `run` resolved with comes back as the
world's own object (`driver-contract` judges "a result `run` did not produce" by identity); a made-up one as
a new object.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Sequence
from typing import Any

import simpy

from simharness.model.errors import JSError
from simharness.model.exceptions import BridgeError, TargetError
from simharness.model.graph import from_graph, to_graph
from simharness.model.store import KEY_WIDE, UsageStats
from simharness.model.target import CallContext, Candidate, OnErrorFn, Profile, RunFn
from simharness.targets.bridge import Bridge
from simharness.targets.cache import quiet, stderr_progress
from simharness.targets.install import node_release


class NodeTarget:
    """`openclaw@VERSION` (installed on first use) or `node-dist:PATH`, run by a persistent Node bridge."""

    #: The release picks keys, refuses and marks with its own functions (the world's runner does not).
    owns_store = True

    def __init__(self, spec: str, *, timeout: float | None = None, progress: bool = True) -> None:
        self.spec = spec
        self._timeout = timeout
        release = node_release(spec, stderr_progress if progress else quiet)
        self.located, self.node = release.located, release.node
        self.compile_cache = release.compile_cache
        self.profile: Profile = release.located.profile()
        self._bridge: Bridge | None = None
        self._dead: BridgeError | None = None
        self._auth_run: int | None = None  # the world run whose store the bridge holds (`begin_run`)
        #: When a list, each driver call appends {"chain", "now", "results": [(reply sent to Node, what run did)]}:
        #: the benchmark replays them in a pure-Node loop (the floor) and through the bridge without the world.
        self.recording: list[dict[str, Any]] | None = None
        self.bridge()  # start Node now, not inside a run: importing a release's chunks takes seconds

    # The world reads this to know which fields a takeover check compares (the real runtime's own check).
    @property
    def driver(self) -> Any:
        return self._drive

    def bridge(self) -> Bridge:
        if self._dead is not None:
            raise self._dead
        if self._bridge is None:
            extra = {"compileCache": self.compile_cache} if self.compile_cache else {}
            self._bridge = Bridge(self.spec, self.located, self.node, timeout=self._timeout, extra=extra)
        return self._bridge

    def close(self) -> None:
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None
            self._auth_run = None

    def _begin_run(self, bridge: Bridge, auth: Any) -> None:
        """At a run's first call: give the release its store, seeded with the world's state at t=0."""
        if self._auth_run == auth.run_index:
            return
        missing = self.located.store_missing()
        if missing:
            raise TargetError(f"{self.spec}: [auth] scenarios need the release's auth-profile store; its dist lacks {', '.join(missing)}")
        seeds = auth.seed_entries()
        msg = {
            "t": "begin_run",
            "profiles": [[k.id, k.provider] for k in auth.profiles],
            "usageStats": {p: e[KEY_WIDE].to_json() for p, e in sorted(seeds.items()) if KEY_WIDE in e},
        }
        wire = bridge.new_call()
        reply = bridge.request(wire, {**msg, "call": wire})
        if reply.get("t") != "begun":
            bridge.fail(f"protocol error: expected begun, got {bridge.short(reply)}")
        if not reply.get("ok"):
            raise TargetError(
                f"{self.spec}: [auth] scenarios need the release's auth-profile store, which does not load: {reply.get('error')}"
            )
        self._auth_run = auth.run_index

    def _drive(
        self, ctx: CallContext, candidates: Sequence[Candidate], run: RunFn, on_error: OnErrorFn
    ) -> Generator[simpy.Event, Any, Any]:
        try:
            bridge = self.bridge()
        except BridgeError as exc:
            self._dead = exc
            raise
        wire = bridge.new_call()
        thrown: list[JSError] = []  # what `run` threw, by attempt: Node's `ref` indexes this
        produced: list[Any] = []  # what `run` returned, by success: Node's `valueRef` indexes this
        finished = False
        env = ctx.env
        results: list[tuple[dict[str, Any], Any]] | None = None
        auth = getattr(ctx, "auth", None)  # [auth] worlds only
        ran: list[tuple[str, str]] = []  # the candidates run (or refused) in this call, for the skips
        if auth is None and self.recording is not None:  # the floor replays store-less calls only
            results = []
            self.recording.append({"chain": [list(c) for c in candidates], "now": env.now, "results": results})
        try:
            if auth is not None:
                self._begin_run(bridge, auth)
            start = {"t": "start", "call": wire, "chain": [list(c) for c in candidates], "now": env.now}
            msg = bridge.request(wire, {**start, "auth": True} if auth is not None else start)
            while True:
                kind = msg["t"]
                if kind == "run":
                    provider, model = str(msg["provider"]), str(msg["model"])
                    try:
                        if auth is None:
                            value = yield from run(provider, model)
                        else:
                            ran.append((provider, model))
                            profile = msg.get("profileId")
                            value = yield from run(
                                provider, model, probe=msg.get("probe") is True, profile=str(profile) if profile else None
                            )
                    except JSError as err:
                        thrown.append(err)
                        reply = {"t": "result", "call": wire, "ok": False, "error": to_graph(err), "now": env.now}
                        if err.caller_aborted:  # the caller's signal fired (a user abort): Node aborts the one it passed
                            reply["abortCaller"] = True
                    else:
                        produced.append(value)
                        reply = {"t": "result", "call": wire, "ok": True, "value": _wire_value(value), "now": env.now}
                    if results is not None:
                        results.append((reply, thrown[-1] if not reply["ok"] else value))
                    msg = bridge.request(wire, reply)
                elif kind == "refused" and auth is not None:
                    # The release's runner found no usable key: the world records the attempt and its refusal.
                    provider, model = str(msg["provider"]), str(msg["model"])
                    ran.append((provider, model))
                    refusal = auth.refused(provider, model, str(msg.get("reason") or "unknown"), msg.get("probe") is True)
                    thrown.append(refusal)
                    msg = bridge.request(wire, {"t": "result", "call": wire, "ok": False, "error": to_graph(refusal), "now": env.now})
                elif kind == "store" and auth is not None:
                    stats = UsageStats.from_json(msg.get("stats") or {})
                    reason = msg.get("reason")
                    auth.write(
                        str(msg["profileId"]),
                        str(msg["provider"]),
                        str(msg["cause"]),
                        str(reason) if reason else None,
                        str(msg["model"]),
                        {KEY_WIDE: stats},
                    )
                    msg = bridge.next_for(wire)
                elif kind == "onError":
                    error = self._error(bridge, msg, thrown)
                    on_error(
                        {
                            "provider": msg.get("provider"),
                            "model": msg.get("model"),
                            "error": error,
                            "attempt": msg.get("attempt"),
                            "total": msg.get("total"),
                        }
                    )
                    msg = bridge.next_for(wire)
                elif kind == "done":
                    finished = True
                    if auth is not None:
                        _skips(ctx, msg.get("attempts"), ran)
                    if msg.get("ok"):
                        ref = msg.get("valueRef")
                        if isinstance(ref, int) and not isinstance(ref, bool) and 0 <= ref < len(produced):
                            return produced[ref]  # the very value `run` produced: identity preserved
                        return _fresh(msg.get("value"), produced)
                    raise self._error(bridge, msg, thrown)
                else:
                    bridge.fail(f"protocol error: unexpected {bridge.short(msg)}")
        except BridgeError as exc:
            finished = True
            self._dead = exc
            raise
        finally:
            if not finished and self._bridge is bridge:
                bridge.cancel(wire)

    @staticmethod
    def _error(bridge: Bridge, msg: dict[str, Any], thrown: list[JSError]) -> JSError:
        ref = msg.get("ref")
        if isinstance(ref, int) and 0 <= ref < len(thrown):
            return thrown[ref]  # the very object `run` threw: identity preserved
        graph = msg.get("error")
        try:
            return from_graph(graph, thrown) if isinstance(graph, dict) else JSError("(no error)", name="NonError")
        except (KeyError, TypeError, IndexError):
            bridge.fail(f"protocol error: malformed error graph {bridge.short(graph)}")


def _skips(ctx: CallContext, attempts: Any, ran: list[tuple[str, str]]) -> None:
    """`candidate.skip` for each entry of the driver's own `attempts` whose candidate made no run in this call
    (its failed runs are entries too, in chain order: they use up the runs of their candidate first)."""
    left = list(ran)
    for entry in attempts if isinstance(attempts, list) else []:
        if not isinstance(entry, dict):
            continue
        candidate = (str(entry.get("provider", "")), str(entry.get("model", "")))
        if candidate in left:
            left.remove(candidate)
            continue
        ctx.skip(candidate[0], candidate[1], str(entry.get("reason") or ""), str(entry.get("error") or ""))


def _wire_value(value: Any) -> Any:
    """`value` as JSON can carry it (a world's value that JSON cannot hold travels as its repr)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


class MadeUpValue(str):
    """A driver's made-up result that equals (as text) a value `run` produced: a distinct object, never `is`."""

    __slots__ = ()


def _fresh(value: Any, produced: list[Any]) -> Any:
    """A value the driver made up, as a new object: never identical to one `run` produced (CPython shares
    one-character strings, so an equal made-up string is wrapped). JSON's singletons (None, True, False)
    cannot be told apart; the world's values are strings."""
    if isinstance(value, str) and any(value is p for p in produced):
        return MadeUpValue(value)
    return value
